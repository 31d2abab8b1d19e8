//! Streams read the batched way over real connections: many streams of two
//! clients on one poller, the last batch and the end in one read, cancel
//! before the headers, and a failure in the middle of a read's events.

mod engine_support;

use engine_support::raw::{self, RawServer};
use engine_support::TestServer;
use sse::client::{Client, Options, Poller, ReadState};
use sse::error::ErrorKind;
use std::io::Write;
use std::task::Poll;
use std::time::{Duration, Instant};

const WAIT: Option<Duration> = Some(Duration::from_secs(10));
const NOW: Option<Duration> = Some(Duration::ZERO);

#[test]
fn many_streams_of_two_clients_share_one_poller() {
    const STREAMS: usize = 60;
    const EVENTS: usize = 150;
    let server = TestServer::http();
    let clients = [
        Client::new(Options::default()),
        Client::from_json(br#"{"queue_capacity": 7}"#).unwrap(),
    ];
    let poller = Poller::new();
    let fd = poller.fd().unwrap();
    let streams: Vec<_> = (0..STREAMS)
        .map(|i| {
            let url = server.url(&format!("/events?count={EVENTS}&size=20"));
            let s = clients[i % 2].start(Options::url(url)).unwrap();
            s.attach(&poller, 1000 + i as u64);
            s
        })
        .collect();
    let mut got = vec![0usize; STREAMS];
    let mut ended = 0;
    let mut tokens = [0u64; 16];
    let deadline = Instant::now() + Duration::from_secs(30);
    while ended < STREAMS {
        assert!(
            Instant::now() < deadline,
            "streams left: {}",
            STREAMS - ended
        );
        let mut p = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        assert_eq!(
            unsafe { libc::poll(&mut p, 1, 5000) },
            1,
            "the poller's fd never fired"
        );
        let n = poller.wait(NOW, &mut tokens);
        for &token in &tokens[..n] {
            let i = (token - 1000) as usize;
            let mut reader = streams[i].reader().unwrap();
            loop {
                let batch = reader.read(NOW, 32);
                for d in batch.iter() {
                    got[i] += 1;
                    let want = format!("{}:", got[i]);
                    assert!(
                        d.event.data.as_str().starts_with(&want),
                        "stream {i} out of order"
                    );
                }
                match batch.state {
                    ReadState::More => {}
                    ReadState::Empty => break,
                    ReadState::End => {
                        ended += 1;
                        break;
                    }
                    other => panic!("stream {i}: {other:?} {:?}", streams[i].error()),
                }
            }
        }
    }
    assert!(got.iter().all(|&n| n == EVENTS), "{got:?}");
    assert_eq!(poller.ready_len(), 0, "an ended stream is not queued again");
}

#[test]
fn the_last_batch_and_the_end_come_in_one_read() {
    let server = TestServer::http();
    let client = Client::new(Options::default());
    let stream = client
        .open(Options::url(server.url("/events?count=5")))
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while stream.timings().end == 0 {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(5));
    }
    let mut reader = stream.reader().unwrap();
    let batch = reader.read(NOW, 100);
    assert_eq!(batch.len(), 5);
    assert_eq!(batch.state, ReadState::End);
    assert_eq!(
        batch
            .iter()
            .last()
            .map(|d| d.event.data.as_str().to_string()),
        Some("5:xxxxxxxxxxxxxx".to_string())
    );
    assert_eq!(reader.read(WAIT, 100).state, ReadState::End, "sticky");
    assert!(stream.reader().is_none(), "one reader at a time");
}

#[test]
fn a_stream_cancelled_before_its_headers_reports_cancelled() {
    let server = TestServer::http();
    let client = Client::new(Options::default());
    let stream = client
        .start(Options::url(server.url("/slow-headers?ms=5000")))
        .unwrap();
    assert!(stream
        .wait_open(Some(Duration::from_millis(50)))
        .is_pending());
    stream.cancel();
    match stream.wait_open(WAIT) {
        Poll::Ready(Err(e)) => assert_eq!(e.kind, ErrorKind::Cancelled),
        other => panic!("{other:?}"),
    }
    assert!(stream.error().is_none(), "a cancel is not a failure");
    assert!(stream.response().is_none());
    assert!(stream.is_finished());
}

#[test]
fn events_before_a_failure_in_the_same_read_are_delivered_first() {
    // One chunk: two events, then a line over the cap. The parser fails
    // mid-chunk; the two events it completed still arrive, then the failure.
    let server = RawServer::spawn(|mut s| {
        raw::read_head(&mut s);
        let mut body = b"data: a\n\ndata: b\n\ndata: ".to_vec();
        body.extend_from_slice(&[b'x'; 200]);
        s.write_all(raw::SSE_CHUNKED_HEAD).unwrap();
        s.write_all(&raw::chunk(&body)).unwrap();
        s.flush().unwrap();
        raw::hold(s);
    });
    let client = Client::from_json(br#"{"max_line_bytes": 64}"#).unwrap();
    let stream = client.open(Options::url(server.url("/"))).unwrap();
    let mut reader = stream.reader_wait();
    let mut data = Vec::new();
    let mut state = ReadState::Empty;
    for _ in 0..20 {
        let batch = reader.read(WAIT, 1);
        data.extend(batch.iter().map(|d| d.event.data.as_str().to_string()));
        state = batch.state;
        if !matches!(state, ReadState::More | ReadState::Empty) {
            break;
        }
    }
    assert_eq!(data, ["a", "b"]);
    assert_eq!(state, ReadState::Failed);
    assert_eq!(
        stream.error().map(|e| e.kind),
        Some(ErrorKind::LimitExceeded)
    );
}
