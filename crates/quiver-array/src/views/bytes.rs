//! Views of the byte-string layouts: binary and utf8 with `i32` or `i64` offsets,
//! fixed-size binary, and binary view and utf8 view.

use quiver_buffer::NativeType;

use super::check_slot;
use crate::data::{Array, OffsetSize};
use crate::datatype::DataType;
use crate::values::View;

/// Text of a UTF-8 slot; bytes that are not UTF-8 (possible only in arrays that
/// skipped full validation) read as U+FFFD.
fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or("\u{FFFD}")
}

impl Array {
    /// Typed view of a utf8 (`O = i32`) or large utf8 (`O = i64`) array; `None` for any
    /// other type, a large utf8 array viewed with `i32` offsets included.
    ///
    /// ```
    /// use quiver_array::Array;
    /// let a = Array::from(vec![Some("foo"), None, Some("bar")]).slice(1, 2);
    /// let s = a.as_string::<i32>().unwrap();
    /// assert_eq!(s.iter().collect::<Vec<_>>(), vec![None, Some("bar")]);
    /// assert_eq!(s.value(1), "bar");
    /// assert!(a.as_string::<i64>().is_none());
    /// ```
    pub fn as_string<O: OffsetSize>(&self) -> Option<StringValues<'_, O>> {
        let ok = match self.data_type() {
            DataType::Utf8 => <O as NativeType>::WIDTH == 4,
            DataType::LargeUtf8 => <O as NativeType>::WIDTH == 8,
            _ => false,
        };
        if !ok {
            return None;
        }
        self.offset_bytes::<O>().map(|inner| StringValues { inner })
    }

    /// Typed view of a binary (`O = i32`) or large binary (`O = i64`) array. Utf8 and
    /// large utf8 arrays are viewed too, as their bytes: text is always valid bytes.
    ///
    /// ```
    /// use quiver_array::{Array, DataType};
    /// let a = Array::from_bytes(DataType::LargeBinary, [Some(b"ab".as_slice()), None]).unwrap();
    /// let b = a.as_binary::<i64>().unwrap();
    /// assert_eq!(b.iter().collect::<Vec<_>>(), vec![Some(&b"ab"[..]), None]);
    /// assert_eq!(b.offsets(), &[0, 2, 2]);
    /// assert!(a.as_binary::<i32>().is_none());
    /// ```
    pub fn as_binary<O: OffsetSize>(&self) -> Option<BinaryValues<'_, O>> {
        let ok = match self.data_type() {
            DataType::Binary | DataType::Utf8 => <O as NativeType>::WIDTH == 4,
            DataType::LargeBinary | DataType::LargeUtf8 => <O as NativeType>::WIDTH == 8,
            _ => false,
        };
        if !ok {
            return None;
        }
        self.offset_bytes::<O>()
    }

    fn offset_bytes<O: OffsetSize>(&self) -> Option<BinaryValues<'_, O>> {
        let offsets = self.buffers().first()?.typed_data::<O>().ok()?;
        let end = self.offset().checked_add(self.len())?;
        let offsets = offsets.get(self.offset()..=end)?;
        let data = self.buffers().get(1)?.as_slice();
        Some(BinaryValues {
            array: self,
            offsets,
            data,
        })
    }

    /// Typed view of a fixed-size binary array.
    ///
    /// ```
    /// use quiver_array::{Array, DataType};
    /// let a = Array::from_bytes(DataType::FixedSizeBinary(2), [Some(b"ab"), None, Some(b"cd")]).unwrap();
    /// let v = a.as_fixed_size_binary().unwrap();
    /// assert_eq!((v.width(), v.value(2)), (2, &b"cd"[..]));
    /// assert_eq!(v.iter().collect::<Vec<_>>(), vec![Some(&b"ab"[..]), None, Some(&b"cd"[..])]);
    /// ```
    pub fn as_fixed_size_binary(&self) -> Option<FixedSizeBinaryValues<'_>> {
        let DataType::FixedSizeBinary(w) = self.data_type() else {
            return None;
        };
        let width = usize::try_from(*w).ok()?;
        let data = self.buffers().first()?.as_slice();
        let start = self.offset().checked_mul(width)?;
        let end = self.offset().checked_add(self.len())?.checked_mul(width)?;
        Some(FixedSizeBinaryValues {
            array: self,
            width,
            data: data.get(start..end)?,
        })
    }

    /// Typed view of a utf8 view array (`string_view`): each slot's text is stored in
    /// its 16-byte view when short, else in one of the data buffers.
    ///
    /// ```
    /// use quiver_array::{Array, DataType};
    /// let a = Array::from_bytes(DataType::Utf8View, [Some("short"), None, Some("longer than twelve")]).unwrap();
    /// let v = a.as_string_view().unwrap();
    /// assert_eq!(v.iter().collect::<Vec<_>>(), vec![Some("short"), None, Some("longer than twelve")]);
    /// assert!(Array::from(vec!["a"]).as_string_view().is_none()); // utf8, not a view
    /// ```
    pub fn as_string_view(&self) -> Option<StringViewValues<'_>> {
        if !matches!(self.data_type(), DataType::Utf8View) {
            return None;
        }
        self.views().map(|inner| StringViewValues { inner })
    }

    /// Typed view of a binary view array (`binary_view`); utf8 view arrays are viewed
    /// too, as their bytes.
    ///
    /// ```
    /// use quiver_array::{Array, DataType};
    /// let a = Array::from_bytes(DataType::BinaryView, [Some(b"0123456789abcdef".as_slice()), None]).unwrap();
    /// let v = a.as_binary_view().unwrap();
    /// assert_eq!(v.value(0), b"0123456789abcdef");
    /// assert_eq!(v.iter().nth(1), Some(None));
    /// ```
    pub fn as_binary_view(&self) -> Option<BinaryViewValues<'_>> {
        if !matches!(self.data_type(), DataType::BinaryView | DataType::Utf8View) {
            return None;
        }
        self.views()
    }

    fn views(&self) -> Option<BinaryViewValues<'_>> {
        let all = self.buffers().first()?.as_slice();
        let start = self.offset().checked_mul(16)?;
        let end = self.offset().checked_add(self.len())?.checked_mul(16)?;
        let views = all.get(start..end)?;
        Some(BinaryViewValues { array: self, views })
    }
}

/// A typed view of a binary or large binary array (see [`Array::as_binary`]).
#[derive(Debug, Clone, Copy)]
pub struct BinaryValues<'a, O> {
    array: &'a Array,
    /// Exactly `len + 1` offsets.
    offsets: &'a [O],
    data: &'a [u8],
}

impl<'a, O: OffsetSize> BinaryValues<'a, O> {
    /// Number of slots.
    pub fn len(&self) -> usize {
        self.array.len()
    }

    /// Whether there are no slots.
    pub fn is_empty(&self) -> bool {
        self.array.is_empty()
    }

    /// The `len + 1` offsets of this (possibly sliced) array.
    pub fn offsets(&self) -> &'a [O] {
        self.offsets
    }

    /// The value bytes of slot `i` (empty or arbitrary if null). Arrays that passed full
    /// validation never fail here; data checked only structurally yields an empty slice
    /// for a broken range instead of panicking.
    ///
    /// # Panics
    /// If `i >= len`.
    pub fn value(&self, i: usize) -> &'a [u8] {
        check_slot(i, self.len());
        let start = self.offsets.get(i).and_then(|o| o.to_usize());
        let end = self.offsets.get(i + 1).and_then(|o| o.to_usize());
        match (start, end) {
            (Some(s), Some(e)) => self.data.get(s..e).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// Values with nulls as `None`.
    pub fn iter(&self) -> impl Iterator<Item = Option<&'a [u8]>> + 'a {
        let this = *self;
        (0..this.len()).map(move |i| this.array.is_valid(i).then(|| this.value(i)))
    }
}

/// A typed view of a utf8 or large utf8 array (see [`Array::as_string`]).
#[derive(Debug, Clone, Copy)]
pub struct StringValues<'a, O> {
    inner: BinaryValues<'a, O>,
}

impl<'a, O: OffsetSize> StringValues<'a, O> {
    /// Number of slots.
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether there are no slots.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// The text of slot `i` (empty or arbitrary if null). Invalid UTF-8 (possible only in
    /// arrays that skipped full validation) reads as `"\u{FFFD}"`.
    ///
    /// # Panics
    /// If `i >= len`.
    pub fn value(&self, i: usize) -> &'a str {
        text(self.inner.value(i))
    }

    /// The `len + 1` offsets.
    pub fn offsets(&self) -> &'a [O] {
        self.inner.offsets
    }

    /// Values with nulls as `None`.
    pub fn iter(&self) -> impl Iterator<Item = Option<&'a str>> + 'a {
        self.inner.iter().map(|v| v.map(text))
    }
}

/// A typed view of a fixed-size binary array (see [`Array::as_fixed_size_binary`]).
#[derive(Debug, Clone, Copy)]
pub struct FixedSizeBinaryValues<'a> {
    array: &'a Array,
    width: usize,
    /// Exactly `len * width` bytes.
    data: &'a [u8],
}

impl<'a> FixedSizeBinaryValues<'a> {
    /// Number of slots.
    pub fn len(&self) -> usize {
        self.array.len()
    }

    /// Whether there are no slots.
    pub fn is_empty(&self) -> bool {
        self.array.is_empty()
    }

    /// Bytes per value.
    pub fn width(&self) -> usize {
        self.width
    }

    /// The bytes of slot `i` (arbitrary if null).
    ///
    /// # Panics
    /// If `i >= len`.
    pub fn value(&self, i: usize) -> &'a [u8] {
        check_slot(i, self.len());
        let start = i * self.width;
        self.data.get(start..start + self.width).unwrap_or(&[])
    }

    /// Values with nulls as `None`.
    pub fn iter(&self) -> impl Iterator<Item = Option<&'a [u8]>> + 'a {
        let this = *self;
        (0..this.len()).map(move |i| this.array.is_valid(i).then(|| this.value(i)))
    }
}

/// A typed view of a binary view or utf8 view array (see [`Array::as_binary_view`]).
#[derive(Debug, Clone, Copy)]
pub struct BinaryViewValues<'a> {
    array: &'a Array,
    /// Exactly `len` 16-byte views.
    views: &'a [u8],
}

impl<'a> BinaryViewValues<'a> {
    /// Number of slots.
    pub fn len(&self) -> usize {
        self.array.len()
    }

    /// Whether there are no slots.
    pub fn is_empty(&self) -> bool {
        self.array.is_empty()
    }

    /// The bytes of slot `i`, read from its view when 12 bytes or shorter, else from the
    /// data buffer it names. Arrays that passed full validation never fail here; a view
    /// pointing outside its data (possible only without full validation) reads as empty.
    ///
    /// # Panics
    /// If `i >= len`.
    pub fn value(&self, i: usize) -> &'a [u8] {
        check_slot(i, self.len());
        let buffers = self.array.buffers();
        View::at(self.views, i)
            .and_then(|v| v.value(|k| Some(buffers.get(k.checked_add(1)?)?.as_slice())))
            .unwrap_or(&[])
    }

    /// Values with nulls as `None`.
    pub fn iter(&self) -> impl Iterator<Item = Option<&'a [u8]>> + 'a {
        let this = *self;
        (0..this.len()).map(move |i| this.array.is_valid(i).then(|| this.value(i)))
    }
}

/// A typed view of a utf8 view array (see [`Array::as_string_view`]).
#[derive(Debug, Clone, Copy)]
pub struct StringViewValues<'a> {
    inner: BinaryViewValues<'a>,
}

impl<'a> StringViewValues<'a> {
    /// Number of slots.
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether there are no slots.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// The text of slot `i` (empty if null); invalid UTF-8 (possible only without full
    /// validation) reads as `"\u{FFFD}"`.
    ///
    /// # Panics
    /// If `i >= len`.
    pub fn value(&self, i: usize) -> &'a str {
        text(self.inner.value(i))
    }

    /// Values with nulls as `None`.
    pub fn iter(&self) -> impl Iterator<Item = Option<&'a str>> + 'a {
        self.inner.iter().map(|v| v.map(text))
    }
}
