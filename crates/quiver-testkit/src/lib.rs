//! The external inputs of Quiver's test suite, and what happens when they are missing.
//!
//! Some suites need things the repository does not hold: the arrow-testing checkout
//! (golden files, crash corpora) and a Python with pyarrow. A suite that quietly passes
//! without them proves nothing, so every test goes through this crate:
//!
//! - [`arrow_testing`] and [`python`] find the inputs (`QUIVER_ARROW_TESTING`,
//!   `QUIVER_PYTHON`); [`require_arrow_testing`] and [`require_python`] also call
//!   [`skip`] when one is missing.
//! - [`pyarrow10_python`] and [`require_pyarrow10`] do the same for the second
//!   interpreter, pyarrow 10.0.1 on Python 3.11 (`QUIVER_PYARROW10_PYTHON`), the last
//!   pyarrow with the legacy `serialize`/`deserialize`; [`legacy_testdata`] and
//!   [`legacy_check_command`] find the legacy golden vectors and run the checker that
//!   has pyarrow 10 read blobs back (see [`legacy_check_script`]).
//! - [`skip`] is a **failure** when the environment variable `CI` is `true`: it panics.
//!   Elsewhere it prints a loud banner on stdout and stderr and appends `suite: reason`
//!   to the file named by `QUIVER_SKIP_LOG`, which `cargo xtask test` lists in its final
//!   summary.
//! - [`expect_cases`] fails a suite that ran fewer cases than it should, so losing cases
//!   (an emptied folder, a filter gone wrong) cannot look like success either.
//!
//! A test that needs the golden files looks like this:
//!
//! ```
//! use quiver_testkit::{expect_cases, require_arrow_testing};
//!
//! fn golden_files_have_json() {
//!     let Some(root) = require_arrow_testing("golden json") else {
//!         return; // skipped loudly, or already failed under CI=true
//!     };
//!     let dir = root.join("arrow-ipc-stream/integration/cpp-21.0.0");
//!     let mut ran = 0;
//!     for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
//!         if entry.file_name().to_string_lossy().ends_with(".json.gz") {
//!             ran += 1; // ... check the case ...
//!         }
//!     }
//!     expect_cases("golden json", ran, 32);
//! }
//! # let _ = golden_files_have_json;
//! ```

use std::io::Write as _;
use std::path::{Path, PathBuf};

mod legacy;
mod process;
pub use process::output_with_stdin;
#[cfg(unix)]
pub mod pty;

pub use legacy::{
    LEGACY_TESTDATA_VAR, default_legacy_testdata, legacy_check_command, legacy_check_script,
    legacy_testdata, require_legacy_testdata,
};

/// The golden cases (`producer/case`) whose values break their types' ranges: decimals
/// with more digits than their precision and date64 values that are not whole days,
/// written by the 0.14.1 and 1.0.0 generators. Arrow C++'s full validation refuses
/// them, and so does a default Quiver read; tests read them with
/// `IpcReadOptions::with_value_range_checks(false)` and check that the default refuses.
pub const GOLDEN_OUT_OF_RANGE: &[&str] = &[
    "0.14.1/generated_datetime",
    "0.14.1/generated_decimal",
    "1.0.0-bigendian/generated_datetime",
    "1.0.0-bigendian/generated_decimal",
    "1.0.0-bigendian/generated_decimal256",
    "1.0.0-littleendian/generated_datetime",
    "1.0.0-littleendian/generated_decimal",
    "1.0.0-littleendian/generated_decimal256",
];

/// Whether a golden file's path (or `producer/case` name) is one of
/// [`GOLDEN_OUT_OF_RANGE`].
///
/// ```
/// use std::path::Path;
/// use quiver_testkit::golden_out_of_range;
/// assert!(golden_out_of_range(Path::new("x/integration/0.14.1/generated_decimal.stream")));
/// assert!(!golden_out_of_range(Path::new("x/integration/cpp-21.0.0/generated_decimal.stream")));
/// ```
pub fn golden_out_of_range(path: &std::path::Path) -> bool {
    let case = path
        .file_name()
        .and_then(|n| n.to_str())
        .map(|n| n.split('.').next().unwrap_or(n));
    let producer = path
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str());
    match (producer, case) {
        (Some(producer), Some(case)) => GOLDEN_OUT_OF_RANGE
            .iter()
            .any(|listed| listed.split_once('/') == Some((producer, case))),
        _ => false,
    }
}

/// The environment variable naming the arrow-testing checkout.
pub const ARROW_TESTING_VAR: &str = "QUIVER_ARROW_TESTING";
/// The environment variable naming a Python interpreter that has pyarrow and numpy.
pub const PYTHON_VAR: &str = "QUIVER_PYTHON";
/// The environment variable naming a Python 3.11 interpreter that has pyarrow 10.0.1 and
/// numpy < 2: the last pyarrow with the legacy `serialize`/`deserialize`. `cargo xtask
/// test` sets it to `.cache/pyarrow10-venv/bin/python`.
pub const PYARROW10_PYTHON_VAR: &str = "QUIVER_PYARROW10_PYTHON";
/// The environment variable naming the file [`skip`] appends its `suite: reason` line to.
pub const SKIP_LOG_VAR: &str = "QUIVER_SKIP_LOG";

/// Whether the suite runs under continuous integration: the environment variable `CI`
/// is `true` (in any letter case), as CI services set it. There, a skip is a failure.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true"))
}

/// A non-empty environment variable, as a path.
fn env_path(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Where arrow-testing lives when `QUIVER_ARROW_TESTING` is not set: the shared checkout
/// beside the workspace, `<workspace>/../shared/testdata/arrow-testing`.
pub fn default_arrow_testing() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/arrow-testing")
}

/// The arrow-testing checkout: `QUIVER_ARROW_TESTING` if set (and not empty), else
/// [`default_arrow_testing`]; `None` unless that path is a directory.
///
/// ```
/// if let Some(root) = quiver_testkit::arrow_testing() {
///     assert!(root.is_dir());
/// }
/// ```
pub fn arrow_testing() -> Option<PathBuf> {
    let dir = env_path(ARROW_TESTING_VAR).unwrap_or_else(default_arrow_testing);
    dir.is_dir().then_some(dir)
}

/// The Python interpreter with pyarrow: `QUIVER_PYTHON`, if set and not empty.
///
/// It is returned as given, not probed: a set but broken interpreter makes the suite
/// fail when it runs it, which is what it should do; only an absent one is a skip.
///
/// ```
/// match quiver_testkit::python() {
///     Some(python) => assert!(!python.as_os_str().is_empty()),
///     None => assert!(std::env::var_os("QUIVER_PYTHON").is_none_or(|v| v.is_empty())),
/// }
/// ```
pub fn python() -> Option<PathBuf> {
    env_path(PYTHON_VAR)
}

/// The Python interpreter with pyarrow 10.0.1: `QUIVER_PYARROW10_PYTHON`, if set and not
/// empty.
///
/// Like [`python`], it is returned as given, not probed: a set but broken interpreter
/// makes the suite fail when it runs it; only an absent one is a skip.
///
/// ```
/// match quiver_testkit::pyarrow10_python() {
///     Some(python) => assert!(!python.as_os_str().is_empty()),
///     None => {
///         let var = std::env::var_os(quiver_testkit::PYARROW10_PYTHON_VAR);
///         assert!(var.is_none_or(|v| v.is_empty()));
///     }
/// }
/// ```
pub fn pyarrow10_python() -> Option<PathBuf> {
    env_path(PYARROW10_PYTHON_VAR)
}

/// [`arrow_testing`], or a [`skip`] of `suite` naming the path that was looked for.
///
/// ```
/// // Under CI=true a missing checkout panics here; elsewhere it is a logged skip.
/// if let Some(root) = quiver_testkit::require_arrow_testing("quiver-testkit doctest") {
///     assert!(root.is_dir());
/// }
/// ```
pub fn require_arrow_testing(suite: &str) -> Option<PathBuf> {
    let found = arrow_testing();
    if found.is_none() {
        let looked = env_path(ARROW_TESTING_VAR).unwrap_or_else(default_arrow_testing);
        skip(
            suite,
            &format!(
                "arrow-testing not found at {} (set {ARROW_TESTING_VAR})",
                looked.display()
            ),
        );
    }
    found
}

/// [`python`], or a [`skip`] of `suite` saying that `QUIVER_PYTHON` is not set.
///
/// ```
/// // Under CI=true a missing interpreter panics here; elsewhere it is a logged skip.
/// if let Some(python) = quiver_testkit::require_python("quiver-testkit doctest") {
///     assert!(!python.as_os_str().is_empty());
/// }
/// ```
pub fn require_python(suite: &str) -> Option<PathBuf> {
    let found = python();
    if found.is_none() {
        skip(
            suite,
            &format!("{PYTHON_VAR} not set (run through `cargo xtask test`)"),
        );
    }
    found
}

/// [`pyarrow10_python`], or a [`skip`] of `suite` saying that `QUIVER_PYARROW10_PYTHON`
/// is not set.
///
/// ```
/// // Under CI=true a missing interpreter panics here; elsewhere it is a logged skip.
/// if let Some(python) = quiver_testkit::require_pyarrow10("quiver-testkit doctest") {
///     assert!(!python.as_os_str().is_empty());
/// }
/// ```
pub fn require_pyarrow10(suite: &str) -> Option<PathBuf> {
    let found = pyarrow10_python();
    if found.is_none() {
        skip(
            suite,
            &format!(
                "{PYARROW10_PYTHON_VAR} not set (run through `cargo xtask test`, which \
                 creates .cache/pyarrow10-venv with pyarrow 10.0.1 on Python 3.11)"
            ),
        );
    }
    found
}

/// Records that `suite` cannot run, for the reason given, under the policy of the
/// environment ([`Policy::from_env`]): a panic when `CI` is `true`, otherwise a loud
/// banner and a line in the `QUIVER_SKIP_LOG` file. The caller returns afterwards.
pub fn skip(suite: &str, reason: &str) {
    Policy::from_env().skip(suite, reason);
}

/// Fails `suite` unless it ran at least `minimum` cases; prints the count either way.
///
/// The minimum is the number the suite runs today, so a case that silently stops
/// running is a failure, not a smaller number in a passing log.
///
/// ```
/// quiver_testkit::expect_cases("doc example", 12, 12);
/// ```
///
/// ```should_panic
/// // Panics: "doc example: 3 cases ran, at least 12 expected ..."
/// quiver_testkit::expect_cases("doc example", 3, 12);
/// ```
pub fn expect_cases(suite: &str, ran: usize, minimum: usize) {
    println!("{suite}: {ran} cases ran (minimum {minimum})");
    assert!(
        ran >= minimum,
        "{suite}: {ran} cases ran, at least {minimum} expected: inputs are missing or the \
         suite lost cases"
    );
}

/// What a skip does: fail (under CI) or print and log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// A skip panics (the suite fails) instead of passing.
    pub ci: bool,
    /// The file each skip appends its `suite: reason` line to, if any.
    pub skip_log: Option<PathBuf>,
}

impl Policy {
    /// The policy of this process: `ci` from [`in_ci`], `skip_log` from
    /// `QUIVER_SKIP_LOG` (if set and not empty).
    pub fn from_env() -> Self {
        Policy {
            ci: in_ci(),
            skip_log: env_path(SKIP_LOG_VAR),
        }
    }

    /// Skips `suite` for `reason` under this policy.
    ///
    /// Outside CI: a banner on stdout and stderr, and the line `suite: reason` (line
    /// breaks in `reason` become spaces) appended to `skip_log`.
    ///
    /// ```
    /// use quiver_testkit::Policy;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let log = dir.path().join("skips.log");
    /// let policy = Policy { ci: false, skip_log: Some(log.clone()) };
    /// policy.skip("example suite", "no interpreter");
    /// policy.skip("other example", "no data\nat all");
    /// assert_eq!(
    ///     std::fs::read_to_string(&log)?,
    ///     "example suite: no interpreter\nother example: no data at all\n"
    /// );
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Panics
    ///
    /// When `ci` is set: a suite that cannot run is a failure. Also when `skip_log` is
    /// set but cannot be appended to, since the skip would otherwise go unreported.
    ///
    /// ```should_panic
    /// // Panics: "SKIP is a failure under CI=true: example suite cannot run: no data"
    /// quiver_testkit::Policy { ci: true, skip_log: None }.skip("example suite", "no data");
    /// ```
    pub fn skip(&self, suite: &str, reason: &str) {
        let reason = reason.replace(['\r', '\n'], " ");
        assert!(
            !self.ci,
            "SKIP is a failure under CI=true: {suite} cannot run: {reason}"
        );
        let bar = "!".repeat(72);
        let banner = format!(
            "\n{bar}\nSKIP {suite}: {reason}\n(this suite did not run; under CI=true it \
             would fail)\n{bar}\n"
        );
        println!("{banner}");
        eprintln!("{banner}");
        if let Some(path) = &self.skip_log {
            let appended = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .and_then(|mut f| f.write_all(format!("{suite}: {reason}\n").as_bytes()));
            if let Err(e) = appended {
                panic!(
                    "{suite} skipped ({reason}), and recording it in {SKIP_LOG_VAR} {} \
                     failed: {e}",
                    path.display()
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::panic::{UnwindSafe, catch_unwind};

    /// The message `f` panics with.
    fn panic_text(f: impl FnOnce() + UnwindSafe) -> String {
        let payload = catch_unwind(f).expect_err("expected a panic");
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default()
    }

    #[test]
    fn a_skip_under_ci_is_a_failure_naming_suite_and_reason() {
        let policy = Policy {
            ci: true,
            skip_log: None,
        };
        assert_eq!(
            panic_text(|| policy.skip("example suite", "its input\nis missing")),
            "SKIP is a failure under CI=true: example suite cannot run: its input is missing"
        );
    }

    #[test]
    fn a_skip_outside_ci_appends_one_line_per_skip() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("skips.log");
        std::fs::write(&log, "earlier: kept\n").unwrap();
        let policy = Policy {
            ci: false,
            skip_log: Some(log.clone()),
        };
        policy.skip("example suite", "its input is missing");
        assert_eq!(
            std::fs::read_to_string(&log).unwrap(),
            "earlier: kept\nexample suite: its input is missing\n"
        );
    }

    #[test]
    fn a_skip_that_cannot_be_logged_fails() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("missing-dir/skips.log");
        let policy = Policy {
            ci: false,
            skip_log: Some(log.clone()),
        };
        let text = panic_text(|| policy.skip("example suite", "no data"));
        let expected = format!(
            "example suite skipped (no data), and recording it in QUIVER_SKIP_LOG {} failed: ",
            log.display()
        );
        assert!(text.starts_with(&expected), "{text}");
    }

    #[test]
    fn too_few_cases_fail_with_both_numbers() {
        // A made-up suite name: these lines land in the suite's log.
        assert_eq!(
            panic_text(|| expect_cases("testkit self-test", 86, 87)),
            "testkit self-test: 86 cases ran, at least 87 expected: inputs are missing or the \
             suite lost cases"
        );
        expect_cases("testkit self-test", 87, 87);
    }
}
