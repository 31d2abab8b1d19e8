//! The per-stream eventfd: readable while events are queued, after the open
//! completed, or once the stream ended. Pollers (Go's netpoller, epoll in C)
//! park on it instead of pinning a thread per stream.
//!
//! Protocol (no lost wakeup): producers push to the queue *then* `signal()`;
//! `signal()` writes only on the false→true edge of `signaled`. A consumer
//! that finds the queue empty calls `clear(recheck)`: it lowers `signaled`,
//! drains the counter, and then re-checks; anything pushed before the
//! re-check is seen by it, anything pushed after finds `signaled` false and
//! writes again.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};

pub(crate) struct Wakeup {
    fd: OwnedFd,
    signaled: AtomicBool,
}

impl Wakeup {
    pub fn new() -> std::io::Result<Wakeup> {
        // SAFETY: eventfd has no pointer arguments; we check the result.
        let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: `fd` is a fresh descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(Wakeup {
            fd,
            signaled: AtomicBool::new(false),
        })
    }

    pub fn raw(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    fn write(&self) {
        let one: u64 = 1;
        // SAFETY: writes 8 bytes from a valid u64 to our own eventfd. It can
        // only fail with EAGAIN at counter overflow, when it is readable anyway.
        unsafe {
            libc::write(
                self.fd.as_raw_fd(),
                (&one as *const u64).cast(),
                std::mem::size_of::<u64>(),
            )
        };
    }

    /// Make the fd readable (cheap when it already is).
    pub fn signal(&self) {
        if !self.signaled.swap(true, Ordering::SeqCst) {
            self.write();
        }
    }

    /// Make the fd readable unconditionally.
    pub fn force(&self) {
        self.signaled.store(true, Ordering::SeqCst);
        self.write();
    }

    /// Consumer found nothing to do: make the fd unreadable unless
    /// `still_ready()` says otherwise after the reset.
    pub fn clear(&self, still_ready: impl Fn() -> bool) {
        // Always drain: a write racing an earlier clear may have left the
        // counter up while `signaled` is false.
        self.signaled.store(false, Ordering::SeqCst);
        let mut buf: u64 = 0;
        // SAFETY: reads 8 bytes into a valid u64 from our own non-blocking
        // eventfd; EAGAIN (already zero) is fine.
        unsafe {
            libc::read(
                self.fd.as_raw_fd(),
                (&mut buf as *mut u64).cast(),
                std::mem::size_of::<u64>(),
            )
        };
        if still_ready() {
            self.force();
        }
    }
}
