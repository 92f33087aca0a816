//! The legacy checker (`python/legacy_check.py`) run with real pyarrow 10 on the golden
//! vectors that pyarrow 10 wrote itself: all of them must pass, and a wrong blob must
//! fail with a line naming its case. This proves the checker and the pyarrow 10 venv
//! that the legacy crate's re-encoding tests rely on.

use quiver_testkit::{
    expect_cases, legacy_check_command, require_legacy_testdata, require_pyarrow10,
};
use std::path::{Path, PathBuf};
use std::process::Output;

const SUITE: &str = "legacy checker";
/// The cases in the vectors' README.
const GOLDEN_CASES: usize = 34;

/// The pyarrow 10 interpreter and the vectors, or `None` after a (CI-fatal) skip.
fn inputs() -> Option<(PathBuf, PathBuf)> {
    let python = require_pyarrow10(SUITE)?;
    let testdata = require_legacy_testdata(SUITE)?;
    Some((python, testdata))
}

/// The case names of the golden blobs: `NAME.bin` without the components files.
fn golden_names(testdata: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(testdata)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.contains(".components."))
        .filter_map(|n| n.strip_suffix(".bin").map(str::to_owned))
        .collect();
    names.sort();
    names
}

fn check(python: &Path, testdata: &Path, args: &[&std::ffi::OsStr]) -> (Output, String) {
    let output = legacy_check_command(python, testdata)
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout.clone()).unwrap();
    println!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
    (output, stdout)
}

#[test]
fn pyarrow10_reads_every_golden_blob_as_its_expected_value() {
    let Some((python, testdata)) = inputs() else {
        return;
    };
    let names = golden_names(&testdata);
    let dir = tempfile::tempdir().unwrap();
    for name in &names {
        let file = format!("{name}.bin");
        std::fs::copy(testdata.join(&file), dir.path().join(&file)).unwrap();
    }
    let (output, stdout) = check(&python, &testdata, &[dir.path().as_os_str()]);
    assert!(output.status.success(), "{stdout}");
    let ok: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("ok "))
        .collect();
    assert_eq!(ok, names);
    assert!(
        stdout.ends_with(&format!("checked {GOLDEN_CASES} blobs, 0 failed\n")),
        "{stdout}"
    );
    expect_cases(SUITE, ok.len(), GOLDEN_CASES);
}

#[test]
fn pyarrow10_rebuilds_every_golden_component_set() {
    let Some((python, testdata)) = inputs() else {
        return;
    };
    let (output, stdout) = check(
        &python,
        &testdata,
        &["--components".as_ref(), testdata.as_os_str()],
    );
    assert!(output.status.success(), "{stdout}");
    let ok = stdout.lines().filter(|l| l.starts_with("ok ")).count();
    assert_eq!(ok, GOLDEN_CASES, "{stdout}");
    assert!(
        stdout.ends_with(&format!(
            "checked {GOLDEN_CASES} component sets, 0 failed\n"
        )),
        "{stdout}"
    );
}

#[test]
fn a_wrong_blob_fails_with_a_line_naming_its_case() {
    let Some((python, testdata)) = inputs() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // `none.bin` under the name `true`: the wrong value altogether.
    std::fs::copy(testdata.join("none.bin"), dir.path().join("true.bin")).unwrap();
    // The last element of a 3×4 int32 array changed from 11 to 12 in the body.
    let mut blob = std::fs::read(testdata.join("ndarray_2d_c.bin")).unwrap();
    let at = blob
        .windows(4)
        .rposition(|w| w == [11, 0, 0, 0])
        .expect("the value 11 in the array body");
    blob[at] = 12;
    std::fs::write(dir.path().join("ndarray_2d_c.bin"), blob).unwrap();
    // And one right blob, which still passes.
    std::fs::copy(testdata.join("nested.bin"), dir.path().join("nested.bin")).unwrap();

    let (output, stdout) = check(&python, &testdata, &[dir.path().as_os_str()]);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert_eq!(
        stdout,
        "FAIL ndarray_2d_c: $: data differs\n\
         ok nested\n\
         FAIL true: $: expected bool True, got None\n\
         checked 3 blobs, 2 failed\n"
    );
}

#[test]
fn a_folder_without_blobs_is_a_failure() {
    let Some((python, testdata)) = inputs() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (output, stdout) = check(&python, &testdata, &[dir.path().as_os_str()]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout, "checked 0 blobs, 0 failed\n");
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        format!(
            "legacy_check: no NAME.bin file in {}: nothing was checked\n",
            dir.path().display()
        )
    );
}

#[test]
fn a_testdata_folder_without_legacy_canon_is_a_setup_error() {
    let Some((python, _)) = inputs() else {
        return;
    };
    let empty = tempfile::tempdir().unwrap();
    let (output, stdout) = check(&python, empty.path(), &[empty.path().as_os_str()]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stdout, "");
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        format!(
            "legacy_check: no legacy_canon.py in the testdata folder {} (pass --testdata DIR \
             or set QUIVER_LEGACY_TESTDATA)\n",
            empty.path().display()
        )
    );
}
