//! [`Buffers`]: the list of an array's buffers after validity, held inline.

use std::fmt;
use std::ops::{Deref, DerefMut};

use quiver_buffer::Buffer;
use smallvec::SmallVec;

/// How many buffers are held without a heap allocation: every layout but the view
/// types (whose variadic data buffers spill to the heap) has at most two after validity.
const INLINE: usize = 2;

/// The buffers of an array after its validity bitmap, in layout order (see
/// [`layout`](crate::layout)): a list that holds up to two buffers without allocating,
/// so building an array costs no allocation for its buffer list.
///
/// It reads as a slice (`Deref<Target = [Buffer]>`) and is built from a `Vec`, an
/// array or an iterator:
///
/// ```
/// use quiver_array::{ArrayData, Buffers, DataType};
/// use quiver_buffer::Buffer;
/// let mut buffers: Buffers = vec![Buffer::from_slice_ref(&[1i32, 2])].into();
/// assert_eq!(buffers.len(), 1);
/// buffers.push(Buffer::empty());
/// assert_eq!(buffers[1].len(), 0);
/// let from_iter: Buffers = std::iter::once(Buffer::from_slice_ref(&[7i32])).collect();
/// let a = ArrayData::new(DataType::Int32, 1).buffers(from_iter).build().unwrap();
/// assert_eq!(a.buffers().len(), 1);
/// ```
#[derive(Clone, Default, PartialEq)]
pub struct Buffers(SmallVec<[Buffer; INLINE]>);

impl Buffers {
    /// An empty list (no allocation).
    pub fn new() -> Self {
        Self(SmallVec::new())
    }

    /// An empty list with room for `n` buffers (allocates only past two).
    pub fn with_capacity(n: usize) -> Self {
        Self(SmallVec::with_capacity(n))
    }

    /// Appends a buffer.
    pub fn push(&mut self, buffer: Buffer) {
        self.0.push(buffer);
    }

    /// The buffers as a slice.
    pub fn as_slice(&self) -> &[Buffer] {
        &self.0
    }

    /// The buffers as a `Vec` (allocates).
    pub fn into_vec(self) -> Vec<Buffer> {
        self.0.into_vec()
    }
}

impl fmt::Debug for Buffers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Deref for Buffers {
    type Target = [Buffer];
    fn deref(&self) -> &[Buffer] {
        &self.0
    }
}

impl DerefMut for Buffers {
    fn deref_mut(&mut self) -> &mut [Buffer] {
        &mut self.0
    }
}

impl From<Vec<Buffer>> for Buffers {
    fn from(v: Vec<Buffer>) -> Self {
        Self(SmallVec::from_vec(v))
    }
}

impl<const N: usize> From<[Buffer; N]> for Buffers {
    fn from(a: [Buffer; N]) -> Self {
        a.into_iter().collect()
    }
}

impl From<Buffers> for Vec<Buffer> {
    fn from(b: Buffers) -> Self {
        b.into_vec()
    }
}

impl FromIterator<Buffer> for Buffers {
    fn from_iter<I: IntoIterator<Item = Buffer>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

impl Extend<Buffer> for Buffers {
    fn extend<I: IntoIterator<Item = Buffer>>(&mut self, iter: I) {
        self.0.extend(iter);
    }
}

impl IntoIterator for Buffers {
    type Item = Buffer;
    type IntoIter = smallvec::IntoIter<[Buffer; INLINE]>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Buffers {
    type Item = &'a Buffer;
    type IntoIter = std::slice::Iter<'a, Buffer>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<'a> IntoIterator for &'a mut Buffers {
    type Item = &'a mut Buffer;
    type IntoIter = std::slice::IterMut<'a, Buffer>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_two_inline_and_spills_past_them() {
        let mut b = Buffers::new();
        b.push(Buffer::from_slice_ref(&[1u8]));
        b.push(Buffer::from_slice_ref(&[2u8]));
        assert!(!b.0.spilled());
        b.push(Buffer::from_slice_ref(&[3u8]));
        assert!(b.0.spilled());
        let bytes: Vec<u8> = b.iter().map(|x| x.as_slice()[0]).collect();
        assert_eq!(bytes, vec![1, 2, 3]);
        assert_eq!(b.clone().into_vec().len(), 3);
    }
}
