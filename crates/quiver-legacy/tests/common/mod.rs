//! The golden vectors of `shared/testdata/legacy`, read for the legacy tests, and the
//! comparison of canonical tagged JSON (`quiver_legacy::canonical`) they use.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use quiver_buffer::Buffer;
use quiver_legacy::{Components, SparseTensorCounts};
use serde_json::{Value as Json, json};

/// Number of golden cases.
pub const CASES: usize = 34;

/// The golden folder: `$QUIVER_LEGACY_TESTDATA`, else `../shared/testdata/legacy`
/// beside the workspace; a loud skip (a failure under CI) if absent.
pub fn testdata(suite: &str) -> Option<PathBuf> {
    quiver_testkit::require_legacy_testdata(suite)
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

/// Normalizes canonical JSON for comparison: set items are sorted, and the strides of
/// empty arrays are dropped (not significant). Float nodes keep their informative
/// `value` (Python's repr), so it is compared too.
pub fn normalize(j: &Json) -> Json {
    match j {
        Json::Object(m) => {
            let t = m.get("type").and_then(Json::as_str).unwrap_or("");
            let mut out = serde_json::Map::new();
            for (k, v) in m {
                let empty = matches!(t, "ndarray" | "arrow_tensor")
                    && k == "strides"
                    && m["shape"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|d| d.as_u64() == Some(0));
                if empty {
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
