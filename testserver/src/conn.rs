//! Per-connection control used by faults that must act below HTTP:
//! a TCP reset (SO_LINGER 0) and raw bytes replacing hyper's output
//! (broken chunked encoding).

use std::io;
use std::os::fd::RawFd;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Shared between a connection's IO wrapper and the bodies it serves.
pub struct ConnCtl {
    fd: RawFd,
    armed: AtomicBool,
    inject: Mutex<Option<Bytes>>,
}

impl ConnCtl {
    pub fn new(fd: RawFd) -> Arc<ConnCtl> {
        Arc::new(ConnCtl {
            fd,
            armed: AtomicBool::new(false),
            inject: Mutex::new(None),
        })
    }

    /// From the next write on, hyper's output is replaced by `raw`, then
    /// swallowed: the peer sees `raw` where the next HTTP bytes should be.
    pub fn replace_output(&self, raw: Bytes) {
        if let Ok(mut slot) = self.inject.lock() {
            *slot = Some(raw);
        }
        self.armed.store(true, Ordering::Release);
    }

    /// Makes the coming close of this socket send a TCP RST instead of a FIN.
    pub fn reset_on_close(&self) {
        let linger = libc::linger {
            l_onoff: 1,
            l_linger: 0,
        };
        // SAFETY: `fd` is the connection's socket, open for as long as any
        // body of that connection (which holds this ConnCtl) is alive; the
        // option value is a valid `linger` whose size we pass.
        unsafe {
            libc::setsockopt(
                self.fd,
                libc::SOL_SOCKET,
                libc::SO_LINGER,
                &linger as *const libc::linger as *const libc::c_void,
                std::mem::size_of::<libc::linger>() as libc::socklen_t,
            );
        }
    }
}

/// The connection's IO as hyper sees it; normally a pass-through.
pub struct FaultIo<T> {
    inner: T,
    ctl: Arc<ConnCtl>,
    /// Raw bytes still to write in place of hyper's.
    pending: Option<Bytes>,
    swallowing: bool,
}

impl<T> FaultIo<T> {
    pub fn new(inner: T, ctl: Arc<ConnCtl>) -> FaultIo<T> {
        FaultIo {
            inner,
            ctl,
            pending: None,
            swallowing: false,
        }
    }
}

impl<T: AsyncWrite + Unpin> FaultIo<T> {
    /// Ok(true) once the injected bytes are out and hyper's write of `len`
    /// bytes should be reported as done.
    fn poll_injected(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<bool>> {
        if !self.swallowing && self.ctl.armed.load(Ordering::Acquire) {
            self.pending = self.ctl.inject.lock().ok().and_then(|mut s| s.take());
            self.swallowing = true;
        }
        if !self.swallowing {
            return Poll::Ready(Ok(false));
        }
        while let Some(raw) = self.pending.as_mut() {
            if raw.is_empty() {
                self.pending = None;
                break;
            }
            match Pin::new(&mut self.inner).poll_write(cx, raw) {
                Poll::Ready(Ok(n)) => raw.advance(n),
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Ok(true))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for FaultIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for FaultIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match this.poll_injected(cx) {
            Poll::Ready(Ok(false)) => Pin::new(&mut this.inner).poll_write(cx, buf),
            Poll::Ready(Ok(true)) => Poll::Ready(Ok(buf.len())),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match this.poll_injected(cx) {
            Poll::Ready(Ok(false)) => Pin::new(&mut this.inner).poll_write_vectored(cx, bufs),
            Poll::Ready(Ok(true)) => Poll::Ready(Ok(bufs.iter().map(|b| b.len()).sum())),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
