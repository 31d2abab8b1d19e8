//! `/v1/completions`, `/v1/responses`, `/v1/messages` field by field, and the
//! shape knobs every format shares (role_ms, empty_deltas, done, error_after,
//! completion_tokens=0, ignore_eos).

mod common;

use common::{data_events, named_events, request, server, Resp};
use serde_json::{json, Value};

async fn post(s: &sse_testserver::ServerHandle, path: &str, body: Value) -> Resp {
    request(s.addr(), "POST", path, &[], &body.to_string()).await
}

fn chat_body(extra: Value) -> Value {
    merge(
        json!({"model": "m", "messages": [{"role": "user", "content": "knob test"}], "stream": true}),
        extra,
    )
}

fn merge(mut base: Value, extra: Value) -> Value {
    if let (Some(o), Some(e)) = (base.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            o.insert(k.clone(), v.clone());
        }
    }
    base
}

/// Named events with their JSON data, checking each data's `type` is its name.
fn typed(r: &Resp) -> Vec<(String, Value)> {
    assert_eq!(r.status, 200, "{}", r.text());
    named_events(r.text())
        .into_iter()
        .map(|(name, data)| {
            let v: Value = serde_json::from_str(&data).expect("event data is JSON");
            assert_eq!(v["type"], name.as_str(), "data.type is the event name");
            (name, v)
        })
        .collect()
}

fn names(ev: &[(String, Value)]) -> Vec<&str> {
    ev.iter().map(|(n, _)| n.as_str()).collect()
}

#[tokio::test]
async fn completions_stream_text_chunks() {
    let s = server();
    let body = json!({"model": "m", "prompt": "Once upon", "stream": true,
        "completion_tokens": 30, "stream_options": {"include_usage": true}});
    let r = post(&s, "/v1/completions", body).await;
    let ev = data_events(r.text());
    assert_eq!(ev.last().map(String::as_str), Some("[DONE]"));
    let chunks: Vec<Value> = ev[..ev.len() - 1]
        .iter()
        .map(|e| serde_json::from_str(e).unwrap())
        .collect();
    // 16 tokens (the default max_tokens of legacy completions), finish, usage.
    assert_eq!(chunks.len(), 16 + 2);
    let id = chunks[0]["id"].as_str().unwrap();
    assert!(id.starts_with("cmpl-"));
    for c in &chunks[..16] {
        assert_eq!(c["object"], "text_completion");
        assert_eq!(c["id"], id);
        assert!(!c["choices"][0]["text"].as_str().unwrap().is_empty());
        assert!(c["choices"][0]["finish_reason"].is_null());
        assert!(c["usage"].is_null());
    }
    assert_eq!(chunks[16]["choices"][0]["finish_reason"], "length");
    assert_eq!(chunks[17]["choices"], json!([]));
    assert_eq!(chunks[17]["usage"]["completion_tokens"], 16);
    assert_eq!(chunks[17]["usage"]["prompt_tokens"], 2);

    let r = post(
        &s,
        "/v1/completions",
        json!({"model": "m", "prompt": ["hi"], "max_tokens": 3}),
    )
    .await;
    let v = r.json();
    assert_eq!(v["object"], "text_completion");
    assert_eq!(v["usage"]["completion_tokens"], 3);
    let r = post(
        &s,
        "/v1/completions",
        json!({"model": "m", "prompt": ["a", "b"]}),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["param"], "prompt");
}

#[tokio::test]
async fn responses_stream_events_in_order() {
    let s = server();
    let body = json!({"model": "m", "instructions": "Be brief.", "stream": true,
        "input": [{"role": "user", "content": [{"type": "input_text", "text": "Tell me"}]}],
        "completion_tokens": 5});
    let ev = typed(&post(&s, "/v1/responses", body).await);
    let mut want = vec![
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ];
    want.extend(["response.output_text.delta"; 5]);
    want.extend([
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]);
    assert_eq!(names(&ev), want);
    for (i, (_, v)) in ev.iter().enumerate() {
        assert_eq!(v["sequence_number"], i as u64);
    }
    let id = ev[0].1["response"]["id"].as_str().unwrap();
    assert!(id.starts_with("resp_"));
    assert_eq!(ev[0].1["response"]["status"], "in_progress");
    let item_id = ev[2].1["item"]["id"].as_str().unwrap();
    let text: String = ev[4..9]
        .iter()
        .map(|(_, v)| {
            assert_eq!(v["item_id"], item_id);
            v["delta"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(ev[9].1["text"], text.as_str());
    let done = &ev[12].1["response"];
    assert_eq!(done["id"], id);
    assert_eq!(done["status"], "completed");
    assert_eq!(done["output"][0]["content"][0]["text"], text.as_str());
    assert_eq!(done["usage"]["output_tokens"], 5);
    // "Be brief." = 3 tokens, "Tell me" = 2.
    assert_eq!(done["usage"]["input_tokens"], 5);
    assert_eq!(done["usage"]["total_tokens"], 10);

    let body = json!({"model": "m", "input": "x", "stream": true, "max_output_tokens": 3,
        "completion_tokens": 10});
    let ev = typed(&post(&s, "/v1/responses", body).await);
    let (last, v) = ev.last().unwrap();
    assert_eq!(last, "response.incomplete");
    assert_eq!(v["response"]["status"], "incomplete");
    assert_eq!(
        v["response"]["incomplete_details"]["reason"],
        "max_output_tokens"
    );
    assert_eq!(v["response"]["usage"]["output_tokens"], 3);

    let r = post(&s, "/v1/responses", json!({"model": "m", "input": "x"})).await;
    assert_eq!(r.status, 400, "streaming only");
}

#[tokio::test]
async fn anthropic_messages_stream() {
    let s = server();
    let body = json!({"model": "claude-test", "max_tokens": 100, "stream": true,
        "system": "Be brief.", "messages": [{"role": "user", "content": "Hello there"}],
        "completion_tokens": 4});
    let ev = typed(&post(&s, "/v1/messages", body).await);
    assert_eq!(
        names(&ev),
        [
            "message_start",
            "content_block_start",
            "ping",
            "content_block_delta",
            "content_block_delta",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop"
        ]
    );
    let msg = &ev[0].1["message"];
    assert!(msg["id"].as_str().unwrap().starts_with("msg_"));
    assert_eq!(msg["role"], "assistant");
    assert_eq!(msg["model"], "claude-test");
    assert_eq!(msg["usage"]["input_tokens"], 5);
    for (_, d) in &ev[3..7] {
        assert_eq!(d["delta"]["type"], "text_delta");
        assert!(!d["delta"]["text"].as_str().unwrap().is_empty());
    }
    let delta = &ev[8].1;
    assert_eq!(delta["delta"]["stop_reason"], "end_turn");
    assert!(delta["delta"]["stop_sequence"].is_null());
    assert_eq!(delta["usage"]["output_tokens"], 4);

    let body = json!({"model": "m", "max_tokens": 2, "stream": true, "completion_tokens": 9,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]});
    let ev = typed(&post(&s, "/v1/messages", body).await);
    let delta = &ev[ev.len() - 2].1;
    assert_eq!(delta["delta"]["stop_reason"], "max_tokens");
    assert_eq!(delta["usage"]["output_tokens"], 2);

    let r = post(
        &s,
        "/v1/messages",
        json!({"model": "m", "messages": [{"role": "user", "content": "x"}]}),
    )
    .await;
    assert_eq!(r.status, 400);
    let e = r.json();
    assert_eq!(e["type"], "error");
    assert_eq!(e["error"]["type"], "invalid_request_error");
    assert!(e["error"]["message"]
        .as_str()
        .unwrap()
        .contains("max_tokens"));
}

#[tokio::test]
async fn anthropic_stop_sequence_is_reported() {
    let s = server();
    let base = json!({"model": "m", "max_tokens": 500, "stream": true, "completion_tokens": 100,
        "messages": [{"role": "user", "content": "stop here"}]});
    let text: String = typed(&post(&s, "/v1/messages", base.clone()).await)
        .iter()
        .filter(|(n, _)| n == "content_block_delta")
        .map(|(_, v)| v["delta"]["text"].as_str().unwrap().to_owned())
        .collect();
    let stop = text[40..46].to_owned();
    let ev = typed(
        &post(
            &s,
            "/v1/messages",
            merge(base, json!({"stop_sequences": [stop.clone()]})),
        )
        .await,
    );
    let delta = &ev[ev.len() - 2].1;
    assert_eq!(delta["delta"]["stop_reason"], "stop_sequence");
    assert_eq!(delta["delta"]["stop_sequence"], stop.as_str());
}

/// A streamed Responses request (`body` over a minimal one): its events.
async fn responses(s: &sse_testserver::ServerHandle, body: Value) -> Vec<(String, Value)> {
    let base = json!({"model": "m", "input": "x", "stream": true});
    typed(&post(s, "/v1/responses", merge(base, body)).await)
}

/// A streamed Anthropic Messages request (`body` over a minimal one): its events.
async fn messages(s: &sse_testserver::ServerHandle, body: Value) -> Vec<(String, Value)> {
    let base = json!({"model": "m", "max_tokens": 9, "stream": true,
        "messages": [{"role": "user", "content": "x"}]});
    typed(&post(s, "/v1/messages", merge(base, body)).await)
}

/// A streamed chat completion with `extra` body fields: its chunks, and
/// whether it ended with `[DONE]`.
async fn chat(s: &sse_testserver::ServerHandle, extra: Value) -> (Vec<Value>, bool) {
    chat_deltas(&post(s, "/v1/chat/completions", chat_body(extra)).await)
}

/// The chat chunks' deltas, and whether the stream ended with `[DONE]`.
fn chat_deltas(r: &Resp) -> (Vec<Value>, bool) {
    assert_eq!(r.status, 200, "{}", r.text());
    let ev = data_events(r.text());
    let done = ev.last().map(String::as_str) == Some("[DONE]");
    let n = ev.len() - usize::from(done);
    (
        ev[..n]
            .iter()
            .map(|e| serde_json::from_str(e).unwrap())
            .collect(),
        done,
    )
}

#[tokio::test]
async fn empty_deltas_and_no_content_at_all() {
    let s = server();
    let (c, done) = chat(&s, json!({"empty_deltas": 2, "completion_tokens": 2})).await;
    assert!(done);
    assert_eq!(
        c[0]["choices"][0]["delta"],
        json!({"role": "assistant", "content": ""})
    );
    assert_eq!(c[1]["choices"][0]["delta"], json!({"content": ""}));
    assert_eq!(c[2]["choices"][0]["delta"], json!({"content": ""}));
    assert!(!c[3]["choices"][0]["delta"]["content"]
        .as_str()
        .unwrap()
        .is_empty());
    assert_eq!(c.len(), 1 + 2 + 2 + 1);

    // No content: role, finish, [DONE].
    let (c, done) = chat(&s, json!({"completion_tokens": 0})).await;
    assert!(done);
    assert_eq!(c.len(), 2);
    assert_eq!(c[1]["choices"][0]["finish_reason"], "stop");

    let ev = responses(&s, json!({"completion_tokens": 0, "empty_deltas": 1})).await;
    let deltas: Vec<&Value> = ev
        .iter()
        .filter(|(n, _)| n == "response.output_text.delta")
        .map(|(_, v)| v)
        .collect();
    assert_eq!(deltas.len(), 1);
    assert_eq!(deltas[0]["delta"], "");
    assert_eq!(
        ev.last().unwrap().1["response"]["usage"]["output_tokens"],
        0
    );

    let ev = messages(
        &s,
        json!({"max_tokens": 5, "completion_tokens": 0, "empty_deltas": 1}),
    )
    .await;
    assert_eq!(
        names(&ev),
        [
            "message_start",
            "content_block_start",
            "ping",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop"
        ]
    );
    assert_eq!(ev[3].1["delta"]["text"], "");
}

#[tokio::test]
async fn usage_without_done_and_ignore_eos() {
    let s = server();
    let body = chat_body(json!({"done": 0, "max_tokens": 40, "ignore_eos": true,
        "stream_options": {"include_usage": true}}));
    let (c, done) = chat_deltas(&post(&s, "/v1/chat/completions", body).await);
    assert!(!done, "done=0 drops [DONE]");
    let usage = c.last().unwrap();
    assert_eq!(
        usage["usage"]["completion_tokens"], 40,
        "ignore_eos runs to max_tokens"
    );
    assert_eq!(c[c.len() - 2]["choices"][0]["finish_reason"], "length");

    let ev = messages(&s, json!({"max_tokens": 5, "done": 0})).await;
    assert_eq!(ev.last().unwrap().0, "message_delta");
}

#[tokio::test]
async fn error_after_sends_each_formats_error_event_and_ends() {
    let s = server();
    let (c, done) = chat(&s, json!({"error_after": 2, "completion_tokens": 10})).await;
    assert!(!done);
    assert_eq!(c.len(), 1 + 2 + 1);
    let err = &c[3]["error"];
    assert_eq!(err["type"], "server_error");
    assert!(err["message"].as_str().unwrap().contains("error_after"));

    let r = post(
        &s,
        "/v1/completions",
        json!({"model": "m", "prompt": "p", "stream": true, "error_after": 0}),
    )
    .await;
    let (c, done) = chat_deltas(&r);
    assert!(!done);
    assert_eq!(c.len(), 1);
    assert!(c[0]["error"].is_object());

    let ev = responses(&s, json!({"error_after": 1, "completion_tokens": 10})).await;
    assert_eq!(names(&ev)[4..], ["response.output_text.delta", "error"]);
    assert_eq!(ev[5].1["code"], "server_error");
    assert_eq!(ev[5].1["sequence_number"], 5);

    let ev = messages(&s, json!({"error_after": 1, "completion_tokens": 10})).await;
    assert_eq!(names(&ev)[3..], ["content_block_delta", "error"]);
    assert_eq!(ev[4].1["error"]["type"], "api_error");
}

#[tokio::test]
async fn role_ms_sends_the_opening_events_before_the_first_token() {
    let path = std::env::temp_dir().join(format!("sse-truth-{}-role.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let s = sse_testserver::spawn(sse_testserver::Config {
        truth_log: Some(path.clone()),
        ..Default::default()
    });
    let r = post(
        &s,
        "/v1/chat/completions",
        chat_body(json!({"role_ms": 0, "ttft_ms": 300, "completion_tokens": 2})),
    )
    .await;
    assert!(r.frames >= 2, "the role chunk is a write of its own");
    drop(s);
    let lines: Vec<Value> = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let at = |kind: &str| {
        lines.iter().find(|l| l["kind"] == kind).unwrap()["mono_ns"]
            .as_u64()
            .unwrap()
    };
    // Causal bounds only: the first token cannot leave before its TTFT, and
    // the role chunk, due at once, went out in an earlier write.
    assert!(
        at("open") < at("content"),
        "role chunk before the first token"
    );
    assert!(
        at("content") >= at("request") + 300_000_000,
        "first token at TTFT"
    );
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn health_answers_200() {
    let s = server();
    assert_eq!(common::get(s.addr(), "/health").await.status, 200);
}
