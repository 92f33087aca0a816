//! Memory pools: where 64-byte aligned buffer memory comes from, and how much of it is
//! live right now.

use std::fmt::{self, Debug};
use std::ops::Deref;
use std::ptr::NonNull;
use std::sync::Arc;

use crate::error::BufferError;

mod block;
mod retained;
mod system;

pub use system::SystemMemoryPool;

/// Alignment of every allocation a [`MemoryPool`] hands out, as the Arrow spec
/// recommends for in-memory buffers.
pub const ALIGNMENT: usize = 64;

/// A source of aligned memory that keeps count of what it has handed out.
///
/// Every [`MutableBuffer`](crate::MutableBuffer) (and so every array Quiver builds or
/// copies) allocates through a pool, so [`bytes_allocated`](MemoryPool::bytes_allocated)
/// is an exact count of the column memory Quiver owns. Memory that belongs to someone
/// else (a memory map, a `Vec<u8>` handed in by the user) is never counted.
///
/// # Safety
///
/// Implementations must return pointers aligned to [`ALIGNMENT`] and valid for the
/// requested size, and must accept back exactly the pointers they returned.
pub unsafe trait MemoryPool: Send + Sync + Debug {
    /// Allocates `size` bytes, aligned to [`ALIGNMENT`], zero-filled. A `size` of 0
    /// returns a dangling, aligned pointer and allocates nothing.
    fn allocate_zeroed(&self, size: usize) -> Result<NonNull<u8>, BufferError>;

    /// Allocates `size` bytes, aligned to [`ALIGNMENT`], whose contents are unspecified:
    /// for memory that is about to be overwritten whole, such as the target of a file
    /// read, where a zero fill would be a wasted pass. A `size` of 0 returns a dangling,
    /// aligned pointer and allocates nothing. The memory is reallocated and freed like
    /// memory from [`allocate_zeroed`](MemoryPool::allocate_zeroed).
    ///
    /// The default method calls `allocate_zeroed` (zeroed memory is a valid answer);
    /// pools that can skip the fill override it, as [`SystemMemoryPool`] does.
    ///
    /// ```
    /// use quiver_buffer::{MemoryPool, SystemMemoryPool};
    /// let pool = SystemMemoryPool::new();
    /// let ptr = pool.allocate(100).unwrap();
    /// assert_eq!(ptr.as_ptr() as usize % 64, 0);
    /// assert_eq!(pool.bytes_allocated(), 100);
    /// // SAFETY: `ptr` came from `pool.allocate(100)` and is freed once.
    /// unsafe { pool.free(ptr, 100) };
    /// assert_eq!(pool.bytes_allocated(), 0);
    /// ```
    fn allocate(&self, size: usize) -> Result<NonNull<u8>, BufferError> {
        self.allocate_zeroed(size)
    }

    /// Grows or shrinks an allocation made by this pool, keeping its contents. Bytes
    /// past `old_size` are unspecified.
    ///
    /// # Safety
    /// `ptr` must come from this pool with size `old_size` and not have been freed.
    unsafe fn reallocate(
        &self,
        ptr: NonNull<u8>,
        old_size: usize,
        new_size: usize,
    ) -> Result<NonNull<u8>, BufferError>;

    /// Gives memory back.
    ///
    /// # Safety
    /// `ptr` must come from this pool with size `size` and not have been freed.
    unsafe fn free(&self, ptr: NonNull<u8>, size: usize);

    /// Bytes currently allocated from this pool and not yet freed.
    fn bytes_allocated(&self) -> usize;

    /// The highest value [`bytes_allocated`](MemoryPool::bytes_allocated) has reached.
    fn max_memory(&self) -> usize;

    /// A short name for the allocator behind the pool.
    fn backend_name(&self) -> &'static str;

    /// Bytes of freed memory the pool keeps for reuse, not counted in
    /// [`bytes_allocated`](MemoryPool::bytes_allocated). The default method returns 0, for
    /// pools that keep nothing.
    fn bytes_retained(&self) -> usize {
        0
    }

    /// Gives the freed memory the pool keeps for reuse back to the allocator, like
    /// pyarrow's `MemoryPool.release_unused()`. The default method does nothing, for
    /// pools that keep nothing.
    ///
    /// ```
    /// use quiver_buffer::{MemoryPool, SystemMemoryPool};
    /// let pool = SystemMemoryPool::new();
    /// let ptr = pool.allocate(4 << 20).unwrap();
    /// // SAFETY: `ptr` came from `pool.allocate(4 << 20)` and is freed once.
    /// unsafe { pool.free(ptr, 4 << 20) };
    /// assert_eq!(pool.bytes_retained(), 4 << 20);
    /// pool.release_unused();
    /// assert_eq!(pool.bytes_retained(), 0);
    /// ```
    fn release_unused(&self) {}
}

static DEFAULT_POOL: SystemMemoryPool = SystemMemoryPool::new();

/// The process-wide pool that buffers use unless told otherwise.
///
/// ```
/// use quiver_buffer::{default_memory_pool, MemoryPool};
/// assert_eq!(default_memory_pool().backend_name(), "system");
/// ```
pub fn default_memory_pool() -> &'static dyn MemoryPool {
    &DEFAULT_POOL
}

/// A handle on a [`MemoryPool`], as buffers, readers and writers hold it: either a
/// `&'static` pool (the default pool, or a `static` of your own), which costs nothing
/// to copy, or a shared [`Arc`] pool (for example a per-request
/// [`ProxyMemoryPool`](crate::ProxyMemoryPool)), which every buffer allocated from it
/// keeps alive until the buffer is freed.
///
/// It dereferences to the pool, and converts from `&'static` pools and from `Arc`s of
/// pools, so functions taking `impl Into<MemoryPoolRef>` accept all of them. The
/// [`Default`] is the [`default_memory_pool`].
///
/// ```
/// use std::sync::Arc;
/// use quiver_buffer::{MemoryPool, MemoryPoolRef, MutableBuffer, ProxyMemoryPool};
/// let request = Arc::new(ProxyMemoryPool::new(MemoryPoolRef::default()));
/// let pool = MemoryPoolRef::from(Arc::clone(&request));
/// let buf = MutableBuffer::try_with_capacity_in(100, pool.clone()).unwrap();
/// assert_eq!(pool.bytes_allocated(), 128); // capacity is rounded up to 64 bytes
/// assert!(pool.ptr_eq(&MemoryPoolRef::from(request.clone())));
/// assert!(!pool.ptr_eq(&MemoryPoolRef::default()));
/// drop(buf);
/// assert_eq!(request.bytes_allocated(), 0);
/// ```
#[derive(Clone)]
pub struct MemoryPoolRef(PoolHandle);

#[derive(Clone)]
enum PoolHandle {
    Static(&'static dyn MemoryPool),
    Shared(Arc<dyn MemoryPool>),
}

impl MemoryPoolRef {
    /// Whether both handles name the same pool (compares addresses, not counters).
    pub fn ptr_eq(&self, other: &MemoryPoolRef) -> bool {
        std::ptr::addr_eq(
            &**self as *const dyn MemoryPool,
            &**other as *const dyn MemoryPool,
        )
    }
}

impl Deref for MemoryPoolRef {
    type Target = dyn MemoryPool;
    #[inline]
    fn deref(&self) -> &(dyn MemoryPool + 'static) {
        match &self.0 {
            PoolHandle::Static(p) => *p,
            PoolHandle::Shared(p) => &**p,
        }
    }
}

/// Two handles are equal when they name the same pool (see [`MemoryPoolRef::ptr_eq`]).
impl PartialEq for MemoryPoolRef {
    fn eq(&self, other: &Self) -> bool {
        self.ptr_eq(other)
    }
}

impl Eq for MemoryPoolRef {}

impl Default for MemoryPoolRef {
    fn default() -> Self {
        MemoryPoolRef(PoolHandle::Static(&DEFAULT_POOL))
    }
}

impl Debug for MemoryPoolRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.0 {
            PoolHandle::Static(_) => "static",
            PoolHandle::Shared(_) => "shared",
        };
        f.debug_struct("MemoryPoolRef")
            .field("kind", &kind)
            .field("backend", &self.backend_name())
            .field("bytes_allocated", &self.bytes_allocated())
            .finish()
    }
}

impl From<&'static dyn MemoryPool> for MemoryPoolRef {
    fn from(pool: &'static dyn MemoryPool) -> Self {
        MemoryPoolRef(PoolHandle::Static(pool))
    }
}

impl<P: MemoryPool + 'static> From<&'static P> for MemoryPoolRef {
    fn from(pool: &'static P) -> Self {
        MemoryPoolRef(PoolHandle::Static(pool))
    }
}

impl From<Arc<dyn MemoryPool>> for MemoryPoolRef {
    fn from(pool: Arc<dyn MemoryPool>) -> Self {
        MemoryPoolRef(PoolHandle::Shared(pool))
    }
}

impl<P: MemoryPool + 'static> From<Arc<P>> for MemoryPoolRef {
    fn from(pool: Arc<P>) -> Self {
        MemoryPoolRef(PoolHandle::Shared(pool))
    }
}

impl From<&MemoryPoolRef> for MemoryPoolRef {
    fn from(pool: &MemoryPoolRef) -> Self {
        pool.clone()
    }
}

/// Bytes currently allocated from the default pool, like `pyarrow.total_allocated_bytes()`.
///
/// ```
/// use quiver_buffer::{total_allocated_bytes, MutableBuffer};
/// let before = total_allocated_bytes();
/// let buf = MutableBuffer::from_len_zeroed(1024);
/// assert!(total_allocated_bytes() >= before + 1024 || before > 0);
/// drop(buf);
/// ```
pub fn total_allocated_bytes() -> usize {
    DEFAULT_POOL.bytes_allocated()
}
