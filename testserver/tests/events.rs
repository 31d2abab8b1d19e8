//! `/events`: every query knob changes the bytes exactly as documented.

mod common;

use common::{get, request, server};

#[tokio::test]
async fn default_is_ten_sixteen_byte_events() {
    let s = server();
    let r = get(s.addr(), "/events").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), "text/event-stream");
    assert_eq!(r.header("cache-control"), "no-cache");
    assert!(r.header("x-stream-id").parse::<u64>().is_ok());
    let expected: String = (1..=10)
        .map(|i| {
            let p = format!("{i}:");
            format!("data: {p}{}\n\n", "x".repeat(16 - p.len()))
        })
        .collect();
    assert_eq!(r.text(), expected);
    assert!(r.body_error.is_none());
}

#[tokio::test]
async fn fields_follow_the_knobs() {
    let s = server();
    let r = get(
        s.addr(),
        "/events?count=2&size=6&ids=1&event=tick&retry=250",
    )
    .await;
    assert_eq!(
        r.text(),
        "id: 1\nevent: tick\nretry: 250\ndata: 1:xxxx\n\nid: 2\nevent: tick\ndata: 2:xxxx\n\n"
    );
}

#[tokio::test]
async fn lines_split_data_and_comments_appear_every_k() {
    let s = server();
    let r = get(s.addr(), "/events?count=2&size=9&lines=3&comment_every=2").await;
    assert_eq!(
        r.text(),
        "data: 1:x\ndata: xxx\ndata: xxx\n\n: comment 2\ndata: 2:x\ndata: xxx\ndata: xxx\n\n"
    );
}

#[tokio::test]
async fn line_endings_crlf_and_cr() {
    let s = server();
    let r = get(s.addr(), "/events?count=1&size=4&ids=1&eol=crlf").await;
    assert_eq!(r.text(), "id: 1\r\ndata: 1:xx\r\n\r\n");
    let r = get(s.addr(), "/events?count=1&size=4&ids=1&eol=cr").await;
    assert_eq!(r.text(), "id: 1\rdata: 1:xx\r\r");
}

#[tokio::test]
async fn batch_coalesces_frames_with_identical_bytes() {
    let s = server();
    let one = get(s.addr(), "/events?count=2000&size=32").await;
    let batched = get(s.addr(), "/events?count=2000&size=32&batch=1").await;
    assert_eq!(one.body, batched.body);
    // One chunk per event (a chunk split across reads counts twice).
    assert!(one.frames >= 2000, "frames without batch: {}", one.frames);
    // 2000 * 34 B fits in two 64 KiB chunks; the client may read each in
    // several pieces, but nowhere near one per event.
    assert!(batched.frames <= 100, "batched frames: {}", batched.frames);
}

#[tokio::test]
async fn post_streams_like_get() {
    let s = server();
    let g = get(s.addr(), "/events?count=3&interval_ms=1").await;
    let p = request(
        s.addr(),
        "POST",
        "/events?count=3&interval_ms=1",
        &[],
        "{\"x\":1}",
    )
    .await;
    assert_eq!(p.status, 200);
    assert_eq!(g.body, p.body);
}

#[tokio::test]
async fn count_zero_is_endless() {
    let s = server();
    // Raw TCP: read until 50 events arrived, then hang up.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = tokio::net::TcpStream::connect(s.addr()).await.unwrap();
    tcp.write_all(common::raw_get("/events?count=0&interval_ms=1&ids=1").as_bytes())
        .await
        .unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    let done = tokio::time::timeout(common::LIMIT, async {
        while !String::from_utf8_lossy(&seen).contains("id: 50\n") {
            let n = tcp.read(&mut buf).await.unwrap();
            assert!(n > 0, "endless stream ended");
            seen.extend_from_slice(&buf[..n]);
        }
    })
    .await;
    assert!(done.is_ok());
}

#[tokio::test]
async fn bad_knobs_get_400() {
    let s = server();
    for q in ["count=x", "eol=crcr", "interval_ms=-1", "size=big"] {
        let r = get(s.addr(), &format!("/events?{q}")).await;
        assert_eq!(r.status, 400, "{q}");
    }
    let r = get(s.addr(), "/nope").await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn last_event_id_resumes_after_it() {
    let s = server();
    let r = request(
        s.addr(),
        "GET",
        "/events?count=5&size=4&ids=1&retry=100",
        &[("last-event-id", "3")],
        "",
    )
    .await;
    // Events 4 and 5; retry goes with the first event of this response.
    assert_eq!(
        r.text(),
        "id: 4\nretry: 100\ndata: 4:xx\n\nid: 5\ndata: 5:xx\n\n"
    );
    // Without ids=1 the header is ignored.
    let r = request(
        s.addr(),
        "GET",
        "/events?count=2&size=4",
        &[("last-event-id", "1")],
        "",
    )
    .await;
    assert_eq!(r.text(), "data: 1:xx\n\ndata: 2:xx\n\n");
    // Past the end: no events, a clean end.
    let r = request(
        s.addr(),
        "GET",
        "/events?count=2&ids=1",
        &[("last-event-id", "9")],
        "",
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "");
}

#[tokio::test]
async fn comment_block_is_a_block_of_its_own() {
    let s = server();
    let r = get(
        s.addr(),
        "/events?count=2&size=4&comment_every=2&comment_block=1",
    )
    .await;
    assert_eq!(r.text(), "data: 1:xx\n\n: comment 2\n\ndata: 2:xx\n\n");
}
