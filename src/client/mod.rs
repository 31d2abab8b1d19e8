//! The engine: a `Client` (defaults + connection pool) opens `Stream`s.
//!
//! Each stream runs as one task on the shared runtime (the producer):
//! connect (or reuse a pooled connection), send, publish the response, then
//! parse body chunks into the stream's bounded queue, which the consumer
//! reads from any thread in batches. A `Poller` lets one thread wait on many
//! streams with one fd.

mod body;
mod connect;
mod gzip;
mod h2bytes;
mod host_pattern;
mod io;
mod notice;
pub mod options;
mod poller;
mod pool;
mod queue;
#[cfg(test)]
mod queue_tests;
mod reader;
mod reconnect;
mod redirect;
mod request;
mod response;
mod route;
mod sleep;
mod stream;
mod task;
#[cfg(test)]
mod task_tests;
mod tls;
mod wakeup;

pub use notice::{Notice, NoticeKind};
pub use options::{
    HeadersJson, HttpVersionPref, Options, ProxySetting, ReconnectOptions, ReconnectSetting,
    TlsOptions, TlsVersion,
};
pub use poller::Poller;
pub use queue::ReadState;
pub use reader::{Batch, Reader};
pub use response::Response;
pub use stream::{Delivered, Drain, Next, Stream};

use crate::error::Error;
use crate::parser::Limits;
use crate::timing::TimingCells;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;

const DEFAULT_QUEUE: usize = 1024;
const DEFAULT_ERROR_BODY: usize = 64 * 1024;

pub(crate) struct ClientInner {
    defaults: Options,
    pool: pool::Pool,
    tls_configs: Mutex<HashMap<(TlsOptions, HttpVersionPref), Arc<rustls::ClientConfig>>>,
}

impl ClientInner {
    fn tls_config(
        &self,
        tls: &TlsOptions,
        version: HttpVersionPref,
    ) -> Result<Arc<rustls::ClientConfig>, Error> {
        let key = (tls.clone(), version);
        let mut cache = self.tls_configs.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = cache.get(&key) {
            return Ok(c.clone());
        }
        let c = tls::build(tls, version)?;
        cache.insert(key, c.clone());
        Ok(c)
    }
}

/// Defaults plus a connection pool. Cheap to clone; clones share the pool.
/// One client per k6 VU keeps k6's connection-reuse meaning.
#[derive(Clone)]
pub struct Client {
    inner: Arc<ClientInner>,
}

impl Client {
    pub fn new(defaults: Options) -> Client {
        Client {
            inner: Arc::new(ClientInner {
                defaults,
                pool: pool::Pool::default(),
                tls_configs: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Parse client defaults from JSON (see docs/architecture.md).
    pub fn from_json(json: &[u8]) -> Result<Client, Error> {
        Ok(Client::new(Options::from_json(json)?))
    }

    /// The client's default options.
    pub fn defaults(&self) -> &Options {
        &self.inner.defaults
    }

    /// Idle pooled HTTP/1.1 connections (for tests and diagnostics).
    pub fn idle_connections(&self) -> usize {
        self.inner.pool.idle_count()
    }

    /// Start a request; returns at once, the request runs on the runtime.
    /// `Err` only for invalid options (bad URL, header, TLS material, …).
    pub fn start(&self, req: Options) -> Result<Stream, Error> {
        let start_ns = crate::timing::now_ns();
        let start_instant = tokio::time::Instant::now();
        let opts = req.merged_over(&self.inner.defaults);
        let route = route::plan(&opts, |t, v| self.inner.tls_config(t, v))?;
        let request = request::RequestTemplate::from_options(&opts)?;
        let to_usize =
            |v: Option<u64>, d: usize| v.map_or(d, |v| usize::try_from(v).unwrap_or(usize::MAX));
        let capacity = to_usize(opts.queue_capacity, DEFAULT_QUEUE);
        let settings = task::Settings {
            connect_timeout: opts.connect_timeout_ms.map(Duration::from_millis),
            header_timeout: opts.header_timeout_ms.map(Duration::from_millis),
            idle_timeout: opts.idle_timeout_ms.map(Duration::from_millis),
            total_deadline: opts
                .total_timeout_ms
                .map(|ms| (start_instant + Duration::from_millis(ms), ms)),
            reuse: !opts.no_connection_reuse.unwrap_or(false),
            decompress: opts.decompress.unwrap_or(true),
            max_line: to_usize(opts.max_line_bytes, Limits::DEFAULT_MAX_LINE),
            max_event: to_usize(opts.max_event_bytes, Limits::DEFAULT_MAX_EVENT),
            error_body_bytes: to_usize(opts.error_body_bytes, DEFAULT_ERROR_BODY),
        };
        let shared = Arc::new(queue::Queue::new(capacity));
        TimingCells::set(&shared.timings.start, start_ns);
        let reconnect = reconnect::Policy::from_setting(opts.reconnect.as_ref()).map(|policy| {
            // Jitter differs per stream: the address tells streams apart.
            let seed = start_ns ^ (Arc::as_ptr(&shared) as u64);
            reconnect::Reconnect::new(policy, seed, &request, &opts)
        });
        let task = task::Task {
            shared: shared.clone(),
            client: self.inner.clone(),
            route,
            request: Some(request),
            redirects: redirect::Redirects::new(opts),
            settings,
            reconnect,
        };
        let handle = crate::runtime::handle()?.spawn(task.run());
        Ok(Stream::new(shared, handle))
    }

    /// Start a request and block the calling thread until response headers
    /// are in (any status) or the request failed. Never call it from a
    /// runtime thread.
    pub fn open(&self, req: Options) -> Result<Stream, Error> {
        let stream = self.start(req)?;
        match stream.wait_open(None) {
            Poll::Ready(Ok(())) => Ok(stream),
            Poll::Ready(Err(e)) => Err(e),
            Poll::Pending => Err(Error::new(
                crate::error::ErrorKind::Internal,
                "internal error: the stream neither opened nor failed",
            )),
        }
    }
}
