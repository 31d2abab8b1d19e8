//! 1,000 open/close cycles leave the process's open file descriptors where
//! they started (plus a small constant for the runtime and an idle pooled
//! connection). Alone in its binary so no other test opens fds meanwhile.

mod engine_support;

use engine_support::{open_fds, open_fds_settled, TestServer};
use sse::client::{Client, Next, Options};
use std::time::Duration;

const WAIT: Option<Duration> = Some(Duration::from_secs(10));

#[test]
fn open_close_cycles_do_not_leak_file_descriptors() {
    let server = TestServer::http();
    let client = Client::new(Options::default());
    // Warm up: runtime threads, epoll, the TLS-free pool path.
    let s = client
        .open(Options::url(server.url("/events?count=1")))
        .unwrap();
    while let Next::Event(_) = s.next(WAIT) {}
    drop(s);
    let before = open_fds();
    for i in 0..1000 {
        match i % 3 {
            // Read to the end: the connection goes back to the pool.
            0 => {
                let s = client
                    .open(Options::url(server.url("/events?count=2")))
                    .unwrap();
                while let Next::Event(_) = s.next(WAIT) {}
            }
            // Close mid-stream: the connection must be dropped.
            1 => {
                let s = client
                    .open(Options::url(server.url("/events?count=0&interval_ms=1")))
                    .unwrap();
                assert!(matches!(s.next(WAIT), Next::Event(_)));
            }
            // Drop before the open completed.
            _ => {
                let s = client
                    .start(Options::url(server.url("/events?count=1")))
                    .unwrap();
                drop(s);
            }
        }
    }
    let after = open_fds_settled(before + 8);
    assert!(
        after <= before + 8,
        "fds before {before}, after {after}: streams leak descriptors"
    );
}
