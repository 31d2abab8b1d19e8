//! `/v1/chat/completions` and `/v1/models`: OpenAI's shapes field by field.

mod common;

use common::{data_events, request, server, Resp};
use serde_json::{json, Value};

async fn chat(s: &sse_testserver::ServerHandle, body: Value) -> Resp {
    request(
        s.addr(),
        "POST",
        "/v1/chat/completions",
        &[("content-type", "application/json")],
        &body.to_string(),
    )
    .await
}

fn req(prompt: &str, extra: Value) -> Value {
    let mut v = json!({
        "model": "my-model",
        "messages": [
            {"role": "system", "content": "You are a test."},
            {"role": "user", "content": prompt},
        ],
        "stream": true,
    });
    if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
        for (k, x) in e {
            o.insert(k.clone(), x.clone());
        }
    }
    v
}

/// The JSON chunks of a stream, after checking it ends with `data: [DONE]`.
fn chunks(r: &Resp) -> Vec<Value> {
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), "text/event-stream");
    let events = data_events(r.text());
    assert_eq!(events.last().map(String::as_str), Some("[DONE]"));
    events[..events.len() - 1]
        .iter()
        .map(|e| serde_json::from_str(e).expect("chunk is JSON"))
        .collect()
}

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    k.sort();
    k
}

#[tokio::test]
async fn stream_chunks_have_openai_shapes() {
    let s = server();
    let r = chat(
        &s,
        req(
            "Tell me, what is SSE?",
            json!({"stream_options": {"include_usage": true}}),
        ),
    )
    .await;
    let c = chunks(&r);
    assert!(c.len() >= 4);
    let id = c[0]["id"].as_str().unwrap();
    assert!(id.starts_with("chatcmpl-"));
    for ch in &c {
        assert_eq!(
            keys(ch),
            [
                "choices",
                "created",
                "id",
                "model",
                "object",
                "system_fingerprint",
                "usage"
            ]
        );
        assert_eq!(ch["id"], id);
        assert_eq!(ch["object"], "chat.completion.chunk");
        assert!(ch["created"].as_u64().unwrap() > 1_600_000_000);
        assert_eq!(ch["model"], "my-model");
        assert!(ch["system_fingerprint"].is_string());
    }
    // First: role only.
    let first = &c[0]["choices"][0];
    assert_eq!(keys(first), ["delta", "finish_reason", "index", "logprobs"]);
    assert_eq!(first["index"], 0);
    assert_eq!(first["delta"], json!({"role": "assistant", "content": ""}));
    assert!(first["logprobs"].is_null() && first["finish_reason"].is_null());
    // Middle: one content token each, no finish reason, usage null.
    let n = c.len();
    for ch in &c[1..n - 2] {
        let choice = &ch["choices"][0];
        assert_eq!(keys(&choice["delta"]), ["content"]);
        assert!(!choice["delta"]["content"].as_str().unwrap().is_empty());
        assert!(choice["finish_reason"].is_null());
        assert!(ch["usage"].is_null());
    }
    // Finish chunk: empty delta, a reason.
    let fin = &c[n - 2];
    assert_eq!(fin["choices"][0]["delta"], json!({}));
    assert_eq!(fin["choices"][0]["finish_reason"], "stop");
    assert!(fin["usage"].is_null());
    // Usage chunk: no choices, totals = tokens streamed.
    let usage = &c[n - 1];
    assert_eq!(usage["choices"], json!([]));
    let content_chunks = (n - 3) as u64;
    assert_eq!(usage["usage"]["completion_tokens"], content_chunks);
    let p = usage["usage"]["prompt_tokens"].as_u64().unwrap();
    // "You are a test." = 5, "Tell me, what is SSE?" = 7 (documented tokenizer).
    assert_eq!(p, 12);
    assert_eq!(usage["usage"]["total_tokens"], p + content_chunks);
}

#[tokio::test]
async fn without_include_usage_there_is_no_usage_field() {
    let s = server();
    let c = chunks(&chat(&s, req("hello there friend", json!({}))).await);
    for ch in &c {
        assert!(ch.get("usage").is_none());
        assert_eq!(ch["choices"].as_array().unwrap().len(), 1);
    }
}

fn content(c: &[Value]) -> String {
    c.iter()
        .filter_map(|ch| {
            ch["choices"].get(0)?["delta"]["content"]
                .as_str()
                .map(str::to_owned)
        })
        .collect()
}

fn finish(c: &[Value]) -> String {
    c.iter()
        .filter_map(|ch| {
            ch["choices"].get(0)?["finish_reason"]
                .as_str()
                .map(str::to_owned)
        })
        .next()
        .unwrap_or_default()
}

#[tokio::test]
async fn max_tokens_gives_length_and_exact_count() {
    let s = server();
    let c = chunks(
        &chat(
            &s,
            req(
                "count me",
                json!({"max_tokens": 7, "stream_options": {"include_usage": true}}),
            ),
        )
        .await,
    );
    assert_eq!(finish(&c), "length");
    assert_eq!(c.last().unwrap()["usage"]["completion_tokens"], 7);
    assert_eq!(c.len(), 1 + 7 + 2);
}

#[tokio::test]
async fn natural_end_is_stop_and_deterministic() {
    let s = server();
    let a = chunks(&chat(&s, req("same prompt", json!({"seed": 5}))).await);
    let b = chunks(&chat(&s, req("same prompt", json!({"seed": 5}))).await);
    assert_eq!(content(&a), content(&b));
    assert_eq!(finish(&a), "stop");
    assert!(content(&a).ends_with('.'));
    let other = chunks(&chat(&s, req("same prompt", json!({"seed": 6}))).await);
    assert_ne!(content(&a), content(&other));
}

#[tokio::test]
async fn stop_string_ends_early_and_is_not_sent() {
    let s = server();
    let full = content(&chunks(
        &chat(&s, req("stop test", json!({"completion_tokens": 100}))).await,
    ));
    let stop = full[30..36].to_string();
    let c = chunks(
        &chat(
            &s,
            req(
                "stop test",
                json!({"completion_tokens": 100, "stop": [stop.clone()]}),
            ),
        )
        .await,
    );
    assert_eq!(finish(&c), "stop");
    assert_eq!(content(&c), full[..full.find(&stop).unwrap()]);
}

#[tokio::test]
async fn tokens_per_chunk_groups_tokens() {
    let s = server();
    let extra = json!({"completion_tokens": 10, "tokens_per_chunk": 3, "stream_options": {"include_usage": true}});
    let c = chunks(&chat(&s, req("group", extra)).await);
    // role + ceil(10/3) content + finish + usage
    assert_eq!(c.len(), 1 + 4 + 2);
    assert_eq!(c.last().unwrap()["usage"]["completion_tokens"], 10);
}

/// examples/llm.js aborts when 80% of completions are truncated: with its
/// payload and the shipped dataset, completions must mostly finish `stop`.
#[tokio::test]
async fn llm_js_payloads_on_the_shipped_dataset_finish_with_stop() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/data/sharegpt_synthetic.json"
    );
    let data: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let s = server();
    let (mut stops, mut lengths) = (0, 0);
    for conv in data.as_array().unwrap().iter().take(40) {
        let prompt = conv["conversations"][0]["value"].as_str().unwrap();
        let extra = json!({"max_tokens": 512, "seed": 42, "stop": ["<|im_end|>"],
                           "stream_options": {"include_usage": true}});
        let c = chunks(&chat(&s, req(prompt, extra)).await);
        match finish(&c).as_str() {
            "stop" => stops += 1,
            "length" => lengths += 1,
            other => panic!("finish_reason {other:?}"),
        }
        let usage = &c.last().unwrap()["usage"];
        assert_eq!(usage["completion_tokens"], (c.len() - 3) as u64);
    }
    assert_eq!(stops + lengths, 40);
    assert!(lengths * 5 < 40, "truncated {lengths}/40");
}

#[tokio::test]
async fn non_streaming_returns_a_chat_completion() {
    let s = server();
    let r = chat(&s, req("hi", json!({"stream": false, "max_tokens": 5}))).await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").starts_with("application/json"));
    let v = r.json();
    assert_eq!(v["object"], "chat.completion");
    assert!(v["id"].as_str().unwrap().starts_with("chatcmpl-"));
    let choice = &v["choices"][0];
    assert_eq!(choice["message"]["role"], "assistant");
    assert_eq!(choice["finish_reason"], "length");
    assert!(choice["logprobs"].is_null());
    assert_eq!(v["usage"]["completion_tokens"], 5);
    assert_eq!(v["usage"]["prompt_tokens"], 5 + 1);
    assert_eq!(v["usage"]["total_tokens"], 11);
}

async fn error_of(s: &sse_testserver::ServerHandle, body: &str) -> Value {
    let r = request(s.addr(), "POST", "/v1/chat/completions", &[], body).await;
    assert_eq!(r.status, 400, "{}", r.text());
    let v = r.json();
    let e = &v["error"];
    assert_eq!(keys(e), ["code", "message", "param", "type"]);
    assert_eq!(e["type"], "invalid_request_error");
    assert!(!e["message"].as_str().unwrap().is_empty());
    e.clone()
}

#[tokio::test]
async fn bad_requests_get_openai_error_bodies() {
    let s = server();
    let e = error_of(&s, "{not json").await;
    assert!(e["param"].is_null());
    let e = error_of(&s, r#"{"model":"m"}"#).await;
    assert_eq!(e["param"], "messages");
    assert_eq!(e["code"], "missing_required_parameter");
    let e = error_of(&s, r#"{"messages":[{"role":"user","content":"x"}]}"#).await;
    assert_eq!(e["param"], "model");
    let e = error_of(&s, r#"{"model":"m","messages":[]}"#).await;
    assert_eq!(e["param"], "messages");
    let e = error_of(
        &s,
        r#"{"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":0}"#,
    )
    .await;
    assert_eq!(e["param"], "max_tokens");
}

#[tokio::test]
async fn models_lists_the_configured_model() {
    let s = server();
    let r = common::get(s.addr(), "/v1/models").await;
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["object"], "list");
    assert_eq!(v["data"][0]["id"], "my-model");
    assert_eq!(v["data"][0]["object"], "model");
    assert!(v["data"][0]["owned_by"].is_string());
}

#[tokio::test]
async fn knobs_come_from_body_then_headers_then_query() {
    let s = server();
    let body = req("knobs", json!({})).to_string();
    let path = "/v1/chat/completions?tokens_per_chunk=5&completion_tokens=10";
    // Query only: 10 tokens in chunks of 5.
    let r = request(s.addr(), "POST", path, &[], &body).await;
    assert_eq!(chunks(&r).len(), 1 + 2 + 1);
    // A header beats the query.
    let r = request(
        s.addr(),
        "POST",
        path,
        &[("x-tokens-per-chunk", "2")],
        &body,
    )
    .await;
    assert_eq!(chunks(&r).len(), 1 + 5 + 1);
    // A body field beats both.
    let body2 = req("knobs", json!({"tokens_per_chunk": 10})).to_string();
    let r = request(
        s.addr(),
        "POST",
        path,
        &[("x-tokens-per-chunk", "2")],
        &body2,
    )
    .await;
    assert_eq!(chunks(&r).len(), 1 + 1 + 1);
    // A bad knob is an OpenAI-style 400 naming it.
    let r = request(
        s.addr(),
        "POST",
        "/v1/chat/completions",
        &[("x-ttft-ms", "soon")],
        &body,
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["param"], "ttft_ms");
}
