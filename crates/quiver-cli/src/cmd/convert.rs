//! `quiver convert`, `quiver file-to-stream` and `quiver stream-to-file`: convert between
//! the Arrow IPC file and streaming formats.
//!
//! No command copies bytes: every batch is decoded and validated by the library's readers
//! (default read options, unless `--no-value-range-checks` relaxes them) and encoded
//! again by its writers (metadata V5, continuation markers). The schema, its metadata,
//! field metadata, batch boundaries and per-batch custom metadata are kept — except that
//! `--batch-size` re-chunks the rows (and drops per-batch custom metadata, which belonged
//! to the old batches) and `--columns` keeps only the named columns. Batches are converted
//! one at a time, so memory use is about one batch, not the whole input.
//!
//! The output keeps the input's body compression unless `--compression` says otherwise:
//! the codec of the input's first record batch (read from its message metadata) is used
//! for every output batch, at the codec's default level. An input without batches gives an
//! uncompressed output.
//!
//! Inputs that are regular files are memory-mapped, so decoding reads column data in
//! place. The output is written through [`Output`] (a temporary file renamed over `OUT`
//! on success, removed on failure or interrupt); `-` writes to standard output, refused
//! when that is a terminal. The file format can go to standard output too: it is written
//! front to back without seeking. IN and OUT naming the same file is refused before
//! anything is opened. A progress bar appears on a terminal's standard error for long
//! conversions (see [`progress`](super::progress)).

use std::fmt::Display;
use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::path::Path;
use std::sync::Arc;

use quiver::ipc::{
    CompressionCodec, FileReader, FileWriter, IpcError, IpcFormat, IpcReadOptions, IpcWriteOptions,
    StreamReader, StreamWriter,
};
use quiver::{
    ArrayError, Buffer, InputStream, MemoryMappedFile, ReadInputStream, RecordBatch, Schema,
    SchemaRef,
};

use super::CliError;
use super::input::{Input, column_indices};
// Re-exported: `legacy` (and other commands) write through it from here.
pub(super) use super::output::Output;
use super::output::{refuse_same_file, refuse_terminal};
use super::progress::Progress;

/// `--to`: an IPC format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The file (random access) format, `.arrow`.
    File,
    /// The streaming format, `.arrows`.
    Stream,
}

impl Format {
    /// The library's name for it.
    pub fn ipc(self) -> IpcFormat {
        match self {
            Format::File => IpcFormat::File,
            Format::Stream => IpcFormat::Stream,
        }
    }
}

/// `--compression`: the body compression of the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Compression {
    /// No compression.
    None,
    /// LZ4 frame.
    Lz4,
    /// Zstandard.
    Zstd,
}

impl Compression {
    fn codec(self) -> Option<CompressionCodec> {
        match self {
            Compression::None => None,
            Compression::Lz4 => Some(CompressionCodec::Lz4Frame),
            Compression::Zstd => Some(CompressionCodec::Zstd),
        }
    }
}

/// Examples for `quiver convert --help`.
pub const CONVERT_EXAMPLES: &str = "\
Examples:
  quiver convert data.arrows data.arrow --to file         stream -> file
  quiver convert in.arrow out.arrow --compression zstd    recompress with ZSTD
  quiver convert in.arrow out.arrow --compression none    decompress
  quiver convert big.arrow small.arrow --columns id,name  keep two columns
  quiver convert in.arrow out.arrow --batch-size 65536    re-chunk the rows
  cat in.arrows | quiver convert - - --compression lz4 | nc host 9000

Without --to the output has the input's format (told by its bytes, not its name); \
without --compression it keeps the input's compression. '-' is standard input or \
output; binary output is never written to a terminal. The output appears only when \
the conversion succeeded (Ctrl-C included, nothing is left behind).";

/// The arguments of `quiver convert`.
#[derive(Debug, clap::Args)]
pub struct ConvertArgs {
    /// The Arrow IPC file or stream to read ('-' for standard input).
    #[arg(value_name = "IN")]
    pub input: std::path::PathBuf,
    /// Where to write ('-' for standard output, refused when it is a terminal).
    #[arg(value_name = "OUT")]
    pub output: std::path::PathBuf,
    /// The output format (default: the input's).
    #[arg(long, value_enum)]
    pub to: Option<Format>,
    /// The output's body compression (default: the input's).
    #[arg(long, value_enum)]
    pub compression: Option<Compression>,
    /// The ZSTD level, 1 (fast) to 22 (small); default 3. Needs --compression zstd.
    #[arg(long, value_name = "L", requires = "compression",
          value_parser = clap::value_parser!(i32).range(1..=22))]
    pub zstd_level: Option<i32>,
    /// Re-chunk the rows into batches of N rows (the last may be shorter).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub batch_size: Option<u64>,
    /// Keep only these columns, in this order (comma-separated names).
    #[arg(long, value_name = "a,b", value_delimiter = ',')]
    pub columns: Option<Vec<String>>,
}

/// What a conversion writes.
#[derive(Debug, Default)]
struct Plan {
    /// `None`: the input's format.
    to: Option<IpcFormat>,
    /// `None`: the input's compression.
    compression: Option<Option<CompressionCodec>>,
    zstd_level: Option<i32>,
    batch_size: Option<usize>,
    columns: Option<Vec<String>>,
}

/// `quiver convert IN OUT`.
pub fn convert(args: &ConvertArgs, options: IpcReadOptions) -> Result<(), CliError> {
    if args.zstd_level.is_some() && args.compression != Some(Compression::Zstd) {
        return Err(CliError::usage(
            "--zstd-level applies to ZSTD only: use it with --compression zstd",
        ));
    }
    refuse_same_file(&args.input, &args.output)?;
    refuse_terminal(&args.output, "Arrow IPC data")?;
    let input = Input::open(&args.input, options)?;
    let batch_size = args
        .batch_size
        .map(|n| usize::try_from(n).unwrap_or(usize::MAX));
    let plan = Plan {
        to: args.to.map(Format::ipc),
        compression: args.compression.map(Compression::codec),
        zstd_level: args.zstd_level,
        batch_size,
        columns: args.columns.clone(),
    };
    run(input, &args.input, &args.output, &plan)
}

/// Converts the Arrow IPC file `input` into an Arrow IPC stream at `output`.
pub fn file_to_stream(
    input: &Path,
    output: &Path,
    options: IpcReadOptions,
) -> Result<(), CliError> {
    refuse_same_file(input, output)?;
    refuse_terminal(output, "an Arrow IPC stream")?;
    let read_error = |e: &dyn Display| read_error("file", input, e);
    let bytes = open_random_access(input).map_err(|e| read_error(&e))?;
    let reader = FileReader::try_new_with_options(bytes, options)
        .map_err(|e| read_error(&with_command_hint(e)))?;
    let plan = Plan {
        to: Some(IpcFormat::Stream),
        ..Plan::default()
    };
    run(Input::File { reader, next: 0 }, input, output, &plan)
}

/// Converts the Arrow IPC stream `input` into an Arrow IPC file at `output`.
pub fn stream_to_file(
    input: &Path,
    output: &Path,
    options: IpcReadOptions,
) -> Result<(), CliError> {
    refuse_same_file(input, output)?;
    refuse_terminal(output, "an Arrow IPC file")?;
    let read_error = |e: &dyn Display| read_error("stream", input, e);
    let source = open_stream(input).map_err(|e| read_error(&e))?;
    let reader = StreamReader::try_new_with_options(source, options)
        .map_err(|e| read_error(&with_command_hint(e)))?;
    let plan = Plan {
        to: Some(IpcFormat::File),
        ..Plan::default()
    };
    run(Input::Stream(reader), input, output, &plan)
}

/// The conversion itself, from an open input.
fn run(mut input: Input, in_path: &Path, out_path: &Path, plan: &Plan) -> Result<(), CliError> {
    let in_format = format_name(input.format());
    let to = plan.to.unwrap_or(input.format());
    let read_error = |e: &dyn Display| read_error(in_format, in_path, e);
    let write_error =
        |e: &(dyn std::error::Error + 'static)| write_error(format_name(to), out_path, e);

    let projection = match &plan.columns {
        Some(names) => Some(column_indices(
            input.schema(),
            names,
            &describe(in_path, "standard input"),
        )?),
        None => None,
    };
    let schema = match &projection {
        Some(indices) => project_schema(input.schema(), indices),
        None => Arc::clone(input.schema()),
    };
    let mut progress = Progress::new("converting", input_size(in_path));

    let mut next = input.next_batch().map_err(|e| read_error(&e))?;
    let codec = match plan.compression {
        Some(codec) => codec,
        None if next.is_some() => first_batch_codec(&input).map_err(|e| read_error(&e))?,
        None => None,
    };
    let options = IpcWriteOptions::default().with_compression(codec, plan.zstd_level);
    let (target, sink) = Output::create(out_path).map_err(|e| write_error(&e))?;
    let mut writer = Writer::new(to, sink, &schema, options).map_err(|e| write_error(&e))?;
    let mut chunker = plan
        .batch_size
        .map(|n| Rechunker::new(n, Arc::clone(&schema)));
    while let Some(batch) = next {
        let batch = match &projection {
            Some(indices) => batch.project(indices).map_err(|e| read_error(&e))?,
            None => batch,
        };
        match &mut chunker {
            Some(chunker) => {
                for chunk in chunker.push(&batch).map_err(|e| write_error(&e))? {
                    writer.write(&chunk).map_err(|e| write_error(&e))?;
                }
            }
            None => writer.write(&batch).map_err(|e| write_error(&e))?,
        }
        progress.set_position(position(&input));
        next = input.next_batch().map_err(|e| read_error(&e))?;
    }
    if let Some(chunk) = chunker.and_then(|c| c.finish().transpose()) {
        let chunk = chunk.map_err(|e| write_error(&e))?;
        writer.write(&chunk).map_err(|e| write_error(&e))?;
    }
    let sink = writer.close().map_err(|e| write_error(&e))?;
    target.commit(sink).map_err(|e| write_error(&e))?;
    progress.finish();
    Ok(())
}

/// The schema of the columns at `indices`, as [`RecordBatch::project`] builds it.
fn project_schema(schema: &Schema, indices: &[usize]) -> SchemaRef {
    let fields = indices
        .iter()
        .filter_map(|&i| schema.fields().get(i).cloned())
        .collect();
    Arc::new(Schema::new(fields).with_metadata(schema.metadata().clone()))
}

/// The compression of the input's first record batch (already read).
fn first_batch_codec(input: &Input) -> Result<Option<CompressionCodec>, IpcError> {
    match input {
        Input::File { reader, .. } => reader.batch_message(0)?.body_compression(),
        Input::Stream(reader) => match reader.decoder().last_batch_message() {
            Some(message) => message.body_compression(),
            None => Ok(None),
        },
    }
}

/// Bytes of the input behind the batches read so far.
fn position(input: &Input) -> u64 {
    match input {
        Input::File { reader, next } => next
            .checked_sub(1)
            .and_then(|i| reader.decoder().record_batches().get(i))
            .map_or(0, |b| {
                b.offset
                    .saturating_add(b.total_length().unwrap_or(0) as u64)
            }),
        Input::Stream(reader) => reader.decoder().bytes_consumed(),
    }
}

/// The size of a regular-file input (`None` for standard input and pipes).
fn input_size(path: &Path) -> Option<u64> {
    if is_std(path) {
        return None;
    }
    std::fs::metadata(path)
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len())
}

/// `file` or `stream`.
fn format_name(format: IpcFormat) -> &'static str {
    match format {
        IpcFormat::File => "file",
        IpcFormat::Stream => "stream",
    }
}

/// A writer of either format.
pub(super) enum Writer<W: Write> {
    File(FileWriter<W>),
    Stream(StreamWriter<W>),
}

impl<W: Write> Writer<W> {
    pub(super) fn new(
        format: IpcFormat,
        sink: W,
        schema: &Schema,
        options: IpcWriteOptions,
    ) -> Result<Self, IpcError> {
        Ok(match format {
            IpcFormat::File => {
                Writer::File(FileWriter::try_new_with_options(sink, schema, options)?)
            }
            IpcFormat::Stream => {
                Writer::Stream(StreamWriter::try_new_with_options(sink, schema, options)?)
            }
        })
    }

    pub(super) fn write(&mut self, batch: &RecordBatch) -> Result<(), IpcError> {
        match self {
            Writer::File(w) => w.write(batch),
            Writer::Stream(w) => w.write(batch),
        }
    }

    pub(super) fn close(self) -> Result<W, IpcError> {
        match self {
            Writer::File(w) => w.close(),
            Writer::Stream(w) => w.close(),
        }
    }
}

/// Re-chunks rows into batches of `size` rows: a batch is sliced (zero-copy) where it
/// holds more, and slices of several batches are concatenated where it holds fewer.
struct Rechunker {
    size: usize,
    schema: SchemaRef,
    pending: Vec<RecordBatch>,
    rows: usize,
}

impl Rechunker {
    fn new(size: usize, schema: SchemaRef) -> Self {
        Self {
            size: size.max(1),
            schema,
            pending: Vec::new(),
            rows: 0,
        }
    }

    /// Takes `batch`; returns the batches of `size` rows it completed.
    fn push(&mut self, batch: &RecordBatch) -> Result<Vec<RecordBatch>, ArrayError> {
        let mut done = Vec::new();
        let mut offset = 0;
        while offset < batch.num_rows() {
            let take = (self.size - self.rows).min(batch.num_rows() - offset);
            self.pending.push(batch.slice(offset, take)?);
            self.rows += take;
            offset += take;
            if self.rows == self.size {
                done.push(self.flush()?);
            }
        }
        Ok(done)
    }

    /// The last, shorter batch, if rows are left.
    fn finish(mut self) -> Result<Option<RecordBatch>, ArrayError> {
        if self.rows == 0 {
            return Ok(None);
        }
        self.flush().map(Some)
    }

    fn flush(&mut self) -> Result<RecordBatch, ArrayError> {
        let parts = std::mem::take(&mut self.pending);
        let rows = std::mem::take(&mut self.rows);
        let columns = (0..self.schema.fields().len())
            .map(|i| {
                let arrays: Vec<_> = parts
                    .iter()
                    .filter_map(|p| p.columns().get(i).cloned())
                    .collect();
                quiver::concat(&arrays)
            })
            .collect::<Result<Vec<_>, _>>()?;
        RecordBatch::try_new_with_row_count(Arc::clone(&self.schema), columns, rows)
    }
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
            format!(
                "{without_hint} (the input looks like an Arrow IPC {name}: use {command}, \
                 or convert, which reads both)"
            )
        }
        other => other.to_string(),
    }
}

pub(super) fn read_error(format: &str, path: &Path, e: &dyn Display) -> CliError {
    CliError::new(format!(
        "cannot read {format} {}: {e}",
        describe(path, "from standard input")
    ))
}

/// A failed write of `format` to `path`; quiet when standard output was closed by its
/// reader (`quiver convert in.arrow - | head -c 100`).
pub(super) fn write_error(
    format: &str,
    path: &Path,
    e: &(dyn std::error::Error + 'static),
) -> CliError {
    CliError::new(format!(
        "cannot write {format} {}: {e}",
        describe(path, "to standard output")
    ))
    .quiet_on_broken_pipe(is_std(path), e)
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
