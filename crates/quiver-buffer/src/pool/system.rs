//! [`SystemMemoryPool`]: the system allocator, 64-byte aligned, counted, with a bounded
//! cache of freed large blocks.

use std::alloc::Layout;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::block::{self, free_large, large_layout, large_start, realloc_large};
use super::retained::{DEFAULT_RETENTION_LIMIT, RETAINED_MIN, Retained, class_size};
use super::{ALIGNMENT, MemoryPool};
use crate::error::BufferError;

/// The default pool: the system allocator, two atomic counters, and a bounded cache of
/// freed large blocks.
///
/// Allocations of 1 MiB and more are served in blocks of size classes (four per
/// doubling, so at most a quarter of a block goes unused). On Linux the pool maps these
/// blocks itself and grows or shrinks them with `mremap`, which moves page table entries
/// instead of copying bytes, so a sink that doubles as it is written never copies what
/// it holds; on other platforms they come from the system allocator.
///
/// When a block is freed the pool keeps it, pages still populated, for the next
/// allocation of the same class, up to a limit of retained bytes (64 MiB for
/// [`new`](SystemMemoryPool::new) and the default pool). In addition it keeps the most
/// recently freed block that is larger than the whole limit by itself (unless the limit
/// is 0), so a workload whose one big buffer outgrows the limit (an IPC write sink of
/// 128 MiB) still reuses it: idle memory is at most the limit plus that one block. An
/// allocation that *grows* past its block takes the longest retained block if it has room
/// for it, whatever its class, and keeps that block's whole length until it is freed, so
/// a sink written again grows into the pages of last time's sink without faulting in
/// fresh ones and without moving again. A buffer allocated and freed over and over (a
/// write sink per message, a read buffer per batch) then reuses pages that are already
/// mapped. Retained memory is not counted in
/// [`bytes_allocated`](MemoryPool::bytes_allocated) (which counts the sizes asked for);
/// see [`bytes_retained`](MemoryPool::bytes_retained), and
/// [`release_unused`](MemoryPool::release_unused) to give it back.
///
/// ```
/// use quiver_buffer::{MemoryPool, SystemMemoryPool};
/// let pool = SystemMemoryPool::new();
/// let first = pool.allocate(3 << 20).unwrap();
/// // SAFETY: each pointer came from `pool` with the size it is freed with.
/// unsafe { pool.free(first, 3 << 20) };
/// assert_eq!((pool.bytes_allocated(), pool.bytes_retained()), (0, 3 << 20));
/// let again = pool.allocate_zeroed(3 << 20).unwrap();
/// assert_eq!(again, first); // the same block, zeroed again
/// assert_eq!((pool.bytes_allocated(), pool.bytes_retained()), (3 << 20, 0));
/// // SAFETY: as above.
/// unsafe { pool.free(again, 3 << 20) };
/// ```
#[derive(Debug)]
pub struct SystemMemoryPool {
    allocated: AtomicUsize,
    max: AtomicUsize,
    retained: Retained,
}

impl Default for SystemMemoryPool {
    fn default() -> Self {
        Self::new()
    }
}

impl SystemMemoryPool {
    /// A new pool with its counters at zero that keeps up to 64 MiB of freed blocks for
    /// reuse.
    pub const fn new() -> Self {
        Self::with_retention_limit(DEFAULT_RETENTION_LIMIT)
    }

    /// A new pool with its counters at zero that keeps up to `bytes` bytes of freed
    /// blocks for reuse, plus the most recently freed block larger than `bytes`; 0 keeps
    /// none at all.
    ///
    /// ```
    /// use quiver_buffer::{MemoryPool, SystemMemoryPool};
    /// static POOL: SystemMemoryPool = SystemMemoryPool::with_retention_limit(0);
    /// let ptr = POOL.allocate(2 << 20).unwrap();
    /// // SAFETY: `ptr` came from `POOL` with this size and is freed once.
    /// unsafe { POOL.free(ptr, 2 << 20) };
    /// assert_eq!(POOL.bytes_retained(), 0);
    /// ```
    pub const fn with_retention_limit(bytes: usize) -> Self {
        Self {
            allocated: AtomicUsize::new(0),
            max: AtomicUsize::new(0),
            retained: Retained::new(bytes),
        }
    }

    /// How many bytes of freed blocks the pool may keep for reuse.
    pub fn retention_limit(&self) -> usize {
        self.retained.limit()
    }

    /// Changes how many bytes of freed blocks the pool may keep for reuse, giving blocks
    /// back to the allocator (oldest first) until the retained bytes fit the new limit.
    /// The block kept beyond the old limit is given back too, unless it is still larger
    /// than the new limit (and that is not 0).
    ///
    /// ```
    /// use quiver_buffer::{MemoryPool, SystemMemoryPool};
    /// let pool = SystemMemoryPool::new();
    /// let ptr = pool.allocate(1 << 20).unwrap();
    /// // SAFETY: `ptr` came from `pool` with this size and is freed once.
    /// unsafe { pool.free(ptr, 1 << 20) };
    /// assert_eq!(pool.bytes_retained(), 1 << 20);
    /// pool.set_retention_limit(0);
    /// assert_eq!((pool.retention_limit(), pool.bytes_retained()), (0, 0));
    /// ```
    pub fn set_retention_limit(&self, bytes: usize) {
        for (start, len) in self.retained.set_limit(bytes) {
            // SAFETY: the cache held `start` as a freed block of `len` bytes.
            unsafe { block::unmap(start, len) };
        }
    }

    fn layout(size: usize) -> Result<Layout, BufferError> {
        Layout::from_size_align(size, ALIGNMENT)
            .map_err(|_| BufferError::AllocationTooLarge { requested: size })
    }

    fn record_alloc(&self, size: usize) {
        let now = self.allocated.fetch_add(size, Ordering::Relaxed) + size;
        self.max.fetch_max(now, Ordering::Relaxed);
    }

    /// `allocate_zeroed` (`zeroed`) or `allocate`: the same layouts, so either kind is
    /// reallocated and freed alike.
    fn allocate_with(&self, size: usize, zeroed: bool) -> Result<NonNull<u8>, BufferError> {
        if size == 0 {
            return Ok(Self::dangling());
        }
        let alloc = |layout: Layout| {
            if zeroed {
                // SAFETY: every layout passed here has a non-zero size (checked above).
                unsafe { std::alloc::alloc_zeroed(layout) }
            } else {
                // SAFETY: as above.
                unsafe { std::alloc::alloc(layout) }
            }
        };
        let ptr = if size >= RETAINED_MIN {
            let class =
                class_size(size).ok_or(BufferError::AllocationTooLarge { requested: size })?;
            match self.retained.take(class) {
                Some(start) => {
                    if zeroed {
                        // SAFETY: `start` is a cached block of `class >= size` bytes,
                        // now owned by this allocation.
                        unsafe { start.write_bytes(0, size) };
                    }
                    start
                }
                None => {
                    block::map(class, zeroed).ok_or(BufferError::OutOfMemory { requested: size })?
                }
            }
        } else if size >= LARGE_ALLOCATION {
            let base = NonNull::new(alloc(large_layout(size)?))
                .ok_or(BufferError::OutOfMemory { requested: size })?;
            // SAFETY: `base` is a live allocation of `large_layout(size)`.
            unsafe { large_start(base) }
        } else {
            NonNull::new(alloc(Self::layout(size)?))
                .ok_or(BufferError::OutOfMemory { requested: size })?
        };
        self.record_alloc(size);
        Ok(ptr)
    }

    /// Gives back the block of an allocation of `size > 0` bytes: into the cache from
    /// [`RETAINED_MIN`] bytes up while it has room, to the allocator otherwise. The
    /// counters are the caller's to update; returns false (and does nothing) for a size
    /// this pool never allocates.
    ///
    /// # Safety
    /// `ptr` must come from this pool with size `size` and not be used again.
    unsafe fn release(&self, ptr: NonNull<u8>, size: usize) -> bool {
        match Kind::of(size) {
            Kind::Retained => match class_size(size) {
                Some(class) => {
                    let len = self.retained.capacity(ptr, true).unwrap_or(class);
                    if let Some((start, len)) = self.retained.keep(ptr, len) {
                        // SAFETY: the caller guarantees `ptr` came from this pool with
                        // this size, so it is a live block of `len` bytes (its class, or
                        // the length recorded for it); a displaced overflow block was
                        // owned by the cache.
                        unsafe { block::unmap(start, len) };
                    }
                    true
                }
                None => false,
            },
            // SAFETY: as above, a live large allocation of `size` bytes.
            Kind::Large => unsafe { free_large(ptr, size) },
            Kind::Small => match Self::layout(size) {
                Ok(layout) => {
                    // SAFETY: the caller guarantees `ptr` came from `allocate_zeroed`,
                    // `allocate` or `reallocate` of this pool with this size, hence with
                    // this layout.
                    unsafe { std::alloc::dealloc(ptr.as_ptr(), layout) };
                    true
                }
                Err(_) => false,
            },
        }
    }

    /// Updates the counters for an allocation resized in place or moved without a new
    /// allocation.
    fn record_resize(&self, old_size: usize, new_size: usize) {
        if new_size > old_size {
            self.record_alloc(new_size - old_size);
        } else {
            self.allocated
                .fetch_sub(old_size - new_size, Ordering::Relaxed);
        }
    }

    /// Reallocation by a new allocation and one copy: the new allocation is counted
    /// before the old one is freed.
    ///
    /// # Safety
    /// `ptr` must come from this pool with size `old_size > 0`, and `new_size > 0`.
    unsafe fn move_to_new(
        &self,
        ptr: NonNull<u8>,
        old_size: usize,
        new_size: usize,
    ) -> Result<NonNull<u8>, BufferError> {
        let p = self.allocate(new_size)?;
        // SAFETY: two live, distinct allocations; `min(old, new)` bytes fit both.
        unsafe { std::ptr::copy_nonoverlapping(ptr.as_ptr(), p.as_ptr(), old_size.min(new_size)) };
        // SAFETY: forwarded from the caller's contract; `allocate` above counted
        // `new_size`, `free` uncounts `old_size`.
        unsafe { self.free(ptr, old_size) };
        Ok(p)
    }

    /// Reallocation to `new_size >= RETAINED_MIN` bytes, a block of the size's class or
    /// longer:
    /// - a block that already has room (a longer one handed out from the cache) stays
    ///   where it is; one that shrinks to a shorter class is trimmed in place;
    /// - a growing allocation takes the longest cached block if it has room for it,
    ///   whatever its class, and keeps that block's length, so a sink that grew to 100 MiB last
    ///   time grows into the same pages this time without faulting any in, and without
    ///   copying more than once; the old block goes to the cache;
    /// - otherwise a block is resized with [`block::remap`] (`mremap` on Linux: page
    ///   table entries move, bytes are not copied), and a heap allocation moves into a
    ///   fresh block.
    ///
    /// # Safety
    /// `ptr` must come from this pool with size `old_size > 0`.
    unsafe fn reallocate_to_block(
        &self,
        ptr: NonNull<u8>,
        old_size: usize,
        new_size: usize,
    ) -> Result<NonNull<u8>, BufferError> {
        let too_large = |requested| BufferError::AllocationTooLarge { requested };
        let new_class = class_size(new_size).ok_or(too_large(new_size))?;
        let old_len = match Kind::of(old_size) {
            Kind::Retained => {
                let class = class_size(old_size).ok_or(too_large(old_size))?;
                Some(self.retained.capacity(ptr, false).unwrap_or(class))
            }
            _ => None,
        };
        if let Some(old_len) = old_len
            && (new_class == old_len || (new_size >= old_size && new_class <= old_len))
        {
            // The block has room for the new size: nothing moves.
            self.record_resize(old_size, new_size);
            return Ok(ptr);
        }
        if old_len.is_none_or(|len| new_class > len)
            && let Some((start, len)) = self.retained.take_longest(new_class)
        {
            if len != new_class {
                self.retained.set_capacity(start, len);
            }
            self.record_alloc(new_size);
            // SAFETY: `start` is a cached block of `len >= new_size` bytes, now owned
            // here, distinct from the caller's live block at `ptr`, which holds at
            // least `old_size` bytes.
            unsafe {
                std::ptr::copy_nonoverlapping(ptr.as_ptr(), start.as_ptr(), old_size.min(new_size))
            };
            // SAFETY: the caller's contract; the bytes were copied out above.
            unsafe { self.free(ptr, old_size) };
            return Ok(start);
        }
        let Some(old_len) = old_len else {
            // A heap allocation into a fresh block (no cached block has room).
            // SAFETY: forwarded from the caller's contract.
            return unsafe { self.move_to_new(ptr, old_size, new_size) };
        };
        // SAFETY: the caller's contract: `ptr` is a live block of `old_len` bytes (its
        // class, or the length recorded for it). `new_class` and `old_len` are non-zero.
        let moved = unsafe { block::remap(ptr, old_len, new_class, old_size.min(new_size)) }
            .ok_or(BufferError::OutOfMemory {
                requested: new_size,
            })?;
        // A length recorded for the old block no longer applies: the block is now its
        // class's length.
        self.retained.capacity(ptr, true);
        self.record_resize(old_size, new_size);
        Ok(moved)
    }

    fn dangling() -> NonNull<u8> {
        // An aligned, non-null address that is never dereferenced (size 0).
        #[repr(align(64))]
        struct Aligned;
        NonNull::<Aligned>::dangling().cast::<u8>()
    }
}

/// From this size up, [`SystemMemoryPool`] asks the allocator for zeroed memory with
/// `alloc_zeroed` at the allocator's own alignment (`calloc` with the system allocator)
/// and aligns the pointer itself, instead of asking for 64-byte alignment. The system
/// allocator zeroes 64-byte aligned memory with a `memset` of the whole size
/// (`posix_memalign` has no zeroing variant), while `calloc` takes fresh pages from the
/// OS already zero and writes nothing. For a 200 MB buffer that is about to be filled,
/// the `memset` was a second pass over the memory. 128 KiB is glibc's default
/// threshold for serving an allocation with its own `mmap`.
const LARGE_ALLOCATION: usize = 128 << 10;

// SAFETY: every non-empty pointer comes from `std::alloc`: below `LARGE_ALLOCATION` bytes
// with a `Layout` of `ALIGNMENT`, from `LARGE_ALLOCATION` bytes up with `large_layout`,
// aligned by `large_start` inside the allocation; from `RETAINED_MIN` bytes up it is a
// block of `pool::block` (mapped by the pool on Linux, page-aligned) of the size's class,
// or of the length recorded in the cache for a longer block. Which of these an allocation
// is follows from its size, which every caller passes back. A block in the retention
// cache is owned by the cache only, so it is handed out to one allocation at a time.
// Empty allocations use an aligned dangling pointer that is never freed.
unsafe impl MemoryPool for SystemMemoryPool {
    fn allocate_zeroed(&self, size: usize) -> Result<NonNull<u8>, BufferError> {
        self.allocate_with(size, true)
    }

    fn allocate(&self, size: usize) -> Result<NonNull<u8>, BufferError> {
        self.allocate_with(size, false)
    }

    unsafe fn reallocate(
        &self,
        ptr: NonNull<u8>,
        old_size: usize,
        new_size: usize,
    ) -> Result<NonNull<u8>, BufferError> {
        if old_size == 0 {
            return self.allocate_zeroed(new_size);
        }
        if new_size == 0 {
            // SAFETY: forwarded from the caller's contract.
            unsafe { self.free(ptr, old_size) };
            return Ok(Self::dangling());
        }
        let (old_kind, new_kind) = (Kind::of(old_size), Kind::of(new_size));
        if new_kind == Kind::Retained {
            // SAFETY: forwarded from the caller's contract.
            return unsafe { self.reallocate_to_block(ptr, old_size, new_size) };
        }
        let new_ptr = match (old_kind, new_kind) {
            (Kind::Small, Kind::Small) => {
                let new_layout = Self::layout(new_size)?;
                let old_layout = Self::layout(old_size)?;
                // SAFETY: the caller guarantees `ptr` was allocated here with
                // `old_layout`; `new_size` is non-zero and fits a valid layout.
                let p = unsafe { std::alloc::realloc(ptr.as_ptr(), old_layout, new_layout.size()) };
                NonNull::new(p).ok_or(BufferError::OutOfMemory {
                    requested: new_size,
                })?
            }
            // Grow or shrink the block itself, which the system allocator does for mapped
            // blocks by remapping pages, without a copy.
            // SAFETY: `ptr` is the aligned start of a live large allocation of
            // `old_size` bytes (the caller's contract and `old_size >= LARGE_ALLOCATION`).
            (Kind::Large, Kind::Large) => unsafe {
                realloc_large(ptr, old_size, new_size, old_size.min(new_size))?
            },
            // SAFETY: forwarded from the caller's contract.
            _ => return unsafe { self.move_to_new(ptr, old_size, new_size) },
        };
        self.record_resize(old_size, new_size);
        Ok(new_ptr)
    }

    unsafe fn free(&self, ptr: NonNull<u8>, size: usize) {
        if size == 0 {
            return;
        }
        // SAFETY: forwarded from the caller's contract.
        if unsafe { self.release(ptr, size) } {
            self.allocated.fetch_sub(size, Ordering::Relaxed);
        }
    }

    fn bytes_allocated(&self) -> usize {
        self.allocated.load(Ordering::Relaxed)
    }

    fn max_memory(&self) -> usize {
        self.max.load(Ordering::Relaxed)
    }

    fn backend_name(&self) -> &'static str {
        "system"
    }

    fn bytes_retained(&self) -> usize {
        self.retained.bytes()
    }

    fn release_unused(&self) {
        for (start, len) in self.retained.take_all() {
            // SAFETY: the cache held `start` as a freed block of `len` bytes.
            unsafe { block::unmap(start, len) };
        }
    }
}

impl Drop for SystemMemoryPool {
    fn drop(&mut self) {
        self.release_unused();
    }
}

/// Which way [`SystemMemoryPool`] allocates a size: from the heap at [`ALIGNMENT`], as a
/// large allocation aligned by hand, or as a large allocation of the size's class that
/// the pool may keep for reuse.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Small,
    Large,
    Retained,
}

impl Kind {
    fn of(size: usize) -> Kind {
        if size >= RETAINED_MIN {
            Kind::Retained
        } else if size >= LARGE_ALLOCATION {
            Kind::Large
        } else {
            Kind::Small
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIZES: [usize; 6] = [
        64,
        LARGE_ALLOCATION - 64,
        LARGE_ALLOCATION,
        LARGE_ALLOCATION + 4096,
        3 * LARGE_ALLOCATION,
        2 << 20,
    ];

    fn fill(ptr: NonNull<u8>, len: usize) {
        for i in 0..len {
            // SAFETY: the test owns `len` bytes at `ptr`.
            unsafe { ptr.as_ptr().add(i).write((i % 251) as u8) };
        }
    }

    fn check(ptr: NonNull<u8>, len: usize) {
        // SAFETY: the test owns at least `len` initialised bytes at `ptr`.
        let bytes = unsafe { std::slice::from_raw_parts(ptr.as_ptr(), len) };
        let first_bad = bytes
            .iter()
            .enumerate()
            .find(|&(i, &b)| b != (i % 251) as u8);
        assert_eq!(first_bad, None, "{len} bytes");
    }

    #[test]
    fn allocations_of_every_size_are_aligned_zeroed_and_counted() {
        let pool = SystemMemoryPool::new();
        for size in SIZES {
            let ptr = pool.allocate_zeroed(size).unwrap();
            assert_eq!(ptr.as_ptr().addr() % ALIGNMENT, 0, "{size}");
            assert_eq!(pool.bytes_allocated(), size);
            // SAFETY: `size` bytes were just allocated zeroed.
            let bytes = unsafe { std::slice::from_raw_parts(ptr.as_ptr(), size) };
            assert!(bytes.iter().all(|&b| b == 0), "{size}");
            // SAFETY: allocated above with this size.
            unsafe { pool.free(ptr, size) };
            assert_eq!(pool.bytes_allocated(), 0);
        }
        assert_eq!(pool.max_memory(), 2 << 20);
    }

    #[test]
    fn reallocation_keeps_the_bytes_across_the_large_threshold() {
        let pool = SystemMemoryPool::new();
        // Every pair of sizes, so both directions of each crossing (small to large,
        // large to small, large to large growing and shrinking) run.
        for from in SIZES {
            for to in SIZES {
                let ptr = pool.allocate_zeroed(from).unwrap();
                fill(ptr, from);
                // SAFETY: `ptr` came from this pool with size `from`.
                let moved = unsafe { pool.reallocate(ptr, from, to) }.unwrap();
                assert_eq!(moved.as_ptr().addr() % ALIGNMENT, 0, "{from} -> {to}");
                assert_eq!(pool.bytes_allocated(), to, "{from} -> {to}");
                check(moved, from.min(to));
                fill(moved, to);
                check(moved, to);
                // SAFETY: `moved` came from this pool with size `to`.
                unsafe { pool.free(moved, to) };
                assert_eq!(pool.bytes_allocated(), 0);
            }
        }
    }

    #[test]
    fn many_large_reallocations_in_a_row_keep_the_bytes() {
        // realloc may return blocks at different offsets mod 64; the bytes must follow.
        let pool = SystemMemoryPool::new();
        let mut size = LARGE_ALLOCATION;
        let mut ptr = pool.allocate_zeroed(size).unwrap();
        fill(ptr, size);
        for step in 1..40 {
            let next = LARGE_ALLOCATION + step * 4099;
            // SAFETY: `ptr` came from this pool with size `size`.
            ptr = unsafe { pool.reallocate(ptr, size, next) }.unwrap();
            check(ptr, size.min(next));
            fill(ptr, next);
            size = next;
        }
        // SAFETY: as above.
        unsafe { pool.free(ptr, size) };
        assert_eq!(pool.bytes_allocated(), 0);
    }
}
