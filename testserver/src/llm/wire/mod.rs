//! The bytes of each format's stream. A `Wire` writes one format's events
//! into the stream's reusable buffer and marks each in the truth log; the
//! schedule (`super::stream`) decides when, the same for every format.

mod anthropic;
mod openai;
mod responses;

use std::borrow::Cow;

use bytes::{BufMut, BytesMut};

pub use anthropic::AnthropicWire;
pub use openai::{ChunkWriter, Head, OpenAiWire, FINGERPRINT};
pub use responses::ResponsesWire;

use super::generate::Finish;
use crate::truth::{Kind, TruthStream};

/// How the content ended, for the closing events.
pub struct End<'a> {
    /// Every token sent, joined.
    pub text: &'a str,
    pub finish: Finish,
    /// The stop string that ended the completion, if one did.
    pub stop_sequence: Option<&'a str>,
    pub prompt_tokens: u64,
    /// Tokens sent as content.
    pub completion_tokens: u64,
}

/// Collects the truth-log kind of each event a wire writes.
pub struct Marks<'a>(pub Option<&'a mut TruthStream>);

impl Marks<'_> {
    pub fn mark(&mut self, kind: Kind, tokens: usize) {
        if let Some(t) = self.0.as_mut() {
            t.push(kind, tokens.min(u32::MAX as usize) as u32);
        }
    }

    /// A content delta of `tokens` tokens: `empty` when there are none.
    pub fn content(&mut self, tokens: usize) {
        let kind = if tokens == 0 {
            Kind::Empty
        } else {
            Kind::Content
        };
        self.mark(kind, tokens);
    }
}

/// One format's events. Every method appends whole events to `out`.
pub trait Wire: Send + Sync {
    /// The events before any token (none for legacy completions).
    fn open(&mut self, out: &mut BytesMut, m: &mut Marks);
    /// One content delta carrying `tokens` (empty: a delta with no text).
    fn content(&mut self, out: &mut BytesMut, tokens: &[Cow<'static, str>], m: &mut Marks);
    /// The closing events: finish reason, usage, terminator.
    fn end(&mut self, out: &mut BytesMut, end: &End, m: &mut Marks);
    /// The format's in-stream error event (the stream ends after it).
    fn error(&mut self, out: &mut BytesMut, m: &mut Marks);
}

/// The message of every in-stream error the `error_after` knob sends.
pub const STREAM_ERROR_MESSAGE: &str = "sse-testserver: error_after reached";

/// Appends `s` as a JSON string, quotes included.
pub fn put_json_str(out: &mut BytesMut, s: &str) {
    out.put_u8(b'"');
    put_json_str_body(out, s);
    out.put_u8(b'"');
}

/// JSON string escaping without the quotes.
pub fn put_json_str_body(out: &mut BytesMut, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: Option<&[u8]> = match b {
            b'"' => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            b'\n' => Some(b"\\n"),
            b'\r' => Some(b"\\r"),
            b'\t' => Some(b"\\t"),
            0..=0x1f => None,
            _ => continue,
        };
        out.put_slice(&bytes[start..i]);
        match esc {
            Some(e) => out.put_slice(e),
            None => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.put_slice(b"\\u00");
                out.put_u8(HEX[(b >> 4) as usize]);
                out.put_u8(HEX[(b & 0xf) as usize]);
            }
        }
        start = i + 1;
    }
    out.put_slice(&bytes[start..]);
}

/// Appends the tokens joined, JSON-escaped, without quotes.
pub fn put_tokens(out: &mut BytesMut, tokens: &[Cow<'static, str>]) {
    for t in tokens {
        put_json_str_body(out, t);
    }
}

/// Appends one named event: `event: NAME\ndata: JSON\n\n`.
pub fn put_named(out: &mut BytesMut, name: &str, json: &serde_json::Value) {
    out.put_slice(b"event: ");
    out.put_slice(name.as_bytes());
    out.put_slice(b"\ndata: ");
    // Serializing a Value into a growable buffer cannot fail.
    let _ = serde_json::to_writer((&mut *out).writer(), json);
    out.put_slice(b"\n\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_make_valid_json() {
        let mut b = BytesMut::new();
        put_json_str(&mut b, "a\"b\\c\n\u{1} é");
        let v: String = serde_json::from_slice(&b).unwrap();
        assert_eq!(v, "a\"b\\c\n\u{1} é");
    }
}
