//! Redirects: followed in the open phase as Go's client does (method and
//! body rules, credentials kept to the first host, `max_redirects`), the
//! final URL reported, the connection reused, the hops' bytes counted.

mod engine_support;

use engine_support::{collect, opts, TestServer};
use sse::client::{Client, Next, Options, Stream};
use sse::error::ErrorKind;
use std::collections::HashMap;
use std::time::Duration;

const WAIT: Option<Duration> = Some(Duration::from_secs(10));

/// `/redirect?status=S&to=URL`, the target escaped for a query value.
fn redirect(status: u16, to: &str) -> String {
    let mut escaped = String::new();
    for c in to.chars() {
        match c {
            ':' | '/' | '?' | '&' | '=' | '%' => escaped.push_str(&format!("%{:02X}", c as u32)),
            c => escaped.push(c),
        }
    }
    format!("/redirect?status={status}&to={escaped}")
}

/// The `/echo` route's events as name → data.
fn echoed(stream: &Stream) -> HashMap<String, String> {
    let mut seen = HashMap::new();
    while let Next::Event(d) = stream.next(WAIT) {
        seen.insert(
            d.event.event_type.as_str().to_string(),
            d.event.data.as_str().to_string(),
        );
    }
    seen
}

#[test]
fn a_relative_302_is_followed_and_the_final_url_reported() {
    let server = TestServer::http();
    let client = Client::new(Options::default());
    let first = server.url(&redirect(302, "/events?count=2"));
    let stream = client.open(Options::url(first)).unwrap();
    let response = stream.response().unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.url, server.url("/events?count=2"));
    let (data, last) = collect(&stream);
    assert_eq!(data.len(), 2);
    assert!(matches!(last, Next::End), "{last:?}");
    // Without a redirect the URL is the request's, as given.
    let direct = server.url("/events?count=1");
    let stream = client.open(Options::url(direct.clone())).unwrap();
    assert_eq!(stream.response().unwrap().url, direct);
}

#[test]
fn see_other_turns_a_post_into_a_get_and_307_keeps_method_and_body() {
    let server = TestServer::http();
    let client = Client::new(Options::default());
    let request = |status: u16| {
        opts(serde_json::json!({
            "url": server.url(&redirect(status, "/echo")),
            "method": "POST",
            "body": "{\"stream\":true}",
            "headers": {"Content-Type": "application/json", "X-Test": "kept"},
        }))
    };
    let seen = echoed(&client.open(request(303)).unwrap());
    assert_eq!(seen["method"], "GET");
    assert_eq!(seen["body"], "");
    assert_eq!(seen["content-type"], "");
    assert_eq!(seen["x-test"], "kept");
    for status in [307, 308] {
        let seen = echoed(&client.open(request(status)).unwrap());
        assert_eq!(seen["method"], "POST", "{status}");
        assert_eq!(seen["body"], "{\"stream\":true}", "{status}");
        assert_eq!(seen["content-type"], "application/json", "{status}");
    }
}

#[test]
fn credentials_are_dropped_when_a_redirect_changes_host() {
    let server = TestServer::http();
    let port = server.addr.port();
    let at = format!("127.0.0.1:{port}");
    let client = Client::new(opts(serde_json::json!({
        "proxy": null,
        "hosts": {"api.example.invalid": at, "other.example.invalid": at},
        "headers": {"Authorization": "Bearer secret", "Cookie": "session=1", "X-Test": "t"},
    })));
    let start = format!("http://api.example.invalid:{port}");
    // Same host: credentials stay.
    let same = format!("{start}{}", redirect(302, "/echo"));
    let seen = echoed(&client.open(Options::url(same.clone())).unwrap());
    assert_eq!(seen["authorization"], "Bearer secret");
    assert_eq!(seen["cookie"], "session=1");
    assert_eq!(seen["referer"], same);
    // Another host: dropped; other headers and the Host of the new URL.
    let other = format!("http://other.example.invalid:{port}/echo");
    let stream = client
        .open(Options::url(format!("{start}{}", redirect(301, &other))))
        .unwrap();
    assert_eq!(stream.response().unwrap().url, other);
    let seen = echoed(&stream);
    assert_eq!(seen["authorization"], "");
    assert_eq!(seen["cookie"], "");
    assert_eq!(seen["x-test"], "t");
    assert_eq!(seen["host"], format!("other.example.invalid:{port}"));
}

#[test]
fn max_redirects_bounds_the_chain_and_zero_turns_following_off() {
    let server = TestServer::http();
    let client = Client::new(Options::default());
    // A redirect to itself: followed 10 times (k6's default), then the 3xx
    // is the answer, with a message that says what to raise.
    let looping = "/redirect?status=302";
    let e = client
        .open(Options::url(server.url(looping)))
        .map(|s| {
            let (_, last) = collect(&s);
            assert!(matches!(last, Next::Failed), "{last:?}");
            s.error().cloned().unwrap()
        })
        .unwrap_or_else(|e| e);
    assert_eq!(e.kind, ErrorKind::HttpStatus);
    assert_eq!(e.status, 302);
    assert!(
        e.message.contains("stopped after 10 redirects"),
        "{}",
        e.message
    );
    assert!(e.message.contains("max_redirects"), "{}", e.message);

    let off = opts(serde_json::json!({
        "url": server.url(&redirect(307, "/events?count=1")),
        "max_redirects": 0,
    }));
    let stream = client.open(off).unwrap();
    assert_eq!(stream.response().unwrap().status, 307);
    let (data, last) = collect(&stream);
    assert!(data.is_empty());
    assert!(matches!(last, Next::Failed), "{last:?}");
    let e = stream.error().unwrap();
    assert_eq!(e.status, 307);
    assert!(e.message.contains("max_redirects is 0"), "{}", e.message);

    let two = opts(serde_json::json!({
        "url": server.url(&redirect(302, &redirect(302, "/events?count=1"))),
        "max_redirects": 2,
    }));
    let (data, last) = collect(&client.open(two).unwrap());
    assert_eq!(data.len(), 1);
    assert!(matches!(last, Next::End), "{last:?}");
}

#[test]
fn a_same_host_redirect_reuses_the_connection_and_counts_every_hop() {
    let server = TestServer::http();
    let client = Client::new(Options::default());
    let direct = client
        .open(Options::url(server.url("/events?count=1")))
        .unwrap();
    collect(&direct);
    let direct_bytes = direct.timings().bytes_read;
    let before = server.accepted();
    let hopped = client
        .open(Options::url(server.url(&redirect(302, "/events?count=1"))))
        .unwrap();
    collect(&hopped);
    assert_eq!(
        server.accepted(),
        before,
        "both hops ran on the pooled connection"
    );
    let t = hopped.timings();
    assert!(
        t.bytes_read > direct_bytes + 50,
        "the 302's bytes count too: {} vs {direct_bytes}",
        t.bytes_read
    );
    assert!(t.bytes_written > direct.timings().bytes_written);
}

#[test]
fn each_hop_is_checked_against_the_deny_rules() {
    let server = TestServer::http();
    let port = server.addr.port();
    let client = Client::new(opts(serde_json::json!({
        "proxy": null,
        "hosts": {"*.example.invalid": format!("127.0.0.1:{port}")},
        "deny_hosts": ["*.internal.example.invalid"],
    })));
    let to = format!("http://db.internal.example.invalid:{port}/events");
    let url = format!("http://api.example.invalid:{port}{}", redirect(302, &to));
    let e = client.open(Options::url(url)).err().unwrap();
    assert_eq!(e.kind, ErrorKind::Denied, "{}", e.message);
    assert!(
        e.message.contains("*.internal.example.invalid"),
        "{}",
        e.message
    );
}

#[test]
fn redirects_over_http2_share_the_connection() {
    let server = TestServer::https();
    let client = server.trusting_client();
    let stream = client
        .open(Options::url(server.url(&redirect(308, "/events?count=3"))))
        .unwrap();
    let response = stream.response().unwrap();
    assert_eq!(response.version, http::Version::HTTP_2);
    assert_eq!(response.url, server.url("/events?count=3"));
    let (data, last) = collect(&stream);
    assert_eq!(data.len(), 3);
    assert!(matches!(last, Next::End), "{last:?}");
    assert_eq!(server.accepted(), 1);
}
