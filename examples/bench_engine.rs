//! Engine benchmark (BENCHMARKS.md, "Engine"): run with
//!
//!   cargo build --release -p sse-testserver
//!   cargo run --release --example bench_engine [-- EVENTS STREAMS]
//!
//! The server is `target/release/sse-testserver` in its own process (or
//! `$SSE_TESTSERVER`), so this process's CPU time is the client's alone.
//!
//! 1. One stream of small events, server batching writes: events/s and
//!    client CPU per event, for libsse and for a peer in the same run
//!    (hyper's own HTTP/1.1 connection + eventsource-stream).
//! 2. N concurrent idle streams (plain HTTP/1.1, TLS HTTP/1.1, TLS HTTP/2
//!    multiplexed), all attached to one `Poller`: resident memory, file
//!    descriptors per stream and the process's thread count.
//! 3. N concurrent busy streams, consumed from one thread through one
//!    `Poller` (one fd, a ready list of tokens): total events/s.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sse::client::{Client, Drain, Next, Options, Poller, ReadState};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicI64, Ordering};

/// Counts live heap bytes, to tell the library's own memory from RSS noise.
struct Counting;
static LIVE: AtomicI64 = AtomicI64::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as i64, Ordering::Relaxed);
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as i64, Ordering::Relaxed);
        // SAFETY: same contract as our caller's.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        LIVE.fetch_add(new as i64 - l.size() as i64, Ordering::Relaxed);
        // SAFETY: same contract as our caller's.
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn live_kib() -> i64 {
    LIVE.load(Ordering::Relaxed) / 1024
}

struct Server {
    child: Child,
    url: String,
    ca_pem: Option<String>,
}

impl Server {
    fn start(tls: bool) -> Server {
        let bin = std::env::var("SSE_TESTSERVER")
            .unwrap_or_else(|_| "target/release/sse-testserver".to_string());
        let cert = std::env::temp_dir().join(format!("bench_engine_ca_{}.pem", std::process::id()));
        let mut cmd = Command::new(&bin);
        cmd.args(["--port", "0"]).stdout(Stdio::piped());
        if tls {
            cmd.arg("--tls").arg("--cert-out").arg(&cert);
        }
        let mut child = cmd.spawn().unwrap_or_else(|e| {
            panic!(
                "cannot start {bin}: {e} (build it with cargo build --release -p sse-testserver)"
            )
        });
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line.trim().trim_start_matches("listening on ").to_string();
        let ca_pem = tls.then(|| std::fs::read_to_string(&cert).unwrap());
        Server { child, url, ca_pem }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// User + system CPU seconds of this process.
fn cpu_s() -> f64 {
    // SAFETY: getrusage fills the zeroed struct we pass.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: valid pointer to a rusage struct.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

fn status_field(name: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(name))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn rss_kib() -> u64 {
    status_field("VmRSS:")
}

fn threads() -> u64 {
    status_field("Threads:")
}

/// Open file descriptors of this process.
fn open_fds() -> i64 {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count() as i64)
}

fn raise_fd_limit() {
    // SAFETY: get/setrlimit on a local struct.
    unsafe {
        let mut rl: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl) == 0 {
            rl.rlim_cur = rl.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &rl);
        }
    }
}

struct Run {
    events: u64,
    wall: f64,
    cpu: f64,
}

impl Run {
    /// Times `read` (wall and process CPU) and checks it read `expected` events.
    fn measure(expected: u64, read: impl FnOnce() -> u64) -> Run {
        let (c0, t0) = (cpu_s(), Instant::now());
        let events = read();
        assert_eq!(events, expected);
        Run {
            events,
            wall: t0.elapsed().as_secs_f64(),
            cpu: cpu_s() - c0,
        }
    }

    fn print(&self, name: &str) {
        println!(
            "  {name:<34} {:>9.0} events/s  {:>6.0} ns CPU/event  {:.2} cores",
            self.events as f64 / self.wall,
            self.cpu * 1e9 / self.events as f64,
            self.cpu / self.wall
        );
    }
}

fn one_stream_libsse(url: &str, events: u64) -> Run {
    let client = Client::new(Options::default());
    Run::measure(events, || {
        let stream = client.open(Options::url(url)).unwrap();
        let mut out = Vec::with_capacity(256);
        let mut n = 0u64;
        loop {
            out.clear();
            match stream.drain(Some(Duration::from_secs(30)), 256, &mut out) {
                Drain::Events(k) => n += k as u64,
                Drain::End => return n,
                other => panic!("{other:?} {:?}", stream.error()),
            }
        }
    })
}

fn one_stream_libsse_next(url: &str, events: u64) -> Run {
    let client = Client::new(Options::default());
    Run::measure(events, || {
        let stream = client.open(Options::url(url)).unwrap();
        let mut n = 0u64;
        loop {
            match stream.next(Some(Duration::from_secs(30))) {
                Next::Event(_) => n += 1,
                Next::End => return n,
                other => panic!("{other:?} {:?}", stream.error()),
            }
        }
    })
}

/// The peer: hyper's HTTP/1.1 connection and eventsource-stream, on a
/// current-thread runtime (the cheapest way to drive them).
fn one_stream_peer(url: &str, events: u64) -> Run {
    use eventsource_stream::Eventsource;
    use futures::StreamExt;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let uri: http::Uri = url.parse().unwrap();
    Run::measure(events, || {
        rt.block_on(async {
            let addr = format!("{}:{}", uri.host().unwrap(), uri.port_u16().unwrap());
            let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
            tcp.set_nodelay(true).unwrap();
            let (mut send, conn) = hyper::client::conn::http1::handshake::<
                _,
                http_body_util::Empty<bytes::Bytes>,
            >(hyper_util::rt::TokioIo::new(tcp))
            .await
            .unwrap();
            tokio::spawn(conn);
            let req = http::Request::get(uri.path_and_query().unwrap().as_str())
                .header("host", uri.authority().unwrap().as_str())
                .header("accept", "text/event-stream")
                .body(http_body_util::Empty::new())
                .unwrap();
            let resp = send.send_request(req).await.unwrap();
            let mut es = http_body_util::BodyDataStream::new(resp.into_body()).eventsource();
            let mut n = 0u64;
            while let Some(ev) = es.next().await {
                ev.unwrap();
                n += 1;
            }
            n
        })
    })
}

fn median_by<F: Fn(&Run) -> f64>(mut runs: Vec<Run>, key: F) -> Run {
    runs.sort_by(|a, b| key(a).total_cmp(&key(b)));
    runs.swap_remove(runs.len() / 2)
}

/// `h2`: HTTP/2 by ALPN, streams multiplexed on shared connections (the
/// first connection is up before the rest start, so they can share it).
fn idle_streams(server: &Server, streams: usize, h2: bool) {
    let version = if h2 { "auto" } else { "http1" };
    let mut defaults = serde_json::json!({ "http_version": version });
    if let Some(ca) = &server.ca_pem {
        defaults["tls"] = serde_json::json!({"ca_pem": ca});
    }
    let client = Client::new(Options::from_json(defaults.to_string().as_bytes()).unwrap());
    let url = format!("{}/events?count=0&interval_ms=3600000", server.url);
    // Warm up the runtime, TLS config and allocator with one stream (kept
    // open for HTTP/2 so later streams share its connection).
    let first = client.open(Options::url(&url)).unwrap();
    while let Next::Event(_) = first.next(Some(Duration::from_millis(100))) {}
    let _first = h2.then_some(first);
    std::thread::sleep(Duration::from_millis(200));
    let (rss0, thr0, heap0, fds0) = (rss_kib(), threads(), live_kib(), open_fds());
    let t0 = Instant::now();
    // Waited on as a consumer would: every stream on one poller.
    let poller = Poller::new();
    let _poller_fd = poller.fd().unwrap();
    let open: Vec<_> = (0..streams)
        .map(|i| {
            let s = client.start(Options::url(&url)).unwrap();
            s.attach(&poller, i as u64);
            s
        })
        .collect();
    for s in &open {
        if let std::task::Poll::Ready(Err(e)) = s.wait_open(Some(Duration::from_secs(60))) {
            panic!("open failed: {e}");
        }
    }
    let version = open[0].response().map_or("?", |r| r.version_str());
    let opened = t0.elapsed();
    std::thread::sleep(Duration::from_millis(300));
    // The server sends event 1 at once; a live consumer would have taken it.
    for s in &open {
        while let Next::Event(_) = s.try_next() {}
    }
    let (rss1, thr1, heap1, fds1) = (rss_kib(), threads(), live_kib(), open_fds());
    println!(
        "  {:<5} {version:<8} {streams} idle streams opened in {:.2} s: RSS +{} KiB = {:.1} KiB/stream (live heap {:.1} KiB/stream); threads {thr0} -> {thr1}; fds {fds0} -> {fds1} ({:.3}/stream)",
        if server.ca_pem.is_some() { "TLS" } else { "plain" },
        opened.as_secs_f64(),
        rss1.saturating_sub(rss0),
        rss1.saturating_sub(rss0) as f64 / streams as f64,
        (heap1 - heap0) as f64 / streams as f64,
        (fds1 - fds0) as f64 / streams as f64,
    );
    drop(open);
}

fn busy_streams(server: &Server, streams: usize, per_stream: u64) {
    let client = Client::new(Options::default());
    let url = format!(
        "{}/events?count={per_stream}&size=16&batch=1&interval_ms=1",
        server.url
    );
    let thr0 = threads();
    let (c0, t0) = (cpu_s(), Instant::now());
    let open: Vec<_> = (0..streams)
        .map(|_| client.start(Options::url(&url)).unwrap())
        .collect();
    // One poller for every stream: one fd, tokens = stream indexes.
    let poller = Poller::new();
    for (i, s) in open.iter().enumerate() {
        s.attach(&poller, i as u64);
    }
    let fd = poller.fd().unwrap();
    let mut done = vec![false; streams];
    let mut left = streams;
    let mut total = 0u64;
    let mut peak_threads = thr0;
    let mut tokens = vec![0u64; 256];
    while left > 0 {
        let mut p = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        let r = unsafe { libc::poll(&mut p, 1, 30_000) };
        assert!(r > 0, "no stream became ready within 30 s");
        peak_threads = peak_threads.max(threads());
        let n = poller.wait(Some(Duration::ZERO), &mut tokens);
        for &token in &tokens[..n] {
            let i = token as usize;
            if done[i] {
                continue;
            }
            let mut reader = open[i].reader().unwrap();
            loop {
                let batch = reader.read(Some(Duration::ZERO), 512);
                total += batch.len() as u64;
                match batch.state {
                    ReadState::More => continue,
                    ReadState::Empty => break,
                    ReadState::End => {
                        done[i] = true;
                        left -= 1;
                        break;
                    }
                    other => panic!("{other:?} {:?}", open[i].error()),
                }
            }
        }
    }
    let wall = t0.elapsed().as_secs_f64();
    assert_eq!(total, streams as u64 * per_stream);
    println!(
        "  {streams} busy streams x {per_stream} events: {:.0} events/s total, {:.2} cores, threads {thr0} -> peak {peak_threads}",
        total as f64 / wall,
        (cpu_s() - c0) / wall
    );
}

/// Each phase runs in its own process so one phase's freed memory (kept by
/// the allocator) does not hide the next phase's growth.
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let nums: Vec<u64> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let events = nums.first().copied().unwrap_or(2_000_000);
    let streams = nums.get(1).copied().unwrap_or(1000) as usize;
    raise_fd_limit();
    match std::env::var("BENCH_ENGINE_PHASE").as_deref() {
        Ok("one") => {
            let server = Server::start(false);
            let url = format!("{}/events?count={events}&size=16&batch=1", server.url);
            println!(
                "one stream, {events} events of 16 B data, server batches writes (median of 3):"
            );
            let key = |r: &Run| r.events as f64 / r.wall;
            let ours = median_by(
                (0..3).map(|_| one_stream_libsse(&url, events)).collect(),
                key,
            );
            let ours_next = median_by(
                (0..3)
                    .map(|_| one_stream_libsse_next(&url, events))
                    .collect(),
                key,
            );
            let peer = median_by((0..3).map(|_| one_stream_peer(&url, events)).collect(), key);
            ours.print("libsse (drain 256)");
            ours_next.print("libsse (next, one by one)");
            peer.print("hyper + eventsource-stream");
            println!(
                "  ratio libsse/peer: {:.2}x events/s, {:.2}x CPU per event",
                key(&ours) / key(&peer),
                (ours.cpu / ours.events as f64) / (peer.cpu / peer.events as f64)
            );
        }
        Ok("idle-plain") => idle_streams(&Server::start(false), streams, false),
        Ok("idle-tls") => idle_streams(&Server::start(true), streams, false),
        Ok("idle-h2") => idle_streams(&Server::start(true), streams, true),
        Ok("busy") => busy_streams(&Server::start(false), streams, 2000),
        _ => {
            let exe = std::env::current_exe().unwrap();
            for phase in ["one", "idle-plain", "idle-tls", "idle-h2", "busy"] {
                let status = Command::new(&exe)
                    .args(&args)
                    .env("BENCH_ENGINE_PHASE", phase)
                    .status()
                    .unwrap();
                assert!(status.success(), "phase {phase} failed");
            }
        }
    }
}
