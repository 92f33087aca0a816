//! Bounded work for tests that read hostile input: a [`Counted`] source charges every
//! call and every byte it hands out to a [`Meter`], the test charges every batch a reader
//! yields, and the meter panics with `WORK BOUND exceeded` as soon as the [`Budget`] for
//! the input is spent. A reader that loops forever thus fails instead of hanging, and
//! nothing measures time.
//!
//! Shared by `mutation.rs` and `corruption.rs` through
//! `#[path = "common/work.rs"] mod work;`.

use std::cell::Cell;
use std::io::{self, Read};

use quiver::{Buffer, InputStream, RandomAccessFile};

/// The most work one read of an input of `len` bytes may do. Every message takes at
/// least 8 bytes of the input, so a reader that needs more calls, bytes or batches than
/// this is going round in circles (or rereading without end) rather than reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Calls to the source (`read`, `read_buffer`, `read_at`, `size`): one per 2 input
    /// bytes, plus a few for the end of input.
    pub calls: usize,
    /// Bytes handed out by the source: a stream reads each byte once; a file reader
    /// reads the footer and then each block, dictionaries included, so a few passes.
    pub bytes: usize,
    /// Batches yielded: at most one per 8 input bytes.
    pub batches: usize,
}

impl Budget {
    /// The budget for reading an input of `len` bytes once.
    pub fn for_input(len: usize) -> Self {
        Budget {
            calls: len / 2 + 64,
            bytes: 4 * len + 64,
            batches: len / 8 + 1,
        }
    }
}

/// Charges the work of one read against its [`Budget`]; panics (with `WORK BOUND`) as
/// soon as the budget is exceeded, which ends any loop in the reader.
#[derive(Debug)]
pub struct Meter {
    budget: Budget,
    calls: Cell<usize>,
    bytes: Cell<usize>,
    batches: Cell<usize>,
}

impl Meter {
    /// A meter with nothing charged yet.
    pub fn new(budget: Budget) -> Self {
        Meter {
            budget,
            calls: Cell::new(0),
            bytes: Cell::new(0),
            batches: Cell::new(0),
        }
    }

    /// A meter for one read of `input`.
    pub fn for_input(input: &[u8]) -> Self {
        Meter::new(Budget::for_input(input.len()))
    }

    /// One call to the source that handed out `bytes` bytes.
    pub fn charge_call(&self, bytes: usize) {
        self.calls.set(self.calls.get() + 1);
        self.bytes.set(self.bytes.get().saturating_add(bytes));
        if self.calls.get() > self.budget.calls || self.bytes.get() > self.budget.bytes {
            self.exceeded();
        }
    }

    /// One batch yielded by the reader.
    pub fn charge_batch(&self) {
        self.batches.set(self.batches.get() + 1);
        if self.batches.get() > self.budget.batches {
            self.exceeded();
        }
    }

    /// Whether more was charged than the budget allows (the meter has panicked).
    pub fn is_over(&self) -> bool {
        self.calls.get() > self.budget.calls
            || self.bytes.get() > self.budget.bytes
            || self.batches.get() > self.budget.batches
    }

    /// How much of its budget was used, in percent: the largest of the three shares.
    pub fn used_percent(&self) -> usize {
        let b = self.budget;
        [
            self.calls.get() * 100 / b.calls,
            self.bytes.get() * 100 / b.bytes,
            self.batches.get() * 100 / b.batches,
        ]
        .into_iter()
        .max()
        .unwrap_or(0)
    }

    fn exceeded(&self) -> ! {
        panic!(
            "WORK BOUND exceeded: {} source calls, {} bytes, {} batches; budget {:?}",
            self.calls.get(),
            self.bytes.get(),
            self.batches.get(),
            self.budget
        );
    }
}

/// A source (an `io::Read`, an `InputStream` or a `RandomAccessFile`) whose every call
/// is charged to a [`Meter`].
#[derive(Debug)]
pub struct Counted<'m, S> {
    /// The source being metered.
    pub inner: S,
    /// Where its work is charged.
    pub meter: &'m Meter,
}

impl<S: Read> Read for Counted<'_, S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let r = self.inner.read(buf);
        self.meter.charge_call(*r.as_ref().unwrap_or(&0));
        r
    }
}

impl<S: InputStream> InputStream for Counted<'_, S> {
    fn read_buffer(&mut self, len: usize) -> io::Result<Buffer> {
        let r = self.inner.read_buffer(len);
        self.meter.charge_call(r.as_ref().map_or(0, Buffer::len));
        r
    }

    fn is_zero_copy(&self) -> bool {
        self.inner.is_zero_copy()
    }
}

impl<S: RandomAccessFile> RandomAccessFile for Counted<'_, S> {
    fn size(&self) -> io::Result<u64> {
        self.meter.charge_call(0);
        self.inner.size()
    }

    fn read_at(&self, offset: u64, len: usize) -> io::Result<Buffer> {
        let r = self.inner.read_at(offset, len);
        self.meter.charge_call(r.as_ref().map_or(0, Buffer::len));
        r
    }

    fn is_zero_copy(&self) -> bool {
        self.inner.is_zero_copy()
    }
}
