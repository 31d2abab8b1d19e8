//! `/echo`: the request back as three events `method`, `headers`, `body`.

use bytes::{BufMut, Bytes, BytesMut};
use http::HeaderMap;

use crate::sse_write::{put_data_text, put_field, Eol};

/// `headers` is a JSON object name → value (repeated headers joined by
/// `", "`); `body` is the request body as text, one `data:` line per line.
pub fn render(method: &str, headers: &HeaderMap, body: &[u8]) -> Bytes {
    let mut map = serde_json::Map::new();
    for name in headers.keys() {
        let joined = headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect::<Vec<_>>()
            .join(", ");
        map.insert(name.as_str().to_owned(), serde_json::Value::String(joined));
    }
    let headers_json = serde_json::Value::Object(map).to_string();
    let mut out = BytesMut::new();
    put_field(&mut out, b"event", b"method", Eol::Lf);
    put_field(&mut out, b"data", method.as_bytes(), Eol::Lf);
    out.put_u8(b'\n');
    put_field(&mut out, b"event", b"headers", Eol::Lf);
    put_field(&mut out, b"data", headers_json.as_bytes(), Eol::Lf);
    out.put_u8(b'\n');
    put_field(&mut out, b"event", b"body", Eol::Lf);
    put_data_text(&mut out, body, Eol::Lf);
    out.put_u8(b'\n');
    out.freeze()
}
