//! Builders of list, large list and fixed-size list arrays over any child builder.

use std::any::Any;
use std::marker::PhantomData;
use std::sync::Arc;

use quiver_buffer::{MutableBuffer, NativeType};

use super::{ArrayBuilder, NullsBuilder};
use crate::data::{Array, ArrayData, OffsetSize};
use crate::datatype::DataType;
use crate::error::{ArrayError, Result};
use crate::field::Field;

/// The nullable `item` field of a list of `data_type`.
fn item(data_type: DataType) -> Arc<Field> {
    Arc::new(Field::new("item", data_type, true))
}

/// Builds list (`O = i32`) or large list (`O = i64`) arrays: append a list's values to
/// [`values`](Self::values), then close it with [`append`](Self::append). Use the
/// aliases [`ListBuilder`] and [`LargeListBuilder`].
///
/// ```
/// use quiver_array::{ArrayBuilder, DataType, ListBuilder, PrimitiveBuilder};
/// let mut b = ListBuilder::new(PrimitiveBuilder::<i32>::new(DataType::Int32));
/// b.values().append_value(1);
/// b.values().append_value(2);
/// b.append(true);
/// b.append(false);
/// b.append(true);
/// assert_eq!(b.finish().unwrap().to_string(), "[[1, 2], null, []]");
/// ```
#[derive(Debug)]
pub struct GenericListBuilder<O: OffsetSize, B: ArrayBuilder> {
    offsets: MutableBuffer,
    nulls: NullsBuilder,
    values: B,
    _o: PhantomData<O>,
}

/// Builds list arrays.
pub type ListBuilder<B> = GenericListBuilder<i32, B>;
/// Builds large list arrays.
pub type LargeListBuilder<B> = GenericListBuilder<i64, B>;

impl<O: OffsetSize, B: ArrayBuilder> GenericListBuilder<O, B> {
    /// A builder of lists whose values go to `values`.
    pub fn new(values: B) -> Self {
        let mut offsets = MutableBuffer::new();
        offsets.push(O::default());
        Self {
            offsets,
            nulls: NullsBuilder::default(),
            values,
            _o: PhantomData,
        }
    }

    /// The child builder, to append the values of the list being built.
    pub fn values(&mut self) -> &mut B {
        &mut self.values
    }

    /// Closes the list being built: the values appended since the last `append` form
    /// it; `valid = false` makes it null (it should then have no values).
    pub fn append(&mut self, valid: bool) {
        // Lengths beyond the offset type are reported by `finish`.
        self.offsets
            .push(O::from_usize(self.values.len()).unwrap_or_default());
        self.nulls.append(valid);
    }

    /// Builds the array and resets the builder (the child too).
    pub fn finish(&mut self) -> Result<Array> {
        let data_type = ArrayBuilder::data_type(self);
        let len = self.nulls.len();
        let nulls = self.nulls.take();
        let mut offsets = MutableBuffer::new();
        offsets.push(O::default());
        let offsets = std::mem::replace(&mut self.offsets, offsets);
        let values = self.values.finish()?;
        if O::from_usize(values.len()).is_none() {
            return Err(ArrayError::invalid_data(
                data_type,
                format!("{} values do not fit its offsets", values.len()),
            ));
        }
        ArrayData::new(data_type, len)
            .nulls(nulls)
            .buffers(vec![offsets.freeze()])
            .children(vec![values])
            .build()
    }
}

impl<O: OffsetSize, B: ArrayBuilder + 'static> ArrayBuilder for GenericListBuilder<O, B> {
    fn len(&self) -> usize {
        self.nulls.len()
    }
    fn data_type(&self) -> DataType {
        let item = item(self.values.data_type());
        match <O as NativeType>::WIDTH {
            4 => DataType::List(item),
            _ => DataType::LargeList(item),
        }
    }
    fn append_null(&mut self) {
        self.append(false)
    }
    fn finish(&mut self) -> Result<Array> {
        GenericListBuilder::finish(self)
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// Builds fixed-size list arrays: append exactly `size` values to
/// [`values`](Self::values) per list (null lists included), then
/// [`append`](Self::append). [`ArrayBuilder::append_null`] appends the `size` null
/// values itself.
///
/// ```
/// use quiver_array::{ArrayBuilder, BooleanBuilder, FixedSizeListBuilder};
/// let mut b = FixedSizeListBuilder::new(BooleanBuilder::new(), 2);
/// b.values().append_value(true);
/// b.values().append_value(false);
/// b.append(true);
/// b.append_null();
/// assert_eq!(b.finish().unwrap().to_string(), "[[true, false], null]");
/// ```
#[derive(Debug)]
pub struct FixedSizeListBuilder<B: ArrayBuilder> {
    size: i32,
    nulls: NullsBuilder,
    values: B,
}

impl<B: ArrayBuilder> FixedSizeListBuilder<B> {
    /// A builder of lists of `size` values each, going to `values`.
    pub fn new(values: B, size: i32) -> Self {
        Self {
            size,
            nulls: NullsBuilder::default(),
            values,
        }
    }

    /// The child builder.
    pub fn values(&mut self) -> &mut B {
        &mut self.values
    }

    /// Closes the list being built; `valid = false` makes it null.
    pub fn append(&mut self, valid: bool) {
        self.nulls.append(valid);
    }

    /// Builds the array and resets the builder (the child too); fails if the child
    /// does not hold `size` values per list.
    pub fn finish(&mut self) -> Result<Array> {
        let data_type = DataType::FixedSizeList(item(self.values.data_type()), self.size);
        let len = self.nulls.len();
        let nulls = self.nulls.take();
        let values = self.values.finish()?;
        let expected = usize::try_from(self.size)
            .ok()
            .and_then(|s| s.checked_mul(len));
        if expected != Some(values.len()) {
            return Err(ArrayError::invalid_data(
                data_type,
                format!(
                    "{len} lists of {} need {} values, the child has {}",
                    self.size,
                    expected.map_or("too many".to_string(), |e| e.to_string()),
                    values.len()
                ),
            ));
        }
        ArrayData::new(data_type, len)
            .nulls(nulls)
            .children(vec![values])
            .build()
    }
}

impl<B: ArrayBuilder + 'static> ArrayBuilder for FixedSizeListBuilder<B> {
    fn len(&self) -> usize {
        self.nulls.len()
    }
    fn data_type(&self) -> DataType {
        DataType::FixedSizeList(item(self.values.data_type()), self.size)
    }
    fn append_null(&mut self) {
        for _ in 0..self.size.max(0) {
            self.values.append_null();
        }
        self.append(false)
    }
    fn finish(&mut self) -> Result<Array> {
        FixedSizeListBuilder::finish(self)
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
