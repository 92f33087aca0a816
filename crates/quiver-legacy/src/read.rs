//! Decoding: the blob layout (counts, IPC stream, tensor messages, buffers) and the
//! recursive dense union of the record batch.

use quiver_array::{Array, DataType, RecordBatch, UnionMode};
use quiver_buffer::{Buffer, f16};
use quiver_ipc::message::Message;
use quiver_ipc::{Decoded, IpcReadOptions, StreamDecoder, Tensor, decode_tensor};

use crate::components::Components;
use crate::context::SerializationContext;
use crate::error::{LegacyError, Result};
use crate::value::{DType, NdArray, Value};

/// The deepest nesting of containers the decoder follows.
pub const MAX_DEPTH: usize = 256;

/// The blocks of a blob after the record batch.
pub(crate) struct Blocks {
    pub tensors: Vec<Tensor>,
    pub ndarrays: Vec<NdArray>,
    pub buffers: Vec<Buffer>,
}

fn truncated(what: &'static str, offset: usize, needed: u64, available: usize) -> LegacyError {
    LegacyError::Truncated {
        what,
        offset,
        needed,
        available,
    }
}

fn at(offset: usize) -> String {
    format!("byte {offset}")
}

/// Reads a little-endian fixed-size value at `pos`.
fn read_bytes<const N: usize>(buf: &Buffer, pos: usize, what: &'static str) -> Result<[u8; N]> {
    let avail = buf.len().saturating_sub(pos);
    buf.as_slice()
        .get(pos..)
        .and_then(|s| s.get(..N))
        .and_then(|s| <[u8; N]>::try_from(s).ok())
        .ok_or_else(|| truncated(what, pos, N as u64, avail))
}

fn align64(pos: usize) -> Option<usize> {
    pos.checked_add(63).map(|p| p & !63)
}

/// The count at `pos` of the header, checked non-negative.
fn count(buf: &Buffer, pos: usize, what: &'static str) -> Result<usize> {
    let n = i32::from_le_bytes(read_bytes::<4>(buf, pos, "the count header")?);
    usize::try_from(n).map_err(|_| {
        LegacyError::malformed(at(pos), format!("{what} is negative ({n})"))
    })
}

/// Decodes the record batch stream at the start of `input`; returns the batch and the
/// number of bytes it took (schema, batch, end-of-stream marker).
fn read_stream(input: &Buffer, base: usize) -> Result<(RecordBatch, usize)> {
    // Datetimes are microseconds stored in a date64 (milliseconds) column, so they are
    // never whole days: the value range checks must be off.
    let options = IpcReadOptions::default().with_value_range_checks(false);
    let mut decoder = StreamDecoder::new(options);
    let mut rest = input.clone();
    let mut batch = None;
    loop {
        let event = decoder
            .decode(&mut rest)
            .map_err(|e| LegacyError::ipc(format!("the record batch stream at byte {base}"), e))?;
        match event {
            Some(Decoded::Schema(_)) => {}
            Some(Decoded::RecordBatch(b)) => {
                if batch.is_some() {
                    return Err(LegacyError::malformed(
                        at(base),
                        "the stream holds more than one record batch (pyarrow writes exactly one)",
                    ));
                }
                batch = Some(b);
            }
            Some(Decoded::EndOfStream) => break,
            Some(_) => {}
            None => {
                decoder.finish().map_err(|e| {
                    LegacyError::ipc(format!("the record batch stream at byte {base}"), e)
                })?;
                break;
            }
        }
    }
    let used = input.len().saturating_sub(rest.len());
    let batch = batch.ok_or_else(|| {
        LegacyError::malformed(at(base), "the stream holds no record batch (pyarrow writes one)")
    })?;
    Ok((batch, used))
}

/// Makes `t`'s data aligned to its element width, copying if needed.
fn aligned_ndarray(t: &Tensor) -> Result<NdArray> {
    let dtype = DType::from_tensor_type(t.data_type()).ok_or_else(|| {
        LegacyError::malformed("an ndarray", format!("tensor type {} is not numeric", t.data_type()))
    })?;
    let width = dtype.item_size();
    if (t.data().as_ptr() as usize).is_multiple_of(width) {
        return Ok(NdArray::from_parts(dtype, t, false));
    }
    // A fresh buffer is allocated with 64-byte alignment.
    let data = Buffer::from_slice_ref(t.data().as_slice());
    let copy = Tensor::try_new(t.data_type().clone(), data, t.shape().to_vec(), t.strides().to_vec())
        .map_err(|e| LegacyError::ipc("an aligned copy of an ndarray", e))?;
    Ok(NdArray::from_parts(dtype, &copy, true))
}

/// Reads one framed tensor message at `pos` of `buf`; returns it and its end.
fn read_tensor_at(buf: &Buffer, pos: usize, what: &'static str) -> Result<(Tensor, usize)> {
    let marker = read_bytes::<4>(buf, pos, what)?;
    if marker != [0xFF; 4] {
        return Err(LegacyError::malformed(
            at(pos),
            format!("{what} does not start with the IPC continuation marker FF FF FF FF"),
        ));
    }
    let len_pos = pos.saturating_add(4);
    let len = i32::from_le_bytes(read_bytes::<4>(buf, len_pos, what)?);
    let len = usize::try_from(len).map_err(|_| {
        LegacyError::malformed(at(len_pos), format!("{what} has a negative metadata length {len}"))
    })?;
    let meta_pos = len_pos.saturating_add(4);
    let avail = buf.len().saturating_sub(meta_pos);
    let metadata = buf
        .try_slice(meta_pos, len)
        .map_err(|_| truncated(what, meta_pos, len as u64, avail))?;
    let message = Message::try_new(metadata.clone(), &IpcReadOptions::default())
        .map_err(|e| LegacyError::ipc(format!("{what} at byte {pos}"), e))?;
    let body_pos = meta_pos.saturating_add(len);
    let body_len = message.body_length();
    let avail = buf.len().saturating_sub(body_pos);
    let body = buf
        .try_slice(body_pos, body_len)
        .map_err(|_| truncated(what, body_pos, body_len as u64, avail))?;
    let tensor = decode_tensor(&metadata, &body)
        .map_err(|e| LegacyError::ipc(format!("{what} at byte {pos}"), e))?;
    Ok((tensor, body_pos.saturating_add(body_len)))
}

/// Parses the `to_buffer()` layout into the record batch and the blocks.
pub(crate) fn parse_blob(buf: &Buffer) -> Result<(RecordBatch, Blocks)> {
    let num_tensors = count(buf, 0, "the tensor count")?;
    let num_sparse = count(buf, 4, "the sparse tensor count")?;
    let num_ndarrays = count(buf, 8, "the ndarray count")?;
    let num_buffers = count(buf, 12, "the buffer count")?;
    if num_sparse != 0 {
        return Err(LegacyError::Unsupported {
            location: at(4),
            feature: format!("{num_sparse} sparse tensors"),
        });
    }
    let stream = buf.slice(16, buf.len().saturating_sub(16).min(buf.len()));
    let (batch, used) = read_stream(&stream, 16)?;
    let mut pos = align64(16usize.saturating_add(used)).unwrap_or(usize::MAX);
    let mut tensors = Vec::new();
    for _ in 0..num_tensors {
        let (t, end) = read_tensor_at(buf, pos, "a tensor message")?;
        tensors.push(t);
        pos = align64(end).unwrap_or(usize::MAX);
    }
    let mut ndarrays = Vec::new();
    for _ in 0..num_ndarrays {
        let (t, end) = read_tensor_at(buf, pos, "an ndarray message")?;
        ndarrays.push(aligned_ndarray(&t)?);
        pos = align64(end).unwrap_or(usize::MAX);
    }
    let mut buffers = Vec::new();
    for _ in 0..num_buffers {
        let len = i64::from_le_bytes(read_bytes::<8>(buf, pos, "a buffer length")?);
        let data_pos = pos.saturating_add(8);
        let avail = buf.len().saturating_sub(data_pos);
        let n = usize::try_from(len).map_err(|_| {
            LegacyError::malformed(at(pos), format!("buffer length {len} is negative"))
        })?;
        let b = buf
            .try_slice(data_pos, n)
            .map_err(|_| truncated("a buffer", data_pos, n as u64, avail))?;
        buffers.push(b);
        pos = data_pos.saturating_add(n);
    }
    Ok((
        batch,
        Blocks {
            tensors,
            ndarrays,
            buffers,
        },
    ))
}

/// Parses the components of `to_components()`.
pub(crate) fn parse_components(c: &Components) -> Result<(RecordBatch, Blocks)> {
    let sparse = c.num_sparse_tensors.total();
    if sparse != 0 {
        return Err(LegacyError::Unsupported {
            location: "components".into(),
            feature: format!("{sparse} sparse tensors"),
        });
    }
    let expected = c
        .num_tensors
        .checked_add(c.num_ndarrays)
        .and_then(|n| n.checked_mul(2))
        .and_then(|n| n.checked_add(c.num_buffers))
        .and_then(|n| n.checked_add(1));
    if expected != Some(c.data.len()) {
        return Err(LegacyError::malformed(
            "components",
            format!(
                "Invalid number of buffers in data: {} tensors, {} ndarrays and {} buffers \
                 need 1 + 2*{} + 2*{} + {} buffers, but data holds {}",
                c.num_tensors,
                c.num_ndarrays,
                c.num_buffers,
                c.num_tensors,
                c.num_ndarrays,
                c.num_buffers,
                c.data.len()
            ),
        ));
    }
    let mut data = c.data.iter();
    let stream = data.next().cloned().unwrap_or_else(Buffer::empty);
    let (batch, _) = read_stream(&stream, 0)?;
    let mut pair = |what: &'static str| -> Result<Tensor> {
        let (meta, body) = match (data.next(), data.next()) {
            (Some(m), Some(b)) => (m.clone(), b.clone()),
            _ => return Err(LegacyError::malformed("components", format!("{what} is missing"))),
        };
        decode_tensor(&meta, &body).map_err(|e| LegacyError::ipc(what, e))
    };
    let mut tensors = Vec::new();
    for _ in 0..c.num_tensors {
        tensors.push(pair("a tensor component")?);
    }
    let mut ndarrays = Vec::new();
    for _ in 0..c.num_ndarrays {
        ndarrays.push(aligned_ndarray(&pair("an ndarray component")?)?);
    }
    let buffers = data.cloned().collect();
    Ok((
        batch,
        Blocks {
            tensors,
            ndarrays,
            buffers,
        },
    ))
}

/// One step of a value path, for error messages.
#[derive(Clone, Copy)]
enum Step {
    Item(usize),
    Key(usize),
    Val(usize),
}

/// Walks the union of the record batch.
pub(crate) struct Walker<'a> {
    blocks: &'a Blocks,
    ctx: &'a SerializationContext,
    path: Vec<Step>,
}

impl<'a> Walker<'a> {
    pub(crate) fn new(blocks: &'a Blocks, ctx: &'a SerializationContext) -> Self {
        Self {
            blocks,
            ctx,
            path: Vec::new(),
        }
    }

    fn location(&self) -> String {
        let mut s = String::from("$");
        for step in &self.path {
            match step {
                Step::Item(i) => s.push_str(&format!("[{i}]")),
                Step::Key(i) => s.push_str(&format!(".key[{i}]")),
                Step::Val(i) => s.push_str(&format!(".value[{i}]")),
            }
        }
        s
    }

    fn bad(&self, detail: impl Into<String>) -> LegacyError {
        LegacyError::malformed(self.location(), detail)
    }

    /// Entry `k` of the blob's tensors, n-d arrays or buffers (`what` names them).
    fn block<T: Clone>(&self, list: &[T], k: usize, what: &str) -> Result<T> {
        list.get(k).cloned().ok_or_else(|| {
            self.bad(format!(
                "{what} index {k} is out of range: the blob holds {} {what}s",
                list.len()
            ))
        })
    }

    /// The single value of the batch: element 0 of the wrapping list.
    pub(crate) fn top(&mut self, batch: &RecordBatch) -> Result<Value> {
        if batch.num_columns() != 1 || batch.num_rows() != 1 {
            return Err(self.bad(format!(
                "the record batch has {} columns and {} rows; pyarrow writes 1 column \
                 and 1 row",
                batch.num_columns(),
                batch.num_rows()
            )));
        }
        let column = batch
            .columns()
            .first()
            .ok_or_else(|| self.bad("the record batch has no column"))?;
        let mut values = self.sequence(column, 0, 1, 0, Step::Item)?;
        values
            .pop()
            .ok_or_else(|| self.bad("the record batch row is empty"))
    }

    /// Decodes slots `start..start + len` of the sequence union `array`.
    fn sequence(
        &mut self,
        array: &Array,
        start: usize,
        len: usize,
        depth: usize,
        step: fn(usize) -> Step,
    ) -> Result<Vec<Value>> {
        if depth >= MAX_DEPTH {
            return Err(LegacyError::TooDeep {
                limit: MAX_DEPTH,
                location: self.location(),
            });
        }
        let union = array.as_union().ok_or_else(|| {
            self.bad(format!("expected a dense union, found {}", array.data_type()))
        })?;
        if union.mode() != UnionMode::Dense {
            return Err(self.bad("expected a dense union, found a sparse union"));
        }
        let mut tags = Vec::with_capacity(union.fields().len());
        for (k, (field, &id)) in union.fields().iter().zip(union.type_ids()).enumerate() {
            if usize::try_from(id).ok() != Some(k) {
                return Err(self.bad(format!(
                    "union child {k} has type id {id}; pyarrow requires type ids equal to \
                     child positions"
                )));
            }
            let tag: u8 = field.name().parse().map_err(|_| {
                self.bad(format!("union child {k} is named {:?}, not a type tag", field.name()))
            })?;
            tags.push(tag);
        }
        let end = start
            .checked_add(len)
            .filter(|&e| e <= union.len())
            .ok_or_else(|| {
                self.bad(format!(
                    "slots {start}..{start}+{len} are outside a union of {} slots",
                    union.len()
                ))
            })?;
        let mut out = Vec::with_capacity(len.min(1024));
        for i in start..end {
            self.path.push(step(i.saturating_sub(start)));
            let v = self.slot(array, &tags, i, depth)?;
            self.path.pop();
            out.push(v);
        }
        Ok(out)
    }

    fn slot(&mut self, array: &Array, tags: &[u8], i: usize, depth: usize) -> Result<Value> {
        let (id, k, off) = array.union_slot(i).ok_or_else(|| {
            let id = array.buffers().first().and_then(|b| b.as_slice().get(i)).copied();
            self.bad(format!(
                "union slot {i} has type id {:?} or an offset that selects no child value \
                 ({} children)",
                id.map(|b| b as i8),
                tags.len()
            ))
        })?;
        let tag = *tags
            .get(k)
            .ok_or_else(|| self.bad(format!("union type id {id} selects no child")))?;
        let child = array
            .children()
            .get(k)
            .ok_or_else(|| self.bad(format!("union type id {id} selects no child")))?;
        if off >= child.len() {
            return Err(self.bad(format!("offset {off} is outside child {k} of {} slots", child.len())));
        }
        let want = |ok: bool, what: &str| -> Result<()> {
            if ok {
                Ok(())
            } else {
                Err(self.bad(format!(
                    "union child for tag {tag} should be {what}, found {}",
                    child.data_type()
                )))
            }
        };
        match tag {
            0 => Ok(Value::None),
            1 => {
                want(*child.data_type() == DataType::Boolean, "bool")?;
                let b = child.as_boolean().map(|v| v.value(off));
                b.map(Value::Bool).ok_or_else(|| self.bad("unreadable bool child"))
            }
            2 | 3 => self.prim::<i64>(child, off, &DataType::Int64, "int64").map(Value::Int),
            4 => {
                want(*child.data_type() == DataType::Binary, "binary")?;
                let v = child.as_binary::<i32>().map(|v| v.value(off).to_vec());
                v.map(Value::Bytes).ok_or_else(|| self.bad("unreadable binary child"))
            }
            5 => {
                want(*child.data_type() == DataType::Utf8, "utf8")?;
                let v = child.as_string::<i32>().map(|v| v.value(off).to_string());
                v.map(Value::Str).ok_or_else(|| self.bad("unreadable string child"))
            }
            6 => self
                .prim::<f16>(child, off, &DataType::Float16, "halffloat")
                .map(Value::Float16),
            7 => self
                .prim::<f32>(child, off, &DataType::Float32, "float32")
                .map(Value::Float32),
            8 => self
                .prim::<f64>(child, off, &DataType::Float64, "float64")
                .map(Value::Float),
            9 => self
                .prim::<i64>(child, off, &DataType::Date64, "date64")
                .map(Value::Datetime),
            10 | 12 | 13 => {
                let (s, n) = self.list_range(child, off)?;
                let values = child
                    .children()
                    .first()
                    .ok_or_else(|| self.bad("list child has no values"))?;
                let items = self.sequence(values, s, n, depth.saturating_add(1), Step::Item)?;
                Ok(match tag {
                    10 => Value::List(items),
                    12 => Value::Tuple(items),
                    _ => Value::Set(items),
                })
            }
            11 => self.dict(child, off, depth),
            14 => {
                let k = self.index(child, off)?;
                self.block(&self.blocks.tensors, k, "tensor").map(Value::Tensor)
            }
            15 => {
                let k = self.index(child, off)?;
                self.block(&self.blocks.ndarrays, k, "ndarray").map(Value::NdArray)
            }
            16 => {
                let k = self.index(child, off)?;
                self.block(&self.blocks.buffers, k, "buffer").map(Value::Buffer)
            }
            17..=20 => Err(LegacyError::Unsupported {
                location: self.location(),
                feature: "a sparse tensor".into(),
            }),
            other => Err(self.bad(format!("unknown type tag {other}"))),
        }
    }

    fn prim<T: quiver_buffer::NativeType>(
        &self,
        child: &Array,
        off: usize,
        dt: &DataType,
        what: &str,
    ) -> Result<T> {
        if child.data_type() != dt {
            return Err(self.bad(format!("expected a {what} child, found {}", child.data_type())));
        }
        child
            .as_primitive::<T>()
            .and_then(|p| p.values().and_then(|v| v.get(off).copied()))
            .ok_or_else(|| self.bad(format!("unreadable {what} child")))
    }

    fn index(&self, child: &Array, off: usize) -> Result<usize> {
        let i = self.prim::<i32>(child, off, &DataType::Int32, "int32 index")?;
        usize::try_from(i).map_err(|_| self.bad(format!("negative block index {i}")))
    }

    fn list_range(&self, child: &Array, off: usize) -> Result<(usize, usize)> {
        if !matches!(child.data_type(), DataType::List(_)) {
            return Err(self.bad(format!("expected a list child, found {}", child.data_type())));
        }
        child
            .list_range(off)
            .ok_or_else(|| self.bad(format!("list slot {off} has broken offsets")))
    }

    fn dict(&mut self, child: &Array, off: usize, depth: usize) -> Result<Value> {
        let (s, n) = self.list_range(child, off)?;
        let entries = child
            .children()
            .first()
            .ok_or_else(|| self.bad("dict child has no entries"))?;
        let (keys, vals) = match (entries.data_type(), entries.children()) {
            (DataType::Struct(_), [k, v]) => (k, v),
            _ => {
                return Err(self.bad(format!(
                    "dict entries should be struct<keys, vals>, found {}",
                    entries.data_type()
                )));
            }
        };
        let d = depth.saturating_add(1);
        let ks = self.sequence(keys, s, n, d, Step::Key)?;
        let vs = self.sequence(vals, s, n, d, Step::Val)?;
        let pairs: Vec<(Value, Value)> = ks.into_iter().zip(vs).collect();
        let location = self.location();
        self.ctx.decode_dict(pairs, &location)
    }
}

/// Decodes a blob in `ctx`.
pub(crate) fn decode_blob(buf: &Buffer, ctx: &SerializationContext) -> Result<Value> {
    let (batch, blocks) = parse_blob(buf)?;
    Walker::new(&blocks, ctx).top(&batch)
}

/// Decodes components in `ctx`.
pub(crate) fn decode_components(c: &Components, ctx: &SerializationContext) -> Result<Value> {
    let (batch, blocks) = parse_components(c)?;
    Walker::new(&blocks, ctx).top(&batch)
}
