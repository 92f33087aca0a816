//! Rust errors as the exception classes of `quiver.exceptions`, and the guard that keeps
//! panics out of Python.
//!
//! The classes are defined in Python (`python/quiver/exceptions.py`, where each also
//! derives from the matching built-in: `ArrowInvalid` from `ValueError`, ...), and
//! looked up here by name when an error is raised.

use std::panic::{AssertUnwindSafe, catch_unwind};

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use quiver_ipc::{ErrorKind, IpcError};
use quiver_legacy::LegacyError;

/// The exception classes of `quiver.exceptions` that Rust raises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// `ArrowException`: the base class (an internal error).
    Exception,
    /// `ArrowInvalid`: malformed input.
    Invalid,
    /// `ArrowTypeError`: an argument of the wrong type.
    TypeError,
    /// `ArrowIOError`: reading or writing failed.
    IoError,
    /// `ArrowNotImplementedError`: a valid input using an unsupported feature.
    NotImplemented,
    /// `ArrowSerializationError`: a value the legacy format cannot carry.
    Serialization,
}

impl Class {
    fn name(self) -> &'static str {
        match self {
            Class::Exception => "ArrowException",
            Class::Invalid => "ArrowInvalid",
            Class::TypeError => "ArrowTypeError",
            Class::IoError => "ArrowIOError",
            Class::NotImplemented => "ArrowNotImplementedError",
            Class::Serialization => "ArrowSerializationError",
        }
    }
}

/// A `quiver.exceptions` exception of `class` with `message`.
pub(crate) fn error(py: Python<'_>, class: Class, message: impl Into<String>) -> PyErr {
    let message = message.into();
    let found = py
        .import("quiver.exceptions")
        .and_then(|m| m.getattr(class.name()));
    match found {
        Ok(cls) => match cls.call1((message.clone(),)) {
            Ok(exc) => PyErr::from_value(exc),
            Err(e) => e,
        },
        // Only when the extension is loaded without its package.
        Err(_) => PyValueError::new_err(message),
    }
}

/// The class a legacy error is raised as.
pub(crate) fn legacy_class(e: &LegacyError) -> Class {
    match e {
        LegacyError::Ipc { source, .. } => ipc_class(source.kind()),
        LegacyError::Unsupported { .. } => Class::NotImplemented,
        LegacyError::Serialize { .. }
        | LegacyError::UnregisteredType { .. }
        | LegacyError::Custom { .. } => Class::Serialization,
        _ => Class::Invalid,
    }
}

/// The class an Arrow IPC error of `kind` is raised as.
pub(crate) fn ipc_class(kind: ErrorKind) -> Class {
    match kind {
        ErrorKind::Io => Class::IoError,
        ErrorKind::Unsupported => Class::NotImplemented,
        _ => Class::Invalid,
    }
}

/// An Arrow IPC error met while doing `what`, as its exception.
pub(crate) fn ipc(py: Python<'_>, what: &str, e: IpcError) -> PyErr {
    error(py, ipc_class(e.kind()), format!("{what}: {e}"))
}

/// A legacy error as its exception.
pub(crate) fn legacy(py: Python<'_>, e: LegacyError) -> PyErr {
    error(py, legacy_class(&e), e.to_string())
}

/// Runs `f`, turning a panic into `quiver.ArrowException` (a bug in Quiver, never the
/// caller's fault) instead of pyo3's `PanicException`.
pub(crate) fn guard<T>(py: Python<'_>, what: &str, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => {
            let detail = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".to_owned());
            Err(error(
                py,
                Class::Exception,
                format!(
                    "internal error in quiver while {what}: {detail}. This is a bug in \
                     quiver; please report it with the input that caused it"
                ),
            ))
        }
    }
}
