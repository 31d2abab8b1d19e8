//! Parsing and validating a request of any of the four formats into one
//! shape: the prompt text, the generation limits and the knobs.

use http::HeaderMap;
use serde_json::{Map, Value};

use super::errors::ApiError;
use super::format::Format;
use super::knobs::Knobs;
use crate::config::LlmConfig;
use crate::query::Query;

pub struct LlmRequest {
    pub model: String,
    /// Every message's / prompt's text joined by LF (what prompt tokens count).
    pub prompt: String,
    pub stream: bool,
    /// OpenAI `stream_options.include_usage` (the other formats always send usage).
    pub include_usage: bool,
    pub max_tokens: Option<u64>,
    pub stop: Vec<String>,
    pub seed: Option<u64>,
    /// vLLM's `ignore_eos`: generate exactly `max_tokens` tokens.
    pub ignore_eos: bool,
    pub knobs: Knobs,
}

/// OpenAI's legacy completions default `max_tokens` (vLLM's too).
const COMPLETIONS_DEFAULT_MAX_TOKENS: u64 = 16;

pub fn parse(
    format: Format,
    body: &[u8],
    headers: &HeaderMap,
    query: &Query,
    cfg: &LlmConfig,
) -> Result<LlmRequest, ApiError> {
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

    let mut prompt = String::new();
    let (max_keys, stop_key): (&[&'static str], &'static str) = match format {
        Format::Chat => {
            messages_text(obj, &mut prompt)?;
            (&["max_completion_tokens", "max_tokens"], "stop")
        }
        Format::Completions => {
            match obj.get("prompt") {
                None | Some(Value::Null) => return Err(ApiError::missing("prompt")),
                Some(Value::String(s)) => prompt.push_str(s),
                Some(Value::Array(a)) if a.len() == 1 && a[0].is_string() => {
                    prompt.push_str(a[0].as_str().unwrap_or_default())
                }
                Some(_) => {
                    return Err(ApiError::wrong_type(
                        "prompt",
                        "a string (or an array of exactly one string)",
                    ))
                }
            }
            (&["max_tokens"], "stop")
        }
        Format::Responses => {
            if let Some(i) = obj.get("instructions").and_then(Value::as_str) {
                push_line(&mut prompt, i);
            }
            match obj.get("input") {
                None | Some(Value::Null) => return Err(ApiError::missing("input")),
                Some(Value::String(s)) => push_line(&mut prompt, s),
                Some(Value::Array(items)) => {
                    for item in items {
                        content_text(item.get("content"), "input", &mut prompt)?;
                    }
                }
                Some(_) => {
                    return Err(ApiError::wrong_type(
                        "input",
                        "a string or an array of input items",
                    ))
                }
            }
            (&["max_output_tokens"], "stop")
        }
        Format::Anthropic => {
            content_text(obj.get("system"), "system", &mut prompt)?;
            messages_text(obj, &mut prompt)?;
            if matches!(obj.get("max_tokens"), None | Some(Value::Null)) {
                return Err(ApiError::invalid(
                    "max_tokens: Field required",
                    Some("max_tokens"),
                    Some("missing_required_parameter"),
                ));
            }
            (&["max_tokens"], "stop_sequences")
        }
    };

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
    for &key in max_keys {
        match obj.get(key) {
            None | Some(Value::Null) => {}
            Some(v) => match v.as_u64() {
                Some(n) if n >= 1 => {
                    max_tokens = Some(n);
                    break;
                }
                _ => {
                    return Err(ApiError::invalid(
                        format!("Invalid '{key}': expected an integer >= 1."),
                        Some(key),
                        Some("invalid_value"),
                    ))
                }
            },
        }
    }
    if format == Format::Completions && max_tokens.is_none() {
        max_tokens = Some(COMPLETIONS_DEFAULT_MAX_TOKENS);
    }

    let stop = match obj.get(stop_key) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .map(|s| s.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| ApiError::wrong_type(stop_key, "a string or an array of strings"))?,
        Some(_) => {
            return Err(ApiError::wrong_type(
                stop_key,
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
    let ignore_eos = obj
        .get("ignore_eos")
        .and_then(Value::as_bool)
        .unwrap_or(false);

    let knobs = Knobs::resolve(obj, headers, query, cfg)?;
    Ok(LlmRequest {
        model,
        prompt,
        stream,
        include_usage,
        max_tokens,
        stop,
        seed,
        ignore_eos,
        knobs,
    })
}

/// `messages` (required, non-empty, each with a string `role`): their text.
fn messages_text(obj: &Map<String, Value>, prompt: &mut String) -> Result<(), ApiError> {
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
        content_text(m.get("content"), "messages.content", prompt)?;
    }
    Ok(())
}

/// A `content` value: a string, or an array of parts whose `text` is taken.
fn content_text(
    content: Option<&Value>,
    param: &'static str,
    prompt: &mut String,
) -> Result<(), ApiError> {
    match content {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(s)) => {
            push_line(prompt, s);
            Ok(())
        }
        Some(Value::Array(parts)) => {
            for p in parts {
                if let Some(t) = p.get("text").and_then(Value::as_str) {
                    push_line(prompt, t);
                }
            }
            Ok(())
        }
        Some(_) => Err(ApiError::wrong_type(param, "a string or an array of parts")),
    }
}

fn push_line(prompt: &mut String, s: &str) {
    if !prompt.is_empty() {
        prompt.push('\n');
    }
    prompt.push_str(s);
}
