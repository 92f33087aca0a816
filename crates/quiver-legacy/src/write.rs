//! Encoding: values into the recursive dense union, and the blob layout.

use std::io::Write;

use quiver_array::{Array, ArrayData, DataType, RecordBatch, UnionMode};
use quiver_buffer::{Buffer, MutableBuffer, f16};
use quiver_ipc::{StreamWriter, Tensor, encode_tensor, write_tensor};

use crate::components::{Components, SparseTensorCounts};
use crate::context::SerializationContext;
use crate::error::{LegacyError, Result};
use crate::value::Value;

/// The deepest Arrow nesting the IPC format allows (Arrow C++ and `quiver-ipc`).
const MAX_ARROW_DEPTH: usize = 64;

/// The union children of one sequence, by tag, in order of first appearance.
#[derive(Default)]
struct SeqBuilder {
    /// Tag of each child, in child order (child 0 is always the null child).
    order: Vec<u8>,
    /// Child position of each slot.
    slots: Vec<usize>,
    nulls: usize,
    bools: Vec<bool>,
    ints: Vec<i64>,
    bytes: Vec<Vec<u8>>,
    strs: Vec<String>,
    f16s: Vec<f16>,
    f32s: Vec<f32>,
    f64s: Vec<f64>,
    dates: Vec<i64>,
    lists: [Option<ListBuilder>; 3],
    dicts: Option<DictBuilder>,
    tensors: Vec<i32>,
    ndarrays: Vec<i32>,
    buffers: Vec<i32>,
}

#[derive(Default)]
struct ListBuilder {
    lengths: Vec<usize>,
    items: Box<SeqBuilder>,
}

#[derive(Default)]
struct DictBuilder {
    lengths: Vec<usize>,
    keys: Box<SeqBuilder>,
    vals: Box<SeqBuilder>,
}

/// The blocks collected during the walk.
#[derive(Default)]
struct Collected {
    tensors: Vec<Tensor>,
    ndarrays: Vec<Tensor>,
    buffers: Vec<Buffer>,
}

fn index(n: usize, what: &str) -> Result<i32> {
    i32::try_from(n).map_err(|_| LegacyError::serialize(what, "more than 2^31 of them"))
}

impl SeqBuilder {
    fn new() -> Self {
        Self {
            order: vec![0],
            ..Self::default()
        }
    }

    fn slot(&mut self, tag: u8) {
        let k = match self.order.iter().position(|&t| t == tag) {
            Some(k) => k,
            None => {
                self.order.push(tag);
                self.order.len() - 1
            }
        };
        self.slots.push(k);
    }

    fn push(
        &mut self,
        v: &Value,
        ctx: &SerializationContext,
        out: &mut Collected,
        depth: usize,
    ) -> Result<()> {
        // `depth` is the Arrow nesting level of this union (the top one is 1); the
        // value's own child is one deeper, and Arrow IPC allows 64 levels, so pyarrow
        // (and this writer) stop there: 31 nested lists or 20 nested dicts at most.
        if depth.saturating_add(1) > MAX_ARROW_DEPTH {
            return Err(LegacyError::serialize(
                "a value",
                "Max recursion depth reached: it nests deeper than Arrow IPC's 64 levels \
                 (at most 31 nested lists or 20 nested dicts)",
            ));
        }
        match v {
            Value::None => {
                self.nulls += 1;
                self.slot(0);
            }
            Value::Bool(b) => {
                self.bools.push(*b);
                self.slot(1);
            }
            Value::Int(i) => {
                self.ints.push(*i);
                self.slot(2);
            }
            Value::Bytes(b) => {
                self.bytes.push(b.clone());
                self.slot(4);
            }
            Value::Str(s) => {
                self.strs.push(s.clone());
                self.slot(5);
            }
            Value::Float16(x) => {
                self.f16s.push(*x);
                self.slot(6);
            }
            Value::Float32(x) => {
                self.f32s.push(*x);
                self.slot(7);
            }
            Value::Float(x) => {
                self.f64s.push(*x);
                self.slot(8);
            }
            Value::Datetime(us) => {
                self.dates.push(*us);
                self.slot(9);
            }
            Value::List(items) | Value::Tuple(items) | Value::Set(items) => {
                let (k, tag) = match v {
                    Value::List(_) => (0, 10),
                    Value::Tuple(_) => (1, 12),
                    _ => (2, 13),
                };
                let list = self.lists[k].get_or_insert_with(|| ListBuilder {
                    lengths: Vec::new(),
                    items: Box::new(SeqBuilder::new()),
                });
                list.lengths.push(items.len());
                for item in items {
                    list.items.push(item, ctx, out, depth + 2)?;
                }
                self.slot(tag);
            }
            Value::Dict(pairs) => {
                self.push_dict(pairs.iter().map(|(k, v)| (k, v)), ctx, out, depth)?
            }
            Value::NdArray(a) if a.dtype() != crate::DType::Bool => {
                let n = index(out.ndarrays.len(), "ndarrays")?;
                out.ndarrays.push(a.to_tensor()?);
                self.ndarrays.push(n);
                self.slot(15);
            }
            Value::Tensor(t) => {
                let n = index(out.tensors.len(), "tensors")?;
                out.tensors.push(t.clone());
                self.tensors.push(n);
                self.slot(14);
            }
            Value::Buffer(b) => {
                let n = index(out.buffers.len(), "buffers")?;
                out.buffers.push(b.clone());
                self.buffers.push(n);
                self.slot(16);
            }
            Value::Custom { type_id, payload } => {
                let id = Value::Str(type_id.clone());
                let data = Value::Str("data".into());
                let tag = Value::Str("_pytype_".into());
                self.push_dict(
                    [(&data, &**payload), (&tag, &id)].into_iter(),
                    ctx,
                    out,
                    depth,
                )?
            }
            Value::Object {
                type_id,
                attributes,
            } => {
                let id = Value::Str(type_id.clone());
                let tag = Value::Str("_pytype_".into());
                let pairs = attributes.iter().map(|(k, v)| (k, v)).chain([(&tag, &id)]);
                self.push_dict(pairs, ctx, out, depth)?
            }
            Value::Pickled { type_id, bytes } => {
                let (d, p, t) = (
                    Value::Str("data".into()),
                    Value::Str("pickle".into()),
                    Value::Str("_pytype_".into()),
                );
                let (b, yes, id) = (
                    Value::Bytes(bytes.clone()),
                    Value::Bool(true),
                    Value::Str(type_id.clone()),
                );
                self.push_dict(
                    [(&d, &b), (&p, &yes), (&t, &id)].into_iter(),
                    ctx,
                    out,
                    depth,
                )?
            }
            other => {
                let custom = ctx.encode_special(other)?;
                self.push(&custom, ctx, out, depth)?
            }
        }
        Ok(())
    }

    fn push_dict<'v>(
        &mut self,
        pairs: impl Iterator<Item = (&'v Value, &'v Value)>,
        ctx: &SerializationContext,
        out: &mut Collected,
        depth: usize,
    ) -> Result<()> {
        let dict = self.dicts.get_or_insert_with(|| DictBuilder {
            lengths: Vec::new(),
            keys: Box::new(SeqBuilder::new()),
            vals: Box::new(SeqBuilder::new()),
        });
        let mut n = 0;
        for (k, v) in pairs {
            dict.keys.push(k, ctx, out, depth + 3)?;
            dict.vals.push(v, ctx, out, depth + 3)?;
            n += 1;
        }
        dict.lengths.push(n);
        self.slot(11);
        Ok(())
    }

    fn finish(&mut self) -> Result<Array> {
        let mut children: Vec<(String, Array)> = Vec::with_capacity(self.order.len());
        for &tag in &self.order.clone() {
            let a = self.child(tag)?;
            children.push((tag.to_string(), a));
        }
        let named: Vec<(&str, Array)> = children
            .iter()
            .map(|(n, a)| (n.as_str(), a.clone()))
            .collect();
        Array::union_from(named, &self.slots, UnionMode::Dense).map_err(arr_err)
    }

    fn child(&mut self, tag: u8) -> Result<Array> {
        Ok(match tag {
            0 => Array::new_null(self.nulls),
            1 => Array::from(std::mem::take(&mut self.bools)),
            2 => Array::from(std::mem::take(&mut self.ints)),
            4 => Array::from(std::mem::take(&mut self.bytes)),
            5 => Array::from(std::mem::take(&mut self.strs)),
            6 => Array::from(std::mem::take(&mut self.f16s)),
            7 => Array::from(std::mem::take(&mut self.f32s)),
            8 => Array::from(std::mem::take(&mut self.f64s)),
            9 => {
                let d = std::mem::take(&mut self.dates);
                ArrayData::new(DataType::Date64, d.len())
                    .buffers(vec![Buffer::from_vec(d)])
                    .build()
                    .map_err(arr_err)?
            }
            10 | 12 | 13 => {
                let k = match tag {
                    10 => 0,
                    12 => 1,
                    _ => 2,
                };
                let mut list = self.lists[k].take().unwrap_or_default();
                let items = list.items.finish()?;
                Array::list_from_lengths(items, list.lengths.into_iter().map(Some))
                    .map_err(arr_err)?
            }
            11 => {
                let mut dict = self.dicts.take().unwrap_or_default();
                let entries = Array::struct_from(
                    vec![("keys", dict.keys.finish()?), ("vals", dict.vals.finish()?)],
                    None,
                )
                .map_err(arr_err)?;
                Array::list_from_lengths(entries, dict.lengths.into_iter().map(Some))
                    .map_err(arr_err)?
            }
            14 => Array::from(std::mem::take(&mut self.tensors)),
            15 => Array::from(std::mem::take(&mut self.ndarrays)),
            16 => Array::from(std::mem::take(&mut self.buffers)),
            other => {
                return Err(LegacyError::serialize(
                    "a value",
                    format!("internal: no child for tag {other}"),
                ));
            }
        })
    }
}

fn arr_err(e: quiver_array::ArrayError) -> LegacyError {
    LegacyError::serialize("the union of a value", e.to_string())
}

fn ipc_err(e: quiver_ipc::IpcError) -> LegacyError {
    LegacyError::ipc("writing", e)
}

/// A value ready to be written: the record batch stream plus the tensors, ndarrays and
/// buffers it refers to (pyarrow's `SerializedPyObject`). Array data is not copied
/// until [`to_buffer`](Self::to_buffer) or [`write_to`](Self::write_to).
///
/// ```
/// use quiver_legacy::{Value, deserialize, serialize};
///
/// let s = serialize(&Value::from(vec![1i64, 2, 3])).unwrap();
/// let buf = s.to_buffer();
/// assert_eq!(buf.len(), s.total_bytes());
/// assert_eq!(buf.len() % 64, 0);
/// let mut out = Vec::new();
/// s.write_to(&mut out).unwrap();
/// assert_eq!(out, buf.as_slice());
/// assert_eq!(deserialize(&buf).unwrap(), Value::from(vec![1i64, 2, 3]));
/// ```
#[derive(Debug, Clone)]
pub struct SerializedObject {
    stream: Buffer,
    tensors: Vec<Tensor>,
    ndarrays: Vec<Tensor>,
    buffers: Vec<Buffer>,
    /// Encoded size of each tensor message, then each ndarray message, unpadded.
    message_sizes: Vec<usize>,
}

fn pad64(n: usize) -> usize {
    n.div_ceil(64) * 64
}

fn message_size(t: &Tensor) -> Result<usize> {
    let (metadata, body) = encode_tensor(t).map_err(ipc_err)?;
    // Framing: marker + length + metadata padded so 8 + L is a multiple of 64.
    Ok(pad64(8 + metadata.len()) + body.len())
}

impl SerializedObject {
    pub(crate) fn build(value: &Value, ctx: &SerializationContext) -> Result<Self> {
        let mut seq = SeqBuilder::new();
        let mut out = Collected::default();
        seq.push(value, ctx, &mut out, 1)?;
        let union = seq.finish()?;
        let batch = RecordBatch::try_from_columns(vec![union], &["list"]).map_err(arr_err)?;
        let mut w = StreamWriter::try_new(Vec::new(), batch.schema()).map_err(ipc_err)?;
        w.write(&batch).map_err(ipc_err)?;
        let stream = Buffer::from_vec(w.close().map_err(ipc_err)?);
        let message_sizes = out
            .tensors
            .iter()
            .chain(&out.ndarrays)
            .map(message_size)
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            stream,
            tensors: out.tensors,
            ndarrays: out.ndarrays,
            buffers: out.buffers,
            message_sizes,
        })
    }

    /// The exact size of [`to_buffer`](Self::to_buffer)'s result.
    pub fn total_bytes(&self) -> usize {
        let mut n = pad64(16 + self.stream.len());
        for s in &self.message_sizes {
            n = pad64(n + s);
        }
        for b in &self.buffers {
            n += 8 + b.len();
        }
        n
    }

    /// Writes the blob to `sink` (pyarrow's `write_to` / `serialize_to`).
    pub fn write_to<W: Write>(&self, sink: &mut W) -> std::io::Result<()> {
        let counts = [
            self.tensors.len(),
            0,
            self.ndarrays.len(),
            self.buffers.len(),
        ];
        for c in counts {
            let c = i32::try_from(c).map_err(|_| std::io::Error::other("too many objects"))?;
            sink.write_all(&c.to_le_bytes())?;
        }
        sink.write_all(&self.stream)?;
        let mut pos = 16 + self.stream.len();
        let zeros = [0u8; 64];
        let pad = |sink: &mut W, pos: &mut usize| -> std::io::Result<()> {
            let to = pad64(*pos);
            sink.write_all(&zeros[..to - *pos])?;
            *pos = to;
            Ok(())
        };
        pad(sink, &mut pos)?;
        for t in self.tensors.iter().chain(&self.ndarrays) {
            let n = write_tensor(&mut *sink, t).map_err(std::io::Error::other)?;
            pos += n;
            pad(sink, &mut pos)?;
        }
        for b in &self.buffers {
            sink.write_all(&(b.len() as i64).to_le_bytes())?;
            sink.write_all(b)?;
        }
        Ok(())
    }

    /// The blob as one buffer (pyarrow's `to_buffer()`).
    pub fn to_buffer(&self) -> Buffer {
        // Pool memory, 64-byte aligned, so the arrays decoded from it are zero-copy.
        let mut out = Sink(MutableBuffer::with_capacity(self.total_bytes()));
        // Writing into memory cannot fail except through an encoding error of a tensor
        // this object already encoded once when it was built.
        let _ = self.write_to(&mut out);
        out.0.freeze()
    }

    /// The blob as separate buffers (pyarrow's `to_components()`); the bodies of
    /// contiguous arrays and the `pyarrow.Buffer`s are the original memory, not copies.
    pub fn to_components(&self) -> Components {
        let mut data = vec![self.stream.clone()];
        for t in self.tensors.iter().chain(&self.ndarrays) {
            match encode_tensor(t) {
                Ok((metadata, body)) => {
                    data.push(Buffer::from_vec(metadata));
                    data.push(body);
                }
                Err(_) => {
                    data.push(Buffer::empty());
                    data.push(Buffer::empty());
                }
            }
        }
        data.extend(self.buffers.iter().cloned());
        Components {
            num_tensors: self.tensors.len(),
            num_sparse_tensors: SparseTensorCounts::default(),
            num_ndarrays: self.ndarrays.len(),
            num_buffers: self.buffers.len(),
            data,
        }
    }
}

/// `Write` into a [`MutableBuffer`].
struct Sink(MutableBuffer);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
