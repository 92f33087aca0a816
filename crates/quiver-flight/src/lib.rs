//! Arrow Flight for Quiver (work in progress).

/// Declares modules that read untrusted bytes, with the lints that keep panics out of
/// them: no `unwrap`/`expect`/`panic!`, no unchecked indexing or arithmetic.
macro_rules! reader_modules {
    ($($vis:vis $name:ident),* $(,)?) => {$(
        #[deny(
            clippy::unwrap_used,
            clippy::expect_used,
            clippy::panic,
            clippy::indexing_slicing,
            clippy::arithmetic_side_effects
        )]
        $vis mod $name;
    )*};
}

reader_modules!(pub client, pub data, pub decode, pub directory);
pub mod encode;
pub mod error;
mod r#gen;
pub mod proto;
pub mod server;

pub use client::{ClientOptions, FlightClient};
pub use data::{FlightBody, FlightData};
pub use error::{FlightError, Result};

/// The bytes type of every binary field (`bytes::Bytes`), re-exported so handlers need no
/// direct dependency on `bytes`.
pub use bytes::Bytes;
/// gRPC's status and code, what [`server::FlightHandler`] methods answer errors with,
/// and the tonic crate itself for custom channels and servers.
pub use tonic::{self, Code, Status};
