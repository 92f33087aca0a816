//! Helpers shared by the golden-file tests (`golden.rs`, `golden_messages.rs`): finding
//! the cases, comparing what was read with the JSON expectation, and naming the first
//! difference.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use quiver::ipc::IpcReadOptions;
use quiver::{Array, DataType, Field, RecordBatch, Schema};
use quiver_json::JsonFile;

/// The producer folders, sorted, or `None` after `quiver_testkit` recorded the skip of
/// `suite` (a failure under `CI=true`).
pub fn producer_dirs(suite: &str) -> Option<Vec<PathBuf>> {
    let dir = quiver_testkit::require_arrow_testing(suite)?.join("arrow-ipc-stream/integration");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        quiver_testkit::skip(suite, &format!("{} not found", dir.display()));
        return None;
    };
    let mut dirs: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    Some(dirs)
}

/// The case names (`generated_primitive`, …) of one producer folder, sorted.
pub fn cases(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|es| {
            es.flatten()
                .filter_map(|e| {
                    let n = e.file_name().to_string_lossy().into_owned();
                    let stem = n.strip_suffix(".json.gz")?;
                    stem.starts_with("generated_").then(|| stem.to_string())
                })
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

pub fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

pub fn describe_schema_diff(expected: &Schema, got: &Schema) -> String {
    let mut out = String::from("schema differs");
    if expected.len() != got.len() {
        out += &format!(": {} fields expected, {} read", expected.len(), got.len());
    }
    for (i, (e, g)) in expected.fields().iter().zip(got.fields()).enumerate() {
        if e != g {
            out += &format!(
                "; field {i}: expected {e} (metadata {:?}), read {g} (metadata {:?})",
                e.metadata(),
                g.metadata()
            );
            if e.to_string() == g.to_string() {
                out += &format!("\n      expected {e:?}\n      read     {g:?}");
            }
        }
    }
    if expected.metadata() != got.metadata() {
        out += &format!(
            "; schema metadata: expected {:?}, read {:?}",
            expected.metadata(),
            got.metadata()
        );
    }
    out
}

pub fn describe_batch_diff(expected: &RecordBatch, got: &RecordBatch) -> String {
    if expected.num_rows() != got.num_rows() {
        return format!(
            "{} rows expected, {} read",
            expected.num_rows(),
            got.num_rows()
        );
    }
    if expected.schema() != got.schema() {
        return format!(
            "batch {}",
            describe_schema_diff(expected.schema(), got.schema())
        );
    }
    for (i, (e, g)) in expected.columns().iter().zip(got.columns()).enumerate() {
        if !e.equals(g) {
            let name = expected.schema().field(i).map_or("", |f| f.name());
            return format!(
                "column {i} '{name}' differs (null counts {} vs {}):\n      expected {e:?}\n      read     {g:?}{}",
                e.null_count(),
                g.null_count(),
                first_difference(e, g)
            );
        }
    }
    "batches differ (batch metadata?)".to_string()
}

/// The first differing slot of two same-typed arrays, descending into children.
pub fn first_difference(e: &Array, g: &Array) -> String {
    if e.data_type() != g.data_type() || e.len() != g.len() {
        return String::new();
    }
    for i in 0..e.len() {
        if !quiver_array::slot_equal(e, i, g, i) {
            return format!(
                "\n      first difference at slot {i}: expected {}, read {}",
                quiver_array::format_value(e, i),
                quiver_array::format_value(g, i)
            );
        }
    }
    String::new()
}

pub fn compare_batches(
    what: &str,
    expected: &[RecordBatch],
    got: &[RecordBatch],
) -> Option<String> {
    if expected.len() != got.len() {
        return Some(format!(
            "{what}: {} batches expected, {} read",
            expected.len(),
            got.len()
        ));
    }
    for (i, (e, g)) in expected.iter().zip(got).enumerate() {
        if !e.equals(g) {
            return Some(format!("{what}: batch {i}: {}", describe_batch_diff(e, g)));
        }
    }
    None
}

/// `dt` with every map's entries/key/value fields renamed to the canonical
/// `entries`/`key`/`value` (Arrow implementations treat those names as insignificant;
/// the gold `.stream` of `map_non_canonical` carries the canonical ones).
pub fn canonical_type(dt: &DataType) -> DataType {
    let field = |f: &Field, name: Option<&str>| {
        Field::new(
            name.unwrap_or(f.name()),
            canonical_type(f.data_type()),
            f.is_nullable(),
        )
        .with_metadata(f.metadata().clone())
    };
    match dt {
        DataType::Map(entries, sorted) => {
            let kv = match entries.data_type() {
                DataType::Struct(kv) if kv.len() == 2 => DataType::Struct(vec![
                    field(&kv[0], Some("key")),
                    field(&kv[1], Some("value")),
                ]),
                other => canonical_type(other),
            };
            let e = Field::new("entries", kv, entries.is_nullable())
                .with_metadata(entries.metadata().clone());
            DataType::Map(Arc::new(e), *sorted)
        }
        DataType::List(f) => DataType::List(Arc::new(field(f, None))),
        DataType::LargeList(f) => DataType::LargeList(Arc::new(field(f, None))),
        DataType::FixedSizeList(f, n) => DataType::FixedSizeList(Arc::new(field(f, None)), *n),
        DataType::Struct(fs) => DataType::Struct(fs.iter().map(|f| field(f, None)).collect()),
        DataType::Dictionary {
            index,
            value,
            ordered,
        } => DataType::Dictionary {
            index: index.clone(),
            value: Box::new(canonical_type(value)),
            ordered: *ordered,
        },
        other => other.clone(),
    }
}

pub fn canonical_schema(s: &Schema) -> Schema {
    Schema::new(
        s.fields()
            .iter()
            .map(|f| {
                Field::new(f.name(), canonical_type(f.data_type()), f.is_nullable())
                    .with_metadata(f.metadata().clone())
            })
            .collect(),
    )
    .with_metadata(s.metadata().clone())
}

pub fn canonical_array(a: &Array) -> Array {
    retype(a, &canonical_type(a.data_type()))
}

/// `a` relabelled with `dt`, an equal type up to field names.
pub fn retype(a: &Array, dt: &DataType) -> Array {
    let mut d = a.to_data();
    d.children = a
        .children()
        .iter()
        .zip(dt.children())
        .map(|(c, f)| retype(c, f.data_type()))
        .collect();
    if let DataType::Dictionary { value, .. } = dt {
        d.dictionary = a.dictionary().map(|v| retype(v, value));
    }
    d.data_type = dt.clone();
    d.build().expect("renaming fields keeps an array valid")
}

/// The JSON expectation with canonical map field names.
pub fn canonical_json(json: &JsonFile) -> JsonFile {
    let schema = canonical_schema(&json.schema);
    let schema_ref = Arc::new(schema.clone());
    let batches = json
        .batches
        .iter()
        .map(|b| {
            let cols = b.columns().iter().map(canonical_array).collect();
            RecordBatch::try_new_with_row_count(schema_ref.clone(), cols, b.num_rows())
                .expect("same shape")
        })
        .collect();
    JsonFile {
        schema,
        batches,
        dictionaries: json.dictionaries.clone(),
        dictionary_ids: json.dictionary_ids.clone(),
    }
}

/// The read options for a golden case: the default, except for the cases listed in
/// `GOLDEN_OUT_OF_RANGE`, whose values break their types' ranges.
pub fn options_for(dir: &Path, case: &str) -> IpcReadOptions {
    let out_of_range = quiver_testkit::golden_out_of_range(&dir.join(case));
    IpcReadOptions::default().with_value_range_checks(!out_of_range)
}
