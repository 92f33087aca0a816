//! arrow-rs's side of W9: an arrow-flight 60 `FlightService` built the way its docs show
//! (`FlightDataEncoderBuilder` out, `FlightRecordBatchStream` in), and its
//! `FlightClient`.

use std::net::SocketAddr;

use arrow_array::RecordBatch;
use arrow_flight::decode::FlightRecordBatchStream;
use arrow_flight::encode::FlightDataEncoderBuilder;
use arrow_flight::error::FlightError;
use arrow_flight::flight_service_client::FlightServiceClient;
use arrow_flight::flight_service_server::{FlightService, FlightServiceServer};
use arrow_flight::{
    Action, ActionType, Criteria, Empty, FlightClient, FlightData, FlightDescriptor, FlightInfo,
    HandshakeRequest, HandshakeResponse, PollInfo, PutResult, SchemaResult, Ticket,
};
use bytes::Bytes;
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt, stream};
use tonic::transport::Channel;
use tonic::transport::server::TcpIncoming;
use tonic::{Request, Response, Status, Streaming};

use super::{MESSAGE_LIMIT, TICKET};

/// The server: `DoGet` of any ticket answers the batches; `DoPut` decodes (validated)
/// and drops what it is sent, answering the number of rows as text.
struct Batches(Vec<RecordBatch>);

type Answer<T> = BoxStream<'static, Result<T, Status>>;

fn unimplemented<T>() -> Result<T, Status> {
    Err(Status::unimplemented("not part of the benchmark"))
}

#[tonic::async_trait]
impl FlightService for Batches {
    type HandshakeStream = Answer<HandshakeResponse>;
    type ListFlightsStream = Answer<FlightInfo>;
    type DoGetStream = Answer<FlightData>;
    type DoPutStream = Answer<PutResult>;
    type DoExchangeStream = Answer<FlightData>;
    type DoActionStream = Answer<arrow_flight::Result>;
    type ListActionsStream = Answer<ActionType>;

    async fn do_get(
        &self,
        _request: Request<Ticket>,
    ) -> Result<Response<Self::DoGetStream>, Status> {
        let batches = self.0.clone();
        let encoded = FlightDataEncoderBuilder::new()
            .build(stream::iter(batches.into_iter().map(Ok)))
            .map_err(Status::from);
        Ok(Response::new(encoded.boxed()))
    }

    async fn do_put(
        &self,
        request: Request<Streaming<FlightData>>,
    ) -> Result<Response<Self::DoPutStream>, Status> {
        let mut batches = FlightRecordBatchStream::new_from_flight_data(
            request.into_inner().map_err(FlightError::from),
        );
        let mut rows = 0;
        while let Some(batch) = batches.next().await {
            rows += batch.map_err(Status::from)?.num_rows();
        }
        let answer = PutResult {
            app_metadata: Bytes::from(rows.to_string()),
        };
        Ok(Response::new(stream::iter([Ok(answer)]).boxed()))
    }

    async fn handshake(
        &self,
        _request: Request<Streaming<HandshakeRequest>>,
    ) -> Result<Response<Self::HandshakeStream>, Status> {
        unimplemented()
    }

    async fn list_flights(
        &self,
        _request: Request<Criteria>,
    ) -> Result<Response<Self::ListFlightsStream>, Status> {
        unimplemented()
    }

    async fn get_flight_info(
        &self,
        _request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        unimplemented()
    }

    async fn poll_flight_info(
        &self,
        _request: Request<FlightDescriptor>,
    ) -> Result<Response<PollInfo>, Status> {
        unimplemented()
    }

    async fn get_schema(
        &self,
        _request: Request<FlightDescriptor>,
    ) -> Result<Response<SchemaResult>, Status> {
        unimplemented()
    }

    async fn do_exchange(
        &self,
        _request: Request<Streaming<FlightData>>,
    ) -> Result<Response<Self::DoExchangeStream>, Status> {
        unimplemented()
    }

    async fn do_action(
        &self,
        _request: Request<Action>,
    ) -> Result<Response<Self::DoActionStream>, Status> {
        unimplemented()
    }

    async fn list_actions(
        &self,
        _request: Request<Empty>,
    ) -> Result<Response<Self::ListActionsStream>, Status> {
        unimplemented()
    }
}

/// Starts the server on a free loopback port with tonic's default transport (what
/// `Server::builder().serve(addr)` does: `TCP_NODELAY` on each connection) and the
/// message limits raised to `MESSAGE_LIMIT`; it runs until the runtime is dropped.
pub async fn serve(batches: Vec<RecordBatch>) -> SocketAddr {
    let incoming = TcpIncoming::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .expect("bind the arrow-rs server")
        .with_nodelay(Some(true));
    let addr = incoming.local_addr().expect("local address");
    let service = FlightServiceServer::new(Batches(batches))
        .max_decoding_message_size(MESSAGE_LIMIT)
        .max_encoding_message_size(MESSAGE_LIMIT);
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(service)
            .serve_with_incoming(incoming),
    );
    addr
}

/// The gRPC client on one connection (tonic's default `Endpoint`), its message limits
/// raised; each call wraps it in arrow-flight's `FlightClient`.
pub async fn connect(addr: SocketAddr) -> FlightServiceClient<Channel> {
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
        .expect("endpoint")
        .connect()
        .await
        .expect("connect to the arrow-rs server");
    FlightServiceClient::new(channel)
        .max_decoding_message_size(MESSAGE_LIMIT)
        .max_encoding_message_size(MESSAGE_LIMIT)
}

/// One `DoGet`: every batch, decoded and validated (arrow-flight's default).
pub async fn do_get(client: FlightServiceClient<Channel>) -> Vec<RecordBatch> {
    FlightClient::new_from_inner(client)
        .do_get(Ticket {
            ticket: Bytes::from_static(TICKET),
        })
        .await
        .expect("arrow-rs DoGet")
        .try_collect()
        .await
        .expect("arrow-rs DoGet stream")
}

/// One `DoPut` of `batches`; the server's answer (the rows it decoded).
pub async fn do_put(client: FlightServiceClient<Channel>, batches: Vec<RecordBatch>) -> usize {
    let upload = FlightDataEncoderBuilder::new()
        .with_flight_descriptor(Some(FlightDescriptor::new_path(vec!["w4".into()])))
        .build(stream::iter(batches.into_iter().map(Ok)));
    let results: Vec<PutResult> = FlightClient::new_from_inner(client)
        .do_put(upload)
        .await
        .expect("arrow-rs DoPut")
        .try_collect()
        .await
        .expect("arrow-rs DoPut results");
    super::rows_answered(&results[0].app_metadata)
}

/// The IPC body bytes of the batches' messages as arrow-flight's encoder sends them.
pub async fn body_bytes(batches: &[RecordBatch]) -> usize {
    // The encoder takes a `'static` stream: owned batches (clones share the buffers).
    let owned = batches.to_vec();
    let messages: Vec<FlightData> = FlightDataEncoderBuilder::new()
        .build(stream::iter(owned.into_iter().map(Ok)))
        .try_collect()
        .await
        .expect("arrow-rs encode");
    messages.iter().map(|m| m.data_body.len()).sum()
}
