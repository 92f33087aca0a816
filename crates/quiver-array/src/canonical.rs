//! The canonical extension types of the Arrow format (`CanonicalExtensions.rst`), known
//! to Quiver without registration: their storage type and serialized metadata are
//! checked on read, accepting and refusing what Arrow C++ (and so pyarrow) does.
//!
//! | name | storage | metadata |
//! |---|---|---|
//! | `arrow.fixed_shape_tensor` | `fixed_size_list<T>[n]` | JSON: `shape` (n = product), optional `dim_names`, `permutation` |
//! | `arrow.variable_shape_tensor` | `struct<list<T>, fixed_size_list<int32>[ndim]>`, `T` fixed-width | JSON object: optional `dim_names`, `permutation`, `uniform_shape` |
//! | `arrow.json` | `string`, `large_string` or `string_view` | not interpreted |
//! | `arrow.uuid` | `fixed_size_binary[16]` | empty |
//! | `arrow.opaque` | any | JSON: `type_name`, `vendor_name` (strings) |
//! | `arrow.bool8` | `int8` | empty |

use std::sync::Arc;

use crate::datatype::DataType;
use crate::extension::ExtensionType;
use crate::json_meta::{Json, parse};

/// Names of the canonical extension types Quiver knows.
pub const CANONICAL_EXTENSION_NAMES: [&str; 6] = [
    "arrow.fixed_shape_tensor",
    "arrow.variable_shape_tensor",
    "arrow.json",
    "arrow.uuid",
    "arrow.opaque",
    "arrow.bool8",
];

/// One canonical extension type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Canonical(&'static str);

impl ExtensionType for Canonical {
    fn name(&self) -> &str {
        self.0
    }

    fn validate(&self, storage: &DataType, metadata: &str) -> Result<(), String> {
        match self.0 {
            "arrow.fixed_shape_tensor" => fixed_shape_tensor(storage, metadata),
            "arrow.variable_shape_tensor" => variable_shape_tensor(storage, metadata),
            "arrow.json" => match storage {
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Ok(()),
                other => Err(format!(
                    "storage must be string, large_string or string_view, not {other}"
                )),
            },
            "arrow.uuid" => {
                empty_metadata(metadata)?;
                match storage {
                    DataType::FixedSizeBinary(16) => Ok(()),
                    other => Err(format!(
                        "storage must be fixed_size_binary[16], not {other}"
                    )),
                }
            }
            "arrow.opaque" => opaque(metadata),
            "arrow.bool8" => match storage {
                DataType::Int8 => empty_metadata(metadata),
                other => Err(format!("storage must be int8, not {other}")),
            },
            _ => Ok(()),
        }
    }
}

/// The canonical extension type called `name`, if it is one.
pub fn canonical_extension_type(name: &str) -> Option<Arc<dyn ExtensionType>> {
    CANONICAL_EXTENSION_NAMES
        .iter()
        .find(|n| **n == name)
        .map(|n| Arc::new(Canonical(n)) as Arc<dyn ExtensionType>)
}

fn empty_metadata(metadata: &str) -> Result<(), String> {
    if metadata.is_empty() {
        Ok(())
    } else {
        Err(format!("metadata must be empty, not {metadata:?}"))
    }
}

/// The metadata as a JSON object.
fn object(metadata: &str) -> Result<Json, String> {
    match parse(metadata) {
        Ok(v @ Json::Object(_)) => Ok(v),
        Ok(v) => Err(format!("metadata must be a JSON object, not {}", v.kind())),
        Err(e) => Err(format!("metadata is not valid JSON: {e}")),
    }
}

/// Member `key` as an array of elements accepted by `item`, or `None` if absent.
fn array_of<T>(
    doc: &Json,
    key: &str,
    what: &str,
    item: impl Fn(&Json) -> Option<T>,
) -> Result<Option<Vec<T>>, String> {
    match doc.get(key) {
        None => Ok(None),
        Some(Json::Array(xs)) => xs
            .iter()
            .map(|x| item(x).ok_or_else(|| format!("{key} must hold {what}, found a {}", x.kind())))
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(other) => Err(format!("{key} must be an array, not {}", other.kind())),
    }
}

fn int(x: &Json) -> Option<i64> {
    match x {
        Json::Int(v) => Some(*v),
        _ => None,
    }
}

fn string(x: &Json) -> Option<String> {
    match x {
        Json::Str(s) => Some(s.clone()),
        _ => None,
    }
}

/// `dim_names` and `permutation`, each absent or of `ndim` entries; a permutation holds
/// each of `0..ndim` once.
fn dims_and_permutation(doc: &Json, ndim: usize) -> Result<(), String> {
    if let Some(p) = array_of(doc, "permutation", "integers", int)? {
        if p.len() != ndim {
            return Err(format!(
                "permutation has {} entries for {ndim} dimensions",
                p.len()
            ));
        }
        let mut seen = vec![false; ndim];
        for &k in &p {
            match usize::try_from(k).ok().and_then(|k| seen.get_mut(k)) {
                Some(s) if !*s => *s = true,
                _ => {
                    return Err(format!(
                        "permutation {p:?} is not a permutation of 0..{ndim}"
                    ));
                }
            }
        }
    }
    if let Some(names) = array_of(doc, "dim_names", "strings", string)?
        && names.len() != ndim
    {
        return Err(format!(
            "dim_names has {} entries for {ndim} dimensions",
            names.len()
        ));
    }
    Ok(())
}

fn fixed_shape_tensor(storage: &DataType, metadata: &str) -> Result<(), String> {
    let DataType::FixedSizeList(_, size) = storage else {
        return Err(format!("storage must be a fixed_size_list, not {storage}"));
    };
    let doc = object(metadata)?;
    let shape = array_of(&doc, "shape", "integers", int)?
        .ok_or_else(|| "metadata has no shape".to_string())?;
    dims_and_permutation(&doc, shape.len())?;
    if let Some(d) = shape.iter().find(|d| **d < 0) {
        return Err(format!("shape has a negative dimension {d}"));
    }
    let product = shape
        .iter()
        .try_fold(1i64, |p, d| p.checked_mul(*d))
        .ok_or_else(|| format!("the product of shape {shape:?} overflows"))?;
    if product != i64::from(*size) {
        return Err(format!(
            "shape {shape:?} holds {product} values but the storage lists hold {size}"
        ));
    }
    Ok(())
}

/// Fixed-width value types, as Arrow C++ counts them for tensors.
fn is_fixed_width(t: &DataType) -> bool {
    matches!(t, DataType::Boolean | DataType::Dictionary { .. }) || t.primitive_width().is_some()
}

fn variable_shape_tensor(storage: &DataType, metadata: &str) -> Result<(), String> {
    let shape_of = |s: &DataType| match s {
        DataType::Struct(fs) => match fs.as_slice() {
            [data, shape] => Some((data.data_type().clone(), shape.data_type().clone())),
            _ => None,
        },
        _ => None,
    };
    let Some((data, shape)) = shape_of(storage) else {
        return Err(format!(
            "storage must be a struct of data and shape, not {storage}"
        ));
    };
    let DataType::List(item) = &data else {
        return Err(format!("the data field must be a list, not {data}"));
    };
    let ndim = match &shape {
        DataType::FixedSizeList(f, n) if f.data_type() == &DataType::Int32 => *n,
        other => {
            return Err(format!(
                "the shape field must be a fixed_size_list of int32, not {other}"
            ));
        }
    };
    let doc = object(metadata)?;
    let ndim = usize::try_from(ndim).map_err(|_| format!("negative ndim {ndim}"))?;
    dims_and_permutation(&doc, ndim)?;
    if let Some(u) = array_of(&doc, "uniform_shape", "integers or nulls", |x| match x {
        Json::Null => Some(None),
        Json::Int(v) => Some(Some(*v)),
        _ => None,
    })? {
        if u.len() != ndim {
            return Err(format!(
                "uniform_shape has {} entries for {ndim} dimensions",
                u.len()
            ));
        }
        if let Some(d) = u.iter().flatten().find(|d| **d < 0) {
            return Err(format!("uniform_shape has a negative dimension {d}"));
        }
    }
    if !is_fixed_width(item.data_type()) {
        return Err(format!(
            "tensor values must be of a fixed-width type, not {}",
            item.data_type()
        ));
    }
    Ok(())
}

fn opaque(metadata: &str) -> Result<(), String> {
    let doc = object(metadata)?;
    for key in ["type_name", "vendor_name"] {
        match doc.get(key) {
            Some(Json::Str(_)) => {}
            Some(other) => return Err(format!("{key} must be a string, not {}", other.kind())),
            None => return Err(format!("metadata has no {key}")),
        }
    }
    Ok(())
}
