//! The buffers of the newer layouts: binary/utf8 views, list views, unions and run-end
//! encoded arrays. They are parsed fully; whether the result is accepted is up to the
//! array crate's validation (which reports `Unsupported` for layouts it cannot check
//! yet, turned into [`JsonError::Unsupported`](super::JsonError::Unsupported)).

use quiver_array::{ArrayData, DataType, UnionMode};
use quiver_buffer::{Buffer, MutableBuffer};
use serde_json::{Map, Value};

use super::JsonError;
use super::array::{Ctx, bad_value, bitmap, items, items_of, validity};
use super::values::{hex, int_as};

/// Longest value stored inline in a view.
const MAX_INLINE: usize = 12;

/// Binary/utf8 views: `VIEWS` (one object per slot) and `VARIADIC_DATA_BUFFERS` (hex).
pub(super) fn views(
    dt: &DataType,
    o: &Map<String, Value>,
    count: usize,
    ctx: &Ctx,
) -> Result<ArrayData, JsonError> {
    let utf8 = matches!(dt, DataType::Utf8View);
    let valid = validity(o, count, ctx)?;
    let views = items(o, "VIEWS", count, ctx)?;
    let mut out = MutableBuffer::with_capacity(views.len() * 16);
    for (i, view) in views.iter().enumerate() {
        let bad = |want: &str| bad_value(ctx, "VIEWS", i, view, want);
        let size = view
            .get("SIZE")
            .and_then(int_as::<i32>)
            .filter(|&s| s >= 0)
            .ok_or_else(|| bad("an object with a non-negative SIZE"))?;
        let mut raw = [0u8; 16];
        raw[..4].copy_from_slice(&size.to_ne_bytes());
        if size as usize <= MAX_INLINE {
            let inlined = view
                .get("INLINED")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("an INLINED string"))?;
            let bytes = if utf8 {
                Some(inlined.as_bytes().to_vec())
            } else {
                hex(inlined)
            };
            match bytes {
                Some(b) if b.len() == size as usize => raw[4..4 + b.len()].copy_from_slice(&b),
                _ => return Err(bad(&format!("INLINED holding {size} bytes"))),
            }
        } else {
            let prefix = view
                .get("PREFIX_HEX")
                .and_then(Value::as_str)
                .and_then(hex)
                .filter(|p| p.len() == 4)
                .ok_or_else(|| bad("a PREFIX_HEX of 4 bytes"))?;
            let index = view
                .get("BUFFER_INDEX")
                .and_then(int_as::<i32>)
                .ok_or_else(|| bad("an int32 BUFFER_INDEX"))?;
            let offset = view
                .get("OFFSET")
                .and_then(int_as::<i32>)
                .ok_or_else(|| bad("an int32 OFFSET"))?;
            raw[4..8].copy_from_slice(&prefix);
            raw[8..12].copy_from_slice(&index.to_ne_bytes());
            raw[12..16].copy_from_slice(&offset.to_ne_bytes());
        }
        out.extend_from_slice(&raw);
    }
    let mut buffers = vec![out.freeze()];
    let variadic: &[Value] = match o.get("VARIADIC_DATA_BUFFERS") {
        None => &[],
        Some(Value::Array(bs)) => bs,
        Some(other) => {
            return Err(bad_value(ctx, "VARIADIC_DATA_BUFFERS", 0, other, "a list"));
        }
    };
    for (i, b) in variadic.iter().enumerate() {
        let bytes = b
            .as_str()
            .and_then(hex)
            .ok_or_else(|| bad_value(ctx, "VARIADIC_DATA_BUFFERS", i, b, "a hex string"))?;
        buffers.push(Buffer::from(bytes));
    }
    Ok(ArrayData::new(dt.clone(), count)
        .nulls(bitmap(valid.as_deref()))
        .buffers(buffers))
}

/// `count` integers under `key` as a buffer of `T` (list-view offsets and sizes).
fn ints<T: quiver_buffer::NativeType + TryFrom<i128>>(
    o: &Map<String, Value>,
    key: &str,
    count: usize,
    ctx: &Ctx,
) -> Result<Buffer, JsonError> {
    let vs = items(o, key, count, ctx)?;
    let mut buf = MutableBuffer::with_capacity(vs.len() * T::WIDTH);
    for (i, v) in vs.iter().enumerate() {
        buf.push(int_as::<T>(v).ok_or_else(|| bad_value(ctx, key, i, v, "an integer"))?);
    }
    Ok(buf.freeze())
}

/// List views (`O = i32`) and large list views (`O = i64`): `OFFSET` and `SIZE` with
/// `count` entries each; the child comes from the caller.
pub(super) fn list_view<O: quiver_buffer::NativeType + TryFrom<i128>>(
    dt: &DataType,
    o: &Map<String, Value>,
    count: usize,
    ctx: &Ctx,
) -> Result<ArrayData, JsonError> {
    let valid = validity(o, count, ctx)?;
    let offsets = ints::<O>(o, "OFFSET", count, ctx)?;
    let sizes = ints::<O>(o, "SIZE", count, ctx)?;
    Ok(ArrayData::new(dt.clone(), count)
        .nulls(bitmap(valid.as_deref()))
        .buffers(vec![offsets, sizes]))
}

/// Unions: `TYPE_ID` (and `OFFSET` when dense); no validity (an all-ones `VALIDITY`, as
/// in V4-era files, is accepted and dropped).
pub(super) fn union(
    dt: &DataType,
    o: &Map<String, Value>,
    count: usize,
    ctx: &Ctx,
) -> Result<ArrayData, JsonError> {
    let DataType::Union { type_ids, mode, .. } = dt else {
        return Err(ctx.invalid(None, "not a union"));
    };
    if validity(o, count, ctx)?.is_some() {
        return Err(ctx.invalid(Some("VALIDITY"), "a union has no validity of its own"));
    }
    let ids = items(o, "TYPE_ID", count, ctx)?;
    let mut buf = MutableBuffer::with_capacity(ids.len());
    for (i, v) in ids.iter().enumerate() {
        let id = int_as::<i8>(v)
            .filter(|id| type_ids.contains(id))
            .ok_or_else(|| bad_value(ctx, "TYPE_ID", i, v, &format!("one of {type_ids:?}")))?;
        buf.push(id);
    }
    let mut buffers = vec![buf.freeze()];
    if *mode == UnionMode::Dense {
        let offsets = items_of(o, "OFFSET", count, ctx)
            .or_else(|e| if count == 0 { Ok(&[][..]) } else { Err(e) })?;
        let mut buf = MutableBuffer::with_capacity(offsets.len() * 4);
        for (i, v) in offsets.iter().enumerate() {
            buf.push(
                int_as::<i32>(v)
                    .filter(|&x| x >= 0)
                    .ok_or_else(|| bad_value(ctx, "OFFSET", i, v, "a non-negative int32"))?,
            );
        }
        buffers.push(buf.freeze());
    }
    Ok(ArrayData::new(dt.clone(), count).buffers(buffers))
}
