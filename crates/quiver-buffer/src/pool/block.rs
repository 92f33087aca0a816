//! The blocks behind [`SystemMemoryPool`](super::SystemMemoryPool)'s allocations of
//! [`RETAINED_MIN`](super::retained::RETAINED_MIN) bytes and more.
//!
//! On Linux the pool maps each block itself (anonymous, private; page alignment implies
//! the 64-byte [`ALIGNMENT`]) and grows or shrinks it with `mremap`, which moves page
//! table entries instead of copying bytes. Elsewhere a block is a large allocation of the
//! system allocator, aligned by hand ([`large_start`]) and grown with `realloc`.

use std::alloc::Layout;
use std::ptr::NonNull;

use super::ALIGNMENT;
use crate::error::BufferError;

/// Maps a fresh block of `len` bytes (`len > 0`), aligned to [`ALIGNMENT`]; zero-filled
/// when `zeroed` (always, on Linux). `None` when the system has no memory for it.
#[cfg(target_os = "linux")]
pub(super) fn map(len: usize, _zeroed: bool) -> Option<NonNull<u8>> {
    // SAFETY: an anonymous private mapping at an address of the kernel's choosing touches
    // no existing memory; the result is checked against MAP_FAILED before use.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        None
    } else {
        NonNull::new(p.cast::<u8>())
    }
}

/// Unmaps a block from [`map`] or [`remap`].
///
/// # Safety
/// `start` must be a live block of exactly `len` bytes, not used again.
#[cfg(target_os = "linux")]
pub(super) unsafe fn unmap(start: NonNull<u8>, len: usize) {
    // SAFETY: the caller's contract: `start..start + len` is one of our mappings. munmap
    // of a valid mapping cannot fail, and there is nothing to do if it did.
    unsafe { libc::munmap(start.as_ptr().cast(), len) };
}

/// Grows or shrinks a block from `old_len` to `new_len` bytes (both non-zero), keeping
/// its bytes (all of them up to the shorter length; `keep` is for the other platforms).
/// The block may move; on failure (`None`) the old block is untouched and still live.
///
/// # Safety
/// `start` must be a live block of exactly `old_len` bytes. On success it is replaced by
/// the returned block of `new_len` bytes.
#[cfg(target_os = "linux")]
pub(super) unsafe fn remap(
    start: NonNull<u8>,
    old_len: usize,
    new_len: usize,
    _keep: usize,
) -> Option<NonNull<u8>> {
    // SAFETY: the caller's contract: `start..start + old_len` is one of our mappings.
    // With MREMAP_MAYMOVE the kernel moves its pages (not their bytes) if it cannot grow
    // in place; on failure it leaves the mapping as it was.
    let p = unsafe {
        libc::mremap(
            start.as_ptr().cast(),
            old_len,
            new_len,
            libc::MREMAP_MAYMOVE,
        )
    };
    if p == libc::MAP_FAILED {
        None
    } else {
        NonNull::new(p.cast::<u8>())
    }
}

/// Maps a fresh block of `len` bytes (`len > 0`), aligned to [`ALIGNMENT`]; zero-filled
/// when `zeroed`. `None` when the system has no memory for it.
#[cfg(not(target_os = "linux"))]
pub(super) fn map(len: usize, zeroed: bool) -> Option<NonNull<u8>> {
    let layout = large_layout(len).ok()?;
    // SAFETY: `large_layout` has a non-zero size.
    let base = unsafe {
        if zeroed {
            std::alloc::alloc_zeroed(layout)
        } else {
            std::alloc::alloc(layout)
        }
    };
    // SAFETY: `base` is a live allocation of `large_layout(len)`.
    NonNull::new(base).map(|base| unsafe { large_start(base) })
}

/// Gives back a block from [`map`] or [`remap`].
///
/// # Safety
/// `start` must be a live block of exactly `len` bytes, not used again.
#[cfg(not(target_os = "linux"))]
pub(super) unsafe fn unmap(start: NonNull<u8>, len: usize) {
    // SAFETY: forwarded: `start` is the aligned start of an allocation of this length.
    unsafe { free_large(start, len) };
}

/// Grows or shrinks a block from `old_len` to `new_len` bytes (both non-zero), keeping
/// its first `keep` bytes (`keep <= min(old_len, new_len)`). The block may move; on
/// failure (`None`) the old block is untouched and still live.
///
/// # Safety
/// `start` must be a live block of exactly `old_len` bytes. On success it is replaced by
/// the returned block of `new_len` bytes.
#[cfg(not(target_os = "linux"))]
pub(super) unsafe fn remap(
    start: NonNull<u8>,
    old_len: usize,
    new_len: usize,
    keep: usize,
) -> Option<NonNull<u8>> {
    // SAFETY: forwarded from the caller's contract.
    unsafe { realloc_large(start, old_len, new_len, keep) }.ok()
}

/// Layout of a large allocation: `size` bytes plus room to align the start to
/// [`ALIGNMENT`] and to keep the offset to the allocator's pointer in the `usize` just
/// before the aligned start.
pub(super) fn large_layout(size: usize) -> Result<Layout, BufferError> {
    size.checked_add(ALIGNMENT)
        .and_then(|n| Layout::from_size_align(n, std::mem::align_of::<usize>()).ok())
        .ok_or(BufferError::AllocationTooLarge { requested: size })
}

/// The offset from a large allocation's base to its aligned start: in `8..=64` (the base
/// is `usize`-aligned), so the `usize` before the start lies inside the allocation.
fn large_offset(base: *mut u8) -> usize {
    ALIGNMENT - base.addr() % ALIGNMENT
}

/// Aligns a large allocation at `base` and records the offset before the aligned start.
///
/// # Safety
/// `base` must point to a live allocation of `large_layout(_)`'s size, or larger.
pub(super) unsafe fn large_start(base: NonNull<u8>) -> NonNull<u8> {
    let offset = large_offset(base.as_ptr());
    // SAFETY: `offset <= ALIGNMENT`, and the allocation holds `size + ALIGNMENT` bytes.
    let start = unsafe { base.add(offset) };
    // SAFETY: `start - size_of::<usize>() >= base` because `offset >= align_of::<usize>()`
    // (the base is `usize`-aligned and the offset is not 0), and it is `usize`-aligned
    // because `start` is 64-byte aligned.
    unsafe { start.cast::<usize>().sub(1).write(offset) };
    start
}

/// The base (the allocator's pointer) of a large allocation whose aligned start is `start`.
///
/// # Safety
/// `start` must come from [`large_start`] and the allocation must be live.
unsafe fn large_base(start: NonNull<u8>) -> NonNull<u8> {
    // SAFETY: `large_start` wrote the offset into the `usize` before `start`.
    let offset = unsafe { start.cast::<usize>().sub(1).read() };
    // SAFETY: `start - offset` is the allocation's base, inside the same allocation.
    unsafe { start.sub(offset) }
}

/// Frees the large allocation of `size` bytes whose aligned start is `start`.
///
/// Returns false (and does nothing) when `size` forms no layout, which no allocation has.
///
/// # Safety
/// `start` must come from [`large_start`] on an allocation of `large_layout(size)`, live
/// and not used again.
pub(super) unsafe fn free_large(start: NonNull<u8>, size: usize) -> bool {
    match large_layout(size) {
        Ok(layout) => {
            // SAFETY: the caller's contract: `start` is the aligned start of a live
            // allocation of `layout`.
            unsafe { std::alloc::dealloc(large_base(start).as_ptr(), layout) };
            true
        }
        Err(_) => false,
    }
}

/// Reallocates the large allocation of `old_size` bytes at `start` to `new_size` bytes,
/// keeping its first `keep` bytes (`keep <= min(old_size, new_size)`). The system
/// allocator does this for mapped blocks by remapping pages, without a copy. On error
/// the old allocation is untouched.
///
/// # Safety
/// `start` must come from [`large_start`] on a live allocation of
/// `large_layout(old_size)`; on success it is replaced by the returned one.
pub(super) unsafe fn realloc_large(
    start: NonNull<u8>,
    old_size: usize,
    new_size: usize,
    keep: usize,
) -> Result<NonNull<u8>, BufferError> {
    let new_layout = large_layout(new_size)?;
    let old_layout = large_layout(old_size)?;
    // SAFETY: the caller's contract: `start` is the aligned start of a live allocation.
    let old_base = unsafe { large_base(start) };
    let old_offset = start.as_ptr().addr() - old_base.as_ptr().addr();
    // SAFETY: `old_base` was allocated with `old_layout`; the new size is non-zero and
    // forms a valid layout.
    let p = unsafe { std::alloc::realloc(old_base.as_ptr(), old_layout, new_layout.size()) };
    let base = NonNull::new(p).ok_or(BufferError::OutOfMemory {
        requested: new_size,
    })?;
    let offset = large_offset(base.as_ptr());
    if offset != old_offset {
        // The allocator moved the block to a different alignment: move the kept bytes to
        // the new aligned start. Both ranges lie inside the new allocation, as both
        // offsets are at most `ALIGNMENT`.
        // SAFETY: see above; `copy` allows the ranges to overlap.
        unsafe {
            std::ptr::copy(
                base.as_ptr().add(old_offset),
                base.as_ptr().add(offset),
                keep,
            )
        };
    }
    // SAFETY: `base` is a live allocation of `large_layout(new_size)`; the offset is
    // written after the bytes have moved.
    Ok(unsafe { large_start(base) })
}
