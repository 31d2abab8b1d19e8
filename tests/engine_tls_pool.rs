//! TLS (trust, skip-verify, host override + SNI), HTTP/2 by ALPN, and the
//! connection pool: keep-alive reuse, no reuse after an early close or with
//! `no_connection_reuse`, one shared HTTP/2 connection.

mod engine_support;

use engine_support::{opts, TestServer};
use sse::client::{Client, Next, Options, Stream};
use sse::error::ErrorKind;
use std::time::Duration;

const WAIT: Option<Duration> = Some(Duration::from_secs(10));

/// A client that trusts `server`, and a first stream on `path` past its
/// first event: the HTTP/2 connection is up, and the streams the client
/// opens next share it with this neighbour.
fn client_with_neighbour(server: &TestServer, path: &str) -> (Client, Stream) {
    let client = server.trusting_client();
    let neighbour = client.open(Options::url(server.url(path))).unwrap();
    assert!(matches!(neighbour.next(WAIT), Next::Event(_)));
    (client, neighbour)
}

fn count_events(stream: &Stream) -> (usize, Next) {
    let mut n = 0;
    loop {
        match stream.next(WAIT) {
            Next::Event(_) => n += 1,
            other => return (n, other),
        }
    }
}

#[test]
fn self_signed_certificate_is_refused_by_default() {
    let server = TestServer::https();
    let client = Client::new(Options::default());
    let e = client
        .open(Options::url(server.url("/events?count=1")))
        .err()
        .unwrap();
    assert_eq!(e.kind, ErrorKind::Tls);
    assert!(e.message.contains("not trusted"), "{}", e.message);
    assert!(e.message.contains("UnknownIssuer"), "{}", e.message);
}

#[test]
fn ca_pem_makes_the_certificate_trusted_and_h2_is_negotiated() {
    let server = TestServer::https();
    let client = server.trusting_client();
    let stream = client
        .open(Options::url(server.url("/events?count=3")))
        .unwrap();
    let resp = stream.response().unwrap();
    assert_eq!(resp.version_str(), "HTTP/2");
    assert_eq!(resp.remote_addr, Some(server.addr));
    assert!(resp.is_event_stream);
    let (n, last) = count_events(&stream);
    assert_eq!(n, 3);
    assert!(matches!(last, Next::End), "{last:?}");
    let t = stream.timings();
    assert!(
        t.connect_done > 0 && t.connect_done <= t.tls_done && t.tls_done <= t.headers,
        "{t:?}"
    );
}

#[test]
fn skip_verify_accepts_any_certificate_and_http1_can_be_forced() {
    let server = TestServer::https();
    let client = Client::new(opts(serde_json::json!({
        "tls": {"insecure_skip_verify": true}, "http_version": "http1"
    })));
    let stream = client
        .open(Options::url(server.url("/events?count=2")))
        .unwrap();
    assert_eq!(stream.response().unwrap().version_str(), "HTTP/1.1");
    let (n, last) = count_events(&stream);
    assert_eq!(n, 2);
    assert!(matches!(last, Next::End));
}

#[test]
fn tls_version_bounds_are_applied() {
    let server = TestServer::https();
    let client = Client::new(opts(serde_json::json!({
        "tls": {"ca_pem": server.ca_pem(), "max_version": "1.2"}
    })));
    let stream = client
        .open(Options::url(server.url("/events?count=1")))
        .unwrap();
    assert_eq!(count_events(&stream).0, 1);
    let e = client
        .start(opts(serde_json::json!({
            "url": server.url("/"), "tls": {"min_version": "1.3", "max_version": "1.2"}
        })))
        .err()
        .unwrap();
    assert_eq!(e.kind, ErrorKind::InvalidRequest);
}

#[test]
fn host_override_dials_the_given_address_and_verifies_the_name() {
    let server = TestServer::https();
    let port = server.addr.port();
    let client = Client::new(opts(serde_json::json!({
        "tls": {"ca_pem": server.ca_pem()},
        "proxy": null, "hosts": {"sse.test": "127.0.0.1"}
    })));
    let stream = client
        .open(Options::url(format!(
            "https://sse.test:{port}/events?count=2"
        )))
        .unwrap();
    assert_eq!(count_events(&stream).0, 2);
    // A name the certificate does not carry is refused with the reason.
    let client = Client::new(opts(serde_json::json!({
        "tls": {"ca_pem": server.ca_pem()},
        "proxy": null, "hosts": {"other.test": format!("127.0.0.1:{port}")}
    })));
    let e = client
        .open(Options::url("https://other.test/events?count=1"))
        .err()
        .unwrap();
    assert_eq!(e.kind, ErrorKind::Tls);
    assert!(
        e.message.contains("not valid for other.test"),
        "{}",
        e.message
    );
}

#[test]
fn http1_keep_alive_reuses_one_connection_for_sequential_streams() {
    let server = TestServer::http();
    let client = Client::new(Options::default());
    for i in 0..4 {
        let stream = client
            .open(Options::url(server.url("/events?count=3")))
            .unwrap();
        let (n, last) = count_events(&stream);
        assert_eq!(n, 3);
        assert!(matches!(last, Next::End));
        let t = stream.timings();
        assert_eq!(t.reused, i > 0, "stream {i}: {t:?}");
        // A reused connection still reports whom it talks to.
        assert_eq!(stream.response().unwrap().remote_addr, Some(server.addr));
        if i > 0 {
            assert_eq!(t.connect_done, 0, "a reused stream does not connect");
            // Only this stream's request and response are counted.
            assert!(t.bytes_read < 400, "{t:?}");
        }
    }
    assert_eq!(server.accepted(), 1);
    assert_eq!(client.idle_connections(), 1);
}

#[test]
fn an_early_closed_stream_does_not_return_its_connection() {
    let server = TestServer::http();
    let client = Client::new(Options::default());
    let stream = client
        .open(Options::url(server.url("/events?count=0&interval_ms=5")))
        .unwrap();
    assert!(matches!(stream.next(WAIT), Next::Event(_)));
    drop(stream);
    let stream = client
        .open(Options::url(server.url("/events?count=2")))
        .unwrap();
    assert_eq!(count_events(&stream).0, 2);
    assert!(!stream.timings().reused);
    assert_eq!(server.accepted(), 2);
}

#[test]
fn no_connection_reuse_opens_a_connection_per_stream() {
    let server = TestServer::http();
    let client = Client::new(opts(serde_json::json!({"no_connection_reuse": true})));
    for _ in 0..3 {
        let stream = client
            .open(Options::url(server.url("/events?count=1")))
            .unwrap();
        assert_eq!(count_events(&stream).0, 1);
    }
    assert_eq!(server.accepted(), 3);
    assert_eq!(client.idle_connections(), 0);
}

#[test]
fn http2_streams_share_one_connection() {
    let server = TestServer::https();
    let client = server.trusting_client();
    let first = client
        .open(Options::url(server.url("/events?count=0&interval_ms=10")))
        .unwrap();
    let streams: Vec<_> = (0..5)
        .map(|_| {
            client
                .open(Options::url(server.url("/events?count=20")))
                .unwrap()
        })
        .collect();
    for s in &streams {
        assert_eq!(s.response().unwrap().version_str(), "HTTP/2");
        assert_eq!(s.response().unwrap().remote_addr, Some(server.addr));
        assert_eq!(count_events(s).0, 20);
        assert!(s.timings().reused);
    }
    assert!(matches!(first.next(WAIT), Next::Event(_)));
    assert_eq!(server.accepted(), 1);
}

#[test]
fn cancelling_one_http2_stream_leaves_the_shared_connection_usable() {
    let server = TestServer::https();
    let (client, endless) = client_with_neighbour(&server, "/events?count=0&interval_ms=5");
    let other = client
        .open(Options::url(server.url("/events?count=0&interval_ms=5")))
        .unwrap();
    drop(endless);
    assert!(matches!(other.next(WAIT), Next::Event(_)));
    let after = client
        .open(Options::url(server.url("/events?count=3")))
        .unwrap();
    assert_eq!(count_events(&after).0, 3);
    assert!(after.timings().reused);
    assert_eq!(server.accepted(), 1);
}

#[test]
fn client_certificate_is_presented_when_configured() {
    let server = TestServer::https_client_auth();
    let certs = server.tls.as_ref().unwrap();
    let without = server.trusting_client();
    let refused = match without.open(Options::url(server.url("/events?count=1"))) {
        Err(_) => true,
        // TLS 1.3: the server's refusal may arrive after the handshake.
        Ok(s) => matches!(count_events(&s), (0, Next::Failed)),
    };
    assert!(
        refused,
        "a server requiring a client certificate accepted none"
    );
    let with = Client::new(opts(serde_json::json!({"tls": {
        "ca_pem": server.ca_pem(),
        "client_cert_pem": certs.client_cert_pem,
        "client_key_pem": certs.client_key_pem,
    }})));
    let stream = with
        .open(Options::url(server.url("/events?count=2")))
        .unwrap();
    assert_eq!(count_events(&stream).0, 2);
    let e = with
        .start(opts(serde_json::json!({
            "url": server.url("/"), "tls": {"client_key_pem": "junk"}
        })))
        .err()
        .unwrap();
    assert_eq!(e.kind, ErrorKind::InvalidRequest);
}

#[test]
fn http2_streams_beyond_the_servers_limit_get_another_connection() {
    let server = TestServer::https_max_streams(2);
    let client = Client::new(opts(serde_json::json!({
        "tls": {"ca_pem": server.ca_pem()}, "header_timeout_ms": 5000
    })));
    let streams: Vec<_> = (0..5)
        .map(|_| {
            client
                .open(Options::url(server.url("/events?count=0&interval_ms=10")))
                .unwrap()
        })
        .collect();
    for s in &streams {
        assert!(matches!(s.next(WAIT), Next::Event(_)), "{:?}", s.error());
    }
    assert_eq!(server.accepted(), 3, "2 + 2 + 1 streams");
}

#[test]
fn a_pooled_connection_the_server_dropped_is_retried_on_a_new_one() {
    use engine_support::raw::{self, RawServer};
    use std::io::Write;
    // Each connection answers one request, then closes on the next one
    // without a byte of response (like a server's idle timeout racing it).
    let server = RawServer::spawn(|mut s| {
        raw::read_head(&mut s);
        s.write_all(raw::SSE_CHUNKED_HEAD).unwrap();
        s.write_all(&raw::chunk(b"data: hello\n\n")).unwrap();
        s.write_all(b"0\r\n\r\n").unwrap();
        raw::read_head(&mut s);
    });
    let client = Client::new(Options::default());
    for i in 0..2 {
        let stream = client.open(Options::url(server.url("/"))).unwrap();
        let (n, last) = count_events(&stream);
        assert_eq!(n, 1);
        assert!(matches!(last, Next::End), "{last:?} {:?}", stream.error());
        // The second stream tried the pooled connection, then a new one.
        assert!(!stream.timings().reused);
        if i == 0 {
            assert_eq!(client.idle_connections(), 1);
        }
    }
    assert_eq!(server.accepted.load(std::sync::atomic::Ordering::SeqCst), 2);
}

#[test]
fn a_stream_on_a_shared_http2_connection_counts_only_its_own_bytes() {
    let server = TestServer::https();
    // A loud neighbour: 4 KB events every 5 ms on the same connection.
    let (client, loud) = client_with_neighbour(&server, "/events?count=0&interval_ms=5&size=4000");
    let quiet = client
        .open(Options::url(
            server.url("/events?count=3&interval_ms=100&size=10"),
        ))
        .unwrap();
    assert!(quiet.timings().reused);
    assert_eq!(count_events(&quiet).0, 3);
    let mut loud_events = 0;
    while loud_events < 50 {
        assert!(matches!(loud.next(WAIT), Next::Event(_)));
        loud_events += 1;
    }
    let t = quiet.timings();
    // 3 events of 10 bytes, the response head and frame headers: well
    // under 1 KB, while the neighbour sent about 240 KB meanwhile.
    assert!(t.bytes_read >= 30 && t.bytes_read < 1000, "{t:?}");
    assert!(t.bytes_written > 20 && t.bytes_written < 500, "{t:?}");
    assert!(
        loud.timings().bytes_read >= 50 * 4000,
        "{:?}",
        loud.timings()
    );
    assert_eq!(server.accepted(), 1);
}

#[test]
fn a_stream_on_a_shared_http2_connection_times_its_own_request_and_headers() {
    let server = TestServer::https();
    // A loud neighbour: its frames arrive every 5 ms on the same socket,
    // and the connection writes WINDOW_UPDATEs for them.
    let (client, _loud) = client_with_neighbour(&server, "/events?count=0&interval_ms=5&size=4000");
    // Headers only after 300 ms: the wait is at least that long, whatever
    // the neighbour's frames did meanwhile.
    let slow = client
        .open(Options::url(server.url("/slow-headers?ms=300")))
        .unwrap();
    assert!(matches!(slow.next(WAIT), Next::End));
    let t = slow.timings();
    assert!(t.reused, "{t:?}");
    assert!(t.start <= t.request_sent, "{t:?}");
    assert!(t.request_sent <= t.first_byte, "{t:?}");
    assert!(t.first_byte <= t.headers, "{t:?}");
    assert!(
        t.first_byte - t.request_sent >= 300_000_000,
        "waited {} ns: {t:?}",
        t.first_byte.saturating_sub(t.request_sent)
    );
    assert_eq!(server.accepted(), 1);
}

#[test]
fn an_error_body_on_a_shared_http2_connection_counts_as_the_streams_own() {
    let server = TestServer::https();
    let (client, _neighbour) = client_with_neighbour(&server, "/events?count=0&interval_ms=50");
    // 400 bytes of body in one DATA frame after the response head.
    let body = "x".repeat(400);
    let failed = client
        .open(Options::url(
            server.url(&format!("/status/503?body={body}")),
        ))
        .unwrap();
    assert!(matches!(failed.next(WAIT), Next::Failed));
    let t = failed.timings();
    assert!(t.reused, "{t:?}");
    // Head (`:status`, content-type, date…) + the body's frame: the body
    // alone is 409 bytes with its frame header.
    assert!(
        t.bytes_read >= 409 && t.bytes_read < 1000,
        "the body is not counted: {t:?}"
    );
    assert_eq!(failed.error().unwrap().kind, ErrorKind::HttpStatus);
    assert_eq!(server.accepted(), 1);
}

#[test]
fn a_redirect_hop_on_a_shared_http2_connection_counts_only_its_own_bytes() {
    let server = TestServer::https();
    // A loud neighbour: 4 KB events every millisecond on the same socket.
    let (client, _loud) = client_with_neighbour(&server, "/events?count=0&interval_ms=1&size=4000");
    // A 302 after 100 ms to /events?count=3&size=10 on the same origin, so
    // the same connection, the neighbour talking on meanwhile.
    let quiet = client
        .open(Options::url(server.url(
            "/redirect?status=302&ms=100&to=%2Fevents%3Fcount%3D3%26size%3D10",
        )))
        .unwrap();
    assert_eq!(count_events(&quiet).0, 3);
    let t = quiet.timings();
    assert!(t.reused, "{t:?}");
    // Two requests and two response heads, the 3 small events: about
    // 1 KB, where the neighbour sent about 4 MB a second meanwhile.
    assert!(t.bytes_read >= 30 && t.bytes_read < 2000, "{t:?}");
    assert!(t.bytes_written > 40 && t.bytes_written < 1000, "{t:?}");
    assert_eq!(server.accepted(), 1);
}
