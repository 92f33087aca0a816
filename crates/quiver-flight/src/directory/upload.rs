//! `DoPut`: the upload is written as an IPC file to a hidden temporary file in the
//! directory, synced, and only then moved under its name. A [`TempFile`] guard removes
//! the temporary file on every other way out (a bad batch, a client gone, a failed
//! write), so neither a partial file nor a temporary one is left behind.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use futures::StreamExt;
use quiver_array::{RecordBatch, SchemaRef};
use quiver_ipc::FileWriter;
use tokio::sync::{mpsc, oneshot};
use tonic::Status;

use super::Inner;
use crate::decode::FlightRecordBatchStream;
use crate::error::FlightError;

/// The prefix of temporary upload files (hidden, so never listed nor accepted as names).
const TEMP_PREFIX: &str = ".quiver-upload-";

/// Makes temporary names unique within the process (the pid separates processes).
static NEXT_TEMP: AtomicU64 = AtomicU64::new(0);

/// What the receiving side hands the writing thread.
enum Message {
    Batch(RecordBatch),
    /// The upload ended normally: commit it.
    Finish,
}

/// Stores the upload `batches` as `dir/name` (a checked name); answers the `PutResult`
/// text.
pub(super) async fn store(
    inner: Arc<Inner>,
    name: String,
    mut batches: FlightRecordBatchStream,
) -> Result<Bytes, Status> {
    let final_path = inner.dir.join(&name);
    if !inner.allow_overwrite {
        refuse_existing(&final_path, &name)?;
    }
    let schema = batches
        .schema()
        .cloned()
        .ok_or_else(|| Status::internal("the upload's schema was not read before DoPut"))?;
    // A few batches in flight between the network and the disk.
    let (sender, receiver) = mpsc::channel::<Message>(4);
    let (commit, committed) = oneshot::channel::<()>();
    let mut commit = Some(commit);
    let writer =
        tokio::task::spawn_blocking(move || write(&inner, &name, &schema, receiver, committed));
    let received = loop {
        match batches.next().await {
            Some(Ok(batch)) => {
                if sender.send(Message::Batch(batch)).await.is_err() {
                    // The writer stopped on an error, which it answers below.
                    break Ok(());
                }
            }
            Some(Err(e)) => break Err(e),
            None => {
                // If the writer already stopped on an error, that error is answered.
                let _ = sender.send(Message::Finish).await;
                // A client that cancels its call ends the body just as a finished upload
                // does (hyper reads RST_STREAM CANCEL as the end of the body), but the
                // server then drops the call at its next pause, and with it `commit`.
                // Pausing once before the go-ahead means a cancelled upload is never
                // stored.
                tokio::task::yield_now().await;
                if let Some(commit) = commit.take() {
                    let _ = commit.send(());
                }
                break Ok(());
            }
        }
    };
    // Closing the channel without `Finish` makes the writer drop its temporary file;
    // waiting for it means the file is gone by the time the error is answered.
    drop(sender);
    let written = writer
        .await
        .map_err(|e| Status::internal(format!("the upload's writing task failed: {e}")));
    received.map_err(FlightError::into_status)?;
    written?
}

/// `ALREADY_EXISTS` when something is at `path` already.
fn refuse_existing(path: &Path, name: &str) -> Result<(), Status> {
    match fs::symlink_metadata(path) {
        Ok(_) => Err(already_exists(name)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Status::internal(format!(
            "cannot check whether {name:?} exists on the server: {e}"
        ))),
    }
}

fn already_exists(name: &str) -> Status {
    Status::already_exists(format!(
        "a file named {name:?} already exists on the server, and this server does not \
         overwrite files; upload under another name"
    ))
}

/// The writing thread: batches from `receiver` into a temporary file, moved to
/// `dir/name` after `Finish` once `commit` gives the go-ahead.
fn write(
    inner: &Inner,
    name: &str,
    schema: &SchemaRef,
    mut receiver: mpsc::Receiver<Message>,
    commit: oneshot::Receiver<()>,
) -> Result<Bytes, Status> {
    let failed = |e: &dyn std::fmt::Display| {
        Status::internal(format!("cannot store {name:?} on the server: {e}"))
    };
    let temp = TempFile::create(&inner.dir).map_err(|e| failed(&e))?;
    let file = temp.file.try_clone().map_err(|e| failed(&e))?;
    let mut writer = FileWriter::try_new(BufWriter::new(file), schema).map_err(|e| failed(&e))?;
    let (mut batches, mut rows) = (0u64, 0u64);
    loop {
        match receiver.blocking_recv() {
            Some(Message::Batch(batch)) => {
                writer.write(&batch).map_err(|e| {
                    Status::invalid_argument(format!(
                        "cannot store batch {batches} of the upload as {name:?}: {e}"
                    ))
                })?;
                batches = batches.saturating_add(1);
                rows = rows.saturating_add(batch.num_rows() as u64);
            }
            Some(Message::Finish) => break,
            None => return Err(Status::cancelled("the upload ended before it was complete")),
        }
    }
    let buffered = writer.close().map_err(|e| failed(&e))?;
    buffered
        .into_inner()
        .map_err(|e| failed(e.error()))?
        .sync_all()
        .map_err(|e| failed(&e))?;
    if commit.blocking_recv().is_err() {
        return Err(Status::cancelled(
            "the upload was cancelled before it was stored",
        ));
    }
    temp.persist(&inner.dir.join(name), inner.allow_overwrite)
        .map_err(|e| match e.kind() {
            io::ErrorKind::AlreadyExists => already_exists(name),
            _ => failed(&e),
        })?;
    // Make the new directory entry durable too (best effort: not every platform can
    // sync a directory).
    if let Ok(dir) = File::open(&inner.dir) {
        let _ = dir.sync_all();
    }
    Ok(Bytes::from(format!(
        "stored {batches} batches, {rows} rows in {name}"
    )))
}

/// A hidden temporary file in the served directory, removed when dropped unless it was
/// moved into place.
struct TempFile {
    path: Option<PathBuf>,
    file: File,
}

impl TempFile {
    fn create(dir: &Path) -> io::Result<Self> {
        let pid = std::process::id();
        let mut attempts = 0u32;
        loop {
            attempts = attempts.saturating_add(1);
            let n = NEXT_TEMP.fetch_add(1, Ordering::Relaxed);
            let path = dir.join(format!("{TEMP_PREFIX}{pid}-{n}"));
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(file) => {
                    return Ok(Self {
                        path: Some(path),
                        file,
                    });
                }
                // Left over by an earlier process with the same pid: try the next name.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempts < 100 => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Moves the file to `target`: by `rename` when `overwrite` (replacing any file
    /// there), else by a hard link, which fails with `AlreadyExists` if `target` exists
    /// (no check-then-act race), the temporary name then removed on drop.
    fn persist(mut self, target: &Path, overwrite: bool) -> io::Result<()> {
        let Some(path) = self.path.take() else {
            return Ok(());
        };
        let moved = if overwrite {
            fs::rename(&path, target)
        } else {
            fs::hard_link(&path, target)
        };
        if moved.is_err() || !overwrite {
            // Still ours (a failed move, or the temporary name beside the new link):
            // dropping `self` removes it.
            self.path = Some(path);
        }
        moved
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            // Best effort: the upload failed and answers its own error.
            let _ = fs::remove_file(path);
        }
    }
}
