//! Unit tests of the boundary machinery that need no network: panics and
//! NULLs at the boundary, message copying, views, error kinds, version.
//! The calls that need a server are tested from C (tests/c/).

use std::ffi::{c_char, CStr};
use std::ptr;

use bytes::Bytes;

use super::handle;
use super::*;
use crate::error::{Error, ErrorKind};

fn error(kind: ErrorKind, status: u16, message: &str, body: &'static [u8]) -> Error {
    Error {
        kind,
        status,
        message: message.to_string(),
        body: Bytes::from_static(body),
    }
}

#[test]
fn a_panic_becomes_err_panic_or_a_neutral_value() {
    fn panicking_result() -> sse_result {
        ffi_boundary!({
            if std::hint::black_box(true) {
                panic!("bug");
            }
            sse_result::SSE_OK
        })
    }
    fn panicking_count() -> usize {
        ffi_boundary!({
            if std::hint::black_box(true) {
                panic!("bug");
            }
            7
        })
    }
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {})); // keep the test output clean
    let result = panicking_result();
    let count = panicking_count();
    std::panic::set_hook(hook);
    assert_eq!(result, sse_result::SSE_ERR_PANIC);
    assert_eq!(count, 0);
}

#[test]
fn null_handles_and_out_pointers_are_rejected() {
    let mut client: *mut sse_client = ptr::null_mut();
    assert_eq!(
        sse_client_new(ptr::null(), 0, ptr::null_mut(), ptr::null_mut()),
        sse_result::SSE_ERR_NULL
    );
    assert_eq!(
        sse_client_new(ptr::null(), 3, &mut client, ptr::null_mut()),
        sse_result::SSE_ERR_NULL
    );
    assert!(client.is_null());
    assert_eq!(sse_cancel(ptr::null()), sse_result::SSE_ERR_NULL);
    assert_eq!(sse_stream_fd(ptr::null()), -1);
    assert_eq!(sse_stream_status(ptr::null()), 0);
    assert!(sse_stream_error(ptr::null()).is_null());
    assert_eq!(
        sse_error_kind_of(ptr::null()),
        sse_error_kind::SSE_ERROR_NONE
    );
    sse_close(ptr::null_mut());
    sse_client_free(ptr::null_mut());
    sse_error_free(ptr::null_mut());
}

#[test]
fn error_calls_read_an_owned_error() {
    let raw = handle::error_into_raw(error(ErrorKind::HttpStatus, 503, "HTTP 503", b"busy"));
    assert_eq!(
        sse_error_kind_of(raw),
        sse_error_kind::SSE_ERROR_HTTP_STATUS
    );
    assert_eq!(sse_error_status(raw), 503);
    let mut body = sse_bytes {
        ptr: ptr::null(),
        len: 0,
    };
    assert_eq!(sse_error_body(raw, &mut body), sse_result::SSE_OK);
    // SAFETY: the view borrows from the live error.
    assert_eq!(
        unsafe { std::slice::from_raw_parts(body.ptr, body.len) },
        b"busy"
    );
    assert_eq!(
        sse_error_body(raw, ptr::null_mut()),
        sse_result::SSE_ERR_NULL
    );

    let mut buf = [0x55 as c_char; 5];
    assert_eq!(sse_error_message(raw, buf.as_mut_ptr(), buf.len()), 8);
    // SAFETY: the call NUL-terminated the buffer.
    assert_eq!(unsafe { CStr::from_ptr(buf.as_ptr()) }.to_bytes(), b"HTTP");
    assert_eq!(sse_error_message(raw, ptr::null_mut(), 0), 8);
    assert_eq!(sse_error_message(raw, buf.as_mut_ptr(), 0), 8);
    assert_eq!(buf[0], b'H' as c_char, "cap 0 writes nothing");
    sse_error_free(raw);
}

#[test]
fn empty_views_point_at_a_valid_byte() {
    let empty = handle::view(&[]);
    assert!(!empty.ptr.is_null());
    assert_eq!(empty.len, 0);
    let data = b"abc";
    let full = handle::view(data);
    assert_eq!((full.ptr, full.len), (data.as_ptr(), 3));
}

#[test]
fn bytes_copy_truncates_like_snprintf() {
    let text = b"hello";
    let view = handle::view(text);
    let mut buf = [0 as c_char; 4];
    assert_eq!(sse_bytes_copy(view, buf.as_mut_ptr(), buf.len()), 5);
    // SAFETY: NUL-terminated by the call.
    assert_eq!(unsafe { CStr::from_ptr(buf.as_ptr()) }.to_bytes(), b"hel");
    let null_view = sse_bytes {
        ptr: ptr::null(),
        len: 9,
    };
    assert_eq!(sse_bytes_copy(null_view, buf.as_mut_ptr(), buf.len()), 0);
    assert_eq!(buf[0], 0);
}

#[test]
fn every_error_kind_has_the_name_of_its_c_value() {
    let kinds = [
        (ErrorKind::InvalidRequest, "invalid_request"),
        (ErrorKind::Dns, "dns"),
        (ErrorKind::Connect, "connect"),
        (ErrorKind::Tls, "tls"),
        (ErrorKind::ConnectTimeout, "connect_timeout"),
        (ErrorKind::HeaderTimeout, "header_timeout"),
        (ErrorKind::IdleTimeout, "idle_timeout"),
        (ErrorKind::TotalTimeout, "total_timeout"),
        (ErrorKind::HttpStatus, "http_status"),
        (ErrorKind::Protocol, "protocol"),
        (ErrorKind::LimitExceeded, "limit_exceeded"),
        (ErrorKind::Cancelled, "cancelled"),
        (ErrorKind::Denied, "denied"),
        (ErrorKind::Io, "io"),
        (ErrorKind::Internal, "internal"),
        (ErrorKind::ContentType, "content_type"),
    ];
    for (index, (kind, name)) in kinds.into_iter().enumerate() {
        let c_value = sse_error_kind::from(kind) as i32;
        assert_eq!(c_value, index as i32 + 1, "{kind:?} keeps its number");
        // SAFETY: the names are static NUL-terminated strings.
        let got = unsafe { CStr::from_ptr(sse_error_kind_name(c_value)) };
        assert_eq!(got.to_str(), Ok(name));
    }
    for unknown in [-1, 17, i32::MAX] {
        // SAFETY: as above.
        let got = unsafe { CStr::from_ptr(sse_error_kind_name(unknown)) };
        assert_eq!(got.to_str(), Ok("unknown"));
    }
}

#[test]
fn version_is_the_crate_version() {
    // SAFETY: static NUL-terminated string.
    let version = unsafe { CStr::from_ptr(sse_version()) };
    assert_eq!(version.to_str(), Ok(env!("CARGO_PKG_VERSION")));
}

#[test]
fn invalid_client_options_name_the_key() {
    let json = br#"{"no_such_key": 1}"#;
    let mut client: *mut sse_client = ptr::null_mut();
    let mut err: *mut sse_error = ptr::null_mut();
    let result = sse_client_new(json.as_ptr(), json.len(), &mut client, &mut err);
    assert_eq!(result, sse_result::SSE_ERR_INVALID);
    assert!(client.is_null());
    assert_eq!(
        sse_error_kind_of(err),
        sse_error_kind::SSE_ERROR_INVALID_REQUEST
    );
    let mut buf = [0 as c_char; 256];
    sse_error_message(err, buf.as_mut_ptr(), buf.len());
    // SAFETY: NUL-terminated by the call.
    let message = unsafe { CStr::from_ptr(buf.as_ptr()) }.to_string_lossy();
    assert!(message.contains("no_such_key"), "{message}");
    sse_error_free(err);

    let mut client: *mut sse_client = ptr::null_mut();
    assert_eq!(
        sse_client_new(b"{}".as_ptr(), 2, &mut client, ptr::null_mut()),
        sse_result::SSE_OK
    );
    assert!(!client.is_null());
    sse_client_free(client);
}
