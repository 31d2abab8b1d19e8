//! `sse-testserver calibrate` end to end: a truth log from real streams, a
//! client CSV with known offsets from that truth, the errors it prints.

mod common;

use std::collections::HashMap;
use std::process::Command;

use serde_json::{json, Value};

#[tokio::test]
async fn pairs_by_id_and_reports_the_offsets() {
    let dir = std::env::temp_dir().join(format!("sse-calibrate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let truth = dir.join("truth.jsonl");
    let _ = std::fs::remove_file(&truth);
    let s = sse_testserver::spawn(sse_testserver::Config {
        truth_log: Some(truth.clone()),
        ..Default::default()
    });
    let mut ids = Vec::new();
    for i in 0..3 {
        let body = json!({"model": "m", "messages": [{"role": "user", "content": format!("q{i}")}],
            "stream": true, "completion_tokens": 4, "ttft_ms": 5, "token_interval_ms": 2});
        let r = common::request(
            s.addr(),
            "POST",
            "/v1/chat/completions",
            &[],
            &body.to_string(),
        )
        .await;
        let first: Value = serde_json::from_str(&common::data_events(r.text())[0]).unwrap();
        ids.push(first["id"].as_str().unwrap().to_owned());
    }
    drop(s);

    // The truth, read here independently: received and content write times.
    let mut received: HashMap<u64, (String, u64)> = HashMap::new();
    let mut content: HashMap<u64, Vec<u64>> = HashMap::new();
    for line in std::fs::read_to_string(&truth).unwrap().lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let sid = v["stream"].as_u64().unwrap();
        let mono = v["mono_ns"].as_u64().unwrap();
        match v["kind"].as_str().unwrap() {
            "request" => {
                received.insert(sid, (v["id"].as_str().unwrap().to_owned(), mono));
            }
            "content" => content.entry(sid).or_default().push(mono),
            _ => {}
        }
    }
    let by_id: HashMap<String, (u64, Vec<u64>)> = received
        .into_iter()
        .map(|(sid, (id, rx))| (id, (rx, content.remove(&sid).unwrap_or_default())))
        .collect();

    // Client: request 0 reads 1 ms late with gaps 0.5 ms long and its start
    // 0.25 ms before the server got it; request 1 reads 3 ms late; request 2
    // is missing; one id the server never gave.
    let mut csv = String::from("id,metric,value\n");
    let (rx0, c0) = &by_id[&ids[0]];
    csv += &format!("{},ttft_ms,{}\n", ids[0], (c0[0] - rx0) as f64 / 1e6 + 1.0);
    for w in c0.windows(2) {
        csv += &format!("{},itl_ms,{}\n", ids[0], (w[1] - w[0]) as f64 / 1e6 + 0.5);
    }
    csv += &format!("{},start_mono_ns,{}\n", ids[0], rx0 - 250_000);
    csv += &format!("{},request_sent_mono_ns,{}\n", ids[0], rx0 - 100_000);
    csv += &format!("{},first_content_mono_ns,{}\n", ids[0], c0[0] + 750_000);
    let (rx1, c1) = &by_id[&ids[1]];
    csv += &format!("{},ttft_ms,{}\n", ids[1], (c1[0] - rx1) as f64 / 1e6 + 3.0);
    csv += "chatcmpl-never,ttft_ms,150\n";
    let client = dir.join("client.csv");
    std::fs::write(&client, csv).unwrap();

    let out = Command::new(env!("CARGO_BIN_EXE_sse-testserver"))
        .args(["calibrate", "--truth"])
        .arg(&truth)
        .arg("--client")
        .arg(&client)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["client_requests"], 3);
    assert_eq!(r["truth_requests"], 3);
    assert_eq!(r["paired"], 2);
    assert_eq!(r["unmatched_client"], 1);
    assert_eq!(r["unmatched_truth"], 1);
    let close = |v: &Value, want: f64| (v.as_f64().unwrap() - want).abs() < 1e-6;
    assert_eq!(r["ttft"]["count"], 2);
    assert!(
        close(&r["ttft"]["min"], 1.0) && close(&r["ttft"]["max"], 3.0),
        "{}",
        r["ttft"]
    );
    assert_eq!(r["itl"]["count"], 3);
    assert!(close(&r["itl"]["p50"], 0.5) && close(&r["itl_mean"]["max"], 0.5));
    assert!(close(&r["send"]["p50"], 0.25) && close(&r["receive"]["p50"], 0.75));
    assert!(
        close(&r["send_client"]["p50"], 0.15),
        "{}",
        r["send_client"]
    );
    // The rest of the send side splits at the head: wire + server = 0.1 ms.
    let rest = r["send_wire"]["p50"].as_f64().unwrap() + r["send_server"]["p50"].as_f64().unwrap();
    assert!((rest - 0.1).abs() < 1e-6, "{rest}");
    assert_eq!(r["itl_count_mismatch"], 0);

    let out = Command::new(env!("CARGO_BIN_EXE_sse-testserver"))
        .args(["calibrate", "--label", "csv", "--truth"])
        .arg(&truth)
        .arg("--client")
        .arg(&client)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("[csv] requests: client 3, truth 3, paired 2"),
        "{text}"
    );
    assert!(text.lines().any(|l| l.starts_with("TTFT ")), "{text}");

    let bad = Command::new(env!("CARGO_BIN_EXE_sse-testserver"))
        .args(["calibrate", "--truth"])
        .arg(&truth)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}
