//! The inputs of the legacy-serialization suites: the golden vectors written by pyarrow
//! 10 and the checker script that has real pyarrow 10 read blobs back.

use crate::{env_path, skip};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The environment variable naming the folder of legacy-serialization golden vectors
/// (`NAME.bin`, `NAME.expected.json`, `NAME.components.*`, `legacy_canon.py`).
pub const LEGACY_TESTDATA_VAR: &str = "QUIVER_LEGACY_TESTDATA";

/// Where the legacy vectors live when `QUIVER_LEGACY_TESTDATA` is not set: the shared
/// folder beside the workspace, `<workspace>/../shared/testdata/legacy`.
///
/// ```
/// let dir = quiver_testkit::default_legacy_testdata();
/// assert!(dir.ends_with("shared/testdata/legacy"));
/// ```
pub fn default_legacy_testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/legacy")
}

/// The legacy vectors: `QUIVER_LEGACY_TESTDATA` if set (and not empty), else
/// [`default_legacy_testdata`]; `None` unless that path is a directory.
///
/// ```
/// if let Some(dir) = quiver_testkit::legacy_testdata() {
///     assert!(dir.is_dir());
/// }
/// ```
pub fn legacy_testdata() -> Option<PathBuf> {
    let dir = env_path(LEGACY_TESTDATA_VAR).unwrap_or_else(default_legacy_testdata);
    dir.is_dir().then_some(dir)
}

/// [`legacy_testdata`], or a [`skip`] of `suite` naming the path that was looked for.
///
/// ```
/// // Under CI=true a missing folder panics here; elsewhere it is a logged skip.
/// if let Some(dir) = quiver_testkit::require_legacy_testdata("quiver-testkit doctest") {
///     assert!(dir.join("legacy_canon.py").is_file());
/// }
/// ```
pub fn require_legacy_testdata(suite: &str) -> Option<PathBuf> {
    let found = legacy_testdata();
    if found.is_none() {
        let looked = env_path(LEGACY_TESTDATA_VAR).unwrap_or_else(default_legacy_testdata);
        skip(
            suite,
            &format!(
                "legacy vectors not found at {} (set {LEGACY_TESTDATA_VAR})",
                looked.display()
            ),
        );
    }
    found
}

/// The checker script, `crates/quiver-testkit/python/legacy_check.py`. Run it with the
/// pyarrow 10 interpreter ([`crate::require_pyarrow10`]), most easily through
/// [`legacy_check_command`].
///
/// Given a folder of `NAME.bin` blobs, it decodes each with `pyarrow.deserialize` under
/// the test context of the vectors' `legacy_canon.make_context()`, and compares the
/// result with the `value` of the vectors' `NAME.expected.json` by
/// `legacy_canon.match` (floats by bits, sets without regard to order). With
/// `--components`, the folder holds `NAME.components.json` files (and the
/// `NAME.components.K.bin` files they name), rebuilt with
/// `pyarrow.deserialize_components`.
///
/// It prints `ok NAME` or `FAIL NAME: problems` per case, then
/// `checked N blobs, M failed` (`component sets` with `--components`). Exit status 0
/// when every case matched; 1 when one failed or none was found; 2 for a usage or setup
/// error (no `legacy_canon.py`, a Python without pyarrow 10).
///
/// ```
/// assert!(quiver_testkit::legacy_check_script().is_file());
/// ```
pub fn legacy_check_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("python/legacy_check.py")
}

/// The command that runs [`legacy_check_script`] with `python` against the vectors in
/// `testdata`; append the folder to check (`NAME.bin` files), or `--components` and a
/// folder of `NAME.components.json` files.
///
/// ```no_run
/// # let blobs = std::path::Path::new("blobs");
/// let Some(python) = quiver_testkit::require_pyarrow10("legacy re-encoding") else {
///     return;
/// };
/// let Some(testdata) = quiver_testkit::require_legacy_testdata("legacy re-encoding") else {
///     return;
/// };
/// // ... write NAME.bin files into `blobs` ...
/// let output = quiver_testkit::legacy_check_command(&python, &testdata)
///     .arg(blobs)
///     .output()
///     .unwrap();
/// let stdout = String::from_utf8_lossy(&output.stdout);
/// assert!(output.status.success(), "{stdout}");
/// assert!(stdout.ends_with("checked 34 blobs, 0 failed\n"), "{stdout}");
/// ```
pub fn legacy_check_command(python: &Path, testdata: &Path) -> Command {
    let mut cmd = Command::new(python);
    cmd.arg(legacy_check_script())
        .arg("--testdata")
        .arg(testdata);
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checker_command_names_script_and_testdata() {
        let cmd = legacy_check_command(Path::new("/venv/bin/python"), Path::new("/vectors"));
        assert_eq!(cmd.get_program(), "/venv/bin/python");
        let args: Vec<_> = cmd.get_args().collect();
        assert_eq!(
            args,
            [
                legacy_check_script().as_os_str(),
                "--testdata".as_ref(),
                "/vectors".as_ref()
            ]
        );
        assert!(legacy_check_script().is_file());
    }
}
