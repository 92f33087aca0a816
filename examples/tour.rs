//! A tour of Quiver following pyarrow's "Streaming, Serialization, and IPC" page,
//! step by step: build arrays and a record batch, write and read the streaming and file
//! formats in memory, read zero-copy, then write a 10-million-row file to disk and read
//! it back twice — through a plain file (the data is copied into memory) and through a
//! memory map (it is not).
//!
//! ```text
//! cargo run --release --example tour
//! ```

use quiver::{Array, BufferOutputStream, DataType, Field, OsFile, RecordBatch, Schema};

fn heading(title: &str) {
    println!("\n== {title} ==");
}

fn main() -> Result<(), quiver::Error> {
    heading("1. arrays from Rust values");
    let data = vec![
        quiver::array(vec![1i64, 2, 3, 4]),
        quiver::array(vec![Some("foo"), Some("bar"), Some("baz"), None]),
        quiver::array(vec![Some(true), None, Some(false), Some(true)]),
    ];
    for array in &data {
        println!("{}: {array}", array.data_type());
    }

    heading("2. a record batch");
    let batch = quiver::record_batch(data, &["f0", "f1", "f2"])?;
    println!("batch.num_rows    = {}", batch.num_rows());
    println!("batch.num_columns = {}", batch.num_columns());

    heading("3-4. writing a stream into a BufferOutputStream");
    let mut sink = BufferOutputStream::new();
    let mut writer = quiver::ipc::new_stream(&mut sink, batch.schema())?;
    for _ in 0..5 {
        writer.write_batch(&batch)?;
    }
    // Like leaving pyarrow's `with` block: writes the end-of-stream marker.
    writer.close()?;
    let buf = sink.getvalue();
    println!("buf.size = {}", buf.size());

    heading("5. reading the stream back");
    let reader = quiver::ipc::open_stream(buf.clone())?;
    let schema = reader.schema().clone();
    let batches = reader.collect::<Result<Vec<_>, _>>()?;
    println!("schema:\n{schema}");
    println!("len(batches) = {}", batches.len());

    heading("6. equality");
    println!("batches[0].equals(batch) = {}", batches[0].equals(&batch));

    heading("7. zero-copy reads");
    // Read from an in-memory buffer, the batches' column data are slices of that buffer:
    // nothing was copied, nothing new was allocated for it.
    let values = &batches[0].columns()[0].buffers()[0];
    println!(
        "column f0 of batches[0] lies inside buf = {}",
        buf.contains_ptr(values.as_ptr())
    );

    heading("8. writing the file format");
    let mut sink = BufferOutputStream::new();
    let mut writer = quiver::ipc::new_file(&mut sink, batch.schema())?;
    for _ in 0..10 {
        writer.write_batch(&batch)?;
    }
    writer.close()?;
    let buf = sink.getvalue();
    println!("buf.size = {}", buf.size());

    heading("9. random access");
    let reader = quiver::ipc::open_file(buf.clone())?;
    let num_record_batches = reader.num_record_batches();
    let b = reader.get_batch(3)?;
    println!("num_record_batches = {num_record_batches}");
    println!("b.equals(batch) = {}", b.equals(&batch));

    heading("10. reading everything into a table");
    let table = quiver::ipc::open_file(buf)?.read_all()?;
    println!("{}", table.head(5));

    heading("11. writing 10M int32 values to bigfile.arrow");
    const BATCH_SIZE: i32 = 10_000;
    const NUM_BATCHES: usize = 1_000;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bigfile.arrow");
    let schema = Schema::new(vec![Field::new("nums", DataType::Int32, true)]);
    let mut writer = quiver::ipc::new_file(OsFile::create(&path)?, &schema)?;
    for _ in 0..NUM_BATCHES {
        // Only the current batch is in memory.
        let nums = Array::from((0..BATCH_SIZE).collect::<Vec<i32>>());
        writer.write(&RecordBatch::try_new(schema.clone(), vec![nums])?)?;
    }
    writer.close()?;
    println!(
        "wrote {} ({} bytes)",
        path.file_name().unwrap_or_default().to_string_lossy(),
        std::fs::metadata(&path)?.len()
    );

    heading("12. reading it back through a plain file");
    let source = OsFile::open(&path)?;
    let loaded_array = quiver::ipc::open_file(source)?.read_all()?;
    println!("LEN: {}", loaded_array.num_rows());
    println!("RSS: {}MB", quiver::total_allocated_bytes() >> 20);

    heading("13. reading it back through a memory map");
    // Like the seed rebinding `loaded_array`: the copied table is released first.
    drop(loaded_array);
    let source = quiver::memory_map(&path)?;
    let loaded_array = quiver::ipc::open_file(source)?.read_all()?;
    println!("LEN: {}", loaded_array.num_rows());
    println!("RSS: {}MB", quiver::total_allocated_bytes() >> 20);

    // The map must be gone before the directory is removed (Windows insists).
    drop(loaded_array);
    dir.close()?;
    Ok(())
}
