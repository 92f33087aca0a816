//! `quiver flight serve|list|get|put`, process against process: a server started on port
//! 0 in a temporary directory (its first stdout line gives the port), the client
//! commands against it (exact outputs, files read back equal, exact error lines and exit
//! codes), the token and TLS, and a clean exit on SIGTERM and SIGINT. Every child is
//! killed by a guard, and every wait is bounded.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use quiver::ipc::{FileReader, FileWriter, StreamReader, StreamWriter};
use quiver::{Array, Buffer, BufferReader, RecordBatch};

/// The longest any child may take.
const LIMIT: Duration = Duration::from_secs(30);

fn quiver_command(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_quiver"));
    cmd.current_dir(dir).env_remove("QUIVER_FLIGHT_TOKEN");
    cmd
}

/// A child process, killed (and reaped) when dropped if it is still running.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Waits at most [`LIMIT`] for `child` to end.
fn wait_bounded(child: &mut Child) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            start.elapsed() < LIMIT,
            "a quiver process ran over {LIMIT:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

struct Ran {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
}

/// Runs `quiver args` in `dir` with the extra environment `env`, bounded in time.
fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Ran {
    let mut cmd = quiver_command(dir);
    cmd.args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = Guard(cmd.spawn().unwrap());
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            pipe.read_to_end(&mut bytes).unwrap();
            bytes
        })
    };
    let out = drain(Box::new(child.0.stdout.take().unwrap()));
    let err = drain(Box::new(child.0.stderr.take().unwrap()));
    let status = wait_bounded(&mut child.0);
    Ran {
        code: status.code(),
        stdout: out.join().unwrap(),
        stderr: String::from_utf8(err.join().unwrap()).unwrap(),
    }
}

/// Runs a command that must succeed quietly on stderr; returns its stdout.
fn ok(dir: &Path, args: &[&str]) -> String {
    let ran = run(dir, args, &[]);
    assert_eq!(ran.code, Some(0), "quiver {args:?}: {}", ran.stderr);
    assert_eq!(ran.stderr, "", "quiver {args:?}");
    String::from_utf8(ran.stdout).unwrap()
}

/// Runs a command that must fail with `code` and exactly the one line `expected`.
fn fails(dir: &Path, args: &[&str], code: i32, expected: &str) {
    let ran = run(dir, args, &[]);
    assert_eq!(ran.code, Some(code), "quiver {args:?}: {}", ran.stderr);
    assert_eq!(ran.stderr, format!("{expected}\n"), "quiver {args:?}");
    assert!(ran.stdout.is_empty(), "quiver {args:?} wrote to stdout");
}

/// A running `quiver flight serve`.
struct Server {
    child: Guard,
    url: String,
    _stdout: std::thread::JoinHandle<()>,
}

impl Server {
    /// Serves `dir` with the extra arguments and environment; waits for the first line.
    fn start(dir: &Path, extra: &[&str], env: &[(&str, &str)]) -> Self {
        let mut cmd = quiver_command(dir);
        cmd.args(["flight", "serve"])
            .arg(dir)
            .args(["--port", "0"])
            .args(extra)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = Guard(cmd.spawn().unwrap());
        let stdout = child.0.stdout.take().unwrap();
        let (sender, receiver) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let _ = sender.send(lines.next());
            // Keep reading so the server never blocks on a full pipe.
            for _ in lines {}
        });
        let first = receiver
            .recv_timeout(LIMIT)
            .expect("the server printed no first line in time")
            .expect("the server printed its first line")
            .unwrap();
        let scheme = if extra.contains(&"--tls-cert") {
            "grpc+tls"
        } else {
            "grpc"
        };
        let url = first
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {first:?}"))
            .to_owned();
        let port = url
            .strip_prefix(&format!("{scheme}://127.0.0.1:"))
            .unwrap_or_else(|| panic!("unexpected URL: {url:?}"));
        assert!(port.parse::<u16>().unwrap() > 0, "{first}");
        Self {
            child,
            url,
            _stdout: reader,
        }
    }

    /// Sends `signal` and waits (bounded) for the exit status.
    fn stop(mut self, signal: i32) -> ExitStatus {
        let pid = i32::try_from(self.child.0.id()).unwrap();
        // SAFETY: kill(2) with the pid of our own child, which has not been reaped yet
        // (only `wait_bounded` below reaps it), so the pid cannot have been reused.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
        wait_bounded(&mut self.child.0)
    }
}

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
    batches.iter().for_each(|b| w.write(b).unwrap());
    std::fs::write(path, w.close().unwrap()).unwrap();
}

fn write_stream(path: &Path, batches: &[RecordBatch]) {
    let mut w = StreamWriter::try_new(Vec::new(), sample(0).schema()).unwrap();
    batches.iter().for_each(|b| w.write(b).unwrap());
    std::fs::write(path, w.close().unwrap()).unwrap();
}

fn read_file(path: &Path) -> Vec<RecordBatch> {
    let reader = FileReader::try_new(Buffer::from_vec(std::fs::read(path).unwrap())).unwrap();
    reader.batches().map(Result::unwrap).collect()
}

fn read_stream(path: &Path) -> Vec<RecordBatch> {
    let bytes = Buffer::from_vec(std::fs::read(path).unwrap());
    StreamReader::try_new(BufferReader::new(bytes))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn same(got: &[RecordBatch], want: &[RecordBatch]) {
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(g.equals(w), "batch {i} differs");
    }
}

/// A served directory (`srv/`: a file, a stream, a text file) and a client directory.
fn setup() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let (srv, cli) = (root.path().join("srv"), root.path().join("cli"));
    std::fs::create_dir(&srv).unwrap();
    std::fs::create_dir(&cli).unwrap();
    write_file(&srv.join("a.arrow"), &[sample(0), sample(10)]);
    write_stream(&srv.join("b.arrows"), &[sample(0), sample(10), sample(20)]);
    std::fs::write(srv.join("notes.txt"), "not arrow").unwrap();
    (root, srv, cli)
}

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).unwrap().len()
}

#[test]
fn list_get_and_put_through_the_cli() {
    let (_root, srv, cli) = setup();
    let server = Server::start(&srv, &[], &[]);
    let url = server.url.as_str();

    let (a, b) = (size(&srv.join("a.arrow")), size(&srv.join("b.arrows")));
    let w = a.to_string().len().max(b.to_string().len()).max(5);
    assert_eq!(
        ok(&cli, &["flight", "list", url]),
        format!(
            "NAME      ROWS  {:>w$}\na.arrow      8  {a:>w$}\nb.arrows    12  {b:>w$}\n",
            "BYTES"
        )
    );
    assert_eq!(
        ok(&cli, &["flight", "list", url, "--json"]),
        format!(
            "{{\"name\":\"a.arrow\",\"total_bytes\":{a},\"total_records\":8}}\n\
             {{\"name\":\"b.arrows\",\"total_bytes\":{b},\"total_records\":12}}\n"
        )
    );

    assert_eq!(ok(&cli, &["flight", "get", url, "a.arrow", "a.arrow"]), "");
    same(
        &read_file(&cli.join("a.arrow")),
        &read_file(&srv.join("a.arrow")),
    );
    assert_eq!(
        ok(
            &cli,
            &["flight", "get", url, "b.arrows", "b.arrows", "--stream"]
        ),
        ""
    );
    same(
        &read_stream(&cli.join("b.arrows")),
        &[sample(0), sample(10), sample(20)],
    );
    // To standard output (a pipe here), as a file.
    let ran = run(&cli, &["flight", "get", url, "b.arrows", "-"], &[]);
    assert_eq!((ran.code, ran.stderr.as_str()), (Some(0), ""));
    let from_stdout = FileReader::try_new(Buffer::from_vec(ran.stdout)).unwrap();
    assert_eq!(from_stdout.num_record_batches(), 3);

    // A stream uploaded under a new name is stored as a file; NAME defaults to the
    // input's file name.
    assert_eq!(
        ok(&cli, &["flight", "put", url, "b.arrows", "up.arrow"]),
        "stored 3 batches, 12 rows in up.arrow\n"
    );
    same(
        &read_file(&srv.join("up.arrow")),
        &[sample(0), sample(10), sample(20)],
    );
    write_file(&cli.join("mine.arrow"), &[sample(7)]);
    assert_eq!(
        ok(&cli, &["flight", "put", url, "mine.arrow"]),
        "stored 1 batches, 4 rows in mine.arrow\n"
    );
    same(&read_file(&srv.join("mine.arrow")), &[sample(7)]);
    assert!(ok(&cli, &["flight", "list", url]).contains("\nmine.arrow "));
    assert!(server.stop(libc::SIGTERM).success());
}

#[test]
fn errors_are_one_line_with_their_exit_codes() {
    let (_root, srv, cli) = setup();
    let server = Server::start(&srv, &[], &[]);
    let url = server.url.as_str();
    fails(
        &cli,
        &["flight", "get", url, "nope.arrow", "out.arrow"],
        1,
        &format!(
            "quiver: flight get {url} nope.arrow: the server answered NOT_FOUND: no flight \
             named \"nope.arrow\": there is no such file in the served directory"
        ),
    );
    assert!(!cli.join("out.arrow").exists());
    write_file(&cli.join("mine.arrow"), &[sample(7)]);
    fails(
        &cli,
        &["flight", "put", url, "mine.arrow", "../evil.arrow"],
        1,
        &format!(
            "quiver: flight put {url} ../evil.arrow: the server answered INVALID_ARGUMENT: \
             invalid flight name \"../evil.arrow\": it contains a path separator; a flight \
             name is one plain file name, like 'data.arrow': not empty, without '/', '\\' or \
             NUL, and not starting with '.'"
        ),
    );
    fails(
        &cli,
        &["flight", "put", url, "mine.arrow", "a.arrow"],
        1,
        &format!(
            "quiver: flight put {url} a.arrow: the server answered ALREADY_EXISTS: a file \
             named \"a.arrow\" already exists on the server, and this server does not \
             overwrite files; upload under another name"
        ),
    );
    fails(
        &cli,
        &["flight", "put", url, "missing.arrow"],
        1,
        "quiver: cannot read 'missing.arrow': No such file or directory (os error 2)",
    );
    fails(
        &cli,
        &["flight", "put", url, "-"],
        2,
        &format!("quiver: flight put {url} -: give the NAME to store standard input under"),
    );
    fails(
        &cli,
        &["flight", "list", "http://127.0.0.1:1"],
        2,
        "quiver: flight list http://127.0.0.1:1: `http://127.0.0.1:1` is not a Flight URL: \
         the scheme `http` is not a Flight one; expected grpc://HOST:PORT, \
         grpc+tcp://HOST:PORT or grpc+tls://HOST:PORT",
    );
    // Nothing listens on the port of a socket bound and closed again.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let closed = format!("grpc://127.0.0.1:{port}");
    fails(
        &cli,
        &["flight", "list", &closed],
        1,
        &format!(
            "quiver: flight list {closed}: could not connect to the Flight server at \
             {closed}: transport error: tcp connect error: Connection refused (os error 111); \
             check the URL, and that the server is running"
        ),
    );
    // The server survived all of it, and stops with status 0 on SIGINT too.
    assert!(ok(&cli, &["flight", "list", url]).starts_with("NAME"));
    assert!(server.stop(libc::SIGINT).success());
    fails(
        &srv,
        &["flight", "serve", "no-such-dir"],
        1,
        "quiver: flight serve: no-such-dir is not a directory (No such file or directory (os \
         error 2)); give an existing directory",
    );
}

#[test]
fn an_input_that_breaks_midway_cancels_the_upload_and_leaves_nothing() {
    let (_root, srv, cli) = setup();
    let server = Server::start(&srv, &[], &[]);
    let url = server.url.as_str();
    write_stream(
        &cli.join("whole.arrows"),
        &[sample(0), sample(10), sample(20)],
    );
    let mut bytes = std::fs::read(cli.join("whole.arrows")).unwrap();
    bytes.truncate(bytes.len() - 40);
    std::fs::write(cli.join("cut.arrows"), bytes).unwrap();
    let ran = run(&cli, &["flight", "put", url, "cut.arrows"], &[]);
    assert_eq!(ran.code, Some(1), "{}", ran.stderr);
    assert!(
        ran.stderr.starts_with("quiver: cannot read 'cut.arrows': ")
            && ran.stderr.lines().count() == 1,
        "{}",
        ran.stderr
    );
    // Neither the upload nor its temporary file is left in the served directory. The
    // server handles the cancelled call after the client has gone, so watch for a while
    // (a server that stores partial uploads shows the file within milliseconds).
    let names = || {
        let mut n: Vec<String> = std::fs::read_dir(&srv)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        n.sort();
        n
    };
    for _ in 0..50 {
        assert!(
            !names().contains(&"cut.arrows".to_owned()),
            "a partial upload was stored: {:?}",
            names()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let start = Instant::now();
    while names() != ["a.arrow", "b.arrows", "notes.txt"] {
        assert!(
            start.elapsed() < LIMIT,
            "left in the served directory: {:?}",
            names()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(server.stop(libc::SIGTERM).success());
}

#[test]
fn the_message_size_limit_applies_both_ways() {
    let (_root, srv, cli) = setup();
    let server = Server::start(&srv, &["--max-message-size", "300"], &[]);
    let url = server.url.as_str();
    let ran = run(&cli, &["flight", "get", url, "a.arrow", "a.arrow"], &[]);
    assert_eq!(ran.code, Some(1));
    assert!(
        ran.stderr.starts_with(&format!(
            "quiver: flight get {url} a.arrow: the server answered OUT_OF_RANGE: Error, \
             encoded message length too large: found "
        )) && ran.stderr.ends_with(" bytes, the limit is: 300 bytes\n"),
        "{}",
        ran.stderr
    );
    assert!(!cli.join("a.arrow").exists());
    write_file(&cli.join("mine.arrow"), &[sample(7)]);
    let ran = run(&cli, &["flight", "put", url, "mine.arrow"], &[]);
    assert_eq!(ran.code, Some(1));
    assert!(
        ran.stderr.starts_with(&format!(
            "quiver: flight put {url} mine.arrow: the server answered OUT_OF_RANGE: Error, \
             decoded message length too large: found "
        )),
        "{}",
        ran.stderr
    );
    assert!(!srv.join("mine.arrow").exists());
    assert!(server.stop(libc::SIGTERM).success());
}

#[test]
fn allow_overwrite_lets_a_put_replace_a_file() {
    let (_root, srv, cli) = setup();
    let server = Server::start(&srv, &["--allow-overwrite"], &[]);
    write_file(&cli.join("mine.arrow"), &[sample(7)]);
    assert_eq!(
        ok(
            &cli,
            &["flight", "put", &server.url, "mine.arrow", "a.arrow"]
        ),
        "stored 1 batches, 4 rows in a.arrow\n"
    );
    same(&read_file(&srv.join("a.arrow")), &[sample(7)]);
    assert!(server.stop(libc::SIGTERM).success());
}

#[test]
fn a_token_from_the_environment_is_required_and_accepted() {
    let (_root, srv, cli) = setup();
    let server = Server::start(&srv, &[], &[("QUIVER_FLIGHT_TOKEN", "s3cret")]);
    let url = server.url.as_str();
    let refused = format!(
        "quiver: flight list {url}: the server answered UNAUTHENTICATED; give the server's \
         token with --token (or in QUIVER_FLIGHT_TOKEN)"
    );
    fails(&cli, &["flight", "list", url], 1, &refused);
    fails(
        &cli,
        &["flight", "list", url, "--token", "wrong"],
        1,
        &refused,
    );
    assert!(ok(&cli, &["flight", "list", url, "--token", "s3cret"]).starts_with("NAME"));
    let ran = run(
        &cli,
        &["flight", "list", url],
        &[("QUIVER_FLIGHT_TOKEN", "s3cret")],
    );
    assert_eq!((ran.code, ran.stderr.as_str()), (Some(0), ""));
    assert!(server.stop(libc::SIGTERM).success());
}

#[test]
fn tls_with_a_trusted_root() {
    let (_root, srv, cli) = setup();
    let tls = Path::new(env!("CARGO_MANIFEST_DIR")).join("../quiver-flight/tests/data/tls");
    let (cert, key, ca) = (
        tls.join("server.pem"),
        tls.join("server.key"),
        tls.join("ca.pem"),
    );
    let server = Server::start(
        &srv,
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
        &[],
    );
    let url = server.url.as_str();
    let listed = ok(
        &cli,
        &["flight", "list", url, "--tls-root", ca.to_str().unwrap()],
    );
    assert!(listed.contains("\na.arrow "), "{listed}");
    assert!(server.stop(libc::SIGTERM).success());
}

/// A file of 100 batches of 20,000 rows (16 MB): more than the transport buffers, so a
/// client that stops reading keeps its call in progress.
fn write_big(path: &Path) {
    let batch = RecordBatch::try_from_columns(
        vec![Array::from((0..20_000i64).collect::<Vec<_>>())],
        &["n"],
    )
    .unwrap();
    let mut w = FileWriter::try_new(Vec::new(), batch.schema()).unwrap();
    (0..100).for_each(|_| w.write(&batch).unwrap());
    std::fs::write(path, w.close().unwrap()).unwrap();
}

/// Opens a DoGet of `name` and reads its first batch; the call stays open.
async fn hold_do_get(url: &str, name: &str) -> quiver_flight::decode::FlightRecordBatchStream {
    use futures::StreamExt;
    let client = quiver_flight::FlightClient::connect(url).await.unwrap();
    let ticket = quiver_flight::proto::Ticket {
        ticket: bytes::Bytes::copy_from_slice(name.as_bytes()),
    };
    let mut batches = client.do_get(ticket).await.unwrap();
    assert_eq!(batches.next().await.unwrap().unwrap().num_rows(), 20_000);
    batches
}

#[test]
fn sigterm_lets_calls_in_progress_finish_and_a_second_one_stops_at_once() {
    use futures::StreamExt;
    let (_root, srv, _cli) = setup();
    write_big(&srv.join("big.arrow"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    let mut server = Server::start(&srv, &[], &[]);
    let mut batches = runtime.block_on(hold_do_get(&server.url, "big.arrow"));
    let pid = i32::try_from(server.child.0.id()).unwrap();
    // SAFETY: kill(2) on our own child, not reaped yet (see `Server::stop`).
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        server.child.0.try_wait().unwrap().is_none(),
        "the server stopped with a call in progress"
    );
    let rest = runtime.block_on(async {
        tokio::time::timeout(LIMIT, batches.by_ref().map(Result::unwrap).count())
            .await
            .unwrap()
    });
    assert_eq!(rest, 99);
    assert!(wait_bounded(&mut server.child.0).success());

    let server = Server::start(&srv, &[], &[]);
    let _held = runtime.block_on(hold_do_get(&server.url, "big.arrow"));
    let pid = i32::try_from(server.child.0.id()).unwrap();
    // SAFETY: as above.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(server.stop(libc::SIGTERM).code(), Some(128 + 15));
}
