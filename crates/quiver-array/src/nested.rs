//! Building nested and encoded arrays from child arrays and plain Rust values: lists
//! from per-slot lengths, structs from named columns, maps, dictionaries, unions and
//! run-end encoded arrays. Each constructor checks its result like `ArrayData::build`.

use std::sync::Arc;

use quiver_buffer::{BitmapBuilder, Buffer, MutableBuffer};

use crate::data::{Array, ArrayData};
use crate::datatype::{DataType, UnionMode};
use crate::error::{ArrayError, Result};
use crate::field::Field;

/// A validity bitmap from one flag per slot (`true` = valid), or `None` when every
/// slot is valid, as [`ArrayData::nulls`] takes it. Bit `i` is flag `i`; bits past the
/// last slot are zero.
///
/// ```
/// use quiver_array::validity_from_bools;
/// let bits = validity_from_bools(&[true, false, true]).unwrap();
/// assert_eq!(bits.as_slice(), &[0b101]);
/// assert!(validity_from_bools(&[true, true]).is_none());
/// ```
pub fn validity_from_bools(valid: &[bool]) -> Option<Buffer> {
    if valid.iter().all(|&v| v) {
        return None;
    }
    let mut b = BitmapBuilder::with_capacity(valid.len());
    valid.iter().for_each(|&v| b.append(v));
    Some(b.finish().buffer().clone())
}

use validity_from_bools as validity;

fn bad(data_type: &DataType, problem: String) -> ArrayError {
    ArrayError::invalid_data(data_type.clone(), problem)
}

impl Array {
    /// A list array over `values`: slot `i` holds the next `lengths[i]` values, `None` is
    /// a null list. The type is `List` of a nullable `item` field; for a `LargeList`,
    /// `ListView`, `LargeListView` or `Map`, use [`list_of`](Array::list_of), which
    /// takes the list type.
    ///
    /// ```
    /// use quiver_array::{Array, DataType};
    /// let l = Array::list_from_lengths(Array::from(vec![1i32, 2, 3]), [Some(2), None, Some(1), Some(0)]).unwrap();
    /// assert_eq!(l.to_string(), "[[1, 2], null, [3], []]");
    /// assert_eq!(l.data_type().to_string(), "list<item: int32>");
    /// ```
    pub fn list_from_lengths(
        values: Array,
        lengths: impl IntoIterator<Item = Option<usize>>,
    ) -> Result<Array> {
        let item = Arc::new(Field::new("item", values.data_type().clone(), true));
        Self::list_of(DataType::List(item), values, lengths)
    }

    /// Like [`list_from_lengths`](Array::list_from_lengths) with an explicit list type:
    /// `List`, `LargeList`, `ListView`, `LargeListView` or `Map` (whose values must be
    /// the key/value struct).
    pub fn list_of(
        data_type: DataType,
        values: Array,
        lengths: impl IntoIterator<Item = Option<usize>>,
    ) -> Result<Array> {
        let (mut starts, mut valid) = (vec![0usize], Vec::new());
        for l in lengths {
            let start = *starts.last().unwrap_or(&0);
            starts.push(
                start
                    .checked_add(l.unwrap_or(0))
                    .ok_or_else(|| bad(&data_type, "list lengths overflow".into()))?,
            );
            valid.push(l.is_some());
        }
        let n = valid.len();
        let wide = matches!(
            data_type,
            DataType::LargeList(_) | DataType::LargeListView(_)
        );
        let mut offsets = MutableBuffer::new();
        let push = |m: &mut MutableBuffer, v: usize| -> Result<()> {
            if wide {
                m.push(
                    i64::try_from(v)
                        .map_err(|_| bad(&data_type, format!("offset {v} too large")))?,
                );
            } else {
                m.push(
                    i32::try_from(v)
                        .map_err(|_| bad(&data_type, format!("offset {v} too large")))?,
                );
            }
            Ok(())
        };
        let buffers = match data_type {
            DataType::List(_) | DataType::LargeList(_) | DataType::Map(..) => {
                for &s in &starts {
                    push(&mut offsets, s)?;
                }
                vec![offsets.freeze()]
            }
            DataType::ListView(_) | DataType::LargeListView(_) => {
                let mut sizes = MutableBuffer::new();
                for w in starts.windows(2) {
                    push(&mut offsets, w[0])?;
                    push(&mut sizes, w[1] - w[0])?;
                }
                vec![offsets.freeze(), sizes.freeze()]
            }
            other => return Err(bad(&other, "not a list type".into())),
        };
        ArrayData::new(data_type, n)
            .nulls(validity(&valid))
            .buffers(buffers)
            .children(vec![values])
            .build()
    }

    /// A fixed-size list array: slot `i` holds values `i*size .. (i+1)*size`; `valid`
    /// (one flag per slot) marks nulls, `None` means all valid.
    ///
    /// ```
    /// use quiver_array::Array;
    /// let l = Array::fixed_size_list(Array::from(vec![1i8, 2, 3, 4]), 2, Some(vec![true, false])).unwrap();
    /// assert_eq!(l.to_string(), "[[1, 2], null]");
    /// ```
    pub fn fixed_size_list(values: Array, size: i32, valid: Option<Vec<bool>>) -> Result<Array> {
        let width = usize::try_from(size).unwrap_or(0);
        let n = match (&valid, width) {
            (Some(v), _) => v.len(),
            (None, 0) => 0,
            (None, w) => values.len() / w,
        };
        let item = Arc::new(Field::new("item", values.data_type().clone(), true));
        ArrayData::new(DataType::FixedSizeList(item, size), n)
            .nulls(valid.as_deref().and_then(validity))
            .children(vec![values])
            .build()
    }

    /// A struct array from named columns of equal length; `valid` marks null rows. A
    /// field is nullable when its column has nulls; use
    /// [`struct_from_fields`](Array::struct_from_fields) to choose.
    ///
    /// ```
    /// use quiver_array::Array;
    /// let s = Array::struct_from(
    ///     vec![("a", Array::from(vec![1i64, 2])), ("b", Array::from(vec![Some("x"), None]))],
    ///     Some(vec![true, false]),
    /// ).unwrap();
    /// assert_eq!(s.to_string(), "[{a: 1, b: \"x\"}, null]");
    /// let quiver_array::DataType::Struct(fields) = s.data_type() else { unreachable!() };
    /// assert_eq!((fields[0].is_nullable(), fields[1].is_nullable()), (false, true));
    /// ```
    pub fn struct_from(columns: Vec<(&str, Array)>, valid: Option<Vec<bool>>) -> Result<Array> {
        let fields = columns
            .iter()
            .map(|(name, a)| Field::new(*name, a.data_type().clone(), a.null_count() > 0))
            .collect();
        Self::struct_from_fields(fields, columns.into_iter().map(|(_, a)| a).collect(), valid)
    }

    /// A struct array of `fields` from their columns (of equal length, types matching
    /// the fields); `valid` marks null rows.
    pub fn struct_from_fields(
        fields: Vec<Field>,
        columns: Vec<Array>,
        valid: Option<Vec<bool>>,
    ) -> Result<Array> {
        let n = valid
            .as_ref()
            .map(Vec::len)
            .or_else(|| columns.first().map(Array::len))
            .unwrap_or(0);
        ArrayData::new(DataType::Struct(fields), n)
            .nulls(valid.as_deref().and_then(validity))
            .children(columns)
            .build()
    }

    /// A map array: slot `i` holds the next `lengths[i]` key/value pairs (`None` is a
    /// null map). Keys must have no nulls.
    ///
    /// ```
    /// use quiver_array::Array;
    /// let m = Array::map_from_lengths(Array::from(vec!["a", "b", "c"]), Array::from(vec![1i32, 2, 3]), [Some(2), Some(1)], false).unwrap();
    /// assert_eq!(m.to_string(), "[[{key: \"a\", value: 1}, {key: \"b\", value: 2}], [{key: \"c\", value: 3}]]");
    /// ```
    pub fn map_from_lengths(
        keys: Array,
        values: Array,
        lengths: impl IntoIterator<Item = Option<usize>>,
        keys_sorted: bool,
    ) -> Result<Array> {
        let entry_fields = vec![
            Field::new("key", keys.data_type().clone(), false),
            Field::new("value", values.data_type().clone(), true),
        ];
        let entries = ArrayData::new(DataType::Struct(entry_fields.clone()), keys.len())
            .children(vec![keys, values])
            .build()?;
        let entries_field = Field::new("entries", DataType::Struct(entry_fields), false);
        Self::list_of(
            DataType::Map(Arc::new(entries_field), keys_sorted),
            entries,
            lengths,
        )
    }

    /// A dictionary-encoded array: integer `indices` (their nulls are the array's nulls)
    /// into `values`.
    ///
    /// ```
    /// use quiver_array::Array;
    /// let d = Array::dictionary_from(Array::from(vec![Some(1i8), None, Some(0)]), Array::from(vec!["lo", "hi"]), false).unwrap();
    /// assert_eq!(d.to_string(), "[\"hi\", null, \"lo\"]");
    /// ```
    pub fn dictionary_from(indices: Array, values: Array, ordered: bool) -> Result<Array> {
        let data_type = DataType::Dictionary {
            index: Box::new(indices.data_type().clone()),
            value: Box::new(values.data_type().clone()),
            ordered,
        };
        let index_data = indices.to_data();
        ArrayData {
            data_type,
            dictionary: Some(values),
            ..index_data
        }
        .build()
    }

    /// A union array: slot `i` takes its value from child `children[k]` where `k` is
    /// `slots[i]`. Sparse unions need children as long as the union (slot `i` is row `i`
    /// of the chosen child); dense unions take rows of the chosen child in order.
    ///
    /// ```
    /// use quiver_array::{Array, UnionMode};
    /// let u = Array::union_from(
    ///     vec![("i", Array::from(vec![7i32, 8])), ("s", Array::from(vec!["x"]))],
    ///     &[0, 1, 0],
    ///     UnionMode::Dense,
    /// ).unwrap();
    /// assert_eq!(u.to_string(), "[7, \"x\", 8]");
    /// ```
    pub fn union_from(
        children: Vec<(&str, Array)>,
        slots: &[usize],
        mode: UnionMode,
    ) -> Result<Array> {
        let fields: Vec<Field> = children
            .iter()
            .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
            .collect();
        let type_ids: Vec<i8> = (0..fields.len()).map(|k| k as i8).collect();
        let data_type = DataType::Union {
            fields,
            type_ids,
            mode,
        };
        let mut ids = MutableBuffer::new();
        let mut offsets = MutableBuffer::new();
        let mut next = vec![0i32; children.len()];
        for (i, &k) in slots.iter().enumerate() {
            let id = i8::try_from(k)
                .ok()
                .filter(|_| k < children.len())
                .ok_or_else(|| {
                    ArrayError::invalid_slot(
                        data_type.clone(),
                        i,
                        format!("slot {i} names child {k} of {}", children.len()),
                    )
                })?;
            ids.push(id);
            offsets.push(next[k]);
            next[k] += 1;
        }
        let buffers = match mode {
            UnionMode::Sparse => vec![ids.freeze()],
            UnionMode::Dense => vec![ids.freeze(), offsets.freeze()],
        };
        ArrayData::new(data_type, slots.len())
            .buffers(buffers)
            .children(children.into_iter().map(|(_, a)| a).collect())
            .build()
    }

    /// A run-end encoded array: run `k` repeats `values[k]` up to (not including) logical
    /// position `run_ends[k]`.
    ///
    /// ```
    /// use quiver_array::Array;
    /// let r = Array::run_end_encoded(Array::from(vec![2i32, 3]), Array::from(vec![Some("a"), None])).unwrap();
    /// assert_eq!(r.to_string(), "[\"a\", \"a\", null]");
    /// ```
    pub fn run_end_encoded(run_ends: Array, values: Array) -> Result<Array> {
        let n = match run_ends.len() {
            0 => 0,
            k => crate::special::run_end(&run_ends, k - 1)
                .and_then(|e| usize::try_from(e).ok())
                .unwrap_or(0),
        };
        let data_type = DataType::RunEndEncoded(
            Arc::new(Field::new("run_ends", run_ends.data_type().clone(), false)),
            Arc::new(Field::new("values", values.data_type().clone(), true)),
        );
        ArrayData::new(data_type, n)
            .children(vec![run_ends, values])
            .build()
    }
}

/// Views for `values`: up to 12 bytes inline, longer ones in one data buffer.
pub(crate) fn build_views<V: AsRef<[u8]>>(
    data_type: DataType,
    values: impl IntoIterator<Item = Option<V>>,
) -> Result<Array> {
    let mut views = MutableBuffer::new();
    let mut data = MutableBuffer::new();
    let mut valid = Vec::new();
    for v in values {
        let bytes = v.as_ref().map_or(&[][..], |b| b.as_ref());
        valid.push(v.is_some());
        let len =
            i32::try_from(bytes.len()).map_err(|_| bad(&data_type, "value over 2 GiB".into()))?;
        let mut view = [0u8; 16];
        view[..4].copy_from_slice(&len.to_ne_bytes());
        if bytes.len() <= 12 {
            view[4..4 + bytes.len()].copy_from_slice(bytes);
        } else {
            let offset =
                i32::try_from(data.len()).map_err(|_| bad(&data_type, "data over 2 GiB".into()))?;
            view[4..8].copy_from_slice(&bytes[..4]);
            view[8..12].copy_from_slice(&0i32.to_ne_bytes());
            view[12..16].copy_from_slice(&offset.to_ne_bytes());
            data.extend_from_slice(bytes);
        }
        views.extend_from_slice(&view);
    }
    let n = valid.len();
    ArrayData::new(data_type, n)
        .nulls(validity(&valid))
        .buffers(vec![views.freeze(), data.freeze()])
        .build()
}
