//! A stream's own bytes on a shared HTTP/2 connection. The socket counters
//! (`io.rs`) see every stream's frames, so their delta over one stream's
//! life counts its neighbours' events too (with 100 streams on a connection,
//! about 100 times its own). On such a connection a stream counts its own
//! frames instead: its HEADERS frames (header names and values as decoded,
//! an upper bound of their HPACK size) and its DATA frames, each with the
//! 9-byte frame header. Connection-level frames (SETTINGS, PING,
//! WINDOW_UPDATE) and TLS record overhead are nobody's and are not counted.

use super::request::RequestTemplate;
use super::route::Target;
use http::HeaderMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// Every HTTP/2 frame starts with a 9-byte header.
const FRAME_HEADER: u64 = 9;

fn fields_len(headers: &HeaderMap) -> u64 {
    headers
        .iter()
        .map(|(n, v)| (n.as_str().len() + v.len()) as u64)
        .sum()
}

/// The request's HEADERS frame (pseudo-headers included) and its body's
/// DATA frame, if it has a body.
pub(crate) fn request_bytes(req: &RequestTemplate, target: &Target) -> u64 {
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
    let mut headers = req.headers.clone();
    headers.remove(http::header::HOST);
    let body = if req.body.is_empty() {
        0
    } else {
        FRAME_HEADER + req.body.len() as u64
    };
    FRAME_HEADER + pseudo as u64 + fields_len(&headers) + body
}

/// The response's HEADERS frame: `:status` and the header fields.
pub(crate) fn response_head_bytes(headers: &HeaderMap) -> u64 {
    FRAME_HEADER + (":status".len() + 3) as u64 + fields_len(headers)
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
    /// Counts one DATA frame of `len` payload bytes; returns the total.
    pub fn data(&self, len: usize) -> u64 {
        self.read
            .fetch_add(FRAME_HEADER + len as u64, Ordering::Relaxed)
            + FRAME_HEADER
            + len as u64
    }
    pub fn read(&self) -> u64 {
        self.read.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_frames_add_their_header_and_payload() {
        let own = OwnBytes::new(20);
        assert_eq!(own.data(32), 20 + 9 + 32);
        assert_eq!(own.data(0), 20 + 9 + 32 + 9);
        assert_eq!(own.read(), 70);
    }

    #[test]
    fn response_head_counts_status_and_fields() {
        let mut h = HeaderMap::new();
        h.insert("content-type", "text/event-stream".parse().unwrap());
        assert_eq!(response_head_bytes(&h), 9 + 10 + 12 + 17);
    }
}
