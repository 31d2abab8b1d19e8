//! Per-request timing and shape knobs. Each is read from, in order: a body
//! field of its name, a header `x-<name with dashes>`, a query parameter of
//! its name, else the server flag (or the default). The same names work for
//! every format.

use std::time::Duration;

use http::HeaderMap;
use serde_json::{Map, Value};

use super::errors::ApiError;
use crate::config::LlmConfig;
use crate::query::Query;

/// Timing and shape knobs resolved for one request.
#[derive(Clone, Debug)]
pub struct Knobs {
    pub ttft: Duration,
    pub ttft_per_prompt_token: Duration,
    pub token_interval: Duration,
    pub jitter: Duration,
    pub tokens_per_chunk: u64,
    /// Overrides the seeded natural completion length (0: no content at all).
    pub completion_tokens: Option<u64>,
    /// `role_ms`: the opening events (role chunk, `response.created`…,
    /// `message_start`…) go out this long after the request instead of
    /// together with the first token.
    pub open_at: Option<Duration>,
    /// `empty_deltas`: content deltas without text sent right after the
    /// opening events.
    pub empty_deltas: u64,
    /// `done` (default 1): 0 ends OpenAI streams without `data: [DONE]` and
    /// Anthropic streams without `message_stop`.
    pub done: bool,
    /// `error_after`: after this many content chunks the stream sends the
    /// format's error event (where the next chunk was due) and ends.
    pub error_after: Option<u64>,
}

impl Knobs {
    /// Time to first token for a prompt of `prompt_tokens`.
    pub fn ttft_for(&self, prompt_tokens: u64) -> Duration {
        self.ttft
            + self
                .ttft_per_prompt_token
                .saturating_mul(prompt_tokens.min(u32::MAX as u64) as u32)
    }

    pub fn resolve(
        obj: &Map<String, Value>,
        headers: &HeaderMap,
        query: &Query,
        cfg: &LlmConfig,
    ) -> Result<Knobs, ApiError> {
        let src = Sources {
            obj,
            headers,
            query,
        };
        let ms = |v: f64| Duration::from_secs_f64(v / 1e3);
        Ok(Knobs {
            ttft: ms(src.get("ttft_ms")?.unwrap_or(cfg.ttft_ms)),
            ttft_per_prompt_token: Duration::from_secs_f64(
                src.get("ttft_per_prompt_token_us")?
                    .unwrap_or(cfg.ttft_per_prompt_token_us)
                    / 1e6,
            ),
            token_interval: ms(src
                .get("token_interval_ms")?
                .unwrap_or(cfg.token_interval_ms)),
            jitter: ms(src.get("jitter_ms")?.unwrap_or(cfg.jitter_ms)),
            tokens_per_chunk: (src.get("tokens_per_chunk")?.unwrap_or(1.0) as u64).max(1),
            completion_tokens: src.get("completion_tokens")?.map(|c| c as u64),
            open_at: src.get("role_ms")?.map(ms),
            empty_deltas: src.get("empty_deltas")?.unwrap_or(0.0) as u64,
            done: src.get("done")? != Some(0.0),
            error_after: src.get("error_after")?.map(|n| n as u64),
        })
    }
}

struct Sources<'a> {
    obj: &'a Map<String, Value>,
    headers: &'a HeaderMap,
    query: &'a Query,
}

impl Sources<'_> {
    /// The knob `name` (a number >= 0), None when no source gives it.
    fn get(&self, name: &'static str) -> Result<Option<f64>, ApiError> {
        let bad = || {
            ApiError::invalid(
                format!("Invalid '{name}': expected a number >= 0."),
                Some(name),
                Some("invalid_value"),
            )
        };
        let v = if let Some(v) = self.obj.get(name).filter(|v| !v.is_null()) {
            v.as_f64().ok_or_else(bad)?
        } else if let Some(h) = self.headers.get(format!("x-{}", name.replace('_', "-"))) {
            h.to_str()
                .ok()
                .and_then(|s| s.trim().parse().ok())
                .ok_or_else(bad)?
        } else if let Some(q) = self.query.get(name) {
            q.parse().map_err(|_| bad())?
        } else {
            return Ok(None);
        };
        if v.is_finite() && v >= 0.0 {
            Ok(Some(v))
        } else {
            Err(bad())
        }
    }
}
