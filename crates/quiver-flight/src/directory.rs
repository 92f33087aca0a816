//! [`DirectoryHandler`]: a [`FlightHandler`] that serves the Arrow files of one directory
//! (what `quiver flight serve DIR` runs).
//!
//! - Every Arrow IPC file or stream in the directory is a flight, named by its file name:
//!   the descriptor is `PATH [name]` and the ticket of its one endpoint is the name. The
//!   format is told from the bytes (a file starts with `ARROW1`), not from the name;
//!   files that are not Arrow data, and hidden files (names starting with `.`), are left
//!   out.
//! - `DoGet` streams a file's batches from a memory map, one batch at a time, without
//!   copying the column data.
//! - `DoPut` with `PATH [name]` stores the upload as an Arrow IPC file `DIR/name`,
//!   atomically: it is written to a hidden temporary file in the directory, synced, then
//!   moved into place, so no partial file is ever visible under `name`. An existing name
//!   is refused with `ALREADY_EXISTS` unless overwriting is allowed.
//!
//! Names are plain file names: one path element, not empty, without `/`, `\` or NUL,
//! not `.` or `..` and not starting with `.`. Anything else is refused with
//! `INVALID_ARGUMENT`, for tickets as well as descriptors, so no call reaches outside
//! the directory.
//!
//! Files are memory-mapped while they are read, so they must not be modified in place
//! while the server runs (replacing them by a rename, as uploads do, is fine).
//!
//! ```no_run
//! use quiver_flight::directory::DirectoryHandler;
//! use quiver_flight::server::{FlightServer, ServerOptions};
//!
//! # #[tokio::main] async fn main() -> quiver_flight::Result<()> {
//! let handler = DirectoryHandler::new("data")?.with_allow_overwrite(false);
//! let server = FlightServer::bind("127.0.0.1:0", handler, ServerOptions::default()).await?;
//! println!("listening on grpc://{}", server.local_addr());
//! server.serve_until(async { let _ = tokio::signal::ctrl_c().await; }).await?;
//! # Ok(()) }
//! ```

mod read;
mod upload;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use quiver_array::SchemaRef;
use quiver_ipc::IpcReadOptions;
use tonic::Status;

use crate::decode::FlightRecordBatchStream;
use crate::encode::schema_to_ipc;
use crate::error::{FlightError, Result};
use crate::proto::flight_descriptor::DescriptorType;
use crate::proto::{FlightDescriptor, FlightEndpoint, FlightInfo, Ticket};
use crate::server::{BatchStream, FlightHandler};

/// Serves the Arrow IPC files and streams of a directory; see the
/// [module documentation](self).
///
/// ```
/// use quiver_flight::directory::DirectoryHandler;
///
/// let dir = tempfile::tempdir().unwrap();
/// let handler = DirectoryHandler::new(dir.path()).unwrap().with_allow_overwrite(true);
/// assert_eq!(handler.dir(), dir.path());
/// assert!(handler.allow_overwrite());
///
/// let err = DirectoryHandler::new(dir.path().join("missing")).unwrap_err();
/// assert!(err.to_string().contains("is not a directory"));
/// ```
#[derive(Debug, Clone)]
pub struct DirectoryHandler {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    dir: PathBuf,
    allow_overwrite: bool,
    read_options: IpcReadOptions,
}

impl DirectoryHandler {
    /// Serves the directory `dir`, which must exist. Overwriting on `DoPut` is off.
    pub fn new(dir: impl Into<PathBuf>) -> Result<Self> {
        let dir = dir.into();
        match std::fs::metadata(&dir) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(FlightError::InvalidArgument(format!(
                    "{} is not a directory; give the directory whose Arrow files to serve",
                    dir.display()
                )));
            }
            Err(e) => {
                return Err(FlightError::InvalidArgument(format!(
                    "{} is not a directory ({e}); give an existing directory",
                    dir.display()
                )));
            }
        }
        Ok(Self {
            inner: Arc::new(Inner {
                dir,
                allow_overwrite: false,
                read_options: IpcReadOptions::default(),
            }),
        })
    }

    /// Whether `DoPut` may replace an existing file (it answers `ALREADY_EXISTS`
    /// otherwise).
    pub fn with_allow_overwrite(self, yes: bool) -> Self {
        self.with_inner(|inner| inner.allow_overwrite = yes)
    }

    /// How the served files are read (validation, memory pool). Leave the projection
    /// unset: it would apply to every file. With
    /// [`IpcReadOptions::with_require_zero_copy`], a file whose buffers would have to be
    /// copied fails its `DoGet` instead.
    pub fn with_read_options(self, options: IpcReadOptions) -> Self {
        self.with_inner(|inner| inner.read_options = options)
    }

    /// The served directory.
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// Whether `DoPut` may replace an existing file.
    pub fn allow_overwrite(&self) -> bool {
        self.inner.allow_overwrite
    }

    fn with_inner(self, change: impl FnOnce(&mut Inner)) -> Self {
        let mut inner = Arc::try_unwrap(self.inner).unwrap_or_else(|shared| Inner {
            dir: shared.dir.clone(),
            allow_overwrite: shared.allow_overwrite,
            read_options: shared.read_options.clone(),
        });
        change(&mut inner);
        Self {
            inner: Arc::new(inner),
        }
    }

    /// Runs blocking file work off the async threads.
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Inner) -> Result<T, Status> + Send + 'static,
    ) -> Result<T, Status> {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || work(&inner))
            .await
            .map_err(|e| Status::internal(format!("a file task of the server failed: {e}")))?
    }
}

/// What a valid flight name must look like, said in every refusal.
const NAME_RULE: &str = "a flight name is one plain file name, like 'data.arrow': not empty, \
                         without '/', '\\' or NUL, and not starting with '.'";

/// Checks that `name` is a plain file name inside the directory (see the module
/// documentation); the error says what is wrong and what is allowed.
pub(crate) fn check_name(name: &str) -> Result<(), Status> {
    let problem = if name.is_empty() {
        "it is empty"
    } else if name.contains('\0') {
        "it contains a NUL character"
    } else if name.starts_with('/') || name.starts_with('\\') {
        "it is an absolute path"
    } else if name.contains('/') || name.contains('\\') {
        "it contains a path separator"
    } else if name == "." || name == ".." {
        "it names a directory, not a file"
    } else if name.starts_with('.') {
        "it starts with '.' (hidden names are kept for the server's temporary files)"
    } else {
        return Ok(());
    };
    Err(Status::invalid_argument(format!(
        "invalid flight name {name:?}: {problem}; {NAME_RULE}"
    )))
}

/// The file name a descriptor names: `PATH` with exactly one element, checked.
fn descriptor_name(descriptor: &FlightDescriptor) -> Result<&str, Status> {
    match DescriptorType::try_from(descriptor.r#type) {
        Ok(DescriptorType::Path) => {}
        Ok(DescriptorType::Cmd) => {
            return Err(Status::invalid_argument(
                "this server names flights by PATH descriptors holding one file name; \
                 CMD descriptors are not supported",
            ));
        }
        _ => {
            return Err(Status::invalid_argument(format!(
                "the descriptor's type ({}) is not PATH; this server names flights by PATH \
                 descriptors holding one file name",
                descriptor.r#type
            )));
        }
    }
    match descriptor.path.as_slice() {
        [name] => {
            check_name(name)?;
            Ok(name)
        }
        path => Err(Status::invalid_argument(format!(
            "the PATH descriptor has {} elements; this server takes exactly one, the file name",
            path.len()
        ))),
    }
}

/// The flight description of the file `name`.
fn flight_info(name: &str, scan: &read::Scan) -> Result<FlightInfo, Status> {
    let schema = schema_to_ipc(&scan.schema)
        .map_err(|e| Status::internal(format!("cannot encode the schema of {name:?}: {e}")))?;
    Ok(FlightInfo {
        schema,
        flight_descriptor: Some(path_descriptor(name)),
        endpoint: vec![FlightEndpoint {
            ticket: Some(Ticket {
                ticket: Bytes::copy_from_slice(name.as_bytes()),
            }),
            // No location: the data is on this same server.
            location: Vec::new(),
            expiration_time: None,
            app_metadata: Bytes::new(),
        }],
        total_records: i64::try_from(scan.rows).unwrap_or(i64::MAX),
        total_bytes: i64::try_from(scan.bytes).unwrap_or(i64::MAX),
        ordered: false,
        app_metadata: Bytes::new(),
    })
}

/// `PATH [name]`.
fn path_descriptor(name: &str) -> FlightDescriptor {
    FlightDescriptor {
        r#type: DescriptorType::Path as i32,
        cmd: Bytes::new(),
        path: vec![name.to_owned()],
    }
}

impl FlightHandler for DirectoryHandler {
    async fn list_flights(&self, _criteria: Bytes) -> Result<Vec<FlightInfo>, Status> {
        self.blocking(|inner| {
            read::list(&inner.dir, &inner.read_options)?
                .iter()
                .map(|(name, scan)| flight_info(name, scan))
                .collect()
        })
        .await
    }

    async fn get_flight_info(&self, descriptor: FlightDescriptor) -> Result<FlightInfo, Status> {
        let name = descriptor_name(&descriptor)?.to_owned();
        self.blocking(move |inner| {
            let scan = read::scan(&inner.dir, &name, &inner.read_options)?;
            flight_info(&name, &scan)
        })
        .await
    }

    async fn get_schema(&self, descriptor: FlightDescriptor) -> Result<SchemaRef, Status> {
        let name = descriptor_name(&descriptor)?.to_owned();
        self.blocking(move |inner| {
            Ok(read::open(&inner.dir, &name, &inner.read_options)?
                .schema()
                .clone())
        })
        .await
    }

    async fn do_get(&self, ticket: Ticket) -> Result<BatchStream, Status> {
        let name = std::str::from_utf8(&ticket.ticket)
            .map_err(|_| {
                Status::invalid_argument(format!(
                    "the ticket is not a file name (it is not UTF-8); {NAME_RULE}"
                ))
            })?
            .to_owned();
        check_name(&name)?;
        let opened = self
            .blocking(move |inner| read::open(&inner.dir, &name, &inner.read_options))
            .await?;
        Ok(opened.into_batch_stream())
    }

    async fn do_put(
        &self,
        descriptor: FlightDescriptor,
        batches: FlightRecordBatchStream,
    ) -> Result<Bytes, Status> {
        let name = descriptor_name(&descriptor)?.to_owned();
        upload::store(Arc::clone(&self.inner), name, batches).await
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use tonic::Code;

    #[test]
    fn plain_names_pass_and_others_say_why_not() {
        for good in ["data.arrow", "a", "x y.arrows", "a..b", "ünï"] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        let err = check_name("a/b").unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument);
        assert_eq!(
            err.message(),
            "invalid flight name \"a/b\": it contains a path separator; a flight name is one \
             plain file name, like 'data.arrow': not empty, without '/', '\\' or NUL, and \
             not starting with '.'"
        );
    }
}
