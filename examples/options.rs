//! Options at the entry points, and opening data without knowing its format: write a
//! file compressed with zstd at level 3, read it back from a memory map with a
//! projection and zero-copy required, then let `quiver::ipc::open` tell a file from a
//! stream by its bytes.
//!
//! ```text
//! cargo run --example options
//! ```

use quiver::ipc::{CompressionCodec, IpcReadOptions, IpcWriteOptions};
use quiver::{Array, BufferOutputStream, RecordBatch, record_batch};

fn batch() -> quiver::Result<RecordBatch> {
    let n = 10_000i64;
    record_batch(
        vec![
            Array::from((0..n).collect::<Vec<_>>()),
            Array::from((0..n).map(|i| i as f64 / 4.0).collect::<Vec<_>>()),
            Array::from(
                (0..n)
                    .map(|i| ["red", "green", "blue"][(i % 3) as usize])
                    .collect::<Vec<_>>(),
            ),
        ],
        &["id", "score", "colour"],
    )
}

fn main() -> quiver::Result<()> {
    let batch = batch()?;
    let dir = tempfile::tempdir()?;

    // Write: pick the codec and its level (and, if wanted, the alignment).
    let options = IpcWriteOptions::default()
        .with_compression(CompressionCodec::Zstd, Some(3))
        .with_alignment(64);
    let compressed = dir.path().join("compressed.arrow");
    let mut writer = quiver::ipc::new_file_with_options(
        quiver::OsFile::create(&compressed)?,
        batch.schema(),
        options,
    )?;
    writer.write_batch(&batch)?;
    writer.close()?;

    let plain = dir.path().join("plain.arrow");
    let mut writer = quiver::ipc::new_file(quiver::OsFile::create(&plain)?, batch.schema())?;
    writer.write_batch(&batch)?;
    writer.close()?;
    println!(
        "zstd level 3: {} bytes, uncompressed: {} bytes",
        std::fs::metadata(&compressed)?.len(),
        std::fs::metadata(&plain)?.len()
    );

    // Read: only two columns, and fail rather than copy any buffer out of the map.
    let options = IpcReadOptions::default()
        .with_projection_names(["id", "colour"])
        .with_require_zero_copy(true);
    let map = quiver::memory_map(&plain)?;
    let reader = quiver::ipc::open_file_with_options(&map, options.clone())?;
    let first = reader.get_batch(0)?;
    let in_map = first.columns().iter().all(|c| {
        c.buffers()
            .iter()
            .all(|b| map.buffer().contains_ptr(b.as_ptr()))
    });
    if !in_map {
        return Err(std::io::Error::other("a buffer was copied out of the map").into());
    }
    println!("projected schema:\n{}", reader.schema());
    println!(
        "{} rows; every buffer inside the memory map: {in_map}",
        first.num_rows()
    );

    // Compressed buffers must be decompressed, so zero-copy cannot hold for them.
    let map = quiver::memory_map(&compressed)?;
    let refused = quiver::ipc::open_file_with_options(&map, options)?.get_batch(0);
    match refused {
        Err(e) => println!("compressed file with zero-copy required: {e}"),
        Ok(_) => return Err(std::io::Error::other("a compressed buffer was read in place").into()),
    }

    // open(): the bytes decide between the file and the stream format.
    let mut sink = BufferOutputStream::new();
    let mut writer = quiver::ipc::new_stream(&mut sink, batch.schema())?;
    writer.write_batch(&batch)?;
    writer.close()?;
    let stream = sink.getvalue();
    for (name, reader) in [
        ("stream in memory", quiver::ipc::open(stream)?),
        ("file on disk", quiver::ipc::open_path(&compressed)?),
    ] {
        let format = if reader.is_file() { "file" } else { "stream" };
        let mut rows = 0;
        for b in reader {
            let b = b?;
            if !b.equals(&batch) {
                return Err(std::io::Error::other("a batch read back differs").into());
            }
            rows += b.num_rows();
        }
        println!("{name}: the {format} format, {rows} rows equal to what was written");
    }

    // Text is not Arrow data, and the error says so.
    let text = quiver::Buffer::from_vec(b"id,score,colour\n1,0.25,red\n".to_vec());
    if let Err(e) = quiver::ipc::open(text) {
        println!("a CSV file: {e}");
    }
    Ok(())
}
