//! Fault bodies that are not a cut `/events` stream: an endless line, broken
//! chunked encoding, a one-byte trickle.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame};
use tokio::time::{Interval, MissedTickBehavior, Sleep};

use crate::body::{Abort, BoxError};
use crate::conn::ConnCtl;
use crate::sse_write::PAD;

type PollFrame = Poll<Option<Result<Frame<Bytes>, BoxError>>>;

/// `data: xxxx…` with no line end, until `limit` bytes (None = forever).
/// Frames share one static buffer: no allocation while streaming.
pub struct EndlessLine {
    started: bool,
    remaining: Option<u64>,
}

impl EndlessLine {
    pub fn new(limit: Option<u64>) -> EndlessLine {
        EndlessLine {
            started: false,
            remaining: limit,
        }
    }
}

impl Body for EndlessLine {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> PollFrame {
        let this = self.get_mut();
        if !this.started {
            this.started = true;
            return Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(b"data: ")))));
        }
        let mut n = PAD.len() as u64;
        if let Some(r) = this.remaining.as_mut() {
            if *r == 0 {
                return Poll::Ready(None);
            }
            n = n.min(*r);
            *r -= n;
        }
        Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(
            &PAD[..n as usize],
        )))))
    }
}

/// Bytes the peer sees where the second chunk's header should be.
pub const BAD_CHUNK: &[u8] = b"zz-not-a-chunk-size\r\ndata: 2\n\n\r\n";

/// One good event (`data: 1`), then raw bytes that are not a chunk header,
/// then the connection closes. Meaningful on HTTP/1.1 only.
pub struct BadChunked {
    ctl: Arc<ConnCtl>,
    step: u8,
    sleep: Pin<Box<Sleep>>,
}

impl BadChunked {
    pub fn new(ctl: Arc<ConnCtl>) -> BadChunked {
        BadChunked {
            ctl,
            step: 0,
            sleep: Box::pin(tokio::time::sleep(Duration::ZERO)),
        }
    }

    fn pause(&mut self) {
        // Long enough for hyper to flush what it has before the next step.
        let at = tokio::time::Instant::now() + Duration::from_millis(30);
        self.sleep.as_mut().reset(at);
    }
}

impl Body for BadChunked {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> PollFrame {
        let this = self.get_mut();
        match this.step {
            0 => {
                this.step = 1;
                this.pause();
                Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(b"data: 1\n\n")))))
            }
            1 => {
                std::task::ready!(this.sleep.as_mut().poll(cx));
                this.step = 2;
                this.ctl.replace_output(Bytes::from_static(BAD_CHUNK));
                this.pause();
                // Its encoding is replaced by BAD_CHUNK on the wire.
                Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(b"data: 2\n\n")))))
            }
            _ => {
                std::task::ready!(this.sleep.as_mut().poll(cx));
                Poll::Ready(Some(Err(Box::new(Abort("fault: bad chunked encoding")))))
            }
        }
    }
}

/// A prepared stream sent one byte per frame, one frame per tick.
pub struct Trickle {
    rest: Bytes,
    ticker: Interval,
}

impl Trickle {
    pub fn new(all: Bytes, every: Duration) -> Trickle {
        let mut ticker = tokio::time::interval(every.max(Duration::from_micros(100)));
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        Trickle { rest: all, ticker }
    }
}

impl Body for Trickle {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> PollFrame {
        let this = self.get_mut();
        if this.rest.is_empty() {
            return Poll::Ready(None);
        }
        std::task::ready!(this.ticker.poll_tick(cx));
        Poll::Ready(Some(Ok(Frame::data(this.rest.split_to(1)))))
    }
}
