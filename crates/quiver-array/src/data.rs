//! [`Array`]: the one immutable representation of every Arrow array, and
//! [`ArrayData`], the parts it is built from.

use std::fmt;
use std::sync::Arc;

use quiver_buffer::{Bitmap, Buffer, BufferError, NativeType, bytes_for, get_bit};

use crate::buffers::Buffers;
use crate::datatype::DataType;
use crate::error::{ArrayError, Result};
use crate::validate::{self, ValidationLevel};

/// An immutable Arrow array of any type; cheap to clone (one reference count).
///
/// An array is a type, a length, an offset into its buffers, an optional validity
/// bitmap, the layout's buffers (see [`layout`](crate::layout)), child arrays and, for
/// dictionary-encoded arrays, the dictionary. Slot `i` of the array lives at position
/// `offset + i` of its own buffers (the validity bitmap and per-slot buffers). Children
/// are separate arrays: list-like parents and dense unions address them through their
/// offsets, run-end encoded arrays through their run ends (at logical position
/// `offset + i`), while the children of a struct or sparse union are always sliced
/// together with it, so row `i` of the parent is row `i` of every child.
///
/// Typed access goes through views such as [`as_primitive`](Array::as_primitive) and
/// [`as_string`](Array::as_string), one for each layout (see the `views` module).
///
/// ```
/// use quiver_array::{Array, DataType};
/// let a = Array::from(vec![Some(1i64), None, Some(3)]);
/// assert_eq!(a.data_type(), &DataType::Int64);
/// assert_eq!((a.len(), a.null_count()), (3, 1));
/// let tail = a.slice(1, 2);
/// assert_eq!(tail.as_primitive::<i64>().unwrap().iter().collect::<Vec<_>>(), vec![None, Some(3)]);
/// ```
#[derive(Clone)]
pub struct Array {
    inner: Arc<Inner>,
}

struct Inner {
    data_type: DataType,
    len: usize,
    offset: usize,
    null_count: usize,
    nulls: Option<Buffer>,
    buffers: Buffers,
    children: Vec<Array>,
    dictionary: Option<Array>,
    /// Whether the values (offsets, UTF-8, indices…) were checked when built.
    values_checked: bool,
}

/// The parts of an array, checked and turned into an [`Array`] by
/// [`build`](ArrayData::build).
///
/// ```
/// use quiver_array::{ArrayData, DataType};
/// use quiver_buffer::Buffer;
/// let a = ArrayData::new(DataType::Int32, 2)
///     .buffers(vec![Buffer::from_slice_ref(&[5i32, 6])])
///     .build()
///     .unwrap();
/// assert_eq!(a.as_primitive::<i32>().unwrap().values(), Some(&[5, 6][..]));
/// // Too few bytes for two int32 values:
/// assert!(ArrayData::new(DataType::Int32, 2).buffers(vec![Buffer::from_slice_ref(&[5i32])]).build().is_err());
/// ```
#[derive(Debug, Clone)]
pub struct ArrayData {
    /// The type.
    pub data_type: DataType,
    /// Number of slots.
    pub len: usize,
    /// Position of slot 0 in the array's own buffers.
    pub offset: usize,
    /// The validity bitmap (bit `offset + i` for slot `i`); `None` means all valid.
    pub nulls: Option<Buffer>,
    /// A null count the producer declared; checked against the bitmap when present.
    pub null_count: Option<usize>,
    /// The layout's buffers after validity; up to two are held without allocating
    /// (build it with `vec![..].into()`, from an array or by collecting).
    pub buffers: Buffers,
    /// Child arrays.
    pub children: Vec<Array>,
    /// The dictionary of a dictionary-encoded array.
    pub dictionary: Option<Array>,
}

impl ArrayData {
    /// Parts for an array of `len` slots of `data_type`, with no buffers yet.
    pub fn new(data_type: DataType, len: usize) -> Self {
        Self {
            data_type,
            len,
            offset: 0,
            nulls: None,
            null_count: None,
            buffers: Buffers::new(),
            children: Vec::new(),
            dictionary: None,
        }
    }

    /// Sets the offset.
    pub fn offset(mut self, offset: usize) -> Self {
        self.offset = offset;
        self
    }

    /// Sets the validity bitmap.
    pub fn nulls(mut self, nulls: Option<Buffer>) -> Self {
        self.nulls = nulls;
        self
    }

    /// Declares the null count (checked against the bitmap).
    pub fn null_count(mut self, n: usize) -> Self {
        self.null_count = Some(n);
        self
    }

    /// Sets the buffers after validity (a `Vec`, an array or a [`Buffers`]).
    pub fn buffers(mut self, buffers: impl Into<Buffers>) -> Self {
        self.buffers = buffers.into();
        self
    }

    /// Sets the children.
    pub fn children(mut self, children: Vec<Array>) -> Self {
        self.children = children;
        self
    }

    /// Sets the dictionary.
    pub fn dictionary(mut self, dictionary: Option<Array>) -> Self {
        self.dictionary = dictionary;
        self
    }

    /// Builds with the given level of checks. [`ValidationLevel::Structural`] checks
    /// every size and count, so the array is memory-safe to read, but not offsets,
    /// UTF-8 or indices; those are checked at [`ValidationLevel::Full`].
    ///
    /// # Safety
    /// With [`ValidationLevel::Structural`], as for
    /// [`build_unchecked`](ArrayData::build_unchecked): the caller vouches for the values.
    /// With [`ValidationLevel::Full`] there is no obligation.
    pub unsafe fn build_with(mut self, level: ValidationLevel) -> Result<Array> {
        let null_count = validate::validate_layout(&mut self, false)?;
        let checked = level == ValidationLevel::Full;
        if checked {
            // Full validation reaches every nested array: children and the dictionary
            // built without checks are checked now, as C++'s `ValidateFull` recurses.
            crate::full::check_nested(
                &self.data_type,
                &self.children,
                self.dictionary.as_ref(),
                Array::ensure_values_checked,
            )?;
            validate::validate_values(&self)?;
        }
        Ok(self.into_array(null_count, checked))
    }

    /// Checks everything (layout and values) and builds the array. Misaligned buffers
    /// are copied into aligned memory.
    pub fn build(self) -> Result<Array> {
        // SAFETY: full validation carries no caller obligation.
        unsafe { self.build_with(ValidationLevel::Full) }
    }

    /// Builds without checking the values (only the layout is checked). Writers check
    /// such arrays before writing them.
    ///
    /// # Safety
    /// The caller vouches that offsets are monotonic and inside their data, strings are
    /// valid UTF-8, and indices and type ids are in range; readers of the array rely on it.
    pub unsafe fn build_unchecked(self) -> Result<Array> {
        // SAFETY: forwarded from this function's contract.
        unsafe { self.build_with(ValidationLevel::Structural) }
    }

    /// Like [`build_unchecked`](ArrayData::build_unchecked), and also takes a declared
    /// [`null_count`](ArrayData::null_count) of at most the length as it is when a
    /// validity bitmap is present, instead of counting the bitmap's unset bits (its size
    /// is still checked). This is the IPC readers' trusted path, as arrow-rs's
    /// `skip_validation`.
    ///
    /// ```
    /// use quiver_array::{ArrayData, DataType};
    /// use quiver_buffer::Buffer;
    /// let data = ArrayData::new(DataType::Int32, 2)
    ///     .nulls(Some(Buffer::from_slice_ref(&[0b01u8])))
    ///     .null_count(1)
    ///     .buffers(vec![Buffer::from_slice_ref(&[5i32, 6])]);
    /// // SAFETY: the bitmap has one unset bit in the two slots, as declared.
    /// let a = unsafe { data.build_unchecked_trusting_null_count() }.unwrap();
    /// assert_eq!(a.null_count(), 1);
    /// ```
    ///
    /// # Safety
    /// As for [`build_unchecked`](ArrayData::build_unchecked), and the caller
    /// guarantees that a declared null count is the number of unset bits of the
    /// bitmap in the array's slots.
    pub unsafe fn build_unchecked_trusting_null_count(mut self) -> Result<Array> {
        let null_count = validate::validate_layout(&mut self, true)?;
        Ok(self.into_array(null_count, false))
    }

    fn into_array(self, null_count: usize, values_checked: bool) -> Array {
        Array {
            inner: Arc::new(Inner {
                data_type: self.data_type,
                len: self.len,
                offset: self.offset,
                null_count,
                nulls: if null_count == 0 { None } else { self.nulls },
                buffers: self.buffers,
                children: self.children,
                dictionary: self.dictionary,
                values_checked,
            }),
        }
    }
}

impl Array {
    /// The type.
    #[inline]
    pub fn data_type(&self) -> &DataType {
        &self.inner.data_type
    }

    /// Number of slots.
    #[inline]
    pub fn len(&self) -> usize {
        self.inner.len
    }

    /// Whether there are no slots.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.inner.len == 0
    }

    /// Position of slot 0 in the array's own buffers.
    #[inline]
    pub fn offset(&self) -> usize {
        self.inner.offset
    }

    /// Number of null slots. Null arrays are all null; other arrays without a bitmap
    /// have none.
    #[inline]
    pub fn null_count(&self) -> usize {
        self.inner.null_count
    }

    /// The raw validity buffer (bit `offset + i` for slot `i`), if any slot is null.
    #[inline]
    pub fn nulls_buffer(&self) -> Option<&Buffer> {
        self.inner.nulls.as_ref()
    }

    /// The validity as a [`Bitmap`] whose bit 0 is slot 0, if any slot is null.
    pub fn validity(&self) -> Option<Bitmap> {
        self.inner
            .nulls
            .as_ref()
            .and_then(|b| Bitmap::try_new(b.clone(), self.inner.offset, self.inner.len).ok())
    }

    /// Whether slot `i` holds a value.
    ///
    /// # Panics
    /// If `i >= len`.
    #[inline]
    pub fn is_valid(&self, i: usize) -> bool {
        assert!(
            i < self.inner.len,
            "slot {i} out of bounds for length {}",
            self.inner.len
        );
        if matches!(self.inner.data_type, DataType::Null) {
            return false;
        }
        match &self.inner.nulls {
            None => true,
            Some(b) => get_bit(b.as_slice(), self.inner.offset + i),
        }
    }

    /// Whether slot `i` is null.
    #[inline]
    pub fn is_null(&self, i: usize) -> bool {
        !self.is_valid(i)
    }

    /// The layout's buffers after validity (unsliced; index them at `offset + i`).
    #[inline]
    pub fn buffers(&self) -> &[Buffer] {
        &self.inner.buffers
    }

    /// The child arrays.
    #[inline]
    pub fn children(&self) -> &[Array] {
        &self.inner.children
    }

    /// The dictionary of a dictionary-encoded array.
    #[inline]
    pub fn dictionary(&self) -> Option<&Array> {
        self.inner.dictionary.as_ref()
    }

    /// Whether both handles point to the very same array (a cheap identity test).
    pub fn ptr_eq(&self, other: &Array) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// A zero-copy view of `len` slots starting at `offset`.
    ///
    /// # Panics
    /// If the range is out of bounds; see [`try_slice`](Array::try_slice).
    pub fn slice(&self, offset: usize, len: usize) -> Array {
        match self.try_slice(offset, len) {
            Ok(a) => a,
            Err(e) => panic!("Array::slice: {e}"),
        }
    }

    /// A zero-copy view of `len` slots starting at `offset`, or an error when the range
    /// is outside the array.
    pub fn try_slice(&self, offset: usize, len: usize) -> Result<Array> {
        let end = offset.checked_add(len).filter(|&e| e <= self.len());
        if end.is_none() {
            return Err(ArrayError::OutOfBounds {
                what: "slice end",
                index: offset.saturating_add(len),
                len: self.len(),
            });
        }
        let inner = &self.inner;
        let new_offset = inner.offset + offset;
        let null_count = match (&inner.data_type, &inner.nulls) {
            (DataType::Null, _) => len,
            (_, None) => 0,
            (_, Some(b)) => Bitmap::try_new(b.clone(), new_offset, len)?.count_unset_bits(),
        };
        let children = match inner.data_type {
            DataType::Struct(_)
            | DataType::Union {
                mode: crate::datatype::UnionMode::Sparse,
                ..
            } => inner
                .children
                .iter()
                .map(|c| c.try_slice(offset, len))
                .collect::<Result<_>>()?,
            _ => inner.children.clone(),
        };
        Ok(Array {
            inner: Arc::new(Inner {
                data_type: inner.data_type.clone(),
                len,
                offset: new_offset,
                null_count,
                nulls: if null_count == 0 {
                    None
                } else {
                    inner.nulls.clone()
                },
                buffers: inner.buffers.clone(),
                children,
                dictionary: inner.dictionary.clone(),
                values_checked: inner.values_checked,
            }),
        })
    }

    /// An array of `len` nulls of type [`DataType::Null`].
    pub fn new_null(len: usize) -> Array {
        ArrayData {
            null_count: Some(len),
            ..ArrayData::new(DataType::Null, len)
        }
        .into_array(len, true)
    }

    /// Whether two arrays are logically equal: same type, length, validity and values
    /// at valid slots (offsets and bytes under nulls do not matter).
    pub fn equals(&self, other: &Array) -> bool {
        crate::equal::array_equal(self, other)
    }

    /// The parts of this array, to rebuild it with changes.
    pub fn to_data(&self) -> ArrayData {
        let i = &self.inner;
        ArrayData {
            data_type: i.data_type.clone(),
            len: i.len,
            offset: i.offset,
            nulls: i.nulls.clone(),
            null_count: Some(i.null_count),
            buffers: i.buffers.clone(),
            children: i.children.clone(),
            dictionary: i.dictionary.clone(),
        }
    }

    /// Whether the values were checked when this array was built (false only for arrays
    /// built through the `unsafe` unchecked paths).
    pub fn values_checked(&self) -> bool {
        self.inner.values_checked
    }

    /// Checks the values of this array and of every child and dictionary built without
    /// checks (see [`values_checked`](Array::values_checked)); arrays checked when built
    /// cost nothing.
    pub fn ensure_values_checked(&self) -> Result<()> {
        if !self.inner.values_checked {
            self.validate_full()?;
        }
        self.inner
            .children
            .iter()
            .chain(self.inner.dictionary.as_ref())
            .try_for_each(Array::ensure_values_checked)
    }

    /// Checks the values again at full level (offsets, UTF-8, indices…), of this array
    /// and of every nested array: children, their children, and dictionaries. Arrays
    /// checked when built are checked again.
    ///
    /// Values that are memory-safe but outside their type's meaning (decimal precision,
    /// times of day) are checked by [`validate_values`](Array::validate_values) instead;
    /// see `docs/validation.md`.
    pub fn validate_full(&self) -> Result<()> {
        let i = &self.inner;
        crate::full::check_nested(
            &i.data_type,
            &i.children,
            i.dictionary.as_ref(),
            Array::validate_full,
        )?;
        validate::validate_values(&self.to_data())
    }

    /// Bytes of memory this array references (whole buffers, shared ones included).
    pub fn get_buffer_memory_size(&self) -> usize {
        let i = &self.inner;
        i.nulls.as_ref().map_or(0, Buffer::len)
            + i.buffers.iter().map(Buffer::len).sum::<usize>()
            + i.children
                .iter()
                .map(Array::get_buffer_memory_size)
                .sum::<usize>()
            + i.dictionary
                .as_ref()
                .map_or(0, Array::get_buffer_memory_size)
    }

    /// Typed view of a fixed-width primitive array whose values are stored as the Rust
    /// type `T`, or `None` if the column stores something else.
    ///
    /// The view is keyed by the Rust type of the stored values, and only the exact type
    /// matches, so bits are never reinterpreted: `i8`…`i64` and `u8`…`u64` for the
    /// integer types; [`f16`](quiver_buffer::f16), `f32`, `f64` for the floats; `i32`
    /// for date32, time32, decimal32 and year-month intervals; `i64` for date64, time64,
    /// timestamps, durations and decimal64; `i128` for decimal128 and
    /// [`i256`](quiver_buffer::i256) for decimal256. Day-time and month-day-nano
    /// intervals pack several fields per slot and have no primitive view.
    ///
    /// Values are readable at any buffer alignment: IPC aligns buffers to 8 bytes only,
    /// so a decimal128 column may start at an address that is not a multiple of 16.
    ///
    /// ```
    /// use quiver_array::{Array, DataType};
    /// let a = Array::from(vec![1i64, 2, 3]);
    /// assert_eq!(a.as_primitive::<i64>().unwrap().value(2), 3);
    /// assert!(a.as_primitive::<f64>().is_none()); // int64 bits are not doubles
    /// assert!(a.as_primitive::<u64>().is_none());
    /// let d = Array::from_primitive(DataType::Decimal128(10, 2), vec![Some(12345i128), Some(-1)]).unwrap();
    /// assert_eq!(d.as_primitive::<i128>().unwrap().iter().collect::<Vec<_>>(), vec![Some(12345), Some(-1)]);
    /// ```
    pub fn as_primitive<T: NativeType>(&self) -> Option<PrimitiveValues<'_, T>> {
        if native_type_id(self.data_type())? != std::any::TypeId::of::<T>() {
            return None;
        }
        let width = std::mem::size_of::<T>();
        let start = self.offset().checked_mul(width)?;
        let end = self.offset().checked_add(self.len())?.checked_mul(width)?;
        let bytes = self.inner.buffers.first()?.as_slice().get(start..end)?;
        let aligned = (bytes.as_ptr() as usize).is_multiple_of(std::mem::align_of::<T>());
        Some(PrimitiveValues {
            array: self,
            bytes,
            aligned,
            _values: std::marker::PhantomData,
        })
    }

    /// Typed view of a boolean array.
    pub fn as_boolean(&self) -> Option<BooleanValues<'_>> {
        if !matches!(self.data_type(), DataType::Boolean) {
            return None;
        }
        let bits = self.inner.buffers.first()?;
        (bytes_for(self.offset() + self.len()) <= bits.len()).then_some(BooleanValues {
            array: self,
            bits: bits.as_slice(),
        })
    }

    /// Offsets of a list or large list array (as `O`), `len + 1` of them.
    pub fn list_offsets<O: OffsetSize>(&self) -> Option<&[O]> {
        let ok = match self.data_type() {
            DataType::List(_) | DataType::Map(..) => <O as NativeType>::WIDTH == 4,
            DataType::LargeList(_) => <O as NativeType>::WIDTH == 8,
            _ => false,
        };
        if !ok {
            return None;
        }
        let offsets = self.inner.buffers.first()?.typed_data::<O>().ok()?;
        offsets.get(self.offset()..=self.offset() + self.len())
    }
}

impl fmt::Debug for Array {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Array<{}>[", self.data_type())?;
        for i in 0..self.len().min(20) {
            if i > 0 {
                write!(f, ", ")?;
            }
            write!(f, "{}", crate::display::format_value(self, i))?;
        }
        if self.len() > 20 {
            write!(f, ", … {} more", self.len() - 20)?;
        }
        write!(f, "]")
    }
}

impl PartialEq for Array {
    fn eq(&self, other: &Self) -> bool {
        self.equals(other)
    }
}

/// Integer types used as offsets: `i32` and `i64`.
pub trait OffsetSize: NativeType + Ord + TryFrom<usize> {
    /// As `usize`, or `None` if negative or too large.
    fn to_usize(self) -> Option<usize>;
    /// From `usize`, or `None` if too large.
    fn from_usize(v: usize) -> Option<Self>;
}

impl OffsetSize for i32 {
    #[inline]
    fn to_usize(self) -> Option<usize> {
        usize::try_from(self).ok()
    }
    #[inline]
    fn from_usize(v: usize) -> Option<Self> {
        i32::try_from(v).ok()
    }
}

impl OffsetSize for i64 {
    #[inline]
    fn to_usize(self) -> Option<usize> {
        usize::try_from(self).ok()
    }
    #[inline]
    fn from_usize(v: usize) -> Option<Self> {
        i64::try_from(v).ok()
    }
}

/// The Rust type a fixed-width type's slots hold, as [`Array::as_primitive`] expects it.
pub(crate) fn native_type_id(data_type: &DataType) -> Option<std::any::TypeId> {
    use crate::datatype::IntervalUnit;
    use DataType::*;
    use std::any::TypeId;
    Some(match data_type {
        Int8 => TypeId::of::<i8>(),
        Int16 => TypeId::of::<i16>(),
        Int32 | Date32 | Time32(_) | Decimal32(..) | Interval(IntervalUnit::YearMonth) => {
            TypeId::of::<i32>()
        }
        Int64 | Date64 | Time64(_) | Timestamp(..) | Duration(_) | Decimal64(..) => {
            TypeId::of::<i64>()
        }
        UInt8 => TypeId::of::<u8>(),
        UInt16 => TypeId::of::<u16>(),
        UInt32 => TypeId::of::<u32>(),
        UInt64 => TypeId::of::<u64>(),
        Float16 => TypeId::of::<quiver_buffer::f16>(),
        Float32 => TypeId::of::<f32>(),
        Float64 => TypeId::of::<f64>(),
        Decimal128(..) => TypeId::of::<i128>(),
        Decimal256(..) => TypeId::of::<quiver_buffer::i256>(),
        _ => return None,
    })
}

/// A typed view of a fixed-width primitive array (see [`Array::as_primitive`]).
#[derive(Debug, Clone, Copy)]
pub struct PrimitiveValues<'a, T> {
    array: &'a Array,
    /// The bytes of the view's slots: exactly `len * size_of::<T>()`.
    bytes: &'a [u8],
    /// Whether `bytes` starts at an address aligned for `T`.
    aligned: bool,
    _values: std::marker::PhantomData<T>,
}

impl<'a, T: NativeType> PrimitiveValues<'a, T> {
    /// Number of slots.
    pub fn len(&self) -> usize {
        self.array.len()
    }

    /// Whether there are no slots.
    pub fn is_empty(&self) -> bool {
        self.array.is_empty()
    }

    /// All values in place, including the arbitrary ones under null slots, or `None`
    /// if the buffer is not aligned for `T`. Only 16-byte types (`i128`) can be
    /// misaligned, since buffers are realigned to 8 bytes when arrays are built; use
    /// [`value`](Self::value), [`iter`](Self::iter) or [`to_vec`](Self::to_vec), which
    /// work at any alignment.
    pub fn values(&self) -> Option<&'a [T]> {
        if !self.aligned {
            return None;
        }
        // SAFETY: `bytes` holds exactly `len` values of `T` (checked in `as_primitive`),
        // its address is aligned for `T` (checked just above), `T: NativeType` accepts
        // any bit pattern, and the memory is immutable for the borrow `'a`.
        Some(unsafe {
            std::slice::from_raw_parts(self.bytes.as_ptr().cast::<T>(), self.array.len())
        })
    }

    /// Value `i` (arbitrary if the slot is null).
    ///
    /// # Panics
    /// If `i >= len`.
    #[inline]
    pub fn value(&self, i: usize) -> T {
        let width = std::mem::size_of::<T>();
        let at = i
            .checked_mul(width)
            .filter(|&at| i < self.array.len() && at + width <= self.bytes.len());
        let Some(at) = at else {
            panic!("slot {i} out of bounds for length {}", self.array.len());
        };
        // SAFETY: `at + width <= bytes.len()` was checked above, the read is unaligned,
        // and `T: NativeType` accepts any bit pattern.
        unsafe { std::ptr::read_unaligned(self.bytes.as_ptr().add(at).cast::<T>()) }
    }

    /// All values (including the arbitrary ones under null slots), copied.
    pub fn to_vec(&self) -> Vec<T> {
        match self.values() {
            Some(v) => v.to_vec(),
            None => (0..self.len()).map(|i| self.value(i)).collect(),
        }
    }

    /// Values with nulls as `None`.
    pub fn iter(&self) -> impl Iterator<Item = Option<T>> + 'a {
        let this = *self;
        (0..this.len()).map(move |i| this.array.is_valid(i).then(|| this.value(i)))
    }
}

/// A typed view of a boolean array.
#[derive(Debug, Clone, Copy)]
pub struct BooleanValues<'a> {
    array: &'a Array,
    bits: &'a [u8],
}

impl<'a> BooleanValues<'a> {
    /// Value `i` (arbitrary if the slot is null).
    pub fn value(&self, i: usize) -> bool {
        assert!(i < self.array.len(), "slot {i} out of bounds");
        get_bit(self.bits, self.array.offset() + i)
    }

    /// Values with nulls as `None`.
    pub fn iter(&self) -> impl Iterator<Item = Option<bool>> + 'a {
        let this = *self;
        (0..self.array.len()).map(move |i| this.array.is_valid(i).then(|| this.value(i)))
    }
}

impl From<BufferError> for Box<ArrayError> {
    fn from(e: BufferError) -> Self {
        Box::new(ArrayError::Memory(e))
    }
}
