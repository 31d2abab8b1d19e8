//! The loss/duplication proof: a stream's connection is killed `KILLS`
//! times and the client reconnects with `Last-Event-ID` each time. Checked
//! against the server's truth log: each new connection starts right after
//! the last event the client had, the client gets every event once and in
//! order, and what it got from a connection is what that connection wrote.
//!
//! Two killers: the bundled server itself (a TCP RST in the middle of an
//! event, after every few events), and a proxy that cuts each connection
//! after a random number of bytes (in the headers, a chunk size, a line)
//! with an RST.
//!
//! `SSE_RECONNECT_KILLS` (default 100) sets the number of kills; the
//! figures in BENCHMARKS.md come from longer runs of these tests.

mod engine_support;

use engine_support::opts;
use engine_support::raw::{self, RawServer};
use sse::client::{Client, NoticeKind, Options, ReadState};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn kills() -> u64 {
    std::env::var("SSE_RECONNECT_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100)
}

/// A truth log in a fresh temporary directory (removed when dropped) and a
/// server writing it.
struct Logged {
    dir: PathBuf,
    server: Option<sse_testserver::ServerHandle>,
}

impl Logged {
    fn start(name: &str) -> Logged {
        let dir = std::env::temp_dir().join(format!("sse-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let _ = std::fs::remove_file(dir.join("truth.jsonl"));
        let server = sse_testserver::spawn(sse_testserver::Config {
            truth_log: Some(dir.join("truth.jsonl")),
            worker_threads: 1,
            ..Default::default()
        });
        Logged {
            dir,
            server: Some(server),
        }
    }

    fn server(&self) -> &sse_testserver::ServerHandle {
        self.server.as_ref().unwrap()
    }

    /// Stops the server (streams flush their lines as they end) and reads
    /// the log: per stream, the indexes of the events it wrote, in order.
    fn written(&mut self) -> BTreeMap<u64, Vec<u64>> {
        drop(self.server.take());
        read_truth(&self.dir.join("truth.jsonl"))
    }
}

impl Drop for Logged {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn read_truth(path: &Path) -> BTreeMap<u64, Vec<u64>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut written: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        // Event lines carry the index; each stream's request line does not.
        if let Some(index) = v["index"].as_u64() {
            written
                .entry(v["stream"].as_u64().unwrap())
                .or_default()
                .push(index);
        }
    }
    written
}

/// What the client saw of one server stream: its `x-stream-id`, the
/// `Last-Event-ID` it resumed after (0 for the first), the indexes it got.
struct Seen {
    stream: u64,
    after: u64,
    got: Vec<u64>,
}

/// Reads a reconnecting stream until event `count` arrived, noting which
/// server stream each event came from.
fn read_all(url: String, count: u64, kills: u64) -> Vec<Seen> {
    let request = serde_json::json!({"url": url, "reconnect": {"default_retry_ms": 1}});
    let client = Client::new(Options::default());
    let stream = client.start(opts(request)).unwrap();
    let stream_id = || {
        let r = stream.response().expect("a response");
        r.header("x-stream-id").unwrap().parse::<u64>().unwrap()
    };
    let mut seen: Vec<Seen> = Vec::new();
    let mut reader = stream.reader_wait();
    let mut last = 0;
    // Bounded: a few reads per event and per kill, with room to spare.
    for _ in 0..(count * 4 + kills * 8 + 100) {
        let batch = reader.read(Some(Duration::from_secs(10)), 64);
        for d in batch.iter() {
            let index: u64 = d.event.id.parse().unwrap();
            assert!(
                d.event.data.starts_with(&format!("{index}:")),
                "a whole event"
            );
            if seen.is_empty() {
                // The first connection opened without a notice.
                seen.push(Seen {
                    stream: stream_id(),
                    after: 0,
                    got: Vec::new(),
                });
            }
            seen.last_mut().unwrap().got.push(index);
            last = index;
        }
        match batch.state {
            ReadState::More | ReadState::Empty => {}
            ReadState::Notice => {
                let n = reader.notice().unwrap();
                let sent = n.last_event_id.parse::<u64>().unwrap_or(0);
                assert_eq!(sent, last, "the reconnect resumes after the last event");
                if n.kind == NoticeKind::Reconnected {
                    seen.push(Seen {
                        stream: stream_id(),
                        after: last,
                        got: Vec::new(),
                    });
                }
            }
            other => panic!("the stream stopped: {other:?} {:?}", stream.error()),
        }
        if last == count {
            return seen;
        }
    }
    panic!("event {count} did not arrive");
}

/// The proof, given what the client saw and what the server wrote; returns
/// how many events died in transit (written, not received, sent again).
fn check(seen: &[Seen], written: &BTreeMap<u64, Vec<u64>>, count: u64) -> usize {
    let all: Vec<u64> = seen.iter().flat_map(|s| s.got.iter().copied()).collect();
    assert_eq!(
        all,
        (1..=count).collect::<Vec<_>>(),
        "each event once, in order"
    );
    let mut in_transit = 0;
    for s in seen {
        let wrote = written.get(&s.stream).map_or(&[][..], Vec::as_slice);
        // The resume: the connection starts right after the last event the
        // client had, and writes events in order.
        let want: Vec<u64> = (s.after + 1..s.after + 1 + wrote.len() as u64).collect();
        assert_eq!(wrote, want, "stream {} resumed after {}", s.stream, s.after);
        // What the client got from it is what it wrote, up to the kill (an
        // event written just before it may die in transit: the next
        // connection, resuming after the last one received, sends it again).
        assert!(
            wrote.starts_with(&s.got),
            "stream {}: got {:?}, wrote {wrote:?}",
            s.stream,
            s.got
        );
        in_transit += wrote.len() - s.got.len();
    }
    in_transit
}

/// Events per connection before the server's reset.
const PER: u64 = 5;

#[test]
fn server_resets_lose_and_duplicate_nothing() {
    let kills = kills();
    let count = (kills + 1) * PER;
    let mut logged = Logged::start("reconnect-resets");
    let url = format!(
        "{}/fault/reset?after={PER}&ids=1&count={count}&size=48&reset_ms=5",
        logged.server().url()
    );
    let started = Instant::now();
    let seen = read_all(url, count, kills);
    let elapsed = started.elapsed();
    assert_eq!(
        seen.len() as u64,
        kills + 1,
        "one connection per kill, plus the first"
    );
    let in_transit = check(&seen, &logged.written(), count);
    eprintln!(
        "server resets: {kills} kills, {count} events in {elapsed:?}; \
         {in_transit} died in transit and were sent again"
    );
}

/// splitmix64: the proxy's cut points, the same every run.
fn cut_point(k: u64) -> u64 {
    let mut z = k.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    1 + (z ^ (z >> 31)) % 1500
}

/// A proxy to `upstream` that lets the first `kills` connections pass a
/// few hundred bytes (`cut_point`) towards the client, then resets both;
/// and its count of connections.
fn cutting_proxy(upstream: SocketAddr, kills: u64) -> (RawServer, Arc<AtomicU64>) {
    let next = Arc::new(AtomicU64::new(0));
    let connections = next.clone();
    let proxy = RawServer::spawn(move |client| {
        let k = next.fetch_add(1, Ordering::SeqCst);
        let mut left = (k < kills).then(|| cut_point(k));
        let Ok(mut server) = TcpStream::connect(upstream) else {
            return raw::reset(client);
        };
        let (mut from_client, mut to_server) = match (client.try_clone(), server.try_clone()) {
            (Ok(c), Ok(s)) => (c, s),
            _ => return raw::reset(client),
        };
        let requests = std::thread::spawn(move || {
            let _ = std::io::copy(&mut from_client, &mut to_server);
            let _ = to_server.shutdown(Shutdown::Write);
        });
        let mut to_client = &client;
        let mut buf = [0u8; 4096];
        loop {
            let n = match server.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let pass = left.map_or(n, |l| n.min(l as usize));
            if to_client.write_all(&buf[..pass]).is_err() {
                break;
            }
            if let Some(l) = left.as_mut() {
                *l -= pass as u64;
                if *l == 0 {
                    break;
                }
            }
        }
        // Wake the request copier (its read ends), then close with an RST.
        let _ = server.shutdown(Shutdown::Both);
        let _ = client.shutdown(Shutdown::Read);
        let _ = requests.join();
        if left.is_some() {
            raw::reset(client);
        }
    });
    (proxy, connections)
}

#[test]
fn cuts_at_random_bytes_lose_and_duplicate_nothing() {
    let kills = kills();
    // A cut passes at most 1,500 bytes, fewer than 40 events: the last
    // kill comes before the last event. The server's pace (10 events per
    // ms) keeps what it writes past a cut, and so the truth log, small.
    let count = kills * 40;
    let mut logged = Logged::start("reconnect-cuts");
    let (proxy, connections) = cutting_proxy(logged.server().addr(), kills);
    let url = proxy.url(&format!(
        "/events?ids=1&count={count}&size=32&interval_ms=0.1"
    ));
    let started = Instant::now();
    let seen = read_all(url, count, kills);
    let elapsed = started.elapsed();
    drop(proxy);
    assert!(
        connections.load(Ordering::SeqCst) > kills,
        "every cut happened"
    );
    let in_transit = check(&seen, &logged.written(), count);
    eprintln!(
        "random cuts: {kills} kills ({} of them after the headers), {count} events in \
         {elapsed:?}; {in_transit} died in transit and were sent again",
        seen.len() - 1
    );
}
