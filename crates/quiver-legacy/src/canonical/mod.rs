//! The canonical tagged JSON form of a [`Value`] (feature `json`), as defined by the
//! golden vectors' README (`shared/testdata/legacy`) and their generator's
//! `legacy_canon.py`: every node is an object with a `"type"`, describing the value as
//! it exists on the wire.
//!
//! | `type` | fields |
//! | --- | --- |
//! | `none` | – |
//! | `bool` | `value`: true / false |
//! | `int` | `value`: decimal string, any size |
//! | `float`, `float32`, `float16` | `value`: Python's `repr` (informative), `bits`: 16 / 8 / 4 hex digits (authoritative) |
//! | `str` | `value` |
//! | `bytes`, `buffer` | `hex` |
//! | `datetime` | `micros`: decimal string, µs since 1970-01-01 (naive) |
//! | `list`, `tuple`, `set` | `items`: [node…] |
//! | `dict` | `items`: [[key, value]…] |
//! | `ndarray`, `arrow_tensor` | `dtype` (numpy `dtype.str`), `shape`, `strides` (bytes), `data_hex` (in the strides' memory order) |
//! | `arrow_array` | `arrow_type` (`int64`, `int32`, `double`, `float`, `string`, `bool`), `values`: JSON list, `null` for nulls, floats as `float` nodes |
//! | `arrow_record_batch` | `columns`: [{`name`, `arrow_type`, `values`}…] |
//! | `custom` | `type_id`, `data`: node |
//! | `custom_pickle` | `type_id`, `pickle_hex` |
//! | `custom_dict` | `type_id`, `items`: [[key, value]…] |
//!
//! [`to_canonical`] writes this form and [`from_canonical`] reads it back. Errors name
//! the place in the JSON document as a path from its root `$` (`$.items[2][0]`: the key
//! of the third pair of a dict).
//!
//! ```
//! use quiver_legacy::Value;
//! use quiver_legacy::canonical::{from_canonical, to_canonical};
//!
//! let value = Value::from(vec![Value::from(1.5f64), Value::from("x")]);
//! let json = to_canonical(&value).unwrap();
//! assert_eq!(
//!     json.to_string(),
//!     r#"{"items":[{"bits":"3ff8000000000000","type":"float","value":"1.5"},{"type":"str","value":"x"}],"type":"list"}"#
//! );
//! assert_eq!(from_canonical(&json).unwrap(), value);
//! ```

mod from;
mod pyrepr;

pub use from::from_canonical;

use quiver_array::{Array, DataType, RecordBatch};
use quiver_ipc::Tensor;
use serde_json::{Map, Value as Json};

use crate::error::{LegacyError, Result};
use crate::value::{DType, NdArray, Value};

/// The Arrow types of `arrow_array` values, with their canonical names.
const ARROW_TYPES: [(&str, DataType); 6] = [
    ("int64", DataType::Int64),
    ("double", DataType::Float64),
    ("string", DataType::Utf8),
    ("bool", DataType::Boolean),
    ("int32", DataType::Int32),
    ("float", DataType::Float32),
];

/// The canonical names of the Arrow types, for messages.
const ARROW_TYPE_NAMES: &str = "int64, double, string, bool, int32 or float";

/// The canonical tagged JSON of `value` (`legacy_canon.py`'s `to_canonical`).
///
/// Fails for what the form cannot describe: a `pyarrow.Array` or record batch column
/// of a type other than the six it names, a `pyarrow.Tensor` of a non-numeric type.
///
/// ```
/// use quiver_legacy::Value;
/// use quiver_legacy::canonical::to_canonical;
///
/// let json = to_canonical(&Value::dict([("n", Value::from(1i64))])).unwrap();
/// assert_eq!(
///     json.to_string(),
///     r#"{"items":[[{"type":"str","value":"n"},{"type":"int","value":"1"}]],"type":"dict"}"#
/// );
/// ```
pub fn to_canonical(value: &Value) -> Result<Json> {
    to_node(value, &mut String::from("$"))
}

/// A node of the given type with the given fields.
fn node(kind: &str, fields: impl IntoIterator<Item = (&'static str, Json)>) -> Json {
    let mut m = Map::new();
    m.insert("type".into(), Json::from(kind));
    for (k, v) in fields {
        m.insert(k.into(), v);
    }
    Json::Object(m)
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

fn float_node(x: f64) -> Json {
    node(
        "float",
        [
            ("value", Json::from(pyrepr::float_repr(x))),
            ("bits", Json::from(format!("{:016x}", x.to_bits()))),
        ],
    )
}

/// Runs `f` with `path` extended by `suffix`, restoring it afterwards.
fn at<T>(path: &mut String, suffix: &str, f: impl FnOnce(&mut String) -> T) -> T {
    let len = path.len();
    path.push_str(suffix);
    let out = f(path);
    path.truncate(len);
    out
}

fn items(values: &[Value], path: &mut String) -> Result<Json> {
    let mut out = Vec::with_capacity(values.len());
    for (i, v) in values.iter().enumerate() {
        out.push(at(path, &format!(".items[{i}]"), |p| to_node(v, p))?);
    }
    Ok(Json::Array(out))
}

fn pairs(values: &[(Value, Value)], path: &mut String) -> Result<Json> {
    let mut out = Vec::with_capacity(values.len());
    for (i, (k, v)) in values.iter().enumerate() {
        let key = at(path, &format!(".items[{i}][0]"), |p| to_node(k, p))?;
        let value = at(path, &format!(".items[{i}][1]"), |p| to_node(v, p))?;
        out.push(Json::Array(vec![key, value]));
    }
    Ok(Json::Array(out))
}

fn to_node(value: &Value, path: &mut String) -> Result<Json> {
    Ok(match value {
        Value::None => node("none", []),
        Value::Bool(b) => node("bool", [("value", Json::from(*b))]),
        Value::Int(i) => node("int", [("value", Json::from(i.to_string()))]),
        Value::BigInt(b) => node("int", [("value", Json::from(b.as_str()))]),
        Value::Float(x) => float_node(*x),
        Value::Float32(x) => node(
            "float32",
            [
                ("value", Json::from(pyrepr::float_repr(f64::from(*x)))),
                ("bits", Json::from(format!("{:08x}", x.to_bits()))),
            ],
        ),
        Value::Float16(x) => node(
            "float16",
            [
                ("value", Json::from(pyrepr::float_repr(x.to_f64()))),
                ("bits", Json::from(format!("{:04x}", x.to_bits()))),
            ],
        ),
        Value::Str(s) => node("str", [("value", Json::from(s.as_str()))]),
        Value::Bytes(b) => node("bytes", [("hex", Json::from(hex(b)))]),
        Value::Datetime(us) => node("datetime", [("micros", Json::from(us.to_string()))]),
        Value::List(v) => node("list", [("items", items(v, path)?)]),
        Value::Tuple(v) => node("tuple", [("items", items(v, path)?)]),
        Value::Set(v) => node("set", [("items", items(v, path)?)]),
        Value::Dict(p) => node("dict", [("items", pairs(p, path)?)]),
        Value::NdArray(a) => ndarray_node("ndarray", a, path)?,
        Value::Tensor(t) => tensor_node(t, path)?,
        Value::Buffer(b) => node("buffer", [("hex", Json::from(hex(b.as_slice())))]),
        Value::Array(a) => node(
            "arrow_array",
            [
                (
                    "arrow_type",
                    Json::from(arrow_type_name(a.data_type(), path)?),
                ),
                ("values", arrow_values(a, path)?),
            ],
        ),
        Value::RecordBatch(b) => batch_node(b, path)?,
        Value::Custom { type_id, payload } => {
            let data = at(path, ".data", |p| to_node(payload, p))?;
            node(
                "custom",
                [("type_id", Json::from(type_id.as_str())), ("data", data)],
            )
        }
        Value::Object {
            type_id,
            attributes,
        } => node(
            "custom_dict",
            [
                ("type_id", Json::from(type_id.as_str())),
                ("items", pairs(attributes, path)?),
            ],
        ),
        Value::Pickled { type_id, bytes } => node(
            "custom_pickle",
            [
                ("type_id", Json::from(type_id.as_str())),
                ("pickle_hex", Json::from(hex(bytes))),
            ],
        ),
    })
}

/// C-order byte strides of `shape` (`None` on overflow).
fn c_strides(shape: &[i64], item_size: usize) -> Option<Vec<i64>> {
    let mut strides = vec![0i64; shape.len()];
    let mut acc = i64::try_from(item_size).ok()?;
    for (s, &n) in strides.iter_mut().zip(shape).rev() {
        *s = acc;
        acc = acc.checked_mul(n)?;
    }
    Some(strides)
}

/// Fortran-order byte strides of `shape` (`None` on overflow).
fn f_strides(shape: &[i64], item_size: usize) -> Option<Vec<i64>> {
    let mut strides = vec![0i64; shape.len()];
    let mut acc = i64::try_from(item_size).ok()?;
    for (s, &n) in strides.iter_mut().zip(shape) {
        *s = acc;
        acc = acc.checked_mul(n)?;
    }
    Some(strides)
}

fn ndarray_node(kind: &str, a: &NdArray, path: &str) -> Result<Json> {
    let problem = |e: LegacyError| LegacyError::canonical(path, e.to_string());
    let contiguous = a.to_tensor().map_err(problem)?.is_contiguous();
    // Like numpy's `ascontiguousarray`: a strided array is described in C order.
    let strides = if contiguous {
        a.strides().to_vec()
    } else {
        c_strides(a.shape(), a.dtype().item_size()).unwrap_or_default()
    };
    Ok(node(
        kind,
        [
            ("dtype", Json::from(a.dtype().numpy_str())),
            ("shape", Json::from(a.shape().to_vec())),
            ("strides", Json::from(strides)),
            ("data_hex", Json::from(hex(&a.to_bytes().map_err(problem)?))),
        ],
    ))
}

fn tensor_node(t: &Tensor, path: &str) -> Result<Json> {
    let dtype = DType::from_tensor_type(t.data_type()).ok_or_else(|| {
        LegacyError::canonical(
            path,
            format!(
                "a pyarrow.Tensor of type {} has no canonical form (only numeric tensors)",
                t.data_type()
            ),
        )
    })?;
    let a = NdArray::try_new(
        dtype,
        t.data().clone(),
        t.shape().to_vec(),
        t.strides().to_vec(),
    )
    .map_err(|e| LegacyError::canonical(path, e.to_string()))?;
    ndarray_node("arrow_tensor", &a, path)
}

fn arrow_type_name(t: &DataType, path: &str) -> Result<&'static str> {
    ARROW_TYPES
        .iter()
        .find(|(_, d)| d == t)
        .map(|(name, _)| *name)
        .ok_or_else(|| no_arrow_form(t, path))
}

fn no_arrow_form(t: &DataType, path: &str) -> LegacyError {
    LegacyError::canonical(
        path,
        format!("Arrow type {t} has no canonical form (the form covers {ARROW_TYPE_NAMES})"),
    )
}

fn arrow_values(a: &Array, path: &str) -> Result<Json> {
    // The typed views match the data type checked by the match arms.
    let problem = || no_arrow_form(a.data_type(), path);
    let each = |f: &dyn Fn(usize) -> Json| -> Vec<Json> {
        (0..a.len())
            .map(|i| if a.is_valid(i) { f(i) } else { Json::Null })
            .collect()
    };
    let values: Vec<Json> = match a.data_type() {
        DataType::Int64 => {
            let v = a.as_primitive::<i64>().ok_or_else(problem)?;
            each(&|i| Json::from(v.value(i)))
        }
        DataType::Int32 => {
            let v = a.as_primitive::<i32>().ok_or_else(problem)?;
            each(&|i| Json::from(v.value(i)))
        }
        DataType::Float64 => {
            let v = a.as_primitive::<f64>().ok_or_else(problem)?;
            each(&|i| float_node(v.value(i)))
        }
        DataType::Float32 => {
            // pyarrow's to_pylist gives Python floats: the values widened to double.
            let v = a.as_primitive::<f32>().ok_or_else(problem)?;
            each(&|i| float_node(f64::from(v.value(i))))
        }
        DataType::Boolean => {
            let v = a.as_boolean().ok_or_else(problem)?;
            each(&|i| Json::from(v.value(i)))
        }
        DataType::Utf8 => {
            let v = a.as_string::<i32>().ok_or_else(problem)?;
            each(&|i| Json::from(v.value(i)))
        }
        other => return Err(no_arrow_form(other, path)),
    };
    Ok(Json::Array(values))
}

fn batch_node(b: &RecordBatch, path: &mut String) -> Result<Json> {
    let mut columns = Vec::with_capacity(b.num_columns());
    for (i, (f, c)) in b.schema().fields().iter().zip(b.columns()).enumerate() {
        let col = at(path, &format!(".columns[{i}]"), |p| -> Result<Json> {
            let mut m = Map::new();
            m.insert("name".into(), Json::from(f.name()));
            m.insert(
                "arrow_type".into(),
                Json::from(arrow_type_name(c.data_type(), p)?),
            );
            m.insert("values".into(), arrow_values(c, p)?);
            Ok(Json::Object(m))
        })?;
        columns.push(col);
    }
    Ok(node(
        "arrow_record_batch",
        [("columns", Json::Array(columns))],
    ))
}
