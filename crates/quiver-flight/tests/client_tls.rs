//! `FlightClient` over TLS against the test server in `common`, on loopback, with the
//! test certificates in `data/tls`.

#![cfg(feature = "tls")]

mod common;

use common::*;

use bytes::Bytes;
use futures::TryStreamExt;
use quiver_array::RecordBatch;
use quiver_flight::FlightError;
use quiver_flight::client::{ClientOptions, FlightClient};
use quiver_flight::proto::Ticket;
use quiver_flight::proto::flight_service_server::FlightServiceServer;

const CA: &str = include_str!("data/tls/ca.pem");
const OTHER_CA: &str = include_str!("data/tls/other-ca.pem");
const CERT: &str = include_str!("data/tls/server.pem");
const KEY: &str = include_str!("data/tls/server.key");

/// Serves TLS on a free loopback port; returns the `grpc+tls://` URL.
async fn start_tls() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("grpc+tls://{}", listener.local_addr().unwrap());
    let identity = tonic::transport::Identity::from_pem(CERT, KEY);
    let tls = tonic::transport::ServerTlsConfig::new().identity(identity);
    let server = tonic::transport::Server::builder()
        .tls_config(tls)
        .unwrap()
        .add_service(FlightServiceServer::new(Server::default()));
    tokio::spawn(
        server.serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
    );
    url
}

#[tokio::test]
async fn tls_with_the_servers_ca() {
    let url = start_tls().await;
    let options = ClientOptions::default().with_tls_root(CA);
    let client = FlightClient::connect_with(&url, options).await.unwrap();
    assert_eq!(
        client.get_flight_info(path("a.arrow")).await.unwrap(),
        info("a.arrow", 4)
    );
    let batches: Vec<RecordBatch> = client
        .do_get(Ticket {
            ticket: Bytes::from_static(b"a.arrow"),
        })
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(batches.len(), 2);
}

#[tokio::test]
async fn tls_refuses_a_server_signed_by_another_ca() {
    let url = start_tls().await;
    let options = ClientOptions::default().with_tls_root(OTHER_CA);
    let e = FlightClient::connect_with(&url, options).await.unwrap_err();
    let FlightError::Io(io) = &e else {
        panic!("expected an I/O error, got {e:?}");
    };
    assert_eq!(io.kind(), std::io::ErrorKind::InvalidData);
    assert_eq!(
        e.to_string(),
        format!(
            "I/O: could not connect to the Flight server at {url}: transport error: \
             invalid peer certificate: UnknownIssuer"
        )
    );
}

#[tokio::test]
async fn tls_needs_a_root_to_trust() {
    let e = FlightClient::connect("grpc+tls://127.0.0.1:1")
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid argument: `grpc+tls://127.0.0.1:1` asks for TLS, and no CA certificate to \
         trust was given: pass the server's CA (PEM) with ClientOptions::with_tls_root, or a \
         system bundle such as /etc/ssl/certs/ca-certificates.crt"
    );
}

#[tokio::test]
async fn a_root_that_is_not_pem_is_refused() {
    let options = ClientOptions::default()
        .with_tls_root(CA)
        .with_tls_root("not a certificate");
    let e = FlightClient::connect_with("grpc+tls://127.0.0.1:1", options)
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid argument: CA certificate 2 given with ClientOptions::with_tls_root holds no \
         PEM certificate (a `-----BEGIN CERTIFICATE-----` block)"
    );
}
