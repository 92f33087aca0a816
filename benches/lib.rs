//! Criterion benchmarks for Quiver, each IPC group measuring Quiver and arrow-rs side by
//! side over identical data. The benchmarks themselves live in `benches/` (`file.rs`: the
//! IPC file format through a plain file and a memory map; `stream.rs`: in-memory stream
//! round trips; `workloads.rs`: issue 11's workloads W1–W8, whose pyarrow side is
//! `pyarrow_bench.py` and which `cargo xtask bench` tabulates; `flight.rs`: issue 13's
//! Flight workload W9, DoGet and DoPut of W4's data over loopback beside arrow-flight,
//! in the same table; `legacy.rs`: pyarrow's legacy serialization of a 200 MB dict of arrays,
//! against one memcpy and, in the README, pyarrow 10). Run them with `cargo bench -p quiver-benches` (or `cargo xtask bench`); see
//! `README.md` for what each one measures and the latest numbers.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator, counting allocations (and reallocations) and their bytes. A bench
/// binary installs it with
/// `#[global_allocator] static GLOBAL: quiver_benches::Counting = quiver_benches::Counting;`
/// and measures with [`count_allocations`].
#[derive(Debug)]
pub struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static ALLOCATED: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so
// `System`'s guarantees hold; the counters are only statistics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        ALLOCATED.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract for `layout`.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        ALLOCATED.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: as in `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` (through this wrapper) with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        ALLOCATED.fetch_add(new_size, Ordering::Relaxed);
        // SAFETY: `ptr` was allocated by `System` with `layout`; the caller upholds the
        // rest of `realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Runs `f` once and returns its result with the heap allocations it made: `(result,
/// calls, bytes)`. Counts are exact only when [`Counting`] is the global allocator.
pub fn count_allocations<T>(f: impl FnOnce() -> T) -> (T, usize, usize) {
    let (calls, bytes) = (
        ALLOCATIONS.load(Ordering::Relaxed),
        ALLOCATED.load(Ordering::Relaxed),
    );
    let out = black_box(f());
    let calls = ALLOCATIONS.load(Ordering::Relaxed) - calls;
    let bytes = ALLOCATED.load(Ordering::Relaxed) - bytes;
    (out, calls, bytes)
}
