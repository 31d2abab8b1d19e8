//! The body phase of a stream task: read chunks (with the idle timeout),
//! decode gzip, parse, and push each read's events into the queue in one
//! step, waiting while it is full (a gzip body: one push per decoding step,
//! which bounds what a small compressed chunk can expand to before the
//! queue's back-pressure applies); and the capped read of a non-2xx body.

use super::gzip::{Gunzip, STEP};
use super::queue::Outbox;
use super::stream::Delivered;
use super::task::{body_error, ms, Task};
use crate::error::{Error, ErrorKind};
use crate::parser::Parser;
use crate::timing::now_ns;
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use std::time::Duration;
use tokio::time::Instant;

impl Task {
    /// `on_data` gets each body chunk's length, as in `read_events`.
    pub(crate) async fn read_error_body(
        &self,
        mut body: Incoming,
        on_data: &(dyn Fn(usize) + Sync),
    ) -> Bytes {
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
                        on_data(data.len());
                        let take = data.len().min(cap - out.len());
                        out.extend_from_slice(&data[..take]);
                    }
                }
                _ => break,
            }
        }
        Bytes::from(out)
    }

    /// Parses the body's events into the queue with `parser` (the
    /// stream's: it keeps the last event ID and `retry` across reconnects);
    /// `update_bytes` gets each body chunk's length as it comes.
    pub(crate) async fn read_events(
        &self,
        mut body: Incoming,
        gzip: bool,
        parser: &mut Parser,
        update_bytes: &(dyn Fn(usize) + Sync),
    ) -> Result<(), Error> {
        let mut gunzip = gzip.then(Gunzip::new);
        let mut outbox = Outbox::default();
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
            update_bytes(data.len());
            match &mut gunzip {
                None => {
                    let parsed = feed(parser, data, at, &mut outbox);
                    self.deliver(&mut outbox, parsed).await?;
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
                            let parsed = feed(parser, plain, at, &mut outbox);
                            self.deliver(&mut outbox, parsed).await?;
                        }
                    }
                }
            }
        }
        let at = now_ns();
        let parsed = parser
            .finish(|event| outbox.add(Delivered { event, at_ns: at }))
            .map_err(limit_error);
        self.deliver(&mut outbox, parsed).await
    }

    /// Pushes the events one chunk completed into the queue in one step,
    /// waiting (not blocking) while it is full; then reports the parse
    /// result, so the events before a parse error are still delivered.
    async fn deliver(&self, outbox: &mut Outbox, parsed: Result<(), Error>) -> Result<(), Error> {
        outbox.flush(&self.shared).await?;
        parsed
    }
}

/// Decode as much of a (possibly truncated) gzip error body as possible,
/// keeping at most `cap` bytes; undecodable input is returned as it came.
pub(crate) fn gunzip_prefix(body: &Bytes, cap: usize) -> Bytes {
    let mut g = Gunzip::new();
    let mut out = Vec::new();
    for piece in body.chunks(STEP) {
        match g.step(piece) {
            Ok(plain) => out.extend_from_slice(&plain),
            Err(_) if out.is_empty() => return body.clone(),
            Err(_) => break,
        }
        if out.len() >= cap {
            break;
        }
    }
    out.truncate(cap);
    Bytes::from(out)
}

fn feed(parser: &mut Parser, chunk: Bytes, at: u64, outbox: &mut Outbox) -> Result<(), Error> {
    parser
        .feed(chunk, |event| outbox.add(Delivered { event, at_ns: at }))
        .map_err(limit_error)
}

fn limit_error(e: crate::parser::ParseError) -> Error {
    Error::new(ErrorKind::LimitExceeded, e.to_string())
}
