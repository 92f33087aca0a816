//! The timed operations, one function per library and operation.

use std::fs::File;
use std::hint::black_box;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Arc;

use arrow_ipc::reader::FileDecoder;

// --- Files (W1, W2, W3, W6) ---

pub fn quiver_write_file(path: &Path, batch: &quiver::RecordBatch, n: usize) {
    let sink = BufWriter::new(File::create(path).expect("create"));
    let mut writer = quiver::ipc::new_file(sink, batch.schema()).expect("quiver writer");
    for _ in 0..n {
        writer.write_batch(batch).expect("quiver write");
    }
    let mut sink = writer.close().expect("quiver close");
    sink.flush().expect("flush");
}

pub fn arrow_write_file(path: &Path, batch: &arrow_array::RecordBatch, n: usize) {
    let sink = BufWriter::new(File::create(path).expect("create"));
    let mut writer =
        arrow_ipc::writer::FileWriter::try_new(sink, &batch.schema()).expect("arrow-rs writer");
    for _ in 0..n {
        writer.write(batch).expect("arrow-rs write");
    }
    writer.finish().expect("arrow-rs finish");
    let mut sink = writer.into_inner().expect("arrow-rs into_inner");
    sink.flush().expect("flush");
}

/// W2: plain `read`s, no memory map.
pub fn quiver_read_file(path: &Path) -> usize {
    let source = quiver::OsFile::open(path).expect("open");
    let table = quiver::ipc::open_file(source)
        .expect("quiver reader")
        .read_all()
        .expect("quiver read_all");
    black_box(&table);
    table.num_rows()
}

/// W2: arrow-rs's `FileReader` over a `File` (plain reads).
pub fn arrow_read_file(path: &Path) -> usize {
    let file = File::open(path).expect("open");
    let reader = arrow_ipc::reader::FileReader::try_new(file, None).expect("arrow-rs reader");
    let batches = reader
        .collect::<Result<Vec<_>, _>>()
        .expect("arrow-rs read");
    black_box(&batches);
    batches.iter().map(|b| b.num_rows()).sum()
}

/// W3: map the file and read every batch (zero-copy).
pub fn quiver_read_mmap(path: &Path) -> usize {
    let reader = quiver_mmap_reader(path);
    let table = reader.read_all().expect("quiver read_all");
    black_box(&table);
    table.num_rows()
}

pub fn quiver_mmap_reader(path: &Path) -> quiver::ipc::FileReader<quiver::MemoryMappedFile> {
    let map = quiver::memory_map(path).expect("memory_map");
    quiver::ipc::open_file(map).expect("quiver reader")
}

/// arrow-rs's documented zero-copy path over a memory map: the footer parsed, and a
/// `FileDecoder` ready to decode any block.
pub struct ArrowMmapFile {
    buffer: arrow_buffer::Buffer,
    decoder: FileDecoder,
    blocks: Vec<arrow_ipc::Block>,
}

impl ArrowMmapFile {
    pub fn open(path: &Path) -> Self {
        let file = File::open(path).expect("open");
        // SAFETY: the benchmark's own temporary file, which nothing modifies while mapped.
        let mmap = unsafe { memmap2::Mmap::map(&file) }.expect("mmap");
        let buffer = arrow_buffer::Buffer::from(bytes::Bytes::from_owner(mmap));
        let trailer_start = buffer.len() - 10;
        let footer_len = arrow_ipc::reader::read_footer_length(
            buffer[trailer_start..].try_into().expect("10-byte trailer"),
        )
        .expect("footer length");
        let footer = arrow_ipc::root_as_footer(&buffer[trailer_start - footer_len..trailer_start])
            .expect("footer");
        let schema = arrow_ipc::convert::try_fb_to_schema(footer.schema().expect("schema"))
            .expect("arrow-rs schema");
        let mut decoder = FileDecoder::new(Arc::new(schema), footer.version());
        for block in footer.dictionaries().iter().flatten() {
            let len = block.bodyLength() as usize + block.metaDataLength() as usize;
            let data = buffer.slice_with_length(block.offset() as usize, len);
            decoder.read_dictionary(block, &data).expect("dictionary");
        }
        let blocks = footer.recordBatches().iter().flatten().copied().collect();
        ArrowMmapFile {
            buffer,
            decoder,
            blocks,
        }
    }

    pub fn get_batch(&self, i: usize) -> arrow_array::RecordBatch {
        let block = &self.blocks[i];
        let len = block.bodyLength() as usize + block.metaDataLength() as usize;
        let data = self.buffer.slice_with_length(block.offset() as usize, len);
        self.decoder
            .read_record_batch(block, &data)
            .expect("arrow-rs batch")
            .expect("a record batch")
    }

    pub fn num_batches(&self) -> usize {
        self.blocks.len()
    }
}

/// W3: map, parse the footer, decode every batch.
pub fn arrow_read_mmap(path: &Path) -> usize {
    let file = ArrowMmapFile::open(path);
    let batches: Vec<_> = (0..file.num_batches()).map(|i| file.get_batch(i)).collect();
    black_box(&batches);
    batches.iter().map(|b| b.num_rows()).sum()
}

// --- Streams in memory (W4, W5, W7, W8) ---

pub fn quiver_write_stream(
    batch: &quiver::RecordBatch,
    n: usize,
    options: &quiver::ipc::IpcWriteOptions,
) -> quiver::Buffer {
    let mut sink = quiver::BufferOutputStream::new();
    let mut writer =
        quiver::ipc::new_stream_with_options(&mut sink, batch.schema(), options.clone())
            .expect("quiver writer");
    for _ in 0..n {
        writer.write_batch(batch).expect("quiver write");
    }
    writer.close().expect("quiver close");
    sink.getvalue()
}

pub fn arrow_write_stream(
    batch: &arrow_array::RecordBatch,
    n: usize,
    options: &arrow_ipc::writer::IpcWriteOptions,
) -> Vec<u8> {
    let mut writer = arrow_ipc::writer::StreamWriter::try_new_with_options(
        Vec::new(),
        &batch.schema(),
        options.clone(),
    )
    .expect("arrow-rs writer");
    for _ in 0..n {
        writer.write(batch).expect("arrow-rs write");
    }
    writer.finish().expect("arrow-rs finish");
    writer.into_inner().expect("arrow-rs into_inner")
}

/// Reads every batch of an in-memory stream (zero-copy: the batches slice `buf`).
pub fn quiver_read_stream(buf: &quiver::Buffer, options: &quiver::ipc::IpcReadOptions) -> usize {
    let reader =
        quiver::ipc::open_stream_with_options(buf.clone(), options.clone()).expect("quiver reader");
    let batches = reader.collect::<Result<Vec<_>, _>>().expect("quiver read");
    black_box(&batches);
    batches.iter().map(|b| b.num_rows()).sum()
}

/// arrow-rs's zero-copy stream path, fully validated: a `StreamDecoder` over an
/// `arrow_buffer::Buffer`.
pub fn arrow_read_stream(buf: &arrow_buffer::Buffer) -> usize {
    let mut decoder = arrow_ipc::reader::StreamDecoder::new();
    let mut rest = buf.clone();
    let mut batches = Vec::new();
    while !rest.is_empty() {
        if let Some(batch) = decoder.decode(&mut rest).expect("arrow-rs decode") {
            batches.push(batch);
        }
    }
    decoder.finish().expect("arrow-rs finish");
    black_box(&batches);
    batches.iter().map(|b| b.num_rows()).sum()
}

/// arrow-rs's zero-copy read of an in-memory stream with its `unsafe` `skip_validation`.
///
/// `StreamDecoder::with_skip_validation` exists in arrow-ipc 60.1 but its `decode` does
/// not pass the flag on to record batches (only to dictionaries), so the values are still
/// validated. `FileDecoder` does pass it on, and decodes any encapsulated message given
/// its `Block`; so this walks the stream's framing (continuation marker, metadata length,
/// the message's body length) and hands each message to a `FileDecoder`, zero-copy.
pub fn arrow_read_stream_unchecked(buf: &arrow_buffer::Buffer) -> usize {
    let mut decoder: Option<FileDecoder> = None;
    let mut batches = Vec::new();
    let mut pos = 0;
    loop {
        let word = |at: usize| u32::from_le_bytes(buf[at..at + 4].try_into().expect("4 bytes"));
        let (prefix, len) = match word(pos) {
            0xFFFF_FFFF => (8, word(pos + 4) as usize),
            len => (4, len as usize),
        };
        if len == 0 {
            break;
        }
        let message = arrow_ipc::root_as_message(&buf[pos + prefix..pos + prefix + len])
            .expect("arrow-rs message");
        let meta = prefix + len;
        let body = message.bodyLength() as usize;
        let block = arrow_ipc::Block::new(0, meta as i32, body as i64);
        let data = buf.slice_with_length(pos, meta + body);
        match (message.header_type(), decoder.as_mut()) {
            (arrow_ipc::MessageHeader::Schema, None) => {
                let schema = message.header_as_schema().expect("schema");
                let schema = arrow_ipc::convert::try_fb_to_schema(schema).expect("schema");
                let file_decoder = FileDecoder::new(Arc::new(schema), message.version());
                // SAFETY: every stream the benchmarks read unchecked was written by Quiver
                // just before and read back by both libraries with full validation.
                decoder = Some(unsafe { file_decoder.with_skip_validation(true) });
            }
            (arrow_ipc::MessageHeader::DictionaryBatch, Some(d)) => {
                d.read_dictionary(&block, &data)
                    .expect("arrow-rs dictionary");
            }
            (arrow_ipc::MessageHeader::RecordBatch, Some(d)) => {
                let batch = d.read_record_batch(&block, &data).expect("arrow-rs batch");
                batches.push(batch.expect("a record batch"));
            }
            (other, _) => panic!("unexpected {other:?} message in the stream"),
        }
        pos += meta + body;
    }
    black_box(&batches);
    batches.iter().map(|b| b.num_rows()).sum()
}

// --- Machine limits the targets refer to ---

/// W1's limit: the file's bytes written with one `write` (`write_all`) to a new file.
pub fn limit_write(path: &Path, bytes: &[u8]) {
    let mut file = File::create(path).expect("create");
    file.write_all(bytes).expect("write");
}

/// W3's limit: map the file and touch every page.
pub fn limit_page_touch(path: &Path) -> u64 {
    let file = File::open(path).expect("open");
    // SAFETY: the benchmark's own temporary file, which nothing modifies while mapped.
    let mmap = unsafe { memmap2::Mmap::map(&file) }.expect("mmap");
    let sum = mmap.iter().step_by(4096).map(|&b| u64::from(b)).sum();
    black_box(sum)
}

/// W4's and W8's write limit: one copy of the stream's bytes into fresh memory.
pub fn limit_memcpy(bytes: &[u8]) -> Vec<u8> {
    black_box(bytes.to_vec())
}
