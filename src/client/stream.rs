//! `Stream`: the consumer side of one SSE request — the bounded queue, the
//! open handshake, the terminal state, cancel, and the eventfd.

use super::response::Response;
use super::wakeup::Wakeup;
use crate::error::Error;
use crate::parser::Event;
use crate::timing::{TimingCells, Timings};
use crossbeam_channel::{Receiver, Sender, TryRecvError};
use once_cell::sync::OnceCell;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::task::Poll;
use std::time::{Duration, Instant};

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
}

const RUNNING: u8 = 0;
const ENDED: u8 = 1;
const FAILED: u8 = 2;
const CANCELLED: u8 = 3;

/// State shared by the stream task (producer) and the consumer.
pub(crate) struct Shared {
    pub timings: TimingCells,
    rx: Receiver<Delivered>,
    /// Dropped by `cancel()`: every consumer blocked in `select` wakes.
    cancel_tx: Mutex<Option<Sender<()>>>,
    cancel_rx: Receiver<()>,
    cancelled: AtomicBool,
    terminal: AtomicU8,
    opened: Mutex<bool>,
    opened_cv: Condvar,
    response: OnceCell<Response>,
    error: OnceCell<Error>,
    pub wakeup: Wakeup,
    /// Back-pressure: the producer waits here while the queue is full.
    pub space: tokio::sync::Notify,
    pub producer_waiting: AtomicBool,
    /// Events in the queue. The channel itself is unbounded (it allocates
    /// small blocks as it fills, so an idle stream costs almost nothing);
    /// the producer keeps it at `capacity` with this count.
    pub queued: AtomicUsize,
    pub capacity: usize,
}

impl Shared {
    pub fn new(capacity: usize) -> std::io::Result<(Shared, Sender<Delivered>)> {
        let (tx, rx) = crossbeam_channel::unbounded();
        let (cancel_tx, cancel_rx) = crossbeam_channel::bounded(0);
        let shared = Shared {
            timings: TimingCells::default(),
            rx,
            cancel_tx: Mutex::new(Some(cancel_tx)),
            cancel_rx,
            cancelled: AtomicBool::new(false),
            terminal: AtomicU8::new(RUNNING),
            opened: Mutex::new(false),
            opened_cv: Condvar::new(),
            response: OnceCell::new(),
            error: OnceCell::new(),
            wakeup: Wakeup::new()?,
            space: tokio::sync::Notify::new(),
            producer_waiting: AtomicBool::new(false),
            queued: AtomicUsize::new(0),
            capacity: capacity.max(1),
        };
        Ok((shared, tx))
    }

    fn mark_opened(&self) {
        let mut g = self.opened.lock().unwrap_or_else(|p| p.into_inner());
        *g = true;
        self.opened_cv.notify_all();
    }

    /// Headers are in: publish the response and wake open waiters.
    pub fn set_response(&self, r: Response) {
        let _ = self.response.set(r);
        self.mark_opened();
        self.wakeup.signal();
    }

    /// Clean end. Call before dropping the queue's sender.
    pub fn set_ended(&self) {
        TimingCells::mark(&self.timings.end);
        let _ = self
            .terminal
            .compare_exchange(RUNNING, ENDED, Ordering::SeqCst, Ordering::SeqCst);
        self.mark_opened();
        self.wakeup.force();
    }

    /// Failure (before or after the open). Call before dropping the sender.
    pub fn set_failed(&self, e: Error) {
        TimingCells::mark(&self.timings.end);
        let _ = self.error.set(e);
        let _ = self
            .terminal
            .compare_exchange(RUNNING, FAILED, Ordering::SeqCst, Ordering::SeqCst);
        self.mark_opened();
        self.wakeup.force();
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }

    fn is_terminal(&self) -> bool {
        self.terminal.load(Ordering::SeqCst) != RUNNING
    }

    pub fn cancel(&self) {
        if self.cancelled.swap(true, Ordering::SeqCst) {
            return;
        }
        if self
            .terminal
            .compare_exchange(RUNNING, CANCELLED, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            TimingCells::mark(&self.timings.end);
        }
        drop(
            self.cancel_tx
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take(),
        );
        self.mark_opened();
        self.wakeup.force();
        // A producer waiting for space must not wait forever.
        self.space.notify_one();
    }

    fn after_recv(&self, n: usize) {
        self.queued.fetch_sub(n, Ordering::SeqCst);
        if self.producer_waiting.load(Ordering::SeqCst)
            && self.producer_waiting.swap(false, Ordering::SeqCst)
        {
            self.space.notify_one();
        }
    }

    fn terminal_next(&self) -> Next {
        if self.is_cancelled() {
            return Next::Cancelled;
        }
        match self.terminal.load(Ordering::SeqCst) {
            ENDED => Next::End,
            CANCELLED => Next::Cancelled,
            // FAILED, or the task vanished without saying why (it panicked).
            _ => Next::Failed,
        }
    }

    fn clear_wakeup(&self) {
        self.wakeup
            .clear(|| !self.rx.is_empty() || self.is_terminal() || self.is_cancelled());
    }

    pub fn next(&self, timeout: Option<Duration>) -> Next {
        if self.is_cancelled() {
            return Next::Cancelled;
        }
        match self.rx.try_recv() {
            Ok(ev) => {
                self.after_recv(1);
                return Next::Event(ev);
            }
            Err(TryRecvError::Disconnected) => return self.terminal_next(),
            // The task marks the end after its last push but drops the sender
            // a little later: once the end is marked, an empty queue is the
            // end (otherwise the fd stays readable and pollers spin).
            Err(TryRecvError::Empty) if self.is_terminal() => {
                return match self.rx.try_recv() {
                    Ok(ev) => {
                        self.after_recv(1);
                        Next::Event(ev)
                    }
                    Err(_) => self.terminal_next(),
                };
            }
            Err(TryRecvError::Empty) => {}
        }
        if timeout == Some(Duration::ZERO) {
            self.clear_wakeup();
            // An event may have landed between try_recv and clear.
            return match self.rx.try_recv() {
                Ok(ev) => {
                    self.after_recv(1);
                    Next::Event(ev)
                }
                Err(TryRecvError::Disconnected) => self.terminal_next(),
                Err(TryRecvError::Empty) => Next::Timeout,
            };
        }
        let deadline = timeout.map(|t| Instant::now() + t);
        let got = match deadline {
            Some(d) => crossbeam_channel::select! {
                recv(self.rx) -> r => Some(r),
                recv(self.cancel_rx) -> _ => return Next::Cancelled,
                default(d.saturating_duration_since(Instant::now())) => None,
            },
            None => crossbeam_channel::select! {
                recv(self.rx) -> r => Some(r),
                recv(self.cancel_rx) -> _ => return Next::Cancelled,
            },
        };
        match got {
            Some(Ok(ev)) => {
                self.after_recv(1);
                Next::Event(ev)
            }
            Some(Err(_)) => self.terminal_next(),
            None => {
                self.clear_wakeup();
                Next::Timeout
            }
        }
    }

    pub fn drain(&self, timeout: Option<Duration>, max: usize, out: &mut Vec<Delivered>) -> Drain {
        if max == 0 {
            return Drain::Events(0);
        }
        let first = match self.next(timeout) {
            Next::Event(ev) => ev,
            Next::Timeout => return Drain::Timeout,
            Next::End => return Drain::End,
            Next::Failed => return Drain::Failed,
            Next::Cancelled => return Drain::Cancelled,
        };
        out.push(first);
        let mut n = 1;
        while n < max {
            match self.rx.try_recv() {
                Ok(ev) => {
                    out.push(ev);
                    n += 1;
                }
                Err(_) => break,
            }
        }
        self.after_recv(n - 1);
        Drain::Events(n)
    }

    pub fn wait_open(&self, timeout: Option<Duration>) -> Poll<Result<(), Error>> {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut g = self.opened.lock().unwrap_or_else(|p| p.into_inner());
        while !*g {
            match deadline {
                None => g = self.opened_cv.wait(g).unwrap_or_else(|p| p.into_inner()),
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Poll::Pending;
                    }
                    g = self
                        .opened_cv
                        .wait_timeout(g, left)
                        .unwrap_or_else(|p| p.into_inner())
                        .0;
                }
            }
        }
        drop(g);
        if self.response.get().is_some() {
            return Poll::Ready(Ok(()));
        }
        if self.is_cancelled() {
            return Poll::Ready(Err(Error::cancelled()));
        }
        Poll::Ready(Err(self.error.get().cloned().unwrap_or_else(|| {
            Error::new(
                crate::error::ErrorKind::Io,
                "the stream ended before a response",
            )
        })))
    }
}

/// One SSE request and its events. `Send + Sync`: any thread may wait,
/// poll or cancel. Dropping it cancels the request and frees everything.
pub struct Stream {
    pub(crate) shared: std::sync::Arc<Shared>,
    pub(crate) task: tokio::task::JoinHandle<()>,
}

impl Stream {
    /// Wait until response headers are in (`Ok`) or the open failed.
    /// `Pending` = the timeout passed first. `None` waits forever.
    pub fn wait_open(&self, timeout: Option<Duration>) -> Poll<Result<(), Error>> {
        self.shared.wait_open(timeout)
    }

    /// Status, headers and version, once headers arrived.
    pub fn response(&self) -> Option<&Response> {
        self.shared.response.get()
    }

    /// Wait for the next event up to `timeout` (`None` = forever).
    pub fn next(&self, timeout: Option<Duration>) -> Next {
        self.shared.next(timeout)
    }

    /// The next event if one is queued; never blocks.
    pub fn try_next(&self) -> Next {
        self.shared.next(Some(Duration::ZERO))
    }

    /// Wait up to `timeout` for one event, then take up to `max` queued
    /// events in total without further waiting.
    pub fn drain(&self, timeout: Option<Duration>, max: usize, out: &mut Vec<Delivered>) -> Drain {
        self.shared.drain(timeout, max, out)
    }

    /// An eventfd, readable while events are queued, after the open
    /// completed, or once the stream ended. Owned by the stream: never close it.
    /// It is reset by a `try_next`/`next`/`drain` that finds the queue empty.
    pub fn fd(&self) -> RawFd {
        self.shared.wakeup.raw()
    }

    /// Stop the request. Thread-safe, idempotent; wakes every waiter.
    pub fn cancel(&self) {
        self.shared.cancel();
        self.task.abort();
    }

    pub fn timings(&self) -> Timings {
        self.shared.timings.snapshot()
    }

    /// Why the stream failed (set once it did).
    pub fn error(&self) -> Option<&Error> {
        self.shared.error.get()
    }

    /// True once the stream reached a final state (ended, failed, cancelled).
    pub fn is_finished(&self) -> bool {
        self.shared.is_terminal() || self.shared.is_cancelled()
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        self.cancel();
    }
}
