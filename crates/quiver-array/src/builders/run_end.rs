//! A builder of run-end encoded arrays that merges equal consecutive values.

use std::any::Any;
use std::sync::Arc;

use super::primitive::{ArrowPrimitive, PrimitiveBuilder};
use super::{ArrayBuilder, ValueBuilder};
use crate::data::Array;
use crate::datatype::DataType;
use crate::error::{ArrayError, Result};
use crate::field::Field;

/// The run-end types: `i16`, `i32` and `i64`.
pub trait RunEndIndex: ArrowPrimitive + TryFrom<usize> {}
impl RunEndIndex for i16 {}
impl RunEndIndex for i32 {}
impl RunEndIndex for i64 {}

/// What the run being built repeats.
#[derive(Debug, PartialEq)]
enum Run {
    /// No run yet.
    None,
    /// A run of nulls.
    Null,
    /// A run of the value with these bytes.
    Value(Vec<u8>),
}

/// Builds run-end encoded arrays with run ends of type `R` over values built by `B`:
/// appending the value (or null) the last run repeats extends that run instead of
/// adding a value. Values are compared by their bytes.
///
/// ```
/// use quiver_array::{ArrayBuilder, RunEndBuilder, StringBuilder};
/// let mut b = RunEndBuilder::<i32, _>::new(StringBuilder::new());
/// for v in [Some("a"), Some("a"), None, None, Some("b")] {
///     b.append_option(v).unwrap();
/// }
/// let a = b.finish().unwrap();
/// assert_eq!(a.to_string(), "[\"a\", \"a\", null, null, \"b\"]");
/// assert_eq!(a.children()[0].to_string(), "[2, 4, 5]");
/// ```
#[derive(Debug)]
pub struct RunEndBuilder<R: RunEndIndex, B: ValueBuilder> {
    run_ends: PrimitiveBuilder<R>,
    values: B,
    last: Run,
    len: usize,
}

impl<R: RunEndIndex, B: ValueBuilder> RunEndBuilder<R, B> {
    /// An empty builder whose run values go to `values` (which should be empty).
    pub fn new(values: B) -> Self {
        Self {
            run_ends: PrimitiveBuilder::new(R::DATA_TYPE),
            values,
            last: Run::None,
            len: 0,
        }
    }

    /// The end of the current run if it ended now; `None` before the first run.
    fn run_end(&self) -> Result<Option<R>> {
        if self.last == Run::None {
            return Ok(None);
        }
        R::try_from(self.len).map(Some).map_err(|_| {
            ArrayError::invalid_data(
                self.ree_type(),
                format!("run end {} does not fit {}", self.len, R::DATA_TYPE),
            )
        })
    }

    /// Extends the current run, or ends it and starts a run of `next`. On error nothing
    /// changes.
    fn extend(&mut self, next: Run, v: Option<&B::Value>) -> Result<()> {
        if next != self.last {
            let end = self.run_end()?;
            match v {
                Some(v) => self.values.push(v)?,
                None => self.values.append_null(),
            }
            if let Some(end) = end {
                self.run_ends.append_value(end);
            }
            self.last = next;
        }
        self.len += 1;
        Ok(())
    }

    /// Appends a value; fails if a run end overflows `R`.
    pub fn append_value(&mut self, v: &B::Value) -> Result<()> {
        self.extend(Run::Value(B::identity(v).to_vec()), Some(v))
    }

    /// Appends a value or a null.
    pub fn append_option(&mut self, v: Option<&B::Value>) -> Result<()> {
        match v {
            Some(v) => self.append_value(v),
            None => self.extend(Run::Null, None),
        }
    }

    fn ree_type(&self) -> DataType {
        DataType::RunEndEncoded(
            Arc::new(Field::new("run_ends", R::DATA_TYPE, false)),
            Arc::new(Field::new("values", self.values.data_type(), true)),
        )
    }

    /// Builds the array and resets the builder.
    pub fn finish(&mut self) -> Result<Array> {
        let last = self.run_end();
        if let Ok(Some(end)) = last {
            self.run_ends.append_value(end);
        }
        self.last = Run::None;
        self.len = 0;
        let run_ends = self.run_ends.finish();
        let values = self.values.finish();
        last?;
        Array::run_end_encoded(run_ends?, values?)
    }
}

impl<R: RunEndIndex, B: ValueBuilder + 'static> ArrayBuilder for RunEndBuilder<R, B> {
    fn len(&self) -> usize {
        self.len
    }
    fn data_type(&self) -> DataType {
        self.ree_type()
    }
    fn append_null(&mut self) {
        // Only a run end overflowing `R` fails here, leaving the builder unchanged;
        // the length already overflows `R`, so `finish` reports it.
        let _ = self.extend(Run::Null, None);
    }
    fn finish(&mut self) -> Result<Array> {
        RunEndBuilder::finish(self)
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
