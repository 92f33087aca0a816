//! The validity bitmap shared by every builder.

use quiver_buffer::{Buffer, MutableBuffer, bytes_for, set_bit};

/// A validity bitmap builder that allocates only once a null shows up, and then at
/// once for the capacity it was given.
#[derive(Debug, Default)]
pub(crate) struct NullsBuilder {
    len: usize,
    /// Slots expected in all, so the bitmap is allocated once at its full size.
    capacity: usize,
    /// The bits so far (bytes past `len` are zero), once a null showed up.
    bitmap: Option<MutableBuffer>,
}

impl NullsBuilder {
    /// A builder expecting about `n` slots.
    pub(crate) fn with_capacity(n: usize) -> Self {
        Self {
            len: 0,
            capacity: n,
            bitmap: None,
        }
    }

    /// The first null: a bitmap with every slot so far valid.
    #[cold]
    fn start_bitmap(&mut self) {
        let bits = self.capacity.max(self.len + 1);
        let mut b = MutableBuffer::with_capacity(bytes_for(bits));
        b.extend_repeat(0xFF, self.len / 8);
        if !self.len.is_multiple_of(8) {
            b.push((1u8 << (self.len % 8)) - 1);
        }
        self.bitmap = Some(b);
    }

    #[inline]
    pub(crate) fn append(&mut self, valid: bool) {
        if self.bitmap.is_none() {
            if valid {
                self.len += 1;
                return;
            }
            self.start_bitmap();
        }
        if let Some(b) = &mut self.bitmap {
            if self.len.is_multiple_of(8) {
                b.push(0u8);
            }
            if valid {
                set_bit(b.as_mut_slice(), self.len);
            }
        }
        self.len += 1;
    }

    pub(crate) fn append_n(&mut self, n: usize, valid: bool) {
        match &mut self.bitmap {
            None if valid => self.len += n,
            _ => {
                for _ in 0..n {
                    self.append(valid);
                }
            }
        }
    }

    /// Slots so far.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn finish(self) -> Option<Buffer> {
        self.bitmap.map(MutableBuffer::freeze)
    }

    /// The bitmap so far (`None` when every slot is valid); the builder starts over,
    /// keeping its capacity hint.
    pub(crate) fn take(&mut self) -> Option<Buffer> {
        let capacity = self.capacity;
        std::mem::replace(self, Self::with_capacity(capacity)).finish()
    }
}

#[cfg(test)]
mod nulls_tests {
    use super::NullsBuilder;

    #[test]
    fn the_bitmap_is_allocated_once_for_the_capacity() {
        let mut b = NullsBuilder::with_capacity(1000);
        b.append_n(10, true);
        assert!(b.bitmap.is_none());
        b.append(false);
        // 1000 bits are 125 bytes; allocations round up to 64-byte multiples.
        let capacity = b.bitmap.as_ref().map(|m| m.capacity());
        assert_eq!(capacity, Some(128));
        let start = b.bitmap.as_ref().map(|m| m.as_slice().as_ptr());
        b.append_n(988, true);
        assert_eq!(b.bitmap.as_ref().map(|m| m.as_slice().as_ptr()), start);

        let bits = b.finish().unwrap();
        assert_eq!(bits.len(), 125);
        assert_eq!(&bits[..2], &[0xFF, 0b1111_1011]);
        assert!(bits[2..124].iter().all(|&x| x == 0xFF));
        // 999 slots: the bit past the last one (998) stays zero.
        assert_eq!(bits[124], 0b0111_1111);
    }

    #[test]
    fn without_a_capacity_the_bitmap_starts_small_and_grows() {
        let mut b = NullsBuilder::default();
        b.append_n(3, true);
        b.append(false);
        assert_eq!(b.bitmap.as_ref().map(|m| m.capacity()), Some(64));
        b.append_n(600, false);
        let bits = b.finish().unwrap();
        assert_eq!(bits.len(), 76);
        assert_eq!(bits[0], 0b0000_0111);
        assert!(bits[1..].iter().all(|&x| x == 0));
    }
}
