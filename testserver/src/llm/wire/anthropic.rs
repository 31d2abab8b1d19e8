//! Anthropic Messages streaming: `message_start`, `content_block_start`,
//! `ping`, `content_block_delta` per chunk, `content_block_stop`,
//! `message_delta` (stop reason, output tokens), `message_stop`. Deltas are
//! written from a fixed prefix (no allocation per token).

use std::borrow::Cow;

use bytes::{BufMut, BytesMut};
use serde_json::json;

use super::{put_named, put_tokens, End, Marks, Wire, STREAM_ERROR_MESSAGE};
use crate::llm::generate::Finish;
use crate::truth::Kind;

pub struct AnthropicWire {
    pub id: String,
    pub model: String,
    pub prompt_tokens: u64,
    /// Send `message_stop` last.
    pub done: bool,
}

const DELTA_PREFIX: &[u8] = b"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"";

impl Wire for AnthropicWire {
    fn open(&mut self, out: &mut BytesMut, m: &mut Marks) {
        let start = json!({
            "type": "message_start",
            "message": {
                "id": self.id, "type": "message", "role": "assistant", "content": [],
                "model": self.model, "stop_reason": null, "stop_sequence": null,
                "usage": {"input_tokens": self.prompt_tokens, "output_tokens": 1},
            },
        });
        put_named(out, "message_start", &start);
        let block = json!({"type": "content_block_start", "index": 0,
                           "content_block": {"type": "text", "text": ""}});
        put_named(out, "content_block_start", &block);
        put_named(out, "ping", &json!({"type": "ping"}));
        for _ in 0..3 {
            m.mark(Kind::Open, 0);
        }
    }

    fn content(&mut self, out: &mut BytesMut, tokens: &[Cow<'static, str>], m: &mut Marks) {
        out.put_slice(DELTA_PREFIX);
        put_tokens(out, tokens);
        out.put_slice(b"\"}}\n\n");
        m.content(tokens.len());
    }

    fn end(&mut self, out: &mut BytesMut, end: &End, m: &mut Marks) {
        put_named(
            out,
            "content_block_stop",
            &json!({"type": "content_block_stop", "index": 0}),
        );
        m.mark(Kind::Finish, 0);
        let reason = match (end.finish, end.stop_sequence) {
            (Finish::Length, _) => "max_tokens",
            (Finish::Stop, Some(_)) => "stop_sequence",
            (Finish::Stop, None) => "end_turn",
        };
        let delta = json!({
            "type": "message_delta",
            "delta": {"stop_reason": reason, "stop_sequence": end.stop_sequence},
            "usage": {"output_tokens": end.completion_tokens},
        });
        put_named(out, "message_delta", &delta);
        m.mark(Kind::Usage, 0);
        if self.done {
            put_named(out, "message_stop", &json!({"type": "message_stop"}));
            m.mark(Kind::Done, 0);
        }
    }

    fn error(&mut self, out: &mut BytesMut, m: &mut Marks) {
        let e = json!({"type": "error",
                       "error": {"type": "api_error", "message": STREAM_ERROR_MESSAGE}});
        put_named(out, "error", &e);
        m.mark(Kind::Error, 0);
    }
}
