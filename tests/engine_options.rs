//! Option behaviour seen from outside: the parser caps' defaults and their
//! error message, and host patterns in `hosts`.

mod engine_support;

use engine_support::raw::{self, RawServer};
use engine_support::{collect, opts, TestServer};
use sse::client::{Client, Next, Options};
use sse::error::ErrorKind;
use std::io::Write;

/// A server that answers one event whose data is `len` bytes on one line.
fn one_long_line(len: usize) -> RawServer {
    RawServer::spawn(move |mut s| {
        raw::read_head(&mut s);
        s.write_all(raw::SSE_CHUNKED_HEAD).unwrap();
        let mut line = b"data: ".to_vec();
        line.resize(6 + len, b'A');
        line.extend_from_slice(b"\n\n");
        for piece in line.chunks(64 * 1024) {
            if s.write_all(&raw::chunk(piece)).is_err() {
                return;
            }
        }
        let _ = s.write_all(b"0\r\n\r\n");
    })
}

#[test]
fn default_caps_take_a_multi_megabyte_line() {
    // `data: ` + 1 MiB failed with the old 1 MiB default; 8 MiB is a
    // large base64 image.
    for len in [1 << 20, 8 << 20] {
        let server = one_long_line(len);
        let stream = Client::new(Options::default())
            .open(Options::url(server.url("/")))
            .unwrap();
        let mut got = Vec::new();
        let last = loop {
            match stream.next(Some(std::time::Duration::from_secs(30))) {
                Next::Event(d) => got.push(d.event.data.len()),
                other => break other,
            }
        };
        assert_eq!(got, vec![len], "{:?}", stream.error());
        assert!(matches!(last, Next::End), "{last:?}");
    }
}

#[test]
fn the_cap_error_names_the_option_that_was_hit_and_only_it() {
    let server = one_long_line(4096);
    let client = Client::new(Options::default());
    let line_cap = opts(serde_json::json!({"url": server.url("/"), "max_line_bytes": 1000}));
    let stream = client.open(line_cap).unwrap();
    let (data, last) = collect(&stream);
    assert!(data.is_empty());
    assert!(matches!(last, Next::Failed), "{last:?}");
    let e = stream.error().unwrap();
    assert_eq!(e.kind, ErrorKind::LimitExceeded);
    assert_eq!(
        e.message,
        "a line of the event stream is longer than 1000 bytes; raise max_line_bytes if this is expected"
    );
    let event_cap = opts(serde_json::json!({"url": server.url("/"), "max_event_bytes": 2000}));
    let stream = client.open(event_cap).unwrap();
    collect(&stream);
    let e = stream.error().unwrap();
    assert_eq!(
        e.message,
        "an event of the event stream is larger than 2000 bytes; raise max_event_bytes if this is expected"
    );
}

#[test]
fn hosts_wildcards_route_every_matching_name() {
    let server = TestServer::http();
    let port = server.addr.port();
    let client = Client::new(opts(serde_json::json!({
        "proxy": null,
        "hosts": {
            "*.example.invalid": format!("127.0.0.1:{port}"),
            // More specific, and nothing listens there: must win for its name.
            "down.example.invalid": "127.0.0.1:1",
        },
    })));
    for name in ["api.example.invalid", "a.b.example.invalid"] {
        let stream = client
            .open(Options::url(format!("http://{name}/events?count=1")))
            .unwrap();
        let (data, last) = collect(&stream);
        assert_eq!(data.len(), 1, "{name}");
        assert!(matches!(last, Next::End), "{name}: {last:?}");
    }
    let e = client
        .open(Options::url("http://down.example.invalid/events"))
        .err()
        .unwrap();
    assert_eq!(e.kind, ErrorKind::Connect, "{}", e.message);
}
