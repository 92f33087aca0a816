//! `cargo xtask`: project automation (code generation, the full test suite,
//! benchmarks, fuzzing). Standard library only, apart from the pinned protoc
//! and protobuf generators `codegen` runs for Flight.

mod bench;
mod codegen;
mod fuzz;
mod test;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  codegen [--check]     regenerate crates/quiver-ipc/src/gen from the .fbs files,
                        crates/quiver-flight/src/gen from Flight.proto (pinned
                        protoc from protoc-bin-vendored), and the quiver CLI's
                        shell completions and man pages
                        (crates/quiver-cli/{completions,man}) from its clap
                        definition; with --check, fail if the committed files are
                        stale
  test [--skip-python | --python-package-only] [-- CARGO_TEST_ARGS...]
                        run the whole suite: fmt, clippy, codegen freshness,
                        pyarrow venv, pyarrow 10 venv (Python 3.11: set
                        QUIVER_PYTHON311 to choose it), golden data, cargo test
                        (CARGO_TEST_ARGS replace --workspace), then the Python
                        package (newest CPython 3.13/3.12, or
                        QUIVER_PACKAGE_PYTHON; .cache/python-package-venv;
                        pytest); --python-package-only runs that last step
                        alone; under CI=true nothing may skip
  bench [--filter REGEX] [--skip-python] [--no-lto]
                        issue 11's workloads W1-W8: the criterion bench
                        `workloads` (Quiver and arrow-rs, built with fat LTO in
                        target/bench-lto unless --no-lto), benches/pyarrow_bench.py
                        (pyarrow, in .cache/pyarrow-venv as `test` makes it, or
                        QUIVER_PYTHON), then one table: times, ratios, targets,
                        allocations per batch. --filter limits both to matching
                        workloads (e.g. `W5|W6`); without pyarrow its column is
                        skipped loudly
  bench -- ARGS...      every criterion bench: cargo bench -p quiver-benches -- ARGS
                        (e.g. `cargo xtask bench -- read_mmap`)
  fuzz --seconds N      run every cargo-fuzz target for N seconds each
  help                  print this message";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    };
    let result = match command.as_str() {
        "codegen" => codegen::main(rest),
        "test" => test::main(rest),
        "bench" => bench::main(rest),
        "fuzz" => fuzz::main(rest),
        "help" | "-h" | "--help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(Failure::usage(format!("unknown command `{other}`"))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            if failure.show_usage {
                eprintln!("\n{USAGE}");
            }
            ExitCode::from(failure.code)
        }
    }
}

/// Why a command failed, and the exit code to report.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub code: u8,
    pub show_usage: bool,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            code: 2,
            show_usage: true,
        }
    }

    pub fn with_code(message: impl Into<String>, code: u8) -> Self {
        Failure {
            message: message.into(),
            code,
            show_usage: false,
        }
    }
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure::with_code(message, 1)
    }
}

pub type Result<T, E = Failure> = std::result::Result<T, E>;

/// The workspace root (the parent of this crate's directory).
pub fn repo_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

/// The cargo binary that launched us (falls back to `cargo` on PATH).
pub fn cargo() -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(repo_root());
    cmd
}

/// Human-readable form of a command line, for logs and error messages.
pub fn describe(cmd: &Command) -> String {
    let mut text = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

/// Runs a command with inherited stdio; errors if it cannot start or fails.
pub fn run(cmd: &mut Command) -> Result<(), String> {
    let line = describe(cmd);
    eprintln!("$ {line}");
    let status = cmd
        .status()
        .map_err(|e| format!("could not start `{line}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{line}` failed ({status})"))
    }
}

/// Runs a command and returns its stdout; errors include its stderr.
pub fn capture(cmd: &mut Command) -> Result<String, String> {
    let line = describe(cmd);
    let output = cmd
        .output()
        .map_err(|e| format!("could not start `{line}`: {e}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!(
            "`{line}` failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}
