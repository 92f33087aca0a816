//! [`Field`]: a named, typed, nullable column description with metadata.

use std::collections::BTreeMap;
use std::fmt;

use crate::datatype::DataType;

/// Key/value metadata in insertion order (Arrow keeps it as an ordered list).
pub type Metadata = Vec<(String, String)>;

/// A column (or child) description: name, type, nullability and custom metadata.
///
/// ```
/// use quiver_array::{DataType, Field};
/// let f = Field::new("nums", DataType::Int32, false).with_metadata(vec![("unit".into(), "m".into())]);
/// assert_eq!(f.to_string(), "nums: int32 not null");
/// assert_eq!(f.metadata_value("unit"), Some("m"));
/// ```
#[derive(Debug, Clone)]
pub struct Field {
    name: String,
    data_type: DataType,
    nullable: bool,
    metadata: Metadata,
}

impl Field {
    /// The field's children in the pre-order walk Arrow IPC uses for field nodes and
    /// dictionary ids: those of its type, or, for a dictionary-encoded field, those of
    /// its value type.
    pub fn children_through_dictionary(&self) -> Vec<&Field> {
        match self.data_type() {
            DataType::Dictionary { value, .. } => value.children(),
            t => t.children(),
        }
    }

    /// A field without metadata.
    pub fn new(name: impl Into<String>, data_type: DataType, nullable: bool) -> Self {
        Self {
            name: name.into(),
            data_type,
            nullable,
            metadata: Vec::new(),
        }
    }

    /// Replaces the metadata.
    pub fn with_metadata(mut self, metadata: Metadata) -> Self {
        self.metadata = metadata;
        self
    }

    /// Replaces the name.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The name (may be empty, and need not be unique among siblings).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The type.
    pub fn data_type(&self) -> &DataType {
        &self.data_type
    }

    /// Whether nulls are allowed.
    pub fn is_nullable(&self) -> bool {
        self.nullable
    }

    /// Custom metadata, in order.
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// The last value stored under `key`, if any.
    pub fn metadata_value(&self, key: &str) -> Option<&str> {
        self.metadata
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The metadata as a sorted map (later duplicates win).
    pub fn metadata_map(&self) -> BTreeMap<&str, &str> {
        self.metadata
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    /// The extension type name (`ARROW:extension:name`), if this field carries one.
    pub fn extension_name(&self) -> Option<&str> {
        self.metadata_value(crate::extension::EXTENSION_NAME_KEY)
    }
}

/// Metadata compared as a set of pairs: producers disagree on key order (the same
/// extension field is written name-first by one and metadata-first by another).
pub(crate) fn metadata_eq(a: &Metadata, b: &Metadata) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut x: Vec<_> = a.iter().collect();
    let mut y: Vec<_> = b.iter().collect();
    x.sort();
    y.sort();
    x == y
}

pub(crate) fn metadata_hash<H: std::hash::Hasher>(m: &Metadata, state: &mut H) {
    use std::hash::Hash;
    let mut x: Vec<_> = m.iter().collect();
    x.sort();
    x.hash(state);
}

impl PartialEq for Field {
    /// Same name, type, nullability, and metadata pairs (in any order).
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.nullable == other.nullable
            && self.data_type == other.data_type
            && metadata_eq(&self.metadata, &other.metadata)
    }
}

impl Eq for Field {}

impl std::hash::Hash for Field {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
        self.data_type.hash(state);
        self.nullable.hash(state);
        metadata_hash(&self.metadata, state);
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name, self.data_type)?;
        if !self.nullable {
            write!(f, " not null")?;
        }
        Ok(())
    }
}
