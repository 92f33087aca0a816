//! Row-by-row builders for every Arrow layout, behind one object-safe trait,
//! [`ArrayBuilder`].
//!
//! Each builder appends values (or nulls) one slot at a time and produces a fully
//! validated [`Array`] with [`finish`](ArrayBuilder::finish), which also resets it for
//! the next array. Nested builders (lists, structs, maps, unions, dictionaries, run-end
//! encoded) own their child builders; reach them with `values()`, `field_builder`,
//! `keys()`… and downcast boxed children with [`ArrayBuilder::as_any_mut`].

mod bytes;
mod convert;
mod dictionary;
mod list;
mod nulls;
mod primitive;
mod run_end;
mod structs;
mod union;
mod view;

use std::any::Any;

use crate::data::Array;
use crate::datatype::DataType;
use crate::error::Result;

pub use bytes::{
    BinaryBuilder, BinaryKind, BooleanBuilder, BytesKind, FixedSizeBinaryBuilder,
    GenericBytesBuilder, LargeBinaryBuilder, LargeStringBuilder, StringBuilder, Utf8Kind,
};
pub use dictionary::{DictionaryBuilder, PrimitiveDictionaryBuilder, StringDictionaryBuilder};
pub use list::{FixedSizeListBuilder, GenericListBuilder, LargeListBuilder, ListBuilder};
pub(crate) use nulls::NullsBuilder;
pub use primitive::{ArrowPrimitive, DecimalBuilder, DecimalNative, PrimitiveBuilder};
pub use run_end::{RunEndBuilder, RunEndIndex};
pub use structs::{MapBuilder, StructBuilder};
pub use union::UnionBuilder;
pub use view::{BinaryViewBuilder, ByteViewBuilder, StringViewBuilder};

/// What every builder does: count its slots, say its type, append a null and finish.
///
/// The trait is object-safe, so nested builders can hold `Box<dyn ArrayBuilder>`
/// children of any kind and hand them back through [`as_any_mut`](Self::as_any_mut).
pub trait ArrayBuilder: std::fmt::Debug + Send + 'static {
    /// Slots appended since the last [`finish`](Self::finish).
    fn len(&self) -> usize;

    /// Whether no slot was appended since the last [`finish`](Self::finish).
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The type of the array [`finish`](Self::finish) produces.
    fn data_type(&self) -> DataType;

    /// Appends a null slot.
    fn append_null(&mut self);

    /// Builds the array from the slots appended so far (checked like
    /// [`ArrayData::build`](crate::ArrayData::build)) and resets the builder.
    fn finish(&mut self) -> Result<Array>;

    /// This builder as [`Any`], to downcast a boxed child to its concrete type.
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl ArrayBuilder for Box<dyn ArrayBuilder> {
    fn len(&self) -> usize {
        (**self).len()
    }
    fn data_type(&self) -> DataType {
        (**self).data_type()
    }
    fn append_null(&mut self) {
        (**self).append_null()
    }
    fn finish(&mut self) -> Result<Array> {
        (**self).finish()
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        (**self).as_any_mut()
    }
}

/// Builders of one value per slot whose values can be compared and hashed by their
/// bytes: what [`DictionaryBuilder`] and [`RunEndBuilder`] need of their value builder.
pub trait ValueBuilder: ArrayBuilder {
    /// The borrowed value type (`str`, `[u8]`, `i64`…).
    type Value: ?Sized;

    /// Appends one value.
    fn push(&mut self, v: &Self::Value) -> Result<()>;

    /// The bytes that identify `v` (equal bytes mean equal values; floats compare
    /// bitwise).
    fn identity(v: &Self::Value) -> &[u8];
}
