//! Interop with pyarrow, both ways, through the Arrow IPC stream and file formats.
//!
//! 1. Quiver writes (stream and file, default options and 64-byte alignment), and
//!    `tests/python/interop.py check-<case>` reads the result with pyarrow and compares
//!    it with the same data built in pyarrow (values, nulls, schema and field metadata,
//!    batch boundaries).
//! 2. pyarrow writes (`interop.py write-<case>`), and Quiver reads it from a `Buffer`
//!    (through `BufferReader`, and directly for files) and from a memory map, compares
//!    with the batches built here, and checks that int32/int64 columns read from the
//!    memory map are slices of the map (zero copy). pyarrow also writes every case
//!    with lz4 (stream) and zstd (file) body compression, which Quiver must read too.
//!
//! The test data is defined twice, here and in `interop.py`, identically: every value
//! is a function of the global row index `i`, and column `k` (its position in [`ALL`])
//! is null where `(i + k) % 4 == 3`.
//!
//! pyarrow is found through `QUIVER_PYTHON` (set by `cargo xtask test`) by
//! `quiver_testkit`; without it the pyarrow test skips loudly, which under `CI=true` is
//! a failure. All 16 cases must pass both ways.

use std::ffi::OsStr;
use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use quiver::ipc::{FileReader, FileWriter, IpcWriteOptions, StreamReader, StreamWriter};
use quiver_array::{Array, DataType, Field, Metadata, RecordBatch, Schema, SchemaRef, TimeUnit};
use quiver_buffer::{Buffer, BufferReader, f16};

// ---------------------------------------------------------------------------------
// Deterministic data (keep in sync with tests/python/interop.py)
// ---------------------------------------------------------------------------------

const STRS: [&str; 7] = [
    "",
    "a",
    "héllo",
    "日本語",
    "tab\tnew\nline",
    "emoji 🦀",
    "quiver",
];

/// Every column, in the order that gives each its null pattern.
const ALL: [&str; 24] = [
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float16",
    "float32",
    "float64",
    "bool",
    "utf8",
    "large_utf8",
    "binary",
    "large_binary",
    "fixed_size_binary",
    "date32",
    "date64",
    "timestamp",
    "time32",
    "time64",
    "duration",
    "decimal128",
];
const INTEGERS: [&str; 8] = [
    "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
];
const FLOATS: [&str; 3] = ["float16", "float32", "float64"];
const TEMPORAL: [&str; 6] = [
    "date32",
    "date64",
    "timestamp",
    "time32",
    "time64",
    "duration",
];

/// Largest unscaled value of decimal128(10, 3).
const DEC_MAX: i128 = 9_999_999_999;

/// The cases, in the order `interop.py list-cases` prints them.
const CASES: [&str; 16] = [
    "seed",
    "integers",
    "floats",
    "bool",
    "strings",
    "binaries",
    "temporal",
    "decimal",
    "all_types",
    "no_nulls",
    "all_nulls",
    "empty",
    "no_batches",
    "sliced",
    "metadata",
    "multi_batch",
];

const MULTI_BATCH_SIZES: [usize; 4] = [10, 0, 3, 7];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Nulls {
    /// Column `k` is null at rows where `(i + k) % 4 == 3`.
    Pattern,
    None,
    All,
}

fn data_type(name: &str) -> DataType {
    match name {
        "int8" => DataType::Int8,
        "int16" => DataType::Int16,
        "int32" => DataType::Int32,
        "int64" => DataType::Int64,
        "uint8" => DataType::UInt8,
        "uint16" => DataType::UInt16,
        "uint32" => DataType::UInt32,
        "uint64" => DataType::UInt64,
        "float16" => DataType::Float16,
        "float32" => DataType::Float32,
        "float64" => DataType::Float64,
        "bool" => DataType::Boolean,
        "utf8" => DataType::Utf8,
        "large_utf8" => DataType::LargeUtf8,
        "binary" => DataType::Binary,
        "large_binary" => DataType::LargeBinary,
        "fixed_size_binary" => DataType::FixedSizeBinary(3),
        "date32" => DataType::Date32,
        "date64" => DataType::Date64,
        "timestamp" => DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
        "time32" => DataType::Time32(TimeUnit::Second),
        "time64" => DataType::Time64(TimeUnit::Microsecond),
        "duration" => DataType::Duration(TimeUnit::Nanosecond),
        "decimal128" => DataType::Decimal128(10, 3),
        other => panic!("unknown column {other}"),
    }
}

/// `lo` when `i % 10 == 0`, `hi` when `i % 10 == 9`, `f(i)` otherwise.
fn extremes<T>(i: i128, lo: T, hi: T, f: impl FnOnce(i128) -> T) -> T {
    match i % 10 {
        0 => lo,
        9 => hi,
        _ => f(i),
    }
}

fn byte(v: i128) -> u8 {
    // Python's `%` is Euclidean for a positive modulus.
    v.rem_euclid(256) as u8
}

/// Column `name` for the global rows `rows`.
fn column(name: &str, rows: Range<usize>, nulls: Nulls) -> Array {
    let k = ALL
        .iter()
        .position(|n| *n == name)
        .unwrap_or_else(|| panic!("unknown column {name}"));
    let valid = move |i: usize| match nulls {
        Nulls::Pattern => (i + k) % 4 != 3,
        Nulls::None => true,
        Nulls::All => false,
    };
    let dt = data_type(name);
    let rows = rows.map(move |i| (i as i128, valid(i)));

    macro_rules! prim {
        ($t:ty, $f:expr) => {{
            let f = $f;
            Array::from_primitive::<$t>(dt, rows.map(|(i, ok)| ok.then(|| f(i))))
        }};
    }
    macro_rules! bytes {
        ($f:expr) => {{
            let f = $f;
            Array::from_bytes(dt, rows.map(|(i, ok)| ok.then(|| f(i))))
        }};
    }

    let array = match name {
        "int8" => prim!(i8, |i| extremes(
            i,
            i8::MIN,
            i8::MAX,
            |i| ((i * 11) % 200 - 100) as i8
        )),
        "int16" => prim!(i16, |i| extremes(
            i,
            i16::MIN,
            i16::MAX,
            |i| ((i * 1103) % 60000 - 30000) as i16
        )),
        "int32" => prim!(i32, |i| extremes(
            i,
            i32::MIN,
            i32::MAX,
            |i| (i * 100_003 - 500_000) as i32
        )),
        "int64" => prim!(i64, |i| extremes(
            i,
            i64::MIN,
            i64::MAX,
            |i| (i * 1_000_000_007 - 5_000_000_000) as i64
        )),
        "uint8" => prim!(u8, |i| extremes(i, 0, u8::MAX, |i| ((i * 13) % 256) as u8)),
        "uint16" => prim!(u16, |i| extremes(i, 0, u16::MAX, |i| ((i * 1009) % 65536)
            as u16)),
        "uint32" => prim!(u32, |i| extremes(i, 0, u32::MAX, |i| (i * 100_003) as u32)),
        "uint64" => prim!(u64, |i| extremes(i, 0, u64::MAX, |i| (i * 10_000_000_019)
            as u64)),
        "float16" => prim!(f16, |i| f16::from_f32(i as f32 * 0.5 - 2.0)),
        "float32" => prim!(f32, |i| extremes(
            i,
            f32::NEG_INFINITY,
            f32::INFINITY,
            |i| { i as f32 * 1.25 - 3.5 }
        )),
        "float64" => prim!(f64, |i| extremes(
            i,
            f64::NEG_INFINITY,
            f64::INFINITY,
            |i| { i as f64 * 0.1 - 1.0 }
        )),
        "bool" => {
            let mut values = Vec::new();
            for (i, ok) in rows {
                values.push(ok.then_some((i * 7) % 5 < 2));
            }
            Ok(Array::from(values))
        }
        "utf8" => bytes!(|i: i128| STRS[(i % 7) as usize]),
        "large_utf8" => bytes!(|i: i128| STRS[((i + 3) % 7) as usize]),
        "binary" => bytes!(|i: i128| (0..i % 5)
            .map(|j| byte(i * 31 + j * 7))
            .collect::<Vec<u8>>()),
        "large_binary" => bytes!(|i: i128| (0..i % 4 + 1)
            .map(|j| byte(255 - i - j))
            .collect::<Vec<u8>>()),
        "fixed_size_binary" => bytes!(|i: i128| [byte(i), byte(i * 2 + 1), byte(255 - i)]),
        "date32" => prim!(i32, |i| (i * 1000 - 5000) as i32),
        "date64" => prim!(i64, |i| ((i * 37 - 100) * 86_400_000) as i64),
        "timestamp" => prim!(i64, |i| (1_600_000_000_000 + i * 86_399_999) as i64),
        "time32" => prim!(i32, |i| ((i * 3607) % 86400) as i32),
        "time64" => prim!(i64, |i| ((i * 3_600_000_123) % 86_400_000_000) as i64),
        "duration" => prim!(i64, |i| (i * 1_000_000_007 - 3_000_000_000) as i64),
        "decimal128" => prim!(i128, |i| extremes(i, -DEC_MAX, DEC_MAX, |i| i * 123_457
            - 600_000)),
        other => panic!("unknown column {other}"),
    };
    array.unwrap_or_else(|e| panic!("building column {name}: {e}"))
}

fn kv(pairs: &[(&str, &str)]) -> Metadata {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn schema_metadata() -> Metadata {
    kv(&[
        ("origin", "quiver interop test"),
        ("purpose", "schema metadata survives"),
        ("unicode", "ключ → значение"),
    ])
}

fn field_metadata(name: &str) -> Metadata {
    match name {
        "int32" => kv(&[("unit", "metres"), ("description", "an int32 column")]),
        "utf8" => kv(&[("lang", "en"), ("empty", "")]),
        _ => Vec::new(),
    }
}

fn make_schema(names: &[&str], metadata: bool) -> SchemaRef {
    let fields = names
        .iter()
        .map(|n| {
            let f = Field::new(*n, data_type(n), true);
            if metadata {
                f.with_metadata(field_metadata(n))
            } else {
                f
            }
        })
        .collect();
    let schema = Schema::new(fields);
    Arc::new(if metadata {
        schema.with_metadata(schema_metadata())
    } else {
        schema
    })
}

fn make_batch(schema: &SchemaRef, rows: Range<usize>, nulls: Nulls) -> RecordBatch {
    let columns = schema
        .fields()
        .iter()
        .map(|f| column(f.name(), rows.clone(), nulls))
        .collect();
    RecordBatch::try_new(Arc::clone(schema), columns).expect("a valid test batch")
}

fn group(names: &[&str], n: usize, nulls: Nulls) -> (SchemaRef, Vec<RecordBatch>) {
    let schema = make_schema(names, false);
    let batch = make_batch(&schema, 0..n, nulls);
    (schema, vec![batch])
}

/// What a reader must see for `case`.
fn expected(case: &str) -> (SchemaRef, Vec<RecordBatch>) {
    match case {
        "seed" => {
            let batch = RecordBatch::try_from_columns(
                vec![
                    Array::from(vec![1i64, 2, 3, 4]),
                    Array::from(vec![Some("foo"), Some("bar"), Some("baz"), None]),
                    Array::from(vec![Some(true), None, Some(false), Some(true)]),
                ],
                &["f0", "f1", "f2"],
            )
            .expect("the seed batch");
            (Arc::clone(batch.schema()), vec![batch])
        }
        "integers" => group(&INTEGERS, 10, Nulls::Pattern),
        "floats" => group(&FLOATS, 10, Nulls::Pattern),
        "bool" => group(&["bool"], 10, Nulls::Pattern),
        "strings" => group(&["utf8", "large_utf8"], 10, Nulls::Pattern),
        "binaries" => group(
            &["binary", "large_binary", "fixed_size_binary"],
            10,
            Nulls::Pattern,
        ),
        "temporal" => group(&TEMPORAL, 10, Nulls::Pattern),
        "decimal" => group(&["decimal128"], 10, Nulls::Pattern),
        "all_types" => group(&ALL, 10, Nulls::Pattern),
        "no_nulls" => group(&ALL, 6, Nulls::None),
        "all_nulls" => group(&ALL, 5, Nulls::All),
        "empty" => group(&ALL, 0, Nulls::Pattern),
        "no_batches" => (make_schema(&ALL, false), Vec::new()),
        "sliced" => {
            let schema = make_schema(&ALL, false);
            let batch = make_batch(&schema, 3..8, Nulls::Pattern);
            (schema, vec![batch])
        }
        "metadata" => {
            let schema = make_schema(&ALL, true);
            let batch = make_batch(&schema, 0..10, Nulls::Pattern);
            (schema, vec![batch])
        }
        "multi_batch" => {
            let schema = make_schema(&ALL, true);
            let mut start = 0;
            let mut batches = Vec::new();
            for n in MULTI_BATCH_SIZES {
                batches.push(make_batch(&schema, start..start + n, Nulls::Pattern));
                start += n;
            }
            (schema, batches)
        }
        other => panic!("unknown case {other}"),
    }
}

/// What a writer is given for `case` (the same as [`expected`] except `sliced`, which
/// writes rows 3..8 of a 16-row batch as an offset slice).
fn to_write(case: &str) -> (SchemaRef, Vec<RecordBatch>) {
    if case == "sliced" {
        let schema = make_schema(&ALL, false);
        let full = make_batch(&schema, 0..16, Nulls::Pattern);
        let sliced = full.slice(3, 5).expect("slice(3, 5) of 16 rows");
        return (schema, vec![sliced]);
    }
    expected(case)
}

// ---------------------------------------------------------------------------------
// Writing and reading with Quiver
// ---------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Format {
    Stream,
    File,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::Stream => "stream",
            Format::File => "file",
        }
    }
}

fn write_options(alignment: usize) -> IpcWriteOptions {
    IpcWriteOptions::default().with_alignment(alignment)
}

/// Writes `batches` into an in-memory sink with Quiver.
fn quiver_write(
    format: Format,
    schema: &Schema,
    batches: &[RecordBatch],
    alignment: usize,
) -> Result<Vec<u8>, String> {
    let err = |what: &str, e: &dyn std::fmt::Display| format!("Quiver {what} failed: {e}");
    match format {
        Format::Stream => {
            let mut w =
                StreamWriter::try_new_with_options(Vec::new(), schema, write_options(alignment))
                    .map_err(|e| err("StreamWriter::try_new", &e))?;
            for (i, b) in batches.iter().enumerate() {
                w.write(b)
                    .map_err(|e| err(&format!("writing batch {i}"), &e))?;
            }
            w.close().map_err(|e| err("StreamWriter::close", &e))
        }
        Format::File => {
            let mut w =
                FileWriter::try_new_with_options(Vec::new(), schema, write_options(alignment))
                    .map_err(|e| err("FileWriter::try_new", &e))?;
            for (i, b) in batches.iter().enumerate() {
                w.write(b)
                    .map_err(|e| err(&format!("writing batch {i}"), &e))?;
            }
            w.close().map_err(|e| err("FileWriter::close", &e))
        }
    }
}

/// Where Quiver reads from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Source {
    /// The file's bytes in a `Buffer`, read through `BufferReader`.
    BufferReader,
    /// The file's bytes in a `Buffer`, given directly (file format only).
    Buffer,
    /// `quiver::memory_map(path)`.
    MemoryMap,
}

type Read = (SchemaRef, Vec<RecordBatch>);

fn ipc<T>(what: &str, r: Result<T, quiver::ipc::IpcError>) -> Result<T, String> {
    r.map_err(|e| format!("Quiver {what} failed: {e}"))
}

fn read_stream<S: quiver_buffer::InputStream>(source: S) -> Result<Read, String> {
    let mut reader = ipc("StreamReader::try_new", StreamReader::try_new(source))?;
    let schema = Arc::clone(reader.schema());
    let mut batches = Vec::new();
    while let Some(batch) = ipc(
        &format!("reading stream batch {}", batches.len()),
        reader.next_batch(),
    )? {
        batches.push(batch);
    }
    Ok((schema, batches))
}

fn read_file<F: quiver_buffer::RandomAccessFile>(source: F) -> Result<Read, String> {
    let reader = ipc("FileReader::try_new", FileReader::try_new(source))?;
    let schema = Arc::clone(reader.schema());
    let batches = (0..reader.num_record_batches())
        .map(|i| ipc(&format!("FileReader::get_batch({i})"), reader.get_batch(i)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((schema, batches))
}

/// Reads `path` with Quiver; for a memory map also returns the mapped buffer.
fn quiver_read(
    path: &Path,
    format: Format,
    source: Source,
) -> Result<(Read, Option<Buffer>), String> {
    match source {
        Source::MemoryMap => {
            let mm = quiver::memory_map(path)
                .map_err(|e| format!("memory_map({}) failed: {e}", path.display()))?;
            let mapped = mm.buffer().clone();
            let read = match format {
                Format::Stream => read_stream(mm)?,
                Format::File => read_file(mm)?,
            };
            Ok((read, Some(mapped)))
        }
        Source::BufferReader | Source::Buffer => {
            let bytes =
                std::fs::read(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
            let buf = Buffer::from_vec(bytes);
            let read = match (format, source) {
                (Format::Stream, _) => read_stream(BufferReader::new(buf))?,
                (Format::File, Source::BufferReader) => read_file(BufferReader::new(buf))?,
                (Format::File, _) => read_file(buf)?,
            };
            Ok((read, None))
        }
    }
}

/// Differences between what Quiver read and what was expected (empty when equal).
fn diff(expected: &Read, actual: &Read) -> Vec<String> {
    let mut problems = Vec::new();
    let (es, eb) = expected;
    let (as_, ab) = actual;
    if es != as_ {
        problems.push(format!(
            "schema differs\nexpected: {es:?}\nactual:   {as_:?}"
        ));
    }
    let erows: Vec<usize> = eb.iter().map(RecordBatch::num_rows).collect();
    let arows: Vec<usize> = ab.iter().map(RecordBatch::num_rows).collect();
    if erows != arows {
        problems.push(format!(
            "batch boundaries differ: expected row counts {erows:?}, got {arows:?}"
        ));
    }
    for (bi, (e, a)) in eb.iter().zip(ab).enumerate() {
        if a.schema() != as_ {
            problems.push(format!("batch {bi}: its schema differs from the reader's"));
        }
        if e.num_rows() != a.num_rows() || e.num_columns() != a.num_columns() {
            continue;
        }
        for (ci, (ec, ac)) in e.columns().iter().zip(a.columns()).enumerate() {
            let name = e.schema().fields()[ci].name();
            if let Err(err) = ac.validate_full() {
                problems.push(format!(
                    "batch {bi} column {name}: full validation failed: {err}"
                ));
            }
            if !ac.equals(ec) {
                problems.push(format!(
                    "batch {bi} column {name} differs\nexpected: {ec:?} (null_count {})\nactual:   {ac:?} (null_count {})",
                    ec.null_count(),
                    ac.null_count()
                ));
            }
        }
        if !a.equals(e) && problems.is_empty() {
            problems.push(format!(
                "batch {bi}: RecordBatch::equals is false\nexpected:\n{e}\nactual:\n{a}"
            ));
        }
    }
    problems
}

/// Checks that every int32/int64 column of a memory-mapped read is a slice of the map.
/// Returns the problems, how many column chunks were checked, and (for information
/// only) how many of all non-empty buffers of all columns are slices of the map.
fn check_zero_copy(batches: &[RecordBatch], mapped: &Buffer) -> (Vec<String>, usize, String) {
    let mut problems = Vec::new();
    let mut checked = 0;
    let (mut all_buffers, mut mapped_buffers) = (0, 0);
    let mut copied_types = std::collections::BTreeSet::new();
    for (bi, batch) in batches.iter().enumerate() {
        if batch.num_rows() == 0 {
            continue;
        }
        for (field, col) in batch.schema().fields().iter().zip(batch.columns()) {
            for b in col.nulls_buffer().into_iter().chain(col.buffers()) {
                if !b.is_empty() {
                    all_buffers += 1;
                    if mapped.contains_ptr(b.as_ptr()) {
                        mapped_buffers += 1;
                    } else {
                        copied_types.insert(col.data_type().to_string());
                    }
                }
            }
            if !matches!(col.data_type(), DataType::Int32 | DataType::Int64) {
                continue;
            }
            checked += 1;
            match col.buffers().first() {
                Some(b) if mapped.contains_ptr(b.as_ptr()) => {}
                Some(b) => problems.push(format!(
                    "batch {bi} column {}: values buffer at {:p} is not inside the memory map \
                     ({:p}, {} bytes): the read copied instead of slicing",
                    field.name(),
                    b.as_ptr(),
                    mapped.as_ptr(),
                    mapped.len()
                )),
                None => problems.push(format!(
                    "batch {bi} column {}: no values buffer",
                    field.name()
                )),
            }
        }
    }
    let mut info = format!("{mapped_buffers}/{all_buffers} buffers in the map");
    if !copied_types.is_empty() {
        info += &format!(
            ", copied: {}",
            copied_types.into_iter().collect::<Vec<_>>().join(", ")
        );
    }
    (problems, checked, info)
}

/// Runs `f`, turning a panic into an error that names it.
fn no_panic<T>(what: &str, f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "non-string panic payload".into());
            Err(format!("{what} PANICKED: {msg}"))
        }
    }
}

// ---------------------------------------------------------------------------------
// Python
// ---------------------------------------------------------------------------------

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/interop.py")
}

/// Runs `interop.py args…`; Ok(stdout) on exit status 0, otherwise an error with the
/// status, stderr and stdout.
fn run_python(python: &Path, args: &[&OsStr]) -> Result<String, String> {
    let shown = args
        .iter()
        .map(|a| a.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ");
    let out = Command::new(python)
        .arg(script())
        .args(args)
        .output()
        .map_err(|e| format!("could not run {}: {e}", python.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if out.status.success() {
        Ok(stdout)
    } else {
        Err(format!(
            "`interop.py {shown}` exited with {}\n--- stderr ---\n{}--- stdout ---\n{stdout}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Quiver writes `case` in every format and alignment; pyarrow checks each file.
fn quiver_to_pyarrow(python: &Path, dir: &Path, case: &str, log: &mut Vec<String>) -> Vec<String> {
    let mut failures = Vec::new();
    let (schema, batches) = to_write(case);
    for format in [Format::Stream, Format::File] {
        for alignment in [8, 64] {
            let variant = format!(
                "Quiver->pyarrow {case} {} alignment={alignment}",
                format.name()
            );
            let path = dir.join(format!("q2p-{case}-a{alignment}.{}", format.name()));
            let result = no_panic(&variant, || {
                let bytes = quiver_write(format, &schema, &batches, alignment)?;
                std::fs::write(&path, bytes)
                    .map_err(|e| format!("writing {}: {e}", path.display()))?;
                run_python(
                    python,
                    &[
                        OsStr::new(&format!("check-{case}")),
                        path.as_os_str(),
                        OsStr::new(format.name()),
                    ],
                )
            });
            match result {
                Ok(_) => log.push(format!("ok   {variant}")),
                Err(e) => {
                    log.push(format!("FAIL {variant}"));
                    failures.push(format!("{variant}: {e}"));
                }
            }
        }
    }
    failures
}

/// pyarrow writes `case` in both formats; Quiver reads each from every source.
fn pyarrow_to_quiver(python: &Path, dir: &Path, case: &str, log: &mut Vec<String>) -> Vec<String> {
    let mut failures = Vec::new();
    let want = expected(case);
    // Uncompressed in both formats from every source; compressed bodies (which Quiver
    // reads but cannot slice) once per codec.
    let variants = [
        (Format::Stream, "none"),
        (Format::File, "none"),
        (Format::Stream, "lz4"),
        (Format::File, "zstd"),
    ];
    for (format, codec) in variants {
        let path = dir.join(format!("p2q-{case}-{codec}.{}", format.name()));
        let label = if codec == "none" {
            format.name().to_string()
        } else {
            format!("{} {codec}", format.name())
        };
        let written = run_python(
            python,
            &[
                OsStr::new(&format!("write-{case}")),
                path.as_os_str(),
                OsStr::new(format.name()),
                OsStr::new("--compression"),
                OsStr::new(codec),
            ],
        );
        if let Err(e) = written {
            log.push(format!(
                "FAIL pyarrow->Quiver {case} {label} (pyarrow write)"
            ));
            failures.push(format!("pyarrow->Quiver {case} {label}: {e}"));
            continue;
        }
        let sources: &[Source] = match (format, codec) {
            (_, "lz4" | "zstd") => &[Source::BufferReader],
            (Format::Stream, _) => &[Source::BufferReader, Source::MemoryMap],
            (Format::File, _) => &[Source::BufferReader, Source::Buffer, Source::MemoryMap],
        };
        for &source in sources {
            let variant = format!("pyarrow->Quiver {case} {label} from {source:?}");
            let result = no_panic(&variant, || {
                let (got, mapped) = quiver_read(&path, format, source)?;
                let mut problems = diff(&want, &got);
                let mut note = String::new();
                if let Some(mapped) = mapped {
                    let (zc, checked, info) = check_zero_copy(&got.1, &mapped);
                    problems.extend(zc);
                    note = format!(
                        " (zero copy: {checked} int32/int64 column chunks checked; {info})"
                    );
                }
                if problems.is_empty() {
                    Ok(note)
                } else {
                    Err(format!(
                        "{} problem(s):\n- {}",
                        problems.len(),
                        problems.join("\n- ")
                    ))
                }
            });
            match result {
                Ok(note) => log.push(format!("ok   {variant}{note}")),
                Err(e) => {
                    log.push(format!("FAIL {variant}"));
                    failures.push(format!("{variant}: {e}"));
                }
            }
        }
    }
    failures
}

struct CaseResult {
    log: Vec<String>,
    q2p: Vec<String>,
    p2q: Vec<String>,
}

#[test]
fn pyarrow_interop_both_ways() {
    let Some(python) = quiver_testkit::require_python("pyarrow interop") else {
        return;
    };

    // Both sides must define the same cases, so that every case really runs.
    let listed = run_python(&python, &[OsStr::new("list-cases")]).unwrap_or_else(|e| panic!("{e}"));
    let listed: Vec<&str> = listed
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(
        listed, CASES,
        "interop.py and pyarrow_interop.rs define different cases"
    );

    let dir = tempfile::tempdir().expect("a temporary directory");
    let results: Vec<Mutex<Option<CaseResult>>> = CASES.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(2, 4);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(case) = CASES.get(i) else { break };
                    let mut log = Vec::new();
                    let q2p = quiver_to_pyarrow(&python, dir.path(), case, &mut log);
                    let p2q = pyarrow_to_quiver(&python, dir.path(), case, &mut log);
                    *results[i].lock().unwrap() = Some(CaseResult { log, q2p, p2q });
                }
            });
        }
    });

    let mut failures = Vec::new();
    let (mut q2p_passed, mut p2q_passed) = (0, 0);
    for (case, result) in CASES.iter().zip(results) {
        let result = result
            .into_inner()
            .unwrap()
            .unwrap_or_else(|| panic!("case {case} did not run"));
        for line in &result.log {
            println!("{line}");
        }
        q2p_passed += usize::from(result.q2p.is_empty());
        p2q_passed += usize::from(result.p2q.is_empty());
        failures.extend(result.q2p);
        failures.extend(result.p2q);
    }
    println!(
        "pyarrow interop: {q2p_passed} cases Quiver->pyarrow, {p2q_passed} cases pyarrow->Quiver passed (of {})",
        CASES.len()
    );
    assert!(
        failures.is_empty(),
        "{} pyarrow interop failure(s):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    quiver_testkit::expect_cases("pyarrow interop, Quiver->pyarrow", q2p_passed, 16);
    quiver_testkit::expect_cases("pyarrow interop, pyarrow->Quiver", p2q_passed, 16);
}

/// Without Python: every case survives a Quiver write and read, in both formats, so a
/// mistake in the Rust half of the test data shows up even where pyarrow is missing.
#[test]
fn interop_cases_round_trip_through_quiver() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut failures = Vec::new();
    for case in CASES {
        let (schema, batches) = to_write(case);
        let want = expected(case);
        for format in [Format::Stream, Format::File] {
            let path = dir.path().join(format!("{case}.{}", format.name()));
            let result = no_panic(case, || {
                let bytes = quiver_write(format, &schema, &batches, 8)?;
                std::fs::write(&path, bytes).map_err(|e| e.to_string())?;
                let (got, _) = quiver_read(&path, format, Source::BufferReader)?;
                let problems = diff(&want, &got);
                if problems.is_empty() {
                    Ok(())
                } else {
                    Err(problems.join("\n- "))
                }
            });
            if let Err(e) = result {
                failures.push(format!("{case} {}: {e}", format.name()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
