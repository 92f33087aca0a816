//! Arrays and record batches in through the C data interface, zero-copy: each buffer is
//! a [`Buffer`] whose owner is a shared handle on the imported `ArrowArray`, released
//! once when the last buffer or slice taken from it is dropped.
//!
//! C arrays carry no buffer lengths, so each size is derived from the length, offset
//! and layout, reading the offsets (or the views' variadic sizes) to size data buffers;
//! nothing outside those sizes is ever read.

use std::sync::Arc;

use quiver_array::{
    Array, ArrayData, BufferSpec, DataType, RecordBatch, UnionMode, ValidationLevel, layout,
};
use quiver_buffer::{Buffer, bytes_for};

use crate::abi::{ArrowArray, ArrowSchema};
use crate::counters::Token;
use crate::error::{FfiError, Result};
use crate::schema::{MAX_DEPTH, import_schema};

/// How much an import checks. The default checks everything, as Quiver's IPC readers
/// do; structural checks (buffer counts, null pointers, sizes) always run.
///
/// ```
/// use quiver_ffi::ImportOptions;
/// use quiver_array::ValidationLevel;
/// assert_eq!(ImportOptions::default().validation(), ValidationLevel::Full);
/// // SAFETY: only for data this process exported itself.
/// let fast = unsafe { ImportOptions::default().with_unchecked_values() };
/// assert_eq!(fast.validation(), ValidationLevel::Structural);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportOptions {
    validation: ValidationLevel,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self {
            validation: ValidationLevel::Full,
        }
    }
}

impl ImportOptions {
    /// Skips the value checks (offsets, UTF-8, dictionary indices, union ids, run ends)
    /// on imported arrays; the structural checks that keep reads in bounds still run.
    ///
    /// # Safety
    /// The caller vouches that the producer wrote correct Arrow data. Invalid values then
    /// surface later as wrong results.
    pub unsafe fn with_unchecked_values(mut self) -> Self {
        self.validation = ValidationLevel::Structural;
        self
    }

    /// The level of checks imports run.
    pub fn validation(&self) -> ValidationLevel {
        self.validation
    }
}

/// The imported top-level struct; dropping it calls its `release` (children included).
struct Foreign {
    array: ArrowArray,
    _token: Token,
}

// SAFETY: the spec lets the consumer release an array from any thread, and Quiver only
// reads the memory it points to, never writes it.
unsafe impl Send for Foreign {}
// SAFETY: as above; shared access is read-only.
unsafe impl Sync for Foreign {}

/// One buffer of an imported array: a pointer and the size derived for it, kept valid by
/// the shared handle.
struct ForeignSlice {
    _owner: Arc<Foreign>,
    ptr: *const u8,
    len: usize,
}

// SAFETY: see `Foreign`; the slice is read-only.
unsafe impl Send for ForeignSlice {}
// SAFETY: as above.
unsafe impl Sync for ForeignSlice {}

impl AsRef<[u8]> for ForeignSlice {
    fn as_ref(&self) -> &[u8] {
        // SAFETY: `ptr` is non-null and points to at least `len` bytes the producer keeps
        // alive until `release`, which cannot run while `_owner` is held; `len` was derived
        // from the layout and checked to fit `isize` in `Importer::buffer`.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

struct Importer<'a> {
    owner: &'a Arc<Foreign>,
    level: ValidationLevel,
}

struct At<'a> {
    path: &'a str,
    data_type: &'a DataType,
}

impl At<'_> {
    fn err(&self, problem: impl Into<String>) -> FfiError {
        FfiError::Structure {
            path: self.path.to_string(),
            data_type: self.data_type.to_string(),
            problem: problem.into(),
        }
    }
}

fn unsigned(v: i64, what: &str, at: &At<'_>) -> Result<usize> {
    usize::try_from(v).map_err(|_| at.err(format!("{what} is negative ({v})")))
}

/// Reads the `i`th little window of `width` bytes of `buf` as a signed integer.
fn read_int(buf: &Buffer, i: usize, width: usize) -> Option<i64> {
    let start = i.checked_mul(width)?;
    let bytes = buf.as_slice().get(start..start.checked_add(width)?)?;
    Some(match width {
        4 => i64::from(i32::from_ne_bytes(bytes.try_into().ok()?)),
        _ => i64::from_ne_bytes(bytes.try_into().ok()?),
    })
}

impl Importer<'_> {
    /// Buffer `index` of `c`, `size` bytes, or `None` for a null pointer, which only a
    /// validity bitmap (`may_be_null`) or a buffer needing no bytes may be.
    ///
    /// # Safety
    /// `c.buffers` holds at least `index + 1` pointers (checked by the caller against
    /// `n_buffers`), and each non-null one points to memory of the size its layout needs.
    unsafe fn buffer(
        &self,
        c: &ArrowArray,
        (index, size, may_be_null): (usize, usize, bool),
        what: &str,
        at: &At<'_>,
    ) -> Result<Option<Buffer>> {
        // SAFETY: `index < n_buffers`, checked by the caller.
        let ptr = unsafe { *c.buffers.add(index) }.cast::<u8>();
        if ptr.is_null() {
            return if size == 0 || may_be_null {
                Ok(None)
            } else {
                Err(at.err(format!(
                    "buffer {index} ({what}) is null but {size} bytes are needed; only empty buffers may be null"
                )))
            };
        }
        if size > isize::MAX as usize {
            return Err(at.err(format!("buffer {index} ({what}) would need {size} bytes")));
        }
        Ok(Some(Buffer::from_owner(ForeignSlice {
            _owner: Arc::clone(self.owner),
            ptr,
            len: size,
        })))
    }

    /// Imports one node as `data_type`.
    ///
    /// # Safety
    /// `c` and everything it points to follow the spec and live as long as `self.owner`.
    unsafe fn node(
        &self,
        c: &ArrowArray,
        data_type: &DataType,
        path: &str,
        depth: usize,
    ) -> Result<Array> {
        let at = At { path, data_type };
        // A child or dictionary the consumer moved out (or the producer released) no
        // longer owns its buffers; reading it would read freed memory.
        if c.is_released() {
            return Err(FfiError::Released {
                what: "ArrowArray",
                path: path.to_string(),
            });
        }
        if depth > MAX_DEPTH {
            return Err(at.err(format!("nested deeper than {MAX_DEPTH} levels")));
        }
        let len = unsigned(c.length, "length", &at)?;
        let offset = unsigned(c.offset, "offset", &at)?;
        let null_count = match c.null_count {
            -1 => None,
            n => Some(unsigned(n, "null_count", &at)?),
        };
        let end = offset
            .checked_add(len)
            .ok_or_else(|| at.err("offset + length overflows"))?;
        let spec = layout(data_type);
        let n_buffers = unsigned(c.n_buffers, "n_buffers", &at)?;
        let fixed = usize::from(spec.has_validity).saturating_add(spec.buffers.len());
        let variadic = if spec.variadic {
            n_buffers.checked_sub(fixed.saturating_add(1)).ok_or_else(|| {
                at.err(format!(
                    "has {n_buffers} buffers but at least {} are needed (validity, views, the variadic sizes)",
                    fixed.saturating_add(1)
                ))
            })?
        } else if n_buffers != fixed {
            return Err(at.err(format!(
                "has {n_buffers} buffers but its layout has {fixed}"
            )));
        } else {
            0
        };
        if n_buffers > 0 && c.buffers.is_null() {
            return Err(at.err(format!("n_buffers is {n_buffers} but buffers is null")));
        }

        let mut index = 0;
        let mut nulls = None;
        if spec.has_validity {
            // SAFETY: index 0 < n_buffers (the layout has a validity slot).
            nulls = unsafe { self.buffer(c, (0, bytes_for(end), true), "validity", &at) }?;
            if nulls.is_none() && null_count.is_some_and(|n| n > 0) {
                return Err(at.err(format!(
                    "the validity buffer is null but null_count is {}",
                    c.null_count
                )));
            }
            index = 1;
        }
        // Not `variadic` more: that count comes from the producer's `n_buffers`, and an
        // allocation must not be sized by it before any of those buffers was read.
        let mut buffers: Vec<Buffer> = Vec::with_capacity(spec.buffers.len());
        let mut last_offset = 0usize;
        for spec in spec.buffers.iter() {
            let (size, what) = match *spec {
                BufferSpec::FixedWidth { width, .. } => (end.checked_mul(width), "values"),
                BufferSpec::Bitmap => (Some(bytes_for(end)), "bits"),
                BufferSpec::Offsets { width } => (
                    end.checked_add(1).and_then(|n| n.checked_mul(width)),
                    "offsets",
                ),
                BufferSpec::Data => (Some(last_offset), "data"),
            };
            let size =
                size.ok_or_else(|| at.err(format!("the size of buffer {index} overflows")))?;
            // An empty array's offsets may be null (some producers send none at all).
            let may_be_null = len == 0 && matches!(spec, BufferSpec::Offsets { .. });
            // SAFETY: index < fixed <= n_buffers.
            let buf = unsafe { self.buffer(c, (index, size, may_be_null), what, &at) }?
                .unwrap_or_else(Buffer::empty);
            // The offset after the last slot sizes the data buffer (an empty array's null
            // offsets mean no data).
            if let BufferSpec::Offsets { width } = *spec
                && !buf.is_empty()
            {
                let last = read_int(&buf, end, width)
                    .ok_or_else(|| at.err("the offsets buffer is too short"))?;
                last_offset = usize::try_from(last).map_err(|_| {
                    at.err(format!("the last offset (slot {end}) is negative ({last})"))
                })?;
            }
            buffers.push(buf);
            index = index.saturating_add(1);
        }
        if spec.variadic {
            let sizes_index = fixed.saturating_add(variadic);
            // SAFETY: sizes_index = n_buffers - 1.
            let sizes = unsafe {
                self.buffer(c, (sizes_index, variadic.saturating_mul(8), false), "variadic sizes", &at)
            }?
            .unwrap_or_else(Buffer::empty);
            for i in 0..variadic {
                let size = read_int(&sizes, i, 8)
                    .ok_or_else(|| at.err("the variadic sizes buffer is too short"))?;
                let size = usize::try_from(size).map_err(|_| {
                    at.err(format!("variadic buffer {i} has a negative size ({size})"))
                })?;
                // SAFETY: fixed + i < sizes_index < n_buffers.
                let buf =
                    unsafe { self.buffer(c, (fixed.saturating_add(i), size, false), "variadic data", &at) }?
                        .unwrap_or_else(Buffer::empty);
                buffers.push(buf);
            }
        }

        let child_fields = data_type.children();
        let n_children = unsigned(c.n_children, "n_children", &at)?;
        if n_children != child_fields.len() {
            return Err(at.err(format!(
                "has {n_children} children but its type has {}",
                child_fields.len()
            )));
        }
        if n_children > 0 && c.children.is_null() {
            return Err(at.err(format!("n_children is {n_children} but children is null")));
        }
        let together = matches!(
            data_type,
            DataType::Struct(_)
                | DataType::Union {
                    mode: UnionMode::Sparse,
                    ..
                }
        );
        let mut children = Vec::with_capacity(n_children);
        for (i, field) in child_fields.iter().enumerate() {
            // SAFETY: i < n_children pointers (spec).
            let ptr = unsafe { *c.children.add(i) };
            // SAFETY: a non-null child points to a live struct owned by the parent (spec).
            let child =
                unsafe { ptr.as_ref() }.ok_or_else(|| at.err(format!("child {i} is null")))?;
            let child_path = format!("{path}.child {i}");
            // SAFETY: forwarded from this function's contract.
            let mut array = unsafe { self.node(child, field.data_type(), &child_path, depth.saturating_add(1)) }?;
            if together {
                // The C interface applies the parent's offset to these children; Quiver
                // slices them together with the parent.
                array = array.try_slice(offset, len).map_err(|_| {
                    at.err(format!(
                        "child {i} has {} slots but the parent needs {end} (offset {offset} + length {len})",
                        array.len()
                    ))
                })?;
            }
            children.push(array);
        }
        // SAFETY: a non-null dictionary points to a live struct owned by the parent (spec).
        let dictionary = match (data_type, unsafe { c.dictionary.as_ref() }) {
            (DataType::Dictionary { value, .. }, Some(d)) => {
                // SAFETY: forwarded from this function's contract.
                Some(unsafe { self.node(d, value, &format!("{path}.dictionary"), depth.saturating_add(1)) }?)
            }
            (DataType::Dictionary { .. }, None) => {
                return Err(at.err("a dictionary-encoded array needs a dictionary but it is null"));
            }
            (_, Some(_)) => return Err(at.err("has a dictionary but its type is not a dictionary")),
            (_, None) => None,
        };

        let mut data = ArrayData::new(data_type.clone(), len)
            .offset(offset)
            .nulls(nulls)
            .buffers(buffers)
            .children(children)
            .dictionary(dictionary);
        if let Some(n) = null_count
            && spec.has_validity
        {
            data = data.null_count(n);
        }
        // SAFETY: `Structural` is chosen only through the `unsafe`
        // `ImportOptions::with_unchecked_values`, whose caller vouches for the values.
        unsafe { data.build_with(self.level) }.map_err(|source| FfiError::Invalid {
            path: path.to_string(),
            source,
        })
    }
}

/// Imports `array` as `data_type`, taking ownership of it.
///
/// # Safety
/// As [`import_array`].
pub(crate) unsafe fn array_as(
    array: ArrowArray,
    data_type: &DataType,
    options: &ImportOptions,
    path: &str,
) -> Result<Array> {
    if array.is_released() {
        return Err(FfiError::Released {
            what: "ArrowArray",
            path: path.to_string(),
        });
    }
    let owner = Arc::new(Foreign {
        array,
        _token: Token::import(),
    });
    let importer = Importer {
        owner: &owner,
        level: options.validation,
    };
    // SAFETY: forwarded from the caller; `owner` keeps the struct alive.
    unsafe { importer.node(&owner.array, data_type, path, 0) }
}

/// Imports an array, zero-copy, with full validation. The array is moved in (its
/// `release` runs once, when the last buffer taken from it is dropped, or at once on
/// error); the schema stays the caller's.
///
/// # Safety
/// `array` and `schema` must follow the C data interface spec: every pointer valid,
/// every non-null buffer at least as large as its type's layout needs for `offset +
/// length` slots (the offsets and variadic sizes tell the data buffers' sizes), and the
/// memory unchanged until `release`. Everything Quiver can check without reading past
/// those sizes (counts, null pointers, negative numbers, offsets, UTF-8) is an error,
/// not UB.
///
/// # Errors
/// [`FfiError`] naming the node and what is wrong.
pub unsafe fn import_array(array: ArrowArray, schema: &ArrowSchema) -> Result<Array> {
    // SAFETY: forwarded from this function's contract.
    unsafe { import_array_with(array, schema, &ImportOptions::default()) }
}

/// [`import_array`] with options.
///
/// # Safety
/// As [`import_array`].
///
/// # Errors
/// As [`import_array`].
pub unsafe fn import_array_with(
    array: ArrowArray,
    schema: &ArrowSchema,
    options: &ImportOptions,
) -> Result<Array> {
    // SAFETY: forwarded from this function's contract.
    let data_type = unsafe { crate::schema::import_data_type(schema) }?;
    // SAFETY: as above.
    unsafe { array_as(array, &data_type, options, "array") }
}

/// Imports a record batch: a struct array without top-level nulls, with a schema node
/// (`+s`) whose children are the fields.
///
/// # Safety
/// As [`import_array`].
///
/// # Errors
/// As [`import_array`], and [`FfiError::Structure`] for a struct with nulls.
pub unsafe fn import_record_batch(array: ArrowArray, schema: &ArrowSchema) -> Result<RecordBatch> {
    // SAFETY: forwarded from this function's contract.
    unsafe { import_record_batch_with(array, schema, &ImportOptions::default()) }
}

/// [`import_record_batch`] with options.
///
/// # Safety
/// As [`import_array`].
///
/// # Errors
/// As [`import_record_batch`].
pub unsafe fn import_record_batch_with(
    array: ArrowArray,
    schema: &ArrowSchema,
    options: &ImportOptions,
) -> Result<RecordBatch> {
    // SAFETY: forwarded from this function's contract.
    let schema = Arc::new(unsafe { import_schema(schema) }?);
    // SAFETY: as above.
    unsafe { batch_as(array, &schema, options) }
}

/// Imports a struct array as a batch of `schema`.
///
/// # Safety
/// As [`import_array`].
pub(crate) unsafe fn batch_as(
    array: ArrowArray,
    schema: &quiver_array::SchemaRef,
    options: &ImportOptions,
) -> Result<RecordBatch> {
    let data_type = DataType::Struct(schema.fields().to_vec());
    // SAFETY: forwarded from the caller.
    let array = unsafe { array_as(array, &data_type, options, "record batch") }?;
    if array.null_count() > 0 {
        return Err(FfiError::Structure {
            path: "record batch".into(),
            data_type: data_type.to_string(),
            problem: format!(
                "a record batch's struct array has {} nulls; it must have none",
                array.null_count()
            ),
        });
    }
    RecordBatch::try_new_with_row_count(schema.clone(), array.children().to_vec(), array.len())
        .map_err(|source| FfiError::Invalid {
            path: "record batch".into(),
            source,
        })
}
