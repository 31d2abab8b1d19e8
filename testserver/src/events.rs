//! `/events` (and the stall / reset faults built on it): N generated events
//! on a schedule, one timer per stream, frames cut from one reusable buffer.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use http_body::{Body, Frame, SizeHint};
use tokio::time::{Interval, MissedTickBehavior, Sleep};

use crate::body::{Abort, BoxError, MAX_FRAME};
use crate::conn::ConnCtl;
use crate::query::Query;
use crate::sse_write::{fmt_u64, put_field, put_pad, Eol};
use crate::truth::TruthStream;

/// What `/events` sends, from its query knobs.
#[derive(Clone, Debug)]
pub struct EventsSpec {
    /// None = endless.
    pub count: Option<u64>,
    pub interval: Duration,
    /// Bytes of data per event (before splitting into lines).
    pub size: usize,
    pub lines: usize,
    pub event: Option<String>,
    pub ids: bool,
    pub retry: Option<u64>,
    pub comment_every: u64,
    /// The comment is a block of its own (dispatches nothing) instead of a
    /// line inside the event's block.
    pub comment_block: bool,
    pub eol: Eol,
    pub batch: bool,
    /// Index of the first event of this response: 1, or one past a numeric
    /// `Last-Event-ID` when `ids=1` (a reconnecting client resumes).
    pub first: u64,
}

impl EventsSpec {
    pub fn from_query(q: &Query) -> Result<EventsSpec, String> {
        let count: u64 = q.num("count", 10)?;
        let interval_ms: f64 = q.num("interval_ms", 0.0)?;
        if !(interval_ms.is_finite() && interval_ms >= 0.0) {
            return Err("query parameter `interval_ms` must be >= 0".into());
        }
        let lines: usize = q.num("lines", 1)?;
        let eol = match q.get("eol") {
            None => Eol::Lf,
            Some(s) => Eol::parse(s).ok_or("query parameter `eol` must be lf, crlf or cr")?,
        };
        Ok(EventsSpec {
            count: if count == 0 { None } else { Some(count) },
            interval: Duration::from_secs_f64(interval_ms / 1000.0),
            size: q.num("size", 16)?,
            lines: lines.max(1),
            event: q.get("event").filter(|s| !s.is_empty()).map(str::to_owned),
            ids: q.flag("ids"),
            retry: q.opt("retry")?,
            comment_every: q.num("comment_every", 0)?,
            comment_block: q.flag("comment_block"),
            eol,
            batch: q.flag("batch"),
            first: 1,
        })
    }

    /// Appends event `i` (1-based). Its data is `"<i>:"` padded with `x` to
    /// `size` bytes, cut into `lines` pieces at `k*len/lines`.
    pub fn write_event(&self, i: u64, out: &mut BytesMut) {
        let eol = self.eol;
        let mut num = [0u8; 20];
        if self.comment_every > 0 && i.is_multiple_of(self.comment_every) {
            out.put_slice(b": comment ");
            out.put_slice(fmt_u64(i, &mut num));
            out.put_slice(eol.bytes());
            if self.comment_block {
                out.put_slice(eol.bytes());
            }
        }
        if self.ids {
            put_field(out, b"id", fmt_u64(i, &mut num), eol);
        }
        if let Some(t) = &self.event {
            put_field(out, b"event", t.as_bytes(), eol);
        }
        if i == self.first {
            if let Some(r) = self.retry {
                put_field(out, b"retry", fmt_u64(r, &mut num), eol);
            }
        }
        let digits = fmt_u64(i, &mut num);
        let prefix_len = digits.len() + 1;
        let len = self.size.max(prefix_len);
        for k in 0..self.lines {
            let (a, b) = (k * len / self.lines, (k + 1) * len / self.lines);
            out.put_slice(b"data: ");
            // Bytes [a, b) of "<i>:" ++ "xxx…".
            for j in a..b.min(prefix_len) {
                out.put_u8(if j < digits.len() { digits[j] } else { b':' });
            }
            put_pad(out, b - a.max(prefix_len).min(b));
            out.put_slice(eol.bytes());
        }
        out.put_slice(eol.bytes());
    }

    /// The whole stream as one buffer (finite specs only; used by trickle).
    pub fn render_all(&self) -> Bytes {
        let mut out = BytesMut::new();
        for i in self.first..=self.count.unwrap_or(0) {
            self.write_event(i, &mut out);
        }
        out.freeze()
    }
}

/// Faults that cut an `/events` stream short.
pub enum Cut {
    None,
    /// After N events, send nothing more (until `hold` passes, then end).
    Stall {
        after: u64,
        hold: Pin<Box<Sleep>>,
    },
    /// After N events, half of event N+1, then (after `delay`) a TCP reset.
    Reset {
        after: u64,
        ctl: Arc<ConnCtl>,
        delay: Duration,
        state: ResetState,
    },
}

/// Pause between the partial event and the reset, unless `reset_ms` says.
pub const RESET_DELAY: Duration = Duration::from_millis(200);

pub enum ResetState {
    Streaming,
    /// The partial event went out; wait so hyper flushes it and the client
    /// reads it before the reset (Linux drops unread data on RST).
    Flushing(Pin<Box<Sleep>>),
}

pub struct EventsBody {
    spec: EventsSpec,
    /// Next event index (1-based).
    next: u64,
    ticker: Option<Interval>,
    buf: BytesMut,
    cut: Cut,
    truth: Option<TruthStream>,
}

impl EventsBody {
    pub fn new(spec: EventsSpec, cut: Cut, truth: Option<TruthStream>) -> EventsBody {
        let ticker = (!spec.interval.is_zero()).then(|| {
            let mut t = tokio::time::interval(spec.interval);
            // Keep the schedule: event i is due at start + (i-1)*interval.
            t.set_missed_tick_behavior(MissedTickBehavior::Burst);
            t
        });
        EventsBody {
            next: spec.first,
            spec,
            ticker,
            buf: BytesMut::new(),
            cut,
            truth,
        }
    }

    /// Events still allowed before the end or the fault point.
    fn limit(&self) -> Option<u64> {
        let end = self.spec.count;
        let cut = match &self.cut {
            Cut::None => None,
            // `after` counts events of this response.
            Cut::Stall { after, .. } | Cut::Reset { after, .. } => {
                Some((self.spec.first - 1).saturating_add(*after))
            }
        };
        match (end, cut) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, None) => a,
            (None, b) => b,
        }
    }

    fn exhausted(&self) -> bool {
        self.limit().is_some_and(|l| self.next > l)
    }

    fn reserve(&mut self) {
        if self.buf.capacity() - self.buf.len() < self.spec.size + 256 {
            // Batched streams fill whole frames; the others stay small so
            // 10,000 slow streams do not each pin a 64 KiB buffer.
            let chunk = if self.spec.batch { MAX_FRAME } else { 4096 };
            self.buf.reserve(chunk.max(self.spec.size * 2 + 512));
        }
    }

    fn take_frame(&mut self, events: u64) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        if let Some(t) = self.truth.as_mut() {
            t.record_indexed(self.next - events, events);
        }
        Poll::Ready(Some(Ok(Frame::data(self.buf.split().freeze()))))
    }

    /// What to do once every allowed event is out.
    fn poll_after(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let next = self.next;
        match &mut self.cut {
            Cut::None => Poll::Ready(None),
            Cut::Stall { hold, .. } => hold.as_mut().poll(cx).map(|_| None),
            Cut::Reset {
                ctl, state, delay, ..
            } => match state {
                ResetState::Streaming => {
                    let mut full = BytesMut::new();
                    self.spec.write_event(next, &mut full);
                    let half = (full.len() / 2).max(1);
                    *state = ResetState::Flushing(Box::pin(tokio::time::sleep(*delay)));
                    Poll::Ready(Some(Ok(Frame::data(full.split_to(half).freeze()))))
                }
                ResetState::Flushing(sleep) => {
                    std::task::ready!(sleep.as_mut().poll(cx));
                    ctl.reset_on_close();
                    Poll::Ready(Some(Err(Box::new(Abort("fault: connection reset")))))
                }
            },
        }
    }
}

impl Body for EventsBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        if this.exhausted() {
            return this.poll_after(cx);
        }
        if let Some(t) = this.ticker.as_mut() {
            std::task::ready!(t.poll_tick(cx));
        }
        // One event is due: write it, and with batch=1 every other due one.
        this.reserve();
        let mut written = 0u64;
        loop {
            this.spec.write_event(this.next, &mut this.buf);
            this.next += 1;
            written += 1;
            if !this.spec.batch || this.exhausted() || this.buf.len() >= MAX_FRAME {
                break;
            }
            if let Some(t) = this.ticker.as_mut() {
                // Missed ticks complete at once (Burst); a pending one ends the batch.
                if t.poll_tick(cx).is_pending() {
                    break;
                }
            }
            this.reserve();
        }
        this.take_frame(written)
    }

    fn is_end_stream(&self) -> bool {
        false
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(q: &str) -> EventsSpec {
        EventsSpec::from_query(&Query::parse(Some(q))).unwrap()
    }

    #[test]
    fn event_layout_follows_knobs() {
        let mut b = BytesMut::new();
        spec("size=8&ids=1&event=tick&retry=50").write_event(1, &mut b);
        assert_eq!(&b[..], b"id: 1\nevent: tick\nretry: 50\ndata: 1:xxxxxx\n\n");
        b.clear();
        spec("size=8&lines=3&eol=crlf&comment_every=2").write_event(12, &mut b);
        assert_eq!(
            &b[..],
            b": comment 12\r\ndata: 12\r\ndata: :xx\r\ndata: xxx\r\n\r\n"
        );
        b.clear();
        spec("size=2&eol=cr").write_event(123, &mut b);
        assert_eq!(&b[..], b"data: 123:\r\r");
    }
}
