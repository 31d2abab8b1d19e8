//! The connection pool: idle HTTP/1.1 connections per key, and one shared
//! HTTP/2 connection per key. A connection only comes back here when its
//! response body ended cleanly, so a half-read connection is never reused.

use super::io::ConnCounters;
use super::route::PoolKey;
use bytes::Bytes;
use http_body_util::Full;
use hyper::client::conn::{http1, http2};
use std::collections::HashMap;
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

#[derive(Default)]
struct Inner {
    idle: HashMap<PoolKey, Vec<Idle>>,
    h2: HashMap<PoolKey, (http2::SendRequest<ReqBody>, Arc<ConnCounters>)>,
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

    /// An idle HTTP/1.1 connection or the shared HTTP/2 one for this key.
    pub fn checkout(&self, key: &PoolKey) -> Option<(Sender, Arc<ConnCounters>)> {
        let mut inner = self.lock();
        if let Some((s, c)) = inner.h2.get(key) {
            if !s.is_closed() {
                return Some((Sender::H2(s.clone()), c.clone()));
            }
            inner.h2.remove(key);
        }
        let list = inner.idle.get_mut(key)?;
        let now = Instant::now();
        while let Some(idle) = list.pop() {
            if !idle.sender.is_closed() && now.duration_since(idle.since) < IDLE_MAX {
                return Some((Sender::H1(idle.sender), idle.counters));
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

    /// Share an HTTP/2 connection for later streams to the same key.
    pub fn put_h2(
        &self,
        key: &PoolKey,
        sender: &http2::SendRequest<ReqBody>,
        counters: &Arc<ConnCounters>,
    ) {
        self.lock()
            .h2
            .insert(key.clone(), (sender.clone(), counters.clone()));
    }

    /// Number of idle HTTP/1.1 connections (all keys); for tests.
    pub fn idle_count(&self) -> usize {
        self.lock().idle.values().map(Vec::len).sum()
    }
}
