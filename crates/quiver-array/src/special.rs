//! Access to the layouts that index their values indirectly: list views, unions,
//! run-end encoded and dictionary arrays.

use crate::data::Array;
use crate::datatype::{DataType, UnionMode};
pub use crate::values::run_end;
use crate::values::{dict_index, i32_at, offset_at};

impl Array {
    /// The child range `(start, len)` of slot `i` of a list, large list, map, fixed-size
    /// list, list view or large list view array; `None` if the slot's offsets are broken
    /// (possible only without full validation) or the type is not list-like.
    pub fn list_range(&self, i: usize) -> Option<(usize, usize)> {
        if i >= self.len() {
            return None;
        }
        let k = self.offset() + i;
        let read = |buf: usize, width: usize, at: usize| -> Option<i64> {
            offset_at(self.buffers().get(buf)?.as_slice(), width, at)
        };
        let (start, len) = match self.data_type() {
            DataType::List(_) | DataType::Map(..) => {
                let s = read(0, 4, k)?;
                (s, read(0, 4, k + 1)?.checked_sub(s)?)
            }
            DataType::LargeList(_) => {
                let s = read(0, 8, k)?;
                (s, read(0, 8, k + 1)?.checked_sub(s)?)
            }
            DataType::ListView(_) => (read(0, 4, k)?, read(1, 4, k)?),
            DataType::LargeListView(_) => (read(0, 8, k)?, read(1, 8, k)?),
            DataType::FixedSizeList(_, n) => {
                let n = i64::from(*n);
                (i64::try_from(k).ok()?.checked_mul(n)?, n)
            }
            _ => return None,
        };
        let (start, len) = (usize::try_from(start).ok()?, usize::try_from(len).ok()?);
        (start.checked_add(len)? <= self.children().first()?.len()).then_some((start, len))
    }

    /// For slot `i` of a union: the type id, the child index, and the slot in that
    /// child. `None` for broken data (possible only without full validation).
    pub fn union_slot(&self, i: usize) -> Option<(i8, usize, usize)> {
        let DataType::Union { type_ids, mode, .. } = self.data_type() else {
            return None;
        };
        if i >= self.len() {
            return None;
        }
        let k = self.offset() + i;
        let id = *self.buffers().first()?.as_slice().get(k)? as i8;
        let child = type_ids.iter().position(|&t| t == id)?;
        let slot = match mode {
            UnionMode::Sparse => i,
            UnionMode::Dense => {
                usize::try_from(i32_at(self.buffers().get(1)?.as_slice(), k)?).ok()?
            }
        };
        (slot < self.children().get(child)?.len()).then_some((id, child, slot))
    }

    /// For logical slot `i` of a run-end encoded array: the index of its run (the slot
    /// in the values child). `None` for broken data.
    pub fn run_index(&self, i: usize) -> Option<usize> {
        if !matches!(self.data_type(), DataType::RunEndEncoded(..)) || i >= self.len() {
            return None;
        }
        let ends = self.children().first()?;
        let logical = i64::try_from(self.offset() + i).ok()?;
        let n = ends.len();
        // The first run whose end is past `logical`.
        let (mut lo, mut hi) = (0, n);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if run_end(ends, mid)? <= logical {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        (lo < n && lo < self.children().get(1)?.len()).then_some(lo)
    }

    /// For slot `i` of a dictionary array: the slot in its dictionary that holds the
    /// value. `None` if the type is not a dictionary, there is no dictionary, or the
    /// index is negative or past the dictionary's end (possible only without full
    /// validation). A null slot still has an index; check [`is_null`](Array::is_null).
    ///
    /// ```
    /// use quiver_array::Array;
    /// let d = Array::dictionary_from(
    ///     Array::from(vec![Some(1i8), None, Some(0)]),
    ///     Array::from(vec!["lo", "hi"]),
    ///     false,
    /// )
    /// .unwrap();
    /// assert_eq!(d.dictionary_key(0), Some(1));
    /// assert_eq!(d.dictionary_key(2), Some(0));
    /// assert_eq!(d.dictionary_key(3), None);
    /// assert_eq!(Array::from(vec![1i8]).dictionary_key(0), None);
    /// ```
    pub fn dictionary_key(&self, i: usize) -> Option<usize> {
        let DataType::Dictionary { index, .. } = self.data_type() else {
            return None;
        };
        if i >= self.len() {
            return None;
        }
        let k = dict_index(self, i, index)?;
        (k < self.dictionary()?.len()).then_some(k)
    }

    /// Whether slot `i` holds no value, looking through the layouts that have no
    /// validity of their own or whose value lives elsewhere: a null-type slot, a union
    /// slot whose selected child is null, a run-end encoded slot whose run value is null,
    /// and a dictionary slot whose dictionary value is null are null too. Broken slots
    /// (possible only without full validation) count as null.
    ///
    /// ```
    /// use quiver_array::{Array, UnionMode};
    /// let u = Array::union_from(
    ///     vec![("i", Array::from(vec![Some(7i32), None]))],
    ///     &[0, 0],
    ///     UnionMode::Dense,
    /// )
    /// .unwrap();
    /// assert!(!u.is_null(1)); // a union has no validity bitmap
    /// assert!(u.is_logical_null(1));
    /// assert!(!u.is_logical_null(0));
    /// ```
    pub fn is_logical_null(&self, i: usize) -> bool {
        if i >= self.len() || self.is_null(i) {
            return true;
        }
        let inner = match self.data_type() {
            DataType::Null => return true,
            DataType::Union { .. } => self
                .union_slot(i)
                .and_then(|(_, child, slot)| Some((self.children().get(child)?, slot))),
            DataType::RunEndEncoded(..) => self
                .run_index(i)
                .and_then(|run| Some((self.children().get(1)?, run))),
            DataType::Dictionary { .. } => self
                .dictionary_key(i)
                .and_then(|key| Some((self.dictionary()?, key))),
            _ => return false,
        };
        inner.is_none_or(|(child, slot)| child.is_logical_null(slot))
    }
}
