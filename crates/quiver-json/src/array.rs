//! FieldData (one column of a batch or dictionary) to [`Array`].

use std::collections::{BTreeMap, BTreeSet};

use quiver_array::{Array, ArrayData, ArrayError, DataType, IntervalUnit, OffsetSize};
use quiver_buffer::{BitmapBuilder, Buffer, MutableBuffer, f16};
use serde_json::{Map, Value};

use super::JsonError;
use super::newer;
use super::schema::FieldInfo;
use super::values::{boolean, float, hex, i256_le, int, int_as, show};

/// Where in the document a column is: `batch 2, column 'f1'` plus the field path.
#[derive(Debug, Clone)]
pub(super) struct Ctx {
    pub prefix: String,
    pub path: String,
}

impl Ctx {
    fn child(&self, name: &str) -> Ctx {
        Ctx {
            prefix: self.prefix.clone(),
            path: format!("{}.{name}", self.path),
        }
    }

    fn context(&self, key: Option<&str>) -> String {
        match key {
            Some(k) => format!("{} (field path {}), key {k}", self.prefix, self.path),
            None => format!("{} (field path {})", self.prefix, self.path),
        }
    }

    pub fn invalid(&self, key: Option<&str>, message: impl Into<String>) -> JsonError {
        JsonError::Invalid {
            context: self.context(key),
            message: message.into(),
        }
    }
}

/// Widest fixed-size-binary value padded with zeros for a malformed null slot.
const MAX_PAD_WIDTH: usize = 1 << 20;

/// Builds arrays, resolving dictionaries by id (recursively, with cycle detection).
pub(super) struct ArrayReader<'a> {
    pub dict_json: BTreeMap<i64, &'a Value>,
    pub dict_info: BTreeMap<i64, FieldInfo>,
    pub built: BTreeMap<i64, Array>,
    in_progress: BTreeSet<i64>,
}

impl<'a> ArrayReader<'a> {
    pub fn new(dict_json: BTreeMap<i64, &'a Value>, dict_info: BTreeMap<i64, FieldInfo>) -> Self {
        Self {
            dict_json,
            dict_info,
            built: BTreeMap::new(),
            in_progress: BTreeSet::new(),
        }
    }

    /// The dictionary with `id`, building it (and the dictionaries it uses) first.
    pub fn dictionary(&mut self, id: i64, user: &Ctx) -> Result<Array, JsonError> {
        if let Some(a) = self.built.get(&id) {
            return Ok(a.clone());
        }
        if !self.in_progress.insert(id) {
            return Err(user.invalid(None, format!("dictionary {id} refers to itself")));
        }
        let json = *self
            .dict_json
            .get(&id)
            .ok_or_else(|| user.invalid(None, format!("dictionary {id} is not in the document")))?;
        let info = self
            .dict_info
            .get(&id)
            .cloned()
            .ok_or_else(|| user.invalid(None, format!("no field uses dictionary {id}")))?;
        let ctx = Ctx {
            prefix: format!("dictionary {id}"),
            path: info.path.clone(),
        };
        let data = json
            .get("data")
            .and_then(Value::as_object)
            .ok_or_else(|| ctx.invalid(Some("data"), "missing or not an object"))?;
        let columns = match data.get("columns") {
            Some(Value::Array(c)) if c.len() == 1 => c,
            _ => return Err(ctx.invalid(Some("columns"), "must be a list of exactly one column")),
        };
        let array = self.read(&info, &columns[0], &ctx)?;
        if let Some(n) = data.get("count")
            && int_as::<usize>(n) != Some(array.len())
        {
            return Err(ctx.invalid(
                Some("count"),
                format!("{} but the column has {} values", show(n), array.len()),
            ));
        }
        self.in_progress.remove(&id);
        self.built.insert(id, array.clone());
        Ok(array)
    }

    /// Reads one FieldData object as an array of `info`'s type.
    pub fn read(&mut self, info: &FieldInfo, v: &Value, ctx: &Ctx) -> Result<Array, JsonError> {
        let o = v
            .as_object()
            .ok_or_else(|| ctx.invalid(None, format!("column is not an object: {}", show(v))))?;
        let count = o
            .get("count")
            .and_then(int_as::<usize>)
            .filter(|&c| c <= isize::MAX as usize)
            .ok_or_else(|| ctx.invalid(Some("count"), "missing or not a non-negative integer"))?;
        let dt = info.field.data_type().clone();
        let build = |data: ArrayData| {
            data.build().map_err(|source| match source {
                ArrayError::Unsupported { data_type, .. } => JsonError::Unsupported {
                    context: ctx.context(None),
                    data_type,
                },
                source => JsonError::Array {
                    context: ctx.context(None),
                    source,
                },
            })
        };
        if let Some(id) = info.dict_id {
            let DataType::Dictionary { index, .. } = &dt else {
                return Err(ctx.invalid(None, "dictionary id on a non-dictionary type"));
            };
            let valid = validity(o, count, ctx)?;
            let indices = fixed_column(index, o, count, valid.as_deref(), ctx)?;
            let dict = self.dictionary(id, ctx)?;
            return build(
                ArrayData::new(dt.clone(), count)
                    .nulls(bitmap(valid.as_deref()))
                    .buffers(vec![indices])
                    .dictionary(Some(dict)),
            );
        }
        use DataType::*;
        match &dt {
            Null => build(ArrayData::new(Null, count)),
            Boolean => {
                let valid = validity(o, count, ctx)?;
                let items = items(o, "DATA", count, ctx)?;
                let mut bits = BitmapBuilder::with_capacity(count);
                for (i, item) in items.iter().enumerate() {
                    match boolean(item) {
                        Some(b) => bits.append(b),
                        None if is_null(valid.as_deref(), i) => bits.append(false),
                        None => return Err(bad_value(ctx, "DATA", i, item, "a boolean")),
                    }
                }
                build(
                    ArrayData::new(dt.clone(), count)
                        .nulls(bitmap(valid.as_deref()))
                        .buffers(vec![bits.finish().buffer().clone()]),
                )
            }
            Binary | Utf8 => self.bytes::<i32>(&dt, o, count, ctx).and_then(build),
            LargeBinary | LargeUtf8 => self.bytes::<i64>(&dt, o, count, ctx).and_then(build),
            FixedSizeBinary(w) => {
                let w = usize::try_from(*w).unwrap_or(0);
                let valid = validity(o, count, ctx)?;
                let items = items(o, "DATA", count, ctx)?;
                let mut buf = MutableBuffer::with_capacity(count.saturating_mul(w.min(64)));
                for (i, item) in items.iter().enumerate() {
                    let bytes = item.as_str().and_then(hex);
                    match bytes {
                        Some(b) if b.len() == w => buf.extend_from_slice(&b),
                        _ if is_null(valid.as_deref(), i) && w <= MAX_PAD_WIDTH => {
                            buf.extend_repeat(0, w)
                        }
                        _ => {
                            return Err(bad_value(
                                ctx,
                                "DATA",
                                i,
                                item,
                                &format!("a hex string of {w} bytes"),
                            ));
                        }
                    }
                }
                build(
                    ArrayData::new(dt.clone(), count)
                        .nulls(bitmap(valid.as_deref()))
                        .buffers(vec![buf.freeze()]),
                )
            }
            List(_) | Map(..) | LargeList(_) => {
                let valid = validity(o, count, ctx)?;
                let offsets = if matches!(dt, LargeList(_)) {
                    offsets::<i64>(o, count, ctx)?
                } else {
                    offsets::<i32>(o, count, ctx)?
                };
                let children = self.children(info, o, ctx)?;
                build(
                    ArrayData::new(dt.clone(), count)
                        .nulls(bitmap(valid.as_deref()))
                        .buffers(vec![offsets])
                        .children(children),
                )
            }
            FixedSizeList(..) | Struct(_) => {
                let valid = validity(o, count, ctx)?;
                let children = self.children(info, o, ctx)?;
                build(
                    ArrayData::new(dt.clone(), count)
                        .nulls(bitmap(valid.as_deref()))
                        .children(children),
                )
            }
            // The newer layouts: parsed here, accepted once the array crate validates
            // them (until then its `Unsupported` becomes `JsonError::Unsupported`).
            BinaryView | Utf8View => build(newer::views(&dt, o, count, ctx)?),
            ListView(_) | LargeListView(_) => {
                let data = if matches!(dt, ListView(_)) {
                    newer::list_view::<i32>(&dt, o, count, ctx)?
                } else {
                    newer::list_view::<i64>(&dt, o, count, ctx)?
                };
                build(data.children(self.children(info, o, ctx)?))
            }
            Union { .. } => {
                let data = newer::union(&dt, o, count, ctx)?;
                build(data.children(self.children(info, o, ctx)?))
            }
            RunEndEncoded(..) => {
                if validity(o, count, ctx)?.is_some() {
                    return Err(ctx.invalid(Some("VALIDITY"), "run-end encoded arrays have none"));
                }
                build(ArrayData::new(dt.clone(), count).children(self.children(info, o, ctx)?))
            }
            Dictionary { .. } => Err(ctx.invalid(None, "dictionary type without a dictionary id")),
            _ => {
                let valid = validity(o, count, ctx)?;
                let values = fixed_column(&dt, o, count, valid.as_deref(), ctx)?;
                build(
                    ArrayData::new(dt.clone(), count)
                        .nulls(bitmap(valid.as_deref()))
                        .buffers(vec![values]),
                )
            }
        }
    }

    fn children(
        &mut self,
        info: &FieldInfo,
        o: &Map<String, Value>,
        ctx: &Ctx,
    ) -> Result<Vec<Array>, JsonError> {
        let empty = Vec::new();
        let cols = match o.get("children") {
            None | Some(Value::Null) => &empty,
            Some(Value::Array(c)) => c,
            Some(other) => {
                return Err(ctx.invalid(Some("children"), format!("not a list: {}", show(other))));
            }
        };
        if cols.len() != info.children.len() {
            return Err(ctx.invalid(
                Some("children"),
                format!(
                    "{} child columns but the field has {} children",
                    cols.len(),
                    info.children.len()
                ),
            ));
        }
        info.children
            .iter()
            .zip(cols)
            .map(|(ci, cv)| self.read(ci, cv, &ctx.child(ci.field.name())))
            .collect()
    }

    /// Binary/utf8 (and large variants): the value bytes come from `DATA`, the offsets
    /// are recomputed from them and checked against `OFFSET` at every valid slot.
    fn bytes<O: OffsetSize>(
        &self,
        dt: &DataType,
        o: &Map<String, Value>,
        count: usize,
        ctx: &Ctx,
    ) -> Result<ArrayData, JsonError> {
        let utf8 = matches!(dt, DataType::Utf8 | DataType::LargeUtf8);
        let valid = validity(o, count, ctx)?;
        let items = items(o, "DATA", count, ctx)?;
        let json_offsets = match o.get("OFFSET") {
            None => None,
            Some(_) if count == 0 => None,
            Some(_) => {
                let offs = items_of(o, "OFFSET", count + 1, ctx)?;
                Some(
                    offs.iter()
                        .enumerate()
                        .map(|(i, v)| {
                            int(v).ok_or_else(|| bad_value(ctx, "OFFSET", i, v, "an integer"))
                        })
                        .collect::<Result<Vec<i128>, _>>()?,
                )
            }
        };
        let mut data = MutableBuffer::new();
        let mut offsets = MutableBuffer::with_capacity((count + 1) * std::mem::size_of::<O>());
        offsets.push(O::default());
        for (i, item) in items.iter().enumerate() {
            let value: Option<Vec<u8>> = match item {
                Value::String(s) if utf8 => Some(s.as_bytes().to_vec()),
                Value::String(s) => hex(s),
                _ => None,
            };
            let null = is_null(valid.as_deref(), i);
            let value = match value {
                Some(v) => v,
                None if null => Vec::new(),
                None => {
                    let want = if utf8 { "a string" } else { "a hex string" };
                    return Err(bad_value(ctx, "DATA", i, item, want));
                }
            };
            if let Some(offs) = &json_offsets
                && !null
                && offs[i + 1].checked_sub(offs[i]) != Some(value.len() as i128)
            {
                return Err(ctx.invalid(
                    Some("OFFSET"),
                    format!(
                        "slot {i}: offsets {}..{} disagree with the {} bytes of DATA",
                        offs[i],
                        offs[i + 1],
                        value.len()
                    ),
                ));
            }
            data.extend_from_slice(&value);
            let end = O::from_usize(data.len())
                .ok_or_else(|| ctx.invalid(Some("DATA"), "values too long for the offset type"))?;
            offsets.push(end);
        }
        Ok(ArrayData::new(dt.clone(), count)
            .nulls(bitmap(valid.as_deref()))
            .buffers(vec![offsets.freeze(), data.freeze()]))
    }
}

pub(super) fn bad_value(ctx: &Ctx, key: &str, i: usize, v: &Value, want: &str) -> JsonError {
    ctx.invalid(
        Some(key),
        format!("slot {i}: expected {want}, found {}", show(v)),
    )
}

/// The entries under `key`, which must number exactly `n`.
pub(super) fn items_of<'v>(
    o: &'v Map<String, Value>,
    key: &str,
    n: usize,
    ctx: &Ctx,
) -> Result<&'v [Value], JsonError> {
    match o.get(key) {
        Some(Value::Array(items)) if items.len() == n => Ok(items),
        Some(Value::Array(items)) => {
            Err(ctx.invalid(Some(key), format!("{} entries, expected {n}", items.len())))
        }
        Some(other) => Err(ctx.invalid(Some(key), format!("not a list: {}", show(other)))),
        None => Err(ctx.invalid(Some(key), "missing")),
    }
}

/// `count` entries under `key`; a missing key is accepted for an empty array.
pub(super) fn items<'v>(
    o: &'v Map<String, Value>,
    key: &str,
    count: usize,
    ctx: &Ctx,
) -> Result<&'v [Value], JsonError> {
    if count == 0 && !o.contains_key(key) {
        return Ok(&[]);
    }
    items_of(o, key, count, ctx)
}

/// The `VALIDITY` list as booleans, or `None` when absent or all valid.
pub(super) fn validity(
    o: &Map<String, Value>,
    count: usize,
    ctx: &Ctx,
) -> Result<Option<Vec<bool>>, JsonError> {
    if !o.contains_key("VALIDITY") {
        return Ok(None);
    }
    let items = items_of(o, "VALIDITY", count, ctx)?;
    let bits = items
        .iter()
        .enumerate()
        .map(|(i, v)| boolean(v).ok_or_else(|| bad_value(ctx, "VALIDITY", i, v, "1 or 0")))
        .collect::<Result<Vec<bool>, _>>()?;
    Ok(if bits.iter().all(|&b| b) {
        None
    } else {
        Some(bits)
    })
}

fn is_null(valid: Option<&[bool]>, i: usize) -> bool {
    valid.is_some_and(|v| !v[i])
}

pub(super) fn bitmap(valid: Option<&[bool]>) -> Option<Buffer> {
    let valid = valid?;
    let mut b = BitmapBuilder::with_capacity(valid.len());
    for &v in valid {
        b.append(v);
    }
    Some(b.finish().buffer().clone())
}

/// List offsets from `OFFSET` (`count + 1` entries; none needed for an empty array).
fn offsets<O: OffsetSize + TryFrom<i128>>(
    o: &Map<String, Value>,
    count: usize,
    ctx: &Ctx,
) -> Result<Buffer, JsonError> {
    let items = if count == 0 && !matches!(o.get("OFFSET"), Some(Value::Array(a)) if !a.is_empty())
    {
        return Ok(Buffer::from_slice_ref(&[O::default()]));
    } else {
        items_of(o, "OFFSET", count + 1, ctx)?
    };
    let mut buf = MutableBuffer::with_capacity(items.len() * std::mem::size_of::<O>());
    for (i, v) in items.iter().enumerate() {
        buf.push(int_as::<O>(v).ok_or_else(|| bad_value(ctx, "OFFSET", i, v, "an offset"))?);
    }
    Ok(buf.freeze())
}

/// A fixed-width column: `DATA` has `count` entries, each parsed by `f` into `N` bytes.
/// A value that does not parse is an error unless its slot is null.
fn fixed<const N: usize>(
    o: &Map<String, Value>,
    count: usize,
    valid: Option<&[bool]>,
    ctx: &Ctx,
    want: &str,
    f: impl Fn(&Value) -> Option<[u8; N]>,
) -> Result<Buffer, JsonError> {
    let items = items(o, "DATA", count, ctx)?;
    let mut buf = MutableBuffer::with_capacity(items.len() * N);
    for (i, item) in items.iter().enumerate() {
        match f(item) {
            Some(b) => buf.extend_from_slice(&b),
            None if is_null(valid, i) => buf.extend_from_slice(&[0u8; N]),
            None => return Err(bad_value(ctx, "DATA", i, item, want)),
        }
    }
    Ok(buf.freeze())
}

fn decimal_str<T: std::str::FromStr>(v: &Value) -> Option<T> {
    match v {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_str().parse().ok(),
        _ => None,
    }
}

fn field<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    v.as_object()?.get(key)
}

/// The values buffer of a fixed-width type (primitives, decimals, temporal types,
/// intervals, dictionary indices).
fn fixed_column(
    dt: &DataType,
    o: &Map<String, Value>,
    count: usize,
    valid: Option<&[bool]>,
    ctx: &Ctx,
) -> Result<Buffer, JsonError> {
    use DataType::*;
    macro_rules! ints {
        ($t:ty, $want:expr) => {
            fixed(o, count, valid, ctx, $want, |v| {
                int_as::<$t>(v).map(<$t>::to_ne_bytes)
            })
        };
    }
    match dt {
        Int8 => ints!(i8, "an int8"),
        Int16 => ints!(i16, "an int16"),
        Int32 => ints!(i32, "an int32"),
        Int64 => ints!(i64, "an int64"),
        UInt8 => ints!(u8, "a uint8"),
        UInt16 => ints!(u16, "a uint16"),
        UInt32 => ints!(u32, "a uint32"),
        UInt64 => ints!(u64, "a uint64"),
        Date32 | Time32(_) | Interval(IntervalUnit::YearMonth) => ints!(i32, "an int32"),
        Date64 | Time64(_) | Timestamp(..) | Duration(_) => ints!(i64, "an int64"),
        Float16 => fixed(o, count, valid, ctx, "a number", |v| {
            float(v).map(|x| f16::from_f64(x).to_bits().to_ne_bytes())
        }),
        Float32 => fixed(o, count, valid, ctx, "a number", |v| {
            float(v).map(|x| (x as f32).to_ne_bytes())
        }),
        Float64 => fixed(o, count, valid, ctx, "a number", |v| {
            float(v).map(f64::to_ne_bytes)
        }),
        Decimal32(..) => fixed(o, count, valid, ctx, "a decimal32 string", |v| {
            decimal_str::<i32>(v).map(i32::to_ne_bytes)
        }),
        Decimal64(..) => fixed(o, count, valid, ctx, "a decimal64 string", |v| {
            decimal_str::<i64>(v).map(i64::to_ne_bytes)
        }),
        Decimal128(..) => fixed(o, count, valid, ctx, "a decimal128 string", |v| {
            decimal_str::<i128>(v).map(i128::to_ne_bytes)
        }),
        Decimal256(..) => fixed(o, count, valid, ctx, "a decimal256 string", |v| {
            let mut b = match v {
                Value::String(s) => i256_le(s),
                Value::Number(n) => i256_le(n.as_str()),
                _ => None,
            }?;
            // Arrays hold values in native byte order, as one 256-bit number.
            if cfg!(target_endian = "big") {
                b.reverse();
            }
            Some(b)
        }),
        Interval(IntervalUnit::DayTime) => {
            fixed(o, count, valid, ctx, "{days, milliseconds}", |v| {
                let d = int_as::<i32>(field(v, "days")?)?;
                let ms = int_as::<i32>(field(v, "milliseconds")?)?;
                let mut b = [0u8; 8];
                b[..4].copy_from_slice(&d.to_ne_bytes());
                b[4..].copy_from_slice(&ms.to_ne_bytes());
                Some(b)
            })
        }
        Interval(IntervalUnit::MonthDayNano) => {
            fixed(o, count, valid, ctx, "{months, days, nanoseconds}", |v| {
                let m = int_as::<i32>(field(v, "months")?)?;
                let d = int_as::<i32>(field(v, "days")?)?;
                let ns = int_as::<i64>(field(v, "nanoseconds")?)?;
                let mut b = [0u8; 16];
                b[..4].copy_from_slice(&m.to_ne_bytes());
                b[4..8].copy_from_slice(&d.to_ne_bytes());
                b[8..].copy_from_slice(&ns.to_ne_bytes());
                Some(b)
            })
        }
        other => Err(ctx.invalid(None, format!("{other} is not a fixed-width type"))),
    }
}
