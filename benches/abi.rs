//! The no-ABI baseline for the C ABI benchmark (tests/c/bench.sh): the
//! same loops as tests/c/bench_abi.c, in Rust, on the engine's borrowing
//! reader (`Reader::next`, `Reader::read`, what the C calls wrap) directly,
//! on a pre-filled queue; the second column adds dropping the stream.
//!
//! `SSE_BENCH_URL` names the server (tests/c/bench.sh passes the one the C
//! benchmark uses); without it an in-process sse-testserver is started.
//! Args (after `--`): EVENTS RUNS.

use std::time::{Duration, Instant};

use sse::client::{Client, Options, ReadState, Stream};

#[derive(Clone, Copy)]
enum Mode {
    Next,
    TryNext,
    Read,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Next => "Reader::next (blocking)",
            Mode::TryNext => "Reader::next (no wait)",
            Mode::Read => "Reader::read (batch 256)",
        }
    }
}

fn open_filled(client: &Client, base: &str, events: u64) -> Stream {
    let json = format!(
        r#"{{"url": "{base}/events?count={events}&size=16&batch=1", "queue_capacity": {}}}"#,
        events + 16
    );
    let options = Options::from_json(json.as_bytes()).expect("valid request");
    let stream = client.open(options).expect("open");
    let deadline = Instant::now() + Duration::from_secs(120);
    // `end` is set once the last event is queued.
    while stream.timings().events < events || stream.timings().end == 0 {
        assert!(Instant::now() < deadline, "the queue did not fill");
        std::thread::sleep(Duration::from_millis(10));
    }
    stream
}

/// Reads the whole pre-filled stream; returns consumer ns per event, and
/// the same with the stream dropped (which frees the events).
fn run(client: &Client, base: &str, events: u64, mode: Mode) -> (f64, f64) {
    let stream = open_filled(client, base, events);
    let mut got = 0u64;
    let start = Instant::now();
    let mut reader = stream.reader().expect("one reader");
    let last = loop {
        match mode {
            Mode::Next | Mode::TryNext => {
                let timeout = match mode {
                    Mode::Next => None,
                    _ => Some(Duration::ZERO),
                };
                match reader.next(timeout) {
                    Ok(delivered) => {
                        std::hint::black_box(delivered);
                        got += 1;
                    }
                    Err(state) => break state,
                }
            }
            Mode::Read => {
                let batch = reader.read(None, 256);
                for delivered in batch.iter() {
                    std::hint::black_box(delivered);
                }
                got += batch.len() as u64;
                if !matches!(batch.state, ReadState::More | ReadState::Empty) {
                    break batch.state;
                }
            }
        }
    };
    let read = start.elapsed();
    drop(reader);
    drop(stream);
    let with_drop = start.elapsed();
    assert_eq!(last, ReadState::End, "{} did not end cleanly", mode.name());
    assert_eq!(got, events, "{} lost events", mode.name());
    let per = |d: Duration| d.as_nanos() as f64 / events as f64;
    (per(read), per(with_drop))
}

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let events = args.first().copied().unwrap_or(20_000);
    let runs = args.get(1).copied().unwrap_or(21).clamp(1, 50) as usize;
    let server;
    let base = match std::env::var("SSE_BENCH_URL") {
        Ok(url) => url,
        Err(_) => {
            server = sse_testserver::spawn(sse_testserver::Config::default());
            server.url().trim_end_matches('/').to_string()
        }
    };
    let client = Client::new(Options::default());
    println!(
        "Rust, no ABI: {events} events of 16 B per run, {runs} runs, consumer side on a pre-filled queue"
    );
    println!(
        "{:<30} {:>8} {:>8}   with the drop min/med",
        "mode", "min", "median"
    );
    for mode in [Mode::Next, Mode::TryNext, Mode::Read] {
        let (mut ns, mut dropped): (Vec<f64>, Vec<f64>) =
            (0..runs).map(|_| run(&client, &base, events, mode)).unzip();
        ns.sort_by(f64::total_cmp);
        dropped.sort_by(f64::total_cmp);
        println!(
            "{:<30} {:8.1} {:8.1}   {:8.1} {:8.1}   ns/event",
            mode.name(),
            ns[0],
            ns[runs / 2],
            dropped[0],
            dropped[runs / 2]
        );
    }
}
