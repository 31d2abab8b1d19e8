//! Reading events: the blocking, try and batch calls, and the per-stream
//! slot that owns the events whose views the caller is holding.
//!
//! The views handed to C point into the `Bytes` of the `Delivered` events
//! kept here; they stay valid until the next read call replaces them. A
//! busy flag (one atomic swap per call, no mutex) makes a second thread
//! reading the same stream get `SSE_ERR_STATE` instead of a data race.

use std::cell::UnsafeCell;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::client::{Delivered, Drain, Next, Stream};

use super::handle;
use super::stream::{sse_stream, timeout_of};
use super::types::{sse_event, sse_result};

/// The events whose views the caller currently holds.
#[derive(Default)]
struct Slot {
    /// The event of the last `sse_next_event` / `sse_try_next_event`.
    current: Option<Delivered>,
    /// The events of the last `sse_next_events`; its capacity is reused so
    /// a steady batch loop does not allocate.
    batch: Vec<Delivered>,
}

impl Slot {
    /// Drops the events of the previous call: their views end here.
    fn release(&mut self) {
        self.current = None;
        self.batch.clear();
    }
}

/// The reading side of a stream handle: the slot plus the flag that admits
/// one reader at a time.
#[derive(Default)]
pub(crate) struct Reader {
    busy: AtomicBool,
    slot: UnsafeCell<Slot>,
}

// SAFETY: `slot` is only reached through a `ReadGuard`, and `enter` hands
// out at most one guard at a time (the `busy` swap is the lock), so no two
// threads ever touch the slot together. `Delivered` is `Send`.
unsafe impl Sync for Reader {}

impl Reader {
    pub(crate) fn new() -> Reader {
        Reader::default()
    }

    /// Admits the calling thread as the stream's reader, or `None` when
    /// another thread is reading it right now.
    fn enter(&self) -> Option<ReadGuard<'_>> {
        if self.busy.swap(true, Ordering::Acquire) {
            None
        } else {
            Some(ReadGuard { reader: self })
        }
    }
}

/// Exclusive access to a stream's slot; leaving (even by a panic) frees it.
struct ReadGuard<'a> {
    reader: &'a Reader,
}

impl Deref for ReadGuard<'_> {
    type Target = Slot;
    fn deref(&self) -> &Slot {
        // SAFETY: this guard is the only one alive (see `Reader::enter`).
        unsafe { &*self.reader.slot.get() }
    }
}

impl DerefMut for ReadGuard<'_> {
    fn deref_mut(&mut self) -> &mut Slot {
        // SAFETY: this guard is the only one alive (see `Reader::enter`).
        unsafe { &mut *self.reader.slot.get() }
    }
}

impl Drop for ReadGuard<'_> {
    fn drop(&mut self) {
        self.reader.busy.store(false, Ordering::Release);
    }
}

/// The result code for a read that delivered no event.
fn code_without_event(next: &Next) -> sse_result {
    match next {
        Next::Event(_) => sse_result::SSE_OK,
        Next::Timeout => sse_result::SSE_TIMEOUT,
        Next::End => sse_result::SSE_END,
        Next::Failed => sse_result::SSE_ERR_STREAM,
        Next::Cancelled => sse_result::SSE_CANCELLED,
    }
}

/// Shared body of the one-event reads: `read` runs with the slot emptied.
fn read_one(
    stream: *mut sse_stream,
    out: *mut sse_event,
    read: impl FnOnce(&Stream) -> Next,
) -> sse_result {
    let stream = arg_ref!(stream);
    non_null!(out);
    let Some(mut slot) = stream.reader.enter() else {
        return sse_result::SSE_ERR_STATE;
    };
    slot.release();
    match read(&stream.stream) {
        Next::Event(delivered) => {
            let event = sse_event::borrowing(slot.current.insert(delivered));
            // SAFETY: `out` is non-NULL and writable per the header's contract.
            unsafe { handle::write(out, event) };
            sse_result::SSE_OK
        }
        other => code_without_event(&other),
    }
}

/// Waits up to `timeout_ms` (negative: forever; 0: do not wait) for the
/// next event. `SSE_OK`: `*out` holds it, borrowed; valid until the next
/// `sse_next_event` or `sse_close` on this stream (any read call ends it).
/// Otherwise `SSE_TIMEOUT`, `SSE_END` (clean end), `SSE_ERR_STREAM`
/// (`sse_stream_error()` tells why; a non-2xx response is reported this
/// way, with its body) or `SSE_CANCELLED`, and `*out` is not written.
/// One thread at a time: a concurrent read of the same stream returns
/// `SSE_ERR_STATE`; `sse_cancel` from another thread wakes this call.
#[no_mangle]
pub extern "C" fn sse_next_event(
    stream: *mut sse_stream,
    timeout_ms: i32,
    out: *mut sse_event,
) -> sse_result {
    ffi_boundary!({ read_one(stream, out, |s| s.next(timeout_of(timeout_ms))) })
}

/// Like `sse_next_event` with no wait: `SSE_TIMEOUT` when no event is
/// queued. Same results and ownership: `*out` is borrowed; valid until the
/// next `sse_next_event` or `sse_close` on this stream.
#[no_mangle]
pub extern "C" fn sse_try_next_event(stream: *mut sse_stream, out: *mut sse_event) -> sse_result {
    ffi_boundary!({ read_one(stream, out, Stream::try_next) })
}

/// Waits up to `timeout_ms` (negative: forever; 0: do not wait) for at
/// least one event, then takes every queued event up to `cap` without
/// waiting more. `SSE_OK`: `out[0..*n]` hold them (1 <= `*n` <= `cap`),
/// borrowed; valid until the next `sse_next_event` or `sse_close` on this
/// stream. Other results as `sse_next_event`, with `*n` not written;
/// events queued before an end or failure are always delivered first.
/// `SSE_ERR_INVALID` when `cap` is 0. One thread at a time.
#[no_mangle]
pub extern "C" fn sse_next_events(
    stream: *mut sse_stream,
    timeout_ms: i32,
    out: *mut sse_event,
    cap: usize,
    n: *mut usize,
) -> sse_result {
    ffi_boundary!({
        let stream = arg_ref!(stream);
        non_null!(out, n);
        if cap == 0 {
            return sse_result::SSE_ERR_INVALID;
        }
        let Some(mut slot) = stream.reader.enter() else {
            return sse_result::SSE_ERR_STATE;
        };
        slot.release();
        let batch = &mut slot.batch;
        match stream.stream.drain(timeout_of(timeout_ms), cap, batch) {
            Drain::Events(_) => {}
            Drain::Timeout => return sse_result::SSE_TIMEOUT,
            Drain::End => return sse_result::SSE_END,
            Drain::Failed => return sse_result::SSE_ERR_STREAM,
            Drain::Cancelled => return sse_result::SSE_CANCELLED,
        }
        // `drain` appends at most `cap`; `take` makes the caller's array
        // bound hold here even if that ever changed.
        let mut written = 0;
        for delivered in batch.iter().take(cap) {
            // SAFETY: `out` has room for `cap` events per the header's
            // contract, and `written < cap`.
            unsafe { handle::write_at(out, written, sse_event::borrowing(delivered)) };
            written += 1;
        }
        // SAFETY: `n` is non-NULL and writable per the header's contract.
        unsafe { handle::write(n, written) };
        sse_result::SSE_OK
    })
}
