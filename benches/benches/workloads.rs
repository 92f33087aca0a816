//! Issue 11's workloads W1–W8: Quiver and arrow-rs in the same criterion group over
//! identical data (pyarrow's side is `benches/pyarrow_bench.py`; `cargo xtask bench`
//! puts all three in one table).
//!
//! | group | what one iteration does |
//! |---|---|
//! | `W1_write_file` | write 10M int32 (1000 batches of 10,000) to a file through a `BufWriter` |
//! | `W2_read_file` | read that file with plain reads (no memory map), every batch |
//! | `W3_read_mmap` | map it and read every batch (zero-copy) |
//! | `W4_write` | stream-write 4Mi rows (int64, utf8 with nulls, bool with nulls) as 64 batches of 64Ki rows to memory |
//! | `W4_read_validated` | read that stream from memory, zero-copy, fully validated |
//! | `W4_read_unchecked` | the same with the value checks skipped (`unsafe` opt-outs; arrow-rs through `FileDecoder`, see `ops::arrow_read_stream_unchecked`) |
//! | `W5_write` / `W5_read` | the same columns as 100,000 batches of 4 rows (per batch = time / 100,000) |
//! | `W6_get_batch` | 1000 random `get_batch` calls on the memory-mapped W1 file (per call = time / 1000) |
//! | `W7_{zstd,lz4}_{write,read}` | W4 with ZSTD level 1 or LZ4 frame body compression |
//! | `W8_write` / `W8_read` | 1M rows (16 batches of 62,500) of list<int32>, struct{int32, utf8}, dictionary<int32, utf8>, validated |
//!
//! W1, W3, W4's write and W8's write also time the machine limit the targets
//! refer to, as function `limit`: one `write` of the file's bytes, a memory map with every
//! page touched, one memcpy of the stream's bytes into fresh memory.
//!
//! Before timing, each group runs each side once under a counting global allocator and
//! prints `allocations <group> <side> <n> per batch (...)`.

#[path = "workloads/alloc.rs"]
mod alloc;
#[path = "workloads/data.rs"]
mod data;
#[path = "workloads/ops.rs"]
mod ops;

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, SamplingMode, criterion_group, criterion_main};
use quiver::ipc::{CompressionCodec, IpcReadOptions, IpcWriteOptions};

use data::{INT32_BATCHES, INT32_ROWS, Nested, Seed};

#[global_allocator]
static GLOBAL: quiver_benches::Counting = quiver_benches::Counting;

const QUIVER: &str = "quiver";
const ARROW: &str = "arrow-rs";
/// The function of a group that times the machine limit its target refers to.
const LIMIT: &str = "limit";

fn group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut group = c.benchmark_group(name);
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    group
}

// --- W1, W2, W3, W6: the 10M int32 file ---

fn w1_write_file(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (q, a) = (data::int32_quiver(), data::int32_arrow());
    let (q_path, a_path) = (
        dir.path().join("quiver.arrow"),
        dir.path().join("arrow.arrow"),
    );
    let name = "W1_write_file";
    alloc::report(name, QUIVER, INT32_BATCHES, || {
        ops::quiver_write_file(&q_path, &q, INT32_BATCHES)
    });
    alloc::report(name, ARROW, INT32_BATCHES, || {
        ops::arrow_write_file(&a_path, &a, INT32_BATCHES)
    });
    let total = INT32_ROWS * INT32_BATCHES;
    assert_eq!(ops::arrow_read_file(&q_path), total);
    assert_eq!(ops::quiver_read_file(&a_path), total);

    let mut g = group(c, name);
    g.bench_function(QUIVER, |b| {
        b.iter(|| ops::quiver_write_file(&q_path, &q, INT32_BATCHES))
    });
    g.bench_function(ARROW, |b| {
        b.iter(|| ops::arrow_write_file(&a_path, &a, INT32_BATCHES))
    });
    let bytes = std::fs::read(&q_path).expect("read Quiver's file");
    let limit_path = dir.path().join("limit.arrow");
    g.bench_function(LIMIT, |b| b.iter(|| ops::limit_write(&limit_path, &bytes)));
    g.finish();
}

/// The shared input file of W2, W3 and W6, written once by Quiver and checked readable
/// by both libraries.
fn int32_file(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("input.arrow");
    ops::quiver_write_file(&path, &data::int32_quiver(), INT32_BATCHES);
    let total = INT32_ROWS * INT32_BATCHES;
    assert_eq!(ops::quiver_read_file(&path), total);
    assert_eq!(ops::arrow_read_file(&path), total);
    assert_eq!(ops::quiver_read_mmap(&path), total);
    assert_eq!(ops::arrow_read_mmap(&path), total);
    path
}

fn w2_w3_read_file(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = int32_file(dir.path());
    let name = "W2_read_file";
    alloc::report(name, QUIVER, INT32_BATCHES, || ops::quiver_read_file(&path));
    alloc::report(name, ARROW, INT32_BATCHES, || ops::arrow_read_file(&path));
    let mut g = group(c, name);
    g.bench_function(QUIVER, |b| b.iter(|| ops::quiver_read_file(&path)));
    g.bench_function(ARROW, |b| b.iter(|| ops::arrow_read_file(&path)));
    g.finish();

    let name = "W3_read_mmap";
    alloc::report(name, QUIVER, INT32_BATCHES, || ops::quiver_read_mmap(&path));
    alloc::report(name, ARROW, INT32_BATCHES, || ops::arrow_read_mmap(&path));
    let mut g = group(c, name);
    g.bench_function(QUIVER, |b| b.iter(|| ops::quiver_read_mmap(&path)));
    g.bench_function(ARROW, |b| b.iter(|| ops::arrow_read_mmap(&path)));
    g.bench_function(LIMIT, |b| b.iter(|| ops::limit_page_touch(&path)));
    g.finish();
}

/// W6: this many `get_batch` calls per iteration, at fixed pseudo-random indices.
const LOOKUPS: usize = 1000;

/// `LOOKUPS` indices below `INT32_BATCHES` from a xorshift generator (the same sequence
/// as `benches/pyarrow_bench.py`).
fn lookups() -> Vec<usize> {
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    (0..LOOKUPS)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % INT32_BATCHES as u64) as usize
        })
        .collect()
}

fn w6_get_batch(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = int32_file(dir.path());
    let indices = lookups();
    let q = ops::quiver_mmap_reader(&path);
    let a = ops::ArrowMmapFile::open(&path);
    let quiver_gets = || {
        for &i in &indices {
            black_box(q.get_batch(i).expect("quiver get_batch"));
        }
    };
    let arrow_gets = || {
        for &i in &indices {
            black_box(a.get_batch(i));
        }
    };
    let name = "W6_get_batch";
    alloc::report(name, QUIVER, LOOKUPS, quiver_gets);
    alloc::report(name, ARROW, LOOKUPS, arrow_gets);
    let mut g = group(c, name);
    g.bench_function(QUIVER, |b| b.iter(quiver_gets));
    g.bench_function(ARROW, |b| b.iter(arrow_gets));
    g.finish();
}

// --- W4, W5, W7, W8: streams in memory ---

/// One stream workload: write `n` copies of a batch to memory, read them back, with the
/// given write options (compression) on each side.
struct StreamCase<'a> {
    write_group: &'a str,
    read_group: &'a str,
    quiver: quiver::RecordBatch,
    arrow: arrow_array::RecordBatch,
    n: usize,
    quiver_options: IpcWriteOptions,
    arrow_options: arrow_ipc::writer::IpcWriteOptions,
    /// Whether the write group also times one memcpy of the stream's bytes (`limit`).
    memcpy_limit: bool,
}

/// Times writing, then reading (validated); returns the stream both sides read (Quiver's
/// output, checked readable by both, as arrow-rs's output is).
fn stream_case(c: &mut Criterion, case: StreamCase<'_>) -> quiver::Buffer {
    let StreamCase {
        write_group,
        read_group,
        quiver: q,
        arrow: a,
        n,
        quiver_options: qo,
        arrow_options: ao,
        memcpy_limit,
    } = case;
    let rows = q.num_rows() * n;
    let q_bytes = alloc::report(write_group, QUIVER, n, || {
        ops::quiver_write_stream(&q, n, &qo)
    });
    let a_bytes = alloc::report(write_group, ARROW, n, || {
        ops::arrow_write_stream(&a, n, &ao)
    });
    println!(
        "stream bytes {write_group}: quiver {}, arrow-rs {}",
        q_bytes.len(),
        a_bytes.len()
    );
    let checked = IpcReadOptions::default();
    assert_eq!(
        ops::quiver_read_stream(&quiver::Buffer::from(a_bytes), &checked),
        rows
    );
    let a_input = arrow_buffer::Buffer::from_vec(q_bytes.as_slice().to_vec());
    assert_eq!(ops::arrow_read_stream(&a_input), rows);

    let mut g = group(c, write_group);
    g.bench_function(QUIVER, |b| b.iter(|| ops::quiver_write_stream(&q, n, &qo)));
    g.bench_function(ARROW, |b| b.iter(|| ops::arrow_write_stream(&a, n, &ao)));
    if memcpy_limit {
        g.bench_function(LIMIT, |b| b.iter(|| ops::limit_memcpy(q_bytes.as_slice())));
    }
    g.finish();

    alloc::report(read_group, QUIVER, n, || {
        ops::quiver_read_stream(&q_bytes, &checked)
    });
    alloc::report(read_group, ARROW, n, || ops::arrow_read_stream(&a_input));
    let mut g = group(c, read_group);
    g.bench_function(QUIVER, |b| {
        b.iter(|| ops::quiver_read_stream(&q_bytes, &checked))
    });
    g.bench_function(ARROW, |b| b.iter(|| ops::arrow_read_stream(&a_input)));
    g.finish();
    q_bytes
}

/// W4 and W7: the seed's columns, 64Ki rows a batch.
const SEED_ROWS: usize = 64 * 1024;
const SEED_BATCHES: usize = 64;

fn seed_case<'a>(
    write_group: &'a str,
    read_group: &'a str,
    rows: usize,
    n: usize,
) -> StreamCase<'a> {
    let seed = Seed::new(rows);
    StreamCase {
        write_group,
        read_group,
        quiver: seed.quiver(),
        arrow: seed.arrow(),
        n,
        quiver_options: IpcWriteOptions::default(),
        arrow_options: arrow_ipc::writer::IpcWriteOptions::default(),
        memcpy_limit: false,
    }
}

fn w4_stream(c: &mut Criterion) {
    let mut case = seed_case("W4_write", "W4_read_validated", SEED_ROWS, SEED_BATCHES);
    case.memcpy_limit = true;
    let bytes = stream_case(c, case);

    // SAFETY: the stream was written just above by Quiver and read back fully validated.
    let unchecked = unsafe { IpcReadOptions::default().with_unchecked_values() };
    let a_input = arrow_buffer::Buffer::from_vec(bytes.as_slice().to_vec());
    assert_eq!(
        ops::arrow_read_stream_unchecked(&a_input),
        SEED_ROWS * SEED_BATCHES
    );
    let name = "W4_read_unchecked";
    alloc::report(name, QUIVER, SEED_BATCHES, || {
        ops::quiver_read_stream(&bytes, &unchecked)
    });
    alloc::report(name, ARROW, SEED_BATCHES, || {
        ops::arrow_read_stream_unchecked(&a_input)
    });
    let mut g = group(c, name);
    g.bench_function(QUIVER, |b| {
        b.iter(|| ops::quiver_read_stream(&bytes, &unchecked))
    });
    g.bench_function(ARROW, |b| {
        b.iter(|| ops::arrow_read_stream_unchecked(&a_input))
    });
    g.finish();
}

/// W5: per-message overhead, 100,000 batches of the seed's 4 rows.
const TINY_BATCHES: usize = 100_000;

fn w5_tiny_batches(c: &mut Criterion) {
    stream_case(c, seed_case("W5_write", "W5_read", 4, TINY_BATCHES));
}

fn w7_compressed(c: &mut Criterion) {
    use arrow_ipc::CompressionType;
    let mut zstd = seed_case("W7_zstd_write", "W7_zstd_read", SEED_ROWS, SEED_BATCHES);
    zstd.quiver_options =
        IpcWriteOptions::default().with_compression(CompressionCodec::Zstd, Some(1));
    zstd.arrow_options = arrow_ipc::writer::IpcWriteOptions::default()
        .try_with_compression(Some(CompressionType::ZSTD))
        .and_then(|o| o.try_with_compression_level(Some(1)))
        .expect("arrow-rs zstd options");
    stream_case(c, zstd);

    let mut lz4 = seed_case("W7_lz4_write", "W7_lz4_read", SEED_ROWS, SEED_BATCHES);
    lz4.quiver_options =
        IpcWriteOptions::default().with_compression(CompressionCodec::Lz4Frame, None);
    lz4.arrow_options = arrow_ipc::writer::IpcWriteOptions::default()
        .try_with_compression(Some(CompressionType::LZ4_FRAME))
        .expect("arrow-rs lz4 options");
    stream_case(c, lz4);
}

/// W8: nested and dictionary columns, 1,000,000 rows as 16 batches of 62,500.
fn w8_nested(c: &mut Criterion) {
    let nested = Nested::new(62_500);
    stream_case(
        c,
        StreamCase {
            write_group: "W8_write",
            read_group: "W8_read",
            quiver: nested.quiver(),
            arrow: nested.arrow(),
            n: 16,
            quiver_options: IpcWriteOptions::default(),
            arrow_options: arrow_ipc::writer::IpcWriteOptions::default(),
            memcpy_limit: true,
        },
    );
}

criterion_group!(
    benches,
    w1_write_file,
    w2_w3_read_file,
    w4_stream,
    w5_tiny_batches,
    w6_get_batch,
    w7_compressed,
    w8_nested
);
criterion_main!(benches);
