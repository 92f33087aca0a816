//! [`Table`] and [`ChunkedArray`]: columns made of several batches' worth of chunks.

use std::fmt;
use std::sync::Arc;

use crate::data::Array;
use crate::datatype::DataType;
use crate::equal::slot_equal;
use crate::error::{ArrayError, Result};
use crate::field::Field;
use crate::record_batch::RecordBatch;
use crate::schema::SchemaRef;

/// One logical column stored as a list of arrays of the same type.
#[derive(Clone, Debug)]
pub struct ChunkedArray {
    data_type: DataType,
    chunks: Vec<Array>,
}

impl ChunkedArray {
    /// A chunked array; every chunk must have `data_type`.
    pub fn try_new(data_type: DataType, chunks: Vec<Array>) -> Result<Self> {
        if let Some(c) = chunks.iter().find(|c| c.data_type() != &data_type) {
            return Err(ArrayError::Batch(format!(
                "a chunk of type {} in a column of type {data_type}",
                c.data_type()
            )));
        }
        Ok(Self { data_type, chunks })
    }

    /// The type.
    pub fn data_type(&self) -> &DataType {
        &self.data_type
    }

    /// The chunks.
    pub fn chunks(&self) -> &[Array] {
        &self.chunks
    }

    /// Total length.
    pub fn len(&self) -> usize {
        self.chunks.iter().map(Array::len).sum()
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Total nulls.
    pub fn null_count(&self) -> usize {
        self.chunks.iter().map(Array::null_count).sum()
    }

    /// Iterates over (chunk, index in chunk) for every logical slot.
    fn slots(&self) -> impl Iterator<Item = (&Array, usize)> {
        self.chunks
            .iter()
            .flat_map(|c| (0..c.len()).map(move |i| (c, i)))
    }

    /// Logical equality, whatever the chunking.
    pub fn equals(&self, other: &ChunkedArray) -> bool {
        self.data_type == other.data_type
            && self.len() == other.len()
            && self
                .slots()
                .zip(other.slots())
                .all(|((a, i), (b, j))| slot_equal(a, i, b, j))
    }
}

/// A schema and chunked columns: the result of reading a whole stream or file.
///
/// ```
/// use quiver_array::{Array, RecordBatch, Table};
/// let b = RecordBatch::try_from_columns(vec![Array::from(vec![1i32, 2, 3])], &["x"]).unwrap();
/// let t = Table::from_batches(b.schema().clone(), vec![b.clone(), b]).unwrap();
/// assert_eq!(t.num_rows(), 6);
/// assert_eq!(t.head(4).num_rows(), 4);
/// assert_eq!(t.head(2).to_string(), "   x\n0  1\n1  2");
/// ```
#[derive(Clone, Debug)]
pub struct Table {
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
}

impl Table {
    /// A table from batches that all share `schema`'s fields.
    pub fn from_batches(schema: SchemaRef, batches: Vec<RecordBatch>) -> Result<Self> {
        for (i, b) in batches.iter().enumerate() {
            if let Some(diff) = b.schema().first_difference(&schema) {
                return Err(ArrayError::Batch(format!(
                    "batch {i} does not match the table's schema: {diff}"
                )));
            }
        }
        Ok(Self { schema, batches })
    }

    /// The schema.
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// The batches, in order.
    pub fn batches(&self) -> &[RecordBatch] {
        &self.batches
    }

    /// Total rows.
    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    /// Number of rows, like `len(table)` in Python.
    pub fn len(&self) -> usize {
        self.num_rows()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.num_rows() == 0
    }

    /// Number of columns.
    pub fn num_columns(&self) -> usize {
        self.schema.len()
    }

    /// Column `i` as a chunked array (one chunk per batch, zero-copy), or
    /// [`ArrayError::OutOfBounds`] if there are not that many columns.
    ///
    /// ```
    /// use quiver_array::{Array, RecordBatch, Table};
    /// let b = RecordBatch::try_from_columns(vec![Array::from(vec![1i32, 2])], &["x"]).unwrap();
    /// let t = Table::from_batches(b.schema().clone(), vec![b.clone(), b]).unwrap();
    /// assert_eq!(t.column(0).unwrap().chunks().len(), 2);
    /// assert_eq!(t.column(1).unwrap_err().to_string(), "column 1 is out of bounds for length 1");
    /// ```
    pub fn column(&self, i: usize) -> Result<ChunkedArray> {
        let field = self.schema.field(i).map_err(|_| ArrayError::OutOfBounds {
            what: "column",
            index: i,
            len: self.schema.len(),
        })?;
        let chunks = self
            .batches
            .iter()
            .map(|b| b.column(i).cloned())
            .collect::<Result<Vec<_>>>()?;
        ChunkedArray::try_new(field.data_type().clone(), chunks)
    }

    /// The column named `name` as a chunked array, with the errors of
    /// [`Schema::field_with_name`](crate::Schema::field_with_name):
    /// [`ArrayError::FieldNotFound`] if there is none,
    /// [`ArrayError::AmbiguousFieldName`] if several columns have that name.
    ///
    /// ```
    /// use quiver_array::{Array, RecordBatch, Table};
    /// let b = RecordBatch::try_from_columns(vec![Array::from(vec![1i32, 2])], &["x"]).unwrap();
    /// let t = Table::from_batches(b.schema().clone(), vec![b]).unwrap();
    /// assert_eq!(t.column_by_name("x").unwrap().len(), 2);
    /// assert_eq!(
    ///     t.column_by_name("y").unwrap_err().to_string(),
    ///     r#"no field named "y"; the fields are: x"#
    /// );
    /// ```
    pub fn column_by_name(&self, name: &str) -> Result<ChunkedArray> {
        let i = self.schema.index_of(name)?;
        self.column(i)
    }

    /// A zero-copy view of `len` rows from `offset` (clamped to the table).
    pub fn slice(&self, offset: usize, len: usize) -> Table {
        let mut out = Vec::new();
        let mut skip = offset;
        let mut left = len;
        for b in &self.batches {
            if left == 0 {
                break;
            }
            if skip >= b.num_rows() {
                skip -= b.num_rows();
                continue;
            }
            let take = (b.num_rows() - skip).min(left);
            if let Ok(s) = b.slice(skip, take) {
                out.push(s);
            }
            left -= take;
            skip = 0;
        }
        Table {
            schema: Arc::clone(&self.schema),
            batches: out,
        }
    }

    /// The first `n` rows (zero-copy), like `df[:n]`.
    pub fn head(&self, n: usize) -> Table {
        self.slice(0, n)
    }

    /// Logical equality: same schema and equal columns, whatever the chunking.
    pub fn equals(&self, other: &Table) -> bool {
        self.schema == other.schema
            && self.num_rows() == other.num_rows()
            && (0..self.num_columns()).all(|i| match (self.column(i), other.column(i)) {
                (Ok(a), Ok(b)) => a.equals(&b),
                _ => false,
            })
    }
}

impl PartialEq for Table {
    fn eq(&self, other: &Self) -> bool {
        self.equals(other)
    }
}

impl fmt::Display for Table {
    /// An aligned table with a row index, like a pandas `DataFrame`; long tables
    /// show their first and last rows and a row count, and wide values are cut.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.schema.fields().iter().map(Field::name).collect();
        let mut columns: Vec<Vec<&Array>> = vec![Vec::new(); names.len()];
        for b in &self.batches {
            for (chunks, c) in columns.iter_mut().zip(b.columns()) {
                chunks.push(c);
            }
        }
        crate::display::write_table(f, &names, &columns, self.num_rows())
    }
}
