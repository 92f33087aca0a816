//! `FlightClient` end to end against the test server in `common`, on loopback.

mod common;

use common::*;

use std::time::Duration;

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt, stream};
use quiver_flight::FlightError;
use quiver_flight::client::{ClientOptions, FlightClient};
use quiver_flight::proto::{Action, ActionType, FlightInfo, PutResult, Ticket};
use tonic::Code;

#[tokio::test]
async fn unary_and_listing_calls() {
    let (server, url) = start().await;
    let client = FlightClient::connect(&url).await.unwrap();

    assert_eq!(client.handshake("abc").await.unwrap(), Bytes::from("cba"));

    let all: Vec<FlightInfo> = client
        .list_flights("")
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all, vec![info("a.arrow", 4), info("b.arrow", 8)]);
    let some: Vec<FlightInfo> = client
        .list_flights("b.arrow")
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(some, vec![info("b.arrow", 8)]);

    assert_eq!(
        client.get_flight_info(path("a.arrow")).await.unwrap(),
        info("a.arrow", 4)
    );
    let poll = client.poll_flight_info(path("a.arrow")).await.unwrap();
    assert_eq!(poll.progress, Some(0.5));
    assert_eq!(poll.flight_descriptor, Some(path("again")));

    let schema = client.get_schema(path("a.arrow")).await.unwrap();
    assert_eq!(schema.as_ref(), sample().schema().as_ref());

    let results: Vec<Bytes> = client
        .do_action(Action {
            r#type: "echo".into(),
            body: Bytes::from_static(b"body"),
        })
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(results, vec![Bytes::from("echo"), Bytes::from("body")]);

    let actions: Vec<ActionType> = client
        .list_actions()
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(actions.len(), 1);
    assert_eq!(actions[0].r#type, "echo");

    // No token was configured: no call carried an authorization header.
    let seen = server.0.lock().unwrap();
    assert_eq!(seen.authorization.len(), 8);
    assert!(seen.authorization.iter().all(Option::is_none));
}

#[tokio::test]
async fn server_errors_keep_code_and_message() {
    let (_server, url) = start().await;
    let client = FlightClient::connect(&url).await.unwrap();
    let e = client.get_flight_info(path("nope")).await.unwrap_err();
    assert_eq!(
        status(e),
        (Code::NotFound, "no flight named [\"nope\"]".to_string())
    );
    let e = client
        .do_get(Ticket {
            ticket: Bytes::from_static(b"nope"),
        })
        .await
        .unwrap_err();
    assert_eq!(status(e), (Code::NotFound, "no such ticket".to_string()));
    // A schema that is not an IPC schema message is refused, not trusted.
    let e = client.get_schema(path("garbage")).await.unwrap_err();
    assert!(matches!(e, FlightError::Ipc(_)), "{e:?}");
    assert_eq!(
        e.to_string(),
        "Arrow IPC in a Flight stream: invalid Arrow IPC data at message 0, byte 0: not an \
         Arrow IPC stream: its first 4 bytes (6e 6f 74 20) are neither the continuation \
         marker (ff ff ff ff) nor a plausible metadata length"
    );
}

#[tokio::test]
async fn do_get_decodes_batches_and_app_metadata() {
    let (_server, url) = start().await;
    let client = FlightClient::connect(&url).await.unwrap();
    let mut stream = client
        .do_get(Ticket {
            ticket: Bytes::from_static(b"a.arrow"),
        })
        .await
        .unwrap();
    let mut batches = Vec::new();
    while let Some(b) = stream.next().await {
        batches.push(b.unwrap());
    }
    assert_eq!(batches.len(), 2);
    assert!(batches.iter().all(|b| b.equals(&sample())));
    assert_eq!(
        stream.schema().unwrap().as_ref(),
        sample().schema().as_ref()
    );
    assert_eq!(stream.app_metadata(), &Bytes::from_static(b"last"));
}

#[tokio::test]
async fn do_put_sends_the_descriptor_first_and_returns_the_answers() {
    let (server, url) = start().await;
    let client = FlightClient::connect(&url).await.unwrap();
    let b = sample();
    let part = b.slice(0, 3).unwrap();
    let batches = stream::iter(vec![Ok(b.clone()), Ok(part.clone())]);
    let answers: Vec<PutResult> = client
        .do_put(path("up.arrow"), b.schema().clone(), batches)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let metadata: Vec<&[u8]> = answers.iter().map(|a| a.app_metadata.as_ref()).collect();
    assert_eq!(metadata, vec![&b"4 rows"[..], &b"3 rows"[..]]);

    let seen = server.0.lock().unwrap();
    let upload = &seen.uploads[0];
    assert_eq!(upload.descriptor, Some(path("up.arrow")));
    assert_eq!(upload.batches.len(), 2);
    assert!(upload.batches[0].equals(&b));
    assert!(upload.batches[1].equals(&part));
    assert_eq!(upload.end, Ok(()));
}

#[tokio::test]
async fn a_failing_upload_is_cancelled_not_completed() {
    let (server, url) = start().await;
    let client = FlightClient::connect(&url).await.unwrap();
    let b = sample();
    let batches = stream::iter(vec![
        Ok(b.clone()),
        Err(FlightError::protocol("the source file vanished")),
    ]);
    let Err(e) = client
        .do_put(path("half.arrow"), b.schema().clone(), batches)
        .await
    else {
        panic!("the upload succeeded");
    };
    assert_eq!(e.to_string(), "Flight protocol: the source file vanished");

    // The server sees the call broken off, never a complete stream of one batch.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let end = loop {
        if let Some(upload) = server.0.lock().unwrap().uploads.first() {
            break (upload.batches.len(), upload.end.clone());
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the server never saw the upload end"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    // Zero or one batch, as the client's encoding buffer had sent it or not.
    assert!(end.0 <= 1, "{end:?}");
    let Err(broken) = end.1 else {
        panic!("the server saw a complete upload of {} batches", end.0);
    };
    assert!(
        broken.starts_with("the Flight peer answered INTERNAL: "),
        "{broken}"
    );
}

#[tokio::test]
async fn do_exchange_round_trips_batches() {
    let (server, url) = start().await;
    let client = FlightClient::connect(&url).await.unwrap();
    let b = sample();
    let mut answers = client
        .do_exchange(
            path("x"),
            b.schema().clone(),
            stream::iter(vec![Ok(b.clone())]),
        )
        .await
        .unwrap();
    let mut batches = Vec::new();
    while let Some(batch) = answers.next().await {
        batches.push(batch.unwrap());
    }
    assert_eq!(batches.len(), 1);
    assert!(batches[0].equals(&b));
    assert_eq!(answers.app_metadata(), &Bytes::from_static(b"echo"));
    assert_eq!(
        server.0.lock().unwrap().uploads[0].descriptor,
        Some(path("x"))
    );
}

#[tokio::test]
async fn the_token_goes_on_every_call() {
    let (server, url) = start().await;
    let options = ClientOptions::default().with_token("s3cret");
    let client = FlightClient::connect_with(&url, options).await.unwrap();
    client.handshake("").await.unwrap();
    client.get_flight_info(path("a.arrow")).await.unwrap();
    let b = sample();
    client
        .do_put(path("t"), b.schema().clone(), stream::iter(vec![Ok(b)]))
        .await
        .unwrap()
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    let seen = server.0.lock().unwrap();
    assert_eq!(
        seen.authorization,
        vec![Some("Bearer s3cret".to_string()); 3]
    );
}

#[tokio::test]
async fn a_token_that_cannot_be_a_header_is_refused_before_connecting() {
    // Nothing listens on port 1: the token is refused before any connection is tried.
    let options = ClientOptions::default().with_token("two\nlines");
    let e = FlightClient::connect_with("grpc://127.0.0.1:1", options)
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid argument: the token cannot be sent in an HTTP header: use visible ASCII characters only"
    );
}

#[tokio::test]
async fn clients_on_a_channel_of_ones_own() {
    let (server, url) = start().await;
    let uri = url.replacen("grpc://", "http://", 1);
    let channel = tonic::transport::Endpoint::from_shared(uri)
        .unwrap()
        .connect_lazy();
    let plain = FlightClient::new(channel.clone());
    assert_eq!(plain.handshake("ab").await.unwrap(), Bytes::from("ba"));
    let options = ClientOptions::default().with_token("t0ken");
    let with_token = FlightClient::from_channel(channel, options).unwrap();
    assert_eq!(with_token.handshake("").await.unwrap(), Bytes::new());
    let seen = server.0.lock().unwrap();
    assert_eq!(
        seen.authorization,
        vec![None, Some("Bearer t0ken".to_string())]
    );
}

#[tokio::test]
async fn the_message_size_limit_applies_to_answers() {
    let (_server, url) = start().await;
    let small = ClientOptions::default().with_max_message_size(1 << 20);
    let client = FlightClient::connect_with(&url, small).await.unwrap();
    let (code, message) = status(client.get_flight_info(path("big")).await.unwrap_err());
    assert_eq!(code, Code::OutOfRange);
    let found = prost::Message::encoded_len(&big_info());
    assert_eq!(
        message,
        format!(
            "Error, decoded message length too large: found {found} bytes, the limit is: \
             1048576 bytes"
        )
    );
    // The default (64 MiB) takes it.
    let client = FlightClient::connect(&url).await.unwrap();
    assert_eq!(
        client.get_flight_info(path("big")).await.unwrap(),
        big_info()
    );
}

#[tokio::test]
async fn the_timeout_ends_a_call_that_does_not_answer() {
    let (_server, url) = start().await;
    let options = ClientOptions::default().with_timeout(Duration::from_millis(200));
    let client = FlightClient::connect_with(&url, options).await.unwrap();
    let started = std::time::Instant::now();
    let answer = status(client.get_flight_info(path("slow")).await.unwrap_err());
    assert_eq!(answer, (Code::Cancelled, "Timeout expired".to_string()));
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn connection_failures_name_the_url() {
    // A port nobody listens on: bind one, then close it.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("grpc://{}", listener.local_addr().unwrap());
    drop(listener);
    let e = FlightClient::connect(&url).await.unwrap_err();
    let FlightError::Io(io) = &e else {
        panic!("expected an I/O error, got {e:?}");
    };
    assert_eq!(io.kind(), std::io::ErrorKind::ConnectionRefused);
    let prefix = format!("I/O: could not connect to the Flight server at {url}: ");
    assert!(e.to_string().starts_with(&prefix), "{e}");

    let e = FlightClient::connect("http://127.0.0.1:1")
        .await
        .unwrap_err();
    assert!(matches!(e, FlightError::InvalidArgument(_)), "{e:?}");
    assert_eq!(
        e.to_string(),
        "invalid argument: `http://127.0.0.1:1` is not a Flight URL: the scheme `http` is not \
         a Flight one; expected grpc://HOST:PORT, grpc+tcp://HOST:PORT or grpc+tls://HOST:PORT"
    );
}
