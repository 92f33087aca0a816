//! Checks that make an [`ArrayData`] safe to read (layout) and true to its type (values).

use quiver_buffer::{Bitmap, Buffer, ScalarBuffer, bytes_for};

use crate::data::ArrayData;
use crate::datatype::DataType;
use crate::error::{ArrayError, Result};
use crate::layout::{BufferSpec, layout};

pub(crate) use crate::full::validate_values;

/// How much of an array's contents to check when building it (layout by layout, next
/// to Arrow C++'s `ValidateFull`: `docs/validation.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValidationLevel {
    /// Buffer counts and sizes, child counts, types and lengths, null counts, map keys
    /// without nulls, union type ids: everything needed so that reading the array cannot
    /// go out of bounds.
    Structural,
    /// Structural checks plus the values, in every slot Arrow C++ checks: offsets,
    /// list-view offsets and sizes, views, UTF-8, dictionary indices, union type ids and
    /// offsets, run ends; children and dictionaries built unchecked are checked too.
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
    ArrayError::invalid_data(data.data_type.clone(), problem)
}

/// Checks buffer and child shapes, re-aligns misaligned buffers (by copying) and returns
/// the null count. With `trust_null_count`, a declared null count of at most the length
/// is taken as it is when a bitmap is present, instead of being counted (the bitmap's
/// size is still checked).
pub(crate) fn validate_layout(data: &mut ArrayData, trust_null_count: bool) -> Result<usize> {
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
    let null_count = count_nulls(data, end, spec.has_validity, trust_null_count)?;
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

/// The null count; `has_validity` is the layout's (asked once, by the caller). With
/// `trust_declared`, a declared count of at most the length is returned without
/// counting the bitmap's bits (after checking the bitmap's size).
fn count_nulls(
    data: &ArrayData,
    end: usize,
    has_validity: bool,
    trust_declared: bool,
) -> Result<usize> {
    if matches!(data.data_type, DataType::Null) {
        return Ok(data.len);
    }
    let actual = match &data.nulls {
        Some(b) if has_validity => {
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
            if trust_declared && let Some(declared) = data.null_count.filter(|&n| n <= data.len) {
                return Ok(declared);
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
    if let Union {
        fields, type_ids, ..
    } = &data.data_type
    {
        check_union_type_ids(data, fields.len(), type_ids)?;
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
        Map(..) => check_map_entries(data)?,
        _ => {}
    }
    if data.dictionary.is_some() && !matches!(data.data_type, Dictionary { .. }) {
        return Err(invalid(
            data,
            "only dictionary-encoded arrays have a dictionary".into(),
        ));
    }
    Ok(())
}

/// A map's entries are a struct of keys and values; neither an entry nor a key may be
/// null.
fn check_map_entries(data: &ArrayData) -> Result<()> {
    let Some(entries) = data.children.first() else {
        return Ok(());
    };
    let DataType::Struct(fields) = entries.data_type() else {
        return Err(invalid(
            data,
            format!("entries must be a struct, not {}", entries.data_type()),
        ));
    };
    if fields.len() != 2 {
        return Err(invalid(
            data,
            format!(
                "entries must have 2 fields (key, value), not {}",
                fields.len()
            ),
        ));
    }
    if entries.null_count() != 0 {
        return Err(invalid(
            data,
            format!("{} entries are null", entries.null_count()),
        ));
    }
    let keys = entries.children().first().map_or(0, |k| k.null_count());
    if keys != 0 {
        return Err(invalid(data, format!("{keys} keys are null")));
    }
    Ok(())
}

/// A union declares one type id per child, each in `0..=127` and used once.
fn check_union_type_ids(data: &ArrayData, fields: usize, type_ids: &[i8]) -> Result<()> {
    if type_ids.len() != fields {
        return Err(invalid(
            data,
            format!("{fields} children but {} type ids", type_ids.len()),
        ));
    }
    for (k, &id) in type_ids.iter().enumerate() {
        if id < 0 {
            return Err(invalid(data, format!("type id {id} is negative")));
        }
        if type_ids[..k].contains(&id) {
            return Err(invalid(data, format!("type id {id} is declared twice")));
        }
    }
    Ok(())
}
