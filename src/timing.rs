//! The one clock of the library and the per-stream timings.
//!
//! `now_ns()` reads CLOCK_MONOTONIC (on Linux and macOS alike), the clock
//! Go's and C's monotonic readings use, so callers can relate our
//! timestamps to theirs and convert to wall time with one paired reading.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// CLOCK_MONOTONIC in nanoseconds.
pub fn now_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_MONOTONIC always
    // exists on Linux and macOS (the only targets: see lib.rs).
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    (ts.tv_sec as u64) * 1_000_000_000 + ts.tv_nsec as u64
}

/// A snapshot of one stream's timings. Times are `now_ns()` readings, 0 =
/// did not happen (yet). Byte counts are on the wire, headers (and TLS
/// records) included.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timings {
    pub start: u64,
    pub dns_done: u64,
    pub connect_done: u64,
    pub tls_done: u64,
    pub request_sent: u64,
    pub headers: u64,
    pub first_byte: u64,
    pub first_event: u64,
    pub end: u64,
    pub bytes_read: u64,
    pub bytes_written: u64,
    pub events: u64,
    /// The request went over a pooled connection (no DNS/connect/TLS).
    pub reused: bool,
}

/// Timings written by the stream task and read by any thread.
#[derive(Default)]
pub(crate) struct TimingCells {
    pub start: AtomicU64,
    pub dns_done: AtomicU64,
    pub connect_done: AtomicU64,
    pub tls_done: AtomicU64,
    pub request_sent: AtomicU64,
    pub headers: AtomicU64,
    pub first_byte: AtomicU64,
    pub first_event: AtomicU64,
    pub end: AtomicU64,
    pub bytes_read: AtomicU64,
    pub bytes_written: AtomicU64,
    pub events: AtomicU64,
    pub reused: AtomicBool,
}

impl TimingCells {
    /// Before a reconnect attempt: the marks of one connection go back to
    /// "did not happen"; `start`, `first_event`, the byte and event counts
    /// stay (they are the stream's).
    pub fn clear_connection(&self) {
        for cell in [
            &self.dns_done,
            &self.connect_done,
            &self.tls_done,
            &self.request_sent,
            &self.headers,
            &self.first_byte,
        ] {
            cell.store(0, Ordering::Relaxed);
        }
        self.reused.store(false, Ordering::Relaxed);
    }

    pub fn set(cell: &AtomicU64, v: u64) {
        cell.store(v, Ordering::Relaxed);
    }

    pub fn mark(cell: &AtomicU64) {
        cell.store(now_ns(), Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> Timings {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Timings {
            start: g(&self.start),
            dns_done: g(&self.dns_done),
            connect_done: g(&self.connect_done),
            tls_done: g(&self.tls_done),
            request_sent: g(&self.request_sent),
            headers: g(&self.headers),
            first_byte: g(&self.first_byte),
            first_event: g(&self.first_event),
            end: g(&self.end),
            bytes_read: g(&self.bytes_read),
            bytes_written: g(&self.bytes_written),
            events: g(&self.events),
            reused: self.reused.load(Ordering::Relaxed),
        }
    }
}
