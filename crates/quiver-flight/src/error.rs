//! [`FlightError`]: what can go wrong on either side of a Flight call.

use quiver_ipc::IpcError;
use tonic::{Code, Status};

/// The result type of this crate.
pub type Result<T, E = FlightError> = std::result::Result<T, E>;

/// An error from a Flight client or server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FlightError {
    /// The peer answered with a gRPC status (or the transport failed mid-call).
    #[error("the Flight peer answered {}: {}", code_name(.0.code()), .0.message())]
    Status(Status),
    /// An Arrow IPC message in the stream was malformed, failed validation, or a batch
    /// did not fit its schema.
    #[error("Arrow IPC in a Flight stream: {0}")]
    Ipc(#[from] IpcError),
    /// The stream broke Flight's rules (no schema first, a batch after the end, a
    /// descriptor missing where one is required, ...).
    #[error("Flight protocol: {0}")]
    Protocol(String),
    /// A configured limit was reached (message size, batches per stream).
    #[error("Flight limit: {0}")]
    Limit(String),
    /// A bad argument from the caller (an unparsable URL, a missing certificate).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// Connecting or serving failed.
    #[error("Flight transport: {0}")]
    Transport(#[from] tonic::transport::Error),
    /// Local I/O failed (reading or writing a file, binding a socket).
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
}

impl FlightError {
    /// A protocol error.
    pub fn protocol(detail: impl Into<String>) -> Self {
        FlightError::Protocol(detail.into())
    }

    /// The gRPC status to answer this error with, on a server: the peer's own status
    /// unchanged, malformed input as `INVALID_ARGUMENT`, a limit as
    /// `RESOURCE_EXHAUSTED`, local failures as `INTERNAL`.
    pub fn into_status(self) -> Status {
        match self {
            FlightError::Status(status) => status,
            FlightError::Ipc(e) => Status::invalid_argument(e.to_string()),
            FlightError::Protocol(m) => Status::invalid_argument(format!("Flight protocol: {m}")),
            FlightError::InvalidArgument(m) => Status::invalid_argument(m),
            FlightError::Limit(m) => Status::resource_exhausted(m),
            FlightError::Transport(e) => Status::unavailable(e.to_string()),
            FlightError::Io(e) => Status::internal(e.to_string()),
        }
    }

    /// The gRPC status code this error carries or would be answered with.
    pub fn code(&self) -> Code {
        match self {
            FlightError::Status(s) => s.code(),
            FlightError::Ipc(_) | FlightError::Protocol(_) | FlightError::InvalidArgument(_) => {
                Code::InvalidArgument
            }
            FlightError::Limit(_) => Code::ResourceExhausted,
            FlightError::Transport(_) => Code::Unavailable,
            FlightError::Io(_) => Code::Internal,
        }
    }
}

impl From<Status> for FlightError {
    fn from(status: Status) -> Self {
        FlightError::Status(status)
    }
}

impl From<FlightError> for Status {
    fn from(e: FlightError) -> Self {
        e.into_status()
    }
}

/// The status code's name as gRPC spells it (`UNAUTHENTICATED`), which people search for.
pub(crate) fn code_name(code: Code) -> &'static str {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_reads_with_its_grpc_name() {
        let e = FlightError::from(Status::not_found("no flight named x.arrow"));
        assert_eq!(
            e.to_string(),
            "the Flight peer answered NOT_FOUND: no flight named x.arrow"
        );
        assert_eq!(e.code(), Code::NotFound);
    }

    #[test]
    fn errors_become_the_status_a_server_answers() {
        let s =
            FlightError::Limit("a message of 9 bytes is over the limit of 8".into()).into_status();
        assert_eq!(s.code(), Code::ResourceExhausted);
        assert_eq!(s.message(), "a message of 9 bytes is over the limit of 8");
        let s = FlightError::protocol("no schema first").into_status();
        assert_eq!(s.code(), Code::InvalidArgument);
        assert_eq!(s.message(), "Flight protocol: no schema first");
    }
}
