"""Memory of a running `handoff serve` with many event streams (BENCHMARKS.md, "Memory").

Logs in the first COUNT agents that `handoff loadtest --data-dir DIR` seeded (four logins at a
time), waits PAUSE_S seconds (read the server's memory then), opens one event stream per agent
and holds them open until stopped. Usage: python3 benches/hold_streams.py PORT COUNT
"""
import asyncio, json, sys

PORT, COUNT = int(sys.argv[1]), int(sys.argv[2])
PAUSE_S = 20

async def request(method, path, body=None, token=None):
    reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
    data = json.dumps(body).encode() if body is not None else b""
    head = f"{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n"
    if token:
        head += f"Authorization: Bearer {token}\r\n"
    writer.write(head.encode() + b"\r\n" + data)
    await writer.drain()
    raw = await reader.read()
    writer.close()
    return raw.split(b"\r\n\r\n", 1)[1]

async def login(i, sem):
    async with sem:
        body = await request("POST", "/api/v1/auth/login", {"email": f"load{i}@loadtest.handoff.local", "password": "loadtest-agent-password"})
        return json.loads(body)["access_token"]

async def stream(token):
    reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
    writer.write(f"GET /api/v1/me/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n".encode())
    await writer.drain()
    await reader.readuntil(b"\r\n\r\n")
    return reader, writer

async def main():
    sem = asyncio.Semaphore(4)
    tokens = await asyncio.gather(*(login(i, sem) for i in range(COUNT)))
    print("logged in", flush=True)
    await asyncio.sleep(PAUSE_S)  # time to read the memory after logins, before streams
    streams = [await stream(t) for t in tokens]
    print("streams open", len(streams), flush=True)
    async def drain(r):
        while await r.read(4096):
            pass
    await asyncio.gather(*(drain(r) for r, _ in streams))

asyncio.run(main())
