//! [`MutableBuffer`]: growable, 64-byte aligned, pool-counted bytes.

use std::fmt;
use std::mem::MaybeUninit;
use std::ptr::NonNull;

use crate::buffer::Buffer;
use crate::error::BufferError;
use crate::native::{NativeType, as_bytes};
use crate::pool::MemoryPoolRef;

/// Growable bytes allocated from a [`MemoryPool`](crate::MemoryPool);
/// [`freeze`](MutableBuffer::freeze) turns them into an immutable [`Buffer`] without
/// copying.
///
/// Capacity never written reads as zeros: [`spare_capacity_mut`](MutableBuffer::spare_capacity_mut)
/// hands out the whole capacity as an initialised `&mut [u8]`, zero where nothing was
/// written. Growing reallocates in place where the allocator can (for large buffers the
/// system allocator remaps pages instead of copying them) and fills nothing: the new
/// capacity is zeroed only if `spare_capacity_mut` or `set_len` reach it before a write
/// does, so appending (`extend_from_slice`, `Write`) touches each byte once. A buffer
/// made with [`try_with_capacity_uninit_in`](MutableBuffer::try_with_capacity_uninit_in),
/// for bytes about to be overwritten (a file read), starts with no initialised capacity at
/// all: fill it through [`spare_capacity_uninit_mut`](MutableBuffer::spare_capacity_uninit_mut).
///
/// ```
/// use quiver_buffer::MutableBuffer;
/// let mut m = MutableBuffer::new();
/// m.push(7i32);
/// m.extend_from_slice(&[8i32, 9]);
/// let b = m.freeze();
/// assert_eq!(b.typed_data::<i32>().unwrap(), &[7, 8, 9]);
/// ```
pub struct MutableBuffer {
    ptr: NonNull<u8>,
    len: usize,
    /// Bytes `0..initialized` are initialised (written or zeroed); those from
    /// `initialized` to `capacity` may not be. `len <= initialized <= capacity`.
    initialized: usize,
    capacity: usize,
    pool: MemoryPoolRef,
}

// SAFETY: `MutableBuffer` uniquely owns its allocation; the pool is `Sync`.
unsafe impl Send for MutableBuffer {}
// SAFETY: shared references only allow reads.
unsafe impl Sync for MutableBuffer {}

impl MutableBuffer {
    /// An empty buffer in the default pool; allocates nothing.
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// An empty buffer with room for `capacity` bytes, in the default pool.
    ///
    /// # Panics
    /// If the allocator fails; use [`try_with_capacity_in`](MutableBuffer::try_with_capacity_in)
    /// for sizes that come from input.
    pub fn with_capacity(capacity: usize) -> Self {
        match Self::try_with_capacity_in(capacity, MemoryPoolRef::default()) {
            Ok(m) => m,
            Err(e) => panic!("MutableBuffer::with_capacity: {e}"),
        }
    }

    /// An empty buffer with room for `capacity` bytes (rounded up to a multiple of 64)
    /// from `pool`, or an error if the allocation fails. The buffer, and every
    /// [`Buffer`] frozen from it, gives the memory back to `pool` when dropped (and keeps
    /// a shared pool alive until then); growing it allocates from `pool` too.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use quiver_buffer::{MemoryPool, MutableBuffer, ProxyMemoryPool, default_memory_pool};
    /// let pool = Arc::new(ProxyMemoryPool::new(default_memory_pool()));
    /// let mut m = MutableBuffer::try_with_capacity_in(10, Arc::clone(&pool)).unwrap();
    /// m.extend_from_slice(&[1u8; 100]);
    /// assert_eq!(pool.bytes_allocated(), 128);
    /// ```
    pub fn try_with_capacity_in(
        capacity: usize,
        pool: impl Into<MemoryPoolRef>,
    ) -> Result<Self, BufferError> {
        let pool = pool.into();
        let capacity = round_capacity(capacity)?;
        let ptr = pool.allocate_zeroed(capacity)?;
        Ok(Self {
            ptr,
            len: 0,
            // `allocate_zeroed` zeroed the whole capacity.
            initialized: capacity,
            capacity,
            pool,
        })
    }

    /// Like [`try_with_capacity_in`](MutableBuffer::try_with_capacity_in), but the
    /// memory is not zero-filled first: for bytes that are about to be written whole,
    /// such as the target of a file read, where the fill would be a wasted pass. Write
    /// into [`spare_capacity_uninit_mut`](MutableBuffer::spare_capacity_uninit_mut), then
    /// call [`set_initialized_len`](MutableBuffer::set_initialized_len). Any other access
    /// to the unwritten capacity zeroes it first, so it is never read uninitialised.
    ///
    /// ```
    /// use quiver_buffer::{MemoryPoolRef, MutableBuffer};
    /// let mut m = MutableBuffer::try_with_capacity_uninit_in(3, MemoryPoolRef::default()).unwrap();
    /// for (dst, src) in m.spare_capacity_uninit_mut().iter_mut().zip(b"abc") {
    ///     dst.write(*src);
    /// }
    /// // SAFETY: the loop above wrote the first 3 bytes of the spare capacity.
    /// unsafe { m.set_initialized_len(3) };
    /// assert_eq!(m.as_slice(), b"abc");
    /// // The capacity past what was written reads as zeros.
    /// assert!(m.spare_capacity_mut().iter().all(|&b| b == 0));
    /// ```
    pub fn try_with_capacity_uninit_in(
        capacity: usize,
        pool: impl Into<MemoryPoolRef>,
    ) -> Result<Self, BufferError> {
        let pool = pool.into();
        let capacity = round_capacity(capacity)?;
        let ptr = pool.allocate(capacity)?;
        Ok(Self {
            ptr,
            len: 0,
            initialized: 0,
            capacity,
            pool,
        })
    }

    /// A buffer of `len` zero bytes.
    pub fn from_len_zeroed(len: usize) -> Self {
        let mut m = Self::with_capacity(len);
        m.len = len;
        m
    }

    /// A buffer of `len` zero bytes, or an error if the allocation fails.
    pub fn try_from_len_zeroed(len: usize) -> Result<Self, BufferError> {
        Self::try_from_len_zeroed_in(len, MemoryPoolRef::default())
    }

    /// A buffer of `len` zero bytes from `pool`, or an error if the allocation fails.
    pub fn try_from_len_zeroed_in(
        len: usize,
        pool: impl Into<MemoryPoolRef>,
    ) -> Result<Self, BufferError> {
        let mut m = Self::try_with_capacity_in(len, pool)?;
        m.len = len;
        Ok(m)
    }

    /// The pool this buffer allocates from.
    pub fn memory_pool(&self) -> &MemoryPoolRef {
        &self.pool
    }

    /// Bytes in use.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no bytes are in use.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes allocated.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The bytes in use.
    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: `len <= initialized`: the bytes are initialised.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }

    /// The bytes in use, mutably.
    #[inline]
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: as in `as_slice`; `&mut self` guarantees uniqueness.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }

    /// The bytes between `len` and `capacity`, zeroed or previously written. Write into
    /// them, then call [`set_len`](MutableBuffer::set_len).
    #[inline]
    pub fn spare_capacity_mut(&mut self) -> &mut [u8] {
        self.zero_up_to(self.capacity);
        // SAFETY: `len..capacity` lies inside the allocation and is initialised (just above).
        unsafe {
            std::slice::from_raw_parts_mut(
                self.ptr.as_ptr().add(self.len),
                self.capacity - self.len,
            )
        }
    }

    /// Sets the length; bytes up to `len` must have been written (or are zero).
    ///
    /// # Panics
    /// If `len > capacity`.
    #[inline]
    pub fn set_len(&mut self, len: usize) {
        assert!(
            len <= self.capacity,
            "set_len {len} beyond capacity {}",
            self.capacity
        );
        self.zero_up_to(len);
        self.len = len;
    }

    /// The bytes between `len` and `capacity`, possibly uninitialised (after
    /// [`try_with_capacity_uninit_in`](MutableBuffer::try_with_capacity_uninit_in), or
    /// capacity not yet written). Write into them, then call
    /// [`set_initialized_len`](MutableBuffer::set_initialized_len).
    #[inline]
    pub fn spare_capacity_uninit_mut(&mut self) -> &mut [MaybeUninit<u8>] {
        // SAFETY: `len..capacity` lies inside the allocation; `MaybeUninit<u8>` makes no
        // claim that it is initialised, and `&mut self` guarantees uniqueness.
        unsafe {
            std::slice::from_raw_parts_mut(
                self.ptr.as_ptr().add(self.len).cast::<MaybeUninit<u8>>(),
                self.capacity - self.len,
            )
        }
    }

    /// Sets the length after bytes were written through
    /// [`spare_capacity_uninit_mut`](MutableBuffer::spare_capacity_uninit_mut).
    ///
    /// # Safety
    /// `len <= capacity`, and every byte from the current length up to `len` was
    /// initialised (written) by the caller.
    #[inline]
    pub unsafe fn set_initialized_len(&mut self, len: usize) {
        debug_assert!(len <= self.capacity, "set_initialized_len beyond capacity");
        self.len = len;
        self.initialized = self.initialized.max(len);
    }

    /// Zeroes the bytes from `initialized` up to `end` (`<= capacity`), so `0..end` is
    /// initialised.
    #[inline]
    fn zero_up_to(&mut self, end: usize) {
        if end > self.initialized {
            debug_assert!(end <= self.capacity);
            // SAFETY: `initialized < end <= capacity`: the range lies inside the allocation.
            unsafe {
                std::ptr::write_bytes(
                    self.ptr.as_ptr().add(self.initialized),
                    0,
                    end - self.initialized,
                );
            }
            self.initialized = end;
        }
    }

    /// Makes room for at least `additional` more bytes.
    ///
    /// # Panics
    /// If the allocator fails; see [`try_reserve`](MutableBuffer::try_reserve).
    #[inline]
    pub fn reserve(&mut self, additional: usize) {
        if let Err(e) = self.try_reserve(additional) {
            panic!("MutableBuffer::reserve: {e}");
        }
    }

    /// Makes room for at least `additional` more bytes, or reports why it cannot.
    #[inline]
    pub fn try_reserve(&mut self, additional: usize) -> Result<(), BufferError> {
        let needed = self
            .len
            .checked_add(additional)
            .ok_or(BufferError::AllocationTooLarge {
                requested: usize::MAX,
            })?;
        if needed <= self.capacity {
            return Ok(());
        }
        self.grow(needed)
    }

    /// Reallocates to at least `needed` bytes (at least doubling). The allocator keeps
    /// the bytes (in place or by remapping pages where it can); the grown tail is left
    /// as it comes, beyond `initialized`, so nothing is filled or copied twice.
    #[cold]
    fn grow(&mut self, needed: usize) -> Result<(), BufferError> {
        let target = round_capacity(needed.max(self.capacity.saturating_mul(2)))?;
        // The pool may read the whole old allocation to keep it, so all of it must be
        // initialised. Appending grows only when full, so this zeroes at most a few bytes.
        self.zero_up_to(self.capacity);
        // SAFETY: `ptr`/`capacity` come from `self.pool` and are live.
        let ptr = unsafe { self.pool.reallocate(self.ptr, self.capacity, target)? };
        self.ptr = ptr;
        self.capacity = target;
        Ok(())
    }

    /// Appends one value.
    #[inline]
    pub fn push<T: NativeType>(&mut self, value: T) {
        self.extend_from_slice(std::slice::from_ref(&value));
    }

    /// Appends values.
    #[inline]
    pub fn extend_from_slice<T: NativeType>(&mut self, values: &[T]) {
        let bytes = as_bytes(values);
        self.reserve(bytes.len());
        // SAFETY: `reserve` made `len + bytes.len() <= capacity`, so the destination lies
        // inside the allocation, which `bytes` (borrowed elsewhere) cannot overlap.
        unsafe {
            std::ptr::copy_nonoverlapping(
                bytes.as_ptr(),
                self.ptr.as_ptr().add(self.len),
                bytes.len(),
            );
        }
        self.advance(bytes.len());
    }

    /// Appends `n` copies of `byte`.
    pub fn extend_repeat(&mut self, byte: u8, n: usize) {
        self.reserve(n);
        // SAFETY: `reserve` made `len + n <= capacity`: the range lies inside the allocation.
        unsafe { std::ptr::write_bytes(self.ptr.as_ptr().add(self.len), byte, n) };
        self.advance(n);
    }

    /// Counts `n` bytes just written after `len` as in use (and initialised).
    #[inline]
    fn advance(&mut self, n: usize) {
        self.len += n;
        self.initialized = self.initialized.max(self.len);
    }

    /// Sets the length to `new_len`, filling new bytes with `value`.
    pub fn resize(&mut self, new_len: usize, value: u8) {
        if new_len > self.len {
            self.extend_repeat(value, new_len - self.len);
        } else {
            self.len = new_len;
        }
    }

    /// Shortens to `len` bytes (no-op if already shorter).
    pub fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }

    /// Removes every byte, keeping the capacity. The old bytes read as zeros again (they
    /// are zeroed when [`spare_capacity_mut`](MutableBuffer::spare_capacity_mut) or
    /// [`set_len`](MutableBuffer::set_len) next reach them).
    pub fn clear(&mut self) {
        self.len = 0;
        self.initialized = 0;
    }

    /// Freezes into an immutable [`Buffer`] without copying.
    pub fn freeze(self) -> Buffer {
        let this = std::mem::ManuallyDrop::new(self);
        // SAFETY: `this` is never dropped, and is not used after this line except for
        // its `Copy` fields, so the pool handle is moved out exactly once.
        let pool = unsafe { std::ptr::read(&this.pool) };
        Buffer::from_pool(this.ptr, this.len, this.capacity, pool)
    }

    /// Views the bytes as values of `T` (the allocation is 64-byte aligned, so only the
    /// length can be wrong).
    pub fn typed_data_mut<T: NativeType>(&mut self) -> &mut [T] {
        let n = self.len / std::mem::size_of::<T>();
        // SAFETY: the allocation is 64-byte aligned (pool contract), `n * size_of::<T>()`
        // bytes are initialised, and `T` accepts any bit pattern.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr().cast::<T>(), n) }
    }
}

/// Rounds a capacity up to a multiple of 64 so padding to the Arrow alignment is free.
fn round_capacity(n: usize) -> Result<usize, BufferError> {
    n.checked_add(63)
        .map(|v| v & !63)
        .ok_or(BufferError::AllocationTooLarge { requested: n })
}

impl Drop for MutableBuffer {
    fn drop(&mut self) {
        // SAFETY: `ptr`/`capacity` come from `self.pool` and are freed once, here.
        unsafe { self.pool.free(self.ptr, self.capacity) };
    }
}

impl Default for MutableBuffer {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MutableBuffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MutableBuffer")
            .field("len", &self.len)
            .field("capacity", &self.capacity)
            .finish()
    }
}

impl std::io::Write for MutableBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.try_reserve(buf.len())
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::OutOfMemory, e))?;
        self.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<T: NativeType> FromIterator<T> for MutableBuffer {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let iter = iter.into_iter();
        let mut m = Self::with_capacity(iter.size_hint().0 * std::mem::size_of::<T>());
        for v in iter {
            m.push(v);
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pool::{MemoryPool, SystemMemoryPool};

    #[test]
    fn counts_bytes_in_its_pool() {
        static POOL: SystemMemoryPool = SystemMemoryPool::new();
        let mut m = MutableBuffer::try_with_capacity_in(10, &POOL).unwrap();
        assert_eq!(POOL.bytes_allocated(), 64);
        m.extend_repeat(1, 100);
        assert_eq!(POOL.bytes_allocated(), 128);
        assert_eq!(m.as_slice(), &[1u8; 100][..]);
        let frozen = m.freeze();
        assert_eq!(POOL.bytes_allocated(), 128);
        let slice = frozen.slice(10, 10);
        drop(frozen);
        assert_eq!(
            POOL.bytes_allocated(),
            128,
            "a slice keeps the memory alive"
        );
        drop(slice);
        assert_eq!(POOL.bytes_allocated(), 0);
        assert_eq!(POOL.max_memory(), 128);
    }

    #[test]
    fn grows_keep_contents_and_zero_padding() {
        let mut m = MutableBuffer::new();
        for i in 0..1000i64 {
            m.push(i);
        }
        assert_eq!(m.len(), 8000);
        assert_eq!(m.typed_data_mut::<i64>()[999], 999);
        assert!(m.spare_capacity_mut().iter().all(|&b| b == 0));
        m.clear();
        assert!(m.spare_capacity_mut().iter().all(|&b| b == 0));
        // Large growth reallocates without filling; the unwritten tail still reads as zeros.
        let mut big = MutableBuffer::new();
        big.extend_repeat(7, 3 << 20);
        assert!(big.as_slice().iter().all(|&b| b == 7));
        assert!(big.spare_capacity_mut().iter().all(|&b| b == 0));
    }

    #[test]
    fn cleared_and_grown_capacity_reads_as_zeros() {
        let mut m = MutableBuffer::new();
        m.extend_repeat(7, 100);
        m.clear();
        // `set_len` over bytes written before `clear` exposes zeros, not the old sevens.
        m.set_len(10);
        assert_eq!(m.as_slice(), &[0u8; 10][..]);
        m.clear();
        assert!(m.spare_capacity_mut().iter().all(|&b| b == 0));
        // Growing by appending keeps what was written and leaves the rest zero.
        let mut big = MutableBuffer::new();
        for i in 0..300_000u32 {
            big.push(i);
        }
        assert_eq!(big.typed_data_mut::<u32>()[299_999], 299_999);
        assert!(big.capacity() > big.len());
        assert!(big.spare_capacity_mut().iter().all(|&b| b == 0));
        big.set_len(big.capacity());
        assert!(big.as_slice()[1_200_000..].iter().all(|&b| b == 0));
    }

    #[test]
    fn uninitialised_capacity_is_zeroed_before_it_is_handed_out() {
        let mut m =
            MutableBuffer::try_with_capacity_uninit_in(100, MemoryPoolRef::default()).unwrap();
        assert_eq!((m.len(), m.capacity()), (0, 128));
        for (dst, src) in m.spare_capacity_uninit_mut().iter_mut().zip(1u8..=10) {
            dst.write(src);
        }
        // SAFETY: the loop wrote the first 10 bytes.
        unsafe { m.set_initialized_len(10) };
        assert_eq!(m.as_slice(), &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        // `set_len` past what was written reads zeros, not old memory.
        m.set_len(20);
        assert_eq!(&m.as_slice()[10..], &[0u8; 10]);
        m.truncate(10);
        assert!(m.spare_capacity_mut().iter().all(|&b| b == 0));
        assert_eq!(m.spare_capacity_mut().len(), 118);

        // Growing keeps the written bytes and zeroes the rest.
        let mut g =
            MutableBuffer::try_with_capacity_uninit_in(64, MemoryPoolRef::default()).unwrap();
        for (dst, src) in g.spare_capacity_uninit_mut().iter_mut().zip([7u8; 5]) {
            dst.write(src);
        }
        // SAFETY: the loop wrote the first 5 bytes.
        unsafe { g.set_initialized_len(5) };
        g.reserve(1000);
        assert_eq!(g.as_slice(), &[7u8; 5]);
        assert!(g.spare_capacity_mut().iter().all(|&b| b == 0));
        g.extend_from_slice(&[9u8; 3]);
        assert_eq!(g.freeze().as_slice(), &[7, 7, 7, 7, 7, 9, 9, 9]);
    }

    #[test]
    fn huge_requests_fail_cleanly() {
        assert!(
            MutableBuffer::try_with_capacity_in(usize::MAX - 10, crate::default_memory_pool())
                .is_err()
        );
        assert!(MutableBuffer::try_from_len_zeroed(isize::MAX as usize).is_err());
    }
}
