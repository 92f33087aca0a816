//! A cancelled upload is not a complete one. tonic's server reads a request body that
//! the client reset with `RST_STREAM(CANCEL)` (what a tonic client sends when it drops a
//! call) as the body's clean end, so a `DoPut` handler would see its batch stream end
//! normally and take a cut-short upload for a whole one. [`CancelIsError`] wraps the
//! service so that any error of the request body reaches the handler as an error item
//! of its stream instead.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use tonic::body::Body;
use tonic::codegen::Service;
use tonic::codegen::http::Request;
use tonic::server::NamedService;

/// The wrapped service, its request bodies [`BrokenOff`]: a body that breaks off (a
/// client's `RST_STREAM(CANCEL)`, a lost connection) is an error of the upload stream.
#[derive(Debug, Clone)]
pub(super) struct CancelIsError<S>(pub(super) S);

impl<S: NamedService> NamedService for CancelIsError<S> {
    const NAME: &'static str = S::NAME;
}

impl<S> Service<Request<Body>> for CancelIsError<S>
where
    S: Service<Request<Body>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> S::Future {
        self.0.call(request.map(|body| Body::new(BrokenOff(body))))
    }
}

/// A request body whose errors carry no transport source, so tonic does not read a
/// cancellation as the end of the stream.
struct BrokenOff(Body);

/// The request stream of a call broke off before its end.
#[derive(Debug)]
struct UploadBrokenOff(String);

impl std::fmt::Display for UploadBrokenOff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the client's request stream broke off before its end ({}): the client cancelled \
             the call or lost its connection, so what it sent is incomplete",
            self.0
        )
    }
}

impl std::error::Error for UploadBrokenOff {}

impl http_body::Body for BrokenOff {
    type Data = Bytes;
    type Error = UploadBrokenOff;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, UploadBrokenOff>>> {
        Pin::new(&mut self.get_mut().0)
            .poll_frame(cx)
            .map_err(|e| UploadBrokenOff(e.message().to_owned()))
    }

    fn is_end_stream(&self) -> bool {
        self.0.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.0.size_hint()
    }
}
