//! `DirectoryHandler` against the generated gRPC client: the listing, flight info,
//! schema and DoGet of files and streams in a directory, DoPut's name rules, atomic
//! stores and overwrite rule, and the clean-up of failed uploads.

use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt, stream};
use quiver_array::{Array, RecordBatch};
use quiver_buffer::Buffer;
use quiver_flight::FlightData;
use quiver_flight::decode::{FlightRecordBatchStream, schema_from_ipc};
use quiver_flight::directory::DirectoryHandler;
use quiver_flight::encode::FlightDataEncoderBuilder;
use quiver_flight::proto::flight_service_client::FlightServiceClient;
use quiver_flight::proto::{Criteria, FlightDescriptor, Ticket, flight_descriptor::DescriptorType};
use quiver_flight::server::{FlightServer, ServerOptions};
use quiver_ipc::{FileReader, FileWriter, IpcReadOptions, StreamWriter};
use tonic::Code;
use tonic::transport::Channel;

type Client = FlightServiceClient<Channel>;

fn sample(offset: i64) -> RecordBatch {
    let dict = Array::dictionary_from(
        Array::from(vec![0i32, 1, 0, 2]),
        Array::from(vec!["red", "green", "blue"]),
        false,
    )
    .unwrap();
    RecordBatch::try_from_columns(
        vec![
            Array::from(vec![Some(offset), None, Some(offset + 2), Some(offset + 3)]),
            Array::from(vec![Some("a"), Some("bb"), None, Some("dddd")]),
            dict,
        ],
        &["n", "s", "d"],
    )
    .unwrap()
}

fn write_file(path: &Path, batches: &[RecordBatch]) {
    let mut w = FileWriter::try_new(Vec::new(), sample(0).schema()).unwrap();
    for b in batches {
        w.write(b).unwrap();
    }
    std::fs::write(path, w.close().unwrap()).unwrap();
}

fn write_stream(path: &Path, batches: &[RecordBatch]) {
    let mut w = StreamWriter::try_new(Vec::new(), sample(0).schema()).unwrap();
    for b in batches {
        w.write(b).unwrap();
    }
    std::fs::write(path, w.close().unwrap()).unwrap();
}

/// A directory with a file (2 batches), a stream (3 batches), a file with no batches,
/// and things that are not flights: text, an empty file, a hidden Arrow file, a
/// directory.
fn populated() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_file(&d.join("a.arrow"), &[sample(0), sample(10)]);
    write_stream(&d.join("b.arrows"), &[sample(0), sample(10), sample(20)]);
    write_file(&d.join("empty.arrow"), &[]);
    std::fs::write(d.join("notes.txt"), "not arrow at all").unwrap();
    std::fs::write(d.join("zero.bin"), b"").unwrap();
    write_file(&d.join(".hidden.arrow"), &[sample(0)]);
    std::fs::create_dir(d.join("sub.arrow")).unwrap();
    dir
}

async fn serve(handler: DirectoryHandler) -> (Client, tokio::sync::oneshot::Sender<()>) {
    let server = FlightServer::bind("127.0.0.1:0", handler, ServerOptions::default())
        .await
        .unwrap();
    let url = format!("http://{}", server.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.serve_until(async {
        let _ = stopped.await;
    }));
    (FlightServiceClient::connect(url).await.unwrap(), stop)
}

fn path(name: &str) -> FlightDescriptor {
    FlightDescriptor {
        r#type: DescriptorType::Path as i32,
        path: vec![name.into()],
        ..Default::default()
    }
}

fn ticket(name: &str) -> Ticket {
    Ticket {
        ticket: Bytes::copy_from_slice(name.as_bytes()),
    }
}

async fn get(client: &mut Client, name: &str) -> Result<Vec<RecordBatch>, tonic::Status> {
    let response = client.do_get(ticket(name)).await?;
    Ok(FlightRecordBatchStream::new(response.into_inner())
        .try_collect()
        .await
        .unwrap())
}

fn read_file(path: &Path) -> Vec<RecordBatch> {
    let reader = FileReader::try_new(Buffer::from_vec(std::fs::read(path).unwrap())).unwrap();
    reader.batches().map(Result::unwrap).collect()
}

fn same_batches(got: &[RecordBatch], want: &[RecordBatch]) {
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(g.equals(w), "batch {i} differs");
    }
}

/// The names in `dir`, sorted, hidden ones included.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn the_listing_describes_every_arrow_file_and_nothing_else() {
    let dir = populated();
    let (mut client, _stop) = serve(DirectoryHandler::new(dir.path()).unwrap()).await;
    let flights: Vec<_> = client
        .list_flights(Criteria::default())
        .await
        .unwrap()
        .into_inner()
        .try_collect()
        .await
        .unwrap();
    let size = |n: &str| std::fs::metadata(dir.path().join(n)).unwrap().len() as i64;
    let summary: Vec<_> = flights
        .iter()
        .map(|f| {
            let endpoint = &f.endpoint[0];
            assert_eq!(f.endpoint.len(), 1);
            assert!(endpoint.location.is_empty());
            assert_eq!(
                schema_from_ipc(&f.schema).unwrap().as_ref(),
                sample(0).schema().as_ref()
            );
            let name = f.flight_descriptor.as_ref().unwrap().path[0].clone();
            assert_eq!(f.flight_descriptor, Some(path(&name)));
            assert_eq!(endpoint.ticket, Some(ticket(&name)));
            (name, f.total_records, f.total_bytes)
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("a.arrow".to_owned(), 8, size("a.arrow")),
            ("b.arrows".to_owned(), 12, size("b.arrows")),
            ("empty.arrow".to_owned(), 0, size("empty.arrow")),
        ]
    );
}

#[tokio::test]
async fn flight_info_and_schema_of_one_file_or_not_found() {
    let dir = populated();
    let (mut client, _stop) = serve(DirectoryHandler::new(dir.path()).unwrap()).await;
    let info = client
        .get_flight_info(path("b.arrows"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(info.total_records, 12);
    assert_eq!(
        info.total_bytes,
        std::fs::metadata(dir.path().join("b.arrows"))
            .unwrap()
            .len() as i64
    );
    assert_eq!(info.endpoint[0].ticket, Some(ticket("b.arrows")));
    let schema = client
        .get_schema(path("a.arrow"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        schema_from_ipc(&schema.schema).unwrap().as_ref(),
        sample(0).schema().as_ref()
    );

    let err = client
        .get_flight_info(path("missing.arrow"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    assert_eq!(
        err.message(),
        "no flight named \"missing.arrow\": there is no such file in the served directory"
    );
    let err = client.get_schema(path("notes.txt")).await.unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    assert!(
        err.message().starts_with(
            "no flight named \"notes.txt\": the file is not Arrow IPC data that this server \
             can read ("
        ),
        "{}",
        err.message()
    );
    let err = client.get_flight_info(path("sub.arrow")).await.unwrap_err();
    assert_eq!(
        (err.code(), err.message()),
        (
            Code::NotFound,
            "no flight named \"sub.arrow\": it is not a regular file"
        )
    );
    let err = get(&mut client, "missing.arrow").await.unwrap_err();
    assert_eq!(err.code(), Code::NotFound);

    let cmd = FlightDescriptor {
        r#type: DescriptorType::Cmd as i32,
        cmd: Bytes::from_static(b"SELECT 1"),
        ..Default::default()
    };
    let err = client.get_flight_info(cmd).await.unwrap_err();
    assert_eq!(
        (err.code(), err.message()),
        (
            Code::InvalidArgument,
            "this server names flights by PATH descriptors holding one file name; CMD \
             descriptors are not supported"
        )
    );
    let two = FlightDescriptor {
        path: vec!["a".into(), "b".into()],
        ..path("x")
    };
    let err = client.get_schema(two).await.unwrap_err();
    assert_eq!(
        (err.code(), err.message()),
        (
            Code::InvalidArgument,
            "the PATH descriptor has 2 elements; this server takes exactly one, the file name"
        )
    );
}

#[tokio::test]
async fn do_get_streams_files_and_streams_zero_copy_as_a_file_reader_reads_them() {
    let dir = populated();
    // Requiring zero-copy makes any buffer the server would copy an error.
    let handler = DirectoryHandler::new(dir.path())
        .unwrap()
        .with_read_options(IpcReadOptions::default().with_require_zero_copy(true));
    let (mut client, _stop) = serve(handler).await;
    let got = get(&mut client, "a.arrow").await.unwrap();
    same_batches(&got, &read_file(&dir.path().join("a.arrow")));
    // The dictionary travelled with the batches.
    assert_eq!(
        got[1].column(2).unwrap().data_type(),
        sample(0).column(2).unwrap().data_type()
    );
    let got = get(&mut client, "b.arrows").await.unwrap();
    same_batches(&got, &[sample(0), sample(10), sample(20)]);
    assert_eq!(get(&mut client, "empty.arrow").await.unwrap().len(), 0);
    // Hidden files are not served.
    let err = get(&mut client, ".hidden.arrow").await.unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
}

const RULE: &str = "a flight name is one plain file name, like 'data.arrow': not empty, \
                    without '/', '\\' or NUL, and not starting with '.'";

async fn put(
    client: &mut Client,
    descriptor: FlightDescriptor,
    batches: Vec<RecordBatch>,
) -> Result<Bytes, tonic::Status> {
    let upload = FlightDataEncoderBuilder::new()
        .with_descriptor(descriptor)
        .build(
            sample(0).schema().clone(),
            stream::iter(batches.into_iter().map(Ok)),
        )
        .map(|r| r.unwrap());
    let results: Vec<_> = client
        .do_put(upload)
        .await?
        .into_inner()
        .try_collect()
        .await?;
    assert_eq!(results.len(), 1);
    Ok(results[0].app_metadata.clone())
}

#[tokio::test]
async fn bad_names_are_refused_for_puts_and_gets() {
    let dir = tempfile::tempdir().unwrap();
    let (mut client, _stop) = serve(DirectoryHandler::new(dir.path()).unwrap()).await;
    let cases = [
        ("", "it is empty"),
        ("a/b.arrow", "it contains a path separator"),
        ("a\\b.arrow", "it contains a path separator"),
        ("../up.arrow", "it contains a path separator"),
        ("/etc/passwd", "it is an absolute path"),
        ("\\x", "it is an absolute path"),
        (".", "it names a directory, not a file"),
        ("..", "it names a directory, not a file"),
        (
            ".quiver-upload-1-1",
            "it starts with '.' (hidden names are kept for the server's temporary files)",
        ),
        ("a\0b", "it contains a NUL character"),
    ];
    for (name, problem) in cases {
        let want = format!("invalid flight name {name:?}: {problem}; {RULE}");
        let err = put(&mut client, path(name), vec![sample(0)])
            .await
            .unwrap_err();
        assert_eq!(
            (err.code(), err.message()),
            (Code::InvalidArgument, want.as_str())
        );
        let err = get(&mut client, name).await.unwrap_err();
        assert_eq!(
            (err.code(), err.message()),
            (Code::InvalidArgument, want.as_str())
        );
    }
    let cmd = FlightDescriptor {
        r#type: DescriptorType::Cmd as i32,
        ..Default::default()
    };
    let err = put(&mut client, cmd, vec![sample(0)]).await.unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(entries(dir.path()), Vec::<String>::new());
}

#[tokio::test]
async fn puts_store_files_and_overwrite_only_when_allowed() {
    let dir = populated();
    let (mut client, _stop) = serve(DirectoryHandler::new(dir.path()).unwrap()).await;
    let answer = put(
        &mut client,
        path("new.arrow"),
        vec![sample(0), sample(10), sample(20)],
    )
    .await
    .unwrap();
    assert_eq!(
        answer,
        Bytes::from_static(b"stored 3 batches, 12 rows in new.arrow")
    );
    same_batches(
        &read_file(&dir.path().join("new.arrow")),
        &[sample(0), sample(10), sample(20)],
    );
    // It is listed and served at once.
    assert_eq!(get(&mut client, "new.arrow").await.unwrap().len(), 3);

    let before = std::fs::read(dir.path().join("a.arrow")).unwrap();
    let err = put(&mut client, path("a.arrow"), vec![sample(5)])
        .await
        .unwrap_err();
    assert_eq!(
        (err.code(), err.message()),
        (
            Code::AlreadyExists,
            "a file named \"a.arrow\" already exists on the server, and this server does \
             not overwrite files; upload under another name"
        )
    );
    assert_eq!(std::fs::read(dir.path().join("a.arrow")).unwrap(), before);

    let (mut client, _stop2) = serve(
        DirectoryHandler::new(dir.path())
            .unwrap()
            .with_allow_overwrite(true),
    )
    .await;
    let answer = put(&mut client, path("a.arrow"), vec![sample(5)])
        .await
        .unwrap();
    assert_eq!(
        answer,
        Bytes::from_static(b"stored 1 batches, 4 rows in a.arrow")
    );
    same_batches(&read_file(&dir.path().join("a.arrow")), &[sample(5)]);
    // No temporary file is left by any of it.
    assert!(
        entries(dir.path())
            .iter()
            .all(|n| !n.starts_with(".quiver-upload-")),
        "{:?}",
        entries(dir.path())
    );
}

/// The encoded upload of `batches` under `PATH [name]`.
fn encoded(name: &str, batches: Vec<RecordBatch>) -> Vec<FlightData> {
    futures::executor::block_on(
        FlightDataEncoderBuilder::new()
            .with_descriptor(path(name))
            .build(
                sample(0).schema().clone(),
                stream::iter(batches.into_iter().map(Ok)),
            )
            .try_collect(),
    )
    .unwrap()
}

#[tokio::test]
async fn a_put_that_fails_midway_leaves_no_file_and_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let (mut client, _stop) = serve(DirectoryHandler::new(dir.path()).unwrap()).await;
    let mut upload = encoded("broken.arrow", vec![sample(0), sample(10)]);
    upload.push(FlightData::new().with_data_header(Bytes::from_static(b"\xff\xff\xff\xffgarbage")));
    let err = client
        .do_put(stream::iter(upload))
        .await
        .map(|_| ())
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument, "{}", err.message());
    assert_eq!(entries(dir.path()), Vec::<String>::new());
}

#[tokio::test]
async fn a_client_gone_midway_leaves_no_file_and_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let (mut client, _stop) = serve(DirectoryHandler::new(dir.path()).unwrap()).await;
    let (sender, receiver) = tokio::sync::mpsc::channel::<FlightData>(16);
    for message in encoded("gone.arrow", vec![sample(0)]) {
        sender.send(message).await.unwrap();
    }
    // The upload stays open: the client sends no more and does not end it.
    let call = tokio::spawn(async move {
        let _ = client
            .do_put(tokio_stream::wrappers::ReceiverStream::new(receiver))
            .await;
    });
    let temp_seen = wait_until(|| entries(dir.path()).len() == 1).await;
    assert!(
        temp_seen,
        "the upload never started: {:?}",
        entries(dir.path())
    );
    assert!(entries(dir.path())[0].starts_with(".quiver-upload-"));
    // The client goes away mid-stream, without ending its upload (the sender stays
    // open, so the stream is reset, not finished).
    call.abort();
    let cleaned = wait_until(|| entries(dir.path()).is_empty()).await;
    assert!(cleaned, "left behind: {:?}", entries(dir.path()));
    drop(sender);
}

/// Polls `done` every 20 ms for up to 10 s.
async fn wait_until(mut done: impl FnMut() -> bool) -> bool {
    for _ in 0..500 {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

#[test]
fn a_missing_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let err = DirectoryHandler::new(dir.path().join("nope")).unwrap_err();
    assert!(
        err.to_string().starts_with(&format!(
            "invalid argument: {} is not a directory (",
            dir.path().join("nope").display()
        )),
        "{err}"
    );
}
