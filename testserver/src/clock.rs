//! Clocks for the truth log.
//!
//! `mono_ns` reads CLOCK_MONOTONIC directly (not `std::time::Instant`, whose
//! epoch is private to the process) so a client in another process that also
//! reads CLOCK_MONOTONIC — libsse's `sse_now_ns()`, Go's and C's monotonic
//! clocks — can subtract our timestamps from its own.

use std::time::{SystemTime, UNIX_EPOCH};

/// CLOCK_MONOTONIC in nanoseconds.
pub fn mono_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec that outlives the call, and
    // CLOCK_MONOTONIC is always available on Linux, so the call cannot fail.
    unsafe {
        libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts);
    }
    (ts.tv_sec as u64) * 1_000_000_000 + ts.tv_nsec as u64
}

/// Wall clock (Unix epoch) in nanoseconds; 0 if the clock is before 1970.
pub fn wall_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// Wall clock in whole seconds, for OpenAI's `created` field.
pub fn unix_secs() -> u64 {
    wall_ns() / 1_000_000_000
}
