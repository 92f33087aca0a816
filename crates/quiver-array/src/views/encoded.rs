//! Views of the layouts that reach their values through an index: dictionary-encoded,
//! union and run-end encoded arrays.

use super::{check_slot, slice_or_empty};
use crate::data::{Array, ArrayData};
use crate::datatype::{DataType, UnionMode};
use crate::field::Field;
use crate::values::{dict_index, run_end};

impl Array {
    /// Typed view of a dictionary-encoded array: its keys (indices) and its dictionary.
    ///
    /// ```
    /// use quiver_array::Array;
    /// let d = Array::dictionary_from(Array::from(vec![Some(1i8), None, Some(0)]), Array::from(vec!["lo", "hi"]), false).unwrap();
    /// let v = d.as_dictionary().unwrap();
    /// assert_eq!(v.iter().collect::<Vec<_>>(), vec![Some(1), None, Some(0)]);
    /// assert_eq!(v.keys().as_primitive::<i8>().unwrap().iter().collect::<Vec<_>>(), vec![Some(1), None, Some(0)]);
    /// let words = v.values().as_string::<i32>().unwrap();
    /// assert_eq!(v.key(0).map(|k| words.value(k)), Some("hi"));
    /// ```
    pub fn as_dictionary(&self) -> Option<DictionaryValues<'_>> {
        let DataType::Dictionary { index, .. } = self.data_type() else {
            return None;
        };
        let keys = ArrayData::new((**index).clone(), self.len())
            .offset(self.offset())
            .nulls(self.nulls_buffer().cloned())
            .buffers(vec![self.buffers().first()?.clone()])
            .build()
            .ok()?;
        Some(DictionaryValues {
            array: self,
            index,
            keys,
            values: self.dictionary()?,
        })
    }

    /// Typed view of a sparse or dense union array.
    ///
    /// ```
    /// use quiver_array::{Array, UnionMode};
    /// let u = Array::union_from(
    ///     vec![("i", Array::from(vec![Some(7i32), None])), ("s", Array::from(vec!["x"]))],
    ///     &[0, 1, 0],
    ///     UnionMode::Dense,
    /// ).unwrap();
    /// let v = u.as_union().unwrap();
    /// assert_eq!((v.type_id(1), v.value_offset(2)), (1, Some(1)));
    /// assert_eq!(v.value(1).as_string::<i32>().unwrap().value(0), "x");
    /// assert_eq!(v.child(0).unwrap().len(), 2);
    /// // Slot 2 is the null in child "i": the union's logical null.
    /// assert_eq!(v.iter().map(|x| x.is_some()).collect::<Vec<_>>(), vec![true, true, false]);
    /// ```
    pub fn as_union(&self) -> Option<UnionValues<'_>> {
        let DataType::Union {
            fields,
            type_ids,
            mode,
        } = self.data_type()
        else {
            return None;
        };
        let end = self.offset().checked_add(self.len())?;
        let ids = self.buffers().first()?.as_slice().get(self.offset()..end)?;
        Some(UnionValues {
            array: self,
            fields,
            type_ids,
            mode: *mode,
            ids,
        })
    }

    /// Typed view of a run-end encoded array.
    ///
    /// ```
    /// use quiver_array::Array;
    /// let r = Array::run_end_encoded(Array::from(vec![2i32, 3, 5]), Array::from(vec![Some("a"), None, Some("b")])).unwrap();
    /// let tail = r.slice(1, 4);
    /// let v = tail.as_run_end_encoded().unwrap();
    /// assert_eq!(v.physical_index(2), Some(2));
    /// // Logical iteration yields the run (index into `values()`) of each slot:
    /// assert_eq!(v.iter().collect::<Vec<_>>(), vec![Some(0), None, Some(2), Some(2)]);
    /// let s = v.values().as_string::<i32>().unwrap();
    /// assert_eq!(v.iter().map(|k| k.map(|k| s.value(k))).collect::<Vec<_>>(), vec![Some("a"), None, Some("b"), Some("b")]);
    /// ```
    pub fn as_run_end_encoded(&self) -> Option<RunEndValues<'_>> {
        if !matches!(self.data_type(), DataType::RunEndEncoded(..)) {
            return None;
        }
        let [run_ends, values] = self.children() else {
            return None;
        };
        Some(RunEndValues {
            array: self,
            run_ends,
            values,
        })
    }
}

/// A typed view of a dictionary-encoded array (see [`Array::as_dictionary`]).
#[derive(Debug, Clone)]
pub struct DictionaryValues<'a> {
    array: &'a Array,
    index: &'a DataType,
    /// The indices as an array of the index type, with the array's nulls and offset.
    keys: Array,
    values: &'a Array,
}

impl<'a> DictionaryValues<'a> {
    /// Number of slots.
    pub fn len(&self) -> usize {
        self.array.len()
    }

    /// Whether there are no slots.
    pub fn is_empty(&self) -> bool {
        self.array.is_empty()
    }

    /// The indices, as an integer array of the index type (sharing this array's
    /// buffer, offset and nulls).
    pub fn keys(&self) -> &Array {
        &self.keys
    }

    /// The dictionary.
    pub fn values(&self) -> &'a Array {
        self.values
    }

    /// The dictionary index of slot `i`: `None` if the slot is null, or (possible only
    /// without full validation) if the index is negative or past the dictionary.
    ///
    /// # Panics
    /// If `i >= len`.
    pub fn key(&self, i: usize) -> Option<usize> {
        check_slot(i, self.len());
        if !self.array.is_valid(i) {
            return None;
        }
        dict_index(self.array, i, self.index).filter(|&k| k < self.values.len())
    }

    /// The dictionary index of every slot (see [`key`](Self::key)).
    pub fn iter(&self) -> impl Iterator<Item = Option<usize>> + '_ {
        (0..self.len()).map(|i| self.key(i))
    }
}

/// A typed view of a union array (see [`Array::as_union`]).
///
/// A union has no validity bitmap of its own: slot `i` is null when the child value it
/// selects is null.
#[derive(Debug, Clone, Copy)]
pub struct UnionValues<'a> {
    array: &'a Array,
    fields: &'a [Field],
    type_ids: &'a [i8],
    mode: UnionMode,
    /// Exactly `len` type ids, one per slot.
    ids: &'a [u8],
}

impl<'a> UnionValues<'a> {
    /// Number of slots.
    pub fn len(&self) -> usize {
        self.array.len()
    }

    /// Whether there are no slots.
    pub fn is_empty(&self) -> bool {
        self.array.is_empty()
    }

    /// Sparse or dense.
    pub fn mode(&self) -> UnionMode {
        self.mode
    }

    /// The child fields.
    pub fn fields(&self) -> &'a [Field] {
        self.fields
    }

    /// The type id of each child, in the order of [`fields`](Self::fields).
    pub fn type_ids(&self) -> &'a [i8] {
        self.type_ids
    }

    /// The type id stored for slot `i`.
    ///
    /// # Panics
    /// If `i >= len`.
    pub fn type_id(&self, i: usize) -> i8 {
        check_slot(i, self.len());
        self.ids.get(i).map_or(0, |&b| b as i8)
    }

    /// The child that holds the values of type `type_id`, or `None` if no child has it.
    pub fn child(&self, type_id: i8) -> Option<&'a Array> {
        let k = self.type_ids.iter().position(|&t| t == type_id)?;
        self.array.children().get(k)
    }

    /// The position of slot `i`'s value in its child: `i` for a sparse union, the
    /// stored offset for a dense one. `None` (possible only without full validation)
    /// when the type id or the offset does not lead to a value.
    ///
    /// # Panics
    /// If `i >= len`.
    pub fn value_offset(&self, i: usize) -> Option<usize> {
        check_slot(i, self.len());
        self.array.union_slot(i).map(|(_, _, slot)| slot)
    }

    /// The value of slot `i`: a one-slot slice of the child its type id selects; an
    /// empty slice of the union if that is not there (possible only without full
    /// validation).
    ///
    /// # Panics
    /// If `i >= len`.
    pub fn value(&self, i: usize) -> Array {
        check_slot(i, self.len());
        let found = self.array.union_slot(i).and_then(|(_, k, slot)| {
            let child = self.array.children().get(k)?;
            child.try_slice(slot, 1).ok()
        });
        found.unwrap_or_else(|| slice_or_empty(self.array, i, 0))
    }

    /// The values as one-slot child slices; `None` where the selected child value is
    /// null (Arrow's logical nulls of a union).
    pub fn iter(&self) -> impl Iterator<Item = Option<Array>> + 'a {
        let this = *self;
        (0..this.len()).map(move |i| {
            let (_, k, slot) = this.array.union_slot(i)?;
            let child = this.array.children().get(k)?;
            if !child.is_valid(slot) {
                return None;
            }
            child.try_slice(slot, 1).ok()
        })
    }
}

/// A typed view of a run-end encoded array (see [`Array::as_run_end_encoded`]).
#[derive(Debug, Clone, Copy)]
pub struct RunEndValues<'a> {
    array: &'a Array,
    run_ends: &'a Array,
    values: &'a Array,
}

impl<'a> RunEndValues<'a> {
    /// Number of logical slots.
    pub fn len(&self) -> usize {
        self.array.len()
    }

    /// Whether there are no slots.
    pub fn is_empty(&self) -> bool {
        self.array.is_empty()
    }

    /// The run ends child, whole: run `k` ends before logical position `run_ends[k]` of
    /// the unsliced array.
    pub fn run_ends(&self) -> &'a Array {
        self.run_ends
    }

    /// The values child: one value per run.
    pub fn values(&self) -> &'a Array {
        self.values
    }

    /// The run of logical slot `i`, an index into [`values`](Self::values); `None` if
    /// `i >= len` or (possible only without full validation) the run ends are broken.
    pub fn physical_index(&self, i: usize) -> Option<usize> {
        self.array.run_index(i)
    }

    /// The value of logical slot `i`, a one-slot slice of [`values`](Self::values) (an
    /// empty slice if the run ends are broken, which full validation rules out).
    ///
    /// # Panics
    /// If `i >= len`.
    pub fn value(&self, i: usize) -> Array {
        check_slot(i, self.len());
        match self.physical_index(i) {
            Some(k) => slice_or_empty(self.values, k, 1),
            None => slice_or_empty(self.values, 0, 0),
        }
    }

    /// For each logical slot in order, its run (an index into [`values`](Self::values)),
    /// or `None` where that value is null (Arrow's logical nulls of a run-end encoded
    /// array). Walks the runs once instead of searching for every slot.
    pub fn iter(&self) -> impl Iterator<Item = Option<usize>> + 'a {
        let this = *self;
        let mut run = this.physical_index(0);
        let mut end = run.and_then(|k| run_end(this.run_ends, k));
        (0..this.len()).map(move |i| {
            let logical = i64::try_from(this.array.offset().checked_add(i)?).ok()?;
            while end.is_some_and(|e| logical >= e) {
                run = run.and_then(|k| k.checked_add(1));
                end = run.and_then(|k| run_end(this.run_ends, k));
            }
            end?;
            let k = run?;
            (k < this.values.len() && this.values.is_valid(k)).then_some(k)
        })
    }
}
