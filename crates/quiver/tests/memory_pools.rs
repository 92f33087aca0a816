//! Per-request memory accounting: readers and writers allocate from the pool of their
//! options, a `ProxyMemoryPool` counts exactly those bytes (and its parent, the default
//! pool, counts them too), and a limited pool refuses a read with a typed error.
//!
//! The default pool is global to the process and tests in one binary run in parallel,
//! so every test here holds `SERIAL` from its first line: writing a compressed file
//! allocates from the default pool too, and would move another test's count.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use quiver::ipc::{
    CompressionCodec, FileReader, FileWriter, IpcError, IpcReadOptions, IpcWriteOptions,
    StreamReader,
};
use quiver::{
    Array, BufferError, MemoryPool, OsFile, ProxyMemoryPool, ReadInputStream, RecordBatch,
    default_memory_pool, memory_map, record_batch, total_allocated_bytes,
};

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

const ROWS: i64 = 1000;
const BATCHES: usize = 3;

/// One int64 column without nulls: 8000 bytes of values per batch.
fn batch(values: impl Fn(i64) -> i64) -> RecordBatch {
    record_batch(
        vec![Array::from((0..ROWS).map(values).collect::<Vec<_>>())],
        &["n"],
    )
    .unwrap()
}

/// Values no codec can shrink, so buffers are stored raw.
fn noise(i: i64) -> i64 {
    (i as u64)
        .wrapping_add(1)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .rotate_left(29)
        .wrapping_mul(0xBF58_476D_1CE4_E5B9) as i64
}

fn write_file(path: &Path, options: IpcWriteOptions, values: fn(i64) -> i64) {
    let b = batch(values);
    let mut w =
        FileWriter::try_new_with_options(OsFile::create(path).unwrap(), b.schema(), options)
            .unwrap();
    for _ in 0..BATCHES {
        w.write_batch(&b).unwrap();
    }
    w.close().unwrap();
}

fn round64(n: usize) -> usize {
    n.div_ceil(64) * 64
}

fn proxy() -> Arc<ProxyMemoryPool> {
    Arc::new(ProxyMemoryPool::new(default_memory_pool()))
}

#[test]
fn os_file_reads_allocate_in_the_proxy_and_in_the_default_pool() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plain.arrow");
    write_file(&path, IpcWriteOptions::default(), |i| i);

    let pool = proxy();
    let base = total_allocated_bytes();
    let options = IpcReadOptions::default().with_memory_pool(Arc::clone(&pool));
    let reader = FileReader::try_new_with_options(OsFile::open(&path).unwrap(), options).unwrap();
    // Each batch holds the one block read for it (metadata and body, rounded up to 64).
    let held: usize = reader
        .decoder()
        .record_batches()
        .iter()
        .map(|b| round64(b.total_length().unwrap()))
        .sum();
    let batches: Vec<RecordBatch> = (0..BATCHES).map(|i| reader.get_batch(i).unwrap()).collect();
    drop(reader);
    assert!(batches[2].equals(&batch(|i| i)));
    assert_eq!(held, 3 * 8192);
    assert_eq!(pool.bytes_allocated(), held);
    assert_eq!(total_allocated_bytes() - base, held);

    drop(batches);
    assert_eq!(pool.bytes_allocated(), 0);
    assert_eq!(total_allocated_bytes(), base);
}

#[test]
fn std_io_stream_reads_allocate_in_the_proxy() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plain.arrow");
    write_file(&path, IpcWriteOptions::default(), |i| i);
    let mut bytes = Vec::new();
    {
        let b = batch(|i| i);
        let mut w = quiver::ipc::StreamWriter::try_new(&mut bytes, b.schema()).unwrap();
        for _ in 0..BATCHES {
            w.write_batch(&b).unwrap();
        }
        w.close().unwrap();
    }

    let pool = proxy();
    let base = total_allocated_bytes();
    let options = IpcReadOptions::default().with_memory_pool(Arc::clone(&pool));
    let reader =
        StreamReader::try_new_with_options(ReadInputStream::new(&bytes[..]), options).unwrap();
    let batches = reader.collect::<Result<Vec<_>, _>>().unwrap();
    assert_eq!(batches.len(), BATCHES);
    // Each batch holds its body, read on its own: 8000 bytes of values.
    assert_eq!(pool.bytes_allocated(), BATCHES * 8000);
    assert_eq!(total_allocated_bytes() - base, BATCHES * 8000);
    drop(batches);
    assert_eq!(pool.bytes_allocated(), 0);
    assert_eq!(total_allocated_bytes(), base);
}

#[test]
fn zero_copy_reads_from_a_memory_map_allocate_nothing_in_the_proxy() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plain.arrow");
    write_file(&path, IpcWriteOptions::default(), |i| i);

    let pool = proxy();
    let options = IpcReadOptions::default()
        .with_memory_pool(Arc::clone(&pool))
        .with_require_zero_copy(true);
    let table = FileReader::try_new_with_options(memory_map(&path).unwrap(), options)
        .unwrap()
        .read_all()
        .unwrap();
    assert_eq!(table.num_rows(), BATCHES * ROWS as usize);
    assert_eq!(pool.bytes_allocated(), 0);
    assert_eq!(pool.max_memory(), 0);
}

#[test]
fn decompressed_bytes_go_to_the_proxy() {
    let _serial = serial();
    for codec in [CompressionCodec::Zstd, CompressionCodec::Lz4Frame] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("compressed.arrow");
        write_file(
            &path,
            IpcWriteOptions::default().with_compression(codec, None),
            |i| i,
        );

        let pool = proxy();
        let base = total_allocated_bytes();
        let options = IpcReadOptions::default().with_memory_pool(Arc::clone(&pool));
        // A memory map hands out slices, so only decompression allocates.
        let table = FileReader::try_new_with_options(memory_map(&path).unwrap(), options)
            .unwrap()
            .read_all()
            .unwrap();
        assert!(table.batches()[1].equals(&batch(|i| i)), "{codec:?}");
        assert_eq!(pool.bytes_allocated(), BATCHES * 8000, "{codec:?}");
        assert_eq!(total_allocated_bytes() - base, BATCHES * 8000, "{codec:?}");
        drop(table);
        assert_eq!(pool.bytes_allocated(), 0, "{codec:?}");
    }
}

#[test]
fn a_writer_allocates_its_compression_output_in_the_proxy() {
    let _serial = serial();
    let b = batch(noise);
    let pool = proxy();
    let options = IpcWriteOptions::default()
        .with_compression(CompressionCodec::Zstd, None)
        .with_memory_pool(Arc::clone(&pool));
    let mut w = FileWriter::try_new_with_options(Vec::new(), b.schema(), options).unwrap();
    w.write_batch(&b).unwrap();
    w.close().unwrap();
    // The values do not compress, so the stored form is the 8-byte marker and the raw
    // 8000 bytes, in 8064 bytes of pool memory, given back once the batch is written.
    assert_eq!(pool.max_memory(), 8064);
    assert_eq!(pool.bytes_allocated(), 0);

    let limited = Arc::new(ProxyMemoryPool::new(default_memory_pool()).with_limit(8000));
    let options = IpcWriteOptions::default()
        .with_compression(CompressionCodec::Zstd, None)
        .with_memory_pool(Arc::clone(&limited));
    let mut w = FileWriter::try_new_with_options(Vec::new(), b.schema(), options).unwrap();
    match w.write_batch(&b) {
        Err(IpcError::Memory { context, source }) => {
            assert_eq!(context, "compressing a buffer of 8000 bytes");
            assert_eq!(
                source,
                BufferError::PoolLimitExceeded {
                    requested: 8064,
                    allocated: 0,
                    limit: 8000
                }
            );
        }
        other => panic!("expected a pool refusal, got {other:?}"),
    }
    assert_eq!(limited.bytes_allocated(), 0);
}

#[test]
fn a_limited_pool_refuses_an_over_limit_read() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plain.arrow");
    write_file(&path, IpcWriteOptions::default(), |i| i);

    let pool = Arc::new(ProxyMemoryPool::new(default_memory_pool()).with_limit(8191));
    let options = IpcReadOptions::default().with_memory_pool(Arc::clone(&pool));
    let reader = FileReader::try_new_with_options(OsFile::open(&path).unwrap(), options).unwrap();
    let offset = reader.decoder().record_batches()[0].offset;
    let err = reader.get_batch(0).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "cannot allocate memory while reading the block at byte {offset}: memory pool \
             limit exceeded: 8192 more bytes would bring the pool over its limit of 8191 \
             bytes (0 are in use); raise the limit or read less at once"
        )
    );
    assert_eq!(err.kind(), quiver::ErrorKind::LimitExceeded);
    assert!(matches!(
        err,
        IpcError::Memory {
            source: BufferError::PoolLimitExceeded {
                requested: 8192,
                allocated: 0,
                limit: 8191
            },
            ..
        }
    ));
    assert_eq!(pool.bytes_allocated(), 0);

    // At the limit, the same read fits.
    let pool = Arc::new(ProxyMemoryPool::new(default_memory_pool()).with_limit(8192));
    let options = IpcReadOptions::default().with_memory_pool(Arc::clone(&pool));
    let reader = FileReader::try_new_with_options(OsFile::open(&path).unwrap(), options).unwrap();
    let b = reader.get_batch(0).unwrap();
    assert_eq!(pool.bytes_allocated(), 8192);
    drop(b);
}
