//! The LZ4 frame format, framed here around lz4_flex's block codec.
//!
//! lz4_flex's `FrameEncoder` and `FrameDecoder` allocate block-sized buffers (up to
//! 4 MiB each) on every call and copy every byte through them. A body buffer is one
//! whole frame held in memory, so this module writes and reads the frame directly: the
//! blocks are compressed from the input slice and decompressed straight into the output.
//!
//! Frames written: magic, a descriptor with independent blocks and no checksums or
//! content size, the blocks (the high bit of a block's size marks one stored raw), and
//! the end mark, as the LZ4 frame format specifies; every LZ4 frame reader reads them.
//!
//! Frames read by the fast path: the same, or with linked blocks (what LZ4's own library
//! writes by default). Anything else, and anything malformed or of the wrong length, is
//! handed to `FrameDecoder` by the caller, which gives the answer (and the error
//! message) it always gave: the fast path never accepts what `FrameDecoder` refuses.

use lz4_flex::block::{CompressTable, compress_into_with_table, get_maximum_output_size};

const MAGIC: [u8; 4] = 0x184D_2204u32.to_le_bytes();
/// Descriptor flags: version 01, independent blocks, no checksums, no content size.
const FLG_INDEPENDENT: u8 = 0x60;
/// The same with linked blocks.
const FLG_LINKED: u8 = 0x40;
/// LZ4 matches reach at most this far back.
const WINDOW: usize = 64 * 1024;
/// The high bit of a block size: the block is stored uncompressed.
const RAW_BLOCK: u32 = 0x8000_0000;
/// The block-size bytes (BD) of the maximum block sizes 64 KiB, 256 KiB, 1 MiB, 4 MiB.
const BD: [u8; 4] = [0x40, 0x50, 0x60, 0x70];
const BLOCK_SIZES: [usize; 4] = [64 << 10, 256 << 10, 1 << 20, 4 << 20];

/// The position of a block-size byte in [`BD`].
fn block_size_index(bd: u8) -> Option<usize> {
    BD.iter().position(|&b| b == bd)
}

/// The descriptor checksum byte (`(xxh32(FLG, BD) >> 8) & 0xFF`) of the descriptors
/// this module writes or reads, or `None` for any other descriptor.
fn header_checksum(flg: u8, bd: u8) -> Option<u8> {
    // Computed once from the frame format's definition; the unit test below checks
    // them against lz4_flex's own encoder.
    let by_size: [u8; 4] = match flg {
        FLG_INDEPENDENT => [0x82, 0xFB, 0x51, 0x73],
        FLG_LINKED => [0xC0, 0x77, 0x96, 0xDF],
        _ => return None,
    };
    by_size.get(block_size_index(bd)?).copied()
}

/// Reusable LZ4 compression state: the match table.
#[derive(Default)]
pub(super) struct Lz4Scratch {
    table: CompressTable,
}

/// Writes one LZ4 frame holding `raw` to `out` (cleared first). Blocks are 64 KiB for
/// inputs up to 64 KiB, 256 KiB up to 256 KiB, else 4 MiB (as lz4_flex chooses).
pub(super) fn compress_frame(raw: &[u8], out: &mut Vec<u8>, scratch: &mut Lz4Scratch) {
    let (bd, max) = match raw.len() {
        n if n <= BLOCK_SIZES[0] => (BD[0], BLOCK_SIZES[0]),
        n if n <= BLOCK_SIZES[1] => (BD[1], BLOCK_SIZES[1]),
        _ => (BD[3], BLOCK_SIZES[3]),
    };
    out.clear();
    out.extend_from_slice(&MAGIC);
    let checksum = header_checksum(FLG_INDEPENDENT, bd).unwrap_or_default();
    out.extend_from_slice(&[FLG_INDEPENDENT, bd, checksum]);
    for block in raw.chunks(max) {
        let at = out.len().saturating_add(4);
        out.resize(at.saturating_add(get_maximum_output_size(block.len())), 0);
        let written = out
            .get_mut(at..)
            .and_then(|dst| compress_into_with_table(block, dst, &mut scratch.table).ok())
            .filter(|&n| n < block.len());
        // A block that does not shrink (or, impossibly, does not fit) is stored raw.
        out.truncate(at.saturating_add(written.unwrap_or(0)));
        let word = match written {
            Some(n) => u32::try_from(n).unwrap_or(u32::MAX),
            None => {
                out.extend_from_slice(block);
                u32::try_from(block.len()).unwrap_or(0) | RAW_BLOCK
            }
        };
        if let Some(slot) = out.get_mut(at.saturating_sub(4)..at) {
            slot.copy_from_slice(&word.to_le_bytes());
        }
    }
    out.extend_from_slice(&0u32.to_le_bytes());
}

/// Decompresses a frame of the kinds described in the module docs into `out`, which it
/// must fill exactly. `None` means "not handled here": the caller decodes it with
/// `FrameDecoder`, which decides whether it is valid and how to report it.
pub(super) fn decompress_frame(src: &[u8], out: &mut [u8]) -> Option<()> {
    let (&[m0, m1, m2, m3, flg, bd, checksum], mut rest) = src.split_first_chunk::<7>()?;
    if [m0, m1, m2, m3] != MAGIC || header_checksum(flg, bd)? != checksum {
        return None;
    }
    let linked = flg == FLG_LINKED;
    let max = *BLOCK_SIZES.get(block_size_index(bd)?)?;
    let mut pos = 0usize;
    loop {
        let (word, after) = rest.split_first_chunk::<4>()?;
        let word = u32::from_le_bytes(*word);
        if word == 0 {
            // The end mark: the frame must end here, having filled `out` exactly.
            return (after.is_empty() && pos == out.len()).then_some(());
        }
        let size = usize::try_from(word & !RAW_BLOCK).ok()?;
        if size > max {
            return None;
        }
        let (block, next) = after.split_at_checked(size)?;
        rest = next;
        let room = max.min(out.len().saturating_sub(pos));
        let n = if word & RAW_BLOCK != 0 {
            out.get_mut(pos..pos.checked_add(size)?)?
                .copy_from_slice(block);
            size
        } else if linked && pos > 0 {
            let (before, after) = out.split_at_mut_checked(pos)?;
            let dict = before.get(pos.saturating_sub(WINDOW)..)?;
            lz4_flex::block::decompress_into_with_dict(block, after.get_mut(..room)?, dict).ok()?
        } else {
            let dst = out.get_mut(pos..pos.checked_add(room)?)?;
            lz4_flex::block::decompress_into(block, dst).ok()?
        };
        if n == 0 {
            // `FrameDecoder` reads a block of no bytes as the end of its input.
            return None;
        }
        pos = pos.checked_add(n)?;
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    use lz4_flex::frame::{BlockMode, BlockSize, FrameDecoder, FrameEncoder, FrameInfo};

    fn sample(len: usize) -> Vec<u8> {
        (0..len).map(|i| ((i * 7) % 251) as u8 ^ (i / 1000) as u8).collect()
    }

    #[test]
    fn header_checksums_match_lz4_flex() {
        let sizes = [
            BlockSize::Max64KB,
            BlockSize::Max256KB,
            BlockSize::Max1MB,
            BlockSize::Max4MB,
        ];
        for (mode, flg) in [
            (BlockMode::Independent, FLG_INDEPENDENT),
            (BlockMode::Linked, FLG_LINKED),
        ] {
            for (i, size) in sizes.into_iter().enumerate() {
                let info = FrameInfo::new().block_size(size).block_mode(mode);
                let mut enc = FrameEncoder::with_frame_info(info, Vec::new());
                enc.write_all(b"abc").unwrap();
                let frame = enc.finish().unwrap();
                assert_eq!(frame[4..6], [flg, BD[i]]);
                assert_eq!(Some(frame[6]), header_checksum(flg, BD[i]), "{mode:?} {i}");
            }
        }
        assert_eq!(header_checksum(0x64, 0x40), None);
        assert_eq!(header_checksum(FLG_INDEPENDENT, 0x30), None);
        assert_eq!(header_checksum(FLG_INDEPENDENT, 0x41), None);
    }

    #[test]
    fn frames_written_here_are_read_by_lz4_flex_and_back() {
        let mut scratch = Lz4Scratch::default();
        let mut frame = Vec::new();
        for len in [1, 100, 65_536, 65_537, 300_000, 5_000_000] {
            let raw = sample(len);
            compress_frame(&raw, &mut frame, &mut scratch);
            assert!(frame.len() < raw.len() || len < 1000, "{len}: {}", frame.len());
            let mut back = Vec::new();
            FrameDecoder::new(&frame[..]).read_to_end(&mut back).unwrap();
            assert_eq!(back, raw, "{len}");
            let mut out = vec![0u8; len];
            assert_eq!(decompress_frame(&frame, &mut out), Some(()), "{len}");
            assert_eq!(out, raw, "{len}");
            // One byte more or less than the frame holds is not handled here.
            assert_eq!(decompress_frame(&frame, &mut vec![0u8; len + 1]), None);
            assert_eq!(decompress_frame(&frame, &mut vec![0u8; len - 1]), None);
        }
    }

    #[test]
    fn incompressible_blocks_are_stored_raw() {
        let mut x = 0x1234_5678u32;
        let raw: Vec<u8> = (0..100_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        let mut frame = Vec::new();
        compress_frame(&raw, &mut frame, &mut Lz4Scratch::default());
        let word = u32::from_le_bytes(frame[7..11].try_into().unwrap());
        assert_eq!(word, 100_000 | RAW_BLOCK);
        let mut back = Vec::new();
        FrameDecoder::new(&frame[..]).read_to_end(&mut back).unwrap();
        assert_eq!(back, raw);
        let mut out = vec![0u8; raw.len()];
        assert_eq!(decompress_frame(&frame, &mut out), Some(()));
        assert_eq!(out, raw);
    }

    #[test]
    fn linked_and_independent_lz4_flex_frames_take_the_fast_path() {
        let raw = sample(700_000);
        for mode in [BlockMode::Independent, BlockMode::Linked] {
            let info = FrameInfo::new()
                .block_size(BlockSize::Max64KB)
                .block_mode(mode);
            let mut enc = FrameEncoder::with_frame_info(info, Vec::new());
            enc.write_all(&raw).unwrap();
            let frame = enc.finish().unwrap();
            let mut out = vec![0u8; raw.len()];
            assert_eq!(decompress_frame(&frame, &mut out), Some(()), "{mode:?}");
            assert_eq!(out, raw, "{mode:?}");
        }
    }

    #[test]
    fn checksummed_sized_or_damaged_frames_are_left_to_frame_decoder() {
        let raw = sample(10_000);
        let info = FrameInfo::new().content_checksum(true);
        let mut enc = FrameEncoder::with_frame_info(info, Vec::new());
        enc.write_all(&raw).unwrap();
        let checksummed = enc.finish().unwrap();
        let mut out = vec![0u8; raw.len()];
        assert_eq!(decompress_frame(&checksummed, &mut out), None);

        let mut frame = Vec::new();
        compress_frame(&raw, &mut frame, &mut Lz4Scratch::default());
        let mut trailing = frame.clone();
        trailing.push(0);
        assert_eq!(decompress_frame(&trailing, &mut out), None);
        let mut bad_checksum = frame.clone();
        bad_checksum[6] ^= 1;
        assert_eq!(decompress_frame(&bad_checksum, &mut out), None);
        assert_eq!(decompress_frame(&frame[..frame.len() - 1], &mut out), None);
        let mut bad_block = frame.clone();
        bad_block[11] = 0xFF;
        bad_block[12] = 0xFF;
        let _ = decompress_frame(&bad_block, &mut out); // must not panic
        let mut empty_block = frame[..7].to_vec();
        empty_block.extend_from_slice(&RAW_BLOCK.to_le_bytes());
        empty_block.extend_from_slice(&frame[7..]);
        assert_eq!(decompress_frame(&empty_block, &mut out), None);
        assert_eq!(decompress_frame(&frame, &mut out), Some(()));
        assert_eq!(out, raw);
    }
}
