//! The client side: [`FlightClient`] calls every Flight RPC in terms of record batches,
//! doing the encoding and decoding, with optional TLS and a bearer token.
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use quiver_flight::client::{ClientOptions, FlightClient};
//! use quiver_flight::proto::Ticket;
//!
//! # #[tokio::main] async fn main() -> quiver_flight::Result<()> {
//! let options = ClientOptions::default().with_token("s3cret");
//! let client = FlightClient::connect_with("grpc://127.0.0.1:8815", options).await?;
//! let infos: Vec<_> = client.list_flights("").await?.try_collect().await?;
//! for info in &infos {
//!     println!("{:?}: {} rows", info.flight_descriptor, info.total_records);
//! }
//! let ticket = Ticket { ticket: "trips.arrow".into() };
//! let batches: Vec<_> = client.do_get(ticket).await?.try_collect().await?;
//! # Ok(()) }
//! ```

mod options;
mod upload;

use bytes::Bytes;
use futures::stream::{self, BoxStream, Stream, StreamExt};
use quiver_array::{RecordBatch, SchemaRef};
use quiver_ipc::IpcWriteOptions;
use tonic::codegen::http::uri::PathAndQuery;
use tonic::metadata::{AsciiMetadataValue, MetadataValue};
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint};
use tonic::{GrpcMethod, Request, Status, Streaming};

use crate::decode::{DecodeOptions, FlightRecordBatchStream, schema_from_ipc};
use crate::encode::{DEFAULT_MAX_MESSAGE_SIZE, FlightDataEncoderBuilder};
use crate::error::{FlightError, Result};
use crate::proto::flight_service_client::FlightServiceClient;
use crate::proto::{
    Action, ActionType, Criteria, Empty, FlightDescriptor, FlightInfo, HandshakeRequest, PollInfo,
    PutResult, Ticket,
};
use options::FlightUrl;
pub use options::{ClientOptions, DEFAULT_CLIENT_MAX_MESSAGE_SIZE};
use upload::{Upload, UploadCodec};

/// Adds `authorization: Bearer <token>` to every call when a token is set (see
/// [`ClientOptions::with_token`]); the token is marked sensitive and never printed.
#[derive(Clone)]
pub struct BearerToken(Option<AsciiMetadataValue>);

impl std::fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = if self.0.is_some() { "<set>" } else { "<none>" };
        f.debug_tuple("BearerToken").field(&state).finish()
    }
}

impl BearerToken {
    fn new(token: Option<&str>) -> Result<Self> {
        let Some(token) = token else {
            return Ok(Self(None));
        };
        let mut value = MetadataValue::try_from(format!("Bearer {token}")).map_err(|_| {
            FlightError::InvalidArgument(
                "the token cannot be sent in an HTTP header: use visible ASCII characters only"
                    .to_string(),
            )
        })?;
        value.set_sensitive(true);
        Ok(Self(Some(value)))
    }
}

impl Interceptor for BearerToken {
    fn call(&mut self, mut request: Request<()>) -> std::result::Result<Request<()>, Status> {
        if let Some(value) = &self.0 {
            request
                .metadata_mut()
                .insert("authorization", value.clone());
        }
        Ok(request)
    }
}

/// The largest HTTP/2 frame a client made by [`FlightClient::connect`] accepts.
const MAX_FRAME_SIZE: u32 = 1 << 20;

/// The gRPC service name, as the generated code spells it in paths.
const SERVICE: &str = "arrow.flight.protocol.FlightService";

/// The channel the generated client of a [`FlightClient`] runs on.
pub type FlightServiceChannel = InterceptedService<Channel, BearerToken>;

/// An Arrow Flight client.
///
/// Calls take `&self` and may run concurrently: the client is a cheap handle on one
/// HTTP/2 connection, and cloning it shares the connection. Errors from the server are
/// [`FlightError::Status`], keeping the gRPC code and message.
#[derive(Debug, Clone)]
pub struct FlightClient {
    inner: FlightServiceClient<FlightServiceChannel>,
    /// The same channel, for the uploads, which bypass the generated client.
    channel: FlightServiceChannel,
    max_message_size: usize,
    write_options: IpcWriteOptions,
    decode_options: DecodeOptions,
    split_size: usize,
}

impl FlightClient {
    /// Connects to `url` (`grpc://HOST:PORT`, `grpc+tcp://HOST:PORT` or
    /// `grpc+tls://HOST:PORT`) with the default options.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(url, ClientOptions::default()).await
    }

    /// Connects to `url` with `options`.
    ///
    /// A URL that is not a Flight one, a `grpc+tls://` URL without a CA certificate to
    /// trust, and a token that cannot be sent are [`FlightError::InvalidArgument`]; a
    /// server that cannot be reached is [`FlightError::Io`].
    pub async fn connect_with(url: &str, options: ClientOptions) -> Result<Self> {
        let parsed = FlightUrl::parse(url)?;
        let token = BearerToken::new(options.token.as_deref())?;
        let mut endpoint = Endpoint::from_shared(parsed.endpoint_uri()).map_err(|e| {
            FlightError::InvalidArgument(format!("cannot connect to `{url}`: {}", chain(&e)))
        })?;
        // Accept HTTP/2 frames of up to 1 MiB (16 KiB by default), as the server does:
        // a `DoGet` batch then arrives in one or two frames instead of dozens, each of
        // which wakes the connection and the call (W9 in `benches/README.md`).
        endpoint = endpoint.max_frame_size(MAX_FRAME_SIZE);
        if let Some(timeout) = options.timeout {
            endpoint = endpoint.timeout(timeout).connect_timeout(timeout);
        }
        if parsed.tls {
            endpoint = with_tls(endpoint, url, &options)?;
        }
        let channel = endpoint.connect().await.map_err(|e| {
            let kind = io_kind(&e).unwrap_or(std::io::ErrorKind::Other);
            FlightError::Io(std::io::Error::new(
                kind,
                format!(
                    "could not connect to the Flight server at {url}: {}",
                    chain(&e)
                ),
            ))
        })?;
        Ok(Self::build(channel, token, &options))
    }

    /// A client on a channel you built (for settings [`ClientOptions`] does not have),
    /// with the default options.
    pub fn new(channel: Channel) -> Self {
        Self::build(channel, BearerToken(None), &ClientOptions::default())
    }

    /// A client on a channel you built, with `options`. The channel's own settings
    /// apply: the options' TLS certificates and timeout are not used.
    pub fn from_channel(channel: Channel, options: ClientOptions) -> Result<Self> {
        let token = BearerToken::new(options.token.as_deref())?;
        Ok(Self::build(channel, token, &options))
    }

    fn build(channel: Channel, token: BearerToken, options: &ClientOptions) -> Self {
        let max = options.max_message_size;
        let channel = InterceptedService::new(channel, token);
        let inner = FlightServiceClient::new(channel.clone())
            .max_decoding_message_size(max)
            .max_encoding_message_size(max);
        Self {
            inner,
            channel,
            max_message_size: max,
            write_options: options.write_options.clone(),
            decode_options: options.decode_options.clone(),
            split_size: max.min(DEFAULT_MAX_MESSAGE_SIZE),
        }
    }

    /// The generated gRPC client, for calls this type does not wrap.
    pub fn inner(&self) -> &FlightServiceClient<FlightServiceChannel> {
        &self.inner
    }

    /// The generated gRPC client, mutably (to change its settings).
    pub fn inner_mut(&mut self) -> &mut FlightServiceClient<FlightServiceChannel> {
        &mut self.inner
    }

    /// The generated gRPC client.
    pub fn into_inner(self) -> FlightServiceClient<FlightServiceChannel> {
        self.inner
    }

    /// `Handshake`: sends `payload` and returns the server's first answer's payload.
    pub async fn handshake(&self, payload: impl Into<Bytes>) -> Result<Bytes> {
        let request = HandshakeRequest {
            protocol_version: 0,
            payload: payload.into(),
        };
        let mut answers = self
            .client()
            .handshake(stream::iter([request]))
            .await?
            .into_inner();
        match answers.message().await? {
            Some(answer) => Ok(answer.payload),
            None => Err(FlightError::protocol(
                "the server ended the Handshake without answering",
            )),
        }
    }

    /// `ListFlights`: the flights matching `criteria` (empty for all of them), as the
    /// server sends them.
    pub async fn list_flights(
        &self,
        criteria: impl Into<Bytes>,
    ) -> Result<BoxStream<'static, Result<FlightInfo>>> {
        let criteria = Criteria {
            expression: criteria.into(),
        };
        let answers = self.client().list_flights(criteria).await?.into_inner();
        Ok(errors_mapped(answers))
    }

    /// `GetFlightInfo`: how to get the flight `descriptor` names.
    pub async fn get_flight_info(&self, descriptor: FlightDescriptor) -> Result<FlightInfo> {
        Ok(self
            .client()
            .get_flight_info(descriptor)
            .await?
            .into_inner())
    }

    /// `PollFlightInfo`: the state of the (possibly long-running) query `descriptor`
    /// names.
    pub async fn poll_flight_info(&self, descriptor: FlightDescriptor) -> Result<PollInfo> {
        Ok(self
            .client()
            .poll_flight_info(descriptor)
            .await?
            .into_inner())
    }

    /// `GetSchema`: the schema of the flight `descriptor` names, decoded (and
    /// validated) from its IPC form.
    pub async fn get_schema(&self, descriptor: FlightDescriptor) -> Result<SchemaRef> {
        let answer = self.client().get_schema(descriptor).await?.into_inner();
        schema_from_ipc(&answer.schema)
    }

    /// `DoGet`: the record batches behind `ticket`, decoded as they arrive (with the
    /// options' [`DecodeOptions`]); the schema and each message's application metadata
    /// can be read from the stream.
    pub async fn do_get(&self, ticket: Ticket) -> Result<FlightRecordBatchStream> {
        let answers = self.client().do_get(ticket).await?.into_inner();
        Ok(FlightRecordBatchStream::new(answers).with_options(self.decode_options.clone()))
    }

    /// `DoPut`: uploads `batches` (all of `schema`) to the flight `descriptor` names, and
    /// returns the server's answers.
    ///
    /// The descriptor travels on the first message, the schema. If `batches` yields an
    /// error, or a batch that does not match `schema`, the upload is cancelled (the
    /// server does not see a complete stream) and that error is returned, or is the last
    /// item of the answers if they had begun.
    pub async fn do_put<S>(
        &self,
        descriptor: FlightDescriptor,
        schema: SchemaRef,
        batches: S,
    ) -> Result<BoxStream<'static, Result<PutResult>>>
    where
        S: Stream<Item = Result<RecordBatch>> + Send + 'static,
    {
        let (upload, mut failure) = Upload::new(self.encoder(descriptor, schema, batches));
        let answers = failure.race(self.upload(upload, "DoPut")).await?;
        Ok(failure.watch(answers).boxed())
    }

    /// `DoExchange`: uploads `batches` (all of `schema`) to the exchange `descriptor`
    /// names, and returns the batches the server sends back. A failure of `batches`
    /// cancels the call as in [`do_put`](Self::do_put).
    pub async fn do_exchange<S>(
        &self,
        descriptor: FlightDescriptor,
        schema: SchemaRef,
        batches: S,
    ) -> Result<FlightRecordBatchStream>
    where
        S: Stream<Item = Result<RecordBatch>> + Send + 'static,
    {
        let (upload, mut failure) = Upload::new(self.encoder(descriptor, schema, batches));
        let answers = failure.race(self.upload(upload, "DoExchange")).await?;
        Ok(FlightRecordBatchStream::new(failure.watch(answers))
            .with_options(self.decode_options.clone()))
    }

    /// `DoAction`: runs `action` and returns the bodies of its results.
    pub async fn do_action(&self, action: Action) -> Result<BoxStream<'static, Result<Bytes>>> {
        let answers = self.client().do_action(action).await?.into_inner();
        Ok(answers
            .map(|answer| answer.map(|result| result.body).map_err(FlightError::from))
            .boxed())
    }

    /// `ListActions`: the actions the server knows.
    pub async fn list_actions(&self) -> Result<BoxStream<'static, Result<ActionType>>> {
        let answers = self.client().list_actions(Empty {}).await?.into_inner();
        Ok(errors_mapped(answers))
    }

    /// Calls the streaming `method` (`DoPut` or `DoExchange`) with `upload`, as the
    /// generated client would, but through [`UploadCodec`] so that a failing upload
    /// breaks the call instead of completing it.
    async fn upload<U>(
        &self,
        upload: Upload,
        method: &'static str,
    ) -> std::result::Result<Streaming<U>, Status>
    where
        U: prost::Message + Default + Send + 'static,
    {
        let mut grpc = tonic::client::Grpc::new(self.channel.clone())
            .max_decoding_message_size(self.max_message_size)
            .max_encoding_message_size(self.max_message_size);
        grpc.ready()
            .await
            .map_err(|e| Status::unavailable(format!("the connection is not ready: {e}")))?;
        let path = PathAndQuery::try_from(format!("/{SERVICE}/{method}"))
            .map_err(|e| Status::internal(format!("bad method path for {method}: {e}")))?;
        let mut request = Request::new(upload);
        request
            .extensions_mut()
            .insert(GrpcMethod::new(SERVICE, method));
        let answers = grpc
            .streaming(request, path, UploadCodec::<U>::default())
            .await?;
        Ok(answers.into_inner())
    }

    /// A handle for one call (the generated methods take `&mut self`).
    fn client(&self) -> FlightServiceClient<FlightServiceChannel> {
        self.inner.clone()
    }

    fn encoder<S>(
        &self,
        descriptor: FlightDescriptor,
        schema: SchemaRef,
        batches: S,
    ) -> crate::encode::FlightDataEncoder
    where
        S: Stream<Item = Result<RecordBatch>> + Send + 'static,
    {
        FlightDataEncoderBuilder::new()
            .with_options(self.write_options.clone())
            .with_max_message_size(self.split_size)
            .with_descriptor(descriptor)
            .build(schema, batches)
    }
}

fn errors_mapped<T: Send + 'static>(answers: tonic::Streaming<T>) -> BoxStream<'static, Result<T>> {
    answers
        .map(|answer| answer.map_err(FlightError::from))
        .boxed()
}

#[cfg(feature = "tls")]
fn with_tls(endpoint: Endpoint, url: &str, options: &ClientOptions) -> Result<Endpoint> {
    use tonic::transport::{Certificate, ClientTlsConfig};
    if options.tls_roots.is_empty() {
        return Err(FlightError::InvalidArgument(format!(
            "`{url}` asks for TLS, and no CA certificate to trust was given: pass the \
             server's CA (PEM) with ClientOptions::with_tls_root, or a system bundle such \
             as /etc/ssl/certs/ca-certificates.crt"
        )));
    }
    for (number, pem) in (1..).zip(&options.tls_roots) {
        let marker = b"-----BEGIN CERTIFICATE-----";
        if !pem.windows(marker.len()).any(|w| w == marker) {
            return Err(FlightError::InvalidArgument(format!(
                "CA certificate {} given with ClientOptions::with_tls_root holds no PEM \
                 certificate (a `-----BEGIN CERTIFICATE-----` block)",
                number
            )));
        }
    }
    let roots = options.tls_roots.iter().map(Certificate::from_pem);
    endpoint
        .tls_config(ClientTlsConfig::new().ca_certificates(roots))
        .map_err(|e| {
            FlightError::InvalidArgument(format!(
                "the TLS settings for `{url}` were refused (is the CA certificate PEM?): {}",
                chain(&e)
            ))
        })
}

#[cfg(not(feature = "tls"))]
fn with_tls(_endpoint: Endpoint, url: &str, _options: &ClientOptions) -> Result<Endpoint> {
    Err(FlightError::InvalidArgument(format!(
        "`{url}` asks for TLS, and quiver-flight was built without its `tls` feature"
    )))
}

/// An error and its sources, `: `-separated (tonic's own message is often just
/// "transport error").
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let next = s.to_string();
        if !text.ends_with(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = s.source();
    }
    text
}

/// The kind of the first I/O error among `e`'s sources.
fn io_kind(e: &(dyn std::error::Error + 'static)) -> Option<std::io::ErrorKind> {
    let mut source = Some(e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        source = s.source();
    }
    None
}
