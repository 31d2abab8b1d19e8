//! The body phase of a stream task: read chunks (with the idle timeout),
//! decode gzip, parse, and push events into the queue, waiting while it is
//! full; and the capped read of a non-2xx body.

use super::gzip::{Gunzip, STEP};
use super::stream::Delivered;
use super::task::{body_error, ms, Task};
use crate::error::{Error, ErrorKind};
use crate::parser::{Limits, Parser};
use crate::timing::{now_ns, TimingCells};
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::time::Instant;

impl Task {
    pub(crate) async fn read_error_body(&self, mut body: Incoming) -> Bytes {
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

    pub(crate) async fn read_events(
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
            // Counted once queued: `events` never includes a parsed batch
            // still waiting for room.
            t.events.fetch_add(1, Ordering::Relaxed);
        }
        shared.wakeup.signal();
        Ok(())
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
    Error::new(ErrorKind::LimitExceeded, e.to_string())
}
