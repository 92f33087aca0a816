//! `quiver.Schema`, `quiver.RecordBatch`, `quiver.Table` and `quiver.Array`: Quiver's
//! data as Python objects. They are small: their main use is to cross into pyarrow,
//! polars or any other Arrow library through the PyCapsule interface, zero-copy.

use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyTuple};
use quiver_array::SchemaRef;

use crate::capsule::{
    array_capsules, batch_capsules, check_requested, import_array, import_batch, import_batches,
    import_schema, schema_capsule, stream_capsule, type_name,
};
use crate::errors::{Class, error};

/// `pyarrow.<name>(obj)`, the pyarrow copy-free view of a quiver object.
fn to_pyarrow<'py>(obj: &Bound<'py, PyAny>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    let py = obj.py();
    let pa = py.import("pyarrow").map_err(|e| {
        error(
            py,
            Class::NotImplemented,
            format!("to_pyarrow needs pyarrow, which cannot be imported ({e}); install it with `pip install pyarrow`"),
        )
    })?;
    pa.call_method1(name, (obj,))
}

/// An Arrow schema: fields (name, type, nullability) and metadata.
#[pyclass(frozen, module = "quiver", name = "Schema")]
#[derive(Debug)]
pub struct Schema {
    pub(crate) inner: SchemaRef,
}

#[pymethods]
impl Schema {
    /// The field names, in order.
    #[getter]
    fn names(&self) -> Vec<String> {
        self.inner
            .fields()
            .iter()
            .map(|f| f.name().to_owned())
            .collect()
    }

    /// The number of fields.
    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// Whether `other` has the same fields (and, with `check_metadata`, the same
    /// metadata).
    #[pyo3(signature = (other, check_metadata = false))]
    fn equals(&self, other: &Bound<'_, PyAny>, check_metadata: bool) -> PyResult<bool> {
        let other = import_schema(other)?;
        Ok(self.inner.equals(&other, check_metadata))
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<Schema>()
            .is_ok_and(|o| self.inner.equals(&o.get().inner, false))
    }

    fn __repr__(&self) -> String {
        format!("quiver.Schema\n{}", self.inner)
    }

    /// The schema as an `arrow_schema` PyCapsule (Arrow PyCapsule interface).
    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        schema_capsule(py, &self.inner)
    }

    /// The schema as a `pyarrow.Schema` (needs pyarrow).
    fn to_pyarrow<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        to_pyarrow(slf.as_any(), "schema")
    }
}

/// Equal-length columns with a schema.
#[pyclass(frozen, module = "quiver", name = "RecordBatch")]
#[derive(Debug)]
pub struct RecordBatch {
    pub(crate) inner: quiver_array::RecordBatch,
}

#[pymethods]
impl RecordBatch {
    /// The schema.
    #[getter]
    fn schema(&self) -> Schema {
        Schema {
            inner: self.inner.schema().clone(),
        }
    }

    /// The number of rows.
    #[getter]
    fn num_rows(&self) -> usize {
        self.inner.num_rows()
    }

    /// The number of columns.
    #[getter]
    fn num_columns(&self) -> usize {
        self.inner.num_columns()
    }

    /// The column names, in order.
    #[getter]
    fn column_names(&self) -> Vec<String> {
        self.schema().names()
    }

    /// The number of rows.
    fn __len__(&self) -> usize {
        self.inner.num_rows()
    }

    /// Whether `other` (a quiver batch or anything with `__arrow_c_array__`) holds the
    /// same schema and values.
    fn equals(&self, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        if let Ok(o) = other.cast::<RecordBatch>() {
            return Ok(self.inner.equals(&o.get().inner));
        }
        Ok(self.inner.equals(&import_batch(other)?))
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<RecordBatch>()
            .is_ok_and(|o| self.inner.equals(&o.get().inner))
    }

    fn __repr__(&self) -> String {
        format!(
            "quiver.RecordBatch ({} rows)\n{}",
            self.inner.num_rows(),
            self.inner.schema()
        )
    }

    /// The batch as an `(arrow_schema, arrow_array)` pair of PyCapsules (a struct
    /// array), zero-copy. `requested_schema` is accepted and not acted on: Quiver does
    /// not cast, so the consumer gets the batch's own schema.
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_array__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        check_requested(requested_schema)?;
        batch_capsules(py, &self.inner)
    }

    /// The batch as a one-batch `arrow_array_stream` PyCapsule, zero-copy.
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        check_requested(requested_schema)?;
        let batch = self.inner.clone();
        stream_capsule(py, batch.schema().clone(), [Ok::<_, String>(batch)])
    }

    /// The batch as a `pyarrow.RecordBatch`, zero-copy (needs pyarrow).
    fn to_pyarrow<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        to_pyarrow(slf.as_any(), "record_batch")
    }
}

/// A table: a schema and a list of record batches (chunked columns).
#[pyclass(frozen, module = "quiver", name = "Table")]
#[derive(Debug)]
pub struct Table {
    pub(crate) inner: quiver_array::Table,
}

#[pymethods]
impl Table {
    /// The schema.
    #[getter]
    fn schema(&self) -> Schema {
        Schema {
            inner: self.inner.schema().clone(),
        }
    }

    /// The number of rows.
    #[getter]
    fn num_rows(&self) -> usize {
        self.inner.num_rows()
    }

    /// The number of columns.
    #[getter]
    fn num_columns(&self) -> usize {
        self.inner.num_columns()
    }

    /// The column names, in order.
    #[getter]
    fn column_names(&self) -> Vec<String> {
        self.schema().names()
    }

    /// The record batches the table is made of.
    fn to_batches(&self) -> Vec<RecordBatch> {
        self.inner
            .batches()
            .iter()
            .map(|b| RecordBatch { inner: b.clone() })
            .collect()
    }

    /// The number of rows.
    fn __len__(&self) -> usize {
        self.inner.num_rows()
    }

    /// Whether `other` (a quiver table or anything with `__arrow_c_stream__`) holds the
    /// same schema and values; chunking does not matter.
    fn equals(&self, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        if let Ok(o) = other.cast::<Table>() {
            return Ok(self.inner.equals(&o.get().inner));
        }
        Ok(self.inner.equals(&table_of(other)?))
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<Table>()
            .is_ok_and(|o| self.inner.equals(&o.get().inner))
    }

    fn __repr__(&self) -> String {
        format!(
            "quiver.Table ({} rows in {} batches)\n{}",
            self.inner.num_rows(),
            self.inner.batches().len(),
            self.inner.schema()
        )
    }

    /// The table as an `arrow_array_stream` PyCapsule of its batches, zero-copy.
    /// `requested_schema` is accepted and not acted on (Quiver does not cast).
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        check_requested(requested_schema)?;
        let batches: Vec<Result<_, String>> =
            self.inner.batches().iter().cloned().map(Ok).collect();
        stream_capsule(py, self.inner.schema().clone(), batches)
    }

    /// The table as a `pyarrow.Table`, zero-copy (needs pyarrow).
    fn to_pyarrow<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        to_pyarrow(slf.as_any(), "table")
    }
}

/// One Arrow array (a column), as legacy deserialization returns it when pyarrow is
/// not installed.
#[pyclass(frozen, module = "quiver", name = "Array")]
#[derive(Debug)]
pub struct Array {
    pub(crate) inner: quiver_array::Array,
}

#[pymethods]
impl Array {
    /// The data type, as text (e.g. `"int64"`).
    #[getter]
    fn r#type(&self) -> String {
        self.inner.data_type().to_string()
    }

    /// The number of nulls.
    #[getter]
    fn null_count(&self) -> usize {
        self.inner.null_count()
    }

    /// The number of slots.
    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// Whether `other` (a quiver array or anything with `__arrow_c_array__`) holds the
    /// same type and values.
    fn equals(&self, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        if let Ok(o) = other.cast::<Array>() {
            return Ok(self.inner.equals(&o.get().inner));
        }
        Ok(self.inner.equals(&import_array(other)?))
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<Array>()
            .is_ok_and(|o| self.inner.equals(&o.get().inner))
    }

    fn __repr__(&self) -> String {
        format!(
            "<quiver.Array type={} length={} null_count={}>",
            self.inner.data_type(),
            self.inner.len(),
            self.inner.null_count()
        )
    }

    /// The array as an `(arrow_schema, arrow_array)` pair of PyCapsules, zero-copy.
    /// `requested_schema` is accepted and not acted on (Quiver does not cast).
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_array__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        check_requested(requested_schema)?;
        array_capsules(py, &self.inner)
    }

    /// The array as a `pyarrow.Array`, zero-copy (needs pyarrow).
    fn to_pyarrow<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        to_pyarrow(slf.as_any(), "array")
    }
}

/// All batches of `obj` (an Arrow PyCapsule exporter) as a Quiver table.
fn table_of(obj: &Bound<'_, PyAny>) -> PyResult<quiver_array::Table> {
    let py = obj.py();
    let (schema, batches) = import_batches(obj)?
        .ok_or_else(|| not_exporter(obj, "__arrow_c_stream__ or __arrow_c_array__"))?;
    quiver_array::Table::from_batches(schema, batches)
        .map_err(|e| error(py, Class::Invalid, format!("importing a table: {e}")))
}

/// ArrowTypeError for an object without the PyCapsule method(s) `needed`.
fn not_exporter(obj: &Bound<'_, PyAny>, needed: &str) -> PyErr {
    error(
        obj.py(),
        Class::TypeError,
        format!(
            "expected an object with {needed} (the Arrow PyCapsule interface, as pyarrow, \
             polars and quiver objects have), got a {}",
            type_name(obj)
        ),
    )
}

/// `quiver.schema(obj)`: the schema of any object with `__arrow_c_schema__`.
#[pyfunction]
pub(crate) fn schema(obj: &Bound<'_, PyAny>) -> PyResult<Schema> {
    Ok(Schema {
        inner: import_schema(obj)?.into(),
    })
}

/// `quiver.record_batch(obj)`: a batch from any object with `__arrow_c_array__` (a struct
/// array), imported zero-copy and fully validated.
#[pyfunction]
pub(crate) fn record_batch(obj: &Bound<'_, PyAny>) -> PyResult<RecordBatch> {
    if !obj.hasattr("__arrow_c_array__")? {
        return Err(not_exporter(obj, "__arrow_c_array__"));
    }
    Ok(RecordBatch {
        inner: import_batch(obj)?,
    })
}

/// `quiver.table(obj)`: a table from any object with `__arrow_c_stream__` or
/// `__arrow_c_array__`, imported zero-copy and fully validated.
#[pyfunction]
pub(crate) fn table(obj: &Bound<'_, PyAny>) -> PyResult<Table> {
    Ok(Table {
        inner: table_of(obj)?,
    })
}

/// `quiver.array(obj)`: an array from any object with `__arrow_c_array__`, imported
/// zero-copy and fully validated.
#[pyfunction]
pub(crate) fn array(obj: &Bound<'_, PyAny>) -> PyResult<Array> {
    if !obj.hasattr("__arrow_c_array__")? {
        return Err(not_exporter(obj, "__arrow_c_array__"));
    }
    Ok(Array {
        inner: import_array(obj)?,
    })
}
