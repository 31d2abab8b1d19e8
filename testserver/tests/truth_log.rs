//! `--truth-log`: one JSON line per event written, on CLOCK_MONOTONIC.

mod common;

use std::collections::BTreeMap;

use serde_json::Value;

#[tokio::test]
async fn every_event_is_logged_in_order_on_the_monotonic_clock() {
    let dir = std::env::temp_dir().join(format!("sse-truth-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("truth.jsonl");
    let _ = std::fs::remove_file(&path);
    let before = sse_testserver::clock::mono_ns();
    let s = sse_testserver::spawn(sse_testserver::Config {
        truth_log: Some(path.clone()),
        ..Default::default()
    });
    let a = common::get(s.addr(), "/events?count=5&interval_ms=2").await;
    let chat =
        r#"{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true,"max_tokens":3}"#;
    let b = common::request(s.addr(), "POST", "/v1/chat/completions", &[], chat).await;
    drop(s); // streams flush their lines when they end; the server is gone now
    let after = sse_testserver::clock::mono_ns();

    let text = std::fs::read_to_string(&path).unwrap();
    let mut per_stream: BTreeMap<u64, Vec<Value>> = BTreeMap::new();
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        per_stream
            .entry(v["stream"].as_u64().unwrap())
            .or_default()
            .push(v);
    }
    let id_a: u64 = a.header("x-stream-id").parse().unwrap();
    let id_b: u64 = b.header("x-stream-id").parse().unwrap();
    assert_eq!(per_stream[&id_a].len(), 5);
    // role + 3 tokens + finish + [DONE]
    assert_eq!(per_stream[&id_b].len(), 6);
    for lines in per_stream.values() {
        let mut last = 0;
        for (i, v) in lines.iter().enumerate() {
            assert_eq!(v["seq"].as_u64().unwrap(), i as u64 + 1);
            let mono = v["mono_ns"].as_u64().unwrap();
            assert!(
                mono >= before && mono <= after,
                "mono_ns is this machine's CLOCK_MONOTONIC"
            );
            assert!(mono >= last);
            last = mono;
            assert!(v["wall_ns"].as_u64().unwrap() > 1_600_000_000_000_000_000);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
