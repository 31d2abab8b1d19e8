//! Reading events: the one-event, batch and batch-with-state calls, and
//! the reconnect notice a read reported.
//!
//! The views handed to C point into the events of the stream's current
//! batch (`client::Reader`); they stay valid until the next read call on
//! the stream, which is when the batch moves on. The stream's one-reader
//! lock (a `try_lock`, no waiting) makes a second thread reading the same
//! stream get `SSE_ERR_STATE` instead of a data race.

use crate::client::{ReadState, Reader};

use super::handle;
use super::stream::{sse_stream, timeout_of};
use super::types::{sse_event, sse_notice, sse_result};

/// The result code for a read state (`More` and `Empty` only reach C from
/// `sse_stream_read`; the other calls report `SSE_OK` with their events).
fn code_of(state: ReadState) -> sse_result {
    match state {
        ReadState::More => sse_result::SSE_OK,
        ReadState::Empty => sse_result::SSE_TIMEOUT,
        ReadState::End => sse_result::SSE_END,
        ReadState::Failed => sse_result::SSE_ERR_STREAM,
        ReadState::Cancelled => sse_result::SSE_CANCELLED,
        ReadState::Notice => sse_result::SSE_NOTICE,
    }
}

/// Admits the calling thread as the stream's only reader, or returns
/// `SSE_ERR_STATE` from the export while another thread reads.
macro_rules! reader {
    ($stream:expr) => {
        match $stream.stream.reader() {
            Some(reader) => reader,
            None => return sse_result::SSE_ERR_STATE,
        }
    };
}

/// Shared body of the one-event reads.
fn read_one(reader: &mut Reader<'_>, timeout_ms: i32, out: *mut sse_event) -> sse_result {
    match reader.next(timeout_of(timeout_ms)) {
        Ok(delivered) => {
            // SAFETY: `out` is non-NULL and writable per the header's contract.
            unsafe { handle::write(out, sse_event::borrowing(delivered)) };
            sse_result::SSE_OK
        }
        Err(state) => code_of(state),
    }
}

/// Shared body of the batch reads: up to `cap` events into `out[0..*n]`.
/// With `with_state` (`sse_stream_read`), `*n` is always written and the
/// result is the state after the batch; without (`sse_next_events`), an
/// empty batch reports its state and writes nothing, a non-empty one is
/// `SSE_OK` (its final state comes with the next call).
fn read_batch(
    stream: *mut sse_stream,
    timeout_ms: i32,
    out: *mut sse_event,
    cap: usize,
    n: *mut usize,
    with_state: bool,
) -> sse_result {
    let stream = arg_ref!(stream);
    non_null!(out, n);
    if cap == 0 {
        return sse_result::SSE_ERR_INVALID;
    }
    let mut reader = reader!(stream);
    let batch = reader.read(timeout_of(timeout_ms), cap);
    if batch.is_empty() && !with_state {
        return code_of(batch.state);
    }
    let mut written = 0;
    // `read` lends at most `cap`; `take` makes the caller's array bound
    // hold here even if that ever changed.
    for delivered in batch.iter().take(cap) {
        // SAFETY: `out` has room for `cap` events per the header's
        // contract, and `written < cap`.
        unsafe { handle::write_at(out, written, sse_event::borrowing(delivered)) };
        written += 1;
    }
    // SAFETY: `n` is non-NULL and writable per the header's contract.
    unsafe { handle::write(n, written) };
    if with_state {
        code_of(batch.state)
    } else {
        sse_result::SSE_OK
    }
}

/// Waits up to `timeout_ms` (negative: forever; 0: do not wait) for the
/// next event. `SSE_OK`: `*out` holds it, borrowed; valid until the next
/// `sse_next_event` or `sse_close` on this stream (any read call ends it).
/// Otherwise `SSE_TIMEOUT`, `SSE_END` (clean end), `SSE_ERR_STREAM`
/// (`sse_stream_error()` tells why; a non-2xx response is reported this
/// way, with its body), `SSE_CANCELLED` or, with the `reconnect` option,
/// `SSE_NOTICE` (read it with `sse_stream_notice()`, then read on), and
/// `*out` is not written.
/// One thread at a time: a concurrent read of the same stream returns
/// `SSE_ERR_STATE`; `sse_cancel` from another thread wakes this call.
#[no_mangle]
pub extern "C" fn sse_next_event(
    stream: *mut sse_stream,
    timeout_ms: i32,
    out: *mut sse_event,
) -> sse_result {
    ffi_boundary!({
        let stream = arg_ref!(stream);
        non_null!(out);
        read_one(&mut reader!(stream), timeout_ms, out)
    })
}

/// Like `sse_next_event` with no wait: `SSE_TIMEOUT` when no event is
/// queued. Same results and ownership: `*out` is borrowed; valid until the
/// next `sse_next_event` or `sse_close` on this stream.
#[no_mangle]
pub extern "C" fn sse_try_next_event(stream: *mut sse_stream, out: *mut sse_event) -> sse_result {
    ffi_boundary!({
        let stream = arg_ref!(stream);
        non_null!(out);
        read_one(&mut reader!(stream), 0, out)
    })
}

/// Waits up to `timeout_ms` (negative: forever; 0: do not wait) for at
/// least one event, then takes every queued event up to `cap` without
/// waiting more. `SSE_OK`: `out[0..*n]` hold them (1 <= `*n` <= `cap`),
/// borrowed; valid until the next `sse_next_event` or `sse_close` on this
/// stream. Other results as `sse_next_event` (`SSE_NOTICE` included), with
/// `*n` not written; events queued before an end, a failure or a notice
/// are always delivered first.
/// `SSE_ERR_INVALID` when `cap` is 0. One thread at a time.
#[no_mangle]
pub extern "C" fn sse_next_events(
    stream: *mut sse_stream,
    timeout_ms: i32,
    out: *mut sse_event,
    cap: usize,
    n: *mut usize,
) -> sse_result {
    ffi_boundary!({ read_batch(stream, timeout_ms, out, cap, n, false) })
}

/// One call per wake-up: waits up to `timeout_ms` (negative: forever; 0:
/// do not wait) for an event or a final state, then writes up to `cap`
/// queued events to `out[0..*n]` and returns the stream's state after them.
/// `*n` is always written (0 to `cap`) unless the result is `SSE_ERR_NULL`,
/// `SSE_ERR_INVALID` or `SSE_ERR_STATE`.
///
/// - `SSE_OK`: `*n` >= 1 and more events may be queued: call again before
///   waiting (that call does not block when they are).
/// - `SSE_TIMEOUT`: nothing more is queued now (with `*n` = 0: nothing
///   came within the timeout). The stream's fd and poller token are
///   re-armed: they fire again when the next event arrives.
/// - `SSE_END`, `SSE_ERR_STREAM` (`sse_stream_error()` tells why),
///   `SSE_CANCELLED`: the stream's final state; `out[0..*n]` are its last
///   events (the last batch and the end come back in one call).
/// - `SSE_NOTICE` (`reconnect` option only): `*n` = 0; a reconnect notice
///   is next, readable with `sse_stream_notice()` until the next read
///   call. The batch before it came back with `SSE_OK`; call again for
///   what follows.
///
/// The events are borrowed; valid until the next `sse_next_event` (or any
/// read call) or `sse_close` on this stream. `SSE_ERR_INVALID` when `cap`
/// is 0. One thread at a time: a concurrent read of the same stream
/// returns `SSE_ERR_STATE`.
#[no_mangle]
pub extern "C" fn sse_stream_read(
    stream: *mut sse_stream,
    timeout_ms: i32,
    out: *mut sse_event,
    cap: usize,
    n: *mut usize,
) -> sse_result {
    ffi_boundary!({ read_batch(stream, timeout_ms, out, cap, n, true) })
}

/// The reconnect notice the last read call on this stream reported with
/// `SSE_NOTICE` (streams with the `reconnect` option only), copied into
/// `*out`. Its views are borrowed; valid until the next read call or
/// `sse_close` on this stream. `SSE_ERR_STATE` when the last read did not
/// return `SSE_NOTICE`, or while another thread reads the stream.
#[no_mangle]
pub extern "C" fn sse_stream_notice(stream: *mut sse_stream, out: *mut sse_notice) -> sse_result {
    ffi_boundary!({
        let stream = arg_ref!(stream);
        non_null!(out);
        let reader = reader!(stream);
        let Some(notice) = reader.notice() else {
            return sse_result::SSE_ERR_STATE;
        };
        // SAFETY: `out` is non-NULL and writable per the header's contract.
        unsafe { handle::write(out, sse_notice::borrowing(notice)) };
        sse_result::SSE_OK
    })
}
