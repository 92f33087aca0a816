//! Building arrays from plain Rust values.

use quiver_buffer::{BitmapBuilder, Buffer, MutableBuffer, NativeType, bytes_for, f16, set_bit};

use crate::data::{Array, ArrayData, OffsetSize};
use crate::datatype::DataType;
use crate::error::{ArrayError, Result};

/// Rust value types with a natural Arrow type (`i64` → int64, `f64` → double…).
pub trait ArrowPrimitive: NativeType {
    /// The Arrow type `Array::from(Vec<Self>)` produces.
    const DATA_TYPE: DataType;
}

macro_rules! arrow_primitive {
    ($($t:ty => $dt:ident),* $(,)?) => {$(
        impl ArrowPrimitive for $t {
            const DATA_TYPE: DataType = DataType::$dt;
        }
    )*};
}
arrow_primitive!(
    i8 => Int8, i16 => Int16, i32 => Int32, i64 => Int64,
    u8 => UInt8, u16 => UInt16, u32 => UInt32, u64 => UInt64,
    f16 => Float16, f32 => Float32, f64 => Float64,
);

/// Appends values (with `None` as null) to build a fixed-width primitive array.
///
/// ```
/// use quiver_array::{DataType, PrimitiveBuilder};
/// let mut b = PrimitiveBuilder::<i32>::new(DataType::Date32);
/// b.append_value(18000);
/// b.append_null();
/// let a = b.finish().unwrap();
/// assert_eq!(a.data_type(), &DataType::Date32);
/// assert_eq!(a.null_count(), 1);
/// ```
#[derive(Debug)]
pub struct PrimitiveBuilder<T: NativeType> {
    data_type: DataType,
    values: MutableBuffer,
    nulls: NullsBuilder,
    _t: std::marker::PhantomData<T>,
}

impl<T: NativeType> PrimitiveBuilder<T> {
    /// A builder for values of `data_type`, whose width must be `size_of::<T>()`.
    pub fn new(data_type: DataType) -> Self {
        Self::with_capacity(data_type, 0)
    }

    /// A builder with room for `n` values.
    pub fn with_capacity(data_type: DataType, n: usize) -> Self {
        Self {
            data_type,
            values: MutableBuffer::with_capacity(n * T::WIDTH),
            nulls: NullsBuilder::with_capacity(n),
            _t: std::marker::PhantomData,
        }
    }

    /// Appends a value.
    #[inline]
    pub fn append_value(&mut self, v: T) {
        self.values.push(v);
        self.nulls.append(true);
    }

    /// Appends a null.
    #[inline]
    pub fn append_null(&mut self) {
        self.values.push(T::default());
        self.nulls.append(false);
    }

    /// Appends a value or a null.
    #[inline]
    pub fn append_option(&mut self, v: Option<T>) {
        match v {
            Some(v) => self.append_value(v),
            None => self.append_null(),
        }
    }

    /// Appends many values.
    pub fn append_slice(&mut self, vs: &[T]) {
        self.values.extend_from_slice(vs);
        self.nulls.append_n(vs.len(), true);
    }

    /// Builds the array; fails if the type's width is not `size_of::<T>()`.
    pub fn finish(self) -> Result<Array> {
        if self.data_type.primitive_width() != Some(T::WIDTH) {
            return Err(ArrayError::Unsupported {
                operation: "building from this Rust value type",
                data_type: self.data_type,
            });
        }
        let len = self.nulls.len;
        ArrayData::new(self.data_type, len)
            .nulls(self.nulls.finish())
            .buffers(vec![self.values.freeze()])
            .build()
    }
}

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

    pub(crate) fn finish(self) -> Option<Buffer> {
        self.bitmap.map(MutableBuffer::freeze)
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

/// Builds binary or utf8 arrays (`O = i32`) or their large variants (`O = i64`).
///
/// ```
/// use quiver_array::{DataType, GenericBytesBuilder};
/// let mut b = GenericBytesBuilder::<i64>::new(DataType::LargeUtf8);
/// b.append_value(b"foo");
/// b.append_null();
/// let a = b.finish().unwrap();
/// assert_eq!(a.as_string::<i64>().unwrap().iter().collect::<Vec<_>>(), vec![Some("foo"), None]);
/// ```
#[derive(Debug)]
pub struct GenericBytesBuilder<O: OffsetSize> {
    data_type: DataType,
    offsets: MutableBuffer,
    data: MutableBuffer,
    nulls: NullsBuilder,
    _o: std::marker::PhantomData<O>,
}

impl<O: OffsetSize> GenericBytesBuilder<O> {
    /// A builder for `data_type` (binary/utf8 for `i32`, large variants for `i64`).
    pub fn new(data_type: DataType) -> Self {
        let mut offsets = MutableBuffer::new();
        offsets.push(O::default());
        Self {
            data_type,
            offsets,
            data: MutableBuffer::new(),
            nulls: NullsBuilder::default(),
            _o: std::marker::PhantomData,
        }
    }

    fn push_offset(&mut self) {
        // Lengths beyond the offset type are reported by `finish`.
        self.offsets
            .push(O::from_usize(self.data.len()).unwrap_or_default());
    }

    /// Appends a value.
    pub fn append_value(&mut self, v: impl AsRef<[u8]>) {
        self.data.extend_from_slice(v.as_ref());
        self.push_offset();
        self.nulls.append(true);
    }

    /// Appends a null.
    pub fn append_null(&mut self) {
        self.push_offset();
        self.nulls.append(false);
    }

    /// Appends a value or a null.
    pub fn append_option(&mut self, v: Option<impl AsRef<[u8]>>) {
        match v {
            Some(v) => self.append_value(v),
            None => self.append_null(),
        }
    }

    /// Builds the array (checking offsets, and UTF-8 for string types).
    pub fn finish(self) -> Result<Array> {
        let len = self.nulls.len;
        if O::from_usize(self.data.len()).is_none() {
            return Err(ArrayError::InvalidData {
                data_type: self.data_type,
                problem: format!("{} bytes of values do not fit its offsets", self.data.len()),
            });
        }
        ArrayData::new(self.data_type, len)
            .nulls(self.nulls.finish())
            .buffers(vec![self.offsets.freeze(), self.data.freeze()])
            .build()
    }
}

/// Builds boolean arrays.
///
/// ```
/// use quiver_array::BooleanBuilder;
/// let mut b = BooleanBuilder::new();
/// b.append_option(Some(true));
/// b.append_option(None);
/// assert_eq!(b.finish().unwrap().null_count(), 1);
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

    /// Appends a value or a null.
    pub fn append_option(&mut self, v: Option<bool>) {
        self.values.append(v.unwrap_or(false));
        self.nulls.append(v.is_some());
    }

    /// Builds the array.
    pub fn finish(self) -> Result<Array> {
        let len = self.nulls.len;
        ArrayData::new(DataType::Boolean, len)
            .nulls(self.nulls.finish())
            .buffers(vec![self.values.finish().buffer().clone()])
            .build()
    }
}

/// Builds fixed-size binary arrays.
///
/// ```
/// use quiver_array::FixedSizeBinaryBuilder;
/// let mut b = FixedSizeBinaryBuilder::new(2);
/// b.append_value(b"ab").unwrap();
/// assert!(b.append_value(b"abc").is_err());
/// b.append_null();
/// assert_eq!(b.finish().unwrap().len(), 2);
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
            return Err(ArrayError::InvalidData {
                data_type: DataType::FixedSizeBinary(self.width),
                problem: format!("value of {} bytes appended", v.len()),
            });
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

    /// Builds the array.
    pub fn finish(self) -> Result<Array> {
        let len = self.nulls.len;
        ArrayData::new(DataType::FixedSizeBinary(self.width), len)
            .nulls(self.nulls.finish())
            .buffers(vec![self.data.freeze()])
            .build()
    }
}

fn built(r: Result<Array>) -> Array {
    match r {
        Ok(a) => a,
        // Builders fed with well-typed Rust values cannot produce invalid arrays except
        // for sizes beyond the offset type, which is a programming error here.
        Err(e) => panic!("building an array from Rust values failed: {e}"),
    }
}

impl<T: ArrowPrimitive> From<Vec<T>> for Array {
    fn from(v: Vec<T>) -> Self {
        Array::from(v.as_slice())
    }
}

impl<T: ArrowPrimitive> From<&[T]> for Array {
    fn from(v: &[T]) -> Self {
        let mut b = PrimitiveBuilder::<T>::with_capacity(T::DATA_TYPE, v.len());
        b.append_slice(v);
        built(b.finish())
    }
}

impl<T: ArrowPrimitive> From<Vec<Option<T>>> for Array {
    fn from(v: Vec<Option<T>>) -> Self {
        let mut b = PrimitiveBuilder::<T>::with_capacity(T::DATA_TYPE, v.len());
        for x in v {
            b.append_option(x);
        }
        built(b.finish())
    }
}

impl Array {
    /// A primitive array of `data_type` from Rust values (`None` = null).
    ///
    /// ```
    /// use quiver_array::{Array, DataType, TimeUnit};
    /// let t = Array::from_primitive::<i64>(DataType::Timestamp(TimeUnit::Second, None), [Some(0), None]).unwrap();
    /// assert_eq!(t.to_string(), "[1970-01-01 00:00:00, null]");
    /// ```
    pub fn from_primitive<T: NativeType>(
        data_type: DataType,
        values: impl IntoIterator<Item = Option<T>>,
    ) -> Result<Array> {
        let mut b = PrimitiveBuilder::<T>::new(data_type);
        for v in values {
            b.append_option(v);
        }
        b.finish()
    }

    /// A utf8, large utf8, utf8 view, binary, large binary, binary view or fixed-size
    /// binary array from Rust values.
    pub fn from_bytes<V: AsRef<[u8]>>(
        data_type: DataType,
        values: impl IntoIterator<Item = Option<V>>,
    ) -> Result<Array> {
        match data_type {
            DataType::Utf8 | DataType::Binary => {
                let mut b = GenericBytesBuilder::<i32>::new(data_type);
                values.into_iter().for_each(|v| b.append_option(v));
                b.finish()
            }
            DataType::LargeUtf8 | DataType::LargeBinary => {
                let mut b = GenericBytesBuilder::<i64>::new(data_type);
                values.into_iter().for_each(|v| b.append_option(v));
                b.finish()
            }
            DataType::FixedSizeBinary(w) => {
                let mut b = FixedSizeBinaryBuilder::new(w);
                for v in values {
                    match v {
                        Some(v) => b.append_value(v)?,
                        None => b.append_null(),
                    }
                }
                b.finish()
            }
            DataType::Utf8View | DataType::BinaryView => {
                crate::nested::build_views(data_type, values)
            }
            other => Err(ArrayError::Unsupported {
                operation: "building from byte strings",
                data_type: other,
            }),
        }
    }
}

macro_rules! from_strings {
    ($($t:ty),*) => {$(
        impl From<Vec<$t>> for Array {
            fn from(v: Vec<$t>) -> Self {
                built(Array::from_bytes(DataType::Utf8, v.into_iter().map(Some)))
            }
        }
        impl From<Vec<Option<$t>>> for Array {
            fn from(v: Vec<Option<$t>>) -> Self {
                built(Array::from_bytes(DataType::Utf8, v))
            }
        }
    )*};
}
from_strings!(&str, String);

macro_rules! from_binaries {
    ($($t:ty),*) => {$(
        impl From<Vec<$t>> for Array {
            fn from(v: Vec<$t>) -> Self {
                built(Array::from_bytes(DataType::Binary, v.into_iter().map(Some)))
            }
        }
        impl From<Vec<Option<$t>>> for Array {
            fn from(v: Vec<Option<$t>>) -> Self {
                built(Array::from_bytes(DataType::Binary, v))
            }
        }
    )*};
}
from_binaries!(&[u8], Vec<u8>);

impl From<Vec<bool>> for Array {
    fn from(v: Vec<bool>) -> Self {
        v.into_iter().map(Some).collect::<Vec<_>>().into()
    }
}

impl From<Vec<Option<bool>>> for Array {
    fn from(v: Vec<Option<bool>>) -> Self {
        let mut b = BooleanBuilder::new();
        v.into_iter().for_each(|x| b.append_option(x));
        built(b.finish())
    }
}
