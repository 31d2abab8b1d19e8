//! Each fault, seen from a plain client.

mod common;

use std::time::Instant;

use common::{get, raw, raw_get, server};

#[tokio::test]
async fn endless_line_never_ends_the_line() {
    let s = server();
    // `bytes` bounds the line for the test; without it the line is endless.
    let r = get(s.addr(), "/fault/endless-line?bytes=300000").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body.len(), 6 + 300_000);
    assert!(r.body.starts_with(b"data: x"));
    assert!(!r.body.iter().any(|&b| b == b'\n' || b == b'\r'));
}

#[tokio::test]
async fn stall_sends_n_events_then_nothing() {
    let s = server();
    let started = Instant::now();
    // hold_ms ends the stall so the test finishes; the stall itself sends nothing.
    let r = get(s.addr(), "/fault/stall?after=2&hold_ms=300&ids=1&size=4").await;
    assert!(started.elapsed().as_millis() >= 300, "the stream was held");
    assert_eq!(r.text(), "id: 1\ndata: 1:xx\n\nid: 2\ndata: 2:xx\n\n");
}

#[tokio::test]
async fn reset_cuts_event_n_plus_one_with_a_tcp_reset() {
    let s = server();
    let (bytes, err) = raw(s.addr(), &raw_get("/fault/reset?after=3&ids=1&size=40")).await;
    let err = err.expect("the read fails");
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset);
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"));
    for i in 1..=3 {
        assert!(
            text.contains(&format!("id: {i}\ndata: {i}:")),
            "event {i} whole"
        );
    }
    // Event 4 started but did not end: its id line is there, its data is cut.
    let tail = &text[text.find("id: 4\n").expect("event 4 started")..];
    assert!(!tail.contains("\n\n"), "event 4 never completes: {tail:?}");
}

#[tokio::test]
async fn bad_chunked_breaks_the_encoding_after_one_event() {
    let s = server();
    let (bytes, _) = raw(s.addr(), &raw_get("/fault/bad-chunked")).await;
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("transfer-encoding: chunked\r\n"));
    let body = &text[text.find("\r\n\r\n").unwrap() + 4..];
    assert_eq!(
        body,
        format!(
            "9\r\ndata: 1\n\n\r\n{}",
            std::str::from_utf8(sse_testserver::BAD_CHUNK).unwrap()
        )
    );
    // A real HTTP client rejects it.
    let r = get(s.addr(), "/fault/bad-chunked").await;
    assert_eq!(&r.body[..], b"data: 1\n\n");
    assert!(r.body_error.is_some(), "the client saw a body error");
}

#[tokio::test]
async fn status_any_code_with_body() {
    let s = server();
    let r = get(s.addr(), "/status/418?body=short+and+stout%21").await;
    assert_eq!(r.status, 418);
    assert_eq!(r.text(), "short and stout!");
    let r = get(s.addr(), "/status/503").await;
    assert_eq!(r.status, 503);
    assert_eq!(r.text(), "");
    assert_eq!(get(s.addr(), "/status/abc").await.status, 400);
    assert_eq!(get(s.addr(), "/status/101").await.status, 400);
}

#[tokio::test]
async fn content_type_is_wrong_with_2xx() {
    let s = server();
    let r = get(s.addr(), "/fault/content-type").await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").starts_with("text/plain"));
    assert!(!r.body.is_empty());
}

#[tokio::test]
async fn trickle_sends_one_byte_per_chunk() {
    let s = server();
    let whole = get(s.addr(), "/events?count=3").await;
    let r = get(s.addr(), "/fault/trickle?count=3&interval_ms=0.2").await;
    assert_eq!(r.body, whole.body);
    assert_eq!(r.frames, r.body.len(), "every chunk carried one byte");
}

#[tokio::test]
async fn reset_counts_after_from_the_resumed_event() {
    let s = server();
    let req =
        "GET /fault/reset?after=2&ids=1&size=4 HTTP/1.1\r\nhost: t\r\nlast-event-id: 5\r\n\r\n";
    let (bytes, err) = raw(s.addr(), req).await;
    assert!(err.is_some());
    let text = String::from_utf8_lossy(&bytes);
    // Chunked framing sits between events: look for each one alone.
    assert!(text.contains("id: 6\ndata: 6:xx\n\n"), "{text}");
    assert!(text.contains("id: 7\ndata: 7:xx\n\n"), "{text}");
    assert!(text.contains("id: 8\n"), "event 8 started: {text}");
    assert!(!text.contains("id: 5\n"));
    assert!(!text.contains("data: 8:xx"), "event 8 is cut: {text}");
}

#[tokio::test]
async fn reset_ms_sets_the_pause_before_the_reset() {
    let s = server();
    for reset_ms in [0, 500] {
        let started = Instant::now();
        let path = format!("/fault/reset?after=1&ids=1&reset_ms={reset_ms}");
        let (bytes, err) = raw(s.addr(), &raw_get(&path)).await;
        assert_eq!(
            err.map(|e| e.kind()),
            Some(std::io::ErrorKind::ConnectionReset)
        );
        assert!(
            String::from_utf8_lossy(&bytes).contains("id: 2\n"),
            "event 2 started"
        );
        // A lower bound only (an upper one would fail on a busy machine):
        // 500 ms is more than the default pause of 200 ms.
        assert!(
            started.elapsed().as_millis() >= reset_ms,
            "reset after {:?}, reset_ms={reset_ms}",
            started.elapsed()
        );
    }
    let r = get(s.addr(), "/fault/reset?reset_ms=-1").await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("reset_ms"), "{}", r.text());
}
