//! [`RecordBatch`]: equal-length columns under one schema.

use std::fmt;
use std::sync::Arc;

use crate::data::Array;
use crate::error::{ArrayError, Result};
use crate::field::{Field, Metadata};
use crate::schema::{Schema, SchemaRef};

/// A schema and one array per field, all of the same length.
///
/// ```
/// use quiver_array::{Array, RecordBatch};
/// let batch = RecordBatch::try_from_columns(
///     vec![
///         Array::from(vec![1i64, 2, 3, 4]),
///         Array::from(vec![Some("foo"), Some("bar"), Some("baz"), None]),
///         Array::from(vec![Some(true), None, Some(false), Some(true)]),
///     ],
///     &["f0", "f1", "f2"],
/// )
/// .unwrap();
/// assert_eq!((batch.num_rows(), batch.num_columns()), (4, 3));
/// assert_eq!(batch.schema().to_string(), "f0: int64\nf1: string\nf2: bool");
/// ```
#[derive(Clone, Debug)]
pub struct RecordBatch {
    schema: SchemaRef,
    columns: Vec<Array>,
    num_rows: usize,
    metadata: Metadata,
}

impl RecordBatch {
    /// A batch from a schema and its columns; checks count, types and lengths.
    pub fn try_new(schema: impl Into<SchemaRef>, columns: Vec<Array>) -> Result<Self> {
        let num_rows = columns.first().map_or(0, Array::len);
        Self::try_new_with_row_count(schema, columns, num_rows)
    }

    /// Like [`try_new`](RecordBatch::try_new) with an explicit row count, which a batch
    /// without columns needs.
    pub fn try_new_with_row_count(
        schema: impl Into<SchemaRef>,
        columns: Vec<Array>,
        num_rows: usize,
    ) -> Result<Self> {
        Self::checked(schema.into(), columns, num_rows, true)
    }

    /// Like [`try_new_with_row_count`](RecordBatch::try_new_with_row_count), but without
    /// comparing each column's type with its field's: for readers that built every
    /// column from the schema's own field, where the comparison can only succeed. The
    /// column count and every column's length are still checked.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use quiver_array::{Array, DataType, Field, RecordBatch, Schema};
    /// let schema = Arc::new(Schema::new(vec![Field::new("a", DataType::Int32, false)]));
    /// // SAFETY: the column is an int32 array, as the schema's field says.
    /// let batch = unsafe {
    ///     RecordBatch::try_new_with_trusted_types(schema, vec![Array::from(vec![1i32, 2])], 2)
    /// }
    /// .unwrap();
    /// assert_eq!(batch.num_rows(), 2);
    /// ```
    ///
    /// # Safety
    /// The caller guarantees that every column's data type equals its field's data type:
    /// code that reads a batch's columns through its schema (writers, typed accessors
    /// keyed by field) relies on it.
    pub unsafe fn try_new_with_trusted_types(
        schema: impl Into<SchemaRef>,
        columns: Vec<Array>,
        num_rows: usize,
    ) -> Result<Self> {
        Self::checked(schema.into(), columns, num_rows, false)
    }

    fn checked(
        schema: SchemaRef,
        columns: Vec<Array>,
        num_rows: usize,
        compare_types: bool,
    ) -> Result<Self> {
        if schema.len() != columns.len() {
            return Err(ArrayError::Batch(format!(
                "the schema has {} fields but {} columns were given",
                schema.len(),
                columns.len()
            )));
        }
        for (i, (field, col)) in schema.fields().iter().zip(&columns).enumerate() {
            if compare_types && field.data_type() != col.data_type() {
                return Err(ArrayError::Batch(format!(
                    "column {i} ({:?}) has type {} but its field says {}",
                    field.name(),
                    col.data_type(),
                    field.data_type()
                )));
            }
            if col.len() != num_rows {
                return Err(ArrayError::Batch(format!(
                    "column {i} ({:?}) has {} rows but the batch has {num_rows}",
                    field.name(),
                    col.len()
                )));
            }
        }
        Ok(Self {
            schema,
            columns,
            num_rows,
            metadata: Vec::new(),
        })
    }

    /// A batch from columns and names (like `pyarrow.record_batch(data, names=…)`);
    /// every field is nullable.
    pub fn try_from_columns(columns: Vec<Array>, names: &[&str]) -> Result<Self> {
        if names.len() != columns.len() {
            return Err(ArrayError::Batch(format!(
                "{} names for {} columns",
                names.len(),
                columns.len()
            )));
        }
        let fields = names
            .iter()
            .zip(&columns)
            .map(|(n, c)| Field::new(*n, c.data_type().clone(), true))
            .collect();
        Self::try_new(Schema::new(fields), columns)
    }

    /// Attaches per-batch custom metadata (carried in the IPC message).
    pub fn with_metadata(mut self, metadata: Metadata) -> Self {
        self.metadata = metadata;
        self
    }

    /// Per-batch custom metadata.
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// The schema.
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// Number of rows.
    pub fn num_rows(&self) -> usize {
        self.num_rows
    }

    /// Number of columns.
    pub fn num_columns(&self) -> usize {
        self.columns.len()
    }

    /// Column `i`, or [`ArrayError::OutOfBounds`] if there are not that many columns
    /// ([`columns`](RecordBatch::columns) indexes without a `Result`).
    ///
    /// ```
    /// use quiver_array::{Array, RecordBatch};
    /// let batch = RecordBatch::try_from_columns(vec![Array::from(vec![1i64, 2])], &["n"]).unwrap();
    /// assert_eq!(batch.column(0).unwrap().to_string(), "[1, 2]");
    /// assert_eq!(batch.column(1).unwrap_err().to_string(), "column 1 is out of bounds for length 1");
    /// ```
    pub fn column(&self, i: usize) -> Result<&Array> {
        self.columns.get(i).ok_or(ArrayError::OutOfBounds {
            what: "column",
            index: i,
            len: self.columns.len(),
        })
    }

    /// The column named `name`, with the errors of [`Schema::field_with_name`]:
    /// [`ArrayError::FieldNotFound`] if there is none, [`ArrayError::AmbiguousFieldName`]
    /// if several columns have that name.
    ///
    /// ```
    /// use quiver_array::{Array, RecordBatch};
    /// let batch = RecordBatch::try_from_columns(
    ///     vec![Array::from(vec![1i64, 2]), Array::from(vec!["a", "b"])],
    ///     &["n", "s"],
    /// )
    /// .unwrap();
    /// assert_eq!(batch.column_by_name("s").unwrap().to_string(), r#"["a", "b"]"#);
    /// assert_eq!(
    ///     batch.column_by_name("x").unwrap_err().to_string(),
    ///     r#"no field named "x"; the fields are: n, s"#
    /// );
    /// ```
    pub fn column_by_name(&self, name: &str) -> Result<&Array> {
        let i = self.schema.index_of(name)?;
        self.column(i)
    }

    /// All columns.
    pub fn columns(&self) -> &[Array] {
        &self.columns
    }

    /// A zero-copy view of `len` rows from `offset`.
    pub fn slice(&self, offset: usize, len: usize) -> Result<Self> {
        let columns = self
            .columns
            .iter()
            .map(|c| c.try_slice(offset, len))
            .collect::<Result<Vec<_>>>()?;
        if offset.checked_add(len).is_none_or(|e| e > self.num_rows) {
            return Err(ArrayError::OutOfBounds {
                what: "row",
                index: offset.saturating_add(len),
                len: self.num_rows,
            });
        }
        Ok(Self {
            schema: Arc::clone(&self.schema),
            columns,
            num_rows: len,
            metadata: self.metadata.clone(),
        })
    }

    /// Only the columns at `indices`, in that order.
    pub fn project(&self, indices: &[usize]) -> Result<Self> {
        let mut fields = Vec::with_capacity(indices.len());
        let mut columns = Vec::with_capacity(indices.len());
        for &i in indices {
            let column = self.column(i)?;
            fields.push(self.schema.field(i)?.clone());
            columns.push(column.clone());
        }
        let schema = Schema::new(fields).with_metadata(self.schema.metadata().clone());
        Ok(Self {
            schema: Arc::new(schema),
            columns,
            num_rows: self.num_rows,
            metadata: self.metadata.clone(),
        })
    }

    /// Logical equality: same schema (including metadata) and equal columns.
    pub fn equals(&self, other: &RecordBatch) -> bool {
        self.num_rows == other.num_rows
            && self.schema == other.schema
            && self
                .columns
                .iter()
                .zip(&other.columns)
                .all(|(a, b)| a.equals(b))
    }
}

impl PartialEq for RecordBatch {
    fn eq(&self, other: &Self) -> bool {
        self.equals(other)
    }
}

impl fmt::Display for RecordBatch {
    /// An aligned table with a row index, like a pandas `DataFrame`; long batches
    /// show their first and last rows and a row count, and wide values are cut.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.schema.fields().iter().map(Field::name).collect();
        let columns: Vec<Vec<&Array>> = self.columns.iter().map(|c| vec![c]).collect();
        crate::display::write_table(f, &names, &columns, self.num_rows)
    }
}
