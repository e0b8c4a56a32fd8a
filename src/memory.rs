//! Keeps the server's memory from growing with login bursts. Each argon2id hash allocates a
//! 19 MiB block. glibc serves blocks that large with mmap at first, but after freeing one it
//! raises its mmap threshold, so later hashes come from the heap, which keeps the memory after
//! the hash is done: 1,000 logins left a server at 466 MB resident, 37 MB before (limiting
//! glibc to two arenas did not help: 524 MB). A fixed threshold keeps large blocks on mmap,
//! returned when freed: 40 MB after the same logins. The price is faulting the block in on
//! every hash, about 13 ms more per login (24 → 38 ms here), paid once per login, never per
//! request. Numbers and method in BENCHMARKS.md.

/// Large allocations (1 MiB and up) always go back to the system when freed (glibc on Linux;
/// elsewhere a no-op).
pub fn return_large_allocations() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only tunes the allocator and is safe to call at any time.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}
