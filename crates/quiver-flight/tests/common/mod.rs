//! The Flight server the client tests run against: written directly on the generated
//! `FlightService` trait, so the client is tested apart from Quiver's own server. It
//! records what it saw (headers, uploads) for the tests to check.

#![allow(dead_code)] // each test crate uses a part of it

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures::{Stream, StreamExt, TryStreamExt, stream};
use quiver_array::{Array, RecordBatch};
use quiver_flight::decode::FlightRecordBatchStream;
use quiver_flight::encode::{FlightDataEncoderBuilder, schema_to_ipc};
use quiver_flight::proto::flight_service_server::{FlightService, FlightServiceServer};
use quiver_flight::proto::{
    Action, ActionType, Criteria, Empty, FlightDescriptor, FlightEndpoint, FlightInfo,
    HandshakeRequest, HandshakeResponse, PollInfo, PutResult, SchemaResult, Ticket,
    flight_descriptor::DescriptorType,
};
use quiver_flight::{FlightData, FlightError};
use tonic::{Code, Request, Response, Status, Streaming};

pub type Answer<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

pub fn sample() -> RecordBatch {
    let dict = Array::dictionary_from(
        Array::from(vec![0i32, 1, 0, 2]),
        Array::from(vec!["red", "green", "blue"]),
        false,
    )
    .unwrap();
    RecordBatch::try_from_columns(
        vec![
            Array::from(vec![Some(1i64), None, Some(3), Some(4)]),
            Array::from(vec![Some("a"), Some("bb"), None, Some("dddd")]),
            dict,
        ],
        &["n", "s", "d"],
    )
    .unwrap()
}

pub fn path(name: &str) -> FlightDescriptor {
    FlightDescriptor {
        r#type: DescriptorType::Path as i32,
        path: vec![name.to_string()],
        ..Default::default()
    }
}

pub fn info(name: &str, rows: i64) -> FlightInfo {
    FlightInfo {
        schema: schema_to_ipc(sample().schema()).unwrap(),
        flight_descriptor: Some(path(name)),
        endpoint: vec![FlightEndpoint {
            ticket: Some(Ticket {
                ticket: Bytes::from(name.to_string()),
            }),
            ..Default::default()
        }],
        total_records: rows,
        total_bytes: -1,
        ..Default::default()
    }
}

/// A FlightInfo of just over 2 MiB.
pub fn big_info() -> FlightInfo {
    FlightInfo {
        app_metadata: Bytes::from(vec![7u8; 2 << 20]),
        ..info("big", 0)
    }
}

/// What the server saw.
#[derive(Default)]
pub struct Seen {
    /// The `authorization` header of each call.
    pub authorization: Vec<Option<String>>,
    pub uploads: Vec<Upload>,
}

/// One upload as the server saw it.
pub struct Upload {
    pub descriptor: Option<FlightDescriptor>,
    pub batches: Vec<RecordBatch>,
    /// How the stream ended: complete, or the error that broke it.
    pub end: Result<(), String>,
}

#[derive(Clone, Default)]
pub struct Server(pub Arc<Mutex<Seen>>);

impl Server {
    fn note<T>(&self, request: &Request<T>) {
        let header = request
            .metadata()
            .get("authorization")
            .map(|v| v.to_str().unwrap().to_string());
        self.0.lock().unwrap().authorization.push(header);
    }

    /// Reads an upload to its end, recording it; the batches on success.
    async fn receive(&self, request: Request<Streaming<FlightData>>) -> Vec<RecordBatch> {
        self.note(&request);
        let mut input = FlightRecordBatchStream::new(request.into_inner());
        let mut batches = Vec::new();
        let end = loop {
            match input.next().await {
                None => break Ok(()),
                Some(Ok(b)) => batches.push(b),
                Some(Err(e)) => break Err(e.to_string()),
            }
        };
        let descriptor = input.descriptor().cloned();
        let mut seen = self.0.lock().unwrap();
        seen.uploads.push(Upload {
            descriptor,
            batches: batches.clone(),
            end,
        });
        batches
    }
}

pub fn send(batches: Vec<RecordBatch>, last_metadata: &'static [u8]) -> Answer<FlightData> {
    let schema = sample().schema().clone();
    let mut data: Vec<FlightData> = futures::executor::block_on(
        FlightDataEncoderBuilder::new()
            .build(schema, stream::iter(batches.into_iter().map(Ok)))
            .try_collect::<Vec<_>>(),
    )
    .unwrap();
    if let Some(last) = data.last_mut() {
        last.app_metadata = Bytes::from_static(last_metadata);
    }
    stream::iter(data.into_iter().map(Ok)).boxed()
}

#[tonic::async_trait]
impl FlightService for Server {
    type HandshakeStream = Answer<HandshakeResponse>;
    type ListFlightsStream = Answer<FlightInfo>;
    type DoGetStream = Answer<FlightData>;
    type DoPutStream = Answer<PutResult>;
    type DoExchangeStream = Answer<FlightData>;
    type DoActionStream = Answer<quiver_flight::proto::Result>;
    type ListActionsStream = Answer<ActionType>;

    async fn handshake(
        &self,
        request: Request<Streaming<HandshakeRequest>>,
    ) -> Result<Response<Self::HandshakeStream>, Status> {
        self.note(&request);
        let first = request.into_inner().message().await?.unwrap_or_default();
        let mut payload = first.payload.to_vec();
        payload.reverse();
        let answer = HandshakeResponse {
            protocol_version: first.protocol_version,
            payload: Bytes::from(payload),
        };
        Ok(Response::new(stream::iter([Ok(answer)]).boxed()))
    }

    async fn list_flights(
        &self,
        request: Request<Criteria>,
    ) -> Result<Response<Self::ListFlightsStream>, Status> {
        self.note(&request);
        let all = vec![info("a.arrow", 4), info("b.arrow", 8)];
        let expression = request.into_inner().expression;
        let chosen: Vec<_> = all
            .into_iter()
            .filter(|i| {
                expression.is_empty() || i.endpoint[0].ticket.as_ref().unwrap().ticket == expression
            })
            .map(Ok)
            .collect();
        Ok(Response::new(stream::iter(chosen).boxed()))
    }

    async fn get_flight_info(
        &self,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        self.note(&request);
        let descriptor = request.into_inner();
        match descriptor.path.first().map(String::as_str) {
            Some("a.arrow") => Ok(Response::new(info("a.arrow", 4))),
            Some("big") => Ok(Response::new(big_info())),
            Some("slow") => {
                tokio::time::sleep(Duration::from_secs(30)).await;
                Err(Status::internal("too late"))
            }
            _ => Err(Status::not_found(format!(
                "no flight named {:?}",
                descriptor.path
            ))),
        }
    }

    async fn poll_flight_info(
        &self,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<PollInfo>, Status> {
        self.note(&request);
        Ok(Response::new(PollInfo {
            info: Some(info("a.arrow", 4)),
            flight_descriptor: Some(path("again")),
            progress: Some(0.5),
            expiration_time: None,
        }))
    }

    async fn get_schema(
        &self,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<SchemaResult>, Status> {
        self.note(&request);
        if request.get_ref().path.first().map(String::as_str) == Some("garbage") {
            return Ok(Response::new(SchemaResult {
                schema: Bytes::from_static(b"not a schema"),
            }));
        }
        let schema = schema_to_ipc(sample().schema()).map_err(FlightError::into_status)?;
        Ok(Response::new(SchemaResult { schema }))
    }

    async fn do_get(
        &self,
        request: Request<Ticket>,
    ) -> Result<Response<Self::DoGetStream>, Status> {
        self.note(&request);
        match request.get_ref().ticket.as_ref() {
            b"a.arrow" => Ok(Response::new(send(vec![sample(), sample()], b"last"))),
            _ => Err(Status::not_found("no such ticket")),
        }
    }

    async fn do_put(
        &self,
        request: Request<Streaming<FlightData>>,
    ) -> Result<Response<Self::DoPutStream>, Status> {
        let batches = self.receive(request).await;
        let answers = batches.iter().map(|b| {
            Ok(PutResult {
                app_metadata: Bytes::from(format!("{} rows", b.num_rows())),
            })
        });
        Ok(Response::new(
            stream::iter(answers.collect::<Vec<_>>()).boxed(),
        ))
    }

    async fn do_exchange(
        &self,
        request: Request<Streaming<FlightData>>,
    ) -> Result<Response<Self::DoExchangeStream>, Status> {
        let batches = self.receive(request).await;
        Ok(Response::new(send(batches, b"echo")))
    }

    async fn do_action(
        &self,
        request: Request<Action>,
    ) -> Result<Response<Self::DoActionStream>, Status> {
        self.note(&request);
        let action = request.into_inner();
        let results = [action.r#type.into_bytes(), action.body.to_vec()]
            .into_iter()
            .map(|body| {
                Ok(quiver_flight::proto::Result {
                    body: Bytes::from(body),
                })
            });
        Ok(Response::new(
            stream::iter(results.collect::<Vec<_>>()).boxed(),
        ))
    }

    async fn list_actions(
        &self,
        request: Request<Empty>,
    ) -> Result<Response<Self::ListActionsStream>, Status> {
        self.note(&request);
        let actions = vec![Ok(ActionType {
            r#type: "echo".into(),
            description: "answers the type and the body".into(),
        })];
        Ok(Response::new(stream::iter(actions).boxed()))
    }
}

/// Serves on a free loopback port; returns the server's record and `grpc://` URL.
pub async fn start() -> (Server, String) {
    let server = Server::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("grpc://{}", listener.local_addr().unwrap());
    let service = FlightServiceServer::new(server.clone());
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(service)
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
    );
    (server, url)
}

pub fn status(e: FlightError) -> (Code, String) {
    match e {
        FlightError::Status(s) => (s.code(), s.message().to_string()),
        other => panic!("expected a status, got {other:?}"),
    }
}
