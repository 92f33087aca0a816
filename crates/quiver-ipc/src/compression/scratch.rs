//! Codec state reused across buffers: ZSTD contexts, the LZ4 match table and a scratch
//! output vector, kept in a small process-wide pool.

use std::sync::{Mutex, PoisonError};

/// The most scratches kept for reuse (one per compressing thread is the steady state).
const KEEP: usize = 16;

/// A scratch vector bigger than this is not kept (a huge buffer's output would
/// otherwise stay allocated for the life of the process).
const KEEP_OUT_BYTES: usize = 16 << 20;

static POOL: Mutex<Vec<Scratch>> = Mutex::new(Vec::new());

/// One thread's codec state; made on first use, then taken from and given back to the
/// pool by [`with_scratch`].
#[derive(Default)]
pub(crate) struct Scratch {
    /// Compressed output, copied into an exact-size pool buffer once done.
    pub(super) out: Vec<u8>,
    #[cfg(feature = "lz4")]
    pub(super) lz4: super::lz4::Lz4Scratch,
    /// A ZSTD compression context and the level it is set to.
    #[cfg(feature = "zstd")]
    zstd_c: Option<(i32, zstd::bulk::Compressor<'static>)>,
    #[cfg(feature = "zstd")]
    zstd_d: Option<zstd::bulk::Decompressor<'static>>,
}

impl Scratch {
    /// The ZSTD compression context, at `level`.
    #[cfg(feature = "zstd")]
    pub(super) fn zstd_compressor(
        &mut self,
        level: i32,
    ) -> std::io::Result<&mut zstd::bulk::Compressor<'static>> {
        match &mut self.zstd_c {
            Some((at, c)) => {
                if *at != level {
                    c.set_compression_level(level)?;
                    *at = level;
                }
            }
            None => self.zstd_c = Some((level, zstd::bulk::Compressor::new(level)?)),
        }
        match &mut self.zstd_c {
            Some((_, c)) => Ok(c),
            None => Err(std::io::Error::other("no ZSTD context")),
        }
    }

    /// The ZSTD decompression context.
    #[cfg(feature = "zstd")]
    pub(super) fn zstd_decompressor(
        &mut self,
    ) -> std::io::Result<&mut zstd::bulk::Decompressor<'static>> {
        if self.zstd_d.is_none() {
            self.zstd_d = Some(zstd::bulk::Decompressor::new()?);
        }
        match &mut self.zstd_d {
            Some(d) => Ok(d),
            None => Err(std::io::Error::other("no ZSTD context")),
        }
    }
}

/// Runs `f` with a scratch from the pool (or a new one), then gives it back.
pub(crate) fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    let mut scratch = take();
    let result = f(&mut scratch);
    give_back(scratch);
    result
}

/// A scratch from the pool, or a new one.
pub(crate) fn take() -> Scratch {
    POOL.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .pop()
        .unwrap_or_default()
}

/// Returns a scratch to the pool (or drops it when the pool is full).
pub(crate) fn give_back(mut scratch: Scratch) {
    if scratch.out.capacity() > KEEP_OUT_BYTES {
        scratch.out = Vec::new();
    }
    let mut pool = POOL.lock().unwrap_or_else(PoisonError::into_inner);
    if pool.len() < KEEP {
        pool.push(scratch);
    }
}
