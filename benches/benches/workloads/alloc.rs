//! Allocation reports: the number of heap allocations a workload makes (counted by
//! `quiver_benches::Counting`, this bench's global allocator), divided by its batches, printed before timing as lines `xtask bench` reads:
//! `allocations <group> <side> <per batch> per batch (<calls> calls, <bytes> bytes, <n> batches)`.

use quiver_benches::count_allocations;

/// Runs `f` once (untimed), counting its heap allocations, and prints them per batch.
pub fn report<T>(group: &str, side: &str, batches: usize, f: impl FnOnce() -> T) -> T {
    let (out, calls, bytes) = count_allocations(f);
    let per_batch = calls as f64 / batches as f64;
    println!(
        "allocations {group} {side} {per_batch:.2} per batch ({calls} calls, {bytes} bytes, {batches} batches)"
    );
    out
}
