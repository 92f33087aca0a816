//! Opening an input whose format is told by its bytes, not its name: an Arrow IPC file
//! (it starts with the `ARROW1` magic) or an Arrow IPC stream (anything else).
//!
//! Regular files are memory-mapped, so decoding reads column data in place. Standard
//! input and pipes are peeked without consuming: a file is read whole (the footer is at
//! the end), a stream one message at a time.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use quiver::ipc::{FileReader, IpcError, IpcFormat, IpcReadOptions, StreamReader};
use quiver::{
    Buffer, InputStream, MemoryMappedFile, ReadInputStream, RecordBatch, Schema, SchemaRef,
};

use super::CliError;
use super::convert::{describe, is_std};

/// The file format's leading magic.
const FILE_MAGIC: &[u8] = b"ARROW1";

/// An open input of either format.
pub enum Input {
    /// The file format, with random access to its batches.
    File {
        /// The reader.
        reader: FileReader<Buffer>,
        /// The next batch [`Input::next_batch`] returns.
        next: usize,
    },
    /// The streaming format, read in order.
    Stream(StreamReader<Box<dyn InputStream>>),
}

impl Input {
    /// Opens `path` (`-` for standard input), telling the format from the first bytes.
    /// Errors are worded for the user: which input, what is wrong with it.
    pub fn open(path: &Path, options: IpcReadOptions) -> Result<Self, CliError> {
        let name = describe(path, "standard input");
        let io_error = |e: io::Error| CliError::new(format!("cannot read {name}: {e}"));
        let source = Source::open(path).map_err(io_error)?;
        let ipc_error = |e: IpcError| CliError::new(format!("cannot read {name}: {e}"));
        match source {
            Source::Bytes(bytes) if bytes.starts_with(FILE_MAGIC) => Ok(Input::File {
                reader: FileReader::try_new_with_options(bytes, options).map_err(ipc_error)?,
                next: 0,
            }),
            Source::Bytes(bytes) => {
                let stream: Box<dyn InputStream> = Box::new(quiver::BufferReader::new(bytes));
                Ok(Input::Stream(
                    StreamReader::try_new_with_options(stream, options).map_err(ipc_error)?,
                ))
            }
            Source::Reader(mut reader) => {
                if peek(&mut reader, FILE_MAGIC.len()).map_err(io_error)? == FILE_MAGIC {
                    let mut bytes = Vec::new();
                    reader.read_to_end(&mut bytes).map_err(io_error)?;
                    let reader = FileReader::try_new_with_options(Buffer::from_vec(bytes), options)
                        .map_err(ipc_error)?;
                    return Ok(Input::File { reader, next: 0 });
                }
                let stream: Box<dyn InputStream> = Box::new(ReadInputStream::new(reader));
                Ok(Input::Stream(
                    StreamReader::try_new_with_options(stream, options).map_err(ipc_error)?,
                ))
            }
        }
    }

    /// Which of the two formats the input is in.
    pub fn format(&self) -> IpcFormat {
        match self {
            Input::File { .. } => IpcFormat::File,
            Input::Stream(_) => IpcFormat::Stream,
        }
    }

    /// The schema (projected when the read options set a projection).
    pub fn schema(&self) -> &SchemaRef {
        match self {
            Input::File { reader, .. } => reader.schema(),
            Input::Stream(reader) => reader.schema(),
        }
    }

    /// The next batch in order, or `None` after the last one.
    pub fn next_batch(&mut self) -> Result<Option<RecordBatch>, IpcError> {
        match self {
            Input::File { reader, next } => {
                if *next >= reader.num_record_batches() {
                    return Ok(None);
                }
                let batch = reader.get_batch(*next)?;
                *next += 1;
                Ok(Some(batch))
            }
            Input::Stream(reader) => reader.next_batch(),
        }
    }
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Input")
            .field("format", &self.format())
            .field("schema", self.schema())
            .finish()
    }
}

/// The bytes behind an input: all of them (a memory map), or a buffered reader.
enum Source {
    Bytes(Buffer),
    Reader(BufReader<Box<dyn Read>>),
}

impl Source {
    fn open(path: &Path) -> io::Result<Self> {
        if is_std(path) {
            return Ok(Source::Reader(BufReader::new(Box::new(io::stdin()))));
        }
        let file = File::open(path)?;
        if file.metadata()?.is_file() {
            return Ok(Source::Bytes(
                MemoryMappedFile::from_file(&file)?.buffer().clone(),
            ));
        }
        Ok(Source::Reader(BufReader::new(Box::new(file))))
    }
}

/// Up to `n` leading bytes of `reader`, left in its buffer (fewer only at end of input).
fn peek(reader: &mut BufReader<Box<dyn Read>>, n: usize) -> io::Result<Vec<u8>> {
    loop {
        let available = reader.fill_buf()?;
        if available.len() >= n {
            return Ok(available[..n].to_vec());
        }
        // A pipe may deliver fewer bytes than asked for; `fill_buf` returns more only
        // once the buffer is empty, so move what is there into a bigger, primed reader.
        let mut head = available.to_vec();
        let consumed = head.len();
        reader.consume(consumed);
        let mut more = vec![0u8; n - head.len()];
        let got = read_up_to(reader, &mut more)?;
        head.extend_from_slice(&more[..got]);
        let rest = std::mem::replace(reader, BufReader::new(Box::new(io::empty())));
        *reader = BufReader::new(Box::new(io::Cursor::new(head.clone()).chain(rest)));
        if got < n - consumed {
            return Ok(head);
        }
    }
}

/// Reads until `buf` is full or the input ends; returns the bytes read.
fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// `names` without repeats, in their first order.
pub fn names_in_order(names: &[String]) -> impl Iterator<Item = &str> {
    names
        .iter()
        .enumerate()
        .filter(|(i, n)| !names[..*i].contains(n))
        .map(|(_, n)| n.as_str())
}

/// The index of each named column (the first of that name), in the order given; a
/// name given twice is taken once. `name` names the input in the error.
pub fn column_indices(
    schema: &Schema,
    names: &[String],
    name: &str,
) -> Result<Vec<usize>, CliError> {
    names_in_order(names)
        .map(|wanted| {
            schema
                .fields()
                .iter()
                .position(|f| f.name() == wanted)
                .ok_or_else(|| {
                    let all: Vec<&str> = schema.fields().iter().map(|f| f.name()).collect();
                    let all = if all.is_empty() {
                        "(none)".to_owned()
                    } else {
                        all.join(", ")
                    };
                    CliError::new(format!(
                        "no column named '{wanted}' in {name}; columns are: {all}"
                    ))
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use quiver::{DataType, Field};

    #[test]
    fn columns_resolve_in_order_once_each() {
        let schema = Schema::new(vec![
            Field::new("a", DataType::Int32, true),
            Field::new("b", DataType::Utf8, true),
            Field::new("c", DataType::Boolean, true),
        ]);
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            column_indices(&schema, &names(&["c", "a", "c"]), "'f'").unwrap(),
            vec![2, 0]
        );
        let err = column_indices(&schema, &names(&["a", "x"]), "'f'").unwrap_err();
        assert_eq!(
            err.to_string(),
            "no column named 'x' in 'f'; columns are: a, b, c"
        );
    }
}
