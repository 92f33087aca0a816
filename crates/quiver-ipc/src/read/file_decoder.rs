//! [`FileDecoder`]: the file (random access) format without I/O. A footer becomes the
//! schema and the [`Block`] index; each block is decoded from a [`Buffer`] holding it.
//! [`FileReader`](crate::FileReader) and async or object-store readers fetch the bytes.

use quiver_array::{RecordBatch, SchemaRef};
use quiver_buffer::{Buffer, RandomAccessFile};

use crate::convert::schema::{metadata_from_fb, schema_from_fb};
use crate::error::{IpcError, IpcFormat, Location, Result};
use crate::fb;
use crate::framing::{CONTINUATION, MAGIC};
use crate::options::{IpcReadOptions, Selection};
use crate::read::array::Body;
use crate::read::message_decoder::{Message, MessageDecoder, MessageType};

/// The smallest Arrow file: magic and padding (8), an end-of-stream marker (4), the
/// footer length (4) and the closing magic (6).
pub(crate) const MIN_FILE_SIZE: u64 = 8 + 4 + 4 + 6;

/// Where one message sits in a file, as the footer records it.
///
/// ```
/// use quiver_ipc::Block;
/// let block = Block::new(8, 200, 64);
/// assert_eq!(block.total_length(), Some(264));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block {
    /// Start of the message (its continuation marker or length) in the file.
    pub offset: u64,
    /// Prefix plus metadata plus padding.
    pub metadata_length: usize,
    /// Length of the body after the metadata.
    pub body_length: usize,
}

impl Block {
    /// A block of `metadata_length + body_length` bytes starting at byte `offset`.
    pub fn new(offset: u64, metadata_length: usize, body_length: usize) -> Self {
        Self {
            offset,
            metadata_length,
            body_length,
        }
    }

    /// Metadata plus body, the bytes to fetch for this block (`None` if that overflows).
    pub fn total_length(&self) -> Option<usize> {
        self.metadata_length.checked_add(self.body_length)
    }

    /// The block's bytes out of a buffer holding the whole file: a slice, not a copy.
    pub fn slice_of(&self, file: &Buffer) -> Result<Buffer> {
        let start = usize::try_from(self.offset).ok();
        let len = self.total_length();
        match (start, len) {
            (Some(start), Some(len)) => file.try_slice(start, len).ok(),
            _ => None,
        }
        .ok_or_else(|| {
            IpcError::malformed(
                Location {
                    byte_offset: Some(self.offset),
                    ..Location::default()
                },
                format!(
                    "the block of {}+{} bytes is outside the file of {} bytes",
                    self.metadata_length,
                    self.body_length,
                    file.len()
                ),
            )
        })
    }
}

/// Decodes an Arrow file from buffers; does no I/O.
///
/// Build it from the footer's bytes ([`try_new`](FileDecoder::try_new), after
/// [`footer_location`](FileDecoder::footer_location) says where they are), or from a
/// whole file in memory ([`from_file`](FileDecoder::from_file)). It gives the schema
/// and the blocks; feed it each dictionary block, then decode any record batch block.
/// Buffers are sliced, never copied, so over a memory map the arrays point into the map.
///
/// ```
/// use quiver_array::{Array, RecordBatch};
/// use quiver_buffer::Buffer;
/// use quiver_ipc::{FileDecoder, FileWriter, IpcReadOptions};
///
/// let batch = RecordBatch::try_from_columns(vec![Array::from(vec![1i64, 2])], &["n"]).unwrap();
/// let mut w = FileWriter::try_new(Vec::new(), batch.schema()).unwrap();
/// w.write(&batch).unwrap();
/// let file = Buffer::from_vec(w.close().unwrap());
///
/// // Only the last 10 bytes, then only the footer, then only the block are looked at.
/// let (head, tail) = (file.slice(0, 6), file.slice(file.len() - 10, 10));
/// let (at, len) = FileDecoder::footer_location(file.len() as u64, &head, &tail).unwrap();
/// let footer = file.slice(at as usize, len);
/// let decoder = FileDecoder::try_new(&footer, at, IpcReadOptions::default()).unwrap();
/// assert_eq!(decoder.schema().to_string(), "n: int64");
/// let block = decoder.record_batches()[0];
/// let bytes = file.slice(block.offset as usize, block.total_length().unwrap());
/// assert!(decoder.read_record_batch(&block, &bytes).unwrap().equals(&batch));
/// ```
#[derive(Debug)]
pub struct FileDecoder {
    /// Decodes each block's message, with the footer's schema and the dictionaries.
    messages: MessageDecoder,
    output: SchemaRef,
    record_batches: Vec<Block>,
    dictionary_blocks: Vec<Block>,
    metadata: Vec<(String, String)>,
}

impl FileDecoder {
    /// Where the footer is, as `(offset, length)`, from the file's size, its first 6
    /// bytes and its last 10 bytes (the footer length and the closing magic; fewer when
    /// the file is shorter). Checks both magics: a file that starts with the magic but
    /// does not end with it is reported as truncated.
    pub fn footer_location(file_size: u64, head: &[u8], tail: &[u8]) -> Result<(u64, usize)> {
        let loc = Location::default();
        let leading = head.get(..6) == Some(&MAGIC[..]);
        let trailing = tail.get(4..10) == Some(&MAGIC[..]);
        if leading && !trailing {
            return Err(IpcError::Truncated {
                location: Box::new(Location {
                    byte_offset: Some(file_size),
                    ..Location::default()
                }),
                detail: "the file starts with the ARROW1 magic but does not end with it: it \
                         is truncated (cut off, or its writer never finished it)"
                    .into(),
            });
        }
        if file_size < MIN_FILE_SIZE {
            let problem = format!("{file_size} bytes is too small to be an Arrow file");
            return Err(if leading {
                IpcError::malformed(loc, problem)
            } else {
                IpcError::not_arrow_data(loc, problem, None)
            });
        }
        if !leading {
            let looks_like = (head.get(..4) == Some(&CONTINUATION.to_le_bytes()[..]))
                .then_some(IpcFormat::Stream);
            return Err(IpcError::not_arrow_data(
                loc,
                "not an Arrow file: the ARROW1 magic is missing at the start",
                looks_like,
            ));
        }
        let footer_len = i32::from_le_bytes(read4(tail, 0).unwrap_or_default());
        // `file_size >= MIN_FILE_SIZE` was checked above, so these cannot wrap.
        let tail_start = file_size.saturating_sub(10);
        let max_footer = tail_start.saturating_sub(8);
        let len = u64::try_from(footer_len)
            .ok()
            .filter(|&l| l > 0 && l <= max_footer)
            .ok_or_else(|| {
                IpcError::malformed(
                    loc,
                    format!("footer length {footer_len} does not fit a file of {file_size} bytes"),
                )
            })?;
        // `len <= max_footer`, which is below `tail_start`, and a `usize` as it fits
        // inside an `i32`.
        Ok((tail_start.saturating_sub(len), len as usize))
    }

    /// Parses a footer: `footer` holds its bytes, which start at byte `footer_offset` of
    /// the file (every block must end before it). No dictionary is read yet: pass each
    /// of [`dictionaries`](FileDecoder::dictionaries) to
    /// [`read_dictionary`](FileDecoder::read_dictionary) before decoding batches that
    /// use them.
    pub fn try_new(footer: &[u8], footer_offset: u64, options: IpcReadOptions) -> Result<Self> {
        let loc = Location {
            byte_offset: Some(footer_offset),
            ..Location::default()
        };
        let fb_footer = fb::root_as_footer_with_opts(&fb::verifier_options(), footer).map_err(
            |source| IpcError::InvalidFlatbuffer {
                what: "footer",
                location: Box::new(loc.clone()),
                source,
            },
        )?;
        let fb_schema = fb_footer
            .schema()
            .ok_or_else(|| IpcError::malformed_metadata(loc.clone(), "the footer has no schema"))?;
        let schema = schema_from_fb(fb_schema, options.extension_registry(), &loc)?;
        let messages = MessageDecoder::for_file(schema, options)?;
        let output = messages
            .schema()
            .cloned()
            .ok_or_else(|| IpcError::malformed_metadata(loc.clone(), "the footer has no schema"))?;
        let blocks =
            |v: Option<flatbuffers::Vector<'_, fb::Block>>, what: &str| -> Result<Vec<Block>> {
                v.map(|v| {
                    v.iter()
                        .map(|b| block_from_fb(b, footer_offset, what, &loc))
                        .collect()
                })
                .unwrap_or_else(|| Ok(Vec::new()))
            };
        Ok(Self {
            record_batches: blocks(fb_footer.recordBatches(), "record batch")?,
            dictionary_blocks: blocks(fb_footer.dictionaries(), "dictionary")?,
            metadata: metadata_from_fb(fb_footer.custom_metadata()),
            messages,
            output,
        })
    }

    /// Parses the footer of a whole file held in `file` and reads every dictionary, so
    /// any record batch block can be decoded next.
    ///
    /// ```
    /// use quiver_array::{Array, RecordBatch};
    /// use quiver_buffer::Buffer;
    /// use quiver_ipc::{FileDecoder, FileWriter, IpcReadOptions};
    ///
    /// let batch = RecordBatch::try_from_columns(vec![Array::from(vec!["x", "y"])], &["s"]).unwrap();
    /// let mut w = FileWriter::try_new(Vec::new(), batch.schema()).unwrap();
    /// w.write(&batch).unwrap();
    /// let file = Buffer::from_vec(w.close().unwrap());
    ///
    /// let decoder = FileDecoder::from_file(&file, IpcReadOptions::default()).unwrap();
    /// let block = decoder.record_batches()[0];
    /// let back = decoder.read_record_batch(&block, &block.slice_of(&file).unwrap()).unwrap();
    /// assert!(back.equals(&batch));
    /// ```
    pub fn from_file(file: &Buffer, options: IpcReadOptions) -> Result<Self> {
        let size = file.len() as u64;
        let tail = file.get(file.len().saturating_sub(10)..).unwrap_or_default();
        let (at, len) = Self::footer_location(size, file, tail)?;
        // `footer_location` placed the footer inside the file.
        let footer = file.get(at as usize..).and_then(|f| f.get(..len));
        let mut decoder = Self::try_new(footer.unwrap_or_default(), at, options)?;
        for (i, block) in decoder.dictionary_blocks.clone().iter().enumerate() {
            decoder.read_dictionary_at(block, &block.slice_of(file)?, Some(i))?;
        }
        Ok(decoder)
    }

    /// The schema of the batches produced (projected if the options set a projection).
    pub fn schema(&self) -> &SchemaRef {
        &self.output
    }

    /// The record batch blocks, in file order.
    pub fn record_batches(&self) -> &[Block] {
        &self.record_batches
    }

    /// The dictionary blocks, in the order they must be read.
    pub fn dictionaries(&self) -> &[Block] {
        &self.dictionary_blocks
    }

    /// Custom metadata from the footer.
    pub fn custom_metadata(&self) -> &[(String, String)] {
        &self.metadata
    }

    pub(crate) fn projection(&self) -> Option<&[Selection]> {
        self.messages.projection()
    }

    /// The message decoder underneath, with the dictionaries read so far.
    pub fn message_decoder(&self) -> &MessageDecoder {
        &self.messages
    }

    /// Splits a block's bytes into verified metadata and body.
    fn message(
        &self,
        block: &Block,
        bytes: &Buffer,
        loc: &Location,
    ) -> Result<(Message, Buffer)> {
        if bytes.len() != block.total_length().unwrap_or(usize::MAX) {
            return Err(IpcError::malformed(
                loc.clone(),
                "block bytes do not match the block's size",
            ));
        }
        let msg = self.metadata(block, bytes, loc)?;
        let body = bytes.slice(block.metadata_length, block.body_length);
        Ok((msg, body))
    }

    /// The verified metadata of record batch block `index` (`bytes` holds at least the
    /// block's metadata part).
    pub(crate) fn block_message(&self, block: &Block, bytes: &Buffer, index: usize) -> Result<Message> {
        let loc = Location {
            batch: Some(index),
            byte_offset: Some(block.offset),
            ..Location::default()
        };
        self.metadata(block, bytes, &loc)
    }

    /// Verifies the metadata at the start of a block (`bytes` holds at least the
    /// block's metadata part).
    fn metadata(&self, block: &Block, bytes: &Buffer, loc: &Location) -> Result<Message> {
        let short = || IpcError::malformed(loc.clone(), "block too short for a message prefix");
        let head = read4(bytes, 0).ok_or_else(short)?;
        let (prefix, len_bytes) = if u32::from_le_bytes(head) == CONTINUATION {
            (8, read4(bytes, 4).ok_or_else(short)?)
        } else {
            (4, head)
        };
        let meta_len = usize::try_from(i32::from_le_bytes(len_bytes))
            .map_err(|_| IpcError::malformed(loc.clone(), "negative metadata length"))?;
        if meta_len.saturating_add(prefix) > block.metadata_length {
            return Err(IpcError::malformed(
                loc.clone(),
                format!(
                    "metadata of {meta_len} bytes does not fit the block's {} metadata bytes",
                    block.metadata_length
                ),
            ));
        }
        let meta = bytes.slice(prefix, meta_len);
        let msg = Message::parse(meta, self.messages.options(), loc)?;
        if msg.body_length() != block.body_length {
            return Err(IpcError::malformed(
                loc.clone(),
                format!(
                    "the message body is {} bytes but the footer says {}",
                    msg.body_length(),
                    block.body_length
                ),
            ));
        }
        Ok(msg)
    }

    /// Decodes a dictionary block; `bytes` holds exactly the block. Deltas extend the
    /// dictionary; a second whole dictionary for an id is refused, as the file format
    /// has no replacement.
    pub fn read_dictionary(&mut self, block: &Block, bytes: &Buffer) -> Result<()> {
        self.read_dictionary_at(block, bytes, None)
    }

    /// [`read_dictionary`](FileDecoder::read_dictionary) for dictionary block `index`.
    pub(crate) fn read_dictionary_at(
        &mut self,
        block: &Block,
        bytes: &Buffer,
        index: Option<usize>,
    ) -> Result<()> {
        let loc = Location {
            byte_offset: Some(block.offset),
            ..Location::default()
        };
        let (msg, body) = self.message(block, bytes, &loc)?;
        if msg.message_type() != Some(MessageType::DictionaryBatch) {
            let which = index.map_or_else(|| "the dictionary block".into(), |i| {
                format!("dictionary block {i}")
            });
            return Err(IpcError::malformed(
                loc,
                format!("{which} holds no dictionary batch"),
            ));
        }
        self.messages
            .decode_at(&msg, &Body::Whole(body), loc)
            .map(|_| ())
    }

    /// Decodes a record batch block; `bytes` holds exactly the block. The arrays' buffers
    /// are slices of `bytes` wherever alignment and compression allow.
    pub fn read_record_batch(&self, block: &Block, bytes: &Buffer) -> Result<RecordBatch> {
        self.read_record_batch_at(block, bytes, None)
    }

    /// [`read_record_batch`](FileDecoder::read_record_batch) for record batch `index`,
    /// named in errors.
    pub(crate) fn read_record_batch_at(
        &self,
        block: &Block,
        bytes: &Buffer,
        index: Option<usize>,
    ) -> Result<RecordBatch> {
        let loc = Location {
            batch: index,
            byte_offset: Some(block.offset),
            ..Location::default()
        };
        let (msg, body) = self.message(block, bytes, &loc)?;
        self.decode_batch(&msg, &Body::Whole(body), &loc)
    }

    fn decode_batch(&self, msg: &Message, body: &Body, loc: &Location) -> Result<RecordBatch> {
        if msg.message_type() != Some(MessageType::RecordBatch) {
            return Err(IpcError::malformed(
                loc.clone(),
                "the block holds no record batch",
            ));
        }
        self.messages.decode_record_batch_at(msg, body, loc)
    }

    /// Reads record batch `index` fetching only the metadata and the body ranges of the
    /// projected columns from `source`.
    pub(crate) fn read_projected<F: RandomAccessFile>(
        &self,
        source: &F,
        block: &Block,
        projection: &[Selection],
        index: usize,
    ) -> Result<RecordBatch> {
        let loc = Location {
            batch: Some(index),
            byte_offset: Some(block.offset),
            ..Location::default()
        };
        let meta = source
            .read_at_in(block.offset, block.metadata_length, self.messages.options().memory_pool())
            .map_err(|e| {
                IpcError::io(format!("reading the metadata at byte {}", block.offset), e)
            })?;
        let msg = self.metadata(block, &meta, &loc)?;
        let mut ranges = self.messages.plan(&msg, projection, &loc)?;
        ranges.sort_unstable();
        // Neighbouring ranges (gaps under 4 KiB) are fetched in one read.
        let mut merged: Vec<(usize, usize)> = Vec::new();
        for (o, l) in ranges.into_iter().filter(|&(_, l)| l > 0) {
            let end = o.saturating_add(l);
            match merged.last_mut() {
                Some((s, e)) if o <= e.saturating_add(4096) => *e = (*e).max(end),
                _ => merged.push((o, end)),
            }
        }
        let body_start = block.offset.saturating_add(block.metadata_length as u64);
        let mut parts = Vec::with_capacity(merged.len());
        for (s, e) in merged {
            let bytes = source
                .read_at_in(
                    body_start.saturating_add(s as u64),
                    e.saturating_sub(s),
                    self.messages.options().memory_pool(),
                )
                .map_err(|err| {
                    IpcError::io(format!("reading body bytes {s}..{e} of batch {index}"), err)
                })?;
            parts.push((s, bytes));
        }
        let body = Body::Ranges {
            len: block.body_length,
            parts,
        };
        self.decode_batch(&msg, &body, &loc)
    }
}

fn block_from_fb(b: &fb::Block, footer_start: u64, what: &str, loc: &Location) -> Result<Block> {
    let bad = |detail: String| {
        IpcError::malformed_metadata(loc.clone(), format!("{what} block: {detail}"))
    };
    let offset =
        u64::try_from(b.offset()).map_err(|_| bad(format!("negative offset {}", b.offset())))?;
    let metadata_length = usize::try_from(b.metaDataLength())
        .ok()
        .filter(|&m| m >= 8)
        .ok_or_else(|| bad(format!("metadata length {}", b.metaDataLength())))?;
    let body_length = usize::try_from(b.bodyLength())
        .map_err(|_| bad(format!("negative body length {}", b.bodyLength())))?;
    let end = offset
        .checked_add(metadata_length as u64)
        .and_then(|e| e.checked_add(body_length as u64));
    if offset < 8 || end.is_none_or(|e| e > footer_start) {
        return Err(bad(format!(
            "bytes {offset}+{metadata_length}+{body_length} are outside the data section (8..{footer_start})"
        )));
    }
    Ok(Block::new(offset, metadata_length, body_length))
}

/// Four bytes at `at`, if there are.
fn read4(bytes: &[u8], at: usize) -> Option<[u8; 4]> {
    bytes.get(at..at.checked_add(4)?)?.try_into().ok()
}
