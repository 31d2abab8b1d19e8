//! Streams waited on through one poller hold no fd of their own: 1,000
//! open streams cost their sockets plus the poller's one fd. Alone in its
//! binary so no other test opens fds meanwhile.

mod engine_support;

use engine_support::{open_fds, open_fds_settled, TestServer};
use sse::client::{Client, Options, Poller, ReadState};
use std::time::{Duration, Instant};

#[test]
fn a_thousand_streams_on_a_poller_cost_their_sockets_and_one_fd() {
    const N: usize = 1000;
    let server = TestServer::http();
    let client = Client::new(Options::default());
    // Warm up: runtime threads, epoll.
    drop(
        client
            .open(Options::url(server.url("/events?count=1")))
            .unwrap(),
    );
    let before = open_fds();
    let poller = Poller::new();
    poller.fd().unwrap();
    let streams: Vec<_> = (0..N)
        .map(|i| {
            let s = client
                .start(Options::url(server.url("/stall?after=1")))
                .unwrap();
            s.attach(&poller, i as u64);
            s
        })
        .collect();
    // Every stream delivers its one event through the poller.
    let mut got = vec![false; N];
    let mut left = N;
    let mut tokens = vec![0u64; 256];
    let deadline = Instant::now() + Duration::from_secs(60);
    while left > 0 {
        assert!(Instant::now() < deadline, "{left} streams sent nothing");
        let n = poller.wait(Some(Duration::from_secs(5)), &mut tokens);
        for &t in &tokens[..n] {
            let mut reader = streams[t as usize].reader().unwrap();
            loop {
                let batch = reader.read(Some(Duration::ZERO), 8);
                if batch.len() == 1 && !got[t as usize] {
                    got[t as usize] = true;
                    left -= 1;
                }
                match batch.state {
                    ReadState::More => {}
                    ReadState::Empty => break,
                    other => panic!("stream {t}: {other:?}"),
                }
            }
        }
    }
    let during = open_fds();
    // Client and server sockets are both in this process: 2 per stream.
    assert!(
        during <= before + 2 * N + 8,
        "fds before {before}, with {N} streams {during}: more than their sockets and the poller's"
    );
    // (The first stream may reuse the warm-up's pooled connection.)
    assert!(
        during + 2 >= before + 2 * N,
        "fds before {before}, with {N} streams {during}: not all connected"
    );
    drop(streams);
    let after = open_fds_settled(before + 8);
    assert!(after <= before + 8, "fds before {before}, after {after}");
}
