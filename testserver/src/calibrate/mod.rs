//! `sse-testserver calibrate`: pairs a client's per-request figures with the
//! truth log by response id and prints how far the client is from the truth
//! (client − truth, ms) for TTFT and ITL; with absolute stamps, also where the
//! error comes from (send side, receive side). docs/testserver.md, "Calibration".

mod client_file;
mod stats;
mod truth_file;

use std::fmt::Write as _;
use std::io::BufReader;

use serde::Serialize;

pub use client_file::{ClientRequest, Clock, InputKind, Stamp, K6_ID_KEY, K6_ITL, K6_TTFT};
pub use stats::Dist;
pub use truth_file::{Truth, TruthRequest};

pub const USAGE: &str = "usage: sse-testserver calibrate --truth TRUTH.jsonl --client FILE
                              [--client-format auto|k6|guidellm|csv] [--json] [--label NAME]
Pairs the client's requests with the truth log by response id and prints the
error distribution (client − truth, ms) of TTFT and ITL.";

/// The comparison of one client with the truth.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub label: String,
    /// Requests in the client file / LLM requests in the truth log.
    pub client_requests: usize,
    pub truth_requests: usize,
    pub paired: usize,
    /// Client ids absent from the truth log.
    pub unmatched_client: usize,
    /// Truth requests the client did not report.
    pub unmatched_truth: usize,
    /// Ids on several truth streams (left out).
    pub duplicate_truth_ids: usize,
    /// Paired requests whose per-chunk gap count differs from the truth's.
    pub itl_count_mismatch: usize,
    pub ttft: Dist,
    /// Per chunk: the client's k-th gap − the truth's k-th gap.
    pub itl: Dist,
    /// Per request: the client's mean gap − the truth's mean gap.
    pub itl_mean: Dist,
    /// Client request start → truth request received (needs `start` stamps).
    pub send: Dist,
    /// The send side in three parts (needs `request_sent_mono_ns`): client
    /// start → request written; written → server parsed the head; head →
    /// body complete.
    pub send_client: Dist,
    pub send_wire: Dist,
    pub send_server: Dist,
    /// Truth first content written → client first-content stamp.
    pub receive: Dist,
}

/// Pairs `clients` with `truth`.
pub fn compare(label: &str, truth: &Truth, clients: &client_file::Clients) -> Report {
    let mut r = Report {
        label: label.to_owned(),
        client_requests: clients.len(),
        truth_requests: truth.by_id.len(),
        duplicate_truth_ids: truth.duplicates,
        ..Report::default()
    };
    let (mut ttft, mut itl, mut itl_mean, mut send, mut receive) =
        (vec![], vec![], vec![], vec![], vec![]);
    let (mut send_client, mut send_wire, mut send_server) = (vec![], vec![], vec![]);
    for (id, c) in clients {
        let Some(t) = truth.by_id.get(id) else {
            r.unmatched_client += 1;
            continue;
        };
        r.paired += 1;
        if let (Some(ct), Some(tt)) = (c.ttft_ms, t.ttft_ms()) {
            ttft.push(ct - tt);
        }
        let gaps = t.gaps_ms();
        if !c.itl_ms.is_empty() {
            if c.itl_ms.len() != gaps.len() {
                r.itl_count_mismatch += 1;
            }
            itl.extend(c.itl_ms.iter().zip(&gaps).map(|(c, t)| c - t));
        }
        let client_mean = c.itl_mean_ms.or_else(|| {
            (!c.itl_ms.is_empty()).then(|| c.itl_ms.iter().sum::<f64>() / c.itl_ms.len() as f64)
        });
        if let (Some(cm), false) = (client_mean, gaps.is_empty()) {
            itl_mean.push(cm - gaps.iter().sum::<f64>() / gaps.len() as f64);
        }
        if let Some(s) = c.start {
            let received = match s.clock {
                Clock::Mono => t.received_mono_ns,
                Clock::Wall => t.received_wall_ns,
            };
            send.push(signed_ms(received, s.ns));
        }
        if let (Some(sent), Some(s)) = (c.request_sent_mono_ns, c.start) {
            if s.clock == Clock::Mono {
                send_client.push(signed_ms(sent, s.ns));
                send_wire.push(signed_ms(t.head_mono_ns, sent));
                send_server.push(signed_ms(t.received_mono_ns, t.head_mono_ns));
            }
        }
        if let Some(f) = c.first_content {
            let written = match f.clock {
                Clock::Mono => t.content_mono_ns.first(),
                Clock::Wall => t.content_wall_ns.first(),
            };
            if let Some(&w) = written {
                receive.push(signed_ms(f.ns, w));
            }
        }
    }
    r.unmatched_truth = r.truth_requests - r.paired;
    r.ttft = Dist::of(ttft);
    r.itl = Dist::of(itl);
    r.itl_mean = Dist::of(itl_mean);
    r.send = Dist::of(send);
    r.receive = Dist::of(receive);
    r.send_client = Dist::of(send_client);
    r.send_wire = Dist::of(send_wire);
    r.send_server = Dist::of(send_server);
    r
}

/// `a − b` in ms, signed.
fn signed_ms(a: u64, b: u64) -> f64 {
    (a as i128 - b as i128) as f64 / 1e6
}

impl Report {
    /// The human-readable table.
    pub fn text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{}requests: client {}, truth {}, paired {}, client-only {}, truth-only {}, duplicate truth ids {}, ITL count mismatches {}",
            if self.label.is_empty() { String::new() } else { format!("[{}] ", self.label) },
            self.client_requests,
            self.truth_requests,
            self.paired,
            self.unmatched_client,
            self.unmatched_truth,
            self.duplicate_truth_ids,
            self.itl_count_mismatch,
        );
        let _ = writeln!(
            s,
            "{:<34} {:>7} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
            "client − truth (ms)", "count", "min", "p50", "p90", "p99", "max", "mean"
        );
        let rows = [
            ("TTFT", &self.ttft),
            ("ITL, per chunk", &self.itl),
            ("ITL, mean per request", &self.itl_mean),
            ("send: start → server received", &self.send),
            ("  client: start → request written", &self.send_client),
            ("  written → server parsed head", &self.send_wire),
            ("  server: head → body complete", &self.send_server),
            ("receive: server wrote → stamped", &self.receive),
        ];
        for (name, d) in rows {
            if d.count == 0 {
                continue;
            }
            let _ = writeln!(
                s,
                "{:<34} {:>7} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>9.3}",
                name, d.count, d.min, d.p50, d.p90, d.p99, d.max, d.mean
            );
        }
        s
    }
}

/// Runs the subcommand on its arguments (after `calibrate`); Ok is the output.
pub fn run(args: impl Iterator<Item = String>) -> Result<String, String> {
    let (mut truth, mut client, mut kind, mut json, mut label) =
        (None, None, None, false, String::new());
    let mut args = args;
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--truth" => truth = Some(value()?),
            "--client" => client = Some(value()?),
            "--client-format" => {
                let v = value()?;
                kind = match v.as_str() {
                    "auto" => None,
                    k => Some(InputKind::parse(k).ok_or(format!("unknown client format {k:?}"))?),
                }
            }
            "--json" => json = true,
            "--label" => label = value()?,
            _ => return Err(format!("unknown argument {a:?}")),
        }
    }
    let truth_path = truth.ok_or("--truth is required")?;
    let client_path = client.ok_or("--client is required")?;
    let file = std::fs::File::open(&truth_path).map_err(|e| format!("{truth_path}: {e}"))?;
    let truth = truth_file::read(BufReader::new(file))?;
    let text = std::fs::read_to_string(&client_path).map_err(|e| format!("{client_path}: {e}"))?;
    let kind = kind.unwrap_or_else(|| InputKind::detect(&text));
    let clients = client_file::read(&text, kind)?;
    let report = compare(&label, &truth, &clients);
    if json {
        serde_json::to_string(&report).map_err(|e| e.to_string())
    } else {
        Ok(report.text())
    }
}
