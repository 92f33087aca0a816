//! pyarrow's legacy object serialization (`pyarrow.serialize` / `deserialize`,
//! deprecated in pyarrow 2.0 and removed after 10), read and written without Python,
//! wire-compatible with pyarrow 10.
//!
//! A blob holds one Python value: a [`Value`] here. Its structure travels as an Arrow
//! IPC stream of one record batch with a recursive dense union; numpy arrays and
//! `pyarrow.Tensor`s as IPC tensor messages; `pyarrow.Buffer`s as raw bytes. Decoding
//! is zero-copy: n-d array data and buffers point into the input.
//!
//! ```
//! use quiver_legacy::{Value, deserialize, serialize};
//!
//! let value = Value::dict([
//!     ("name", Value::from("weights")),
//!     ("matrix", Value::ndarray(&[1.0f64, 2.0, 3.0, 4.0], &[2, 2]).unwrap()),
//!     ("tags", Value::set(["a", "b"])),
//! ]);
//! let blob = serialize(&value).unwrap().to_buffer();
//! let back = deserialize(&blob).unwrap();
//! assert_eq!(back, value);
//!
//! // The matrix's data is a slice of `blob`: nothing was copied.
//! let Value::Dict(pairs) = &back else { unreachable!() };
//! let Value::NdArray(m) = &pairs[1].1 else { unreachable!() };
//! assert!(blob.contains_ptr(m.data().as_ptr()));
//! assert!(!m.copied());
//! ```
//!
//! | Python | [`Value`] |
//! | --- | --- |
//! | `None`, `bool`, `int`, `float` | [`Value::None`], [`Value::Bool`], [`Value::Int`] / [`Value::BigInt`], [`Value::Float`] |
//! | `np.float32`, `np.float16` | [`Value::Float32`], [`Value::Float16`] |
//! | `str`, `bytes`, naive `datetime` | [`Value::Str`], [`Value::Bytes`], [`Value::Datetime`] |
//! | `list`, `tuple`, `dict`, `set` | [`Value::List`], [`Value::Tuple`], [`Value::Dict`], [`Value::Set`] |
//! | `np.ndarray` (integers, floats, bool) | [`Value::NdArray`] |
//! | `pa.Buffer`, `pa.Tensor`, `pa.Array`, `pa.RecordBatch` | [`Value::Buffer`], [`Value::Tensor`], [`Value::Array`], [`Value::RecordBatch`] |
//! | registered types | [`Value::Custom`], [`Value::Object`], [`Value::Pickled`] |
//!
//! With the `json` feature, the `canonical` module converts values to and from the
//! canonical tagged JSON form of the golden vectors (what `quiver legacy decode` prints).
//!
//! Not supported: sparse tensors (tags 17–20), pandas objects, `pa.Table`, and
//! object/complex/string numpy arrays (they stay [`Value::Custom`] values); pickled
//! payloads are carried as opaque bytes.

/// Declares modules that parse untrusted bytes, with the lints that keep panics out of
/// them (as in `quiver-ipc`).
macro_rules! reader_modules {
    ($($vis:vis $name:ident),* $(,)?) => {$(
        #[deny(
            clippy::unwrap_used,
            clippy::expect_used,
            clippy::panic,
            clippy::indexing_slicing,
            clippy::arithmetic_side_effects
        )]
        $vis mod $name;
    )*};
}

reader_modules!(read, context);

#[cfg(feature = "json")]
pub mod canonical;
mod components;
mod error;
#[cfg(feature = "serde")]
mod serde_fallback;
mod value;
mod write;

pub use components::{Components, SparseTensorCounts};
pub use context::SerializationContext;
pub use error::{LegacyError, Result};
pub use read::MAX_DEPTH;
pub use value::{BigInt, DType, NdArray, Value};
pub use write::SerializedObject;

use quiver_buffer::Buffer;

/// Serializes `value` in the default context (`pa.serialize(value)`).
///
/// ```
/// use quiver_legacy::{Value, serialize};
/// let blob = serialize(&Value::None).unwrap().to_buffer();
/// assert_eq!(blob.len(), 384);
/// ```
pub fn serialize(value: &Value) -> Result<SerializedObject> {
    SerializationContext::default().serialize_value(value)
}

/// Deserializes a blob in the default context (`pa.deserialize(buf)`). Any alignment
/// of `buf` is accepted; n-d arrays point into it when their elements are aligned (see
/// [`NdArray::copied`]).
///
/// ```
/// use quiver_legacy::{Value, deserialize, serialize};
/// let blob = serialize(&Value::from("hi")).unwrap().to_buffer();
/// assert_eq!(deserialize(&blob).unwrap(), Value::from("hi"));
/// ```
pub fn deserialize(buf: &Buffer) -> Result<Value> {
    SerializationContext::default().deserialize_value(buf)
}

/// Deserializes the separate buffers of [`SerializedObject::to_components`] in the
/// default context (`pa.deserialize_components(components)`).
pub fn deserialize_components(components: &Components) -> Result<Value> {
    SerializationContext::default().deserialize_components(components)
}
