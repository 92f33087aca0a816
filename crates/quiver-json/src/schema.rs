//! The `schema` part of a JSON integration document: fields, types, dictionary
//! encodings and metadata.

use std::sync::Arc;

use quiver_array::{DataType, Field, IntervalUnit, Metadata, Schema, TimeUnit, UnionMode};
use serde_json::{Map, Value};

use super::JsonError;
use super::values::{int_as, show};

/// A schema field together with what the IPC layer needs beside it: the dictionary id
/// of a dictionary-encoded field and the parsed children (which, for a dictionary
/// field, are the children of its value type and may carry dictionary ids themselves).
#[derive(Debug, Clone)]
pub(super) struct FieldInfo {
    pub field: Field,
    pub path: String,
    pub dict_id: Option<i64>,
    pub children: Vec<FieldInfo>,
}

impl FieldInfo {
    /// The same field seen as a dictionary's values: the value type, no dictionary id.
    pub fn value_info(&self) -> FieldInfo {
        let value_type = match self.field.data_type() {
            DataType::Dictionary { value, .. } => value.as_ref().clone(),
            other => other.clone(),
        };
        FieldInfo {
            field: Field::new(self.field.name(), value_type, self.field.is_nullable())
                .with_metadata(self.field.metadata().clone()),
            path: self.path.clone(),
            dict_id: None,
            children: self.children.clone(),
        }
    }
}

fn invalid(path: &str, message: impl Into<String>) -> JsonError {
    JsonError::Invalid {
        context: if path.is_empty() {
            "schema".to_string()
        } else {
            format!("schema, field path {path}")
        },
        message: message.into(),
    }
}

fn object<'a>(v: &'a Value, path: &str, what: &str) -> Result<&'a Map<String, Value>, JsonError> {
    v.as_object()
        .ok_or_else(|| invalid(path, format!("{what} is not an object: {}", show(v))))
}

fn string<'a>(o: &'a Map<String, Value>, key: &str, path: &str) -> Result<&'a str, JsonError> {
    match o.get(key) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(invalid(
            path,
            format!("key {key}: expected a string, found {}", show(other)),
        )),
        None => Err(invalid(path, format!("key {key} is missing"))),
    }
}

fn boolean(
    o: &Map<String, Value>,
    key: &str,
    path: &str,
    default: Option<bool>,
) -> Result<bool, JsonError> {
    match (o.get(key), default) {
        (Some(Value::Bool(b)), _) => Ok(*b),
        (None | Some(Value::Null), Some(d)) => Ok(d),
        (Some(other), _) => Err(invalid(
            path,
            format!("key {key}: expected a boolean, found {}", show(other)),
        )),
        (None, None) => Err(invalid(path, format!("key {key} is missing"))),
    }
}

fn integer<T: TryFrom<i128>>(
    o: &Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<T, JsonError> {
    let v = o
        .get(key)
        .ok_or_else(|| invalid(path, format!("key {key} is missing")))?;
    int_as::<T>(v).ok_or_else(|| invalid(path, format!("key {key}: bad integer {}", show(v))))
}

/// Parses `[{"key": k, "value": v}, ...]`; missing, `null` and `[]` mean none.
pub(super) fn parse_metadata(v: Option<&Value>, path: &str) -> Result<Metadata, JsonError> {
    let items = match v {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(invalid(
                path,
                format!("metadata is not a list: {}", show(other)),
            ));
        }
    };
    items
        .iter()
        .map(|item| {
            let o = object(item, path, "metadata entry")?;
            Ok((
                string(o, "key", path)?.to_string(),
                string(o, "value", path)?.to_string(),
            ))
        })
        .collect()
}

/// Parses the schema object into a [`Schema`] and the per-field infos.
pub(super) fn parse_schema(v: &Value) -> Result<(Schema, Vec<FieldInfo>), JsonError> {
    let o = object(v, "", "schema")?;
    let fields = match o.get("fields") {
        Some(Value::Array(fs)) => fs,
        _ => return Err(invalid("", "key fields is missing or not a list")),
    };
    let infos = fields
        .iter()
        .map(|f| parse_field(f, ""))
        .collect::<Result<Vec<_>, _>>()?;
    let metadata = parse_metadata(o.get("metadata"), "")?;
    let schema =
        Schema::new(infos.iter().map(|i| i.field.clone()).collect()).with_metadata(metadata);
    Ok((schema, infos))
}

fn parse_field(v: &Value, parent: &str) -> Result<FieldInfo, JsonError> {
    let o = object(v, parent, "field")?;
    let name = string(o, "name", parent)?;
    let path = if parent.is_empty() {
        name.to_string()
    } else {
        format!("{parent}.{name}")
    };
    let nullable = boolean(o, "nullable", &path, None)?;
    let children = match o.get("children") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(cs)) => cs
            .iter()
            .map(|c| parse_field(c, &path))
            .collect::<Result<Vec<_>, _>>()?,
        Some(other) => {
            return Err(invalid(
                &path,
                format!("children is not a list: {}", show(other)),
            ));
        }
    };
    let child_fields: Vec<Field> = children.iter().map(|c| c.field.clone()).collect();
    let type_value = o
        .get("type")
        .ok_or_else(|| invalid(&path, "key type is missing"))?;
    let mut data_type = parse_type(type_value, child_fields, &path)?;
    let mut dict_id = None;
    match o.get("dictionary") {
        None | Some(Value::Null) => {}
        Some(d) => {
            let d = object(d, &path, "dictionary")?;
            dict_id = Some(integer::<i64>(d, "id", &path)?);
            let index = parse_type(
                d.get("indexType")
                    .ok_or_else(|| invalid(&path, "dictionary: key indexType is missing"))?,
                Vec::new(),
                &path,
            )?;
            if !index.is_integer() {
                return Err(invalid(
                    &path,
                    format!("dictionary index type {index} is not an integer type"),
                ));
            }
            let ordered = boolean(d, "isOrdered", &path, Some(false))?;
            data_type = DataType::Dictionary {
                index: Box::new(index),
                value: Box::new(data_type),
                ordered,
            };
        }
    }
    let metadata = parse_metadata(o.get("metadata"), &path)?;
    Ok(FieldInfo {
        field: Field::new(name, data_type, nullable).with_metadata(metadata),
        path,
        dict_id,
        children,
    })
}

fn time_unit(o: &Map<String, Value>, path: &str) -> Result<TimeUnit, JsonError> {
    Ok(match string(o, "unit", path)? {
        "SECOND" => TimeUnit::Second,
        "MILLISECOND" => TimeUnit::Millisecond,
        "MICROSECOND" => TimeUnit::Microsecond,
        "NANOSECOND" => TimeUnit::Nanosecond,
        other => return Err(invalid(path, format!("unknown time unit {other:?}"))),
    })
}

fn one_child(name: &str, mut children: Vec<Field>, path: &str) -> Result<Arc<Field>, JsonError> {
    if children.len() != 1 {
        return Err(invalid(
            path,
            format!(
                "type {name} needs exactly one child, found {}",
                children.len()
            ),
        ));
    }
    Ok(Arc::new(children.remove(0)))
}

fn no_children(name: &str, children: &[Field], path: &str) -> Result<(), JsonError> {
    if children.is_empty() {
        Ok(())
    } else {
        Err(invalid(
            path,
            format!("type {name} takes no children, found {}", children.len()),
        ))
    }
}

/// Maps a JSON Type object (plus the already-parsed children) to a [`DataType`].
fn parse_type(v: &Value, children: Vec<Field>, path: &str) -> Result<DataType, JsonError> {
    let o = object(v, path, "type")?;
    let name = string(o, "name", path)?;
    let t = match name {
        "list" => DataType::List(one_child(name, children, path)?),
        "largelist" => DataType::LargeList(one_child(name, children, path)?),
        "listview" => DataType::ListView(one_child(name, children, path)?),
        "largelistview" => DataType::LargeListView(one_child(name, children, path)?),
        "fixedsizelist" => {
            let size = integer::<i32>(o, "listSize", path)?;
            if size < 0 {
                return Err(invalid(path, format!("negative listSize {size}")));
            }
            DataType::FixedSizeList(one_child(name, children, path)?, size)
        }
        "map" => {
            let sorted = boolean(o, "keysSorted", path, Some(false))?;
            let entries = one_child(name, children, path)?;
            match entries.data_type() {
                DataType::Struct(kv) if kv.len() == 2 => {}
                other => {
                    return Err(invalid(
                        path,
                        format!("map entries must be a struct of two fields, found {other}"),
                    ));
                }
            }
            DataType::Map(entries, sorted)
        }
        "struct" => DataType::Struct(children),
        "union" => {
            let mode = match string(o, "mode", path)? {
                "SPARSE" | "Sparse" => UnionMode::Sparse,
                "DENSE" | "Dense" => UnionMode::Dense,
                other => return Err(invalid(path, format!("unknown union mode {other:?}"))),
            };
            let ids = match o.get("typeIds") {
                Some(Value::Array(ids)) => ids,
                _ => return Err(invalid(path, "union: key typeIds is missing or not a list")),
            };
            let type_ids = ids
                .iter()
                .map(|i| {
                    int_as::<i8>(i)
                        .filter(|&x| x >= 0)
                        .ok_or_else(|| invalid(path, format!("bad union type id {}", show(i))))
                })
                .collect::<Result<Vec<_>, _>>()?;
            if type_ids.len() != children.len() {
                return Err(invalid(
                    path,
                    format!(
                        "union has {} typeIds but {} children",
                        type_ids.len(),
                        children.len()
                    ),
                ));
            }
            DataType::Union {
                fields: children,
                type_ids,
                mode,
            }
        }
        "runendencoded" => {
            if children.len() != 2 {
                return Err(invalid(
                    path,
                    format!("runendencoded needs two children, found {}", children.len()),
                ));
            }
            let mut it = children.into_iter();
            let (r, v) = (it.next(), it.next());
            match (r, v) {
                (Some(r), Some(v)) => DataType::RunEndEncoded(Arc::new(r), Arc::new(v)),
                _ => return Err(invalid(path, "runendencoded needs two children")),
            }
        }
        leaf => {
            no_children(leaf, &children, path)?;
            parse_leaf_type(leaf, o, path)?
        }
    };
    Ok(t)
}

fn parse_leaf_type(name: &str, o: &Map<String, Value>, path: &str) -> Result<DataType, JsonError> {
    use DataType::*;
    Ok(match name {
        "null" => Null,
        "bool" => Boolean,
        "int" => {
            let signed = boolean(o, "isSigned", path, None)?;
            match (integer::<i64>(o, "bitWidth", path)?, signed) {
                (8, true) => Int8,
                (16, true) => Int16,
                (32, true) => Int32,
                (64, true) => Int64,
                (8, false) => UInt8,
                (16, false) => UInt16,
                (32, false) => UInt32,
                (64, false) => UInt64,
                (w, _) => return Err(invalid(path, format!("bad int bitWidth {w}"))),
            }
        }
        "floatingpoint" => match string(o, "precision", path)? {
            "HALF" => Float16,
            "SINGLE" => Float32,
            "DOUBLE" => Float64,
            other => return Err(invalid(path, format!("unknown float precision {other:?}"))),
        },
        "binary" => Binary,
        "largebinary" => LargeBinary,
        "utf8" => Utf8,
        "largeutf8" => LargeUtf8,
        "binaryview" => BinaryView,
        "utf8view" => Utf8View,
        "fixedsizebinary" => {
            let w = integer::<i32>(o, "byteWidth", path)?;
            if w < 0 {
                return Err(invalid(path, format!("negative byteWidth {w}")));
            }
            FixedSizeBinary(w)
        }
        "decimal" => {
            let precision = integer::<u8>(o, "precision", path)?;
            let scale = integer::<i8>(o, "scale", path)?;
            let width = match o.get("bitWidth") {
                None | Some(Value::Null) => 128,
                Some(_) => integer::<i64>(o, "bitWidth", path)?,
            };
            match width {
                32 => Decimal32(precision, scale),
                64 => Decimal64(precision, scale),
                128 => Decimal128(precision, scale),
                256 => Decimal256(precision, scale),
                w => return Err(invalid(path, format!("bad decimal bitWidth {w}"))),
            }
        }
        "date" => match string(o, "unit", path)? {
            "DAY" => Date32,
            "MILLISECOND" => Date64,
            other => return Err(invalid(path, format!("unknown date unit {other:?}"))),
        },
        "time" => {
            let unit = time_unit(o, path)?;
            let t = match unit {
                TimeUnit::Second | TimeUnit::Millisecond => Time32(unit),
                TimeUnit::Microsecond | TimeUnit::Nanosecond => Time64(unit),
            };
            if let Some(w) = o.get("bitWidth") {
                let expect = if matches!(t, Time32(_)) { 32 } else { 64 };
                if int_as::<i64>(w) != Some(expect) {
                    return Err(invalid(
                        path,
                        format!("time unit {unit:?} with bitWidth {}", show(w)),
                    ));
                }
            }
            t
        }
        "timestamp" => {
            let unit = time_unit(o, path)?;
            let tz = match o.get("timezone") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(Arc::from(s.as_str())),
                Some(other) => {
                    return Err(invalid(path, format!("bad timezone {}", show(other))));
                }
            };
            Timestamp(unit, tz)
        }
        "duration" => Duration(time_unit(o, path)?),
        "interval" => Interval(match string(o, "unit", path)? {
            "YEAR_MONTH" => IntervalUnit::YearMonth,
            "DAY_TIME" => IntervalUnit::DayTime,
            "MONTH_DAY_NANO" => IntervalUnit::MonthDayNano,
            other => return Err(invalid(path, format!("unknown interval unit {other:?}"))),
        }),
        other => return Err(invalid(path, format!("unknown type name {other:?}"))),
    })
}
