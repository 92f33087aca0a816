//! Errors of the buffer layer.

/// What can go wrong when creating or viewing buffers.
///
/// New variants may be added, so matches need a `_` arm.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BufferError {
    /// The allocator refused the request.
    #[error("out of memory: could not allocate {requested} bytes")]
    OutOfMemory {
        /// Bytes asked for.
        requested: usize,
    },
    /// A pool with a byte limit (see
    /// [`ProxyMemoryPool::with_limit`](crate::ProxyMemoryPool::with_limit)) refused an
    /// allocation that would bring it over the limit.
    #[error(
        "memory pool limit exceeded: {requested} more bytes would bring the pool over its limit of {limit} bytes ({allocated} are in use); raise the limit or read less at once"
    )]
    PoolLimitExceeded {
        /// Bytes asked for.
        requested: usize,
        /// Bytes the pool held when it refused.
        allocated: usize,
        /// The pool's limit.
        limit: usize,
    },
    /// The size does not form a valid allocation (it overflows `isize`).
    #[error("allocation of {requested} bytes is too large for this platform")]
    AllocationTooLarge {
        /// Bytes asked for.
        requested: usize,
    },
    /// A slice reaches past the end of its buffer.
    #[error("range {offset}..{offset}+{len} is out of bounds for a buffer of {size} bytes")]
    OutOfBounds {
        /// Start of the requested range.
        offset: usize,
        /// Length of the requested range.
        len: usize,
        /// Size of the buffer.
        size: usize,
    },
    /// A byte length is not a whole number of values of the requested type.
    #[error("a buffer of {len} bytes does not hold a whole number of {width}-byte values")]
    RaggedLength {
        /// Byte length of the buffer.
        len: usize,
        /// Width of one value.
        width: usize,
    },
    /// The buffer's address is not aligned for the requested type.
    #[error("buffer at address {addr:#x} is not aligned to {align} bytes")]
    Misaligned {
        /// The address.
        addr: usize,
        /// Alignment the type needs.
        align: usize,
    },
    /// A bitmap is shorter than the bits it must hold.
    #[error("bitmap of {bytes} bytes cannot hold {bits} bits starting at bit {offset}")]
    BitmapTooShort {
        /// Bytes available.
        bytes: usize,
        /// Bit offset.
        offset: usize,
        /// Bits needed after the offset.
        bits: usize,
    },
}
