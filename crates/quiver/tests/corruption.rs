//! Damaged input: every truncation and every single-byte corruption of a small stream and
//! a small file is read by every reader. Truncations must be reported as errors (except
//! a stream cut exactly between two messages, which is a shorter valid stream); byte
//! corruptions may read or fail but must never panic or loop. Also: writers dropped
//! without `finish` leave input the readers reject.
//!
//! Nothing here measures time: every read goes through a [`Counted`] source charging a
//! [`Meter`] (`common/work.rs`, shared with `mutation.rs`), so a reader that loops
//! forever exceeds its [`Budget`] and is reported as `UNBOUNDED WORK` on the input that
//! made it loop.

use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Once};

use quiver::ipc::{FileReader, FileWriter, IpcError, IpcReadOptions, StreamReader, StreamWriter};
use quiver::{
    Array, ArrayData, Buffer, BufferOutputStream, BufferReader, DataType, Field, InputStream,
    RecordBatch, Schema,
};

#[path = "common/work.rs"]
mod work;
use work::{Budget, Counted, Meter};

// ---------------------------------------------------------------------------------------
// The input: a few batches of the seed's columns plus binary and list<int32>.

fn schema() -> Schema {
    Schema::new(vec![
        Field::new("f0", DataType::Int64, true),
        Field::new("f1", DataType::Utf8, true),
        Field::new("f2", DataType::Boolean, true),
        Field::new("bin", DataType::Binary, true),
        Field::new(
            "list",
            DataType::List(Arc::new(Field::new("item", DataType::Int32, true))),
            true,
        ),
    ])
}

fn list_column(lists: &[Option<&[Option<i32>]>]) -> Array {
    let mut offsets = vec![0i32];
    let mut values = Vec::new();
    let mut valid = vec![0u8; lists.len().div_ceil(8)];
    for (i, l) in lists.iter().enumerate() {
        if let Some(l) = l {
            values.extend_from_slice(l);
            valid[i / 8] |= 1 << (i % 8);
        }
        offsets.push(values.len() as i32);
    }
    ArrayData::new(
        DataType::List(Arc::new(Field::new("item", DataType::Int32, true))),
        lists.len(),
    )
    .nulls(Some(Buffer::from_vec(valid)))
    .buffers(vec![Buffer::from_vec(offsets)])
    .children(vec![Array::from(values)])
    .build()
    .unwrap()
}

fn batches() -> Vec<RecordBatch> {
    let schema = Arc::new(schema());
    let b0 = RecordBatch::try_new(
        Arc::clone(&schema),
        vec![
            Array::from(vec![1i64, 2, 3, 4]),
            Array::from(vec![Some("foo"), Some("bar"), Some("baz"), None]),
            Array::from(vec![Some(true), None, Some(false), Some(true)]),
            Array::from(vec![Some(&b"\x00\x01"[..]), None, Some(b""), Some(b"xyz")]),
            list_column(&[
                Some(&[Some(1), Some(2)]),
                None,
                Some(&[]),
                Some(&[None, Some(7)]),
            ]),
        ],
    )
    .unwrap();
    let b1 = RecordBatch::try_new(
        Arc::clone(&schema),
        vec![
            Array::from(vec![-5i64, 1 << 40]),
            Array::from(vec![None, Some("héllo")]),
            Array::from(vec![None, Some(false)]),
            Array::from(vec![Some(&b"\xff"[..]), Some(b"\x10\x20\x30\x40\x50")]),
            list_column(&[Some(&[Some(9)]), Some(&[Some(-1), None, Some(3)])]),
        ],
    )
    .unwrap();
    let empty = b0.slice(0, 0).unwrap();
    vec![b0, b1, empty]
}

/// The stream's bytes and the offset of every message boundary: after the schema, after
/// each batch, and the end (after the end-of-stream marker).
fn stream() -> (Vec<u8>, Vec<usize>) {
    let batches = batches();
    let mut w = StreamWriter::try_new(Vec::new(), &schema()).unwrap();
    let mut boundaries = vec![w.get_ref().len()];
    for b in &batches {
        w.write(b).unwrap();
        boundaries.push(w.get_ref().len());
    }
    let bytes = w.close().unwrap();
    assert_eq!(bytes.len(), boundaries.last().unwrap() + 8, "an 8-byte EOS");
    boundaries.push(bytes.len());
    (bytes, boundaries)
}

fn file() -> Vec<u8> {
    let mut w = FileWriter::try_new(Vec::new(), &schema()).unwrap();
    for b in &batches() {
        w.write(b).unwrap();
    }
    w.close().unwrap()
}

// ---------------------------------------------------------------------------------------
// Readers: each reads through a counted source and charges every batch to `meter`.

/// Every batch of `reader`, each charged to `meter`.
fn collect<S: InputStream>(
    reader: StreamReader<S>,
    meter: &Meter,
) -> Result<Vec<RecordBatch>, IpcError> {
    reader.inspect(|_| meter.charge_batch()).collect()
}

/// Every batch of a stream over a `BufferReader` (zero-copy path).
fn read_stream_buffer(bytes: &[u8], meter: &Meter) -> Result<Vec<RecordBatch>, IpcError> {
    let inner = BufferReader::new(Buffer::from_vec(bytes.to_vec()));
    collect(StreamReader::try_new(Counted { inner, meter })?, meter)
}

/// Every batch of a stream over a plain `std::io::Read` (copying path).
fn read_stream_io(bytes: &[u8], meter: &Meter) -> Result<Vec<RecordBatch>, IpcError> {
    let source = Counted {
        inner: bytes,
        meter,
    };
    collect(StreamReader::from_reader(source)?, meter)
}

/// Like `read_stream_buffer`, accepting a stream that lacks its end-of-stream marker.
fn read_stream_lenient(bytes: &[u8], meter: &Meter) -> Result<Vec<RecordBatch>, IpcError> {
    let opts = IpcReadOptions::default().with_require_end_of_stream(false);
    let inner = BufferReader::new(Buffer::from_vec(bytes.to_vec()));
    collect(
        StreamReader::try_new_with_options(Counted { inner, meter }, opts)?,
        meter,
    )
}

/// Every batch of a file over a `Buffer`: the footer, then `get_batch(i)` for each block.
fn read_file(bytes: &[u8], meter: &Meter) -> Result<Vec<RecordBatch>, IpcError> {
    let inner = Buffer::from_vec(bytes.to_vec());
    let reader = FileReader::try_new(Counted { inner, meter })?;
    (0..reader.num_record_batches())
        .map(|i| {
            meter.charge_batch();
            reader.get_batch(i)
        })
        .collect()
}

type Reader = fn(&[u8], &Meter) -> Result<Vec<RecordBatch>, IpcError>;

/// `read` on `bytes` under a fresh meter (outside the sweeps, where no loop is expected).
fn metered(read: Reader, bytes: &[u8]) -> Result<Vec<RecordBatch>, IpcError> {
    read(bytes, &Meter::for_input(bytes))
}

/// Uses what a reader accepted the way a caller would: checks it, prints it, compares it.
fn exercise(batches: &[RecordBatch]) {
    for b in batches {
        for c in b.columns() {
            c.validate_full()
                .expect("a reader returned an array that fails full validation");
        }
        let _ = b.to_string();
        assert!(b.equals(b));
    }
}

// ---------------------------------------------------------------------------------------
// Panic capture: a quiet hook that records the message, location and a backtrace summary
// for the thread that panicked, so a sweep can report every panic at once.

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

fn install_quiet_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current()
                .name()
                .is_some_and(|n| n.starts_with("sweep-"))
            {
                let bt = std::backtrace::Backtrace::force_capture().to_string();
                // Keep the frames that are ours (the quiver crates), which say where.
                let frames: Vec<&str> = bt
                    .lines()
                    .filter(|l| l.contains("quiver_") && !l.contains("corruption"))
                    .take(6)
                    .map(str::trim)
                    .collect();
                let msg = format!("{info}\n      frames: {}", frames.join(" <- "));
                LAST_PANIC.with(|p| *p.borrow_mut() = Some(msg));
            } else {
                default(info);
            }
        }));
    });
}

/// The read that used the largest share of its work budget, and on what.
#[derive(Debug, Default)]
struct Busiest {
    percent: usize,
    what: String,
}

impl Busiest {
    fn note(&mut self, meter: &Meter, what: impl FnOnce() -> String) {
        let used = meter.used_percent();
        if used > self.percent {
            *self = Busiest {
                percent: used,
                what: what(),
            };
        }
    }

    fn report(&self, sweep: &str) {
        println!(
            "{sweep}: busiest read used {}% of its work budget: {}",
            self.percent, self.what
        );
    }
}

/// Runs `f` with a fresh meter for `input`, catching its panics: `Err` describes one,
/// as `UNBOUNDED WORK` when the meter stopped a loop, else as a panic. The share of the
/// budget used goes to `busiest` under the name `what`.
fn guarded<T>(
    input: &[u8],
    busiest: &mut Busiest,
    what: impl FnOnce() -> String,
    f: impl FnOnce(&Meter) -> T,
) -> Result<T, String> {
    let meter = Meter::for_input(input);
    let r = catch_unwind(AssertUnwindSafe(|| f(&meter)));
    busiest.note(&meter, what);
    r.map_err(|_| {
        let message = LAST_PANIC
            .with(|p| p.borrow_mut().take())
            .unwrap_or_else(|| "(no message captured)".into());
        if meter.is_over() {
            format!("UNBOUNDED WORK: {message}")
        } else {
            format!("panicked: {message}")
        }
    })
}

/// Runs `read` on `input` (and uses the result); `Some(description)` if it panicked or
/// looped.
fn panics(
    read: Reader,
    input: &[u8],
    busiest: &mut Busiest,
    what: impl FnOnce() -> String,
) -> Option<String> {
    guarded(input, busiest, what, |meter| {
        if let Ok(b) = read(input, meter) {
            exercise(&b);
        }
    })
    .err()
}

/// Runs a sweep `f` on a thread named `sweep-{name}` (so the quiet hook records its
/// panics). `f` keeps the byte position it is working on in the counter it is given;
/// every read inside is metered and guarded, so `f` ends, and a panic that escapes those
/// guards fails the test naming that position and the panic.
fn on_sweep_thread<T: Send + 'static>(
    name: &str,
    f: impl FnOnce(&AtomicUsize) -> T + Send + 'static,
) -> T {
    install_quiet_hook();
    let at = Arc::new(AtomicUsize::new(0));
    let at2 = Arc::clone(&at);
    let outcome = std::thread::Builder::new()
        .name(format!("sweep-{name}"))
        .spawn(move || {
            catch_unwind(AssertUnwindSafe(|| f(&at2))).map_err(|_| {
                LAST_PANIC
                    .with(|p| p.borrow_mut().take())
                    .unwrap_or_else(|| "(no message captured)".into())
            })
        })
        .expect("spawning a sweep thread")
        .join()
        .expect("a sweep thread catches its own panics");
    outcome.unwrap_or_else(|message| {
        panic!(
            "{name}: a panic escaped the guarded reads at byte {}: {message}",
            at.load(Ordering::SeqCst)
        )
    })
}

/// A source that hands out `bytes` over and over, without end.
struct Repeat<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl std::io::Read for Repeat<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let rest = self.bytes.get(self.pos..).unwrap_or_default();
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.pos = (self.pos + n) % self.bytes.len();
        Ok(n)
    }
}

/// The bounds themselves: a reader stuck at the end of its input and asking for more
/// forever, and a stream whose batches never end, are stopped by the meter and reported
/// as `UNBOUNDED WORK`; a panic that escapes the guarded reads names the byte the sweep
/// was at and the panic.
#[test]
fn work_bounds_stop_loops_and_escaped_panics_name_the_byte() {
    let (stuck, endless) = on_sweep_thread("work-bound-check", |_| {
        let mut busiest = Busiest::default();
        let input = [0u8; 64];
        let stuck = guarded::<()>(&input, &mut busiest, String::new, |meter| {
            let inner = BufferReader::new(Buffer::from_vec(input.to_vec()));
            let mut source = Counted { inner, meter };
            loop {
                let _ = source.read_buffer(8);
            }
        });
        // The schema, then the first batch's message again and again.
        let (bytes, boundaries) = stream();
        let (schema, batch) = bytes[..boundaries[1]].split_at(boundaries[0]);
        let endless = guarded(
            &bytes[..boundaries[1]],
            &mut busiest,
            String::new,
            |meter| {
                let inner = std::io::Read::chain(
                    schema,
                    Repeat {
                        bytes: batch,
                        pos: 0,
                    },
                );
                let reader = StreamReader::from_reader(Counted { inner, meter });
                reader.and_then(|r| collect(r, meter)).map(|b| b.len())
            },
        );
        (stuck.unwrap_err(), endless.unwrap_err())
    });
    assert!(stuck.starts_with("UNBOUNDED WORK: panicked at "), "{stuck}");
    assert!(
        stuck.contains(
            "WORK BOUND exceeded: 97 source calls, 64 bytes, 0 batches; budget Budget { calls: \
             96, bytes: 320, batches: 9 }"
        ),
        "{stuck}"
    );
    // The budget of the schema and one batch (960 bytes) is spent on the fifth batch.
    let (_, boundaries) = stream();
    assert_eq!(boundaries[1], 960);
    assert!(
        endless.starts_with("UNBOUNDED WORK: panicked at "),
        "{endless}"
    );
    assert!(
        endless.contains(&format!(
            "WORK BOUND exceeded: 27 source calls, 4000 bytes, 5 batches; budget {:?}",
            Budget::for_input(960)
        )),
        "{endless}"
    );

    // Called from a `sweep-` thread too, so the quiet hook keeps the expected panic.
    let escaped = std::thread::Builder::new()
        .name("sweep-escape-check-caller".into())
        .spawn(|| {
            catch_unwind(|| {
                on_sweep_thread("escape-check", |at| {
                    at.store(17, Ordering::SeqCst);
                    panic!("a bug in the sweep itself")
                })
            })
            .expect_err("the escaped panic fails the test")
            .downcast::<String>()
            .expect("a formatted panic message")
        })
        .expect("spawning a thread")
        .join()
        .expect("the check catches its panic");
    assert!(
        escaped.starts_with(
            "escape-check: a panic escaped the guarded reads at byte 17: panicked at \
             crates/quiver/tests/corruption.rs:"
        ),
        "{escaped}"
    );
    assert!(
        escaped.contains(":\na bug in the sweep itself\n      frames: "),
        "{escaped}"
    );
}

// ---------------------------------------------------------------------------------------
// (a) Truncation.

#[test]
fn every_stream_truncation_is_an_error() {
    let (bytes, boundaries) = stream();
    let total_batches = batches().len();
    let n = bytes.len();
    let (failures, busiest) = on_sweep_thread("stream-truncation", move |at| {
        let mut failures = Vec::new();
        let mut busiest = Busiest::default();
        for cut in 0..n {
            at.store(cut, Ordering::SeqCst);
            let input = &bytes[..cut];
            // boundaries[0] is after the schema, boundaries[k] after batch k-1; the last
            // entry is the full length, which `cut` never reaches.
            let expected = boundaries[..boundaries.len() - 1]
                .iter()
                .position(|&b| b == cut);
            // By default every cut is an error (the end-of-stream marker is required);
            // leniently, a cut between messages reads the batches before it.
            for (name, read, lenient) in [
                ("BufferReader", read_stream_buffer as Reader, false),
                ("io::Read", read_stream_io as Reader, false),
                ("lenient BufferReader", read_stream_lenient as Reader, true),
            ] {
                let what = || format!("stream cut at {cut}/{n} via {name}");
                let got = guarded(input, &mut busiest, what, |meter| read(input, meter));
                let expected = if lenient { expected } else { None };
                let outcome = match (&got, expected) {
                    (Err(p), _) => Some(p.clone()),
                    (Ok(Err(_)), None) => None,
                    (Ok(Ok(b)), Some(k)) if b.len() == k => None,
                    (Ok(Ok(b)), Some(k)) => Some(format!(
                        "cut between messages should read {k} batches, read {}",
                        b.len()
                    )),
                    (Ok(Ok(b)), None) => Some(format!(
                        "cut inside a message read as a valid stream of {} batches",
                        b.len()
                    )),
                    (Ok(Err(e)), Some(k)) => Some(format!(
                        "cut between messages should read {k} batches, got error: {e}"
                    )),
                };
                if let Some(o) = outcome {
                    failures.push(format!("stream cut at {cut}/{n} via {name}: {o}"));
                }
            }
        }
        (failures, busiest)
    });
    // Sanity: the whole stream reads completely.
    let (bytes, _) = stream();
    assert_eq!(
        metered(read_stream_buffer, &bytes).unwrap().len(),
        total_batches
    );
    assert_eq!(
        metered(read_stream_io, &bytes).unwrap().len(),
        total_batches
    );
    assert_eq!(
        metered(read_stream_lenient, &bytes).unwrap().len(),
        total_batches
    );
    println!("stream truncations: {n} cut points x 3 readers (2 strict, 1 lenient)");
    busiest.report("stream truncations");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn stream_truncated_at_a_boundary_says_no_end_marker() {
    let (bytes, boundaries) = stream();
    let cut = boundaries[boundaries.len() - 2];
    let mut reader =
        StreamReader::try_new(BufferReader::new(Buffer::from_vec(bytes[..cut].to_vec()))).unwrap();
    let mut n = 0;
    let err = loop {
        match reader.next_batch() {
            Ok(Some(_)) => n += 1,
            Ok(None) => panic!("a stream without its end marker must not end cleanly"),
            Err(e) => break e,
        }
    };
    assert_eq!(
        n,
        batches().len(),
        "every complete batch comes before the error"
    );
    assert!(matches!(err, IpcError::Truncated { .. }), "{err}");
    assert!(
        err.to_string().contains(&format!(
            "ends after {n} record batches without its end-of-stream marker"
        )),
        "{err}"
    );
    assert!(!reader.saw_end_of_stream_marker());
    let mut reader = StreamReader::try_new(BufferReader::new(Buffer::from_vec(bytes))).unwrap();
    while reader.next_batch().unwrap().is_some() {}
    assert!(reader.saw_end_of_stream_marker());
}

#[test]
fn every_file_truncation_is_an_error() {
    let bytes = file();
    let n = bytes.len();
    assert_eq!(metered(read_file, &bytes).unwrap().len(), batches().len());
    let (failures, busiest) = on_sweep_thread("file-truncation", move |at| {
        let mut failures = Vec::new();
        let mut busiest = Busiest::default();
        for cut in 0..n {
            at.store(cut, Ordering::SeqCst);
            let input = &bytes[..cut];
            // The footer path alone must already reject it.
            let what = || format!("file cut at {cut}/{n}, footer");
            let opened = guarded(input, &mut busiest, what, |meter| {
                let inner = Buffer::from_vec(input.to_vec());
                FileReader::try_new(Counted { inner, meter }).map(|_| ())
            });
            match opened {
                Err(p) => failures.push(format!("file cut at {cut}/{n}: footer read {p}")),
                Ok(Ok(())) => failures.push(format!("file cut at {cut}/{n}: footer accepted")),
                Ok(Err(_)) => {}
            }
            let what = || format!("file cut at {cut}/{n}, every batch");
            match guarded(input, &mut busiest, what, |meter| read_file(input, meter)) {
                Err(p) => failures.push(format!("file cut at {cut}/{n}: reading {p}")),
                Ok(Ok(b)) => failures.push(format!(
                    "file cut at {cut}/{n}: read {} batches without error",
                    b.len()
                )),
                Ok(Err(_)) => {}
            }
        }
        (failures, busiest)
    });
    println!("file truncations: {n} cut points");
    busiest.report("file truncations");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------------------
// (b) Byte corruption.

/// What to write at a position holding `b`: single bytes (0x00, 0xFF, all bits flipped,
/// the low bit or the high bit flipped) and little-endian words that make lengths,
/// offsets and counts huge or negative.
fn patches(b: u8) -> Vec<Vec<u8>> {
    let mut p: Vec<Vec<u8>> = [0x00, 0xFF, !b, b ^ 0x01, b ^ 0x80]
        .into_iter()
        .filter(|&v| v != b)
        .map(|v| vec![v])
        .collect();
    p.sort();
    p.dedup();
    p.push(i32::MAX.to_le_bytes().to_vec());
    p.push(i32::MIN.to_le_bytes().to_vec());
    p.push(0x4000_0000i32.to_le_bytes().to_vec());
    p.push(i64::MAX.to_le_bytes().to_vec());
    p
}

/// Every byte position of `bytes`, every patch, every reader: no panic, no unbounded
/// work. Returns (byte flips tried, word patches tried, panic and loop descriptions) and
/// prints the busiest read. Every byte gets at least 3 single-byte and 4 word patches
/// from [`patches`], so at least `7 * bytes * readers` inputs must have been read.
fn sweep(
    name: &str,
    bytes: Vec<u8>,
    readers: &'static [(&'static str, Reader)],
) -> (usize, usize, Vec<String>) {
    let n = bytes.len();
    let (flips, words, found, busiest) = sweep_bytes(name, bytes, readers);
    busiest.report(&format!("corruption ({name})"));
    let swept = (flips, words, found);
    quiver_testkit::expect_cases(
        &format!("corruption ({name})"),
        swept.0 + swept.1,
        7 * n * readers.len(),
    );
    swept
}

fn sweep_bytes(
    name: &str,
    bytes: Vec<u8>,
    readers: &'static [(&'static str, Reader)],
) -> (usize, usize, Vec<String>, Busiest) {
    let n = bytes.len();
    on_sweep_thread(name, move |at| {
        let (mut flips, mut words) = (0, 0);
        let mut found = Vec::new();
        let mut busiest = Busiest::default();
        let mut input = bytes.clone();
        for pos in 0..n {
            at.store(pos, Ordering::SeqCst);
            for patch in patches(bytes[pos]) {
                let end = (pos + patch.len()).min(n);
                input[pos..end].copy_from_slice(&patch[..end - pos]);
                for (rname, read) in readers {
                    if patch.len() == 1 {
                        flips += 1;
                    } else {
                        words += 1;
                    }
                    let what = || {
                        format!(
                            "bytes {pos}..{end} ({:02x?} -> {:02x?}) via {rname}",
                            &bytes[pos..end],
                            &patch[..end - pos]
                        )
                    };
                    if let Some(p) = panics(*read, &input, &mut busiest, what) {
                        found.push(format!("{}: {p}", what()));
                    }
                }
                input[pos..end].copy_from_slice(&bytes[pos..end]);
            }
        }
        (flips, words, found, busiest)
    })
}

static STREAM_READERS: &[(&str, Reader)] = &[
    ("stream/BufferReader", read_stream_buffer),
    ("stream/io::Read", read_stream_io),
];
static FILE_READERS: &[(&str, Reader)] = &[("file/Buffer", read_file)];

#[test]
fn corrupting_any_stream_byte_never_panics() {
    let (bytes, _) = stream();
    let n = bytes.len();
    let (flips, words, panics) = sweep("stream-bytes", bytes, STREAM_READERS);
    println!(
        "corruption: stream of {n} bytes, {flips} byte flips, {words} word patches (x2 readers), {} panics",
        panics.len()
    );
    assert!(panics.is_empty(), "panics:\n{}", panics.join("\n"));
}

#[test]
fn corrupting_any_file_byte_never_panics() {
    let bytes = file();
    let n = bytes.len();
    let (flips, words, panics) = sweep("file-bytes", bytes, FILE_READERS);
    println!(
        "corruption: file of {n} bytes, {flips} byte flips, {words} word patches, {} panics",
        panics.len()
    );
    assert!(panics.is_empty(), "panics:\n{}", panics.join("\n"));
}

/// A batch over the other decode paths: null, struct, fixed-size list, large list,
/// fixed-size binary, large utf8, decimal128, month-day-nano interval, timestamp with a
/// time zone, float16 and a dictionary.
fn wide_batch() -> RecordBatch {
    let n = 5;
    let item = |t: DataType| Arc::new(Field::new("item", t, true));
    let strct = ArrayData::new(
        DataType::Struct(vec![
            Field::new("fsb", DataType::FixedSizeBinary(3), true),
            Field::new("ls", DataType::LargeUtf8, true),
        ]),
        n,
    )
    .nulls(Some(Buffer::from_vec(vec![0b10111u8])))
    .children(vec![
        Array::from_bytes(
            DataType::FixedSizeBinary(3),
            [
                Some(b"abc"),
                None,
                Some(b"\0\0\0"),
                Some(b"xyz"),
                Some(b"qqq"),
            ],
        )
        .unwrap(),
        Array::from_bytes(
            DataType::LargeUtf8,
            [Some("a"), Some("bb"), None, Some(""), Some("日本")],
        )
        .unwrap(),
    ])
    .build()
    .unwrap();
    let fsl = ArrayData::new(DataType::FixedSizeList(item(DataType::Int16), 2), n)
        .nulls(Some(Buffer::from_vec(vec![0b11011u8])))
        .children(vec![Array::from(vec![
            Some(1i16),
            None,
            Some(3),
            Some(4),
            Some(5),
            Some(6),
            None,
            None,
            Some(9),
            Some(10),
        ])])
        .build()
        .unwrap();
    let large_list = ArrayData::new(DataType::LargeList(item(DataType::Boolean)), n)
        .buffers(vec![Buffer::from_vec(vec![0i64, 2, 2, 5, 6, 6])])
        .children(vec![Array::from(vec![
            Some(true),
            None,
            Some(false),
            Some(true),
            Some(true),
            Some(false),
        ])])
        .build()
        .unwrap();
    let dict_type = DataType::Dictionary {
        index: Box::new(DataType::Int8),
        value: Box::new(DataType::Utf8),
        ordered: false,
    };
    let dict = ArrayData::new(dict_type.clone(), n)
        .buffers(vec![Buffer::from_vec(vec![0i8, 1, 1, 2, 0])])
        .dictionary(Some(Array::from(vec!["red", "green", "blue"])))
        .build()
        .unwrap();
    let columns = vec![
        Array::new_null(n),
        strct,
        fsl,
        large_list,
        Array::from_primitive::<i128>(
            DataType::Decimal128(38, 3),
            [Some(12345), None, Some(-1), Some(i128::MAX / 7), Some(0)],
        )
        .unwrap(),
        Array::from_primitive::<i128>(
            DataType::Interval(quiver::IntervalUnit::MonthDayNano),
            [Some(1 << 70), Some(-5), None, Some(0), Some(99)],
        )
        .unwrap(),
        Array::from_primitive::<i64>(
            DataType::Timestamp(quiver::TimeUnit::Microsecond, Some("UTC".into())),
            [
                Some(0),
                Some(1_600_000_000_000_000),
                None,
                Some(-1),
                Some(7),
            ],
        )
        .unwrap(),
        Array::from_primitive::<quiver::f16>(
            DataType::Float16,
            [1.5f32, -0.0, 65504.0, 0.1, 3.0].map(|v| Some(quiver::f16::from_f32(v))),
        )
        .unwrap(),
        dict,
    ];
    let fields = columns
        .iter()
        .enumerate()
        .map(|(i, c)| Field::new(format!("c{i}"), c.data_type().clone(), true))
        .collect();
    RecordBatch::try_new(
        Arc::new(Schema::new(fields).with_metadata(vec![("k".into(), "v".into())])),
        columns,
    )
    .unwrap()
}

#[test]
fn corrupting_a_stream_and_file_of_wider_types_never_panics() {
    let batch = wide_batch();
    let mut w = StreamWriter::try_new(Vec::new(), batch.schema()).unwrap();
    w.write(&batch).unwrap();
    w.write(&batch.slice(1, 3).unwrap()).unwrap();
    let stream = w.close().unwrap();
    let mut w = FileWriter::try_new(Vec::new(), batch.schema()).unwrap();
    w.write(&batch).unwrap();
    w.write(&batch.slice(1, 3).unwrap()).unwrap();
    let file = w.close().unwrap();
    assert_eq!(metered(read_stream_buffer, &stream).unwrap().len(), 2);
    assert!(metered(read_file, &file).unwrap()[1].equals(&batch.slice(1, 3).unwrap()));

    let (sn, fnn) = (stream.len(), file.len());
    let (s_flips, s_words, mut panics) = sweep("wide-stream-bytes", stream, STREAM_READERS);
    let (f_flips, f_words, f_panics) = sweep("wide-file-bytes", file, FILE_READERS);
    panics.extend(f_panics);
    println!(
        "corruption (wide types): stream of {sn} bytes, {s_flips} byte flips, {s_words} word \
         patches (x2 readers); file of {fnn} bytes, {f_flips} byte flips, {f_words} word \
         patches; {} panics",
        panics.len()
    );
    assert!(panics.is_empty(), "panics:\n{}", panics.join("\n"));
}

// ---------------------------------------------------------------------------------------
// Writers dropped without finishing.

#[test]
fn stream_writer_dropped_without_finish_reads_as_truncated() {
    let batches = batches();
    let mut sink = BufferOutputStream::new();
    {
        let mut w = StreamWriter::try_new(&mut sink, &schema()).unwrap();
        for b in &batches {
            w.write(b).unwrap();
        }
        // Dropped here: no finish(), no close().
    }
    let buf = sink.getvalue();

    let mut reader = StreamReader::try_new(BufferReader::new(buf.clone())).unwrap();
    for b in &batches {
        assert!(reader.next_batch().unwrap().unwrap().equals(b));
    }
    let err = reader.next_batch().unwrap_err();
    assert!(matches!(err, IpcError::Truncated { .. }), "{err:?}");
    assert!(!reader.saw_end_of_stream_marker());

    let err = metered(read_stream_io, buf.as_slice()).unwrap_err();
    assert!(matches!(err, IpcError::Truncated { .. }), "{err:?}");
    let err = metered(read_stream_buffer, buf.as_slice()).unwrap_err();
    assert!(matches!(err, IpcError::Truncated { .. }), "{err:?}");

    // Even a writer dropped right after the schema.
    let mut sink = BufferOutputStream::new();
    drop(StreamWriter::try_new(&mut sink, &schema()).unwrap());
    let err = metered(read_stream_buffer, sink.getvalue().as_slice()).unwrap_err();
    assert!(matches!(err, IpcError::Truncated { .. }), "{err:?}");
}

#[test]
fn file_writer_dropped_without_finish_is_rejected() {
    let mut sink = BufferOutputStream::new();
    {
        let mut w = FileWriter::try_new(&mut sink, &schema()).unwrap();
        for b in &batches() {
            w.write(b).unwrap();
        }
        // The file writer gathers messages until `flush`, `finish` or about 1 MiB.
        w.flush().unwrap();
    }
    let buf = sink.getvalue();
    assert!(buf.len() > 8);
    let err = FileReader::try_new(buf.clone()).unwrap_err();
    // The leading magic is there and the closing one is not: a cut-off file.
    assert!(matches!(err, IpcError::Truncated { .. }), "{err:?}");

    let mut sink = BufferOutputStream::new();
    drop(FileWriter::try_new(&mut sink, &schema()).unwrap());
    assert!(FileReader::try_new(sink.getvalue()).is_err());
}
