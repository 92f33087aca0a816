//! `quiver flight serve|list|get|put`: Arrow Flight on the command line.
//!
//! - [`serve`](serve::serve) runs a Flight server over a directory of Arrow files
//!   (`quiver_flight::directory::DirectoryHandler`). Its first line on standard output is
//!   `listening on grpc://HOST:PORT` (`grpc+tls://` with TLS), so a script can learn the
//!   port chosen with `--port 0`; it stops on SIGINT or SIGTERM once the calls under way
//!   have finished (a second signal stops it at once).
//! - [`list`](client::list), [`get`](client::get) and [`put`](client::put) are clients of
//!   any Flight server.
//!
//! The token (`--token`) may come from the environment variable `QUIVER_FLIGHT_TOKEN`
//! instead, so that it does not show in the process list. Errors follow the CLI's rules:
//! one `quiver: ` line naming the command, the URL and the flight; a refused connection
//! suggests checking the URL and the server, `UNAUTHENTICATED` suggests `--token`.

mod client;
mod serve;

use std::path::PathBuf;

use clap::{Args, Subcommand};
use quiver_flight::FlightError;
use tonic::Code;

use super::CliError;

pub use client::{get, list, put};
pub use serve::serve;

/// The environment variable a token is read from when `--token` is not given.
pub const TOKEN_ENV: &str = "QUIVER_FLIGHT_TOKEN";

/// Examples for `quiver flight --help`.
pub const FLIGHT_EXAMPLES: &str = "\
Examples:
  quiver flight serve data/                        serve data/*.arrow on 127.0.0.1, a free port
  quiver flight serve data/ --port 8815 --allow-overwrite
  quiver flight list grpc://127.0.0.1:8815          name, rows and bytes of every flight
  quiver flight get grpc://127.0.0.1:8815 trips.arrow trips.arrow
  quiver flight put grpc://127.0.0.1:8815 local.arrows uploaded.arrow

The token of --token can be given in the environment variable QUIVER_FLIGHT_TOKEN \
instead, where the process list does not show it.";

/// The details of `quiver flight get --help`.
const GET_HELP: &str = "\
The flight is looked up with GetFlightInfo (descriptor PATH [NAME]); the tickets of its \
endpoints are then fetched in order from the same server (endpoint locations are not \
followed) and written as one output, which appears only once it is complete.

Examples:
  quiver flight get grpc://127.0.0.1:8815 trips.arrow trips.arrow
  quiver flight get grpc://127.0.0.1:8815 trips.arrow - --stream | quiver head -";

/// The `quiver flight` subcommands.
#[derive(Debug, Subcommand)]
pub enum FlightCommand {
    /// Serve the Arrow IPC files and streams of a directory over Arrow Flight.
    #[command(after_help = serve::SERVE_HELP)]
    Serve(ServeArgs),
    /// List the flights of a Flight server: name, rows and bytes.
    List(ListArgs),
    /// Download a flight into an Arrow IPC file (or stream).
    #[command(after_help = GET_HELP)]
    Get(GetArgs),
    /// Upload an Arrow IPC file or stream to a Flight server.
    Put(PutArgs),
}

/// `quiver flight serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The directory whose Arrow files to serve (and where uploads are stored).
    pub dir: PathBuf,
    /// The address to listen on. Keep 127.0.0.1 unless other machines must reach the
    /// server (then use a token and TLS).
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// The port to listen on; 0 picks a free one (printed on the first line).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Require this bearer token on every call (default: the environment variable
    /// QUIVER_FLIGHT_TOKEN, if set).
    #[arg(long)]
    pub token: Option<String>,
    /// Serve TLS with this certificate chain (PEM); needs --tls-key.
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert.
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Let an upload replace an existing file (refused with ALREADY_EXISTS otherwise).
    #[arg(long)]
    pub allow_overwrite: bool,
    /// The largest gRPC message accepted or sent, in bytes (default 64 MiB).
    #[arg(long, value_name = "BYTES")]
    pub max_message_size: Option<usize>,
}

/// How a client reaches the server: token and TLS root.
#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// The bearer token to send (default: the environment variable QUIVER_FLIGHT_TOKEN,
    /// if set).
    #[arg(long)]
    pub token: Option<String>,
    /// Trust this CA certificate (PEM) for a grpc+tls:// server.
    #[arg(long, value_name = "PEM")]
    pub tls_root: Option<PathBuf>,
}

/// `quiver flight list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// The server: grpc://HOST:PORT or grpc+tls://HOST:PORT.
    pub url: String,
    /// One JSON object per line instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// `quiver flight get`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// The server: grpc://HOST:PORT or grpc+tls://HOST:PORT.
    pub url: String,
    /// The flight to download: its path, as `quiver flight list` shows it.
    pub name: String,
    /// Where to write it ('-' for standard output, refused when it is a terminal).
    pub output: PathBuf,
    /// Write the Arrow IPC stream format instead of the file format.
    #[arg(long)]
    pub stream: bool,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// `quiver flight put`.
#[derive(Debug, Args)]
pub struct PutArgs {
    /// The server: grpc://HOST:PORT or grpc+tls://HOST:PORT.
    pub url: String,
    /// The Arrow IPC file or stream to upload ('-' for standard input).
    pub input: PathBuf,
    /// The name to store it under (default: the file name of INPUT).
    pub name: Option<String>,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// The token given, or the one in [`TOKEN_ENV`] (an empty value counts as none).
fn token(given: &Option<String>) -> Option<String> {
    given
        .clone()
        .or_else(|| std::env::var(TOKEN_ENV).ok())
        .filter(|t| !t.is_empty())
}

/// A runtime for one command.
fn runtime(threads: usize) -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .map_err(|e| CliError::new(format!("cannot start the async runtime: {e}")))
}

/// The gRPC name of a status code (`NOT_FOUND`), which people search for.
fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

/// What to tell the user about `e`, from a client command: the server's answer with its
/// code, and what to do for the usual mistakes (no server there, a missing token).
fn describe_client_error(e: &FlightError) -> String {
    const CHECK_SERVER: &str = "check the URL, and that the server is running";
    match e {
        FlightError::Status(status) => {
            let message = status.message();
            let code = code_name(status.code());
            let mut text = if message.is_empty() {
                format!("the server answered {code}")
            } else {
                format!("the server answered {code}: {message}")
            };
            match status.code() {
                Code::Unauthenticated => text.push_str(&format!(
                    "; give the server's token with --token (or in {TOKEN_ENV})"
                )),
                Code::Unavailable => text.push_str(&format!("; {CHECK_SERVER}")),
                _ => {}
            }
            text
        }
        FlightError::Io(io) => format!("{io}; {CHECK_SERVER}"),
        FlightError::Transport(t) => format!("{t}; {CHECK_SERVER}"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic::Status;

    #[test]
    fn client_errors_say_what_to_do() {
        let e = FlightError::Status(Status::unauthenticated(""));
        assert_eq!(
            describe_client_error(&e),
            "the server answered UNAUTHENTICATED; give the server's token with --token (or in \
             QUIVER_FLIGHT_TOKEN)"
        );
        let e = FlightError::Status(Status::not_found("no flight named \"x\""));
        assert_eq!(
            describe_client_error(&e),
            "the server answered NOT_FOUND: no flight named \"x\""
        );
    }
}
