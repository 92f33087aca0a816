//! [`AsyncStreamReader`]: reads the streaming format from a tokio [`AsyncRead`], as a
//! thin driver over [`StreamDecoder`].

use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_core::Stream;
use futures_core::stream::FusedStream;
use quiver_array::{RecordBatch, SchemaRef};
use quiver_buffer::{Buffer, MutableBuffer};
use tokio::io::{AsyncRead, ReadBuf};

use crate::error::{IpcError, Location, Result};
use crate::options::IpcReadOptions;
use crate::read::stream_decoder::{Decoded, StreamDecoder};

/// How many bytes one read asks the source for. A message piece at least this large (a
/// big body) is read into a buffer of exactly its size instead.
const CHUNK: usize = 64 * 1024;

/// The most allocated for a message piece before its bytes arrive: a longer piece grows
/// as they do, so a lying length prefix cannot make the reader allocate more (the sync
/// readers use the same bound).
const UP_FRONT: usize = 16 << 20;

/// A read that returned at most this many bytes is copied into a buffer of its own size
/// and the chunk kept for the next read, so batches that keep a small read alive do not
/// keep a whole chunk alive with it.
const SMALL_READ: usize = CHUNK / 4;

/// Reads record batches from an Arrow stream arriving through a tokio [`AsyncRead`] (a
/// socket, a pipe, a file): the async form of [`StreamReader`](crate::StreamReader).
///
/// It feeds the bytes to a [`StreamDecoder`], so it validates exactly what the sync
/// reader validates and fails with the same errors. [`next_batch`](Self::next_batch)
/// reads one batch; the reader is also a [`Stream`] of batches.
///
/// # Memory
///
/// The reader asks its source for at most 64 KiB at a time, and keeps at most that much
/// beyond the message it is decoding; a message piece (metadata or body) of 64 KiB or
/// more is read into one pool buffer of exactly its size, which the batch's columns
/// then slice. That buffer is allocated at most 16 MiB ahead of the bytes that arrived
/// (it grows as they do), so a lying length prefix cannot make the reader allocate
/// more, as with the sync readers. Every allocation comes from the memory pool of the
/// [`IpcReadOptions`].
///
/// # Cancellation
///
/// [`next_batch`](Self::next_batch) is cancel-safe: the bytes read so far stay in the
/// reader, not in the future, so dropping the future midway (for example when a
/// `tokio::time::timeout` around it expires) loses nothing, and the next call carries
/// on where the dropped one stopped.
///
/// # Errors
///
/// After an error, the stream's remaining bytes cannot be trusted: every later call to
/// `next_batch` returns an [`IpcError::Usage`] naming the first error, and the
/// [`Stream`] ends (it yields the error once, then `None`). After the end of the
/// stream, `next_batch` returns `Ok(None)`.
///
/// ```
/// use quiver_array::{Array, RecordBatch};
/// use quiver_ipc::{AsyncStreamReader, AsyncStreamWriter};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> quiver_ipc::Result<()> {
/// let batch = RecordBatch::try_from_columns(vec![Array::from(vec![1i64, 2, 3])], &["n"])?;
/// let (client, server) = tokio::io::duplex(64 * 1024);
///
/// let producer = tokio::spawn({
///     let batch = batch.clone();
///     async move {
///         let mut writer = AsyncStreamWriter::try_new(client, batch.schema()).await?;
///         writer.write(&batch).await?;
///         writer.finish().await
///     }
/// });
///
/// let mut reader = AsyncStreamReader::try_new(server).await?;
/// assert_eq!(reader.schema().fields()[0].name(), "n");
/// let read = reader.next_batch().await?.unwrap();
/// assert!(read.equals(&batch));
/// assert!(reader.next_batch().await?.is_none());
/// producer.await.unwrap()?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct AsyncStreamReader<R> {
    driver: Driver<R>,
    schema: SchemaRef,
    state: State,
}

/// Where the reader is in its life.
#[derive(Debug)]
enum State {
    /// More batches may come.
    Reading,
    /// The stream ended.
    Ended,
    /// A call failed; holds that error's text.
    Failed(String),
    /// The [`Stream`] yielded the failure; it yields nothing more.
    Terminated(String),
}

impl<R: AsyncRead + Unpin> AsyncStreamReader<R> {
    /// Reads the schema message and returns a reader positioned at the first batch.
    pub async fn try_new(reader: R) -> Result<Self> {
        Self::try_new_with_options(reader, IpcReadOptions::default()).await
    }

    /// Like [`try_new`](Self::try_new), with options: limits, validation, projection,
    /// the memory pool.
    ///
    /// An async source is never read zero-copy, so options that
    /// [require zero-copy](IpcReadOptions::with_require_zero_copy) are refused with
    /// [`IpcError::CopyRequired`].
    pub async fn try_new_with_options(reader: R, options: IpcReadOptions) -> Result<Self> {
        if options.require_zero_copy() {
            return Err(IpcError::CopyRequired {
                location: Box::new(Location::default()),
                reason: "an async source is read into pool memory, never zero-copy (use a \
                         BufferReader or a memory map)"
                    .into(),
            });
        }
        let mut driver = Driver::new(reader, StreamDecoder::new(options));
        match poll_fn(|cx| driver.poll_event(cx)).await? {
            Some(Decoded::Schema(schema)) => Ok(Self {
                driver,
                schema,
                state: State::Reading,
            }),
            Some(_) => Err(IpcError::malformed(
                Location::default(),
                "the stream does not start with a schema message",
            )),
            None => Err(IpcError::Truncated {
                location: Box::new(Location::default()),
                detail: "the input is empty: no schema message".into(),
            }),
        }
    }

    /// The schema of the batches (projected, if the options project).
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// The next batch, or `None` at the end of the stream. Cancel-safe (see the type's
    /// documentation).
    pub async fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        poll_fn(|cx| self.poll_next_batch(cx)).await
    }

    /// Polls for the next batch: what [`next_batch`](Self::next_batch) awaits, for
    /// callers that write their own futures.
    pub fn poll_next_batch(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<RecordBatch>>> {
        match &self.state {
            State::Reading => {}
            State::Ended => return Poll::Ready(Ok(None)),
            State::Failed(cause) | State::Terminated(cause) => {
                return Poll::Ready(Err(failed_earlier(cause)));
            }
        }
        let event = ready!(self.driver.poll_event(cx));
        // The decoder refuses a second schema message itself (as pyarrow does), so after
        // the first, only batches and the end come out of it.
        Poll::Ready(match event {
            Ok(Some(Decoded::RecordBatch(batch))) => Ok(Some(batch)),
            Ok(_) => {
                self.state = State::Ended;
                Ok(None)
            }
            Err(e) => {
                self.state = State::Failed(e.to_string());
                Err(e)
            }
        })
    }

    /// The decoder underneath: the metadata of the last batch read, the bytes consumed.
    pub fn decoder(&self) -> &StreamDecoder {
        &self.driver.decoder
    }

    /// Whether the end-of-stream marker was read (a stream can also end without one).
    pub fn saw_end_of_stream_marker(&self) -> bool {
        self.driver.decoder.is_finished()
    }

    /// The source.
    pub fn get_ref(&self) -> &R {
        &self.driver.reader
    }

    /// The source. Bytes the reader read ahead (at most 64 KiB past the last message
    /// decoded) are not given back.
    pub fn into_inner(self) -> R {
        self.driver.reader
    }
}

/// The error for a call after one failed.
fn failed_earlier(cause: &str) -> IpcError {
    IpcError::Usage(format!(
        "the stream failed earlier ({cause}); nothing more can be read from it: \
         start again with a new reader on a new source"
    ))
}

impl<R: AsyncRead + Unpin> Stream for AsyncStreamReader<R> {
    type Item = Result<RecordBatch>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if matches!(this.state, State::Terminated(_)) {
            return Poll::Ready(None);
        }
        let item = ready!(this.poll_next_batch(cx));
        if let State::Failed(cause) = &mut this.state {
            this.state = State::Terminated(std::mem::take(cause));
        }
        Poll::Ready(item.transpose())
    }
}

impl<R: AsyncRead + Unpin> FusedStream for AsyncStreamReader<R> {
    fn is_terminated(&self) -> bool {
        matches!(self.state, State::Ended | State::Terminated(_))
    }
}

/// The I/O half: reads from the source and feeds the decoder. All of its state lives
/// here, never in a future, which is what makes the reader cancel-safe.
#[derive(Debug)]
struct Driver<R> {
    reader: R,
    decoder: StreamDecoder,
    /// Bytes read and not yet handed to the decoder.
    input: Buffer,
    /// A read in progress.
    fill: Option<Fill>,
    /// A chunk to read into again (its last read was copied out).
    spare: Option<MutableBuffer>,
}

/// A buffer being read into.
#[derive(Debug)]
struct Fill {
    buf: MutableBuffer,
    /// `Some(n)`: read until the buffer holds exactly `n` bytes (a large message piece).
    /// `None`: a chunk; whatever one read returns is used.
    exact: Option<usize>,
}

impl<R: AsyncRead + Unpin> Driver<R> {
    fn new(reader: R, decoder: StreamDecoder) -> Self {
        Self {
            reader,
            decoder,
            input: Buffer::empty(),
            fill: None,
            spare: None,
        }
    }

    /// Reads until the decoder produces something: `Ok(None)` means the input ended
    /// cleanly (or after the end-of-stream marker). Errors are the decoder's, or I/O
    /// and memory errors, exactly as [`StreamReader`](crate::StreamReader) reports them.
    fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<Decoded>>> {
        loop {
            if self.decoder.is_finished() {
                return Poll::Ready(Ok(None));
            }
            let need = self.decoder.needed();
            if !self.input.is_empty() {
                if need >= CHUNK && self.input.len() < need {
                    // A large piece that is not all here: gather it in one buffer of its
                    // size, read into directly, rather than in the decoder's.
                    let mut buf = self.allocate(need.min(UP_FRONT))?;
                    buf.try_reserve(self.input.len())
                        .map_err(|e| IpcError::memory("reading the stream", e))?;
                    buf.extend_from_slice(self.input.as_slice());
                    self.input = Buffer::empty();
                    self.fill = Some(Fill {
                        buf,
                        exact: Some(need),
                    });
                    continue;
                }
                // At most what the decoder needs now, so it never starts gathering a
                // large piece itself; a whole piece is a slice of `input`.
                let take = need.min(self.input.len());
                // In bounds: `take <= self.input.len()`.
                let mut piece = self.input.slice(0, take);
                self.input.advance(take);
                if let Some(event) = self.decoder.decode(&mut piece)? {
                    return Poll::Ready(Ok(Some(event)));
                }
                continue;
            }
            let fill = match self.fill.take() {
                Some(fill) => fill,
                None if need >= CHUNK => Fill {
                    buf: self.allocate(need.min(UP_FRONT))?,
                    exact: Some(need),
                },
                None => Fill {
                    buf: match self.spare.take() {
                        Some(chunk) => chunk,
                        None => self.allocate(CHUNK)?,
                    },
                    exact: None,
                },
            };
            let fill = self.fill.insert(fill);
            let target = fill.exact.unwrap_or(CHUNK);
            let read = ready!(poll_read_into(&mut self.reader, cx, &mut fill.buf, target));
            let n = read.map_err(|e| IpcError::io("reading the stream", e))?;
            if n == 0 {
                return Poll::Ready(self.on_end_of_input());
            }
            if let Some(fill) = self.fill.take_if(|f| f.exact.is_none_or(|t| f.buf.len() >= t)) {
                self.input = self.finished_read(fill)?;
            }
        }
    }

    /// The bytes of a finished read, as the decoder's input.
    fn finished_read(&mut self, fill: Fill) -> Result<Buffer> {
        let Fill { mut buf, exact } = fill;
        if exact.is_some() || buf.len() > SMALL_READ {
            return Ok(buf.freeze());
        }
        let mut copy = self.allocate(buf.len())?;
        copy.extend_from_slice(buf.as_slice());
        buf.clear();
        self.spare = Some(buf);
        Ok(copy.freeze())
    }

    /// The source has no more bytes: hands the decoder what was read, then reports
    /// whether the stream may end here, as the sync reader does.
    fn on_end_of_input(&mut self) -> Result<Option<Decoded>> {
        if let Some(Fill { buf, .. }) = self.fill.take() {
            let mut rest = buf.freeze();
            // Fewer bytes than the decoder needs: this completes nothing.
            if let Some(event) = self.decoder.decode(&mut rest)? {
                return Ok(Some(event));
            }
        }
        self.decoder.finish()?;
        Ok(None)
    }

    fn allocate(&self, capacity: usize) -> Result<MutableBuffer> {
        MutableBuffer::try_with_capacity_in(capacity, self.decoder.options().memory_pool())
            .map_err(|e| IpcError::memory("reading the stream", e))
    }
}

/// Reads once into `buf`, up to `target` bytes in all, growing it (by at most
/// [`UP_FRONT`] beyond what arrived) when it is full; the number of bytes read (0 at the
/// end of the input, or if `buf` already holds `target` bytes).
fn poll_read_into<R: AsyncRead + Unpin>(
    reader: &mut R,
    cx: &mut Context<'_>,
    buf: &mut MutableBuffer,
    target: usize,
) -> Poll<std::io::Result<usize>> {
    let len = buf.len();
    let missing = target.saturating_sub(len);
    if buf.capacity() == len && missing > 0 {
        let more = missing.min(len.max(UP_FRONT));
        if let Err(e) = buf.try_reserve(more) {
            return Poll::Ready(Err(std::io::Error::new(std::io::ErrorKind::OutOfMemory, e)));
        }
    }
    let room = missing.min(buf.capacity().saturating_sub(len));
    let Some(spare) = buf.spare_capacity_mut().get_mut(..room) else {
        return Poll::Ready(Err(std::io::Error::other(format!(
            "a read buffer of {} bytes has no room for {room} more",
            buf.capacity()
        ))));
    };
    let start = spare.as_ptr();
    let mut read_buf = ReadBuf::new(spare);
    ready!(Pin::new(reader).poll_read(cx, &mut read_buf))?;
    let filled = read_buf.filled();
    if filled.as_ptr() != start {
        return Poll::Ready(Err(std::io::Error::other(
            "the AsyncRead source replaced the buffer it was given to read into",
        )));
    }
    let n = filled.len();
    buf.set_len(len.saturating_add(n));
    Poll::Ready(Ok(n))
}
