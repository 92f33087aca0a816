//! [`FileReader`]: the file (random access) format over any [`RandomAccessFile`], a thin
//! driver that fetches bytes for a [`FileDecoder`].

use std::sync::Arc;

use quiver_array::{RecordBatch, SchemaRef, Table};
use quiver_buffer::{Buffer, MemoryPoolRef, RandomAccessFile};

use crate::error::{IpcError, Location, Result};
use crate::options::IpcReadOptions;
use crate::read::file_decoder::{Block, FileDecoder};
use crate::read::message_decoder::Message;

/// Reads an Arrow file with random access, like `pyarrow.ipc.open_file`.
///
/// ```
/// use quiver_array::{Array, RecordBatch};
/// use quiver_ipc::{FileReader, FileWriter};
///
/// let batch = RecordBatch::try_from_columns(vec![Array::from(vec![Some("a"), None])], &["s"]).unwrap();
/// let mut w = FileWriter::try_new(Vec::new(), batch.schema()).unwrap();
/// for _ in 0..3 {
///     w.write(&batch).unwrap();
/// }
/// let bytes = quiver_buffer::Buffer::from_vec(w.close().unwrap());
/// let reader = FileReader::try_new(bytes).unwrap();
/// assert_eq!(reader.num_record_batches(), 3);
/// assert!(reader.get_batch(2).unwrap().equals(&batch));
/// assert_eq!(reader.read_all().unwrap().num_rows(), 6);
/// ```
#[derive(Debug)]
pub struct FileReader<F> {
    source: F,
    decoder: FileDecoder,
    /// The pool of the options, for the bytes read from a source that copies.
    pool: MemoryPoolRef,
}

impl<F: RandomAccessFile> FileReader<F> {
    /// Reads the footer, the schema and every dictionary.
    pub fn try_new(source: F) -> Result<Self> {
        Self::try_new_with_options(source, IpcReadOptions::default())
    }

    /// Like [`try_new`](FileReader::try_new), with options.
    pub fn try_new_with_options(source: F, options: IpcReadOptions) -> Result<Self> {
        if options.require_zero_copy() && !source.is_zero_copy() {
            return Err(IpcError::CopyRequired {
                location: Box::new(Location::default()),
                reason: "the source is not in memory (use a Buffer, BufferReader or memory map)"
                    .into(),
            });
        }
        let size = source
            .size()
            .map_err(|e| IpcError::io("reading the file size", e))?;
        let pool = options.memory_pool().clone();
        let read = |offset: u64, len: usize, what: &str| {
            source
                .read_at_in(offset, len, &pool)
                .map_err(|e| IpcError::io(format!("reading {what}"), e))
        };
        // Short files give short ends; `footer_location` tells truncated from foreign.
        let head = read(0, size.min(6) as usize, "the leading magic")?;
        let tail_len = size.min(10);
        let tail = read(size.saturating_sub(tail_len), tail_len as usize, "the footer length")?;
        let (footer_start, footer_len) = FileDecoder::footer_location(size, &head, &tail)?;
        let footer = read(footer_start, footer_len, "the footer")?;
        let mut decoder = FileDecoder::try_new(&footer, footer_start, options)?;
        for (i, block) in decoder.dictionaries().to_vec().iter().enumerate() {
            let bytes = read_block(&source, block, &pool)?;
            decoder.read_dictionary_at(block, &bytes, Some(i))?;
        }
        Ok(Self {
            source,
            decoder,
            pool,
        })
    }

    /// The schema of the batches.
    pub fn schema(&self) -> &SchemaRef {
        self.decoder.schema()
    }

    /// Number of record batches in the file.
    pub fn num_record_batches(&self) -> usize {
        self.decoder.record_batches().len()
    }

    /// Custom metadata from the footer.
    pub fn custom_metadata(&self) -> &[(String, String)] {
        self.decoder.custom_metadata()
    }

    /// The decoder underneath, with the footer's blocks.
    pub fn decoder(&self) -> &FileDecoder {
        &self.decoder
    }

    /// Record batch `i`, read and decoded on demand.
    pub fn get_batch(&self, i: usize) -> Result<RecordBatch> {
        let blocks = self.decoder.record_batches();
        let block = blocks.get(i).ok_or_else(|| {
            IpcError::Usage(format!(
                "batch {i} requested but the file has {} batches",
                blocks.len()
            ))
        })?;
        // With a projection over a source that copies, fetch only what is read.
        if let (Some(p), false) = (self.decoder.projection(), self.source.is_zero_copy()) {
            return self.decoder.read_projected(&self.source, block, p, i);
        }
        let bytes = read_block(&self.source, block, &self.pool)?;
        self.decoder.read_record_batch_at(block, &bytes, Some(i))
    }

    /// The verified metadata of record batch `i`, without decoding its body: for tools
    /// that report or keep what the producer chose, such as the body compression. Only
    /// the block's metadata bytes are read.
    ///
    /// ```
    /// use quiver_array::{Array, RecordBatch};
    /// use quiver_ipc::{CompressionCodec, FileReader, FileWriter, IpcWriteOptions};
    ///
    /// let batch = RecordBatch::try_from_columns(vec![Array::from(vec![1i64; 100])], &["n"]).unwrap();
    /// let options = IpcWriteOptions::default().with_compression(CompressionCodec::Zstd, None);
    /// let mut w = FileWriter::try_new_with_options(Vec::new(), batch.schema(), options).unwrap();
    /// w.write(&batch).unwrap();
    /// let reader = FileReader::try_new(quiver_buffer::Buffer::from_vec(w.close().unwrap())).unwrap();
    /// let message = reader.batch_message(0).unwrap();
    /// assert_eq!(message.body_compression().unwrap(), Some(CompressionCodec::Zstd));
    /// assert!(reader.batch_message(1).is_err());
    /// ```
    pub fn batch_message(&self, i: usize) -> Result<Message> {
        let blocks = self.decoder.record_batches();
        let block = blocks.get(i).ok_or_else(|| {
            IpcError::Usage(format!(
                "batch {i} requested but the file has {} batches",
                blocks.len()
            ))
        })?;
        let bytes = self
            .source
            .read_at_in(block.offset, block.metadata_length, &self.pool)
            .map_err(|e| IpcError::io(format!("reading the block at byte {}", block.offset), e))?;
        self.decoder.block_message(block, &bytes, i)
    }

    /// Every batch, in order.
    ///
    /// From a source that copies (such as [`OsFile`](quiver_buffer::OsFile)), adjacent
    /// batches are read together, up to 4 MiB (or one batch, if larger) per read, and
    /// each batch's buffers are slices of that read; a batch keeps the whole read alive.
    /// Batches, values and errors are the same as from [`get_batch`](FileReader::get_batch).
    pub fn batches(&self) -> impl Iterator<Item = Result<RecordBatch>> + '_ {
        let mut chunk = Chunk::default();
        (0..self.num_record_batches()).map(move |i| self.next_in_order(i, &mut chunk))
    }

    /// Batch `i` of an in-order pass, from `chunk` (read first if it does not hold it).
    fn next_in_order(&self, i: usize, chunk: &mut Chunk) -> Result<RecordBatch> {
        let blocks = self.decoder.record_batches();
        // Zero-copy sources slice without reading; projected reads fetch only columns.
        if self.source.is_zero_copy() || self.decoder.projection().is_some() {
            return self.get_batch(i);
        }
        if i >= chunk.end {
            *chunk = self.read_chunk(blocks, i);
        }
        let found = chunk.bytes.as_ref().zip(blocks.get(i)).and_then(|(bytes, block)| {
            let at = usize::try_from(block.offset.checked_sub(chunk.start)?).ok()?;
            Some((bytes.try_slice(at, block.total_length()?).ok()?, block))
        });
        match found {
            Some((bytes, block)) => self.decoder.read_record_batch_at(block, &bytes, Some(i)),
            // Not chunked (or the chunk's read failed): the single-block read, which
            // also words any error exactly as `get_batch` does.
            None => self.get_batch(i),
        }
    }

    /// Reads the run of adjacent blocks starting at block `first` in one read, or gives
    /// a chunk without bytes (covering the run) when there is no run or the read fails.
    fn read_chunk(&self, blocks: &[Block], first: usize) -> Chunk {
        let Some(start) = blocks.get(first).map(|b| b.offset) else {
            return Chunk::default();
        };
        let mut end_offset = start;
        let mut end = first;
        for block in blocks.get(first..).unwrap_or_default() {
            let next = block
                .total_length()
                .and_then(|len| u64::try_from(len).ok())
                .and_then(|len| end_offset.checked_add(len));
            match next {
                Some(next)
                    if block.offset == end_offset
                        && (end == first || next.saturating_sub(start) <= CHUNK_BYTES) =>
                {
                    end_offset = next;
                    end = end.saturating_add(1);
                }
                _ => break,
            }
        }
        // One block (or none readable as a run) is read on its own, as `get_batch` does.
        let end = end.max(first.saturating_add(1));
        let bytes = match usize::try_from(end_offset.saturating_sub(start)) {
            Ok(len) if end.saturating_sub(first) > 1 => {
                self.source.read_at_in(start, len, &self.pool).ok()
            }
            _ => None,
        };
        Chunk { start, end, bytes }
    }

    /// Reads every batch into a [`Table`].
    pub fn read_all(&self) -> Result<Table> {
        let batches = self.batches().collect::<Result<Vec<_>>>()?;
        Ok(Table::from_batches(Arc::clone(self.schema()), batches)?)
    }

    /// The source.
    pub fn into_inner(self) -> F {
        self.source
    }
}

/// The most bytes [`FileReader::batches`] reads at once (unless one block is larger).
const CHUNK_BYTES: u64 = 4 << 20;

/// Adjacent blocks read in one go by an in-order pass.
#[derive(Debug, Default)]
struct Chunk {
    /// The file offset of `bytes`.
    start: u64,
    /// One past the index of the last batch the chunk covers.
    end: usize,
    /// The blocks' bytes; `None` reads each covered batch on its own.
    bytes: Option<Buffer>,
}

fn read_block<F: RandomAccessFile>(
    source: &F,
    block: &Block,
    pool: &MemoryPoolRef,
) -> Result<Buffer> {
    let len = block
        .total_length()
        .ok_or_else(|| IpcError::malformed(Location::default(), "block size overflows"))?;
    source
        .read_at_in(block.offset, len, pool)
        .map_err(|e| IpcError::io(format!("reading the block at byte {}", block.offset), e))
}
