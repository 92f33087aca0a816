//! Views of the list-like layouts: list and large list, list view and large list view,
//! fixed-size list and map. A slot's value is a zero-copy slice of the child array.

use quiver_buffer::NativeType;

use super::{check_slot, slice_or_empty};
use crate::data::{Array, OffsetSize};
use crate::datatype::DataType;
use crate::field::Field;

/// Whether `O` is the offset type of `data_type`: `i32` for the narrow list-like
/// types, `i64` for the large ones.
fn offsets_match<O: OffsetSize>(data_type: &DataType) -> bool {
    let width = match data_type {
        DataType::List(_) | DataType::ListView(_) | DataType::Map(..) => 4,
        DataType::LargeList(_) | DataType::LargeListView(_) => 8,
        _ => return false,
    };
    <O as NativeType>::WIDTH == width
}

/// Values `offset .. offset + n` of the array's buffer `k`, read as `O`.
fn typed<O: OffsetSize>(array: &Array, k: usize, n: usize) -> Option<&[O]> {
    let all = array.buffers().get(k)?.typed_data::<O>().ok()?;
    all.get(array.offset()..array.offset().checked_add(n)?)
}

/// Slot `i` of a list-like array as a slice of its child.
fn list_value(array: &Array, child: &Array, i: usize) -> Array {
    check_slot(i, array.len());
    match array.list_range(i) {
        Some((start, len)) => slice_or_empty(child, start, len),
        None => slice_or_empty(child, 0, 0),
    }
}

/// The slots of a list-like array as child slices, nulls as `None`.
fn list_iter<'a>(array: &'a Array, child: &'a Array) -> impl Iterator<Item = Option<Array>> + 'a {
    (0..array.len()).map(move |i| array.is_valid(i).then(|| list_value(array, child, i)))
}

impl Array {
    /// Typed view of a list (`O = i32`) or large list (`O = i64`) array; `None` for any
    /// other type (a large list viewed with `i32` offsets, a list view or a map).
    ///
    /// ```
    /// use quiver_array::Array;
    /// let l = Array::list_from_lengths(Array::from(vec![1i32, 2, 3]), [Some(2), None, Some(1)]).unwrap();
    /// let v = l.as_list::<i32>().unwrap();
    /// assert_eq!(v.offsets(), &[0, 2, 2, 3]);
    /// assert_eq!(v.value(0).as_primitive::<i32>().unwrap().to_vec(), vec![1, 2]);
    /// assert_eq!(v.iter().map(|x| x.map(|a| a.len())).collect::<Vec<_>>(), vec![Some(2), None, Some(1)]);
    /// assert!(l.as_list::<i64>().is_none());
    /// ```
    pub fn as_list<O: OffsetSize>(&self) -> Option<ListValues<'_, O>> {
        if !matches!(self.data_type(), DataType::List(_) | DataType::LargeList(_))
            || !offsets_match::<O>(self.data_type())
        {
            return None;
        }
        Some(ListValues {
            array: self,
            offsets: typed(self, 0, self.len().checked_add(1)?)?,
            child: self.children().first()?,
        })
    }

    /// Typed view of a list view (`O = i32`) or large list view (`O = i64`) array.
    ///
    /// ```
    /// use quiver_array::{Array, DataType, Field};
    /// let item = Field::new("item", DataType::Int8, true);
    /// let t = DataType::ListView(item.into());
    /// let l = Array::list_of(t, Array::from(vec![1i8, 2, 3]), [Some(1), Some(2)]).unwrap();
    /// let v = l.as_list_view::<i32>().unwrap();
    /// assert_eq!((v.offsets(), v.sizes()), (&[0, 1][..], &[1, 2][..]));
    /// assert_eq!(v.value(1).as_primitive::<i8>().unwrap().to_vec(), vec![2, 3]);
    /// assert!(l.as_list::<i32>().is_none());
    /// ```
    pub fn as_list_view<O: OffsetSize>(&self) -> Option<ListViewValues<'_, O>> {
        if !matches!(
            self.data_type(),
            DataType::ListView(_) | DataType::LargeListView(_)
        ) || !offsets_match::<O>(self.data_type())
        {
            return None;
        }
        Some(ListViewValues {
            array: self,
            offsets: typed(self, 0, self.len())?,
            sizes: typed(self, 1, self.len())?,
            child: self.children().first()?,
        })
    }

    /// Typed view of a fixed-size list array.
    ///
    /// ```
    /// use quiver_array::Array;
    /// let l = Array::fixed_size_list(Array::from(vec![1i8, 2, 3, 4]), 2, Some(vec![true, false])).unwrap();
    /// let v = l.as_fixed_size_list().unwrap();
    /// assert_eq!(v.value_length(), 2);
    /// assert_eq!(v.value(0).as_primitive::<i8>().unwrap().to_vec(), vec![1, 2]);
    /// assert!(v.iter().nth(1).unwrap().is_none());
    /// ```
    pub fn as_fixed_size_list(&self) -> Option<FixedSizeListValues<'_>> {
        let DataType::FixedSizeList(_, n) = self.data_type() else {
            return None;
        };
        Some(FixedSizeListValues {
            array: self,
            size: usize::try_from(*n).ok()?,
            child: self.children().first()?,
        })
    }

    /// Typed view of a map array: per slot, a run of the keys and values children.
    ///
    /// ```
    /// use quiver_array::Array;
    /// let m = Array::map_from_lengths(Array::from(vec!["a", "b", "c"]), Array::from(vec![1i32, 2, 3]), [Some(2), None, Some(1)], false).unwrap();
    /// let v = m.as_map().unwrap();
    /// let (k, x) = v.value(2);
    /// assert_eq!((k.as_string::<i32>().unwrap().value(0), x.as_primitive::<i32>().unwrap().value(0)), ("c", 3));
    /// assert_eq!(v.keys().len(), 3);
    /// assert!(v.iter().nth(1).unwrap().is_none());
    /// ```
    pub fn as_map(&self) -> Option<MapValues<'_>> {
        let DataType::Map(_, sorted) = self.data_type() else {
            return None;
        };
        let entries = self.children().first()?;
        let [keys, values] = entries.children() else {
            return None;
        };
        Some(MapValues {
            array: self,
            offsets: typed(self, 0, self.len().checked_add(1)?)?,
            entries,
            keys,
            values,
            keys_sorted: *sorted,
        })
    }
}

/// A typed view of a list or large list array (see [`Array::as_list`]).
#[derive(Debug, Clone, Copy)]
pub struct ListValues<'a, O> {
    array: &'a Array,
    /// Exactly `len + 1` offsets.
    offsets: &'a [O],
    child: &'a Array,
}

impl<'a, O: OffsetSize> ListValues<'a, O> {
    /// Number of slots.
    pub fn len(&self) -> usize {
        self.array.len()
    }

    /// Whether there are no slots.
    pub fn is_empty(&self) -> bool {
        self.array.is_empty()
    }

    /// The `len + 1` offsets of this (possibly sliced) array into [`values`](Self::values).
    pub fn offsets(&self) -> &'a [O] {
        self.offsets
    }

    /// The whole child array, which the offsets index.
    pub fn values(&self) -> &'a Array {
        self.child
    }

    /// The child field.
    pub fn field(&self) -> Option<&'a Field> {
        self.array.data_type().children().first().copied()
    }

    /// The list at slot `i`: a zero-copy slice of the child (empty or arbitrary if the
    /// slot is null, empty if its offsets are broken, which full validation rules out).
    ///
    /// # Panics
    /// If `i >= len`.
    pub fn value(&self, i: usize) -> Array {
        list_value(self.array, self.child, i)
    }

    /// The lists, nulls as `None`.
    pub fn iter(&self) -> impl Iterator<Item = Option<Array>> + 'a {
        list_iter(self.array, self.child)
    }
}

/// A typed view of a list view or large list view array (see [`Array::as_list_view`]).
#[derive(Debug, Clone, Copy)]
pub struct ListViewValues<'a, O> {
    array: &'a Array,
    /// Exactly `len` offsets and `len` sizes.
    offsets: &'a [O],
    sizes: &'a [O],
    child: &'a Array,
}

impl<'a, O: OffsetSize> ListViewValues<'a, O> {
    /// Number of slots.
    pub fn len(&self) -> usize {
        self.array.len()
    }

    /// Whether there are no slots.
    pub fn is_empty(&self) -> bool {
        self.array.is_empty()
    }

    /// The start of each slot's list in [`values`](Self::values), `len` of them.
    pub fn offsets(&self) -> &'a [O] {
        self.offsets
    }

    /// The length of each slot's list, `len` of them.
    pub fn sizes(&self) -> &'a [O] {
        self.sizes
    }

    /// The whole child array.
    pub fn values(&self) -> &'a Array {
        self.child
    }

    /// The list at slot `i`, a zero-copy slice of the child (empty if its offset and
    /// size are broken, which full validation rules out).
    ///
    /// # Panics
    /// If `i >= len`.
    pub fn value(&self, i: usize) -> Array {
        list_value(self.array, self.child, i)
    }

    /// The lists, nulls as `None`.
    pub fn iter(&self) -> impl Iterator<Item = Option<Array>> + 'a {
        list_iter(self.array, self.child)
    }
}

/// A typed view of a fixed-size list array (see [`Array::as_fixed_size_list`]).
#[derive(Debug, Clone, Copy)]
pub struct FixedSizeListValues<'a> {
    array: &'a Array,
    size: usize,
    child: &'a Array,
}

impl<'a> FixedSizeListValues<'a> {
    /// Number of slots.
    pub fn len(&self) -> usize {
        self.array.len()
    }

    /// Whether there are no slots.
    pub fn is_empty(&self) -> bool {
        self.array.is_empty()
    }

    /// Number of values in every list.
    pub fn value_length(&self) -> usize {
        self.size
    }

    /// The whole child array: slot `i` of the unsliced array holds values
    /// `i * size .. (i + 1) * size`.
    pub fn values(&self) -> &'a Array {
        self.child
    }

    /// The list at slot `i`, a zero-copy slice of the child.
    ///
    /// # Panics
    /// If `i >= len`.
    pub fn value(&self, i: usize) -> Array {
        list_value(self.array, self.child, i)
    }

    /// The lists, nulls as `None`.
    pub fn iter(&self) -> impl Iterator<Item = Option<Array>> + 'a {
        list_iter(self.array, self.child)
    }
}

/// A typed view of a map array (see [`Array::as_map`]).
#[derive(Debug, Clone, Copy)]
pub struct MapValues<'a> {
    array: &'a Array,
    /// Exactly `len + 1` offsets.
    offsets: &'a [i32],
    entries: &'a Array,
    keys: &'a Array,
    values: &'a Array,
    keys_sorted: bool,
}

impl<'a> MapValues<'a> {
    /// Number of slots (maps).
    pub fn len(&self) -> usize {
        self.array.len()
    }

    /// Whether there are no slots.
    pub fn is_empty(&self) -> bool {
        self.array.is_empty()
    }

    /// The `len + 1` offsets of this (possibly sliced) array into the entries.
    pub fn offsets(&self) -> &'a [i32] {
        self.offsets
    }

    /// The whole entries child: a struct of keys and values.
    pub fn entries(&self) -> &'a Array {
        self.entries
    }

    /// Every key of every map (the entries' first column).
    pub fn keys(&self) -> &'a Array {
        self.keys
    }

    /// Every value of every map (the entries' second column).
    pub fn values(&self) -> &'a Array {
        self.values
    }

    /// Whether the type declares each map's keys sorted.
    pub fn keys_sorted(&self) -> bool {
        self.keys_sorted
    }

    /// The entries of the map at slot `i`, a zero-copy slice of the entries struct.
    ///
    /// # Panics
    /// If `i >= len`.
    pub fn entries_at(&self, i: usize) -> Array {
        list_value(self.array, self.entries, i)
    }

    /// The keys and values of the map at slot `i`, zero-copy slices of
    /// [`keys`](Self::keys) and [`values`](Self::values).
    ///
    /// # Panics
    /// If `i >= len`.
    pub fn value(&self, i: usize) -> (Array, Array) {
        check_slot(i, self.len());
        let (start, len) = self.array.list_range(i).unwrap_or((0, 0));
        (
            slice_or_empty(self.keys, start, len),
            slice_or_empty(self.values, start, len),
        )
    }

    /// The maps as (keys, values) slices, nulls as `None`.
    pub fn iter(&self) -> impl Iterator<Item = Option<(Array, Array)>> + 'a {
        let this = *self;
        (0..this.len()).map(move |i| this.array.is_valid(i).then(|| this.value(i)))
    }
}
