//! Pointer ↔ handle conversions: the only place the crate touches raw
//! pointers. Every `unsafe fn` here states what the caller (an export, on
//! behalf of the C caller's contract in the header) must guarantee.

use std::ffi::c_char;
use std::ptr;

use crate::error::Error;

use super::types::{sse_bytes, sse_error};

/// Moves `value` to the heap and hands ownership to C.
pub(crate) fn into_raw<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Takes back ownership of a handle made by [`into_raw`] and drops it.
/// NULL is a no-op.
///
/// # Safety
/// `handle` is NULL or came from [`into_raw`] with the same `T` and was not
/// freed before; no other thread uses it during or after this call.
pub(crate) unsafe fn free<T>(handle: *mut T) {
    if !handle.is_null() {
        // SAFETY: per this function's contract the pointer is a live Box.
        drop(unsafe { Box::from_raw(handle) });
    }
}

/// Borrows a handle; `None` when NULL.
///
/// # Safety
/// `handle` is NULL or points to a live `T` for the lifetime `'a`.
pub(crate) unsafe fn borrow<'a, T>(handle: *const T) -> Option<&'a T> {
    // SAFETY: per this function's contract.
    unsafe { handle.as_ref() }
}

/// Writes an out-parameter without reading (or dropping) what was there.
/// Returns false, writing nothing, when `out` is NULL.
///
/// # Safety
/// `out` is NULL or valid for a write of one `T`.
pub(crate) unsafe fn write<T>(out: *mut T, value: T) -> bool {
    if out.is_null() {
        return false;
    }
    // SAFETY: non-NULL and writable per this function's contract.
    unsafe { out.write(value) };
    true
}

/// Writes element `index` of a caller's array.
///
/// # Safety
/// `array` is valid for writes of at least `index + 1` elements.
pub(crate) unsafe fn write_at<T>(array: *mut T, index: usize, value: T) {
    // SAFETY: in bounds per this function's contract.
    unsafe { array.add(index).write(value) };
}

/// Borrows the caller's input bytes. NULL with length 0 is the empty input;
/// NULL with a length is `None`.
///
/// # Safety
/// `ptr` is NULL or valid for reads of `len` bytes for the lifetime `'a`.
pub(crate) unsafe fn bytes_in<'a>(ptr: *const u8, len: usize) -> Option<&'a [u8]> {
    if ptr.is_null() {
        return if len == 0 { Some(&[]) } else { None };
    }
    // SAFETY: non-NULL and readable for `len` bytes per this function's contract.
    Some(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// A borrowed view of library-owned bytes. The empty view points at a
/// static byte so callers may pass it to `memcpy`/`printf("%.*s")` freely.
#[inline]
pub(crate) fn view(bytes: &[u8]) -> sse_bytes {
    static EMPTY: u8 = 0;
    if bytes.is_empty() {
        sse_bytes {
            ptr: &EMPTY,
            len: 0,
        }
    } else {
        sse_bytes {
            ptr: bytes.as_ptr(),
            len: bytes.len(),
        }
    }
}

/// Copies `text` into the caller's buffer of `cap` bytes, truncated and
/// NUL-terminated when `cap > 0`, and returns the full length of `text`
/// (like `snprintf`). A NULL buffer only reports the length.
///
/// # Safety
/// `buf` is NULL or valid for writes of `cap` bytes.
pub(crate) unsafe fn copy_terminated(text: &[u8], buf: *mut c_char, cap: usize) -> usize {
    if !buf.is_null() && cap > 0 {
        let n = text.len().min(cap - 1);
        // SAFETY: `n + 1 <= cap` bytes are writable; `text` cannot overlap a
        // caller buffer because it is library-owned or a distinct view.
        unsafe {
            ptr::copy_nonoverlapping(text.as_ptr(), buf.cast::<u8>(), n);
            buf.add(n).write(0);
        }
    }
    text.len()
}

/// Hands an owned error to C. `sse_error` is an opaque name for [`Error`]:
/// the pointer is a `Box<Error>` cast.
pub(crate) fn error_into_raw(error: Error) -> *mut sse_error {
    into_raw(error).cast::<sse_error>()
}

/// A borrowed `sse_error` pointer for an error owned by a stream.
pub(crate) fn error_as_ptr(error: &Error) -> *const sse_error {
    ptr::from_ref(error).cast::<sse_error>()
}

/// Borrows the [`Error`] behind an `sse_error`; `None` when NULL.
///
/// # Safety
/// `error` is NULL or came from [`error_into_raw`] / [`error_as_ptr`] and
/// is still alive for `'a`.
pub(crate) unsafe fn error_ref<'a>(error: *const sse_error) -> Option<&'a Error> {
    // SAFETY: the pointer is a cast `Error` per this function's contract.
    unsafe { error.cast::<Error>().as_ref() }
}

/// Frees an error made by [`error_into_raw`]; NULL is a no-op.
///
/// # Safety
/// `error` is NULL or came from [`error_into_raw`] and was not freed before.
pub(crate) unsafe fn error_free(error: *mut sse_error) {
    // SAFETY: the pointer is a cast `Box<Error>` per this function's contract.
    unsafe { free(error.cast::<Error>()) }
}
