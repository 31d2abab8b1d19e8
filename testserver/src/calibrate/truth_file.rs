//! Reading a truth log (`--truth-log`) into one record per LLM request, keyed
//! by the id the client saw. Lines of non-LLM streams are skipped.

use std::collections::HashMap;
use std::io::BufRead;

use serde::Deserialize;

/// What the server did for one request (CLOCK_MONOTONIC and wall ns).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TruthRequest {
    pub id: String,
    pub format: String,
    /// Request head parsed.
    pub head_mono_ns: u64,
    /// Request body complete.
    pub received_mono_ns: u64,
    pub received_wall_ns: u64,
    /// Write times of the content events, in order (each `content` event once).
    pub content_mono_ns: Vec<u64>,
    pub content_wall_ns: Vec<u64>,
    /// Tokens in those events, summed.
    pub content_tokens: u64,
}

impl TruthRequest {
    /// Request received → first content written, in ms.
    pub fn ttft_ms(&self) -> Option<f64> {
        let first = *self.content_mono_ns.first()?;
        Some(ms(first.saturating_sub(self.received_mono_ns)))
    }

    /// Gaps between consecutive content writes, in ms.
    pub fn gaps_ms(&self) -> Vec<f64> {
        self.content_mono_ns
            .windows(2)
            .map(|w| ms(w[1].saturating_sub(w[0])))
            .collect()
    }
}

pub fn ms(ns: u64) -> f64 {
    ns as f64 / 1e6
}

#[derive(Deserialize)]
struct Line<'a> {
    stream: u64,
    #[serde(borrow, default)]
    kind: Option<&'a str>,
    #[serde(borrow, default)]
    id: Option<&'a str>,
    #[serde(borrow, default)]
    format: Option<&'a str>,
    mono_ns: u64,
    #[serde(default)]
    head_mono_ns: u64,
    #[serde(default)]
    wall_ns: u64,
    #[serde(default)]
    tokens: u64,
}

/// The truth requests by client-visible id. `duplicates` counts ids seen on
/// more than one stream (those are dropped: they cannot be paired).
pub struct Truth {
    pub by_id: HashMap<String, TruthRequest>,
    pub duplicates: usize,
}

pub fn read(input: impl BufRead) -> Result<Truth, String> {
    // Stream id → request; streams are interleaved in the file. A stream's
    // request line comes before its events, so a second request line for the
    // same stream number is a later server run appending to the same file.
    let mut streams: HashMap<u64, TruthRequest> = HashMap::new();
    let mut finished: Vec<TruthRequest> = Vec::new();
    for (n, line) in input.lines().enumerate() {
        let line = line.map_err(|e| format!("truth log: {e}"))?;
        if line.trim().is_empty() {
            continue;
        }
        let l: Line =
            serde_json::from_str(&line).map_err(|e| format!("truth log line {}: {e}", n + 1))?;
        match l.kind {
            Some("request") => {
                if let Some(earlier) = streams.remove(&l.stream) {
                    finished.push(earlier);
                }
                if let (Some(id), Some(format)) = (l.id, l.format) {
                    let r = streams.entry(l.stream).or_default();
                    r.id = id.to_owned();
                    r.format = format.to_owned();
                    r.head_mono_ns = l.head_mono_ns;
                    r.received_mono_ns = l.mono_ns;
                    r.received_wall_ns = l.wall_ns;
                }
            }
            Some("content") => {
                let r = streams.entry(l.stream).or_default();
                r.content_mono_ns.push(l.mono_ns);
                r.content_wall_ns.push(l.wall_ns);
                r.content_tokens += l.tokens;
            }
            _ => {}
        }
    }
    let mut by_id = HashMap::with_capacity(streams.len());
    let mut duplicates = 0;
    let mut dup_ids = Vec::new();
    for r in finished.into_iter().chain(streams.into_values()) {
        if r.id.is_empty() {
            continue; // not an LLM stream
        }
        if by_id.contains_key(&r.id) {
            duplicates += 1;
            dup_ids.push(r.id.clone());
            continue;
        }
        by_id.insert(r.id.clone(), r);
    }
    for id in dup_ids {
        if by_id.remove(&id).is_some() {
            duplicates += 1;
        }
    }
    Ok(Truth { by_id, duplicates })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_interleaved_streams_by_id() {
        let log = r#"{"stream":1,"kind":"request","head_mono_ns":90,"mono_ns":100,"wall_ns":1000,"format":"openai-chat","id":"chatcmpl-a"}
{"stream":2,"kind":"request","head_mono_ns":95,"mono_ns":105,"wall_ns":1005}
{"stream":1,"seq":1,"kind":"open","mono_ns":2000100,"wall_ns":1}
{"stream":2,"seq":1,"kind":"event","mono_ns":2000200,"wall_ns":2}
{"stream":1,"seq":2,"kind":"content","tokens":1,"mono_ns":150000100,"wall_ns":3}
{"stream":1,"seq":3,"kind":"content","tokens":2,"mono_ns":165000100,"wall_ns":4}
{"stream":1,"seq":4,"kind":"done","mono_ns":165000100,"wall_ns":4}
"#;
        let t = read(log.as_bytes()).unwrap();
        assert_eq!(t.by_id.len(), 1);
        let r = &t.by_id["chatcmpl-a"];
        assert_eq!(r.format, "openai-chat");
        assert_eq!(r.content_tokens, 3);
        assert_eq!(r.ttft_ms(), Some(150.0));
        assert_eq!(r.gaps_ms(), vec![15.0]);
    }

    #[test]
    fn a_log_appended_by_two_runs_keeps_their_streams_apart() {
        let log = r#"{"stream":1,"kind":"request","mono_ns":0,"format":"openai-chat","id":"chatcmpl-run1"}
{"stream":1,"seq":1,"kind":"content","tokens":1,"mono_ns":100000000}
{"stream":1,"kind":"request","mono_ns":5000000000,"format":"openai-chat","id":"chatcmpl-run2"}
{"stream":1,"seq":1,"kind":"content","tokens":1,"mono_ns":5200000000}
"#;
        let t = read(log.as_bytes()).unwrap();
        assert_eq!(t.by_id["chatcmpl-run1"].ttft_ms(), Some(100.0));
        assert_eq!(t.by_id["chatcmpl-run2"].ttft_ms(), Some(200.0));
        assert_eq!(t.by_id["chatcmpl-run2"].content_mono_ns.len(), 1);
    }

    #[test]
    fn duplicate_ids_are_dropped_and_counted() {
        let log = r#"{"stream":1,"kind":"request","mono_ns":1,"format":"anthropic","id":"msg_x"}
{"stream":2,"kind":"request","mono_ns":2,"format":"anthropic","id":"msg_x"}
{"stream":3,"kind":"request","mono_ns":3,"format":"anthropic","id":"msg_y"}
"#;
        let t = read(log.as_bytes()).unwrap();
        assert_eq!(t.duplicates, 2);
        assert!(t.by_id.contains_key("msg_y") && t.by_id.len() == 1);
        assert!(read("not json\n".as_bytes()).is_err());
    }
}
