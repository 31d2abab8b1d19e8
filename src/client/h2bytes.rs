//! A stream's own bytes on a shared HTTP/2 connection. The socket counters
//! (`io.rs`) see every stream's frames, so their delta over one stream's
//! life counts its neighbours' events too (with 100 streams on a connection,
//! about 100 times its own). On such a connection a stream counts its own
//! frames instead: its HEADERS frames (header names and values as decoded,
//! an upper bound of their HPACK size) and its DATA frames, each with the
//! 9-byte frame header. Connection-level frames (SETTINGS, PING,
//! WINDOW_UPDATE) and TLS record overhead are nobody's and are not counted.

use super::io::ConnCounters;
use super::pool::{Checkout, Sender};
use super::request::RequestTemplate;
use super::route::Target;
use http::{HeaderMap, HeaderName, HeaderValue};
use std::sync::atomic::{AtomicU64, Ordering};

/// Every HTTP/2 frame starts with a 9-byte header.
const FRAME_HEADER: u64 = 9;

fn fields_len<'a>(fields: impl Iterator<Item = (&'a HeaderName, &'a HeaderValue)>) -> u64 {
    fields
        .map(|(n, v)| (n.as_str().len() + v.len()) as u64)
        .sum()
}

/// The request's HEADERS frame (pseudo-headers included) and its body's
/// DATA frame, if it has a body.
fn request_bytes(req: &RequestTemplate, target: &Target) -> u64 {
    let path = target.uri.path_and_query().map_or("/", |pq| pq.as_str());
    let scheme = if target.https { "https" } else { "http" };
    let pseudo = ":method".len()
        + req.method.as_str().len()
        + ":scheme".len()
        + scheme.len()
        + ":authority".len()
        + target.authority.len()
        + ":path".len()
        + path.len();
    let body = if req.body.is_empty() {
        0
    } else {
        FRAME_HEADER + req.body.len() as u64
    };
    FRAME_HEADER
        + pseudo as u64
        + fields_len(
            // `Host` goes as `:authority`, counted above.
            req.headers.iter().filter(|(n, _)| *n != http::header::HOST),
        )
        + body
}

/// The response's HEADERS frame: `:status` and the header fields.
fn response_head_bytes(headers: &HeaderMap) -> u64 {
    FRAME_HEADER + (":status".len() + 3) as u64 + fields_len(headers.iter())
}

/// Bytes read by one stream: its response head, then each DATA frame.
pub(crate) struct OwnBytes {
    read: AtomicU64,
}

impl OwnBytes {
    pub fn new(head: u64) -> OwnBytes {
        OwnBytes {
            read: AtomicU64::new(head),
        }
    }
    /// Counts one DATA frame of `len` payload bytes.
    pub fn data(&self, len: usize) {
        self.read
            .fetch_add(FRAME_HEADER + len as u64, Ordering::Relaxed);
    }
    pub fn read(&self) -> u64 {
        self.read.load(Ordering::Relaxed)
    }
}

/// How one exchange (a request and its response: a redirect hop or the
/// answer) counts its wire bytes: on a shared HTTP/2 connection, its own
/// frames; otherwise the socket counters' delta since it was sent.
pub(crate) enum ExchangeBytes {
    Own { read: OwnBytes, written: u64 },
    Socket { base: (u64, u64) },
}

impl ExchangeBytes {
    /// `request` as it was sent (before a redirect rewrites it), on `conn`
    /// whose counters stood at `base` then; `response_headers` its answer's.
    pub fn new(
        conn: &Checkout,
        request: Option<&RequestTemplate>,
        target: &Target,
        response_headers: &HeaderMap,
        base: (u64, u64),
    ) -> ExchangeBytes {
        match (&conn.sender, &conn.slot, request) {
            (Sender::H2(_), Some(_), Some(req)) => ExchangeBytes::Own {
                read: OwnBytes::new(response_head_bytes(response_headers)),
                written: request_bytes(req, target),
            },
            _ => ExchangeBytes::Socket { base },
        }
    }

    /// One body frame of `len` payload bytes was read.
    pub fn data(&self, len: usize) {
        if let ExchangeBytes::Own { read, .. } = self {
            read.data(len);
        }
    }

    /// The exchange's bytes (read, written) so far.
    pub fn so_far(&self, counters: &ConnCounters) -> (u64, u64) {
        match self {
            ExchangeBytes::Own { read, written } => (read.read(), *written),
            ExchangeBytes::Socket { base } => (
                counters.read().saturating_sub(base.0),
                counters.written().saturating_sub(base.1),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_frames_add_their_header_and_payload() {
        let own = OwnBytes::new(20);
        own.data(32);
        assert_eq!(own.read(), 20 + 9 + 32);
        own.data(0);
        assert_eq!(own.read(), 70);
    }

    #[test]
    fn a_request_counts_pseudo_headers_fields_and_body_but_not_host() {
        let url = "https://a.example:8443/p?q";
        let json = format!(
            r#"{{"url":"{url}","method":"POST","body":"abc","decompress":false,
                "headers":{{"host":"a.example:8443","accept":"x","user-agent":"u"}}}}"#
        );
        let opts = crate::client::Options::from_json(json.as_bytes()).unwrap();
        let req = RequestTemplate::from_options(&opts).unwrap();
        let target = crate::client::route::parse_target(url).unwrap();
        let pseudo = (7 + 4) + (7 + 5) + (10 + 14) + (5 + 4);
        let fields = (6 + 1) + (10 + 1);
        assert_eq!(
            request_bytes(&req, &target),
            9 + pseudo + fields + (9 + 3),
            "the Host field is sent as :authority, counted once"
        );
    }

    #[test]
    fn response_head_counts_status_and_fields() {
        let mut h = HeaderMap::new();
        h.insert("content-type", "text/event-stream".parse().unwrap());
        assert_eq!(response_head_bytes(&h), 9 + 10 + 12 + 17);
    }
}
