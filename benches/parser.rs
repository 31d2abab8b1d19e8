//! Parser throughput: ours against the published peers `sse-core`, `sseer`
//! and `eventsource-stream`, side by side in one run, on the three
//! workloads of issue 2:
//!
//! - (a) 512 OpenAI-style `data: {json}` events of ~200 B, fed in 128 B chunks;
//! - (b) 100,000 token events of 30–60 B, fed in 1,460 B chunks;
//! - (c) one 1 MiB `data:` line, fed in 10 B chunks.
//!
//! Each peer is driven its fastest intended way: sse-core through its push
//! decoder (`SseDecoder::next` on each chunk), sseer and eventsource-stream
//! through their `Stream` adapters over an always-ready
//! `futures::stream::iter`, polled by `futures::executor::block_on` once per
//! iteration (no tokio runtime). Every parser is checked to produce the
//! expected events before it is timed. A `memchr` count of LF bytes is the
//! floor for scanning the same bytes.
//!
//! eventsource-stream is quadratic on (c) (about 90 s a run); it is left out
//! of criterion's sampling and timed once when `SSE_BENCH_SLOW_PEER=1` is set.
//!
//! Run: `taskset -c 1 cargo bench --bench parser`. Extra modes (same
//! binary, no criterion): `SSE_BENCH_INTERLEAVED=<rounds>` alternates the
//! parsers run by run and prints medians (robust on a busy machine);
//! `SSE_BENCH_PROFILE=<a|b|c>:<parser>:<runs>` loops one parser for a
//! profiler.

use bytes::Bytes;
use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use futures::StreamExt;
use sse::parser::{Limits, Parser};
use std::convert::Infallible;
use std::num::NonZeroUsize;
use std::time::Duration;

/// CPU time of the calling thread in ns (`CLOCK_THREAD_CPUTIME_ID`).
fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a
    // constant the kernel supports on every Linux we build for.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Criterion measurement: CPU time of the benchmark thread rather than wall
/// time. The build machine is shared by several jobs; time spent
/// descheduled made wall-clock medians swing 3–5x between runs, while CPU
/// time only counts the instructions the parser itself ran. Every parser is
/// measured the same way.
struct ThreadCpuTime;

impl Measurement for ThreadCpuTime {
    type Intermediate = u64;
    type Value = Duration;

    fn start(&self) -> u64 {
        thread_cpu_ns()
    }
    fn end(&self, started: u64) -> Duration {
        Duration::from_nanos(thread_cpu_ns() - started)
    }
    fn add(&self, v1: &Duration, v2: &Duration) -> Duration {
        *v1 + *v2
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        WallTime.formatter()
    }
}

/// A workload: the stream cut into chunks of one shared buffer (as hyper
/// hands them over), and the events and data bytes it must yield.
struct Workload {
    name: &'static str,
    chunks: Vec<Bytes>,
    bytes: usize,
    events: usize,
    data_bytes: usize,
}

impl Workload {
    fn new(
        name: &'static str,
        stream: Vec<u8>,
        chunk: usize,
        events: usize,
        data_bytes: usize,
    ) -> Workload {
        let bytes = stream.len();
        let stream = Bytes::from(stream);
        let chunks = (0..bytes)
            .step_by(chunk)
            .map(|at| stream.slice(at..bytes.min(at + chunk)))
            .collect();
        Workload {
            name,
            chunks,
            bytes,
            events,
            data_bytes,
        }
    }

    fn chunk_stream(&self) -> impl futures::Stream<Item = Result<Bytes, Infallible>> + '_ {
        futures::stream::iter(self.chunks.iter().cloned().map(Ok))
    }
}

/// (a): OpenAI chat-completion chunks, ~200 B each.
fn openai_workload() -> Workload {
    let words = [
        "Hello", " there", "!", " How", " can", " I", " help", " you", " today", "?",
    ];
    let mut stream = Vec::new();
    let mut data_bytes = 0;
    for i in 0..512 {
        let data = format!(
            "{{\"id\":\"chatcmpl-9x8Kq2LmZ3\",\"object\":\"chat.completion.chunk\",\"created\":1732870000,\
             \"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"{}\"}},\
             \"finish_reason\":null}}]}}",
            words[i % words.len()]
        );
        data_bytes += data.len();
        stream.extend_from_slice(format!("data: {data}\n\n").as_bytes());
    }
    Workload::new(
        "a_openai_512x200B_128B_chunks",
        stream,
        128,
        512,
        data_bytes,
    )
}

/// (b): 100k token events of 30–60 B.
fn token_workload() -> Workload {
    let mut stream = Vec::new();
    let mut data_bytes = 0;
    let mut seed: u32 = 12345;
    for i in 0..100_000 {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
        // `data: ` (6) + `{"t":"` (6) + token + `"}` (2) + LF LF (2) = 16 + token.
        let token_len = 14 + (seed >> 16) as usize % 31; // event 30..=60 B
        let token: String = (0..token_len)
            .map(|k| (b'a' + ((i + k) % 26) as u8) as char)
            .collect();
        let data = format!("{{\"t\":\"{token}\"}}");
        data_bytes += data.len();
        stream.extend_from_slice(format!("data: {data}\n\n").as_bytes());
    }
    Workload::new(
        "b_tokens_100k_1460B_chunks",
        stream,
        1460,
        100_000,
        data_bytes,
    )
}

/// (c): one 1 MiB line.
fn long_line_workload() -> Workload {
    line_of(1 << 20, "c_one_1MiB_line_10B_chunks")
}

/// One `data:` line of `len` bytes, fed in 10 B chunks.
fn line_of(len: usize, name: &'static str) -> Workload {
    let data = vec![b'x'; len];
    let mut stream = b"data: ".to_vec();
    stream.extend_from_slice(&data);
    stream.extend_from_slice(b"\n\n");
    Workload::new(name, stream, 10, 1, data.len())
}

/// Limits large enough for the longest line for every parser.
const BIG: usize = 16 << 20;

fn run_ours(w: &Workload) -> (usize, usize) {
    let mut parser = Parser::new(Limits {
        max_line: BIG,
        max_event: BIG,
    });
    let (mut events, mut data) = (0, 0);
    for chunk in &w.chunks {
        let fed = parser.feed(chunk.clone(), |e| {
            events += 1;
            data += e.data.len();
        });
        if let Err(e) = fed {
            panic!("ours: {e}");
        }
    }
    (events, data)
}

fn run_sse_core(w: &Workload) -> (usize, usize) {
    let mut decoder = sse_core::SseDecoder::with_limit(NonZeroUsize::new(BIG).unwrap());
    let (mut events, mut data) = (0, 0);
    for chunk in &w.chunks {
        let mut buf = chunk.clone();
        while let Some(next) = decoder.next(&mut buf) {
            match next {
                Ok(sse_core::SseEvent::Message(m)) => {
                    events += 1;
                    data += m.data.len();
                }
                Ok(sse_core::SseEvent::Retry(_)) => {}
                Err(e) => panic!("sse-core: {e}"),
            }
        }
    }
    (events, data)
}

/// Drives a peer's `Stream` adapter to its end with one `block_on`,
/// counting events and data bytes (`data_len` reads a peer's event type).
fn drive_peer<S, E, Err>(
    name: &str,
    mut stream: S,
    data_len: impl Fn(&E) -> usize,
) -> (usize, usize)
where
    S: futures::Stream<Item = Result<E, Err>> + Unpin,
    Err: std::fmt::Display,
{
    futures::executor::block_on(async {
        let (mut events, mut data) = (0, 0);
        while let Some(next) = stream.next().await {
            match next {
                Ok(e) => {
                    events += 1;
                    data += data_len(&e);
                }
                Err(e) => panic!("{name}: {e}"),
            }
        }
        (events, data)
    })
}

fn run_sseer(w: &Workload) -> (usize, usize) {
    let stream = sseer::EventStream::new(w.chunk_stream());
    drive_peer(
        "sseer",
        std::pin::pin!(stream),
        |e: &sseer::event::Event| e.data.len(),
    )
}

fn run_eventsource_stream(w: &Workload) -> (usize, usize) {
    let stream = eventsource_stream::EventStream::new(w.chunk_stream());
    drive_peer(
        "eventsource-stream",
        Box::pin(stream),
        |e: &eventsource_stream::Event| e.data.len(),
    )
}

/// The scanning floor: count LF bytes with memchr, chunk by chunk.
fn run_memchr_floor(w: &Workload) -> (usize, usize) {
    let lf: usize = w
        .chunks
        .iter()
        .map(|c| memchr::memchr_iter(b'\n', c).count())
        .sum();
    (lf, 0)
}

type Runner = fn(&Workload) -> (usize, usize);

const PARSERS: &[(&str, Runner)] = &[
    ("libsse", run_ours),
    ("sse-core", run_sse_core),
    ("sseer", run_sseer),
    ("eventsource-stream", run_eventsource_stream),
];

fn bench_workload(c: &mut Criterion<ThreadCpuTime>, w: &Workload, slow_peer_in_sampling: bool) {
    let mut group = c.benchmark_group(w.name);
    group.throughput(Throughput::Bytes(w.bytes as u64));
    group.sample_size(20);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(3));
    for &(name, run) in PARSERS {
        if name == "eventsource-stream" && !slow_peer_in_sampling {
            continue;
        }
        assert_eq!(run(w), (w.events, w.data_bytes), "{name} on {}", w.name);
        group.bench_with_input(BenchmarkId::from_parameter(name), w, |b, w| {
            b.iter(|| black_box(run(black_box(w))))
        });
    }
    group.bench_with_input(BenchmarkId::from_parameter("memchr-lf-floor"), w, |b, w| {
        b.iter(|| black_box(run_memchr_floor(black_box(w))))
    });
    group.finish();
}

/// `SSE_BENCH_PROFILE=<workload letter>:<parser>:<runs>` runs one parser on
/// one workload in a plain loop instead of criterion, for `perf stat` /
/// `perf record` (cycle counts stay meaningful on a busy machine).
fn profile_mode(workloads: &[&Workload]) -> bool {
    let Ok(spec) = std::env::var("SSE_BENCH_PROFILE") else {
        return false;
    };
    let parts: Vec<&str> = spec.split(':').collect();
    let [letter, parser, runs] = parts[..] else {
        panic!("SSE_BENCH_PROFILE={spec}: want <a|b|c>:<parser>:<runs>");
    };
    let w = workloads
        .iter()
        .find(|w| w.name.starts_with(letter))
        .expect("workload letter a, b or c");
    let run = PARSERS
        .iter()
        .find(|(name, _)| *name == parser)
        .expect("parser name")
        .1;
    let runs: u32 = runs.parse().expect("runs");
    // The fastest run: the one least disturbed by other processes.
    let mut per_run = f64::INFINITY;
    for _ in 0..runs {
        let start = thread_cpu_ns();
        black_box(run(black_box(w)));
        per_run = per_run.min((thread_cpu_ns() - start) as f64 / 1e9);
    }
    println!(
        "{}/{parser}: fastest run {:.1} us, {:.0} MB/s, {:.2} M events/s",
        w.name,
        per_run * 1e6,
        w.bytes as f64 / per_run / 1e6,
        w.events as f64 / per_run / 1e6
    );
    true
}

/// `SSE_BENCH_INTERLEAVED=<rounds>`: each round runs every parser once on
/// the workload, in turn, so that load from other processes hits all of
/// them alike; prints the median and fastest run per parser and our ratio
/// to each. A cross-check of criterion's medians on a busy machine, where
/// one parser's samples can fall in a quieter minute than another's.
fn interleaved_mode(workloads: &[&Workload]) -> bool {
    let Some(rounds) = std::env::var("SSE_BENCH_INTERLEAVED")
        .ok()
        .and_then(|r| r.parse::<usize>().ok())
    else {
        return false;
    };
    for w in workloads {
        let parsers: Vec<&(&str, Runner)> = PARSERS
            .iter()
            .filter(|(name, _)| !(w.name.starts_with('c') && *name == "eventsource-stream"))
            .collect();
        let mut times: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); parsers.len()];
        for _ in 0..rounds {
            for (i, (_, run)) in parsers.iter().enumerate() {
                let start = thread_cpu_ns();
                black_box(run(black_box(w)));
                times[i].push((thread_cpu_ns() - start) as f64 / 1e9);
            }
        }
        let medians: Vec<(f64, f64)> = times
            .iter_mut()
            .map(|t| {
                t.sort_by(f64::total_cmp);
                (t[t.len() / 2], t[0])
            })
            .collect();
        println!("{} ({rounds} interleaved rounds)", w.name);
        for ((name, _), (median, fastest)) in parsers.iter().zip(&medians) {
            println!(
                "  {name:20} median {:9.1} us  {:6.0} MB/s  {:6.2} M ev/s  fastest {:9.1} us  ours {:5.2}x faster (median)",
                median * 1e6,
                w.bytes as f64 / median / 1e6,
                w.events as f64 / median / 1e6,
                fastest * 1e6,
                median / medians[0].0
            );
        }
    }
    true
}

fn parsers(c: &mut Criterion<ThreadCpuTime>) {
    let (a, b, long) = (openai_workload(), token_workload(), long_line_workload());
    if profile_mode(&[&a, &b, &long]) || interleaved_mode(&[&a, &b, &long]) {
        return;
    }
    bench_workload(c, &a, true);
    bench_workload(c, &b, true);
    bench_workload(c, &long, false);
    // (c) is linear: throughput stays flat from 256 KiB to 4 MiB lines.
    let mut group = c.benchmark_group("c_linearity_libsse_10B_chunks");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(300));
    group.measurement_time(Duration::from_secs(2));
    for (len, name) in [(256 << 10, "256KiB"), (1 << 20, "1MiB"), (4 << 20, "4MiB")] {
        let w = line_of(len, name);
        assert_eq!(run_ours(&w), (w.events, w.data_bytes));
        group.throughput(Throughput::Bytes(w.bytes as u64));
        group.bench_with_input(BenchmarkId::from_parameter(name), &w, |b, w| {
            b.iter(|| black_box(run_ours(black_box(w))))
        });
    }
    group.finish();
    if std::env::var_os("SSE_BENCH_SLOW_PEER").is_some() {
        let start = thread_cpu_ns();
        let got = run_eventsource_stream(&long);
        let took = Duration::from_nanos(thread_cpu_ns() - start);
        assert_eq!(got, (long.events, long.data_bytes));
        println!(
            "{}/eventsource-stream (one run, outside criterion, CPU time): {:.1} s, {:.3} MB/s",
            long.name,
            took.as_secs_f64(),
            long.bytes as f64 / took.as_secs_f64() / 1e6
        );
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadCpuTime);
    targets = parsers
}
criterion_main!(benches);
