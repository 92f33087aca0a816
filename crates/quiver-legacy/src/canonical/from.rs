//! [`from_canonical`]: canonical tagged JSON back to a [`Value`].

use quiver_array::{Array, Field, RecordBatch, Schema};
use quiver_buffer::{Buffer, f16};
use quiver_ipc::Tensor;
use serde_json::{Map, Value as Json};

use super::{ARROW_TYPE_NAMES, c_strides, f_strides};
use crate::error::{LegacyError, Result};
use crate::value::{BigInt, DType, NdArray, Value};

/// How deep nodes may nest: serde_json's own parsing limit (the legacy writer refuses
/// values nested more than about 30 levels anyway).
const MAX_DEPTH: usize = 128;

/// The node types, for messages.
const NODE_TYPES: &str = "none, bool, int, float, float32, float16, str, bytes, datetime, \
                          list, tuple, set, dict, ndarray, arrow_tensor, buffer, arrow_array, \
                          arrow_record_batch, custom, custom_pickle or custom_dict";

/// The [`Value`] a canonical tagged JSON node describes (`legacy_canon.py`'s
/// `from_canonical`): serializing it gives a blob that pyarrow 10 decodes to that
/// value.
///
/// Float nodes are read from their `bits` (their `value` is not needed). Fields that a
/// node's type does not use are ignored. An n-d array's `strides` must be its shape's
/// C-order or Fortran-order strides (any strides when it has no elements).
///
/// Errors ([`LegacyError::Canonical`]) name the node by its path from the root `$` and
/// say what is wrong with it.
///
/// ```
/// use quiver_legacy::Value;
/// use quiver_legacy::canonical::from_canonical;
///
/// let json = serde_json::json!({"type": "tuple", "items": [
///     {"type": "int", "value": "123456789012345678901234567890"},
///     {"type": "float", "bits": "3ff8000000000000"},
/// ]});
/// let value = from_canonical(&json).unwrap();
/// assert_eq!(value.type_name(), "tuple");
///
/// let bad = serde_json::json!({"type": "list", "items": [{"type": "float", "bits": "12"}]});
/// assert_eq!(
///     from_canonical(&bad).unwrap_err().to_string(),
///     "canonical JSON at $.items[0]: the \"float\" node needs \"bits\": 16 hex digits, got \"12\""
/// );
/// ```
pub fn from_canonical(json: &Json) -> Result<Value> {
    Reader {
        path: String::from("$"),
        depth: 0,
    }
    .value(json)
}

struct Reader {
    path: String,
    depth: usize,
}

/// The type of a JSON value, for messages.
fn json_kind(j: &Json) -> &'static str {
    match j {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// `j` for a message, shortened.
fn shown(j: &Json) -> String {
    let s = j.to_string();
    if s.chars().count() > 40 {
        let head: String = s.chars().take(37).collect();
        format!("{head}...")
    } else {
        s
    }
}

/// A Python float stored in a float32 column, as pyarrow converts it (to nearest).
#[allow(clippy::cast_possible_truncation)]
fn to_f32(x: f64) -> f32 {
    x as f32
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    let digit = |c: u8| {
        char::from(c)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    };
    s.as_bytes()
        .chunks_exact(2)
        .map(|p| match p {
            [h, l] => Some(digit(*h)? << 4 | digit(*l)?),
            _ => None,
        })
        .collect()
}

impl Reader {
    fn err(&self, detail: impl Into<String>) -> LegacyError {
        LegacyError::canonical(self.path.as_str(), detail)
    }

    /// Runs `f` one level down, at `path` + `suffix`.
    fn at<T>(&mut self, suffix: &str, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        let len = self.path.len();
        self.path.push_str(suffix);
        let out = f(self);
        self.path.truncate(len);
        out
    }

    fn value(&mut self, j: &Json) -> Result<Value> {
        if self.depth >= MAX_DEPTH {
            return Err(self.err(format!("the value nests deeper than {MAX_DEPTH} levels")));
        }
        self.depth += 1;
        let out = self.node(j);
        self.depth -= 1;
        out
    }

    fn node(&mut self, j: &Json) -> Result<Value> {
        let Some(m) = j.as_object() else {
            return Err(self.err(format!(
                "expected a node (an object with a \"type\"), got {}",
                json_kind(j)
            )));
        };
        let kind = match m.get("type") {
            Some(Json::String(t)) => t.as_str(),
            Some(other) => {
                return Err(self.err(format!(
                    "a node's \"type\" must be a string, got {}",
                    shown(other)
                )));
            }
            None => return Err(self.err("the node has no \"type\"")),
        };
        Ok(match kind {
            "none" => Value::None,
            "bool" => match m.get("value") {
                Some(Json::Bool(b)) => Value::Bool(*b),
                other => return Err(self.field_err(kind, "value", "true or false", other)),
            },
            "int" => {
                let s = self.string(m, kind, "value", "a decimal string")?;
                let n = BigInt::parse(s).ok_or_else(|| {
                    self.err(format!(
                        "the \"int\" node needs \"value\": a decimal string (like \"-12\"), \
                         got {s:?}"
                    ))
                })?;
                n.to_i64().map_or(Value::BigInt(n), Value::Int)
            }
            "float" => Value::Float(f64::from_bits(self.bits(m, kind, 16)?)),
            "float32" => {
                let bits = u32::try_from(self.bits(m, kind, 8)?).unwrap_or_default();
                Value::Float32(f32::from_bits(bits))
            }
            "float16" => {
                let bits = u16::try_from(self.bits(m, kind, 4)?).unwrap_or_default();
                Value::Float16(f16::from_bits(bits))
            }
            "str" => Value::Str(self.string(m, kind, "value", "a string")?.to_owned()),
            "bytes" => Value::Bytes(self.hex(m, kind, "hex")?),
            "buffer" => Value::Buffer(Buffer::from_vec(self.hex(m, kind, "hex")?)),
            "datetime" => {
                let s = self.string(m, kind, "micros", "a decimal string")?;
                let us = BigInt::parse(s).and_then(|n| n.to_i64()).ok_or_else(|| {
                    self.err(format!(
                        "the \"datetime\" node needs \"micros\": a decimal string within int64, \
                         got {s:?}"
                    ))
                })?;
                Value::Datetime(us)
            }
            "list" => Value::List(self.items(m, kind)?),
            "tuple" => Value::Tuple(self.items(m, kind)?),
            "set" => Value::Set(self.items(m, kind)?),
            "dict" => Value::Dict(self.pairs(m, kind)?),
            "ndarray" => Value::NdArray(self.ndarray(m, kind)?),
            "arrow_tensor" => {
                let a = self.ndarray(m, kind)?;
                if a.dtype() == DType::Bool {
                    return Err(self.err(
                        "the \"arrow_tensor\" node cannot have dtype \"|b1\" (Arrow tensors are \
                         numeric): use an \"ndarray\" node",
                    ));
                }
                Value::Tensor(
                    Tensor::try_new(
                        a.dtype().tensor_type(),
                        a.data().clone(),
                        a.shape().to_vec(),
                        a.strides().to_vec(),
                    )
                    .map_err(|e| self.err(e.to_string()))?,
                )
            }
            "arrow_array" => Value::Array(self.arrow_values(m, kind)?),
            "arrow_record_batch" => Value::RecordBatch(self.batch(m)?),
            "custom" => {
                let type_id = self.string(m, kind, "type_id", "a string")?.to_owned();
                let data = m
                    .get("data")
                    .ok_or_else(|| self.field_err(kind, "data", "a node", None))?;
                let payload = self.at(".data", |r| r.value(data))?;
                Value::Custom {
                    type_id,
                    payload: Box::new(payload),
                }
            }
            "custom_pickle" => Value::Pickled {
                type_id: self.string(m, kind, "type_id", "a string")?.to_owned(),
                bytes: self.hex(m, kind, "pickle_hex")?,
            },
            "custom_dict" => Value::Object {
                type_id: self.string(m, kind, "type_id", "a string")?.to_owned(),
                attributes: self.pairs(m, kind)?,
            },
            other => {
                return Err(self.err(format!(
                    "unknown node type {other:?} (expected one of {NODE_TYPES})"
                )));
            }
        })
    }

    fn field_err(&self, kind: &str, field: &str, want: &str, got: Option<&Json>) -> LegacyError {
        let got = got.map_or_else(|| "nothing".to_owned(), shown);
        let what = if kind == "column" {
            "a column".to_owned()
        } else {
            format!("the {kind:?} node")
        };
        self.err(format!("{what} needs {field:?}: {want}, got {got}"))
    }

    fn string<'j>(
        &self,
        m: &'j Map<String, Json>,
        kind: &str,
        field: &str,
        want: &str,
    ) -> Result<&'j str> {
        match m.get(field) {
            Some(Json::String(s)) => Ok(s),
            other => Err(self.field_err(kind, field, want, other)),
        }
    }

    fn array<'j>(
        &self,
        m: &'j Map<String, Json>,
        kind: &str,
        field: &str,
        want: &str,
    ) -> Result<&'j [Json]> {
        match m.get(field) {
            Some(Json::Array(a)) => Ok(a),
            other => Err(self.field_err(kind, field, want, other)),
        }
    }

    fn hex(&self, m: &Map<String, Json>, kind: &str, field: &str) -> Result<Vec<u8>> {
        let want = "a string of hex digit pairs";
        let s = self.string(m, kind, field, want)?;
        unhex(s).ok_or_else(|| self.field_err(kind, field, want, m.get(field)))
    }

    fn bits(&self, m: &Map<String, Json>, kind: &str, digits: usize) -> Result<u64> {
        let want = format!("{digits} hex digits");
        let s = self.string(m, kind, "bits", &want)?;
        if s.len() != digits || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(self.field_err(kind, "bits", &want, m.get("bits")));
        }
        u64::from_str_radix(s, 16).map_err(|_| self.field_err(kind, "bits", &want, m.get("bits")))
    }

    fn items(&mut self, m: &Map<String, Json>, kind: &str) -> Result<Vec<Value>> {
        let items = self.array(m, kind, "items", "an array of nodes")?;
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            out.push(self.at(&format!(".items[{i}]"), |r| r.value(item))?);
        }
        Ok(out)
    }

    fn pairs(&mut self, m: &Map<String, Json>, kind: &str) -> Result<Vec<(Value, Value)>> {
        let items = self.array(m, kind, "items", "an array of [key, value] pairs")?;
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let pair = self.at(&format!(".items[{i}]"), |r| {
                match item.as_array().map(Vec::as_slice) {
                    Some([k, v]) => {
                        let k = r.at("[0]", |r| r.value(k))?;
                        let v = r.at("[1]", |r| r.value(v))?;
                        Ok((k, v))
                    }
                    _ => Err(r.err(format!(
                        "each {kind:?} item must be a [key, value] pair, got {}",
                        shown(item)
                    ))),
                }
            })?;
            out.push(pair);
        }
        Ok(out)
    }

    fn ints(&self, m: &Map<String, Json>, kind: &str, field: &str) -> Result<Vec<i64>> {
        let want = "an array of non-negative integers";
        let a = self.array(m, kind, field, want)?;
        a.iter()
            .map(|x| x.as_i64().filter(|&n| n >= 0))
            .collect::<Option<Vec<i64>>>()
            .ok_or_else(|| self.field_err(kind, field, want, m.get(field)))
    }

    fn ndarray(&self, m: &Map<String, Json>, kind: &str) -> Result<NdArray> {
        let dtype_str = self.string(m, kind, "dtype", "a numpy dtype string")?;
        let dtype = DType::from_numpy_str(dtype_str).ok_or_else(|| {
            self.err(format!(
                "dtype {dtype_str:?} is not supported (expected one of |b1 |i1 |u1 <i2 <u2 \
                 <i4 <u4 <i8 <u8 <f2 <f4 <f8)"
            ))
        })?;
        let shape = self.ints(m, kind, "shape")?;
        let strides = self.ints(m, kind, "strides")?;
        let data = self.hex(m, kind, "data_hex")?;
        let item = dtype.item_size();
        let overflow = || self.err(format!("shape {shape:?} has too many elements"));
        let size = shape
            .iter()
            .try_fold(1u64, |acc, &n| acc.checked_mul(n.unsigned_abs()))
            .ok_or_else(overflow)?;
        let bytes = size.checked_mul(item as u64).ok_or_else(overflow)?;
        if bytes != data.len() as u64 {
            return Err(self.err(format!(
                "\"data_hex\" holds {} bytes but shape {shape:?} of dtype {dtype_str:?} needs \
                 {bytes}",
                data.len()
            )));
        }
        if strides.len() != shape.len() {
            return Err(self.err(format!(
                "\"strides\" has {} entries but \"shape\" has {}",
                strides.len(),
                shape.len()
            )));
        }
        let c = c_strides(&shape, item).ok_or_else(overflow)?;
        let f = f_strides(&shape, item).ok_or_else(overflow)?;
        let strides = if size == 0 || strides == c {
            c
        } else if strides == f {
            f
        } else {
            return Err(self.err(format!(
                "strides {strides:?} are neither the C-order strides {c:?} nor the \
                 Fortran-order strides {f:?} of shape {shape:?} and dtype {dtype_str:?}"
            )));
        };
        // Copied into pool memory, aligned for typed access.
        let data = Buffer::from_slice_ref(&data);
        NdArray::try_new(dtype, data, shape, strides).map_err(|e| self.err(e.to_string()))
    }

    /// The `arrow_type` and `values` of an `arrow_array` node or a batch column.
    fn arrow_values(&self, m: &Map<String, Json>, kind: &str) -> Result<Array> {
        let arrow_type = self.string(m, kind, "arrow_type", ARROW_TYPE_NAMES)?;
        let values = self.array(m, kind, "values", "an array")?;
        let bad = |i: usize, want: &str, got: &Json| {
            self.err(format!(
                "value {i} of the {arrow_type:?} column must be {want} or null, got {}",
                shown(got)
            ))
        };
        // Each value: null, or what `get` accepts.
        fn collect<T>(
            values: &[Json],
            get: impl Fn(&Json) -> Option<T>,
            bad: impl Fn(usize, &Json) -> LegacyError,
        ) -> Result<Vec<Option<T>>> {
            values
                .iter()
                .enumerate()
                .map(|(i, v)| match v {
                    Json::Null => Ok(None),
                    v => get(v).map(Some).ok_or_else(|| bad(i, v)),
                })
                .collect()
        }
        let float = |v: &Json| -> Option<f64> {
            match v {
                Json::Object(f) if f.get("type").and_then(Json::as_str) == Some("float") => {
                    let s = f.get("bits")?.as_str()?;
                    (s.len() == 16)
                        .then(|| u64::from_str_radix(s, 16).ok())
                        .flatten()
                        .map(f64::from_bits)
                }
                Json::Number(n) => n.as_f64(),
                _ => None,
            }
        };
        let float_want = "a \"float\" node";
        Ok(match arrow_type {
            "int64" => Array::from(collect(values, Json::as_i64, |i, v| bad(i, "an int64", v))?),
            "int32" => Array::from(collect(
                values,
                |v| v.as_i64().and_then(|n| i32::try_from(n).ok()),
                |i, v| bad(i, "an int32", v),
            )?),
            "double" => Array::from(collect(values, float, |i, v| bad(i, float_want, v))?),
            "float" => Array::from(collect(
                values,
                |v| float(v).map(to_f32),
                |i, v| bad(i, float_want, v),
            )?),
            "string" => Array::from(collect(
                values,
                |v| v.as_str().map(str::to_owned),
                |i, v| bad(i, "a string", v),
            )?),
            "bool" => Array::from(collect(values, Json::as_bool, |i, v| {
                bad(i, "true or false", v)
            })?),
            other => {
                return Err(self.err(format!(
                    "\"arrow_type\" {other:?} is not in the canonical form (expected \
                     {ARROW_TYPE_NAMES})"
                )));
            }
        })
    }

    fn batch(&mut self, m: &Map<String, Json>) -> Result<RecordBatch> {
        let kind = "arrow_record_batch";
        let columns = self.array(m, kind, "columns", "an array of columns")?;
        let mut fields = Vec::with_capacity(columns.len());
        let mut arrays = Vec::with_capacity(columns.len());
        for (i, col) in columns.iter().enumerate() {
            let (field, array) = self.at(&format!(".columns[{i}]"), |r| {
                let Some(c) = col.as_object() else {
                    return Err(r.err(format!(
                        "a column must be an object with \"name\", \"arrow_type\" and \
                         \"values\", got {}",
                        json_kind(col)
                    )));
                };
                let name = r.string(c, "column", "name", "a string")?;
                let array = r.arrow_values(c, "column")?;
                Ok((Field::new(name, array.data_type().clone(), true), array))
            })?;
            fields.push(field);
            arrays.push(array);
        }
        let rows = arrays.first().map_or(0, Array::len);
        RecordBatch::try_new_with_row_count(Schema::new(fields), arrays, rows)
            .map_err(|e| self.err(e.to_string()))
    }
}
