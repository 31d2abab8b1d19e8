//! `Notice`: what a reconnecting stream tells its consumer, in order among
//! its events — a connection was lost (or an attempt failed) and the next
//! attempt is coming, or a new connection is open. Only streams with the
//! `reconnect` option make them (see `reconnect.rs`).

use super::response::Response;
use crate::error::Error;
use crate::parser::Text;
use std::sync::Arc;
use std::time::Duration;

/// Which notice it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeKind {
    /// The connection ended or failed, or an attempt to open one failed:
    /// the stream waits `wait`, then makes attempt `attempt`.
    Reconnecting,
    /// Attempt `attempt` opened a new connection: its events follow, and
    /// `Stream::response()` is its response from this notice on.
    Reconnected,
}

/// One reconnect notice. Fields that do not apply to the kind are empty
/// (`None`, zero).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub kind: NoticeKind,
    /// Why the connection was lost: `None` when the server ended the stream
    /// cleanly. For `Reconnecting`, the latest failure (the lost connection,
    /// or the attempt that just failed); for `Reconnected`, what started
    /// the outage.
    pub reason: Option<Error>,
    /// 1 for the first attempt after a loss, counting failed attempts in a
    /// row (the `max_attempts` count).
    pub attempt: u32,
    /// `Reconnecting`: the wait before the attempt (the stream's `retry`,
    /// capped, plus jitter).
    pub wait: Duration,
    /// `timing::now_ns()` readings: when the outage began (the first
    /// connection loss, or the first failed attempt of a stream that never
    /// opened) and when this notice was made.
    pub since_ns: u64,
    pub at_ns: u64,
    /// The `Last-Event-ID` the attempt sends (empty: none).
    pub last_event_id: Text,
    /// `Reconnected`: the new connection's response.
    pub response: Option<Arc<Response>>,
}

impl Notice {
    /// Nanoseconds without a connection: from the loss to this notice (for
    /// `Reconnected`: to the new response's headers).
    pub fn downtime_ns(&self) -> u64 {
        self.at_ns.saturating_sub(self.since_ns)
    }

    /// The new response's status (`Reconnected`), else 0.
    pub fn status(&self) -> u16 {
        self.response.as_ref().map_or(0, |r| r.status)
    }
}
