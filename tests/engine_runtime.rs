//! The runtime honours SSE_WORKER_THREADS and its thread count does not
//! grow with the number of streams. Alone in its binary: the runtime is
//! process-wide and starts on first use.

mod engine_support;

use engine_support::TestServer;
use sse::client::{Client, Next, Options};
use std::time::Duration;

/// Threads named `sse-worker`; a thread takes its name when it starts
/// running, so wait (bounded) for all of them to have started.
fn settled_worker_threads(expected: usize) -> usize {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let n = worker_threads();
        if n >= expected || std::time::Instant::now() > deadline {
            return n;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn worker_threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .filter(|name| name.trim() == "sse-worker")
        .count()
}

#[test]
fn worker_threads_come_from_the_environment_and_stay_fixed() {
    std::env::set_var("SSE_WORKER_THREADS", "3");
    let server = TestServer::http();
    let client = Client::new(Options::default());
    let first = client
        .open(Options::url(server.url("/events?count=1")))
        .unwrap();
    assert!(matches!(
        first.next(Some(Duration::from_secs(10))),
        Next::Event(_)
    ));
    assert_eq!(settled_worker_threads(3), 3);
    let streams: Vec<_> = (0..200)
        .map(|_| {
            client
                .start(Options::url(server.url("/events?count=0&interval_ms=50")))
                .unwrap()
        })
        .collect();
    for s in &streams {
        assert!(matches!(
            s.next(Some(Duration::from_secs(10))),
            Next::Event(_)
        ));
    }
    assert_eq!(worker_threads(), 3);
}
