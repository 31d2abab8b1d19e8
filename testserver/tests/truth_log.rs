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
    let of = |r: &common::Resp| -> Vec<&Value> {
        let id: u64 = r.header("x-stream-id").parse().unwrap();
        lines
            .iter()
            .filter(|v| v["stream"].as_u64() == Some(id))
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
