//! The Arrow Flight protocol as generated from `proto/Flight.proto` (package
//! `arrow.flight.protocol`): every message and enum, with the names the spec uses,
//! and the tonic gRPC service in [`flight_service_client`] and
//! [`flight_service_server`].
//!
//! These are the raw wire types. [`FlightData`] is not generated: it is Quiver's
//! hand-written type (bodies stay zero-copy), and the generated client and server use
//! it. Messages nested in another message live in a module named after it in snake
//! case, as prost lays them out: for example
//! [`flight_descriptor::DescriptorType`].
//!
//! ```
//! use quiver_flight::proto::{FlightDescriptor, flight_descriptor::DescriptorType};
//!
//! let descriptor = FlightDescriptor {
//!     r#type: DescriptorType::Path as i32,
//!     cmd: Default::default(),
//!     path: vec!["trips.arrow".to_string()],
//! };
//! assert_eq!(descriptor.r#type(), DescriptorType::Path);
//! ```

pub use crate::FlightData;
pub use crate::r#gen::protocol::*;
