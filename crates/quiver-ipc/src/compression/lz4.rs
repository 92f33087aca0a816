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

/// The block-size byte (BD) for a maximum block size id 4..=7 (64 KiB .. 4 MiB).
fn bd(id: u8) -> u8 {
    id << 4
}

/// The maximum block size of id 4..=7.
fn block_size(id: u8) -> usize {
    1 << (8 + 2 * usize::from(id))
}

/// The descriptor checksum byte (`(xxh32(FLG, BD) >> 8) & 0xFF`) of the descriptors
/// this module writes or reads, or `None` for any other descriptor.
fn header_checksum(flg: u8, bd: u8) -> Option<u8> {
    // Computed once from the frame format's definition; the unit test below checks
    // them against lz4_flex's own encoder.
    let by_id = match flg {
        FLG_INDEPENDENT => [0x82, 0xFB, 0x51, 0x73],
        FLG_LINKED => [0xC0, 0x77, 0x96, 0xDF],
        _ => return None,
    };
    let id = bd >> 4;
    if bd & 0x0F != 0 || !(4..=7).contains(&id) {
        return None;
    }
    Some(by_id[usize::from(id - 4)])
}

/// Reusable LZ4 compression state: the match table.
#[derive(Default)]
pub(super) struct Lz4Scratch {
    table: CompressTable,
}

/// Appends one LZ4 frame holding `raw` to `out` (cleared first). Blocks are 64 KiB for
/// inputs up to 64 KiB, 256 KiB up to 256 KiB, else 4 MiB (as lz4_flex chooses).
pub(super) fn compress_frame(raw: &[u8], out: &mut Vec<u8>, scratch: &mut Lz4Scratch) {
    let id = match raw.len() {
        0..=0x1_0000 => 4,
        0..=0x4_0000 => 5,
        _ => 7,
    };
    let max = block_size(id);
    out.clear();
    out.extend_from_slice(&MAGIC);
    let checksum = header_checksum(FLG_INDEPENDENT, bd(id)).unwrap_or_default();
    out.extend_from_slice(&[FLG_INDEPENDENT, bd(id), checksum]);
    for block in raw.chunks(max) {
        let at = out.len();
        out.extend_from_slice(&[0; 4]);
        let bound = get_maximum_output_size(block.len());
        out.resize(at + 4 + bound, 0);
        let written = compress_into_with_table(block, &mut out[at + 4..], &mut scratch.table)
            .ok()
            .filter(|&n| n < block.len());
        // A block that does not shrink (or, impossibly, does not fit) is stored raw.
        let size = match written {
            Some(n) => {
                out.truncate(at + 4 + n);
                n as u32
            }
            None => {
                out.truncate(at + 4);
                out.extend_from_slice(block);
                block.len() as u32 | RAW_BLOCK
            }
        };
        out[at..at + 4].copy_from_slice(&size.to_le_bytes());
    }
    out.extend_from_slice(&0u32.to_le_bytes());
}

/// Decompresses a frame of the kinds described in the module docs into `out`, which it
/// must fill exactly. `None` means "not handled here": the caller decodes it with
/// `FrameDecoder`, which decides whether it is valid and how to report it.
pub(super) fn decompress_frame(src: &[u8], out: &mut [u8]) -> Option<()> {
    let (header, mut rest) = src.split_first_chunk::<7>()?;
    if header[..4] != MAGIC {
        return None;
    }
    let (flg, bd) = (header[4], header[5]);
    if header_checksum(flg, bd)? != header[6] {
        return None;
    }
    let linked = flg == FLG_LINKED;
    let max = block_size(bd >> 4);
    let mut pos = 0usize;
    loop {
        let (word, after) = rest.split_first_chunk::<4>()?;
        let word = u32::from_le_bytes(*word);
        if word == 0 {
            // The end mark: the frame must end here, having filled `out` exactly.
            return (after.is_empty() && pos == out.len()).then_some(());
        }
        let size = (word & !RAW_BLOCK) as usize;
        if size > max {
            return None;
        }
        let block = after.get(..size)?;
        rest = &after[size..];
        let room = max.min(out.len() - pos);
        let n = if word & RAW_BLOCK != 0 {
            out.get_mut(pos..pos + size)?.copy_from_slice(block);
            size
        } else if linked && pos > 0 {
            let (before, after) = out.split_at_mut(pos);
            let dict = &before[pos.saturating_sub(WINDOW)..];
            lz4_flex::block::decompress_into_with_dict(block, &mut after[..room], dict).ok()?
        } else {
            lz4_flex::block::decompress_into(block, &mut out[pos..pos + room]).ok()?
        };
        if n == 0 {
            // `FrameDecoder` reads a block of no bytes as the end of its input.
            return None;
        }
        pos += n;
    }
}

#[cfg(test)]
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
                let id = 4 + i as u8;
                assert_eq!(frame[4..6], [flg, bd(id)]);
                assert_eq!(Some(frame[6]), header_checksum(flg, bd(id)), "{mode:?} {id}");
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
