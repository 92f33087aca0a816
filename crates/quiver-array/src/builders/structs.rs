//! Builders of struct arrays (over named field builders) and map arrays.

use std::any::Any;
use std::sync::Arc;

use quiver_buffer::MutableBuffer;

use super::{ArrayBuilder, NullsBuilder};
use crate::data::{Array, ArrayData};
use crate::datatype::DataType;
use crate::error::{ArrayError, Result};
use crate::field::Field;

/// Builds struct arrays: append one value (or null) to every field builder per row,
/// then [`append`](Self::append) the row. [`ArrayBuilder::append_null`] appends a null
/// row and a null to every field.
///
/// ```
/// use quiver_array::{ArrayBuilder, DataType, Field, PrimitiveBuilder, StringBuilder, StructBuilder};
/// let mut b = StructBuilder::new(
///     vec![Field::new("id", DataType::Int64, false), Field::new("name", DataType::Utf8, true)],
///     vec![Box::new(PrimitiveBuilder::<i64>::new(DataType::Int64)), Box::new(StringBuilder::new())],
/// );
/// b.field_builder::<PrimitiveBuilder<i64>>(0).unwrap().append_value(1);
/// b.field_builder::<StringBuilder>(1).unwrap().append_value("one");
/// b.append(true);
/// b.append_null();
/// let a = b.finish().unwrap();
/// assert_eq!(a.to_string(), "[{id: 1, name: \"one\"}, null]");
/// ```
#[derive(Debug)]
pub struct StructBuilder {
    fields: Vec<Field>,
    builders: Vec<Box<dyn ArrayBuilder>>,
    nulls: NullsBuilder,
}

impl StructBuilder {
    /// A builder for a struct of `fields`, the values of field `i` going to
    /// `builders[i]`. Field types and builders must agree (checked by `finish`).
    pub fn new(fields: Vec<Field>, builders: Vec<Box<dyn ArrayBuilder>>) -> Self {
        Self {
            fields,
            builders,
            nulls: NullsBuilder::default(),
        }
    }

    /// A builder whose fields are named `columns[i].0`, typed after their builders and
    /// nullable.
    pub fn from_builders(columns: Vec<(&str, Box<dyn ArrayBuilder>)>) -> Self {
        let fields = columns
            .iter()
            .map(|(n, b)| Field::new(*n, b.data_type(), true))
            .collect();
        Self::new(fields, columns.into_iter().map(|(_, b)| b).collect())
    }

    /// The builder of field `i` as a `B`, or `None` if there is no field `i` or its
    /// builder is not a `B`.
    pub fn field_builder<B: ArrayBuilder + 'static>(&mut self, i: usize) -> Option<&mut B> {
        self.builders.get_mut(i)?.as_any_mut().downcast_mut::<B>()
    }

    /// The number of fields.
    pub fn num_fields(&self) -> usize {
        self.builders.len()
    }

    /// Ends a row whose field values were appended; `valid = false` makes it null.
    pub fn append(&mut self, valid: bool) {
        self.nulls.append(valid);
    }

    /// Builds the array and resets the builder (its fields too).
    pub fn finish(&mut self) -> Result<Array> {
        let len = self.nulls.len();
        let nulls = self.nulls.take();
        let children = self
            .builders
            .iter_mut()
            .map(|b| b.finish())
            .collect::<Result<Vec<_>>>()?;
        ArrayData::new(DataType::Struct(self.fields.clone()), len)
            .nulls(nulls)
            .children(children)
            .build()
    }
}

impl ArrayBuilder for StructBuilder {
    fn len(&self) -> usize {
        self.nulls.len()
    }
    fn data_type(&self) -> DataType {
        DataType::Struct(self.fields.clone())
    }
    fn append_null(&mut self) {
        self.builders.iter_mut().for_each(|b| b.append_null());
        self.append(false)
    }
    fn finish(&mut self) -> Result<Array> {
        StructBuilder::finish(self)
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// Builds map arrays: append a map's keys to [`keys`](Self::keys) and as many values
/// to [`values`](Self::values), then close it with [`append`](Self::append).
///
/// ```
/// use quiver_array::{ArrayBuilder, DataType, MapBuilder, PrimitiveBuilder, StringBuilder};
/// let mut b = MapBuilder::new(StringBuilder::new(), PrimitiveBuilder::<i32>::new(DataType::Int32));
/// b.keys().append_value("a");
/// b.values().append_value(1);
/// b.append(true).unwrap();
/// b.append(false).unwrap();
/// assert_eq!(b.finish().unwrap().to_string(), "[[{key: \"a\", value: 1}], null]");
/// ```
#[derive(Debug)]
pub struct MapBuilder<K: ArrayBuilder, V: ArrayBuilder> {
    offsets: MutableBuffer,
    nulls: NullsBuilder,
    keys: K,
    values: V,
    keys_sorted: bool,
}

impl<K: ArrayBuilder, V: ArrayBuilder> MapBuilder<K, V> {
    /// A builder of maps with keys from `keys` and values from `values`.
    pub fn new(keys: K, values: V) -> Self {
        let mut offsets = MutableBuffer::new();
        offsets.push(0i32);
        Self {
            offsets,
            nulls: NullsBuilder::default(),
            keys,
            values,
            keys_sorted: false,
        }
    }

    /// Declares whether the keys of each map are sorted (default false).
    pub fn with_keys_sorted(mut self, sorted: bool) -> Self {
        self.keys_sorted = sorted;
        self
    }

    /// The key builder.
    pub fn keys(&mut self) -> &mut K {
        &mut self.keys
    }

    /// The value builder.
    pub fn values(&mut self) -> &mut V {
        &mut self.values
    }

    fn entries_field(&self) -> Arc<Field> {
        let entries = DataType::Struct(vec![
            Field::new("key", self.keys.data_type(), false),
            Field::new("value", self.values.data_type(), true),
        ]);
        Arc::new(Field::new("entries", entries, false))
    }

    fn map_type(&self) -> DataType {
        DataType::Map(self.entries_field(), self.keys_sorted)
    }

    /// Closes the map being built; `valid = false` makes it null. Fails if the keys
    /// and values appended so far differ in number, or overflow the offsets.
    pub fn append(&mut self, valid: bool) -> Result<()> {
        let (k, v) = (self.keys.len(), self.values.len());
        if k != v {
            let slot = self.nulls.len();
            return Err(ArrayError::invalid_slot(
                self.map_type(),
                slot,
                format!("map at slot {slot} has {k} keys in all but {v} values"),
            ));
        }
        let end = i32::try_from(k).map_err(|_| {
            ArrayError::invalid_data(self.map_type(), format!("{k} entries overflow"))
        })?;
        self.offsets.push(end);
        self.nulls.append(valid);
        Ok(())
    }

    /// Builds the array and resets the builder (keys and values too).
    pub fn finish(&mut self) -> Result<Array> {
        let entries = self.entries_field();
        let data_type = DataType::Map(entries.clone(), self.keys_sorted);
        let len = self.nulls.len();
        let nulls = self.nulls.take();
        let mut fresh = MutableBuffer::new();
        fresh.push(0i32);
        let offsets = std::mem::replace(&mut self.offsets, fresh);
        let keys = self.keys.finish()?;
        let values = self.values.finish()?;
        let entries = ArrayData::new(entries.data_type().clone(), keys.len())
            .children(vec![keys, values])
            .build()?;
        ArrayData::new(data_type, len)
            .nulls(nulls)
            .buffers(vec![offsets.freeze()])
            .children(vec![entries])
            .build()
    }
}

impl<K: ArrayBuilder + 'static, V: ArrayBuilder + 'static> ArrayBuilder for MapBuilder<K, V> {
    fn len(&self) -> usize {
        self.nulls.len()
    }
    fn data_type(&self) -> DataType {
        self.map_type()
    }
    fn append_null(&mut self) {
        // A null map with no entries. The trait method cannot report keys and values
        // that differ in number; `finish` does, when it builds the entries struct.
        let end = i32::try_from(self.keys.len()).unwrap_or(i32::MAX);
        self.offsets.push(end);
        self.nulls.append(false);
    }
    fn finish(&mut self) -> Result<Array> {
        MapBuilder::finish(self)
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
