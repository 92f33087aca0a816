//! `SystemMemoryPool` keeps freed blocks of 1 MiB and more for reuse, up to its limit.

mod common;

use common::{fill, first_mismatch};
use quiver_buffer::{ALIGNMENT, MemoryPool, SystemMemoryPool};

const MIB: usize = 1 << 20;

#[test]
fn a_freed_block_is_reused_by_an_allocation_of_the_same_class() {
    let pool = SystemMemoryPool::new();
    let first = pool.allocate(3 * MIB).unwrap();
    // SAFETY: each pointer in this test came from `pool` with the size it
    // is passed with, and is not used after it is freed.
    unsafe { pool.free(first, 3 * MIB) };
    assert_eq!(pool.bytes_retained(), 3 * MIB);
    // 3 MiB - 1000 is in the class of 3 MiB (quarter steps of 2 MiB).
    let again = pool.allocate(3 * MIB - 1000).unwrap();
    assert_eq!(again, first);
    assert_eq!(pool.bytes_retained(), 0);
    assert_eq!(pool.bytes_allocated(), 3 * MIB - 1000);
    // SAFETY: as at the top of the test.
    unsafe { pool.free(again, 3 * MIB - 1000) };
    // Another class gets a block of its own, and both are kept.
    let other = pool.allocate(4 * MIB).unwrap();
    assert_ne!(other, first);
    // SAFETY: as at the top of the test.
    unsafe { pool.free(other, 4 * MIB) };
    assert_eq!(pool.bytes_retained(), 7 * MIB);
    assert_eq!(pool.bytes_allocated(), 0);
    pool.release_unused();
    assert_eq!(pool.bytes_retained(), 0);
}

#[test]
fn a_zeroed_allocation_from_a_dirty_block_reads_zeros() {
    let pool = SystemMemoryPool::new();
    let size = 2 * MIB + 12345;
    let dirty = pool.allocate_zeroed(size).unwrap();
    fill(dirty, size, 0x5a);
    // SAFETY: each pointer in this test came from `pool` with the size it
    // is passed with, and is not used after it is freed.
    unsafe { pool.free(dirty, size) };
    let zeroed = pool.allocate_zeroed(size).unwrap();
    assert_eq!(zeroed, dirty);
    // SAFETY: `size` bytes were just allocated zeroed.
    let bytes = unsafe { std::slice::from_raw_parts(zeroed.as_ptr(), size) };
    assert_eq!(bytes.iter().position(|&b| b != 0), None);
    // SAFETY: as at the top of the test.
    unsafe { pool.free(zeroed, size) };
}

#[test]
fn the_retention_limit_is_respected() {
    let pool = SystemMemoryPool::with_retention_limit(5 * MIB);
    assert_eq!(pool.retention_limit(), 5 * MIB);
    let a = pool.allocate(2 * MIB).unwrap();
    let b = pool.allocate(2 * MIB).unwrap();
    let c = pool.allocate(2 * MIB).unwrap();
    // SAFETY: each pointer in this test came from `pool` with the size it
    // is passed with, and is not used after it is freed.
    unsafe {
        pool.free(a, 2 * MIB);
        pool.free(b, 2 * MIB);
        pool.free(c, 2 * MIB);
    }
    // Two blocks fit under 5 MiB; the third is given back.
    assert_eq!(pool.bytes_retained(), 4 * MIB);
    let reused = [
        pool.allocate(2 * MIB).unwrap(),
        pool.allocate(2 * MIB).unwrap(),
    ];
    assert_eq!(reused, [b, a]);
    // SAFETY: as at the top of the test.
    unsafe {
        pool.free(reused[0], 2 * MIB);
        pool.free(reused[1], 2 * MIB);
    }
    // Lowering the limit gives back what no longer fits.
    pool.set_retention_limit(3 * MIB);
    assert_eq!(pool.bytes_retained(), 2 * MIB);
    pool.set_retention_limit(0);
    assert_eq!(pool.bytes_retained(), 0);
    let d = pool.allocate(2 * MIB).unwrap();
    // SAFETY: as at the top of the test.
    unsafe { pool.free(d, 2 * MIB) };
    assert_eq!(pool.bytes_retained(), 0);
}

#[test]
fn reallocation_within_a_class_keeps_the_pointer_and_across_classes_the_bytes() {
    let pool = SystemMemoryPool::new();
    let ptr = pool.allocate(MIB + 1).unwrap();
    fill(ptr, MIB + 1, 7);
    // SAFETY: each pointer in this test came from `pool` with the size it
    // is passed with, and is not used after it is reallocated or freed.
    let same = unsafe { pool.reallocate(ptr, MIB + 1, MIB + MIB / 4) }.unwrap();
    assert_eq!(same, ptr);
    assert_eq!(pool.bytes_allocated(), MIB + MIB / 4);
    assert_eq!(first_mismatch(same, MIB + 1, 7), None);
    fill(same, MIB + MIB / 4, 7);
    let sizes = [5 * MIB + 3, 2 * MIB, 200 << 10, 3 * MIB, 100, 9 * MIB];
    let (mut ptr, mut size) = (same, MIB + MIB / 4);
    for (step, next) in sizes.into_iter().enumerate() {
        // SAFETY: as at the top of the test.
        let moved = unsafe { pool.reallocate(ptr, size, next) }.unwrap();
        assert_eq!(moved.as_ptr().addr() % ALIGNMENT, 0, "{size} -> {next}");
        assert_eq!(
            first_mismatch(moved, size.min(next), step as u8 + 7),
            None,
            "{size} -> {next}"
        );
        assert_eq!(pool.bytes_allocated(), next);
        fill(moved, next, step as u8 + 8);
        (ptr, size) = (moved, next);
    }
    // SAFETY: as at the top of the test.
    unsafe { pool.free(ptr, size) };
    assert_eq!(pool.bytes_allocated(), 0);
    // A move allocates the new block before freeing the old one.
    assert_eq!(pool.max_memory(), 9 * MIB + 100);
}

#[test]
fn counters_count_live_bytes_only() {
    let pool = SystemMemoryPool::new();
    let a = pool.allocate_zeroed(MIB + 5).unwrap();
    let b = pool.allocate(4 * MIB).unwrap();
    assert_eq!(pool.bytes_allocated(), 5 * MIB + 5);
    // SAFETY: each pointer in this test came from `pool` with the size it
    // is passed with, and is not used after it is freed.
    unsafe { pool.free(b, 4 * MIB) };
    assert_eq!(pool.bytes_allocated(), MIB + 5);
    assert_eq!(pool.bytes_retained(), 4 * MIB);
    let c = pool.allocate(4 * MIB - 1).unwrap();
    assert_eq!(pool.bytes_allocated(), 5 * MIB + 4);
    // SAFETY: as at the top of the test.
    unsafe {
        pool.free(a, MIB + 5);
        pool.free(c, 4 * MIB - 1);
    }
    assert_eq!(pool.bytes_allocated(), 0);
    assert_eq!(pool.max_memory(), 5 * MIB + 5);
    assert_eq!(pool.bytes_retained(), MIB + MIB / 4 + 4 * MIB);
}

#[test]
fn threads_allocating_and_freeing_at_once_never_share_a_block() {
    let pool = SystemMemoryPool::with_retention_limit(16 * MIB);
    std::thread::scope(|s| {
        for t in 0..4u8 {
            let pool = &pool;
            s.spawn(move || {
                let expected = vec![t; 2 * MIB];
                for round in 0..25usize {
                    let size = MIB + (round % 3) * MIB / 2;
                    let ptr = pool.allocate(size).unwrap();
                    // SAFETY: `ptr` came from `pool` with `size` bytes, owned here until
                    // it is freed below.
                    let bytes = unsafe { std::slice::from_raw_parts_mut(ptr.as_ptr(), size) };
                    bytes.fill(t);
                    std::thread::yield_now();
                    assert!(bytes == &expected[..size], "thread {t}, round {round}");
                    // SAFETY: `ptr` came from `pool` with this size.
                    unsafe { pool.free(ptr, size) };
                }
            });
        }
    });
    assert_eq!(pool.bytes_allocated(), 0);
    assert!(pool.bytes_retained() <= 16 * MIB);
    assert_eq!(pool.bytes_retained() % (MIB / 4), 0);
}

#[test]
fn growing_into_a_cached_class_takes_its_block_and_keeps_the_old_one() {
    let pool = SystemMemoryPool::new();
    let cached = pool.allocate(2 * MIB).unwrap();
    // SAFETY: each pointer in this test came from `pool` with the size it is passed
    // with, and is not used after it is reallocated or freed.
    unsafe { pool.free(cached, 2 * MIB) };
    let small = pool.allocate(MIB).unwrap();
    fill(small, MIB, 3);
    // SAFETY: as at the top of the test.
    let grown = unsafe { pool.reallocate(small, MIB, 2 * MIB) }.unwrap();
    assert_eq!(grown, cached);
    assert_eq!(first_mismatch(grown, MIB, 3), None);
    assert_eq!(pool.bytes_retained(), MIB);
    assert_eq!(pool.bytes_allocated(), 2 * MIB);
    // From a heap-sized block too.
    let tiny = pool.allocate(1000).unwrap();
    fill(tiny, 1000, 4);
    // SAFETY: as at the top of the test.
    let from_tiny = unsafe { pool.reallocate(tiny, 1000, MIB) }.unwrap();
    assert_eq!(from_tiny, small);
    assert_eq!(first_mismatch(from_tiny, 1000, 4), None);
    assert_eq!(pool.bytes_retained(), 0);
    // SAFETY: as at the top of the test.
    unsafe {
        pool.free(grown, 2 * MIB);
        pool.free(from_tiny, MIB);
    }
    assert_eq!(pool.bytes_allocated(), 0);
    assert_eq!(pool.bytes_retained(), 3 * MIB);
}
