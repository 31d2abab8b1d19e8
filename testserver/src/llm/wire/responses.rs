//! OpenAI Responses API events: `event: <type>` + `data: {"type":<type>,
//! "sequence_number":n,…}`. One message output item with one `output_text`
//! part; deltas are written from a per-stream prefix (no allocation per token).

use std::borrow::Cow;

use bytes::{BufMut, Bytes, BytesMut};
use serde_json::{json, Value};

use super::{put_named, put_tokens, End, Marks, Wire, STREAM_ERROR_MESSAGE};
use crate::llm::generate::Finish;
use crate::sse_write::fmt_u64;
use crate::truth::Kind;

pub struct ResponsesWire {
    id: String,
    item_id: String,
    created_at: u64,
    model: String,
    max_output_tokens: Option<u64>,
    seq: u64,
    /// `event: response.output_text.delta\ndata: {"type":…,"sequence_number":`
    delta_prefix: Bytes,
    /// `,"item_id":"msg_…","output_index":0,"content_index":0,"delta":"`
    delta_middle: Bytes,
}

const DELTA: &str = "response.output_text.delta";

impl ResponsesWire {
    pub fn new(id: &str, created_at: u64, model: &str, max_output_tokens: Option<u64>) -> Self {
        // The message item shares the response's unique part.
        let item_id = format!("msg_{}", id.trim_start_matches("resp_"));
        let prefix = format!("event: {DELTA}\ndata: {{\"type\":\"{DELTA}\",\"sequence_number\":");
        let middle = format!(
            ",\"item_id\":\"{item_id}\",\"output_index\":0,\"content_index\":0,\"delta\":\""
        );
        ResponsesWire {
            id: id.to_owned(),
            item_id,
            created_at,
            model: model.to_owned(),
            max_output_tokens,
            seq: 0,
            delta_prefix: Bytes::from(prefix),
            delta_middle: Bytes::from(middle),
        }
    }

    fn next_seq(&mut self) -> u64 {
        let s = self.seq;
        self.seq += 1;
        s
    }

    /// Writes `event: TYPE` with `fields` plus `type` and `sequence_number`.
    fn event(&mut self, out: &mut BytesMut, kind: &str, mut fields: Value) {
        fields["type"] = Value::from(kind);
        fields["sequence_number"] = Value::from(self.next_seq());
        put_named(out, kind, &fields);
    }

    /// The response object; `output` and `usage` once it ended.
    fn response(&self, status: &str, output: Value, usage: Value, incomplete: Value) -> Value {
        json!({
            "id": self.id,
            "object": "response",
            "created_at": self.created_at,
            "status": status,
            "error": null,
            "incomplete_details": incomplete,
            "instructions": null,
            "max_output_tokens": self.max_output_tokens,
            "model": self.model,
            "output": output,
            "parallel_tool_calls": true,
            "previous_response_id": null,
            "reasoning": {"effort": null, "summary": null},
            "store": false,
            "temperature": 1.0,
            "text": {"format": {"type": "text"}},
            "tool_choice": "auto",
            "tools": [],
            "top_p": 1.0,
            "truncation": "disabled",
            "usage": usage,
            "user": null,
            "metadata": {},
        })
    }

    fn part(text: &str) -> Value {
        json!({"type": "output_text", "annotations": [], "logprobs": [], "text": text})
    }

    fn item(&self, status: &str, content: Value) -> Value {
        json!({"id": self.item_id, "type": "message", "status": status,
               "content": content, "role": "assistant"})
    }
}

impl Wire for ResponsesWire {
    fn open(&mut self, out: &mut BytesMut, m: &mut Marks) {
        let r = self.response("in_progress", json!([]), Value::Null, Value::Null);
        self.event(out, "response.created", json!({ "response": r }));
        self.event(out, "response.in_progress", json!({ "response": r }));
        let item = self.item("in_progress", json!([]));
        self.event(
            out,
            "response.output_item.added",
            json!({"output_index": 0, "item": item}),
        );
        let part = Self::part("");
        let item_id = self.item_id.clone();
        self.event(
            out,
            "response.content_part.added",
            json!({"item_id": item_id, "output_index": 0, "content_index": 0, "part": part}),
        );
        for _ in 0..4 {
            m.mark(Kind::Open, 0);
        }
    }

    fn content(&mut self, out: &mut BytesMut, tokens: &[Cow<'static, str>], m: &mut Marks) {
        let mut num = [0u8; 20];
        let seq = self.next_seq();
        out.put_slice(&self.delta_prefix);
        out.put_slice(fmt_u64(seq, &mut num));
        out.put_slice(&self.delta_middle);
        put_tokens(out, tokens);
        out.put_slice(b"\",\"logprobs\":[]}\n\n");
        m.content(tokens.len());
    }

    fn end(&mut self, out: &mut BytesMut, end: &End, m: &mut Marks) {
        let item_id = self.item_id.clone();
        let ids = json!({"item_id": item_id, "output_index": 0, "content_index": 0});
        let mut done = ids.clone();
        done["text"] = Value::from(end.text);
        done["logprobs"] = json!([]);
        self.event(out, "response.output_text.done", done);
        let mut part = ids;
        part["part"] = Self::part(end.text);
        self.event(out, "response.content_part.done", part);
        let (status, incomplete, terminal) = match end.finish {
            Finish::Stop => ("completed", Value::Null, "response.completed"),
            Finish::Length => (
                "incomplete",
                json!({"reason": "max_output_tokens"}),
                "response.incomplete",
            ),
        };
        let item = self.item(status, json!([Self::part(end.text)]));
        self.event(
            out,
            "response.output_item.done",
            json!({"output_index": 0, "item": item}),
        );
        let usage = json!({
            "input_tokens": end.prompt_tokens,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": end.completion_tokens,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": end.prompt_tokens + end.completion_tokens,
        });
        let r = self.response(status, json!([item]), usage, incomplete);
        self.event(out, terminal, json!({ "response": r }));
        for _ in 0..3 {
            m.mark(Kind::Finish, 0);
        }
        m.mark(Kind::Done, 0);
    }

    fn error(&mut self, out: &mut BytesMut, m: &mut Marks) {
        self.event(
            out,
            "error",
            json!({"code": "server_error", "message": STREAM_ERROR_MESSAGE, "param": null}),
        );
        m.mark(Kind::Error, 0);
    }
}
