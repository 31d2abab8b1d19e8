//! A counting adapter at the socket: every byte read or written on the wire
//! (HTTP headers and TLS records included) is counted, and the time of the
//! first read after a mark is kept so "first byte" is exact.

use crate::timing::now_ns;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Per-connection counters, and the peer address. A stream on an HTTP/1.1
/// connection owns the connection while it runs, so deltas of these are
/// exactly its bytes. The pool keeps this with the connection, so a stream
/// on a reused one still learns whom it talks to.
#[derive(Default, Debug)]
pub(crate) struct ConnCounters {
    /// The socket's remote address (the proxy's, through a proxy).
    pub remote_addr: Option<std::net::SocketAddr>,
    pub read: AtomicU64,
    pub written: AtomicU64,
    /// `now_ns()` of the first read with data since `arm_first_read`; 0 = none yet.
    pub first_read_ns: AtomicU64,
    /// `now_ns()` of the most recent write.
    pub last_write_ns: AtomicU64,
}

impl ConnCounters {
    pub fn arm_first_read(&self) {
        self.first_read_ns.store(0, Ordering::Relaxed);
    }
    pub fn read(&self) -> u64 {
        self.read.load(Ordering::Relaxed)
    }
    pub fn written(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }
}

/// Wraps the TCP socket.
pub(crate) struct CountingIo<T> {
    inner: T,
    counters: Arc<ConnCounters>,
}

impl<T> CountingIo<T> {
    pub fn new(inner: T, counters: Arc<ConnCounters>) -> Self {
        CountingIo { inner, counters }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for CountingIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        let n = (buf.filled().len() - before) as u64;
        if n > 0 {
            let c = &self.counters;
            c.read.fetch_add(n, Ordering::Relaxed);
            if c.first_read_ns.load(Ordering::Relaxed) == 0 {
                c.first_read_ns.store(now_ns(), Ordering::Relaxed);
            }
        }
        r
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for CountingIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = &r {
            self.note_written(*n);
        }
        r
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n)) = &r {
            self.note_written(*n);
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl<T> CountingIo<T> {
    fn note_written(&self, n: usize) {
        if n > 0 {
            self.counters.written.fetch_add(n as u64, Ordering::Relaxed);
            self.counters
                .last_write_ns
                .store(now_ns(), Ordering::Relaxed);
        }
    }
}

/// Any connection we hand to hyper: plain TCP, TLS, through a tunnel.
pub(crate) trait Io: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Io for T {}

pub(crate) type BoxIo = Box<dyn Io>;
