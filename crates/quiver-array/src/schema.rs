//! [`Schema`]: the fields of a record batch plus schema-level metadata.

use std::fmt;
use std::sync::Arc;

use crate::datatype::DataType;
use crate::error::{ArrayError, Result};
use crate::field::{Field, Metadata, metadata_eq};

/// Shared schema handle.
pub type SchemaRef = Arc<Schema>;

/// An ordered list of fields and custom metadata.
///
/// Fields are looked up by index ([`field`](Schema::field)) or by name
/// ([`field_with_name`](Schema::field_with_name), [`index_of`](Schema::index_of)), and
/// every lookup returns an error that says what is there when it finds nothing; the
/// same accessors exist on [`RecordBatch`](crate::RecordBatch) and
/// [`Table`](crate::Table).
///
/// ```
/// use quiver_array::{DataType, Field, Schema};
/// let s = Schema::new(vec![Field::new("nums", DataType::Int32, true)]);
/// assert_eq!(s.to_string(), "nums: int32");
/// assert_eq!(s.index_of("nums").unwrap(), 0);
/// assert_eq!(
///     s.index_of("n").unwrap_err().to_string(),
///     r#"no field named "n"; the fields are: nums"#
/// );
/// ```
#[derive(Debug, Clone, Default)]
pub struct Schema {
    fields: Vec<Field>,
    metadata: Metadata,
}

impl Schema {
    /// The dictionary ids Arrow IPC writers give this schema's fields: one entry per
    /// field of a pre-order walk (children by [`Field::children_through_dictionary`]),
    /// `Some(n)` for the n-th dictionary-encoded field and `None` for the others.
    ///
    /// ```
    /// use quiver_array::{DataType, Field, Schema};
    /// let dict = DataType::Dictionary {
    ///     index: Box::new(DataType::Int8),
    ///     value: Box::new(DataType::Utf8),
    ///     ordered: false,
    /// };
    /// let schema = Schema::new(vec![
    ///     Field::new("a", DataType::Int32, true),
    ///     Field::new("b", dict.clone(), true),
    ///     Field::new("c", dict, true),
    /// ]);
    /// assert_eq!(schema.dictionary_ids(), vec![None, Some(0), Some(1)]);
    /// ```
    pub fn dictionary_ids(&self) -> Vec<Option<i64>> {
        fn visit(f: &Field, ids: &mut Vec<Option<i64>>, next: &mut i64) {
            if matches!(f.data_type(), DataType::Dictionary { .. }) {
                ids.push(Some(*next));
                *next = next.saturating_add(1);
            } else {
                ids.push(None);
            }
            for c in f.children_through_dictionary() {
                visit(c, ids, next);
            }
        }
        let mut ids = Vec::new();
        let mut next = 0;
        for f in self.fields() {
            visit(f, &mut ids, &mut next);
        }
        ids
    }

    /// A schema without metadata.
    pub fn new(fields: Vec<Field>) -> Self {
        Self {
            fields,
            metadata: Vec::new(),
        }
    }

    /// An empty schema.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Replaces the metadata.
    pub fn with_metadata(mut self, metadata: Metadata) -> Self {
        self.metadata = metadata;
        self
    }

    /// The fields.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// Field `i`, or [`ArrayError::OutOfBounds`] if there are not that many fields.
    ///
    /// ```
    /// use quiver_array::{DataType, Field, Schema};
    /// let s = Schema::new(vec![Field::new("a", DataType::Int32, true)]);
    /// assert_eq!(s.field(0).unwrap().name(), "a");
    /// assert_eq!(s.field(1).unwrap_err().to_string(), "field 1 is out of bounds for length 1");
    /// ```
    pub fn field(&self, i: usize) -> Result<&Field> {
        self.fields.get(i).ok_or(ArrayError::OutOfBounds {
            what: "field",
            index: i,
            len: self.fields.len(),
        })
    }

    /// The field named `name`: [`ArrayError::FieldNotFound`] if there is none,
    /// [`ArrayError::AmbiguousFieldName`] if there are several (as pyarrow raises).
    ///
    /// ```
    /// use quiver_array::{DataType, Field, Schema};
    /// let s = Schema::new(vec![
    ///     Field::new("a", DataType::Int32, true),
    ///     Field::new("b", DataType::Utf8, true),
    /// ]);
    /// assert_eq!(s.field_with_name("b").unwrap().to_string(), "b: string");
    /// assert_eq!(
    ///     s.field_with_name("c").unwrap_err().to_string(),
    ///     r#"no field named "c"; the fields are: a, b"#
    /// );
    /// ```
    pub fn field_with_name(&self, name: &str) -> Result<&Field> {
        let i = self.index_of(name)?;
        self.field(i)
    }

    /// The position of the field named `name`, with the errors of
    /// [`field_with_name`](Schema::field_with_name).
    pub fn index_of(&self, name: &str) -> Result<usize> {
        index_of_name(&self.fields, name)
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The field types.
    pub fn types(&self) -> impl Iterator<Item = &DataType> {
        self.fields.iter().map(Field::data_type)
    }

    /// Custom metadata, in order.
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// Whether the schemas have the same fields in the same order: names, types and
    /// nullability at every nesting level. With `check_metadata`, the schema metadata
    /// and every field's metadata (children included) must be equal too, compared as
    /// sets of pairs; without it, metadata is ignored at every level, so the
    /// comparison is of shapes only. `==` is `equals(other, true)`.
    ///
    /// ```
    /// use quiver_array::{DataType, Field, Schema};
    /// let unit = vec![("unit".to_string(), "m".to_string())];
    /// let item = Field::new("item", DataType::Float64, true);
    /// let plain = Schema::new(vec![Field::new("xs", DataType::List(item.clone().into()), true)]);
    /// let tagged = Schema::new(vec![Field::new("xs", DataType::List(item.with_metadata(unit).into()), true)]);
    /// assert!(plain.equals(&tagged, false));
    /// assert!(!plain.equals(&tagged, true));
    /// ```
    pub fn equals(&self, other: &Schema, check_metadata: bool) -> bool {
        if check_metadata {
            self == other
        } else {
            fields_equal_ignoring_metadata(&self.fields, &other.fields)
        }
    }

    /// Describes the first field where `self` differs from `expected` in name, type or
    /// nullability, or `None` when none does. The fields' own metadata and the schema
    /// metadata are ignored; child fields are compared as part of the type, metadata
    /// included, since a column's chunks must share one type. Schema mismatch errors
    /// use it so they name one field instead of printing two schemas.
    ///
    /// ```
    /// use quiver_array::{DataType, Field, Schema};
    /// let a = Schema::new(vec![Field::new("x", DataType::Int32, true)]);
    /// let b = Schema::new(vec![Field::new("x", DataType::Utf8, true)]);
    /// assert_eq!(
    ///     a.first_difference(&b).as_deref(),
    ///     Some("field 0 is `x: int32` but `x: string` was expected")
    /// );
    /// assert_eq!(a.first_difference(&a), None);
    /// ```
    pub fn first_difference(&self, expected: &Schema) -> Option<String> {
        let same = |a: &Field, b: &Field| {
            a.name() == b.name()
                && a.is_nullable() == b.is_nullable()
                && a.data_type() == b.data_type()
        };
        let n = self.fields.len().max(expected.fields.len());
        (0..n).find_map(|i| match (self.fields.get(i), expected.fields.get(i)) {
            (Some(a), Some(b)) if same(a, b) => None,
            (Some(a), Some(b)) => Some(format!("field {i} is `{a}` but `{b}` was expected")),
            (None, Some(b)) => Some(format!("field {i} `{b}` is missing")),
            (Some(a), None) => Some(format!("field {i} `{a}` is not expected")),
            (None, None) => None,
        })
    }
}

/// The position of the one field named `name` among `fields`: the lookup behind
/// [`Schema::index_of`] and the struct view's `column_by_name`.
pub(crate) fn index_of_name(fields: &[Field], name: &str) -> Result<usize> {
    let mut found = fields
        .iter()
        .enumerate()
        .filter(|(_, f)| f.name() == name)
        .map(|(i, _)| i);
    match (found.next(), found.next()) {
        (Some(i), None) => Ok(i),
        (Some(first), Some(second)) => Err(ArrayError::AmbiguousFieldName {
            name: name.to_owned(),
            indices: [first, second].into_iter().chain(found).collect(),
        }),
        (None, _) => Err(ArrayError::FieldNotFound {
            name: name.to_owned(),
            available: fields.iter().map(|f| f.name().to_owned()).collect(),
        }),
    }
}

fn fields_equal_ignoring_metadata(a: &[Field], b: &[Field]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(a, b)| field_equal_ignoring_metadata(a, b))
}

fn field_equal_ignoring_metadata(a: &Field, b: &Field) -> bool {
    a.name() == b.name()
        && a.is_nullable() == b.is_nullable()
        && type_equal_ignoring_metadata(a.data_type(), b.data_type())
}

/// Type equality that ignores the metadata of child fields at every level.
fn type_equal_ignoring_metadata(a: &DataType, b: &DataType) -> bool {
    use DataType::*;
    match (a, b) {
        (List(x), List(y))
        | (ListView(x), ListView(y))
        | (LargeList(x), LargeList(y))
        | (LargeListView(x), LargeListView(y)) => field_equal_ignoring_metadata(x, y),
        (FixedSizeList(x, n), FixedSizeList(y, m)) => n == m && field_equal_ignoring_metadata(x, y),
        (Map(x, s), Map(y, t)) => s == t && field_equal_ignoring_metadata(x, y),
        (Struct(xs), Struct(ys)) => fields_equal_ignoring_metadata(xs, ys),
        (
            Union {
                fields: xs,
                type_ids: i,
                mode: m,
            },
            Union {
                fields: ys,
                type_ids: j,
                mode: n,
            },
        ) => i == j && m == n && fields_equal_ignoring_metadata(xs, ys),
        (
            Dictionary {
                index: i,
                value: v,
                ordered: o,
            },
            Dictionary {
                index: j,
                value: w,
                ordered: p,
            },
        ) => i == j && o == p && type_equal_ignoring_metadata(v, w),
        (RunEndEncoded(r, v), RunEndEncoded(s, w)) => {
            field_equal_ignoring_metadata(r, s) && field_equal_ignoring_metadata(v, w)
        }
        _ => a == b,
    }
}

impl PartialEq for Schema {
    /// Equal fields, and metadata pairs equal in any order.
    fn eq(&self, other: &Self) -> bool {
        self.fields == other.fields && metadata_eq(&self.metadata, &other.metadata)
    }
}

impl Eq for Schema {}

impl std::hash::Hash for Schema {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.fields.hash(state);
        crate::field::metadata_hash(&self.metadata, state);
    }
}

impl fmt::Display for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, field) in self.fields.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{field}")?;
        }
        if !self.metadata.is_empty() {
            write!(f, "\n-- schema metadata --")?;
            for (k, v) in &self.metadata {
                write!(f, "\n{k}: {v}")?;
            }
        }
        Ok(())
    }
}
