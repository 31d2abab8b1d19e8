//! The two wrappers every export goes through: one catches panics at the
//! boundary, one rejects NULL pointer arguments. The value each returns is
//! chosen by the export's return type (traits below), so a function that
//! returns `sse_result` reports `SSE_ERR_PANIC` / `SSE_ERR_NULL` and one that
//! returns a count or a pointer reports 0 / NULL.

use std::ffi::c_int;

use super::types::{sse_error_kind, sse_result};

/// The value an export returns when a panic was caught at the boundary.
pub(crate) trait OnPanic {
    fn on_panic() -> Self;
}

/// The value an export returns when a required pointer argument is NULL.
pub(crate) trait OnNull {
    fn on_null() -> Self;
}

impl OnPanic for sse_result {
    fn on_panic() -> Self {
        sse_result::SSE_ERR_PANIC
    }
}

impl OnNull for sse_result {
    fn on_null() -> Self {
        sse_result::SSE_ERR_NULL
    }
}

/// Types whose neutral value serves for both a caught panic and a NULL
/// argument: functions returning them have no error channel.
macro_rules! neutral_on_failure {
    ($($ty:ty => $value:expr),* $(,)?) => {$(
        impl OnPanic for $ty {
            fn on_panic() -> Self { $value }
        }
        impl OnNull for $ty {
            fn on_null() -> Self { $value }
        }
    )*};
}

neutral_on_failure! {
    () => (),
    bool => false,
    u16 => 0,
    u64 => 0,
    usize => 0,
    c_int => -1,
    sse_error_kind => sse_error_kind::SSE_ERROR_NONE,
}

impl<T> OnPanic for *const T {
    fn on_panic() -> Self {
        std::ptr::null()
    }
}

impl<T> OnNull for *const T {
    fn on_null() -> Self {
        std::ptr::null()
    }
}

/// Runs an export's body, catching any panic so it never unwinds into C.
/// `return` inside the body returns from the export.
macro_rules! ffi_boundary {
    ($body:block) => {
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| $body)) {
            Ok(value) => value,
            Err(_) => $crate::ffi::macros::OnPanic::on_panic(),
        }
    };
}

/// Returns the export's NULL value when any of the given pointer arguments
/// is NULL. Use it for out-pointers; handles go through [`arg_ref!`].
macro_rules! non_null {
    ($($ptr:ident),+ $(,)?) => {
        $(
            if $ptr.is_null() {
                return $crate::ffi::macros::OnNull::on_null();
            }
        )+
    };
}

/// Turns a handle argument into a reference, or returns the export's NULL
/// value when it is NULL.
macro_rules! arg_ref {
    ($ptr:ident) => {
        // SAFETY: the header's contract: a non-NULL handle argument is a live
        // handle made by this library, used within its thread-safety rules.
        match unsafe { $crate::ffi::handle::borrow($ptr) } {
            Some(reference) => reference,
            None => return $crate::ffi::macros::OnNull::on_null(),
        }
    };
}
