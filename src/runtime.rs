//! One process-wide tokio runtime, started on first use.
//!
//! Worker threads: `SSE_WORKER_THREADS` if set to a positive integer, else
//! the number of cores. The thread count never depends on how many streams
//! are open; DNS lookups run on tokio's small blocking pool so no worker blocks.
//!
//! Every runtime thread blocks SIGPIPE (see `block_sigpipe`).

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
        .on_thread_start(block_sigpipe)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
}

/// Blocks SIGPIPE on the calling thread, so that a write to a connection the
/// peer has closed fails with EPIPE (the stream's error) instead of raising
/// SIGPIPE, whose default action ends the process. Rust programs ignore
/// SIGPIPE before `main`, but the programs that link libsse need not: a C
/// caller, or k6, where Go passes a SIGPIPE raised on a thread it did not
/// make to the default action. There, rustls writing its close alert to a
/// socket the server had already reset killed the whole load test.
fn block_sigpipe() {
    // SAFETY: `set` is a plain sigset_t that sigemptyset initialises before
    // use; pthread_sigmask changes the calling thread's mask only.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGPIPE);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    /// Whether SIGPIPE is blocked on the calling thread.
    fn sigpipe_blocked() -> bool {
        // SAFETY: `mask` is written by pthread_sigmask before it is read;
        // a NULL new set only queries the calling thread's mask.
        unsafe {
            let mut mask: libc::sigset_t = std::mem::zeroed();
            libc::pthread_sigmask(libc::SIG_BLOCK, std::ptr::null(), &mut mask);
            libc::sigismember(&mask, libc::SIGPIPE) == 1
        }
    }

    #[test]
    fn runtime_threads_block_sigpipe() {
        let rt = handle().expect("runtime");
        let (tx, rx) = mpsc::channel();
        let worker = tx.clone();
        rt.spawn(async move { worker.send(("worker", sigpipe_blocked())) });
        rt.spawn_blocking(move || tx.send(("blocking pool", sigpipe_blocked())));
        for _ in 0..2 {
            let (thread, blocked) = rx.recv_timeout(Duration::from_secs(10)).expect("task ran");
            assert!(blocked, "SIGPIPE is not blocked on a {thread} thread");
        }
    }
}
