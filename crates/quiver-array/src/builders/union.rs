//! A builder of sparse and dense union arrays.

use std::any::Any;

use quiver_buffer::MutableBuffer;

use super::ArrayBuilder;
use crate::data::{Array, ArrayData};
use crate::datatype::{DataType, UnionMode};
use crate::error::{ArrayError, Result};
use crate::field::Field;

/// Builds sparse or dense union arrays over named child builders; child `k` gets type
/// id `k`. For each slot, pick the child with [`append`](Self::append) and append one
/// value to the builder it returns. In a sparse union the other children get a null
/// for the slot; in a dense union only the chosen child grows.
///
/// ```
/// use quiver_array::{ArrayBuilder, DataType, PrimitiveBuilder, StringBuilder, UnionBuilder, UnionMode};
/// let mut b = UnionBuilder::new(UnionMode::Dense);
/// b.add_child("i", Box::new(PrimitiveBuilder::<i32>::new(DataType::Int32)));
/// b.add_child("s", Box::new(StringBuilder::new()));
/// b.append::<PrimitiveBuilder<i32>>(0).unwrap().append_value(7);
/// b.append::<StringBuilder>(1).unwrap().append_value("x");
/// b.append_null();
/// assert_eq!(b.finish().unwrap().to_string(), "[7, \"x\", null]");
/// ```
#[derive(Debug)]
pub struct UnionBuilder {
    mode: UnionMode,
    names: Vec<String>,
    children: Vec<Box<dyn ArrayBuilder>>,
    type_ids: MutableBuffer,
    offsets: MutableBuffer,
    len: usize,
}

impl UnionBuilder {
    /// An empty builder of a union in `mode`, with no children yet.
    pub fn new(mode: UnionMode) -> Self {
        Self {
            mode,
            names: Vec::new(),
            children: Vec::new(),
            type_ids: MutableBuffer::new(),
            offsets: MutableBuffer::new(),
            len: 0,
        }
    }

    /// Adds a child named `name` built by `builder` (which should be empty); its type
    /// id is its position. Fails beyond 128 children.
    pub fn add_child(&mut self, name: &str, builder: Box<dyn ArrayBuilder>) -> Result<()> {
        if self.children.len() >= 128 {
            return Err(ArrayError::invalid_data(
                self.data_type(),
                "a union has at most 128 children",
            ));
        }
        self.names.push(name.to_string());
        self.children.push(builder);
        Ok(())
    }

    fn bad_child(&self, k: usize, problem: &str) -> ArrayError {
        ArrayError::invalid_slot(
            self.data_type(),
            self.len,
            format!("slot {}: child {k} {problem}", self.len),
        )
    }

    /// Starts a slot holding a value of child `k` and returns that child as a `B`, to
    /// append exactly one value to. Fails if there is no child `k` or it is not a `B`.
    pub fn append<B: ArrayBuilder + 'static>(&mut self, k: usize) -> Result<&mut B> {
        if k >= self.children.len() {
            return Err(self.bad_child(k, &format!("of {}", self.children.len())));
        }
        if !self
            .children
            .get_mut(k)
            .is_some_and(|c| c.as_any_mut().is::<B>())
        {
            return Err(self.bad_child(k, "is not built by the builder type asked for"));
        }
        self.start_slot(k)?;
        let n = self.children.len();
        self.children
            .get_mut(k)
            .and_then(|c| c.as_any_mut().downcast_mut::<B>())
            .ok_or(ArrayError::OutOfBounds {
                what: "union child",
                index: k,
                len: n,
            })
    }

    /// Records the slot's type id and offset, and pads the other sparse children.
    fn start_slot(&mut self, k: usize) -> Result<()> {
        let id = i8::try_from(k).map_err(|_| self.bad_child(k, "has no type id"))?;
        let offset = self.children.get(k).map_or(0, |c| c.len());
        match self.mode {
            UnionMode::Sparse => {
                for (j, c) in self.children.iter_mut().enumerate() {
                    if j != k {
                        c.append_null();
                    }
                }
            }
            UnionMode::Dense => {
                let offset = i32::try_from(offset)
                    .map_err(|_| self.bad_child(k, "overflows the offsets"))?;
                self.offsets.push(offset);
            }
        }
        self.type_ids.push(id);
        self.len += 1;
        Ok(())
    }

    /// Builds the array and resets the builder (its children too). Fails if a child
    /// did not get exactly one value per slot it was picked for.
    pub fn finish(&mut self) -> Result<Array> {
        let data_type = self.data_type();
        let len = std::mem::take(&mut self.len);
        let type_ids = std::mem::take(&mut self.type_ids).freeze();
        let offsets = std::mem::take(&mut self.offsets).freeze();
        let children = self
            .children
            .iter_mut()
            .map(|c| c.finish())
            .collect::<Result<Vec<_>>>()?;
        let buffers = match self.mode {
            UnionMode::Sparse => vec![type_ids],
            UnionMode::Dense => vec![type_ids, offsets],
        };
        ArrayData::new(data_type, len)
            .buffers(buffers)
            .children(children)
            .build()
    }
}

impl ArrayBuilder for UnionBuilder {
    fn len(&self) -> usize {
        self.len
    }
    fn data_type(&self) -> DataType {
        let fields = self
            .names
            .iter()
            .zip(&self.children)
            .map(|(n, c)| Field::new(n.as_str(), c.data_type(), true))
            .collect::<Vec<_>>();
        let type_ids = (0..fields.len())
            .filter_map(|k| i8::try_from(k).ok())
            .collect();
        DataType::Union {
            fields,
            type_ids,
            mode: self.mode,
        }
    }
    /// Appends a slot of child 0 holding a null (unions have no validity bitmap of
    /// their own); does nothing when there are no children.
    fn append_null(&mut self) {
        if !self.children.is_empty()
            && self.start_slot(0).is_ok()
            && let Some(c) = self.children.get_mut(0)
        {
            c.append_null();
        }
    }
    fn finish(&mut self) -> Result<Array> {
        UnionBuilder::finish(self)
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
