//! Arrays and record batches out through the C data interface, zero-copy: each exported
//! node's private data holds clones of the [`Buffer`]s it points into.

use std::ffi::c_void;

use quiver_array::{Array, DataType, RecordBatch, UnionMode, layout};
use quiver_buffer::{Bitmap, Buffer};

use crate::abi::ArrowArray;
use crate::counters::Token;
use crate::error::{FfiError, Result};

/// What an exported array node owns. Raw pointers make it `!Send` by default; it holds
/// only `Send + Sync` buffers and boxes it owns alone, so releasing it on another thread
/// is sound.
struct ArrayPrivate {
    _buffers: Vec<Buffer>,
    pointers: Vec<*const c_void>,
    children: Vec<*mut ArrowArray>,
    dictionary: *mut ArrowArray,
    _token: Token,
}

// SAFETY: see the type's documentation: the pointers are into buffers and boxes this
// value owns, and `Buffer` is `Send + Sync`.
unsafe impl Send for ArrayPrivate {}

unsafe extern "C" fn release_array(array: *mut ArrowArray) {
    if array.is_null() {
        return;
    }
    // SAFETY: the consumer passes the struct we produced (or a moved copy); its
    // `private_data` is the `Box<ArrayPrivate>` `node` leaked, taken back exactly once
    // because `release` is set to null below.
    unsafe {
        let a = &mut *array;
        if a.release.is_none() {
            return;
        }
        let private = Box::from_raw(a.private_data.cast::<ArrayPrivate>());
        for child in private
            .children
            .iter()
            .copied()
            .chain((!private.dictionary.is_null()).then_some(private.dictionary))
        {
            // Runs the child's `release` unless it was moved out, then frees the box.
            drop(Box::from_raw(child));
        }
        drop(private);
        a.release = None;
        a.private_data = std::ptr::null_mut();
    }
}

fn count(n: usize) -> i64 {
    // Lengths of in-memory arrays fit `isize`, hence `i64`.
    i64::try_from(n).unwrap_or(i64::MAX)
}

struct Node {
    len: usize,
    offset: usize,
    null_count: usize,
    /// Buffers in C order; `None` is a null pointer (an absent validity bitmap).
    buffers: Vec<Option<Buffer>>,
    children: Vec<ArrowArray>,
    dictionary: Option<ArrowArray>,
}

fn node(n: Node) -> ArrowArray {
    let pointers: Vec<*const c_void> = n
        .buffers
        .iter()
        .map(|b| {
            b.as_ref()
                .map_or(std::ptr::null(), |b| b.as_ptr().cast::<c_void>())
        })
        .collect();
    let mut private = Box::new(ArrayPrivate {
        _buffers: n.buffers.into_iter().flatten().collect(),
        pointers,
        children: n
            .children
            .into_iter()
            .map(|c| Box::into_raw(Box::new(c)))
            .collect(),
        dictionary: n
            .dictionary
            .map_or(std::ptr::null_mut(), |d| Box::into_raw(Box::new(d))),
        _token: Token::export(),
    });
    ArrowArray {
        length: count(n.len),
        null_count: count(n.null_count),
        offset: count(n.offset),
        n_buffers: count(private.pointers.len()),
        n_children: count(private.children.len()),
        buffers: private.pointers.as_mut_ptr(),
        children: private.children.as_mut_ptr(),
        dictionary: private.dictionary,
        release: Some(release_array),
        private_data: Box::into_raw(private).cast::<c_void>(),
    }
}

fn export_node(array: &Array) -> Result<ArrowArray> {
    let data_type = array.data_type();
    let spec = layout(data_type);
    let mut offset = array.offset();
    let len = array.len();
    let mut validity = array.nulls_buffer().cloned();
    let mut fixed: Vec<Buffer> = array.buffers().to_vec();
    let mut children = Vec::with_capacity(array.children().len());

    // Quiver slices the children of structs and sparse unions together with the parent
    // (row i of the parent is row i of each child), while the C interface applies the
    // parent's offset to them. Widen each child back by the parent's offset when it can,
    // else rebase the parent to offset 0 (copying only its validity bits).
    let together = matches!(
        data_type,
        DataType::Struct(_)
            | DataType::Union {
                mode: UnionMode::Sparse,
                ..
            }
    );
    if together && offset > 0 {
        let widen = array.children().iter().all(|c| c.offset() >= offset);
        if widen {
            for c in array.children() {
                let mut e = export_node(c)?;
                let (from, wide) = (c.offset() - offset, c.len() + offset);
                e.offset = count(from);
                e.length = count(wide);
                // The null count covers the widened range now.
                e.null_count = count(match (c.data_type(), c.nulls_buffer()) {
                    (DataType::Null, _) => wide,
                    (_, Some(bits)) => Bitmap::try_new(bits.clone(), from, wide)
                        .map_err(|e| FfiError::Export {
                            what: format!("{} array", c.data_type()),
                            problem: e.to_string(),
                        })?
                        .count_unset_bits(),
                    (_, None) => c.null_count(),
                });
                children.push(e);
            }
        } else {
            let export_err = |e: quiver_buffer::BufferError| FfiError::Export {
                what: format!("{data_type} array"),
                problem: e.to_string(),
            };
            validity = validity
                .map(|v| Bitmap::try_new(v, offset, len).map(|b| b.to_aligned_buffer()))
                .transpose()
                .map_err(export_err)?;
            if let Some(ids) = fixed.first_mut() {
                *ids = ids.try_slice(offset, len).map_err(export_err)?;
            }
            offset = 0;
            for c in array.children() {
                children.push(export_node(c)?);
            }
        }
    } else {
        for c in array.children() {
            children.push(export_node(c)?);
        }
    }

    let mut buffers: Vec<Option<Buffer>> = Vec::with_capacity(fixed.len() + 2);
    if spec.has_validity {
        buffers.push(validity);
    }
    if spec.variadic {
        // Views, the variadic data buffers, then one int64 size per data buffer.
        let sizes: Vec<i64> = fixed.iter().skip(1).map(|b| count(b.len())).collect();
        buffers.extend(fixed.into_iter().map(Some));
        buffers.push(Some(Buffer::from_vec(sizes)));
    } else {
        buffers.extend(fixed.into_iter().map(Some));
    }
    let dictionary = array.dictionary().map(export_node).transpose()?;
    Ok(node(Node {
        len,
        offset,
        null_count: array.null_count(),
        buffers,
        children,
        dictionary,
    }))
}

/// Exports an array's data, zero-copy: the struct points into the array's own buffers,
/// which stay alive until the consumer calls `release` (from any thread). Export the
/// type with [`export_data_type`](crate::export_data_type) or, to keep a name, metadata
/// and extension type, [`export_field`](crate::export_field).
///
/// ```
/// use quiver_array::Array;
/// use quiver_ffi::{export_array, export_data_type, import_array};
/// let a = Array::from(vec![Some(1i64), None]);
/// let (c, s) = (export_array(&a).unwrap(), export_data_type(a.data_type()).unwrap());
/// // SAFETY: both structs are live exports.
/// let back = unsafe { import_array(c, &s) }.unwrap();
/// assert!(back.equals(&a));
/// assert_eq!(back.buffers()[0].as_ptr(), a.buffers()[0].as_ptr()); // zero-copy
/// ```
///
/// # Errors
/// [`FfiError::Export`] when a part cannot be expressed (it does not happen for arrays
/// Quiver built and validated).
pub fn export_array(array: &Array) -> Result<ArrowArray> {
    export_node(array)
}

/// Exports a record batch as the spec says: a struct array without nulls whose children
/// are the columns. Its schema is [`export_schema`](crate::export_schema) of the batch's
/// schema.
///
/// # Errors
/// As [`export_array`].
pub fn export_record_batch(batch: &RecordBatch) -> Result<ArrowArray> {
    let children = batch
        .columns()
        .iter()
        .map(export_node)
        .collect::<Result<Vec<_>>>()?;
    Ok(node(Node {
        len: batch.num_rows(),
        offset: 0,
        null_count: 0,
        buffers: vec![None],
        children,
        dictionary: None,
    }))
}
