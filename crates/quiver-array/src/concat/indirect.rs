//! Concatenation of the layouts that reach their values indirectly: views, list views,
//! dense unions, run-end encoded and dictionary-encoded arrays.

use quiver_buffer::{Buffer, MutableBuffer};

use super::{child, concat, invalid, slots, typed};
use crate::data::{Array, ArrayData, OffsetSize};
use crate::datatype::DataType;
use crate::error::Result;
use crate::special::run_end;

/// The native-endian `i32` at byte `at` of a 16-byte view.
fn view_i32(v: &[u8], at: usize) -> i32 {
    v.get(at..at + 4)
        .and_then(|b| b.try_into().ok())
        .map_or(0, i32::from_ne_bytes)
}

/// Views: each input keeps the data buffers its valid out-of-line views point to, in
/// order of first use, and those views get the buffer's new index.
pub(super) fn views(arrays: &[Array], data: ArrayData) -> Result<ArrayData> {
    let mut views = MutableBuffer::with_capacity(data.len.saturating_mul(16));
    let mut kept: Vec<Buffer> = Vec::new();
    for a in arrays {
        let raw = slots(a, 0, 16)?;
        let data_buffers = a.buffers().get(1..).unwrap_or_default();
        let mut renumbered: Vec<Option<i32>> = vec![None; data_buffers.len()];
        for (i, v) in raw.chunks_exact(16).enumerate() {
            if a.is_null(i) {
                views.extend_repeat(0, 16);
                continue;
            }
            if view_i32(v, 0) <= 12 {
                // Inline (a negative length is left for validation to report).
                views.extend_from_slice(v);
                continue;
            }
            let index = view_i32(v, 8);
            let slot = usize::try_from(index)
                .ok()
                .and_then(|k| renumbered.get_mut(k).zip(data_buffers.get(k)));
            let Some((new_index, source)) = slot else {
                return Err(invalid(
                    a.data_type(),
                    format!(
                        "slot {i} points to data buffer {index} of {}",
                        data_buffers.len()
                    ),
                ));
            };
            let n = match *new_index {
                Some(n) => n,
                None => {
                    let n = i32::try_from(kept.len()).map_err(|_| {
                        invalid(a.data_type(), "more than 2^31 data buffers".into())
                    })?;
                    kept.push(source.clone());
                    *new_index = Some(n);
                    n
                }
            };
            views.extend_from_slice(v.get(..8).unwrap_or_default());
            views.extend_from_slice(&n.to_ne_bytes());
            views.extend_from_slice(v.get(12..).unwrap_or_default());
        }
    }
    let mut buffers = vec![views.freeze()];
    buffers.extend(kept);
    Ok(data.buffers(buffers))
}

/// List views: each input contributes the child range its valid, non-empty slots cover;
/// their offsets are shifted onto the joined child. Null and empty slots become
/// offset 0, size 0.
pub(super) fn list_views<O: OffsetSize>(arrays: &[Array], data: ArrayData) -> Result<ArrayData> {
    let (mut offsets, mut sizes) = (MutableBuffer::new(), MutableBuffer::new());
    let mut parts = Vec::with_capacity(arrays.len());
    let mut base = 0usize;
    for a in arrays {
        let dt = a.data_type();
        let values = child(a, 0)?;
        let starts = typed::<O>(a, 0, a.len())?;
        let lens = typed::<O>(a, 1, a.len())?;
        let mut spans = Vec::with_capacity(a.len());
        let mut covered: Option<(usize, usize)> = None;
        for (i, (o, n)) in starts.iter().zip(lens).enumerate() {
            if a.is_null(i) {
                spans.push(None);
                continue;
            }
            let span = o
                .to_usize()
                .zip(n.to_usize())
                .and_then(|(s, n)| Some((s, n, s.checked_add(n)?)))
                .filter(|&(_, _, end)| end <= values.len());
            let Some((start, size, end)) = span else {
                return Err(invalid(
                    dt,
                    format!(
                        "slot {i} covers {n:?} values from offset {o:?} of a child of {}",
                        values.len()
                    ),
                ));
            };
            if size == 0 {
                spans.push(None);
                continue;
            }
            covered = Some(covered.map_or((start, end), |(lo, hi)| (lo.min(start), hi.max(end))));
            spans.push(Some((start, size)));
        }
        let (lo, hi) = covered.unwrap_or((0, 0));
        for span in spans {
            let (start, size) = span.map_or((0, 0), |(s, n)| (s - lo + base, n));
            let too_big = || invalid(dt, format!("offset {start} overflows the offset type"));
            offsets.push(O::from_usize(start).ok_or_else(too_big)?);
            sizes.push(O::from_usize(size).ok_or_else(too_big)?);
        }
        parts.push(values.try_slice(lo, hi - lo)?);
        base = base
            .checked_add(hi - lo)
            .ok_or_else(|| invalid(dt, "the joined child is too long".into()))?;
    }
    Ok(data
        .buffers(vec![offsets.freeze(), sizes.freeze()])
        .children(vec![concat(&parts)?]))
}

/// Dense unions: each input contributes, per child, the range its slots point into;
/// offsets are shifted onto the joined children.
pub(super) fn dense_union(arrays: &[Array], data: ArrayData) -> Result<ArrayData> {
    let DataType::Union { type_ids, .. } = &data.data_type else {
        return Err(invalid(&data.data_type, "not a union".into()));
    };
    let n = type_ids.len();
    let (mut ids, mut offsets) = (MutableBuffer::new(), MutableBuffer::new());
    let mut parts: Vec<Vec<Array>> = vec![Vec::with_capacity(arrays.len()); n];
    let mut bases = vec![0usize; n];
    for a in arrays {
        let dt = a.data_type();
        let ids_in = slots(a, 0, 1)?;
        let offsets_in = typed::<i32>(a, 1, a.len())?;
        let mut picked = Vec::with_capacity(a.len());
        let mut covered: Vec<Option<(usize, usize)>> = vec![None; n];
        for (i, (&id, &o)) in ids_in.iter().zip(offsets_in).enumerate() {
            let id = id as i8;
            let k = type_ids.iter().position(|&t| t == id).ok_or_else(|| {
                invalid(
                    dt,
                    format!("slot {i} has type id {id}, which the union does not declare"),
                )
            })?;
            let c = child(a, k)?;
            let o = usize::try_from(o)
                .ok()
                .filter(|&o| o < c.len())
                .ok_or_else(|| {
                    invalid(
                        dt,
                        format!(
                            "slot {i} points to slot {o} of child {k}, which has {}",
                            c.len()
                        ),
                    )
                })?;
            if let Some(r) = covered.get_mut(k) {
                *r = Some(r.map_or((o, o + 1), |(lo, hi)| (lo.min(o), hi.max(o + 1))));
            }
            picked.push((id, k, o));
        }
        for (id, k, o) in picked {
            let lo = covered.get(k).copied().flatten().map_or(0, |r| r.0);
            let base = bases.get(k).copied().unwrap_or(0);
            let at = o - lo + base;
            ids.push(id);
            offsets.push(
                i32::try_from(at).map_err(|_| {
                    invalid(dt, format!("offset {at} into child {k} overflows int32"))
                })?,
            );
        }
        for (k, ((range, part), base)) in covered.iter().zip(&mut parts).zip(&mut bases).enumerate()
        {
            let (lo, hi) = range.unwrap_or((0, 0));
            part.push(child(a, k)?.try_slice(lo, hi - lo)?);
            *base += hi - lo;
        }
    }
    let children = parts
        .iter()
        .map(|p| concat(p))
        .collect::<Result<Vec<_>>>()?;
    Ok(data
        .buffers(vec![ids.freeze(), offsets.freeze()])
        .children(children))
}

/// Run-end encoded: each input keeps the runs its slots touch, with run ends rebased
/// onto the joined array (the first and last runs are cut to the input's slots).
pub(super) fn run_end_encoded(arrays: &[Array], data: ArrayData) -> Result<ArrayData> {
    let dt = data.data_type.clone();
    let DataType::RunEndEncoded(ends_field, _) = &dt else {
        return Err(invalid(&dt, "not run-end encoded".into()));
    };
    let broken = |problem: String| invalid(&dt, problem);
    let mut ends: Vec<i64> = Vec::new();
    let mut parts = Vec::with_capacity(arrays.len());
    let mut base = 0i64;
    for a in arrays {
        let values = child(a, 1)?;
        let Some(last_slot) = a.len().checked_sub(1) else {
            parts.push(values.try_slice(0, 0)?);
            continue;
        };
        let (Some(first), Some(last)) = (a.run_index(0), a.run_index(last_slot)) else {
            return Err(broken("the runs do not cover the array's slots".into()));
        };
        let (offset, len) = match (i64::try_from(a.offset()), i64::try_from(a.len())) {
            (Ok(o), Ok(l)) => (o, l),
            _ => return Err(broken("the offset is too large".into())),
        };
        let run_ends = child(a, 0)?;
        for k in first..=last {
            let e = run_end(run_ends, k)
                .and_then(|e| e.checked_sub(offset))
                .map(|e| e.min(len))
                .and_then(|e| e.checked_add(base))
                .ok_or_else(|| broken(format!("run end {k} cannot be read")))?;
            ends.push(e);
        }
        let count = (last + 1)
            .checked_sub(first)
            .ok_or_else(|| broken("run ends decrease".into()))?;
        parts.push(values.try_slice(first, count)?);
        base = base
            .checked_add(len)
            .ok_or_else(|| broken("the length overflows".into()))?;
    }
    let too_big = |e: &i64| {
        broken(format!(
            "run end {e} does not fit in {}",
            ends_field.data_type()
        ))
    };
    let run_ends = match ends_field.data_type() {
        DataType::Int16 => Array::from_primitive::<i16>(
            DataType::Int16,
            ends.iter()
                .map(|e| i16::try_from(*e).map(Some).map_err(|_| too_big(e)))
                .collect::<Result<Vec<_>>>()?,
        ),
        DataType::Int32 => Array::from_primitive::<i32>(
            DataType::Int32,
            ends.iter()
                .map(|e| i32::try_from(*e).map(Some).map_err(|_| too_big(e)))
                .collect::<Result<Vec<_>>>()?,
        ),
        DataType::Int64 => {
            Array::from_primitive::<i64>(DataType::Int64, ends.iter().map(|e| Some(*e)))
        }
        other => return Err(broken(format!("run ends of type {other}"))),
    }?;
    Ok(data.children(vec![run_ends, concat(&parts)?]))
}

/// Dictionary-encoded: one shared dictionary is kept; different ones are joined and
/// each input's indices shifted past the dictionaries before it.
pub(super) fn dictionary(arrays: &[Array], data: ArrayData) -> Result<ArrayData> {
    let dt = data.data_type.clone();
    let DataType::Dictionary { index, .. } = &dt else {
        return Err(invalid(&dt, "not dictionary-encoded".into()));
    };
    let width = index
        .primitive_width()
        .ok_or_else(|| invalid(&dt, format!("index type {index} is not an integer")))?;
    let dictionaries = arrays
        .iter()
        .map(|a| {
            a.dictionary()
                .cloned()
                .ok_or_else(|| invalid(&dt, "the dictionary is missing".into()))
        })
        .collect::<Result<Vec<_>>>()?;
    let Some(first) = dictionaries.first() else {
        return Err(invalid(&dt, "nothing to concatenate".into()));
    };
    if dictionaries
        .iter()
        .all(|d| d.ptr_eq(first) || d.equals(first))
    {
        let first = first.clone();
        return Ok(data
            .buffers(vec![super::fixed(arrays, width)?])
            .dictionary(Some(first)));
    }
    let joined = concat(&dictionaries)?;
    let mut out = MutableBuffer::with_capacity(data.len.saturating_mul(width));
    let mut base = 0usize;
    for (input, (a, d)) in arrays.iter().zip(&dictionaries).enumerate() {
        for i in 0..a.len() {
            if a.is_null(i) {
                out.extend_repeat(0, width);
                continue;
            }
            let k = crate::values::raw_dict_index(a, i, index)
                .and_then(|v| usize::try_from(v).ok())
                .filter(|&k| k < d.len())
                .ok_or_else(|| {
                    invalid(
                        &dt,
                        format!(
                            "slot {i}: the index is outside the dictionary of {} values",
                            d.len()
                        ),
                    )
                })?;
            write_index(index, base + k, &mut out).ok_or_else(|| {
                invalid(
                    &dt,
                    format!(
                        "slot {i} of input {input}: index {} into the joined dictionaries ({} values) does not fit in {index}",
                        base + k,
                        joined.len()
                    ),
                )
            })?;
        }
        base += d.len();
    }
    Ok(data.buffers(vec![out.freeze()]).dictionary(Some(joined)))
}

/// Appends `v` as an index of integer type `index`; `None` if it does not fit.
fn write_index(index: &DataType, v: usize, out: &mut MutableBuffer) -> Option<()> {
    match index {
        DataType::Int8 => out.push(i8::try_from(v).ok()?),
        DataType::UInt8 => out.push(u8::try_from(v).ok()?),
        DataType::Int16 => out.push(i16::try_from(v).ok()?),
        DataType::UInt16 => out.push(u16::try_from(v).ok()?),
        DataType::Int32 => out.push(i32::try_from(v).ok()?),
        DataType::UInt32 => out.push(u32::try_from(v).ok()?),
        DataType::Int64 => out.push(i64::try_from(v).ok()?),
        DataType::UInt64 => out.push(u64::try_from(v).ok()?),
        _ => return None,
    }
    Some(())
}
