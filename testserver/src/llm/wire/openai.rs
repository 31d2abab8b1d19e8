//! OpenAI's streamed chunks, written from a per-stream prefix (no allocation
//! per token): `chat.completion.chunk` (`choices[].delta`) and legacy
//! `text_completion` (`choices[].text`), both `data: {json}` events ended by
//! `data: [DONE]`.

use std::borrow::Cow;

use bytes::{BufMut, Bytes, BytesMut};
use serde::Serialize;

use super::{put_json_str, put_tokens, End, Marks, Wire, STREAM_ERROR_MESSAGE};
use crate::truth::Kind;

/// Everything of a chunk that does not change within one stream.
pub struct ChunkWriter {
    /// `data: {"id":…,"object":…,…,"choices":[`
    prefix: Bytes,
    /// `,"usage":null}` with `include_usage`, else `}`.
    tail: &'static [u8],
    chat: bool,
}

/// Fields shared by streaming chunks and the non-streaming responses.
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
    /// `chat`: `chat.completion.chunk` with deltas; else `text_completion`.
    pub fn new(
        chat: bool,
        id: &str,
        created: u64,
        model: &str,
        include_usage: bool,
    ) -> ChunkWriter {
        let head = Head {
            id,
            object: if chat {
                "chat.completion.chunk"
            } else {
                "text_completion"
            },
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
            chat,
        }
    }

    /// One chunk with one choice; `body` writes the delta object (chat) or
    /// the text's JSON string (completions).
    fn choice(&self, out: &mut BytesMut, body: impl FnOnce(&mut BytesMut), finish: Option<&str>) {
        out.put_slice(&self.prefix);
        if self.chat {
            out.put_slice(b"{\"index\":0,\"delta\":");
        } else {
            out.put_slice(b"{\"index\":0,\"text\":");
        }
        body(out);
        out.put_slice(b",\"logprobs\":null,\"finish_reason\":");
        match finish {
            Some(f) => put_json_str(out, f),
            None => out.put_slice(b"null"),
        }
        out.put_slice(b"}]");
        out.put_slice(self.tail);
    }

    /// The chat role chunk: `delta: {"role":"assistant","content":""}`.
    pub fn role(&self, out: &mut BytesMut) {
        self.choice(
            out,
            |o| o.put_slice(b"{\"role\":\"assistant\",\"content\":\"\"}"),
            None,
        );
    }

    /// A content chunk carrying `tokens` concatenated.
    pub fn content(&self, out: &mut BytesMut, tokens: &[Cow<'static, str>]) {
        let chat = self.chat;
        self.choice(
            out,
            |o| {
                o.put_slice(if chat { b"{\"content\":\"" } else { b"\"" });
                put_tokens(o, tokens);
                o.put_slice(if chat { b"\"}" } else { b"\"" });
            },
            None,
        );
    }

    /// The chunk with `finish_reason` and no content.
    pub fn finish(&self, out: &mut BytesMut, reason: &str) {
        let chat = self.chat;
        self.choice(
            out,
            |o| o.put_slice(if chat { b"{}" } else { b"\"\"" }),
            Some(reason),
        );
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

    /// An error in the stream, as OpenAI's SDKs detect it: a chunk whose
    /// only field is `error`.
    pub fn error(out: &mut BytesMut) {
        out.put_slice(b"data: {\"error\":{\"message\":");
        put_json_str(out, STREAM_ERROR_MESSAGE);
        out.put_slice(b",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n");
    }
}

/// Chat completions or legacy completions as a [`Wire`].
pub struct OpenAiWire {
    pub chunks: ChunkWriter,
    pub include_usage: bool,
    /// Send `data: [DONE]` last.
    pub done: bool,
}

impl Wire for OpenAiWire {
    fn open(&mut self, out: &mut BytesMut, m: &mut Marks) {
        // Legacy completions have no role chunk.
        if self.chunks.chat {
            self.chunks.role(out);
            m.mark(Kind::Open, 0);
        }
    }

    fn content(&mut self, out: &mut BytesMut, tokens: &[Cow<'static, str>], m: &mut Marks) {
        self.chunks.content(out, tokens);
        m.content(tokens.len());
    }

    fn end(&mut self, out: &mut BytesMut, end: &End, m: &mut Marks) {
        self.chunks.finish(out, end.finish.as_str());
        m.mark(Kind::Finish, 0);
        if self.include_usage {
            self.chunks
                .usage(out, end.prompt_tokens, end.completion_tokens);
            m.mark(Kind::Usage, 0);
        }
        if self.done {
            ChunkWriter::done(out);
            m.mark(Kind::Done, 0);
        }
    }

    fn error(&mut self, out: &mut BytesMut, m: &mut Marks) {
        ChunkWriter::error(out);
        m.mark(Kind::Error, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json_of(b: &[u8]) -> serde_json::Value {
        let line = std::str::from_utf8(b).unwrap();
        serde_json::from_str(line.strip_prefix("data: ").unwrap().trim_end()).unwrap()
    }

    #[test]
    fn escaped_content_is_valid_json() {
        let w = ChunkWriter::new(true, "chatcmpl-1", 7, "m\"x", true);
        let mut b = BytesMut::new();
        w.content(&mut b, &["a\"b\\c\n\u{1}".into(), " é".into()]);
        let json = json_of(&b);
        assert_eq!(json["choices"][0]["delta"]["content"], "a\"b\\c\n\u{1} é");
        assert_eq!(json["model"], "m\"x");
        assert!(json["usage"].is_null());
    }

    #[test]
    fn completions_chunks_carry_text() {
        let w = ChunkWriter::new(false, "cmpl-1", 7, "m", false);
        let mut b = BytesMut::new();
        w.content(&mut b, &["Hi".into(), " there".into()]);
        let json = json_of(&b);
        assert_eq!(json["object"], "text_completion");
        assert_eq!(json["choices"][0]["text"], "Hi there");
        assert!(json.get("usage").is_none());
        let mut b = BytesMut::new();
        w.finish(&mut b, "length");
        let json = json_of(&b);
        assert_eq!(json["choices"][0]["text"], "");
        assert_eq!(json["choices"][0]["finish_reason"], "length");
    }

    #[test]
    fn error_chunk_is_an_openai_error_object() {
        let mut b = BytesMut::new();
        ChunkWriter::error(&mut b);
        let json = json_of(&b);
        assert_eq!(json["error"]["type"], "server_error");
        assert_eq!(json["error"]["message"], STREAM_ERROR_MESSAGE);
    }
}
