//! Response status and headers, published as soon as headers arrive.

use http::{HeaderName, HeaderValue, Version};

#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub version: Version,
    /// In the order received; names lowercase.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// `Content-Type` is `text/event-stream` (parameters ignored). A 2xx
    /// without it is still parsed; this flag lets the caller decide.
    pub is_event_stream: bool,
}

impl Response {
    pub(crate) fn from_parts(parts: &http::response::Parts) -> Response {
        let headers: Vec<(HeaderName, HeaderValue)> = parts
            .headers
            .iter()
            .map(|(n, v)| (n.clone(), v.clone()))
            .collect();
        let is_event_stream = parts
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("text/event-stream"));
        Response {
            status: parts.status.as_u16(),
            version: parts.version,
            headers,
            is_event_stream,
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
