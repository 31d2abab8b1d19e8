//! The stream task: get a connection (pooled or new), send the request,
//! publish the response, then read body chunks, parse them and push the
//! events into the bounded queue, pausing while it is full.

use super::connect;
use super::gzip::{Gunzip, STEP};
use super::io::ConnCounters;
use super::pool::{ReqBody, Sender};
use super::request::RequestTemplate;
use super::response::Response;
use super::route::Route;
use super::stream::{Delivered, Shared};
use super::ClientInner;
use crate::error::{Error, ErrorKind};
use crate::parser::{Limits, Parser};
use crate::timing::{now_ns, TimingCells};
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

pub(crate) struct Task {
    pub shared: Arc<Shared>,
    pub tx: crossbeam_channel::Sender<Delivered>,
    pub client: Arc<ClientInner>,
    pub route: Route,
    pub request: RequestTemplate,
    pub settings: Settings,
}

pub(crate) struct Settings {
    pub connect_timeout: Option<Duration>,
    pub header_timeout: Option<Duration>,
    pub idle_timeout: Option<Duration>,
    pub total_deadline: Option<(Instant, u64)>,
    pub reuse: bool,
    pub decompress: bool,
    pub max_line: usize,
    pub max_event: usize,
    pub error_body_bytes: usize,
}

/// What the body loop leaves behind when it ends cleanly.
struct CleanEnd {
    sender: Option<hyper::client::conn::http1::SendRequest<ReqBody>>,
    counters: Arc<ConnCounters>,
}

fn ms(d: Duration) -> u128 {
    d.as_millis()
}

impl Task {
    pub async fn run(mut self) {
        let result = match self.settings.total_deadline {
            Some((deadline, total_ms)) => {
                match tokio::time::timeout_at(deadline, self.drive()).await {
                    Ok(r) => r,
                    Err(_) => Err(Error::new(
                        ErrorKind::TotalTimeout,
                        format!("the stream ran longer than total_timeout_ms ({total_ms} ms)"),
                    )),
                }
            }
            None => self.drive().await,
        };
        match result {
            Ok(end) => {
                if let Some(sender) = end.sender {
                    self.give_back(sender, end.counters).await;
                }
                self.shared.set_ended();
            }
            Err(e) => self.shared.set_failed(e),
        }
        // `self.tx` drops here, after the terminal state is set, so blocked
        // consumers wake and see it.
    }

    /// Return a cleanly finished HTTP/1.1 connection to the pool, before
    /// reporting the end so the next stream of this caller finds it.
    async fn give_back(
        &self,
        mut sender: hyper::client::conn::http1::SendRequest<ReqBody>,
        counters: Arc<ConnCounters>,
    ) {
        let ready = tokio::time::timeout(Duration::from_secs(1), sender.ready()).await;
        if matches!(ready, Ok(Ok(()))) {
            self.client.pool.put_h1(&self.route.key, sender, counters);
        }
    }

    async fn connect_new(&self) -> Result<connect::Connected, Error> {
        let fut = connect::connect(&self.route, &self.shared.timings);
        match self.settings.connect_timeout {
            None => fut.await,
            Some(t) => tokio::time::timeout(t, fut).await.unwrap_or_else(|_| {
                Err(Error::new(
                    ErrorKind::ConnectTimeout,
                    format!(
                        "connecting to {}:{} took longer than connect_timeout_ms ({} ms)",
                        self.route.target.host,
                        self.route.target.port,
                        ms(t)
                    ),
                ))
            }),
        }
    }

    /// A pooled connection that is ready for a request, if any.
    async fn pooled(&self) -> Option<(Sender, Arc<ConnCounters>)> {
        if !self.settings.reuse {
            return None;
        }
        while let Some((sender, counters)) = self.client.pool.checkout(&self.route.key) {
            match sender {
                Sender::H1(mut s) => {
                    if s.ready().await.is_ok() {
                        return Some((Sender::H1(s), counters));
                    }
                }
                Sender::H2(s) => return Some((Sender::H2(s), counters)),
            }
        }
        None
    }

    async fn send(
        &self,
        sender: &mut Sender,
        counters: &ConnCounters,
    ) -> Result<http::Response<Incoming>, Error> {
        let h2 = matches!(sender, Sender::H2(_));
        let req = self.request.build(&self.route, h2)?;
        counters.arm_first_read();
        type SendFut = std::pin::Pin<
            Box<dyn std::future::Future<Output = hyper::Result<http::Response<Incoming>>> + Send>,
        >;
        let fut: SendFut = match sender {
            Sender::H1(s) => Box::pin(s.send_request(req)),
            Sender::H2(s) => Box::pin(s.send_request(req)),
        };
        let map = |e: hyper::Error| body_error("sending the request failed", &e);
        match self.settings.header_timeout {
            None => fut.await.map_err(map),
            Some(t) => match tokio::time::timeout(t, fut).await {
                Ok(r) => r.map_err(map),
                Err(_) => Err(Error::new(
                    ErrorKind::HeaderTimeout,
                    format!(
                        "no response headers within header_timeout_ms ({} ms)",
                        ms(t)
                    ),
                )),
            },
        }
    }

    async fn drive(&mut self) -> Result<CleanEnd, Error> {
        connect::check_host(&self.route)?;
        let t = &self.shared.timings;
        let (sender, counters, response) = match self.pooled().await {
            Some((mut sender, counters)) => {
                t.reused.store(true, Ordering::Relaxed);
                let base = (counters.read(), counters.written());
                match self.send(&mut sender, &counters).await {
                    Ok(r) => (sender, counters, (r, base)),
                    // A pooled connection the server closed meanwhile: retry
                    // once on a new one (nothing of the response was seen).
                    Err(e) if e.kind != ErrorKind::HeaderTimeout => {
                        t.reused.store(false, Ordering::Relaxed);
                        self.fresh().await?
                    }
                    Err(e) => return Err(e),
                }
            }
            None => self.fresh().await?,
        };
        let (response, (base_read, base_written)) = response;
        let t = &self.shared.timings;
        TimingCells::mark(&t.headers);
        TimingCells::set(
            &t.request_sent,
            counters.last_write_ns.load(Ordering::Relaxed),
        );
        TimingCells::set(
            &t.first_byte,
            counters.first_read_ns.load(Ordering::Relaxed),
        );
        let update_bytes = |t: &TimingCells| {
            TimingCells::set(&t.bytes_read, counters.read().saturating_sub(base_read));
            TimingCells::set(
                &t.bytes_written,
                counters.written().saturating_sub(base_written),
            );
        };
        update_bytes(t);

        let (parts, body) = response.into_parts();
        let resp = Response::from_parts(&parts);
        let keep_alive = !header_has_token(&parts.headers, "close");
        let gzip = self.settings.decompress
            && parts
                .headers
                .get(http::header::CONTENT_ENCODING)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("gzip"));
        let status = parts.status;
        self.shared.set_response(resp);

        if !status.is_success() {
            let body = self.read_error_body(body).await;
            update_bytes(&self.shared.timings);
            return Err(Error::http_status(
                status.as_u16(),
                status.canonical_reason().unwrap_or(""),
                body,
            ));
        }

        self.read_events(body, gzip, &|| update_bytes(&self.shared.timings))
            .await?;
        update_bytes(&self.shared.timings);
        let sender = match sender {
            Sender::H1(s) if keep_alive && self.settings.reuse => Some(s),
            _ => None,
        };
        // An HTTP/2 sender is shared through the pool; this clone drops here.
        Ok(CleanEnd { sender, counters })
    }

    /// Connect anew and send; shares a new HTTP/2 connection via the pool.
    #[allow(clippy::type_complexity)]
    async fn fresh(
        &self,
    ) -> Result<
        (
            Sender,
            Arc<ConnCounters>,
            (http::Response<Incoming>, (u64, u64)),
        ),
        Error,
    > {
        let connect::Connected {
            mut sender,
            counters,
        } = self.connect_new().await?;
        if let Sender::H2(s) = &sender {
            if self.settings.reuse {
                self.client.pool.put_h2(&self.route.key, s, &counters);
            }
        }
        // A new connection's bytes (TLS handshake included) are all this stream's.
        let r = self.send(&mut sender, &counters).await?;
        Ok((sender, counters, (r, (0, 0))))
    }

    async fn read_error_body(&self, mut body: Incoming) -> Bytes {
        let cap = self.settings.error_body_bytes;
        let mut out = Vec::new();
        while out.len() < cap {
            let frame = match self.settings.idle_timeout {
                Some(t) => match tokio::time::timeout(t, body.frame()).await {
                    Ok(f) => f,
                    Err(_) => break,
                },
                None => body.frame().await,
            };
            match frame {
                Some(Ok(f)) => {
                    if let Ok(data) = f.into_data() {
                        let take = data.len().min(cap - out.len());
                        out.extend_from_slice(&data[..take]);
                    }
                }
                _ => break,
            }
        }
        Bytes::from(out)
    }

    async fn read_events(
        &self,
        mut body: Incoming,
        gzip: bool,
        update_bytes: &(dyn Fn() + Sync),
    ) -> Result<(), Error> {
        let mut parser = Parser::new(Limits {
            max_line: self.settings.max_line,
            max_event: self.settings.max_event,
        });
        let mut gunzip = gzip.then(Gunzip::new);
        let mut batch: Vec<Delivered> = Vec::new();
        let idle = self.settings.idle_timeout;
        let sleep = tokio::time::sleep(idle.unwrap_or(Duration::from_secs(86_400)));
        tokio::pin!(sleep);
        loop {
            if let Some(t) = idle {
                sleep.as_mut().reset(Instant::now() + t);
            }
            let frame = tokio::select! {
                biased;
                f = body.frame() => f,
                _ = &mut sleep, if idle.is_some() => {
                    return Err(Error::new(
                        ErrorKind::IdleTimeout,
                        format!(
                            "no data from the server for idle_timeout_ms ({} ms)",
                            idle.map_or(0, ms)
                        ),
                    ));
                }
            };
            let data = match frame {
                None => break,
                Some(Err(e)) => return Err(body_error("reading the event stream failed", &e)),
                Some(Ok(f)) => match f.into_data() {
                    Ok(d) => d,
                    Err(_) => continue, // trailers carry no events
                },
            };
            let at = now_ns();
            update_bytes();
            match &mut gunzip {
                None => {
                    feed(&mut parser, data, at, &mut batch)?;
                    self.deliver(&mut batch).await?;
                }
                Some(g) => {
                    for piece in data.chunks(STEP) {
                        let plain = g.step(piece).map_err(|e| {
                            Error::new(
                                ErrorKind::Protocol,
                                format!("the gzip response body is corrupt: {e}"),
                            )
                        })?;
                        if !plain.is_empty() {
                            feed(&mut parser, plain, at, &mut batch)?;
                            self.deliver(&mut batch).await?;
                        }
                    }
                }
            }
        }
        let at = now_ns();
        parser
            .finish(|event| batch.push(Delivered { event, at_ns: at }))
            .map_err(limit_error)?;
        self.deliver(&mut batch).await
    }

    /// Push a batch into the queue, waiting (not blocking) while it is full.
    async fn deliver(&self, batch: &mut Vec<Delivered>) -> Result<(), Error> {
        if batch.is_empty() {
            return Ok(());
        }
        let shared = &self.shared;
        let t = &shared.timings;
        if t.first_event.load(Ordering::Relaxed) == 0 {
            TimingCells::set(&t.first_event, batch[0].at_ns);
        }
        t.events.fetch_add(batch.len() as u64, Ordering::Relaxed);
        for ev in batch.drain(..) {
            // Only this task adds to `queued`, so checking then adding is exact.
            while shared.queued.load(Ordering::SeqCst) >= shared.capacity {
                shared.wakeup.signal();
                if shared.is_cancelled() {
                    return Err(Error::cancelled());
                }
                let notified = shared.space.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                shared.producer_waiting.store(true, Ordering::SeqCst);
                if shared.queued.load(Ordering::SeqCst) < shared.capacity {
                    break;
                }
                notified.await;
            }
            shared.queued.fetch_add(1, Ordering::SeqCst);
            if self.tx.send(ev).is_err() {
                return Err(Error::cancelled());
            }
        }
        shared.wakeup.signal();
        Ok(())
    }
}

fn feed(
    parser: &mut Parser,
    chunk: Bytes,
    at: u64,
    batch: &mut Vec<Delivered>,
) -> Result<(), Error> {
    parser
        .feed(chunk, |event| batch.push(Delivered { event, at_ns: at }))
        .map_err(limit_error)
}

fn limit_error(e: crate::parser::ParseError) -> Error {
    Error::new(
        ErrorKind::LimitExceeded,
        format!("event stream: {e} (raise max_line_bytes / max_event_bytes if this is expected)"),
    )
}

fn header_has_token(headers: &http::HeaderMap, token: &str) -> bool {
    headers
        .get_all(http::header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

/// Describe a hyper error with its cause chain; I/O causes are `Io`,
/// everything else (bad framing, early close) is `Protocol`.
fn body_error(what: &str, e: &hyper::Error) -> Error {
    use std::error::Error as _;
    let mut message = format!("{what}: {e}");
    let mut kind = ErrorKind::Protocol;
    let mut source = e.source();
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            // hyper reports bad framing as I/O errors too (InvalidInput,
            // InvalidData, …); only socket failures count as `Io`.
            use std::io::ErrorKind as K;
            if matches!(
                io.kind(),
                K::ConnectionReset
                    | K::ConnectionAborted
                    | K::BrokenPipe
                    | K::NotConnected
                    | K::TimedOut
                    | K::Other
            ) {
                kind = ErrorKind::Io;
            }
        }
        source = s.source();
    }
    if e.is_incomplete_message() {
        message.push_str(" (the server closed the connection mid-response)");
    }
    Error::new(kind, message)
}
