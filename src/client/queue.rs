//! `Queue`: all the state one stream's producer (its task) and its consumer
//! share, behind one lock: the queued events, back-pressure at
//! `queue_capacity`, the open and final states, and the wake-ups (blocked
//! threads, the stream's own fd, a poller's ready list).
//!
//! Batches, not events, cross the lock:
//! - the producer parses one socket read into an [`Outbox`] and moves it
//!   into the queue in one locked step (a `Vec` swap when the queue is
//!   empty), with at most one wake-up;
//! - the consumer swaps the whole queue into its own batch (`Local`) in one
//!   locked step and hands events out of it without the lock;
//! - the consumer gives its spent batch back (`spent`) and the producer
//!   drops it on its next push, so each event's `Bytes` reference counts are
//!   released on the core that made them, off the consumer's path.
//!
//! Back-pressure: the producer waits while queued events plus those the
//! consumer took but has not handed out yet (`unread`, as of its last
//! refill) reach `capacity`.
//!
//! Final states are set under the same lock as pushes, so a reader that
//! finds the queue empty and the phase final knows no event can follow: no
//! ordering rule between "mark the end" and anything else. Cancel wins over
//! queued events (reads return `Cancelled` at once).
//!
//! Wake-up protocol (no lost wake-up): `signaled` says the consumer was told
//! there is something to do. It rises (`signal`) when events are pushed, the
//! response is published or a final state is set; on that edge only, the
//! stream's fd (if made) is written and its poller token (if attached) is
//! queued. It falls (`rearm`) only when a read leaves nothing to do: the
//! consumer's batch handed out, the queue empty, the stream still running;
//! then the fd is cleared. Both happen under the lock, so a push after a
//! rearm always signals again, and the fd is readable exactly while
//! `signaled` is set. Threads blocked in a read or `wait_open` sleep on the
//! condvar; whoever changes the state notifies it when `waiters > 0`.
//!
//! Reconnect notices ([`Notice`]) are entries too, pushed in order among
//! events. A read ends its batch before a notice; the next read lends no
//! event and reports the notice (`ReadState::Notice`), which stays readable
//! until the read after it. Reading a `Reconnected` notice makes its
//! response the stream's current one (`Queue::response`), so the response
//! a consumer sees is always that of the events it is reading.

use super::notice::Notice;
use super::poller::{Attachment, Poller, PollerShared};
use super::response::Response;
use super::sleep::sleep_until;
use super::stream::Delivered;
use super::wakeup::{self, WakeFd};
use crate::error::{Error, ErrorKind};
use crate::timing::TimingCells;
use std::ops::Range;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, Weak};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// One queued item.
pub(crate) enum Entry {
    Event(Delivered),
    /// Boxed: notices are rare, and an entry stays the size of an event.
    Notice(Box<Notice>),
    /// An event or notice an owned read (`Stream::next`, `drain`) moved out
    /// of the consumer's batch; never handed out again.
    Taken,
}

impl Entry {
    pub fn event(&self) -> Option<&Delivered> {
        match self {
            Entry::Event(d) => Some(d),
            _ => None,
        }
    }

    pub fn notice(&self) -> Option<&Notice> {
        match self {
            Entry::Notice(n) => Some(n),
            _ => None,
        }
    }

    fn is_notice(&self) -> bool {
        matches!(self, Entry::Notice(_))
    }
}

/// The stream's state after a read, as the read reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadState {
    /// More events may be queued: read again before waiting (a read
    /// handing out the rest of the consumer's batch cannot tell without
    /// the lock; the next read finds out).
    More,
    /// Nothing more is queued now (for a read that returned no event:
    /// nothing came within the timeout). The stream's fd and poller token
    /// are re-armed: they fire again on the next event.
    Empty,
    /// Clean end of stream: no more events.
    End,
    /// The stream failed; `Stream::error()` says why.
    Failed,
    /// `cancel()` was called.
    Cancelled,
    /// No event: a reconnect notice is next, readable until the next read
    /// (`Reader::notice`). Read again for what follows it.
    Notice,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Connecting,
    Open,
    Ended,
    Failed,
    Cancelled,
}

impl Phase {
    fn is_final(self) -> bool {
        matches!(self, Phase::Ended | Phase::Failed | Phase::Cancelled)
    }
}

/// Buffers keep at most this many slots once a smaller batch went through
/// them, so a stream that saw a burst does not keep its memory.
const KEEP: usize = 32;

/// Drops `v`'s entries and gives back capacity a burst left behind.
fn clear_and_fit(v: &mut Vec<Entry>) {
    let used = v.len();
    v.clear();
    if v.capacity() > KEEP && used < v.capacity() / 4 {
        v.shrink_to(KEEP.max(used * 2));
    }
}

struct State {
    queued: Vec<Entry>,
    /// The consumer's handed-out batch, for the producer to drop.
    spent: Vec<Entry>,
    /// Events the consumer took at its last refill and had not handed out.
    unread: usize,
    /// Notices among `queued` (so a refill without any never looks for one).
    notices: usize,
    phase: Phase,
    signaled: bool,
    fd: Option<WakeFd>,
    poller: Option<(Weak<PollerShared>, Arc<Attachment>)>,
    /// Threads asleep on `Queue::changed`.
    waiters: usize,
    /// The producer, waiting for room.
    producer: Option<Waker>,
}

pub(crate) struct Queue {
    state: Mutex<State>,
    changed: Condvar,
    /// Mirrors `phase == Cancelled` for the lock-free check at every read.
    cancelled: AtomicBool,
    capacity: usize,
    /// The first response (what `wait_open` waits for).
    response: OnceLock<Arc<Response>>,
    /// The response of the connection whose events the consumer reads: the
    /// first one, then each `Reconnected` notice's as it is read.
    current: Mutex<Option<Arc<Response>>>,
    error: OnceLock<Error>,
    pub timings: TimingCells,
}

/// The consumer's current batch: `items[cursor..]` are not handed out yet.
#[derive(Default)]
pub(crate) struct Local {
    pub items: Vec<Entry>,
    pub cursor: usize,
    /// Notices in `items[cursor..]`.
    notices: usize,
    /// The notice the last read reported, an index into `items`.
    pub notice: Option<usize>,
}

impl Local {
    /// Lends up to `max` entries from the cursor on, stopping before a
    /// notice, or reports the notice at the cursor on its own. The state is
    /// `Some` when the read must say "read again" (`More`, `Notice`);
    /// `None` when everything up to the end of `items` was lent.
    fn lend(&mut self, max: usize) -> (Range<usize>, Option<ReadState>) {
        let start = self.cursor;
        let mut end = start.saturating_add(max).min(self.items.len());
        if self.notices > 0 {
            if let Some(k) = self.items[start..end].iter().position(Entry::is_notice) {
                if k == 0 {
                    self.cursor = start + 1;
                    self.notices -= 1;
                    self.notice = Some(start);
                    return (start..start, Some(ReadState::Notice));
                }
                end = start + k;
            }
        }
        self.cursor = end;
        let state = (end < self.items.len()).then_some(ReadState::More);
        (start..end, state)
    }
}

/// What to do once the lock is released.
#[derive(Default)]
#[must_use]
struct After {
    notify: bool,
    producer: Option<Waker>,
}

impl After {
    fn run(self, queue: &Queue) {
        if self.notify {
            queue.changed.notify_all();
        }
        if let Some(w) = self.producer {
            w.wake();
        }
    }
}

impl Queue {
    pub fn new(capacity: usize) -> Queue {
        Queue {
            state: Mutex::new(State {
                queued: Vec::new(),
                spent: Vec::new(),
                unread: 0,
                notices: 0,
                phase: Phase::Connecting,
                signaled: false,
                fd: None,
                poller: None,
                waiters: 0,
                producer: None,
            }),
            changed: Condvar::new(),
            cancelled: AtomicBool::new(false),
            capacity: capacity.max(1),
            response: OnceLock::new(),
            current: Mutex::new(None),
            error: OnceLock::new(),
            timings: TimingCells::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every update below leaves the state consistent before anything
        // that could panic, so a poisoned lock is still a valid state.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The consumer has something to do: the rising edge tells the fd and
    /// the poller once.
    fn signal(st: &mut State) -> bool {
        if !st.signaled {
            st.signaled = true;
            if let Some(fd) = &st.fd {
                fd.signal();
            }
            if let Some((poller, attachment)) = &st.poller {
                if let Some(poller) = poller.upgrade() {
                    poller.push(attachment);
                }
            }
        }
        st.waiters > 0
    }

    /// The consumer has nothing to do: the fd goes quiet until the next signal.
    fn rearm(st: &mut State) {
        if st.signaled {
            st.signaled = false;
            if let Some(fd) = &st.fd {
                fd.clear();
            }
        }
    }

    /// Wakes the producer if it waits and there is room now.
    fn room_for_producer(&self, st: &mut State) -> Option<Waker> {
        if st.queued.len() + st.unread < self.capacity {
            st.producer.take()
        } else {
            None
        }
    }

    // ---- producer side -------------------------------------------------

    /// Headers are in: publish the response and wake open waiters. Only
    /// the first call counts (a reconnect's response travels in its notice).
    pub fn set_response(&self, r: Arc<Response>) {
        if self.response.set(r.clone()).is_err() {
            return;
        }
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) = Some(r);
        let mut st = self.lock();
        let mut after = After::default();
        if st.phase == Phase::Connecting {
            st.phase = Phase::Open;
            after.notify = Queue::signal(&mut st);
        }
        drop(st);
        after.run(self);
    }

    /// Clean end, after the last push. Does nothing once final.
    pub fn set_ended(&self) {
        self.finish(None);
    }

    /// Failure (before or after the open), after the last push. Does
    /// nothing once final (the first final state wins).
    pub fn set_failed(&self, e: Error) {
        self.finish(Some(e));
    }

    fn finish(&self, error: Option<Error>) {
        let mut st = self.lock();
        if st.phase.is_final() {
            return;
        }
        st.phase = match error {
            None => Phase::Ended,
            Some(e) => {
                // Published before the phase, under the lock: a reader that
                // sees `Failed` finds the error.
                let _ = self.error.set(e);
                Phase::Failed
            }
        };
        TimingCells::mark(&self.timings.end);
        let after = After {
            notify: Queue::signal(&mut st),
            producer: None,
        };
        drop(st);
        after.run(self);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Acquire)
    }

    /// Ended, failed or cancelled.
    pub fn is_finished(&self) -> bool {
        self.is_cancelled() || self.lock().phase.is_final()
    }

    /// One attempt to move the outbox into the queue (see [`Outbox::flush`]).
    fn poll_push(&self, out: &mut Outbox, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let mut st = self.lock();
        if st.phase == Phase::Cancelled {
            return Poll::Ready(Err(Error::cancelled()));
        }
        // Take the consumer's spent batch to drop it after the lock.
        if !st.spent.is_empty() && out.trash.is_empty() {
            std::mem::swap(&mut st.spent, &mut out.trash);
        }
        let room = self.capacity.saturating_sub(st.queued.len() + st.unread);
        let n = room.min(out.batch.len());
        let mut after = After::default();
        if n > 0 {
            let notices = if out.notices == 0 {
                0
            } else {
                out.batch[..n].iter().filter(|e| e.is_notice()).count()
            };
            out.notices -= notices;
            st.notices += notices;
            if st.queued.is_empty() && n == out.batch.len() {
                std::mem::swap(&mut st.queued, &mut out.batch);
            } else {
                st.queued.extend(out.batch.drain(..n));
            }
            // Counted once queued: `events` never includes a parsed batch
            // still waiting for room.
            self.timings
                .events
                .fetch_add((n - notices) as u64, std::sync::atomic::Ordering::Relaxed);
            after.notify = Queue::signal(&mut st);
        }
        let done = out.batch.is_empty();
        if !done {
            match &st.producer {
                Some(w) if w.will_wake(cx.waker()) => {}
                _ => st.producer = Some(cx.waker().clone()),
            }
        }
        drop(st);
        after.run(self);
        clear_and_fit(&mut out.trash);
        if done {
            Poll::Ready(Ok(()))
        } else {
            Poll::Pending
        }
    }

    // ---- consumer side -------------------------------------------------

    /// Reads for the consumer: waits up to `timeout` (`None`: forever) for
    /// an event or a final state, then makes up to `max` events available
    /// as `local.items[range]`, and says what the stream's state is after
    /// them. The previous batch's events stay alive until this call.
    pub fn read(
        &self,
        local: &mut Local,
        timeout: Option<Duration>,
        max: usize,
    ) -> (Range<usize>, ReadState) {
        if self.is_cancelled() {
            return (0..0, ReadState::Cancelled);
        }
        local.notice = None;
        let max = max.max(1);
        let result = if local.cursor < local.items.len() {
            // From the current batch, without the lock. Whether more is
            // queued is only known under the lock: the next read finds out.
            let (range, state) = local.lend(max);
            (range, state.unwrap_or(ReadState::More))
        } else {
            self.refill(local, timeout, max)
        };
        if result.1 == ReadState::Notice {
            self.notice_read(local);
        }
        result
    }

    /// The consumer reached a notice: a `Reconnected` one's response is
    /// the current response from now on.
    fn notice_read(&self, local: &Local) {
        let response = local
            .notice
            .and_then(|i| local.items.get(i))
            .and_then(Entry::notice)
            .and_then(|n| n.response.clone());
        if let Some(r) = response {
            // The previous response drops here, on the reading thread: the
            // views it lent end with this read, as documented.
            let old = self
                .current
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .replace(r);
            drop(old);
        }
    }

    fn refill(
        &self,
        local: &mut Local,
        timeout: Option<Duration>,
        max: usize,
    ) -> (Range<usize>, ReadState) {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut drop_here = Vec::new();
        let mut st = self.lock();
        if !local.items.is_empty() {
            if st.spent.is_empty() {
                std::mem::swap(&mut st.spent, &mut local.items);
            } else {
                // The producer has not taken the last one: the stream is
                // idle or gone, so dropping here costs nobody a hot path.
                drop_here = std::mem::take(&mut local.items);
            }
        }
        local.cursor = 0;
        let mut after = After::default();
        let result = loop {
            if st.phase == Phase::Cancelled {
                break (0..0, ReadState::Cancelled);
            }
            if !st.queued.is_empty() {
                std::mem::swap(&mut local.items, &mut st.queued);
                local.notices = std::mem::take(&mut st.notices);
                let (range, state) = local.lend(max);
                st.unread = local.items.len() - local.cursor;
                after.producer = self.room_for_producer(&mut st);
                let state = state.unwrap_or_else(|| match st.phase {
                    Phase::Ended => ReadState::End,
                    Phase::Failed => ReadState::Failed,
                    _ => {
                        Queue::rearm(&mut st);
                        ReadState::Empty
                    }
                });
                break (range, state);
            }
            st.unread = 0;
            if after.producer.is_none() {
                after.producer = self.room_for_producer(&mut st);
            }
            match st.phase {
                Phase::Ended => break (0..0, ReadState::End),
                Phase::Failed => break (0..0, ReadState::Failed),
                _ => {}
            }
            Queue::rearm(&mut st);
            // Wake the producer before sleeping: it may be what we wait for.
            if let Some(w) = after.producer.take() {
                w.wake();
            }
            st = match self.sleep(st, deadline) {
                Ok(woken) => woken,
                Err(timed_out) => {
                    st = timed_out;
                    break (0..0, ReadState::Empty);
                }
            };
        };
        drop(st);
        after.run(self);
        drop(drop_here);
        result
    }

    /// Sleeps on `changed` until notified or `deadline` (`Err`: passed).
    fn sleep<'a>(
        &self,
        st: MutexGuard<'a, State>,
        deadline: Option<Instant>,
    ) -> Result<MutexGuard<'a, State>, MutexGuard<'a, State>> {
        sleep_until(&self.changed, st, deadline, |st| &mut st.waiters)
    }

    /// Stops the stream: reads return `Cancelled` from now on, waiters and
    /// the producer wake. Idempotent.
    pub fn cancel(&self) {
        if self.cancelled.swap(true, Ordering::AcqRel) {
            return;
        }
        let mut st = self.lock();
        if !st.phase.is_final() {
            TimingCells::mark(&self.timings.end);
        }
        st.phase = Phase::Cancelled;
        let after = After {
            notify: Queue::signal(&mut st),
            producer: st.producer.take(),
        };
        drop(st);
        after.run(self);
    }

    /// Waits until the response is published or the open failed.
    /// `Pending` = the timeout passed first.
    pub fn wait_open(&self, timeout: Option<Duration>) -> Poll<Result<(), Error>> {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut st = self.lock();
        while st.phase == Phase::Connecting {
            st = match self.sleep(st, deadline) {
                Ok(woken) => woken,
                Err(_) => return Poll::Pending,
            };
        }
        let phase = st.phase;
        drop(st);
        if self.response.get().is_some() {
            return Poll::Ready(Ok(()));
        }
        if phase == Phase::Cancelled {
            return Poll::Ready(Err(Error::cancelled()));
        }
        Poll::Ready(Err(self.error.get().cloned().unwrap_or_else(|| {
            Error::new(
                ErrorKind::Internal,
                "internal error: the stream ended before a response",
            )
        })))
    }

    /// The response of the connection whose events the consumer reads.
    pub fn response(&self) -> Option<Arc<Response>> {
        self.current
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn error(&self) -> Option<&Error> {
        self.error.get()
    }

    /// The stream's own fd, made on the first call; readable while
    /// `signaled` (see the protocol above).
    pub fn fd(&self) -> std::io::Result<RawFd> {
        let mut st = self.lock();
        let ready = st.signaled;
        wakeup::fd_in(&mut st.fd, ready)
    }

    /// Attaches the stream to `poller` with `token` (replacing any earlier
    /// attachment, whose queued token is withdrawn), or detaches it (`None`).
    /// A stream that is ready now queues its token at once.
    pub fn attach(&self, poller: Option<(&Poller, u64)>) {
        let mut st = self.lock();
        if let Some((old, attachment)) = st.poller.take() {
            if let Some(old) = old.upgrade() {
                old.withdraw(&attachment);
            }
        }
        if let Some((poller, token)) = poller {
            let attachment = Arc::new(Attachment::new(token));
            if st.signaled {
                poller.shared().push(&attachment);
            }
            st.poller = Some((poller.downgrade(), attachment));
        }
    }
}

/// The producer's side of a batch: events parsed from one socket read, and
/// the consumer's spent events it drops.
#[derive(Default)]
pub(crate) struct Outbox {
    batch: Vec<Entry>,
    trash: Vec<Entry>,
    /// Notices in `batch`.
    notices: usize,
}

impl Outbox {
    pub fn add(&mut self, d: Delivered) {
        self.batch.push(Entry::Event(d));
    }

    pub fn add_notice(&mut self, n: Notice) {
        self.batch.push(Entry::Notice(Box::new(n)));
        self.notices += 1;
    }

    /// Moves every added entry into the queue, waiting (not blocking) while
    /// it is full. `Err` = cancelled.
    pub async fn flush(&mut self, queue: &Queue) -> Result<(), Error> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let t = &queue.timings;
        if let Some(first) = self.batch.iter().find_map(Entry::event) {
            if t.first_event.load(Ordering::Relaxed) == 0 {
                TimingCells::set(&t.first_event, first.at_ns);
            }
        }
        std::future::poll_fn(|cx| queue.poll_push(self, cx)).await
    }
}
