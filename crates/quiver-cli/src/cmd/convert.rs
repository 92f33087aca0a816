//! `quiver file-to-stream` and `quiver stream-to-file`: convert between the Arrow IPC
//! file and streaming formats.
//!
//! Neither command copies bytes: every batch is decoded and validated by the library's
//! readers (default read options, unless `--no-value-range-checks` relaxes them) and encoded again by its writers (default write
//! options: metadata V5, continuation markers, no compression). The schema, its
//! metadata, field metadata, batch boundaries and per-batch custom metadata are kept.
//! Batches are converted one at a time, so memory use is one batch, not the whole input.
//!
//! Inputs that are regular files are memory-mapped, so decoding reads column data in
//! place. Output goes to a temporary file next to `OUT` that is renamed over `OUT` only
//! when the conversion succeeded: a failed conversion leaves `OUT` untouched (or absent).

use std::fmt::Display;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use quiver::ipc::{
    FileReader, FileWriter, IpcError, IpcFormat, IpcReadOptions, StreamReader, StreamWriter,
};
use quiver::{Buffer, InputStream, MemoryMappedFile, ReadInputStream};

use super::CliError;

/// Converts the Arrow IPC file `input` into an Arrow IPC stream at `output`.
pub fn file_to_stream(
    input: &Path,
    output: &Path,
    options: IpcReadOptions,
) -> Result<(), CliError> {
    let read_error = |e: &dyn Display| read_error("file", input, e);
    let ipc_read_error = |e: IpcError| read_error(&with_command_hint(e));
    let write_error = |e: &dyn Display| write_error("stream", output, e);

    let bytes = open_random_access(input).map_err(|e| read_error(&e))?;
    let reader = FileReader::try_new_with_options(bytes, options).map_err(ipc_read_error)?;
    let (target, sink) = Output::create(output).map_err(|e| write_error(&e))?;
    let mut writer = StreamWriter::try_new(sink, reader.schema()).map_err(|e| write_error(&e))?;
    for i in 0..reader.num_record_batches() {
        let batch = reader.get_batch(i).map_err(ipc_read_error)?;
        writer.write(&batch).map_err(|e| write_error(&e))?;
    }
    let sink = writer.close().map_err(|e| write_error(&e))?;
    target.commit(sink).map_err(|e| write_error(&e))
}

/// Converts the Arrow IPC stream `input` into an Arrow IPC file at `output`.
pub fn stream_to_file(
    input: &Path,
    output: &Path,
    options: IpcReadOptions,
) -> Result<(), CliError> {
    let write_error = |e: &dyn Display| write_error("file", output, e);

    let mut source = open_stream(input).map_err(|e| read_error("stream", input, &e))?;
    let read_error = |e: IpcError| read_error("stream", input, &with_command_hint(e));

    let mut reader =
        StreamReader::try_new_with_options(source.as_mut(), options).map_err(read_error)?;
    let (target, sink) = Output::create(output).map_err(|e| write_error(&e))?;
    let mut writer = FileWriter::try_new(sink, reader.schema()).map_err(|e| write_error(&e))?;
    while let Some(batch) = reader.next_batch().map_err(read_error)? {
        writer.write(&batch).map_err(|e| write_error(&e))?;
    }
    let sink = writer.close().map_err(|e| write_error(&e))?;
    target.commit(sink).map_err(|e| write_error(&e))
}

/// Whether `path` is `-`, standard input or output.
pub(super) fn is_std(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// `'path'`, or a name for standard input/output.
pub(super) fn describe(path: &Path, std_name: &str) -> String {
    if is_std(path) {
        std_name.to_owned()
    } else {
        format!("'{}'", path.display())
    }
}

/// `e` as the command reports it: when the input is the other IPC format, the library's
/// hint (open it as a file / stream) gives way to the command that converts it.
fn with_command_hint(e: IpcError) -> String {
    match e {
        IpcError::NotArrowData {
            location,
            problem,
            looks_like: Some(format),
        } => {
            let (name, command) = match format {
                IpcFormat::File => ("file", "file-to-stream"),
                IpcFormat::Stream => ("stream", "stream-to-file"),
            };
            let without_hint = IpcError::NotArrowData {
                location,
                problem,
                looks_like: None,
            };
            format!("{without_hint} (the input looks like an Arrow IPC {name}: use {command})")
        }
        other => other.to_string(),
    }
}

fn read_error(format: &str, path: &Path, e: &dyn Display) -> CliError {
    CliError::new(format!(
        "cannot read {format} {}: {e}",
        describe(path, "from standard input")
    ))
}

fn write_error(format: &str, path: &Path, e: &dyn Display) -> CliError {
    CliError::new(format!(
        "cannot write {format} {}: {e}",
        describe(path, "to standard output")
    ))
}

/// The whole input as one [`Buffer`]: a memory map of a regular file (zero-copy), or
/// the bytes of standard input or a pipe read into memory (the file format needs random
/// access).
pub(super) fn open_random_access(path: &Path) -> io::Result<Buffer> {
    let mut bytes = Vec::new();
    if is_std(path) {
        io::stdin().lock().read_to_end(&mut bytes)?;
    } else {
        let file = File::open(path)?;
        if file.metadata()?.is_file() {
            return Ok(MemoryMappedFile::from_file(&file)?.buffer().clone());
        }
        BufReader::new(file).read_to_end(&mut bytes)?;
    }
    Ok(Buffer::from_vec(bytes))
}

/// A regular file is memory-mapped (zero-copy); standard input and pipes are read
/// through a buffer, one message at a time.
fn open_stream(path: &Path) -> io::Result<Box<dyn InputStream>> {
    if is_std(path) {
        return Ok(Box::new(ReadInputStream::new(BufReader::new(io::stdin()))));
    }
    let file = File::open(path)?;
    if file.metadata()?.is_file() {
        Ok(Box::new(MemoryMappedFile::from_file(&file)?))
    } else {
        Ok(Box::new(ReadInputStream::new(BufReader::new(file))))
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
    /// the directory of `path`.
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
        let mut attempt = 0u32;
        loop {
            let mut temp_name = std::ffi::OsString::from(".");
            temp_name.push(name);
            temp_name.push(format!(".quiver-{}-{attempt}.tmp", std::process::id()));
            let temp = dir.join(temp_name);
            match OpenOptions::new().write(true).create_new(true).open(&temp) {
                Ok(file) => {
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
                if let Some((temp, dest)) = &self.paths {
                    fs::rename(temp, dest)?;
                }
                self.paths = None;
                Ok(())
            }
        }
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        if let Some((temp, _)) = &self.paths {
            // Best effort: the conversion already failed and reports its own error.
            let _ = fs::remove_file(temp);
        }
    }
}
