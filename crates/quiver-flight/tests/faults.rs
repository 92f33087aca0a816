//! Faults, on loopback: clients that die in the middle of a `DoGet` or a `DoPut` (a
//! cancelled task, and a killed process), messages over the size limit, and uploads over
//! the batch limit. The server answers each with a gRPC error or a clean end, gives back
//! what the call held, leaves no partial file, and serves the next call.

use std::future::Future;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt, stream};
use quiver_array::{Array, RecordBatch};
use quiver_flight::decode::FlightRecordBatchStream;
use quiver_flight::directory::DirectoryHandler;
use quiver_flight::encode::FlightDataEncoderBuilder;
use quiver_flight::proto::flight_service_client::FlightServiceClient;
use quiver_flight::proto::{FlightDescriptor, Ticket, flight_descriptor::DescriptorType};
use quiver_flight::server::{BatchStream, FlightHandler, FlightServer, ServerOptions};
use quiver_flight::{FlightData, FlightError};
use tonic::transport::Channel;
use tonic::{Code, Status};

/// Bounds every wait of these tests.
async fn within<T>(what: &str, f: impl Future<Output = T>) -> T {
    match tokio::time::timeout(Duration::from_secs(60), f).await {
        Ok(v) => v,
        Err(_) => panic!("{what} did not finish within 60 s"),
    }
}

/// Polls `done` every 20 ms for up to 20 s.
async fn eventually(mut done: impl FnMut() -> bool) -> bool {
    for _ in 0..1000 {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

fn sample() -> RecordBatch {
    let colours = Array::dictionary_from(
        Array::from(vec![Some(0i32), None, Some(1), Some(0)]),
        Array::from(vec!["red", "green"]),
        false,
    )
    .unwrap();
    RecordBatch::try_from_columns(
        vec![
            Array::from(vec![Some(1i64), None, Some(3), Some(4)]),
            Array::from(vec![Some("a"), Some("bb"), None, Some("dddd")]),
            colours,
        ],
        &["n", "s", "d"],
    )
    .unwrap()
}

fn path(name: &str) -> FlightDescriptor {
    FlightDescriptor {
        r#type: DescriptorType::Path as i32,
        path: vec![name.into()],
        ..Default::default()
    }
}

fn ticket(name: &'static str) -> Ticket {
    Ticket {
        ticket: Bytes::from_static(name.as_bytes()),
    }
}

/// The messages of an upload of `batches` under `PATH [name]`.
fn upload(name: &str, batches: Vec<RecordBatch>) -> Vec<FlightData> {
    let schema = batches
        .first()
        .map_or_else(|| sample().schema().clone(), |b| b.schema().clone());
    futures::executor::block_on(
        FlightDataEncoderBuilder::new()
            .with_descriptor(path(name))
            .with_max_message_size(16 << 20)
            .build(schema, stream::iter(batches.into_iter().map(Ok)))
            .try_collect(),
    )
    .unwrap()
}

/// How an upload ended, as the handler saw it.
#[derive(Debug)]
enum Outcome {
    Stored(usize),
    /// The server dropped the call after `after` batches, before the handler saw the
    /// stream end.
    Dropped {
        after: usize,
    },
    /// After `after` batches the stream gave an error, answered as `status` (what
    /// `FlightError::into_status` makes of it, as a server does).
    Failed {
        after: usize,
        status: Status,
    },
}

/// Counts what happens to the calls.
#[derive(Default)]
struct Counters {
    /// `DoGet` answer streams dropped by the server (finished or cancelled).
    gets_dropped: AtomicUsize,
    /// Batches read by `DoPut` so far, over all uploads.
    batches_put: AtomicUsize,
    /// How each upload ended, in order.
    outcomes: Mutex<Vec<Outcome>>,
}

/// Adds one to a counter when dropped.
struct OnDrop(Arc<Counters>);

impl Drop for OnDrop {
    fn drop(&mut self) {
        self.0.gets_dropped.fetch_add(1, Ordering::SeqCst);
    }
}

/// `DoGet`: `long` is 100,000 batches (far more than a test reads), anything else two.
/// `DoPut`: reads the batches, recording how the upload ended.
struct Recorder(Arc<Counters>);

impl FlightHandler for Recorder {
    async fn do_get(&self, ticket: Ticket) -> Result<BatchStream, Status> {
        let b = sample();
        let n = if ticket.ticket.as_ref() == b"long" {
            100_000
        } else {
            2
        };
        let guard = OnDrop(Arc::clone(&self.0));
        let batches = stream::iter(0..n).map(move |_| {
            let _ = &guard;
            Ok(b.clone())
        });
        Ok(BatchStream::new(sample().schema().clone(), batches))
    }

    async fn do_put(
        &self,
        _descriptor: FlightDescriptor,
        mut batches: FlightRecordBatchStream,
    ) -> Result<Bytes, Status> {
        // Records `Dropped` unless the call gets to record how it ended.
        let mut call = PutCall {
            counters: Arc::clone(&self.0),
            batches: 0,
            ended: false,
        };
        while let Some(b) = batches.next().await {
            match b {
                Ok(_) => {
                    call.batches += 1;
                    self.0.batches_put.fetch_add(1, Ordering::SeqCst);
                }
                Err(error) => {
                    let status = error.into_status();
                    call.end(Outcome::Failed {
                        after: call.batches,
                        status: status.clone(),
                    });
                    return Err(status);
                }
            }
        }
        let n = call.batches;
        call.end(Outcome::Stored(n));
        Ok(Bytes::from(format!("{n} batches")))
    }
}

/// One `DoPut` call of the [`Recorder`]: records how it ended, or that the server
/// dropped it before it did.
struct PutCall {
    counters: Arc<Counters>,
    batches: usize,
    ended: bool,
}

impl PutCall {
    fn end(&mut self, outcome: Outcome) {
        self.ended = true;
        self.counters.outcomes.lock().unwrap().push(outcome);
    }
}

impl Drop for PutCall {
    fn drop(&mut self) {
        if !self.ended {
            let dropped = Outcome::Dropped {
                after: self.batches,
            };
            self.counters.outcomes.lock().unwrap().push(dropped);
        }
    }
}

/// Serves `handler` on a free loopback port: its URL, and the sender that stops it.
async fn start<H: FlightHandler>(
    handler: H,
    options: ServerOptions,
) -> (String, tokio::sync::oneshot::Sender<()>) {
    let server = FlightServer::bind("127.0.0.1:0", handler, options)
        .await
        .unwrap();
    let url = format!("http://{}", server.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.serve_until(async {
        let _ = stopped.await;
    }));
    (url, stop)
}

async fn connect(url: &str) -> FlightServiceClient<Channel> {
    within("connecting", FlightServiceClient::connect(url.to_string()))
        .await
        .unwrap()
}

/// A `DoGet` of `name`, all its batches.
async fn get_all(
    client: &mut FlightServiceClient<Channel>,
    name: &'static str,
) -> Result<Vec<RecordBatch>, FlightError> {
    within("a DoGet", async {
        let response = client.do_get(ticket(name)).await?;
        FlightRecordBatchStream::new(response.into_inner())
            .try_collect()
            .await
    })
    .await
}

/// A `DoPut` of `messages`: the answer's `app_metadata`, or the error.
async fn put(
    client: &mut FlightServiceClient<Channel>,
    messages: Vec<FlightData>,
) -> Result<Bytes, Status> {
    within("a DoPut", async {
        let mut answers = client.do_put(stream::iter(messages)).await?.into_inner();
        let mut last = Bytes::new();
        while let Some(a) = answers.message().await? {
            last = a.app_metadata;
        }
        Ok(last)
    })
    .await
}

/// Opens a `DoGet` of `long` on a connection of its own and reads its first batch; the
/// stream stays open as long as the returned task runs.
async fn hold_long_get(url: &str) -> tokio::task::JoinHandle<()> {
    let mut client = connect(url).await;
    let (first, got_first) = tokio::sync::oneshot::channel();
    let task = tokio::spawn(async move {
        let response = client.do_get(ticket("long")).await.unwrap();
        let mut batches = FlightRecordBatchStream::new(response.into_inner());
        let _ = first.send(batches.next().await.map(|b| b.is_ok()));
        std::future::pending::<()>().await;
    });
    let first = within("the first batch of a long DoGet", got_first).await;
    assert_eq!(first, Ok(Some(true)), "the long DoGet gave no first batch");
    task
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_gone_mid_get_give_back_their_streams_and_the_server_serves_on() {
    let counters = Arc::new(Counters::default());
    let options = ServerOptions::default().with_max_concurrent_streams(2);
    let (url, _stop) = start(Recorder(Arc::clone(&counters)), options).await;
    let mut client = connect(&url).await;

    // Two streams in the middle of 100,000 batches: the limit is reached.
    let first = hold_long_get(&url).await;
    let second = hold_long_get(&url).await;
    let err = get_all(&mut client, "short").await.unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted, "{err}");

    // One client's task is cancelled, the other's whole runtime state goes (its task
    // ends, dropping the call and the connection).
    first.abort();
    second.abort();
    assert!(
        eventually(|| counters.gets_dropped.load(Ordering::SeqCst) == 2).await,
        "the server still holds {} of the 2 abandoned streams",
        2 - counters.gets_dropped.load(Ordering::SeqCst)
    );
    // Both permits are back: two long streams at once get their first batch again.
    let mut served = false;
    for _ in 0..100 {
        match get_all(&mut client, "short").await {
            Ok(batches) => {
                assert_eq!(batches.len(), 2);
                assert!(batches[1].equals(&sample()));
                served = true;
                break;
            }
            Err(e) => {
                assert_eq!(e.code(), Code::ResourceExhausted, "{e}");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
    assert!(served, "no DoGet was served after the clients went away");
    let (third, fourth) = (hold_long_get(&url).await, hold_long_get(&url).await);
    third.abort();
    fourth.abort();
}

/// A client that cancels its upload (tonic's client resets the call with
/// `RST_STREAM(CANCEL)` when it is dropped) must not look like one that finished it.
/// tonic's server reads that reset as the clean end of the request stream; the decoder
/// holds that end back one turn, in which the server sees the reset and drops the call,
/// so the handler never sees the end of a cancelled upload.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_gone_mid_put_never_looks_like_a_finished_upload() {
    let counters = Arc::new(Counters::default());
    let (url, _stop) = start(Recorder(Arc::clone(&counters)), ServerOptions::default()).await;
    let mut client = connect(&url).await;

    let messages = upload("gone", vec![sample(), sample()]);
    // The upload stays open after its second batch: the client neither sends more nor
    // ends it, and then its task is cancelled.
    let call = tokio::spawn(async move {
        let open = stream::iter(messages).chain(stream::pending());
        let _ = client.do_put(open).await;
    });
    assert!(
        eventually(|| counters.batches_put.load(Ordering::SeqCst) == 2).await,
        "the handler never read the 2 batches sent"
    );
    call.abort();
    assert!(
        eventually(|| !counters.outcomes.lock().unwrap().is_empty()).await,
        "the cancelled upload's call neither ended nor was dropped"
    );
    let outcome = counters.outcomes.lock().unwrap().remove(0);
    // The served service turns the client's reset into an error item of the stream
    // (`server/broken_off.rs`); a handler mounted elsewhere is dropped instead (the
    // decoder holds the end back for a turn; see `server_basics.rs`).
    match outcome {
        Outcome::Failed { after: 2, status } => assert!(
            status
                .message()
                .starts_with("the client's request stream broke off before its end"),
            "{status:?}"
        ),
        Outcome::Dropped { after } => {
            panic!("the cancelled upload's call was dropped after {after} batches, not failed")
        }
        other => panic!("a cancelled upload ended as {other:?}"),
    }

    let mut client = connect(&url).await;
    let answer = put(&mut client, upload("next", vec![sample()])).await;
    assert_eq!(answer.unwrap(), Bytes::from("1 batches"));
}

const CHILD_URL: &str = "QUIVER_FAULTS_CHILD_URL";
const CHILD_NAME: &str = "QUIVER_FAULTS_CHILD_NAME";

/// Not a test of its own: the client process the tests below kill. It uploads `sample()`
/// twice and leaves the upload open (the parent kills it then); if nobody does within
/// 60 s, it fails.
#[test]
#[ignore = "the child process of the tests that kill an uploading client; they run it"]
fn child_process_that_uploads_and_waits_to_be_killed() {
    let (Ok(url), Ok(name)) = (std::env::var(CHILD_URL), std::env::var(CHILD_NAME)) else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut client = connect(&url).await;
        let open = stream::iter(upload(&name, vec![sample(), sample()])).chain(stream::pending());
        let _ = tokio::time::timeout(Duration::from_secs(60), client.do_put(open)).await;
    });
    panic!("nobody killed this uploading child process within 60 s");
}

/// A child process of this test binary running
/// [`child_process_that_uploads_and_waits_to_be_killed`]; killed when dropped.
struct Uploader(std::process::Child);

impl Uploader {
    fn spawn(url: &str, name: &str) -> Self {
        let child = Command::new(std::env::current_exe().unwrap())
            .args([
                "child_process_that_uploads_and_waits_to_be_killed",
                "--exact",
                "--ignored",
                "--test-threads=1",
            ])
            .env(CHILD_URL, url)
            .env(CHILD_NAME, name)
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        Uploader(child)
    }

    /// Kills the process (SIGKILL: no chance to close anything) and reaps it.
    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Uploader {
    fn drop(&mut self) {
        self.kill();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_process_killed_mid_put_is_an_error_item_for_the_handler() {
    let counters = Arc::new(Counters::default());
    let (url, _stop) = start(Recorder(Arc::clone(&counters)), ServerOptions::default()).await;

    let mut child = Uploader::spawn(&url, "killed");
    assert!(
        eventually(|| counters.batches_put.load(Ordering::SeqCst) == 2).await,
        "the child process never uploaded its 2 batches"
    );
    child.kill();
    assert!(
        eventually(|| !counters.outcomes.lock().unwrap().is_empty()).await,
        "the handler never saw the upload end"
    );
    let outcome = counters.outcomes.lock().unwrap().remove(0);
    // The connection broke off in the middle of the request body: hyper's error,
    // through tonic, as the last item of the handler's stream.
    match outcome {
        Outcome::Failed { after: 2, status } => {
            assert_eq!(status.code(), Code::Unknown, "{status:?}");
            assert_eq!(
                status.message(),
                "the client's request stream broke off before its end (h2 protocol error: \
                 error reading a body from connection): the client cancelled the call or \
                 lost its connection, so what it sent is incomplete"
            );
        }
        other => panic!("the upload ended as {other:?}"),
    }

    let mut client = connect(&url).await;
    let answer = put(&mut client, upload("next", vec![sample()])).await;
    assert_eq!(answer.unwrap(), Bytes::from("1 batches"));
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_process_killed_mid_put_leaves_no_file_in_the_directory() {
    let dir = tempfile::tempdir().unwrap();
    let handler = DirectoryHandler::new(dir.path()).unwrap();
    let (url, _stop) = start(handler, ServerOptions::default()).await;

    let mut child = Uploader::spawn(&url, "killed.arrow");
    // The upload has begun once the server's temporary file is there.
    assert!(
        eventually(|| !entries(dir.path()).is_empty()).await,
        "the child process's upload never began"
    );
    let during = entries(dir.path());
    assert_eq!(during.len(), 1, "{during:?}");
    assert!(
        during[0].starts_with('.'),
        "a visible file mid-upload: {during:?}"
    );
    child.kill();
    assert!(
        eventually(|| entries(dir.path()).is_empty()).await,
        "left behind by the killed upload: {:?}",
        entries(dir.path())
    );

    // The same name can be uploaded, and read back, afterwards.
    let mut client = connect(&url).await;
    put(&mut client, upload("killed.arrow", vec![sample()]))
        .await
        .unwrap();
    assert_eq!(entries(dir.path()), vec!["killed.arrow".to_string()]);
    let back = get_all(&mut client, "killed.arrow").await.unwrap();
    assert_eq!(back.len(), 1);
    assert!(back[0].equals(&sample()));
}

/// A batch of one int64 column whose record batch message is just over 2 MiB.
fn two_mib_batch() -> RecordBatch {
    let values: Vec<i64> = (0..(2 << 20) / 8 + 16).collect();
    RecordBatch::try_from_columns(vec![Array::from(values)], &["n"]).unwrap()
}

/// tonic refuses a message over the server's decoding limit with `OUT_OF_RANGE` and a
/// message giving the size and the limit (gRPC's own code for it would be
/// `RESOURCE_EXHAUSTED`, which `ServerOptions::with_max_message_size` documents).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_over_the_size_limit_is_refused_with_its_size() {
    let counters = Arc::new(Counters::default());
    let options = ServerOptions::default().with_max_message_size(1 << 20);
    let (url, _stop) = start(Recorder(Arc::clone(&counters)), options).await;
    let mut client = connect(&url).await;

    let messages = upload("big", vec![two_mib_batch()]);
    assert_eq!(messages.len(), 2, "schema and one batch message, not split");
    let size = prost::Message::encoded_len(&messages[1]);
    assert!(size > 2 << 20, "{size}");
    let err = put(&mut client, messages).await.unwrap_err();
    assert_eq!(err.code(), Code::OutOfRange, "{err:?}");
    assert_eq!(
        err.message(),
        format!(
            "Error, decoded message length too large: found {size} bytes, the limit is: \
             1048576 bytes"
        )
    );
    match counters.outcomes.lock().unwrap().as_slice() {
        [Outcome::Failed { after: 0, status }] => {
            assert_eq!(status.code(), Code::OutOfRange);
        }
        other => panic!("{other:?}"),
    }

    let answer = put(&mut client, upload("small", vec![sample()])).await;
    assert_eq!(answer.unwrap(), Bytes::from("1 batches"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_over_the_batch_limit_is_resource_exhausted() {
    let counters = Arc::new(Counters::default());
    let options = ServerOptions::default().with_max_batches_per_stream(3);
    let (url, _stop) = start(Recorder(Arc::clone(&counters)), options).await;
    let mut client = connect(&url).await;

    let answer = put(&mut client, upload("three", vec![sample(); 3])).await;
    assert_eq!(answer.unwrap(), Bytes::from("3 batches"));
    let err = put(&mut client, upload("four", vec![sample(); 4]))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted);
    assert_eq!(
        err.message(),
        "the stream sent more than 3 record batches, the most this side accepts"
    );
    let outcomes = counters.outcomes.lock().unwrap();
    match outcomes.as_slice() {
        [Outcome::Stored(3), Outcome::Failed { after: 3, status }] => {
            assert_eq!(status.code(), Code::ResourceExhausted);
        }
        other => panic!("{other:?}"),
    }
}
