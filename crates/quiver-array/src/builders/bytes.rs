//! Builders of boolean, binary/utf8 (plain and large) and fixed-size binary arrays.

use std::any::Any;
use std::marker::PhantomData;

use quiver_buffer::{BitmapBuilder, MutableBuffer, NativeType};

use super::{ArrayBuilder, NullsBuilder, ValueBuilder};
use crate::data::{Array, ArrayData, OffsetSize};
use crate::datatype::DataType;
use crate::error::{ArrayError, Result};

/// What a byte builder holds: text ([`Utf8Kind`]) or raw bytes ([`BinaryKind`]).
pub trait BytesKind: std::fmt::Debug + Send + 'static {
    /// The borrowed value type: `str` or `[u8]`.
    type Native: ?Sized + AsRef<[u8]>;
    /// The Arrow type for offsets of `width` bytes (4 or 8) or for views (`width` 16).
    fn data_type(width: usize) -> DataType;
}

/// UTF-8 text: utf8, large utf8 and utf8 view arrays.
#[derive(Debug)]
pub struct Utf8Kind;

/// Raw bytes: binary, large binary and binary view arrays.
#[derive(Debug)]
pub struct BinaryKind;

impl BytesKind for Utf8Kind {
    type Native = str;
    fn data_type(width: usize) -> DataType {
        match width {
            4 => DataType::Utf8,
            8 => DataType::LargeUtf8,
            _ => DataType::Utf8View,
        }
    }
}

impl BytesKind for BinaryKind {
    type Native = [u8];
    fn data_type(width: usize) -> DataType {
        match width {
            4 => DataType::Binary,
            8 => DataType::LargeBinary,
            _ => DataType::BinaryView,
        }
    }
}

/// Builds utf8/binary arrays (`O = i32`) or their large variants (`O = i64`); use the
/// aliases [`StringBuilder`], [`LargeStringBuilder`], [`BinaryBuilder`] and
/// [`LargeBinaryBuilder`].
///
/// ```
/// use quiver_array::{ArrayBuilder, LargeStringBuilder};
/// let mut b = LargeStringBuilder::new();
/// b.append_value("foo");
/// b.append_null();
/// let a = b.finish().unwrap();
/// assert_eq!(a.as_string::<i64>().unwrap().iter().collect::<Vec<_>>(), vec![Some("foo"), None]);
/// ```
#[derive(Debug)]
pub struct GenericBytesBuilder<O: OffsetSize, K: BytesKind> {
    offsets: MutableBuffer,
    data: MutableBuffer,
    nulls: NullsBuilder,
    _k: PhantomData<(O, K)>,
}

/// Builds utf8 arrays.
pub type StringBuilder = GenericBytesBuilder<i32, Utf8Kind>;
/// Builds large utf8 arrays.
pub type LargeStringBuilder = GenericBytesBuilder<i64, Utf8Kind>;
/// Builds binary arrays.
pub type BinaryBuilder = GenericBytesBuilder<i32, BinaryKind>;
/// Builds large binary arrays.
pub type LargeBinaryBuilder = GenericBytesBuilder<i64, BinaryKind>;

impl<O: OffsetSize, K: BytesKind> Default for GenericBytesBuilder<O, K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<O: OffsetSize, K: BytesKind> GenericBytesBuilder<O, K> {
    /// An empty builder.
    pub fn new() -> Self {
        let mut offsets = MutableBuffer::new();
        offsets.push(O::default());
        Self {
            offsets,
            data: MutableBuffer::new(),
            nulls: NullsBuilder::default(),
            _k: PhantomData,
        }
    }

    fn push_offset(&mut self) {
        // Lengths beyond the offset type are reported by `finish`.
        self.offsets
            .push(O::from_usize(self.data.len()).unwrap_or_default());
    }

    /// Appends a value.
    pub fn append_value(&mut self, v: impl AsRef<K::Native>) {
        self.append_bytes(v.as_ref().as_ref());
    }

    fn append_bytes(&mut self, v: &[u8]) {
        self.data.extend_from_slice(v);
        self.push_offset();
        self.nulls.append(true);
    }

    /// Appends a null.
    pub fn append_null(&mut self) {
        self.push_offset();
        self.nulls.append(false);
    }

    /// Appends a value or a null.
    pub fn append_option(&mut self, v: Option<impl AsRef<K::Native>>) {
        match v {
            Some(v) => self.append_value(v),
            None => self.append_null(),
        }
    }

    /// Builds the array (checking offsets, and UTF-8 for text) and resets the builder.
    pub fn finish(&mut self) -> Result<Array> {
        let done = std::mem::take(self);
        let data_type = K::data_type(<O as NativeType>::WIDTH);
        if O::from_usize(done.data.len()).is_none() {
            return Err(ArrayError::invalid_data(
                data_type,
                format!("{} bytes of values do not fit its offsets", done.data.len()),
            ));
        }
        ArrayData::new(data_type, done.nulls.len())
            .nulls(done.nulls.finish())
            .buffers(vec![done.offsets.freeze(), done.data.freeze()])
            .build()
    }
}

impl<O: OffsetSize, K: BytesKind> ArrayBuilder for GenericBytesBuilder<O, K> {
    fn len(&self) -> usize {
        self.nulls.len()
    }
    fn data_type(&self) -> DataType {
        K::data_type(<O as NativeType>::WIDTH)
    }
    fn append_null(&mut self) {
        GenericBytesBuilder::append_null(self)
    }
    fn finish(&mut self) -> Result<Array> {
        GenericBytesBuilder::finish(self)
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

impl<O: OffsetSize, K: BytesKind> ValueBuilder for GenericBytesBuilder<O, K> {
    type Value = K::Native;
    fn push(&mut self, v: &K::Native) -> Result<()> {
        self.append_bytes(v.as_ref());
        Ok(())
    }
    fn identity(v: &K::Native) -> &[u8] {
        v.as_ref()
    }
}

/// Builds boolean arrays.
///
/// ```
/// use quiver_array::{ArrayBuilder, BooleanBuilder};
/// let mut b = BooleanBuilder::new();
/// b.append_value(true);
/// b.append_option(None);
/// assert_eq!(b.finish().unwrap().to_string(), "[true, null]");
/// ```
#[derive(Debug, Default)]
pub struct BooleanBuilder {
    values: BitmapBuilder,
    nulls: NullsBuilder,
}

impl BooleanBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a value.
    pub fn append_value(&mut self, v: bool) {
        self.values.append(v);
        self.nulls.append(true);
    }

    /// Appends a value or a null.
    pub fn append_option(&mut self, v: Option<bool>) {
        self.values.append(v.unwrap_or(false));
        self.nulls.append(v.is_some());
    }

    /// Builds the array and resets the builder.
    pub fn finish(&mut self) -> Result<Array> {
        let done = std::mem::take(self);
        ArrayData::new(DataType::Boolean, done.nulls.len())
            .nulls(done.nulls.finish())
            .buffers(vec![done.values.finish().buffer().clone()])
            .build()
    }
}

impl ArrayBuilder for BooleanBuilder {
    fn len(&self) -> usize {
        self.nulls.len()
    }
    fn data_type(&self) -> DataType {
        DataType::Boolean
    }
    fn append_null(&mut self) {
        self.append_option(None)
    }
    fn finish(&mut self) -> Result<Array> {
        BooleanBuilder::finish(self)
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// Builds fixed-size binary arrays.
///
/// ```
/// use quiver_array::{ArrayBuilder, FixedSizeBinaryBuilder};
/// let mut b = FixedSizeBinaryBuilder::new(2);
/// b.append_value(b"ab").unwrap();
/// assert_eq!(
///     b.append_value(b"abc").unwrap_err().to_string(),
///     "fixed_size_binary[2] array: value of 3 bytes appended at slot 1"
/// );
/// b.append_null();
/// assert_eq!(b.finish().unwrap().to_string(), "[6162, null]");
/// ```
#[derive(Debug)]
pub struct FixedSizeBinaryBuilder {
    width: i32,
    data: MutableBuffer,
    nulls: NullsBuilder,
}

impl FixedSizeBinaryBuilder {
    /// A builder for values of `width` bytes.
    pub fn new(width: i32) -> Self {
        Self {
            width,
            data: MutableBuffer::new(),
            nulls: NullsBuilder::default(),
        }
    }

    /// Appends a value, which must be exactly `width` bytes.
    pub fn append_value(&mut self, v: impl AsRef<[u8]>) -> Result<()> {
        let v = v.as_ref();
        if usize::try_from(self.width).ok() != Some(v.len()) {
            return Err(ArrayError::invalid_slot(
                DataType::FixedSizeBinary(self.width),
                self.nulls.len(),
                format!(
                    "value of {} bytes appended at slot {}",
                    v.len(),
                    self.nulls.len()
                ),
            ));
        }
        self.data.extend_from_slice(v);
        self.nulls.append(true);
        Ok(())
    }

    /// Appends a null.
    pub fn append_null(&mut self) {
        self.data
            .extend_repeat(0, usize::try_from(self.width).unwrap_or(0));
        self.nulls.append(false);
    }

    /// Builds the array and resets the builder.
    pub fn finish(&mut self) -> Result<Array> {
        let done = std::mem::replace(self, Self::new(self.width));
        ArrayData::new(DataType::FixedSizeBinary(self.width), done.nulls.len())
            .nulls(done.nulls.finish())
            .buffers(vec![done.data.freeze()])
            .build()
    }
}

impl ArrayBuilder for FixedSizeBinaryBuilder {
    fn len(&self) -> usize {
        self.nulls.len()
    }
    fn data_type(&self) -> DataType {
        DataType::FixedSizeBinary(self.width)
    }
    fn append_null(&mut self) {
        FixedSizeBinaryBuilder::append_null(self)
    }
    fn finish(&mut self) -> Result<Array> {
        FixedSizeBinaryBuilder::finish(self)
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

impl ValueBuilder for FixedSizeBinaryBuilder {
    type Value = [u8];
    fn push(&mut self, v: &[u8]) -> Result<()> {
        self.append_value(v)
    }
    fn identity(v: &[u8]) -> &[u8] {
        v
    }
}
