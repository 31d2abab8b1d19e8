//! Reading a client's per-request figures. Three inputs:
//! - k6's JSON output (`k6 run --out json=FILE`): `Point` samples of
//!   [`K6_TTFT`] and [`K6_ITL`] (ms) whose metadata carries [`K6_ID_KEY`];
//! - a guidellm report (`--output kind=json`): every request of every
//!   benchmark with its `response_id`;
//! - CSV, header `id,metric,value`, one figure a row (docs/testserver.md).

use std::collections::HashMap;

use serde_json::Value;

/// k6 metric names and the metadata key, as go-shim/llm exports them.
pub const K6_TTFT: &str = "llm_time_to_first_token";
pub const K6_ITL: &str = "llm_inter_token_latency";
pub const K6_ID_KEY: &str = "llm_response_id";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    /// CLOCK_MONOTONIC, the truth log's `mono_ns`.
    Mono,
    /// Unix time, the truth log's `wall_ns`.
    Wall,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stamp {
    pub clock: Clock,
    pub ns: u64,
}

/// What a client reported for one request.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClientRequest {
    pub ttft_ms: Option<f64>,
    /// Gaps between content chunks, in arrival order.
    pub itl_ms: Vec<f64>,
    /// The client's per-request average gap, when it reports only that.
    pub itl_mean_ms: Option<f64>,
    /// When the client started the request / stamped the first content.
    pub start: Option<Stamp>,
    /// When the client had written the request (CLOCK_MONOTONIC ns).
    pub request_sent_mono_ns: Option<u64>,
    pub first_content: Option<Stamp>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    K6Json,
    Guidellm,
    Csv,
}

impl InputKind {
    pub fn parse(s: &str) -> Option<InputKind> {
        match s {
            "k6" => Some(InputKind::K6Json),
            "guidellm" => Some(InputKind::Guidellm),
            "csv" => Some(InputKind::Csv),
            _ => None,
        }
    }

    /// Guesses from the content: a JSON document with `benchmarks` is a
    /// guidellm report, JSON lines are k6's, anything else CSV.
    pub fn detect(text: &str) -> InputKind {
        let t = text.trim_start();
        if !t.starts_with('{') {
            return InputKind::Csv;
        }
        match serde_json::from_str::<Value>(t) {
            Ok(v) if v.get("benchmarks").is_some() => InputKind::Guidellm,
            _ => InputKind::K6Json,
        }
    }
}

pub type Clients = HashMap<String, ClientRequest>;

pub fn read(text: &str, kind: InputKind) -> Result<Clients, String> {
    match kind {
        InputKind::K6Json => read_k6(text),
        InputKind::Guidellm => read_guidellm(text),
        InputKind::Csv => read_csv(text),
    }
}

fn read_k6(text: &str) -> Result<Clients, String> {
    let mut out = Clients::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value =
            serde_json::from_str(line).map_err(|e| format!("k6 JSON line {}: {e}", n + 1))?;
        if v["type"] != "Point" {
            continue;
        }
        let metric = v["metric"].as_str().unwrap_or_default();
        if metric != K6_TTFT && metric != K6_ITL {
            continue;
        }
        let data = &v["data"];
        let (Some(id), Some(value)) =
            (data["metadata"][K6_ID_KEY].as_str(), data["value"].as_f64())
        else {
            continue;
        };
        let r = out.entry(id.to_owned()).or_default();
        if metric == K6_TTFT {
            r.ttft_ms.get_or_insert(value);
        } else {
            r.itl_ms.push(value);
        }
    }
    Ok(out)
}

fn read_guidellm(text: &str) -> Result<Clients, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("guidellm report: {e}"))?;
    let benchmarks = v["benchmarks"]
        .as_array()
        .ok_or("guidellm report: no `benchmarks` array")?;
    let mut out = Clients::new();
    let wall = |secs: &Value| {
        secs.as_f64().map(|s| Stamp {
            clock: Clock::Wall,
            ns: (s * 1e9) as u64,
        })
    };
    for b in benchmarks {
        // guidellm lists its warm-up requests too; its own statistics start
        // at the benchmark's `start_time`, so keep the requests started then.
        let from = b["start_time"].as_f64().unwrap_or(0.0);
        for group in ["successful", "incomplete", "errored"] {
            let Some(reqs) = b["requests"][group].as_array() else {
                continue;
            };
            for r in reqs {
                let Some(id) = r["response_id"].as_str() else {
                    continue;
                };
                let timings = &r["info"]["timings"];
                if timings["request_start"].as_f64().is_some_and(|t| t < from) {
                    continue;
                }
                out.insert(
                    id.to_owned(),
                    ClientRequest {
                        ttft_ms: r["time_to_first_token_ms"].as_f64(),
                        itl_ms: Vec::new(),
                        itl_mean_ms: r["inter_token_latency_ms"].as_f64(),
                        start: wall(&timings["request_start"]),
                        request_sent_mono_ns: None,
                        first_content: wall(&timings["first_token_iteration"]),
                    },
                );
            }
        }
    }
    Ok(out)
}

fn read_csv(text: &str) -> Result<Clients, String> {
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, h)) if h.trim() == "id,metric,value" => {}
        _ => return Err("CSV: the first line must be `id,metric,value`".into()),
    }
    let mut out = Clients::new();
    for (n, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |why: &str| format!("CSV line {}: {why}: {line:?}", n + 1);
        let mut f = line.split(',');
        let (Some(id), Some(metric), Some(value), None) = (f.next(), f.next(), f.next(), f.next())
        else {
            return Err(bad("expected 3 fields"));
        };
        let value = value.trim();
        let num = || value.parse::<f64>().map_err(|_| bad("not a number"));
        let stamp = |clock| {
            value
                .parse::<u64>()
                .map(|ns| Stamp { clock, ns })
                .map_err(|_| bad("not an integer"))
        };
        let r = out.entry(id.trim().to_owned()).or_default();
        match metric.trim() {
            "ttft_ms" => r.ttft_ms = Some(num()?),
            "itl_ms" => r.itl_ms.push(num()?),
            "itl_mean_ms" => r.itl_mean_ms = Some(num()?),
            "start_mono_ns" => r.start = Some(stamp(Clock::Mono)?),
            "request_sent_mono_ns" => r.request_sent_mono_ns = Some(stamp(Clock::Mono)?.ns),
            "first_content_mono_ns" => r.first_content = Some(stamp(Clock::Mono)?),
            "start_wall_ns" => r.start = Some(stamp(Clock::Wall)?),
            "first_content_wall_ns" => r.first_content = Some(stamp(Clock::Wall)?),
            _ => return Err(bad("unknown metric")),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn k6_points_with_the_id_in_metadata() {
        let text = r#"{"type":"Metric","data":{"name":"llm_time_to_first_token","type":"trend"},"metric":"llm_time_to_first_token"}
{"type":"Point","data":{"time":"2026-11-29T10:00:00Z","value":150.5,"tags":{"llm_format":"openai"},"metadata":{"llm_response_id":"chatcmpl-a"}},"metric":"llm_time_to_first_token"}
{"type":"Point","data":{"time":"2026-11-29T10:00:00Z","value":15.1,"tags":{},"metadata":{"llm_response_id":"chatcmpl-a"}},"metric":"llm_inter_token_latency"}
{"type":"Point","data":{"time":"2026-11-29T10:00:00Z","value":14.9,"tags":{},"metadata":{"llm_response_id":"chatcmpl-a"}},"metric":"llm_inter_token_latency"}
{"type":"Point","data":{"time":"2026-11-29T10:00:00Z","value":3,"tags":{}},"metric":"llm_inter_token_latency"}
{"type":"Point","data":{"time":"2026-11-29T10:00:00Z","value":1,"tags":{}},"metric":"http_reqs"}
"#;
        assert_eq!(InputKind::detect(text), InputKind::K6Json);
        let c = read(text, InputKind::K6Json).unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!(c["chatcmpl-a"].ttft_ms, Some(150.5));
        assert_eq!(c["chatcmpl-a"].itl_ms, vec![15.1, 14.9]);
    }

    #[test]
    fn guidellm_requests_by_response_id() {
        let text = r#"{"benchmarks":[{"start_time":1795984100.0,"requests":{"successful":[{"response_id":"chatcmpl-b",
            "time_to_first_token_ms":152.0,"inter_token_latency_ms":15.5,
            "info":{"timings":{"request_start":1795984106.25,"first_token_iteration":1795984106.5}}},
            {"response_id":"chatcmpl-warmup","time_to_first_token_ms":170.0,
            "info":{"timings":{"request_start":1795984099.0,"first_token_iteration":1795984099.2}}}],
            "errored":[],"incomplete":[]}}]}"#;
        assert_eq!(InputKind::detect(text), InputKind::Guidellm);
        let c = read(text, InputKind::Guidellm).unwrap();
        assert_eq!(c.len(), 1, "warm-up requests (before start_time) left out");
        let r = &c["chatcmpl-b"];
        assert_eq!((r.ttft_ms, r.itl_mean_ms), (Some(152.0), Some(15.5)));
        assert_eq!(r.start.unwrap().clock, Clock::Wall);
        let gap = r.first_content.unwrap().ns - r.start.unwrap().ns;
        assert!((gap as f64 - 250e6).abs() < 1e3, "{gap}");
    }

    #[test]
    fn csv_rows() {
        let text = "id,metric,value\nmsg_1,ttft_ms,150.25\nmsg_1,itl_ms,15\nmsg_1,start_mono_ns,100\nmsg_1,first_content_mono_ns,150000100\n";
        assert_eq!(InputKind::detect(text), InputKind::Csv);
        let c = read(text, InputKind::Csv).unwrap();
        let r = &c["msg_1"];
        assert_eq!(r.ttft_ms, Some(150.25));
        assert_eq!(r.itl_ms, vec![15.0]);
        assert_eq!(
            r.start,
            Some(Stamp {
                clock: Clock::Mono,
                ns: 100
            })
        );
        assert!(read("id,metric,value\nx,ttft_ms,soon\n", InputKind::Csv).is_err());
        assert!(read("id,metric,value\nx,nope,1\n", InputKind::Csv).is_err());
        assert!(read("a,b\n", InputKind::Csv).is_err());
    }
}
