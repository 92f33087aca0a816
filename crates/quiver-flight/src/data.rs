//! PLACEHOLDER, replaced by the lead's hand-written `FlightData`.

/// One Arrow IPC message on a Flight stream (placeholder).
#[derive(Clone, PartialEq, prost::Message)]
pub struct FlightData {
    /// The descriptor, on the first message of an upload.
    #[prost(message, optional, tag = "1")]
    pub flight_descriptor: Option<crate::proto::FlightDescriptor>,
    /// The IPC message metadata (a flatbuffer `Message`).
    #[prost(bytes = "bytes", tag = "2")]
    pub data_header: bytes::Bytes,
    /// Application metadata.
    #[prost(bytes = "bytes", tag = "3")]
    pub app_metadata: bytes::Bytes,
    /// The IPC message body.
    #[prost(bytes = "bytes", tag = "1000")]
    pub data_body: bytes::Bytes,
}
