//! An Arrow stream over a TCP socket: a producer task writes record batches with
//! `AsyncStreamWriter`, a consumer reads them as they arrive with `AsyncStreamReader`.
//! Both ends run on tokio, over loopback, on a port the system picks.
//!
//! ```text
//! cargo run --example tcp_stream --features tokio
//! ```

use quiver::ipc::{AsyncStreamReader, AsyncStreamWriter, CompressionCodec, IpcWriteOptions};
use quiver::{Array, RecordBatch, record_batch};
use tokio::net::{TcpListener, TcpStream};

/// Batch `i` of the producer: sensor readings, with a dictionary-encoded sensor name.
fn readings(i: usize) -> quiver::Result<RecordBatch> {
    let sensors = Array::from(vec!["north", "south", "east"]);
    let keys = Array::from((0..6).map(|k| (k % 3) as i8).collect::<Vec<_>>());
    let values: Vec<f64> = (0..6).map(|k| 20.0 + i as f64 + k as f64 / 10.0).collect();
    record_batch(
        vec![
            Array::from(vec![i as i64; 6]),
            Array::dictionary_from(keys, sensors, false)?,
            Array::from(values),
        ],
        &["batch", "sensor", "celsius"],
    )
}

/// Connects to `address` and sends three batches, lz4-compressed, then the
/// end-of-stream marker.
async fn produce(address: std::net::SocketAddr) -> quiver::Result<()> {
    let socket = TcpStream::connect(address).await?;
    let first = readings(0)?;
    let options = IpcWriteOptions::default().with_compression(CompressionCodec::Lz4Frame, None);
    let mut writer =
        AsyncStreamWriter::try_new_with_options(socket, first.schema(), options).await?;
    writer.write(&first).await?;
    for i in 1..3 {
        writer.write(&readings(i)?).await?;
    }
    writer.finish().await?;
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> quiver::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    println!("listening on {address}");
    let producer = tokio::spawn(produce(address));

    let (socket, peer) = listener.accept().await?;
    println!("reading from {peer}");
    let mut reader = AsyncStreamReader::try_new(socket).await?;
    println!(
        "schema: {:?}",
        reader
            .schema()
            .fields()
            .iter()
            .map(|f| f.name())
            .collect::<Vec<_>>()
    );
    let mut rows = 0;
    while let Some(batch) = reader.next_batch().await? {
        rows += batch.num_rows();
        println!("{batch}");
    }
    producer.await.expect("the producer task does not panic")?;
    println!(
        "read {rows} rows; end-of-stream marker seen: {}",
        reader.saw_end_of_stream_marker()
    );
    Ok(())
}
