//! In-process servers for the engine tests, on 127.0.0.1 with a port the
//! OS picks. `TestServer` is a hyper HTTP/1.1 (+ HTTP/2 over TLS) server
//! with SSE routes; `RawServer` plays a fixed script per connection for
//! faults hyper would not produce. Both stop when dropped.
#![allow(dead_code)]

pub mod certs;
pub mod raw;
pub mod routes;

use bytes::Bytes;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::runtime::Runtime;

/// Counters the routes update, read by tests.
#[derive(Default)]
pub struct Stats {
    pub accepted: AtomicUsize,
    /// Bytes handed to hyper by the `/flood` route.
    pub flood_bytes: AtomicU64,
}

pub struct TestServer {
    pub addr: SocketAddr,

    pub stats: Arc<Stats>,
    pub tls: Option<certs::TestCerts>,
    rt: Option<Runtime>,
}

impl TestServer {
    /// Plain HTTP/1.1.
    pub fn http() -> TestServer {
        Self::spawn(None)
    }

    /// HTTPS; ALPN offers h2 and http/1.1.
    pub fn https() -> TestServer {
        Self::spawn(Some(certs::TestCerts::new(&[
            "localhost",
            "127.0.0.1",
            "sse.test",
        ])))
    }

    /// HTTPS whose HTTP/2 allows only `n` concurrent streams per connection.
    pub fn https_max_streams(n: u32) -> TestServer {
        let certs = certs::TestCerts::new(&["localhost", "127.0.0.1", "sse.test"]);
        Self::spawn_with(Some(certs), Some(n))
    }

    /// HTTPS that requires a client certificate signed by its CA.
    pub fn https_client_auth() -> TestServer {
        let mut certs = certs::TestCerts::new(&["localhost", "127.0.0.1", "sse.test"]);
        certs.require_client_cert = true;
        Self::spawn(Some(certs))
    }

    fn spawn(tls: Option<certs::TestCerts>) -> TestServer {
        Self::spawn_with(tls, None)
    }

    fn spawn_with(tls: Option<certs::TestCerts>, max_streams: Option<u32>) -> TestServer {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let stats = Arc::new(Stats::default());
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let acceptor = tls.as_ref().map(|c| c.acceptor());
        let st = stats.clone();
        rt.spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                st.accepted.fetch_add(1, Ordering::SeqCst);
                // Without it, Nagle + delayed ACK hold the last chunk 40 ms.
                let _ = tcp.set_nodelay(true);
                let st = st.clone();
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let svc = service_fn(move |req| routes::route(req, st.clone()));
                    let mut builder =
                        hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                    if let Some(n) = max_streams {
                        builder.http2().max_concurrent_streams(n);
                    }
                    match acceptor {
                        None => {
                            let _ = builder.serve_connection(TokioIo::new(tcp), svc).await;
                        }
                        Some(acc) => {
                            let Ok(tls) = acc.accept(tcp).await else {
                                return;
                            };
                            let _ = builder.serve_connection(TokioIo::new(tls), svc).await;
                        }
                    }
                });
            }
        });
        TestServer {
            addr,
            stats,
            tls,
            rt: Some(rt),
        }
    }

    pub fn url(&self, path: &str) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}{path}", self.addr.port())
    }

    pub fn accepted(&self) -> usize {
        self.stats.accepted.load(Ordering::SeqCst)
    }

    pub fn ca_pem(&self) -> String {
        self.tls
            .as_ref()
            .map(|c| c.ca_pem.clone())
            .unwrap_or_default()
    }

    /// A client that trusts this server's test CA.
    pub fn trusting_client(&self) -> sse::client::Client {
        sse::client::Client::new(opts(serde_json::json!({"tls": {"ca_pem": self.ca_pem()}})))
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

/// Body made of chunks sent through a channel; the route's task blocks on
/// the channel when the client stops reading (back-pressure end to end).
pub struct ChanBody {
    pub rx: tokio::sync::mpsc::Receiver<Bytes>,
}

impl hyper::body::Body for ChanBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;
    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, Self::Error>>> {
        self.rx
            .poll_recv(cx)
            .map(|o| o.map(|b| Ok(hyper::body::Frame::data(b))))
    }
}

/// Open file descriptors of this process.
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0)
}

/// Open file descriptors once closing has settled: waits (10 s at most)
/// until there are no more than `limit`, and returns the last count.
/// Closing is asynchronous on both sides of a connection.
pub fn open_fds_settled(limit: usize) -> usize {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut now = open_fds();
    while now > limit && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
        now = open_fds();
    }
    now
}

/// A port nothing listens on (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Options from a JSON value, as the C ABI and the Go shim pass them.
pub fn opts(json: serde_json::Value) -> sse::client::Options {
    sse::client::Options::from_json(json.to_string().as_bytes()).unwrap()
}

/// Reads events until the stream stops (waiting at most 10 s for each);
/// returns their data and the final state.
pub fn collect(stream: &sse::client::Stream) -> (Vec<String>, sse::client::Next) {
    let mut out = Vec::new();
    loop {
        match stream.next(Some(std::time::Duration::from_secs(10))) {
            sse::client::Next::Event(d) => out.push(d.event.data.as_str().to_string()),
            other => return (out, other),
        }
    }
}
