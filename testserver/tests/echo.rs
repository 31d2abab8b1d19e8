//! `/echo`: method, headers and body come back as three events.

mod common;

use common::{data_events, request, server};

#[tokio::test]
async fn post_is_echoed_as_three_events() {
    let s = server();
    let body = "line one\nline two";
    let r = request(
        s.addr(),
        "POST",
        "/echo",
        &[("x-token", "abc"), ("x-token", "def")],
        body,
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), "text/event-stream");
    let blocks: Vec<&str> = r.text().split("\n\n").filter(|b| !b.is_empty()).collect();
    assert_eq!(blocks.len(), 3);
    assert!(blocks[0].starts_with("event: method\n"));
    assert!(blocks[1].starts_with("event: headers\n"));
    assert!(blocks[2].starts_with("event: body\n"));
    let data = data_events(r.text());
    assert_eq!(data[0], "POST");
    let headers: serde_json::Value = serde_json::from_str(&data[1]).unwrap();
    assert_eq!(headers["x-token"], "abc, def");
    assert_eq!(headers["content-length"], body.len().to_string());
    assert_eq!(data[2], body);
}

#[tokio::test]
async fn get_has_an_empty_body_event() {
    let s = server();
    let r = request(s.addr(), "GET", "/echo", &[], "").await;
    let data = data_events(r.text());
    assert_eq!(data.len(), 3);
    assert_eq!(data[0], "GET");
    assert_eq!(data[2], "");
    assert!(r.text().ends_with("event: body\ndata: \n\n"));
}
