//! The Arrow PyCapsule interface: Quiver's schemas, batches and readers as capsules
//! named `arrow_schema`, `arrow_array` and `arrow_array_stream`, and imports from any
//! Python object that exports them (`__arrow_c_schema__`, `__arrow_c_array__`,
//! `__arrow_c_stream__`: pyarrow, polars, quiver itself).
//!
//! An exported capsule owns its C struct: when the consumer moved the struct out, its
//! `release` is null and the capsule's destructor does nothing; otherwise the
//! destructor (dropping the boxed struct) calls `release`, as the spec requires.

use std::ffi::CStr;

use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyTuple};
use quiver_array::{Array, RecordBatch, Schema, SchemaRef};
use quiver_ffi::{ArrowArray, ArrowArrayStream, ArrowArrayStreamReader, ArrowSchema, FfiError};

use crate::errors::{Class, error};

/// The capsule name of an `ArrowSchema`.
pub(crate) const SCHEMA: &CStr = c"arrow_schema";
/// The capsule name of an `ArrowArray`.
pub(crate) const ARRAY: &CStr = c"arrow_array";
/// The capsule name of an `ArrowArrayStream`.
pub(crate) const STREAM: &CStr = c"arrow_array_stream";

/// A C data interface error met while doing `what`, as `ArrowInvalid` (or
/// `ArrowNotImplementedError` for a type Quiver cannot carry).
pub(crate) fn ffi(py: Python<'_>, what: &str, e: FfiError) -> PyErr {
    let class = match &e {
        FfiError::Format { .. } => Class::NotImplemented,
        FfiError::Stream { .. } => Class::IoError,
        _ => Class::Invalid,
    };
    error(py, class, format!("{what}: {e}"))
}

/// A capsule owning an exported schema.
pub(crate) fn schema_capsule<'py>(
    py: Python<'py>,
    schema: &Schema,
) -> PyResult<Bound<'py, PyCapsule>> {
    let c = quiver_ffi::export_schema(schema).map_err(|e| ffi(py, "exporting a schema", e))?;
    PyCapsule::new_with_value(py, c, SCHEMA)
}

/// The `(schema, array)` capsule pair of a record batch (a struct array).
pub(crate) fn batch_capsules<'py>(
    py: Python<'py>,
    batch: &RecordBatch,
) -> PyResult<Bound<'py, PyTuple>> {
    let schema = schema_capsule(py, batch.schema())?;
    let array = quiver_ffi::export_record_batch(batch)
        .map_err(|e| ffi(py, "exporting a record batch", e))?;
    let array = PyCapsule::new_with_value(py, array, ARRAY)?;
    PyTuple::new(py, [schema.into_any(), array.into_any()])
}

/// The `(schema, array)` capsule pair of an array; the schema is an unnamed field.
pub(crate) fn array_capsules<'py>(py: Python<'py>, array: &Array) -> PyResult<Bound<'py, PyTuple>> {
    let field = quiver_array::Field::new("", array.data_type().clone(), true);
    let schema =
        quiver_ffi::export_field(&field).map_err(|e| ffi(py, "exporting an array's type", e))?;
    let schema = PyCapsule::new_with_value(py, schema, SCHEMA)?;
    let c = quiver_ffi::export_array(array).map_err(|e| ffi(py, "exporting an array", e))?;
    let c = PyCapsule::new_with_value(py, c, ARRAY)?;
    PyTuple::new(py, [schema.into_any(), c.into_any()])
}

/// A capsule owning a stream of `batches` with `schema`.
pub(crate) fn stream_capsule<'py, I, E>(
    py: Python<'py>,
    schema: SchemaRef,
    batches: I,
) -> PyResult<Bound<'py, PyCapsule>>
where
    I: IntoIterator<Item = Result<RecordBatch, E>>,
    I::IntoIter: Send + 'static,
    E: std::fmt::Display,
{
    let stream = quiver_ffi::export_reader(schema, batches);
    PyCapsule::new_with_value(py, stream, STREAM)
}

/// Checks a `requested_schema` argument: it must be an `arrow_schema` capsule or None.
/// Quiver does not cast, so (as the spec allows) the data keeps its own schema and the
/// consumer casts if it must.
pub(crate) fn check_requested(requested: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
    match requested {
        None => Ok(()),
        Some(r) if r.is_none() => Ok(()),
        Some(r) => {
            let capsule = r.cast::<PyCapsule>().map_err(|_| {
                error(
                    r.py(),
                    Class::TypeError,
                    "requested_schema must be an `arrow_schema` PyCapsule or None",
                )
            })?;
            capsule.pointer_checked(Some(SCHEMA)).map(|_| ())
        }
    }
}

/// The struct of a capsule named `name`, moved out (the capsule keeps a released one).
///
/// # Safety
/// The capsule's pointer must point at a `T`, as the PyCapsule interface requires of a
/// capsule with that name.
unsafe fn take<T>(
    capsule: &Bound<'_, PyAny>,
    name: &CStr,
    taker: unsafe fn(*mut T) -> T,
) -> PyResult<T> {
    let py = capsule.py();
    let capsule = capsule.cast::<PyCapsule>().map_err(|_| {
        error(
            py,
            Class::TypeError,
            format!(
                "expected a PyCapsule named {name:?}, got a {}",
                type_name(capsule)
            ),
        )
    })?;
    let ptr = capsule.pointer_checked(Some(name))?;
    // SAFETY: a capsule named `name` holds a `T` (this function's contract); taking it
    // leaves a released struct behind, so the capsule's destructor releases nothing.
    Ok(unsafe { taker(ptr.as_ptr().cast::<T>()) })
}

/// The type name of `obj`, for messages.
pub(crate) fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map_or_else(|_| "?".to_owned(), |n| n.to_string())
}

/// The `ArrowSchema` of any object with `__arrow_c_schema__`.
pub(crate) fn import_schema_struct(obj: &Bound<'_, PyAny>) -> PyResult<ArrowSchema> {
    let py = obj.py();
    if !obj.hasattr("__arrow_c_schema__")? {
        return Err(error(
            py,
            Class::TypeError,
            format!(
                "expected an object with __arrow_c_schema__ (a pyarrow.Schema, a \
                 quiver.Schema, ...), got a {}",
                type_name(obj)
            ),
        ));
    }
    let capsule = obj.call_method0("__arrow_c_schema__")?;
    // SAFETY: `arrow_schema` capsules hold an ArrowSchema (PyCapsule interface spec).
    unsafe { take(&capsule, SCHEMA, ArrowSchema::take) }
}

/// A schema from any object with `__arrow_c_schema__`.
pub(crate) fn import_schema(obj: &Bound<'_, PyAny>) -> PyResult<Schema> {
    let c = import_schema_struct(obj)?;
    // SAFETY: the producer follows the C data interface (PyCapsule interface contract).
    unsafe { quiver_ffi::import_schema(&c) }.map_err(|e| ffi(obj.py(), "importing a schema", e))
}

/// The `(ArrowSchema, ArrowArray)` of an object with `__arrow_c_array__`.
fn import_array_structs(obj: &Bound<'_, PyAny>) -> PyResult<(ArrowSchema, ArrowArray)> {
    let pair = obj.call_method0("__arrow_c_array__")?;
    let (schema, array): (Bound<'_, PyAny>, Bound<'_, PyAny>) = pair.extract()?;
    // SAFETY: capsules named as the spec says hold the struct of that name.
    let schema = unsafe { take(&schema, SCHEMA, ArrowSchema::take) }?;
    // SAFETY: as above.
    let array = unsafe { take(&array, ARRAY, ArrowArray::take) }?;
    Ok((schema, array))
}

/// An array from any object with `__arrow_c_array__`, fully validated.
pub(crate) fn import_array(obj: &Bound<'_, PyAny>) -> PyResult<Array> {
    let (schema, array) = import_array_structs(obj)?;
    // SAFETY: the producer follows the C data interface (PyCapsule interface contract).
    unsafe { quiver_ffi::import_array(array, &schema) }
        .map_err(|e| ffi(obj.py(), "importing an array", e))
}

/// A record batch from any object whose `__arrow_c_array__` is a struct array.
pub(crate) fn import_batch(obj: &Bound<'_, PyAny>) -> PyResult<RecordBatch> {
    let (schema, array) = import_array_structs(obj)?;
    // SAFETY: as in `import_array`.
    unsafe { quiver_ffi::import_record_batch(array, &schema) }
        .map_err(|e| ffi(obj.py(), "importing a record batch", e))
}

/// A reader of the stream of any object with `__arrow_c_stream__`.
pub(crate) fn import_stream(obj: &Bound<'_, PyAny>) -> PyResult<ArrowArrayStreamReader> {
    let capsule = obj.call_method0("__arrow_c_stream__")?;
    // SAFETY: `arrow_array_stream` capsules hold an ArrowArrayStream (spec).
    let stream = unsafe { take(&capsule, STREAM, ArrowArrayStream::take) }?;
    // SAFETY: the producer follows the C stream interface (PyCapsule interface contract).
    unsafe { ArrowArrayStreamReader::try_new(stream) }
        .map_err(|e| ffi(obj.py(), "importing an array stream", e))
}

/// The schema and batches of any object with `__arrow_c_stream__` (read to the end) or
/// `__arrow_c_array__` (one batch); `None` for an object with neither.
pub(crate) fn import_batches(
    obj: &Bound<'_, PyAny>,
) -> PyResult<Option<(SchemaRef, Vec<RecordBatch>)>> {
    let py = obj.py();
    if obj.hasattr("__arrow_c_stream__")? {
        let reader = import_stream(obj)?;
        let schema = reader.schema().clone();
        let batches = py
            .detach(|| reader.collect::<Result<Vec<_>, _>>())
            .map_err(|e| ffi(py, "reading an array stream", e))?;
        return Ok(Some((schema, batches)));
    }
    if obj.hasattr("__arrow_c_array__")? {
        let batch = import_batch(obj)?;
        return Ok(Some((batch.schema().clone(), vec![batch])));
    }
    Ok(None)
}
