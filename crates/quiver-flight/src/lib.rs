//! Arrow Flight for Quiver (work in progress).

pub mod client;
pub mod data;
pub mod decode;
pub mod directory;
pub mod encode;
pub mod error;
mod r#gen;
pub mod proto;
pub mod server;

pub use client::{ClientOptions, FlightClient};
pub use data::{FlightBody, FlightData};
pub use error::{FlightError, Result};
