//! `quiver flight list|get|put URL ...`: the client commands.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt, stream};
use quiver::ipc::{FileWriter, IpcReadOptions, StreamWriter};
use quiver::{RecordBatch, SchemaRef};
use quiver_flight::FlightError;
use quiver_flight::client::{ClientOptions, FlightClient};
use quiver_flight::decode::{DecodeOptions, schema_from_ipc};
use quiver_flight::proto::flight_descriptor::DescriptorType;
use quiver_flight::proto::{FlightDescriptor, FlightInfo};

use super::{ConnectArgs, GetArgs, ListArgs, PutArgs, describe_client_error, runtime, token};
use crate::cmd::CliError;
use crate::cmd::convert::{describe, is_std, write_error};
use crate::cmd::input::Input;
use crate::cmd::output::{Output, Sink, refuse_terminal};

/// Connects with the token and TLS root of `args`; downloaded batches are checked with
/// `read_options`. `context` names the command in errors.
async fn connect(
    url: &str,
    args: &ConnectArgs,
    read_options: IpcReadOptions,
    context: &str,
) -> Result<FlightClient, CliError> {
    let mut options = ClientOptions::default()
        .with_decode_options(DecodeOptions::default().with_ipc_options(read_options));
    if let Some(token) = token(&args.token) {
        options = options.with_token(token);
    }
    if let Some(root) = &args.tls_root {
        let pem = std::fs::read(root).map_err(|e| {
            CliError::new(format!(
                "{context}: cannot read the TLS root certificate '{}': {e}",
                root.display()
            ))
        })?;
        options = options.with_tls_root(pem);
    }
    FlightClient::connect_with(url, options)
        .await
        .map_err(|e| match e {
            // An unusable URL or token: the command line is wrong.
            FlightError::InvalidArgument(m) => CliError::usage(format!("{context}: {m}")),
            e => failed(context, &e),
        })
}

fn failed(context: &str, e: &FlightError) -> CliError {
    CliError::new(format!("{context}: {}", describe_client_error(e)))
}

/// `PATH [name]`.
fn path_descriptor(name: &str) -> FlightDescriptor {
    FlightDescriptor {
        r#type: DescriptorType::Path as i32,
        cmd: Bytes::new(),
        path: vec![name.to_owned()],
    }
}

/// How a flight is shown: its path joined by `/`, or `cmd:` and its command; control
/// characters from the server are shown as `?`.
fn flight_name(info: &FlightInfo) -> String {
    let name = match &info.flight_descriptor {
        Some(d) if d.r#type == DescriptorType::Path as i32 => d.path.join("/"),
        Some(d) => format!("cmd:{}", String::from_utf8_lossy(&d.cmd)),
        None => "(no descriptor)".to_owned(),
    };
    name.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// A count from `FlightInfo`, where -1 means unknown.
fn count(n: i64) -> String {
    if n < 0 { "?".to_owned() } else { n.to_string() }
}

/// Runs `quiver flight list`.
pub fn list(args: &ListArgs) -> Result<(), CliError> {
    let context = format!("flight list {}", args.url);
    let flights = runtime(1)?.block_on(async {
        let client = connect(
            &args.url,
            &args.connect,
            IpcReadOptions::default(),
            &context,
        )
        .await?;
        let flights: Vec<FlightInfo> = client
            .list_flights(Bytes::new())
            .await
            .map_err(|e| failed(&context, &e))?
            .try_collect()
            .await
            .map_err(|e| failed(&context, &e))?;
        Ok::<_, CliError>(flights)
    })?;
    let mut out = BufWriter::new(io::stdout().lock());
    let rows: Vec<[String; 3]> = flights
        .iter()
        .map(|f| [flight_name(f), count(f.total_records), count(f.total_bytes)])
        .collect();
    if args.json {
        for ([name, ..], f) in rows.iter().zip(&flights) {
            let line = serde_json::json!({
                "name": name,
                "total_records": f.total_records,
                "total_bytes": f.total_bytes,
            });
            writeln!(out, "{line}").map_err(CliError::stdout)?;
        }
    } else {
        let header = ["NAME".to_owned(), "ROWS".to_owned(), "BYTES".to_owned()];
        let width = |i: usize| {
            std::iter::once(&header)
                .chain(&rows)
                .map(|r| unicode_width::UnicodeWidthStr::width(r[i].as_str()))
                .max()
                .unwrap_or(0)
        };
        let (w0, w1, w2) = (width(0), width(1), width(2));
        for [name, records, bytes] in std::iter::once(&header).chain(&rows) {
            let pad = w0 - unicode_width::UnicodeWidthStr::width(name.as_str());
            writeln!(out, "{name}{:pad$}  {records:>w1$}  {bytes:>w2$}", "")
                .map_err(CliError::stdout)?;
        }
    }
    out.flush().map_err(CliError::stdout)
}

/// The writer of `quiver flight get`'s output.
enum Writer {
    File(FileWriter<BufWriter<Sink>>),
    Stream(StreamWriter<BufWriter<Sink>>),
}

impl Writer {
    fn write(&mut self, batch: &RecordBatch) -> quiver::ipc::Result<()> {
        match self {
            Writer::File(w) => w.write(batch),
            Writer::Stream(w) => w.write(batch),
        }
    }

    fn close(self) -> quiver::ipc::Result<BufWriter<Sink>> {
        match self {
            Writer::File(w) => w.close(),
            Writer::Stream(w) => w.close(),
        }
    }
}

/// Runs `quiver flight get`: `GetFlightInfo` for the name, then `DoGet` of each of its
/// endpoints' tickets from the same server, in order, into one output.
pub fn get(args: &GetArgs, read_options: IpcReadOptions) -> Result<(), CliError> {
    let context = format!("flight get {} {}", args.url, args.name);
    let format = if args.stream { "stream" } else { "file" };
    refuse_terminal(&args.output, &format!("an Arrow IPC {format}"))?;
    let out_path = args.output.clone();
    let write_failed =
        move |e: &(dyn std::error::Error + 'static)| write_error(format, &out_path, e);
    runtime(1)?.block_on(async {
        let client = connect(&args.url, &args.connect, read_options, &context).await?;
        let info = client
            .get_flight_info(path_descriptor(&args.name))
            .await
            .map_err(|e| failed(&context, &e))?;
        let (output, sink) = Output::create(&args.output).map_err(|e| write_failed(&e))?;
        let open = |schema: &SchemaRef, sink| {
            if args.stream {
                StreamWriter::try_new(sink, schema).map(Writer::Stream)
            } else {
                FileWriter::try_new(sink, schema).map(Writer::File)
            }
        };
        let mut writer: Option<(SchemaRef, Writer)> = None;
        let mut sink = Some(sink);
        for (i, endpoint) in info.endpoint.iter().enumerate() {
            let Some(ticket) = endpoint.ticket.clone() else {
                return Err(CliError::new(format!(
                    "{context}: the server's endpoint {i} for this flight has no ticket"
                )));
            };
            let mut batches = client
                .do_get(ticket)
                .await
                .map_err(|e| failed(&context, &e))?;
            let schema = batches
                .read_schema()
                .await
                .map_err(|e| failed(&context, &e))?;
            if let Some((first, _)) = &writer {
                if first != &schema {
                    return Err(CliError::new(format!(
                        "{context}: the server's endpoint {i} sends another schema than \
                         endpoint 0, so they cannot go in one output"
                    )));
                }
            } else if let Some(sink) = sink.take() {
                let w = open(&schema, sink).map_err(|e| write_failed(&e))?;
                writer = Some((schema, w));
            }
            while let Some(batch) = batches.try_next().await.map_err(|e| failed(&context, &e))? {
                if let Some((_, w)) = writer.as_mut() {
                    w.write(&batch).map_err(|e| write_failed(&e))?;
                }
            }
        }
        let writer = match (writer, sink) {
            (Some((_, w)), _) => w,
            // No endpoint: an output with the schema of the flight info and no batches.
            (None, Some(sink)) => {
                let schema = schema_from_ipc(&info.schema).map_err(|e| failed(&context, &e))?;
                open(&schema, sink).map_err(|e| write_failed(&e))?
            }
            // The sink is only taken to make the writer.
            (None, None) => return Err(CliError::new(format!("{context}: no output was opened"))),
        };
        let sink = writer.close().map_err(|e| write_failed(&e))?;
        output.commit(sink).map_err(|e| write_failed(&e))
    })
}

/// Runs `quiver flight put`: reads INPUT (file or stream, told by its bytes) on a thread
/// of its own and uploads its batches as they are read.
pub fn put(args: &PutArgs, options: IpcReadOptions) -> Result<(), CliError> {
    let name = match &args.name {
        Some(name) => name.clone(),
        None if is_std(&args.input) => {
            return Err(CliError::usage(format!(
                "flight put {} -: give the NAME to store standard input under",
                args.url
            )));
        }
        None => args
            .input
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_owned)
            .ok_or_else(|| {
                CliError::usage(format!(
                    "flight put {} {}: the input has no file name to store it under; give NAME",
                    args.url,
                    args.input.display()
                ))
            })?,
    };
    let context = format!("flight put {} {name}", args.url);
    let read_failure: Arc<Mutex<Option<String>>> = Arc::default();
    let (schema, batches) = read_on_thread(args.input.clone(), options, Arc::clone(&read_failure))?;
    let answers = runtime(1)?.block_on(async {
        let client = connect(
            &args.url,
            &args.connect,
            IpcReadOptions::default(),
            &context,
        )
        .await?;
        let answers: Result<Vec<Bytes>, FlightError> = async {
            client
                .do_put(path_descriptor(&name), schema, batches)
                .await?
                .map(|r| r.map(|answer| answer.app_metadata))
                .try_collect()
                .await
        }
        .await;
        answers.map_err(|e| {
            // A failed read of the input is what to report, not the cancelled upload.
            match read_failure
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take()
            {
                Some(read) => CliError::new(read),
                None => failed(&context, &e),
            }
        })
    })?;
    let mut out = io::stdout().lock();
    for answer in answers.iter().filter(|a| !a.is_empty()) {
        writeln!(out, "{}", String::from_utf8_lossy(answer).trim_end())
            .map_err(CliError::stdout)?;
    }
    out.flush().map_err(CliError::stdout)
}

type BatchResult = Result<RecordBatch, FlightError>;

/// Opens `path` and reads its batches on a thread, sending them through a small
/// channel. A read error is put in `failure` (worded for the user) and ends the stream
/// with an error, which cancels the upload.
fn read_on_thread(
    path: PathBuf,
    options: IpcReadOptions,
    failure: Arc<Mutex<Option<String>>>,
) -> Result<(SchemaRef, futures::stream::BoxStream<'static, BatchResult>), CliError> {
    let (opened_tx, opened_rx) = std::sync::mpsc::channel::<Result<SchemaRef, CliError>>();
    let (tx, rx) = tokio::sync::mpsc::channel::<BatchResult>(2);
    std::thread::spawn(move || {
        let mut input = match Input::open(&path, options) {
            Ok(input) => input,
            Err(e) => {
                let _ = opened_tx.send(Err(e));
                return;
            }
        };
        let _ = opened_tx.send(Ok(input.schema().clone()));
        loop {
            let item = match input.next_batch() {
                Ok(Some(batch)) => Ok(batch),
                Ok(None) => return,
                Err(e) => {
                    let what = describe(&path, "standard input");
                    *failure.lock().unwrap_or_else(PoisonError::into_inner) =
                        Some(format!("cannot read {what}: {e}"));
                    Err(FlightError::protocol(format!("cannot read {what}")))
                }
            };
            let stop = item.is_err();
            if tx.blocking_send(item).is_err() || stop {
                return;
            }
        }
    });
    let schema = opened_rx
        .recv()
        .map_err(|_| CliError::new("the thread reading the input stopped unexpectedly"))??;
    let batches = stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    })
    .boxed();
    Ok((schema, batches))
}
