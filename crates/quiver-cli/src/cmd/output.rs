//! Where converted bytes go, and the guards every converting command runs first.
//!
//! - [`Output`]: standard output, or a temporary file beside the target that is renamed
//!   over it only when the conversion succeeded. A failed conversion leaves the target
//!   untouched (or absent) and no temporary file.
//! - Interrupts: while a temporary file exists, SIGINT, SIGTERM and SIGHUP remove it and
//!   end the process with `128 + signal` (130 for Ctrl-C). The handler comes from the
//!   `signal-hook` crate: the signal handler itself only writes to a self-pipe (which is
//!   async-signal-safe), and the removal runs on an ordinary thread woken by that pipe.
//!   It holds the lock that also guards the rename, so an interrupt either removes the
//!   temporary file before the rename or arrives after the complete output is in place;
//!   it never leaves a truncated file under the target name. A conversion to standard
//!   output keeps the default behaviour (the signal ends the process).
//! - [`refuse_same_file`]: IN and OUT naming one file (by path, link or inode) is a usage
//!   error, checked before anything is opened, so the input is never touched.
//! - [`refuse_terminal`]: binary output to standard output is refused when that is a
//!   terminal.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::CliError;
use super::convert::{describe, is_std};

/// The temporary files of conversions under way, removed on an interrupt.
static TEMP_FILES: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn temp_files() -> MutexGuard<'static, Vec<PathBuf>> {
    // A panic elsewhere cannot leave the list inconsistent: every change is one push or
    // one retain.
    TEMP_FILES.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Installs the interrupt handler once (see the module documentation). If it cannot be
/// installed, signals keep their default action: the process ends and the temporary
/// file (never the target) may remain.
fn install_interrupt_handler() {
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        static INSTALLED: std::sync::Once = std::sync::Once::new();
        INSTALLED.call_once(|| {
            let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])
            else {
                return;
            };
            std::thread::spawn(move || {
                if let Some(signal) = signals.forever().next() {
                    // Held until the process ends: no rename can start after this.
                    let files = temp_files();
                    for path in files.iter() {
                        let _ = fs::remove_file(path);
                    }
                    std::process::exit(128 + signal);
                }
            });
        });
    }
}

/// Where converted bytes go: standard output, or a temporary file that becomes `OUT`.
#[derive(Debug)]
pub(super) enum Sink {
    Stdout(io::Stdout),
    File(File),
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Stdout(s) => s.write(buf),
            Sink::File(f) => f.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Stdout(s) => s.flush(),
            Sink::File(f) => f.flush(),
        }
    }
}

/// The destination of a conversion. Dropping it without [`commit`](Output::commit)
/// deletes the temporary file, so a failed conversion leaves no half-written output.
#[derive(Debug)]
pub(super) struct Output {
    /// `(temporary path, final path)`; `None` for standard output.
    paths: Option<(PathBuf, PathBuf)>,
}

impl Output {
    /// Opens the destination: standard output for `-`, otherwise a new temporary file in
    /// the directory of `path` (named `.NAME.quiver-PID-N.tmp`).
    pub(super) fn create(path: &Path) -> io::Result<(Self, BufWriter<Sink>)> {
        if is_std(path) {
            let out = Self { paths: None };
            return Ok((out, BufWriter::new(Sink::Stdout(io::stdout()))));
        }
        let name = path.file_name().ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "the output is not a file name")
        })?;
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        install_interrupt_handler();
        let mut attempt = 0u32;
        loop {
            let mut temp_name = std::ffi::OsString::from(".");
            temp_name.push(name);
            temp_name.push(format!(".quiver-{}-{attempt}.tmp", std::process::id()));
            let temp = dir.join(temp_name);
            // Created and registered under the lock: an interrupt sees it or it is not there.
            let mut files = temp_files();
            match OpenOptions::new().write(true).create_new(true).open(&temp) {
                Ok(file) => {
                    files.push(temp.clone());
                    let out = Self {
                        paths: Some((temp, path.to_path_buf())),
                    };
                    return Ok((out, BufWriter::new(Sink::File(file))));
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => {
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Flushes everything and, for a file, moves it into place.
    pub(super) fn commit(mut self, sink: BufWriter<Sink>) -> io::Result<()> {
        let sink = sink.into_inner().map_err(io::IntoInnerError::into_error)?;
        match sink {
            Sink::Stdout(mut s) => s.flush(),
            Sink::File(file) => {
                file.sync_all()?;
                drop(file);
                if let Some((temp, dest)) = self.paths.take() {
                    let mut files = temp_files();
                    let renamed = fs::rename(&temp, &dest);
                    if renamed.is_err() {
                        let _ = fs::remove_file(&temp);
                    }
                    files.retain(|p| p != &temp);
                    renamed?;
                }
                Ok(())
            }
        }
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        if let Some((temp, _)) = self.paths.take() {
            let mut files = temp_files();
            // Best effort: the conversion already failed and reports its own error.
            let _ = fs::remove_file(&temp);
            files.retain(|p| p != &temp);
        }
    }
}

/// A usage error (exit code 2) when `input` and `output` are one file: the same path
/// once links and `..` are resolved, or (when OUT exists) the same device and inode.
/// Standard input or output never clashes with a file.
pub(super) fn refuse_same_file(input: &Path, output: &Path) -> Result<(), CliError> {
    if is_std(input) || is_std(output) || !same_file(input, output) {
        return Ok(());
    }
    Err(CliError::usage(format!(
        "refusing to write {} over its own input: IN and OUT are the same file; \
         give another output path",
        describe(output, "standard output")
    )))
}

fn same_file(input: &Path, output: &Path) -> bool {
    let Ok(input_real) = fs::canonicalize(input) else {
        // A missing input is reported when it is opened.
        return false;
    };
    if let (Ok(a), Ok(b)) = (fs::metadata(input), fs::metadata(output)) {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            if a.dev() == b.dev() && a.ino() == b.ino() {
                return true;
            }
        }
        #[cfg(not(unix))]
        let _ = (a, b);
    }
    let output_real = match fs::canonicalize(output) {
        Ok(p) => p,
        Err(_) => {
            // OUT does not exist yet: resolve its directory.
            let dir = match output.parent() {
                Some(d) if !d.as_os_str().is_empty() => d,
                _ => Path::new("."),
            };
            match (fs::canonicalize(dir), output.file_name()) {
                (Ok(dir), Some(name)) => dir.join(name),
                _ => return false,
            }
        }
    };
    input_real == output_real
}

/// A usage error (exit code 2) when `output` is standard output and that is a
/// terminal: `what` (such as "an Arrow IPC stream") is binary.
pub(super) fn refuse_terminal(output: &Path, what: &str) -> Result<(), CliError> {
    if is_std(output) && io::stdout().is_terminal() {
        return Err(CliError::usage(format!(
            "refusing to write {what} (binary) to a terminal: redirect standard output to a \
             file or a pipe, or give an output path instead of '-'"
        )));
    }
    Ok(())
}
