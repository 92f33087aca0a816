//! The C stream interface: [`export_reader`] turns batches into an `ArrowArrayStream`,
//! [`ArrowArrayStreamReader`] reads one.

use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::fmt::Display;
use std::panic::{AssertUnwindSafe, catch_unwind};

use quiver_array::{RecordBatch, SchemaRef};

use crate::abi::{ArrowArray, ArrowArrayStream, ArrowSchema};
use crate::counters::Token;
use crate::error::{FfiError, Result};
use crate::export::export_record_batch;
use crate::import::{ImportOptions, batch_as};
use crate::schema::{export_schema, import_schema};

/// `EINVAL`: what the stream returns when a batch or schema cannot be exported.
const EINVAL: c_int = 22;
/// `EIO`: what the stream returns when the batch source fails.
const EIO: c_int = 5;

type Batches = Box<dyn Iterator<Item = std::result::Result<RecordBatch, String>> + Send>;

struct StreamPrivate {
    schema: SchemaRef,
    batches: Batches,
    last_error: Option<CString>,
    _token: Token,
}

impl StreamPrivate {
    fn fail(&mut self, code: c_int, message: String) -> c_int {
        let message = message.replace('\0', " ");
        self.last_error = CString::new(message).ok();
        code
    }
}

/// The private data of a live stream.
///
/// # Safety
/// `stream` is one [`export_reader`] produced (or a moved copy) and is not released.
unsafe fn private<'a>(stream: *mut ArrowArrayStream) -> Option<&'a mut StreamPrivate> {
    // SAFETY: per the contract, `private_data` is our `Box<StreamPrivate>`, and the spec
    // forbids concurrent calls on one stream.
    unsafe {
        stream
            .as_ref()?
            .private_data
            .cast::<StreamPrivate>()
            .as_mut()
    }
}

unsafe extern "C" fn get_schema(stream: *mut ArrowArrayStream, out: *mut ArrowSchema) -> c_int {
    // SAFETY: the consumer passes a live stream of ours.
    let Some(p) = (unsafe { private(stream) }) else {
        return EINVAL;
    };
    if out.is_null() {
        return p.fail(
            EINVAL,
            "get_schema was called with a null out pointer".into(),
        );
    }
    match catch_unwind(AssertUnwindSafe(|| export_schema(&p.schema))) {
        Ok(Ok(schema)) => {
            // SAFETY: `out` is non-null and, per the spec, points to a released or
            // uninitialised struct, so writing without dropping is right.
            unsafe { out.write(schema) };
            0
        }
        Ok(Err(e)) => p.fail(EINVAL, e.to_string()),
        Err(_) => p.fail(EINVAL, "exporting the schema panicked".into()),
    }
}

unsafe extern "C" fn get_next(stream: *mut ArrowArrayStream, out: *mut ArrowArray) -> c_int {
    // SAFETY: the consumer passes a live stream of ours.
    let Some(p) = (unsafe { private(stream) }) else {
        return EINVAL;
    };
    if out.is_null() {
        return p.fail(EINVAL, "get_next was called with a null out pointer".into());
    }
    let schema = p.schema.clone();
    let next = catch_unwind(AssertUnwindSafe(|| match p.batches.next() {
        None => Ok(ArrowArray::empty()),
        Some(Ok(batch)) => {
            if batch.schema().fields() != schema.fields() {
                return Err((
                    EINVAL,
                    format!(
                        "a batch's schema differs from the stream's: {}",
                        batch.schema().first_difference(&schema).unwrap_or_default()
                    ),
                ));
            }
            export_record_batch(&batch).map_err(|e| (EINVAL, e.to_string()))
        }
        Some(Err(message)) => Err((EIO, message)),
    }));
    match next {
        Ok(Ok(array)) => {
            // SAFETY: as in `get_schema`.
            unsafe { out.write(array) };
            0
        }
        Ok(Err((code, message))) => p.fail(code, message),
        Err(_) => p.fail(EIO, "the batch source panicked".into()),
    }
}

unsafe extern "C" fn get_last_error(stream: *mut ArrowArrayStream) -> *const c_char {
    // SAFETY: the consumer passes a live stream of ours.
    match unsafe { private(stream) } {
        Some(p) => p
            .last_error
            .as_ref()
            .map_or(std::ptr::null(), |e| e.as_ptr()),
        None => std::ptr::null(),
    }
}

unsafe extern "C" fn release_stream(stream: *mut ArrowArrayStream) {
    // SAFETY: the consumer passes our stream (or a moved copy); the private data is the
    // box `export_reader` leaked, taken back once because `release` is nulled below.
    unsafe {
        let Some(s) = stream.as_mut() else { return };
        if s.release.is_none() {
            return;
        }
        if !s.private_data.is_null() {
            drop(Box::from_raw(s.private_data.cast::<StreamPrivate>()));
        }
        s.private_data = std::ptr::null_mut();
        s.release = None;
    }
}

/// Exports a schema and a sequence of batches as an `ArrowArrayStream`. Each batch is
/// exported zero-copy when the consumer asks for it; an `Err` from the iterator becomes
/// an `EIO` return with the error's text from `get_last_error`, which stays valid until
/// the next call.
///
/// ```
/// use std::sync::Arc;
/// use quiver_array::{Array, RecordBatch};
/// use quiver_ffi::{ArrowArrayStreamReader, export_reader};
/// let batch = RecordBatch::try_from_columns(vec![Array::from(vec![1i32, 2])], &["x"]).unwrap();
/// let schema = batch.schema().clone();
/// let stream = export_reader(schema, vec![Ok::<_, String>(batch.clone())]);
/// // SAFETY: `stream` is a live export.
/// let reader = unsafe { ArrowArrayStreamReader::try_new(stream) }.unwrap();
/// let got: Vec<RecordBatch> = reader.collect::<Result<_, _>>().unwrap();
/// assert!(got.len() == 1 && got[0].equals(&batch));
/// ```
pub fn export_reader<I, E>(schema: SchemaRef, batches: I) -> ArrowArrayStream
where
    I: IntoIterator<Item = std::result::Result<RecordBatch, E>>,
    I::IntoIter: Send + 'static,
    E: Display,
{
    let batches: Batches = Box::new(batches.into_iter().map(|b| b.map_err(|e| e.to_string())));
    let private = Box::new(StreamPrivate {
        schema,
        batches,
        last_error: None,
        _token: Token::export(),
    });
    ArrowArrayStream {
        get_schema: Some(get_schema),
        get_next: Some(get_next),
        get_last_error: Some(get_last_error),
        release: Some(release_stream),
        private_data: Box::into_raw(private).cast::<c_void>(),
    }
}

/// Reads an `ArrowArrayStream` as record batches: an iterator of
/// `Result<RecordBatch, FfiError>` with the stream's [`schema`](Self::schema). Each batch
/// is imported zero-copy and validated as [`ImportOptions`] say. The stream is released
/// when the reader is dropped.
#[derive(Debug)]
pub struct ArrowArrayStreamReader {
    stream: ArrowArrayStream,
    schema: SchemaRef,
    options: ImportOptions,
    done: bool,
}

impl ArrowArrayStreamReader {
    /// Takes the stream and reads its schema, with full validation of every batch.
    ///
    /// # Safety
    /// The stream must follow the C stream interface spec, and the arrays it produces the
    /// C data interface spec (see [`import_array`](crate::import_array)).
    ///
    /// # Errors
    /// [`FfiError::Released`] for a released stream, [`FfiError::Stream`] when
    /// `get_schema` fails, and schema import errors.
    pub unsafe fn try_new(stream: ArrowArrayStream) -> Result<Self> {
        // SAFETY: forwarded from this function's contract.
        unsafe { Self::try_new_with(stream, ImportOptions::default()) }
    }

    /// [`try_new`](Self::try_new) with options.
    ///
    /// # Safety
    /// As [`try_new`](Self::try_new).
    ///
    /// # Errors
    /// As [`try_new`](Self::try_new).
    pub unsafe fn try_new_with(
        mut stream: ArrowArrayStream,
        options: ImportOptions,
    ) -> Result<Self> {
        let released = || FfiError::Released {
            what: "ArrowArrayStream",
            path: "stream".into(),
        };
        if stream.is_released() {
            return Err(released());
        }
        let get = stream.get_schema.ok_or_else(released)?;
        let mut out = ArrowSchema::empty();
        // SAFETY: the stream is live and follows the spec (this function's contract).
        let code = unsafe { get(&mut stream, &mut out) };
        if code != 0 {
            return Err(FfiError::Stream {
                call: "get_schema",
                code,
                // SAFETY: as above.
                message: unsafe { last_error(&mut stream) },
            });
        }
        // SAFETY: the producer wrote a live schema (spec).
        let schema = unsafe { import_schema(&out) }?;
        Ok(Self {
            stream,
            schema: schema.into(),
            options,
            done: false,
        })
    }

    /// The stream's schema.
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }
}

/// The producer's last error text.
///
/// # Safety
/// `stream` is live and follows the spec.
unsafe fn last_error(stream: &mut ArrowArrayStream) -> String {
    let Some(f) = stream.get_last_error else {
        return "the producer gives no error text (get_last_error is null)".into();
    };
    // SAFETY: the stream is live (contract).
    let text = unsafe { f(stream) };
    if text.is_null() {
        return "the producer gave no error text".into();
    }
    // SAFETY: a non-null error is a NUL-terminated string valid until the next call.
    unsafe { CStr::from_ptr(text) }
        .to_string_lossy()
        .into_owned()
}

impl Iterator for ArrowArrayStreamReader {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let Some(get) = self.stream.get_next else {
            self.done = true;
            return Some(Err(FfiError::Released {
                what: "ArrowArrayStream",
                path: "stream (get_next is null)".into(),
            }));
        };
        let mut out = ArrowArray::empty();
        // SAFETY: `try_new`'s caller vouched that the stream follows the spec.
        let code = unsafe { get(&mut self.stream, &mut out) };
        if code != 0 {
            self.done = true;
            return Some(Err(FfiError::Stream {
                call: "get_next",
                code,
                // SAFETY: as above.
                message: unsafe { last_error(&mut self.stream) },
            }));
        }
        if out.is_released() {
            self.done = true;
            return None;
        }
        // SAFETY: as above; the array follows the C data interface spec.
        Some(unsafe { batch_as(out, &self.schema, &self.options) })
    }
}
