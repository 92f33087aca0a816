//! [`Buffer`]: immutable, cheaply cloned, sliceable bytes with a known owner.

use std::any::Any;
use std::fmt;
use std::ptr::NonNull;
use std::sync::Arc;

use crate::error::BufferError;
use crate::native::{NativeType, as_bytes};
use crate::pool::MemoryPoolRef;

/// Who frees the memory behind a [`Buffer`].
enum Owner {
    /// Memory from a [`MemoryPool`]: counted, 64-byte aligned, given back on drop.
    Pool {
        ptr: NonNull<u8>,
        capacity: usize,
        pool: MemoryPoolRef,
    },
    /// Memory someone else owns (a memory map, a `Vec`, static bytes); kept alive by
    /// holding the owner, never counted by a pool.
    Foreign(#[allow(dead_code)] Box<dyn Any + Send + Sync>),
}

// SAFETY: the pool variant holds a `Sync` pool reference and a pointer to memory no one
// mutates; the foreign variant's owner is `Send + Sync` by its bound.
unsafe impl Send for Owner {}
// SAFETY: see `Send`.
unsafe impl Sync for Owner {}

impl Drop for Owner {
    fn drop(&mut self) {
        if let Owner::Pool {
            ptr,
            capacity,
            pool,
        } = self
        {
            // SAFETY: `ptr`/`capacity` were handed to us by `MutableBuffer::freeze`, which
            // took them from this pool; the `Owner` is dropped exactly once.
            unsafe { pool.free(*ptr, *capacity) };
        }
    }
}

/// An immutable, reference-counted region of bytes.
///
/// Cloning and [`slice`](Buffer::slice) never copy: they share the same memory. A buffer
/// owns either pool memory (counted by [`total_allocated_bytes`](crate::total_allocated_bytes))
/// or memory of a foreign owner such as a memory map, which it keeps alive.
///
/// ```
/// use quiver_buffer::Buffer;
/// let buf = Buffer::from_slice_ref(&[1u8, 2, 3, 4]);
/// let tail = buf.slice(2, 2);
/// assert_eq!(tail.as_slice(), &[3, 4]);
/// assert_eq!(tail.as_ptr(), buf.as_ptr().wrapping_add(2)); // same memory
/// ```
#[derive(Clone)]
pub struct Buffer {
    ptr: NonNull<u8>,
    len: usize,
    owner: Arc<Owner>,
}

// SAFETY: a `Buffer` only gives shared read access to memory that never changes after
// construction; the owner is `Send + Sync` (pool references are `Sync`, foreign owners are
// required to be `Send + Sync`).
unsafe impl Send for Buffer {}
// SAFETY: see `Send`.
unsafe impl Sync for Buffer {}

impl Buffer {
    /// An empty buffer. All empty buffers share one owner, so making one never
    /// allocates (readers and writers make one per absent validity bitmap).
    pub fn empty() -> Self {
        static EMPTY: std::sync::LazyLock<Arc<Owner>> = std::sync::LazyLock::new(|| {
            let bytes: &'static [u8] = &[];
            Arc::new(Owner::Foreign(Box::new(bytes)))
        });
        let bytes: &'static [u8] = &[];
        Self {
            ptr: NonNull::from(bytes).cast::<u8>(),
            len: 0,
            owner: Arc::clone(&EMPTY),
        }
    }

    /// Wraps a static byte slice without copying.
    pub fn from_static(bytes: &'static [u8]) -> Self {
        Self::from_owner(bytes)
    }

    /// Copies `bytes` into new pool memory.
    pub fn from_slice_ref<T: NativeType>(values: &[T]) -> Self {
        let mut m = crate::MutableBuffer::with_capacity(std::mem::size_of_val(values));
        m.extend_from_slice(values);
        m.freeze()
    }

    /// Takes ownership of a vector without copying. The memory is not counted by any
    /// pool, and its alignment is only that of `T`.
    pub fn from_vec<T: NativeType>(vec: Vec<T>) -> Self {
        struct VecOwner<T>(Vec<T>);
        impl<T: NativeType> AsRef<[u8]> for VecOwner<T> {
            fn as_ref(&self) -> &[u8] {
                as_bytes(&self.0)
            }
        }
        Self::from_owner(VecOwner(vec))
    }

    /// Wraps memory owned by `owner` (for example a memory map) without copying. The
    /// owner is kept alive as long as any buffer or slice refers to it.
    pub fn from_owner<O: AsRef<[u8]> + Send + Sync + 'static>(owner: O) -> Self {
        let owner: Box<O> = Box::new(owner);
        let bytes: &[u8] = (*owner).as_ref();
        let ptr = NonNull::from(bytes).cast::<u8>();
        let len = bytes.len();
        Self {
            ptr,
            len,
            owner: Arc::new(Owner::Foreign(owner)),
        }
    }

    /// Internal: a buffer over pool memory handed over by a `MutableBuffer`.
    pub(crate) fn from_pool(
        ptr: NonNull<u8>,
        len: usize,
        capacity: usize,
        pool: MemoryPoolRef,
    ) -> Self {
        Self {
            ptr,
            len,
            owner: Arc::new(Owner::Pool {
                ptr,
                capacity,
                pool,
            }),
        }
    }

    /// Length in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Length in bytes, under pyarrow's name.
    #[inline]
    pub fn size(&self) -> usize {
        self.len
    }

    /// Whether the buffer holds no bytes.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Address of the first byte.
    #[inline]
    pub fn as_ptr(&self) -> *const u8 {
        self.ptr.as_ptr()
    }

    /// The bytes.
    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: `ptr..ptr+len` lies inside the owner's memory (checked by every
        // constructor and by `slice`), which lives as long as `self.owner`.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }

    /// Whether the memory came from a pool (and so is counted) rather than a foreign owner.
    pub fn is_pool_memory(&self) -> bool {
        matches!(*self.owner, Owner::Pool { .. })
    }

    /// A zero-copy view of `len` bytes starting at `offset`.
    ///
    /// # Panics
    /// If the range is out of bounds; use [`try_slice`](Buffer::try_slice) for input-derived
    /// ranges.
    pub fn slice(&self, offset: usize, len: usize) -> Self {
        match self.try_slice(offset, len) {
            Ok(b) => b,
            Err(e) => panic!("Buffer::slice: {e}"),
        }
    }

    /// A zero-copy view of `len` bytes starting at `offset`, or an error if the range is
    /// not inside the buffer.
    pub fn try_slice(&self, offset: usize, len: usize) -> Result<Self, BufferError> {
        let end = offset.checked_add(len);
        if end.is_none_or(|end| end > self.len) {
            return Err(BufferError::OutOfBounds {
                offset,
                len,
                size: self.len,
            });
        }
        // SAFETY: `offset <= self.len` (checked), so the pointer stays inside (or one past)
        // the same allocation.
        let ptr = unsafe { self.ptr.add(offset) };
        Ok(Self {
            ptr,
            len,
            owner: Arc::clone(&self.owner),
        })
    }

    /// Drops the first `n` bytes (all of them when `n` is larger than the buffer) in
    /// place, keeping the same owner: like `*self = self.slice(n, self.len() - n)` with
    /// no reference counting, for decoders that consume their input from the front.
    ///
    /// ```
    /// use quiver_buffer::Buffer;
    /// let mut b = Buffer::from_vec(vec![1u8, 2, 3, 4]);
    /// b.advance(1);
    /// assert_eq!(b.as_slice(), &[2, 3, 4]);
    /// b.advance(10);
    /// assert!(b.is_empty());
    /// ```
    pub fn advance(&mut self, n: usize) {
        let n = n.min(self.len);
        // SAFETY: `n <= self.len` (clamped above), so the pointer stays inside (or one
        // past) the same allocation.
        self.ptr = unsafe { self.ptr.add(n) };
        self.len -= n;
    }

    /// Whether `ptr` lies inside the memory of this buffer.
    pub fn contains_ptr(&self, ptr: *const u8) -> bool {
        let start = self.ptr.as_ptr() as usize;
        let p = ptr as usize;
        p >= start && p - start <= self.len
    }

    /// Views the bytes as values of `T` in place, if the address is aligned for `T` and
    /// the length is a whole number of values.
    pub fn typed_data<T: NativeType>(&self) -> Result<&[T], BufferError> {
        let width = std::mem::size_of::<T>();
        let align = std::mem::align_of::<T>();
        if !self.len.is_multiple_of(width) {
            return Err(BufferError::RaggedLength {
                len: self.len,
                width,
            });
        }
        let addr = self.ptr.as_ptr() as usize;
        if !addr.is_multiple_of(align) {
            return Err(BufferError::Misaligned { addr, align });
        }
        // SAFETY: alignment and length are checked above; `T: NativeType` accepts any bit
        // pattern; the memory is immutable and outlives the returned borrow of `self`.
        Ok(unsafe { std::slice::from_raw_parts(self.ptr.as_ptr().cast::<T>(), self.len / width) })
    }

    /// Copies the bytes into fresh pool memory (64-byte aligned).
    pub fn deep_copy(&self) -> Self {
        Self::from_slice_ref(self.as_slice())
    }
}

impl AsRef<[u8]> for Buffer {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl std::ops::Deref for Buffer {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl PartialEq for Buffer {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}
impl Eq for Buffer {}

impl fmt::Debug for Buffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = &self.as_slice()[..self.len.min(32)];
        f.debug_struct("Buffer")
            .field("len", &self.len)
            .field("pool", &self.is_pool_memory())
            .field("bytes", &shown)
            .finish()
    }
}

impl From<Vec<u8>> for Buffer {
    fn from(v: Vec<u8>) -> Self {
        Self::from_vec(v)
    }
}

impl From<&[u8]> for Buffer {
    fn from(v: &[u8]) -> Self {
        Self::from_slice_ref(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffer_is_three_words() {
        assert_eq!(
            std::mem::size_of::<Buffer>(),
            3 * std::mem::size_of::<usize>()
        );
    }

    #[test]
    fn slices_share_memory_and_check_bounds() {
        let b = Buffer::from_slice_ref(&[1u32, 2, 3]);
        assert!(b.is_pool_memory());
        assert_eq!(b.as_ptr() as usize % 64, 0);
        let s = b.slice(4, 8);
        assert_eq!(s.typed_data::<u32>().unwrap(), &[2, 3]);
        assert!(b.contains_ptr(s.as_ptr()));
        assert_eq!(
            b.try_slice(8, 8),
            Err(BufferError::OutOfBounds {
                offset: 8,
                len: 8,
                size: 12
            })
        );
        assert!(b.try_slice(usize::MAX, 2).is_err());
    }

    #[test]
    fn typed_data_refuses_misaligned_and_ragged() {
        let b = Buffer::from_slice_ref(&[0u8; 17]);
        assert!(matches!(
            b.slice(1, 8).typed_data::<u32>(),
            Err(BufferError::Misaligned { align: 4, .. })
        ));
        assert_eq!(
            b.slice(0, 6).typed_data::<u32>(),
            Err(BufferError::RaggedLength { len: 6, width: 4 })
        );
    }

    #[test]
    fn foreign_memory_is_not_pool_memory() {
        let b = Buffer::from_vec(vec![1u8, 2, 3]);
        assert!(!b.is_pool_memory());
        assert_eq!(&b[..], &[1, 2, 3]);
        assert_eq!(Buffer::empty().len(), 0);
    }
}
