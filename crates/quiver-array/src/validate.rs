//! Checks that make an [`ArrayData`] safe to read (layout) and true to its type (values).

use quiver_buffer::{Bitmap, Buffer, ScalarBuffer, bytes_for};

use crate::data::{ArrayData, OffsetSize};
use crate::datatype::DataType;
use crate::error::{ArrayError, Result};
use crate::layout::{BufferSpec, layout};

/// How much of an array's contents to check when building it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValidationLevel {
    /// Buffer counts and sizes, child counts and lengths, null counts: everything needed
    /// so that reading the array cannot go out of bounds.
    Structural,
    /// Structural checks plus the values: offsets monotonic and inside the data, UTF-8,
    /// dictionary indices in range.
    Full,
}

fn buffer_err(data: &ArrayData, index: usize, problem: String) -> ArrayError {
    ArrayError::Buffer {
        data_type: data.data_type.clone(),
        index,
        problem,
    }
}

fn invalid(data: &ArrayData, problem: String) -> ArrayError {
    ArrayError::InvalidData {
        data_type: data.data_type.clone(),
        problem,
    }
}

/// Checks buffer and child shapes, re-aligns misaligned buffers (by copying) and returns
/// the null count.
pub(crate) fn validate_layout(data: &mut ArrayData) -> Result<usize> {
    let end = data
        .offset
        .checked_add(data.len)
        .ok_or_else(|| invalid(data, "offset + length overflows".into()))?;
    let spec = layout(&data.data_type);
    let fixed_buffers = spec.buffers.len();
    let count_ok = if spec.variadic {
        data.buffers.len() >= fixed_buffers
    } else {
        data.buffers.len() == fixed_buffers
    };
    if !count_ok {
        return Err(ArrayError::Layout {
            data_type: data.data_type.clone(),
            what: "buffers",
            expected: fixed_buffers,
            found: data.buffers.len(),
        });
    }
    if let DataType::FixedSizeBinary(w) = data.data_type
        && w < 0
    {
        return Err(invalid(data, format!("negative byte width {w}")));
    }
    for (i, spec) in spec.buffers.iter().enumerate() {
        let needed = match *spec {
            BufferSpec::FixedWidth { width, .. } => end.checked_mul(width),
            BufferSpec::Bitmap => Some(bytes_for(end)),
            BufferSpec::Offsets { width } => {
                if data.len == 0 && data.buffers[i].is_empty() {
                    // Some writers send an empty offsets buffer for an empty array; it
                    // means the single offset 0.
                    data.buffers[i] = Buffer::from_slice_ref(&vec![0u8; width]);
                    data.offset = 0;
                }
                end.checked_add(1).and_then(|n| n.checked_mul(width))
            }
            BufferSpec::Data => Some(0),
        }
        .ok_or_else(|| buffer_err(data, i + 1, "size overflows".into()))?;
        let have = data.buffers[i].len();
        if have < needed {
            return Err(buffer_err(
                data,
                i + 1,
                format!(
                    "has {have} bytes but {needed} are needed for {} slots from offset {}",
                    data.len, data.offset
                ),
            ));
        }
        realign(data, i, *spec)?;
    }
    let null_count = count_nulls(data, end)?;
    validate_children(data, end)?;
    Ok(null_count)
}

/// Copies a buffer whose address is misaligned for its values into aligned memory.
fn realign(data: &mut ArrayData, i: usize, spec: BufferSpec) -> Result<()> {
    let buf = &data.buffers[i];
    let align = match spec {
        BufferSpec::FixedWidth { align, .. } => align,
        BufferSpec::Offsets { width } => width,
        _ => 1,
    };
    if !(buf.as_ptr() as usize).is_multiple_of(align) {
        let copied = match align {
            2 => ScalarBuffer::<u16>::new_or_copy(buf.slice(0, buf.len() / 2 * 2))?.into_inner(),
            4 => ScalarBuffer::<u32>::new_or_copy(buf.slice(0, buf.len() / 4 * 4))?.into_inner(),
            _ => ScalarBuffer::<u64>::new_or_copy(buf.slice(0, buf.len() / 8 * 8))?.into_inner(),
        };
        let tail = buf.slice(copied.len(), buf.len() - copied.len());
        data.buffers[i] = if tail.is_empty() {
            copied
        } else {
            let mut m = quiver_buffer::MutableBuffer::with_capacity(buf.len());
            m.extend_from_slice(copied.as_slice());
            m.extend_from_slice(tail.as_slice());
            m.freeze()
        };
    }
    Ok(())
}

fn count_nulls(data: &ArrayData, end: usize) -> Result<usize> {
    let spec = layout(&data.data_type);
    if matches!(data.data_type, DataType::Null) {
        return Ok(data.len);
    }
    let actual = match &data.nulls {
        Some(b) if spec.has_validity => {
            if b.len() < bytes_for(end) {
                return Err(buffer_err(
                    data,
                    0,
                    format!(
                        "validity bitmap has {} bytes but {} slots from offset {} need {}",
                        b.len(),
                        data.len,
                        data.offset,
                        bytes_for(end)
                    ),
                ));
            }
            Bitmap::try_new(b.clone(), data.offset, data.len)?.count_unset_bits()
        }
        Some(_) => {
            return Err(buffer_err(
                data,
                0,
                "a validity bitmap is not allowed for this type".into(),
            ));
        }
        None => 0,
    };
    if let Some(declared) = data.null_count
        && declared != actual
    {
        return Err(ArrayError::NullCount {
            data_type: data.data_type.clone(),
            declared,
            actual,
        });
    }
    Ok(actual)
}

fn expect_children(data: &ArrayData, n: usize) -> Result<()> {
    if data.children.len() != n {
        return Err(ArrayError::Layout {
            data_type: data.data_type.clone(),
            what: "children",
            expected: n,
            found: data.children.len(),
        });
    }
    Ok(())
}

fn validate_children(data: &ArrayData, end: usize) -> Result<()> {
    use DataType::*;
    let child_types: Vec<&DataType> = data
        .data_type
        .children()
        .into_iter()
        .map(|f| f.data_type())
        .collect();
    expect_children(data, child_types.len())?;
    for (i, (child, t)) in data.children.iter().zip(&child_types).enumerate() {
        if child.data_type() != *t {
            return Err(invalid(
                data,
                format!(
                    "child {i} has type {} but the field says {t}",
                    child.data_type()
                ),
            ));
        }
    }
    match &data.data_type {
        Struct(_) => {
            for (i, c) in data.children.iter().enumerate() {
                if c.len() != data.len {
                    return Err(invalid(
                        data,
                        format!(
                            "child {i} has {} rows but the struct has {}",
                            c.len(),
                            data.len
                        ),
                    ));
                }
            }
        }
        FixedSizeList(_, size) => {
            let size = usize::try_from(*size)
                .map_err(|_| invalid(data, format!("negative list size {size}")))?;
            let needed = end
                .checked_mul(size)
                .ok_or_else(|| invalid(data, "child length overflows".into()))?;
            if data.children[0].len() < needed {
                return Err(invalid(
                    data,
                    format!(
                        "child has {} values but {} lists of {size} need {needed}",
                        data.children[0].len(),
                        end
                    ),
                ));
            }
        }
        Union {
            mode: crate::datatype::UnionMode::Sparse,
            ..
        } => {
            for (i, c) in data.children.iter().enumerate() {
                if c.len() != data.len {
                    return Err(invalid(
                        data,
                        format!(
                            "child {i} has {} slots but the sparse union has {}",
                            c.len(),
                            data.len
                        ),
                    ));
                }
            }
        }
        RunEndEncoded(..) => {
            let ends = &data.children[0];
            if !matches!(ends.data_type(), Int16 | Int32 | Int64) {
                return Err(invalid(
                    data,
                    format!(
                        "run ends must be int16, int32 or int64, not {}",
                        ends.data_type()
                    ),
                ));
            }
            if ends.null_count() != 0 {
                return Err(invalid(
                    data,
                    format!("run ends hold {} nulls", ends.null_count()),
                ));
            }
            if data.children[1].len() < ends.len() {
                return Err(invalid(
                    data,
                    format!(
                        "{} runs but only {} values",
                        ends.len(),
                        data.children[1].len()
                    ),
                ));
            }
        }
        Dictionary { value, index, .. } => {
            if !index.is_integer() {
                return Err(invalid(
                    data,
                    format!("index type {index} is not an integer"),
                ));
            }
            match &data.dictionary {
                None => return Err(invalid(data, "the dictionary is missing".into())),
                Some(d) if d.data_type() != value.as_ref() => {
                    return Err(invalid(
                        data,
                        format!(
                            "dictionary has type {} but values should be {value}",
                            d.data_type()
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
        _ => {}
    }
    Ok(())
}

/// Full value checks; assumes [`validate_layout`] passed.
pub(crate) fn validate_values(data: &ArrayData) -> Result<()> {
    use DataType::*;
    match &data.data_type {
        Binary => check_offsets::<i32>(data, data.buffers[1].len(), false),
        LargeBinary => check_offsets::<i64>(data, data.buffers[1].len(), false),
        Utf8 => check_offsets::<i32>(data, data.buffers[1].len(), true),
        LargeUtf8 => check_offsets::<i64>(data, data.buffers[1].len(), true),
        List(_) | Map(..) => check_offsets::<i32>(data, data.children[0].len(), false),
        LargeList(_) => check_offsets::<i64>(data, data.children[0].len(), false),
        Dictionary { index, .. } => check_dictionary_indices(data, index),
        BinaryView => check_views(data, false),
        Utf8View => check_views(data, true),
        ListView(_) => check_list_views(data, 4),
        LargeListView(_) => check_list_views(data, 8),
        Union { .. } => check_union(data),
        RunEndEncoded(..) => check_run_ends(data),
        _ => Ok(()),
    }
}

fn check_offsets<O: OffsetSize>(data: &ArrayData, limit: usize, utf8: bool) -> Result<()> {
    let all = data.buffers[0]
        .typed_data::<O>()
        .map_err(|e| buffer_err(data, 1, e.to_string()))?;
    let offsets = &all[data.offset..=data.offset + data.len];
    let mut prev = offsets[0]
        .to_usize()
        .ok_or_else(|| invalid(data, format!("offset 0 is negative ({:?})", offsets[0])))?;
    if prev > limit {
        return Err(invalid(
            data,
            format!("offset 0 is {prev}, past the end ({limit})"),
        ));
    }
    let first = prev;
    for (i, o) in offsets[1..].iter().enumerate() {
        let cur = o
            .to_usize()
            .ok_or_else(|| invalid(data, format!("offset {} is negative", i + 1)))?;
        if cur < prev {
            return Err(invalid(
                data,
                format!("offsets decrease at slot {i}: {prev} then {cur}"),
            ));
        }
        if cur > limit {
            return Err(invalid(
                data,
                format!(
                    "offset {} is {cur}, past the end of the values ({limit})",
                    i + 1
                ),
            ));
        }
        prev = cur;
    }
    if utf8 {
        check_utf8(data, offsets, first, prev)?;
    }
    Ok(())
}

/// UTF-8 of every slot, checked as one run over the values the offsets cover plus a
/// character-boundary test per offset (valid text cut at boundaries stays valid).
fn check_utf8<O: OffsetSize>(
    data: &ArrayData,
    offsets: &[O],
    first: usize,
    last: usize,
) -> Result<()> {
    let bytes = &data.buffers[1].as_slice()[first..last];
    let bad_slot = |data: &ArrayData| {
        let slot = offsets
            .windows(2)
            .position(|w| {
                let (s, e) = (w[0].to_usize().unwrap_or(0), w[1].to_usize().unwrap_or(0));
                std::str::from_utf8(&data.buffers[1].as_slice()[s..e]).is_err()
            })
            .unwrap_or(0);
        invalid(data, format!("slot {slot} is not valid UTF-8"))
    };
    let text = std::str::from_utf8(bytes).map_err(|_| bad_slot(data))?;
    for o in offsets {
        if !text.is_char_boundary(o.to_usize().unwrap_or(0) - first) {
            return Err(bad_slot(data));
        }
    }
    Ok(())
}

fn check_dictionary_indices(data: &ArrayData, index: &DataType) -> Result<()> {
    let dict_len = data.dictionary.as_ref().map_or(0, |d| d.len());
    let nulls = data
        .nulls
        .as_ref()
        .map(|b| Bitmap::try_new(b.clone(), data.offset, data.len))
        .transpose()?;
    let buf = &data.buffers[0];
    let width = index.primitive_width().unwrap_or(4);
    let start = data.offset * width;
    let raw = &buf.as_slice()[start..start + data.len * width];
    for i in 0..data.len {
        if nulls.as_ref().is_some_and(|n| !n.is_set(i)) {
            continue;
        }
        let b = &raw[i * width..(i + 1) * width];
        let v: i128 = match index {
            DataType::Int8 => i128::from(b[0] as i8),
            DataType::UInt8 => i128::from(b[0]),
            DataType::Int16 => i128::from(i16::from_ne_bytes([b[0], b[1]])),
            DataType::UInt16 => i128::from(u16::from_ne_bytes([b[0], b[1]])),
            DataType::Int32 => i128::from(i32::from_ne_bytes([b[0], b[1], b[2], b[3]])),
            DataType::UInt32 => i128::from(u32::from_ne_bytes([b[0], b[1], b[2], b[3]])),
            DataType::Int64 => i128::from(i64::from_ne_bytes([
                b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
            ])),
            _ => i128::from(u64::from_ne_bytes([
                b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
            ])),
        };
        if v < 0 || v >= dict_len as i128 {
            return Err(invalid(
                data,
                format!("index {v} at slot {i} is outside the dictionary of {dict_len} values"),
            ));
        }
    }
    Ok(())
}

fn is_valid_slot(data: &ArrayData, i: usize) -> bool {
    data.nulls
        .as_ref()
        .is_none_or(|b| quiver_buffer::get_bit(b.as_slice(), data.offset + i))
}

fn read_i32(b: &[u8], at: usize) -> i32 {
    i32::from_ne_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn check_views(data: &ArrayData, utf8: bool) -> Result<()> {
    let views = data.buffers[0].as_slice();
    let variadic = &data.buffers[1..];
    for i in 0..data.len {
        if !is_valid_slot(data, i) {
            continue;
        }
        let v = &views[(data.offset + i) * 16..(data.offset + i + 1) * 16];
        let len = read_i32(v, 0);
        let len = usize::try_from(len)
            .map_err(|_| invalid(data, format!("slot {i} has negative length {len}")))?;
        let bytes: &[u8] = if len <= 12 {
            &v[4..4 + len]
        } else {
            let index = read_i32(v, 8);
            let offset = read_i32(v, 12);
            let buf = usize::try_from(index)
                .ok()
                .and_then(|k| variadic.get(k))
                .ok_or_else(|| {
                    invalid(
                        data,
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
                    invalid(
                        data,
                        format!(
                            "slot {i} reads {len} bytes at offset {offset} of a data buffer of {} bytes",
                            buf.len()
                        ),
                    )
                })?;
            if bytes[..4] != v[4..8] {
                return Err(invalid(
                    data,
                    format!("slot {i}: the view's prefix does not match its data"),
                ));
            }
            bytes
        };
        if utf8 && std::str::from_utf8(bytes).is_err() {
            return Err(invalid(data, format!("slot {i} is not valid UTF-8")));
        }
    }
    Ok(())
}

fn check_list_views(data: &ArrayData, width: usize) -> Result<()> {
    let child_len = data.children[0].len();
    let (offsets, sizes) = (data.buffers[0].as_slice(), data.buffers[1].as_slice());
    let read = |b: &[u8], k: usize| -> i64 {
        let at = k * width;
        if width == 4 {
            i64::from(read_i32(b, at))
        } else {
            let mut x = [0u8; 8];
            x.copy_from_slice(&b[at..at + 8]);
            i64::from_ne_bytes(x)
        }
    };
    for i in 0..data.len {
        if !is_valid_slot(data, i) {
            continue;
        }
        let (o, n) = (read(offsets, data.offset + i), read(sizes, data.offset + i));
        let ok = o >= 0
            && n >= 0
            && o.checked_add(n)
                .is_some_and(|e| e as u64 <= child_len as u64);
        if !ok {
            return Err(invalid(
                data,
                format!("slot {i} covers {n} values from offset {o} of a child of {child_len}"),
            ));
        }
    }
    Ok(())
}

fn check_union(data: &ArrayData) -> Result<()> {
    let DataType::Union { type_ids, mode, .. } = &data.data_type else {
        return Ok(());
    };
    let ids = data.buffers[0].as_slice();
    for i in 0..data.len {
        let id = ids[data.offset + i] as i8;
        let child = type_ids.iter().position(|&t| t == id).ok_or_else(|| {
            invalid(
                data,
                format!("slot {i} has type id {id}, which the union does not declare"),
            )
        })?;
        if *mode == crate::datatype::UnionMode::Dense {
            let o = read_i32(data.buffers[1].as_slice(), (data.offset + i) * 4);
            let len = data.children[child].len();
            if usize::try_from(o).map_or(true, |o| o >= len) {
                return Err(invalid(
                    data,
                    format!("slot {i} points to slot {o} of child {child}, which has {len}"),
                ));
            }
        }
    }
    Ok(())
}

fn check_run_ends(data: &ArrayData) -> Result<()> {
    let ends = &data.children[0];
    let mut prev = 0i64;
    for k in 0..ends.len() {
        let e = crate::values::run_end(ends, k)
            .ok_or_else(|| invalid(data, format!("run end {k} cannot be read")))?;
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
