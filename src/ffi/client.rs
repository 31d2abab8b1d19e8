//! `sse_client`: a connection pool plus default options for its streams.

use crate::client::{Client, Options};
use crate::error::Error;

use super::error::fail;
use super::handle;
use super::types::{sse_error, sse_result};

/// A connection pool and the default options of the streams it opens.
/// Opaque; made by `sse_client_new`, freed by `sse_client_free`.
pub struct sse_client {
    pub(crate) client: Client,
}

/// Parses options, reporting an invalid document through `err`.
pub(crate) fn parse_options(
    json: *const u8,
    len: usize,
    err: *mut *mut sse_error,
) -> Result<Options, sse_result> {
    // SAFETY: the header's contract: `json` is NULL or has `len` readable bytes.
    let bytes = match unsafe { handle::bytes_in(json, len) } {
        Some(bytes) => bytes,
        None => return Err(sse_result::SSE_ERR_NULL),
    };
    let bytes: &[u8] = if bytes.is_empty() { b"{}" } else { bytes };
    Options::from_json(bytes).map_err(|e: Error| fail(err, e, sse_result::SSE_ERR_INVALID))
}

/// Makes a client from options JSON (`json`, `len` bytes; the keys are in
/// the banner; NULL with `len` 0 or "{}" gives the defaults). Its options
/// are the defaults of every stream opened on it.
///
/// On `SSE_OK`, `*out` is a new client that must be freed with
/// `sse_client_free`. On `SSE_ERR_INVALID`, `*err` (when `err` is not NULL)
/// is an error naming the bad key that must be freed with `sse_error_free`.
/// `err` may be NULL. Thread-safe.
#[no_mangle]
pub extern "C" fn sse_client_new(
    json: *const u8,
    len: usize,
    out: *mut *mut sse_client,
    err: *mut *mut sse_error,
) -> sse_result {
    ffi_boundary!({
        non_null!(out);
        let defaults = match parse_options(json, len, err) {
            Ok(options) => options,
            Err(code) => return code,
        };
        let client = handle::into_raw(sse_client {
            client: Client::new(defaults),
        });
        // SAFETY: `out` is non-NULL and writable per the header's contract.
        unsafe { handle::write(out, client) };
        sse_result::SSE_OK
    })
}

/// Frees a client. NULL is a no-op. Streams opened on it keep working (they
/// hold the pool) and must still be closed with `sse_close`. Using the
/// client after this call is undefined.
#[no_mangle]
pub extern "C" fn sse_client_free(client: *mut sse_client) {
    ffi_boundary!({
        // SAFETY: the header's contract: NULL or a live client not used by
        // another thread during this call.
        unsafe { handle::free(client) }
    })
}
