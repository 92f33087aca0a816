//! The server side: implement [`FlightHandler`] (a few methods, in terms of record
//! batches), and [`FlightServer`] serves it over gRPC, doing all the encoding, decoding,
//! validation, limits, authentication and TLS.
//!
//! ```no_run
//! use futures::stream;
//! use quiver_array::{Array, RecordBatch};
//! use quiver_flight::proto::Ticket;
//! use quiver_flight::server::{BatchStream, FlightHandler, FlightServer, ServerOptions};
//! use tonic::Status;
//!
//! struct Numbers;
//!
//! impl FlightHandler for Numbers {
//!     async fn do_get(&self, _ticket: Ticket) -> Result<BatchStream, Status> {
//!         let batch = RecordBatch::try_from_columns(vec![Array::from(vec![1i64, 2, 3])], &["n"])
//!             .map_err(|e| Status::internal(e.to_string()))?;
//!         Ok(BatchStream::new(batch.schema().clone(), stream::iter(vec![Ok(batch)])))
//!     }
//! }
//!
//! # #[tokio::main] async fn main() -> quiver_flight::Result<()> {
//! let server = FlightServer::bind("127.0.0.1:0", Numbers, ServerOptions::default()).await?;
//! println!("listening on grpc://{}", server.local_addr());
//! server.serve_until(async { let _ = tokio::signal::ctrl_c().await; }).await?;
//! # Ok(()) }
//! ```

mod broken_off;

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use futures::stream::{self, BoxStream, Stream, StreamExt};
use quiver_array::{RecordBatch, SchemaRef};
use quiver_ipc::IpcWriteOptions;
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tonic::{Request, Response, Status, Streaming};

use crate::data::FlightData;
use crate::decode::{DecodeOptions, FlightRecordBatchStream};
use crate::encode::{FlightDataEncoderBuilder, schema_to_ipc};
use crate::error::{FlightError, Result};
use crate::proto::flight_service_server::{FlightService, FlightServiceServer};
use crate::proto::{
    Action, ActionType, Criteria, Empty, FlightDescriptor, FlightInfo, HandshakeRequest,
    HandshakeResponse, PollInfo, PutResult, SchemaResult, Ticket,
};

/// Record batches to send, with their schema: what [`FlightHandler::do_get`] and
/// [`FlightHandler::do_exchange`] answer.
pub struct BatchStream {
    schema: SchemaRef,
    batches: BoxStream<'static, Result<RecordBatch>>,
    options: IpcWriteOptions,
}

impl std::fmt::Debug for BatchStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchStream")
            .field("schema", &self.schema)
            .finish()
    }
}

impl BatchStream {
    /// `batches`, which must all have `schema`.
    pub fn new(
        schema: SchemaRef,
        batches: impl Stream<Item = Result<RecordBatch>> + Send + 'static,
    ) -> Self {
        Self {
            schema,
            batches: batches.boxed(),
            options: IpcWriteOptions::default(),
        }
    }

    /// The IPC write options to encode with (compression, for instance).
    pub fn with_options(mut self, options: IpcWriteOptions) -> Self {
        self.options = options;
        self
    }
}

fn unimplemented(rpc: &str) -> Status {
    Status::unimplemented(format!("this Flight server does not implement {rpc}"))
}

/// What a Flight server does, in terms of record batches. Every method has a default
/// that answers `UNIMPLEMENTED`; implement the ones the service offers.
///
/// Methods are written as `async fn` in the implementation; the futures must be `Send`.
pub trait FlightHandler: Send + Sync + 'static {
    /// `ListFlights`: the flights matching `criteria` (empty: all of them).
    fn list_flights(
        &self,
        criteria: Bytes,
    ) -> impl Future<Output = Result<Vec<FlightInfo>, Status>> + Send {
        let _ = criteria;
        async { Err(unimplemented("ListFlights")) }
    }

    /// `GetFlightInfo`: how to get the flight `descriptor` names.
    fn get_flight_info(
        &self,
        descriptor: FlightDescriptor,
    ) -> impl Future<Output = Result<FlightInfo, Status>> + Send {
        let _ = descriptor;
        async { Err(unimplemented("GetFlightInfo")) }
    }

    /// `GetSchema`: the schema of the flight `descriptor` names.
    fn get_schema(
        &self,
        descriptor: FlightDescriptor,
    ) -> impl Future<Output = Result<SchemaRef, Status>> + Send {
        let _ = descriptor;
        async { Err(unimplemented("GetSchema")) }
    }

    /// `DoGet`: the batches for `ticket`.
    fn do_get(&self, ticket: Ticket) -> impl Future<Output = Result<BatchStream, Status>> + Send {
        let _ = ticket;
        async { Err(unimplemented("DoGet")) }
    }

    /// `DoPut`: take the uploaded `batches` for `descriptor`. The batches are decoded and
    /// validated as they are read; an error in them is an error item of the stream. The
    /// answer becomes the `app_metadata` of the one `PutResult` sent back.
    fn do_put(
        &self,
        descriptor: FlightDescriptor,
        batches: FlightRecordBatchStream,
    ) -> impl Future<Output = Result<Bytes, Status>> + Send {
        let _ = (descriptor, batches);
        async { Err(unimplemented("DoPut")) }
    }

    /// `DoExchange`: batches in, batches out.
    fn do_exchange(
        &self,
        descriptor: FlightDescriptor,
        batches: FlightRecordBatchStream,
    ) -> impl Future<Output = Result<BatchStream, Status>> + Send {
        let _ = (descriptor, batches);
        async { Err(unimplemented("DoExchange")) }
    }

    /// `DoAction`: run `action`, answering result bodies.
    fn do_action(&self, action: Action) -> impl Future<Output = Result<Vec<Bytes>, Status>> + Send {
        let _ = action;
        async { Err(unimplemented("DoAction")) }
    }

    /// `ListActions`: the actions [`do_action`](Self::do_action) knows.
    fn list_actions(&self) -> impl Future<Output = Result<Vec<ActionType>, Status>> + Send {
        async { Ok(Vec::new()) }
    }

    /// `Handshake`: answers the client's first payload. The default echoes nothing back
    /// (authentication is by bearer token, see [`ServerOptions::with_token`]).
    fn handshake(&self, payload: Bytes) -> impl Future<Output = Result<Bytes, Status>> + Send {
        let _ = payload;
        async { Ok(Bytes::new()) }
    }
}

/// Limits and security for a [`FlightServer`].
///
/// ```
/// use quiver_flight::server::ServerOptions;
///
/// let options = ServerOptions::default()
///     .with_token("s3cret")
///     .with_max_message_size(16 << 20)
///     .with_max_batches_per_stream(10_000)
///     .with_max_concurrent_streams(64);
/// assert_eq!(options.max_message_size(), 16 << 20);
/// ```
#[derive(Clone)]
pub struct ServerOptions {
    max_message_size: usize,
    max_batches: Option<usize>,
    max_streams: usize,
    token: Option<Arc<str>>,
    #[cfg(feature = "tls")]
    tls: Option<(Vec<u8>, Vec<u8>)>,
    decode: DecodeOptions,
}

impl std::fmt::Debug for ServerOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("ServerOptions");
        d.field("max_message_size", &self.max_message_size)
            .field("max_batches", &self.max_batches)
            .field("max_streams", &self.max_streams)
            .field("token", &self.token.as_ref().map(|_| "<set>"));
        #[cfg(feature = "tls")]
        d.field("tls", &self.tls.is_some());
        d.finish()
    }
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            max_message_size: 64 << 20,
            max_batches: None,
            max_streams: 256,
            token: None,
            #[cfg(feature = "tls")]
            tls: None,
            decode: DecodeOptions::default(),
        }
    }
}

impl ServerOptions {
    /// The largest message accepted, in bytes: 64 MiB by default. A bigger one ends the
    /// call with gRPC's own refusal (tonic answers `OUT_OF_RANGE`, naming the size and
    /// the limit). Batches sent are split to stay under it too (a single row or
    /// dictionary bigger than the limit is refused the same way).
    pub fn with_max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// At most `n` record batches in one uploaded stream (no limit by default).
    pub fn with_max_batches_per_stream(mut self, n: usize) -> Self {
        self.max_batches = Some(n);
        self
    }

    /// At most `n` data streams (`DoGet`, `DoPut`, `DoExchange`) at once, over all
    /// connections: 256 by default. One more is refused with `RESOURCE_EXHAUSTED`.
    pub fn with_max_concurrent_streams(mut self, n: usize) -> Self {
        self.max_streams = n;
        self
    }

    /// Every call must carry `authorization: Bearer <token>`; any other gets
    /// `UNAUTHENTICATED` and nothing else.
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(Arc::from(token.into()));
        self
    }

    /// Serve TLS with this certificate chain and private key (both PEM).
    #[cfg(feature = "tls")]
    pub fn with_tls(mut self, cert_pem: impl Into<Vec<u8>>, key_pem: impl Into<Vec<u8>>) -> Self {
        self.tls = Some((cert_pem.into(), key_pem.into()));
        self
    }

    /// How uploads are decoded (validation, memory pool).
    pub fn with_decode_options(mut self, options: DecodeOptions) -> Self {
        self.decode = options;
        self
    }

    /// The message size limit.
    pub fn max_message_size(&self) -> usize {
        self.max_message_size
    }

    fn decode_options(&self) -> DecodeOptions {
        match self.max_batches {
            Some(n) => self.decode.clone().with_max_batches(n),
            None => self.decode.clone(),
        }
    }
}

/// The tonic service that serves a [`FlightHandler`]; [`FlightServer`] runs it, or add
/// it to a tonic router yourself with [`FlightServer::service`].
pub struct FlightServiceImpl<H> {
    handler: Arc<H>,
    options: ServerOptions,
    streams: Arc<Semaphore>,
}

impl<H> std::fmt::Debug for FlightServiceImpl<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlightServiceImpl")
            .field("options", &self.options)
            .finish()
    }
}

type Answer<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

impl<H: FlightHandler> FlightServiceImpl<H> {
    fn permit(&self) -> Result<OwnedSemaphorePermit, Status> {
        Arc::clone(&self.streams).try_acquire_owned().map_err(|_| {
            Status::resource_exhausted(format!(
                "the server is already serving {} data streams, its limit; try again later",
                self.options.max_streams
            ))
        })
    }

    /// The batches as `FlightData`, holding `permit` until the stream ends or is
    /// dropped.
    fn send(&self, batches: BatchStream, permit: OwnedSemaphorePermit) -> Answer<FlightData> {
        let encoder = FlightDataEncoderBuilder::new()
            .with_options(batches.options)
            .with_max_message_size(self.options.max_message_size)
            .build(batches.schema, batches.batches);
        encoder
            .map(move |item| {
                let _held = &permit;
                item.map_err(FlightError::into_status)
            })
            .boxed()
    }

    /// The uploaded stream, its schema read and its descriptor required.
    async fn receive(
        &self,
        request: Request<Streaming<FlightData>>,
        rpc: &str,
    ) -> Result<(FlightDescriptor, FlightRecordBatchStream), Status> {
        let mut batches = FlightRecordBatchStream::new(request.into_inner())
            .with_options(self.options.decode_options());
        batches
            .read_schema()
            .await
            .map_err(FlightError::into_status)?;
        let descriptor = batches.descriptor().cloned().ok_or_else(|| {
            Status::invalid_argument(format!(
                "{rpc} needs a FlightDescriptor on its first message, and there was none"
            ))
        })?;
        Ok((descriptor, batches))
    }
}

#[tonic::async_trait]
impl<H: FlightHandler> FlightService for FlightServiceImpl<H> {
    type HandshakeStream = Answer<HandshakeResponse>;
    type ListFlightsStream = Answer<FlightInfo>;
    type DoGetStream = Answer<FlightData>;
    type DoPutStream = Answer<PutResult>;
    type DoExchangeStream = Answer<FlightData>;
    type DoActionStream = Answer<crate::proto::Result>;
    type ListActionsStream = Answer<ActionType>;

    async fn handshake(
        &self,
        request: Request<Streaming<HandshakeRequest>>,
    ) -> Result<Response<Self::HandshakeStream>, Status> {
        let mut input = request.into_inner();
        let first = input.message().await?.unwrap_or_default();
        let payload = self.handler.handshake(first.payload).await?;
        let answer = HandshakeResponse {
            protocol_version: first.protocol_version,
            payload,
        };
        Ok(Response::new(stream::iter([Ok(answer)]).boxed()))
    }

    async fn list_flights(
        &self,
        request: Request<Criteria>,
    ) -> Result<Response<Self::ListFlightsStream>, Status> {
        let flights = self
            .handler
            .list_flights(request.into_inner().expression)
            .await?;
        Ok(Response::new(
            stream::iter(flights.into_iter().map(Ok)).boxed(),
        ))
    }

    async fn get_flight_info(
        &self,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        Ok(Response::new(
            self.handler.get_flight_info(request.into_inner()).await?,
        ))
    }

    async fn poll_flight_info(
        &self,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<PollInfo>, Status> {
        // A finished query: the flight info itself, nothing more to poll.
        let descriptor = request.into_inner();
        let info = self.handler.get_flight_info(descriptor.clone()).await?;
        Ok(Response::new(PollInfo {
            info: Some(info),
            flight_descriptor: None,
            progress: Some(1.0),
            expiration_time: None,
        }))
    }

    async fn get_schema(
        &self,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<SchemaResult>, Status> {
        let schema = self.handler.get_schema(request.into_inner()).await?;
        let schema = schema_to_ipc(&schema).map_err(FlightError::into_status)?;
        Ok(Response::new(SchemaResult { schema }))
    }

    async fn do_get(
        &self,
        request: Request<Ticket>,
    ) -> Result<Response<Self::DoGetStream>, Status> {
        let permit = self.permit()?;
        let batches = self.handler.do_get(request.into_inner()).await?;
        Ok(Response::new(self.send(batches, permit)))
    }

    async fn do_put(
        &self,
        request: Request<Streaming<FlightData>>,
    ) -> Result<Response<Self::DoPutStream>, Status> {
        let _permit = self.permit()?;
        let (descriptor, batches) = self.receive(request, "DoPut").await?;
        let app_metadata = self.handler.do_put(descriptor, batches).await?;
        Ok(Response::new(
            stream::iter([Ok(PutResult { app_metadata })]).boxed(),
        ))
    }

    async fn do_exchange(
        &self,
        request: Request<Streaming<FlightData>>,
    ) -> Result<Response<Self::DoExchangeStream>, Status> {
        let permit = self.permit()?;
        let (descriptor, batches) = self.receive(request, "DoExchange").await?;
        let answer = self.handler.do_exchange(descriptor, batches).await?;
        Ok(Response::new(self.send(answer, permit)))
    }

    async fn do_action(
        &self,
        request: Request<Action>,
    ) -> Result<Response<Self::DoActionStream>, Status> {
        let results = self.handler.do_action(request.into_inner()).await?;
        Ok(Response::new(
            stream::iter(
                results
                    .into_iter()
                    .map(|body| Ok(crate::proto::Result { body })),
            )
            .boxed(),
        ))
    }

    async fn list_actions(
        &self,
        _request: Request<Empty>,
    ) -> Result<Response<Self::ListActionsStream>, Status> {
        let actions = self.handler.list_actions().await?;
        Ok(Response::new(
            stream::iter(actions.into_iter().map(Ok)).boxed(),
        ))
    }
}

/// Checks the bearer token of every call. A wrong or missing token gets
/// `UNAUTHENTICATED` with no detail about what was expected.
#[derive(Clone)]
struct TokenCheck {
    expected: Option<Arc<str>>,
}

impl tonic::service::Interceptor for TokenCheck {
    fn call(&mut self, request: Request<()>) -> Result<Request<()>, Status> {
        let Some(expected) = &self.expected else {
            return Ok(request);
        };
        let given = request
            .metadata()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        match given {
            Some(token) if constant_time_eq(token.as_bytes(), expected.as_bytes()) => Ok(request),
            _ => Err(Status::unauthenticated("")),
        }
    }
}

/// Compares without stopping at the first difference, so the time taken says nothing
/// about how much of a guess was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = u8::from(a.len() != b.len());
    for (i, x) in a.iter().enumerate() {
        diff |= x ^ b.get(i % b.len().max(1)).copied().unwrap_or(0);
    }
    diff == 0
}

/// The largest HTTP/2 frame the server accepts (its `SETTINGS_MAX_FRAME_SIZE`): 1 MiB
/// instead of HTTP/2's 16 KiB default, so that an upload's record batch arrives in a
/// few frames rather than dozens, each of which costs a wake-up of the connection and
/// of the call's stream. W9's `DoPut` of 61 MB took 2.5× less time with it
/// (`benches/README.md`, "Flight").
const MAX_FRAME_SIZE: u32 = 1 << 20;

/// A Flight server bound to an address, ready to serve a [`FlightHandler`].
pub struct FlightServer<H> {
    listener: TcpListener,
    local_addr: SocketAddr,
    service: FlightServiceImpl<H>,
}

impl<H> std::fmt::Debug for FlightServer<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlightServer")
            .field("local_addr", &self.local_addr)
            .field("options", &self.service.options)
            .finish()
    }
}

impl<H: FlightHandler> FlightServer<H> {
    /// Binds `addr` (port 0 picks a free port; see [`local_addr`](Self::local_addr)).
    /// Bind `127.0.0.1` unless the server is meant to be reached from other machines.
    pub async fn bind(addr: &str, handler: H, options: ServerOptions) -> Result<Self> {
        let listener = TcpListener::bind(addr).await.map_err(|e| {
            FlightError::Io(std::io::Error::new(
                e.kind(),
                format!("could not listen on {addr}: {e}"),
            ))
        })?;
        Self::from_listener(listener, handler, options)
    }

    /// A server on a listener bound already (by a caller that chose its socket options
    /// or received it from a service manager).
    pub fn from_listener(
        listener: TcpListener,
        handler: H,
        options: ServerOptions,
    ) -> Result<Self> {
        let local_addr = listener.local_addr()?;
        Ok(Self {
            listener,
            local_addr,
            service: FlightServer::service(handler, options),
        })
    }

    /// The service for `handler`, to mount in a tonic server of your own.
    pub fn service(handler: H, options: ServerOptions) -> FlightServiceImpl<H> {
        FlightServiceImpl {
            handler: Arc::new(handler),
            streams: Arc::new(Semaphore::new(options.max_streams)),
            options,
        }
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Serves until `shutdown` completes, then stops taking calls and lets the calls in
    /// progress finish.
    pub async fn serve_until(self, shutdown: impl Future<Output = ()> + Send) -> Result<()> {
        let options = self.service.options.clone();
        let max = options.max_message_size;
        let check = TokenCheck {
            expected: options.token.clone(),
        };
        let service = FlightServiceServer::new(self.service)
            .max_decoding_message_size(max)
            .max_encoding_message_size(max);
        let service = tonic::service::interceptor::InterceptedService::new(service, check);
        let service = broken_off::CancelIsError(service);
        #[allow(unused_mut)]
        let mut builder = tonic::transport::Server::builder();
        #[cfg(feature = "tls")]
        if let Some((cert, key)) = &options.tls {
            let identity = tonic::transport::Identity::from_pem(cert, key);
            builder = builder
                .tls_config(tonic::transport::ServerTlsConfig::new().identity(identity))
                .map_err(FlightError::Transport)?;
        }
        // TCP_NODELAY on every accepted connection, as tonic's own `serve(addr)` sets it
        // (a custom incoming stream skips that): without it, Nagle's algorithm holds
        // back the last partial segment of a message until the peer's delayed ACK.
        let incoming =
            tonic::transport::server::TcpIncoming::from(self.listener).with_nodelay(Some(true));
        builder
            .max_frame_size(Some(MAX_FRAME_SIZE))
            .add_service(service)
            .serve_with_incoming_shutdown(incoming, shutdown)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_whole() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret2"));
        assert!(!constant_time_eq(b"", b"secret"));
        assert!(!constant_time_eq(b"secret", b""));
        assert!(constant_time_eq(b"", b""));
    }
}
