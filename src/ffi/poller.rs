//! `sse_poller`: one wait set for many streams, and attaching streams to it.

use std::ffi::c_int;

use crate::client::Poller;

use super::handle;
use super::stream::{sse_stream, timeout_of};
use super::types::sse_result;

/// A wait set shared by any number of streams (of any clients): one fd
/// and a ready list of caller-chosen `uint64_t` tokens. Opaque; made by
/// `sse_poller_new`, freed by `sse_poller_free`. Every call on it but
/// `sse_poller_free` is thread-safe.
pub struct sse_poller {
    pub(crate) poller: Poller,
}

/// Makes an empty poller. On `SSE_OK`, `*out` is a new poller that must be
/// freed with `sse_poller_free`. Thread-safe.
#[no_mangle]
pub extern "C" fn sse_poller_new(out: *mut *mut sse_poller) -> sse_result {
    ffi_boundary!({
        non_null!(out);
        let poller = handle::into_raw(sse_poller {
            poller: Poller::new(),
        });
        // SAFETY: `out` is non-NULL and writable per the header's contract.
        unsafe { handle::write(out, poller) };
        sse_result::SSE_OK
    })
}

/// Frees a poller and its fd. NULL is a no-op. Streams still attached to
/// it stay valid and simply stop queueing tokens. Freeing it while another
/// thread uses it (including a blocked `sse_poller_wait`) is undefined.
#[no_mangle]
pub extern "C" fn sse_poller_free(poller: *mut sse_poller) {
    ffi_boundary!({
        // SAFETY: the header's contract: NULL or a live poller that no other
        // thread uses during or after this call.
        unsafe { handle::free(poller) }
    })
}

/// The poller's fd for poll/epoll/kqueue (an eventfd on Linux, a pipe's
/// read end elsewhere), made on the first call: readable while tokens are
/// ready; the `sse_poller_wait` that takes the last ready token makes it
/// unreadable. It is written once each time the list turns non-empty, so
/// with edge-triggered waiting (epoll `EPOLLET`, Go's netpoller) call
/// `sse_poller_wait` until it returns `SSE_TIMEOUT`. Owned by the poller:
/// never close it or read from it; it is valid until `sse_poller_free`. -1
/// for NULL or when no fd can be made. Thread-safe.
#[no_mangle]
pub extern "C" fn sse_poller_fd(poller: *const sse_poller) -> c_int {
    ffi_boundary!({
        let poller = arg_ref!(poller);
        poller.poller.fd().unwrap_or(-1)
    })
}

/// Waits up to `timeout_ms` (negative: forever; 0: do not wait) for at
/// least one ready token, then takes up to `cap` of them, in the order
/// their streams turned ready, into `tokens[0..*n]`. `SSE_OK`: 1 <= `*n` <=
/// `cap`; `SSE_TIMEOUT`: none within the timeout, `*n` not written;
/// `SSE_ERR_INVALID` when `cap` is 0.
///
/// A stream's token is queued when it turns ready (events queued, its open
/// completed, or it ended, failed or was cancelled) and is in the list at
/// most once. After taking a token, read its stream until the read leaves
/// nothing queued (`sse_stream_read` returning anything but `SSE_OK`):
/// only then is the token queued again by the next event.
/// Thread-safe: any number of threads may wait; each token goes to one.
#[no_mangle]
pub extern "C" fn sse_poller_wait(
    poller: *const sse_poller,
    timeout_ms: i32,
    tokens: *mut u64,
    cap: usize,
    n: *mut usize,
) -> sse_result {
    ffi_boundary!({
        let poller = arg_ref!(poller);
        non_null!(tokens, n);
        if cap == 0 {
            return sse_result::SSE_ERR_INVALID;
        }
        let taken = poller
            .poller
            .wait_with(timeout_of(timeout_ms), cap, |i, token| {
                // SAFETY: `tokens` has room for `cap` tokens per the header's
                // contract, and `wait_with` hands out `i < cap`.
                unsafe { handle::write_at(tokens, i, token) }
            });
        if taken == 0 {
            return sse_result::SSE_TIMEOUT;
        }
        // SAFETY: `n` is non-NULL and writable per the header's contract.
        unsafe { handle::write(n, taken) };
        sse_result::SSE_OK
    })
}

/// Attaches the stream to `poller` with `token`: the token joins the
/// poller's ready list whenever the stream turns ready — at once if it is
/// ready now (events queued, open completed, or final). It replaces an
/// earlier attachment; `poller` NULL detaches. A token the stream had
/// queued in its previous poller is withdrawn, and `sse_close` withdraws
/// it too: once either returns, no later `sse_poller_wait` returns it (a
/// wait already returning on another thread may). The stream keeps no
/// reference to the poller: a freed poller just stops receiving tokens.
/// Thread-safe.
#[no_mangle]
pub extern "C" fn sse_stream_attach(
    stream: *const sse_stream,
    poller: *const sse_poller,
    token: u64,
) -> sse_result {
    ffi_boundary!({
        let stream = arg_ref!(stream);
        // SAFETY: the header's contract: NULL or a live poller.
        match unsafe { handle::borrow(poller) } {
            Some(poller) => stream.stream.attach(&poller.poller, token),
            None => stream.stream.detach(),
        }
        sse_result::SSE_OK
    })
}
