//! Binding, the accept loop, and the in-process handle.

use std::io;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use crate::config::Config;
use crate::conn::{ConnCtl, FaultIo};
use crate::router::{self, ServerCtx};
use crate::tls;
use crate::truth::TruthLog;

/// A bound, not yet running server.
pub struct Bound {
    listener: std::net::TcpListener,
    addr: SocketAddr,
    ctx: Arc<ServerCtx>,
    tls: Option<TlsAcceptor>,
    ca_pem: Option<String>,
}

/// Binds the port, makes the certificate, opens the truth log. No runtime needed.
pub fn bind(config: Config) -> io::Result<Bound> {
    let listener = std::net::TcpListener::bind((config.host, config.port))?;
    // std listens with a backlog of 128; thousands of clients connecting at
    // once (the 10k-stream benchmark) need more. Linux applies a new backlog
    // when listen() is called again on a listening socket.
    // SAFETY: the fd is the listener's own, open socket; listen() only reads it.
    unsafe {
        libc::listen(listener.as_raw_fd(), 4096);
    }
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let (tls, ca_pem) = if config.tls {
        let t = tls::generate(&config.host.to_string())?;
        if let Some(path) = &config.cert_out {
            std::fs::write(path, &t.ca_pem)?;
        }
        (Some(t.acceptor), Some(t.ca_pem))
    } else {
        (None, None)
    };
    let truth = match &config.truth_log {
        Some(p) => Some(TruthLog::create(p)?),
        None => None,
    };
    Ok(Bound {
        listener,
        addr,
        ctx: Arc::new(ServerCtx::new(config, truth)),
        tls,
        ca_pem,
    })
}

impl Bound {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` or `https://…`.
    pub fn url(&self) -> String {
        url(self.addr, self.tls.is_some())
    }

    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// Serves until `shutdown` turns true (or its sender is dropped); then
    /// every open connection is dropped. Must run inside a tokio runtime.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) -> io::Result<()> {
        let listener = TcpListener::from_std(self.listener)?;
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder.http1().timer(TokioTimer::new()).keep_alive(true);
        builder
            .http2()
            .timer(TokioTimer::new())
            .max_concurrent_streams(Some(100_000));
        let builder = Arc::new(builder);
        loop {
            let accepted = tokio::select! {
                a = listener.accept() => a,
                _ = shutdown.wait_for(|stop| *stop) => break,
            };
            let stream = match accepted {
                Ok((s, _)) => s,
                Err(_) => {
                    // Out of file descriptors or a connection aborted before
                    // accept: back off briefly and keep serving.
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    continue;
                }
            };
            let conn = Connection {
                ctx: self.ctx.clone(),
                tls: self.tls.clone(),
                builder: builder.clone(),
            };
            let stop = shutdown.clone();
            tokio::spawn(conn.serve(stream, stop));
        }
        Ok(())
    }
}

struct Connection {
    ctx: Arc<ServerCtx>,
    tls: Option<TlsAcceptor>,
    builder: Arc<auto::Builder<TokioExecutor>>,
}

impl Connection {
    async fn serve(self, stream: TcpStream, mut stop: watch::Receiver<bool>) {
        // Latency over packet count: events leave as soon as they are written.
        let _ = stream.set_nodelay(true);
        let ctl = ConnCtl::new(stream.as_raw_fd());
        let ctx = self.ctx;
        let svc_ctl = ctl.clone();
        let service = service_fn(move |req| router::handle(req, ctx.clone(), svc_ctl.clone()));
        let serve = async {
            match self.tls {
                None => {
                    let io = TokioIo::new(FaultIo::new(stream, ctl));
                    let _ = self.builder.serve_connection(io, service).await;
                }
                Some(acceptor) => {
                    let hs = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream));
                    if let Ok(Ok(tls)) = hs.await {
                        let io = TokioIo::new(FaultIo::new(tls, ctl));
                        let _ = self.builder.serve_connection(io, service).await;
                    }
                }
            }
        };
        tokio::select! {
            _ = serve => {}
            _ = stop.wait_for(|s| *s) => {}
        }
    }
}

fn url(addr: SocketAddr, tls: bool) -> String {
    let scheme = if tls { "https" } else { "http" };
    format!("{scheme}://{addr}")
}

/// A server running on its own thread and runtime; stops when dropped.
pub struct ServerHandle {
    addr: SocketAddr,
    url: String,
    ca_pem: Option<String>,
    stop: Option<watch::Sender<bool>>,
    thread: Option<JoinHandle<()>>,
}

impl ServerHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The CA certificate (PEM) to trust, when serving TLS.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// Stops the server and waits for its thread.
    pub fn shutdown(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(true);
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.stop_now();
    }
}

/// Starts a server on a thread of its own (own runtime, `config.worker_threads`
/// workers), usable from sync and async code alike.
pub fn try_spawn(config: Config) -> io::Result<ServerHandle> {
    let threads = config.worker_threads.max(1);
    let bound = bind(config)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .thread_name("sse-testserver")
        .enable_all()
        .build()?;
    let (tx, rx) = watch::channel(false);
    let (addr, url) = (bound.addr(), bound.url());
    let ca_for_handle = bound.ca_pem().map(str::to_owned);
    let thread = std::thread::Builder::new()
        .name("sse-testserver-main".into())
        .spawn(move || {
            let _ = runtime.block_on(bound.run(rx));
            // Streams still open are dropped with the runtime.
            runtime.shutdown_timeout(Duration::from_secs(1));
        })?;
    Ok(ServerHandle {
        addr,
        url,
        ca_pem: ca_for_handle,
        stop: Some(tx),
        thread: Some(thread),
    })
}

/// [`try_spawn`] for tests: panics with the reason if the server cannot start
/// (a test cannot go on without its server).
pub fn spawn(config: Config) -> ServerHandle {
    match try_spawn(config) {
        Ok(h) => h,
        Err(e) => panic!("sse-testserver failed to start: {e}"),
    }
}
