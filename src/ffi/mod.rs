//! The C ABI (`include/sse.h`) and nothing else.
//!
//! Every export lives in this module tree, is wrapped in [`ffi_boundary!`]
//! (panics become `SSE_ERR_PANIC` or a neutral value) and converts its
//! pointer arguments through [`handle`], the only code that touches raw
//! pointers. The header is generated from these files by `build.rs`
//! (cbindgen); the doc comments here are the header's documentation.

// The exported names are C names (`sse_client`, `SSE_OK`).
#![allow(non_camel_case_types)]
// C callers cannot write `unsafe`: the pointer contract of every export is
// stated once in the header banner (cbindgen.toml) and checked in `handle`.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

#[macro_use]
mod macros;
mod client;
mod error;
mod events;
mod handle;
mod library;
mod poller;
mod stream;
mod types;

pub use client::*;
pub use error::*;
pub use events::*;
pub use library::*;
pub use poller::*;
pub use stream::*;
pub use types::*;

#[cfg(test)]
mod tests;
