//! Compressing or decompressing the buffers of one message on several threads.
//!
//! Each buffer is still compressed on its own, by the same code with the same settings,
//! so the bytes are those one thread would produce; only the order in which buffers are
//! worked on changes, and the results are put back in buffer order. Threads are scoped
//! to the call (`std::thread::scope`): nothing outlives a message.

use std::num::NonZeroUsize;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use quiver_buffer::{Buffer, MemoryPoolRef};

use super::scratch::{self, Scratch};
use super::CompressionCodec;
use crate::error::{Location, Result};

/// Messages whose buffers hold fewer bytes than this are done on the calling thread:
/// starting threads would cost more than it saves.
pub(crate) const MIN_PARALLEL_BYTES: usize = 256 << 10;

/// Each thread gets at least this many bytes to work on.
const MIN_BYTES_PER_THREAD: usize = 128 << 10;

/// The most threads one message is spread over.
const MAX_THREADS: usize = 8;

/// Threads used when threads are allowed: the machine's available parallelism, at most
/// [`MAX_THREADS`] (asked once; the answer can involve reading cgroup files).
pub(crate) fn available_threads() -> usize {
    static THREADS: OnceLock<usize> = OnceLock::new();
    *THREADS.get_or_init(|| {
        std::thread::available_parallelism()
            .map_or(1, NonZeroUsize::get)
            .min(MAX_THREADS)
    })
}

/// How many threads to use for `buffers` buffers of `bytes` bytes in all, with at most
/// `max` threads.
fn threads_for(buffers: usize, bytes: usize, max: usize) -> usize {
    if bytes < MIN_PARALLEL_BYTES {
        return 1;
    }
    max.min(buffers).min(bytes / MIN_BYTES_PER_THREAD).max(1)
}

/// Runs `work(scratch, i)` for every `i` in `0..n` on up to `threads` threads (the
/// calling thread is one of them) and returns the results in index order. Once a
/// result satisfies `stop`, no further index is started; indices never started are
/// `None`.
fn run_indexed<T: Send>(
    n: usize,
    threads: usize,
    work: impl Fn(&mut Scratch, usize) -> T + Sync,
    stop: impl Fn(&T) -> bool + Sync,
) -> Vec<Option<T>> {
    let mut slots: Vec<Option<T>> = std::iter::repeat_with(|| None).take(n).collect();
    let next = AtomicUsize::new(0);
    let stopped = AtomicBool::new(false);
    let worker = || {
        let mut done = Vec::new();
        let mut scratch = scratch::take();
        while !stopped.load(Ordering::Relaxed) {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= n {
                break;
            }
            let result = work(&mut scratch, i);
            if stop(&result) {
                stopped.store(true, Ordering::Relaxed);
            }
            done.push((i, result));
        }
        scratch::give_back(scratch);
        done
    };
    std::thread::scope(|s| {
        // A thread the OS refuses to start is simply not used: the others, and the
        // calling thread, take its share.
        let helpers: Vec<_> = (1..threads)
            .filter_map(|_| std::thread::Builder::new().spawn_scoped(s, worker).ok())
            .collect();
        let mut place = |done: Vec<(usize, T)>| {
            for (i, result) in done {
                if let Some(slot) = slots.get_mut(i) {
                    *slot = Some(result);
                }
            }
        };
        place(worker());
        for helper in helpers {
            match helper.join() {
                Ok(done) => place(done),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
    });
    slots
}

/// The stored forms of `raw`, one message's buffers in order, compressed with `codec`
/// on up to `max_threads` threads (see [`CompressionCodec::compress_with`]).
///
/// If any buffer fails (the memory pool refused its output), every result of the
/// threads is dropped and the message is compressed again on the calling thread, so the
/// failure reported, and the state of the pool when it happens, are those of one
/// thread.
pub(crate) fn compress_buffers(
    codec: CompressionCodec,
    raw: &[Buffer],
    level: Option<i32>,
    pool: &MemoryPoolRef,
    max_threads: usize,
) -> Vec<Result<Buffer>> {
    let bytes = raw.iter().map(Buffer::len).fold(0usize, usize::saturating_add);
    let busy = raw.iter().filter(|b| !b.is_empty()).count();
    let threads = threads_for(busy, bytes, max_threads);
    let one_thread = || {
        scratch::with_scratch(|s| {
            raw.iter()
                .map(|b| codec.compress_with(b, level, pool, s))
                .collect()
        })
    };
    if threads == 1 {
        return one_thread();
    }
    let results = run_indexed(
        raw.len(),
        threads,
        |s, i| match raw.get(i) {
            Some(b) => codec.compress_with(b, level, pool, s),
            None => Ok(Buffer::empty()),
        },
        Result::is_err,
    );
    match results.into_iter().collect::<Option<Vec<_>>>() {
        Some(done) if done.iter().all(Result::is_ok) => done,
        _ => one_thread(),
    }
}

/// The declared uncompressed length of a stored buffer, or 0 when it has none.
fn declared_len(stored: &Buffer) -> usize {
    stored
        .get(..8)
        .and_then(|p| p.try_into().ok())
        .map(i64::from_le_bytes)
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(0)
}

/// Decompresses the buffers of one message ahead of decoding, on up to `max_threads`
/// threads: entry `i` is buffer `i` decompressed, or `None` when its bytes are not held
/// (`stored[i]` is `None`). Returns an empty vector when one thread would do, and when
/// any buffer fails: every result is then dropped and the decoder decompresses the
/// buffers one by one as without threads, so the error it reports (with its location),
/// and the state of the memory pool when it happens, are those of one thread.
pub(crate) fn decompress_buffers(
    codec: CompressionCodec,
    stored: &[Option<Buffer>],
    max: usize,
    pool: &MemoryPoolRef,
    max_threads: usize,
) -> Vec<Option<Buffer>> {
    let bytes = stored
        .iter()
        .flatten()
        .map(|b| declared_len(b).min(max))
        .fold(0usize, usize::saturating_add);
    let busy = stored.iter().flatten().filter(|b| !b.is_empty()).count();
    let threads = threads_for(busy, bytes, max_threads);
    if threads == 1 {
        return Vec::new();
    }
    let nowhere = Location::default();
    run_indexed(
        stored.len(),
        threads,
        |s, i| match stored.get(i) {
            Some(Some(b)) => codec
                .decompress_with(b, max, pool, &nowhere, s)
                .map(Some)
                .map_err(drop),
            _ => Ok(None),
        },
        // The decoder stops at the failing buffer, so later ones are not needed.
        Result::is_err,
    )
    .into_iter()
    .map(|r| r.and_then(Result::ok))
    .collect::<Option<Vec<_>>>()
    .unwrap_or_default()
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]
mod tests {
    use super::*;

    fn buffers(sizes: &[usize]) -> Vec<Buffer> {
        sizes
            .iter()
            .enumerate()
            .map(|(k, &n)| {
                let bytes: Vec<u8> = (0..n).map(|i| ((i / 3 + k) % 17) as u8).collect();
                Buffer::from_vec(bytes)
            })
            .collect()
    }

    const SETS: [&[usize]; 4] = [
        &[1000, 0, 2000],
        &[0, 300_000, 8, 0, 150_000],
        &[2_000_000, 5, 700_000, 64, 1_000_000, 0, 3],
        &[100_000; 12],
    ];

    #[test]
    fn threads_are_used_only_for_enough_bytes() {
        assert_eq!(threads_for(3, MIN_PARALLEL_BYTES - 1, 8), 1);
        assert_eq!(threads_for(3, MIN_PARALLEL_BYTES, 8), 2);
        assert_eq!(threads_for(1, 10 << 20, 8), 1);
        assert_eq!(threads_for(20, 10 << 20, 8), 8);
        assert_eq!(threads_for(20, 10 << 20, 3), 3);
    }

    #[test]
    fn parallel_compression_is_byte_identical_to_one_thread() {
        let pool = MemoryPoolRef::default();
        for codec in [CompressionCodec::Zstd, CompressionCodec::Lz4Frame] {
            for sizes in SETS {
                let raw = buffers(sizes);
                let one = compress_buffers(codec, &raw, Some(1), &pool, 1);
                let four = compress_buffers(codec, &raw, Some(1), &pool, 4);
                assert_eq!(one.len(), raw.len());
                for (i, (a, b)) in one.iter().zip(&four).enumerate() {
                    let (a, b) = (a.as_ref().unwrap(), b.as_ref().unwrap());
                    assert_eq!(a.as_slice(), b.as_slice(), "{codec:?} {sizes:?} buffer {i}");
                }
                // And decompressing on four threads gives the raw bytes back.
                let stored: Vec<Option<Buffer>> =
                    one.into_iter().map(|b| b.ok()).collect();
                let back = decompress_buffers(codec, &stored, usize::MAX, &pool, 4);
                let bytes: usize = sizes.iter().sum();
                if bytes < MIN_PARALLEL_BYTES {
                    assert!(back.is_empty());
                    continue;
                }
                assert_eq!(back.len(), raw.len());
                for (i, (got, want)) in back.iter().zip(&raw).enumerate() {
                    assert_eq!(got.as_ref().unwrap().as_slice(), want.as_slice(), "{i}");
                }
            }
        }
    }

    #[test]
    fn buffers_not_held_stay_none_and_any_failure_drops_everything() {
        let pool = MemoryPoolRef::default();
        for codec in [CompressionCodec::Zstd, CompressionCodec::Lz4Frame] {
            let raw = buffers(SETS[3]);
            let mut stored: Vec<Option<Buffer>> = raw
                .iter()
                .map(|b| codec.compress(b, None, &pool).ok())
                .collect();
            stored[4] = None;
            let back = decompress_buffers(codec, &stored, usize::MAX, &pool, 4);
            assert_eq!(back.len(), 12);
            assert!(back[4].is_none());
            assert_eq!(back[5].as_ref().unwrap().as_slice(), raw[5].as_slice());

            // Buffer 7 claims one byte more than it holds.
            let mut lying = stored[7].as_ref().unwrap().as_slice().to_vec();
            lying[..8].copy_from_slice(&100_001i64.to_le_bytes());
            stored[7] = Some(Buffer::from_vec(lying));
            assert!(decompress_buffers(codec, &stored, usize::MAX, &pool, 4).is_empty());
        }
    }
}
