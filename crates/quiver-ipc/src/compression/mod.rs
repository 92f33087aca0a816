//! Body compression: one codec per message, each buffer compressed on its own.
//!
//! Codec state (ZSTD contexts, the LZ4 match table, a scratch output vector) is kept in
//! a small process-wide pool of [`Scratch`]es and reused across buffers, messages and
//! threads. [`parallel`] compresses or decompresses the buffers of one message on
//! several threads.

#[cfg(feature = "lz4")]
mod lz4;
pub(crate) mod parallel;
mod scratch;
#[cfg(feature = "zstd")]
mod zstd_out;

use quiver_buffer::{Buffer, MemoryPoolRef, MutableBuffer};

use crate::error::{IpcError, Location, Result};
use crate::fb;
pub(crate) use scratch::Scratch;

/// A body compression codec. The format may gain codecs, so matches need a `_` arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CompressionCodec {
    /// LZ4 frame format.
    Lz4Frame,
    /// Zstandard.
    Zstd,
}

impl CompressionCodec {
    pub(crate) fn from_fb(c: fb::BodyCompression<'_>, loc: &Location) -> Result<Self> {
        if c.method() != fb::BodyCompressionMethod::BUFFER {
            return Err(IpcError::unsupported(
                loc.clone(),
                format!("body compression method {}", c.method().0),
            ));
        }
        match c.codec() {
            fb::CompressionType::LZ4_FRAME => Ok(Self::Lz4Frame),
            fb::CompressionType::ZSTD => Ok(Self::Zstd),
            other => Err(IpcError::unsupported(
                loc.clone(),
                format!("compression codec {}", other.0),
            )),
        }
    }

    /// Decompresses one stored buffer: empty, or an `i64` uncompressed length (`-1` =
    /// stored raw) followed by the payload. The output is allocated from `pool`.
    pub(crate) fn decompress(
        self,
        stored: &Buffer,
        max: usize,
        pool: &MemoryPoolRef,
        loc: &Location,
    ) -> Result<Buffer> {
        scratch::with_scratch(|s| self.decompress_with(stored, max, pool, loc, s))
    }

    /// [`decompress`](Self::decompress) with the codec state `scratch`.
    pub(crate) fn decompress_with(
        self,
        stored: &Buffer,
        max: usize,
        pool: &MemoryPoolRef,
        loc: &Location,
        scratch: &mut Scratch,
    ) -> Result<Buffer> {
        if stored.is_empty() {
            return Ok(stored.clone());
        }
        let Some(prefix) = stored.get(..8) else {
            return Err(IpcError::malformed(
                loc.clone(),
                format!(
                    "compressed buffer of {} bytes is shorter than its 8-byte length prefix",
                    stored.len()
                ),
            ));
        };
        let mut len_bytes = [0u8; 8];
        len_bytes.copy_from_slice(prefix);
        let declared = i64::from_le_bytes(len_bytes);
        let payload = stored.slice(8, stored.len().saturating_sub(8));
        if declared == -1 {
            return Ok(payload);
        }
        let len = usize::try_from(declared).map_err(|_| {
            IpcError::malformed(
                loc.clone(),
                format!("negative uncompressed length {declared}"),
            )
        })?;
        if len > max {
            return Err(IpcError::LimitExceeded {
                location: Box::new(loc.clone()),
                what: format!(
                    "buffer claims to decompress to {len} bytes, over the limit of {max}"
                ),
            });
        }
        if len > EAGER_LIMIT {
            // A large declared size is not trusted for the allocation: memory grows only
            // as decompressed bytes actually arrive.
            return self.decompress_streaming(&payload, len, pool, loc);
        }
        let refused = |e| IpcError::memory(format!("decompressing {len} bytes at {loc}"), e);
        let (out, written) = match self {
            Self::Lz4Frame => {
                // lz4_flex's block decoder writes only into initialised `&mut [u8]`.
                let mut out = MutableBuffer::try_from_len_zeroed_in(len, pool).map_err(refused)?;
                let written = lz4_decompress(&payload, out.as_mut_slice(), loc)?;
                (out, written)
            }
            Self::Zstd => {
                // zstd writes into the uninitialised capacity: no zero fill first.
                let mut out =
                    MutableBuffer::try_with_capacity_uninit_in(len, pool).map_err(refused)?;
                let written = zstd_decompress(&payload, &mut out, len, loc, scratch)?;
                (out, written)
            }
        };
        if written != len {
            return Err(IpcError::malformed(
                loc.clone(),
                format!("buffer decompressed to {written} bytes but declared {len}"),
            ));
        }
        Ok(out.freeze())
    }
}

/// Declared uncompressed sizes up to this are allocated up front (the fast path).
const EAGER_LIMIT: usize = 16 << 20;

impl CompressionCodec {
    fn decompress_streaming(
        self,
        payload: &[u8],
        len: usize,
        pool: &MemoryPoolRef,
        loc: &Location,
    ) -> Result<Buffer> {
        use std::io::Read;
        let corrupt = |e: std::io::Error| {
            if let Some(refused) = e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<quiver_buffer::BufferError>())
            {
                return IpcError::memory(
                    format!("decompressing {len} bytes at {loc}"),
                    refused.clone(),
                );
            }
            IpcError::malformed(loc.clone(), format!("corrupt compressed buffer: {e}"))
        };
        let mut reader: Box<dyn Read + '_> = match self {
            #[cfg(feature = "lz4")]
            Self::Lz4Frame => Box::new(lz4_flex::frame::FrameDecoder::new(payload)),
            #[cfg(feature = "zstd")]
            Self::Zstd => {
                Box::new(zstd::stream::read::Decoder::with_buffer(payload).map_err(corrupt)?)
            }
            #[allow(unreachable_patterns)]
            _ => {
                return Err(IpcError::unsupported(
                    loc.clone(),
                    format!("{self:?} compression (build with its cargo feature)"),
                ));
            }
        };
        let out = quiver_buffer::io::read_to_buffer_in(&mut reader, len, pool).map_err(corrupt)?;
        let mut probe = [0u8; 1];
        let extra = reader.read(&mut probe).map_err(corrupt)?;
        if out.len() != len || extra != 0 {
            return Err(IpcError::malformed(
                loc.clone(),
                format!(
                    "buffer decompressed to {}{} bytes but declared {len}",
                    out.len(),
                    if extra != 0 { " or more" } else { "" }
                ),
            ));
        }
        Ok(out)
    }

    pub(crate) fn to_fb(self) -> fb::CompressionType {
        match self {
            Self::Lz4Frame => fb::CompressionType::LZ4_FRAME,
            Self::Zstd => fb::CompressionType::ZSTD,
        }
    }

    /// The stored form of one buffer: empty stays empty; otherwise the `i64`
    /// uncompressed length and the compressed bytes, or `-1` and the raw bytes when
    /// compression does not help. The stored form is allocated from `pool`.
    #[cfg(test)]
    pub(crate) fn compress(
        self,
        raw: &Buffer,
        level: Option<i32>,
        pool: &MemoryPoolRef,
    ) -> Result<Buffer, IpcError> {
        scratch::with_scratch(|s| self.compress_with(raw, level, pool, s))
    }

    /// [`compress`](Self::compress) with the codec state `scratch`.
    pub(crate) fn compress_with(
        self,
        raw: &Buffer,
        level: Option<i32>,
        pool: &MemoryPoolRef,
        scratch: &mut Scratch,
    ) -> Result<Buffer, IpcError> {
        if raw.is_empty() {
            return Ok(raw.clone());
        }
        let mut compressed = std::mem::take(&mut scratch.out);
        let done = match self {
            Self::Lz4Frame => lz4_compress(raw, &mut compressed, scratch),
            Self::Zstd => zstd_compress(raw, level.unwrap_or(3), &mut compressed, scratch),
        };
        let result = done.and_then(|()| stored_form(raw, &compressed, pool));
        scratch.out = compressed;
        result
    }
}

/// The stored form of `raw` given its compressed bytes, allocated from `pool`.
fn stored_form(raw: &Buffer, compressed: &[u8], pool: &MemoryPoolRef) -> Result<Buffer> {
    let capacity = compressed.len().min(raw.len()).saturating_add(8);
    // The capacity holds everything pushed below, so nothing grows (or panics) later.
    let mut out = MutableBuffer::try_with_capacity_in(capacity, pool).map_err(|e| {
        IpcError::memory(format!("compressing a buffer of {} bytes", raw.len()), e)
    })?;
    if compressed.len() < raw.len() {
        out.push(raw.len() as i64);
        out.extend_from_slice(compressed);
    } else {
        out.push(-1i64);
        out.extend_from_slice(raw.as_slice());
    }
    Ok(out.freeze())
}

#[cfg(feature = "lz4")]
fn lz4_compress(raw: &[u8], out: &mut Vec<u8>, scratch: &mut Scratch) -> Result<()> {
    lz4::compress_frame(raw, out, &mut scratch.lz4);
    Ok(())
}

#[cfg(not(feature = "lz4"))]
fn lz4_compress(_: &[u8], _: &mut Vec<u8>, _: &mut Scratch) -> Result<()> {
    Err(IpcError::Usage(
        "LZ4 compression needs the `lz4` feature".into(),
    ))
}

#[cfg(feature = "zstd")]
fn zstd_compress(raw: &[u8], level: i32, out: &mut Vec<u8>, scratch: &mut Scratch) -> Result<()> {
    let failed = |e| IpcError::io("compressing a buffer with ZSTD", e);
    let compressor = scratch.zstd_compressor(level).map_err(failed)?;
    out.clear();
    out.reserve(zstd::zstd_safe::compress_bound(raw.len()));
    compressor.compress_to_buffer(raw, out).map_err(failed)?;
    Ok(())
}

#[cfg(not(feature = "zstd"))]
fn zstd_compress(_: &[u8], _: i32, _: &mut Vec<u8>, _: &mut Scratch) -> Result<()> {
    Err(IpcError::Usage(
        "ZSTD compression needs the `zstd` feature".into(),
    ))
}

#[cfg(feature = "lz4")]
fn lz4_decompress(src: &[u8], dst: &mut [u8], loc: &Location) -> Result<usize> {
    use std::io::Read;
    if lz4::decompress_frame(src, dst).is_some() {
        return Ok(dst.len());
    }
    // Everything else (other frame options, damage, a length that differs) is decoded
    // by lz4_flex's reader, which decides and words the error.
    let mut dec = lz4_flex::frame::FrameDecoder::new(src);
    let mut filled = 0;
    while let Some(rest) = dst.get_mut(filled..).filter(|r| !r.is_empty()) {
        match dec.read(rest) {
            Ok(0) => break,
            Ok(n) => filled = filled.saturating_add(n),
            Err(e) => {
                return Err(IpcError::malformed(
                    loc.clone(),
                    format!("corrupt LZ4 frame: {e}"),
                ));
            }
        }
    }
    // One more byte means the payload is longer than declared.
    let mut probe = [0u8; 1];
    match dec.read(&mut probe) {
        Ok(0) => Ok(filled),
        Ok(_) => Ok(filled.saturating_add(1)),
        Err(e) => Err(IpcError::malformed(
            loc.clone(),
            format!("corrupt LZ4 frame: {e}"),
        )),
    }
}

#[cfg(not(feature = "lz4"))]
fn lz4_decompress(_: &[u8], _: &mut [u8], loc: &Location) -> Result<usize> {
    Err(IpcError::unsupported(
        loc.clone(),
        "LZ4 compression (build with the `lz4` feature)",
    ))
}

#[cfg(feature = "zstd")]
fn zstd_decompress(
    src: &[u8],
    out: &mut MutableBuffer,
    len: usize,
    loc: &Location,
    scratch: &mut Scratch,
) -> Result<usize> {
    let corrupt = |e| IpcError::malformed(loc.clone(), format!("corrupt ZSTD frame: {e}"));
    let dctx = scratch.zstd_decompressor().map_err(corrupt)?;
    match zstd_out::decompress_into_spare(dctx, src, out, len) {
        Some(result) => result.map_err(corrupt),
        // Not reached: `out` is a new buffer with capacity for `len` bytes.
        None => Err(IpcError::malformed(
            loc.clone(),
            format!("no room to decompress {len} bytes"),
        )),
    }
}

#[cfg(not(feature = "zstd"))]
fn zstd_decompress(
    _: &[u8],
    _: &mut MutableBuffer,
    _: usize,
    loc: &Location,
    _: &mut Scratch,
) -> Result<usize> {
    Err(IpcError::unsupported(
        loc.clone(),
        "ZSTD compression (build with the `zstd` feature)",
    ))
}
