//! Every timeout kind, server faults (stall, reset mid-event, broken
//! chunked encoding, endless line), deny rules, and back-pressure.
//! Tests naming non-loopback hosts set `"proxy": null` so an HTTP_PROXY in
//! the environment cannot reroute them.

mod engine_support;

use engine_support::raw::{self, RawServer};
use engine_support::{collect, opts, TestServer};
use sse::client::{Client, Next, Options};
use sse::error::ErrorKind;
use std::io::Write;
use std::sync::atomic::Ordering;
use std::time::Duration;

const WAIT: Option<Duration> = Some(Duration::from_secs(10));

#[test]
fn connect_timeout_fires_when_the_tls_handshake_never_answers() {
    let server = RawServer::spawn(raw::hold);
    let client = Client::new(Options::default());
    let url = format!("https://127.0.0.1:{}/", server.addr.port());
    let e = client
        .open(opts(
            serde_json::json!({"url": url, "connect_timeout_ms": 300}),
        ))
        .err()
        .unwrap();
    assert_eq!(e.kind, ErrorKind::ConnectTimeout, "{e}");
    assert!(e.message.contains("connect_timeout_ms"), "{}", e.message);
}

#[test]
fn header_timeout_fires_when_no_response_comes() {
    let server = RawServer::spawn(|mut s| {
        raw::read_head(&mut s);
        raw::hold(s);
    });
    let client = Client::new(Options::default());
    let e = client
        .open(opts(
            serde_json::json!({"url": server.url("/"), "header_timeout_ms": 300}),
        ))
        .err()
        .unwrap();
    assert_eq!(e.kind, ErrorKind::HeaderTimeout, "{e}");
}

#[test]
fn idle_timeout_fires_on_a_stalled_stream() {
    let server = TestServer::http();
    let client = Client::new(opts(serde_json::json!({"idle_timeout_ms": 300})));
    let stream = client
        .open(Options::url(server.url("/stall?after=1")))
        .unwrap();
    let (data, last) = collect(&stream);
    assert_eq!(data.len(), 1);
    assert!(matches!(last, Next::Failed), "{last:?}");
    assert_eq!(stream.error().unwrap().kind, ErrorKind::IdleTimeout);
}

#[test]
fn total_timeout_ends_a_stream_that_keeps_going() {
    let server = TestServer::http();
    let client = Client::new(Options::default());
    let stream = client
        .open(opts(serde_json::json!({
            "url": server.url("/events?count=0&interval_ms=20"),
            "total_timeout_ms": 400
        })))
        .unwrap();
    let (data, last) = collect(&stream);
    assert!(!data.is_empty());
    assert!(matches!(last, Next::Failed), "{last:?}");
    assert_eq!(stream.error().unwrap().kind, ErrorKind::TotalTimeout);
    let t = stream.timings();
    assert!(t.end - t.start >= 400_000_000, "{t:?}");
}

#[test]
fn a_stalled_server_without_timeouts_just_times_out_the_wait() {
    let server = TestServer::http();
    let client = Client::new(Options::default());
    let stream = client
        .open(Options::url(server.url("/stall?after=1")))
        .unwrap();
    assert!(matches!(stream.next(WAIT), Next::Event(_)));
    assert!(matches!(
        stream.next(Some(Duration::from_millis(200))),
        Next::Timeout
    ));
    assert!(!stream.is_finished());
}

#[test]
fn reset_mid_event_reports_an_error_and_drops_the_partial_event() {
    let server = RawServer::spawn(|mut s| {
        raw::read_head(&mut s);
        s.write_all(raw::SSE_CHUNKED_HEAD).unwrap();
        s.write_all(&raw::chunk(b"data: one\n\n")).unwrap();
        s.write_all(&raw::chunk(b"data: partial")).unwrap();
        s.flush().unwrap();
        std::thread::sleep(Duration::from_millis(100));
        raw::reset(s);
    });
    let client = Client::new(Options::default());
    let stream = client.open(Options::url(server.url("/"))).unwrap();
    let (data, last) = collect(&stream);
    assert_eq!(data, vec!["one"]);
    assert!(matches!(last, Next::Failed), "{last:?}");
    let e = stream.error().unwrap();
    assert!(
        matches!(e.kind, ErrorKind::Io | ErrorKind::Protocol),
        "{e:?}"
    );
}

#[test]
fn broken_chunked_encoding_is_a_protocol_error() {
    let server = RawServer::spawn(|mut s| {
        raw::read_head(&mut s);
        s.write_all(raw::SSE_CHUNKED_HEAD).unwrap();
        s.write_all(&raw::chunk(b"data: ok\n\n")).unwrap();
        s.write_all(b"zz-not-hex\r\ndata: x\n\n\r\n").unwrap();
        raw::hold(s);
    });
    let client = Client::new(Options::default());
    let stream = client.open(Options::url(server.url("/"))).unwrap();
    let (data, last) = collect(&stream);
    assert_eq!(data, vec!["ok"]);
    assert!(matches!(last, Next::Failed), "{last:?}");
    let e = stream.error().unwrap();
    assert_eq!(e.kind, ErrorKind::Protocol, "{}", e.message);
}

#[test]
fn an_endless_line_hits_the_cap_with_bounded_reading() {
    let server = RawServer::spawn(|mut s| {
        raw::read_head(&mut s);
        s.write_all(raw::SSE_CHUNKED_HEAD).unwrap();
        let _ = s.write_all(&raw::chunk(b"data: "));
        let block = raw::chunk(&[b'x'; 16 * 1024]);
        // At most 64 MiB: the client must give up long before.
        for _ in 0..4096 {
            if s.write_all(&block).is_err() {
                return;
            }
        }
    });
    let client = Client::new(opts(serde_json::json!({"max_line_bytes": 65536})));
    let stream = client.open(Options::url(server.url("/"))).unwrap();
    let (data, last) = collect(&stream);
    assert!(data.is_empty());
    assert!(matches!(last, Next::Failed), "{last:?}");
    let e = stream.error().unwrap();
    assert_eq!(e.kind, ErrorKind::LimitExceeded);
    assert!(e.message.contains("max_line_bytes"), "{}", e.message);
    assert!(
        stream.timings().bytes_read < 4 * 1024 * 1024,
        "{:?}",
        stream.timings()
    );
}

#[test]
fn a_slow_consumer_stops_the_reading_and_memory_stays_bounded() {
    let server = TestServer::http();
    let client = Client::new(opts(serde_json::json!({"queue_capacity": 8})));
    let stream = client.open(Options::url(server.url("/flood"))).unwrap();
    // Let the socket buffers and the queue fill up.
    let mut last = (0, 0);
    let mut stable = 0;
    for _ in 0..100 {
        std::thread::sleep(Duration::from_millis(100));
        let now = (
            server.stats.flood_bytes.load(Ordering::SeqCst),
            stream.timings().bytes_read,
        );
        stable = if now == last && now.1 > 0 {
            stable + 1
        } else {
            0
        };
        last = now;
        if stable == 3 {
            break;
        }
    }
    let settled = stable == 3;
    assert!(
        settled,
        "the server kept writing to a client that reads nothing: {last:?}"
    );
    // What was read is bounded by socket buffers + queue, not by the stream.
    assert!(last.1 < 32 * 1024 * 1024, "{last:?}");
    assert_eq!(stream.timings().events, 8, "exactly a full queue");
    // Consuming lets the server continue (once the buffers drained).
    let mut resumed = false;
    for i in 0..2_000_000 {
        assert!(matches!(stream.next(WAIT), Next::Event(_)));
        if i % 1000 == 0 && server.stats.flood_bytes.load(Ordering::SeqCst) > last.0 {
            resumed = true;
            break;
        }
    }
    assert!(resumed);
}

#[test]
fn deny_hosts_refuses_before_dns_and_deny_ips_before_connect() {
    let server = TestServer::http();
    let port = server.addr.port();
    let client = Client::new(opts(serde_json::json!({
        "deny_hosts": ["*.blocked.test"],
        "proxy": null, "hosts": {"a.blocked.test": "127.0.0.1"}
    })));
    let e = client
        .open(Options::url(format!("http://a.blocked.test:{port}/events")))
        .err()
        .unwrap();
    assert_eq!(e.kind, ErrorKind::Denied);
    assert!(e.message.contains("*.blocked.test"), "{}", e.message);

    let client = Client::new(opts(serde_json::json!({
        "deny_ips": ["10.0.0.0/8", "127.0.0.0/8"],
        "proxy": null, "hosts": {"via.override": "127.0.0.1"}
    })));
    for url in [
        server.url("/events"),
        format!("http://via.override:{port}/events"),
    ] {
        let e = client.open(Options::url(url)).err().unwrap();
        assert_eq!(e.kind, ErrorKind::Denied);
        assert!(e.message.contains("127.0.0.0/8"), "{}", e.message);
    }
    assert_eq!(server.accepted(), 0, "nothing may connect");
}

#[test]
fn host_override_for_plain_http_keeps_the_host_header() {
    let server = TestServer::http();
    let port = server.addr.port();
    let client = Client::new(opts(serde_json::json!({
        "proxy": null, "hosts": {"api.example.invalid": format!("127.0.0.1:{port}")}
    })));
    let stream = client
        .open(Options::url("http://api.example.invalid/echo"))
        .unwrap();
    let mut host = String::new();
    while let Next::Event(d) = stream.next(WAIT) {
        if d.event.event_type.as_str() == "host" {
            host = d.event.data.as_str().to_string();
        }
    }
    assert_eq!(host, "api.example.invalid");
}

#[test]
fn names_are_resolved_and_every_address_is_checked_against_deny_ips() {
    let server = TestServer::http();
    let port = server.addr.port();
    let client = Client::new(Options::default());
    // localhost may resolve to ::1 first; the server only listens on
    // 127.0.0.1, so this also proves the next address is tried.
    let stream = client
        .open(Options::url(format!(
            "http://localhost:{port}/events?count=1"
        )))
        .unwrap();
    let (data, last) = collect(&stream);
    assert_eq!(data.len(), 1);
    assert!(matches!(last, Next::End));
    let t = stream.timings();
    assert!(
        t.start <= t.dns_done && t.dns_done <= t.connect_done,
        "{t:?}"
    );

    let client = Client::new(opts(
        serde_json::json!({"deny_ips": ["127.0.0.0/8", "::1"]}),
    ));
    let e = client
        .open(Options::url(format!("http://localhost:{port}/events")))
        .err()
        .unwrap();
    assert_eq!(e.kind, ErrorKind::Denied, "{e}");
    assert_eq!(server.accepted(), 1, "the denied request never connected");
}
