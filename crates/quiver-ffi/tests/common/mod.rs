//! Helpers shared by the C data interface tests: the golden files and memory checks.

#![allow(dead_code)]

pub mod hand;

use std::io::Read;
use std::path::PathBuf;

use quiver_array::{Array, RecordBatch, Schema};

/// Gold cases every golden suite must cover today.
pub const MIN_CASES: usize = 91;

/// Every golden JSON file parsed: (path, schema, batches), or `None` after the skip of
/// `suite` was recorded (a failure under `CI=true`).
pub fn golden(suite: &str) -> Option<Vec<(PathBuf, Schema, Vec<RecordBatch>)>> {
    let root = quiver_testkit::require_arrow_testing(suite)?.join("arrow-ipc-stream/integration");
    let Ok(producers) = std::fs::read_dir(&root) else {
        quiver_testkit::skip(suite, &format!("{} not found", root.display()));
        return None;
    };
    let mut paths = Vec::new();
    for producer in producers.flatten() {
        for file in std::fs::read_dir(producer.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let path = file.path();
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            if name.is_some_and(|n| n.starts_with("generated_") && n.ends_with(".json.gz")) {
                paths.push(path);
            }
        }
    }
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        let mut text = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap())
            .read_to_string(&mut text)
            .unwrap();
        let file = quiver_json::read_json_file(&text)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        out.push((path, file.schema, file.batches));
    }
    Some(out)
}

/// Asserts that every non-empty buffer of `got` (children and dictionary included)
/// starts at the same address as `want`'s: the import shares the export's memory.
pub fn assert_same_memory(want: &Array, got: &Array, at: &str) {
    assert_eq!(
        want.buffers().len(),
        got.buffers().len(),
        "{at}: buffer count"
    );
    for (i, (w, g)) in want.buffers().iter().zip(got.buffers().iter()).enumerate() {
        if !w.is_empty() && !g.is_empty() {
            assert_eq!(w.as_ptr(), g.as_ptr(), "{at}: buffer {i} was copied");
        }
    }
    if let (Some(w), Some(g)) = (want.nulls_buffer(), got.nulls_buffer()) {
        assert_eq!(w.as_ptr(), g.as_ptr(), "{at}: validity was copied");
    }
    for (i, (w, g)) in want.children().iter().zip(got.children()).enumerate() {
        assert_same_memory(w, g, &format!("{at}.child {i}"));
    }
    if let (Some(w), Some(g)) = (want.dictionary(), got.dictionary()) {
        assert_same_memory(w, g, &format!("{at}.dictionary"));
    }
}
