//! Concatenating arrays of one type into one array (used for delta dictionaries and
//! for combining chunks).
//!
//! Every layout is covered. Inputs may be slices; only the part of each input that its
//! slots reach is carried into the result:
//! - offsets (binary, utf8, lists, maps) are rebased onto one running total;
//! - views keep only the data buffers their valid slots point to, with the buffer index
//!   of each out-of-line view renumbered;
//! - list views and dense unions take the child range their valid slots cover, with
//!   offsets shifted onto the concatenated child;
//! - run-end encoded inputs keep the runs their slots touch, with run ends rebased;
//! - dictionary-encoded inputs that share one dictionary keep it; otherwise the
//!   dictionaries are concatenated and each input's indices shifted past the earlier
//!   dictionaries (an error if the index type cannot address the joined dictionary).
//!
//! Null slots of views, list views and dictionary indices are written as zeros.

mod indirect;

use quiver_buffer::{BitmapBuilder, Buffer, MutableBuffer, get_bit};

use crate::data::{Array, ArrayData, OffsetSize};
use crate::datatype::{DataType, UnionMode};
use crate::error::{ArrayError, Result};
use crate::layout::layout;

/// Concatenates arrays of the same type into one new array.
///
/// Every type is supported, sliced inputs included (see the module documentation for
/// how each layout is joined). Errors: no input, inputs of different types, a result too
/// large for its offset, run-end or index type, or an input whose values are broken
/// (possible only for arrays built without full validation).
///
/// ```
/// use quiver_array::{Array, concat};
/// let a = Array::from(vec![Some("a"), None]);
/// let b = Array::from(vec!["b", "c"]).slice(1, 1);
/// assert_eq!(concat(&[a, b]).unwrap().to_string(), "[\"a\", null, \"c\"]");
/// ```
pub fn concat(arrays: &[Array]) -> Result<Array> {
    let Some(first) = arrays.first() else {
        return Err(ArrayError::Batch("nothing to concatenate".into()));
    };
    let dt = first.data_type().clone();
    if let Some(other) = arrays.iter().find(|a| a.data_type() != &dt) {
        return Err(ArrayError::Batch(format!(
            "cannot concatenate {} with {dt}",
            other.data_type()
        )));
    }
    if arrays.len() == 1 {
        return Ok(first.clone());
    }
    let len = arrays
        .iter()
        .try_fold(0usize, |n, a| n.checked_add(a.len()))
        .ok_or_else(|| invalid(&dt, "the total length overflows".into()))?;
    if matches!(dt, DataType::Null) {
        return Ok(Array::new_null(len));
    }
    let nulls = if layout(&dt).has_validity {
        concat_validity(arrays, len)
    } else {
        None
    };
    let data = ArrayData::new(dt.clone(), len).nulls(nulls);
    let data = match &dt {
        DataType::Boolean => data.buffers(vec![concat_bits(arrays, len)?]),
        DataType::Binary | DataType::Utf8 => bytes::<i32>(arrays, data)?,
        DataType::LargeBinary | DataType::LargeUtf8 => bytes::<i64>(arrays, data)?,
        DataType::BinaryView | DataType::Utf8View => indirect::views(arrays, data)?,
        DataType::List(_) | DataType::Map(..) => lists::<i32>(arrays, data)?,
        DataType::LargeList(_) => lists::<i64>(arrays, data)?,
        DataType::ListView(_) => indirect::list_views::<i32>(arrays, data)?,
        DataType::LargeListView(_) => indirect::list_views::<i64>(arrays, data)?,
        DataType::FixedSizeList(_, n) => {
            let n = usize::try_from(*n).map_err(|_| invalid(&dt, format!("list size {n}")))?;
            let parts = arrays
                .iter()
                .map(|a| {
                    let start = a.offset().checked_mul(n);
                    let count = a.len().checked_mul(n);
                    match (start, count) {
                        (Some(s), Some(c)) => child(a, 0)?.try_slice(s, c),
                        _ => Err(invalid(&dt, "child range overflows".into())),
                    }
                })
                .collect::<Result<Vec<_>>>()?;
            data.children(vec![concat(&parts)?])
        }
        DataType::Struct(fields) => data.children(concat_children(arrays, fields.len())?),
        DataType::Union {
            mode: UnionMode::Sparse,
            fields,
            ..
        } => data
            .buffers(vec![fixed(arrays, 1)?])
            .children(concat_children(arrays, fields.len())?),
        DataType::Union {
            mode: UnionMode::Dense,
            ..
        } => indirect::dense_union(arrays, data)?,
        DataType::RunEndEncoded(..) => indirect::run_end_encoded(arrays, data)?,
        DataType::Dictionary { .. } => indirect::dictionary(arrays, data)?,
        t => match t.primitive_width() {
            Some(width) => data.buffers(vec![fixed(arrays, width)?]),
            None => return Err(invalid(t, "the type has no value width".into())),
        },
    };
    data.build()
}

pub(crate) fn invalid(data_type: &DataType, problem: String) -> ArrayError {
    ArrayError::invalid_data(data_type.clone(), problem)
}

/// Buffer `i` (after validity) of `a`.
pub(crate) fn buffer(a: &Array, i: usize) -> Result<&Buffer> {
    a.buffers().get(i).ok_or_else(|| ArrayError::Layout {
        data_type: a.data_type().clone(),
        what: "buffers",
        expected: i + 1,
        found: a.buffers().len(),
    })
}

/// Child `i` of `a`.
pub(crate) fn child(a: &Array, i: usize) -> Result<&Array> {
    a.children().get(i).ok_or_else(|| ArrayError::Layout {
        data_type: a.data_type().clone(),
        what: "children",
        expected: i + 1,
        found: a.children().len(),
    })
}

/// The `width`-byte slots of `a`'s buffer `i` that its own slots cover.
pub(crate) fn slots(a: &Array, i: usize, width: usize) -> Result<&[u8]> {
    let bytes = buffer(a, i)?.as_slice();
    let range = a
        .offset()
        .checked_mul(width)
        .zip(a.len().checked_mul(width))
        .and_then(|(s, n)| Some(s..s.checked_add(n)?));
    range
        .and_then(|r| bytes.get(r))
        .ok_or_else(|| ArrayError::Buffer {
            data_type: a.data_type().clone(),
            index: i + 1,
            problem: format!(
                "has {} bytes, too few for {} slots of {width} bytes from offset {}",
                bytes.len(),
                a.len(),
                a.offset()
            ),
        })
}

/// `count` values of type `O` of `a`'s buffer `i`, from slot `a.offset()` (the
/// `len + 1` offsets of a list, the `len` offsets or sizes of a list view).
pub(crate) fn typed<O: OffsetSize>(a: &Array, i: usize, count: usize) -> Result<&[O]> {
    let all = buffer(a, i)?.typed_data::<O>()?;
    all.get(a.offset()..a.offset().saturating_add(count))
        .ok_or_else(|| ArrayError::Buffer {
            data_type: a.data_type().clone(),
            index: i + 1,
            problem: format!(
                "holds {} values, too few for {count} from offset {}",
                all.len(),
                a.offset()
            ),
        })
}

fn concat_children(arrays: &[Array], n: usize) -> Result<Vec<Array>> {
    (0..n)
        .map(|k| {
            let parts = arrays
                .iter()
                .map(|a| child(a, k).cloned())
                .collect::<Result<Vec<_>>>()?;
            concat(&parts)
        })
        .collect()
}

fn fixed(arrays: &[Array], width: usize) -> Result<Buffer> {
    let mut m = MutableBuffer::new();
    for a in arrays {
        m.extend_from_slice(slots(a, 0, width)?);
    }
    Ok(m.freeze())
}

fn concat_validity(arrays: &[Array], len: usize) -> Option<Buffer> {
    if arrays.iter().all(|a| a.null_count() == 0) {
        return None;
    }
    let mut b = BitmapBuilder::with_capacity(len);
    for a in arrays {
        for i in 0..a.len() {
            b.append(a.is_valid(i));
        }
    }
    Some(b.finish().buffer().clone())
}

fn concat_bits(arrays: &[Array], len: usize) -> Result<Buffer> {
    let mut b = BitmapBuilder::with_capacity(len);
    for a in arrays {
        let bits = buffer(a, 0)?.as_slice();
        if bits.len().saturating_mul(8) < a.offset().saturating_add(a.len()) {
            return Err(invalid(
                a.data_type(),
                "the value bitmap is too short".into(),
            ));
        }
        for i in 0..a.len() {
            b.append(get_bit(bits, a.offset() + i));
        }
    }
    Ok(b.finish().buffer().clone())
}

/// Offsets rebased onto one running total; returns the offsets buffer and, per input,
/// the `(start, end)` range of its values.
fn rebased_offsets<O: OffsetSize>(arrays: &[Array]) -> Result<(Buffer, Vec<(usize, usize)>)> {
    let mut out = MutableBuffer::new();
    out.push(O::default());
    let mut total = 0usize;
    let mut ranges = Vec::with_capacity(arrays.len());
    for a in arrays {
        let dt = a.data_type();
        let offs = typed::<O>(a, 0, a.len().saturating_add(1))?;
        let broken = |k: usize| invalid(dt, format!("offset {k} is negative or decreasing"));
        let first = offs
            .first()
            .and_then(|o| o.to_usize())
            .ok_or_else(|| broken(0))?;
        let mut last = first;
        for (k, o) in offs.iter().enumerate().skip(1) {
            last = o
                .to_usize()
                .and_then(|o| o.checked_sub(first))
                .ok_or_else(|| broken(k))?
                + first;
            let v = total + (last - first);
            out.push(O::from_usize(v).ok_or_else(|| {
                invalid(
                    dt,
                    format!("concatenated values ({v}) overflow the offset type"),
                )
            })?);
        }
        total += last - first;
        ranges.push((first, last));
    }
    Ok((out.freeze(), ranges))
}

fn bytes<O: OffsetSize>(arrays: &[Array], data: ArrayData) -> Result<ArrayData> {
    let (offsets, ranges) = rebased_offsets::<O>(arrays)?;
    let mut values = MutableBuffer::new();
    for (a, (s, e)) in arrays.iter().zip(ranges) {
        let bytes = buffer(a, 1)?.as_slice().get(s..e).ok_or_else(|| {
            invalid(
                a.data_type(),
                format!("offsets reach byte {e}, past the end of the data"),
            )
        })?;
        values.extend_from_slice(bytes);
    }
    Ok(data.buffers(vec![offsets, values.freeze()]))
}

fn lists<O: OffsetSize>(arrays: &[Array], data: ArrayData) -> Result<ArrayData> {
    let (offsets, ranges) = rebased_offsets::<O>(arrays)?;
    let parts = arrays
        .iter()
        .zip(ranges)
        .map(|(a, (s, e))| child(a, 0)?.try_slice(s, e - s))
        .collect::<Result<Vec<_>>>()?;
    Ok(data.buffers(vec![offsets]).children(vec![concat(&parts)?]))
}
