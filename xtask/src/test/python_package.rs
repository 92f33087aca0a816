//! The "python package" step of `cargo xtask test`: builds the `quiver` Python package
//! (`crates/quiver-python`) into `.cache/python-package-venv` and runs its pytest
//! suite.
//!
//! The venv is made from the newest CPython found: `QUIVER_PACKAGE_PYTHON` if set,
//! else `python3.13` then `python3.12` on `PATH`, else pyenv's
//! `$PYENV_ROOT/versions/3.13*` then `3.12*` (`PYENV_ROOT` defaulting to `~/.pyenv`).
//! It gets maturin, pytest, pyarrow, numpy >= 2 and polars from pip; the package is
//! built with maturin in cargo's `dev` profile, in the workspace's target directory,
//! so it reuses the debug build of the other crates. The suite must pass at least
//! [`MIN_PASSED`] tests, so that it cannot pass by finding nothing; then
//! `examples/tour.py` (the seed page in Python) must run.

use super::{Outcome, loud_skip};
use crate::{describe, repo_root, run};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The variable naming the interpreter to build the venv from.
const PYTHON_VAR: &str = "QUIVER_PACKAGE_PYTHON";
const VENV: &str = ".cache/python-package-venv";
/// The seed page in Python, run after the tests.
const TOUR: &str = "examples/tour.py";
/// Python versions the package is tested on, preferred first.
const VERSIONS: [&str; 2] = ["3.13", "3.12"];
/// The pytest suite's size: test_legacy.py's 34 golden cases three ways (blob,
/// components, re-serialized) plus its API tests (123), and test_ipc.py's 182 golden
/// files, 16 out-of-range golden refusals, 43 types written two ways and read once, and
/// its API tests (346), and test_without_pyarrow.py's 4 Arrow-holding golden cases
/// checked in a pyarrow-free subprocess (23).
pub const MIN_PASSED: usize = 493;
/// What the venv needs besides the package.
const REQUIREMENTS: [&str; 5] = ["maturin>=1.5,<2", "pytest", "pyarrow", "numpy>=2", "polars"];
/// Exits 0 when every requirement imports (maturin as its command).
const PROBE: &str = "import sys, shutil, os\n\
import pytest, pyarrow, numpy, polars\n\
assert int(numpy.__version__.split('.')[0]) >= 2, numpy.__version__\n\
assert os.path.exists(os.path.join(os.path.dirname(sys.executable), 'maturin'))\n";

/// The interpreters to try, in order: the variable alone if set; else each version of
/// [`VERSIONS`] on `path`, then under pyenv's `versions/`, newest first.
fn candidates(
    chosen: Option<PathBuf>,
    path: Option<&OsString>,
    pyenv_root: Option<&Path>,
) -> Vec<PathBuf> {
    if let Some(chosen) = chosen {
        return vec![chosen];
    }
    let dirs: Vec<PathBuf> = path
        .map(std::env::split_paths)
        .into_iter()
        .flatten()
        .collect();
    let mut found = Vec::new();
    for version in VERSIONS {
        let exe = format!("python{version}");
        found.extend(dirs.iter().map(|d| d.join(&exe)).filter(|p| p.is_file()));
        let Some(root) = pyenv_root else { continue };
        let mut installed: Vec<(Vec<u32>, PathBuf)> = std::fs::read_dir(root.join("versions"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| {
                let name = entry.file_name().to_string_lossy().into_owned();
                let python = entry.path().join("bin").join(&exe);
                let key = name.split('.').map(|p| p.parse().unwrap_or(0)).collect();
                let ours = name == version || name.starts_with(&format!("{version}."));
                (ours && python.is_file()).then_some((key, python))
            })
            .collect();
        installed.sort_by(|a, b| b.0.cmp(&a.0));
        found.extend(installed.into_iter().map(|(_, p)| p));
    }
    found
}

/// `major.minor` of an interpreter, if it runs.
fn version_of(python: &Path) -> Option<String> {
    let out = Command::new(python)
        .args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The first working candidate of a supported version.
fn find_python() -> Result<(PathBuf, String), String> {
    let chosen = std::env::var_os(PYTHON_VAR)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let pyenv_root = std::env::var_os("PYENV_ROOT")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".pyenv")));
    let path = std::env::var_os("PATH");
    let mut tried = Vec::new();
    for python in candidates(chosen, path.as_ref(), pyenv_root.as_deref()) {
        match version_of(&python) {
            Some(v) if VERSIONS.contains(&v.as_str()) => return Ok((python, v)),
            Some(v) => tried.push(format!("{} is Python {v}", python.display())),
            None => tried.push(format!("{} does not run", python.display())),
        }
    }
    Err(no_python(&tried))
}

/// Why no interpreter was found, and what to do about it.
fn no_python(tried: &[String]) -> String {
    let tried = if tried.is_empty() {
        "no candidate exists".to_owned()
    } else {
        format!("tried: {}", tried.join("; "))
    };
    format!(
        "no Python 3.13 or 3.12 found for the quiver package: {PYTHON_VAR} is not set, and \
         neither python3.13/python3.12 on PATH nor $PYENV_ROOT/versions/3.1[23]* has one \
         ({tried}). Install one (e.g. `pyenv install 3.13`) or set {PYTHON_VAR} to it"
    )
}

/// The number of passed tests in pytest's summary line (`== 120 passed in 3.2s ==`).
fn passed_count(output: &str) -> Option<usize> {
    let line = output.lines().rev().find(|l| l.contains(" passed"))?;
    let words: Vec<&str> = line.split_whitespace().collect();
    let at = words
        .iter()
        .position(|w| w.trim_end_matches(',') == "passed")?;
    words.get(at.checked_sub(1)?)?.parse().ok()
}

/// The outcome for a count of passed tests.
fn count_outcome(passed: Option<usize>) -> Outcome {
    match passed {
        Some(n) if n >= MIN_PASSED => Outcome::Passed,
        Some(n) => Outcome::Failed(format!(
            "pytest passed only {n} tests, fewer than the {MIN_PASSED} the suite has: tests \
             were lost or not collected"
        )),
        None => Outcome::Failed("pytest's output has no `N passed` summary".into()),
    }
}

/// The outcome of a venv that could not be set up for `reason`.
pub fn unavailable(reason: &str, ci: bool) -> Outcome {
    if ci {
        Outcome::Failed(format!(
            "the Python package could not be set up, and CI=true forbids skipping its tests: \
             {reason}"
        ))
    } else {
        Outcome::Skipped("no Python 3.12+/pip for the package, its tests skipped".into())
    }
}

/// Makes `.cache/python-package-venv` with the requirements; its interpreter.
fn setup_venv() -> Result<PathBuf, String> {
    let (base, version) = find_python()?;
    let venv = repo_root().join(VENV);
    let python = venv.join("bin/python");
    if version_of(&python).as_deref() != Some(version.as_str()) {
        eprintln!("creating {VENV} from {} (Python {version})", base.display());
        run(Command::new(&base)
            .args(["-m", "venv", "--clear"])
            .arg(&venv))?;
    }
    let ready = |p: &Path| {
        Command::new(p)
            .args(["-c", PROBE])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !ready(&python) {
        run(Command::new(&python)
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
            .args(REQUIREMENTS))?;
        if !ready(&python) {
            return Err(format!(
                "after pip install, {VENV} still lacks one of {}",
                REQUIREMENTS.join(", ")
            ));
        }
    }
    Ok(python)
}

/// Builds and installs the package, then runs pytest and checks the count.
fn build_and_test(python: &Path) -> Outcome {
    let root = repo_root();
    // maturin's build hook runs the `maturin` command, which lives next to the venv's
    // interpreter.
    let bin = python.parent().map(Path::to_path_buf).unwrap_or_default();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let path = std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(&path)))
        .unwrap_or(path);
    let install = run(Command::new(python)
        .env("PATH", &path)
        .current_dir(&root)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
        ])
        .args(["--force-reinstall", "./crates/quiver-python"])
        .env("MATURIN_PEP517_ARGS", "--profile dev"));
    if let Err(e) = install {
        return Outcome::Failed(format!("building the quiver package failed: {e}"));
    }
    let legacy = std::env::var_os("QUIVER_LEGACY_TESTDATA")
        .filter(|v| !v.is_empty())
        .map_or_else(|| root.join("../shared/testdata/legacy"), PathBuf::from);
    let mut pytest = Command::new(python);
    pytest
        .current_dir(root.join("crates/quiver-python"))
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"])
        .env("QUIVER_LEGACY_TESTDATA", &legacy);
    let line = describe(&pytest);
    eprintln!("$ {line}");
    let output = match pytest.output() {
        Ok(o) => o,
        Err(e) => return Outcome::Failed(format!("could not start `{line}`: {e}")),
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    eprint!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
    if !output.status.success() {
        return Outcome::Failed(format!("`{line}` failed ({})", output.status));
    }
    let passed = passed_count(&stdout);
    eprintln!(
        "python package: {} tests passed (minimum {MIN_PASSED})",
        passed.unwrap_or(0)
    );
    match count_outcome(passed) {
        Outcome::Passed => run_tour(python, &root),
        other => other,
    }
}

/// Runs `examples/tour.py`, the seed page in Python, with the installed package.
fn run_tour(python: &Path, root: &Path) -> Outcome {
    match run(Command::new(python).current_dir(root).arg(TOUR)) {
        Ok(()) => Outcome::Passed,
        Err(e) => Outcome::Failed(format!("{TOUR} failed: {e}")),
    }
}

/// The step: a missing interpreter or pip failure is a failed step under CI and a loud
/// skip elsewhere; a failed build or test is always a failure.
pub fn step(ci: bool) -> Outcome {
    let python = match setup_venv() {
        Ok(p) => p,
        Err(reason) => {
            let outcome = unavailable(&reason, ci);
            if matches!(outcome, Outcome::Skipped(_)) {
                loud_skip(
                    "the quiver Python package tests are SKIPPED.",
                    &format!("Setting up {VENV} failed:\n{reason}"),
                    "Install Python 3.12+ (or fix pip/the network) and rerun `cargo xtask test`.",
                );
            }
            return outcome;
        }
    };
    build_and_test(&python)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_are_the_variable_alone_else_313_before_312_path_before_pyenv() {
        let root = std::env::temp_dir().join(format!("xtask-pkg-py-{}", std::process::id()));
        let touch = |rel: &str| {
            let file = root.join(rel);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(&file, "").unwrap();
            file
        };
        let path312 = touch("bin/python3.12");
        let pyenv313 = touch("pyenv/versions/3.13.0/bin/python3.13");
        let pyenv313_10 = touch("pyenv/versions/3.13.10/bin/python3.13");
        let pyenv312 = touch("pyenv/versions/3.12.1/bin/python3.12");
        touch("pyenv/versions/3.11.9/bin/python3.11");
        touch("pyenv/versions/3.130/bin/python3.13");
        let path = std::env::join_paths([root.join("bin")]).unwrap();
        let pyenv = root.join("pyenv");
        assert_eq!(
            candidates(None, Some(&path), Some(&pyenv)),
            [pyenv313_10, pyenv313, path312.clone(), pyenv312]
        );
        assert_eq!(
            candidates(Some("/opt/py".into()), Some(&path), Some(&pyenv)),
            [PathBuf::from("/opt/py")]
        );
        assert_eq!(candidates(None, Some(&path), None), [path312]);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn the_passed_count_comes_from_pytest_summary() {
        assert_eq!(passed_count("....\n125 passed in 3.21s\n"), Some(125));
        assert_eq!(
            passed_count("1 failed, 124 passed, 2 warnings in 3s\n"),
            Some(124)
        );
        assert_eq!(
            passed_count("=== 7 passed, 1 skipped in 0.1s ===\n"),
            Some(7)
        );
        assert_eq!(passed_count("no tests ran in 0.01s\n"), None);
    }

    #[test]
    fn too_few_passed_tests_fail_the_step() {
        assert_eq!(count_outcome(Some(MIN_PASSED)), Outcome::Passed);
        assert_eq!(
            count_outcome(Some(3)),
            Outcome::Failed(format!(
                "pytest passed only 3 tests, fewer than the {MIN_PASSED} the suite has: tests \
                 were lost or not collected"
            ))
        );
        assert_eq!(
            count_outcome(None),
            Outcome::Failed("pytest's output has no `N passed` summary".into())
        );
    }

    #[test]
    fn a_missing_python_fails_under_ci_and_skips_elsewhere() {
        assert_eq!(
            unavailable("no Python", true),
            Outcome::Failed(
                "the Python package could not be set up, and CI=true forbids skipping its \
                 tests: no Python"
                    .into()
            )
        );
        assert_eq!(
            unavailable("no Python", false),
            Outcome::Skipped("no Python 3.12+/pip for the package, its tests skipped".into())
        );
        assert!(no_python(&[]).contains("(no candidate exists)"));
    }
}
