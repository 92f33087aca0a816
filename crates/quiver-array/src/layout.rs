//! The physical layout of each type: which buffers an array of it carries.

use crate::datatype::{DataType, UnionMode};

/// One buffer of a layout, after the validity bitmap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BufferSpec {
    /// `width` bytes per slot (primitives, fixed-size binary, dictionary indices,
    /// union type ids and dense offsets, list-view offsets and sizes, 16-byte views).
    /// A slot is not always one number: intervals and views are made of several.
    FixedWidth {
        /// Bytes per slot.
        width: usize,
        /// Alignment the values need in memory.
        align: usize,
    },
    /// One bit per slot (boolean values).
    Bitmap,
    /// `len + 1` offsets of the given width (4 or 8 bytes).
    Offsets {
        /// 4 or 8.
        width: usize,
    },
    /// Variable-length bytes addressed by the offsets.
    Data,
}

/// The buffers of a layout after the validity bitmap: at most two, held inline so that
/// asking for a layout never allocates (readers and writers ask once per array). It
/// reads as a slice.
///
/// ```
/// use quiver_array::{layout, BufferSpec, DataType};
/// let specs = layout(&DataType::LargeUtf8).buffers;
/// assert_eq!(specs.len(), 2);
/// assert_eq!(specs[0], BufferSpec::Offsets { width: 8 });
/// assert_eq!(specs.iter().last(), Some(&BufferSpec::Data));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct BufferSpecs {
    specs: [BufferSpec; 2],
    len: usize,
}

impl BufferSpecs {
    fn new(given: &[BufferSpec]) -> Self {
        let mut specs = [BufferSpec::Data; 2];
        let len = given.len().min(2);
        for (dst, src) in specs.iter_mut().zip(given) {
            *dst = *src;
        }
        Self { specs, len }
    }

    /// The specs as a slice.
    pub fn as_slice(&self) -> &[BufferSpec] {
        self.specs.get(..self.len).unwrap_or_default()
    }
}

impl std::ops::Deref for BufferSpecs {
    type Target = [BufferSpec];

    fn deref(&self) -> &[BufferSpec] {
        self.as_slice()
    }
}

impl<'a> IntoIterator for &'a BufferSpecs {
    type Item = &'a BufferSpec;
    type IntoIter = std::slice::Iter<'a, BufferSpec>;

    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter()
    }
}

impl std::fmt::Debug for BufferSpecs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

impl PartialEq<Vec<BufferSpec>> for BufferSpecs {
    fn eq(&self, other: &Vec<BufferSpec>) -> bool {
        self.as_slice() == other.as_slice()
    }
}

/// The buffers an array of a given type carries, in IPC order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Whether the first IPC buffer slot is a validity bitmap (absent for null, unions in
    /// metadata V5, and run-end encoded arrays).
    pub has_validity: bool,
    /// The buffers after the validity bitmap.
    pub buffers: BufferSpecs,
    /// Whether variadic data buffers follow (binary and utf8 views).
    pub variadic: bool,
}

fn fixed(width: usize) -> BufferSpec {
    BufferSpec::FixedWidth {
        width,
        align: width.min(8),
    }
}

/// The layout of `data_type`.
///
/// ```
/// use quiver_array::{layout, BufferSpec, DataType};
/// let l = layout(&DataType::Utf8);
/// assert!(l.has_validity);
/// assert_eq!(l.buffers, vec![BufferSpec::Offsets { width: 4 }, BufferSpec::Data]);
/// ```
pub fn layout(data_type: &DataType) -> Layout {
    use DataType::*;
    let (has_validity, buffers, variadic): (bool, &[BufferSpec], bool) = match data_type {
        Null => (false, &[], false),
        Boolean => (true, &[BufferSpec::Bitmap], false),
        Binary | Utf8 => (
            true,
            &[BufferSpec::Offsets { width: 4 }, BufferSpec::Data],
            false,
        ),
        LargeBinary | LargeUtf8 => (
            true,
            &[BufferSpec::Offsets { width: 8 }, BufferSpec::Data],
            false,
        ),
        // Each view is 16 bytes but not one number: an `i32` length, then 12 inline
        // bytes, or a 4-byte prefix, an `i32` buffer index and an `i32` offset.
        // Byte-swapping (big-endian IPC) treats those fields one by one.
        BinaryView | Utf8View => (
            true,
            &[BufferSpec::FixedWidth {
                width: 16,
                align: 4,
            }],
            true,
        ),
        List(_) | Map(..) => (true, &[BufferSpec::Offsets { width: 4 }], false),
        LargeList(_) => (true, &[BufferSpec::Offsets { width: 8 }], false),
        ListView(_) => (true, &[fixed(4), fixed(4)], false),
        LargeListView(_) => (true, &[fixed(8), fixed(8)], false),
        FixedSizeList(..) | Struct(_) => (true, &[], false),
        Union { mode, .. } => match mode {
            UnionMode::Sparse => (false, &[fixed(1)], false),
            UnionMode::Dense => (false, &[fixed(1), fixed(4)], false),
        },
        RunEndEncoded(..) => (false, &[], false),
        Dictionary { index, .. } => (true, &[fixed(index.primitive_width().unwrap_or(4))], false),
        FixedSizeBinary(w) => (
            true,
            &[BufferSpec::FixedWidth {
                width: usize::try_from(*w).unwrap_or(0),
                align: 1,
            }],
            false,
        ),
        // Wide values (decimal128/256, month-day-nano) are read with unaligned loads, so
        // 8-byte alignment is all they need.
        other => (true, &[fixed(other.primitive_width().unwrap_or(1))], false),
    };
    Layout {
        has_validity,
        buffers: BufferSpecs::new(buffers),
        variadic,
    }
}
