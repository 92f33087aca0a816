//! Arrow Flight for Quiver (work in progress).

pub mod data;
pub mod decode;
pub mod directory;
pub mod encode;
pub mod error;
mod r#gen;
pub mod proto;
pub mod server;

pub use data::{FlightBody, FlightData};
pub use error::{FlightError, Result};
