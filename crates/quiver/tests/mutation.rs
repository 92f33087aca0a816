//! Deterministic mutation of every golden file: each `.stream` and `.arrow_file` under
//! arrow-testing's `arrow-ipc-stream/integration/*/` is taken apart message by message
//! (encapsulation prefix, metadata flatbuffer, body; for files also the footer and its
//! blocks), then damaged in targeted ways:
//!
//! - truncation at every message boundary (and inside each prefix) and at random points;
//! - single-byte flips in the metadata regions and in the body regions;
//! - "inflated lengths": every metadata length after a continuation marker (or legacy
//!   prefix) replaced by huge and negative values;
//! - 8-byte words the metadata points at (record batch length, node lengths and null
//!   counts, buffer offsets and lengths, variadic buffer counts, bodyLength, dictionary
//!   ids) and random aligned words anywhere replaced by `i64::MAX`, `i64::MIN`, `-1`,
//!   `0x7FFF_FFFF_FFFF`; random aligned 4-byte metadata words (flatbuffer offsets, vector
//!   lengths, type parameters) replaced by huge and negative `i32`s;
//! - for files: the footer length, random footer bytes and the footer's block fields.
//!
//! Every mutated input is read through `StreamReader` (over a `BufferReader`) and
//! `FileReader` (every batch), with `max_message_size` of 64 MiB, and every column of
//! what is accepted is checked with `validate_full`. Asserted: no panic; bounded work per
//! read — every source is wrapped in a [`Counted`] (`common/work.rs`, shared with
//! `corruption.rs`) that charges each call and the bytes it hands out to a [`Meter`], and
//! the batches each read yields are charged too, against a [`Budget`] sized by the input
//! (a reader that loops forever thus hits the bound and fails instead of hanging; nothing
//! here measures time); and bounded allocation — per read, through a counting global
//! allocator in this binary (peak live heap and the largest single request of the reading
//! thread), and overall through the default memory pool's `max_memory()`. At least every
//! golden file (182) is mutated; without arrow-testing the test skips through
//! `quiver_testkit`, a failure under `CI=true`.
//!
//! This must stay the only (non-ignored) test in its binary: the pool and the global
//! allocator are process-wide. Minimized regressions of bugs found here are separate
//! `#[ignore]` tests.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};

use quiver::ipc::{FileReader, IpcReadOptions, StreamReader};
use quiver::{Buffer, BufferReader, InputStream, ReadInputStream, default_memory_pool};

#[path = "common/work.rs"]
mod work;
use work::{Budget, Counted, Meter};

// ---------------------------------------------------------------------------------------
// Allocation accounting: a global allocator that keeps, per thread, the live heap bytes,
// their peak since the last reset and the largest single request (counted even when the
// system refuses it).

struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn note_request(size: usize) {
    let _ = LARGEST.try_with(|l| l.set(l.get().max(size)));
}

fn note_change(delta: isize) {
    let _ = LIVE.try_with(|l| {
        let now = l.get() + delta;
        l.set(now);
        let _ = PEAK.try_with(|p| p.set(p.get().max(now)));
    });
}

// SAFETY: every call is forwarded unchanged to the system allocator; the bookkeeping
// touches only const-initialized thread-locals without destructors, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_request(layout.size());
        // SAFETY: forwarded from the caller's contract.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            note_change(layout.size() as isize);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_request(layout.size());
        // SAFETY: forwarded from the caller's contract.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            note_change(layout.size() as isize);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded from the caller's contract.
        unsafe { System.dealloc(ptr, layout) };
        note_change(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_request(new_size);
        // SAFETY: forwarded from the caller's contract.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            note_change(new_size as isize - layout.size() as isize);
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Starts measuring a read on this thread; returns the live bytes at the start.
fn start_measuring() -> isize {
    let live = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(live));
    LARGEST.with(|l| l.set(0));
    live
}

/// (peak live bytes above `base`, largest single request) since `start_measuring`.
fn measured(base: isize) -> (usize, usize) {
    let peak = PEAK.with(Cell::get) - base;
    (peak.max(0) as usize, LARGEST.with(Cell::get))
}

/// A single read may allocate at most this much at once (live, on its thread), and ask
/// for at most this much in one request: the inputs are under 1 MiB and messages are
/// limited to 64 MiB, so anything larger is an allocation sized by a number in the input.
const PER_READ_LIMIT: usize = 256 << 20;
/// The default pool's high-water mark over the whole run.
const POOL_LIMIT: usize = 1 << 30;
const MAX_MESSAGE_SIZE: usize = 64 << 20;

// ---------------------------------------------------------------------------------------
// A fixed-seed PRNG (xorshift64*).

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// FNV-1a, to seed each file's PRNG from its name.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

// ---------------------------------------------------------------------------------------
// A minimal flatbuffer walker, enough to find the numbers worth corrupting.

fn u16_at(b: &[u8], pos: usize) -> Option<usize> {
    Some(u16::from_le_bytes(b.get(pos..pos.checked_add(2)?)?.try_into().ok()?) as usize)
}
fn u32_at(b: &[u8], pos: usize) -> Option<usize> {
    Some(u32::from_le_bytes(b.get(pos..pos.checked_add(4)?)?.try_into().ok()?) as usize)
}
fn i32_at(b: &[u8], pos: usize) -> Option<i32> {
    Some(i32::from_le_bytes(
        b.get(pos..pos.checked_add(4)?)?.try_into().ok()?,
    ))
}
fn i64_at(b: &[u8], pos: usize) -> Option<i64> {
    Some(i64::from_le_bytes(
        b.get(pos..pos.checked_add(8)?)?.try_into().ok()?,
    ))
}

/// The position of field `index` of the table at `table`, if present.
fn field(b: &[u8], table: usize, index: usize) -> Option<usize> {
    let vtable = usize::try_from(table as i64 - i64::from(i32_at(b, table)?)).ok()?;
    let vt_len = u16_at(b, vtable)?;
    let slot = 4 + 2 * index;
    if slot + 2 > vt_len {
        return None;
    }
    match u16_at(b, vtable + slot)? {
        0 => None,
        off => Some(table + off),
    }
}

/// Follows the uoffset stored at `pos` (to a table, vector or string).
fn deref(b: &[u8], pos: usize) -> Option<usize> {
    pos.checked_add(u32_at(b, pos)?).filter(|&p| p < b.len())
}

/// The vector the uoffset at `pos` points to: (first element, element count).
fn vector(b: &[u8], pos: usize) -> Option<(usize, usize)> {
    let v = deref(b, pos)?;
    Some((v + 4, u32_at(b, v)?))
}

/// Positions of the 8-byte numbers inside a `RecordBatch` table: length, each node's
/// length and null count, each buffer's offset and length, the variadic buffer counts.
/// Also collects each buffer's (offset, length) in the body.
fn record_batch_words(
    b: &[u8],
    rb: usize,
    out: &mut Vec<usize>,
    buffers: &mut Vec<(usize, usize)>,
) {
    if let Some(p) = field(b, rb, 0) {
        out.push(p);
    }
    for (index, stride) in [(1, 16), (2, 16)] {
        if let Some((start, n)) = field(b, rb, index).and_then(|p| vector(b, p)) {
            for i in 0..n.min(4096) {
                let p = start + i * stride;
                out.extend([p, p + 8]);
                if index == 2
                    && let (Some(off), Some(len)) = (i64_at(b, p), i64_at(b, p + 8))
                    && let (Ok(off), Ok(len)) = (usize::try_from(off), usize::try_from(len))
                {
                    buffers.push((off, len));
                }
            }
        }
    }
    if let Some((start, n)) = field(b, rb, 4).and_then(|p| vector(b, p)) {
        out.extend((0..n.min(4096)).map(|i| start + i * 8));
    }
}

// ---------------------------------------------------------------------------------------
// The structure of an input.

/// One encapsulated message, by absolute positions.
#[derive(Debug, Clone)]
struct Message {
    start: usize,
    /// Where the i32 metadata length is (after the continuation marker, or at `start`
    /// for the legacy pre-0.15 framing).
    length_field: usize,
    meta_start: usize,
    meta_len: usize,
    body_start: usize,
    body_len: usize,
    /// 8-byte numbers inside the metadata (bodyLength, batch/node/buffer numbers, ids).
    words: Vec<usize>,
    /// The first and last 8 bytes of each body buffer.
    body_words: Vec<usize>,
}

#[derive(Debug, Default)]
struct Structure {
    messages: Vec<Message>,
    /// Message boundaries (starts of messages and of the end-of-stream marker, the end).
    boundaries: Vec<usize>,
    /// For files: the footer flatbuffer's range and the footer length's position.
    footer: Option<(usize, usize, usize)>,
    /// For files: the positions of every block's offset (i64), metadata length (i32)
    /// and body length (i64).
    blocks: Vec<(usize, usize, usize)>,
}

fn parse(bytes: &[u8], is_file: bool) -> Structure {
    let mut layout = Structure::default();
    let mut end = bytes.len();
    let mut pos = 0;
    if is_file {
        pos = 8;
        let flen_pos = bytes.len().saturating_sub(10);
        if let Some(flen) = i32_at(bytes, flen_pos).and_then(|n| usize::try_from(n).ok())
            && let Some(fstart) = flen_pos.checked_sub(flen)
        {
            end = fstart;
            layout.footer = Some((fstart, flen_pos, flen_pos));
            let footer = &bytes[fstart..flen_pos];
            if let Some(root) = deref(footer, 0) {
                for index in [2, 3] {
                    if let Some((start, n)) =
                        field(footer, root, index).and_then(|p| vector(footer, p))
                    {
                        for i in 0..n.min(4096) {
                            let s = fstart + start + i * 24;
                            layout.blocks.push((s, s + 8, s + 16));
                        }
                    }
                }
            }
        }
    }
    while pos + 4 <= end {
        layout.boundaries.push(pos);
        let (length_field, meta_start) = if u32_at(bytes, pos) == Some(0xFFFF_FFFF) {
            (pos + 4, pos + 8)
        } else {
            (pos, pos + 4)
        };
        let Some(meta_len) = i32_at(bytes, length_field).and_then(|n| usize::try_from(n).ok())
        else {
            break;
        };
        if meta_len == 0 {
            // End-of-stream marker.
            layout.boundaries.push(meta_start.min(bytes.len()));
            break;
        }
        let Some(meta) = bytes.get(meta_start..meta_start + meta_len) else {
            break;
        };
        let mut words = Vec::new();
        let mut buffers = Vec::new();
        let mut body_len = 0;
        if let Some(root) = deref(meta, 0) {
            if let Some(p) = field(meta, root, 3) {
                words.push(p);
                body_len = i64_at(meta, p)
                    .and_then(|n| usize::try_from(n).ok())
                    .unwrap_or(0);
            }
            let header_type = field(meta, root, 1).and_then(|p| meta.get(p).copied());
            let header = field(meta, root, 2).and_then(|p| deref(meta, p));
            match (header_type, header) {
                (Some(3), Some(rb)) => record_batch_words(meta, rb, &mut words, &mut buffers),
                (Some(2), Some(db)) => {
                    if let Some(p) = field(meta, db, 0) {
                        words.push(p);
                    }
                    if let Some(rb) = field(meta, db, 1).and_then(|p| deref(meta, p)) {
                        record_batch_words(meta, rb, &mut words, &mut buffers);
                    }
                }
                _ => {}
            }
        }
        for w in &mut words {
            *w += meta_start;
        }
        let body_start = meta_start + meta_len;
        // The first and last word of every body buffer: a compressed buffer's
        // uncompressed length, the first and last offsets, the first and last values.
        let mut body_words = Vec::new();
        for (off, len) in buffers {
            if len >= 8 && off.saturating_add(len) <= body_len {
                body_words.extend([body_start + off, body_start + off + len - 8]);
            }
        }
        body_words.retain(|&p| p + 8 <= bytes.len());
        body_words.dedup();
        layout.messages.push(Message {
            start: pos,
            length_field,
            meta_start,
            meta_len,
            body_start,
            body_len,
            words,
            body_words,
        });
        pos = body_start.saturating_add(body_len);
    }
    layout.boundaries.push(bytes.len());
    layout
}

// ---------------------------------------------------------------------------------------
// Mutations.

#[derive(Debug, Clone)]
enum Mutation {
    Truncate(usize),
    Patch {
        what: &'static str,
        pos: usize,
        bytes: Vec<u8>,
    },
}

impl Mutation {
    fn apply(&self, original: &[u8]) -> Vec<u8> {
        match self {
            Mutation::Truncate(n) => original[..*n].to_vec(),
            Mutation::Patch { pos, bytes, .. } => {
                let mut out = original.to_vec();
                let end = (pos + bytes.len()).min(out.len());
                out[*pos..end].copy_from_slice(&bytes[..end - pos]);
                out
            }
        }
    }

    fn describe(&self, original: &[u8]) -> String {
        match self {
            Mutation::Truncate(n) => format!("truncated to {n} of {} bytes", original.len()),
            Mutation::Patch { what, pos, bytes } => {
                let end = (pos + bytes.len()).min(original.len());
                format!(
                    "{what}: bytes {pos}..{end} {:02x?} -> {:02x?}",
                    &original[*pos..end],
                    &bytes[..end - pos]
                )
            }
        }
    }
}

const WORDS64: [i64; 4] = [i64::MAX, i64::MIN, -1, 0x7FFF_FFFF_FFFF];
const LENGTHS32: [i32; 5] = [0x7FFF_FFF0, 0x4000_0000, -1, i32::MIN, -8];

/// Up to `n` of `items`, spread evenly (all of them when there are fewer).
fn spread<T: Clone>(items: &[T], n: usize) -> Vec<T> {
    if items.len() <= n {
        return items.to_vec();
    }
    (0..n).map(|i| items[i * items.len() / n].clone()).collect()
}

/// The mutation set of one input.
fn mutations(bytes: &[u8], layout: &Structure, rng: &mut Rng, scale: usize) -> Vec<Mutation> {
    let n = bytes.len();
    let mut out = Vec::new();
    let patch = |what, pos: usize, v: &[u8]| Mutation::Patch {
        what,
        pos,
        bytes: v.to_vec(),
    };

    // Truncation: at message boundaries and just inside each prefix, and at random points.
    let mut cuts: Vec<usize> = Vec::new();
    for &b in &layout.boundaries {
        cuts.extend([b, b + 4, b + 6]);
    }
    for m in &layout.messages {
        cuts.extend([m.body_start, m.body_start + m.body_len / 2]);
    }
    if let Some((fstart, _, flen_pos)) = layout.footer {
        cuts.extend([fstart, flen_pos, n - 6, n - 1]);
    }
    cuts.retain(|&c| c < n);
    cuts.sort_unstable();
    cuts.dedup();
    out.extend(spread(&cuts, 40).into_iter().map(Mutation::Truncate));
    for _ in 0..20 * scale {
        out.push(Mutation::Truncate(rng.below(n)));
    }

    let flip = |rng: &mut Rng, s: usize, e: usize| {
        let pos = s + rng.below(e - s);
        (bytes[pos] ^ (1 + rng.below(255) as u8), pos)
    };

    // Single-byte flips in metadata (prefix included) and in bodies.
    let metas: Vec<(usize, usize)> = layout
        .messages
        .iter()
        .map(|m| (m.start, m.meta_start + m.meta_len))
        .collect();
    if !metas.is_empty() {
        for _ in 0..50 * scale {
            let &(s, e) = rng.pick(&metas);
            let (v, pos) = flip(rng, s, e);
            out.push(patch("metadata byte flip", pos, &[v]));
        }
    }
    let bodies: Vec<(usize, usize)> = layout
        .messages
        .iter()
        .filter(|m| m.body_len > 0 && m.body_start + m.body_len <= n)
        .map(|m| (m.body_start, m.body_start + m.body_len))
        .collect();
    if !bodies.is_empty() {
        for _ in 0..50 * scale {
            let &(s, e) = rng.pick(&bodies);
            let (v, pos) = flip(rng, s, e);
            out.push(patch("body byte flip", pos, &[v]));
        }
    }

    // Inflated metadata lengths.
    for m in spread(&layout.messages, 12) {
        for v in LENGTHS32 {
            out.push(patch("metadata length", m.length_field, &v.to_le_bytes()));
        }
    }

    // The 8-byte numbers the metadata holds.
    let words: Vec<usize> = layout
        .messages
        .iter()
        .flat_map(|m| m.words.clone())
        .collect();
    for _ in 0..(40 * scale).min(words.len() * 4) {
        let pos = *rng.pick(&words);
        let v = *rng.pick(&WORDS64);
        out.push(patch("metadata number", pos, &v.to_le_bytes()));
    }
    // ... and nudged: off by one either way, doubled, just over 2^31 and 2^32.
    for _ in 0..(30 * scale).min(words.len() * 5) {
        let pos = *rng.pick(&words);
        let orig = i64_at(bytes, pos).unwrap_or(0);
        let v = match rng.below(5) {
            0 => orig.wrapping_add(1),
            1 => orig.wrapping_sub(1),
            2 => orig.wrapping_mul(2).wrapping_add(8),
            3 => (1 << 31) + orig,
            _ => (1 << 32) + orig,
        };
        out.push(patch("metadata number nudged", pos, &v.to_le_bytes()));
    }
    // The words that start and end body buffers.
    let body_words: Vec<usize> = layout
        .messages
        .iter()
        .flat_map(|m| m.body_words.clone())
        .collect();
    for _ in 0..(20 * scale).min(body_words.len() * 4) {
        let pos = *rng.pick(&body_words);
        let v = *rng.pick(&WORDS64);
        out.push(patch("body buffer edge", pos, &v.to_le_bytes()));
    }
    // Random aligned 8-byte words anywhere, random aligned 4-byte words in metadata.
    for _ in 0..16 * scale {
        let pos = rng.below(n / 8) * 8;
        let v = *rng.pick(&WORDS64);
        out.push(patch("aligned word", pos, &v.to_le_bytes()));
    }
    if !metas.is_empty() {
        for _ in 0..16 * scale {
            let &(s, e) = rng.pick(&metas);
            let pos = (s + rng.below(e - s)) & !3;
            let v = *rng.pick(&LENGTHS32);
            out.push(patch("metadata i32 word", pos, &v.to_le_bytes()));
        }
    }

    // Files: the footer length, footer bytes, block fields.
    if let Some((fstart, fend, flen_pos)) = layout.footer {
        let flen = (fend - fstart) as i32;
        for v in [
            0,
            1,
            -1,
            i32::MIN,
            i32::MAX,
            flen - 1,
            flen + 1,
            flen + 8,
            n as i32,
        ] {
            out.push(patch("footer length", flen_pos, &v.to_le_bytes()));
        }
        if fend > fstart {
            for _ in 0..20 * scale {
                let (v, pos) = flip(rng, fstart, fend);
                out.push(patch("footer byte flip", pos, &[v]));
            }
        }
        for &(offset, meta_len, body_len) in &spread(&layout.blocks, 6) {
            for v in WORDS64.into_iter().chain([0, 8, n as i64]) {
                out.push(patch("block offset", offset, &v.to_le_bytes()));
            }
            for v in LENGTHS32.into_iter().chain([0, 8]) {
                out.push(patch("block metadata length", meta_len, &v.to_le_bytes()));
            }
            for v in WORDS64.into_iter().chain([0]) {
                out.push(patch("block body length", body_len, &v.to_le_bytes()));
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Reading.

/// Full validation, without the value range checks: some golden files
/// (`quiver_testkit::GOLDEN_OUT_OF_RANGE`) hold decimals and dates outside their types'
/// ranges and would be refused before any mutation. This test is about panics and
/// bounded work; the range checks are exercised by `pyarrow_mutation.rs`.
fn options() -> IpcReadOptions {
    IpcReadOptions::default()
        .with_max_message_size(MAX_MESSAGE_SIZE)
        .with_value_range_checks(false)
}

/// Every batch of a stream, fully validated, each charged to `meter`.
fn read_all<S: InputStream>(source: S, meter: &Meter) -> Result<usize, quiver::Error> {
    let reader = StreamReader::try_new_with_options(source, options())?;
    let mut n = 0;
    for batch in reader {
        meter.charge_batch();
        for col in batch?.columns() {
            col.validate_full()?;
        }
        n += 1;
    }
    Ok(n)
}

fn read_stream(bytes: &Buffer, meter: &Meter) -> Result<usize, quiver::Error> {
    let source = Counted {
        inner: BufferReader::new(bytes.clone()),
        meter,
    };
    read_all(source, meter)
}

fn read_stream_io(bytes: &Buffer, meter: &Meter) -> Result<usize, quiver::Error> {
    let source = Counted {
        inner: bytes.as_slice(),
        meter,
    };
    read_all(ReadInputStream::new(source), meter)
}

fn read_file(bytes: &Buffer, meter: &Meter) -> Result<usize, quiver::Error> {
    let source = Counted {
        inner: bytes.clone(),
        meter,
    };
    let reader = FileReader::try_new_with_options(source, options())?;
    for i in 0..reader.num_record_batches() {
        meter.charge_batch();
        for col in reader.get_batch(i)?.columns() {
            col.validate_full()?;
        }
    }
    Ok(reader.num_record_batches())
}

type Reader = fn(&Buffer, &Meter) -> Result<usize, quiver::Error>;
const READERS: [(&str, Reader); 3] = [
    ("StreamReader/BufferReader", read_stream),
    ("StreamReader/io::Read", read_stream_io),
    ("FileReader", read_file),
];

// ---------------------------------------------------------------------------------------
// Panic capture.

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
                .is_some_and(|n| n.starts_with("mutation-"))
            {
                let bt = std::backtrace::Backtrace::force_capture().to_string();
                // Frames are "N: symbol" lines, each followed by "at file:line": keep
                // the quiver crates' and this test's frames, with their locations.
                let lines: Vec<&str> = bt.lines().map(str::trim).collect();
                let frames: Vec<String> = lines
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| l.contains(": quiver") || l.contains(": mutation::"))
                    .filter(|(_, l)| !l.contains("install_quiet_hook"))
                    .map(|(i, l)| match lines.get(i + 1) {
                        Some(at) if at.starts_with("at ") => format!("{l} {at}"),
                        _ => (*l).to_owned(),
                    })
                    .take(12)
                    .collect();
                let msg = format!(
                    "{info}\n      frames:\n        {}",
                    frames.join("\n        ")
                );
                LAST_PANIC.with(|p| *p.borrow_mut() = Some(msg));
            } else {
                default(info);
            }
        }));
    });
}

// ---------------------------------------------------------------------------------------
// The test.

fn golden_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let Ok(producers) = std::fs::read_dir(root.join("arrow-ipc-stream/integration")) else {
        return files;
    };
    for producer in producers.flatten() {
        let Ok(entries) = std::fs::read_dir(producer.path()) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.extension()
                .is_some_and(|x| x == "stream" || x == "arrow_file")
            {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

#[derive(Debug, Default)]
struct Totals {
    files: usize,
    inputs: usize,
    ok: usize,
    rejected: usize,
    problems: Vec<String>,
    /// (peak live bytes, largest request, description) of the hungriest read.
    hungriest: (usize, usize, String),
    /// (share of its budget in percent, description) of the busiest read.
    busiest: (usize, String),
}

fn run_file(root: &Path, path: &Path, scale: usize, totals: &Mutex<Totals>) {
    let name = path
        .strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string();
    let bytes = std::fs::read(path).expect("golden file is readable");
    let is_file = path.extension().is_some_and(|x| x == "arrow_file");
    let layout = parse(&bytes, is_file);
    assert!(
        !layout.messages.is_empty(),
        "{name}: no message found by the structure walk"
    );
    let pristine = Buffer::from_vec(bytes.clone());
    let meter = Meter::for_input(&bytes);
    let sane = if is_file {
        read_file(&pristine, &meter)
    } else {
        read_stream(&pristine, &meter)
    };
    assert!(sane.is_ok(), "{name} does not read unmutated: {sane:?}");
    let mut rng = Rng::new(fnv(&name));
    let muts = mutations(&bytes, &layout, &mut rng, scale);
    let (mut ok, mut rejected) = (0, 0);
    let mut problems = Vec::new();
    let mut hungriest = (0, 0, String::new());
    let mut busiest = (0, String::new());
    for m in &muts {
        let input = Buffer::from_vec(m.apply(&bytes));
        for (rname, read) in READERS {
            let what = || format!("{name}, {}, via {rname}", m.describe(&bytes));
            let meter = Meter::for_input(&input);
            let base = start_measuring();
            let r = catch_unwind(AssertUnwindSafe(|| read(&input, &meter).is_ok()));
            let (peak, largest) = measured(base);
            let message = || {
                LAST_PANIC
                    .with(|p| p.borrow_mut().take())
                    .unwrap_or_else(|| "(no message captured)".into())
            };
            match r {
                Ok(true) => ok += 1,
                Ok(false) => rejected += 1,
                Err(_) if meter.is_over() => {
                    problems.push(format!("UNBOUNDED WORK on {}: {}", what(), message()));
                }
                Err(_) => problems.push(format!("PANIC on {}: {}", what(), message())),
            }
            let used = meter.used_percent();
            if used > busiest.0 {
                busiest = (used, what());
            }
            if peak > PER_READ_LIMIT || largest > PER_READ_LIMIT {
                problems.push(format!(
                    "ALLOCATION peak {} MiB, largest request {} MiB on {}",
                    peak >> 20,
                    largest >> 20,
                    what()
                ));
            }
            if peak.max(largest) > hungriest.0.max(hungriest.1) {
                hungriest = (peak, largest, what());
            }
        }
    }
    let mut t = totals.lock().unwrap();
    t.files += 1;
    t.inputs += muts.len();
    t.ok += ok;
    t.rejected += rejected;
    t.problems.extend(problems);
    if hungriest.0.max(hungriest.1) > t.hungriest.0.max(t.hungriest.1) {
        t.hungriest = hungriest;
    }
    if busiest.0 > t.busiest.0 {
        t.busiest = busiest;
    }
}

/// The work bound itself: a reader stuck at the end of its input and asking for more
/// forever, or yielding batches forever, is stopped by the meter (on a thread of this
/// test, so the panic hook keeps the message) instead of hanging the suite.
fn assert_work_bound_stops_loops() {
    let stuck = |body: fn(&Meter)| {
        std::thread::Builder::new()
            .name("mutation-work-bound".into())
            .spawn(move || {
                let meter = Meter::new(Budget::for_input(64));
                let r = catch_unwind(AssertUnwindSafe(|| body(&meter)));
                let message = LAST_PANIC
                    .with(|p| p.borrow_mut().take())
                    .unwrap_or_default();
                (r.is_err() && meter.is_over(), message)
            })
            .expect("spawning a thread")
            .join()
            .expect("the work-bound check caught its panic")
    };
    let (stopped, message) = stuck(|meter| {
        let mut source = Counted {
            inner: BufferReader::new(Buffer::from_vec(vec![0u8; 64])),
            meter,
        };
        loop {
            let _ = source.read_buffer(8);
        }
    });
    assert!(stopped, "{message}");
    assert!(
        message.contains(
            "WORK BOUND exceeded: 97 source calls, 64 bytes, 0 batches; budget Budget { calls: \
             96, bytes: 320, batches: 9 }"
        ),
        "{message}"
    );
    let (stopped, message) = stuck(|meter| {
        loop {
            meter.charge_batch();
        }
    });
    assert!(stopped, "{message}");
    assert!(
        message.contains("WORK BOUND exceeded: 0 source calls, 0 bytes, 10 batches"),
        "{message}"
    );
}

#[test]
fn mutated_golden_files_never_panic_hang_or_overallocate() {
    let Some(root) = quiver_testkit::require_arrow_testing("mutation") else {
        return;
    };
    let files = golden_files(&root);
    // QUIVER_MUTATION_SCALE multiplies the random mutation counts (default 2: per file
    // 40 random truncations, 100 metadata and 100 body byte flips, ...).
    let scale = std::env::var("QUIVER_MUTATION_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2usize);
    install_quiet_hook();
    assert_work_bound_stops_loops();
    let pool = default_memory_pool();
    let pool_before = pool.bytes_allocated();

    let files = Arc::new(files);
    let root = Arc::new(root);
    let next = Arc::new(AtomicUsize::new(0));
    let totals = Arc::new(Mutex::new(Totals::default()));
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 2));
    let mut handles = Vec::new();
    for w in 0..workers {
        let (files, root, next, totals) = (
            Arc::clone(&files),
            Arc::clone(&root),
            Arc::clone(&next),
            Arc::clone(&totals),
        );
        handles.push(
            std::thread::Builder::new()
                .name(format!("mutation-{w}"))
                .spawn(move || {
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        let Some(path) = files.get(i) else { break };
                        run_file(&root, path, scale, &totals);
                    }
                })
                .unwrap(),
        );
    }
    for h in handles {
        h.join()
            .expect("a mutation worker died outside catch_unwind");
    }

    let t = totals.lock().unwrap();
    let pool_after = pool.bytes_allocated();
    let pool_peak = pool.max_memory();
    println!(
        "mutation: {} files, {} mutated inputs, {} read ok, {} rejected, {} panics, peak pool \
         memory {} MiB ({} reads: StreamReader over a BufferReader and an io::Read, FileReader)",
        files.len(),
        t.inputs,
        t.ok,
        t.rejected,
        t.problems.iter().filter(|p| p.starts_with("PANIC")).count(),
        pool_peak >> 20,
        t.ok + t.rejected,
    );
    println!(
        "mutation: hungriest read: peak {} KiB live, largest request {} KiB: {}",
        t.hungriest.0 >> 10,
        t.hungriest.1 >> 10,
        t.hungriest.2
    );
    println!(
        "mutation: busiest read used {}% of its work budget: {}",
        t.busiest.0, t.busiest.1
    );
    assert!(t.problems.is_empty(), "{}", t.problems.join("\n"));
    assert!(
        pool_peak < POOL_LIMIT,
        "the default pool reached {} MiB: an allocation sized by an input number",
        pool_peak >> 20
    );
    assert_eq!(
        pool_after, pool_before,
        "pool memory not given back after every read was dropped"
    );
    quiver_testkit::expect_cases("mutation (golden files mutated)", t.files, 182);
}
