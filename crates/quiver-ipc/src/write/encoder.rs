//! Turning batches into (metadata, body buffers). The writers only frame and emit.

use flatbuffers::FlatBufferBuilder;
use quiver_array::{Array, BufferSpec, DataType, OffsetSize, RecordBatch, Schema, layout};
use quiver_buffer::{Buffer, MutableBuffer, bytes_for};

use crate::compression::parallel::{available_threads, compress_buffers};
use crate::convert::schema::{metadata_to_fb, schema_to_fb};
use crate::error::{IpcError, Result};
use crate::fb;
use crate::framing::pad_to;
use crate::options::{IpcWriteOptions, MetadataVersion};

/// Reusable scratch space for encoding messages (kept across batches so steady-state
/// writing allocates no metadata vectors).
pub(crate) struct Encoder {
    fbb: FlatBufferBuilder<'static>,
    options: IpcWriteOptions,
    nodes: Vec<fb::FieldNode>,
    buffers: Vec<fb::Buffer>,
    variadic: Vec<i64>,
    /// Body parts, each with the body offset it must be written at.
    pub parts: Vec<(usize, Buffer)>,
    /// Total body length (padded).
    pub body_len: usize,
    /// With compression: the message's raw buffers, compressed together (on several
    /// threads when allowed) once all are known.
    pending: Vec<Buffer>,
    /// The first error of the message being encoded, and the index of its buffer.
    error: Option<IpcError>,
    error_at: usize,
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encoder")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Encoder {
    pub(crate) fn new(options: IpcWriteOptions) -> Result<Self> {
        options.validate()?;
        Ok(Self {
            fbb: FlatBufferBuilder::with_capacity(1024),
            options,
            nodes: Vec::new(),
            buffers: Vec::new(),
            variadic: Vec::new(),
            parts: Vec::new(),
            body_len: 0,
            pending: Vec::new(),
            error: None,
            error_at: 0,
        })
    }

    pub(crate) fn options(&self) -> &IpcWriteOptions {
        &self.options
    }

    fn version(&self) -> fb::MetadataVersion {
        match self.options.metadata_version() {
            MetadataVersion::V4 => fb::MetadataVersion::V4,
            MetadataVersion::V5 => fb::MetadataVersion::V5,
        }
    }

    /// The flatbuffer of the last encoded message.
    pub(crate) fn metadata(&self) -> &[u8] {
        self.fbb.finished_data()
    }

    /// Encodes a schema message (no body).
    pub(crate) fn encode_schema(&mut self, schema: &Schema, dict_ids: &[Option<i64>]) {
        self.fbb.reset();
        self.parts.clear();
        self.body_len = 0;
        let s = schema_to_fb(&mut self.fbb, schema, dict_ids);
        let version = self.version();
        let msg = fb::Message::create(
            &mut self.fbb,
            &fb::MessageArgs {
                version,
                header_type: fb::MessageHeader::Schema,
                header: Some(s.as_union_value()),
                bodyLength: 0,
                custom_metadata: None,
            },
        );
        self.fbb.finish(msg, None);
    }

    fn start_body(&mut self) {
        self.fbb.reset();
        self.nodes.clear();
        self.buffers.clear();
        self.variadic.clear();
        self.parts.clear();
        self.body_len = 0;
        self.pending.clear();
        self.error = None;
    }

    /// Records `e` unless an earlier buffer already failed.
    fn fail(&mut self, e: IpcError) {
        if self.error.is_none() {
            self.error = Some(e);
            self.error_at = self.buffers.len() + self.pending.len();
        }
    }

    /// Compresses the pending buffers (see `pending`) and places them in the body.
    fn compress_pending(&mut self) {
        let Some(codec) = self.options.compression() else {
            return;
        };
        let mut raw = std::mem::take(&mut self.pending);
        let threads = if self.options.use_threads() {
            available_threads()
        } else {
            1
        };
        let stored = compress_buffers(
            codec,
            &raw,
            self.options.compression_level(),
            self.options.memory_pool(),
            threads,
        );
        for (i, b) in stored.into_iter().enumerate() {
            let b = b.unwrap_or_else(|e| {
                // The first failing buffer in order is reported, as when compressing
                // one buffer at a time.
                if self.error.is_none() || i < self.error_at {
                    self.error = Some(e);
                    self.error_at = i;
                }
                Buffer::empty()
            });
            self.place_buffer(b);
        }
        raw.clear();
        self.pending = raw;
    }

    /// The compression error of the message just encoded, if any.
    fn take_error(&mut self) -> Result<()> {
        self.error.take().map_or(Ok(()), Err)
    }

    /// Encodes a record batch message.
    pub(crate) fn encode_batch(&mut self, batch: &RecordBatch) -> Result<()> {
        self.start_body();
        for (i, col) in batch.columns().iter().enumerate() {
            self.append_array(col).map_err(|e| {
                prefix_error(
                    e,
                    &format!("column {i} ({:?})", batch.schema().fields()[i].name()),
                )
            })?;
        }
        self.compress_pending();
        self.take_error()?;
        self.body_len = pad_to(self.body_len, self.options.alignment());
        let rows = batch.num_rows() as i64;
        let rb = self.record_batch_table(rows);
        let custom_metadata = metadata_to_fb(&mut self.fbb, batch.metadata());
        let version = self.version();
        let msg = fb::Message::create(
            &mut self.fbb,
            &fb::MessageArgs {
                version,
                header_type: fb::MessageHeader::RecordBatch,
                header: Some(rb.as_union_value()),
                bodyLength: self.body_len as i64,
                custom_metadata,
            },
        );
        self.fbb.finish(msg, None);
        Ok(())
    }

    /// Encodes a dictionary batch message.
    pub(crate) fn encode_dictionary(
        &mut self,
        id: i64,
        values: &Array,
        is_delta: bool,
    ) -> Result<()> {
        self.start_body();
        self.append_array(values)
            .map_err(|e| prefix_error(e, &format!("dictionary {id}")))?;
        self.compress_pending();
        self.take_error()?;
        self.body_len = pad_to(self.body_len, self.options.alignment());
        let rb = self.record_batch_table(values.len() as i64);
        let db = fb::DictionaryBatch::create(
            &mut self.fbb,
            &fb::DictionaryBatchArgs {
                id,
                data: Some(rb),
                isDelta: is_delta,
            },
        );
        let version = self.version();
        let msg = fb::Message::create(
            &mut self.fbb,
            &fb::MessageArgs {
                version,
                header_type: fb::MessageHeader::DictionaryBatch,
                header: Some(db.as_union_value()),
                bodyLength: self.body_len as i64,
                custom_metadata: None,
            },
        );
        self.fbb.finish(msg, None);
        Ok(())
    }

    fn record_batch_table(
        &mut self,
        rows: i64,
    ) -> flatbuffers::WIPOffset<fb::RecordBatch<'static>> {
        let compression = self.options.compression().map(|c| {
            fb::BodyCompression::create(
                &mut self.fbb,
                &fb::BodyCompressionArgs {
                    codec: c.to_fb(),
                    method: fb::BodyCompressionMethod::BUFFER,
                },
            )
        });
        let nodes = Some(self.fbb.create_vector(&self.nodes));
        let buffers = Some(self.fbb.create_vector(&self.buffers));
        let variadic = if self.variadic.is_empty() {
            None
        } else {
            Some(self.fbb.create_vector(&self.variadic))
        };
        fb::RecordBatch::create(
            &mut self.fbb,
            &fb::RecordBatchArgs {
                length: rows,
                nodes,
                buffers,
                compression,
                variadicBufferCounts: variadic,
            },
        )
    }

    fn push_buffer(&mut self, b: Buffer) {
        if self.options.compression().is_some() {
            self.pending.push(b);
        } else {
            self.place_buffer(b);
        }
    }

    /// Places a buffer (as stored) next in the body.
    fn place_buffer(&mut self, b: Buffer) {
        let offset = pad_to(self.body_len, self.options.alignment());
        self.buffers
            .push(fb::Buffer::new(offset as i64, b.len() as i64));
        self.body_len = offset + b.len();
        if !b.is_empty() {
            self.parts.push((offset, b));
        }
    }

    /// `len` bits from bit `offset` of `buf`, sliced when byte-aligned, re-packed if not.
    fn push_bits(&mut self, buf: &Buffer, offset: usize, len: usize) {
        let bytes = bytes_for(len);
        if offset.is_multiple_of(8) {
            self.push_buffer(buf.slice(offset / 8, bytes));
        } else {
            let mut out =
                match MutableBuffer::try_from_len_zeroed_in(bytes, self.options.memory_pool()) {
                    Ok(out) => out,
                    Err(e) => {
                        self.fail(IpcError::memory("re-packing a validity bitmap", e));
                        return self.push_buffer(Buffer::empty());
                    }
                };
            let src = buf.as_slice();
            let dst = out.as_mut_slice();
            for i in 0..len {
                if quiver_buffer::get_bit(src, offset + i) {
                    quiver_buffer::set_bit(dst, i);
                }
            }
            self.push_buffer(out.freeze());
        }
    }

    /// Writes offsets `[offset ..= offset + len]`, rebased to start at 0, and returns
    /// the (start, end) range they covered.
    fn push_offsets<O: OffsetSize>(&mut self, a: &Array, buf: &Buffer) -> Result<(usize, usize)> {
        let all = buf
            .typed_data::<O>()
            .map_err(|e| IpcError::Usage(e.to_string()))?;
        let offs = &all[a.offset()..=a.offset() + a.len()];
        let first = offs[0].to_usize().unwrap_or(0);
        let last = offs[a.len()].to_usize().unwrap_or(0);
        if first == 0 {
            let w = std::mem::size_of::<O>();
            self.push_buffer(buf.slice(a.offset() * w, (a.len() + 1) * w));
        } else {
            let bytes = (a.len() + 1) * std::mem::size_of::<O>();
            let mut out = MutableBuffer::try_with_capacity_in(bytes, self.options.memory_pool())
                .map_err(|e| IpcError::memory("re-basing offsets", e))?;
            for o in offs {
                let v = o.to_usize().unwrap_or(0) - first;
                out.push(O::from_usize(v).unwrap_or_default());
            }
            self.push_buffer(out.freeze());
        }
        Ok((first, last))
    }

    fn append_array(&mut self, a: &Array) -> Result<()> {
        let dt = a.data_type();
        self.nodes
            .push(fb::FieldNode::new(a.len() as i64, a.null_count() as i64));
        let spec = layout(dt);
        if spec.has_validity {
            match a.nulls_buffer() {
                Some(b) if a.null_count() > 0 => {
                    let b = b.clone();
                    self.push_bits(&b, a.offset(), a.len());
                }
                _ => self.push_buffer(Buffer::empty()),
            }
        } else if matches!(dt, DataType::Union { .. })
            && self.options.metadata_version() == MetadataVersion::V4
        {
            self.push_buffer(Buffer::empty());
        }
        match dt {
            DataType::Null => Ok(()),
            DataType::Boolean => {
                let b = a.buffers()[0].clone();
                self.push_bits(&b, a.offset(), a.len());
                Ok(())
            }
            DataType::Binary | DataType::Utf8 => self.append_bytes::<i32>(a),
            DataType::LargeBinary | DataType::LargeUtf8 => self.append_bytes::<i64>(a),
            DataType::List(_) | DataType::Map(..) => self.append_list::<i32>(a),
            DataType::LargeList(_) => self.append_list::<i64>(a),
            DataType::FixedSizeList(_, n) => {
                let n = usize::try_from(*n).unwrap_or(0);
                let child = a.children()[0].try_slice(a.offset() * n, a.len() * n)?;
                self.append_array(&child)
            }
            DataType::Struct(_) => {
                for c in a.children().to_vec() {
                    self.append_array(&c)?;
                }
                Ok(())
            }
            DataType::Dictionary { .. } => {
                self.append_fixed(a, &spec.buffers);
                Ok(())
            }
            DataType::BinaryView | DataType::Utf8View => {
                let bufs = a.buffers().to_vec();
                self.push_buffer(bufs[0].slice(a.offset() * 16, a.len() * 16));
                self.variadic.push(bufs.len() as i64 - 1);
                for b in bufs.into_iter().skip(1) {
                    self.push_buffer(b);
                }
                Ok(())
            }
            DataType::ListView(_) | DataType::LargeListView(_) => {
                self.append_fixed(a, &spec.buffers);
                let child = a.children()[0].clone();
                self.append_array(&child)
            }
            DataType::Union { .. } => {
                // Sparse children are sliced with the union; dense ones are addressed
                // through the offsets and go whole.
                self.append_fixed(a, &spec.buffers);
                for c in a.children().to_vec() {
                    self.append_array(&c)?;
                }
                Ok(())
            }
            DataType::RunEndEncoded(..) => self.append_run_end_encoded(a),
            _ => {
                self.append_fixed(a, &spec.buffers);
                Ok(())
            }
        }
    }

    /// Run-end encoded arrays have no offset on the wire: a slice is written as the runs
    /// it touches, with run ends rebased to the slice.
    fn append_run_end_encoded(&mut self, a: &Array) -> Result<()> {
        let (ends, values) = (a.children()[0].clone(), a.children()[1].clone());
        let covered = if ends.is_empty() {
            Some(0)
        } else {
            quiver_array::run_end(&ends, ends.len() - 1)
        };
        if a.offset() == 0 && covered == Some(a.len() as i64) {
            self.append_array(&ends)?;
            return self.append_array(&values);
        }
        let runs = match (
            a.run_index(0),
            a.len().checked_sub(1).and_then(|l| a.run_index(l)),
        ) {
            (Some(first), Some(last)) => first..last + 1,
            _ => 0..0,
        };
        let start = a.offset() as i64;
        let new_ends: Vec<Option<i64>> = runs
            .clone()
            .map(|k| quiver_array::run_end(&ends, k).map(|e| (e - start).min(a.len() as i64)))
            .collect();
        let new_ends = match ends.data_type() {
            DataType::Int16 => Array::from_primitive::<i16>(
                DataType::Int16,
                new_ends
                    .iter()
                    .map(|e| e.and_then(|e| i16::try_from(e).ok())),
            ),
            DataType::Int32 => Array::from_primitive::<i32>(
                DataType::Int32,
                new_ends
                    .iter()
                    .map(|e| e.and_then(|e| i32::try_from(e).ok())),
            ),
            _ => Array::from_primitive::<i64>(DataType::Int64, new_ends.iter().copied()),
        }?;
        self.append_array(&new_ends)?;
        self.append_array(&values.try_slice(runs.start, runs.len())?)
    }

    fn append_fixed(&mut self, a: &Array, specs: &[BufferSpec]) {
        for (spec, buf) in specs.iter().zip(a.buffers()) {
            if let BufferSpec::FixedWidth { width, .. } = *spec {
                self.push_buffer(buf.slice(a.offset() * width, a.len() * width));
            }
        }
    }

    fn append_bytes<O: OffsetSize>(&mut self, a: &Array) -> Result<()> {
        let (offsets, data) = (a.buffers()[0].clone(), a.buffers()[1].clone());
        let (first, last) = self.push_offsets::<O>(a, &offsets)?;
        self.push_buffer(data.slice(first, last - first));
        Ok(())
    }

    fn append_list<O: OffsetSize>(&mut self, a: &Array) -> Result<()> {
        let offsets = a.buffers()[0].clone();
        let (first, last) = self.push_offsets::<O>(a, &offsets)?;
        let child = a.children()[0].try_slice(first, last - first)?;
        self.append_array(&child)
    }
}

fn prefix_error(e: IpcError, what: &str) -> IpcError {
    match e {
        IpcError::Usage(m) => IpcError::Usage(format!("{what}: {m}")),
        other => other,
    }
}
