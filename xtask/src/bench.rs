//! `cargo xtask bench`: issue 11's workloads W1–W8 (`benches/benches/workloads.rs` for
//! Quiver and arrow-rs, `benches/pyarrow_bench.py` for pyarrow) and issue 13's Flight
//! workload W9 (`benches/benches/flight.rs`, and the same script), then one table of all
//! three with ratios, targets and allocations per batch, and the Flight rows'
//! throughput. `cargo xtask bench -- ARGS`
//! runs every criterion bench with ARGS instead (`cargo bench -p quiver-benches -- ARGS`).
//!
//! The workloads are built with fat LTO and one codegen unit, as issue 11's table was, in
//! their own target directory (`target/bench-lto`) so that the ordinary `bench` builds keep
//! their cache; `--no-lto` builds them with the plain `bench` profile, for quick iteration.

mod table;
mod throughput;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::SystemTime;

use crate::test::{install_pyarrow, loud_skip};
use crate::{Failure, Result, capture, cargo, describe, repo_root, run};

/// What `cargo xtask bench` was asked to do.
#[derive(Debug, PartialEq)]
enum Mode {
    /// The workloads and the table: a criterion/pyarrow filter, and whether to skip pyarrow.
    Workloads {
        filter: Option<String>,
        skip_python: bool,
        lto: bool,
    },
    /// Every criterion bench, with these arguments after `--`.
    PassThrough(Vec<String>),
}

fn parse_args(args: &[String]) -> Result<Mode> {
    let (mut filter, mut skip_python, mut lto) = (None, false, true);
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--" => return Ok(Mode::PassThrough(rest.cloned().collect())),
            "--skip-python" => skip_python = true,
            "--no-lto" => lto = false,
            "--filter" => {
                let regex = rest.next().ok_or_else(|| {
                    Failure::usage("`--filter` needs a regular expression, e.g. `--filter W5`")
                })?;
                filter = Some(regex.clone());
            }
            other => {
                return Err(Failure::usage(format!(
                    "unknown option `{other}` for `bench` (criterion arguments go after `--`)"
                )));
            }
        }
    }
    Ok(Mode::Workloads {
        filter,
        skip_python,
        lto,
    })
}

pub fn main(args: &[String]) -> Result<()> {
    let (filter, skip_python, lto) = match parse_args(args)? {
        Mode::PassThrough(criterion_args) => {
            let mut cmd = cargo();
            cmd.args(["bench", "-p", "quiver-benches", "--"])
                .args(criterion_args);
            run(&mut cmd)?;
            return Ok(());
        }
        Mode::Workloads {
            filter,
            skip_python,
            lto,
        } => (filter, skip_python, lto),
    };
    let started = SystemTime::now();
    let target = if lto {
        target_dir().join("bench-lto")
    } else {
        target_dir()
    };
    let (allocations, throughputs) =
        run_workloads(filter.as_deref(), lto.then_some(target.as_path()))?;
    let pyarrow = if skip_python {
        loud_skip(
            "the pyarrow column is SKIPPED (--skip-python given).",
            "The table below has no pyarrow times and no quiver/pyarrow ratios.",
            "Run without --skip-python for all three columns.",
        );
        Vec::new()
    } else {
        run_pyarrow(filter.as_deref())
    };
    let criterion = target.join("criterion");
    let rows = table::collect(&criterion, started, &allocations, &pyarrow);
    println!("\n{}", table::render(&rows));
    let rates = throughput::render(&rows, &throughputs);
    if !rates.is_empty() {
        println!("{rates}");
    }
    Ok(())
}

/// What the benches printed for the table: allocation lines `(group, side, per batch)`
/// and throughput lines `(group, bytes, rows)`.
type BenchLines = (Vec<(String, String, f64)>, Vec<(String, f64, f64)>);

/// Runs the criterion workloads (`workloads` and `flight`), echoing their output; returns
/// the lines the table needs. With `lto_target`, they are built with fat LTO and one
/// codegen unit in that target directory.
fn run_workloads(filter: Option<&str>, lto_target: Option<&Path>) -> Result<BenchLines> {
    let mut cmd = cargo();
    cmd.args(["bench", "-p", "quiver-benches"])
        .args(["--bench", "workloads", "--bench", "flight"]);
    if let Some(target) = lto_target {
        cmd.env("CARGO_TARGET_DIR", target)
            .env("CARGO_PROFILE_BENCH_LTO", "fat")
            .env("CARGO_PROFILE_BENCH_CODEGEN_UNITS", "1");
    }
    if let Some(filter) = filter {
        cmd.args(["--", filter]);
    }
    let line = describe(&cmd);
    eprintln!("$ {line}");
    let mut child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start `{line}`: {e}"))?;
    let (mut allocations, mut throughputs) = (Vec::new(), Vec::new());
    if let Some(stdout) = child.stdout.take() {
        for text in BufReader::new(stdout).lines() {
            let text = text.map_err(|e| format!("reading the output of `{line}`: {e}"))?;
            println!("{text}");
            if let Some(entry) = table::parse_allocation(&text) {
                allocations.push(entry);
            }
            if let Some(entry) = throughput::parse(&text) {
                throughputs.push(entry);
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("waiting for `{line}`: {e}"))?;
    if !status.success() {
        return Err(format!("`{line}` failed ({status})").into());
    }
    Ok((allocations, throughputs))
}

/// The pyarrow interpreter: `QUIVER_PYTHON` if set, else `.cache/pyarrow-venv` (created
/// and filled as `cargo xtask test` does).
fn pyarrow_python() -> Result<PathBuf, String> {
    if let Some(python) = std::env::var_os("QUIVER_PYTHON") {
        return Ok(PathBuf::from(python));
    }
    let venv = repo_root().join(".cache/pyarrow-venv");
    let python = venv.join("bin/python");
    install_pyarrow(&venv, &python)?;
    Ok(python)
}

/// Runs `benches/pyarrow_bench.py`; its `(workload, median ns)`, or none after a loud
/// warning if pyarrow is unavailable or the script fails.
fn run_pyarrow(filter: Option<&str>) -> Vec<(String, f64)> {
    let result = pyarrow_python().and_then(|python| {
        let mut cmd = Command::new(&python);
        cmd.arg(repo_root().join("benches/pyarrow_bench.py"));
        if let Some(filter) = filter {
            cmd.args(["--filter", filter]);
        }
        eprintln!("$ {}", describe(&cmd));
        capture(&mut cmd)
    });
    match result {
        Ok(out) => {
            print!("{out}");
            out.lines().filter_map(table::parse_pyarrow).collect()
        }
        Err(reason) => {
            loud_skip(
                "the pyarrow column is SKIPPED: pyarrow could not be run.",
                &reason,
                "Set QUIVER_PYTHON to a Python with pyarrow, or fix .cache/pyarrow-venv.",
            );
            Vec::new()
        }
    }
}

/// Cargo's target directory: `$CARGO_TARGET_DIR` (relative to the repository), else
/// `target`. Criterion keeps its results in its `criterion` directory.
fn target_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target"));
    if target.is_relative() {
        repo_root().join(target)
    } else {
        target
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn arguments_choose_the_workloads_or_the_pass_through() {
        assert_eq!(
            parse_args(&[]).unwrap(),
            Mode::Workloads {
                filter: None,
                skip_python: false,
                lto: true
            }
        );
        assert_eq!(
            parse_args(&args(&["--filter", "W5", "--skip-python", "--no-lto"])).unwrap(),
            Mode::Workloads {
                filter: Some("W5".into()),
                skip_python: true,
                lto: false
            }
        );
        assert_eq!(
            parse_args(&args(&["--", "read_mmap", "--quick"])).unwrap(),
            Mode::PassThrough(args(&["read_mmap", "--quick"]))
        );
        assert_eq!(
            parse_args(&args(&["--filter"])).unwrap_err().message,
            "`--filter` needs a regular expression, e.g. `--filter W5`"
        );
        assert_eq!(
            parse_args(&args(&["read_mmap"])).unwrap_err().message,
            "unknown option `read_mmap` for `bench` (criterion arguments go after `--`)"
        );
    }
}
