//! `sse-testserver`: a deterministic Server-Sent Events server for tests,
//! benchmarks and demos — generated event streams, an OpenAI-compatible
//! streaming chat endpoint, and faults. See `docs/testserver.md`.
//!
//! ```no_run
//! let server = sse_testserver::spawn(sse_testserver::Config::default());
//! let url = format!("{}/events?count=3", server.url());
//! # drop(url);
//! ```

mod body;
pub mod calibrate;
pub mod clock;
mod config;
mod conn;
mod echo;
mod events;
mod faults;
pub mod llm;
mod query;
pub mod rlimit;
mod router;
mod server;
mod sse_write;
mod tls;
mod truth;

pub use config::{Config, LlmConfig};
pub use faults::BAD_CHUNK;
pub use server::{bind, spawn, try_spawn, Bound, ServerHandle};
