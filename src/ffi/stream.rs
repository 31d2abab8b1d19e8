//! `sse_stream`: opening, cancelling and closing a stream, and reading its
//! response, timings and error.

use std::ffi::c_int;
use std::task::Poll;
use std::time::Duration;

use crate::client::{Response, Stream};
use crate::error::{Error, ErrorKind};

use super::client::{parse_options, sse_client};
use super::error::fail;
use super::handle;
use super::types::{sse_bytes, sse_error, sse_result, sse_timings};

/// One response stream. Opaque; made by `sse_open` / `sse_start`, freed by
/// `sse_close`. One thread at a time reads it; `sse_cancel`,
/// `sse_stream_timings`, `sse_stream_fd` and `sse_stream_attach` may be
/// called from any thread.
pub struct sse_stream {
    pub(crate) stream: Stream,
}

/// A C timeout: negative waits forever.
pub(crate) fn timeout_of(timeout_ms: i32) -> Option<Duration> {
    u64::try_from(timeout_ms).ok().map(Duration::from_millis)
}

/// The result code for a failed open: bad options are the caller's fault,
/// anything else happened on the way to a response.
fn open_failure_code(error: &Error) -> sse_result {
    match error.kind {
        ErrorKind::InvalidRequest => sse_result::SSE_ERR_INVALID,
        _ => sse_result::SSE_ERR_OPEN,
    }
}

/// Shared body of `sse_open` and `sse_start`.
fn open_with(
    client: *mut sse_client,
    json: *const u8,
    len: usize,
    out: *mut *mut sse_stream,
    err: *mut *mut sse_error,
    blocking: bool,
) -> sse_result {
    let client = arg_ref!(client);
    non_null!(out);
    let request = match parse_options(json, len, err) {
        Ok(options) => options,
        Err(code) => return code,
    };
    let opened = if blocking {
        client.client.open(request)
    } else {
        client.client.start(request)
    };
    match opened {
        Ok(stream) => {
            let handle = handle::into_raw(sse_stream { stream });
            // SAFETY: `out` is non-NULL and writable per the header's contract.
            unsafe { handle::write(out, handle) };
            sse_result::SSE_OK
        }
        Err(error) => {
            let code = open_failure_code(&error);
            fail(err, error, code)
        }
    }
}

/// Opens a stream and blocks until the response headers are in (any
/// status) or the request failed. `json` (`len` bytes) is the request
/// options: `url` is required; the client's options are the defaults.
///
/// On `SSE_OK`, `*out` is a new stream that must be freed with `sse_close`;
/// a non-2xx status shows in `sse_stream_status()` and the first
/// `sse_next_event` reports it. On `SSE_ERR_INVALID` (bad JSON, unknown or
/// ill-typed key) or `SSE_ERR_OPEN` (DNS, connect, TLS, timeout, …), `*err`
/// (when `err` is not NULL) must be freed with `sse_error_free`. With the
/// `reconnect` option a failed connection is retried first: this call
/// returns at the first response, or `SSE_ERR_OPEN` once the stream gave
/// up (`max_attempts`, `total_timeout_ms`).
/// Thread-safe: many threads may open streams on one client at once.
#[no_mangle]
pub extern "C" fn sse_open(
    client: *mut sse_client,
    json: *const u8,
    len: usize,
    out: *mut *mut sse_stream,
    err: *mut *mut sse_error,
) -> sse_result {
    ffi_boundary!({ open_with(client, json, len, out, err, true) })
}

/// Starts a stream and returns at once; `sse_stream_wait_open`, the
/// stream's fd or its poller token tell when the response headers are in.
/// Arguments, results and ownership as `sse_open`, except that connection
/// failures are reported later by `sse_stream_wait_open` (only invalid
/// options fail here). With the `reconnect` option, attempts that fail
/// before the first response are reported as notices by the read calls
/// (the fd and the poller token fire for them too). Thread-safe.
#[no_mangle]
pub extern "C" fn sse_start(
    client: *mut sse_client,
    json: *const u8,
    len: usize,
    out: *mut *mut sse_stream,
    err: *mut *mut sse_error,
) -> sse_result {
    ffi_boundary!({ open_with(client, json, len, out, err, false) })
}

/// Waits up to `timeout_ms` (negative: forever) for a started stream's
/// response headers. `SSE_OK`: headers are in (any status); `SSE_TIMEOUT`:
/// not yet; `SSE_ERR_OPEN`: the request failed and `sse_stream_error()`
/// tells why; `SSE_CANCELLED`: the stream was cancelled before its headers
/// came (`sse_stream_error()` is NULL, as after any cancel).
#[no_mangle]
pub extern "C" fn sse_stream_wait_open(stream: *mut sse_stream, timeout_ms: i32) -> sse_result {
    ffi_boundary!({
        let stream = arg_ref!(stream);
        match stream.stream.wait_open(timeout_of(timeout_ms)) {
            Poll::Ready(Ok(())) => sse_result::SSE_OK,
            Poll::Ready(Err(e)) if e.kind == ErrorKind::Cancelled => sse_result::SSE_CANCELLED,
            Poll::Ready(Err(_)) => sse_result::SSE_ERR_OPEN,
            Poll::Pending => sse_result::SSE_TIMEOUT,
        }
    })
}

/// The stream's own fd for poll/epoll/kqueue (an eventfd on Linux, a
/// pipe's read end elsewhere), made on the first call: readable while
/// events are queued, after a started stream's open completed, and once
/// the stream ended, failed or was cancelled. A read call that takes the
/// last queued event, or finds none, while the stream runs makes it
/// unreadable: read until `SSE_TIMEOUT` (for `sse_stream_read`: until it
/// returns anything but `SSE_OK`) before polling again. Owned by the
/// stream: never close it or read from it; it is valid until `sse_close`.
/// -1 for NULL or when no fd can be made (e.g. the process is out of
/// descriptors). Streams that are never asked for their fd have none: wait
/// on many streams with an `sse_poller`.
/// Thread-safe.
#[no_mangle]
pub extern "C" fn sse_stream_fd(stream: *const sse_stream) -> c_int {
    ffi_boundary!({
        let stream = arg_ref!(stream);
        stream.stream.fd().unwrap_or(-1)
    })
}

/// Cancels the stream: a blocked `sse_next_event` (any thread) returns
/// `SSE_CANCELLED`, as do later reads; the connection is dropped.
/// Idempotent: cancelling again returns `SSE_OK`. The stream must still be
/// freed with `sse_close`. Thread-safe.
#[no_mangle]
pub extern "C" fn sse_cancel(stream: *const sse_stream) -> sse_result {
    ffi_boundary!({
        let stream = arg_ref!(stream);
        stream.stream.cancel();
        sse_result::SSE_OK
    })
}

/// Cancels the stream if it still runs and frees it with every view and
/// error it lent out. NULL is a no-op. Closing while another thread uses
/// the stream (including `sse_cancel`) is undefined.
#[no_mangle]
pub extern "C" fn sse_close(stream: *mut sse_stream) {
    ffi_boundary!({
        // SAFETY: the header's contract: NULL or a live stream that no other
        // thread uses during or after this call.
        unsafe { handle::free(stream) }
    })
}

/// The response status, 0 before the headers are in or for NULL. With the
/// `reconnect` option, the response is that of the connection whose events
/// are being read: a read that returns a RECONNECTED notice makes the new
/// connection's response the stream's (the same for every response call).
#[no_mangle]
pub extern "C" fn sse_stream_status(stream: *const sse_stream) -> u16 {
    ffi_boundary!({
        let stream = arg_ref!(stream);
        stream
            .stream
            .response()
            .map_or(0, |response| response.status)
    })
}

/// The number of response headers, 0 before the headers are in or for NULL.
#[no_mangle]
pub extern "C" fn sse_stream_header_count(stream: *const sse_stream) -> usize {
    ffi_boundary!({
        let stream = arg_ref!(stream);
        stream
            .stream
            .response()
            .map_or(0, |response| response.headers.len())
    })
}

/// Response header `index` (0-based). Headers are grouped by name: names
/// in the order each first arrived, a repeated name once per value, its
/// values together in the order received (so `a, b, a` reads `a, a, b`).
/// `*name` (lower-case) and `*value` are borrowed; valid until `sse_close`
/// on this stream or, with the `reconnect` option, the next read call that
/// returns `SSE_NOTICE`. `SSE_ERR_STATE` before the headers are in;
/// `SSE_ERR_INVALID` when `index` is out of range.
#[no_mangle]
pub extern "C" fn sse_stream_header(
    stream: *const sse_stream,
    index: usize,
    name: *mut sse_bytes,
    value: *mut sse_bytes,
) -> sse_result {
    ffi_boundary!({
        let stream = arg_ref!(stream);
        non_null!(name, value);
        let Some(response) = stream.stream.response() else {
            return sse_result::SSE_ERR_STATE;
        };
        let Some((header_name, header_value)) = response.headers.get(index) else {
            return sse_result::SSE_ERR_INVALID;
        };
        // SAFETY: both are non-NULL and writable per the header's contract.
        unsafe {
            handle::write(name, handle::view(header_name.as_str().as_bytes()));
            handle::write(value, handle::view(header_value.as_bytes()));
        }
        sse_result::SSE_OK
    })
}

/// True when the response's Content-Type is `text/event-stream`; false
/// before the headers are in or for NULL.
#[no_mangle]
pub extern "C" fn sse_stream_is_event_stream(stream: *const sse_stream) -> bool {
    ffi_boundary!({
        let stream = arg_ref!(stream);
        stream
            .stream
            .response()
            .is_some_and(|response| response.is_event_stream)
    })
}

/// The IP address of the connection the stream used (fresh or reused;
/// through a proxy, the proxy's), as text without the port, e.g.
/// `127.0.0.1` or `::1`. `*out` is borrowed; valid until `sse_close` on this
/// stream or, with the `reconnect` option, the next read call that returns
/// `SSE_NOTICE`. `SSE_ERR_STATE` before the headers are in. Thread-safe to
/// call; with `reconnect`, use the view on the thread that reads the stream
/// (another thread's read can end it).
#[no_mangle]
pub extern "C" fn sse_stream_remote_addr(
    stream: *const sse_stream,
    out: *mut sse_bytes,
) -> sse_result {
    ffi_boundary!({ lend_response_text(stream, out, |r| &r.remote_ip) })
}

/// The response's HTTP version as k6 and Go name it: `HTTP/1.1` or
/// `HTTP/2.0` (`HTTP/1.0` for an old server). `*out` is a static string.
/// `SSE_ERR_STATE` before the headers are in. Thread-safe.
#[no_mangle]
pub extern "C" fn sse_stream_http_version(
    stream: *const sse_stream,
    out: *mut sse_bytes,
) -> sse_result {
    ffi_boundary!({ lend_response_text(stream, out, go_version_name) })
}

/// Go's `Response.Proto` spelling (what k6's `proto` tag holds), which
/// differs from `Response::version_str` only for HTTP/2 and HTTP/3.
fn go_version_name(response: &Response) -> &'static str {
    match response.version {
        http::Version::HTTP_2 => "HTTP/2.0",
        http::Version::HTTP_3 => "HTTP/3.0",
        _ => response.version_str(),
    }
}

/// The URL that gave the response: the request's `url` as given, or, after
/// redirects (see the `max_redirects` option), the last one they led to.
/// `*out` is borrowed; valid until `sse_close` on this stream or, with the
/// `reconnect` option, the next read call that returns `SSE_NOTICE`.
/// `SSE_ERR_STATE` before the headers are in. Thread-safe to call; with
/// `reconnect`, use the view on the thread that reads the stream (another
/// thread's read can end it).
#[no_mangle]
pub extern "C" fn sse_stream_url(stream: *const sse_stream, out: *mut sse_bytes) -> sse_result {
    ffi_boundary!({ lend_response_text(stream, out, |r| &r.url) })
}

/// Shared body of the calls that lend one text of the current response
/// (it lives as long as the response: see `Stream::response`).
fn lend_response_text(
    stream: *const sse_stream,
    out: *mut sse_bytes,
    text: fn(&Response) -> &str,
) -> sse_result {
    let stream = arg_ref!(stream);
    non_null!(out);
    let Some(response) = stream.stream.response() else {
        return sse_result::SSE_ERR_STATE;
    };
    // SAFETY: `out` is non-NULL and writable per the header's contract.
    unsafe { handle::write(out, handle::view(text(&response).as_bytes())) };
    sse_result::SSE_OK
}

/// Copies a snapshot of the stream's timings and byte counts into `*out`
/// (across reconnects: see `sse_timings`). Thread-safe.
#[no_mangle]
pub extern "C" fn sse_stream_timings(
    stream: *const sse_stream,
    out: *mut sse_timings,
) -> sse_result {
    ffi_boundary!({
        let stream = arg_ref!(stream);
        non_null!(out);
        let timings = sse_timings::from(stream.stream.timings());
        // SAFETY: `out` is non-NULL and writable per the header's contract.
        unsafe { handle::write(out, timings) };
        sse_result::SSE_OK
    })
}

/// Why the stream failed (after `SSE_ERR_STREAM` or `SSE_ERR_OPEN`), or
/// NULL when it has not failed. Borrowed; valid until `sse_close` on this
/// stream: never pass it to `sse_error_free`.
#[no_mangle]
pub extern "C" fn sse_stream_error(stream: *const sse_stream) -> *const sse_error {
    ffi_boundary!({
        let stream = arg_ref!(stream);
        stream
            .stream
            .error()
            .map_or(std::ptr::null(), handle::error_as_ptr)
    })
}
