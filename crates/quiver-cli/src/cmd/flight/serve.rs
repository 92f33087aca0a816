//! `quiver flight serve DIR`: a Flight server over a directory of Arrow files.

use std::io::{self, Write};

use quiver::ipc::IpcReadOptions;
use quiver_flight::FlightError;
use quiver_flight::decode::DecodeOptions;
use quiver_flight::directory::DirectoryHandler;
use quiver_flight::server::{FlightServer, ServerOptions};

use super::{ServeArgs, runtime, token};
use crate::cmd::CliError;

/// The details of `quiver flight serve --help`.
pub const SERVE_HELP: &str = "\
Every Arrow IPC file or stream in DIR is a flight named by its file name (descriptor \
PATH [name], ticket the name); other files and hidden ones are left out. DoGet streams a \
file from a memory map; DoPut stores an upload as an Arrow IPC file DIR/NAME, atomically \
(a hidden temporary file moved into place), refusing names that are not plain file names \
and, without --allow-overwrite, names that exist.

The first line on standard output is 'listening on grpc://HOST:PORT' ('grpc+tls://' with \
TLS). SIGINT or SIGTERM stops the server once the calls under way have finished (exit \
status 0); a second signal stops it at once.

The token can be given in the environment variable QUIVER_FLIGHT_TOKEN instead of \
--token, where the process list does not show it.

Examples:
  quiver flight serve data/
  QUIVER_FLIGHT_TOKEN=s3cret quiver flight serve data/ --port 8815
  quiver flight serve data/ --host 0.0.0.0 --tls-cert cert.pem --tls-key key.pem";

/// Runs `quiver flight serve`; the served files are read with `read_options`.
pub fn serve(args: &ServeArgs, read_options: IpcReadOptions) -> Result<(), CliError> {
    let failed = |detail: String| CliError::new(format!("flight serve: {detail}"));
    let handler = DirectoryHandler::new(&args.dir)
        .map_err(|e| failed(without_kind(e)))?
        .with_allow_overwrite(args.allow_overwrite)
        .with_read_options(read_options.clone());
    // Uploads are checked as the served files are.
    let mut options = ServerOptions::default()
        .with_decode_options(DecodeOptions::default().with_ipc_options(read_options));
    if let Some(token) = token(&args.token) {
        options = options.with_token(token);
    }
    if let Some(bytes) = args.max_message_size {
        options = options.with_max_message_size(bytes);
    }
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => {
            let read = |what: &str, path: &std::path::Path| {
                std::fs::read(path).map_err(|e| {
                    failed(format!(
                        "cannot read the TLS {what} '{}': {e}",
                        path.display()
                    ))
                })
            };
            options = options.with_tls(read("certificate", cert)?, read("key", key)?);
            true
        }
        // clap requires both or neither.
        _ => false,
    };
    let address = if args.host.contains(':') && !args.host.starts_with('[') {
        format!("[{}]:{}", args.host, args.port)
    } else {
        format!("{}:{}", args.host, args.port)
    };
    runtime(2)?.block_on(async {
        let server = FlightServer::bind(&address, handler, options)
            .await
            .map_err(|e| failed(without_kind(e)))?;
        let scheme = if tls { "grpc+tls" } else { "grpc" };
        let mut out = io::stdout().lock();
        writeln!(out, "listening on {scheme}://{}", server.local_addr())
            .and_then(|()| out.flush())
            .map_err(CliError::stdout)?;
        drop(out);
        let stop = shutdown_signal().map_err(|e| failed(format!("cannot watch signals: {e}")))?;
        server
            .serve_until(stop)
            .await
            .map_err(|e| failed(without_kind(e)))
    })
}

/// `e`'s message without the kind prefix the library adds (`I/O: `, `invalid argument: `),
/// which says nothing to a user of the command.
fn without_kind(e: FlightError) -> String {
    match e {
        FlightError::InvalidArgument(m) => m,
        FlightError::Io(io) => io.to_string(),
        other => other.to_string(),
    }
}

/// Completes on the first SIGINT or SIGTERM; a second one ends the process at once with
/// `128 + signal`, without waiting for the calls under way.
#[cfg(unix)]
fn shutdown_signal() -> io::Result<impl std::future::Future<Output = ()> + Send> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
        }
        tokio::spawn(async move {
            let code = tokio::select! {
                _ = terminate.recv() => 128 + 15,
                _ = interrupt.recv() => 128 + 2,
            };
            std::process::exit(code);
        });
    })
}

/// Completes on the first Ctrl-C.
#[cfg(not(unix))]
fn shutdown_signal() -> io::Result<impl std::future::Future<Output = ()> + Send> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}
