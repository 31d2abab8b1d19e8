//! `Stream`: the consumer's handle on one SSE request. The state it shares
//! with the stream's task lives in the queue (`queue.rs`); the consumer's
//! current batch lives here, behind the one-reader lock.

use super::notice::Notice;
use super::poller::Poller;
use super::queue::{Local, Queue, ReadState};
use super::reader::Reader;
use super::response::Response;
use crate::error::Error;
use crate::parser::Event;
use crate::timing::Timings;
use std::os::fd::RawFd;
use std::sync::{Arc, Mutex, TryLockError};
use std::task::Poll;
use std::time::Duration;

/// One parsed event and when the chunk that completed it was read.
#[derive(Clone, Debug)]
pub struct Delivered {
    pub event: Event,
    /// `timing::now_ns()` when the socket chunk completing this event was read.
    pub at_ns: u64,
}

/// Result of waiting for one event.
#[derive(Debug)]
pub enum Next {
    Event(Delivered),
    /// Nothing within the timeout (or nothing queued, for `try_next`).
    Timeout,
    /// Clean end of stream: no more events.
    End,
    /// The stream failed; `Stream::error()` says why.
    Failed,
    /// `cancel()` was called.
    Cancelled,
    /// A reconnect notice (streams with the `reconnect` option only).
    Notice(Box<Notice>),
}

impl From<ReadState> for Next {
    /// The result of a read that delivered no event (and, for `Notice`,
    /// whose notice was already taken).
    fn from(state: ReadState) -> Next {
        match state {
            ReadState::More | ReadState::Empty | ReadState::Notice => Next::Timeout,
            ReadState::End => Next::End,
            ReadState::Failed => Next::Failed,
            ReadState::Cancelled => Next::Cancelled,
        }
    }
}

/// Result of `Stream::drain`.
#[derive(Debug, PartialEq, Eq)]
pub enum Drain {
    /// This many events were appended (≥ 1).
    Events(usize),
    Timeout,
    End,
    Failed,
    Cancelled,
    /// No event: a reconnect notice was next.
    Notice(Box<Notice>),
}

/// One SSE request and its events. `Send + Sync`: any thread may wait,
/// poll or cancel; one thread at a time reads (others wait their turn, or
/// get `None` from [`Stream::reader`]). Dropping it cancels the request and
/// frees everything.
pub struct Stream {
    pub(crate) queue: Arc<Queue>,
    local: Mutex<Local>,
    pub(crate) task: tokio::task::JoinHandle<()>,
}

impl Stream {
    pub(crate) fn new(queue: Arc<Queue>, task: tokio::task::JoinHandle<()>) -> Stream {
        Stream {
            queue,
            local: Mutex::new(Local::default()),
            task,
        }
    }

    /// Exclusive reading access, or `None` while another thread reads.
    /// Events it lends stay valid until its next read (the batch is kept
    /// with the stream between readers).
    pub fn reader(&self) -> Option<Reader<'_>> {
        let local = match self.local.try_lock() {
            Ok(g) => g,
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
            Err(TryLockError::WouldBlock) => return None,
        };
        Some(Reader {
            queue: &self.queue,
            local,
        })
    }

    /// Like [`Stream::reader`], waiting for another reader to finish.
    pub fn reader_wait(&self) -> Reader<'_> {
        Reader {
            queue: &self.queue,
            local: self.local.lock().unwrap_or_else(|p| p.into_inner()),
        }
    }

    /// Wait until response headers are in (`Ok`) or the open failed
    /// (`Err`; kind `Cancelled` after `cancel()`). `Pending` = the timeout
    /// passed first. `None` waits forever.
    pub fn wait_open(&self, timeout: Option<Duration>) -> Poll<Result<(), Error>> {
        self.queue.wait_open(timeout)
    }

    /// Status, headers and version, once headers arrived. After a
    /// reconnect, the new connection's from the read that reported its
    /// `Reconnected` notice on: always the response of the events being read.
    pub fn response(&self) -> Option<Arc<Response>> {
        self.queue.response()
    }

    /// Wait for the next event up to `timeout` (`None` = forever).
    pub fn next(&self, timeout: Option<Duration>) -> Next {
        self.reader_wait().take_one(timeout)
    }

    /// The next event if one is queued; never blocks.
    pub fn try_next(&self) -> Next {
        self.next(Some(Duration::ZERO))
    }

    /// Wait up to `timeout` for one event, then take up to `max` queued
    /// events in total without further waiting.
    pub fn drain(&self, timeout: Option<Duration>, max: usize, out: &mut Vec<Delivered>) -> Drain {
        if max == 0 {
            return Drain::Events(0);
        }
        match self.reader_wait().take(timeout, max, out) {
            (n, _, _) if n > 0 => Drain::Events(n),
            (_, _, Some(notice)) => Drain::Notice(notice),
            (_, state, None) => match state {
                ReadState::More | ReadState::Empty | ReadState::Notice => Drain::Timeout,
                ReadState::End => Drain::End,
                ReadState::Failed => Drain::Failed,
                ReadState::Cancelled => Drain::Cancelled,
            },
        }
    }

    /// The stream's own fd, made on the first call (an eventfd, or a pipe's
    /// read end): readable while events are queued, after the open
    /// completed, and once the stream ended. A read that leaves nothing to
    /// do makes it unreadable. Owned by the stream: never close it.
    pub fn fd(&self) -> std::io::Result<RawFd> {
        self.queue.fd()
    }

    /// Attach the stream to `poller`: `token` joins the poller's ready list
    /// whenever the stream turns ready (at once if it is ready now), once
    /// until a read drains the stream. Replaces an earlier attachment.
    pub fn attach(&self, poller: &Poller, token: u64) {
        self.queue.attach(Some((poller, token)));
    }

    /// Detach from the poller; a token it had queued is withdrawn.
    pub fn detach(&self) {
        self.queue.attach(None);
    }

    /// Stop the request. Thread-safe, idempotent; wakes every waiter.
    pub fn cancel(&self) {
        self.queue.cancel();
        self.task.abort();
    }

    pub fn timings(&self) -> Timings {
        self.queue.timings.snapshot()
    }

    /// Why the stream failed (set once it did).
    pub fn error(&self) -> Option<&Error> {
        self.queue.error()
    }

    /// True once the stream reached a final state (ended, failed, cancelled).
    pub fn is_finished(&self) -> bool {
        self.queue.is_finished()
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        self.cancel();
        self.detach();
    }
}
