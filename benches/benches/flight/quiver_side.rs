//! Quiver's side of W9: a `quiver_flight::server::FlightServer` holding W4's batches, and
//! `quiver_flight::client::FlightClient`.

use std::net::SocketAddr;

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt, stream};
use quiver_array::RecordBatch;
use quiver_flight::FlightClient;
use quiver_flight::decode::FlightRecordBatchStream;
use quiver_flight::proto::flight_descriptor::DescriptorType;
use quiver_flight::proto::{FlightDescriptor, Ticket};
use quiver_flight::server::{BatchStream, FlightHandler, FlightServer, ServerOptions};
use tonic::Status;

use super::TICKET;

/// The server: `DoGet` of any ticket answers the batches; `DoPut` decodes (validated)
/// and drops what it is sent, answering the number of rows as text.
struct Batches(Vec<RecordBatch>);

impl FlightHandler for Batches {
    async fn do_get(&self, _ticket: Ticket) -> Result<BatchStream, Status> {
        let schema = self.0[0].schema().clone();
        let batches = self.0.clone();
        Ok(BatchStream::new(
            schema,
            stream::iter(batches.into_iter().map(Ok)),
        ))
    }

    async fn do_put(
        &self,
        _descriptor: FlightDescriptor,
        mut batches: FlightRecordBatchStream,
    ) -> Result<Bytes, Status> {
        let mut rows = 0;
        while let Some(batch) = batches.next().await {
            rows += batch
                .map_err(quiver_flight::FlightError::into_status)?
                .num_rows();
        }
        Ok(Bytes::from(rows.to_string()))
    }
}

/// Starts the server on a free loopback port (its default options: the message limit
/// is 64 MiB); it runs until the runtime is dropped.
pub async fn serve(batches: Vec<RecordBatch>) -> SocketAddr {
    let server = FlightServer::bind("127.0.0.1:0", Batches(batches), ServerOptions::default())
        .await
        .expect("bind the Quiver server");
    let addr = server.local_addr();
    tokio::spawn(server.serve_until(futures::future::pending()));
    addr
}

/// Quiver's `FlightClient` on one connection, with its default options (64 MiB
/// messages, full validation; it accepts 1 MiB HTTP/2 frames).
pub async fn connect(addr: SocketAddr) -> FlightClient {
    FlightClient::connect(&format!("grpc://{addr}"))
        .await
        .expect("connect to the Quiver server")
}

/// One `DoGet`: every batch, decoded and validated (the default).
pub async fn do_get(client: FlightClient) -> Vec<RecordBatch> {
    client
        .do_get(Ticket {
            ticket: Bytes::from_static(TICKET),
        })
        .await
        .expect("Quiver DoGet")
        .try_collect()
        .await
        .expect("Quiver DoGet stream")
}

/// One `DoPut` of `batches`; the server's answer (the rows it decoded).
pub async fn do_put(client: FlightClient, batches: Vec<RecordBatch>) -> usize {
    let schema = batches[0].schema().clone();
    let descriptor = FlightDescriptor {
        r#type: DescriptorType::Path as i32,
        path: vec!["w4".into()],
        ..Default::default()
    };
    let results: Vec<_> = client
        .do_put(
            descriptor,
            schema,
            stream::iter(batches.into_iter().map(Ok)),
        )
        .await
        .expect("Quiver DoPut")
        .try_collect()
        .await
        .expect("Quiver DoPut results");
    super::rows_answered(&results[0].app_metadata)
}

/// The IPC body bytes of the batches' messages as Quiver's encoder sends them.
pub fn body_bytes(batches: &[RecordBatch]) -> usize {
    let mut encoder = quiver_flight::encode::FlightMessageEncoder::try_new(
        batches[0].schema(),
        Default::default(),
    )
    .expect("Quiver encoder");
    let mut out = Vec::new();
    for batch in batches {
        encoder
            .encode_batch(batch, &mut out)
            .expect("Quiver encode");
    }
    out.iter().map(|m| m.data_body.len()).sum()
}
