#!/usr/bin/env bash
# The end-to-end load test with the server in its own process (BENCHMARKS.md, "End-to-end load").
# Usage: benches/load_separate.sh RATE [AGENTS] [DURATION_S] [extra loadtest flags...]
# With HANDOFF_DATABASE_URL=postgres://…/scratch it runs on PostgreSQL (the database is emptied
# first); otherwise on a fresh SQLite file. Needs a release build (cargo build --release), or
# HANDOFF_BIN=path/to/handoff to compare another build in the same session.
set -euo pipefail
rate=${1:?rate per second}; agents=${2:-2000}; duration=${3:-20}; shift $(( $# < 3 ? $# : 3 ))
bin="${HANDOFF_BIN:-$(dirname "$0")/../target/release/handoff}"
folder=$(mktemp -d)
# Server and load generator share the data key: on SQLite the key file in the shared data folder,
# on PostgreSQL one generated here for both (unless one is set already).
export HANDOFF_DATA_DIR="$folder"
if [[ "${HANDOFF_DATABASE_URL:-}" == postgres* && -z "${HANDOFF_DATA_KEY:-}" ]]; then
  HANDOFF_DATA_KEY=$("$bin" data-key generate); export HANDOFF_DATA_KEY
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
if [[ "${HANDOFF_DATABASE_URL:-}" == postgres* ]]; then
  HANDOFF_DATABASE_URL="$HANDOFF_DATABASE_URL" "$bin" migrate --revert-all >/dev/null 2>&1 || true
  url=$HANDOFF_DATABASE_URL
else
  url="sqlite://$folder/handoff.db"
fi
HANDOFF_DATABASE_URL="$url" HANDOFF_BIND="127.0.0.1:$port" HANDOFF_LOG=error \
  HANDOFF_WEBHOOK_PRIVATE_ADDRESSES=true HANDOFF_LOGIN_ATTEMPTS_PER_MINUTE=1000000 \
  HANDOFF_HEARTBEAT_TIMEOUT_S=3600 "$bin" serve >"$folder/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$folder"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
HANDOFF_DATABASE_URL="$url" HANDOFF_LOG=error "$bin" loadtest --target "http://127.0.0.1:$port" \
  --agents "$agents" --rate "$rate" --duration-s "$duration" "$@"
echo "server peak memory: $(grep VmHWM /proc/$server/status | awk '{print $2/1024 " MB"}')"
