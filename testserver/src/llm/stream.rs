//! The streaming schedule, the same for every format: the opening events at
//! `role_ms` (or with the first token), the first content chunk at
//! `ttft = ttft_ms + prompt_tokens * ttft_per_prompt_token_us` after the
//! request, then one chunk of `tokens_per_chunk` tokens every
//! `token_interval_ms` (± seeded `jitter_ms`); the closing events follow the
//! last chunk in the same write. Deadlines are absolute (a late chunk is
//! followed by a shorter gap). One timer per stream; the body builds its
//! frames when hyper polls it.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body::{Body, Frame};
use tokio::time::{Instant, Sleep};

use super::generate::{Completion, Rng};
use super::knobs::Knobs;
use super::wire::{End, Marks, Wire};
use crate::body::{BoxError, MAX_FRAME};
use crate::truth::TruthStream;

/// Inter-chunk gaps: fixed, or moved by seeded uniform jitter (never below 0).
pub struct Gaps {
    interval: Duration,
    jitter: Duration,
    rng: Rng,
}

impl Gaps {
    pub fn new(k: &Knobs, seed: u64) -> Gaps {
        Gaps {
            interval: k.token_interval,
            jitter: k.jitter,
            rng: Rng::new(seed),
        }
    }

    pub fn next(&mut self) -> Duration {
        if self.jitter.is_zero() {
            return self.interval;
        }
        let offset = (self.rng.unit() * 2.0 - 1.0) * self.jitter.as_secs_f64();
        Duration::from_secs_f64((self.interval.as_secs_f64() + offset).max(0.0))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Nothing sent; the next deadline is the opening events' (`role_ms`).
    BeforeOpen,
    /// Opened or not, the next deadline is the first content chunk's.
    BeforeFirst,
    Tokens,
    /// Everything written; the next poll ends the body.
    Done,
}

pub struct LlmStream {
    wire: Box<dyn Wire>,
    completion: Completion,
    /// Index of the next token to send.
    next: usize,
    chunks_sent: u64,
    opened: bool,
    per_chunk: usize,
    empty_deltas: u64,
    error_after: Option<u64>,
    prompt_tokens: u64,
    phase: Phase,
    /// When the first content chunk is due.
    first_at: Instant,
    deadline: Instant,
    sleep: Pin<Box<Sleep>>,
    gaps: Gaps,
    buf: BytesMut,
    truth: Option<TruthStream>,
}

impl LlmStream {
    pub fn new(
        wire: Box<dyn Wire>,
        completion: Completion,
        knobs: &Knobs,
        prompt_tokens: u64,
        start: Instant,
        gaps: Gaps,
        truth: Option<TruthStream>,
    ) -> LlmStream {
        let first_at = start + knobs.ttft_for(prompt_tokens);
        let (phase, deadline) = match knobs.open_at.map(|d| start + d) {
            Some(open) if open < first_at => (Phase::BeforeOpen, open),
            _ => (Phase::BeforeFirst, first_at),
        };
        LlmStream {
            wire,
            completion,
            next: 0,
            chunks_sent: 0,
            opened: false,
            per_chunk: knobs.tokens_per_chunk as usize,
            empty_deltas: knobs.empty_deltas,
            error_after: knobs.error_after,
            prompt_tokens,
            phase,
            first_at,
            deadline,
            sleep: Box::pin(tokio::time::sleep_until(deadline)),
            gaps,
            buf: BytesMut::new(),
            truth,
        }
    }

    /// Writes the events due at `deadline` and moves it on.
    fn write_due(&mut self) {
        let out = &mut self.buf;
        let mut m = Marks(self.truth.as_mut());
        if !self.opened {
            self.opened = true;
            self.wire.open(out, &mut m);
            for _ in 0..self.empty_deltas {
                self.wire.content(out, &[], &mut m);
            }
            if self.phase == Phase::BeforeOpen {
                self.phase = Phase::BeforeFirst;
                self.deadline = self.first_at;
                return;
            }
        }
        self.phase = Phase::Tokens;
        if self.error_after == Some(self.chunks_sent) {
            self.wire.error(out, &mut m);
            self.phase = Phase::Done;
            return;
        }
        let tokens = &self.completion.tokens;
        if self.next < tokens.len() {
            let end = (self.next + self.per_chunk).min(tokens.len());
            self.wire.content(out, &tokens[self.next..end], &mut m);
            self.next = end;
            self.chunks_sent += 1;
        }
        if self.next >= tokens.len() {
            let text = self.completion.text();
            let end = End {
                text: &text,
                finish: self.completion.finish,
                stop_sequence: self.completion.stop_sequence.as_deref(),
                prompt_tokens: self.prompt_tokens,
                completion_tokens: tokens.len() as u64,
            };
            self.wire.end(out, &end, &mut m);
            self.phase = Phase::Done;
        } else {
            self.deadline += self.gaps.next();
        }
    }
}

impl Body for LlmStream {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        if this.phase == Phase::Done {
            return Poll::Ready(None);
        }
        if this.deadline > Instant::now() {
            this.sleep.as_mut().reset(this.deadline);
            std::task::ready!(this.sleep.as_mut().poll(cx));
        }
        loop {
            this.write_due();
            let more_due = this.phase != Phase::Done && this.deadline <= Instant::now();
            if !more_due || this.buf.len() >= MAX_FRAME {
                break;
            }
        }
        let frame = this.buf.split().freeze();
        if let Some(t) = this.truth.as_mut() {
            t.stamp();
        }
        Poll::Ready(Some(Ok(Frame::data(frame))))
    }
}
