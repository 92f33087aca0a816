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
    let output = quiver_testkit::legacy_check_command(&python, &vectors)
        .arg(out.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!("{stdout}");
    assert!(
        output.status.success(),
        "pyarrow 10 refused or misread Quiver's blobs:\n{stdout}\n{stderr}"
    );
    let last = format!("checked {} blobs, 0 failed", names.len());
    assert_eq!(stdout.lines().last(), Some(last.as_str()));
    quiver_testkit::expect_cases(suite, names.len(), CASES);
}
