//! Reading the served files: memory-mapped, the format told from the bytes, batches
//! decoded one at a time as the `DoGet` stream is polled.

use std::fs::File;
use std::path::Path;

use futures::stream;
use quiver_array::{RecordBatch, SchemaRef};
use quiver_buffer::{Buffer, BufferReader, MemoryMappedFile};
use quiver_ipc::{FileReader, IpcError, IpcReadOptions, StreamReader};
use tonic::Status;

use super::check_name;
use crate::error::FlightError;
use crate::server::BatchStream;

/// The leading magic of the IPC file format; anything else is read as a stream.
const FILE_MAGIC: &[u8] = b"ARROW1";

/// A served file, open for reading.
pub(super) struct Opened {
    name: String,
    reader: Reader,
}

enum Reader {
    File(FileReader<Buffer>),
    Stream(StreamReader<BufferReader>),
}

/// What `FlightInfo` says about a file.
#[derive(Debug)]
pub(super) struct Scan {
    pub(super) schema: SchemaRef,
    pub(super) rows: u64,
    pub(super) bytes: u64,
}

fn not_found(name: &str, why: impl std::fmt::Display) -> Status {
    Status::not_found(format!("no flight named {name:?}: {why}"))
}

/// The bytes of `dir/name`, memory-mapped.
fn map(dir: &Path, name: &str) -> Result<Buffer, Status> {
    let path = dir.join(name);
    let file = File::open(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            not_found(name, "there is no such file in the served directory")
        }
        _ => Status::internal(format!("cannot open {name:?} on the server: {e}")),
    })?;
    let meta = file
        .metadata()
        .map_err(|e| Status::internal(format!("cannot read {name:?} on the server: {e}")))?;
    if !meta.is_file() {
        return Err(not_found(name, "it is not a regular file"));
    }
    let map = MemoryMappedFile::from_file(&file)
        .map_err(|e| Status::internal(format!("cannot memory-map {name:?} on the server: {e}")))?;
    Ok(map.buffer().clone())
}

fn open_bytes(bytes: Buffer, options: IpcReadOptions) -> Result<Reader, IpcError> {
    if bytes.as_slice().starts_with(FILE_MAGIC) {
        Ok(Reader::File(FileReader::try_new_with_options(
            bytes, options,
        )?))
    } else {
        Ok(Reader::Stream(StreamReader::try_new_with_options(
            BufferReader::new(bytes),
            options,
        )?))
    }
}

fn not_arrow(name: &str, e: IpcError) -> Status {
    not_found(
        name,
        format_args!("the file is not Arrow IPC data that this server can read ({e})"),
    )
}

/// Opens `dir/name` (a checked name) for reading.
pub(super) fn open(dir: &Path, name: &str, options: &IpcReadOptions) -> Result<Opened, Status> {
    let bytes = map(dir, name)?;
    let reader = open_bytes(bytes, options.clone()).map_err(|e| not_arrow(name, e))?;
    Ok(Opened {
        name: name.to_owned(),
        reader,
    })
}

/// The schema, row count and size of `dir/name`. Rows are counted by reading each
/// batch with no columns, which decodes no column data.
pub(super) fn scan(dir: &Path, name: &str, options: &IpcReadOptions) -> Result<Scan, Status> {
    let bytes = map(dir, name)?;
    let size = bytes.len() as u64;
    let schema = match open_bytes(bytes.clone(), options.clone()) {
        Ok(Reader::File(r)) => r.schema().clone(),
        Ok(Reader::Stream(r)) => r.schema().clone(),
        Err(e) => return Err(not_arrow(name, e)),
    };
    let counting = options.clone().with_projection(Vec::new());
    let rows = match open_bytes(bytes, counting) {
        Ok(Reader::File(r)) => r.batches().try_fold(0u64, |n, b| {
            b.map(|b| n.saturating_add(b.num_rows() as u64))
        }),
        Ok(Reader::Stream(mut r)) => r.try_fold(0u64, |n, b| {
            b.map(|b| n.saturating_add(b.num_rows() as u64))
        }),
        Err(e) => Err(e),
    }
    .map_err(|e| not_arrow(name, e))?;
    Ok(Scan {
        schema,
        rows,
        bytes: size,
    })
}

/// Every Arrow file of `dir` with a plain name, sorted by name; other files are left out.
pub(super) fn list(dir: &Path, options: &IpcReadOptions) -> Result<Vec<(String, Scan)>, Status> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        Status::internal(format!(
            "cannot list the served directory on the server: {e}"
        ))
    })?;
    let mut names: Vec<String> = entries
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| check_name(name).is_ok())
        .collect();
    names.sort();
    Ok(names
        .into_iter()
        .filter_map(|name| {
            let scan = scan(dir, &name, options).ok()?;
            Some((name, scan))
        })
        .collect())
}

impl Opened {
    /// The file's schema.
    pub(super) fn schema(&self) -> &SchemaRef {
        match &self.reader {
            Reader::File(r) => r.schema(),
            Reader::Stream(r) => r.schema(),
        }
    }

    /// The file's batches, each read and decoded when the stream is polled for it.
    pub(super) fn into_batch_stream(self) -> BatchStream {
        let schema = self.schema().clone();
        let name = self.name;
        let failed = move |i: usize, e: IpcError| {
            FlightError::Status(Status::internal(format!(
                "cannot read batch {i} of {name:?} on the server: {e}"
            )))
        };
        let batches: Box<dyn Iterator<Item = Result<RecordBatch, FlightError>> + Send> = match self
            .reader
        {
            Reader::File(r) => Box::new(
                (0..r.num_record_batches()).map(move |i| r.get_batch(i).map_err(|e| failed(i, e))),
            ),
            Reader::Stream(r) => {
                Box::new(r.enumerate().map(move |(i, b)| b.map_err(|e| failed(i, e))))
            }
        };
        BatchStream::new(schema, stream::iter(batches))
    }
}
