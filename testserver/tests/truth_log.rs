//! `--truth-log`: a request line, then one line per event written, kinds in
//! one vocabulary for every format, stamps on CLOCK_MONOTONIC.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{json, Value};

fn log_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sse-truth-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("truth.jsonl");
    let _ = std::fs::remove_file(&path);
    path
}

/// The log's lines by stream, in file order.
fn per_stream(path: &PathBuf) -> BTreeMap<u64, Vec<Value>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out: BTreeMap<u64, Vec<Value>> = BTreeMap::new();
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        out.entry(v["stream"].as_u64().unwrap())
            .or_default()
            .push(v);
    }
    out
}

fn kinds(lines: &[Value]) -> Vec<&str> {
    lines.iter().map(|l| l["kind"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn requests_and_events_are_logged_in_order_on_the_monotonic_clock() {
    let path = log_path("order");
    let before = sse_testserver::clock::mono_ns();
    let s = sse_testserver::spawn(sse_testserver::Config {
        truth_log: Some(path.clone()),
        ..Default::default()
    });
    let a = common::get(s.addr(), "/events?count=5&interval_ms=2").await;
    let chat = json!({"model": "m", "messages": [{"role": "user", "content": "hi"}],
        "stream": true, "max_tokens": 3, "ttft_ms": 20, "token_interval_ms": 5,
        "stream_options": {"include_usage": true}});
    let b = common::request(
        s.addr(),
        "POST",
        "/v1/chat/completions",
        &[],
        &chat.to_string(),
    )
    .await;
    drop(s); // streams flush their lines when they end; the server is gone now
    let after = sse_testserver::clock::mono_ns();

    let streams = per_stream(&path);
    let id_a: u64 = a.header("x-stream-id").parse().unwrap();
    let id_b: u64 = b.header("x-stream-id").parse().unwrap();
    let ev = &streams[&id_a];
    assert_eq!(
        kinds(ev),
        ["request", "event", "event", "event", "event", "event"]
    );
    assert!(ev[0].get("id").is_none() && ev[0].get("format").is_none());

    let chat_lines = &streams[&id_b];
    assert_eq!(
        kinds(chat_lines),
        ["request", "open", "content", "content", "content", "finish", "usage", "done"]
    );
    let req = &chat_lines[0];
    assert_eq!(req["format"], "openai-chat");
    let first_chunk: Value = serde_json::from_str(&common::data_events(b.text())[0]).unwrap();
    assert_eq!(req["id"], first_chunk["id"], "the id the client sees");
    let head = req["head_mono_ns"].as_u64().unwrap();
    let received = req["mono_ns"].as_u64().unwrap();
    assert!(before <= head && head <= received);
    for l in &chat_lines[1..] {
        if l["kind"] == "content" {
            assert_eq!(l["tokens"], 1);
        } else {
            assert!(l.get("tokens").is_none());
        }
    }
    let first_content = chat_lines[2]["mono_ns"].as_u64().unwrap();
    assert!(
        first_content - received >= 20_000_000,
        "TTFT counts from the body"
    );

    for lines in streams.values() {
        let mut last = 0;
        for (i, v) in lines.iter().enumerate().skip(1) {
            assert_eq!(v["seq"].as_u64().unwrap(), i as u64);
            let mono = v["mono_ns"].as_u64().unwrap();
            assert!(
                mono >= before && mono <= after,
                "this machine's CLOCK_MONOTONIC"
            );
            assert!(mono >= last);
            last = mono;
            assert!(v["wall_ns"].as_u64().unwrap() > 1_600_000_000_000_000_000);
        }
    }
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[tokio::test]
async fn every_format_logs_its_client_id_and_content_events() {
    let path = log_path("formats");
    let s = sse_testserver::spawn(sse_testserver::Config {
        truth_log: Some(path.clone()),
        ..Default::default()
    });
    let msgs = json!([{"role": "user", "content": "hello"}]);
    let cases = [
        (
            "/v1/completions",
            json!({"model": "m", "prompt": "hello", "stream": true, "max_tokens": 4}),
        ),
        (
            "/v1/responses",
            json!({"model": "m", "input": "hello", "stream": true, "max_output_tokens": 4}),
        ),
        (
            "/v1/messages",
            json!({"model": "m", "messages": msgs, "stream": true, "max_tokens": 4}),
        ),
    ];
    let mut seen = Vec::new();
    for (path, body) in &cases {
        let r = common::request(s.addr(), "POST", path, &[], &body.to_string()).await;
        assert_eq!(r.status, 200, "{}", r.text());
        seen.push((
            r.header("x-stream-id").parse::<u64>().unwrap(),
            r.text().to_owned(),
        ));
    }
    drop(s);
    let streams = per_stream(&path);
    let expect = [
        (
            "openai-completions",
            "cmpl-",
            vec![
                "request", "content", "content", "content", "content", "finish", "done",
            ],
        ),
        (
            "openai-responses",
            "resp_",
            vec![
                "request", "open", "open", "open", "open", "content", "content", "content",
                "content", "finish", "finish", "finish", "done",
            ],
        ),
        (
            "anthropic",
            "msg_",
            vec![
                "request", "open", "open", "open", "content", "content", "content", "content",
                "finish", "usage", "done",
            ],
        ),
    ];
    for ((sid, body), (format, prefix, want)) in seen.iter().zip(expect) {
        let lines = &streams[sid];
        assert_eq!(lines[0]["format"], format);
        let id = lines[0]["id"].as_str().unwrap();
        assert!(id.starts_with(prefix), "{id}");
        assert!(body.contains(id), "the client sees {id}");
        assert_eq!(kinds(lines), want, "{format}");
    }
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[tokio::test]
async fn events_lines_carry_the_event_index_which_a_resume_starts_past() {
    let dir = std::env::temp_dir().join(format!("sse-truth-index-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("truth.jsonl");
    let _ = std::fs::remove_file(&path);
    let s = sse_testserver::spawn(sse_testserver::Config {
        truth_log: Some(path.clone()),
        ..Default::default()
    });
    let resumed = common::request(
        s.addr(),
        "GET",
        "/events?count=6&ids=1",
        &[("last-event-id", "3")],
        "",
    )
    .await;
    let echo = common::get(s.addr(), "/echo").await;
    drop(s);
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // The event lines of a response's stream.
    let of = |r: &common::Resp| -> Vec<&Value> {
        let id: u64 = r.header("x-stream-id").parse().unwrap();
        lines
            .iter()
            .filter(|v| v["stream"].as_u64() == Some(id) && v["kind"] == "event")
            .collect()
    };
    let indexes: Vec<(u64, u64)> = of(&resumed)
        .iter()
        .map(|v| (v["seq"].as_u64().unwrap(), v["index"].as_u64().unwrap()))
        .collect();
    assert_eq!(indexes, vec![(1, 4), (2, 5), (3, 6)]);
    let echo_lines = of(&echo);
    assert_eq!(echo_lines.len(), 3);
    assert!(
        echo_lines.iter().all(|v| v.get("index").is_none()),
        "{echo_lines:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
