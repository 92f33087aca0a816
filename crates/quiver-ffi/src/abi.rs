//! The three C structs of the Arrow C data and C stream interfaces, laid out exactly as
//! `CDataInterface.rst` and `CStreamInterface.rst` declare them.

use std::ffi::{c_char, c_int, c_void};

/// Schema flag: the dictionary indices' order is meaningful (`ARROW_FLAG_DICTIONARY_ORDERED`).
pub const ARROW_FLAG_DICTIONARY_ORDERED: i64 = 1;
/// Schema flag: the field may hold nulls (`ARROW_FLAG_NULLABLE`).
pub const ARROW_FLAG_NULLABLE: i64 = 2;
/// Schema flag: a map's keys are sorted within each entry (`ARROW_FLAG_MAP_KEYS_SORTED`).
pub const ARROW_FLAG_MAP_KEYS_SORTED: i64 = 4;

/// `struct ArrowSchema`: the type of one field (format string, name, metadata, flags,
/// children, dictionary), owned by whoever holds it until `release` is called.
///
/// A struct whose `release` is null is *released* (or moved from): it must not be read.
/// Moving a struct means copying its bits and setting the source's `release` to null;
/// [`ArrowSchema::take`] does that for a raw pointer (a PyCapsule's, for example).
///
/// Dropping an `ArrowSchema` calls `release` when it is set, so a struct that goes out
/// of scope never leaks what it owns.
///
/// ```
/// use quiver_ffi::{ArrowSchema, export_data_type, import_data_type};
/// use quiver_array::DataType;
/// let c = export_data_type(&DataType::Int32).unwrap();
/// assert!(!c.is_released());
/// // SAFETY: `c` was produced by `export_data_type` and is not released.
/// assert_eq!(unsafe { import_data_type(&c) }.unwrap(), DataType::Int32);
/// assert!(ArrowSchema::empty().is_released());
/// ```
#[repr(C)]
#[derive(Debug)]
pub struct ArrowSchema {
    /// The format string (NUL-terminated, UTF-8), e.g. `"i"` for int32.
    pub format: *const c_char,
    /// The field name (NUL-terminated, UTF-8), or null.
    pub name: *const c_char,
    /// The field metadata in the spec's binary layout, or null.
    pub metadata: *const c_char,
    /// `ARROW_FLAG_*` bits.
    pub flags: i64,
    /// Number of children.
    pub n_children: i64,
    /// `n_children` pointers to the children.
    pub children: *mut *mut ArrowSchema,
    /// The dictionary's value type of a dictionary-encoded field, or null.
    pub dictionary: *mut ArrowSchema,
    /// Frees what the struct owns and sets itself to null; null once released.
    pub release: Option<unsafe extern "C" fn(*mut ArrowSchema)>,
    /// The producer's private data.
    pub private_data: *mut c_void,
}

/// `struct ArrowArray`: the data of one array (length, null count, offset, buffers,
/// children, dictionary), owned by whoever holds it until `release` is called.
///
/// The same move and release rules as [`ArrowSchema`] apply, and dropping an
/// `ArrowArray` calls `release` when it is set.
///
/// ```
/// use quiver_ffi::{ArrowArray, export_array};
/// use quiver_array::Array;
/// let c = export_array(&Array::from(vec![1i32, 2, 3])).unwrap();
/// assert_eq!((c.length, c.n_buffers), (3, 2));
/// drop(c); // calls `release`
/// assert!(ArrowArray::empty().is_released());
/// ```
#[repr(C)]
#[derive(Debug)]
pub struct ArrowArray {
    /// Number of slots.
    pub length: i64,
    /// Number of nulls, or -1 when not computed.
    pub null_count: i64,
    /// Position of slot 0 in the buffers.
    pub offset: i64,
    /// Number of buffers.
    pub n_buffers: i64,
    /// Number of children.
    pub n_children: i64,
    /// `n_buffers` pointers to the buffers' first bytes (some may be null).
    pub buffers: *mut *const c_void,
    /// `n_children` pointers to the children.
    pub children: *mut *mut ArrowArray,
    /// The dictionary of a dictionary-encoded array, or null.
    pub dictionary: *mut ArrowArray,
    /// Frees what the struct owns and sets itself to null; null once released.
    pub release: Option<unsafe extern "C" fn(*mut ArrowArray)>,
    /// The producer's private data.
    pub private_data: *mut c_void,
}

/// `struct ArrowArrayStream`: a producer of a schema and a sequence of arrays (record
/// batches as struct arrays), driven by its callbacks.
///
/// Dropping an `ArrowArrayStream` calls `release` when it is set.
///
/// ```
/// use quiver_ffi::ArrowArrayStream;
/// assert!(ArrowArrayStream::empty().is_released());
/// ```
#[repr(C)]
#[derive(Debug)]
pub struct ArrowArrayStream {
    /// Writes the stream's schema into `out`; returns 0 or an `errno` code.
    pub get_schema: Option<unsafe extern "C" fn(*mut ArrowArrayStream, *mut ArrowSchema) -> c_int>,
    /// Writes the next array into `out` (a released array at the end); 0 or an `errno`.
    pub get_next: Option<unsafe extern "C" fn(*mut ArrowArrayStream, *mut ArrowArray) -> c_int>,
    /// The last error's description (NUL-terminated), valid until the next call, or null.
    pub get_last_error: Option<unsafe extern "C" fn(*mut ArrowArrayStream) -> *const c_char>,
    /// Frees the stream and sets itself to null; null once released.
    pub release: Option<unsafe extern "C" fn(*mut ArrowArrayStream)>,
    /// The producer's private data.
    pub private_data: *mut c_void,
}

macro_rules! common {
    ($t:ident, $empty:expr) => {
        impl $t {
            /// A released struct with every field zero or null: a place for a producer to
            /// write into (an "out" parameter).
            pub const fn empty() -> Self {
                $empty
            }

            /// Whether the struct is released (or was moved from): `release` is null.
            pub fn is_released(&self) -> bool {
                self.release.is_none()
            }

            /// Moves the struct out of `ptr`, leaving a released struct behind: the caller
            /// now owns it, and the original must not be released again.
            ///
            /// # Safety
            /// `ptr` must be valid for reads and writes of one properly aligned struct, as
            /// a PyCapsule or a C caller hands it over.
            pub unsafe fn take(ptr: *mut $t) -> Self {
                // SAFETY: the caller guarantees `ptr` is valid and aligned; writing the
                // empty struct marks the source moved-from, so ownership has one holder.
                unsafe { std::ptr::replace(ptr, Self::empty()) }
            }
        }

        impl Default for $t {
            fn default() -> Self {
                Self::empty()
            }
        }

        impl Drop for $t {
            /// Calls `release` when it is set (the struct still owns its contents).
            fn drop(&mut self) {
                if let Some(release) = self.release {
                    // SAFETY: a set `release` means the struct is live and owned by us;
                    // the spec requires `release` to null itself, so it runs once.
                    unsafe { release(self) };
                }
            }
        }
    };
}

common!(
    ArrowSchema,
    ArrowSchema {
        format: std::ptr::null(),
        name: std::ptr::null(),
        metadata: std::ptr::null(),
        flags: 0,
        n_children: 0,
        children: std::ptr::null_mut(),
        dictionary: std::ptr::null_mut(),
        release: None,
        private_data: std::ptr::null_mut(),
    }
);
common!(
    ArrowArray,
    ArrowArray {
        length: 0,
        null_count: 0,
        offset: 0,
        n_buffers: 0,
        n_children: 0,
        buffers: std::ptr::null_mut(),
        children: std::ptr::null_mut(),
        dictionary: std::ptr::null_mut(),
        release: None,
        private_data: std::ptr::null_mut(),
    }
);
common!(
    ArrowArrayStream,
    ArrowArrayStream {
        get_schema: None,
        get_next: None,
        get_last_error: None,
        release: None,
        private_data: std::ptr::null_mut(),
    }
);

// SAFETY: the spec lets a consumer move the structs between threads and release them
// from any thread; Quiver's own exports keep only `Send + Sync` buffers in their private
// data, and an importer of foreign structs relies on the producer honouring the spec.
unsafe impl Send for ArrowSchema {}
// SAFETY: as for `ArrowSchema`.
unsafe impl Send for ArrowArray {}
// SAFETY: as for `ArrowSchema`; the stream's callbacks are called with `&mut` access only.
unsafe impl Send for ArrowArrayStream {}
