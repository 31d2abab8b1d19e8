//! One process-wide tokio runtime, started on first use.
//!
//! Worker threads: `SSE_WORKER_THREADS` if set to a positive integer, else
//! the number of cores. The thread count never depends on how many streams
//! are open; DNS lookups run on tokio's blocking pool so no worker blocks.

use once_cell::sync::Lazy;
use tokio::runtime::{Builder, Runtime};

static RUNTIME: Lazy<Runtime> = Lazy::new(build);

fn worker_threads() -> usize {
    std::env::var("SSE_WORKER_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

fn build() -> Runtime {
    let built = Builder::new_multi_thread()
        .worker_threads(worker_threads())
        // DNS lookups are the only blocking work; keep that pool small so the
        // thread count stays independent of the number of streams.
        .max_blocking_threads(4)
        .thread_name("sse-worker")
        .enable_all()
        .build();
    match built {
        Ok(rt) => rt,
        // Without a runtime the library cannot do anything; this only
        // happens when the OS refuses threads or epoll.
        Err(e) => panic!("libsse: cannot start the tokio runtime: {e}"),
    }
}

/// The shared runtime.
pub fn get() -> &'static Runtime {
    &RUNTIME
}

/// A handle to the shared runtime.
pub fn handle() -> &'static tokio::runtime::Handle {
    RUNTIME.handle()
}
