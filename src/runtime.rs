//! One process-wide tokio runtime, started on first use.
//!
//! Worker threads: `SSE_WORKER_THREADS` if set to a positive integer, else
//! the number of cores. The thread count never depends on how many streams
//! are open; DNS lookups run on tokio's small blocking pool so no worker blocks.

use crate::error::{Error, ErrorKind};
use once_cell::sync::Lazy;
use tokio::runtime::{Builder, Handle, Runtime};

/// The runtime, or why it could not start (the OS refused threads or epoll);
/// kept so every later call reports the same reason instead of panicking.
static RUNTIME: Lazy<Result<Runtime, String>> = Lazy::new(build);

fn worker_threads() -> usize {
    std::env::var("SSE_WORKER_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

fn build() -> Result<Runtime, String> {
    Builder::new_multi_thread()
        .worker_threads(worker_threads())
        // DNS lookups are the only blocking work; keep that pool small so the
        // thread count stays independent of the number of streams.
        .max_blocking_threads(4)
        .thread_name("sse-worker")
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
}

/// A handle to the shared runtime, starting it on first use.
pub fn handle() -> Result<&'static Handle, Error> {
    match &*RUNTIME {
        Ok(rt) => Ok(rt.handle()),
        Err(e) => Err(Error::new(
            ErrorKind::Io,
            format!("libsse: cannot start the tokio runtime: {e}"),
        )),
    }
}
