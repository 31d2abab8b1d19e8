//! `WakeFd`: a file descriptor a poller (epoll, kqueue, Go's netpoller,
//! poll(2)) can wait on. An eventfd on Linux; a non-blocking pipe on other
//! unix systems (macOS), or on Linux with the `pipe-wakeup` feature, which is
//! how CI tests the pipe code.
//!
//! It has no protocol of its own: its owner (a stream's queue or a poller)
//! calls `signal` when it turns ready and `clear` when it stops being ready,
//! both under the owner's lock, and keeps a flag so that it signals at most
//! once between two clears (see the protocol in `queue.rs` and `poller.rs`).
//! Readable means "signalled and not cleared since".

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

#[cfg(all(target_os = "linux", not(feature = "pipe-wakeup")))]
mod imp {
    use super::*;

    /// An eventfd: one fd, a counter that is readable while non-zero.
    pub(crate) struct WakeFd {
        fd: OwnedFd,
    }

    impl WakeFd {
        pub fn new() -> std::io::Result<WakeFd> {
            // SAFETY: eventfd has no pointer arguments; the result is checked.
            let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
            if fd < 0 {
                return Err(std::io::Error::last_os_error());
            }
            // SAFETY: `fd` is a fresh descriptor that nothing else owns.
            let fd = unsafe { OwnedFd::from_raw_fd(fd) };
            Ok(WakeFd { fd })
        }

        pub fn raw(&self) -> RawFd {
            self.fd.as_raw_fd()
        }

        pub fn signal(&self) {
            let one: u64 = 1;
            // SAFETY: writes 8 bytes from a valid u64 to our own eventfd. It
            // can only fail with EAGAIN at counter overflow, when it is
            // readable anyway.
            unsafe {
                libc::write(
                    self.fd.as_raw_fd(),
                    (&one as *const u64).cast(),
                    std::mem::size_of::<u64>(),
                )
            };
        }

        pub fn clear(&self) {
            let mut counter: u64 = 0;
            // SAFETY: reads 8 bytes into a valid u64 from our own
            // non-blocking eventfd; EAGAIN (already zero) is fine.
            unsafe {
                libc::read(
                    self.fd.as_raw_fd(),
                    (&mut counter as *mut u64).cast(),
                    std::mem::size_of::<u64>(),
                )
            };
        }
    }
}

#[cfg(not(all(target_os = "linux", not(feature = "pipe-wakeup"))))]
mod imp {
    use super::*;

    /// A pipe: readable while a byte is in it. Both ends are non-blocking
    /// and close-on-exec (set with fcntl: macOS has no pipe2).
    pub(crate) struct WakeFd {
        read: OwnedFd,
        write: OwnedFd,
    }

    fn configure(fd: RawFd) -> std::io::Result<()> {
        // SAFETY: fcntl on a descriptor we own, integer arguments only.
        let ok = unsafe {
            let fl = libc::fcntl(fd, libc::F_GETFL);
            fl >= 0
                && libc::fcntl(fd, libc::F_SETFL, fl | libc::O_NONBLOCK) == 0
                && libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) == 0
        };
        if ok {
            Ok(())
        } else {
            Err(std::io::Error::last_os_error())
        }
    }

    impl WakeFd {
        pub fn new() -> std::io::Result<WakeFd> {
            let mut fds = [0 as libc::c_int; 2];
            // SAFETY: `fds` has room for the two descriptors pipe writes.
            if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // SAFETY: both are fresh descriptors that nothing else owns.
            let (read, write) =
                unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
            configure(read.as_raw_fd())?;
            configure(write.as_raw_fd())?;
            Ok(WakeFd { read, write })
        }

        pub fn raw(&self) -> RawFd {
            self.read.as_raw_fd()
        }

        pub fn signal(&self) {
            let byte = 1u8;
            // SAFETY: writes one byte from a valid u8 to our own non-blocking
            // pipe. Owners signal at most once between clears, so the pipe
            // never fills; EAGAIN would mean it is readable anyway.
            unsafe { libc::write(self.write.as_raw_fd(), (&byte as *const u8).cast(), 1) };
        }

        pub fn clear(&self) {
            let mut buf = [0u8; 64];
            loop {
                // SAFETY: reads into a valid 64-byte buffer from our own
                // non-blocking pipe; stops at EAGAIN (empty).
                let n = unsafe {
                    libc::read(self.read.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len())
                };
                if n < buf.len() as isize {
                    break;
                }
            }
        }
    }
}

pub(crate) use imp::WakeFd;

/// The fd kept in `slot` by its owner (a stream's queue or a poller), made
/// on the first call; a new one is signalled at once when the owner is
/// `ready`, so it starts in the state the protocol says.
pub(crate) fn fd_in(slot: &mut Option<WakeFd>, ready: bool) -> std::io::Result<RawFd> {
    if let Some(fd) = slot {
        return Ok(fd.raw());
    }
    let fd = WakeFd::new()?;
    if ready {
        fd.signal();
    }
    Ok(slot.insert(fd).raw())
}

/// Whether `fd` is readable within `ms` milliseconds (tests only).
#[cfg(test)]
pub(crate) fn readable(fd: RawFd, ms: i32) -> bool {
    let mut p = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd, count 1.
    unsafe { libc::poll(&mut p, 1, ms) == 1 }
}

#[cfg(test)]
mod tests {
    use super::{readable, WakeFd};

    #[test]
    fn signal_makes_it_readable_and_clear_unreadable() {
        let w = WakeFd::new().unwrap();
        assert!(!readable(w.raw(), 0));
        w.signal();
        assert!(readable(w.raw(), 0));
        assert!(readable(w.raw(), 0), "level: stays readable until cleared");
        w.clear();
        assert!(!readable(w.raw(), 0));
        w.clear();
        assert!(!readable(w.raw(), 0), "clearing twice is harmless");
        w.signal();
        assert!(readable(w.raw(), 0));
    }

    #[test]
    fn the_fd_is_a_pipe_exactly_when_the_pipe_path_is_built() {
        let w = WakeFd::new().unwrap();
        // SAFETY: an all-zero `stat` is a valid value to be overwritten.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: fstat on our own descriptor into a valid `stat`.
        assert_eq!(unsafe { libc::fstat(w.raw(), &mut st) }, 0);
        let fifo = st.st_mode & libc::S_IFMT == libc::S_IFIFO;
        let pipe_build = cfg!(any(not(target_os = "linux"), feature = "pipe-wakeup"));
        assert_eq!(fifo, pipe_build);
    }

    #[test]
    fn descriptors_are_close_on_exec_and_non_blocking() {
        let w = WakeFd::new().unwrap();
        // SAFETY: fcntl queries on our own descriptor.
        let (fd_flags, fl_flags) = unsafe {
            (
                libc::fcntl(w.raw(), libc::F_GETFD),
                libc::fcntl(w.raw(), libc::F_GETFL),
            )
        };
        assert!(fd_flags & libc::FD_CLOEXEC != 0);
        assert!(fl_flags & libc::O_NONBLOCK != 0);
    }
}
