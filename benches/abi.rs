//! The no-ABI baseline for the C ABI benchmark (tests/c/bench.sh): the
//! same loops as tests/c/bench_abi.c, in Rust, calling `Stream::next`,
//! `Stream::try_next` and `Stream::drain` directly on a pre-filled queue.
//!
//! `SSE_BENCH_URL` names the server (tests/c/bench.sh passes the one the C
//! benchmark uses); without it an in-process sse-testserver is started.
//! Args (after `--`): EVENTS RUNS.

use std::time::{Duration, Instant};

use sse::client::{Client, Delivered, Drain, Next, Options, Stream};

#[derive(Clone, Copy)]
enum Mode {
    Next,
    TryNext,
    Drain,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Next => "Stream::next (blocking)",
            Mode::TryNext => "Stream::try_next",
            Mode::Drain => "Stream::drain (batch 256)",
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

/// Reads the whole pre-filled stream; returns consumer ns per event.
fn run(client: &Client, base: &str, events: u64, mode: Mode) -> f64 {
    let stream = open_filled(client, base, events);
    let mut got = 0u64;
    let mut batch: Vec<Delivered> = Vec::with_capacity(256);
    let start = Instant::now();
    let last = loop {
        match mode {
            Mode::Next => match stream.next(None) {
                Next::Event(delivered) => {
                    std::hint::black_box(&delivered);
                    got += 1;
                }
                other => break other,
            },
            Mode::TryNext => match stream.try_next() {
                Next::Event(delivered) => {
                    std::hint::black_box(&delivered);
                    got += 1;
                }
                other => break other,
            },
            Mode::Drain => {
                batch.clear();
                match stream.drain(None, 256, &mut batch) {
                    Drain::Events(n) => {
                        std::hint::black_box(&batch);
                        got += n as u64;
                    }
                    Drain::End => break Next::End,
                    _ => break Next::Failed,
                }
            }
        }
    };
    let elapsed = start.elapsed();
    assert!(
        matches!(last, Next::End),
        "{} did not end cleanly",
        mode.name()
    );
    assert_eq!(got, events, "{} lost events", mode.name());
    elapsed.as_nanos() as f64 / events as f64
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
    println!("{:<30} {:>8} {:>8}", "mode", "min", "median");
    for mode in [Mode::Next, Mode::TryNext, Mode::Drain] {
        let mut ns: Vec<f64> = (0..runs)
            .map(|_| run(&client, &base, events, mode))
            .collect();
        ns.sort_by(f64::total_cmp);
        println!(
            "{:<30} {:8.1} {:8.1}   ns/event",
            mode.name(),
            ns[0],
            ns[runs / 2]
        );
    }
}
