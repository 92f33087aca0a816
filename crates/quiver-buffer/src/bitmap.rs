//! Validity bitmaps: LSB-first bits, 1 = valid.

use crate::buffer::Buffer;
use crate::error::BufferError;
use crate::mutable::MutableBuffer;

/// Whether bit `i` of LSB-first `bytes` is set.
///
/// # Panics
/// If `i / 8` is out of bounds.
#[inline]
pub fn get_bit(bytes: &[u8], i: usize) -> bool {
    bytes[i >> 3] & (1 << (i & 7)) != 0
}

/// Sets bit `i` of `bytes`.
#[inline]
pub fn set_bit(bytes: &mut [u8], i: usize) {
    bytes[i >> 3] |= 1 << (i & 7);
}

/// Bytes needed to hold `bits` bits.
#[inline]
pub const fn bytes_for(bits: usize) -> usize {
    bits.div_ceil(8)
}

/// A read-only view of `len` bits of a [`Buffer`], starting at bit `offset`.
///
/// ```
/// use quiver_buffer::{Bitmap, Buffer};
/// let bm = Bitmap::try_new(Buffer::from_slice_ref(&[0b0000_0101u8]), 0, 3).unwrap();
/// assert!(bm.is_set(0) && !bm.is_set(1) && bm.is_set(2));
/// assert_eq!(bm.count_set_bits(), 2);
/// ```
#[derive(Clone, Debug)]
pub struct Bitmap {
    buffer: Buffer,
    offset: usize,
    len: usize,
}

impl Bitmap {
    /// A bitmap over `buffer`, checking that `offset + len` bits fit.
    pub fn try_new(buffer: Buffer, offset: usize, len: usize) -> Result<Self, BufferError> {
        let too_short = BufferError::BitmapTooShort {
            bytes: buffer.len(),
            offset,
            bits: len,
        };
        let end = offset.checked_add(len).ok_or(too_short.clone())?;
        if bytes_for(end) > buffer.len() {
            return Err(too_short);
        }
        Ok(Self {
            buffer,
            offset,
            len,
        })
    }

    /// A bitmap of `len` set bits.
    pub fn new_set(len: usize) -> Self {
        let mut b = BitmapBuilder::with_capacity(len);
        b.append_n(len, true);
        b.finish()
    }

    /// Number of bits.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it holds no bits.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bit offset into [`buffer`](Bitmap::buffer).
    #[inline]
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The underlying bytes (bit `offset` of the buffer is bit 0 of the bitmap).
    #[inline]
    pub fn buffer(&self) -> &Buffer {
        &self.buffer
    }

    /// Whether bit `i` is set.
    ///
    /// # Panics
    /// If `i >= len`.
    #[inline]
    pub fn is_set(&self, i: usize) -> bool {
        assert!(
            i < self.len,
            "bit {i} out of bounds for a bitmap of {} bits",
            self.len
        );
        get_bit(self.buffer.as_slice(), self.offset + i)
    }

    /// A zero-copy view of `len` bits from bit `offset`.
    ///
    /// # Panics
    /// If the range is out of bounds.
    pub fn slice(&self, offset: usize, len: usize) -> Self {
        assert!(
            offset.checked_add(len).is_some_and(|end| end <= self.len),
            "bitmap slice {offset}+{len} out of bounds for {} bits",
            self.len
        );
        Self {
            buffer: self.buffer.clone(),
            offset: self.offset + offset,
            len,
        }
    }

    /// Number of set bits.
    pub fn count_set_bits(&self) -> usize {
        let bytes = self.buffer.as_slice();
        let mut start = self.offset;
        let end = self.offset + self.len;
        let mut count = 0;
        while start < end && !start.is_multiple_of(8) {
            count += usize::from(get_bit(bytes, start));
            start += 1;
        }
        let whole_end = end - (end - start) % 8;
        count += count_ones(&bytes[start / 8..whole_end / 8]);
        for i in whole_end..end {
            count += usize::from(get_bit(bytes, i));
        }
        count
    }

    /// Number of unset bits.
    pub fn count_unset_bits(&self) -> usize {
        self.len - self.count_set_bits()
    }

    /// Iterates over the bits.
    pub fn iter(&self) -> impl Iterator<Item = bool> + '_ {
        let bytes = self.buffer.as_slice();
        (self.offset..self.offset + self.len).map(move |i| get_bit(bytes, i))
    }

    /// The bits re-packed to start at bit 0, in fresh memory (or the same buffer when the
    /// offset is already 0 and the length covers it).
    pub fn to_aligned_buffer(&self) -> Buffer {
        let n = bytes_for(self.len);
        if self.offset == 0 {
            return self.buffer.slice(0, n);
        }
        if self.offset.is_multiple_of(8) {
            let byte = self.offset / 8;
            let mut m = MutableBuffer::with_capacity(n);
            m.extend_from_slice(&self.buffer.as_slice()[byte..byte + n]);
            mask_tail(&mut m, self.len);
            return m.freeze();
        }
        let mut b = BitmapBuilder::with_capacity(self.len);
        for v in self.iter() {
            b.append(v);
        }
        b.finish().buffer
    }
}

fn mask_tail(m: &mut MutableBuffer, bits: usize) {
    if !bits.is_multiple_of(8) {
        let last = bits / 8;
        m.as_mut_slice()[last] &= (1u8 << (bits % 8)) - 1;
    }
}

/// Builds a [`Bitmap`] one bit at a time, in pool memory.
///
/// ```
/// use quiver_buffer::BitmapBuilder;
/// let mut b = BitmapBuilder::new();
/// b.append(true);
/// b.append_n(9, false);
/// let bm = b.finish();
/// assert_eq!((bm.len(), bm.count_set_bits()), (10, 1));
/// ```
#[derive(Debug, Default)]
pub struct BitmapBuilder {
    buffer: MutableBuffer,
    len: usize,
}

impl BitmapBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty builder with room for `bits` bits.
    pub fn with_capacity(bits: usize) -> Self {
        Self {
            buffer: MutableBuffer::with_capacity(bytes_for(bits)),
            len: 0,
        }
    }

    /// Bits appended so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no bits were appended.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends one bit.
    #[inline]
    pub fn append(&mut self, v: bool) {
        let needed = bytes_for(self.len + 1);
        if needed > self.buffer.len() {
            self.buffer.push(0u8);
        }
        if v {
            set_bit(self.buffer.as_mut_slice(), self.len);
        }
        self.len += 1;
    }

    /// Appends `n` copies of one bit.
    pub fn append_n(&mut self, n: usize, v: bool) {
        let end = self.len + n;
        self.buffer.resize(bytes_for(end), 0);
        if v {
            let bytes = self.buffer.as_mut_slice();
            let mut i = self.len;
            while i < end && !i.is_multiple_of(8) {
                set_bit(bytes, i);
                i += 1;
            }
            while i + 8 <= end {
                bytes[i / 8] = 0xFF;
                i += 8;
            }
            while i < end {
                set_bit(bytes, i);
                i += 1;
            }
        }
        self.len = end;
    }

    /// Finishes into an immutable bitmap.
    pub fn finish(self) -> Bitmap {
        Bitmap {
            buffer: self.buffer.freeze(),
            offset: 0,
            len: self.len,
        }
    }
}

/// Set bits in `bytes`, with the CPU's `popcnt` instruction when it has one (x86-64
/// does not assume it: without it a 64 Ki-slot validity bitmap took microseconds to
/// count, once per array read).
fn count_ones(bytes: &[u8]) -> usize {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("popcnt") {
        // SAFETY: the CPU has `popcnt` (detected just above), the one requirement of
        // calling a function compiled to use it.
        return unsafe { count_ones_popcnt(bytes) };
    }
    count_ones_portable(bytes)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
fn count_ones_popcnt(bytes: &[u8]) -> usize {
    count_ones_portable(bytes)
}

/// Eight bytes at a time, then the remaining bytes.
#[inline(always)]
fn count_ones_portable(bytes: &[u8]) -> usize {
    let mut words = bytes.chunks_exact(8);
    let mut count = 0;
    for w in &mut words {
        let mut x = [0u8; 8];
        x.copy_from_slice(w);
        count += u64::from_ne_bytes(x).count_ones() as usize;
    }
    count
        + words
            .remainder()
            .iter()
            .map(|b| b.count_ones() as usize)
            .sum::<usize>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_and_counts_across_byte_edges() {
        let mut b = BitmapBuilder::new();
        let pattern: Vec<bool> = (0..77).map(|i| i % 3 != 0).collect();
        for &v in &pattern {
            b.append(v);
        }
        b.append_n(13, true);
        let bm = b.finish();
        assert_eq!(bm.len(), 90);
        let expected = pattern.iter().filter(|v| **v).count() + 13;
        assert_eq!(bm.count_set_bits(), expected);
        let s = bm.slice(5, 70);
        assert_eq!(
            s.count_set_bits(),
            pattern[5..75].iter().filter(|v| **v).count()
        );
        let aligned = Bitmap::try_new(s.to_aligned_buffer(), 0, 70).unwrap();
        assert!(aligned.iter().eq(pattern[5..75].iter().copied()));
    }

    #[test]
    fn try_new_checks_length() {
        let buf = Buffer::from_slice_ref(&[0xFFu8]);
        assert!(Bitmap::try_new(buf.clone(), 0, 8).is_ok());
        assert_eq!(
            Bitmap::try_new(buf.clone(), 1, 8).unwrap_err(),
            BufferError::BitmapTooShort {
                bytes: 1,
                offset: 1,
                bits: 8
            }
        );
        assert!(Bitmap::try_new(buf, usize::MAX, 2).is_err());
    }
}
