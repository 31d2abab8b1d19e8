//! The C-visible value types: result codes, error kinds, byte views, the
//! event and timings structs, and the mapping from engine values to them.
//! Values only ever flow Rust → C here: nothing converts a C integer into a
//! Rust enum.

use crate::client::{Delivered, Notice, NoticeKind};
use crate::error::ErrorKind;
use crate::timing::Timings;

use super::handle::view;

/// The result of every fallible call. Values are never renumbered.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum sse_result {
    /// Success; for the next-event calls, the out-parameter holds an event.
    SSE_OK = 0,
    /// Nothing within the timeout (or nothing queued, for the try-next call).
    SSE_TIMEOUT = 1,
    /// Clean end of stream: no more events.
    SSE_END = 2,
    /// The stream failed: `sse_stream_error()` tells why.
    SSE_ERR_STREAM = 3,
    /// `sse_cancel()` was called on this stream.
    SSE_CANCELLED = 4,
    /// A read found a reconnect notice next (streams with the `reconnect`
    /// option only): no event was written; `sse_stream_notice()` tells
    /// what happened. Read again for what follows.
    SSE_NOTICE = 5,
    /// A required pointer argument was NULL.
    SSE_ERR_NULL = 10,
    /// Invalid argument or options; the error says which.
    SSE_ERR_INVALID = 11,
    /// The request failed before a response; the error says why.
    SSE_ERR_OPEN = 12,
    /// An internal bug was caught at the boundary (please report it).
    SSE_ERR_PANIC = 13,
    /// The call is not valid now (e.g. response before the open completed,
    /// or a second thread reading the same stream).
    SSE_ERR_STATE = 14,
}

/// What went wrong, for `sse_error_kind_of()`. Values are never renumbered.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum sse_error_kind {
    /// No error (or a NULL error pointer).
    SSE_ERROR_NONE = 0,
    /// The request JSON or an argument was invalid.
    SSE_ERROR_INVALID_REQUEST = 1,
    /// The host name did not resolve.
    SSE_ERROR_DNS = 2,
    /// The TCP connection failed (refused, unreachable, reset while connecting).
    SSE_ERROR_CONNECT = 3,
    /// The TLS handshake failed.
    SSE_ERROR_TLS = 4,
    /// `connect_timeout_ms` elapsed.
    SSE_ERROR_CONNECT_TIMEOUT = 5,
    /// `header_timeout_ms` elapsed.
    SSE_ERROR_HEADER_TIMEOUT = 6,
    /// `idle_timeout_ms` elapsed between body bytes.
    SSE_ERROR_IDLE_TIMEOUT = 7,
    /// `total_timeout_ms` elapsed.
    SSE_ERROR_TOTAL_TIMEOUT = 8,
    /// The server answered with a non-2xx status (see `sse_error_status()`
    /// and `sse_error_body()`).
    SSE_ERROR_HTTP_STATUS = 9,
    /// The server broke HTTP framing.
    SSE_ERROR_PROTOCOL = 10,
    /// A size cap (`max_line_bytes`, `max_event_bytes`) was exceeded.
    SSE_ERROR_LIMIT_EXCEEDED = 11,
    /// The stream was cancelled.
    SSE_ERROR_CANCELLED = 12,
    /// A deny rule (`deny_ips`, `deny_hosts`) refused the destination.
    SSE_ERROR_DENIED = 13,
    /// Another I/O error on the connection.
    SSE_ERROR_IO = 14,
    /// A bug inside libsse (a stream task panicked); please report it.
    SSE_ERROR_INTERNAL = 15,
    /// A stream with the `reconnect` option got a 2xx answer whose
    /// Content-Type is not `text/event-stream` (as browsers, it stops).
    SSE_ERROR_CONTENT_TYPE = 16,
}

impl From<ErrorKind> for sse_error_kind {
    fn from(kind: ErrorKind) -> Self {
        match kind {
            ErrorKind::InvalidRequest => sse_error_kind::SSE_ERROR_INVALID_REQUEST,
            ErrorKind::Dns => sse_error_kind::SSE_ERROR_DNS,
            ErrorKind::Connect => sse_error_kind::SSE_ERROR_CONNECT,
            ErrorKind::Tls => sse_error_kind::SSE_ERROR_TLS,
            ErrorKind::ConnectTimeout => sse_error_kind::SSE_ERROR_CONNECT_TIMEOUT,
            ErrorKind::HeaderTimeout => sse_error_kind::SSE_ERROR_HEADER_TIMEOUT,
            ErrorKind::IdleTimeout => sse_error_kind::SSE_ERROR_IDLE_TIMEOUT,
            ErrorKind::TotalTimeout => sse_error_kind::SSE_ERROR_TOTAL_TIMEOUT,
            ErrorKind::HttpStatus => sse_error_kind::SSE_ERROR_HTTP_STATUS,
            ErrorKind::Protocol => sse_error_kind::SSE_ERROR_PROTOCOL,
            ErrorKind::LimitExceeded => sse_error_kind::SSE_ERROR_LIMIT_EXCEEDED,
            ErrorKind::Cancelled => sse_error_kind::SSE_ERROR_CANCELLED,
            ErrorKind::Denied => sse_error_kind::SSE_ERROR_DENIED,
            ErrorKind::Io => sse_error_kind::SSE_ERROR_IO,
            ErrorKind::Internal => sse_error_kind::SSE_ERROR_INTERNAL,
            ErrorKind::ContentType => sse_error_kind::SSE_ERROR_CONTENT_TYPE,
        }
    }
}

/// The lower-case name of an error kind, by its C value; `None` for a value
/// that is not a kind (C may pass any integer).
/// The names are NUL-terminated for C.
pub(crate) fn error_kind_name(kind: i32) -> Option<&'static [u8]> {
    let name: &'static [u8] = match kind {
        0 => b"none\0",
        1 => b"invalid_request\0",
        2 => b"dns\0",
        3 => b"connect\0",
        4 => b"tls\0",
        5 => b"connect_timeout\0",
        6 => b"header_timeout\0",
        7 => b"idle_timeout\0",
        8 => b"total_timeout\0",
        9 => b"http_status\0",
        10 => b"protocol\0",
        11 => b"limit_exceeded\0",
        12 => b"cancelled\0",
        13 => b"denied\0",
        14 => b"io\0",
        15 => b"internal\0",
        16 => b"content_type\0",
        _ => return None,
    };
    Some(name)
}

/// A borrowed view of bytes owned by the library: `len` bytes at `ptr`, not
/// NUL-terminated. `ptr` is never NULL (an empty view points at a valid
/// byte). How long it stays valid is stated by the call that returned it.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct sse_bytes {
    /// First byte; never NULL.
    pub ptr: *const u8,
    /// Number of bytes.
    pub len: usize,
}

/// One event. Every view is borrowed; valid until the next read call
/// (`sse_next_event`, `sse_try_next_event`, `sse_next_events`,
/// `sse_stream_read`) or `sse_close` on this stream. Text fields are valid
/// UTF-8.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct sse_event {
    /// The `event` field as sent; empty means the spec's default "message".
    pub r#type: sse_bytes,
    /// The data lines joined by LF (no trailing LF).
    pub data: sse_bytes,
    /// The last event ID at dispatch (it persists across events).
    pub id: sse_bytes,
    /// The comment lines of this event's block, joined by LF; empty if none.
    pub comment: sse_bytes,
    /// The block's valid `retry` field in ms, or -1 when it had none.
    pub retry_ms: i64,
    /// `sse_now_ns()` clock: when the chunk completing this event was read.
    pub time_ns: u64,
}

impl sse_event {
    /// Views of a delivered event; they borrow from `delivered`.
    #[inline]
    pub(crate) fn borrowing(delivered: &Delivered) -> sse_event {
        let event = &delivered.event;
        sse_event {
            r#type: view(event.event_type.as_bytes()),
            data: view(event.data.as_bytes()),
            id: view(event.id.as_bytes()),
            comment: view(event.comment.as_bytes()),
            retry_ms: event
                .retry
                .map_or(-1, |ms| i64::try_from(ms).unwrap_or(i64::MAX)),
            time_ns: delivered.at_ns,
        }
    }
}

/// What a reconnect notice says. Values are never renumbered.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum sse_notice_kind {
    /// The connection ended or failed, or an attempt to open one failed:
    /// the stream waits `wait_ms`, then makes attempt `attempt`.
    SSE_NOTICE_RECONNECTING = 1,
    /// Attempt `attempt` opened a new connection: its events follow, and
    /// the stream's response (`sse_stream_status`, headers, …) is the new
    /// one from the read that returned this notice on.
    SSE_NOTICE_RECONNECTED = 2,
}

/// A reconnect notice, from `sse_stream_notice()`. Views are borrowed;
/// valid until the next read call or `sse_close` on this stream. Times are
/// on the `sse_now_ns()` clock.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct sse_notice {
    /// Which notice.
    pub kind: sse_notice_kind,
    /// Why the connection was lost: `SSE_ERROR_NONE` when the server ended
    /// the stream cleanly. RECONNECTING: the latest failure (the lost
    /// connection, or the attempt that just failed); RECONNECTED: what
    /// began the outage.
    pub reason: sse_error_kind,
    /// The attempt: 1 for the first after a loss, counting failed attempts
    /// in a row (what `max_attempts` limits).
    pub attempt: u32,
    /// RECONNECTED: the new response's status (2xx); RECONNECTING: 0.
    pub status: u16,
    /// RECONNECTING: the wait before the attempt in ms (the stream's
    /// `retry`, capped, plus jitter); RECONNECTED: 0.
    pub wait_ms: u64,
    /// RECONNECTED: ns without a connection, from the loss to the new
    /// response's headers; RECONNECTING: from the loss to this notice.
    pub downtime_ns: u64,
    /// When the outage began (the loss, or the first failed attempt of a
    /// stream that never opened).
    pub since_ns: u64,
    /// When this notice was made (RECONNECTED: the new headers' time).
    pub time_ns: u64,
    /// The reason as a message a person can read; empty for a clean end.
    pub message: sse_bytes,
    /// The `Last-Event-ID` the attempt sends; empty when it sends none.
    pub last_event_id: sse_bytes,
}

impl sse_notice {
    /// Views of a notice; they borrow from `notice`.
    pub(crate) fn borrowing(notice: &Notice) -> sse_notice {
        let reason = notice.reason.as_ref();
        sse_notice {
            kind: match notice.kind {
                NoticeKind::Reconnecting => sse_notice_kind::SSE_NOTICE_RECONNECTING,
                NoticeKind::Reconnected => sse_notice_kind::SSE_NOTICE_RECONNECTED,
            },
            reason: reason.map_or(sse_error_kind::SSE_ERROR_NONE, |e| e.kind.into()),
            attempt: notice.attempt,
            status: notice.status(),
            wait_ms: u64::try_from(notice.wait.as_millis()).unwrap_or(u64::MAX),
            downtime_ns: notice.downtime_ns(),
            since_ns: notice.since_ns,
            time_ns: notice.at_ns,
            message: view(reason.map_or(&[][..], |e| e.message.as_bytes())),
            last_event_id: view(notice.last_event_id.as_bytes()),
        }
    }
}

/// Per-stream timings and counters. Times are on the `sse_now_ns()` clock;
/// 0 means the step did not happen (yet). With the `reconnect` option,
/// `start_ns`, `first_event_ns`, `end_ns` and the counts are the stream's
/// (bytes and events summed over its connections), the other times the
/// latest connection attempt's (cleared when a reconnect is prepared).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct sse_timings {
    /// The request was started.
    pub start_ns: u64,
    /// DNS resolution finished.
    pub dns_done_ns: u64,
    /// TCP connected.
    pub connect_done_ns: u64,
    /// TLS handshake finished.
    pub tls_done_ns: u64,
    /// The request (headers and body) was written. On HTTP/2, where the
    /// socket's writes are every stream's: when the request was handed to
    /// the connection.
    pub request_sent_ns: u64,
    /// The response headers were complete.
    pub headers_ns: u64,
    /// The first byte of the response was read (before the headers were
    /// complete): `first_byte_ns - request_sent_ns` is the time to first byte.
    /// On HTTP/2, where the socket's reads are every stream's: when this
    /// stream's response headers were decoded (equal to `headers_ns`).
    pub first_byte_ns: u64,
    /// The first event was parsed.
    pub first_event_ns: u64,
    /// The stream ended, failed or was cancelled.
    pub end_ns: u64,
    /// Bytes read for this stream on the wire (headers and TLS records
    /// included). On a shared HTTP/2 connection: the stream's own HEADERS
    /// and DATA frames (frame headers included, header fields as decoded),
    /// not its neighbours' traffic.
    pub bytes_read: u64,
    /// Bytes written for this stream on the wire (on a shared HTTP/2
    /// connection: its own HEADERS and DATA frames, as for `bytes_read`).
    pub bytes_written: u64,
    /// Events parsed.
    pub events: u64,
    /// The stream ran on a pooled connection.
    pub reused_connection: bool,
}

impl From<Timings> for sse_timings {
    fn from(t: Timings) -> Self {
        sse_timings {
            start_ns: t.start,
            dns_done_ns: t.dns_done,
            connect_done_ns: t.connect_done,
            tls_done_ns: t.tls_done,
            request_sent_ns: t.request_sent,
            headers_ns: t.headers,
            first_byte_ns: t.first_byte,
            first_event_ns: t.first_event,
            end_ns: t.end,
            bytes_read: t.bytes_read,
            bytes_written: t.bytes_written,
            events: t.events,
            reused_connection: t.reused,
        }
    }
}

/// An error: kind, HTTP status, message and (for a non-2xx response) the
/// first bytes of the body. Opaque; read it with the `sse_error_*` calls.
pub struct sse_error {
    _opaque: [u8; 0],
}
