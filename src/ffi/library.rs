//! Library-wide calls: version, clock, and copying a borrowed view.

use std::ffi::c_char;

use crate::timing;

use super::handle;
use super::types::sse_bytes;

/// The library version as a static NUL-terminated string, e.g. "0.1.0"; it
/// equals `SSE_VERSION_MAJOR.SSE_VERSION_MINOR.SSE_VERSION_PATCH` of the
/// header the program was built with when the library matches it.
///
/// Thread-safe.
#[no_mangle]
pub extern "C" fn sse_version() -> *const c_char {
    ffi_boundary!({
        const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");
        VERSION.as_ptr().cast::<c_char>()
    })
}

/// Now on the library's clock: CLOCK_MONOTONIC in nanoseconds, the clock of
/// every `*_ns` field. Pair one reading with a wall-clock reading to convert.
///
/// Thread-safe.
#[no_mangle]
pub extern "C" fn sse_now_ns() -> u64 {
    ffi_boundary!({ timing::now_ns() })
}

/// Copies a borrowed view into `buf` (truncated to `cap - 1` bytes and
/// NUL-terminated when `cap > 0`) so the caller can keep it past the view's
/// lifetime; returns the view's full length, like `snprintf`. `buf` may be
/// NULL with `cap` 0 to ask the length. A view with a NULL `ptr` counts as
/// empty.
///
/// Thread-safe.
#[no_mangle]
pub extern "C" fn sse_bytes_copy(bytes: sse_bytes, buf: *mut c_char, cap: usize) -> usize {
    ffi_boundary!({
        // SAFETY: the header's contract: a view from this library that is
        // still valid (or NULL), and `buf` NULL or with `cap` writable bytes.
        let text = unsafe { handle::bytes_in(bytes.ptr, bytes.len) }.unwrap_or(&[]);
        // SAFETY: as above.
        unsafe { handle::copy_terminated(text, buf, cap) }
    })
}
