//! The Arrow JSON integration-test format for Quiver (the `generated_*.json` files that
//! accompany the cross-language IPC gold files). Applications usually reach it through
//! the `quiver` crate's `json` feature, as `quiver::json`.
//!
//! This crate enables `serde_json`'s `arbitrary_precision` feature, which it needs to
//! keep every digit of wide numbers and the exact spelling of floats. Keeping it here
//! means that depending on `quiver` alone leaves `serde_json` as it is for the rest of a
//! program.
//!
//! [`read_json_file`] turns a document into a [`Schema`],
//! [`RecordBatch`]es and the dictionaries, built as ordinary [`Array`]s and checked by
//! the array crate's full validation, so a decoded IPC file can be compared with it
//! using `RecordBatch::equals`.
//!
//! The format is described in `docs/arrow-json-integration-format.md`; where the
//! upstream prose and the gold files disagree, this reader follows the files (booleans
//! as `true`/`false`, 64-bit values as strings, `MONTH_DAY_NANO` nanoseconds as bare
//! numbers, decimal `bitWidth` defaulting to 128, …).
//!
//! [`write_json_file`] (and [`write_json_file_pretty`], [`write_json_value`]) does the
//! reverse: a schema and record batches as a document in the same encodings, with the
//! dictionaries taken from the dictionary-encoded columns and numbered as the IPC
//! writers number them (or as given).
//!
//! Every Arrow type is read and written; all arrays are built with full validation.
//!
//! ```
//! use quiver_json::read_json_file;
//! let doc = r#"{
//!   "schema": {"fields": [
//!     {"name": "a", "nullable": true, "type": {"name": "int", "isSigned": true, "bitWidth": 64}, "children": []}
//!   ]},
//!   "batches": [{"count": 2, "columns": [
//!     {"name": "a", "count": 2, "VALIDITY": [1, 0], "DATA": ["9007199254740993", "0"]}
//!   ]}]
//! }"#;
//! let file = read_json_file(doc).unwrap();
//! assert_eq!(file.schema.field(0).unwrap().to_string(), "a: int64");
//! let col = &file.batches[0].columns()[0];
//! assert_eq!(
//!     col.as_primitive::<i64>().unwrap().iter().collect::<Vec<_>>(),
//!     vec![Some(9007199254740993), None]
//! );
//! ```

mod array;
mod newer;
mod schema;
mod values;
mod writer;

use std::collections::BTreeMap;
use std::sync::Arc;

use quiver_array::{Array, ArrayError, DataType, RecordBatch, Schema};
use serde_json::Value;

/// Writing documents: the reverse of [`read_json_file`], following the same encodings
/// (see the `writer` functions' documentation).
pub use writer::{write_json_file, write_json_file_pretty, write_json_value};

use array::{ArrayReader, Ctx};
use schema::FieldInfo;
use values::{int_as, show};

/// Why a JSON integration document could not be read.
///
/// New variants may be added, so matches need a `_` arm.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JsonError {
    /// The text is not JSON.
    #[error("not valid JSON: {0}")]
    Syntax(#[from] serde_json::Error),
    /// The document does not follow the format.
    #[error("{context}: {message}")]
    Invalid {
        /// Where: `batch 2, column 'f1' (field path f1.a), key DATA`, `schema, field
        /// path a.b`, `dictionary 3 …`.
        context: String,
        /// What is wrong.
        message: String,
    },
    /// The parsed buffers do not form a valid array of the field's type.
    #[error("{context}: {source}")]
    Array {
        /// Where the column is.
        context: String,
        /// The array crate's complaint.
        #[source]
        source: ArrayError,
    },
    /// A column the array layer cannot build (it answers `Unsupported`); no Arrow type
    /// reaches this today, it remains for types added to the format later.
    #[error("{context}: reading {data_type} columns is not supported yet")]
    Unsupported {
        /// Where the column is.
        context: String,
        /// The unsupported type.
        data_type: DataType,
    },
}

/// A parsed JSON integration document.
#[derive(Debug, Clone)]
pub struct JsonFile {
    /// The schema; dictionary-encoded fields have [`DataType::Dictionary`] types.
    pub schema: Schema,
    /// The record batches, in order (possibly none).
    pub batches: Vec<RecordBatch>,
    /// Every dictionary by id (each id's one final dictionary).
    pub dictionaries: BTreeMap<i64, Array>,
    /// The dictionary id of every dictionary-encoded field, by field path (names joined
    /// with `.`, children of dictionary value types included), in schema order.
    pub dictionary_ids: Vec<(String, i64)>,
}

fn doc_invalid(context: &str, message: impl Into<String>) -> JsonError {
    JsonError::Invalid {
        context: context.to_string(),
        message: message.into(),
    }
}

/// Collects (path, id) pairs and one value-type info per dictionary id.
fn collect_dictionaries(
    infos: &[FieldInfo],
    ids: &mut Vec<(String, i64)>,
    values: &mut BTreeMap<i64, FieldInfo>,
) -> Result<(), JsonError> {
    for info in infos {
        if let Some(id) = info.dict_id {
            ids.push((info.path.clone(), id));
            let v = info.value_info();
            match values.get(&id) {
                Some(prev) if prev.field.data_type() != v.field.data_type() => {
                    return Err(doc_invalid(
                        &format!("schema, field path {}", info.path),
                        format!(
                            "dictionary {id} has values of type {} here but {} at {}",
                            v.field.data_type(),
                            prev.field.data_type(),
                            prev.path
                        ),
                    ));
                }
                Some(_) => {}
                None => {
                    values.insert(id, v);
                }
            }
        }
        collect_dictionaries(&info.children, ids, values)?;
    }
    Ok(())
}

/// Parses a JSON integration document (already decompressed).
///
/// Errors name the place in the document: `batch 2, column 'f1' (field path f1.a), key
/// DATA: slot 3: expected an int64, found "x"`. Malformed input never panics.
pub fn read_json_file(text: &str) -> Result<JsonFile, JsonError> {
    let doc: Value = serde_json::from_str(text)?;
    let root = doc
        .as_object()
        .ok_or_else(|| doc_invalid("document", "not a JSON object"))?;
    let (schema, infos) = schema::parse_schema(
        root.get("schema")
            .ok_or_else(|| doc_invalid("document", "key schema is missing"))?,
    )?;

    let mut dictionary_ids = Vec::new();
    let mut dict_info = BTreeMap::new();
    collect_dictionaries(&infos, &mut dictionary_ids, &mut dict_info)?;

    let mut dict_json = BTreeMap::new();
    match root.get("dictionaries") {
        None | Some(Value::Null) => {}
        Some(Value::Array(ds)) => {
            for (i, d) in ds.iter().enumerate() {
                let ctx = format!("dictionaries[{i}]");
                let id = d
                    .get("id")
                    .and_then(int_as::<i64>)
                    .ok_or_else(|| doc_invalid(&ctx, "key id is missing or not an integer"))?;
                if dict_json.insert(id, d).is_some() {
                    return Err(doc_invalid(
                        &ctx,
                        format!("dictionary id {id} appears twice"),
                    ));
                }
                if !dict_info.contains_key(&id) {
                    return Err(doc_invalid(
                        &ctx,
                        format!("no field uses dictionary id {id}"),
                    ));
                }
            }
        }
        Some(other) => {
            return Err(doc_invalid(
                "document",
                format!("dictionaries is not a list: {}", show(other)),
            ));
        }
    }

    let mut reader = ArrayReader::new(dict_json, dict_info);
    let ids: Vec<i64> = reader.dict_json.keys().copied().collect();
    for id in ids {
        let ctx = Ctx {
            prefix: format!("dictionary {id}"),
            path: String::new(),
        };
        reader.dictionary(id, &ctx)?;
    }

    let schema_ref = Arc::new(schema.clone());
    let mut batches = Vec::new();
    let batch_values = match root.get("batches") {
        Some(Value::Array(bs)) => bs,
        _ => {
            return Err(doc_invalid(
                "document",
                "key batches is missing or not a list",
            ));
        }
    };
    for (b, bv) in batch_values.iter().enumerate() {
        let bctx = format!("batch {b}");
        let count = bv.get("count").and_then(int_as::<usize>).ok_or_else(|| {
            doc_invalid(&bctx, "key count is missing or not a non-negative integer")
        })?;
        let cols = match bv.get("columns") {
            Some(Value::Array(c)) => c,
            _ => return Err(doc_invalid(&bctx, "key columns is missing or not a list")),
        };
        if cols.len() != infos.len() {
            return Err(doc_invalid(
                &bctx,
                format!(
                    "{} columns but the schema has {} fields",
                    cols.len(),
                    infos.len()
                ),
            ));
        }
        let mut columns = Vec::with_capacity(cols.len());
        for (info, cv) in infos.iter().zip(cols) {
            let ctx = Ctx {
                prefix: format!("batch {b}, column '{}'", info.field.name()),
                path: info.path.clone(),
            };
            columns.push(reader.read(info, cv, &ctx)?);
        }
        let batch = RecordBatch::try_new_with_row_count(schema_ref.clone(), columns, count)
            .map_err(|source| JsonError::Array {
                context: bctx,
                source,
            })?;
        batches.push(batch);
    }

    Ok(JsonFile {
        schema,
        batches,
        dictionaries: reader.built,
        dictionary_ids,
    })
}

#[cfg(test)]
mod tests;
