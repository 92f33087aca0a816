//! Compressed bodies: large buffers decompress correctly, and a declared size that lies
//! (a decompression bomb, or a corrupt length) fails cleanly without allocating it.

use quiver_array::{Array, RecordBatch};
use quiver_buffer::{Buffer, BufferReader, default_memory_pool};
use quiver_ipc::{CompressionCodec, IpcReadOptions, IpcWriteOptions, StreamReader, StreamWriter};

fn compressed_stream(codec: CompressionCodec, values: usize) -> (RecordBatch, Vec<u8>) {
    let batch =
        RecordBatch::try_from_columns(vec![Array::from(vec![0i32; values])], &["z"]).unwrap();
    let opts = IpcWriteOptions::default().with_compression(codec, None);
    let mut w = StreamWriter::try_new_with_options(Vec::new(), batch.schema(), opts).unwrap();
    w.write(&batch).unwrap();
    (batch, w.close().unwrap())
}

fn read_all(
    bytes: Vec<u8>,
    options: IpcReadOptions,
) -> Result<Vec<RecordBatch>, quiver_ipc::IpcError> {
    StreamReader::try_new_with_options(BufferReader::new(Buffer::from_vec(bytes)), options)?
        .collect()
}

// One test, so no other test of this binary allocates while memory is measured.
#[test]
fn large_and_lying_compressed_buffers() {
    large_buffers_decompress_through_the_streaming_path();
    lying_uncompressed_lengths_fail_without_allocating_them();
}

fn large_buffers_decompress_through_the_streaming_path() {
    // 20 MB of zeros: over the size allocated up front, so it grows as it decompresses.
    for codec in [CompressionCodec::Lz4Frame, CompressionCodec::Zstd] {
        let (batch, bytes) = compressed_stream(codec, 5_000_000);
        assert!(bytes.len() < 1_000_000, "{codec:?}: {} bytes", bytes.len());
        let back = read_all(bytes, IpcReadOptions::default()).unwrap();
        assert!(back[0].equals(&batch), "{codec:?}");
    }
}

fn lying_uncompressed_lengths_fail_without_allocating_them() {
    for codec in [CompressionCodec::Lz4Frame, CompressionCodec::Zstd] {
        let (_, mut bytes) = compressed_stream(codec, 5_000_000);
        let declared = 20_000_000i64.to_le_bytes();
        let at = bytes
            .windows(8)
            .position(|w| w == declared)
            .expect("length prefix");
        // Claim 3 GiB: under the default limit, far beyond what the data holds.
        bytes[at..at + 8].copy_from_slice(&(3i64 << 30).to_le_bytes());
        let before = default_memory_pool().bytes_allocated();
        let err = read_all(bytes.clone(), IpcReadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("decompressed to 20000000 bytes but declared 3221225472"),
            "{codec:?}: {err}"
        );
        assert!(default_memory_pool().bytes_allocated() <= before + (1 << 20));
        // With a lower limit the claim is refused before any work.
        let limited = IpcReadOptions::default().with_max_message_size(1 << 30);
        let err = read_all(bytes, limited).unwrap_err().to_string();
        assert!(
            err.contains("claims to decompress to 3221225472 bytes, over the limit"),
            "{codec:?}: {err}"
        );
    }
}
