//! libsse: an exact, zero-copy Server-Sent Events client for load testing.
//!
//! Data flows one way: socket → hyper body frames → [`parser`] → per-stream
//! event queue → consumer (the C ABI in [`ffi`], used by C, C++ and the Go shim).

pub mod client;
pub mod error;
pub mod ffi;
pub mod parser;
pub mod runtime;
pub mod timing;

#[cfg(not(unix))]
compile_error!(
    "libsse supports unix targets only: Linux, and macOS with the pipe wake-up (no Windows)"
);
