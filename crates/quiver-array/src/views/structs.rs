//! The view of a struct array.

use super::{check_slot, slice_or_empty};
use crate::data::Array;
use crate::datatype::DataType;
use crate::error::{ArrayError, Result};
use crate::field::Field;
use crate::schema::index_of_name;

impl Array {
    /// Typed view of a struct array: its columns by index or name.
    ///
    /// ```
    /// use quiver_array::Array;
    /// let s = Array::struct_from(
    ///     vec![("a", Array::from(vec![1i64, 2, 3])), ("b", Array::from(vec!["x", "y", "z"]))],
    ///     None,
    /// ).unwrap().slice(1, 2);
    /// let v = s.as_struct().unwrap();
    /// assert_eq!(v.num_columns(), 2);
    /// assert_eq!(v.column_by_name("b").unwrap().as_string::<i32>().unwrap().value(0), "y");
    /// assert_eq!(v.column(0).unwrap().as_primitive::<i64>().unwrap().to_vec(), vec![2, 3]);
    /// assert_eq!(v.fields()[1].name(), "b");
    /// ```
    pub fn as_struct(&self) -> Option<StructValues<'_>> {
        let DataType::Struct(fields) = self.data_type() else {
            return None;
        };
        (fields.len() == self.children().len()).then_some(StructValues {
            array: self,
            fields,
        })
    }
}

/// A typed view of a struct array (see [`Array::as_struct`]).
///
/// Columns are sliced together with the struct, so row `i` of the struct is row `i` of
/// every column. A null struct row does not make its columns' slots null.
#[derive(Debug, Clone, Copy)]
pub struct StructValues<'a> {
    array: &'a Array,
    /// As many fields as the array has children.
    fields: &'a [Field],
}

impl<'a> StructValues<'a> {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.array.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.array.is_empty()
    }

    /// The fields, one per column.
    pub fn fields(&self) -> &'a [Field] {
        self.fields
    }

    /// Number of columns.
    pub fn num_columns(&self) -> usize {
        self.fields.len()
    }

    /// Column `i`, or [`ArrayError::OutOfBounds`] if there is no such column.
    pub fn column(&self, i: usize) -> Result<&'a Array> {
        let columns = self.array.children();
        columns.get(i).ok_or(ArrayError::OutOfBounds {
            what: "column",
            index: i,
            len: columns.len(),
        })
    }

    /// The column named `name`, with the errors of
    /// [`Schema::field_with_name`](crate::Schema::field_with_name):
    /// [`ArrayError::FieldNotFound`] if there is none,
    /// [`ArrayError::AmbiguousFieldName`] if several columns have that name.
    pub fn column_by_name(&self, name: &str) -> Result<&'a Array> {
        let i = index_of_name(self.fields, name)?;
        self.column(i)
    }

    /// All columns.
    pub fn columns(&self) -> &'a [Array] {
        self.array.children()
    }

    /// Row `i` as a one-row slice of the struct (read its columns with
    /// [`as_struct`](Array::as_struct) again).
    ///
    /// # Panics
    /// If `i >= len`.
    pub fn value(&self, i: usize) -> Array {
        check_slot(i, self.len());
        slice_or_empty(self.array, i, 1)
    }

    /// The rows as one-row slices, null rows as `None`.
    pub fn iter(&self) -> impl Iterator<Item = Option<Array>> + 'a {
        let this = *self;
        (0..this.len()).map(move |i| this.array.is_valid(i).then(|| this.value(i)))
    }
}
