//! The stream task (the queue's producer): get a connection (pooled or
//! new), send the request, publish the response, then read body chunks,
//! parse them and push the events into the bounded queue, pausing while it
//! is full. With the `reconnect` option, `reconnect.rs` runs this again
//! after the connection ends.

use super::body::gunzip_prefix;
use super::connect;
use super::io::ConnCounters;
use super::pool::{Checkout, ReqBody, Sender};
use super::queue::Queue;
use super::reconnect::Reconnect;
use super::redirect::{self, Answer, Redirects};
use super::request::RequestTemplate;
use super::response::Response;
use super::route::Route;
use super::ClientInner;
use crate::error::{Error, ErrorKind};
use crate::parser::{Limits, Parser};
use crate::timing::TimingCells;
use hyper::body::Incoming;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

pub(crate) struct Task {
    pub shared: Arc<Queue>,
    pub client: Arc<ClientInner>,
    pub route: Route,
    /// Dropped once response headers are in (unless reconnecting): not
    /// needed for the body phase.
    pub request: Option<RequestTemplate>,
    /// `None` when `max_redirects` is 0; dropped once the answer is in.
    pub redirects: Option<Box<Redirects>>,
    pub settings: Settings,
    /// The `reconnect` option's policy and state; `None` without it.
    pub reconnect: Option<Box<Reconnect>>,
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

/// If the task is dropped without reporting an end (a bug made it panic),
/// fail the stream with an `Internal` error so no waiter hangs. After
/// `cancel()` or a reported end this does nothing.
impl Drop for Task {
    fn drop(&mut self) {
        if !self.shared.is_finished() {
            self.shared.set_failed(Error::new(
                ErrorKind::Internal,
                "internal error: the stream task stopped unexpectedly",
            ));
        }
    }
}

/// What one connection leaves behind when its stream ends cleanly.
pub(crate) struct CleanEnd {
    sender: Option<hyper::client::conn::http1::SendRequest<ReqBody>>,
    counters: Arc<ConnCounters>,
    /// False when the answer asks not to reconnect (a 204, with `reconnect`).
    pub may_reconnect: bool,
}

/// How long a pooled HTTP/1.1 connection may take to be ready for its next
/// request (it normally is within microseconds of its last response's end).
const READY_WAIT: Duration = Duration::from_secs(1);

pub(crate) fn ms(d: Duration) -> u128 {
    d.as_millis()
}

impl Task {
    pub async fn run(mut self) {
        // `total_timeout_ms` bounds the whole stream, reconnects included.
        let result = match self.settings.total_deadline {
            Some((deadline, total_ms)) => {
                match tokio::time::timeout_at(deadline, self.drive_all()).await {
                    Ok(r) => r,
                    Err(_) => Err(Error::new(
                        ErrorKind::TotalTimeout,
                        format!("the stream ran longer than total_timeout_ms ({total_ms} ms)"),
                    )),
                }
            }
            None => self.drive_all().await,
        };
        match result {
            Ok(()) => self.shared.set_ended(),
            Err(e) => self.shared.set_failed(e),
        }
    }

    /// One connection, or as many as the `reconnect` option asks for.
    async fn drive_all(&mut self) -> Result<(), Error> {
        let mut parser = Parser::new(Limits {
            max_line: self.settings.max_line,
            max_event: self.settings.max_event,
        });
        if self.reconnect.is_some() {
            return self.drive_reconnecting(&mut parser).await;
        }
        let end = self.drive(&mut parser).await?;
        self.put_back(end);
        Ok(())
    }

    /// A cleanly finished HTTP/1.1 connection goes back to the pool before
    /// the end is reported, so the caller's next stream (or reconnect)
    /// finds it; it is not waited for: the checkout waits until hyper has
    /// it ready (`pooled`).
    pub(super) fn put_back(&self, end: CleanEnd) {
        if let Some(sender) = end.sender {
            self.client
                .pool
                .put_h1(&self.route.key, sender, end.counters);
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
    async fn pooled(&self) -> Option<Checkout> {
        if !self.settings.reuse {
            return None;
        }
        while let Some(mut c) = self.client.pool.checkout(&self.route.key) {
            match &mut c.sender {
                // A connection returned at its stream's end may still be
                // finishing that response; one that never gets ready is
                // dropped.
                Sender::H1(s) => {
                    if let Ok(Ok(())) = tokio::time::timeout(READY_WAIT, s.ready()).await {
                        return Some(c);
                    }
                }
                Sender::H2(_) => return Some(c),
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
        let req = self
            .request
            .as_ref()
            .ok_or_else(|| Error::new(ErrorKind::Io, "internal error: request already sent"))?
            .build(&self.route, h2)?;
        counters.arm_first_read();
        if h2 {
            // The socket's write times are every stream's on HTTP/2: this
            // stream's request counts as sent when it is handed to the
            // connection, which writes it on its next poll.
            TimingCells::mark(&self.shared.timings.request_sent);
        }
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

    /// One request on a pooled or new connection: the connection, the
    /// response head, and the connection's byte counters when it was sent.
    pub(super) async fn exchange(
        &self,
    ) -> Result<(Checkout, (http::Response<Incoming>, (u64, u64))), Error> {
        connect::check_host(&self.route)?;
        let t = &self.shared.timings;
        t.reused.store(false, Ordering::Relaxed);
        // The connect and send futures are boxed: they are done before the
        // long body phase, so the task's own size (held for the stream's
        // whole life) stays small.
        Ok(match Box::pin(self.pooled()).await {
            Some(mut conn) => {
                t.reused.store(true, Ordering::Relaxed);
                let base = (conn.counters.read(), conn.counters.written());
                match Box::pin(self.send(&mut conn.sender, &conn.counters)).await {
                    Ok(r) => (conn, (r, base)),
                    // A pooled connection the server closed meanwhile: retry
                    // once on a new one, but only if not one byte of a
                    // response came back (so a request is never run twice).
                    Err(e)
                        if e.kind != ErrorKind::HeaderTimeout
                            && conn.counters.first_read_ns.load(Ordering::Relaxed) == 0 =>
                    {
                        t.reused.store(false, Ordering::Relaxed);
                        drop(conn);
                        Box::pin(self.fresh()).await?
                    }
                    Err(e) => return Err(e),
                }
            }
            None => Box::pin(self.fresh()).await?,
        })
    }

    /// One connection (redirects followed): request, response, events until
    /// its body ends.
    pub(super) async fn drive(&mut self, parser: &mut Parser) -> Result<CleanEnd, Error> {
        let Answer {
            conn,
            response,
            bytes,
            earlier,
            unfollowed,
        } = Box::pin(self.exchange_following_redirects()).await?;
        // `_slot` keeps this stream counted on a shared HTTP/2 connection
        // until the stream ends (or the task is dropped).
        let Checkout {
            sender,
            counters,
            slot: _slot,
        } = conn;
        // A reconnecting stream keeps its request for the next attempt.
        let url = match self.reconnect {
            None => self.request.take().map(|r| r.url),
            Some(_) => self.request.as_ref().map(|r| r.url.clone()),
        };
        let url = url.unwrap_or_default();
        let t = &self.shared.timings;
        TimingCells::mark(&t.headers);
        if matches!(sender, Sender::H2(_)) {
            // The socket's first read after our request may be any stream's
            // frame: this stream's first byte is its HEADERS frame, decoded
            // when hyper hands over the response (`request_sent` was marked
            // in `send`).
            TimingCells::set(&t.first_byte, t.headers.load(Ordering::Relaxed));
        } else {
            TimingCells::set(
                &t.request_sent,
                counters.last_write_ns.load(Ordering::Relaxed),
            );
            TimingCells::set(
                &t.first_byte,
                counters.first_read_ns.load(Ordering::Relaxed),
            );
        }
        // Redirect hops before this response count too (`earlier`), and so
        // do the earlier connections of a reconnecting stream.
        let carried = self.reconnect.as_ref().map_or((0, 0), |r| r.carried);
        let (done_read, done_written) = (earlier.0 + carried.0, earlier.1 + carried.1);
        let update_bytes = |t: &TimingCells| {
            let (read, written) = bytes.so_far(&counters);
            TimingCells::set(&t.bytes_read, read + done_read);
            TimingCells::set(&t.bytes_written, written + done_written);
        };
        update_bytes(t);

        let (parts, body) = response.into_parts();
        let resp = Arc::new(Response::from_parts(&parts, counters.remote_addr, url));
        // The first response is published whatever its status or content
        // type; a reconnect's travels in its `Reconnected` notice (and a
        // non-2xx one shows in the error only).
        self.shared.set_response(resp.clone());
        let keep_alive = !header_has_token(&parts.headers, "close");
        let gzip = self.settings.decompress
            && parts
                .headers
                .get(http::header::CONTENT_ENCODING)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("gzip"));
        let status = parts.status;
        // Parsed headers point into hyper's first read buffer: let it go.
        drop(parts);

        // Each body chunk: counted as this stream's own on a shared HTTP/2
        // connection, and the byte counts brought up to date.
        let shared = Arc::clone(&self.shared);
        let on_data = |len: usize| {
            bytes.data(len);
            update_bytes(&shared.timings);
        };
        if !status.is_success() {
            let mut body = Box::pin(self.read_error_body(body, &on_data)).await;
            if gzip {
                body = gunzip_prefix(&body, self.settings.error_body_bytes);
            }
            update_bytes(&self.shared.timings);
            let reason = status.canonical_reason().unwrap_or("");
            return Err(match unfollowed {
                Some(why) => redirect::unfollowed_error(status.as_u16(), reason, &why, body),
                None => Error::http_status(status.as_u16(), reason, body),
            });
        }

        if self.reconnect.is_some() && self.no_content(status, &resp)? {
            return Ok(CleanEnd {
                sender: None,
                counters,
                may_reconnect: false,
            });
        }
        self.announce(resp).await?;

        self.read_events(body, gzip, parser, &on_data).await?;
        update_bytes(&self.shared.timings);
        let sender = match sender {
            Sender::H1(s) if keep_alive && self.settings.reuse => Some(s),
            _ => None,
        };
        // An HTTP/2 sender is shared through the pool; this clone drops here.
        Ok(CleanEnd {
            sender,
            counters,
            may_reconnect: true,
        })
    }

    /// Connect anew and send; shares a new HTTP/2 connection via the pool.
    async fn fresh(&self) -> Result<(Checkout, (http::Response<Incoming>, (u64, u64))), Error> {
        let connect::Connected {
            sender,
            counters,
            h2_max_streams,
        } = self.connect_new().await?;
        let slot = match (&sender, h2_max_streams) {
            (Sender::H2(s), Some(max)) if self.settings.reuse => {
                Some(self.client.pool.put_h2(&self.route.key, s, &counters, max))
            }
            _ => None,
        };
        let mut conn = Checkout {
            sender,
            counters,
            slot,
        };
        // A new connection's bytes (TLS handshake included) are all this stream's.
        let r = self.send(&mut conn.sender, &conn.counters).await?;
        Ok((conn, (r, (0, 0))))
    }
}

pub(super) fn header_has_token(headers: &http::HeaderMap, token: &str) -> bool {
    headers
        .get_all(http::header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

/// Describe a hyper error with its cause chain; I/O causes are `Io`,
/// everything else (bad framing, early close) is `Protocol`.
pub(crate) fn body_error(what: &str, e: &hyper::Error) -> Error {
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
