//! [`ProxyMemoryPool`]: a pool that counts one request's bytes on top of another pool.

use std::ptr::NonNull;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::BufferError;
use crate::pool::{MemoryPool, MemoryPoolRef};

/// A pool that forwards every allocation to a parent pool and keeps its own count, like
/// pyarrow's `proxy_memory_pool`: give one to the readers and writers of one request
/// and [`bytes_allocated`](MemoryPool::bytes_allocated) tells what that request holds,
/// while the parent (by default the [`default_memory_pool`](crate::default_memory_pool),
/// so [`total_allocated_bytes`](crate::total_allocated_bytes)) still counts the same
/// bytes too.
///
/// With [`with_limit`](ProxyMemoryPool::with_limit) the pool refuses any allocation
/// that would bring its count over the limit, with
/// [`BufferError::PoolLimitExceeded`]; readers and writers report that as an error
/// instead of allocating, so a server can cap what one request may hold.
///
/// ```
/// use std::sync::Arc;
/// use quiver_buffer::{BufferError, MemoryPool, MemoryPoolRef, MutableBuffer, ProxyMemoryPool};
/// let request = Arc::new(ProxyMemoryPool::new(MemoryPoolRef::default()).with_limit(1024));
/// let a = MutableBuffer::try_with_capacity_in(1000, Arc::clone(&request)).unwrap();
/// assert_eq!(request.bytes_allocated(), 1024);
/// assert_eq!(
///     MutableBuffer::try_with_capacity_in(1, Arc::clone(&request)).unwrap_err(),
///     BufferError::PoolLimitExceeded { requested: 64, allocated: 1024, limit: 1024 }
/// );
/// drop(a);
/// assert_eq!(request.bytes_allocated(), 0);
/// assert_eq!(request.max_memory(), 1024);
/// ```
#[derive(Debug)]
pub struct ProxyMemoryPool {
    parent: MemoryPoolRef,
    allocated: AtomicUsize,
    max: AtomicUsize,
    limit: Option<usize>,
}

impl ProxyMemoryPool {
    /// A pool with its counters at zero that allocates from `parent` (pass
    /// `MemoryPoolRef::default()` for the default pool) and has no limit.
    pub fn new(parent: impl Into<MemoryPoolRef>) -> Self {
        Self {
            parent: parent.into(),
            allocated: AtomicUsize::new(0),
            max: AtomicUsize::new(0),
            limit: None,
        }
    }

    /// Refuses allocations that would bring this pool's
    /// [`bytes_allocated`](MemoryPool::bytes_allocated) over `bytes`.
    pub fn with_limit(mut self, bytes: usize) -> Self {
        self.limit = Some(bytes);
        self
    }

    /// The limit, if one is set.
    pub fn limit(&self) -> Option<usize> {
        self.limit
    }

    /// The pool the memory comes from.
    pub fn parent(&self) -> &MemoryPoolRef {
        &self.parent
    }

    /// Counts `size` more bytes, or refuses them if they break the limit.
    fn reserve(&self, size: usize) -> Result<(), BufferError> {
        let now = match self.limit {
            None => self
                .allocated
                .fetch_add(size, Ordering::Relaxed)
                .saturating_add(size),
            Some(limit) => {
                let mut seen = self.allocated.load(Ordering::Relaxed);
                loop {
                    let next = seen.checked_add(size).filter(|&n| n <= limit).ok_or(
                        BufferError::PoolLimitExceeded {
                            requested: size,
                            allocated: seen,
                            limit,
                        },
                    )?;
                    match self.allocated.compare_exchange_weak(
                        seen,
                        next,
                        Ordering::Relaxed,
                        Ordering::Relaxed,
                    ) {
                        Ok(_) => break next,
                        Err(actual) => seen = actual,
                    }
                }
            }
        };
        self.max.fetch_max(now, Ordering::Relaxed);
        Ok(())
    }

    fn release(&self, size: usize) {
        self.allocated.fetch_sub(size, Ordering::Relaxed);
    }
}

// SAFETY: every pointer comes from the parent pool, which upholds the alignment contract,
// and is handed back to it unchanged with the size it was allocated with.
unsafe impl MemoryPool for ProxyMemoryPool {
    fn allocate_zeroed(&self, size: usize) -> Result<NonNull<u8>, BufferError> {
        self.reserve(size)?;
        self.parent
            .allocate_zeroed(size)
            .inspect_err(|_| self.release(size))
    }

    fn allocate(&self, size: usize) -> Result<NonNull<u8>, BufferError> {
        self.reserve(size)?;
        self.parent
            .allocate(size)
            .inspect_err(|_| self.release(size))
    }

    unsafe fn reallocate(
        &self,
        ptr: NonNull<u8>,
        old_size: usize,
        new_size: usize,
    ) -> Result<NonNull<u8>, BufferError> {
        let grow = new_size.saturating_sub(old_size);
        self.reserve(grow)?;
        // SAFETY: forwarded from the caller's contract; the parent made `ptr`.
        match unsafe { self.parent.reallocate(ptr, old_size, new_size) } {
            Ok(p) => {
                self.release(old_size.saturating_sub(new_size));
                Ok(p)
            }
            Err(e) => {
                self.release(grow);
                Err(e)
            }
        }
    }

    unsafe fn free(&self, ptr: NonNull<u8>, size: usize) {
        // SAFETY: forwarded from the caller's contract; the parent made `ptr`.
        unsafe { self.parent.free(ptr, size) };
        self.release(size);
    }

    fn bytes_allocated(&self) -> usize {
        self.allocated.load(Ordering::Relaxed)
    }

    fn max_memory(&self) -> usize {
        self.max.load(Ordering::Relaxed)
    }

    fn backend_name(&self) -> &'static str {
        self.parent.backend_name()
    }

    /// The parent's: freed blocks are kept (or not) by the pool that allocated them.
    fn bytes_retained(&self) -> usize {
        self.parent.bytes_retained()
    }

    /// Asks the parent to give back what it keeps.
    fn release_unused(&self) {
        self.parent.release_unused()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MutableBuffer;
    use crate::pool::SystemMemoryPool;
    use std::sync::Arc;

    #[test]
    fn retained_memory_is_the_parents() {
        use std::sync::Arc;
        let parent = Arc::new(crate::SystemMemoryPool::new());
        let proxy = Arc::new(ProxyMemoryPool::new(Arc::clone(&parent)));
        let block = MutableBuffer::try_with_capacity_in(4 << 20, Arc::clone(&proxy)).unwrap();
        drop(block);
        assert_eq!(parent.bytes_retained(), 4 << 20);
        assert_eq!(proxy.bytes_retained(), 4 << 20);
        proxy.release_unused();
        assert_eq!(parent.bytes_retained(), 0);
    }

    #[test]
    fn counts_in_itself_and_its_parent() {
        static PARENT: SystemMemoryPool = SystemMemoryPool::new();
        let proxy = Arc::new(ProxyMemoryPool::new(&PARENT));
        let mut m = MutableBuffer::try_with_capacity_in(10, Arc::clone(&proxy)).unwrap();
        assert_eq!(
            (proxy.bytes_allocated(), PARENT.bytes_allocated()),
            (64, 64)
        );
        m.extend_repeat(1, 100);
        assert_eq!(
            (proxy.bytes_allocated(), PARENT.bytes_allocated()),
            (128, 128)
        );
        let frozen = m.freeze();
        drop(proxy); // the buffer keeps the pool alive
        assert_eq!(PARENT.bytes_allocated(), 128);
        drop(frozen);
        assert_eq!(PARENT.bytes_allocated(), 0);
    }

    #[test]
    fn a_limit_refuses_growth_and_keeps_the_count() {
        static PARENT: SystemMemoryPool = SystemMemoryPool::new();
        let proxy = Arc::new(ProxyMemoryPool::new(&PARENT).with_limit(128));
        let mut m = MutableBuffer::try_with_capacity_in(64, Arc::clone(&proxy)).unwrap();
        m.extend_repeat(1, 64);
        assert_eq!(
            m.try_reserve(100),
            Err(BufferError::PoolLimitExceeded {
                requested: 128,
                allocated: 64,
                limit: 128
            })
        );
        assert_eq!(
            (proxy.bytes_allocated(), PARENT.bytes_allocated()),
            (64, 64)
        );
        assert_eq!(m.as_slice(), &[1u8; 64][..]);
        m.try_reserve(64).unwrap();
        assert_eq!(proxy.bytes_allocated(), 128);
        drop(m);
        assert_eq!((proxy.bytes_allocated(), PARENT.bytes_allocated()), (0, 0));
        assert_eq!(proxy.max_memory(), 128);
    }
}
