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

/// The buffers an array of a given type carries, in IPC order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Whether the first IPC buffer slot is a validity bitmap (absent for null, unions in
    /// metadata V5, and run-end encoded arrays).
    pub has_validity: bool,
    /// The buffers after the validity bitmap.
    pub buffers: Vec<BufferSpec>,
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
    let (has_validity, buffers, variadic) = match data_type {
        Null => (false, vec![], false),
        Boolean => (true, vec![BufferSpec::Bitmap], false),
        Binary | Utf8 => (
            true,
            vec![BufferSpec::Offsets { width: 4 }, BufferSpec::Data],
            false,
        ),
        LargeBinary | LargeUtf8 => (
            true,
            vec![BufferSpec::Offsets { width: 8 }, BufferSpec::Data],
            false,
        ),
        // Each view is 16 bytes but not one number: an `i32` length, then 12 inline
        // bytes, or a 4-byte prefix, an `i32` buffer index and an `i32` offset.
        // Byte-swapping (big-endian IPC) treats those fields one by one.
        BinaryView | Utf8View => (
            true,
            vec![BufferSpec::FixedWidth {
                width: 16,
                align: 4,
            }],
            true,
        ),
        List(_) | Map(..) => (true, vec![BufferSpec::Offsets { width: 4 }], false),
        LargeList(_) => (true, vec![BufferSpec::Offsets { width: 8 }], false),
        ListView(_) => (true, vec![fixed(4), fixed(4)], false),
        LargeListView(_) => (true, vec![fixed(8), fixed(8)], false),
        FixedSizeList(..) | Struct(_) => (true, vec![], false),
        Union { mode, .. } => match mode {
            UnionMode::Sparse => (false, vec![fixed(1)], false),
            UnionMode::Dense => (false, vec![fixed(1), fixed(4)], false),
        },
        RunEndEncoded(..) => (false, vec![], false),
        Dictionary { index, .. } => (
            true,
            vec![fixed(index.primitive_width().unwrap_or(4))],
            false,
        ),
        FixedSizeBinary(w) => (
            true,
            vec![BufferSpec::FixedWidth {
                width: usize::try_from(*w).unwrap_or(0),
                align: 1,
            }],
            false,
        ),
        // Wide values (decimal128/256, month-day-nano) are read with unaligned loads, so
        // 8-byte alignment is all they need.
        other => (
            true,
            vec![fixed(other.primitive_width().unwrap_or(1))],
            false,
        ),
    };
    Layout {
        has_validity,
        buffers,
        variadic,
    }
}
