//! The Arrow Flight protocol's messages and gRPC service, generated from
//! `proto/Flight.proto` (package `arrow.flight.protocol`) by `cargo xtask codegen`:
//! the request and answer types ([`FlightDescriptor`], [`FlightInfo`], [`Ticket`], ...),
//! the raw tonic client ([`flight_service_client`]) and server trait
//! ([`flight_service_server`]). [`FlightData`](crate::FlightData) is Quiver's own, for
//! zero-copy bodies.
#![allow(missing_docs)]

pub use crate::r#gen::protocol::*;
