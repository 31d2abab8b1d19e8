//! Response status and headers, published as soon as headers arrive.

use http::{HeaderName, HeaderValue, Version};
use std::net::SocketAddr;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// The URL that gave this response: the request's, or where its
    /// redirects led.
    pub url: String,
    pub status: u16,
    pub version: Version,
    /// Names lowercase, grouped by name: names in the order each first
    /// arrived, a repeated name's values together in the order received
    /// (how `http::HeaderMap` keeps them).
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// `Content-Type` is `text/event-stream` (parameters ignored). A 2xx
    /// without it is still parsed; this flag lets the caller decide.
    pub is_event_stream: bool,
    /// The remote address of the connection the stream used, fresh or
    /// reused (through a proxy: the proxy's).
    pub remote_addr: Option<SocketAddr>,
    /// `remote_addr`'s IP as text (empty without one), made once: the C
    /// ABI lends it out as it lends `url`, for as long as the response.
    pub(crate) remote_ip: Box<str>,
}

impl Response {
    pub(crate) fn from_parts(
        parts: &http::response::Parts,
        remote_addr: Option<SocketAddr>,
        url: String,
    ) -> Response {
        let headers: Vec<(HeaderName, HeaderValue)> = parts
            .headers
            .iter()
            // Copy the values: hyper's are slices of its 8 KiB read buffer,
            // which would otherwise stay alive for the stream's whole life.
            .map(|(n, v)| {
                let name =
                    HeaderName::from_bytes(n.as_str().as_bytes()).unwrap_or_else(|_| n.clone());
                let value = HeaderValue::from_bytes(v.as_bytes()).unwrap_or_else(|_| v.clone());
                (name, value)
            })
            .collect();
        let is_event_stream = parts
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("text/event-stream"));
        Response {
            url,
            status: parts.status.as_u16(),
            version: parts.version,
            headers,
            is_event_stream,
            remote_addr,
            remote_ip: remote_addr.map_or_else(Box::default, |addr| addr.ip().to_string().into()),
        }
    }

    /// The first value of a header (case-insensitive name), if it is text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.as_str().eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.to_str().ok())
    }

    /// "HTTP/1.1", "HTTP/2", …
    pub fn version_str(&self) -> &'static str {
        match self.version {
            Version::HTTP_09 => "HTTP/0.9",
            Version::HTTP_10 => "HTTP/1.0",
            Version::HTTP_11 => "HTTP/1.1",
            Version::HTTP_2 => "HTTP/2",
            Version::HTTP_3 => "HTTP/3",
            _ => "HTTP/?",
        }
    }
}
