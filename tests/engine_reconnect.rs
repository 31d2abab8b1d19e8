//! The `reconnect` option: a dropped connection, a server restart on the
//! same port, `retry` changes, the answers that stop it (204, 500, a wrong
//! content type), `max_attempts`, cancel during the wait, `Last-Event-ID`,
//! and the notices, response and timings a consumer sees.

mod engine_support;

use engine_support::raw::{self, RawServer};
use engine_support::{free_port, opts};
use sse::client::{Client, Drain, Next, Notice, NoticeKind, Options, Stream};
use sse::error::ErrorKind;
use std::io::Write;
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const WAIT: Option<Duration> = Some(Duration::from_secs(10));

/// What a read returned: an event (id, data) or a notice.
#[derive(Debug)]
enum Item {
    Event(String, String),
    Notice(Box<Notice>),
}

/// Reads until `stop` says so (it sees every item), a final state, or 10 s
/// without anything; returns the items and the last `Next` that was not an
/// event or notice (`Timeout` when `stop` ended it).
fn read_until(stream: &Stream, mut stop: impl FnMut(&Item) -> bool) -> (Vec<Item>, Next) {
    let mut items = Vec::new();
    for _ in 0..100_000 {
        let item = match stream.next(WAIT) {
            Next::Event(d) => Item::Event(d.event.id.to_string(), d.event.data.to_string()),
            Next::Notice(n) => Item::Notice(n),
            other => return (items, other),
        };
        let done = stop(&item);
        items.push(item);
        if done {
            return (items, Next::Timeout);
        }
    }
    panic!("no end after 100,000 items");
}

fn notices(items: &[Item]) -> Vec<&Notice> {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Notice(n) => Some(&**n),
            Item::Event(..) => None,
        })
        .collect()
}

fn event_ids(items: &[Item]) -> Vec<String> {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Event(id, _) => Some(id.clone()),
            Item::Notice(_) => None,
        })
        .collect()
}

fn is_event(item: &Item, id: &str) -> bool {
    matches!(item, Item::Event(i, _) if i == id)
}

fn testserver_on(port: u16) -> sse_testserver::ServerHandle {
    sse_testserver::spawn(sse_testserver::Config {
        port,
        worker_threads: 1,
        ..Default::default()
    })
}

/// Reads the request, answers with `body` (an event stream) and closes: a
/// clean end.
fn send_events(mut s: TcpStream, body: &str) {
    raw::read_head(&mut s);
    answer_events(s, body);
}

fn answer_events(mut s: TcpStream, body: &str) {
    let _ = write!(
        s,
        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n{body}",
        body.len()
    );
}

#[test]
fn a_dropped_connection_resumes_after_the_last_event_id() {
    let server = testserver_on(0);
    let client = Client::new(Options::default());
    let url = format!(
        "{}/fault/reset?after=3&ids=1&count=9&reset_ms=20",
        server.url()
    );
    let stream = client
        .open(opts(serde_json::json!({
            "url": url, "reconnect": {"default_retry_ms": 10}
        })))
        .unwrap();
    let first = stream.response().unwrap();
    let at_open = stream.timings();
    let mut at_loss = None;
    let mut stream_ids = vec![first.header("x-stream-id").unwrap().to_string()];
    let (items, _) = read_until(&stream, |item| {
        if let Item::Notice(n) = item {
            if at_loss.is_none() {
                at_loss = Some(stream.timings());
            }
            if n.kind == NoticeKind::Reconnected {
                // The response follows the events being read.
                let now = stream.response().unwrap();
                stream_ids.push(now.header("x-stream-id").unwrap().to_string());
            }
        }
        is_event(item, "9")
    });
    let ids = event_ids(&items);
    assert_eq!(ids, (1..=9).map(|i| i.to_string()).collect::<Vec<_>>());
    for item in &items {
        if let Item::Event(id, data) = item {
            assert!(data.starts_with(&format!("{id}:")), "whole: {data}");
        }
    }
    let n = notices(&items);
    let kinds: Vec<NoticeKind> = n.iter().map(|n| n.kind).collect();
    use NoticeKind::{Reconnected, Reconnecting};
    assert_eq!(
        kinds,
        [Reconnecting, Reconnected, Reconnecting, Reconnected]
    );
    // The notices sit where the connection changed: after events 3 and 6.
    for at in [3, 4, 8, 9] {
        assert!(matches!(&items[at], Item::Notice(_)), "{at}: {items:?}");
    }
    for (k, pair) in n.chunks(2).enumerate() {
        let (lost, back) = (pair[0], pair[1]);
        let reason = lost.reason.as_ref().expect("a reset is a failure");
        assert!(
            matches!(reason.kind, ErrorKind::Io | ErrorKind::Protocol),
            "{reason}"
        );
        assert_eq!((lost.attempt, back.attempt), (1, 1));
        assert_eq!(lost.wait, Duration::from_millis(10));
        let want = ((k + 1) * 3).to_string();
        assert_eq!(lost.last_event_id, want.as_str());
        assert_eq!(back.last_event_id, want.as_str());
        assert_eq!(back.status(), 200);
        assert_eq!(back.since_ns, lost.since_ns);
        assert!(back.downtime_ns() >= 10_000_000, "{}", back.downtime_ns());
        assert_eq!(back.reason.as_ref().map(|e| e.kind), Some(reason.kind));
    }
    assert_eq!(stream_ids.len(), 3);
    assert!(
        stream_ids[0] != stream_ids[1] && stream_ids[1] != stream_ids[2],
        "{stream_ids:?}"
    );
    let t = stream.timings();
    let at_loss = at_loss.unwrap();
    assert_eq!(t.start, at_open.start, "the stream's start stays");
    assert!(at_loss.first_event > 0);
    assert_eq!(
        t.first_event, at_loss.first_event,
        "the stream's first event"
    );
    assert_eq!(at_loss.headers, 0, "no connection during the outage");
    assert!(t.headers > at_open.headers, "the latest connection's");
    assert!(
        t.bytes_read > 2 * at_loss.bytes_read,
        "bytes add up over connections: {} vs {} for the first",
        t.bytes_read,
        at_loss.bytes_read
    );
    assert_eq!(t.events, 9, "events count over connections, notices not");
}

#[test]
fn a_server_restart_on_the_same_port_is_bridged() {
    let server = testserver_on(0);
    let port = server.addr().port();
    let client = Client::new(Options::default());
    let stream = client
        .open(opts(serde_json::json!({
            "url": format!("{}/events?count=0&interval_ms=5&ids=1", server.url()),
            "reconnect": {"default_retry_ms": 20}
        })))
        .unwrap();
    let (before, _) = read_until(&stream, |item| is_event(item, "5"));
    server.shutdown();
    // Read until an attempt was refused: the server is down.
    let (down, _) = read_until(&stream, |item| {
        matches!(item, Item::Notice(n)
            if n.reason.as_ref().is_some_and(|e| e.kind == ErrorKind::Connect))
    });
    let restarted = testserver_on(port);
    let (after, _) = read_until(&stream, |item| matches!(item, Item::Event(..)));
    drop(restarted);

    let mut ids = event_ids(&before);
    ids.extend(event_ids(&down));
    ids.extend(event_ids(&after));
    let ids: Vec<u64> = ids.iter().map(|i| i.parse().unwrap()).collect();
    assert!(
        ids.windows(2).all(|w| w[1] == w[0] + 1),
        "no gap, no repeat: {ids:?}"
    );
    let down = notices(&down);
    assert!(down.iter().all(|n| n.kind == NoticeKind::Reconnecting));
    let attempts: Vec<u32> = down.iter().map(|n| n.attempt).collect();
    assert_eq!(attempts, (1..=down.len() as u32).collect::<Vec<_>>());
    let back = notices(&after);
    let last = back.last().expect("a Reconnected notice");
    assert_eq!(last.kind, NoticeKind::Reconnected);
    assert!(last.attempt >= 2, "the refused attempts counted");
    assert_eq!(last.status(), 200);
}

#[test]
fn the_first_connection_is_retried_until_the_server_is_up() {
    let port = free_port();
    let client = Client::new(Options::default());
    let stream = client
        .start(opts(serde_json::json!({
            "url": format!("http://127.0.0.1:{port}/events?count=2&ids=1"),
            "reconnect": {"default_retry_ms": 20}
        })))
        .unwrap();
    let (early, _) = read_until(
        &stream,
        |item| matches!(item, Item::Notice(n) if n.attempt == 2),
    );
    assert!(
        stream.wait_open(Some(Duration::ZERO)).is_pending(),
        "not open while refused"
    );
    assert!(notices(&early)
        .iter()
        .all(|n| n.reason.as_ref().unwrap().kind == ErrorKind::Connect));
    let _server = testserver_on(port);
    assert!(matches!(
        stream.wait_open(WAIT),
        std::task::Poll::Ready(Ok(()))
    ));
    let (items, _) = read_until(&stream, |item| is_event(item, "2"));
    let back = notices(&items);
    assert_eq!(back.last().unwrap().kind, NoticeKind::Reconnected);
    assert_eq!(event_ids(&items), ["1", "2"]);
}

#[test]
fn retry_fields_set_the_wait_capped_and_changes_are_honoured() {
    // Connection k sends `retry` RETRY[k] (none at first) and one event.
    const RETRY: [Option<u64>; 4] = [None, Some(120), Some(30), Some(500)];
    let conns = Arc::new(AtomicUsize::new(0));
    let accepted_at = Arc::new(Mutex::new(Vec::new()));
    let (c, at) = (conns.clone(), accepted_at.clone());
    let server = RawServer::spawn(move |s| {
        at.lock().unwrap().push(Instant::now());
        let k = c.fetch_add(1, Ordering::SeqCst);
        let retry = RETRY
            .get(k)
            .copied()
            .flatten()
            .map_or(String::new(), |r| format!("retry: {r}\n"));
        send_events(s, &format!("{retry}id: {k}\ndata: {k}\n\n"));
    });
    let client = Client::new(Options::default());
    let stream = client
        .open(opts(serde_json::json!({
            "url": server.url("/"),
            "reconnect": {"default_retry_ms": 40, "max_retry_ms": 200}
        })))
        .unwrap();
    let (items, _) = read_until(
        &stream,
        |item| matches!(item, Item::Notice(n) if n.kind == NoticeKind::Reconnecting && n.wait.as_millis() == 200),
    );
    stream.cancel();
    let waits: Vec<u128> = notices(&items)
        .iter()
        .filter(|n| n.kind == NoticeKind::Reconnecting)
        .map(|n| n.wait.as_millis())
        .collect();
    // Default, then each connection's retry, the last one capped.
    assert_eq!(waits, [40, 120, 30, 200]);
    assert_eq!(event_ids(&items), ["0", "1", "2", "3"]);
    let at = accepted_at.lock().unwrap();
    for (k, wait) in waits.iter().take(at.len() - 1).enumerate() {
        let gap = at[k + 1] - at[k];
        assert!(
            gap.as_millis() >= *wait,
            "connection {k}: {gap:?} < {wait} ms"
        );
    }
}

/// A server whose first connection sends event `id: 1` and ends; later
/// connections get `answer`. Returns it and its connection counter.
fn one_event_then(answer: &'static str) -> (RawServer, Arc<AtomicUsize>) {
    let conns = Arc::new(AtomicUsize::new(0));
    let c = conns.clone();
    let server = RawServer::spawn(move |mut s| {
        if c.fetch_add(1, Ordering::SeqCst) == 0 {
            send_events(s, "id: 1\ndata: one\n\n");
        } else {
            raw::read_head(&mut s);
            let _ = s.write_all(answer.as_bytes());
        }
    });
    (server, conns)
}

fn reconnecting(client: &Client, url: String) -> Stream {
    client
        .open(opts(serde_json::json!({
            "url": url, "reconnect": {"default_retry_ms": 5}
        })))
        .unwrap()
}

#[test]
fn a_204_or_a_500_on_reconnect_stops_the_stream() {
    let answers = [
        (
            "HTTP/1.1 204 No Content\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n",
            None,
        ),
        (
            "HTTP/1.1 500 Internal Server Error\r\ncontent-length: 4\r\nconnection: close\r\n\r\ndown",
            Some(500),
        ),
    ];
    let client = Client::new(Options::default());
    for (answer, status) in answers {
        let (server, conns) = one_event_then(answer);
        let stream = reconnecting(&client, server.url("/"));
        let (items, last) = read_until(&stream, |_| false);
        assert_eq!(event_ids(&items), ["1"]);
        // A Reconnecting notice, and no Reconnected for either answer.
        let kinds: Vec<NoticeKind> = notices(&items).iter().map(|n| n.kind).collect();
        assert_eq!(kinds, [NoticeKind::Reconnecting]);
        assert_eq!(conns.load(Ordering::SeqCst), 2, "no third connection");
        // The first response stays the stream's.
        assert_eq!(stream.response().unwrap().status, 200);
        match status {
            // A 204: the end, as browsers.
            None => {
                assert!(matches!(last, Next::End), "{last:?}");
                assert!(stream.error().is_none());
            }
            Some(code) => {
                assert!(matches!(last, Next::Failed), "{last:?}");
                let e = stream.error().unwrap();
                assert_eq!(
                    (e.kind, e.status, &e.body[..]),
                    (ErrorKind::HttpStatus, code, &b"down"[..])
                );
            }
        }
    }
}

#[test]
fn a_first_answer_that_is_not_an_event_stream_is_not_retried() {
    let server = testserver_on(0);
    let client = Client::new(Options::default());
    let bad = [
        ("/status/503?body=busy", ErrorKind::HttpStatus, 503),
        ("/fault/content-type", ErrorKind::ContentType, 200),
    ];
    for (path, kind, status) in bad {
        let stream = reconnecting(&client, format!("{}{path}", server.url()));
        let (items, last) = read_until(&stream, |_| false);
        assert!(matches!(last, Next::Failed), "{path}: {last:?}");
        assert!(items.is_empty(), "{path}: {items:?}");
        assert_eq!(stream.error().unwrap().kind, kind, "{path}");
        assert_eq!(stream.response().unwrap().status, status, "{path}");
    }
    let stream = reconnecting(&client, format!("{}/status/204", server.url()));
    assert!(matches!(stream.next(WAIT), Next::End));
}

#[test]
fn max_attempts_in_a_row_then_the_last_error() {
    let port = free_port();
    let client = Client::new(Options::default());
    let stream = client
        .start(opts(serde_json::json!({
            "url": format!("http://127.0.0.1:{port}/"),
            "reconnect": {"max_attempts": 3, "default_retry_ms": 1}
        })))
        .unwrap();
    // The batch read hands notices out one per call.
    let mut attempts = Vec::new();
    let mut out = Vec::new();
    let last = loop {
        match stream.drain(WAIT, 16, &mut out) {
            Drain::Notice(n) => {
                assert_eq!(n.kind, NoticeKind::Reconnecting);
                assert_eq!(n.reason.as_ref().unwrap().kind, ErrorKind::Connect);
                attempts.push(n.attempt);
            }
            other => break other,
        }
        assert!(attempts.len() <= 3, "{attempts:?}");
    };
    assert_eq!(last, Drain::Failed);
    assert!(out.is_empty());
    assert_eq!(attempts, [1, 2, 3]);
    let e = stream.error().unwrap();
    assert_eq!(e.kind, ErrorKind::Connect);
    assert!(e.message.contains("gave up after 3"), "{}", e.message);
    assert!(matches!(
        stream.wait_open(WAIT),
        std::task::Poll::Ready(Err(e)) if e.kind == ErrorKind::Connect
    ));
}

#[test]
fn cancel_interrupts_the_wait() {
    let conns = Arc::new(AtomicUsize::new(0));
    let c = conns.clone();
    let server = RawServer::spawn(move |s| {
        c.fetch_add(1, Ordering::SeqCst);
        send_events(s, "data: x\n\n");
    });
    let client = Client::new(Options::default());
    let stream = client
        .open(opts(serde_json::json!({
            "url": server.url("/"), "reconnect": {"default_retry_ms": 300}
        })))
        .unwrap();
    let (items, _) = read_until(&stream, |item| matches!(item, Item::Notice(_)));
    assert_eq!(notices(&items)[0].wait, Duration::from_millis(300));
    stream.cancel();
    assert!(matches!(stream.next(WAIT), Next::Cancelled));
    // The attempt would have connected 300 ms after the notice.
    std::thread::sleep(Duration::from_millis(700));
    assert_eq!(conns.load(Ordering::SeqCst), 1, "no attempt after cancel");
}

#[test]
fn last_event_id_follows_the_stream() {
    // The request's own header until the stream sets an ID; the ID kept
    // over a connection without one; none once the stream clears it.
    const BODIES: [&str; 3] = ["id: 7\ndata: a\n\n", "data: b\n\n", "id\ndata: c\n\n"];
    let heads = Arc::new(Mutex::new(Vec::new()));
    let h = heads.clone();
    let server = RawServer::spawn(move |mut s| {
        let head = raw::read_head(&mut s).to_ascii_lowercase();
        let k = {
            let mut heads = h.lock().unwrap();
            heads.push(head);
            heads.len() - 1
        };
        match BODIES.get(k) {
            Some(body) => {
                answer_events(s, body);
            }
            None => {
                let _ = s.write_all(b"HTTP/1.1 204 No Content\r\n\r\n");
            }
        }
    });
    let client = Client::new(Options::default());
    let stream = client
        .open(opts(serde_json::json!({
            "url": server.url("/"),
            "headers": {"Last-Event-ID": "u0"},
            "reconnect": {"default_retry_ms": 1}
        })))
        .unwrap();
    let (items, last) = read_until(&stream, |_| false);
    assert!(matches!(last, Next::End), "{last:?}");
    let sent: Vec<Option<String>> = heads
        .lock()
        .unwrap()
        .iter()
        .map(|h| {
            h.lines()
                .find_map(|l| l.strip_prefix("last-event-id: "))
                .map(str::to_string)
        })
        .collect();
    let want = |s: &str| Some(s.to_string());
    assert_eq!(sent, [want("u0"), want("7"), want("7"), None]);
    let told: Vec<&str> = notices(&items)
        .iter()
        .filter(|n| n.kind == NoticeKind::Reconnecting)
        .map(|n| n.last_event_id.as_str())
        .collect();
    assert_eq!(told, ["7", "7", ""], "notices say what is sent");
}

#[test]
fn without_the_option_nothing_reconnects() {
    let (server, conns) = one_event_then("HTTP/1.1 500 x\r\ncontent-length: 0\r\n\r\n");
    let client = Client::new(opts(serde_json::json!({"reconnect": true})));
    // The request turns the client's default off.
    let stream = client
        .open(opts(
            serde_json::json!({"url": server.url("/"), "reconnect": false}),
        ))
        .unwrap();
    let (items, last) = read_until(&stream, |_| false);
    assert!(matches!(last, Next::End), "{last:?}");
    assert_eq!(event_ids(&items), ["1"]);
    assert_eq!(conns.load(Ordering::SeqCst), 1);
}

#[test]
fn http2_reconnects_on_a_new_connection() {
    let server = sse_testserver::spawn(sse_testserver::Config {
        tls: true,
        worker_threads: 1,
        ..Default::default()
    });
    let client = Client::new(opts(serde_json::json!({
        "tls": {"ca_pem": server.ca_pem().unwrap()}
    })));
    let stream = client
        .open(opts(serde_json::json!({
            "url": format!("{}/fault/reset?after=2&ids=1&count=6&reset_ms=5", server.url()),
            "reconnect": {"default_retry_ms": 5}
        })))
        .unwrap();
    assert_eq!(stream.response().unwrap().version, http::Version::HTTP_2);
    let (items, _) = read_until(&stream, |item| is_event(item, "6"));
    assert_eq!(event_ids(&items), ["1", "2", "3", "4", "5", "6"]);
    let back: Vec<&Notice> = notices(&items)
        .into_iter()
        .filter(|n| n.kind == NoticeKind::Reconnected)
        .collect();
    assert_eq!(back.len(), 2);
    assert!(back
        .iter()
        .all(|n| n.response.as_ref().unwrap().version == http::Version::HTTP_2));
}

#[test]
fn idle_timeout_is_per_attempt_and_total_timeout_for_the_whole_stream() {
    let server = testserver_on(0);
    let client = Client::new(Options::default());
    // A stall after 2 events: the idle timeout ends the connection, and the
    // next one resumes.
    let stream = client
        .open(opts(serde_json::json!({
            "url": format!("{}/fault/stall?after=2&ids=1&count=4", server.url()),
            "idle_timeout_ms": 200,
            "reconnect": {"default_retry_ms": 1}
        })))
        .unwrap();
    let (items, _) = read_until(&stream, |item| is_event(item, "4"));
    assert_eq!(event_ids(&items), ["1", "2", "3", "4"]);
    let lost = notices(&items)[0];
    assert_eq!(
        lost.reason.as_ref().map(|e| e.kind),
        Some(ErrorKind::IdleTimeout)
    );
    drop(stream);
    // Every connection ends cleanly at once; only the total timeout stops
    // the reconnects.
    let stream = client
        .open(opts(serde_json::json!({
            "url": format!("{}/events?count=1", server.url()),
            "total_timeout_ms": 1000,
            "reconnect": {"default_retry_ms": 10}
        })))
        .unwrap();
    let (items, last) = read_until(&stream, |_| false);
    assert!(matches!(last, Next::Failed), "{last:?}");
    assert_eq!(stream.error().unwrap().kind, ErrorKind::TotalTimeout);
    let reconnected = notices(&items)
        .iter()
        .filter(|n| n.kind == NoticeKind::Reconnected)
        .count();
    assert!(
        reconnected >= 2,
        "the timeout spans reconnects: {reconnected}"
    );
}

#[test]
fn each_attempt_follows_redirects_from_the_url_as_given() {
    let server = testserver_on(0);
    let target = format!(
        "{}/fault/reset?after=2&ids=1&count=4&reset_ms=5",
        server.url()
    );
    let hops = Arc::new(AtomicUsize::new(0));
    let (h, location) = (hops.clone(), target.clone());
    let redirector = RawServer::spawn(move |mut s| {
        raw::read_head(&mut s);
        h.fetch_add(1, Ordering::SeqCst);
        let _ = write!(
            s,
            "HTTP/1.1 302 Found\r\nlocation: {location}\r\ncontent-length: 0\r\n\
             connection: close\r\n\r\n"
        );
    });
    let client = Client::new(Options::default());
    let stream = reconnecting(&client, redirector.url("/"));
    assert_eq!(stream.response().unwrap().url, target);
    let (items, _) = read_until(&stream, |item| is_event(item, "4"));
    assert_eq!(event_ids(&items), ["1", "2", "3", "4"]);
    assert_eq!(
        hops.load(Ordering::SeqCst),
        2,
        "the reconnect went by the redirect"
    );
    assert_eq!(stream.response().unwrap().url, target);
}
