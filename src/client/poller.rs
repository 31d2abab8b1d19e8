//! `Poller`: a wait set shared by any number of streams (of any clients).
//! Each attached stream has a caller-chosen `u64` token; when the stream
//! turns ready its token joins the poller's ready list, and the caller takes
//! the tokens in batches. One fd (made on first request) is readable while
//! the list is not empty; `wait` blocks without any fd.
//!
//! Protocol (no lost wake-up, no duplicate token):
//! - A stream queues its token when it turns ready: the false→true edge of
//!   its `signaled` flag, under the stream's lock (`queue.rs`). The flag
//!   falls only when a read leaves the stream with nothing to do, so the
//!   token is not queued again until the stream has been drained.
//! - Each attachment's `queued` flag (read and written under this poller's
//!   lock) keeps its token in the list at most once: a stream drained and
//!   ready again before its token was taken finds it still there.
//! - The list, the fd and the waiter count live under this poller's lock.
//!   `push` signals the fd on the empty→non-empty edge and wakes blocked
//!   waiters; `take` clears the fd when it empties the list. Both run under
//!   the lock, so the fd is readable exactly while the list is non-empty.
//! - Lock order: a stream's lock, then the poller's; the poller never takes
//!   a stream's lock.

use super::sleep::sleep_until;
use super::wakeup::{self, WakeFd};
use std::collections::VecDeque;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

/// A wait set for many streams: one fd, a ready list of tokens.
/// Cheap to clone (clones share the list). `Send + Sync`.
#[derive(Clone, Default)]
pub struct Poller {
    shared: Arc<PollerShared>,
}

#[derive(Default)]
pub(crate) struct PollerShared {
    state: Mutex<PollerState>,
    ready: Condvar,
}

/// One stream's place in a poller: its token, and whether it is in the
/// ready list now.
pub(crate) struct Attachment {
    token: u64,
    /// Only read and written under the poller's lock (atomic for `Sync`).
    queued: AtomicBool,
}

impl Attachment {
    pub fn new(token: u64) -> Attachment {
        Attachment {
            token,
            queued: AtomicBool::new(false),
        }
    }
}

#[derive(Default)]
struct PollerState {
    /// Ready streams in the order they turned ready.
    tokens: VecDeque<Arc<Attachment>>,
    fd: Option<WakeFd>,
    waiters: usize,
}

impl PollerShared {
    fn lock(&self) -> MutexGuard<'_, PollerState> {
        // The state is a list and an fd; a panic elsewhere cannot break it.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A stream turned ready (called under that stream's lock).
    pub(crate) fn push(&self, attachment: &Arc<Attachment>) {
        let mut state = self.lock();
        if attachment.queued.swap(true, Ordering::Relaxed) {
            return;
        }
        let was_empty = state.tokens.is_empty();
        state.tokens.push_back(attachment.clone());
        if was_empty {
            if let Some(fd) = &state.fd {
                fd.signal();
            }
        }
        let wake = state.waiters > 0;
        drop(state);
        if wake {
            self.ready.notify_one();
        }
    }

    /// A stream detached or closed: its queued token (if any) is withdrawn.
    pub(crate) fn withdraw(&self, attachment: &Arc<Attachment>) {
        let mut state = self.lock();
        if !attachment.queued.swap(false, Ordering::Relaxed) {
            return;
        }
        state.tokens.retain(|a| !Arc::ptr_eq(a, attachment));
        if state.tokens.is_empty() {
            if let Some(fd) = &state.fd {
                fd.clear();
            }
        }
    }
}

impl Poller {
    pub fn new() -> Poller {
        Poller::default()
    }

    pub(crate) fn downgrade(&self) -> Weak<PollerShared> {
        Arc::downgrade(&self.shared)
    }

    pub(crate) fn shared(&self) -> &PollerShared {
        &self.shared
    }

    /// The poller's fd, made on the first call: readable while tokens are
    /// ready. Owned by the poller: never close it.
    pub fn fd(&self) -> std::io::Result<RawFd> {
        let mut state = self.shared.lock();
        let ready = !state.tokens.is_empty();
        wakeup::fd_in(&mut state.fd, ready)
    }

    /// Waits up to `timeout` (`None`: forever; zero: not at all) for at
    /// least one ready token, then moves up to `out.len()` of them into
    /// `out`, oldest first. Returns how many (0 = none within the timeout).
    /// Any number of threads may wait; each token goes to one of them.
    pub fn wait(&self, timeout: Option<Duration>, out: &mut [u64]) -> usize {
        self.wait_with(timeout, out.len(), |i, token| out[i] = token)
    }

    /// `wait`, handing the `i`-th token (`i < max`) to `emit`.
    pub(crate) fn wait_with(
        &self,
        timeout: Option<Duration>,
        max: usize,
        mut emit: impl FnMut(usize, u64),
    ) -> usize {
        if max == 0 {
            return 0;
        }
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut state = self.shared.lock();
        while state.tokens.is_empty() {
            state = match sleep_until(&self.shared.ready, state, deadline, |s| &mut s.waiters) {
                Ok(woken) => woken,
                Err(_) => return 0,
            };
        }
        let n = max.min(state.tokens.len());
        for (i, attachment) in state.tokens.drain(..n).enumerate() {
            attachment.queued.store(false, Ordering::Relaxed);
            emit(i, attachment.token);
        }
        if state.tokens.is_empty() {
            if let Some(fd) = &state.fd {
                fd.clear();
            }
        } else if state.waiters > 0 {
            // Tokens left over for another waiter.
            self.shared.ready.notify_one();
        }
        n
    }

    /// Tokens ready now (for tests and diagnostics).
    pub fn ready_len(&self) -> usize {
        self.shared.lock().tokens.len()
    }
}

#[cfg(test)]
mod tests {
    use super::super::wakeup::readable;
    use super::{Attachment, Poller};
    use std::sync::Arc;
    use std::time::Duration;

    #[test]
    fn tokens_come_out_in_order_and_the_fd_follows_the_list() {
        let p = Poller::new();
        let fd = p.fd().unwrap();
        assert_eq!(p.fd().unwrap(), fd, "one fd per poller");
        assert!(!readable(fd, 0));
        let (a, b) = (Arc::new(Attachment::new(7)), Arc::new(Attachment::new(9)));
        p.shared.push(&a);
        p.shared.push(&b);
        p.shared.push(&a);
        assert_eq!(p.ready_len(), 2, "a token is in the list once");
        assert!(readable(fd, 0));
        let mut out = [0u64; 1];
        assert_eq!(p.wait(Some(Duration::ZERO), &mut out), 1);
        assert_eq!(out, [7]);
        assert!(readable(fd, 0), "one token left");
        let mut out = [0u64; 4];
        assert_eq!(p.wait(None, &mut out), 1);
        assert_eq!(out[0], 9);
        assert!(!readable(fd, 0));
        assert_eq!(p.wait(Some(Duration::from_millis(20)), &mut out), 0);
        p.shared.push(&a);
        assert_eq!(p.ready_len(), 1, "taken tokens can be queued again");
    }

    #[test]
    fn an_fd_made_late_is_readable_when_tokens_wait() {
        let p = Poller::new();
        p.shared.push(&Arc::new(Attachment::new(1)));
        assert!(readable(p.fd().unwrap(), 0));
    }

    #[test]
    fn withdraw_removes_only_that_streams_token() {
        let p = Poller::new();
        let fd = p.fd().unwrap();
        let (a, b) = (Arc::new(Attachment::new(5)), Arc::new(Attachment::new(5)));
        p.shared.push(&a);
        p.shared.push(&b); // same token, another stream
        p.shared.withdraw(&a);
        assert_eq!(p.ready_len(), 1);
        p.shared.withdraw(&a);
        assert_eq!(p.ready_len(), 1, "withdrawing twice is harmless");
        p.shared.withdraw(&b);
        assert_eq!(p.ready_len(), 0);
        assert!(!readable(fd, 0));
    }

    #[test]
    fn a_blocked_wait_wakes_on_push_from_another_thread() {
        let p = Poller::new();
        let p2 = p.clone();
        let t = std::thread::spawn(move || {
            let mut out = [0u64; 8];
            let n = p2.wait(Some(Duration::from_secs(10)), &mut out);
            out[..n].to_vec()
        });
        std::thread::sleep(Duration::from_millis(30));
        p.shared.push(&Arc::new(Attachment::new(42)));
        assert_eq!(t.join().unwrap(), vec![42]);
    }
}
