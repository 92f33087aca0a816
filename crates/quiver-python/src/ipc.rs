//! `quiver.ipc`: the Arrow IPC file and stream readers and writers, for Python.
//!
//! Readers validate fully, as Quiver's Rust readers do by default (`value_range_checks=False`
//! accepts values outside their type's meaning, such as the decimals and dates of old
//! arrow-testing golden files, as the Rust option of that name does); a malformed input is
//! `ArrowInvalid` (`ArrowNotImplementedError` for a feature Quiver does not support,
//! `ArrowIOError` when reading fails). Writers take anything that exports the Arrow
//! PyCapsule interface.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyTuple};
use quiver_array::SchemaRef;
use quiver_ipc::{
    CompressionCodec, FileReader, FileWriter, IpcReadOptions, IpcWriteOptions, StreamReader,
    StreamWriter,
};

use crate::capsule::{check_requested, import_batches, import_schema, stream_capsule, type_name};
use crate::errors::{Class, error, guard, ipc};
use crate::io::{Sink, Source};
use crate::objects::{RecordBatch, Schema, Table};

/// A reader of the Arrow IPC file format (random access), from `quiver.ipc.open_file`.
#[pyclass(frozen, module = "quiver.ipc", name = "RecordBatchFileReader")]
pub struct RecordBatchFileReader {
    reader: Arc<FileReader<Source>>,
}

#[pymethods]
impl RecordBatchFileReader {
    /// The schema.
    #[getter]
    fn schema(&self) -> Schema {
        Schema {
            inner: self.reader.schema().clone(),
        }
    }

    /// The number of record batches in the file.
    #[getter]
    fn num_record_batches(&self) -> usize {
        self.reader.num_record_batches()
    }

    /// Batch `i` (0-based), read and fully validated.
    fn get_batch(&self, py: Python<'_>, i: usize) -> PyResult<RecordBatch> {
        let reader = Arc::clone(&self.reader);
        let batch = guard(py, "reading a batch", || {
            py.detach(|| reader.get_batch(i))
                .map_err(|e| ipc(py, &format!("reading batch {i} of the file"), e))
        })?;
        Ok(RecordBatch { inner: batch })
    }

    /// Every batch, as a `quiver.Table`.
    fn read_all(&self, py: Python<'_>) -> PyResult<Table> {
        let reader = Arc::clone(&self.reader);
        let table = guard(py, "reading a file", || {
            py.detach(|| reader.read_all())
                .map_err(|e| ipc(py, "reading the file", e))
        })?;
        Ok(Table { inner: table })
    }

    /// The file's batches as an `arrow_array_stream` PyCapsule, read one at a time as
    /// the consumer asks, zero-copy. `requested_schema` is accepted and not acted on.
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        check_requested(requested_schema)?;
        let reader = Arc::clone(&self.reader);
        let schema = reader.schema().clone();
        let batches = (0..reader.num_record_batches()).map(move |i| reader.get_batch(i));
        stream_capsule(py, schema, batches)
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, _args: &Bound<'_, PyTuple>) {}

    fn __repr__(&self) -> String {
        format!(
            "<quiver.ipc.RecordBatchFileReader num_record_batches={}>\n{}",
            self.reader.num_record_batches(),
            self.reader.schema()
        )
    }
}

/// A reader of the Arrow IPC stream format, from `quiver.ipc.open_stream`: iterate it
/// for the batches, or `read_all()`. Exporting it (`__arrow_c_stream__`) hands the
/// remaining batches to the consumer.
#[pyclass(module = "quiver.ipc", name = "RecordBatchStreamReader")]
pub struct RecordBatchStreamReader {
    schema: SchemaRef,
    reader: Option<StreamReader<Source>>,
}

impl RecordBatchStreamReader {
    fn take(&mut self, py: Python<'_>) -> PyResult<StreamReader<Source>> {
        self.reader.take().ok_or_else(|| {
            error(
                py,
                Class::Invalid,
                "the stream reader was already exported through __arrow_c_stream__",
            )
        })
    }
}

#[pymethods]
impl RecordBatchStreamReader {
    /// The schema.
    #[getter]
    fn schema(&self) -> Schema {
        Schema {
            inner: self.schema.clone(),
        }
    }

    fn __iter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    fn __next__(&mut self, py: Python<'_>) -> PyResult<Option<RecordBatch>> {
        Ok(self
            .read_next_batch_opt(py)?
            .map(|inner| RecordBatch { inner }))
    }

    /// The next batch; StopIteration at the end of the stream.
    fn read_next_batch(&mut self, py: Python<'_>) -> PyResult<RecordBatch> {
        match self.read_next_batch_opt(py)? {
            Some(inner) => Ok(RecordBatch { inner }),
            None => Err(pyo3::exceptions::PyStopIteration::new_err(())),
        }
    }

    /// The remaining batches, as a `quiver.Table`.
    fn read_all(&mut self, py: Python<'_>) -> PyResult<Table> {
        let mut batches = Vec::new();
        while let Some(b) = self.read_next_batch_opt(py)? {
            batches.push(b);
        }
        let table = quiver_array::Table::from_batches(self.schema.clone(), batches)
            .map_err(|e| error(py, Class::Invalid, format!("reading the stream: {e}")))?;
        Ok(Table { inner: table })
    }

    /// The remaining batches as an `arrow_array_stream` PyCapsule; the reader is
    /// consumed (as pyarrow's is). `requested_schema` is accepted and not acted on.
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &mut self,
        py: Python<'py>,
        requested_schema: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        check_requested(requested_schema)?;
        let reader = self.take(py)?;
        stream_capsule(py, self.schema.clone(), reader)
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&mut self, _args: &Bound<'_, PyTuple>) {
        self.reader = None;
    }

    fn __repr__(&self) -> String {
        format!("<quiver.ipc.RecordBatchStreamReader>\n{}", self.schema)
    }
}

impl RecordBatchStreamReader {
    fn read_next_batch_opt(
        &mut self,
        py: Python<'_>,
    ) -> PyResult<Option<quiver_array::RecordBatch>> {
        let Some(reader) = self.reader.as_mut() else {
            return Ok(None);
        };
        guard(py, "reading a stream", || {
            py.detach(|| reader.next_batch())
                .map_err(|e| ipc(py, "reading the stream", e))
        })
    }
}

/// The read options for the readers' keyword arguments: full validation, with value
/// range checks unless `value_range_checks` is false.
fn read_options(value_range_checks: bool) -> IpcReadOptions {
    IpcReadOptions::default().with_value_range_checks(value_range_checks)
}

/// `quiver.ipc.open_file(source, *, value_range_checks=True)`: opens an Arrow IPC file
/// (random access) and reads its footer. `source` is a path, an object with the buffer
/// protocol (read zero-copy) or `quiver.memory_map(path)` (zero-copy). Batches are
/// fully validated when read; `value_range_checks=False` accepts decimals wider than
/// their precision and date64 values that are not whole days. Raises ArrowInvalid for
/// a malformed file, FileNotFoundError for a missing path, ArrowTypeError for another
/// kind of source.
#[pyfunction]
#[pyo3(signature = (source, *, value_range_checks = true))]
pub(crate) fn open_file(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    value_range_checks: bool,
) -> PyResult<RecordBatchFileReader> {
    let source = Source::from_python(source)?;
    let options = read_options(value_range_checks);
    let reader = guard(py, "opening a file", || {
        py.detach(|| FileReader::try_new_with_options(source, options))
            .map_err(|e| ipc(py, "opening an Arrow IPC file", e))
    })?;
    Ok(RecordBatchFileReader {
        reader: Arc::new(reader),
    })
}

/// `quiver.ipc.open_stream(source, *, value_range_checks=True)`: opens an Arrow IPC
/// stream and reads its schema; iterate the reader for the batches. `source` and the
/// options are as for `open_file`.
#[pyfunction]
#[pyo3(signature = (source, *, value_range_checks = true))]
pub(crate) fn open_stream(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    value_range_checks: bool,
) -> PyResult<RecordBatchStreamReader> {
    let source = Source::from_python(source)?;
    let options = read_options(value_range_checks);
    let reader = guard(py, "opening a stream", || {
        py.detach(|| StreamReader::try_new_with_options(source, options))
            .map_err(|e| ipc(py, "opening an Arrow IPC stream", e))
    })?;
    Ok(RecordBatchStreamReader {
        schema: reader.schema().clone(),
        reader: Some(reader),
    })
}

/// The writer inside a `quiver.ipc` writer object.
enum Inner {
    File(FileWriter<Sink>),
    Stream(StreamWriter<Sink>),
}

/// A writer of the Arrow IPC file or stream format, from `quiver.ipc.new_file` or
/// `new_stream`. Use it as a context manager, or call `close()`: the file footer or the
/// stream's end marker is written then.
#[pyclass(module = "quiver.ipc", name = "RecordBatchWriter")]
pub struct RecordBatchWriter {
    inner: Option<Inner>,
    schema: SchemaRef,
}

impl RecordBatchWriter {
    fn write_batches(
        &mut self,
        py: Python<'_>,
        batches: &[quiver_array::RecordBatch],
    ) -> PyResult<()> {
        let inner = self
            .inner
            .as_mut()
            .ok_or_else(|| error(py, Class::Invalid, "the writer is closed"))?;
        guard(py, "writing a batch", || {
            for (i, b) in batches.iter().enumerate() {
                let done = match inner {
                    Inner::File(w) => w.write(b),
                    Inner::Stream(w) => w.write(b),
                };
                done.map_err(|e| ipc(py, &format!("writing batch {i} of the object"), e))?;
            }
            Ok(())
        })
    }
}

#[pymethods]
impl RecordBatchWriter {
    /// The schema every written batch must have.
    #[getter]
    fn schema(&self) -> Schema {
        Schema {
            inner: self.schema.clone(),
        }
    }

    /// Writes `obj`: anything that exports `__arrow_c_stream__` (every batch of it) or
    /// `__arrow_c_array__` (one batch): a pyarrow Table or RecordBatch, a polars
    /// DataFrame, a quiver batch or table. Its schema must be the writer's.
    fn write(&mut self, py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<()> {
        let (_, batches) = import_batches(obj)?.ok_or_else(|| {
            error(
                py,
                Class::TypeError,
                format!(
                    "write takes an object with __arrow_c_stream__ or __arrow_c_array__ \
                     (a pyarrow Table or RecordBatch, a polars DataFrame, a quiver batch), \
                     got a {}",
                    type_name(obj)
                ),
            )
        })?;
        self.write_batches(py, &batches)
    }

    /// Writes one batch (pyarrow's name; same as `write`).
    fn write_batch(&mut self, py: Python<'_>, batch: &Bound<'_, PyAny>) -> PyResult<()> {
        self.write(py, batch)
    }

    /// Writes every batch of a table (pyarrow's name; same as `write`).
    fn write_table(&mut self, py: Python<'_>, table: &Bound<'_, PyAny>) -> PyResult<()> {
        self.write(py, table)
    }

    /// Finishes the file (footer) or stream (end marker) and flushes the sink. Closing
    /// twice does nothing.
    fn close(&mut self, py: Python<'_>) -> PyResult<()> {
        let Some(inner) = self.inner.take() else {
            return Ok(());
        };
        guard(py, "closing a writer", || {
            let sink = match inner {
                Inner::File(w) => w.close(),
                Inner::Stream(w) => w.close(),
            }
            .map_err(|e| ipc(py, "closing the writer", e))?;
            if let Sink::File(mut f) = sink {
                std::io::Write::flush(&mut f)
                    .map_err(|e| error(py, Class::IoError, format!("flushing the file: {e}")))?;
            }
            Ok(())
        })
    }

    /// Whether `close()` ran.
    #[getter]
    fn closed(&self) -> bool {
        self.inner.is_none()
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    /// Closes the writer (also when the block raised, so the output is complete).
    #[pyo3(signature = (*_args))]
    fn __exit__(&mut self, py: Python<'_>, _args: &Bound<'_, PyTuple>) -> PyResult<()> {
        self.close(py)
    }
}

impl std::fmt::Debug for RecordBatchFileReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordBatchFileReader")
            .field("num_record_batches", &self.reader.num_record_batches())
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for RecordBatchStreamReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordBatchStreamReader")
            .field("open", &self.reader.is_some())
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for RecordBatchWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordBatchWriter")
            .field("closed", &self.inner.is_none())
            .finish_non_exhaustive()
    }
}

/// The codec for a `compression` argument.
fn codec(py: Python<'_>, compression: Option<&str>) -> PyResult<Option<CompressionCodec>> {
    match compression.map(str::to_ascii_lowercase).as_deref() {
        None => Ok(None),
        Some("lz4" | "lz4_frame") => Ok(Some(CompressionCodec::Lz4Frame)),
        Some("zstd") => Ok(Some(CompressionCodec::Zstd)),
        Some(other) => Err(error(
            py,
            Class::Invalid,
            format!("unknown compression {other:?}: use None, \"lz4\" or \"zstd\""),
        )),
    }
}

/// Opens a writer of either format.
fn new_writer(
    py: Python<'_>,
    sink: &Bound<'_, PyAny>,
    schema: &Bound<'_, PyAny>,
    compression: Option<&str>,
    file: bool,
) -> PyResult<RecordBatchWriter> {
    let schema: SchemaRef = import_schema(schema)?.into();
    let options = IpcWriteOptions::default().with_compression(codec(py, compression)?, None);
    let sink = Sink::from_python(sink)?;
    let what = if file {
        "starting an Arrow IPC file"
    } else {
        "starting an Arrow IPC stream"
    };
    let inner = guard(py, what, || {
        if file {
            FileWriter::try_new_with_options(sink, &schema, options).map(Inner::File)
        } else {
            StreamWriter::try_new_with_options(sink, &schema, options).map(Inner::Stream)
        }
        .map_err(|e| ipc(py, what, e))
    })?;
    Ok(RecordBatchWriter {
        inner: Some(inner),
        schema,
    })
}

/// `quiver.ipc.new_file(sink, schema, compression=None)`: a writer of the Arrow IPC
/// file format. `sink` is a path or a `quiver.BufferOutputStream`; `schema` anything
/// with `__arrow_c_schema__`; `compression` None, "lz4" or "zstd". Use it as a context
/// manager or call `close()`, which writes the footer.
#[pyfunction]
#[pyo3(signature = (sink, schema, compression = None))]
pub(crate) fn new_file(
    py: Python<'_>,
    sink: &Bound<'_, PyAny>,
    schema: &Bound<'_, PyAny>,
    compression: Option<&str>,
) -> PyResult<RecordBatchWriter> {
    new_writer(py, sink, schema, compression, true)
}

/// `quiver.ipc.new_stream(sink, schema, compression=None)`: a writer of the Arrow IPC
/// stream format; arguments as for `new_file`. `close()` writes the end-of-stream
/// marker.
#[pyfunction]
#[pyo3(signature = (sink, schema, compression = None))]
pub(crate) fn new_stream(
    py: Python<'_>,
    sink: &Bound<'_, PyAny>,
    schema: &Bound<'_, PyAny>,
    compression: Option<&str>,
) -> PyResult<RecordBatchWriter> {
    new_writer(py, sink, schema, compression, false)
}
