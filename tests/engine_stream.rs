//! Engine basics over HTTP/1.1: events, request defaults, timings, the
//! stream fd, drain, cancel and the non-2xx / non-SSE responses.

mod engine_support;

use engine_support::{collect, free_port, TestServer};
use sse::client::{Client, Drain, Next, Options};
use sse::error::ErrorKind;
use std::time::Duration;

const WAIT: Option<Duration> = Some(Duration::from_secs(10));

fn opts(json: &str) -> Options {
    Options::from_json(json.as_bytes()).unwrap()
}

#[test]
fn client_and_stream_are_shareable_across_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Client>();
    send_sync::<sse::client::Stream>();
    send_sync::<sse::error::Error>();
    let client = Client::new(Options::default());
    let c2 = client.clone();
    let handle = std::thread::spawn(move || c2.start(Options::url("http://127.0.0.1:1/")).is_ok());
    assert!(handle.join().unwrap());
}

#[test]
fn http1_stream_delivers_all_events_then_end() {
    let server = TestServer::http();
    let client = Client::new(Options::default());
    let stream = client
        .open(Options::url(server.url("/events?count=5&size=8")))
        .unwrap();
    let resp = stream.response().unwrap();
    assert_eq!(resp.status, 200);
    assert!(resp.is_event_stream);
    assert_eq!(resp.version_str(), "HTTP/1.1");
    assert_eq!(resp.remote_addr, Some(server.addr));
    let (data, last) = collect(&stream);
    assert_eq!(
        data,
        vec!["1:xxxxxx", "2:xxxxxx", "3:xxxxxx", "4:xxxxxx", "5:xxxxxx"]
    );
    assert!(matches!(last, Next::End), "{last:?}");
    assert!(stream.error().is_none());
}

#[test]
fn request_defaults_and_overrides_reach_the_server() {
    let server = TestServer::http();
    let client = Client::new(opts(r#"{"headers":{"X-Test":"from-client"}}"#));
    let stream = client
        .open(opts(&format!(
            r#"{{"url":"{}","method":"POST","body":"hello","headers":[["x-test","from-request"]]}}"#,
            server.url("/echo")
        )))
        .unwrap();
    let mut seen = std::collections::HashMap::new();
    while let Next::Event(d) = stream.next(WAIT) {
        seen.insert(
            d.event.event_type.as_str().to_string(),
            d.event.data.as_str().to_string(),
        );
    }
    assert_eq!(seen["method"], "POST");
    assert_eq!(
        seen["user-agent"],
        format!("libsse/{}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(seen["accept"], "text/event-stream");
    assert_eq!(seen["x-test"], "from-request");
    assert_eq!(seen["host"], format!("127.0.0.1:{}", server.addr.port()));
    assert_eq!(seen["body"], "hello");
}

#[test]
fn timings_are_ordered_and_count_wire_bytes() {
    let server = TestServer::http();
    let client = Client::new(Options::default());
    let stream = client
        .open(Options::url(server.url("/events?count=3&size=16")))
        .unwrap();
    let mut ats = Vec::new();
    while let Next::Event(d) = stream.next(WAIT) {
        ats.push(d.at_ns);
    }
    let t = stream.timings();
    assert!(t.start > 0 && t.start <= t.dns_done, "{t:?}");
    assert!(t.dns_done <= t.connect_done, "{t:?}");
    assert_eq!(t.tls_done, 0, "no TLS on http://");
    assert!(
        t.connect_done <= t.request_sent && t.request_sent <= t.first_byte,
        "{t:?}"
    );
    assert!(t.first_byte <= t.headers, "{t:?}");
    assert!(
        t.headers <= t.first_event && t.first_event <= t.end,
        "{t:?}"
    );
    assert_eq!(t.first_event, ats[0]);
    assert!(ats.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(t.events, 3);
    // Body alone is 3 × 24 bytes; headers and chunk framing come on top.
    assert!(t.bytes_read > 3 * 24 + 60, "{t:?}");
    assert!(t.bytes_written > 60, "request line and headers: {t:?}");
    assert!(!t.reused);
}

#[test]
fn stream_fd_is_readable_while_events_are_queued_and_after_end() {
    let server = TestServer::http();
    let client = Client::new(Options::default());
    let stream = client
        .start(Options::url(server.url("/events?count=3")))
        .unwrap();
    let readable = |fd| {
        let mut p = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd, count 1.
        unsafe { libc::poll(&mut p, 1, 2000) == 1 }
    };
    let fd = stream.fd().unwrap();
    assert_eq!(stream.fd().unwrap(), fd, "one fd per stream");
    assert!(readable(fd), "open or events must wake the poller");
    let mut got = 0;
    let mut end = false;
    for _ in 0..100 {
        if !readable(fd) {
            continue;
        }
        loop {
            match stream.try_next() {
                Next::Event(_) => got += 1,
                Next::Timeout => break,
                Next::End => {
                    end = true;
                    break;
                }
                other => panic!("{other:?}"),
            }
        }
        if end {
            break;
        }
    }
    assert_eq!(got, 3);
    assert!(end);
    assert!(readable(fd), "stays readable once ended");
}

#[test]
fn drain_takes_batches() {
    let server = TestServer::http();
    let client = Client::new(Options::default());
    let stream = client
        .open(Options::url(server.url("/events?count=50")))
        .unwrap();
    let mut out = Vec::new();
    let mut total = 0;
    loop {
        match stream.drain(WAIT, 16, &mut out) {
            Drain::Events(n) => {
                assert!((1..=16).contains(&n));
                total += n;
            }
            Drain::End => break,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(total, 50);
    assert_eq!(out.len(), 50);
    assert_eq!(out[49].event.data.as_str(), "50:xxxxxxxxxxxxx");
}

#[test]
fn cancel_wakes_a_blocked_waiter_and_is_idempotent() {
    let server = TestServer::http();
    let client = Client::new(Options::default());
    let stream = std::sync::Arc::new(
        client
            .open(Options::url(server.url("/stall?after=0")))
            .unwrap(),
    );
    let s2 = stream.clone();
    let waiter = std::thread::spawn(move || s2.next(None));
    std::thread::sleep(Duration::from_millis(100));
    stream.cancel();
    stream.cancel();
    assert!(matches!(waiter.join().unwrap(), Next::Cancelled));
    assert!(matches!(stream.next(WAIT), Next::Cancelled));
    assert!(stream.timings().end > 0);
}

#[test]
fn non_2xx_surfaces_status_and_body() {
    let server = TestServer::http();
    let client = Client::new(Options::default());
    for code in [404u16, 500] {
        let stream = client
            .open(Options::url(
                server.url(&format!("/status/{code}?body=model%20not%20loaded")),
            ))
            .unwrap();
        assert_eq!(stream.response().unwrap().status, code);
        assert!(matches!(stream.next(WAIT), Next::Failed));
        let e = stream.error().unwrap();
        assert_eq!(e.kind, ErrorKind::HttpStatus);
        assert_eq!(e.status, code);
        assert_eq!(&e.body[..], b"model not loaded");
        assert!(e.message.contains("model not loaded"), "{}", e.message);
    }
}

#[test]
fn a_gzip_error_body_is_decoded() {
    let server = TestServer::http();
    let client = Client::new(Options::default());
    let stream = client
        .open(Options::url(server.url("/gzip-error")))
        .unwrap();
    assert!(matches!(stream.next(WAIT), Next::Failed));
    let e = stream.error().unwrap();
    assert_eq!(e.status, 429);
    assert_eq!(&e.body[..], b"quota exceeded");
}

#[test]
fn error_body_is_capped() {
    let server = TestServer::http();
    let client = Client::new(opts(r#"{"error_body_bytes":5}"#));
    let stream = client
        .open(Options::url(server.url("/status/503?body=0123456789")))
        .unwrap();
    assert!(matches!(stream.next(WAIT), Next::Failed));
    assert_eq!(&stream.error().unwrap().body[..], b"01234");
}

#[test]
fn non_event_stream_2xx_is_parsed_and_flagged() {
    let server = TestServer::http();
    let client = Client::new(Options::default());
    let stream = client.open(Options::url(server.url("/plain"))).unwrap();
    assert!(!stream.response().unwrap().is_event_stream);
    let (data, last) = collect(&stream);
    assert_eq!(data, vec!["hello"]);
    assert!(matches!(last, Next::End));
}

#[test]
fn gzip_bodies_are_decoded() {
    let server = TestServer::http();
    let client = Client::new(Options::default());
    let stream = client
        .open(Options::url(server.url("/gzip?count=4")))
        .unwrap();
    let (data, last) = collect(&stream);
    assert_eq!(data.len(), 4);
    assert_eq!(data[3], "4:xxxxxxxxxxxxxx");
    assert!(matches!(last, Next::End));
}

#[test]
fn invalid_options_fail_at_start_naming_the_problem() {
    let client = Client::new(Options::default());
    let e = client.start(Options::url("ftp://x/")).err().unwrap();
    assert_eq!(e.kind, ErrorKind::InvalidRequest);
    assert!(e.message.contains("ftp"), "{}", e.message);
    let e = client.start(Options::default()).err().unwrap();
    assert!(e.message.contains("url"), "{}", e.message);
    let e = client
        .start(opts(
            r#"{"url":"http://127.0.0.1:1/","headers":{"bad name":"x"}}"#,
        ))
        .err()
        .unwrap();
    assert!(e.message.contains("bad name"), "{}", e.message);
    let e = Options::from_json(br#"{"queue_capacity":0}"#).unwrap_err();
    assert!(e.message.contains("queue_capacity"), "{}", e.message);
}

#[test]
fn connection_refused_is_a_connect_error() {
    let port = free_port();
    let client = Client::new(Options::default());
    let e = client
        .open(Options::url(format!("http://127.0.0.1:{port}/")))
        .err()
        .unwrap();
    assert_eq!(e.kind, ErrorKind::Connect);
    assert!(e.message.contains(&port.to_string()), "{}", e.message);
}

#[test]
fn body_base64_is_sent_decoded() {
    let server = TestServer::http();
    let client = Client::new(Options::default());
    let stream = client
        .open(opts(&format!(
            r#"{{"url":"{}","method":"PUT","body_base64":"aGkgdGhlcmU="}}"#,
            server.url("/echo")
        )))
        .unwrap();
    let mut body = String::new();
    while let Next::Event(d) = stream.next(WAIT) {
        if d.event.event_type.as_str() == "body" {
            body = d.event.data.as_str().to_string();
        }
    }
    assert_eq!(body, "hi there");
    let e = client
        .start(opts(
            r#"{"url":"http://127.0.0.1:1/","body":"a","body_base64":"YQ=="}"#,
        ))
        .err()
        .unwrap();
    assert!(e.message.contains("body_base64"), "{}", e.message);
}
