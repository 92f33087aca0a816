//! Compression and decompression on several threads (`use_threads`, on by default)
//! give the same bytes, the same batches and the same errors as on one thread.

use quiver_array::{Array, RecordBatch};
use quiver_buffer::{Buffer, BufferReader};
use quiver_ipc::{
    CompressionCodec, IpcError, IpcReadOptions, IpcWriteOptions, StreamReader, StreamWriter,
};

const CODECS: [CompressionCodec; 2] = [CompressionCodec::Zstd, CompressionCodec::Lz4Frame];

/// `rows` rows of issue 11's W4 columns: int64, utf8 with nulls, bool with nulls.
fn batch(rows: usize) -> RecordBatch {
    let strings = [Some("foo"), Some("bar"), Some("baz"), None];
    let bools = [Some(true), None, Some(false), Some(true)];
    RecordBatch::try_from_columns(
        vec![
            Array::from((1..=rows as i64).collect::<Vec<_>>()),
            Array::from((0..rows).map(|i| strings[i % 4]).collect::<Vec<_>>()),
            Array::from((0..rows).map(|i| bools[i % 4]).collect::<Vec<_>>()),
        ],
        &["f0", "f1", "f2"],
    )
    .unwrap()
}

fn write(batches: &[RecordBatch], options: IpcWriteOptions) -> Vec<u8> {
    let mut w =
        StreamWriter::try_new_with_options(Vec::new(), batches[0].schema(), options).unwrap();
    for b in batches {
        w.write(b).unwrap();
    }
    w.close().unwrap()
}

fn read(bytes: &[u8], options: IpcReadOptions) -> Result<Vec<RecordBatch>, IpcError> {
    let input = BufferReader::new(Buffer::from_vec(bytes.to_vec()));
    StreamReader::try_new_with_options(input, options)?.collect()
}

#[test]
fn threads_are_on_by_default() {
    assert!(IpcWriteOptions::default().use_threads());
    assert!(IpcReadOptions::default().use_threads());
}

#[test]
fn threaded_writes_are_byte_identical_and_read_back() {
    // Below the 256 KiB threshold, just over it, and well over it (several MiB).
    for rows in [1_000, 40_000, 300_000] {
        let batches = [batch(rows), batch(rows / 2 + 1)];
        for codec in CODECS {
            let options = IpcWriteOptions::default().with_compression(codec, Some(1));
            let threaded = write(&batches, options.clone());
            let single = write(&batches, options.with_use_threads(false));
            assert!(
                threaded == single,
                "{codec:?}, {rows} rows: the bytes differ"
            );
            for use_threads in [true, false] {
                let back = read(
                    &threaded,
                    IpcReadOptions::default().with_use_threads(use_threads),
                )
                .unwrap();
                assert_eq!(back.len(), 2);
                for (got, want) in back.iter().zip(&batches) {
                    assert!(got.equals(want), "{codec:?}, {rows} rows, {use_threads}");
                }
            }
        }
    }
}

/// The offset of the `n`-th occurrence of the 8-byte length prefix `declared`.
fn prefix_at(bytes: &[u8], declared: usize, n: usize) -> usize {
    let prefix = (declared as i64).to_le_bytes();
    bytes
        .windows(8)
        .enumerate()
        .filter(|(_, w)| *w == prefix)
        .nth(n)
        .map(|(at, _)| at)
        .expect("length prefix")
}

fn read_error(bytes: &[u8], use_threads: bool) -> String {
    read(
        bytes,
        IpcReadOptions::default().with_use_threads(use_threads),
    )
    .unwrap_err()
    .to_string()
}

#[test]
fn decompression_errors_are_the_same_with_and_without_threads() {
    let rows = 200_000;
    for codec in CODECS {
        let options = IpcWriteOptions::default().with_compression(codec, Some(1));
        let good = write(&[batch(rows)], options);
        // The int64 values (buffer 1, 1.6 MB) and the utf8 offsets (buffer 3).
        let values = prefix_at(&good, rows * 8, 0);
        let offsets = prefix_at(&good, (rows + 1) * 4, 0);

        // The header of the values' frame damaged: it no longer decodes.
        let mut bad = good.clone();
        for b in &mut bad[values + 8..values + 40] {
            *b ^= 0x5A;
        }
        let (threaded, single) = (read_error(&bad, true), read_error(&bad, false));
        assert_eq!(threaded, single, "{codec:?}");
        let at =
            "invalid Arrow IPC data at message 1, record batch 0, field \"f0\", buffer 1, byte ";
        let why = match codec {
            CompressionCodec::Zstd => ": corrupt ZSTD frame: Unknown frame descriptor",
            _ => ": corrupt LZ4 frame: WrongMagicNumber",
        };
        let byte = threaded
            .strip_prefix(at)
            .and_then(|rest| rest.strip_suffix(why))
            .unwrap_or_else(|| panic!("{codec:?}: {threaded}"));
        // The byte of the message in the stream, as the next error gives it too.
        let byte: usize = byte.parse().unwrap();

        // Two buffers lie about their length: the first in order is reported.
        let mut bad = good.clone();
        bad[values..values + 8].copy_from_slice(&(rows as i64 * 8 + 1).to_le_bytes());
        bad[offsets..offsets + 8].copy_from_slice(&(rows as i64 * 4).to_le_bytes());
        let (threaded, single) = (read_error(&bad, true), read_error(&bad, false));
        assert_eq!(threaded, single, "{codec:?}");
        assert_eq!(
            threaded,
            format!(
                "invalid Arrow IPC data at message 1, record batch 0, field \"f0\", buffer 1, \
                 byte {}: buffer decompressed to {} bytes but declared {}",
                byte,
                rows * 8,
                rows * 8 + 1
            ),
            "{codec:?}"
        );
    }
}
