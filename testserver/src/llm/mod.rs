//! The LLM endpoints: OpenAI chat completions, legacy completions and
//! Responses, Anthropic Messages — one generator, one schedule and one set
//! of knobs, four wire formats (`wire`) — plus `GET /v1/models`.

mod errors;
mod format;
pub mod generate;
mod knobs;
pub mod models;
mod request;
mod stream;
pub mod tokenizer;
mod wire;

use std::sync::Arc;

use http::{Response, StatusCode};
use http_body_util::BodyExt;
use serde_json::json;

pub use format::Format;

use errors::ApiError;
use generate::{fnv1a, generate, Completion};
use stream::{Gaps, LlmStream};
use tokenizer::count_tokens;
use wire::{AnthropicWire, ChunkWriter, OpenAiWire, ResponsesWire, Wire};

use crate::body::{self, event_stream, RespBody};
use crate::clock::unix_secs;
use crate::query::Query;
use crate::router::ServerCtx;
use crate::truth::Received;

pub async fn handle(
    format: Format,
    parts: &http::request::Parts,
    query: &Query,
    body: &[u8],
    received: &Received,
    ctx: &Arc<ServerCtx>,
) -> Response<RespBody> {
    let cfg = &ctx.config.llm;
    let req = match request::parse(format, body, &parts.headers, query, cfg) {
        Ok(r) => r,
        Err(e) => return e.into_response(format),
    };
    let seed = req.seed.unwrap_or(cfg.seed);
    let max_tokens = req.max_tokens;
    // ignore_eos: the completion runs on past max_tokens, which cuts it
    // (finish "length"), as vLLM does.
    let natural_len = req.knobs.completion_tokens.or(if req.ignore_eos {
        max_tokens.map(|m| m.saturating_add(1))
    } else {
        None
    });
    let completion = generate(seed, &req.prompt, max_tokens, &req.stop, natural_len);
    let prompt_tokens = count_tokens(&req.prompt);
    let stream_id = ctx.next_stream_id();
    let id = format!(
        "{}{:016x}{:08x}",
        format.id_prefix(),
        fnv1a(req.prompt.as_bytes()) ^ seed ^ ctx.id_nonce,
        stream_id
    );
    let created = unix_secs();
    // Jitter is seeded by the server seed and the prompt: the same request
    // gets the same gaps whatever else the server is doing.
    let gaps = Gaps::new(
        &req.knobs,
        cfg.seed ^ fnv1a(req.prompt.as_bytes()).rotate_left(17),
    );

    if !req.stream {
        return match format {
            Format::Chat | Format::Completions => {
                // Sent once the whole completion would have streamed.
                let chunks = completion
                    .tokens
                    .len()
                    .div_ceil(req.knobs.tokens_per_chunk as usize);
                let mut gaps = gaps;
                let mut at = received.at + req.knobs.ttft_for(prompt_tokens);
                for _ in 1..chunks {
                    at += gaps.next();
                }
                tokio::time::sleep_until(at).await;
                whole(format, &req.model, &id, created, &completion, prompt_tokens)
            }
            _ => ApiError::invalid(
                "sse-testserver serves this API streaming only: set \"stream\": true.",
                Some("stream"),
                Some("unsupported_value"),
            )
            .into_response(format),
        };
    }

    let wire: Box<dyn Wire> = match format {
        Format::Chat | Format::Completions => Box::new(OpenAiWire {
            chunks: ChunkWriter::new(
                format == Format::Chat,
                &id,
                created,
                &req.model,
                req.include_usage,
            ),
            include_usage: req.include_usage,
            done: req.knobs.done,
        }),
        Format::Responses => Box::new(ResponsesWire::new(&id, created, &req.model, max_tokens)),
        Format::Anthropic => Box::new(AnthropicWire {
            id: id.clone(),
            model: req.model.clone(),
            prompt_tokens,
            done: req.knobs.done,
        }),
    };
    let truth = ctx.truth_stream(stream_id, received, Some((format.name(), &id)));
    let stream = LlmStream::new(
        wire,
        completion,
        &req.knobs,
        prompt_tokens,
        received.at,
        gaps,
        truth,
    );
    event_stream(stream.boxed(), stream_id)
}

/// The non-streaming `chat.completion` or `text_completion` object.
fn whole(
    format: Format,
    model: &str,
    id: &str,
    created: u64,
    c: &Completion,
    prompt_tokens: u64,
) -> Response<RespBody> {
    let chat = format == Format::Chat;
    let head = wire::Head {
        id,
        object: if chat {
            "chat.completion"
        } else {
            "text_completion"
        },
        created,
        model,
        system_fingerprint: wire::FINGERPRINT,
    };
    let mut v = serde_json::to_value(&head).unwrap_or_else(|_| json!({}));
    let n = c.tokens.len() as u64;
    v["choices"] = if chat {
        json!([{
            "index": 0,
            "message": {"role": "assistant", "content": c.text(), "refusal": null},
            "logprobs": null,
            "finish_reason": c.finish.as_str(),
        }])
    } else {
        json!([{
            "index": 0,
            "text": c.text(),
            "logprobs": null,
            "finish_reason": c.finish.as_str(),
        }])
    };
    v["usage"] = json!({
        "prompt_tokens": prompt_tokens,
        "completion_tokens": n,
        "total_tokens": prompt_tokens + n,
    });
    body::json(StatusCode::OK, &v)
}
