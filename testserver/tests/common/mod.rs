//! A plain test client (hyper's HTTP/1.1 client connection, or raw TCP) —
//! deliberately not libsse, which is tested against this server.
#![allow(dead_code)] // each test file uses a different part

use std::net::SocketAddr;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::{HeaderMap, Request};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Every test step is bounded by this.
pub const LIMIT: Duration = Duration::from_secs(20);

pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// Body frames received (chunks, for HTTP/1.1 chunked).
    pub frames: usize,
    /// Set when the body ended in an error.
    pub body_error: Option<String>,
}

impl Resp {
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("body is UTF-8")
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("body is JSON")
    }
}

/// One request on a fresh HTTP/1.1 connection; reads the whole body.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Resp {
    tokio::time::timeout(LIMIT, request_inner(addr, method, path, headers, body))
        .await
        .expect("request finished in time")
}

pub async fn get(addr: SocketAddr, path: &str) -> Resp {
    request(addr, "GET", path, &[], "").await
}

async fn request_inner(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Resp {
    let tcp = TcpStream::connect(addr).await.expect("connect");
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
        .await
        .expect("handshake");
    tokio::spawn(conn);
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("host", addr.to_string());
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req
        .body(Full::new(Bytes::from(body.to_owned())))
        .expect("request");
    let resp = sender.send_request(req).await.expect("response");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let mut body = resp.into_body();
    let mut buf = BytesMut::new();
    let mut frames = 0;
    let mut body_error = None;
    while let Some(f) = body.frame().await {
        match f {
            Ok(f) => {
                if let Ok(d) = f.into_data() {
                    frames += 1;
                    buf.extend_from_slice(&d);
                }
            }
            Err(e) => {
                body_error = Some(e.to_string());
                break;
            }
        }
    }
    Resp {
        status,
        headers,
        body: buf.freeze(),
        frames,
        body_error,
    }
}

/// Sends `raw` on a fresh TCP connection and reads until EOF or an error.
pub async fn raw(addr: SocketAddr, raw: &str) -> (Vec<u8>, Option<std::io::Error>) {
    tokio::time::timeout(LIMIT, async {
        let mut tcp = TcpStream::connect(addr).await.expect("connect");
        tcp.write_all(raw.as_bytes()).await.expect("write");
        let mut out = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            match tcp.read(&mut buf).await {
                Ok(0) => return (out, None),
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(e) => return (out, Some(e)),
            }
        }
    })
    .await
    .expect("raw exchange finished in time")
}

/// `GET path` as a raw HTTP/1.1 request that closes the connection.
pub fn raw_get(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n")
}

/// The data lines of each `data: …` event block (test-side, for JSON chunks).
pub fn data_events(body: &str) -> Vec<String> {
    body.split("\n\n")
        .filter(|b| !b.is_empty())
        .map(|b| {
            b.lines()
                .filter_map(|l| l.strip_prefix("data: "))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect()
}

pub fn server() -> sse_testserver::ServerHandle {
    sse_testserver::spawn(sse_testserver::Config::default())
}

/// Each event block's `event:` name (empty when absent) and its data lines
/// joined by LF (test-side, for the formats that name their events).
pub fn named_events(body: &str) -> Vec<(String, String)> {
    body.split("\n\n")
        .filter(|b| !b.is_empty())
        .map(|b| {
            let name = b
                .lines()
                .find_map(|l| l.strip_prefix("event: "))
                .unwrap_or("")
                .to_owned();
            let data = b
                .lines()
                .filter_map(|l| l.strip_prefix("data: "))
                .collect::<Vec<_>>()
                .join("\n");
            (name, data)
        })
        .collect()
}
