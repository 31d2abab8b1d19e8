//! The connection pool: idle HTTP/1.1 connections per key, and one shared
//! HTTP/2 connection per key. A connection only comes back here when its
//! response body ended cleanly, so a half-read connection is never reused.

use super::io::ConnCounters;
use super::route::PoolKey;
use bytes::Bytes;
use http_body_util::Full;
use hyper::client::conn::{http1, http2};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub(crate) type ReqBody = Full<Bytes>;

pub(crate) enum Sender {
    H1(http1::SendRequest<ReqBody>),
    H2(http2::SendRequest<ReqBody>),
}

/// How long an idle HTTP/1.1 connection is kept; servers commonly close
/// theirs after 60–120 s, and a stale one costs a retry.
const IDLE_MAX: Duration = Duration::from_secs(60);
/// Idle connections kept per key; more are closed.
const IDLE_PER_KEY: usize = 64;

struct Idle {
    sender: http1::SendRequest<ReqBody>,
    counters: Arc<ConnCounters>,
    since: Instant,
}

/// A shared HTTP/2 connection and how many streams use it, so no stream
/// is queued behind the server's SETTINGS_MAX_CONCURRENT_STREAMS.
struct H2Conn {
    sender: http2::SendRequest<ReqBody>,
    counters: Arc<ConnCounters>,
    active: Arc<AtomicUsize>,
    max_streams: Arc<AtomicUsize>,
}

/// One stream's place on a shared HTTP/2 connection; freed on drop.
pub(crate) struct H2Slot(Arc<AtomicUsize>);

impl Drop for H2Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A connection from the pool; `slot` is held for the stream's life on HTTP/2.
pub(crate) struct Checkout {
    pub sender: Sender,
    pub counters: Arc<ConnCounters>,
    pub slot: Option<H2Slot>,
}

#[derive(Default)]
struct Inner {
    idle: HashMap<PoolKey, Vec<Idle>>,
    h2: HashMap<PoolKey, Vec<H2Conn>>,
}

#[derive(Default)]
pub(crate) struct Pool {
    inner: Mutex<Inner>,
}

impl Pool {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding this lock leaves only a map behind; keep going.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// An idle HTTP/1.1 connection, or a shared HTTP/2 one with room for
    /// another stream, for this key.
    pub fn checkout(&self, key: &PoolKey) -> Option<Checkout> {
        let mut inner = self.lock();
        if let Some(list) = inner.h2.get_mut(key) {
            list.retain(|c| !c.sender.is_closed());
            for c in list.iter() {
                if c.active.load(Ordering::SeqCst) < c.max_streams.load(Ordering::Relaxed) {
                    c.active.fetch_add(1, Ordering::SeqCst);
                    return Some(Checkout {
                        sender: Sender::H2(c.sender.clone()),
                        counters: c.counters.clone(),
                        slot: Some(H2Slot(c.active.clone())),
                    });
                }
            }
        }
        let list = inner.idle.get_mut(key)?;
        let now = Instant::now();
        while let Some(idle) = list.pop() {
            if !idle.sender.is_closed() && now.duration_since(idle.since) < IDLE_MAX {
                return Some(Checkout {
                    sender: Sender::H1(idle.sender),
                    counters: idle.counters,
                    slot: None,
                });
            }
        }
        None
    }

    /// Return an HTTP/1.1 connection whose response ended cleanly.
    pub fn put_h1(
        &self,
        key: &PoolKey,
        sender: http1::SendRequest<ReqBody>,
        counters: Arc<ConnCounters>,
    ) {
        if sender.is_closed() {
            return;
        }
        let mut inner = self.lock();
        let list = inner.idle.entry(key.clone()).or_default();
        if list.len() < IDLE_PER_KEY {
            list.push(Idle {
                sender,
                counters,
                since: Instant::now(),
            });
        }
    }

    /// Share a new HTTP/2 connection for later streams to the same key;
    /// returns the slot of the stream that opened it.
    pub fn put_h2(
        &self,
        key: &PoolKey,
        sender: &http2::SendRequest<ReqBody>,
        counters: &Arc<ConnCounters>,
        max_streams: Arc<AtomicUsize>,
    ) -> H2Slot {
        let active = Arc::new(AtomicUsize::new(1));
        self.lock().h2.entry(key.clone()).or_default().push(H2Conn {
            sender: sender.clone(),
            counters: counters.clone(),
            active: active.clone(),
            max_streams,
        });
        H2Slot(active)
    }

    /// Number of idle HTTP/1.1 connections (all keys); for tests.
    pub fn idle_count(&self) -> usize {
        self.lock().idle.values().map(Vec::len).sum()
    }
}
