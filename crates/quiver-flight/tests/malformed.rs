//! Malformed uploads through the generated gRPC client, on loopback: broken Flight data
//! (`DoPut` and `DoExchange`) and bytes that are not protobuf at all. Each call ends with
//! a gRPC error that says what was wrong (never a crash, never a hang), and the server
//! serves the next call.

use std::future::Future;
use std::time::Duration;

use bytes::{Buf, BufMut, Bytes};
use futures::{TryStreamExt, stream};
use quiver_array::{Array, RecordBatch};
use quiver_flight::decode::FlightRecordBatchStream;
use quiver_flight::encode::FlightMessageEncoder;
use quiver_flight::proto::flight_service_client::FlightServiceClient;
use quiver_flight::proto::{FlightDescriptor, Ticket, flight_descriptor::DescriptorType};
use quiver_flight::server::{BatchStream, FlightHandler, FlightServer, ServerOptions};
use quiver_flight::{FlightData, FlightError};
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::transport::Channel;
use tonic::{Code, Status};

/// Bounds every wait of these tests.
async fn within<T>(what: &str, f: impl Future<Output = T>) -> T {
    match tokio::time::timeout(Duration::from_secs(60), f).await {
        Ok(v) => v,
        Err(_) => panic!("{what} did not finish within 60 s"),
    }
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

fn descriptor() -> FlightDescriptor {
    FlightDescriptor {
        r#type: DescriptorType::Path as i32,
        path: vec!["upload".into()],
        ..Default::default()
    }
}

/// The messages of an upload of `batch`: schema (with the descriptor), dictionaries,
/// the batch.
fn upload_of(batch: &RecordBatch) -> Vec<FlightData> {
    let mut encoder = FlightMessageEncoder::try_new(batch.schema(), Default::default()).unwrap();
    let mut out = vec![encoder.encode_schema().with_descriptor(descriptor())];
    encoder.encode_batch(batch, &mut out).unwrap();
    out
}

/// Takes uploads (counting their batches) and echoes exchanges; every decoding error is
/// answered as the server would (`FlightError::into_status`).
struct Handler;

impl FlightHandler for Handler {
    async fn do_get(&self, _ticket: Ticket) -> Result<BatchStream, Status> {
        let b = sample();
        Ok(BatchStream::new(
            b.schema().clone(),
            stream::iter(vec![Ok(b)]),
        ))
    }

    async fn do_put(
        &self,
        _descriptor: FlightDescriptor,
        batches: FlightRecordBatchStream,
    ) -> Result<Bytes, Status> {
        let batches: Vec<RecordBatch> = batches
            .try_collect()
            .await
            .map_err(FlightError::into_status)?;
        Ok(Bytes::from(format!("{} batches", batches.len())))
    }

    async fn do_exchange(
        &self,
        _descriptor: FlightDescriptor,
        mut batches: FlightRecordBatchStream,
    ) -> Result<BatchStream, Status> {
        let schema = batches
            .read_schema()
            .await
            .map_err(FlightError::into_status)?;
        Ok(BatchStream::new(schema, batches))
    }
}

async fn start() -> (
    FlightServiceClient<Channel>,
    String,
    tokio::sync::oneshot::Sender<()>,
) {
    let server = FlightServer::bind("127.0.0.1:0", Handler, ServerOptions::default())
        .await
        .unwrap();
    let url = format!("http://{}", server.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.serve_until(async {
        let _ = stopped.await;
    }));
    let client = within("connecting", FlightServiceClient::connect(url.clone()))
        .await
        .unwrap();
    (client, url, stop)
}

/// Uploads `messages` by DoPut: the server's answer, or the first error.
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

/// Sends `messages` by DoExchange: the number of messages echoed, or the first error.
async fn exchange(
    client: &mut FlightServiceClient<Channel>,
    messages: Vec<FlightData>,
) -> Result<usize, Status> {
    within("a DoExchange", async {
        let mut answers = client
            .do_exchange(stream::iter(messages))
            .await?
            .into_inner();
        let mut n = 0;
        while answers.message().await?.is_some() {
            n += 1;
        }
        Ok(n)
    })
    .await
}

/// A valid upload and a valid download both work.
async fn still_serves(client: &mut FlightServiceClient<Channel>) {
    let answer = put(client, upload_of(&sample())).await;
    assert_eq!(answer.unwrap(), Bytes::from("1 batches"));
    let response = within("a DoGet", client.do_get(Ticket::default()))
        .await
        .unwrap();
    let batches: Vec<RecordBatch> = within(
        "reading a DoGet",
        FlightRecordBatchStream::new(response.into_inner()).try_collect(),
    )
    .await
    .unwrap();
    assert_eq!(batches.len(), 1);
    assert!(batches[0].equals(&sample()));
}

/// Both calls with `messages`: each must fail with `code` and a message containing
/// `fragment`.
async fn refused(
    client: &mut FlightServiceClient<Channel>,
    case: &str,
    messages: Vec<FlightData>,
    code: Code,
    fragment: &str,
) {
    let put = put(client, messages.clone()).await;
    let exchange = exchange(client, messages).await;
    for (rpc, result) in [
        ("DoPut", put.map(|_| ())),
        ("DoExchange", exchange.map(|_| ())),
    ] {
        let status = result.expect_err(&format!("{case}: {rpc} was accepted"));
        assert_eq!(status.code(), code, "{case}: {rpc}: {status:?}");
        assert!(
            status.message().contains(fragment),
            "{case}: {rpc}: {:?} does not mention {fragment:?}",
            status.message()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_flight_data_is_invalid_argument_and_the_server_goes_on() {
    let (mut client, _url, _stop) = start().await;
    let valid = upload_of(&sample());
    assert_eq!(valid.len(), 3, "schema, dictionary, batch");
    let (schema, dictionary, batch) = (valid[0].clone(), valid[1].clone(), valid[2].clone());

    let garbage = FlightData::new()
        .with_descriptor(descriptor())
        .with_data_header(Bytes::from_static(b"this is not an Arrow IPC message"));
    refused(
        &mut client,
        "garbage header",
        vec![garbage],
        Code::InvalidArgument,
        "",
    )
    .await;

    let body = batch.data_body.to_bytes();
    let short = batch.clone().with_data_body(body.slice(..body.len() - 8));
    refused(
        &mut client,
        "body shorter than its header says",
        vec![schema.clone(), dictionary.clone(), short],
        Code::InvalidArgument,
        "invalid Arrow IPC data at message 2: the metadata announces a body of 104 bytes but 96 were given",
    )
    .await;
    let mut longer = body.to_vec();
    longer.extend([0u8; 64]);
    let long = batch.clone().with_data_body(Bytes::from(longer));
    refused(
        &mut client,
        "body longer than its header says",
        vec![schema.clone(), dictionary.clone(), long],
        Code::InvalidArgument,
        "invalid Arrow IPC data at message 2: the metadata announces a body of 104 bytes but 168 were given",
    )
    .await;

    let headless = FlightData::new().with_data_body(Bytes::from_static(b"12345678"));
    refused(
        &mut client,
        "body without a header",
        vec![schema.clone(), headless],
        Code::InvalidArgument,
        "Flight protocol: message 1 has a body of 8 bytes but no IPC header to read it with",
    )
    .await;

    let first = dictionary.clone().with_descriptor(descriptor());
    refused(
        &mut client,
        "a dictionary before the schema",
        vec![first],
        Code::InvalidArgument,
        "invalid Arrow IPC data at message 0: the stream does not start with a schema message",
    )
    .await;
    let first = batch.clone().with_descriptor(descriptor());
    refused(
        &mut client,
        "a record batch before the schema",
        vec![first, schema.clone()],
        Code::InvalidArgument,
        "invalid Arrow IPC data at message 0: the stream does not start with a schema message",
    )
    .await;

    refused(
        &mut client,
        "a second schema",
        vec![
            schema.clone(),
            schema.clone(),
            dictionary.clone(),
            batch.clone(),
        ],
        Code::InvalidArgument,
        "invalid Arrow IPC data at message 1: a second schema message",
    )
    .await;

    // A dictionary with id 1, from a schema with two dictionary columns, sent in a
    // stream whose schema has only dictionary 0.
    let two = RecordBatch::try_from_columns(
        vec![
            sample().column(2).unwrap().clone(),
            sample().column(2).unwrap().clone(),
        ],
        &["d0", "d1"],
    )
    .unwrap();
    let second_dictionary = upload_of(&two)[2].clone();
    refused(
        &mut client,
        "an unknown dictionary id",
        vec![schema.clone(), second_dictionary],
        Code::InvalidArgument,
        "invalid Arrow IPC data at message 1: dictionary batch for id 1, which no field uses",
    )
    .await;
    refused(
        &mut client,
        "a batch whose dictionary never came",
        vec![schema.clone(), batch.clone()],
        Code::InvalidArgument,
        "invalid Arrow IPC data at message 1, record batch 0, field \"d\": record batch uses \
         dictionary id 0 before any dictionary batch defined it",
    )
    .await;

    still_serves(&mut client).await;
}

/// Which calls answered what, for the flips and truncations.
#[derive(Debug, Default)]
struct Tally {
    accepted: usize,
    refused: usize,
}

impl Tally {
    /// Counts `result`; anything but success or `INVALID_ARGUMENT` (a crash shows as
    /// `UNKNOWN` or `INTERNAL`, a broken connection as `UNAVAILABLE`) fails the test.
    fn count<T: std::fmt::Debug>(
        &mut self,
        case: &str,
        result: Result<T, Status>,
        ok: impl Fn(&T) -> bool,
    ) {
        match result {
            Ok(v) if ok(&v) => self.accepted += 1,
            Ok(v) => panic!("{case}: accepted, with the unexpected answer {v:?}"),
            Err(s) if s.code() == Code::InvalidArgument && !s.message().is_empty() => {
                self.refused += 1
            }
            Err(s) => panic!("{case}: {s:?}"),
        }
    }
}

fn flipped(bytes: &Bytes, at: usize) -> Bytes {
    let mut v = bytes.to_vec();
    v[at] ^= 0xff;
    Bytes::from(v)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_single_byte_flip_and_truncation_is_refused_or_harmless() {
    let (mut client, _url, _stop) = start().await;
    let valid = upload_of(&sample());
    let (schema, dictionary, batch) = (&valid[0], &valid[1], &valid[2]);
    let (header, body) = (batch.data_header.clone(), batch.data_body.to_bytes());

    // The record batch message, each byte of its header and body flipped in turn, by
    // DoPut: refused, or (a flipped value byte, padding) one batch taken.
    let mut put_tally = Tally::default();
    for at in 0..header.len() + body.len() {
        let mut m = batch.clone();
        if at < header.len() {
            m.data_header = flipped(&header, at);
        } else {
            m.data_body = flipped(&body, at - header.len()).into();
        }
        let case = format!("batch byte {at} flipped");
        let answer = put(&mut client, vec![schema.clone(), dictionary.clone(), m]).await;
        put_tally.count(&case, answer, |a| a == &Bytes::from("1 batches"));
    }
    // The schema and dictionary headers flipped, by DoExchange: refused, or the batch
    // echoed (schema and batch, and the dictionary when the schema still has one).
    let mut exchange_tally = Tally::default();
    for (which, m) in [(0, schema), (1, dictionary)] {
        for at in 0..m.data_header.len() {
            let mut messages = valid.clone();
            messages[which].data_header = flipped(&m.data_header, at);
            let case = format!("message {which}, header byte {at} flipped");
            let answer = exchange(&mut client, messages).await;
            exchange_tally.count(&case, answer, |n| (2..=3).contains(n));
        }
    }
    // The batch message cut short, header or body, every 4th length, by DoExchange.
    let mut cut_tally = Tally::default();
    for len in (0..header.len()).step_by(4) {
        let mut m = batch.clone();
        m.data_header = header.slice(..len);
        let case = format!("batch header cut to {len} bytes");
        let answer = exchange(&mut client, vec![schema.clone(), dictionary.clone(), m]).await;
        cut_tally.count(&case, answer, |_| false);
    }
    for len in (0..body.len()).step_by(4) {
        let m = batch.clone().with_data_body(body.slice(..len));
        let case = format!("batch body cut to {len} bytes");
        let answer = exchange(&mut client, vec![schema.clone(), dictionary.clone(), m]).await;
        cut_tally.count(&case, answer, |_| false);
    }
    eprintln!(
        "flips of the batch: {put_tally:?}; of the schema and dictionary: {exchange_tally:?}; cuts: {cut_tally:?}"
    );
    assert_eq!(
        put_tally.accepted + put_tally.refused,
        header.len() + body.len()
    );
    assert!(put_tally.refused > 0 && exchange_tally.refused > 0);
    assert_eq!(cut_tally.accepted, 0);
    still_serves(&mut client).await;
}

/// Sends and receives gRPC messages as raw bytes, to put anything on the wire.
#[derive(Debug, Clone, Copy, Default)]
struct RawCodec;

impl Codec for RawCodec {
    type Encode = Bytes;
    type Decode = Bytes;
    type Encoder = RawCodec;
    type Decoder = RawCodec;

    fn encoder(&mut self) -> RawCodec {
        RawCodec
    }

    fn decoder(&mut self) -> RawCodec {
        RawCodec
    }
}

impl Encoder for RawCodec {
    type Item = Bytes;
    type Error = Status;

    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put_slice(&item);
        Ok(())
    }
}

impl Decoder for RawCodec {
    type Item = Bytes;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Bytes>, Status> {
        Ok(Some(src.copy_to_bytes(src.remaining())))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bytes_that_are_not_protobuf_get_a_grpc_error() {
    let (mut client, url, _stop) = start().await;
    let channel = within(
        "connecting",
        tonic::transport::Endpoint::from_shared(url)
            .unwrap()
            .connect(),
    )
    .await
    .unwrap();
    let mut grpc = tonic::client::Grpc::new(channel);
    // A field numbered 0; wire type 7, which does not exist; the body (field 1000)
    // announcing 2^40 bytes and giving 4; an unknown field 5 whose varint never ends.
    let garbage: [&'static [u8]; 4] = [
        b"\x02\x03abc",
        b"\x17\x00\x00",
        b"\xc2\x3e\x80\x80\x80\x80\x80\x20\x00\x00\x00\x00",
        b"\x28\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
    ];
    for rpc in ["DoPut", "DoExchange"] {
        for (i, bytes) in garbage.iter().enumerate() {
            within("the server to be ready", grpc.ready())
                .await
                .unwrap();
            let path = format!("/arrow.flight.protocol.FlightService/{rpc}");
            let request = tonic::Request::new(stream::iter(vec![Bytes::from_static(bytes)]));
            let answer = within(
                rpc,
                grpc.streaming(request, path.parse().unwrap(), RawCodec),
            )
            .await;
            let status = answer.expect_err(&format!("{rpc} took garbage {i}"));
            assert_eq!(
                status.code(),
                Code::Internal,
                "{rpc}, garbage {i}: {status:?}"
            );
            assert!(
                status
                    .message()
                    .starts_with("failed to decode Protobuf message: "),
                "{rpc}, garbage {i}: {status:?}"
            );
        }
    }
    still_serves(&mut client).await;
}
