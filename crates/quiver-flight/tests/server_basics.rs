//! The server against the generated gRPC client: DoGet, DoPut, GetSchema, the token
//! check and the stream limit.

use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use quiver_flight::proto::flight_service_server::FlightServiceServer;

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt, stream};
use quiver_array::{Array, RecordBatch};
use quiver_flight::decode::{FlightRecordBatchStream, schema_from_ipc};
use quiver_flight::encode::FlightDataEncoderBuilder;
use quiver_flight::proto::flight_service_client::FlightServiceClient;
use quiver_flight::proto::{FlightDescriptor, Ticket, flight_descriptor::DescriptorType};
use quiver_flight::server::{BatchStream, FlightHandler, FlightServer, ServerOptions};
use tonic::{Code, Status};

#[derive(Default)]
struct Store {
    put: Mutex<Vec<(FlightDescriptor, Vec<RecordBatch>)>>,
}

fn sample() -> RecordBatch {
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

struct Handler(Arc<Store>);

impl FlightHandler for Handler {
    async fn do_get(&self, ticket: Ticket) -> Result<BatchStream, Status> {
        let b = sample();
        if ticket.ticket.as_ref() == b"hold" {
            // One batch, then a stream that never ends: the call stays open.
            let s = stream::iter(vec![Ok(b.clone())]).chain(stream::pending());
            return Ok(BatchStream::new(b.schema().clone(), s));
        }
        if ticket.ticket.as_ref() != b"sample" {
            return Err(Status::not_found("no such ticket"));
        }
        Ok(BatchStream::new(
            b.schema().clone(),
            stream::iter(vec![Ok(b.clone()), Ok(b)]),
        ))
    }

    async fn get_schema(
        &self,
        _descriptor: FlightDescriptor,
    ) -> Result<quiver_array::SchemaRef, Status> {
        Ok(sample().schema().clone())
    }

    async fn do_put(
        &self,
        descriptor: FlightDescriptor,
        batches: FlightRecordBatchStream,
    ) -> Result<Bytes, Status> {
        let batches: Vec<RecordBatch> = batches
            .try_collect()
            .await
            .map_err(quiver_flight::FlightError::into_status)?;
        let n = batches.len();
        self.0.put.lock().unwrap().push((descriptor, batches));
        Ok(Bytes::from(format!("stored {n} batches")))
    }
}

async fn start(
    store: Arc<Store>,
    options: ServerOptions,
) -> (String, tokio::sync::oneshot::Sender<()>) {
    let server = FlightServer::bind("127.0.0.1:0", Handler(store), options)
        .await
        .unwrap();
    let url = format!("http://{}", server.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.serve_until(async {
        let _ = stopped.await;
    }));
    (url, stop)
}

#[tokio::test]
async fn do_get_do_put_and_get_schema() {
    let store = Arc::new(Store::default());
    let (url, _stop) = start(Arc::clone(&store), ServerOptions::default()).await;
    let mut client = FlightServiceClient::connect(url).await.unwrap();

    let response = client
        .do_get(Ticket {
            ticket: Bytes::from_static(b"sample"),
        })
        .await
        .unwrap();
    let batches: Vec<RecordBatch> = FlightRecordBatchStream::new(response.into_inner())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(batches.len(), 2);
    assert!(batches.iter().all(|b| b.equals(&sample())));

    let err = client
        .do_get(Ticket {
            ticket: Bytes::from_static(b"other"),
        })
        .await
        .unwrap_err();
    assert_eq!(
        (err.code(), err.message()),
        (Code::NotFound, "no such ticket")
    );

    let schema = client
        .get_schema(FlightDescriptor::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        schema_from_ipc(&schema.schema).unwrap().as_ref(),
        sample().schema().as_ref()
    );

    let descriptor = FlightDescriptor {
        r#type: DescriptorType::Path as i32,
        path: vec!["up.arrow".into()],
        ..Default::default()
    };
    let b = sample();
    let schema = b.schema().clone();
    let upload = FlightDataEncoderBuilder::new()
        .with_descriptor(descriptor.clone())
        .build(schema, stream::iter((0..3).map(move |_| Ok(b.clone()))))
        .map(|r| r.unwrap());
    let results: Vec<_> = client
        .do_put(upload)
        .await
        .unwrap()
        .into_inner()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(
        results[0].app_metadata,
        Bytes::from_static(b"stored 3 batches")
    );
    let put = store.put.lock().unwrap();
    assert_eq!(put[0].0, descriptor);
    assert_eq!(put[0].1.len(), 3);
    assert!(put[0].1[2].equals(&sample()));
}

#[tokio::test]
async fn a_put_without_a_descriptor_is_invalid() {
    let (url, _stop) = start(Arc::new(Store::default()), ServerOptions::default()).await;
    let mut client = FlightServiceClient::connect(url).await.unwrap();
    let b = sample();
    let upload = FlightDataEncoderBuilder::new()
        .build(b.schema().clone(), stream::iter(vec![Ok(b)]))
        .map(|r| r.unwrap());
    let err = client.do_put(upload).await.unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(
        err.message(),
        "DoPut needs a FlightDescriptor on its first message, and there was none"
    );
}

#[tokio::test]
async fn a_wrong_or_missing_token_is_unauthenticated_and_says_nothing() {
    let (url, _stop) = start(
        Arc::new(Store::default()),
        ServerOptions::default().with_token("right"),
    )
    .await;
    let channel = tonic::transport::Endpoint::from_shared(url)
        .unwrap()
        .connect()
        .await
        .unwrap();
    let ticket = || Ticket {
        ticket: Bytes::from_static(b"sample"),
    };
    for header in [
        None,
        Some("Bearer wrong"),
        Some("Basic right"),
        Some("Bearer righ"),
    ] {
        let mut client = FlightServiceClient::with_interceptor(
            channel.clone(),
            move |mut r: tonic::Request<()>| {
                if let Some(h) = header {
                    r.metadata_mut().insert("authorization", h.parse().unwrap());
                }
                Ok(r)
            },
        );
        let err = client.do_get(ticket()).await.unwrap_err();
        assert_eq!(
            (err.code(), err.message()),
            (Code::Unauthenticated, ""),
            "{header:?}"
        );
    }
    let mut client = FlightServiceClient::with_interceptor(channel, |mut r: tonic::Request<()>| {
        r.metadata_mut()
            .insert("authorization", "Bearer right".parse().unwrap());
        Ok(r)
    });
    let response = client.do_get(ticket()).await.unwrap();
    let n = FlightRecordBatchStream::new(response.into_inner())
        .count()
        .await;
    assert_eq!(n, 2);
}

#[tokio::test]
async fn streams_over_the_limit_are_refused_until_one_ends() {
    let (url, _stop) = start(
        Arc::new(Store::default()),
        ServerOptions::default().with_max_concurrent_streams(1),
    )
    .await;
    let mut client = FlightServiceClient::connect(url).await.unwrap();
    let ticket = || Ticket {
        ticket: Bytes::from_static(b"sample"),
    };
    let mut first = FlightRecordBatchStream::new(
        client
            .do_get(Ticket {
                ticket: Bytes::from_static(b"hold"),
            })
            .await
            .unwrap()
            .into_inner(),
    );
    assert!(first.next().await.unwrap().is_ok());
    let err = client.do_get(ticket()).await.unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted);
    assert_eq!(
        err.message(),
        "the server is already serving 1 data streams, its limit; try again later"
    );
    // The permit is given back when the client drops the call.
    drop(first);
    let mut ok = false;
    for _ in 0..50 {
        match client.do_get(ticket()).await {
            Ok(_) => {
                ok = true;
                break;
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
        }
    }
    assert!(ok, "the stream's permit was never given back");
}

/// A handler whose batches grow their dictionary, sent with dictionary deltas on.
struct Growing;

fn growing_batches() -> Vec<RecordBatch> {
    let words = ["a", "b", "c", "d"];
    (1..=3)
        .map(|n| {
            let dict = Array::dictionary_from(
                Array::from((0..n as i32).collect::<Vec<_>>()),
                Array::from(words[..n].to_vec()),
                false,
            )
            .unwrap();
            RecordBatch::try_from_columns(vec![dict], &["d"]).unwrap()
        })
        .collect()
}

impl FlightHandler for Growing {
    async fn do_get(&self, _ticket: Ticket) -> Result<BatchStream, Status> {
        let batches = growing_batches();
        let schema = batches[0].schema().clone();
        let options = quiver_ipc::IpcWriteOptions::default().with_emit_dictionary_deltas(true);
        Ok(
            BatchStream::new(schema, stream::iter(batches.into_iter().map(Ok)))
                .with_options(options),
        )
    }
}

#[tokio::test]
async fn growing_dictionaries_travel_as_delta_dictionary_messages() {
    let server = FlightServer::bind("127.0.0.1:0", Growing, ServerOptions::default())
        .await
        .unwrap();
    let url = format!("http://{}", server.local_addr());
    let (_stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.serve_until(async {
        let _ = stopped.await;
    }));
    let mut client = FlightServiceClient::connect(url).await.unwrap();
    let response = client.do_get(Ticket::default()).await.unwrap();
    let decoded: Vec<_> = quiver_flight::decode::FlightDataDecoder::new(response.into_inner())
        .try_collect()
        .await
        .unwrap();
    use quiver_flight::decode::DecodedPayload as P;
    let kinds: Vec<String> = decoded
        .iter()
        .map(|m| match &m.payload {
            P::Schema(_) => "schema".to_string(),
            P::DictionaryBatch { id, is_delta } => format!("dict {id} delta={is_delta}"),
            P::RecordBatch(b) => format!("batch {}", b.num_rows()),
            _ => "other".to_string(),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "schema",
            "dict 0 delta=false",
            "batch 1",
            "dict 0 delta=true",
            "batch 2",
            "dict 0 delta=true",
            "batch 3"
        ]
    );
    let expected = growing_batches();
    let got: Vec<&RecordBatch> = decoded
        .iter()
        .filter_map(|m| match &m.payload {
            P::RecordBatch(b) => Some(b),
            _ => None,
        })
        .collect();
    assert!(got.iter().zip(&expected).all(|(a, b)| a.equals(b)));
}

/// Records how a `DoPut` call ended: `committed` when the handler read the stream to a
/// clean end, `failed` when the stream gave an error, `dropped` when the call was
/// dropped before either.
#[derive(Default)]
struct PutOutcome {
    committed: AtomicBool,
    failed: AtomicBool,
    dropped: AtomicBool,
}

struct Recorder(Arc<PutOutcome>);

struct DropFlag(Arc<PutOutcome>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.dropped.store(true, SeqCst);
    }
}

impl FlightHandler for Recorder {
    async fn do_put(
        &self,
        _descriptor: FlightDescriptor,
        batches: FlightRecordBatchStream,
    ) -> Result<Bytes, Status> {
        let flag = DropFlag(Arc::clone(&self.0));
        let read: Result<Vec<RecordBatch>, _> = batches.try_collect().await;
        let outcome = if read.is_ok() {
            &self.0.committed
        } else {
            &self.0.failed
        };
        outcome.store(true, SeqCst);
        std::mem::forget(flag);
        Ok(Bytes::new())
    }
}

/// Uploads two batches and then gives up on the call (dropping it: an HTTP/2 reset with
/// CANCEL), against a server started by `serve`; returns how the handler saw it.
async fn cancel_an_upload<F, Fut>(serve: F) -> Arc<PutOutcome>
where
    F: FnOnce(Recorder, tokio::net::TcpListener) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let outcome = Arc::new(PutOutcome::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let serving = tokio::spawn(serve(Recorder(Arc::clone(&outcome)), listener));
    let mut client = FlightServiceClient::connect(url).await.unwrap();
    let b = sample();
    let descriptor = FlightDescriptor {
        r#type: DescriptorType::Path as i32,
        path: vec!["partial.arrow".into()],
        ..Default::default()
    };
    // Two batches, then a stream that never ends: the upload is still going when the
    // client gives up.
    let upload = FlightDataEncoderBuilder::new()
        .with_descriptor(descriptor)
        .build(
            b.schema().clone(),
            stream::iter(vec![Ok(b.clone()), Ok(b)]).chain(stream::pending()),
        )
        .map(|r| r.unwrap());
    let call = tokio::time::timeout(Duration::from_millis(300), client.do_put(upload));
    assert!(
        call.await.is_err(),
        "the upload never ends, so the call must time out"
    );
    for _ in 0..250 {
        if outcome.dropped.load(SeqCst) || outcome.failed.load(SeqCst) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    serving.abort();
    assert!(
        !outcome.committed.load(SeqCst),
        "the cancelled upload was read as a finished one"
    );
    outcome
}

/// A client that gives up on a `DoPut` midway must not look like a finished upload:
/// tonic reports such a stream as ending cleanly, so without care a handler would store
/// a partial upload. `FlightServer` makes it an error item of the handler's stream.
#[tokio::test]
async fn a_cancelled_upload_is_an_error_for_the_handler() {
    let outcome = cancel_an_upload(|handler, listener| async move {
        let server =
            FlightServer::from_listener(listener, handler, ServerOptions::default()).unwrap();
        let _ = server.serve_until(std::future::pending()).await;
    })
    .await;
    assert!(outcome.failed.load(SeqCst), "the handler saw no error");
}

/// The same with the service mounted in a plain tonic server (no wrapper around the
/// request body): the decoder holds the end of the stream back for a turn, so the
/// server drops the cancelled call before the handler can take it as finished.
#[tokio::test]
async fn a_cancelled_upload_on_a_plain_tonic_server_is_dropped() {
    let outcome = cancel_an_upload(|handler, listener| async move {
        let service =
            FlightServiceServer::new(FlightServer::service(handler, ServerOptions::default()));
        let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
        let _ = tonic::transport::Server::builder()
            .add_service(service)
            .serve_with_incoming(incoming)
            .await;
    })
    .await;
    assert!(
        outcome.dropped.load(SeqCst),
        "the server never dropped the cancelled call"
    );
}
