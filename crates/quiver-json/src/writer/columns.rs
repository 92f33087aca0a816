//! One array as a FieldData object (sections 6 and 7 of the format description).

use quiver_array::{Array, DataType, IntervalUnit, OffsetSize, UnionMode, run_end};
use quiver_buffer::f16;

use super::emit::{J, hex_upper};
use super::{Dictionaries, Node, invalid};
use crate::JsonError;

/// Longest value a view keeps inline.
const MAX_INLINE: usize = 12;

/// Error constructors for one column.
struct Here<'p> {
    prefix: &'p str,
    path: &'p str,
}

impl Here<'_> {
    fn context(&self) -> String {
        format!("{} (field path {})", self.prefix, self.path)
    }

    fn err(&self, message: impl Into<String>) -> JsonError {
        invalid(self.context(), message)
    }

    fn array(&self, source: quiver_array::ArrayError) -> JsonError {
        JsonError::Array {
            context: self.context(),
            source,
        }
    }
}

/// `len` values of `width` bytes of buffer `index` of `a`, starting at its offset.
fn slots<'a>(
    a: &'a Array,
    index: usize,
    width: usize,
    here: &Here<'_>,
) -> Result<&'a [u8], JsonError> {
    let range = a.offset().checked_mul(width).zip(
        a.offset()
            .checked_add(a.len())
            .and_then(|e| e.checked_mul(width)),
    );
    range
        .and_then(|(s, e)| a.buffers().get(index)?.as_slice().get(s..e))
        .ok_or_else(|| {
            here.err(format!(
                "buffer {index} is too short for {} values",
                a.len()
            ))
        })
}

/// The values of `bytes` split in `width`-byte pieces (`width > 0`).
fn pieces(bytes: &[u8], width: usize) -> impl Iterator<Item = &[u8]> {
    bytes.chunks_exact(width.max(1))
}

fn arr<const N: usize>(b: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    if let Some(src) = b.get(..N) {
        out.copy_from_slice(src);
    }
    out
}

fn validity(a: &Array) -> J {
    J::Arr(
        (0..a.len())
            .map(|i| J::int(u8::from(a.is_valid(i))))
            .collect(),
    )
}

/// An offset or size: numbers for 32-bit kinds, strings for 64-bit ones.
fn offset_json(v: i128, large: bool) -> J {
    if large { J::int_str(v) } else { J::int(v) }
}

/// One fixed-width value of type `dt` from its native-endian bytes.
fn scalar(dt: &DataType, b: &[u8]) -> Option<J> {
    use DataType::*;
    Some(match dt {
        Int8 => J::int(i8::from_ne_bytes(arr(b))),
        Int16 => J::int(i16::from_ne_bytes(arr(b))),
        Int32 | Date32 | Time32(_) | Interval(IntervalUnit::YearMonth) => {
            J::int(i32::from_ne_bytes(arr(b)))
        }
        UInt8 => J::int(u8::from_ne_bytes(arr(b))),
        UInt16 => J::int(u16::from_ne_bytes(arr(b))),
        UInt32 => J::int(u32::from_ne_bytes(arr(b))),
        Int64 | Date64 | Time64(_) | Timestamp(..) | Duration(_) => {
            J::int_str(i64::from_ne_bytes(arr(b)))
        }
        UInt64 => J::int_str(u64::from_ne_bytes(arr(b))),
        Float16 => {
            let x = f16::from_ne_bytes(arr(b)).to_f32();
            J::float(f64::from(x), format!("{x:?}"))
        }
        Float32 => {
            let x = f32::from_ne_bytes(arr(b));
            J::float(f64::from(x), format!("{x:?}"))
        }
        Float64 => {
            let x = f64::from_ne_bytes(arr(b));
            J::float(x, format!("{x:?}"))
        }
        Decimal32(..) => J::int_str(i32::from_ne_bytes(arr(b))),
        Decimal64(..) => J::int_str(i64::from_ne_bytes(arr(b))),
        Decimal128(..) => J::int_str(i128::from_ne_bytes(arr(b))),
        Decimal256(..) => J::str(quiver_buffer::i256::from_ne_bytes(arr(b)).to_string()),
        Interval(IntervalUnit::DayTime) => J::Obj(vec![
            ("days", J::int(i32::from_ne_bytes(arr(b)))),
            ("milliseconds", J::int(i32::from_ne_bytes(arr(b.get(4..)?)))),
        ]),
        Interval(IntervalUnit::MonthDayNano) => J::Obj(vec![
            ("months", J::int(i32::from_ne_bytes(arr(b)))),
            ("days", J::int(i32::from_ne_bytes(arr(b.get(4..)?)))),
            // A bare number although 64-bit, as in the gold files.
            ("nanoseconds", J::int(i64::from_ne_bytes(arr(b.get(8..)?)))),
        ]),
        _ => return None,
    })
}

/// An index of type `dt` as an integer.
fn index_value(dt: &DataType, b: &[u8]) -> Option<i128> {
    use DataType::*;
    Some(match dt {
        Int8 => i128::from(i8::from_ne_bytes(arr(b))),
        Int16 => i128::from(i16::from_ne_bytes(arr(b))),
        Int32 => i128::from(i32::from_ne_bytes(arr(b))),
        Int64 => i128::from(i64::from_ne_bytes(arr(b))),
        UInt8 => i128::from(u8::from_ne_bytes(arr(b))),
        UInt16 => i128::from(u16::from_ne_bytes(arr(b))),
        UInt32 => i128::from(u32::from_ne_bytes(arr(b))),
        UInt64 => i128::from(u64::from_ne_bytes(arr(b))),
        _ => return None,
    })
}

/// An index written in the encoding of its type, if it fits that type.
fn index_json(dt: &DataType, v: i128) -> Option<J> {
    use DataType::*;
    let fits = match dt {
        Int8 => i8::try_from(v).is_ok(),
        Int16 => i16::try_from(v).is_ok(),
        Int32 => i32::try_from(v).is_ok(),
        Int64 => i64::try_from(v).is_ok(),
        UInt8 => u8::try_from(v).is_ok(),
        UInt16 => u16::try_from(v).is_ok(),
        UInt32 => u32::try_from(v).is_ok(),
        UInt64 => u64::try_from(v).is_ok(),
        _ => false,
    };
    fits.then(|| match dt {
        Int64 | UInt64 => J::int_str(v),
        _ => J::int(v),
    })
}

impl Dictionaries<'_> {
    /// `a` as a FieldData object named after `node`. With `encoded`, a
    /// dictionary-encoded `node` writes its indices; otherwise `a` holds the values.
    pub(super) fn column(
        &self,
        node: &Node<'_>,
        encoded: bool,
        a: &Array,
        prefix: &str,
    ) -> Result<J, JsonError> {
        let here = Here {
            prefix,
            path: &node.path,
        };
        let mut o: Vec<(&'static str, J)> = vec![
            ("name", J::str(node.field.name())),
            ("count", J::int(a.len() as u64)),
        ];
        if encoded && let Some(id) = node.dict_id {
            let DataType::Dictionary { index, .. } = a.data_type() else {
                return Err(here.err(format!(
                    "a {} array for a dictionary-encoded field",
                    a.data_type()
                )));
            };
            let d = a
                .dictionary()
                .ok_or_else(|| here.err("dictionary-encoded array without a dictionary"))?;
            let base = self
                .base(id, d)
                .ok_or_else(|| here.err(format!("dictionary {id} was not collected")))?;
            let width = index
                .primitive_width()
                .ok_or_else(|| here.err(format!("index type {index} is not an integer")))?;
            let raw = slots(a, 0, width, &here)?;
            let mut data = Vec::with_capacity(a.len());
            for (i, b) in pieces(raw, width).enumerate() {
                if !a.is_valid(i) {
                    data.push(J::int(0));
                    continue;
                }
                let v = index_value(index, b)
                    .ok_or_else(|| here.err(format!("index type {index} is not an integer")))?;
                let shifted = v.saturating_add(base as i128);
                data.push(index_json(index, shifted).ok_or_else(|| {
                    here.err(format!(
                        "index {shifted} into the joined dictionary {id} does not fit {index}"
                    ))
                })?);
            }
            o.push(("VALIDITY", validity(a)));
            o.push(("DATA", J::Arr(data)));
            return Ok(J::Obj(o));
        }

        use DataType::*;
        match a.data_type() {
            Null => {}
            Boolean => {
                let bits = a
                    .as_boolean()
                    .ok_or_else(|| here.err("boolean buffer is too short"))?;
                o.push(("VALIDITY", validity(a)));
                o.push((
                    "DATA",
                    J::Arr(
                        (0..a.len())
                            .map(|i| J::bool(a.is_valid(i) && bits.value(i)))
                            .collect(),
                    ),
                ));
            }
            Binary | Utf8 => self.bytes::<i32>(a, false, &here, &mut o)?,
            LargeBinary | LargeUtf8 => self.bytes::<i64>(a, true, &here, &mut o)?,
            BinaryView | Utf8View => views(a, &here, &mut o)?,
            FixedSizeBinary(w) => {
                let w = usize::try_from(*w).map_err(|_| here.err("negative byte width"))?;
                let raw = slots(a, 0, w, &here)?;
                let data = (0..a.len())
                    .map(|i| {
                        let start = i.saturating_mul(w);
                        match raw.get(start..start.saturating_add(w)) {
                            Some(v) if a.is_valid(i) => hex_upper(v),
                            _ => "00".repeat(w),
                        }
                    })
                    .map(J::str)
                    .collect();
                o.push(("VALIDITY", validity(a)));
                o.push(("DATA", J::Arr(data)));
            }
            List(_) | Map(..) => self.list::<i32>(node, a, false, prefix, &here, &mut o)?,
            LargeList(_) => self.list::<i64>(node, a, true, prefix, &here, &mut o)?,
            ListView(_) | LargeListView(_) => {
                let (w, large) = if matches!(a.data_type(), ListView(_)) {
                    (4, false)
                } else {
                    (8, true)
                };
                let read = |buf: usize| -> Result<J, JsonError> {
                    let raw = slots(a, buf, w, &here)?;
                    Ok(J::Arr(
                        pieces(raw, w)
                            .map(|b| {
                                let v = if large {
                                    i128::from(i64::from_ne_bytes(arr(b)))
                                } else {
                                    i128::from(i32::from_ne_bytes(arr(b)))
                                };
                                offset_json(v, large)
                            })
                            .collect(),
                    ))
                };
                o.push(("VALIDITY", validity(a)));
                o.push(("OFFSET", read(0)?));
                o.push(("SIZE", read(1)?));
                o.push((
                    "children",
                    self.children(node, a.children(), prefix, &here)?,
                ));
            }
            FixedSizeList(_, n) => {
                let n = usize::try_from(*n).map_err(|_| here.err("negative list size"))?;
                let child = a
                    .children()
                    .first()
                    .ok_or_else(|| here.err("list without a child"))?;
                let (start, len) = a
                    .offset()
                    .checked_mul(n)
                    .zip(a.len().checked_mul(n))
                    .ok_or_else(|| here.err("child range overflows"))?;
                let child = child.try_slice(start, len).map_err(|e| here.array(e))?;
                o.push(("VALIDITY", validity(a)));
                o.push(("children", self.children(node, &[child], prefix, &here)?));
            }
            Struct(_) => {
                // Struct children are sliced with their parent: row i is row i.
                let children = a
                    .children()
                    .iter()
                    .map(|c| match c.len() > a.len() {
                        true => c.try_slice(0, a.len()).map_err(|e| here.array(e)),
                        false => Ok(c.clone()),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                o.push(("VALIDITY", validity(a)));
                o.push(("children", self.children(node, &children, prefix, &here)?));
            }
            Union { mode, .. } => {
                let ids = slots(a, 0, 1, &here)?;
                o.push((
                    "TYPE_ID",
                    J::Arr(ids.iter().map(|&t| J::int(t as i8)).collect()),
                ));
                if *mode == UnionMode::Dense {
                    let offs = slots(a, 1, 4, &here)?;
                    o.push((
                        "OFFSET",
                        J::Arr(
                            pieces(offs, 4)
                                .map(|b| J::int(i32::from_ne_bytes(arr(b))))
                                .collect(),
                        ),
                    ));
                }
                o.push((
                    "children",
                    self.children(node, a.children(), prefix, &here)?,
                ));
            }
            RunEndEncoded(..) => self.run_end_encoded(node, a, prefix, &here, &mut o)?,
            Dictionary { .. } => {
                return Err(here.err("dictionary-encoded values without a dictionary id"));
            }
            dt => {
                let w = dt
                    .primitive_width()
                    .ok_or_else(|| here.err(format!("cannot write {dt} columns")))?;
                let raw = slots(a, 0, w, &here)?;
                let zero = vec![0u8; w];
                let mut data = Vec::with_capacity(a.len());
                for (i, b) in pieces(raw, w).enumerate() {
                    let b = if a.is_valid(i) { b } else { &zero };
                    data.push(
                        scalar(dt, b)
                            .ok_or_else(|| here.err(format!("cannot write {dt} values")))?,
                    );
                }
                o.push(("VALIDITY", validity(a)));
                o.push(("DATA", J::Arr(data)));
            }
        }
        Ok(J::Obj(o))
    }

    fn children(
        &self,
        node: &Node<'_>,
        arrays: &[Array],
        prefix: &str,
        here: &Here<'_>,
    ) -> Result<J, JsonError> {
        if arrays.len() != node.children.len() {
            return Err(here.err(format!(
                "{} child arrays but the field has {} children",
                arrays.len(),
                node.children.len()
            )));
        }
        node.children
            .iter()
            .zip(arrays)
            .map(|(c, ca)| self.column(c, true, ca, prefix))
            .collect::<Result<Vec<_>, _>>()
            .map(J::Arr)
    }

    /// Binary and utf8 (both offset widths): the values of the slots, offsets counted
    /// from 0 over them; null slots are empty.
    fn bytes<O: OffsetSize>(
        &self,
        a: &Array,
        large: bool,
        here: &Here<'_>,
        o: &mut Vec<(&'static str, J)>,
    ) -> Result<(), JsonError> {
        let utf8 = matches!(a.data_type(), DataType::Utf8 | DataType::LargeUtf8);
        let values = a
            .as_binary::<O>()
            .ok_or_else(|| here.err("offsets buffer is too short"))?;
        let limit: u64 = if large {
            i64::MAX as u64
        } else {
            i32::MAX as u64
        };
        let mut offsets = Vec::with_capacity(a.len().saturating_add(1));
        let mut data = Vec::with_capacity(a.len());
        let mut end: u64 = 0;
        offsets.push(offset_json(0, large));
        for i in 0..a.len() {
            let v: &[u8] = if a.is_valid(i) { values.value(i) } else { &[] };
            data.push(if utf8 {
                J::str(
                    std::str::from_utf8(v)
                        .map_err(|_| here.err(format!("slot {i} is not valid UTF-8")))?,
                )
            } else {
                J::str(hex_upper(v))
            });
            end = end.saturating_add(v.len() as u64);
            if end > limit {
                return Err(here.err("values too long for the offset type"));
            }
            offsets.push(offset_json(i128::from(end), large));
        }
        o.push(("VALIDITY", validity(a)));
        o.push(("OFFSET", J::Arr(offsets)));
        o.push(("DATA", J::Arr(data)));
        Ok(())
    }

    /// Lists and maps: offsets rebased to 0 and the child range they cover.
    fn list<O: OffsetSize>(
        &self,
        node: &Node<'_>,
        a: &Array,
        large: bool,
        prefix: &str,
        here: &Here<'_>,
        o: &mut Vec<(&'static str, J)>,
    ) -> Result<(), JsonError> {
        let offs = a
            .list_offsets::<O>()
            .ok_or_else(|| here.err("offsets buffer is too short"))?;
        let as_usize = |v: O| v.to_usize().ok_or_else(|| here.err("negative offset"));
        let first = as_usize(*offs.first().ok_or_else(|| here.err("no offsets"))?)?;
        let last = as_usize(*offs.last().ok_or_else(|| here.err("no offsets"))?)?;
        let mut rebased = Vec::with_capacity(offs.len());
        for &v in offs {
            let r = as_usize(v)?
                .checked_sub(first)
                .ok_or_else(|| here.err("offsets decrease"))?;
            rebased.push(offset_json(r as i128, large));
        }
        let len = last
            .checked_sub(first)
            .ok_or_else(|| here.err("offsets decrease"))?;
        let child = a
            .children()
            .first()
            .ok_or_else(|| here.err("list without a child"))?
            .try_slice(first, len)
            .map_err(|e| here.array(e))?;
        o.push(("VALIDITY", validity(a)));
        o.push(("OFFSET", J::Arr(rebased)));
        o.push(("children", self.children(node, &[child], prefix, here)?));
        Ok(())
    }

    /// Run-end encoded: the runs this (possibly sliced) array shows, run ends rebased
    /// to it.
    fn run_end_encoded(
        &self,
        node: &Node<'_>,
        a: &Array,
        prefix: &str,
        here: &Here<'_>,
        o: &mut Vec<(&'static str, J)>,
    ) -> Result<(), JsonError> {
        let (Some(ends), Some(values), Some(ends_node), Some(values_node)) = (
            a.children().first(),
            a.children().get(1),
            node.children.first(),
            node.children.get(1),
        ) else {
            return Err(here.err("run-end encoded array without its two children"));
        };
        let runs = match a.len().checked_sub(1) {
            None => 0..0,
            Some(last) => match (a.run_index(0), a.run_index(last)) {
                (Some(f), Some(l)) if f <= l => f..l.saturating_add(1),
                _ => return Err(here.err("run ends do not cover the array")),
            },
        };
        let start = i64::try_from(a.offset()).map_err(|_| here.err("offset too large"))?;
        let len = i64::try_from(a.len()).map_err(|_| here.err("length too large"))?;
        let large = matches!(ends.data_type(), DataType::Int64);
        let mut data = Vec::with_capacity(runs.len());
        for k in runs.clone() {
            let e =
                run_end(ends, k).ok_or_else(|| here.err(format!("run end {k} cannot be read")))?;
            let e = e.saturating_sub(start).min(len);
            data.push(if large { J::int_str(e) } else { J::int(e) });
        }
        let ends_json = J::Obj(vec![
            ("name", J::str(ends_node.field.name())),
            ("count", J::int(runs.len() as u64)),
            (
                "VALIDITY",
                J::Arr(runs.clone().map(|_| J::int(1)).collect()),
            ),
            ("DATA", J::Arr(data)),
        ]);
        let values = values
            .try_slice(runs.start, runs.len())
            .map_err(|e| here.array(e))?;
        let values_json = self.column(values_node, true, &values, prefix)?;
        o.push(("children", J::Arr(vec![ends_json, values_json])));
        Ok(())
    }
}

/// Binary and utf8 views: each view as written, nulls as empty inline views, and the
/// variadic buffers whole.
fn views(a: &Array, here: &Here<'_>, o: &mut Vec<(&'static str, J)>) -> Result<(), JsonError> {
    let utf8 = matches!(a.data_type(), DataType::Utf8View);
    let raw = slots(a, 0, 16, here)?;
    let mut out = Vec::with_capacity(a.len());
    for (i, v) in pieces(raw, 16).enumerate() {
        if !a.is_valid(i) {
            out.push(J::Obj(vec![("SIZE", J::int(0)), ("INLINED", J::str(""))]));
            continue;
        }
        let size = i32::from_ne_bytes(arr(v));
        let n =
            usize::try_from(size).map_err(|_| here.err(format!("slot {i} has negative size")))?;
        if n <= MAX_INLINE {
            let bytes = v.get(4..4 + n).unwrap_or(&[]);
            let inlined = if utf8 {
                std::str::from_utf8(bytes)
                    .map_err(|_| here.err(format!("slot {i} is not valid UTF-8")))?
                    .to_string()
            } else {
                hex_upper(bytes)
            };
            out.push(J::Obj(vec![
                ("SIZE", J::int(size)),
                ("INLINED", J::str(inlined)),
            ]));
        } else {
            out.push(J::Obj(vec![
                ("SIZE", J::int(size)),
                ("PREFIX_HEX", J::str(hex_upper(v.get(4..8).unwrap_or(&[])))),
                (
                    "BUFFER_INDEX",
                    J::int(i32::from_ne_bytes(arr(v.get(8..).unwrap_or(&[])))),
                ),
                (
                    "OFFSET",
                    J::int(i32::from_ne_bytes(arr(v.get(12..).unwrap_or(&[])))),
                ),
            ]));
        }
    }
    let buffers = a
        .buffers()
        .get(1..)
        .unwrap_or(&[])
        .iter()
        .map(|b| J::str(hex_upper(b.as_slice())))
        .collect();
    o.push(("VALIDITY", validity(a)));
    o.push(("VIEWS", J::Arr(out)));
    o.push(("VARIADIC_DATA_BUFFERS", J::Arr(buffers)));
    Ok(())
}
