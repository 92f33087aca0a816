//! The "pyarrow 10 venv" step of `cargo xtask test`: `.cache/pyarrow10-venv`, a Python
//! 3.11 venv with pyarrow 10.0.1 and numpy < 2, for the legacy-serialization checks.
//!
//! pyarrow 10 is the last pyarrow with `serialize`/`deserialize`, and its wheels exist
//! only for Python ≤ 3.11, so the venv is made from a Python 3.11 found on this machine:
//! `QUIVER_PYTHON311` if set, else `python3.11` on `PATH`, else pyenv's
//! `$PYENV_ROOT/versions/3.11*/bin/python3.11` (`PYENV_ROOT` defaulting to
//! `~/.pyenv`). Its interpreter reaches the tests as `QUIVER_PYARROW10_PYTHON`.

use super::{Outcome, TestEnv, loud_skip};
use crate::{describe, repo_root, run};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The variable naming the Python 3.11 to build the venv from.
const PYTHON311_VAR: &str = "QUIVER_PYTHON311";
/// The variable that hands the venv's interpreter to the tests
/// (`quiver_testkit::PYARROW10_PYTHON_VAR`).
pub const PYARROW10_PYTHON_VAR: &str = "QUIVER_PYARROW10_PYTHON";
const PYARROW_VERSION: &str = "10.0.1";
const VENV: &str = ".cache/pyarrow10-venv";

/// Prints the Python version, then pyarrow's and numpy's (`-` when not importable).
const PROBE: &str = "import sys\n\
print('%d.%d' % sys.version_info[:2])\n\
for name in ('pyarrow', 'numpy'):\n    \
try:\n        \
print(__import__(name).__version__)\n    \
except Exception:\n        \
print('-')\n";

/// What an interpreter reported through [`PROBE`].
#[derive(Debug, PartialEq, Eq)]
struct Probe {
    python: String,
    pyarrow: Option<String>,
    numpy: Option<String>,
}

impl Probe {
    fn parse(stdout: &str) -> Option<Probe> {
        let mut lines = stdout.lines().map(str::trim);
        let python = lines.next().filter(|l| !l.is_empty())?.to_owned();
        let mut version = || match lines.next()? {
            "-" => Some(None),
            v => Some(Some(v.to_owned())),
        };
        let pyarrow = version()?;
        let numpy = version()?;
        Some(Probe {
            python,
            pyarrow,
            numpy,
        })
    }

    fn is_python311(&self) -> bool {
        self.python == "3.11"
    }

    /// What is missing for the legacy checks, or `None` when the venv is ready.
    fn missing(&self) -> Option<String> {
        let numpy_ok = self
            .numpy
            .as_deref()
            .and_then(|v| v.split('.').next())
            .and_then(|major| major.parse::<u32>().ok())
            .is_some_and(|major| major < 2);
        if !self.is_python311() {
            Some(format!("Python {} instead of 3.11", self.python))
        } else if self.pyarrow.as_deref() != Some(PYARROW_VERSION) {
            Some(format!(
                "pyarrow {} instead of {PYARROW_VERSION}",
                self.pyarrow.as_deref().unwrap_or("missing")
            ))
        } else if !numpy_ok {
            Some(format!(
                "numpy {} instead of < 2",
                self.numpy.as_deref().unwrap_or("missing")
            ))
        } else {
            None
        }
    }
}

/// Runs [`PROBE`] with `python`; `None` if it cannot run.
fn probe(python: &Path) -> Option<Probe> {
    let output = Command::new(python).args(["-c", PROBE]).output().ok()?;
    if !output.status.success() {
        return None;
    }
    Probe::parse(&String::from_utf8_lossy(&output.stdout))
}

/// The interpreters to try, in order: `QUIVER_PYTHON311` alone if it is set; else every
/// `python3.11` on `path`, then pyenv's 3.11 versions under `pyenv_root`, newest first.
fn python311_candidates(
    chosen: Option<PathBuf>,
    path: Option<&OsString>,
    pyenv_root: Option<&Path>,
) -> Vec<PathBuf> {
    if let Some(chosen) = chosen {
        return vec![chosen];
    }
    let mut found: Vec<PathBuf> = path
        .map(std::env::split_paths)
        .into_iter()
        .flatten()
        .map(|dir| dir.join("python3.11"))
        .filter(|p| p.is_file())
        .collect();
    if let Some(root) = pyenv_root {
        let mut versions: Vec<(Vec<u32>, PathBuf)> = std::fs::read_dir(root.join("versions"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| {
                let name = entry.file_name().to_string_lossy().into_owned();
                let python = entry.path().join("bin/python3.11");
                let key = name
                    .split('.')
                    .map(|part| part.parse().unwrap_or(0))
                    .collect();
                (name.starts_with("3.11") && python.is_file()).then_some((key, python))
            })
            .collect();
        versions.sort_by(|a, b| b.0.cmp(&a.0));
        found.extend(versions.into_iter().map(|(_, python)| python));
    }
    found
}

/// Why no Python 3.11 was found, and what to do about it.
fn no_python311(tried: &[String]) -> String {
    let tried = if tried.is_empty() {
        "no candidate exists".to_owned()
    } else {
        format!("tried: {}", tried.join("; "))
    };
    format!(
        "no Python 3.11 found for the pyarrow {PYARROW_VERSION} venv (its wheels exist only \
         for Python <= 3.11): {PYTHON311_VAR} is not set, and neither `python3.11` on PATH \
         nor $PYENV_ROOT/versions/3.11*/bin/python3.11 is a working Python 3.11 ({tried}). \
         Install one (e.g. `pyenv install 3.11`) or set {PYTHON311_VAR} to a Python 3.11 \
         interpreter"
    )
}

/// The first working Python 3.11 among [`python311_candidates`] of this environment.
fn find_python311() -> Result<PathBuf, String> {
    let chosen = std::env::var_os(PYTHON311_VAR)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let pyenv_root = std::env::var_os("PYENV_ROOT")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".pyenv")));
    let from_var = chosen.is_some();
    let path = std::env::var_os("PATH");
    let mut tried = Vec::new();
    for python in python311_candidates(chosen, path.as_ref(), pyenv_root.as_deref()) {
        match probe(&python) {
            Some(p) if p.is_python311() => return Ok(python),
            Some(p) => tried.push(format!("{} is Python {}", python.display(), p.python)),
            None => tried.push(format!("{} does not run", python.display())),
        }
    }
    if from_var {
        return Err(format!(
            "{PYTHON311_VAR} must name a Python 3.11 interpreter, but {}",
            tried.join("; ")
        ));
    }
    Err(no_python311(&tried))
}

/// The step: the venv's interpreter exported as `QUIVER_PYARROW10_PYTHON`, or (when it
/// cannot be set up) a failed step under CI and a loud skip elsewhere, with the variable
/// removed so that the legacy suites skip too.
pub fn setup(env: &mut TestEnv, ci: bool) -> Outcome {
    match install() {
        Ok(python) => {
            eprintln!(
                "pyarrow {PYARROW_VERSION} (Python 3.11) at {}",
                python.display()
            );
            env.vars
                .push((PYARROW10_PYTHON_VAR, Some(python.into_os_string())));
            Outcome::Passed
        }
        Err(reason) => {
            env.vars.push((PYARROW10_PYTHON_VAR, None));
            let outcome = unavailable(&reason, ci);
            if matches!(outcome, Outcome::Skipped(_)) {
                loud_skip(
                    "pyarrow 10 legacy-serialization checks are SKIPPED.",
                    &format!("Setting up {VENV} with pyarrow {PYARROW_VERSION} failed:\n{reason}"),
                    "Fix the Python 3.11/pip setup (or the network) and rerun `cargo xtask test`.",
                );
            }
            outcome
        }
    }
}

/// The outcome of a pyarrow 10 venv that could not be set up for `reason`.
pub fn unavailable(reason: &str, ci: bool) -> Outcome {
    if ci {
        Outcome::Failed(format!(
            "pyarrow {PYARROW_VERSION} could not be set up, and CI=true forbids skipping the \
             legacy checks: {reason}"
        ))
    } else {
        Outcome::Skipped(format!(
            "pyarrow {PYARROW_VERSION} unavailable, its tests skipped"
        ))
    }
}

/// Makes sure `.cache/pyarrow10-venv` has pyarrow 10.0.1 and numpy < 2 on Python 3.11;
/// its interpreter. Quick (one probe) when it already has them.
fn install() -> Result<PathBuf, String> {
    let venv = repo_root().join(VENV);
    let python = venv.join("bin/python");
    let before = probe(&python);
    if let Some(p) = &before
        && p.missing().is_none()
    {
        return Ok(python);
    }
    if !before.as_ref().is_some_and(Probe::is_python311) {
        let base = find_python311()?;
        eprintln!("creating {VENV} from {}", base.display());
        run(Command::new(&base)
            .args(["-m", "venv", "--clear"])
            .arg(&venv))?;
    }
    run(Command::new(&python)
        .args(["-m", "pip", "install", "--quiet", "--only-binary", ":all:"])
        .args(["--retries", "2", "--timeout", "30"])
        .args([format!("pyarrow=={PYARROW_VERSION}").as_str(), "numpy<2"]))?;
    match probe(&python) {
        Some(p) => match p.missing() {
            None => Ok(python),
            Some(missing) => Err(format!("after pip install, {VENV} still has {missing}")),
        },
        None => Err(format!(
            "after pip install, `{}` does not run",
            describe(Command::new(&python).args(["-c", PROBE]))
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe_of(stdout: &str) -> Probe {
        Probe::parse(stdout).unwrap()
    }

    #[test]
    fn a_probe_is_ready_only_with_python311_pyarrow_10_0_1_and_numpy_1() {
        assert_eq!(probe_of("3.11\n10.0.1\n1.26.4\n").missing(), None);
        assert_eq!(
            probe_of("3.11\n-\n-\n").missing(),
            Some("pyarrow missing instead of 10.0.1".into())
        );
        assert_eq!(
            probe_of("3.11\n21.0.0\n1.26.4\n").missing(),
            Some("pyarrow 21.0.0 instead of 10.0.1".into())
        );
        assert_eq!(
            probe_of("3.11\n10.0.1\n2.1.0\n").missing(),
            Some("numpy 2.1.0 instead of < 2".into())
        );
        assert_eq!(
            probe_of("3.11\n10.0.1\n-\n").missing(),
            Some("numpy missing instead of < 2".into())
        );
        assert_eq!(
            probe_of("3.12\n10.0.1\n1.26.4\n").missing(),
            Some("Python 3.12 instead of 3.11".into())
        );
        assert_eq!(Probe::parse(""), None);
        assert_eq!(Probe::parse("3.11\n10.0.1\n"), None);
    }

    #[test]
    fn the_probe_script_runs_as_python() {
        // The probe is real Python: whatever python3 this machine has runs it.
        let Ok(output) = Command::new("python3").args(["-c", PROBE]).output() else {
            return; // no python3 at all: nothing to check the script with
        };
        assert!(output.status.success(), "{output:?}");
        let probe = Probe::parse(&String::from_utf8_lossy(&output.stdout)).unwrap();
        assert!(probe.python.starts_with("3."), "{probe:?}");
    }

    #[test]
    fn candidates_are_the_variable_alone_else_path_then_pyenv_newest_first() {
        let root = std::env::temp_dir().join(format!("xtask-py311-{}", std::process::id()));
        let touch = |rel: &str| {
            let file = root.join(rel);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(&file, "").unwrap();
            file
        };
        let on_path = touch("bin/python3.11");
        touch("other/python3");
        let v2 = touch("pyenv/versions/3.11.2/bin/python3.11");
        let v10 = touch("pyenv/versions/3.11.10/bin/python3.11");
        touch("pyenv/versions/3.10.13/bin/python3.10");
        std::fs::create_dir_all(root.join("pyenv/versions/3.11.9/bin")).unwrap();
        let path = std::env::join_paths([root.join("other"), root.join("bin")]).unwrap();
        let pyenv = root.join("pyenv");

        assert_eq!(
            python311_candidates(None, Some(&path), Some(&pyenv)),
            [on_path.clone(), v10, v2]
        );
        assert_eq!(
            python311_candidates(
                Some("/opt/py/bin/python3".into()),
                Some(&path),
                Some(&pyenv)
            ),
            [PathBuf::from("/opt/py/bin/python3")]
        );
        assert_eq!(python311_candidates(None, Some(&path), None), [on_path]);
        assert!(python311_candidates(None, None, Some(&root.join("nowhere"))).is_empty());
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn no_python311_says_what_was_tried_and_what_to_install() {
        assert_eq!(
            no_python311(&[]),
            "no Python 3.11 found for the pyarrow 10.0.1 venv (its wheels exist only for \
             Python <= 3.11): QUIVER_PYTHON311 is not set, and neither `python3.11` on PATH \
             nor $PYENV_ROOT/versions/3.11*/bin/python3.11 is a working Python 3.11 (no \
             candidate exists). Install one (e.g. `pyenv install 3.11`) or set \
             QUIVER_PYTHON311 to a Python 3.11 interpreter"
        );
        assert!(
            no_python311(&["/x/python3.11 does not run".into()])
                .contains("(tried: /x/python3.11 does not run)")
        );
    }
}
