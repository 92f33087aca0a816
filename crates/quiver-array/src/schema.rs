//! [`Schema`]: the fields of a record batch plus schema-level metadata.

use std::fmt;
use std::sync::Arc;

use crate::datatype::DataType;
use crate::field::{Field, Metadata};

/// Shared schema handle.
pub type SchemaRef = Arc<Schema>;

/// An ordered list of fields and custom metadata.
///
/// ```
/// use quiver_array::{DataType, Field, Schema};
/// let s = Schema::new(vec![Field::new("nums", DataType::Int32, true)]);
/// assert_eq!(s.to_string(), "nums: int32");
/// assert_eq!(s.index_of("nums"), Some(0));
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

    /// Field `i`.
    pub fn field(&self, i: usize) -> Option<&Field> {
        self.fields.get(i)
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Position of the first field named `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name() == name)
    }

    /// The field types.
    pub fn types(&self) -> impl Iterator<Item = &DataType> {
        self.fields.iter().map(Field::data_type)
    }

    /// Custom metadata, in order.
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// The same fields without metadata at any level: used to compare shapes only.
    pub fn equals(&self, other: &Schema, check_metadata: bool) -> bool {
        if check_metadata {
            self == other
        } else {
            self.fields.len() == other.fields.len()
                && self.fields.iter().zip(&other.fields).all(|(a, b)| {
                    a.name() == b.name()
                        && a.is_nullable() == b.is_nullable()
                        && a.data_type() == b.data_type()
                })
        }
    }

    /// Describes the first field where `self` differs from `expected` (names,
    /// types and nullability; metadata is ignored), or `None` when
    /// [`equals`](Schema::equals) without metadata holds. Schema mismatch errors
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

impl PartialEq for Schema {
    /// Equal fields, and metadata pairs equal in any order.
    fn eq(&self, other: &Self) -> bool {
        self.fields == other.fields && crate::field::metadata_eq(&self.metadata, &other.metadata)
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
