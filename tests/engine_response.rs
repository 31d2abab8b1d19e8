//! What `Response` says about the answer: headers grouped by name, as the
//! C ABI and the docs describe them.

mod engine_support;

use engine_support::raw::{self, RawServer};
use sse::client::{Client, Options};
use std::io::Write;

#[test]
fn headers_are_grouped_by_name_in_first_arrival_order() {
    let server = RawServer::spawn(|mut s| {
        raw::read_head(&mut s);
        let _ = s.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nX-A: 1\r\nX-B: b\r\n\
              X-A: 2\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
    });
    let stream = Client::new(Options::default())
        .open(Options::url(server.url("/")))
        .unwrap();
    let response = stream.response().unwrap();
    let headers: Vec<(String, String)> = response
        .headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_string()))
        .collect();
    let pair = |n: &str, v: &str| (n.to_string(), v.to_string());
    assert_eq!(
        headers,
        vec![
            pair("content-type", "text/event-stream"),
            pair("x-a", "1"),
            pair("x-a", "2"),
            pair("x-b", "b"),
            pair("content-length", "0"),
            pair("connection", "close"),
        ]
    );
}
