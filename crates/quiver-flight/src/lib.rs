//! Arrow Flight for Quiver (work in progress).

mod data;
mod r#gen;
pub mod proto;

pub use data::FlightData;
