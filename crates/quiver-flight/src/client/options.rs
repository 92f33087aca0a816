//! [`ClientOptions`], and the Flight URLs a client connects to.

use std::time::Duration;

use quiver_ipc::IpcWriteOptions;
use tonic::codegen::http::uri::Authority;

use crate::decode::DecodeOptions;
use crate::error::{FlightError, Result};

/// The default limit on one message, sent or received: 64 MiB.
pub const DEFAULT_CLIENT_MAX_MESSAGE_SIZE: usize = 64 << 20;

/// How a [`FlightClient`](super::FlightClient) connects and what it accepts.
///
/// ```
/// use std::time::Duration;
/// use quiver_flight::client::ClientOptions;
///
/// let options = ClientOptions::default()
///     .with_token("s3cret")
///     .with_max_message_size(16 << 20)
///     .with_timeout(Duration::from_secs(30));
/// assert_eq!(options.max_message_size(), 16 << 20);
/// assert_eq!(options.timeout(), Some(Duration::from_secs(30)));
/// // The token is never printed.
/// assert!(!format!("{options:?}").contains("s3cret"));
/// ```
#[derive(Clone)]
pub struct ClientOptions {
    #[cfg(feature = "tls")]
    pub(super) tls_roots: Vec<Vec<u8>>,
    pub(super) token: Option<String>,
    pub(super) max_message_size: usize,
    pub(super) timeout: Option<Duration>,
    pub(super) write_options: IpcWriteOptions,
    pub(super) decode_options: DecodeOptions,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            #[cfg(feature = "tls")]
            tls_roots: Vec::new(),
            token: None,
            max_message_size: DEFAULT_CLIENT_MAX_MESSAGE_SIZE,
            timeout: None,
            write_options: IpcWriteOptions::default(),
            decode_options: DecodeOptions::default(),
        }
    }
}

impl std::fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("ClientOptions");
        #[cfg(feature = "tls")]
        d.field("tls_roots", &self.tls_roots.len());
        d.field("token", &self.token.as_ref().map(|_| "<set>"))
            .field("max_message_size", &self.max_message_size)
            .field("timeout", &self.timeout)
            .field("write_options", &self.write_options)
            .field("decode_options", &self.decode_options)
            .finish()
    }
}

impl ClientOptions {
    /// Trusts the CA certificate `pem` (PEM text, one or more certificates) for
    /// `grpc+tls://` servers; may be called several times. A `grpc+tls://` URL needs at
    /// least one: this build has no built-in root store (pass a system bundle, such as
    /// `/etc/ssl/certs/ca-certificates.crt`, to trust the usual public CAs).
    #[cfg(feature = "tls")]
    pub fn with_tls_root(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.tls_roots.push(pem.into());
        self
    }

    /// Sends `authorization: Bearer <token>` with every call.
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// The largest message received or sent, in bytes: 64 MiB by default. A bigger one
    /// from the server fails the call. Uploaded batches are split into messages of at
    /// most 4 MiB (the receive limit most gRPC servers start with), or of this size if
    /// it is smaller.
    pub fn with_max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// The time allowed to connect, and for each call to begin answering. No limit by
    /// default.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The IPC write options uploads are encoded with (compression, dictionary deltas).
    pub fn with_write_options(mut self, options: IpcWriteOptions) -> Self {
        self.write_options = options;
        self
    }

    /// How downloaded streams are decoded (validation, memory pool, batch limit).
    pub fn with_decode_options(mut self, options: DecodeOptions) -> Self {
        self.decode_options = options;
        self
    }

    /// The message size limit.
    pub fn max_message_size(&self) -> usize {
        self.max_message_size
    }

    /// The timeout, if any.
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }
}

/// A parsed Flight URL: `grpc://HOST:PORT` or `grpc+tcp://HOST:PORT` (plain), or
/// `grpc+tls://HOST:PORT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FlightUrl {
    pub(crate) tls: bool,
    /// `HOST:PORT`, an IPv6 host in brackets.
    pub(crate) authority: String,
}

const URL_FORMS: &str = "grpc://HOST:PORT, grpc+tcp://HOST:PORT or grpc+tls://HOST:PORT";

impl FlightUrl {
    pub(crate) fn parse(url: &str) -> Result<Self> {
        let bad = |why: &str| {
            FlightError::InvalidArgument(format!(
                "`{url}` is not a Flight URL: {why}; expected {URL_FORMS}"
            ))
        };
        let Some((scheme, rest)) = url.split_once("://") else {
            return Err(bad("it has no scheme"));
        };
        let tls = match scheme.to_ascii_lowercase().as_str() {
            "grpc" | "grpc+tcp" => false,
            "grpc+tls" => true,
            "grpc+unix" => return Err(bad("Unix domain sockets are not supported")),
            other => return Err(bad(&format!("the scheme `{other}` is not a Flight one"))),
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains(['/', '?', '#']) {
            return Err(bad("it has a path, query or fragment"));
        }
        if rest.contains('@') {
            return Err(bad(
                "it has user information (give a token with ClientOptions::with_token instead)",
            ));
        }
        let authority: Authority = rest
            .parse()
            .map_err(|_| bad(&format!("`{rest}` is not a valid HOST:PORT")))?;
        if authority.host().is_empty() {
            return Err(bad("it names no host"));
        }
        match authority.port_u16() {
            Some(1..) => {}
            Some(0) => return Err(bad("its port is 0")),
            None => match rest.rsplit_once(':') {
                Some((_, port)) if !port.is_empty() && !port.ends_with(']') => {
                    return Err(bad(&format!("its port `{port}` is over 65535")));
                }
                _ => return Err(bad("it names no port")),
            },
        }
        Ok(Self {
            tls,
            authority: authority.as_str().to_string(),
        })
    }

    /// The `http://` or `https://` URI tonic connects to.
    pub(crate) fn endpoint_uri(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.authority)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    fn parsed(url: &str) -> (bool, String) {
        let u = FlightUrl::parse(url).unwrap();
        (u.tls, u.endpoint_uri())
    }

    fn refused(url: &str) -> String {
        match FlightUrl::parse(url) {
            Err(FlightError::InvalidArgument(m)) => m,
            other => panic!("{url}: expected InvalidArgument, got {other:?}"),
        }
    }

    #[test]
    fn flight_schemes_map_to_http_and_https() {
        assert_eq!(
            parsed("grpc://127.0.0.1:8815"),
            (false, "http://127.0.0.1:8815".into())
        );
        assert_eq!(
            parsed("grpc+tcp://localhost:1/"),
            (false, "http://localhost:1".into())
        );
        assert_eq!(
            parsed("grpc+tls://example.org:443"),
            (true, "https://example.org:443".into())
        );
        assert_eq!(
            parsed("GRPC+TLS://example.org:443"),
            (true, "https://example.org:443".into())
        );
        assert_eq!(
            parsed("grpc://[::1]:8815"),
            (false, "http://[::1]:8815".into())
        );
    }

    #[test]
    fn other_urls_are_refused_saying_why() {
        let forms = "expected grpc://HOST:PORT, grpc+tcp://HOST:PORT or grpc+tls://HOST:PORT";
        assert_eq!(
            refused("localhost:8815"),
            format!("`localhost:8815` is not a Flight URL: it has no scheme; {forms}")
        );
        assert_eq!(
            refused("http://localhost:8815"),
            format!(
                "`http://localhost:8815` is not a Flight URL: the scheme `http` is not a Flight one; {forms}"
            )
        );
        assert_eq!(
            refused("grpc+unix:///tmp/s"),
            format!(
                "`grpc+unix:///tmp/s` is not a Flight URL: Unix domain sockets are not supported; {forms}"
            )
        );
        assert_eq!(
            refused("grpc://localhost"),
            format!("`grpc://localhost` is not a Flight URL: it names no port; {forms}")
        );
        assert_eq!(
            refused("grpc://:8815"),
            format!("`grpc://:8815` is not a Flight URL: it names no host; {forms}")
        );
        assert_eq!(
            refused("grpc://localhost:8815/flights"),
            format!(
                "`grpc://localhost:8815/flights` is not a Flight URL: it has a path, query or fragment; {forms}"
            )
        );
        assert_eq!(
            refused("grpc://me:pw@localhost:8815"),
            format!(
                "`grpc://me:pw@localhost:8815` is not a Flight URL: it has user information (give a token with ClientOptions::with_token instead); {forms}"
            )
        );
        assert_eq!(
            refused("grpc://local host:1"),
            format!(
                "`grpc://local host:1` is not a Flight URL: `local host:1` is not a valid HOST:PORT; {forms}"
            )
        );
        assert_eq!(
            refused("grpc://localhost:99999"),
            format!(
                "`grpc://localhost:99999` is not a Flight URL: its port `99999` is over 65535; {forms}"
            )
        );
        assert_eq!(
            refused("grpc://localhost:0"),
            format!("`grpc://localhost:0` is not a Flight URL: its port is 0; {forms}")
        );
        assert_eq!(
            refused("grpc://[::1]"),
            format!("`grpc://[::1]` is not a Flight URL: it names no port; {forms}")
        );
        assert_eq!(
            refused("grpc://localhost:"),
            format!("`grpc://localhost:` is not a Flight URL: it names no port; {forms}")
        );
    }

    #[test]
    fn defaults() {
        let o = ClientOptions::default();
        assert_eq!(o.max_message_size(), 64 << 20);
        assert_eq!(o.timeout(), None);
        assert_eq!(o.token, None);
    }
}
