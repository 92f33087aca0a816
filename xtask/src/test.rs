//! `cargo xtask test [--skip-python | --python-package-only] [-- CARGO_TEST_ARGS...]`:
//! the whole suite, step by step, with a summary at the end. Exits non-zero if any step
//! failed. `--python-package-only` runs just the "python package" step
//! ([`python_package`]).
//!
//! Under `CI=true` nothing may be skipped: a pyarrow venv (latest, or 10.0.1 for the
//! legacy checks) that cannot be set up and missing golden data are failed steps, `--skip-python` is refused, and the tests
//! themselves fail instead of skipping (`quiver-testkit`). Elsewhere a skip is loud: a
//! banner when it happens, and the summary lists every skipped step and every suite
//! that the tests reported through `QUIVER_SKIP_LOG`.

mod pyarrow10;
mod python_package;

use crate::{Failure, Result, capture, cargo, codegen, repo_root, run};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// How a step ended.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Passed,
    Skipped(String),
    Failed(String),
}

/// The command line of `cargo xtask test`.
#[derive(Debug, Default, PartialEq, Eq)]
struct Options {
    skip_python: bool,
    /// Run only the "python package" step.
    python_package_only: bool,
    /// Arguments for `cargo test` in place of `--workspace` (after `--`).
    cargo_test_args: Vec<String>,
}

/// Extra environment for the `cargo test` step; `None` removes the variable.
#[derive(Default)]
struct TestEnv {
    vars: Vec<(&'static str, Option<OsString>)>,
}

/// Whether `CI` (given as its value) asks for CI rules: `true` in any letter case, the
/// same rule as `quiver_testkit::in_ci`.
fn ci_from(value: Option<&str>) -> bool {
    value.is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

fn in_ci() -> bool {
    ci_from(std::env::var("CI").ok().as_deref())
}

fn parse_args(args: &[String], ci: bool) -> Result<Options> {
    let mut options = Options::default();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--skip-python" => options.skip_python = true,
            "--python-package-only" => options.python_package_only = true,
            "--" => options.cargo_test_args = rest.by_ref().cloned().collect(),
            other => {
                return Err(Failure::usage(format!(
                    "test takes only `--skip-python`, `--python-package-only` and \
                     `-- CARGO_TEST_ARGS...`, not `{other}`"
                )));
            }
        }
    }
    if ci && options.skip_python {
        return Err(Failure::usage(
            "`--skip-python` is refused under CI=true: the pyarrow suites must run in CI",
        ));
    }
    if options.skip_python && options.python_package_only {
        return Err(Failure::usage(
            "`--skip-python` and `--python-package-only` exclude each other",
        ));
    }
    Ok(options)
}

pub fn main(args: &[String]) -> Result<()> {
    let ci = in_ci();
    let options = parse_args(args, ci)?;
    if ci {
        eprintln!("CI=true: a step or suite that cannot run is a failure, not a skip");
    }
    let mut env = TestEnv::default();
    let mut results: Vec<(&str, Outcome, Duration)> = Vec::new();
    if options.python_package_only {
        step(&mut results, "python package", || python_package::step(ci));
        let (report, result) = summarize(&results, &[], ci);
        eprint!("{report}");
        return result;
    }

    step(&mut results, "cargo fmt --check", || {
        outcome(run(cargo().args(["fmt", "--all", "--", "--check"])))
    });
    step(&mut results, "cargo clippy", || {
        outcome(run(cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ])))
    });
    step(&mut results, "cargo doc", || {
        outcome(run(cargo()
            .args(["doc", "--workspace", "--no-deps", "--all-features"])
            .env("RUSTDOCFLAGS", "-D warnings")))
    });
    step(&mut results, "codegen freshness", || {
        outcome(codegen::check())
    });
    step(&mut results, "pyarrow venv", || {
        if options.skip_python {
            env.vars.push(("QUIVER_PYTHON", None));
            loud_skip(
                "pyarrow interop tests are SKIPPED (--skip-python given).",
                "",
                "Every test that needs pyarrow will skip and be listed in the summary.",
            );
            Outcome::Skipped("--skip-python given".into())
        } else {
            setup_python(&mut env, ci)
        }
    });
    step(&mut results, "pyarrow 10 venv", || {
        if options.skip_python {
            env.vars.push((pyarrow10::PYARROW10_PYTHON_VAR, None));
            Outcome::Skipped("--skip-python given".into())
        } else {
            pyarrow10::setup(&mut env, ci)
        }
    });
    step(&mut results, "golden data", || arrow_testing(&mut env, ci));
    let skip_log = skip_log_path();
    step(&mut results, "cargo test", || {
        if let Err(e) = fresh_file(&skip_log) {
            return Outcome::Failed(format!("cannot create {}: {e}", skip_log.display()));
        }
        let mut cmd = cargo();
        cmd.args(["test", "--all-features", "--no-fail-fast"]);
        if options.cargo_test_args.is_empty() {
            cmd.arg("--workspace");
        } else {
            cmd.args(&options.cargo_test_args);
        }
        cmd.args(["--", "--show-output"]);
        cmd.env("QUIVER_SKIP_LOG", &skip_log);
        for (key, value) in &env.vars {
            match value {
                Some(v) => cmd.env(key, v),
                None => cmd.env_remove(key),
            };
        }
        outcome(run(&mut cmd))
    });
    if options.cargo_test_args.is_empty() {
        step(&mut results, "examples", || outcome(run_examples()));
    }
    step(&mut results, "python package", || {
        if options.skip_python {
            Outcome::Skipped("--skip-python given".into())
        } else {
            python_package::step(ci)
        }
    });
    let skipped = read_skip_log(&skip_log);
    let (report, result) = summarize(&results, &skipped, ci);
    eprint!("{report}");
    result
}

/// Runs every program in `examples/` in release mode, the way the README tells a
/// newcomer to run the tour; any failure fails the step. With every feature of the
/// facade, like the tests, so examples that need one (`tcp_stream` needs `tokio`) run
/// too instead of being refused by cargo.
fn run_examples() -> Result<(), String> {
    let dir = repo_root().join("examples");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".rs").map(str::to_owned)
        })
        .collect();
    names.sort();
    if names.is_empty() {
        return Err(format!("no example found in {}", dir.display()));
    }
    for name in &names {
        run(cargo().args([
            "run",
            "--release",
            "-p",
            "quiver",
            "--all-features",
            "--example",
            name,
        ]))?;
    }
    eprintln!("examples: {} ran ({})", names.len(), names.join(", "));
    Ok(())
}

/// Runs one step between banners and records its outcome and duration.
fn step<'a>(
    results: &mut Vec<(&'a str, Outcome, Duration)>,
    name: &'a str,
    body: impl FnOnce() -> Outcome,
) {
    eprintln!("\n{}\n==> {name}\n{}", "=".repeat(72), "=".repeat(72));
    let start = Instant::now();
    let result = body();
    let elapsed = start.elapsed();
    match &result {
        Outcome::Passed => eprintln!("==> {name}: ok ({})", seconds(elapsed)),
        Outcome::Skipped(why) => eprintln!("==> {name}: SKIPPED: {why}"),
        Outcome::Failed(why) => eprintln!("==> {name}: FAILED: {why}"),
    }
    results.push((name, result, elapsed));
}

fn outcome(result: Result<(), String>) -> Outcome {
    match result {
        Ok(()) => Outcome::Passed,
        Err(e) => Outcome::Failed(e),
    }
}

/// The summary to print: the table of steps and the skipped suites; and an error if any
/// step failed, or (under CI, where skipping panics, so this is only a safety net) if
/// any suite skipped.
fn summarize(
    results: &[(&str, Outcome, Duration)],
    skipped_suites: &[String],
    ci: bool,
) -> (String, Result<()>) {
    let mut out = format!("\n{}\nsummary\n{}\n", "=".repeat(72), "=".repeat(72));
    let (mut failed, mut skipped_steps) = (0, 0);
    for (name, result, elapsed) in results {
        let status = match result {
            Outcome::Passed => "ok".to_string(),
            Outcome::Skipped(why) => {
                skipped_steps += 1;
                format!("SKIPPED ({why})")
            }
            Outcome::Failed(_) => {
                failed += 1;
                "FAILED".to_string()
            }
        };
        out += &format!("  {name:<22} {:>8}  {status}\n", seconds(*elapsed));
    }
    if !skipped_suites.is_empty() {
        out += &format!(
            "\n{} test suite(s) SKIPPED (they did not run; under CI=true each is a failure):\n",
            skipped_suites.len()
        );
        for suite in skipped_suites {
            out += &format!("  SKIPPED {suite}\n");
        }
    }
    if ci && !skipped_suites.is_empty() {
        failed += 1;
        out += "a suite skipped under CI=true\n";
    }
    if failed > 0 {
        return (out, Err(format!("{failed} step(s) failed").into()));
    }
    if skipped_steps + skipped_suites.len() == 0 {
        out += "all steps passed\n";
    } else {
        out += &format!(
            "all steps that ran passed, but {skipped_steps} step(s) and {} suite(s) were \
             SKIPPED (listed above)\n",
            skipped_suites.len()
        );
    }
    (out, Ok(()))
}

fn seconds(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

/// Where the tests record their skips: a fresh file under the target directory.
fn skip_log_path() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map_or_else(|| repo_root().join("target"), |t| repo_root().join(t));
    target.join("xtask/skipped-suites.log")
}

/// Creates `path` (and its folder) empty, replacing an earlier run's file.
fn fresh_file(path: &Path) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, "")
}

/// The `suite: reason` lines the tests appended; none if the file is absent.
fn read_skip_log(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

/// Makes sure `.cache/pyarrow-venv` has pyarrow and numpy. If that fails: a failed step
/// under CI, otherwise a loud skip (and the tests that need pyarrow skip too).
fn setup_python(env: &mut TestEnv, ci: bool) -> Outcome {
    let venv = repo_root().join(".cache/pyarrow-venv");
    let python = venv.join("bin/python");
    match install_pyarrow(&venv, &python) {
        Ok(version) => {
            eprintln!("pyarrow {version} at {}", python.display());
            env.vars
                .push(("QUIVER_PYTHON", Some(python.into_os_string())));
            Outcome::Passed
        }
        Err(reason) => {
            env.vars.push(("QUIVER_PYTHON", None));
            let outcome = python_unavailable(&reason, ci);
            if matches!(outcome, Outcome::Skipped(_)) {
                loud_skip(
                    "pyarrow interop tests are SKIPPED.",
                    &format!(
                        "Setting up .cache/pyarrow-venv with pyarrow and numpy failed:\n{reason}"
                    ),
                    "Fix the Python/pip setup (or the network) and rerun `cargo xtask test`.",
                );
            }
            outcome
        }
    }
}

/// Creates the venv and installs pyarrow and numpy as needed; the pyarrow version.
pub(crate) fn install_pyarrow(venv: &Path, python: &Path) -> Result<String, String> {
    if !python.is_file() {
        run(Command::new("python3").args(["-m", "venv"]).arg(venv))?;
    }
    if !has_pyarrow(python) {
        run(Command::new(python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--retries",
                "2",
                "--timeout",
                "30",
            ])
            .args(["pyarrow", "numpy"]))?;
        if !has_pyarrow(python) {
            return Err("pyarrow installed but `import pyarrow` still fails".into());
        }
    }
    let version =
        capture(Command::new(python).args(["-c", "import pyarrow; print(pyarrow.__version__)"]))?;
    Ok(version.trim().to_owned())
}

fn has_pyarrow(python: &Path) -> bool {
    Command::new(python)
        .args(["-c", "import pyarrow, numpy"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The outcome of a pyarrow venv that could not be set up for `reason`.
fn python_unavailable(reason: &str, ci: bool) -> Outcome {
    if ci {
        Outcome::Failed(format!(
            "pyarrow could not be set up, and CI=true forbids skipping its tests: {reason}"
        ))
    } else {
        Outcome::Skipped("pyarrow unavailable, its tests skipped".into())
    }
}

/// `QUIVER_ARROW_TESTING`: the caller's value, else the shared checkout. Missing: a
/// failed step under CI, otherwise a loud skip (the golden suites skip too).
fn arrow_testing(env: &mut TestEnv, ci: bool) -> Outcome {
    let dir = match std::env::var_os("QUIVER_ARROW_TESTING").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => repo_root().join("../shared/testdata/arrow-testing"),
    };
    let found = dir.is_dir();
    eprintln!("QUIVER_ARROW_TESTING={}", dir.display());
    env.vars
        .push(("QUIVER_ARROW_TESTING", Some(dir.clone().into_os_string())));
    let outcome = golden_outcome(&dir, found, ci);
    if let Outcome::Skipped(missing) = &outcome {
        loud_skip(
            "golden-file and corpus tests are SKIPPED.",
            missing,
            "Set QUIVER_ARROW_TESTING to an arrow-testing checkout and rerun.",
        );
    }
    outcome
}

fn golden_outcome(dir: &Path, found: bool, ci: bool) -> Outcome {
    let missing = format!("no arrow-testing data at {}", dir.display());
    match (found, ci) {
        (true, _) => Outcome::Passed,
        (false, true) => Outcome::Failed(format!(
            "{missing}, and CI=true forbids skipping the golden suites"
        )),
        (false, false) => Outcome::Skipped(missing),
    }
}

pub(crate) fn loud_skip(headline: &str, detail: &str, advice: &str) {
    let bar = "!".repeat(72);
    eprintln!("\n{bar}\nWARNING: {headline}");
    for line in detail.lines() {
        eprintln!("    {line}");
    }
    eprintln!("{advice}\nUnder CI=true this is a failure.\n{bar}\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn ci_means_true_in_any_case() {
        assert!(ci_from(Some("true")) && ci_from(Some("TRUE")));
        assert!(!ci_from(Some("false")) && !ci_from(Some("1")) && !ci_from(None));
    }

    #[test]
    fn skip_python_is_refused_under_ci() {
        let err = parse_args(&args(&["--skip-python"]), true).unwrap_err();
        assert_eq!(
            err.message,
            "`--skip-python` is refused under CI=true: the pyarrow suites must run in CI"
        );
        assert_eq!(err.code, 2);
        let options = parse_args(&args(&["--skip-python", "--", "-p", "quiver"]), false);
        assert_eq!(
            options.unwrap(),
            Options {
                skip_python: true,
                python_package_only: false,
                cargo_test_args: args(&["-p", "quiver"]),
            }
        );
        assert!(
            parse_args(&args(&["--python-package-only"]), true)
                .is_ok_and(|o| o.python_package_only)
        );
        let err =
            parse_args(&args(&["--skip-python", "--python-package-only"]), false).unwrap_err();
        assert_eq!(
            err.message,
            "`--skip-python` and `--python-package-only` exclude each other"
        );
    }

    #[test]
    fn missing_python_or_golden_data_fails_under_ci_and_skips_elsewhere() {
        assert_eq!(
            python_unavailable("pip: no index", true),
            Outcome::Failed(
                "pyarrow could not be set up, and CI=true forbids skipping its tests: pip: no \
                 index"
                    .into()
            )
        );
        assert_eq!(
            python_unavailable("pip: no index", false),
            Outcome::Skipped("pyarrow unavailable, its tests skipped".into())
        );
        assert_eq!(
            pyarrow10::unavailable("no Python 3.11 found", true),
            Outcome::Failed(
                "pyarrow 10.0.1 could not be set up, and CI=true forbids skipping the legacy \
                 checks: no Python 3.11 found"
                    .into()
            )
        );
        assert_eq!(
            pyarrow10::unavailable("no Python 3.11 found", false),
            Outcome::Skipped("pyarrow 10.0.1 unavailable, its tests skipped".into())
        );
        let dir = Path::new("/nonexistent");
        assert_eq!(
            golden_outcome(dir, false, true),
            Outcome::Failed(
                "no arrow-testing data at /nonexistent, and CI=true forbids skipping the \
                 golden suites"
                    .into()
            )
        );
        assert_eq!(
            golden_outcome(dir, false, false),
            Outcome::Skipped("no arrow-testing data at /nonexistent".into())
        );
        assert_eq!(golden_outcome(dir, true, true), Outcome::Passed);
    }

    const HEADER: &str = "\n========================================================================\n\
        summary\n========================================================================\n";

    #[test]
    fn a_failed_step_fails_the_run() {
        let zero = Duration::ZERO;
        let failed = [
            ("pyarrow venv", Outcome::Failed("pip".into()), zero),
            ("pyarrow 10 venv", Outcome::Failed("no 3.11".into()), zero),
            ("cargo test", Outcome::Passed, zero),
        ];
        let (report, result) = summarize(&failed, &[], false);
        assert_eq!(result.unwrap_err().message, "2 step(s) failed");
        assert_eq!(
            report,
            format!(
                "{HEADER}  pyarrow venv               0.0s  FAILED\n  \
                 pyarrow 10 venv            0.0s  FAILED\n  \
                 cargo test                 0.0s  ok\n"
            )
        );
    }

    #[test]
    fn skips_are_listed_and_fail_the_run_only_under_ci() {
        let zero = Duration::ZERO;
        let skipped = [
            ("pyarrow venv", Outcome::Skipped("pip".into()), zero),
            ("pyarrow 10 venv", Outcome::Skipped("no 3.11".into()), zero),
            ("cargo test", Outcome::Passed, zero),
        ];
        let suites = args(&[
            "pyarrow types: QUIVER_PYTHON not set",
            "legacy checker: QUIVER_PYARROW10_PYTHON not set",
        ]);
        let (report, result) = summarize(&skipped, &suites, false);
        assert!(result.is_ok());
        assert_eq!(
            report,
            format!(
                "{HEADER}  pyarrow venv               0.0s  SKIPPED (pip)\n  \
                 pyarrow 10 venv            0.0s  SKIPPED (no 3.11)\n  \
                 cargo test                 0.0s  ok\n\n\
                 2 test suite(s) SKIPPED (they did not run; under CI=true each is a failure):\n  \
                 SKIPPED pyarrow types: QUIVER_PYTHON not set\n  \
                 SKIPPED legacy checker: QUIVER_PYARROW10_PYTHON not set\n\
                 all steps that ran passed, but 2 step(s) and 2 suite(s) were SKIPPED (listed \
                 above)\n"
            )
        );
        let (report, result) = summarize(&skipped[2..], &suites, true);
        assert_eq!(result.unwrap_err().message, "1 step(s) failed");
        assert!(
            report.ends_with("a suite skipped under CI=true\n"),
            "{report}"
        );
    }

    #[test]
    fn the_skip_log_is_read_line_by_line() {
        let path = std::env::temp_dir().join(format!("xtask-skip-log-{}", std::process::id()));
        fresh_file(&path).unwrap();
        assert!(read_skip_log(&path).is_empty());
        std::fs::write(
            &path,
            "golden: no data\n\ncli pyarrow: QUIVER_PYTHON not set\n",
        )
        .unwrap();
        assert_eq!(
            read_skip_log(&path),
            args(&["golden: no data", "cli pyarrow: QUIVER_PYTHON not set"])
        );
        std::fs::remove_file(&path).unwrap();
    }
}
