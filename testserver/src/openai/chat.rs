//! `POST /v1/chat/completions`.
//!
//! Streaming schedule: the role chunk and the first content chunk go out at
//! `ttft = ttft_ms + prompt_tokens * ttft_per_prompt_token_us`, then one
//! content chunk (`tokens_per_chunk` tokens) every `token_interval_ms`
//! moved by a seeded uniform jitter in ±`jitter_ms`; the finish chunk, the
//! usage chunk (with `stream_options.include_usage`) and `data: [DONE]`
//! follow the last content chunk in the same write. One timer per stream.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::{Response, StatusCode};
use http_body::{Body, Frame};
use http_body_util::BodyExt;
use serde_json::json;
use tokio::time::{Instant, Sleep};

use super::chunks::{ChunkWriter, Head, FINGERPRINT};
use super::generate::{fnv1a, generate, Completion, Rng};
use super::request::{self, Knobs};
use super::tokenizer::count_tokens;
use crate::body::{self, event_stream, BoxError, RespBody, MAX_FRAME};
use crate::clock::unix_secs;
use crate::query::Query;
use crate::router::ServerCtx;
use crate::truth::TruthStream;

pub async fn handle(
    parts: &http::request::Parts,
    query: &Query,
    body: &[u8],
    ctx: &Arc<ServerCtx>,
) -> Response<RespBody> {
    let start = Instant::now();
    let cfg = &ctx.config.llm;
    let req = match request::parse(body, &parts.headers, query, cfg) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let seed = req.seed.unwrap_or(cfg.seed);
    let completion = generate(
        seed,
        &req.prompt,
        req.max_tokens,
        &req.stop,
        req.knobs.completion_tokens,
    );
    let prompt_tokens = count_tokens(&req.prompt);
    let (stream_id, truth) = ctx.new_stream();
    let id = format!(
        "chatcmpl-{:016x}{:08x}",
        fnv1a(req.prompt.as_bytes()) ^ seed,
        stream_id
    );
    let created = unix_secs();
    // Jitter is seeded by the server seed and the prompt: the same request
    // gets the same gaps whatever else the server is doing.
    let gaps = Gaps::new(
        &req.knobs,
        cfg.seed ^ fnv1a(req.prompt.as_bytes()).rotate_left(17),
    );
    let first_at = start + req.knobs.ttft_for(prompt_tokens);

    if !req.stream {
        let chunks = completion
            .tokens
            .len()
            .div_ceil(req.knobs.tokens_per_chunk as usize);
        let mut at = first_at;
        let mut g = gaps;
        for _ in 1..chunks {
            at += g.next();
        }
        tokio::time::sleep_until(at).await;
        return whole(&id, created, &req.model, &completion, prompt_tokens);
    }

    let writer = ChunkWriter::new(&id, created, &req.model, req.include_usage);
    let stream = ChatStream {
        writer,
        completion,
        next: 0,
        per_chunk: req.knobs.tokens_per_chunk as usize,
        include_usage: req.include_usage,
        prompt_tokens,
        phase: Phase::BeforeFirst,
        deadline: first_at,
        sleep: Box::pin(tokio::time::sleep_until(first_at)),
        gaps,
        buf: BytesMut::new(),
        truth,
    };
    event_stream(stream.boxed(), stream_id)
}

/// The non-streaming `chat.completion` object.
fn whole(
    id: &str,
    created: u64,
    model: &str,
    c: &Completion,
    prompt_tokens: u64,
) -> Response<RespBody> {
    let head = Head {
        id,
        object: "chat.completion",
        created,
        model,
        system_fingerprint: FINGERPRINT,
    };
    let mut v = serde_json::to_value(&head).unwrap_or_else(|_| json!({}));
    let n = c.tokens.len() as u64;
    v["choices"] = json!([{
        "index": 0,
        "message": {"role": "assistant", "content": c.text(), "refusal": null},
        "logprobs": null,
        "finish_reason": c.finish.as_str(),
    }]);
    v["usage"] = json!({
        "prompt_tokens": prompt_tokens,
        "completion_tokens": n,
        "total_tokens": prompt_tokens + n,
    });
    body::json(StatusCode::OK, &v)
}

/// Inter-chunk gaps: fixed, or moved by seeded uniform jitter (never below 0).
struct Gaps {
    interval: Duration,
    jitter: Duration,
    rng: Rng,
}

impl Gaps {
    fn new(k: &Knobs, seed: u64) -> Gaps {
        Gaps {
            interval: k.token_interval,
            jitter: k.jitter,
            rng: Rng::new(seed),
        }
    }

    fn next(&mut self) -> Duration {
        if self.jitter.is_zero() {
            return self.interval;
        }
        let offset = (self.rng.unit() * 2.0 - 1.0) * self.jitter.as_secs_f64();
        Duration::from_secs_f64((self.interval.as_secs_f64() + offset).max(0.0))
    }
}

enum Phase {
    BeforeFirst,
    Tokens,
    /// Everything written; the next poll ends the body.
    Done,
}

struct ChatStream {
    writer: ChunkWriter,
    completion: Completion,
    /// Index of the next token to send.
    next: usize,
    per_chunk: usize,
    include_usage: bool,
    prompt_tokens: u64,
    phase: Phase,
    deadline: Instant,
    sleep: Pin<Box<Sleep>>,
    gaps: Gaps,
    buf: BytesMut,
    truth: Option<TruthStream>,
}

impl ChatStream {
    /// Writes the events due at `deadline`; returns how many.
    fn write_due(&mut self) -> u64 {
        let mut events = 0;
        if let Phase::BeforeFirst = self.phase {
            self.writer.role(&mut self.buf);
            self.phase = Phase::Tokens;
            events += 1;
        }
        let tokens = &self.completion.tokens;
        if self.next < tokens.len() {
            let end = (self.next + self.per_chunk).min(tokens.len());
            self.writer.content(&mut self.buf, &tokens[self.next..end]);
            self.next = end;
            events += 1;
        }
        if self.next >= tokens.len() {
            self.writer
                .finish(&mut self.buf, self.completion.finish.as_str());
            events += 1;
            if self.include_usage {
                self.writer
                    .usage(&mut self.buf, self.prompt_tokens, tokens.len() as u64);
                events += 1;
            }
            ChunkWriter::done(&mut self.buf);
            events += 1;
            self.phase = Phase::Done;
        } else {
            self.deadline += self.gaps.next();
        }
        events
    }
}

impl Body for ChatStream {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        if let Phase::Done = this.phase {
            return Poll::Ready(None);
        }
        if this.deadline > Instant::now() {
            this.sleep.as_mut().reset(this.deadline);
            std::task::ready!(this.sleep.as_mut().poll(cx));
        }
        let mut events = 0;
        loop {
            events += this.write_due();
            let more_due = !matches!(this.phase, Phase::Done) && this.deadline <= Instant::now();
            if !more_due || this.buf.len() >= MAX_FRAME {
                break;
            }
        }
        if let Some(t) = this.truth.as_mut() {
            t.record(events);
        }
        Poll::Ready(Some(Ok(Frame::data(this.buf.split().freeze()))))
    }
}
