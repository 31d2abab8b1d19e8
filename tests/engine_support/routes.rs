//! SSE routes of `TestServer`.

use super::{ChanBody, Stats};
use bytes::Bytes;
use hyper::body::Incoming;
use hyper::{Request, Response};
use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

fn query(req: &Request<Incoming>) -> HashMap<String, String> {
    req.uri()
        .query()
        .unwrap_or("")
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// `%XX` escapes decoded (query values of the `/redirect` route).
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (b[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn num(q: &HashMap<String, String>, k: &str, d: u64) -> u64 {
    q.get(k).and_then(|v| v.parse().ok()).unwrap_or(d)
}

/// Event `i`: data `"<i>:"` padded with `x` to `size` bytes.
pub fn event_text(i: u64, size: usize) -> String {
    let mut data = format!("{i}:");
    while data.len() < size {
        data.push('x');
    }
    format!("data: {data}\n\n")
}

fn sse(status: u16, rx: tokio::sync::mpsc::Receiver<Bytes>) -> Response<ChanBody> {
    Response::builder()
        .status(status)
        .header("content-type", "text/event-stream")
        .body(ChanBody { rx })
        .unwrap()
}

pub async fn route(
    req: Request<Incoming>,
    stats: Arc<Stats>,
) -> Result<Response<ChanBody>, std::convert::Infallible> {
    let q = query(&req);
    let path = req.uri().path().to_string();
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(1);
    let resp = match path.as_str() {
        // N events (count=0: endless), optional gap, then a clean end.
        "/events" => {
            let count = num(&q, "count", 10);
            let size = num(&q, "size", 16) as usize;
            let interval = Duration::from_millis(num(&q, "interval_ms", 0));
            tokio::spawn(async move {
                let mut i = 1;
                while count == 0 || i <= count {
                    if !interval.is_zero() {
                        tokio::time::sleep(interval).await;
                    }
                    if tx.send(Bytes::from(event_text(i, size))).await.is_err() {
                        return;
                    }
                    i += 1;
                }
            });
            sse(200, rx)
        }
        // Events as fast as the client takes them; counts what was produced.
        "/flood" => {
            tokio::spawn(async move {
                let mut block = String::new();
                for i in 0..64 {
                    block.push_str(&event_text(i, 32));
                }
                let block = Bytes::from(block);
                loop {
                    if tx.send(block.clone()).await.is_err() {
                        return;
                    }
                    stats
                        .flood_bytes
                        .fetch_add(block.len() as u64, Ordering::SeqCst);
                }
            });
            sse(200, rx)
        }
        // `after` events, then silence with the connection open.
        "/stall" => {
            let after = num(&q, "after", 1);
            tokio::spawn(async move {
                for i in 1..=after {
                    if tx.send(Bytes::from(event_text(i, 16))).await.is_err() {
                        return;
                    }
                }
                tx.closed().await;
            });
            sse(200, rx)
        }
        // Headers only after `ms` milliseconds.
        "/slow-headers" => {
            tokio::time::sleep(Duration::from_millis(num(&q, "ms", 1000))).await;
            drop(tx);
            sse(200, rx)
        }
        // Request facts as events: method, user-agent, accept, x-test, body.
        "/echo" => {
            let h = |n: &str| {
                req.headers()
                    .get(n)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string()
            };
            let mut text = String::new();
            for (name, value) in [
                ("method", req.method().to_string()),
                ("user-agent", h("user-agent")),
                ("accept", h("accept")),
                ("x-test", h("x-test")),
                ("host", h("host")),
                ("authorization", h("authorization")),
                ("cookie", h("cookie")),
                ("referer", h("referer")),
                ("content-type", h("content-type")),
            ] {
                text.push_str(&format!("event: {name}\ndata: {value}\n\n"));
            }
            let body = http_body_util::BodyExt::collect(req.into_body())
                .await
                .map(|c| c.to_bytes())
                .unwrap_or_default();
            text.push_str(&format!(
                "event: body\ndata: {}\n\n",
                String::from_utf8_lossy(&body)
            ));
            tokio::spawn(async move {
                let _ = tx.send(Bytes::from(text)).await;
            });
            sse(200, rx)
        }
        // gzip-compressed events (with Content-Encoding: gzip).
        "/gzip" => {
            let count = num(&q, "count", 5);
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            for i in 1..=count {
                enc.write_all(event_text(i, 16).as_bytes()).unwrap();
            }
            let gz = enc.finish().unwrap();
            tokio::spawn(async move {
                // Two pieces so decoding spans chunks.
                let mid = gz.len() / 2;
                let _ = tx.send(Bytes::copy_from_slice(&gz[..mid])).await;
                let _ = tx.send(Bytes::copy_from_slice(&gz[mid..])).await;
            });
            let mut r = sse(200, rx);
            r.headers_mut()
                .insert("content-encoding", "gzip".parse().unwrap());
            return Ok(r);
        }
        // A gzip-compressed error body.
        "/gzip-error" => {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            enc.write_all(b"quota exceeded").unwrap();
            let gz = enc.finish().unwrap();
            tokio::spawn(async move {
                let _ = tx.send(Bytes::from(gz)).await;
            });
            let mut r = sse(429, rx);
            r.headers_mut()
                .insert("content-encoding", "gzip".parse().unwrap());
            return Ok(r);
        }
        // A 2xx that is not an event stream.
        "/plain" => {
            tokio::spawn(async move {
                let _ = tx.send(Bytes::from_static(b"data: hello\n\n")).await;
            });
            let mut r = sse(200, rx);
            r.headers_mut()
                .insert("content-type", "text/plain".parse().unwrap());
            return Ok(r);
        }
        // A redirect: `status` (default 302) to `to` (percent-decoded);
        // without `to`, to itself (an endless chain); answered after `ms`.
        "/redirect" => {
            tokio::time::sleep(Duration::from_millis(num(&q, "ms", 0))).await;
            let to = match q.get("to") {
                Some(to) => percent_decode(to),
                None => req.uri().to_string(),
            };
            drop(tx);
            let r = Response::builder()
                .status(num(&q, "status", 302) as u16)
                .header("location", to)
                .header("content-type", "text/plain")
                .body(ChanBody { rx })
                .unwrap();
            return Ok(r);
        }
        p if p.starts_with("/status/") => {
            let code: u16 = p["/status/".len()..].parse().unwrap_or(500);
            let body = q
                .get("body")
                .cloned()
                .unwrap_or_default()
                .replace("%20", " ");
            tokio::spawn(async move {
                let _ = tx.send(Bytes::from(body)).await;
            });
            let mut r = sse(code, rx);
            r.headers_mut()
                .insert("content-type", "text/plain".parse().unwrap());
            return Ok(r);
        }
        _ => {
            drop(tx);
            let mut r = sse(404, rx);
            r.headers_mut()
                .insert("content-type", "text/plain".parse().unwrap());
            r
        }
    };
    Ok(resp)
}
