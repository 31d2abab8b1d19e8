//! HTTP proxies: absolute-form requests for http://, CONNECT tunnels for
//! https://, and HTTP_PROXY / NO_PROXY from the environment. One test
//! function, because the environment is shared by the whole process.

mod engine_support;

use engine_support::raw::{self, RawServer};
use engine_support::{opts, TestServer};
use sse::client::{Client, Next, Options};
use sse::error::ErrorKind;
use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const WAIT: Option<Duration> = Some(Duration::from_secs(10));

/// A forward proxy that answers plain requests itself with one event whose
/// data is the request line it received, and tunnels CONNECT to `upstream`.
fn proxy(upstream: SocketAddr, heads: Arc<Mutex<Vec<String>>>) -> RawServer {
    RawServer::spawn(move |mut s| {
        let head = raw::read_head(&mut s);
        heads.lock().unwrap().push(head.clone());
        let line = head.lines().next().unwrap_or("").to_string();
        if line.starts_with("CONNECT ") {
            if line.contains(":1 ") {
                let _ = s.write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n");
                return;
            }
            let up = TcpStream::connect(upstream).unwrap();
            s.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                .unwrap();
            let (mut a, mut b) = (s.try_clone().unwrap(), up.try_clone().unwrap());
            let t = std::thread::spawn(move || {
                let _ = std::io::copy(&mut a, &mut b);
                let _ = b.shutdown(std::net::Shutdown::Write);
            });
            let (mut up, mut s) = (up, s);
            let _ = std::io::copy(&mut up, &mut s);
            let _ = s.shutdown(std::net::Shutdown::Write);
            let _ = t.join();
        } else {
            let _ = s.write_all(raw::SSE_CHUNKED_HEAD);
            let _ = s.write_all(&raw::chunk(format!("data: {line}\n\n").as_bytes()));
            let _ = s.write_all(b"0\r\n\r\n");
            raw::hold(s);
        }
    })
}

fn first_data(stream: &sse::client::Stream) -> String {
    match stream.next(WAIT) {
        Next::Event(d) => d.event.data.as_str().to_string(),
        other => panic!("{other:?} {:?}", stream.error()),
    }
}

#[test]
fn proxies_explicit_and_from_the_environment() {
    let origin = TestServer::https();
    let plain = TestServer::http();
    let heads = Arc::new(Mutex::new(Vec::new()));
    let proxy = proxy(origin.addr, heads.clone());
    let proxy_url = format!("http://user:pw@127.0.0.1:{}", proxy.addr.port());

    // http:// through the proxy: absolute-form, no DNS on our side.
    let client = Client::new(opts(serde_json::json!({"proxy": proxy_url})));
    let stream = client
        .open(Options::url("http://origin.invalid:8080/events?x=1"))
        .unwrap();
    assert_eq!(
        first_data(&stream),
        "GET http://origin.invalid:8080/events?x=1 HTTP/1.1"
    );
    assert!(heads.lock().unwrap()[0]
        .to_ascii_lowercase()
        .contains("proxy-authorization: basic dxnlcjpwdw=="));

    // https:// through a CONNECT tunnel, TLS end to end with the origin.
    let port = origin.addr.port();
    let client = Client::new(opts(serde_json::json!({
        "proxy": proxy_url, "tls": {"ca_pem": origin.ca_pem()}
    })));
    let stream = client
        .open(Options::url(format!(
            "https://sse.test:{port}/events?count=2"
        )))
        .unwrap();
    assert_eq!(first_data(&stream), "1:xxxxxxxxxxxxxx");
    // The socket's peer is the proxy, not the origin.
    assert_eq!(stream.response().unwrap().remote_addr, Some(proxy.addr));
    assert!(heads.lock().unwrap()[1].starts_with(&format!("CONNECT sse.test:{port} HTTP/1.1")));

    // A refused CONNECT is a connect error that quotes the proxy.
    let e = client
        .open(Options::url("https://refuse.test:1/"))
        .err()
        .unwrap();
    assert_eq!(e.kind, ErrorKind::Connect);
    assert!(e.message.contains("407"), "{}", e.message);

    // From the environment, with NO_PROXY and `proxy: null` opting out.
    std::env::set_var(
        "HTTP_PROXY",
        format!("http://127.0.0.1:{}", proxy.addr.port()),
    );
    let client = Client::new(Options::default());
    let stream = client
        .open(Options::url("http://env.invalid/via-env"))
        .unwrap();
    assert_eq!(
        first_data(&stream),
        "GET http://env.invalid/via-env HTTP/1.1"
    );
    let before = proxy.accepted.load(std::sync::atomic::Ordering::SeqCst);
    let stream = client
        .open(opts(
            serde_json::json!({"url": plain.url("/events?count=1"), "proxy": null}),
        ))
        .unwrap();
    assert_eq!(first_data(&stream), "1:xxxxxxxxxxxxxx");
    // Loopback is never proxied from the environment (as in Go).
    let stream = client
        .open(Options::url(plain.url("/events?count=1")))
        .unwrap();
    assert_eq!(first_data(&stream), "1:xxxxxxxxxxxxxx");
    std::env::set_var("NO_PROXY", "localhost,.direct.invalid");
    let direct = Client::new(opts(serde_json::json!({
        "hosts": {"a.direct.invalid": plain.addr.to_string()}
    })));
    let stream = direct
        .open(Options::url("http://a.direct.invalid/events?count=1"))
        .unwrap();
    assert_eq!(first_data(&stream), "1:xxxxxxxxxxxxxx");
    assert_eq!(
        proxy.accepted.load(std::sync::atomic::Ordering::SeqCst),
        before
    );
    std::env::remove_var("HTTP_PROXY");
    std::env::remove_var("NO_PROXY");
}
