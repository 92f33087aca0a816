//! ZSTD decompression straight into a buffer's uninitialised capacity.
//!
//! zstd writes its output through a raw pointer and never reads it, so the target need
//! not be zeroed first: [`decompress_into_spare`] hands zstd the first bytes of a
//! [`MutableBuffer`]'s spare capacity and sets the buffer's length to what zstd reports
//! as written.

use std::mem::MaybeUninit;

use quiver_buffer::MutableBuffer;
use zstd::zstd_safe::WriteBuf;

/// Possibly uninitialised memory as zstd's output: `filled` bytes at the start of
/// `target` are initialised, the rest may not be.
struct SpareSink<'a> {
    target: &'a mut [MaybeUninit<u8>],
    filled: usize,
}

// SAFETY: the three promises of `WriteBuf`:
// - `as_mut_ptr` points at `target`, a live `&mut` slice, so it is valid for writes of
//   `target.len()` bytes, which is what `capacity` returns;
// - `as_slice` covers `..filled` only, and `filled` is set only by `filled_until`, whose
//   caller promises those bytes were written (and it starts at 0);
// - `filled_until(n)` makes `as_slice` cover the first `n` bytes (clamped to the
//   capacity, which zstd-safe already asserts).
unsafe impl WriteBuf for SpareSink<'_> {
    fn as_slice(&self) -> &[u8] {
        let written = self.target.get(..self.filled).unwrap_or(&[]);
        // SAFETY: the first `filled` bytes of `target` were written (see `filled_until`),
        // and `MaybeUninit<u8>` has the layout of `u8`.
        unsafe { std::slice::from_raw_parts(written.as_ptr().cast::<u8>(), written.len()) }
    }

    fn capacity(&self) -> usize {
        self.target.len()
    }

    fn as_mut_ptr(&mut self) -> *mut u8 {
        self.target.as_mut_ptr().cast::<u8>()
    }

    unsafe fn filled_until(&mut self, n: usize) {
        self.filled = n.min(self.target.len());
    }
}

/// Decompresses the ZSTD frame `src` with `dctx` into the first `len` bytes of the spare
/// capacity of the empty buffer `out`, and sets `out`'s length to the bytes written.
/// A frame that holds more than `len` bytes fails with zstd's "Destination buffer is
/// too small", exactly as decompressing into a `len`-byte slice does. `None` if `out`
/// is not empty or has less than `len` bytes of capacity.
pub(super) fn decompress_into_spare(
    dctx: &mut zstd::bulk::Decompressor<'static>,
    src: &[u8],
    out: &mut MutableBuffer,
    len: usize,
) -> Option<std::io::Result<usize>> {
    if !out.is_empty() {
        return None;
    }
    let mut sink = SpareSink {
        target: out.spare_capacity_uninit_mut().get_mut(..len)?,
        filled: 0,
    };
    let result = dctx.decompress_to_buffer(src, &mut sink);
    if result.is_ok() {
        let filled = sink.filled;
        // SAFETY: `out` was empty, and zstd-safe called `filled_until(filled)` only after
        // zstd reported writing the first `filled` bytes of `sink.target`, which are the
        // first `filled <= len` bytes of `out`'s spare capacity (so `filled` is within
        // the capacity too).
        unsafe { out.set_initialized_len(filled) };
    }
    Some(result)
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]
mod tests {
    use std::ptr::NonNull;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use quiver_buffer::{Buffer, BufferError, MemoryPool, MemoryPoolRef, SystemMemoryPool};

    use super::super::CompressionCodec;
    use crate::error::{IpcError, Location};

    /// A pool that counts each kind of allocation and fills "uninitialised" memory with
    /// 0xA5, so output that was not written shows up.
    #[derive(Debug, Default)]
    struct Dirty {
        inner: SystemMemoryPool,
        zeroed: AtomicUsize,
        uninit: AtomicUsize,
    }

    // SAFETY: every pointer comes from, and goes back to, the inner pool unchanged.
    unsafe impl MemoryPool for Dirty {
        fn allocate_zeroed(&self, size: usize) -> Result<NonNull<u8>, BufferError> {
            self.zeroed.fetch_add(1, Ordering::Relaxed);
            self.inner.allocate_zeroed(size)
        }
        fn allocate(&self, size: usize) -> Result<NonNull<u8>, BufferError> {
            self.uninit.fetch_add(1, Ordering::Relaxed);
            let ptr = self.inner.allocate(size)?;
            // SAFETY: `ptr` is valid for writes of `size` bytes (just allocated).
            unsafe { ptr.as_ptr().write_bytes(0xA5, size) };
            Ok(ptr)
        }
        unsafe fn reallocate(
            &self,
            ptr: NonNull<u8>,
            old_size: usize,
            new_size: usize,
        ) -> Result<NonNull<u8>, BufferError> {
            // SAFETY: forwarded from the caller's contract.
            unsafe { self.inner.reallocate(ptr, old_size, new_size) }
        }
        unsafe fn free(&self, ptr: NonNull<u8>, size: usize) {
            // SAFETY: forwarded from the caller's contract.
            unsafe { self.inner.free(ptr, size) }
        }
        fn bytes_allocated(&self) -> usize {
            self.inner.bytes_allocated()
        }
        fn max_memory(&self) -> usize {
            self.inner.max_memory()
        }
        fn backend_name(&self) -> &'static str {
            "dirty"
        }
    }

    fn stored(raw: &[u8], declared: i64) -> Buffer {
        let mut bytes = declared.to_le_bytes().to_vec();
        bytes.extend_from_slice(&zstd::bulk::compress(raw, 1).unwrap());
        Buffer::from_vec(bytes)
    }

    fn decompress(stored: &Buffer, pool: &MemoryPoolRef) -> Result<Buffer, IpcError> {
        CompressionCodec::Zstd.decompress(stored, usize::MAX, pool, &Location::default())
    }

    #[test]
    fn zstd_decompresses_into_memory_that_was_never_zeroed() {
        let dirty = Arc::new(Dirty::default());
        let pool = MemoryPoolRef::from(Arc::clone(&dirty));
        let raw: Vec<u8> = (0..100_000u32).map(|i| (i / 7 % 13) as u8).collect();
        let got = decompress(&stored(&raw, 100_000), &pool).unwrap();
        assert_eq!(got.as_slice(), &raw[..]);
        assert!(got.is_pool_memory());
        assert_eq!(dirty.uninit.load(Ordering::Relaxed), 1);
        assert_eq!(dirty.zeroed.load(Ordering::Relaxed), 0);
        drop(got);
        assert_eq!(dirty.bytes_allocated(), 0);
    }

    #[test]
    fn zstd_lengths_other_than_declared_fail_as_before_and_free_their_memory() {
        let dirty = Arc::new(Dirty::default());
        let pool = MemoryPoolRef::from(Arc::clone(&dirty));
        let raw = vec![7u8; 5000];
        let short = decompress(&stored(&raw, 5001), &pool).unwrap_err();
        assert_eq!(
            short.to_string(),
            "invalid Arrow IPC data at input: buffer decompressed to 5000 bytes but declared 5001"
        );
        let long = decompress(&stored(&raw, 4999), &pool).unwrap_err();
        assert_eq!(
            long.to_string(),
            "invalid Arrow IPC data at input: corrupt ZSTD frame: Destination buffer is too small"
        );
        let empty = decompress(&stored(&[], 0), &pool).unwrap();
        assert!(empty.is_empty());
        assert_eq!(dirty.bytes_allocated(), 0);
    }
}
