//! The bytes of streamed `chat.completion.chunk` events, written into a
//! reusable buffer from a per-stream prefix (no allocation per token).

use bytes::{BufMut, Bytes, BytesMut};
use serde::Serialize;

/// Everything of a chunk that does not change within one stream.
pub struct ChunkWriter {
    /// `data: {"id":…,"object":"chat.completion.chunk",…,"choices":[`
    prefix: Bytes,
    /// `,"usage":null}` with `include_usage`, else `}`.
    tail: &'static [u8],
}

/// Fields shared by streaming chunks and the non-streaming response.
#[derive(Serialize)]
pub struct Head<'a> {
    pub id: &'a str,
    pub object: &'static str,
    pub created: u64,
    pub model: &'a str,
    pub system_fingerprint: &'static str,
}

pub const FINGERPRINT: &str = "fp_sse_testserver";

impl ChunkWriter {
    pub fn new(id: &str, created: u64, model: &str, include_usage: bool) -> ChunkWriter {
        let head = Head {
            id,
            object: "chat.completion.chunk",
            created,
            model,
            system_fingerprint: FINGERPRINT,
        };
        // `{"id":…,"system_fingerprint":"…"}` → drop the `}`, add `,"choices":[`.
        let mut json = serde_json::to_vec(&head).unwrap_or_default();
        json.pop();
        let mut prefix = BytesMut::with_capacity(json.len() + 24);
        prefix.put_slice(b"data: ");
        prefix.put_slice(&json);
        prefix.put_slice(b",\"choices\":[");
        ChunkWriter {
            prefix: prefix.freeze(),
            tail: if include_usage {
                b",\"usage\":null}\n\n"
            } else {
                b"}\n\n"
            },
        }
    }

    fn choice(&self, out: &mut BytesMut, delta: impl FnOnce(&mut BytesMut), finish: Option<&str>) {
        out.put_slice(&self.prefix);
        out.put_slice(b"{\"index\":0,\"delta\":");
        delta(out);
        out.put_slice(b",\"logprobs\":null,\"finish_reason\":");
        match finish {
            Some(f) => {
                out.put_u8(b'"');
                out.put_slice(f.as_bytes());
                out.put_u8(b'"');
            }
            None => out.put_slice(b"null"),
        }
        out.put_slice(b"}]");
        out.put_slice(self.tail);
    }

    /// The first chunk: `delta: {"role":"assistant","content":""}`.
    pub fn role(&self, out: &mut BytesMut) {
        self.choice(
            out,
            |o| o.put_slice(b"{\"role\":\"assistant\",\"content\":\"\"}"),
            None,
        );
    }

    /// A content chunk carrying `tokens` concatenated.
    pub fn content<S: AsRef<str>>(&self, out: &mut BytesMut, tokens: &[S]) {
        self.choice(
            out,
            |o| {
                o.put_slice(b"{\"content\":\"");
                for t in tokens {
                    put_json_str_body(o, t.as_ref());
                }
                o.put_slice(b"\"}");
            },
            None,
        );
    }

    /// The chunk with `finish_reason` and an empty delta.
    pub fn finish(&self, out: &mut BytesMut, reason: &str) {
        self.choice(out, |o| o.put_slice(b"{}"), Some(reason));
    }

    /// The usage chunk: `choices: []` and the totals.
    pub fn usage(&self, out: &mut BytesMut, prompt: u64, completion: u64) {
        out.put_slice(&self.prefix);
        let usage = format!(
            "],\"usage\":{{\"prompt_tokens\":{prompt},\"completion_tokens\":{completion},\"total_tokens\":{}}}}}\n\n",
            prompt + completion
        );
        out.put_slice(usage.as_bytes());
    }

    pub fn done(out: &mut BytesMut) {
        out.put_slice(b"data: [DONE]\n\n");
    }
}

/// JSON string escaping without the quotes.
fn put_json_str_body(out: &mut BytesMut, s: &str) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_content_is_valid_json() {
        let w = ChunkWriter::new("chatcmpl-1", 7, "m\"x", true);
        let mut b = BytesMut::new();
        w.content(&mut b, &["a\"b\\c\n\u{1}", " é"]);
        let line = std::str::from_utf8(&b).unwrap();
        let json: serde_json::Value =
            serde_json::from_str(line.strip_prefix("data: ").unwrap().trim_end()).unwrap();
        assert_eq!(json["choices"][0]["delta"]["content"], "a\"b\\c\n\u{1} é");
        assert_eq!(json["model"], "m\"x");
        assert!(json["usage"].is_null());
    }
}
