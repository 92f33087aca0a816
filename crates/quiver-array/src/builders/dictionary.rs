//! A dictionary builder that stores each distinct value once.

use std::any::Any;
use std::collections::HashMap;

use super::bytes::{BinaryBuilder, StringBuilder};
use super::primitive::{ArrowPrimitive, PrimitiveBuilder};
use super::{ArrayBuilder, ValueBuilder};
use crate::data::Array;
use crate::datatype::DataType;
use crate::error::{ArrayError, Result};

/// Builds dictionary-encoded arrays with keys of type `K` (an integer type) over values
/// built by `B`, appending each distinct value to the dictionary once. Values are
/// compared by their bytes (so floats compare bitwise). Use the aliases
/// [`StringDictionaryBuilder`] and [`PrimitiveDictionaryBuilder`].
///
/// ```
/// use quiver_array::{ArrayBuilder, StringDictionaryBuilder};
/// let mut b = StringDictionaryBuilder::<i8>::new();
/// for v in ["a", "b", "a", "a"] {
///     b.append_value(v).unwrap();
/// }
/// b.append_null();
/// let a = b.finish().unwrap();
/// assert_eq!(a.to_string(), "[\"a\", \"b\", \"a\", \"a\", null]");
/// assert_eq!(a.dictionary().unwrap().len(), 2);
/// ```
#[derive(Debug)]
pub struct DictionaryBuilder<K: ArrowPrimitive, B: ValueBuilder> {
    keys: PrimitiveBuilder<K>,
    values: B,
    seen: HashMap<Vec<u8>, K>,
}

/// Builds dictionary arrays of utf8 values.
pub type StringDictionaryBuilder<K> = DictionaryBuilder<K, StringBuilder>;
/// Builds dictionary arrays of primitive values of Rust type `V`.
pub type PrimitiveDictionaryBuilder<K, V> = DictionaryBuilder<K, PrimitiveBuilder<V>>;

impl<K: ArrowPrimitive + TryFrom<usize>> StringDictionaryBuilder<K> {
    /// An empty builder of utf8 values.
    pub fn new() -> Self {
        Self::with_values(StringBuilder::new())
    }
}

impl<K: ArrowPrimitive + TryFrom<usize>> Default for StringDictionaryBuilder<K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: ArrowPrimitive + TryFrom<usize>> DictionaryBuilder<K, BinaryBuilder> {
    /// An empty builder of binary values.
    pub fn new_binary() -> Self {
        Self::with_values(BinaryBuilder::new())
    }
}

impl<K: ArrowPrimitive + TryFrom<usize>, V: ArrowPrimitive> PrimitiveDictionaryBuilder<K, V> {
    /// An empty builder of values of `V`'s natural type.
    pub fn new() -> Self {
        Self::with_values(PrimitiveBuilder::new(V::DATA_TYPE))
    }
}

impl<K: ArrowPrimitive + TryFrom<usize>, V: ArrowPrimitive> Default
    for PrimitiveDictionaryBuilder<K, V>
{
    fn default() -> Self {
        Self::new()
    }
}

impl<K: ArrowPrimitive + TryFrom<usize>, B: ValueBuilder> DictionaryBuilder<K, B> {
    /// An empty builder whose distinct values go to `values` (which should be empty).
    pub fn with_values(values: B) -> Self {
        Self {
            keys: PrimitiveBuilder::new(K::DATA_TYPE),
            values,
            seen: HashMap::new(),
        }
    }

    /// Appends a value, adding it to the dictionary if it is new; fails when the
    /// dictionary outgrows the key type.
    pub fn append_value(&mut self, v: &B::Value) -> Result<()> {
        let id = B::identity(v);
        if let Some(&k) = self.seen.get(id) {
            self.keys.append_value(k);
            return Ok(());
        }
        let next = self.values.len();
        let k = K::try_from(next).map_err(|_| {
            ArrayError::invalid_data(
                ArrayBuilder::data_type(self),
                format!(
                    "{next} distinct values do not fit the {} keys",
                    K::DATA_TYPE
                ),
            )
        })?;
        self.values.push(v)?;
        self.seen.insert(id.to_vec(), k);
        self.keys.append_value(k);
        Ok(())
    }

    /// Appends a value or a null.
    pub fn append_option(&mut self, v: Option<&B::Value>) -> Result<()> {
        match v {
            Some(v) => self.append_value(v),
            None => {
                self.keys.append_null();
                Ok(())
            }
        }
    }

    /// Builds the array and resets the builder, dictionary included.
    pub fn finish(&mut self) -> Result<Array> {
        self.seen.clear();
        let keys = self.keys.finish()?;
        let values = self.values.finish()?;
        Array::dictionary_from(keys, values, false)
    }
}

impl<K, B> ArrayBuilder for DictionaryBuilder<K, B>
where
    K: ArrowPrimitive + TryFrom<usize>,
    B: ValueBuilder + 'static,
{
    fn len(&self) -> usize {
        self.keys.len()
    }
    fn data_type(&self) -> DataType {
        DataType::Dictionary {
            index: Box::new(K::DATA_TYPE),
            value: Box::new(self.values.data_type()),
            ordered: false,
        }
    }
    fn append_null(&mut self) {
        self.keys.append_null()
    }
    fn finish(&mut self) -> Result<Array> {
        DictionaryBuilder::finish(self)
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
