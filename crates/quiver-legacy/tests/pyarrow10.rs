//! Real pyarrow 10.0.1 reads what Quiver writes: every golden value is decoded,
//! re-encoded by Quiver, and the new blob is handed to pyarrow 10's `pa.deserialize`
//! (with the test context of `legacy_canon.make_context()`), whose result must match
//! the case's expected value.
//!
//! The pyarrow 10 interpreter comes from `cargo xtask test` (`.cache/pyarrow10-venv`,
//! `QUIVER_PYARROW10_PYTHON`); without it the test skips loudly, which under `CI=true`
//! is a failure. It asserts how many blobs pyarrow checked.

mod common;
use common::*;

use quiver_legacy::{deserialize, serialize};

#[test]
fn pyarrow_10_reads_every_value_quiver_re_encodes() {
    let suite = "quiver-legacy re-encoded for pyarrow 10";
    let Some(python) = quiver_testkit::require_pyarrow10(suite) else {
        return;
    };
    let Some(vectors) = testdata(suite) else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let names = case_names(&vectors);
    for name in &names {
        let value = deserialize(&blob(&vectors, name)).unwrap();
        let reencoded = serialize(&value).unwrap().to_buffer();
        std::fs::write(out.path().join(format!("{name}.bin")), reencoded.as_slice()).unwrap();
    }
    pyarrow10_checks(
        &python,
        &vectors,
        &[out.path().as_os_str()],
        "blobs",
        names.len(),
    );
    quiver_testkit::expect_cases(suite, names.len(), CASES);
}

/// Runs the pyarrow 10 checker with `args` and asserts that it checked `n` cases of
/// `kind` ("blobs", "component sets") and found none wrong.
fn pyarrow10_checks(
    python: &std::path::Path,
    vectors: &std::path::Path,
    args: &[&std::ffi::OsStr],
    kind: &str,
    n: usize,
) {
    let output = quiver_testkit::legacy_check_command(python, vectors)
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!("{stdout}");
    assert!(
        output.status.success(),
        "pyarrow 10 refused or misread what Quiver wrote:\n{stdout}\n{stderr}"
    );
    let last = format!("checked {n} {kind}, 0 failed");
    assert_eq!(stdout.lines().last(), Some(last.as_str()));
}

/// The same through `to_components()`: Quiver's component buffers, written out as the
/// testdata lays them out (`NAME.components.json` naming `NAME.components.K.bin`), are
/// rebuilt by pyarrow 10's `deserialize_components` into the expected value.
#[test]
fn pyarrow_10_rebuilds_every_value_from_quivers_components() {
    let suite = "quiver-legacy components for pyarrow 10";
    let Some(python) = quiver_testkit::require_pyarrow10(suite) else {
        return;
    };
    let Some(vectors) = testdata(suite) else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let names = case_names(&vectors);
    for name in &names {
        let value = deserialize(&blob(&vectors, name)).unwrap();
        let c = serialize(&value).unwrap().to_components();
        let mut files = Vec::new();
        for (k, buf) in c.data.iter().enumerate() {
            let file = format!("{name}.components.{k}.bin");
            std::fs::write(out.path().join(&file), buf.as_slice()).unwrap();
            files.push(file);
        }
        let s = c.num_sparse_tensors;
        let sparse = serde_json::json!({
            "coo": s.coo, "csr": s.csr, "csc": s.csc, "csf": s.csf, "ndim_csf": s.ndim_csf
        });
        let doc = serde_json::json!({
            "data": files,
            "num_tensors": c.num_tensors,
            "num_sparse_tensors": sparse,
            "ndim_csf": sparse,
            "num_ndarrays": c.num_ndarrays,
            "num_buffers": c.num_buffers,
        });
        std::fs::write(
            out.path().join(format!("{name}.components.json")),
            serde_json::to_string_pretty(&doc).unwrap(),
        )
        .unwrap();
    }
    let args = ["--components".as_ref(), out.path().as_os_str()];
    pyarrow10_checks(&python, &vectors, &args, "component sets", names.len());
    quiver_testkit::expect_cases(suite, names.len(), CASES);
}
