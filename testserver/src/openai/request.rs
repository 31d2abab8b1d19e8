//! Parsing and validating a chat-completions request, and the per-request
//! timing knobs (body field > `x-…` header > query parameter > server flag).

use std::time::Duration;

use http::HeaderMap;
use serde_json::Value;

use super::errors::ApiError;
use crate::config::LlmConfig;
use crate::query::Query;

pub struct ChatRequest {
    pub model: String,
    /// Every message's text content joined by LF (what prompt tokens count).
    pub prompt: String,
    pub stream: bool,
    pub include_usage: bool,
    pub max_tokens: Option<u64>,
    pub stop: Vec<String>,
    pub seed: Option<u64>,
    pub knobs: Knobs,
}

/// Timing and shape knobs resolved for one request.
#[derive(Clone, Debug)]
pub struct Knobs {
    pub ttft: Duration,
    pub ttft_per_prompt_token: Duration,
    pub token_interval: Duration,
    pub jitter: Duration,
    pub tokens_per_chunk: u64,
    /// Overrides the seeded natural completion length.
    pub completion_tokens: Option<u64>,
}

impl Knobs {
    /// Time to first token for a prompt of `prompt_tokens`.
    pub fn ttft_for(&self, prompt_tokens: u64) -> Duration {
        self.ttft
            + self
                .ttft_per_prompt_token
                .saturating_mul(prompt_tokens.min(u32::MAX as u64) as u32)
    }
}

pub fn parse(
    body: &[u8],
    headers: &HeaderMap,
    query: &Query,
    cfg: &LlmConfig,
) -> Result<ChatRequest, ApiError> {
    let v: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::invalid(
            format!("The request body is not valid JSON ({e}); send a JSON object."),
            None,
            None,
        )
    })?;
    let obj = v
        .as_object()
        .ok_or_else(|| ApiError::invalid("The request body must be a JSON object.", None, None))?;

    let model = match obj.get("model") {
        None | Some(Value::Null) => {
            return Err(ApiError::invalid(
                "you must provide a model parameter",
                Some("model"),
                None,
            ))
        }
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(ApiError::wrong_type("model", "a string")),
    };

    let messages = match obj.get("messages") {
        None | Some(Value::Null) => return Err(ApiError::missing("messages")),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(ApiError::wrong_type("messages", "an array")),
    };
    if messages.is_empty() {
        return Err(ApiError::invalid(
            "Invalid 'messages': empty array. Expected an array with minimum length 1.",
            Some("messages"),
            Some("empty_array"),
        ));
    }
    let mut prompt = String::new();
    for m in messages {
        let m = m
            .as_object()
            .ok_or_else(|| ApiError::wrong_type("messages", "an array of objects"))?;
        if !m.get("role").is_some_and(Value::is_string) {
            return Err(ApiError::invalid(
                "Each message needs a string 'role'.",
                Some("messages"),
                Some("missing_required_parameter"),
            ));
        }
        match m.get("content") {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => push_line(&mut prompt, s),
            Some(Value::Array(parts)) => {
                for p in parts {
                    if let Some(t) = p.get("text").and_then(Value::as_str) {
                        push_line(&mut prompt, t);
                    }
                }
            }
            Some(_) => {
                return Err(ApiError::wrong_type(
                    "messages.content",
                    "a string or an array of parts",
                ))
            }
        }
    }

    let stream = match obj.get("stream") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(ApiError::wrong_type("stream", "a boolean")),
    };
    let include_usage = obj
        .get("stream_options")
        .and_then(|o| o.get("include_usage"))
        .and_then(Value::as_bool)
        .unwrap_or(false);

    let mut max_tokens = None;
    for key in ["max_completion_tokens", "max_tokens"] {
        match obj.get(key) {
            None | Some(Value::Null) => {}
            Some(v) => match v.as_u64() {
                Some(n) if n >= 1 => {
                    max_tokens = Some(n);
                    break;
                }
                _ => {
                    let param = if key == "max_tokens" {
                        "max_tokens"
                    } else {
                        "max_completion_tokens"
                    };
                    return Err(ApiError::invalid(
                        format!("Invalid '{key}': expected an integer >= 1."),
                        Some(param),
                        Some("invalid_value"),
                    ));
                }
            },
        }
    }

    let stop = match obj.get("stop") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .map(|s| s.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| ApiError::wrong_type("stop", "a string or an array of strings"))?,
        Some(_) => {
            return Err(ApiError::wrong_type(
                "stop",
                "a string or an array of strings",
            ))
        }
    };

    let seed = match obj.get("seed") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_u64()
                .or_else(|| v.as_i64().map(|i| i as u64))
                .ok_or_else(|| ApiError::wrong_type("seed", "an integer"))?,
        ),
    };

    let knobs = knobs(obj, headers, query, cfg)?;
    Ok(ChatRequest {
        model,
        prompt,
        stream,
        include_usage,
        max_tokens,
        stop,
        seed,
        knobs,
    })
}

fn push_line(prompt: &mut String, s: &str) {
    if !prompt.is_empty() {
        prompt.push('\n');
    }
    prompt.push_str(s);
}

/// One knob: the body field `name`, else header `x-<name with dashes>`,
/// else query parameter `name`; None when none is given.
fn knob_opt(
    obj: &serde_json::Map<String, Value>,
    headers: &HeaderMap,
    query: &Query,
    name: &'static str,
) -> Result<Option<f64>, ApiError> {
    let bad = || {
        ApiError::invalid(
            format!("Invalid '{name}': expected a number >= 0."),
            Some(name),
            Some("invalid_value"),
        )
    };
    let v = if let Some(v) = obj.get(name).filter(|v| !v.is_null()) {
        v.as_f64().ok_or_else(bad)?
    } else if let Some(h) = headers.get(format!("x-{}", name.replace('_', "-"))) {
        h.to_str()
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .ok_or_else(bad)?
    } else if let Some(q) = query.get(name) {
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

fn knob(
    obj: &serde_json::Map<String, Value>,
    headers: &HeaderMap,
    query: &Query,
    name: &'static str,
    default: f64,
) -> Result<f64, ApiError> {
    Ok(knob_opt(obj, headers, query, name)?.unwrap_or(default))
}

fn knobs(
    obj: &serde_json::Map<String, Value>,
    headers: &HeaderMap,
    query: &Query,
    cfg: &LlmConfig,
) -> Result<Knobs, ApiError> {
    let ms = |v: f64| Duration::from_secs_f64(v / 1e3);
    let ttft = knob(obj, headers, query, "ttft_ms", cfg.ttft_ms)?;
    let per = knob(
        obj,
        headers,
        query,
        "ttft_per_prompt_token_us",
        cfg.ttft_per_prompt_token_us,
    )?;
    let interval = knob(
        obj,
        headers,
        query,
        "token_interval_ms",
        cfg.token_interval_ms,
    )?;
    let jitter = knob(obj, headers, query, "jitter_ms", cfg.jitter_ms)?;
    let per_chunk = knob(obj, headers, query, "tokens_per_chunk", 1.0)?;
    let completion = knob_opt(obj, headers, query, "completion_tokens")?;
    Ok(Knobs {
        ttft: ms(ttft),
        ttft_per_prompt_token: Duration::from_secs_f64(per / 1e6),
        token_interval: ms(interval),
        jitter: ms(jitter),
        tokens_per_chunk: (per_chunk as u64).max(1),
        completion_tokens: completion.map(|c| c as u64),
    })
}
