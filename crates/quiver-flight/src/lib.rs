//! Arrow Flight for Quiver (work in progress).

pub mod data;
pub mod decode;
pub mod encode;
pub mod error;
pub mod proto;

pub use data::{FlightBody, FlightData};
pub use error::{FlightError, Result};
