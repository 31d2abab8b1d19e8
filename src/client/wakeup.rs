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

#[cfg(test)]
mod tests {
    use super::Wakeup;
    use std::os::fd::RawFd;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    fn readable(fd: RawFd, ms: i32) -> bool {
        let mut p = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd, count 1.
        unsafe { libc::poll(&mut p, 1, ms) == 1 }
    }

    /// A producer racing a consumer that parks on the fd whenever it finds
    /// the queue empty: every item must arrive without a poll timing out.
    #[test]
    fn no_wakeup_is_lost_under_a_race() {
        const N: usize = 20_000;
        let w = Arc::new(Wakeup::new().unwrap());
        let (tx, rx) = crossbeam_channel::unbounded::<usize>();
        let done = Arc::new(AtomicBool::new(false));
        let (w2, d2) = (w.clone(), done.clone());
        let producer = std::thread::spawn(move || {
            for i in 0..N {
                tx.send(i).unwrap();
                w2.signal();
                if i % 64 == 0 {
                    std::thread::yield_now();
                }
            }
            d2.store(true, Ordering::SeqCst);
            w2.force();
        });
        let mut got = 0;
        loop {
            assert!(readable(w.raw(), 5000), "lost wakeup after {got} items");
            while rx.try_recv().is_ok() {
                got += 1;
            }
            if got == N && done.load(Ordering::SeqCst) {
                break;
            }
            w.clear(|| !rx.is_empty() || done.load(Ordering::SeqCst));
        }
        producer.join().unwrap();
        assert_eq!(got, N);
        assert!(
            readable(w.raw(), 0),
            "a finished producer leaves it readable"
        );
    }

    #[test]
    fn clear_makes_it_unreadable_when_idle() {
        let w = Wakeup::new().unwrap();
        assert!(!readable(w.raw(), 0));
        w.signal();
        w.signal();
        assert!(readable(w.raw(), 0));
        w.clear(|| false);
        assert!(!readable(w.raw(), 0));
        w.clear(|| true);
        assert!(readable(w.raw(), 0));
    }
}
