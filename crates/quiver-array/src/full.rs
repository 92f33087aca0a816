//! Full validation: the values of an array that passed the layout checks of
//! [`validate`](crate::validate) are checked against their type's invariants, layout by
//! layout, as Arrow C++'s `ValidateFull` does (see `docs/validation.md` for the mapping
//! and for what is deliberately left to [`Array::validate_values`](crate::Array)).
//!
//! Every check names the slot it failed at, counted from the array's first slot.
//! Offsets, UTF-8 and dictionary indices are first checked by the bulk passes of
//! [`bulk`]; only when one fails do the slot-by-slot checks here run, to name the first
//! bad slot.

mod bulk;

use crate::data::{Array, ArrayData, OffsetSize};
use crate::datatype::{DataType, UnionMode};
use crate::error::{ArrayError, Result};
use crate::values::{View, bit_is_valid, i32_at, integer_at, offset_at, run_end};

fn invalid(data: &ArrayData, problem: String) -> ArrayError {
    ArrayError::invalid_data(data.data_type.clone(), problem)
}

/// [`invalid`] about slot `slot`, which `problem` names too.
fn invalid_at(data: &ArrayData, slot: usize, problem: String) -> ArrayError {
    ArrayError::invalid_slot(data.data_type.clone(), slot, problem)
}

fn is_valid(data: &ArrayData, i: usize) -> bool {
    bit_is_valid(data.nulls.as_ref(), data.offset, i)
}

/// Runs `check` on every child and on the dictionary; an error is reported as the
/// parent's, naming the child (`child 1: …`) or the dictionary (`dictionary: …`).
pub(crate) fn check_nested(
    data_type: &DataType,
    children: &[Array],
    dictionary: Option<&Array>,
    check: impl Fn(&Array) -> Result<()>,
) -> Result<()> {
    let wrap = |what: String, e: ArrayError| {
        ArrayError::invalid_data(data_type.clone(), format!("{what}: {e}"))
    };
    for (i, c) in children.iter().enumerate() {
        check(c).map_err(|e| wrap(format!("child {i}"), e))?;
    }
    if let Some(d) = dictionary {
        check(d).map_err(|e| wrap("dictionary".into(), e))?;
    }
    Ok(())
}

/// Full value checks of this array alone (children and dictionaries are arrays of
/// their own, checked when they were built); assumes the layout checks passed.
pub(crate) fn validate_values(data: &ArrayData) -> Result<()> {
    use DataType::*;
    let child_len = |k: usize| data.children.get(k).map_or(0, |c| c.len());
    let data_len = data.buffers.get(1).map_or(0, |b| b.len());
    match &data.data_type {
        Binary => check_offsets::<i32>(data, data_len, false),
        LargeBinary => check_offsets::<i64>(data, data_len, false),
        Utf8 => check_offsets::<i32>(data, data_len, true),
        LargeUtf8 => check_offsets::<i64>(data, data_len, true),
        List(_) | Map(..) => check_offsets::<i32>(data, child_len(0), false),
        LargeList(_) => check_offsets::<i64>(data, child_len(0), false),
        ListView(_) => check_list_views(data, 4),
        LargeListView(_) => check_list_views(data, 8),
        BinaryView => check_views(data, false),
        Utf8View => check_views(data, true),
        Dictionary { index, .. } => check_dictionary_indices(data, index),
        Union { .. } => check_union(data),
        RunEndEncoded(..) => check_run_ends(data),
        _ => Ok(()),
    }
}

/// The `len + 1` offsets of the array, as a typed slice.
fn offsets_of<O: OffsetSize>(data: &ArrayData) -> Result<&[O]> {
    let buf = data
        .buffers
        .first()
        .ok_or_else(|| invalid(data, "the offsets buffer is missing".into()))?;
    let all = buf.typed_data::<O>().map_err(|e| ArrayError::Buffer {
        data_type: data.data_type.clone(),
        index: 1,
        problem: e.to_string(),
    })?;
    let end = data
        .offset
        .checked_add(data.len)
        .and_then(|e| e.checked_add(1));
    end.and_then(|e| all.get(data.offset..e))
        .ok_or_else(|| invalid(data, "the offsets buffer is too short".into()))
}

/// Offsets of every slot, null or not: non-negative, non-decreasing, at most `limit`.
/// For utf8 arrays, also the UTF-8 of every valid slot (bytes under null slots may be
/// anything). Both are first checked in bulk ([`bulk::offsets_ok`],
/// [`bulk::utf8_offsets_ok`]); when that finds something wrong, slot by slot.
fn check_offsets<O: OffsetSize>(data: &ArrayData, limit: usize, utf8: bool) -> Result<()> {
    let offsets = offsets_of::<O>(data)?;
    if !utf8 {
        if !bulk::offsets_ok(offsets, limit) {
            first_bad_offset(data, offsets, limit)?;
        }
        return Ok(());
    }
    let bytes = data.buffers.get(1).map_or(&[][..], |b| b.as_slice());
    let verdict = bulk::utf8_offsets_ok(bytes, offsets, limit);
    if !verdict.offsets {
        first_bad_offset(data, offsets, limit)?;
    }
    if !(verdict.offsets && verdict.utf8) {
        check_utf8_slots(data, bytes, offsets)?;
    }
    Ok(())
}

/// The error for the first offset that is negative, smaller than the one before or
/// past `limit` (slot by slot, after [`bulk::offsets_ok`] found one).
fn first_bad_offset<O: OffsetSize>(data: &ArrayData, offsets: &[O], limit: usize) -> Result<()> {
    let mut prev = 0;
    for (k, o) in offsets.iter().enumerate() {
        let cur = o
            .to_usize()
            .ok_or_else(|| invalid(data, format!("offset {k} is negative ({o:?})")))?;
        if k > 0 && cur < prev {
            return Err(invalid_at(
                data,
                k - 1,
                format!("offsets decrease at slot {}: {prev} then {cur}", k - 1),
            ));
        }
        if cur > limit {
            return Err(invalid(
                data,
                format!("offset {k} is {cur}, past the end of the values ({limit})"),
            ));
        }
        prev = cur;
    }
    Ok(())
}

/// UTF-8 of every valid slot, slot by slot, for offsets already checked (after
/// [`bulk::utf8_offsets_ok`] found something wrong).
fn check_utf8_slots<O: OffsetSize>(data: &ArrayData, bytes: &[u8], offsets: &[O]) -> Result<()> {
    let at = |k: usize| offsets.get(k).and_then(|o| o.to_usize()).unwrap_or(0);
    for i in 0..data.len {
        if !is_valid(data, i) {
            continue;
        }
        let slot = bytes.get(at(i)..at(i + 1)).map(std::str::from_utf8);
        if !matches!(slot, Some(Ok(_))) {
            return Err(invalid_at(data, i, format!("slot {i} is not valid UTF-8")));
        }
    }
    Ok(())
}

/// Offset and size of every slot, null slots included (readers of a list view may
/// touch any of them): both non-negative, and the range inside the child.
fn check_list_views(data: &ArrayData, width: usize) -> Result<()> {
    let child_len = data.children.first().map_or(0, |c| c.len());
    let limit = i64::try_from(child_len).unwrap_or(i64::MAX);
    let (offsets, sizes) = match data.buffers.as_slice() {
        [o, s, ..] => (o.as_slice(), s.as_slice()),
        _ => {
            return Err(invalid(
                data,
                "the offsets or sizes buffer is missing".into(),
            ));
        }
    };
    for i in 0..data.len {
        let k = data.offset + i;
        let (Some(o), Some(n)) = (offset_at(offsets, width, k), offset_at(sizes, width, k)) else {
            return Err(invalid_at(data, i, format!("slot {i} cannot be read")));
        };
        if n < 0 {
            return Err(invalid_at(
                data,
                i,
                format!("slot {i} has negative size {n}"),
            ));
        }
        if o < 0 || o > limit {
            return Err(invalid_at(
                data,
                i,
                format!("slot {i} has offset {o}, outside the child of {child_len} values"),
            ));
        }
        if n > limit - o {
            return Err(invalid_at(
                data,
                i,
                format!(
                    "slot {i} covers {n} values from offset {o}, past the end of the child of {child_len} values"
                ),
            ));
        }
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Every valid slot's view: a non-negative length; an inline value padded with zeros;
/// an out-of-line value inside an existing data buffer, whose first four bytes are the
/// view's prefix; and for utf8 views, UTF-8.
fn check_views(data: &ArrayData, utf8: bool) -> Result<()> {
    let views = data.buffers.first().map_or(&[][..], |b| b.as_slice());
    let variadic = data.buffers.get(1..).unwrap_or(&[]);
    for i in 0..data.len {
        if !is_valid(data, i) {
            continue;
        }
        let v = View::at(views, data.offset + i)
            .ok_or_else(|| invalid_at(data, i, format!("slot {i} cannot be read")))?;
        let len = usize::try_from(v.len)
            .map_err(|_| invalid_at(data, i, format!("slot {i} has negative length {}", v.len)))?;
        let bytes: &[u8] = if v.is_inline() {
            let padding = v.rest.get(len..).unwrap_or(&[]);
            if padding.iter().any(|&b| b != 0) {
                return Err(invalid_at(
                    data,
                    i,
                    format!(
                        "slot {i} is an inline view of {len} bytes whose unused bytes are not zero: {}",
                        hex(padding)
                    ),
                ));
            }
            v.rest.get(..len).unwrap_or(&[])
        } else {
            let (index, offset) = (v.buffer_index(), v.offset());
            let buf = usize::try_from(index)
                .ok()
                .and_then(|k| variadic.get(k))
                .ok_or_else(|| {
                    invalid_at(
                        data,
                        i,
                        format!(
                            "slot {i} points to data buffer {index} of {}",
                            variadic.len()
                        ),
                    )
                })?;
            let bytes = usize::try_from(offset)
                .ok()
                .and_then(|o| buf.as_slice().get(o..o.checked_add(len)?))
                .ok_or_else(|| {
                    invalid_at(
                        data, i,
                        format!(
                            "slot {i} reads {len} bytes at offset {offset} of a data buffer of {} bytes",
                            buf.len()
                        ),
                    )
                })?;
            if bytes.get(..4) != Some(v.prefix()) {
                return Err(invalid_at(
                    data,
                    i,
                    format!("slot {i}: the view's prefix does not match its data"),
                ));
            }
            bytes
        };
        if utf8 && std::str::from_utf8(bytes).is_err() {
            return Err(invalid_at(data, i, format!("slot {i} is not valid UTF-8")));
        }
    }
    Ok(())
}

/// Every valid slot's index points into the dictionary: in bulk
/// ([`bulk::indices_ok`]), then, if that finds one outside, slot by slot to name it.
fn check_dictionary_indices(data: &ArrayData, index: &DataType) -> Result<()> {
    let dict_len = data.dictionary.as_ref().map_or(0, |d| d.len());
    let in_range = data.buffers.first().and_then(|keys| {
        bulk::indices_ok(
            keys,
            index,
            data.nulls.as_ref(),
            data.offset,
            data.len,
            dict_len,
        )
    });
    if in_range == Some(true) {
        return Ok(());
    }
    let raw = data.buffers.first().map_or(&[][..], |b| b.as_slice());
    for i in 0..data.len {
        if !is_valid(data, i) {
            continue;
        }
        let v = integer_at(raw, index, data.offset + i)
            .ok_or_else(|| invalid_at(data, i, format!("index at slot {i} cannot be read")))?;
        if v < 0 || v >= dict_len as i128 {
            return Err(invalid_at(
                data,
                i,
                format!("index {v} at slot {i} is outside the dictionary of {dict_len} values"),
            ));
        }
    }
    Ok(())
}

/// Every slot's type id is declared; in a dense union every offset points inside its
/// child, and the offsets into each child never decrease.
fn check_union(data: &ArrayData) -> Result<()> {
    let DataType::Union { type_ids, mode, .. } = &data.data_type else {
        return Ok(());
    };
    let ids = data.buffers.first().map_or(&[][..], |b| b.as_slice());
    let offsets = data.buffers.get(1).map_or(&[][..], |b| b.as_slice());
    let mut last = vec![0i32; type_ids.len()];
    for i in 0..data.len {
        let k = data.offset + i;
        let id = ids
            .get(k)
            .map(|&b| b as i8)
            .ok_or_else(|| invalid_at(data, i, format!("slot {i} cannot be read")))?;
        let child = type_ids.iter().position(|&t| t == id).ok_or_else(|| {
            invalid_at(
                data,
                i,
                format!("slot {i} has type id {id}, which the union does not declare"),
            )
        })?;
        if *mode == UnionMode::Dense {
            let o = i32_at(offsets, k)
                .ok_or_else(|| invalid_at(data, i, format!("slot {i} cannot be read")))?;
            let len = data.children.get(child).map_or(0, |c| c.len());
            if usize::try_from(o).map_or(true, |o| o >= len) {
                return Err(invalid_at(
                    data,
                    i,
                    format!("slot {i} points to slot {o} of child {child}, which has {len}"),
                ));
            }
            if let Some(prev) = last.get_mut(child) {
                if o < *prev {
                    return Err(invalid_at(
                        data,
                        i,
                        format!(
                            "slot {i} points to slot {o} of child {child}, before the {prev} an earlier slot points to"
                        ),
                    ));
                }
                *prev = o;
            }
        }
    }
    Ok(())
}

/// Run ends positive and strictly increasing; the last covers the array.
fn check_run_ends(data: &ArrayData) -> Result<()> {
    let Some(ends) = data.children.first() else {
        return Ok(());
    };
    let mut prev = 0i64;
    for k in 0..ends.len() {
        let e =
            run_end(ends, k).ok_or_else(|| invalid(data, format!("run end {k} cannot be read")))?;
        if e <= prev {
            return Err(invalid(
                data,
                format!(
                    "run ends must be positive and strictly increasing: {prev} then {e} at run {k}"
                ),
            ));
        }
        prev = e;
    }
    let needed = data.offset + data.len;
    if (prev as u64) < needed as u64 {
        return Err(invalid(
            data,
            format!("the runs cover {prev} slots but {needed} are needed"),
        ));
    }
    Ok(())
}
