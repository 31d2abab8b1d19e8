//! `sse_error_*`: reading an error's kind, status, message and body.

use std::ffi::{c_char, c_int};

use crate::error::Error;

use super::handle;
use super::types::{error_kind_name, sse_bytes, sse_error, sse_error_kind, sse_result};

/// Borrows the error behind `$ptr`, or returns the export's NULL value.
macro_rules! error_arg {
    ($ptr:ident) => {
        // SAFETY: the header's contract: a non-NULL error is one returned by
        // this library and not yet freed (or its stream not yet closed).
        match unsafe { handle::error_ref($ptr) } {
            Some(error) => error,
            None => return $crate::ffi::macros::OnNull::on_null(),
        }
    };
}

/// The kind of an error; `SSE_ERROR_NONE` for NULL.
///
/// Thread-safe.
#[no_mangle]
pub extern "C" fn sse_error_kind_of(error: *const sse_error) -> sse_error_kind {
    ffi_boundary!({
        let error: &Error = error_arg!(error);
        error.kind.into()
    })
}

/// The HTTP status of an error: the non-2xx status for
/// `SSE_ERROR_HTTP_STATUS`, otherwise 0. 0 for NULL.
///
/// Thread-safe.
#[no_mangle]
pub extern "C" fn sse_error_status(error: *const sse_error) -> u16 {
    ffi_boundary!({
        let error: &Error = error_arg!(error);
        error.status
    })
}

/// Copies the error's human-readable message into `buf` (truncated to
/// `cap - 1` bytes and NUL-terminated when `cap > 0`) and returns the
/// message's full length without the NUL, like `snprintf`: a result `>= cap`
/// means it was truncated. `buf` may be NULL with `cap` 0 to ask the length.
/// Returns 0 for a NULL error.
///
/// Thread-safe.
#[no_mangle]
pub extern "C" fn sse_error_message(
    error: *const sse_error,
    buf: *mut c_char,
    cap: usize,
) -> usize {
    ffi_boundary!({
        let error: &Error = error_arg!(error);
        // SAFETY: the header's contract: `buf` is NULL or has `cap` writable bytes.
        unsafe { handle::copy_terminated(error.message.as_bytes(), buf, cap) }
    })
}

/// The first bytes (up to the `error_body_bytes` option) of a non-2xx
/// response body; empty for other errors. `*out` is borrowed; valid until
/// `sse_error_free` on this error, or `sse_close` on the stream that owns it.
///
/// Thread-safe.
#[no_mangle]
pub extern "C" fn sse_error_body(error: *const sse_error, out: *mut sse_bytes) -> sse_result {
    ffi_boundary!({
        let error: &Error = error_arg!(error);
        non_null!(out);
        // SAFETY: `out` is non-NULL and points to an `sse_bytes` per the header.
        unsafe { handle::write(out, handle::view(&error.body)) };
        sse_result::SSE_OK
    })
}

/// Frees an error returned through an `sse_error **err` out-parameter.
/// NULL is a no-op. Never pass the borrowed error of `sse_stream_error()`.
#[no_mangle]
pub extern "C" fn sse_error_free(error: *mut sse_error) {
    ffi_boundary!({
        // SAFETY: the header's contract: NULL or an owned, not yet freed error.
        unsafe { handle::error_free(error) }
    })
}

/// The lower-case name of an error kind ("connect", "http_status", …), for
/// messages. `kind` is an `sse_error_kind` value; any other integer gives
/// "unknown". The string is static and NUL-terminated.
///
/// Thread-safe.
#[no_mangle]
pub extern "C" fn sse_error_kind_name(kind: c_int) -> *const c_char {
    ffi_boundary!({
        let name: &'static [u8] = match error_kind_name(kind) {
            Some(name) => name,
            None => b"unknown\0",
        };
        name.as_ptr().cast::<c_char>()
    })
}

/// Hands `error` to the caller through `err` (when not NULL) and returns
/// `code`: the one way fallible constructors report failures.
pub(crate) fn fail(err: *mut *mut sse_error, error: Error, code: sse_result) -> sse_result {
    if !err.is_null() {
        let owned = handle::error_into_raw(error);
        // SAFETY: `err` is non-NULL and writable per the header's contract.
        unsafe { handle::write(err, owned) };
    }
    code
}
