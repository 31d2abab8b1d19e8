//! One error type for everything the engine reports: a kind a program can
//! branch on, the HTTP status when there is one, a message a person can act
//! on, and the first bytes of a non-2xx body.

use bytes::Bytes;
use std::fmt;

/// What went wrong, coarse enough to branch on. Values mirror the C ABI's
/// `sse_error_kind` (never renumbered there); their names (`http_status`,
/// …) are in one table, the C ABI's `sse_error_kind_name`, which bindings
/// read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The options or the request are invalid (bad URL, unknown key, …).
    InvalidRequest,
    /// The host name did not resolve.
    Dns,
    /// TCP connect failed (refused, unreachable, proxy refused the tunnel).
    Connect,
    /// The TLS handshake failed (untrusted certificate, version mismatch, …).
    Tls,
    /// DNS + TCP + TLS took longer than `connect_timeout_ms`.
    ConnectTimeout,
    /// No response headers within `header_timeout_ms` of sending the request.
    HeaderTimeout,
    /// No body bytes for longer than `idle_timeout_ms`.
    IdleTimeout,
    /// The whole stream took longer than `total_timeout_ms`.
    TotalTimeout,
    /// The server answered with a non-2xx status; see `status` and `body`.
    HttpStatus,
    /// The server broke the HTTP protocol (bad chunked encoding, reset mid-body, …).
    Protocol,
    /// An event or line exceeded a parser cap.
    LimitExceeded,
    /// The caller cancelled the stream.
    Cancelled,
    /// A deny rule (`deny_ips`, `deny_hosts`) refused the destination.
    Denied,
    /// Another I/O failure.
    Io,
    /// A bug inside libsse (a stream task panicked); please report it.
    Internal,
    /// With `reconnect`: a 2xx answer without `Content-Type:
    /// text/event-stream` (browsers fail an `EventSource` on it too).
    ContentType,
}

/// An engine error. Cheap to clone (the body is a shared `Bytes`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    /// HTTP status for [`ErrorKind::HttpStatus`], 0 otherwise.
    pub status: u16,
    /// What happened and, where possible, what to change.
    pub message: String,
    /// First `error_body_bytes` of a non-2xx response body; empty otherwise.
    pub body: Bytes,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            status: 0,
            message: message.into(),
            body: Bytes::new(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidRequest, message)
    }

    pub fn http_status(status: u16, reason: &str, body: Bytes) -> Error {
        let mut message = format!("HTTP {status}");
        if !reason.is_empty() {
            message.push(' ');
            message.push_str(reason);
        }
        message.push_str(": the server refused the stream");
        let preview = String::from_utf8_lossy(&body[..body.len().min(200)]);
        let preview = preview.trim();
        if !preview.is_empty() {
            message.push_str(" (body: ");
            message.push_str(preview);
            message.push(')');
        }
        Error {
            kind: ErrorKind::HttpStatus,
            status,
            message,
            body,
        }
    }

    pub fn cancelled() -> Error {
        Error::new(ErrorKind::Cancelled, "the stream was cancelled")
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}
