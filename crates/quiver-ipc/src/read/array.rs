//! Turning a record batch's field nodes and buffers back into arrays.

use std::collections::HashMap;

use flatbuffers::Vector;
use quiver_array::{
    Array, ArrayData, BufferSpec, Buffers, DataType, Field, IntervalUnit, ValidationLevel, layout,
};
use quiver_buffer::{Buffer, BufferError, MemoryPoolRef, MutableBuffer};

use crate::compression::CompressionCodec;
use crate::error::{IpcError, Location, Result};
use crate::fb;
use crate::options::{IpcReadOptions, MetadataVersion, Selection, project_field};
pub(crate) use crate::read::field_path::FieldPath;
use crate::read::field_path::nth_child;

/// Dictionaries seen so far, by id.
pub(crate) type Dictionaries = HashMap<i64, Array>;

/// The bytes of a message body: all of them, or only the ranges a projection needs.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    /// The whole body.
    Whole(Buffer),
    /// Some ranges (start, bytes) of a body of `len` bytes.
    Ranges {
        len: usize,
        parts: Vec<(usize, Buffer)>,
    },
}

impl Body {
    pub(crate) fn len(&self) -> usize {
        match self {
            Body::Whole(b) => b.len(),
            Body::Ranges { len, .. } => *len,
        }
    }

    /// `len` bytes at `offset`, if they are held.
    pub(crate) fn slice(&self, offset: usize, len: usize) -> Option<Buffer> {
        if len == 0 {
            return Some(Buffer::empty());
        }
        match self {
            Body::Whole(b) => b.try_slice(offset, len).ok(),
            Body::Ranges { parts, .. } => parts.iter().find_map(|(start, b)| {
                let rel = offset.checked_sub(*start)?;
                b.try_slice(rel, len).ok()
            }),
        }
    }
}

/// Decodes the arrays of one record batch (or dictionary batch) body.
pub(crate) struct BatchDecoder<'a> {
    pub body: &'a Body,
    /// When set, nothing is decoded: the body ranges of wanted buffers are collected
    /// (so a reader can fetch only those).
    pub plan: Option<Vec<(usize, usize)>>,
    pub nodes: Vector<'a, fb::FieldNode>,
    pub buffers: Vector<'a, fb::Buffer>,
    pub variadic: Option<Vector<'a, i64>>,
    pub compression: Option<CompressionCodec>,
    pub version: MetadataVersion,
    pub big_endian: bool,
    pub options: &'a IpcReadOptions,
    pub dict_ids: &'a [Option<i64>],
    pub dictionaries: &'a Dictionaries,
    pub location: Location,
    pub node_index: usize,
    pub buffer_index: usize,
    pub variadic_index: usize,
    /// Pre-order position of the next field (indexes `dict_ids`).
    pub position: usize,
    /// Buffers decompressed ahead (on several threads), by index; `None` (or past the
    /// end) means decompress it here.
    pub predecoded: Vec<Option<Buffer>>,
}

impl<'a> BatchDecoder<'a> {
    fn loc(&self, path: &FieldPath<'_>) -> Location {
        Location {
            field: Some(path.to_string()),
            ..self.location.clone()
        }
    }

    fn loc_buffer_at(&self, path: &FieldPath<'_>, index: usize) -> Location {
        Location {
            buffer: Some(index),
            ..self.loc(path)
        }
    }

    /// Field node `i`, if the message has that many (indexed, not walked to).
    fn node_at(&self, i: usize) -> Option<&'a fb::FieldNode> {
        (i < self.nodes.len()).then(|| self.nodes.get(i))
    }

    /// Buffer `i`, if the message has that many (indexed, not walked to).
    fn buffer_at(&self, i: usize) -> Option<&'a fb::Buffer> {
        (i < self.buffers.len()).then(|| self.buffers.get(i))
    }

    fn next_node(&mut self, path: &FieldPath<'_>) -> Result<(usize, usize)> {
        let node = self.node_at(self.node_index).ok_or_else(|| {
            IpcError::malformed(
                self.loc(path),
                format!(
                    "the message has {} field nodes but the schema needs more",
                    self.nodes.len()
                ),
            )
        })?;
        self.node_index = self.node_index.saturating_add(1);
        let len = usize::try_from(node.length()).map_err(|_| {
            IpcError::malformed(self.loc(path), format!("negative length {}", node.length()))
        })?;
        let nulls = usize::try_from(node.null_count()).map_err(|_| {
            IpcError::malformed(
                self.loc(path),
                format!("negative null count {}", node.null_count()),
            )
        })?;
        if nulls > len {
            return Err(IpcError::malformed(
                self.loc(path),
                format!("null count {nulls} is larger than the length {len}"),
            ));
        }
        Ok((len, nulls))
    }

    /// The next buffer's bytes (a slice of the body, or decompressed/byte-swapped).
    fn next_buffer(&mut self, path: &FieldPath<'_>, swap: Swap, decode: bool) -> Result<Buffer> {
        // Locations are built only when an error needs one (this is the hot path).
        let index = self.buffer_index;
        let b = self.buffer_at(index).ok_or_else(|| {
            IpcError::malformed(
                self.loc_buffer_at(path, index),
                format!(
                    "the message has {} buffers but the schema needs more",
                    self.buffers.len()
                ),
            )
        })?;
        self.buffer_index = self.buffer_index.saturating_add(1);
        let (offset, length) = (b.offset(), b.length());
        let range = usize::try_from(offset)
            .ok()
            .zip(usize::try_from(length).ok())
            .filter(|(o, l)| o.checked_add(*l).is_some_and(|e| e <= self.body.len()));
        let Some((o, l)) = range else {
            return Err(IpcError::malformed(
                self.loc_buffer_at(path, index),
                format!(
                    "buffer at offset {offset} with length {length} is outside the body of {} bytes",
                    self.body.len()
                ),
            ));
        };
        if !decode {
            return Ok(Buffer::empty());
        }
        if let Some(plan) = &mut self.plan {
            plan.push((o, l));
            return Ok(Buffer::empty());
        }
        let stored = self.body.slice(o, l).ok_or_else(|| {
            IpcError::malformed(
                self.loc_buffer_at(path, index),
                format!(
                    "buffer at offset {offset} with length {length} is outside the body of {} bytes",
                    self.body.len()
                ),
            )
        })?;
        let mut buf = match self.compression {
            Some(codec) => {
                if self.options.require_zero_copy() && !stored.is_empty() {
                    return Err(IpcError::CopyRequired {
                        location: Box::new(self.loc_buffer_at(path, index)),
                        reason: "the body is compressed".into(),
                    });
                }
                match self.predecoded.get_mut(index).and_then(Option::take) {
                    Some(done) => done,
                    None => codec.decompress(
                        &stored,
                        self.options.max_message_size(),
                        self.options.memory_pool(),
                        &self.loc_buffer_at(path, index),
                    )?,
                }
            }
            None => stored,
        };
        if self.big_endian && swap != Swap::None && !buf.is_empty() {
            if self.options.require_zero_copy() {
                return Err(IpcError::CopyRequired {
                    location: Box::new(self.loc_buffer_at(path, index)),
                    reason: "the data is big-endian".into(),
                });
            }
            buf = swap_bytes(&buf, swap, self.options.memory_pool()).map_err(|e| {
                IpcError::memory(
                    format!("byte-swapping at {}", self.loc_buffer_at(path, index)),
                    e,
                )
            })?;
        }
        if self.options.require_zero_copy() {
            let align = swap.align();
            if !(buf.as_ptr() as usize).is_multiple_of(align) {
                return Err(IpcError::CopyRequired {
                    location: Box::new(self.loc_buffer_at(path, index)),
                    reason: format!("the buffer is not aligned to {align} bytes"),
                });
            }
        }
        Ok(buf)
    }

    /// A copy, in the pool of the options, of a buffer whose address is misaligned for
    /// its values (as array validation would otherwise make in the default pool). With
    /// zero-copy required, the buffer is returned as it is (`next_buffer` refuses what
    /// must be copied).
    fn realign(&self, buf: Buffer, spec: BufferSpec, path: &FieldPath<'_>) -> Result<Buffer> {
        let align = match spec {
            BufferSpec::FixedWidth { align, .. } => align,
            BufferSpec::Offsets { width } => width,
            _ => 1,
        };
        if buf.is_empty()
            || self.options.require_zero_copy()
            || (buf.as_ptr() as usize).is_multiple_of(align.max(1))
        {
            return Ok(buf);
        }
        copy_in(&buf, self.options.memory_pool())
            .map(MutableBuffer::freeze)
            .map_err(|e| {
                IpcError::memory(
                    format!("copying a misaligned buffer at {}", self.loc(path)),
                    e,
                )
            })
    }

    /// Decodes one field (and its children); with `decode == false` only consumes its
    /// nodes and buffers (for projection).
    pub(crate) fn read_field(
        &mut self,
        field: &Field,
        path: &FieldPath<'_>,
        decode: bool,
        subset: Option<&[Selection]>,
    ) -> Result<Option<Array>> {
        let position = self.position;
        self.position = self.position.saturating_add(1);
        let dt = field.data_type();
        let (len, null_count) = self.next_node(path)?;
        let spec = layout(dt);
        let mut nulls = None;
        if spec.has_validity {
            let b = self.next_buffer(path, Swap::None, decode)?;
            if null_count > 0 {
                nulls = Some(b);
            }
        } else if matches!(dt, DataType::Union { .. }) && self.version == MetadataVersion::V4 {
            // Metadata V4 gave unions a validity slot; it must not hold nulls.
            self.next_buffer(path, Swap::None, decode)?;
            if null_count > 0 {
                return Err(IpcError::unsupported(
                    self.loc(path),
                    "a V4 union with a validity bitmap showing nulls",
                ));
            }
        }
        let mut buffers = Buffers::with_capacity(spec.buffers.len());
        for s in &spec.buffers {
            let b = self.next_buffer(path, Swap::for_spec(*s, dt), decode)?;
            buffers.push(self.realign(b, *s, path)?);
        }
        if spec.variadic {
            let count = self
                .variadic
                .and_then(|v| v.iter().nth(self.variadic_index))
                .ok_or_else(|| {
                    IpcError::malformed(
                        self.loc(path),
                        "missing variadic buffer count for a view field",
                    )
                })?;
            self.variadic_index = self.variadic_index.saturating_add(1);
            let count = usize::try_from(count)
                .ok()
                .filter(|&c| c <= self.buffers.len())
                .ok_or_else(|| {
                    IpcError::malformed(
                        self.loc(path),
                        format!("variadic buffer count {count} is impossible"),
                    )
                })?;
            for _ in 0..count {
                buffers.push(self.next_buffer(path, Swap::None, decode)?);
            }
        }
        let mut children = Vec::new();
        match dt {
            DataType::Dictionary { .. } => {
                // The dictionary's own children travel in dictionary batches; skip their
                // positions in the pre-order numbering.
                self.position = self
                    .position
                    .saturating_add(count_positions(field.children_through_dictionary()));
            }
            _ => {
                // Children are walked in place (not collected first): this runs for
                // every nested array of every batch.
                let mut read = Vec::new();
                let mut j = 0;
                while let Some(child) = nth_child(dt, j) {
                    let child_path = FieldPath::child(path, dt, child);
                    match subset {
                        None => children.extend(self.read_field(child, &child_path, decode, None)?),
                        Some(s) => {
                            let (want, sub) = match s.iter().find(|c| c.index == j) {
                                None => (false, None),
                                Some(c) => (decode, c.children.as_deref()),
                            };
                            read.push(self.read_field(child, &child_path, want, sub)?);
                        }
                    }
                    j = j.saturating_add(1);
                }
                if let Some(s) = subset {
                    // Selected struct children, in the order asked for.
                    children = s
                        .iter()
                        .filter_map(|c| read.get(c.index).cloned().flatten())
                        .collect();
                }
            }
        }
        if !decode || self.plan.is_some() {
            return Ok(None);
        }
        let dictionary = match dt {
            DataType::Dictionary { .. } => {
                let id = self
                    .dict_ids
                    .get(position)
                    .copied()
                    .flatten()
                    .ok_or_else(|| {
                        IpcError::malformed(
                            self.loc(path),
                            "dictionary field without a dictionary id",
                        )
                    })?;
                Some(self.dictionaries.get(&id).cloned().ok_or_else(|| {
                    IpcError::malformed(
                        self.loc(path),
                        format!("record batch uses dictionary id {id} before any dictionary batch defined it"),
                    )
                })?)
            }
            _ => None,
        };
        let dt = match subset {
            Some(s) => project_field(field, Some(s)).data_type().clone(),
            None => dt.clone(),
        };
        // Built in place rather than through the builder methods, which move the
        // whole struct once per call.
        let data = ArrayData {
            data_type: dt,
            len,
            offset: 0,
            nulls,
            null_count: spec.has_validity.then_some(null_count),
            buffers,
            children,
            dictionary,
        };
        let built = match self.options.validation() {
            ValidationLevel::Full => data.build(),
            // SAFETY: the level is `Structural` only when the caller opted in through the
            // `unsafe` `IpcReadOptions::with_unchecked_values`, whose contract covers
            // both the values and the declared null counts.
            ValidationLevel::Structural => unsafe { data.build_unchecked_trusting_null_count() },
        }
        .and_then(|array| {
            if self.options.value_range_checks() {
                array.validate_own_values()?;
            }
            Ok(array)
        });
        built.map(Some).map_err(|source| IpcError::InvalidArray {
            location: Box::new(self.loc(path)),
            source,
        })
    }

    /// Checks that every node and buffer was consumed.
    pub(crate) fn finish(&self) -> Result<()> {
        if self.node_index != self.nodes.len() || self.buffer_index != self.buffers.len() {
            return Err(IpcError::malformed(
                self.location.clone(),
                format!(
                    "the schema accounts for {} field nodes and {} buffers but the message has {} and {}",
                    self.node_index,
                    self.buffer_index,
                    self.nodes.len(),
                    self.buffers.len()
                ),
            ));
        }
        Ok(())
    }
}

fn count_positions(fields: Vec<&Field>) -> usize {
    fields
        .iter()
        .map(|f| count_positions(f.children_through_dictionary()).saturating_add(1))
        .sum()
}


/// How to turn a big-endian buffer into native order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Swap {
    /// Bytes or bits: nothing to swap.
    None,
    /// Reverse every `n`-byte value.
    Each(usize),
    /// Intervals made of several parts: reverse each part (widths in order).
    Parts(&'static [usize]),
    /// 16-byte binary/utf8 views: the `i32` length always; the `i32` buffer index and
    /// `i32` offset only when the value is out of line (length > 12). Inline bytes
    /// and the 4-byte prefix are bytes, never swapped.
    View,
}

impl Swap {
    fn for_spec(spec: BufferSpec, dt: &DataType) -> Swap {
        match (spec, dt) {
            (BufferSpec::FixedWidth { .. }, DataType::BinaryView | DataType::Utf8View) => {
                Swap::View
            }
            (BufferSpec::Bitmap | BufferSpec::Data, _) => Swap::None,
            (BufferSpec::Offsets { width }, _) => Swap::Each(width),
            (_, DataType::FixedSizeBinary(_)) => Swap::None,
            (_, DataType::Interval(IntervalUnit::DayTime)) => Swap::Parts(&[4, 4]),
            (_, DataType::Interval(IntervalUnit::MonthDayNano)) => Swap::Parts(&[4, 4, 8]),
            (BufferSpec::FixedWidth { width: 1, .. }, _) => Swap::None,
            (BufferSpec::FixedWidth { width, .. }, _) => Swap::Each(width),
        }
    }

    fn align(self) -> usize {
        match self {
            Swap::None => 1,
            Swap::Each(n) => n.min(8),
            Swap::Parts(p) => p.iter().copied().max().unwrap_or(1).min(8),
            Swap::View => 4,
        }
    }
}

/// A copy of `buf` (in `pool`) with every value's bytes reversed.
fn swap_bytes(buf: &Buffer, swap: Swap, pool: &MemoryPoolRef) -> Result<Buffer, BufferError> {
    let each;
    let parts: &[usize] = match swap {
        Swap::None => return Ok(buf.clone()),
        Swap::View => return swap_views(buf, pool),
        Swap::Each(n) => {
            each = [n];
            &each
        }
        Swap::Parts(p) => p,
    };
    let group: usize = parts.iter().fold(0, |a, &w| a.saturating_add(w));
    let mut out = copy_in(buf, pool)?;
    // `chunks_exact_mut` leaves a ragged tail alone; validation reports its length.
    for chunk in out.as_mut_slice().chunks_exact_mut(group.max(1)) {
        let mut rest = chunk;
        for &w in parts {
            let (part, tail) = rest.split_at_mut(w.min(rest.len()));
            part.reverse();
            rest = tail;
        }
    }
    Ok(out.freeze())
}

/// The bytes of `buf` in new memory from `pool` (allocated once, so copying cannot grow).
fn copy_in(buf: &Buffer, pool: &MemoryPoolRef) -> Result<MutableBuffer, BufferError> {
    let mut out = MutableBuffer::try_with_capacity_in(buf.len(), pool)?;
    out.extend_from_slice(buf.as_slice());
    Ok(out)
}

/// Big-endian views to native order: the length first, then, for an out-of-line view,
/// its buffer index and offset. A ragged tail is left for validation to report.
fn swap_views(buf: &Buffer, pool: &MemoryPoolRef) -> Result<Buffer, BufferError> {
    let mut out = copy_in(buf, pool)?;
    for view in out.as_mut_slice().chunks_exact_mut(16) {
        let (len, rest) = view.split_at_mut(4);
        len.reverse();
        let inline = len
            .try_into()
            .map(i32::from_ne_bytes)
            .is_ok_and(|n: i32| n <= 12);
        if !inline {
            // rest = prefix (4 bytes), buffer index (4), offset (4)
            let (_prefix, fields) = rest.split_at_mut(4);
            let (index, offset) = fields.split_at_mut(4);
            index.reverse();
            offset.reverse();
        }
    }
    Ok(out.freeze())
}
