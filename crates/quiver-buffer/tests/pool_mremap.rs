//! `SystemMemoryPool`'s blocks of 1 MiB and more: grown and shrunk without losing bytes
//! (by `mremap` on Linux), a growing allocation moving into a longer cached block and
//! keeping its room, and the block larger than the limit that the cache keeps.

mod common;

use common::{fill, first_mismatch};
use quiver_buffer::{ALIGNMENT, MemoryPool, SystemMemoryPool};

const MIB: usize = 1 << 20;

#[test]
fn doubling_growth_keeps_every_byte_and_counts_exactly() {
    let pool = SystemMemoryPool::new();
    let mut size = MIB;
    let mut ptr = pool.allocate(size).unwrap();
    fill(ptr, size, 1);
    while size < 32 * MIB {
        let next = size * 2;
        // SAFETY: each pointer in this test came from `pool` with the size it is passed
        // with, and is not used after it is reallocated or freed.
        ptr = unsafe { pool.reallocate(ptr, size, next) }.unwrap();
        assert_eq!(ptr.as_ptr().addr() % ALIGNMENT, 0, "{next}");
        assert_eq!(first_mismatch(ptr, size, 1), None, "{size} -> {next}");
        assert_eq!(pool.bytes_allocated(), next);
        fill(ptr, next, 1);
        size = next;
    }
    assert_eq!(pool.max_memory(), 32 * MIB);
    // Growth remaps the block in place: nothing was left behind in the cache.
    assert_eq!(pool.bytes_retained(), 0);
    // SAFETY: as above.
    unsafe { pool.free(ptr, size) };
    assert_eq!(pool.bytes_allocated(), 0);
}

#[test]
fn shrinking_a_block_keeps_its_head_and_its_address() {
    let pool = SystemMemoryPool::with_retention_limit(0);
    let ptr = pool.allocate(16 * MIB).unwrap();
    fill(ptr, 16 * MIB, 2);
    // SAFETY: each pointer in this test came from `pool` with the size it is passed
    // with, and is not used after it is reallocated or freed.
    let shrunk = unsafe { pool.reallocate(ptr, 16 * MIB, 3 * MIB + 5) }.unwrap();
    // `mremap` trims in place; other platforms' `realloc` may move the block.
    let ptr = if cfg!(target_os = "linux") {
        ptr
    } else {
        shrunk
    };
    assert_eq!(shrunk, ptr);
    assert_eq!(first_mismatch(shrunk, 3 * MIB + 5, 2), None);
    assert_eq!(pool.bytes_allocated(), 3 * MIB + 5);
    // Within the class (3.5 MiB) it can grow back without moving.
    // SAFETY: as above.
    let same = unsafe { pool.reallocate(shrunk, 3 * MIB + 5, 3 * MIB + MIB / 2) }.unwrap();
    assert_eq!(same, ptr);
    assert_eq!(first_mismatch(same, 3 * MIB + 5, 2), None);
    // SAFETY: as above.
    unsafe { pool.free(same, 3 * MIB + MIB / 2) };
    assert_eq!((pool.bytes_allocated(), pool.bytes_retained()), (0, 0));
    assert_eq!(pool.max_memory(), 16 * MIB);
}

#[test]
fn a_sink_grows_into_last_times_block_without_moving_again() {
    let pool = SystemMemoryPool::new();
    // Last time: a sink that grew to 32 MiB and was freed.
    let old = pool.allocate(32 * MIB).unwrap();
    // SAFETY: each pointer in this test came from `pool` with the size it is passed
    // with, and is not used after it is reallocated or freed.
    unsafe { pool.free(old, 32 * MIB) };
    assert_eq!(pool.bytes_retained(), 32 * MIB);
    // This time: it starts on the heap and doubles.
    let mut size = 512 << 10;
    let mut ptr = pool.allocate(size).unwrap();
    fill(ptr, size, 3);
    while size < 32 * MIB {
        let next = size * 2;
        // SAFETY: as above.
        ptr = unsafe { pool.reallocate(ptr, size, next) }.unwrap();
        // From the first block-sized growth on, the sink lives in last time's block.
        assert_eq!(ptr, old, "{size} -> {next}");
        assert_eq!(first_mismatch(ptr, size, 3), None, "{size} -> {next}");
        assert_eq!(pool.bytes_allocated(), next);
        assert_eq!(pool.bytes_retained(), 0);
        fill(ptr, next, 3);
        size = next;
    }
    // Past the block's length it is remapped, and the bytes follow.
    // SAFETY: as above.
    ptr = unsafe { pool.reallocate(ptr, size, 40 * MIB) }.unwrap();
    assert_eq!(first_mismatch(ptr, size, 3), None);
    assert_eq!(pool.bytes_allocated(), 40 * MIB);
    // SAFETY: as above.
    unsafe { pool.free(ptr, 40 * MIB) };
    // 40 MiB is its class: the block is kept at that length and reused at it.
    assert_eq!(
        (pool.bytes_allocated(), pool.bytes_retained()),
        (0, 40 * MIB)
    );
    let again = pool.allocate(40 * MIB).unwrap();
    assert_eq!(again, ptr);
    // SAFETY: as above.
    unsafe { pool.free(again, 40 * MIB) };
    assert_eq!(pool.max_memory(), 40 * MIB);
}

#[test]
fn a_longer_block_handed_to_a_small_allocation_is_freed_at_its_own_length() {
    let pool = SystemMemoryPool::new();
    let big = pool.allocate(8 * MIB).unwrap();
    // SAFETY: each pointer in this test came from `pool` with the size it is passed
    // with, and is not used after it is reallocated or freed.
    unsafe { pool.free(big, 8 * MIB) };
    let tiny = pool.allocate(100).unwrap();
    fill(tiny, 100, 4);
    // SAFETY: as above.
    let grown = unsafe { pool.reallocate(tiny, 100, MIB) }.unwrap();
    assert_eq!(grown, big);
    assert_eq!(first_mismatch(grown, 100, 4), None);
    assert_eq!((pool.bytes_allocated(), pool.bytes_retained()), (MIB, 0));
    // SAFETY: as above.
    unsafe { pool.free(grown, MIB) };
    // The whole 8 MiB block comes back, not the 1 MiB class of the size freed.
    assert_eq!(
        (pool.bytes_allocated(), pool.bytes_retained()),
        (0, 8 * MIB)
    );
    let again = pool.allocate(8 * MIB).unwrap();
    assert_eq!(again, big);
    fill(again, 8 * MIB, 5);
    assert_eq!(first_mismatch(again, 8 * MIB, 5), None);
    // SAFETY: as above.
    unsafe { pool.free(again, 8 * MIB) };
    assert_eq!(
        (pool.bytes_allocated(), pool.bytes_retained()),
        (0, 8 * MIB)
    );
}

#[test]
fn shrinking_a_longer_block_trims_it_to_the_class() {
    let pool = SystemMemoryPool::new();
    let big = pool.allocate(8 * MIB).unwrap();
    // SAFETY: each pointer in this test came from `pool` with the size it is passed
    // with, and is not used after it is reallocated or freed.
    unsafe { pool.free(big, 8 * MIB) };
    let tiny = pool.allocate(64).unwrap();
    // SAFETY: as above.
    let grown = unsafe { pool.reallocate(tiny, 64, 2 * MIB) }.unwrap();
    assert_eq!(grown, big);
    fill(grown, 2 * MIB, 6);
    // SAFETY: as above.
    let shrunk = unsafe { pool.reallocate(grown, 2 * MIB, MIB + 3) }.unwrap();
    // `mremap` trims in place; other platforms' `realloc` may move the block.
    if cfg!(target_os = "linux") {
        assert_eq!(shrunk, big);
    }
    assert_eq!(first_mismatch(shrunk, MIB + 3, 6), None);
    assert_eq!(pool.bytes_allocated(), MIB + 3);
    // SAFETY: as above.
    unsafe { pool.free(shrunk, MIB + 3) };
    // The block is now its class's length, 1.25 MiB.
    assert_eq!(pool.bytes_retained(), MIB + MIB / 4);
}

#[test]
fn a_block_larger_than_the_limit_is_kept_alone_beyond_it() {
    let pool = SystemMemoryPool::with_retention_limit(4 * MIB);
    let small = pool.allocate(2 * MIB).unwrap();
    let big = pool.allocate(16 * MIB).unwrap();
    let bigger = pool.allocate(32 * MIB).unwrap();
    // SAFETY: each pointer in this test came from `pool` with the size it is passed
    // with, and is not used after it is freed.
    unsafe {
        pool.free(small, 2 * MIB);
        pool.free(big, 16 * MIB);
    }
    assert_eq!(pool.bytes_retained(), 18 * MIB);
    // The most recently freed block over the limit displaces the previous one.
    // SAFETY: as above.
    unsafe { pool.free(bigger, 32 * MIB) };
    assert_eq!(pool.bytes_retained(), 34 * MIB);
    let again = pool.allocate(32 * MIB).unwrap();
    assert_eq!(again, bigger);
    assert_eq!(pool.bytes_retained(), 2 * MIB);
    // SAFETY: as above.
    unsafe { pool.free(again, 32 * MIB) };
    // A limit the block fits under gives it back; so does 0, with everything else.
    pool.set_retention_limit(40 * MIB);
    assert_eq!(pool.bytes_retained(), 2 * MIB);
    let again = pool.allocate(32 * MIB).unwrap();
    // SAFETY: as above.
    unsafe { pool.free(again, 32 * MIB) };
    assert_eq!(pool.bytes_retained(), 34 * MIB);
    pool.set_retention_limit(0);
    assert_eq!(pool.bytes_retained(), 0);
    let none = pool.allocate(32 * MIB).unwrap();
    // SAFETY: as above.
    unsafe { pool.free(none, 32 * MIB) };
    assert_eq!((pool.bytes_allocated(), pool.bytes_retained()), (0, 0));
}

#[test]
fn threads_growing_and_freeing_at_once_keep_their_bytes() {
    let pool = SystemMemoryPool::with_retention_limit(8 * MIB);
    std::thread::scope(|s| {
        for t in 0..4u8 {
            let pool = &pool;
            s.spawn(move || {
                for round in 0..4usize {
                    let mut size = 256 << 10;
                    let mut ptr = pool.allocate(size).unwrap();
                    fill(ptr, size, t);
                    while size < (4 + round) * MIB {
                        let next = size * 2;
                        // SAFETY: `ptr` came from `pool` with `size` bytes, owned here.
                        ptr = unsafe { pool.reallocate(ptr, size, next) }.unwrap();
                        assert_eq!(first_mismatch(ptr, size, t), None, "thread {t}");
                        fill(ptr, next, t);
                        std::thread::yield_now();
                        assert_eq!(first_mismatch(ptr, next, t), None, "thread {t}");
                        size = next;
                    }
                    // SAFETY: as above.
                    unsafe { pool.free(ptr, size) };
                }
            });
        }
    });
    assert_eq!(pool.bytes_allocated(), 0);
    pool.release_unused();
    assert_eq!(pool.bytes_retained(), 0);
}

#[test]
fn a_growing_allocation_takes_the_longest_cached_block() {
    let pool = SystemMemoryPool::new();
    let short = pool.allocate(2 * MIB).unwrap();
    let long = pool.allocate(8 * MIB).unwrap();
    let middle = pool.allocate(4 * MIB).unwrap();
    // SAFETY: each pointer in this test came from `pool` with the size it is passed
    // with, and is not used after it is reallocated or freed.
    unsafe {
        pool.free(short, 2 * MIB);
        pool.free(long, 8 * MIB);
        pool.free(middle, 4 * MIB);
    }
    let tiny = pool.allocate(64).unwrap();
    // SAFETY: as above.
    let grown = unsafe { pool.reallocate(tiny, 64, MIB) }.unwrap();
    assert_eq!(grown, long);
    // The other classes' blocks stay for allocations of those classes.
    assert_eq!(pool.bytes_retained(), 6 * MIB);
    assert_eq!(pool.allocate(2 * MIB).unwrap(), short);
    assert_eq!(pool.allocate(4 * MIB).unwrap(), middle);
    // SAFETY: as above.
    unsafe {
        pool.free(grown, MIB);
        pool.free(short, 2 * MIB);
        pool.free(middle, 4 * MIB);
    }
    assert_eq!(
        (pool.bytes_allocated(), pool.bytes_retained()),
        (0, 14 * MIB)
    );
}
