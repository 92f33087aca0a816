//! The golden vectors of `shared/testdata/legacy` and the canonical tagged JSON form of
//! its README (`legacy_canon.py`'s `to_canonical`), for the legacy tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use quiver_array::{Array, DataType, RecordBatch};
use quiver_buffer::Buffer;
use quiver_ipc::Tensor;
use quiver_legacy::{Components, DType, NdArray, SparseTensorCounts, Value};
use serde_json::{Value as Json, json};

/// Number of golden cases.
pub const CASES: usize = 34;

/// The golden folder: `$QUIVER_LEGACY_TESTDATA`, else `../shared/testdata/legacy`
/// beside the workspace; a loud skip (a failure under CI) if absent.
pub fn testdata(suite: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("QUIVER_LEGACY_TESTDATA")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/legacy")
        });
    if dir.is_dir() {
        Some(dir)
    } else {
        quiver_testkit::skip(
            suite,
            &format!(
                "legacy golden vectors not found at {} (set QUIVER_LEGACY_TESTDATA)",
                dir.display()
            ),
        );
        None
    }
}

/// The case names, sorted.
pub fn case_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let n = e.unwrap().file_name().into_string().unwrap();
            n.strip_suffix(".expected.json").map(str::to_string)
        })
        .collect();
    names.sort();
    names
}

pub fn blob(dir: &Path, name: &str) -> Buffer {
    Buffer::from_vec(std::fs::read(dir.join(format!("{name}.bin"))).unwrap())
}

pub fn expected(dir: &Path, name: &str) -> Json {
    let text = std::fs::read_to_string(dir.join(format!("{name}.expected.json"))).unwrap();
    let doc: Json = serde_json::from_str(&text).unwrap();
    doc["value"].clone()
}

pub fn components(dir: &Path, name: &str) -> Components {
    let text = std::fs::read_to_string(dir.join(format!("{name}.components.json"))).unwrap();
    let meta: Json = serde_json::from_str(&text).unwrap();
    let n = |v: &Json| v.as_u64().unwrap() as usize;
    let s = &meta["num_sparse_tensors"];
    Components {
        num_tensors: n(&meta["num_tensors"]),
        num_sparse_tensors: SparseTensorCounts {
            coo: n(&s["coo"]),
            csr: n(&s["csr"]),
            csc: n(&s["csc"]),
            csf: n(&s["csf"]),
            ndim_csf: n(&s["ndim_csf"]),
        },
        num_ndarrays: n(&meta["num_ndarrays"]),
        num_buffers: n(&meta["num_buffers"]),
        data: meta["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| Buffer::from_vec(std::fs::read(dir.join(f.as_str().unwrap())).unwrap()))
            .collect(),
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn f64_node(x: f64) -> Json {
    json!({"type": "float", "bits": format!("{:016x}", x.to_bits())})
}

fn items(v: &[Value]) -> Json {
    Json::Array(v.iter().map(to_canonical).collect())
}

fn pairs(v: &[(Value, Value)]) -> Json {
    Json::Array(
        v.iter()
            .map(|(k, x)| json!([to_canonical(k), to_canonical(x)]))
            .collect(),
    )
}

fn ndarray(tag: &str, a: &NdArray) -> Json {
    json!({"type": tag, "dtype": a.dtype().numpy_str(), "shape": a.shape(),
           "strides": a.strides(), "data_hex": hex(&a.to_bytes().unwrap())})
}

fn tensor(t: &Tensor) -> Json {
    let dtype = DType::from_tensor_type(t.data_type()).unwrap();
    let a = NdArray::try_new(
        dtype,
        t.data().clone(),
        t.shape().to_vec(),
        t.strides().to_vec(),
    )
    .unwrap();
    ndarray("arrow_tensor", &a)
}

fn arrow_type(t: &DataType) -> &'static str {
    match t {
        DataType::Int64 => "int64",
        DataType::Float64 => "double",
        DataType::Utf8 => "string",
        DataType::Boolean => "bool",
        DataType::Int32 => "int32",
        DataType::Float32 => "float",
        other => panic!("arrow type {other} is not in the canonical form"),
    }
}

fn arrow_values(a: &Array) -> Json {
    let vals = (0..a.len()).map(|i| {
        if !a.is_valid(i) {
            return Json::Null;
        }
        match a.data_type() {
            DataType::Int64 => json!(a.as_primitive::<i64>().unwrap().value(i)),
            DataType::Int32 => json!(a.as_primitive::<i32>().unwrap().value(i)),
            DataType::Float64 => f64_node(a.as_primitive::<f64>().unwrap().value(i)),
            DataType::Float32 => f64_node(f64::from(a.as_primitive::<f32>().unwrap().value(i))),
            DataType::Boolean => json!(a.as_boolean().unwrap().value(i)),
            DataType::Utf8 => json!(a.as_string::<i32>().unwrap().value(i)),
            other => panic!("arrow type {other} is not in the canonical form"),
        }
    });
    Json::Array(vals.collect())
}

fn batch(b: &RecordBatch) -> Json {
    let cols: Vec<Json> = b
        .schema()
        .fields()
        .iter()
        .zip(b.columns())
        .map(|(f, c)| {
            json!({"name": f.name(), "arrow_type": arrow_type(c.data_type()), "values": arrow_values(c)})
        })
        .collect();
    json!({"type": "arrow_record_batch", "columns": cols})
}

/// The canonical JSON of a decoded value (legacy_canon.py's `to_canonical`), without
/// the informative `value` of float nodes (their `bits` are authoritative).
pub fn to_canonical(v: &Value) -> Json {
    match v {
        Value::None => json!({"type": "none"}),
        Value::Bool(b) => json!({"type": "bool", "value": b}),
        Value::Int(i) => json!({"type": "int", "value": i.to_string()}),
        Value::BigInt(b) => json!({"type": "int", "value": b.as_str()}),
        Value::Float(x) => f64_node(*x),
        Value::Float32(x) => json!({"type": "float32", "bits": format!("{:08x}", x.to_bits())}),
        Value::Float16(x) => json!({"type": "float16", "bits": format!("{:04x}", x.to_bits())}),
        Value::Str(s) => json!({"type": "str", "value": s}),
        Value::Bytes(b) => json!({"type": "bytes", "hex": hex(b)}),
        Value::Datetime(us) => json!({"type": "datetime", "micros": us.to_string()}),
        Value::List(v) => json!({"type": "list", "items": items(v)}),
        Value::Tuple(v) => json!({"type": "tuple", "items": items(v)}),
        Value::Set(v) => json!({"type": "set", "items": items(v)}),
        Value::Dict(p) => json!({"type": "dict", "items": pairs(p)}),
        Value::NdArray(a) => ndarray("ndarray", a),
        Value::Tensor(t) => tensor(t),
        Value::Buffer(b) => json!({"type": "buffer", "hex": hex(b)}),
        Value::Array(a) => json!({"type": "arrow_array", "arrow_type": arrow_type(a.data_type()),
                                  "values": arrow_values(a)}),
        Value::RecordBatch(b) => batch(b),
        Value::Custom { type_id, payload } => {
            json!({"type": "custom", "type_id": type_id, "data": to_canonical(payload)})
        }
        Value::Object {
            type_id,
            attributes,
        } => {
            json!({"type": "custom_dict", "type_id": type_id, "items": pairs(attributes)})
        }
        Value::Pickled { type_id, bytes } => {
            json!({"type": "custom_pickle", "type_id": type_id, "pickle_hex": hex(bytes)})
        }
        other => panic!("no canonical form for {other:?}"),
    }
}

/// Normalizes canonical JSON for comparison: float nodes keep only their bits, set
/// items are sorted, and the strides of empty arrays are dropped (not significant).
pub fn normalize(j: &Json) -> Json {
    match j {
        Json::Object(m) => {
            let t = m.get("type").and_then(Json::as_str).unwrap_or("");
            let mut out = serde_json::Map::new();
            for (k, v) in m {
                let float = matches!(t, "float" | "float32" | "float16") && k == "value";
                let empty = matches!(t, "ndarray" | "arrow_tensor")
                    && k == "strides"
                    && m["shape"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|d| d.as_u64() == Some(0));
                if float || empty {
                    continue;
                }
                out.insert(k.clone(), normalize(v));
            }
            if t == "set" {
                let mut items: Vec<Json> = out["items"].as_array().unwrap().clone();
                items.sort_by_key(|x| x.to_string());
                out.insert("items".into(), Json::Array(items));
            }
            Json::Object(out)
        }
        Json::Array(a) => Json::Array(a.iter().map(normalize).collect()),
        Json::Number(n) => {
            // One spelling for integers whatever serde_json's number features.
            n.as_i64().map_or_else(|| j.clone(), |i| json!(i))
        }
        other => other.clone(),
    }
}
