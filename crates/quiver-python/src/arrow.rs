//! Arrow arrays, record batches and tensors between Quiver and pyarrow.
//!
//! INTERIM: arrays and record batches cross by an Arrow IPC stream written on one side
//! and read on the other (`pyarrow.ipc.open_stream` / `new_stream`). This pair of
//! functions, [`arrow_to_python`] and [`python_to_arrow`], is the only place that does
//! it; both are to be replaced by the Arrow C data interface (`quiver-ffi`) once it is
//! merged, which also brings quiver's own array objects for when pyarrow is missing.
//! The column data is not copied on the way to pyarrow (pyarrow reads the stream
//! zero-copy from a `quiver.Buffer`), but is copied once into the stream on the way
//! back.

use pyo3::prelude::*;
use quiver_array::RecordBatch;
use quiver_ipc::{Decoded, IpcReadOptions, StreamDecoder, StreamWriter, Tensor};
use quiver_legacy::{DType, Value};

use crate::buffer::{Buffer, input_buffer};
use crate::decode::ndarray;
use crate::errors::{Class, error, ipc};

/// pyarrow, needed to return `what`; ArrowNotImplementedError when it is missing.
fn pyarrow<'py>(py: Python<'py>, what: &str) -> PyResult<Bound<'py, PyModule>> {
    py.import("pyarrow").map_err(|e| {
        error(
            py,
            Class::NotImplemented,
            format!(
                "this blob holds {what}, which quiver returns as a pyarrow object, but \
                 pyarrow cannot be imported ({e}); install it with `pip install pyarrow`"
            ),
        )
    })
}

/// A decoded [`Value::Array`] or [`Value::RecordBatch`] as a `pyarrow.Array` or
/// `pyarrow.RecordBatch` (INTERIM: through an IPC stream, see the module docs).
pub(crate) fn arrow_to_python<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    let (batch, is_array) = match v {
        Value::Array(a) => {
            let batch = RecordBatch::try_from_columns(vec![a.clone()], &[""]).map_err(|e| {
                error(
                    py,
                    Class::Invalid,
                    format!("cannot wrap a decoded array: {e}"),
                )
            })?;
            (batch, true)
        }
        Value::RecordBatch(b) => (b.clone(), false),
        other => {
            return Err(error(
                py,
                Class::Exception,
                format!(
                    "internal: arrow_to_python called with a {}",
                    other.type_name()
                ),
            ));
        }
    };
    let pa = pyarrow(
        py,
        if is_array {
            "a pyarrow.Array"
        } else {
            "a pyarrow.RecordBatch"
        },
    )?;
    let what = "handing an Arrow payload to pyarrow";
    let mut writer =
        StreamWriter::try_new(Vec::new(), batch.schema()).map_err(|e| ipc(py, what, e))?;
    writer.write(&batch).map_err(|e| ipc(py, what, e))?;
    let stream = writer.close().map_err(|e| ipc(py, what, e))?;
    let stream = Bound::new(py, Buffer::new(quiver_buffer::Buffer::from_vec(stream)))?;
    let source = pa.call_method1("py_buffer", (stream,))?;
    let reader = pa.getattr("ipc")?.call_method1("open_stream", (source,))?;
    let out = reader.call_method0("read_next_batch")?;
    if is_array {
        out.call_method1("column", (0,))
    } else {
        Ok(out)
    }
}

/// A `pyarrow.Array` (`is_array`) or `pyarrow.RecordBatch` as a [`Value`] (INTERIM:
/// through an IPC stream, see the module docs).
pub(crate) fn python_to_arrow(
    pa: &Bound<'_, PyModule>,
    obj: &Bound<'_, PyAny>,
    is_array: bool,
) -> PyResult<Value> {
    let py = obj.py();
    let batch = if is_array {
        pa.getattr("RecordBatch")?
            .call_method1("from_arrays", (vec![obj.clone()], vec![""]))?
    } else {
        obj.clone()
    };
    let sink = pa.call_method0("BufferOutputStream")?;
    let writer = pa
        .getattr("ipc")?
        .call_method1("new_stream", (&sink, batch.getattr("schema")?))?;
    writer.call_method1("write_batch", (&batch,))?;
    writer.call_method0("close")?;
    let stream = input_buffer(&sink.call_method0("getvalue")?)?;
    let batch = read_one_batch(py, &stream)?;
    if is_array {
        match batch.columns() {
            [column] => Ok(Value::Array(column.clone())),
            _ => Err(error(
                py,
                Class::Exception,
                "internal: a one-column batch lost its column",
            )),
        }
    } else {
        Ok(Value::RecordBatch(batch))
    }
}

/// The single record batch of an IPC stream that pyarrow wrote.
fn read_one_batch(py: Python<'_>, stream: &quiver_buffer::Buffer) -> PyResult<RecordBatch> {
    let what = "reading an Arrow payload from pyarrow";
    let mut decoder = StreamDecoder::new(IpcReadOptions::default());
    let mut input = stream.clone();
    let mut found = None;
    while let Some(event) = decoder.decode(&mut input).map_err(|e| ipc(py, what, e))? {
        match event {
            Decoded::RecordBatch(b) => found = Some(b),
            Decoded::EndOfStream => break,
            _ => {}
        }
    }
    decoder.finish().map_err(|e| ipc(py, what, e))?;
    found.ok_or_else(|| error(py, Class::Exception, format!("internal: {what}: no batch")))
}

/// A decoded tensor as a `pyarrow.Tensor` over the input memory (no copy).
pub(crate) fn tensor_to_python<'py>(py: Python<'py>, t: &Tensor) -> PyResult<Bound<'py, PyAny>> {
    let dtype = DType::from_tensor_type(t.data_type()).ok_or_else(|| {
        error(
            py,
            Class::NotImplemented,
            format!(
                "a tensor of {:?} elements has no numpy dtype",
                t.data_type()
            ),
        )
    })?;
    let pa = pyarrow(py, "a pyarrow.Tensor")?;
    let array = ndarray(py, dtype.numpy_str(), t.shape(), t.strides(), t.data())?;
    pa.getattr("Tensor")?.call_method1("from_numpy", (array,))
}
