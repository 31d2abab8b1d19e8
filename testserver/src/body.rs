//! Response body type shared by every endpoint, and small response helpers.

use bytes::Bytes;
use http::{header, HeaderValue, Response, StatusCode};
use http_body_util::{combinators::BoxBody, BodyExt, Full};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
pub type RespBody = BoxBody<Bytes, BoxError>;

/// Largest frame a streaming body hands hyper at once.
pub const MAX_FRAME: usize = 64 * 1024;

pub fn full(bytes: impl Into<Bytes>) -> RespBody {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}

pub fn with_type(
    status: StatusCode,
    content_type: &'static str,
    body: RespBody,
) -> Response<RespBody> {
    let mut resp = Response::new(body);
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

pub fn text(status: StatusCode, text: impl Into<Bytes>) -> Response<RespBody> {
    with_type(status, "text/plain; charset=utf-8", full(text))
}

pub fn json(status: StatusCode, value: &serde_json::Value) -> Response<RespBody> {
    with_type(status, "application/json", full(value.to_string()))
}

/// A `text/event-stream` response with the headers SSE servers send.
pub fn event_stream(body: RespBody, stream_id: u64) -> Response<RespBody> {
    let mut resp = with_type(StatusCode::OK, "text/event-stream", body);
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("x-stream-id", HeaderValue::from(stream_id));
    resp
}

/// An error a body returns to make hyper drop the connection.
#[derive(Debug)]
pub struct Abort(pub &'static str);

impl std::fmt::Display for Abort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Abort {}
