//! Uploads (`DoPut`, `DoExchange`) whose input can fail on the client's side.
//!
//! gRPC's request stream carries messages, not errors: if the batches to upload fail
//! (an error item, a batch that does not fit the schema), simply ending the request
//! stream would tell the server the upload is complete, and it might keep a partial
//! upload. Dropping the call is no better: hyper resets the HTTP/2 stream with
//! `CANCEL`, and a tonic server reads a cancelled request stream as a complete one.
//!
//! So an upload's items are `Result`s and [`UploadCodec`] turns an error item into an
//! encoding error: hyper then resets the stream with `INTERNAL_ERROR`, which every
//! server reads as a broken upload. The error itself goes to the caller through
//! [`UploadFailure`].

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::channel::oneshot;
use futures::future::{Fuse, FutureExt};
use futures::stream::{Stream, StreamExt};
use tonic::Status;
use tonic::codec::{BufferSettings, Codec, EncodeBuf, Encoder};
use tonic_prost::{ProstCodec, ProstDecoder, ProstEncoder};

use crate::data::FlightData;
use crate::encode::FlightDataEncoder;
use crate::error::{FlightError, Result};

/// The request stream of an upload: the encoder's messages until it ends, or an error
/// item (for [`UploadCodec`] to refuse) when it fails.
pub(super) struct Upload {
    encoder: FlightDataEncoder,
    failure: Option<oneshot::Sender<FlightError>>,
    done: bool,
}

/// The receiving end of an [`Upload`]'s error.
pub(super) struct UploadFailure(Fuse<oneshot::Receiver<FlightError>>);

impl Upload {
    pub(super) fn new(encoder: FlightDataEncoder) -> (Self, UploadFailure) {
        let (tx, rx) = oneshot::channel();
        let upload = Self {
            encoder,
            failure: Some(tx),
            done: false,
        };
        (upload, UploadFailure(rx.fuse()))
    }
}

impl Stream for Upload {
    type Item = std::result::Result<FlightData, Status>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        match this.encoder.poll_next_unpin(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Ok(data))) => Poll::Ready(Some(Ok(data))),
            Poll::Ready(Some(Err(e))) => {
                this.done = true;
                if let Some(tx) = this.failure.take() {
                    // The receiver may be gone (the call already ended); nothing to tell.
                    let _ = tx.send(e);
                }
                // Only the stream reset this causes reaches the server, not this status.
                Poll::Ready(Some(Err(Status::aborted(
                    "the upload failed on the client",
                ))))
            }
            Poll::Ready(None) => {
                this.done = true;
                // Dropping the sender tells the receiver there will be no error.
                this.failure = None;
                Poll::Ready(None)
            }
        }
    }
}

/// The codec of an upload call: [`Upload`]'s items out (an error item fails the
/// encoding, which resets the stream), `U` in.
pub(super) struct UploadCodec<U>(PhantomData<fn() -> U>);

impl<U> Default for UploadCodec<U> {
    fn default() -> Self {
        Self(PhantomData)
    }
}

impl<U: prost::Message + Default + Send + 'static> Codec for UploadCodec<U> {
    type Encode = std::result::Result<FlightData, Status>;
    type Decode = U;
    type Encoder = UploadEncoder;
    type Decoder = ProstDecoder<U>;

    fn encoder(&mut self) -> UploadEncoder {
        UploadEncoder(ProstCodec::<FlightData, U>::new().encoder())
    }

    fn decoder(&mut self) -> ProstDecoder<U> {
        ProstCodec::<FlightData, U>::new().decoder()
    }
}

/// See [`UploadCodec`].
pub(super) struct UploadEncoder(ProstEncoder<FlightData>);

impl Encoder for UploadEncoder {
    type Item = std::result::Result<FlightData, Status>;
    type Error = Status;

    fn encode(&mut self, item: Self::Item, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        self.0.encode(item?, dst)
    }

    fn buffer_settings(&self) -> BufferSettings {
        self.0.buffer_settings()
    }
}

impl UploadFailure {
    /// Waits for `call`, unless the upload fails first: then the local error wins and
    /// the call is dropped (cancelled).
    pub(super) async fn race<T>(
        &mut self,
        call: impl Future<Output = std::result::Result<T, Status>>,
    ) -> Result<T> {
        tokio::select! {
            biased;
            Ok(e) = &mut self.0 => Err(e),
            answer = call => answer.map_err(FlightError::from),
        }
    }

    /// The server's answers, ended by the upload's error if it fails: the error is the
    /// last item, and dropping the answers cancels the call.
    pub(super) fn watch<S, T>(self, answers: S) -> Watched<S>
    where
        S: Stream<Item = std::result::Result<T, Status>> + Unpin,
    {
        Watched {
            failure: Some(self.0),
            answers: Some(answers),
        }
    }
}

/// See [`UploadFailure::watch`].
pub(super) struct Watched<S> {
    failure: Option<Fuse<oneshot::Receiver<FlightError>>>,
    answers: Option<S>,
}

impl<S, T> Stream for Watched<S>
where
    S: Stream<Item = std::result::Result<T, Status>> + Unpin,
{
    type Item = Result<T>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<T>>> {
        let this = self.get_mut();
        if let Some(failure) = this.failure.as_mut() {
            match failure.poll_unpin(cx) {
                Poll::Ready(Ok(e)) => {
                    this.failure = None;
                    this.answers = None;
                    return Poll::Ready(Some(Err(e)));
                }
                Poll::Ready(Err(oneshot::Canceled)) => this.failure = None,
                Poll::Pending => {}
            }
        }
        let Some(answers) = this.answers.as_mut() else {
            return Poll::Ready(None);
        };
        match answers.poll_next_unpin(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(item)) => Poll::Ready(Some(item.map_err(FlightError::from))),
            Poll::Ready(None) => {
                this.answers = None;
                this.failure = None;
                Poll::Ready(None)
            }
        }
    }
}
