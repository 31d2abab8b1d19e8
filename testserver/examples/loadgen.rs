//! Load generator for the BENCHMARKS.md figures of the test server: raw
//! tokio TCP clients (no HTTP library, no libsse) that count events.
//!
//! ```text
//! loadgen streams ADDR N SECS [PID [INTERVAL_MS]]
//!                                      N keep-alive /events streams, 1 event/s each by default
//! loadgen rate    ADDR C SECS [SIZE [BATCH]]
//!                                      C firehose streams (batch=1 unless BATCH=0), events/s and MB/s
//! loadgen timing  ADDR N TTFT_MS GAP_MS TOKENS
//!                                      N concurrent chat streams: configured vs observed
//! loadgen truth   PATH                 gaps between the write times of each stream in
//!                                      a --truth-log file (the server's own view)
//! ```
//! Events are counted as LF bytes not preceded by CR, halved: event data
//! never holds a CR and every event ends with two LFs, while the chunked
//! framing's line ends are CRLF.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[derive(Default)]
struct Totals {
    bytes: AtomicU64,
    lfs: AtomicU64,
    open: AtomicU64,
    failed: AtomicU64,
}

fn arg<T: std::str::FromStr>(args: &[String], i: usize, name: &str) -> T {
    args.get(i)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("argument {i} ({name}) missing or invalid"))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    sse_testserver::rlimit::raise_nofile();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let mode = args.first().map(String::as_str).unwrap_or("");
    if mode == "truth" {
        truth(args.get(1).expect("PATH"));
        return;
    }
    let addr: SocketAddr = arg(&args, 1, "ADDR");
    match mode {
        "streams" => rt.block_on(streams(
            addr,
            arg(&args, 2, "N"),
            arg(&args, 3, "SECS"),
            args.get(4).and_then(|p| p.parse().ok()),
            args.get(5).and_then(|p| p.parse().ok()).unwrap_or(1000),
        )),
        "rate" => rt.block_on(rate(
            addr,
            arg(&args, 2, "C"),
            arg(&args, 3, "SECS"),
            args.get(4).and_then(|p| p.parse().ok()).unwrap_or(16),
            args.get(5).map(String::as_str) != Some("0"),
        )),
        "timing" => rt.block_on(timing(
            addr,
            arg(&args, 2, "N"),
            arg(&args, 3, "TTFT_MS"),
            arg(&args, 4, "GAP_MS"),
            arg(&args, 5, "TOKENS"),
        )),
        _ => eprintln!("usage: loadgen streams|rate|timing ADDR … (see the source header)"),
    }
}

/// Reads a stream forever, adding to the totals.
async fn pump(addr: SocketAddr, path: String, t: Arc<Totals>) {
    let mut tcp = match TcpStream::connect(addr).await {
        Ok(s) => s,
        Err(_) => {
            t.failed.fetch_add(1, Ordering::Relaxed);
            return;
        }
    };
    let req = format!("GET {path} HTTP/1.1\r\nhost: {addr}\r\naccept: text/event-stream\r\n\r\n");
    if tcp.write_all(req.as_bytes()).await.is_err() {
        t.failed.fetch_add(1, Ordering::Relaxed);
        return;
    }
    t.open.fetch_add(1, Ordering::Relaxed);
    let mut buf = vec![0u8; 64 * 1024];
    let mut prev = 0u8;
    loop {
        let n = match tcp.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let mut lfs = 0u64;
        for &b in &buf[..n] {
            if b == b'\n' && prev != b'\r' {
                lfs += 1;
            }
            prev = b;
        }
        t.bytes.fetch_add(n as u64, Ordering::Relaxed);
        t.lfs.fetch_add(lfs, Ordering::Relaxed);
    }
    t.open.fetch_sub(1, Ordering::Relaxed);
}

fn proc_status(pid: u32) -> String {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let get = |k: &str| {
        s.lines()
            .find(|l| l.starts_with(k))
            .map(|l| l[k.len()..].trim().to_owned())
            .unwrap_or_default()
    };
    format!("server VmRSS {} Threads {}", get("VmRSS:"), get("Threads:"))
}

async fn streams(addr: SocketAddr, n: usize, secs: u64, pid: Option<u32>, interval_ms: u64) {
    let t = Arc::new(Totals::default());
    let started = Instant::now();
    for i in 0..n {
        let path = format!("/events?count=0&interval_ms={interval_ms}&size=16");
        tokio::spawn(pump(addr, path, t.clone()));
        if i % 500 == 499 {
            // Let the accept queue drain instead of flooding the listen backlog.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    while (t.open.load(Ordering::Relaxed) + t.failed.load(Ordering::Relaxed)) < n as u64
        && started.elapsed() < Duration::from_secs(60)
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!(
        "opened {} streams ({} failed) in {:.2}s",
        t.open.load(Ordering::Relaxed),
        t.failed.load(Ordering::Relaxed),
        started.elapsed().as_secs_f64()
    );
    let lfs0 = t.lfs.load(Ordering::Relaxed);
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_secs(secs)).await;
    let events = (t.lfs.load(Ordering::Relaxed) - lfs0) / 2;
    let el = t0.elapsed().as_secs_f64();
    println!(
        "held {} open streams for {:.1}s: {} events, {:.0} events/s (expected ~{:.0} /s)",
        t.open.load(Ordering::Relaxed),
        el,
        events,
        events as f64 / el,
        n as f64 * 1000.0 / interval_ms.max(1) as f64
    );
    if let Some(pid) = pid {
        println!("{}", proc_status(pid));
    }
}

async fn rate(addr: SocketAddr, c: usize, secs: u64, size: usize, batch: bool) {
    let t = Arc::new(Totals::default());
    for _ in 0..c {
        let path = format!("/events?count=0&batch={}&size={size}", u8::from(batch));
        tokio::spawn(pump(addr, path, t.clone()));
    }
    // Warm up, then measure a window.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (b0, l0, t0) = (
        t.bytes.load(Ordering::Relaxed),
        t.lfs.load(Ordering::Relaxed),
        Instant::now(),
    );
    tokio::time::sleep(Duration::from_secs(secs)).await;
    let el = t0.elapsed().as_secs_f64();
    let bytes = t.bytes.load(Ordering::Relaxed) - b0;
    let events = (t.lfs.load(Ordering::Relaxed) - l0) / 2;
    println!(
        "{c} streams, {size} B data, batch={}: {:.0} events/s, {:.1} MB/s over {:.1}s",
        u8::from(batch),
        events as f64 / el,
        bytes as f64 / el / 1e6,
        el
    );
}

/// One chat stream: returns (ttft, gaps between content events) as observed.
async fn one_chat(
    addr: SocketAddr,
    ttft_ms: f64,
    gap_ms: f64,
    tokens: u64,
) -> Option<(f64, Vec<f64>)> {
    let body = format!(
        r#"{{"model":"m","messages":[{{"role":"user","content":"timing"}}],"stream":true,"ttft_ms":{ttft_ms},"token_interval_ms":{gap_ms},"completion_tokens":{tokens}}}"#
    );
    let req = format!(
        "POST /v1/chat/completions HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut tcp = TcpStream::connect(addr).await.ok()?;
    tcp.set_nodelay(true).ok()?;
    tcp.write_all(req.as_bytes()).await.ok()?;
    let sent = Instant::now();
    let mut buf = vec![0u8; 16 * 1024];
    let mut prev = 0u8;
    let mut lfs = 0u64;
    let mut times = Vec::new();
    loop {
        let n = match tcp.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let now = sent.elapsed().as_secs_f64() * 1e3;
        for &b in &buf[..n] {
            if b == b'\n' && prev != b'\r' {
                lfs += 1;
                if lfs.is_multiple_of(2) {
                    times.push(now);
                }
            }
            prev = b;
        }
    }
    // Events: role, content × tokens, finish, [DONE]. Role and first content
    // come together at TTFT; gaps are between content events.
    if times.len() < tokens as usize + 1 {
        return None;
    }
    let content = &times[1..=tokens as usize];
    let gaps = content.windows(2).map(|w| w[1] - w[0]).collect();
    Some((times[0], gaps))
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

async fn timing(addr: SocketAddr, n: usize, ttft_ms: f64, gap_ms: f64, tokens: u64) {
    let mut tasks = Vec::new();
    for _ in 0..n {
        tasks.push(tokio::spawn(one_chat(addr, ttft_ms, gap_ms, tokens)));
    }
    let (mut ttfts, mut gaps) = (Vec::new(), Vec::new());
    for t in tasks {
        if let Ok(Some((f, g))) = t.await {
            ttfts.push(f);
            gaps.extend(g);
        }
    }
    ttfts.sort_by(f64::total_cmp);
    gaps.sort_by(f64::total_cmp);
    println!(
        "{n} streams x {tokens} tokens: TTFT configured {ttft_ms} ms, observed p50 {:.2} p99 {:.2} max {:.2} ms",
        pct(&ttfts, 0.5),
        pct(&ttfts, 0.99),
        pct(&ttfts, 1.0)
    );
    println!(
        "inter-token gap configured {gap_ms} ms, observed p1 {:.2} p50 {:.2} p99 {:.2} ms ({} gaps)",
        pct(&gaps, 0.01),
        pct(&gaps, 0.5),
        pct(&gaps, 0.99),
        gaps.len()
    );
}

/// Gaps between distinct write times per stream in a truth log. Events
/// written together share a timestamp, so distinct times = writes.
fn truth(path: &str) {
    let text = std::fs::read_to_string(path).expect("truth log readable");
    let mut per: std::collections::HashMap<u64, Vec<u64>> = Default::default();
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("JSON line");
        let (Some(s), Some(t)) = (v["stream"].as_u64(), v["mono_ns"].as_u64()) else {
            continue;
        };
        if v["kind"] == "request" {
            continue; // when the request arrived, not a write
        }
        let times = per.entry(s).or_default();
        if times.last() != Some(&t) {
            times.push(t);
        }
    }
    let mut gaps: Vec<f64> = per
        .values()
        .flat_map(|t| {
            t.windows(2)
                .map(|w| (w[1] - w[0]) as f64 / 1e6)
                .collect::<Vec<_>>()
        })
        .collect();
    gaps.sort_by(f64::total_cmp);
    println!(
        "server write gaps over {} streams: p1 {:.2} p50 {:.2} p99 {:.2} ms ({} gaps)",
        per.len(),
        pct(&gaps, 0.01),
        pct(&gaps, 0.5),
        pct(&gaps, 0.99),
        gaps.len()
    );
}
