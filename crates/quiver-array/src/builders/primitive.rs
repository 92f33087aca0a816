//! Builders of fixed-width primitive, temporal and decimal arrays.

use std::any::{Any, TypeId};
use std::marker::PhantomData;

use quiver_buffer::{MutableBuffer, NativeType, f16, i256};

use super::{ArrayBuilder, NullsBuilder, ValueBuilder};
use crate::data::{Array, ArrayData, native_type_id};
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

/// The Rust name of the value type `data_type` stores, if it has one.
fn native_name(data_type: &DataType) -> Option<&'static str> {
    let id = native_type_id(data_type)?;
    let names = [
        (TypeId::of::<i8>(), "i8"),
        (TypeId::of::<i16>(), "i16"),
        (TypeId::of::<i32>(), "i32"),
        (TypeId::of::<i64>(), "i64"),
        (TypeId::of::<u8>(), "u8"),
        (TypeId::of::<u16>(), "u16"),
        (TypeId::of::<u32>(), "u32"),
        (TypeId::of::<u64>(), "u64"),
        (TypeId::of::<f16>(), "f16"),
        (TypeId::of::<f32>(), "f32"),
        (TypeId::of::<f64>(), "f64"),
        (TypeId::of::<i128>(), "i128"),
        (TypeId::of::<i256>(), "i256"),
    ];
    names.iter().find(|(t, _)| *t == id).map(|(_, n)| *n)
}

/// Checks that `T` is exactly the value type of `data_type`, as
/// [`Array::as_primitive`] requires.
fn check_native<T: NativeType>(data_type: &DataType) -> Result<()> {
    match native_type_id(data_type) {
        Some(id) if id == TypeId::of::<T>() => return Ok(()),
        // Day-time and month-day-nano intervals pack several fields per slot and have
        // no one value type: any Rust type of their width builds them.
        None if matches!(data_type, DataType::Interval(_))
            && data_type.primitive_width() == Some(T::WIDTH) =>
        {
            return Ok(());
        }
        _ => {}
    }
    let given = std::any::type_name::<T>()
        .rsplit("::")
        .next()
        .unwrap_or("?");
    let problem = match native_name(data_type) {
        Some(n) => format!("cannot be built from Rust {given} values (its values are {n})"),
        None => format!("cannot be built from Rust {given} values (it has no primitive values)"),
    };
    Err(ArrayError::invalid_data(data_type.clone(), problem))
}

/// Appends values (with `None` as null) to build a fixed-width primitive or temporal
/// array of the type it was given. The Rust type must be the type's value type, as for
/// [`Array::as_primitive`]: `i64` for timestamps, `i128` for decimal128…; otherwise
/// [`try_new`](Self::try_new) and [`finish`](ArrayBuilder::finish) fail. Day-time and
/// month-day-nano intervals, which have no one value type, take any type of their width.
///
/// ```
/// use quiver_array::{ArrayBuilder, DataType, PrimitiveBuilder, TimeUnit};
/// let mut b = PrimitiveBuilder::<i64>::new(DataType::Timestamp(TimeUnit::Second, Some("UTC".into())));
/// b.append_value(0);
/// b.append_null();
/// let a = b.finish().unwrap();
/// assert_eq!(a.data_type().to_string(), "timestamp[s, tz=UTC]");
/// assert_eq!(a.null_count(), 1);
/// assert!(PrimitiveBuilder::<f64>::try_new(DataType::Int64).is_err());
/// ```
#[derive(Debug)]
pub struct PrimitiveBuilder<T: NativeType> {
    data_type: DataType,
    values: MutableBuffer,
    nulls: NullsBuilder,
    _t: PhantomData<T>,
}

impl<T: NativeType> PrimitiveBuilder<T> {
    /// A builder for values of `data_type`; a mismatched `T` is reported by `finish`.
    pub fn new(data_type: DataType) -> Self {
        Self::with_capacity(data_type, 0)
    }

    /// A builder for values of `data_type`, checking at once that `T` is its value type.
    pub fn try_new(data_type: DataType) -> Result<Self> {
        check_native::<T>(&data_type)?;
        Ok(Self::new(data_type))
    }

    /// A builder with room for `n` values.
    pub fn with_capacity(data_type: DataType, n: usize) -> Self {
        Self {
            data_type,
            values: MutableBuffer::with_capacity(n * T::WIDTH),
            nulls: NullsBuilder::with_capacity(n),
            _t: PhantomData,
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

    /// Builds the array and resets the builder; fails if `T` is not the type's value type.
    pub fn finish(&mut self) -> Result<Array> {
        let values = std::mem::take(&mut self.values).freeze();
        let len = self.nulls.len();
        let nulls = self.nulls.take();
        check_native::<T>(&self.data_type)?;
        ArrayData::new(self.data_type.clone(), len)
            .nulls(nulls)
            .buffers(vec![values])
            .build()
    }
}

impl<T: NativeType> ArrayBuilder for PrimitiveBuilder<T> {
    fn len(&self) -> usize {
        self.nulls.len()
    }
    fn data_type(&self) -> DataType {
        self.data_type.clone()
    }
    fn append_null(&mut self) {
        PrimitiveBuilder::append_null(self)
    }
    fn finish(&mut self) -> Result<Array> {
        PrimitiveBuilder::finish(self)
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

impl<T: NativeType> ValueBuilder for PrimitiveBuilder<T> {
    type Value = T;
    fn push(&mut self, v: &T) -> Result<()> {
        self.append_value(*v);
        Ok(())
    }
    fn identity(v: &T) -> &[u8] {
        quiver_buffer::as_bytes(std::slice::from_ref(v))
    }
}

/// The value types of the decimal types: `i32` (decimal32), `i64` (decimal64), `i128`
/// (decimal128) and [`i256`] (decimal256).
pub trait DecimalNative: NativeType {
    /// The largest precision the type allows.
    const MAX_PRECISION: u8;
    /// The decimal type of this width.
    fn decimal_type(precision: u8, scale: i8) -> DataType;
    /// Number of decimal digits of the magnitude (0 has one).
    fn digits(self) -> u32;
}

macro_rules! decimal_native {
    ($($t:ty => $dt:ident, $max:expr);* $(;)?) => {$(
        impl DecimalNative for $t {
            const MAX_PRECISION: u8 = $max;
            fn decimal_type(precision: u8, scale: i8) -> DataType {
                DataType::$dt(precision, scale)
            }
            fn digits(self) -> u32 {
                self.unsigned_abs().checked_ilog10().map_or(1, |d| d + 1)
            }
        }
    )*};
}
decimal_native!(i32 => Decimal32, 9; i64 => Decimal64, 18; i128 => Decimal128, 38);

impl DecimalNative for i256 {
    const MAX_PRECISION: u8 = 76;
    fn decimal_type(precision: u8, scale: i8) -> DataType {
        DataType::Decimal256(precision, scale)
    }
    fn digits(self) -> u32 {
        let s = self.to_string();
        s.trim_start_matches('-').len() as u32
    }
}

/// Builds decimal arrays, checking every value against the precision.
///
/// ```
/// use quiver_array::{ArrayBuilder, DecimalBuilder};
/// let mut b = DecimalBuilder::<i128>::new(5, 2).unwrap();
/// b.append_value(12345).unwrap();
/// assert_eq!(
///     b.append_value(123456).unwrap_err().to_string(),
///     "decimal128(5, 2) array: value 123456 at slot 1 has 6 digits, more than the precision 5"
/// );
/// b.append_null();
/// assert_eq!(b.finish().unwrap().to_string(), "[123.45, null]");
/// ```
#[derive(Debug)]
pub struct DecimalBuilder<T: DecimalNative> {
    precision: u8,
    inner: PrimitiveBuilder<T>,
}

impl<T: DecimalNative> DecimalBuilder<T> {
    /// A builder for decimals of `precision` digits, `scale` of them after the point;
    /// fails if the precision is 0 or beyond the type's maximum.
    pub fn new(precision: u8, scale: i8) -> Result<Self> {
        let data_type = T::decimal_type(precision, scale);
        if precision == 0 || precision > T::MAX_PRECISION {
            return Err(ArrayError::invalid_data(
                data_type,
                format!("precision must be 1 to {}", T::MAX_PRECISION),
            ));
        }
        Ok(Self {
            precision,
            inner: PrimitiveBuilder::new(data_type),
        })
    }

    /// Appends a value (the unscaled integer); fails if it has more digits than the
    /// precision.
    pub fn append_value(&mut self, v: T) -> Result<()> {
        let digits = v.digits();
        if digits > u32::from(self.precision) {
            return Err(ArrayError::invalid_slot(
                self.inner.data_type.clone(),
                self.inner.len(),
                format!(
                    "value {v:?} at slot {} has {digits} digits, more than the precision {}",
                    self.inner.len(),
                    self.precision
                ),
            ));
        }
        self.inner.append_value(v);
        Ok(())
    }

    /// Appends a value or a null.
    pub fn append_option(&mut self, v: Option<T>) -> Result<()> {
        match v {
            Some(v) => self.append_value(v),
            None => {
                self.inner.append_null();
                Ok(())
            }
        }
    }
}

impl<T: DecimalNative> ArrayBuilder for DecimalBuilder<T> {
    fn len(&self) -> usize {
        self.inner.len()
    }
    fn data_type(&self) -> DataType {
        self.inner.data_type.clone()
    }
    fn append_null(&mut self) {
        self.inner.append_null()
    }
    fn finish(&mut self) -> Result<Array> {
        self.inner.finish()
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
