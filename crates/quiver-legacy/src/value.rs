//! [`Value`], the dynamic model of what a legacy blob holds.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use quiver_array::{Array, DataType, RecordBatch};
use quiver_buffer::{Buffer, f16};
use quiver_ipc::{Tensor, TensorElement};

use crate::error::{LegacyError, Result};

/// One Python value as pyarrow's legacy serialization stores it.
///
/// Python types map to variants by the format's union tags; see the crate docs for the
/// full table. Equality compares floats by their bits (so `NaN == NaN` and
/// `0.0 != -0.0`), sets without regard to order, n-d arrays by dtype, shape, strides
/// and bytes (not by [`NdArray::copied`]).
///
/// ```
/// use quiver_legacy::Value;
///
/// let v = Value::from(vec![Value::from(1i64), Value::from("two"), Value::None]);
/// assert_eq!(v, Value::List(vec![Value::Int(1), Value::Str("two".into()), Value::None]));
/// assert_eq!(Value::from(1.5f64), Value::Float(1.5));
/// assert_eq!(Value::bytes(vec![1u8, 2]), Value::Bytes(vec![1, 2]));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Value {
    /// Python `None` (tag 0).
    None,
    /// `bool` / `np.bool_` (tag 1).
    Bool(bool),
    /// A Python `int` within int64 (tag 2).
    Int(i64),
    /// A Python `int` outside int64: the default context's `"int"` custom type.
    BigInt(BigInt),
    /// `float` / `np.float64` (tag 8).
    Float(f64),
    /// `np.float32` (tag 7).
    Float32(f32),
    /// `np.float16` (tag 6).
    Float16(f16),
    /// `str` (tag 5).
    Str(String),
    /// `bytes` (tag 4).
    Bytes(Vec<u8>),
    /// A naive `datetime.datetime` (tag 9): microseconds since 1970-01-01T00:00:00 of
    /// its wall-clock fields, as the format stores it.
    Datetime(i64),
    /// `list` (tag 10).
    List(Vec<Value>),
    /// `tuple` (tag 12).
    Tuple(Vec<Value>),
    /// `dict` (tag 11): (key, value) pairs in insertion order; any value can be a key.
    Dict(Vec<(Value, Value)>),
    /// `set` (tag 13), elements in wire order.
    Set(Vec<Value>),
    /// A numpy `ndarray` (tag 15; bool arrays go through the default context's
    /// `"np.array"` handler).
    NdArray(NdArray),
    /// A `pyarrow.Buffer` (tag 16).
    Buffer(Buffer),
    /// A `pyarrow.Tensor` (tag 14).
    Tensor(Tensor),
    /// A `pyarrow.Array` (the default context's `"pyarrow.Array"` type).
    Array(Array),
    /// A `pyarrow.RecordBatch` (the default context's `"pyarrow.RecordBatch"` type).
    RecordBatch(RecordBatch),
    /// A custom type written with a custom serializer:
    /// `{"data": payload, "_pytype_": type_id}` on the wire. Unknown ids decode to this.
    Custom {
        /// The registered type id (`_pytype_`).
        type_id: String,
        /// What the serializer returned.
        payload: Box<Value>,
    },
    /// A custom type registered without a serializer (its `__dict__`):
    /// `{**attributes, "_pytype_": type_id}` on the wire.
    Object {
        /// The registered type id (`_pytype_`).
        type_id: String,
        /// The attributes, in order.
        attributes: Vec<(Value, Value)>,
    },
    /// A type registered with `pickle=True`: `{"data": bytes, "pickle": True,
    /// "_pytype_": type_id}`. The pickle bytes are opaque and kept exactly.
    Pickled {
        /// The registered type id (`_pytype_`).
        type_id: String,
        /// The pickle stream.
        bytes: Vec<u8>,
    },
}

/// A Python `int` of any size, kept exactly as its canonical decimal digits.
///
/// ```
/// use quiver_legacy::BigInt;
///
/// let n = BigInt::parse("-18446744073709551616").unwrap();
/// assert_eq!(n.as_str(), "-18446744073709551616");
/// assert_eq!(n.to_i64(), None);
/// assert_eq!(BigInt::parse("0042"), None); // not canonical
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BigInt(String);

impl BigInt {
    /// Parses canonical decimal digits (`str(int)` in Python): an optional `-`, no
    /// leading zeros, no `-0`. `None` otherwise.
    pub fn parse(s: &str) -> Option<Self> {
        let digits = s.strip_prefix('-').unwrap_or(s);
        let ok = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (digits == "0" || !digits.starts_with('0'))
            && !(s.starts_with('-') && digits == "0");
        ok.then(|| Self(s.to_string()))
    }

    /// The decimal digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value, if it fits an `i64`.
    pub fn to_i64(&self) -> Option<i64> {
        self.0.parse().ok()
    }
}

impl fmt::Display for BigInt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The element type of an [`NdArray`]: the numpy dtypes pyarrow writes natively, plus
/// `bool`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DType {
    /// `|b1`: one byte per element, 0 or 1.
    Bool,
    /// `|i1`.
    Int8,
    /// `<i2`.
    Int16,
    /// `<i4`.
    Int32,
    /// `<i8`.
    Int64,
    /// `|u1`.
    UInt8,
    /// `<u2`.
    UInt16,
    /// `<u4`.
    UInt32,
    /// `<u8`.
    UInt64,
    /// `<f2`.
    Float16,
    /// `<f4`.
    Float32,
    /// `<f8`.
    Float64,
}

impl DType {
    /// numpy's `dtype.str` (`"<f8"`, `"|u1"`, ...).
    pub fn numpy_str(self) -> &'static str {
        match self {
            DType::Bool => "|b1",
            DType::Int8 => "|i1",
            DType::Int16 => "<i2",
            DType::Int32 => "<i4",
            DType::Int64 => "<i8",
            DType::UInt8 => "|u1",
            DType::UInt16 => "<u2",
            DType::UInt32 => "<u4",
            DType::UInt64 => "<u8",
            DType::Float16 => "<f2",
            DType::Float32 => "<f4",
            DType::Float64 => "<f8",
        }
    }

    /// The dtype of a numpy `dtype.str`, if supported.
    pub fn from_numpy_str(s: &str) -> Option<Self> {
        ALL.iter().copied().find(|d| d.numpy_str() == s)
    }

    /// Bytes per element.
    pub fn item_size(self) -> usize {
        match self {
            DType::Bool | DType::Int8 | DType::UInt8 => 1,
            DType::Int16 | DType::UInt16 | DType::Float16 => 2,
            DType::Int32 | DType::UInt32 | DType::Float32 => 4,
            DType::Int64 | DType::UInt64 | DType::Float64 => 8,
        }
    }

    /// The Arrow tensor type carrying this dtype on the wire (`bool` travels as
    /// `uint8`).
    pub fn tensor_type(self) -> DataType {
        match self {
            DType::Bool | DType::UInt8 => DataType::UInt8,
            DType::Int8 => DataType::Int8,
            DType::Int16 => DataType::Int16,
            DType::Int32 => DataType::Int32,
            DType::Int64 => DataType::Int64,
            DType::UInt16 => DataType::UInt16,
            DType::UInt32 => DataType::UInt32,
            DType::UInt64 => DataType::UInt64,
            DType::Float16 => DataType::Float16,
            DType::Float32 => DataType::Float32,
            DType::Float64 => DataType::Float64,
        }
    }

    /// The dtype of an Arrow tensor type, if it is one.
    pub fn from_tensor_type(t: &DataType) -> Option<Self> {
        Some(match t {
            DataType::Int8 => DType::Int8,
            DataType::Int16 => DType::Int16,
            DataType::Int32 => DType::Int32,
            DataType::Int64 => DType::Int64,
            DataType::UInt8 => DType::UInt8,
            DataType::UInt16 => DType::UInt16,
            DataType::UInt32 => DType::UInt32,
            DataType::UInt64 => DType::UInt64,
            DataType::Float16 => DType::Float16,
            DataType::Float32 => DType::Float32,
            DataType::Float64 => DType::Float64,
            _ => return None,
        })
    }
}

const ALL: [DType; 12] = [
    DType::Bool,
    DType::Int8,
    DType::Int16,
    DType::Int32,
    DType::Int64,
    DType::UInt8,
    DType::UInt16,
    DType::UInt32,
    DType::UInt64,
    DType::Float16,
    DType::Float32,
    DType::Float64,
];

/// A numpy `ndarray`: dtype, shape, byte strides, and the data as a [`Buffer`].
///
/// Decoded arrays point into the input buffer (zero-copy). The element data must be
/// aligned to the item size for typed access; when the input's memory is not (a blob
/// read at an odd address), the decoder copies the data into aligned memory and sets
/// [`copied`](NdArray::copied).
///
/// ```
/// use quiver_legacy::{DType, NdArray};
///
/// let a = NdArray::from_slice(&[1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]).unwrap();
/// assert_eq!(a.dtype(), DType::Float64);
/// assert_eq!(a.strides(), &[24, 8]);
/// assert_eq!(a.data().len(), 48);
/// assert!(NdArray::from_slice(&[1u8, 2, 3], &[2, 2]).is_err());
/// ```
#[derive(Debug, Clone)]
pub struct NdArray {
    dtype: DType,
    shape: Vec<i64>,
    strides: Vec<i64>,
    data: Buffer,
    copied: bool,
}

impl NdArray {
    /// An array over `data` with explicit byte strides. Fails unless every element lies
    /// inside `data` and no dimension or stride is negative.
    pub fn try_new(dtype: DType, data: Buffer, shape: Vec<i64>, strides: Vec<i64>) -> Result<Self> {
        // The tensor constructor checks shape, strides and extent.
        let t = Tensor::try_new(dtype.tensor_type(), data, shape, strides)
            .map_err(|e| LegacyError::serialize("an n-d array", e.to_string()))?;
        Ok(Self::from_parts(dtype, &t, false))
    }

    /// A C-order array copying `values`, with `shape` (its element count must be
    /// `values.len()`).
    pub fn from_slice<T: TensorElement>(values: &[T], shape: &[i64]) -> Result<Self> {
        let t = Tensor::from_vec(values.to_vec(), shape.to_vec())
            .map_err(|e| LegacyError::serialize("an n-d array", e.to_string()))?;
        let dtype = DType::from_tensor_type(t.data_type())
            .ok_or_else(|| LegacyError::serialize("an n-d array", "unsupported element type"))?;
        Ok(Self::from_parts(dtype, &t, false))
    }

    /// A C-order `bool` array (`|b1`) from `values`.
    pub fn from_bools(values: &[bool], shape: &[i64]) -> Result<Self> {
        let bytes: Vec<u8> = values.iter().map(|&b| u8::from(b)).collect();
        let mut a = Self::from_slice(&bytes, shape)?;
        a.dtype = DType::Bool;
        Ok(a)
    }

    pub(crate) fn from_parts(dtype: DType, t: &Tensor, copied: bool) -> Self {
        Self {
            dtype,
            shape: t.shape().to_vec(),
            strides: t.strides().to_vec(),
            data: t.data().clone(),
            copied,
        }
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// The dimensions (empty for a 0-d array).
    pub fn shape(&self) -> &[i64] {
        &self.shape
    }

    /// Byte strides, one per dimension.
    pub fn strides(&self) -> &[i64] {
        &self.strides
    }

    /// The element memory.
    pub fn data(&self) -> &Buffer {
        &self.data
    }

    /// Whether decoding had to copy the data to align it (false: the data points into
    /// the input).
    pub fn copied(&self) -> bool {
        self.copied
    }

    /// This array as an Arrow [`Tensor`] over the same memory (`bool` becomes `uint8`).
    pub fn to_tensor(&self) -> Result<Tensor> {
        Tensor::try_new(
            self.dtype.tensor_type(),
            self.data.clone(),
            self.shape.clone(),
            self.strides.clone(),
        )
        .map_err(|e| LegacyError::serialize("an n-d array", e.to_string()))
    }

    /// The bytes of the elements in the order of the strides' layout: C order for a
    /// C-contiguous array, Fortran order for an F-contiguous one, else C order (numpy's
    /// `tobytes(order="A")` for the layouts the format writes).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let t = self.to_tensor()?;
        if t.is_contiguous() {
            let n = t
                .size()
                .checked_mul(self.dtype.item_size() as i64)
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(0);
            return Ok(self.data.as_slice().get(..n).unwrap_or_default().to_vec());
        }
        let r = t
            .to_row_major()
            .map_err(|e| LegacyError::serialize("an n-d array", e.to_string()))?;
        Ok(r.data().as_slice().to_vec())
    }
}

impl NdArray {
    /// The elements' bytes in C (row-major) order, whatever the strides.
    fn c_order_bytes(&self) -> Option<Vec<u8>> {
        let t = self.to_tensor().ok()?;
        let t = if t.is_row_major() {
            t
        } else {
            t.to_row_major().ok()?
        };
        let n = usize::try_from(t.size())
            .ok()?
            .checked_mul(self.dtype.item_size())?;
        Some(t.data().as_slice().get(..n)?.to_vec())
    }
}

/// Logical equality, as numpy's `array_equal` plus the dtype: the same dtype, shape and
/// elements (compared by bits), whatever the strides. A Fortran-ordered array equals
/// the C-ordered array of the same elements; a strided view equals its compact copy.
impl PartialEq for NdArray {
    fn eq(&self, other: &Self) -> bool {
        self.dtype == other.dtype
            && self.shape == other.shape
            && matches!(
                (self.c_order_bytes(), other.c_order_bytes()),
                (Some(a), Some(b)) if a == b
            )
    }
}

impl Value {
    /// A `bytes` value.
    pub fn bytes(b: impl Into<Vec<u8>>) -> Self {
        Value::Bytes(b.into())
    }

    /// A `tuple`.
    pub fn tuple(items: impl IntoIterator<Item = impl Into<Value>>) -> Self {
        Value::Tuple(items.into_iter().map(Into::into).collect())
    }

    /// A `set` (elements kept in the given order).
    pub fn set(items: impl IntoIterator<Item = impl Into<Value>>) -> Self {
        Value::Set(items.into_iter().map(Into::into).collect())
    }

    /// A `dict` of the pairs, in order.
    ///
    /// ```
    /// use quiver_legacy::Value;
    /// let d = Value::dict([("a", 1i64), ("b", 2)]);
    /// assert_eq!(d, Value::Dict(vec![("a".into(), 1i64.into()), ("b".into(), 2i64.into())]));
    /// ```
    pub fn dict<K: Into<Value>, V: Into<Value>>(pairs: impl IntoIterator<Item = (K, V)>) -> Self {
        Value::Dict(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }

    /// An n-d array copying `values` with `shape` (C order).
    ///
    /// ```
    /// use quiver_legacy::Value;
    /// let m = Value::ndarray(&[1i32, 2, 3, 4], &[2, 2]).unwrap();
    /// assert!(matches!(m, Value::NdArray(_)));
    /// ```
    pub fn ndarray<T: TensorElement>(values: &[T], shape: &[i64]) -> Result<Self> {
        NdArray::from_slice(values, shape).map(Value::NdArray)
    }

    /// A custom value: `{"data": payload, "_pytype_": type_id}` on the wire.
    pub fn custom(type_id: impl Into<String>, payload: impl Into<Value>) -> Self {
        Value::Custom {
            type_id: type_id.into(),
            payload: Box::new(payload.into()),
        }
    }

    /// The Python type name of this value, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::None => "None",
            Value::Bool(_) => "bool",
            Value::Int(_) | Value::BigInt(_) => "int",
            Value::Float(_) => "float",
            Value::Float32(_) => "np.float32",
            Value::Float16(_) => "np.float16",
            Value::Str(_) => "str",
            Value::Bytes(_) => "bytes",
            Value::Datetime(_) => "datetime",
            Value::List(_) => "list",
            Value::Tuple(_) => "tuple",
            Value::Dict(_) => "dict",
            Value::Set(_) => "set",
            Value::NdArray(_) => "ndarray",
            Value::Buffer(_) => "pyarrow.Buffer",
            Value::Tensor(_) => "pyarrow.Tensor",
            Value::Array(_) => "pyarrow.Array",
            Value::RecordBatch(_) => "pyarrow.RecordBatch",
            Value::Custom { .. } | Value::Object { .. } => "custom object",
            Value::Pickled { .. } => "pickled object",
        }
    }
}

fn set_eq(a: &[Value], b: &[Value]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut used = vec![false; b.len()];
    a.iter().all(|x| {
        let hit = b
            .iter()
            .enumerate()
            .find(|(k, y)| !used.get(*k).copied().unwrap_or(true) && x == *y);
        match hit {
            Some((k, _)) => {
                if let Some(u) = used.get_mut(k) {
                    *u = true;
                }
                true
            }
            None => false,
        }
    })
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        use Value::*;
        match (self, other) {
            (None, None) => true,
            (Bool(a), Bool(b)) => a == b,
            (Int(a), Int(b)) => a == b,
            (BigInt(a), BigInt(b)) => a == b,
            (Float(a), Float(b)) => a.to_bits() == b.to_bits(),
            (Float32(a), Float32(b)) => a.to_bits() == b.to_bits(),
            (Float16(a), Float16(b)) => a.to_bits() == b.to_bits(),
            (Str(a), Str(b)) => a == b,
            (Bytes(a), Bytes(b)) => a == b,
            (Datetime(a), Datetime(b)) => a == b,
            (List(a), List(b)) | (Tuple(a), Tuple(b)) => a == b,
            (Set(a), Set(b)) => set_eq(a, b),
            (Dict(a), Dict(b)) => a == b,
            (NdArray(a), NdArray(b)) => a == b,
            (Buffer(a), Buffer(b)) => a.as_slice() == b.as_slice(),
            (Tensor(a), Tensor(b)) => a.equals(b),
            (Array(a), Array(b)) => a.equals(b),
            (RecordBatch(a), RecordBatch(b)) => a.equals(b),
            (
                Custom { type_id, payload },
                Custom {
                    type_id: t2,
                    payload: p2,
                },
            ) => type_id == t2 && payload == p2,
            (
                Object {
                    type_id,
                    attributes,
                },
                Object {
                    type_id: t2,
                    attributes: a2,
                },
            ) => type_id == t2 && attributes == a2,
            (
                Pickled { type_id, bytes },
                Pickled {
                    type_id: t2,
                    bytes: b2,
                },
            ) => type_id == t2 && bytes == b2,
            _ => false,
        }
    }
}

macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Self {
                Value::Int(i64::from(v))
            }
        }
    )*};
}
from_int!(i8, i16, i32, i64, u8, u16, u32);

macro_rules! from_wide_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            /// An `int`: [`Value::Int`] within int64, else [`Value::BigInt`].
            fn from(v: $t) -> Self {
                match i64::try_from(v) {
                    Ok(i) => Value::Int(i),
                    Err(_) => Value::BigInt(BigInt(v.to_string())),
                }
            }
        }
    )*};
}
from_wide_int!(u64, i128, u128);

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Float(v)
    }
}

impl From<f32> for Value {
    fn from(v: f32) -> Self {
        Value::Float32(v)
    }
}

impl From<f16> for Value {
    fn from(v: f16) -> Self {
        Value::Float16(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Str(v.to_string())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Str(v)
    }
}

impl From<()> for Value {
    fn from(_: ()) -> Self {
        Value::None
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::None, Into::into)
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(v: Vec<T>) -> Self {
        Value::List(v.into_iter().map(Into::into).collect())
    }
}

impl<K: Into<Value>, V: Into<Value>, S> From<HashMap<K, V, S>> for Value {
    /// A `dict`, in the map's iteration order.
    fn from(v: HashMap<K, V, S>) -> Self {
        Value::dict(v)
    }
}

impl<K: Into<Value>, V: Into<Value>> From<BTreeMap<K, V>> for Value {
    /// A `dict`, in key order.
    fn from(v: BTreeMap<K, V>) -> Self {
        Value::dict(v)
    }
}

impl From<NdArray> for Value {
    fn from(v: NdArray) -> Self {
        Value::NdArray(v)
    }
}

impl From<Buffer> for Value {
    fn from(v: Buffer) -> Self {
        Value::Buffer(v)
    }
}

impl From<Tensor> for Value {
    fn from(v: Tensor) -> Self {
        Value::Tensor(v)
    }
}

impl From<Array> for Value {
    fn from(v: Array) -> Self {
        Value::Array(v)
    }
}

impl From<RecordBatch> for Value {
    fn from(v: RecordBatch) -> Self {
        Value::RecordBatch(v)
    }
}

impl From<BigInt> for Value {
    /// [`Value::Int`] if it fits int64, else [`Value::BigInt`].
    fn from(v: BigInt) -> Self {
        v.to_i64().map_or(Value::BigInt(v), Value::Int)
    }
}
