//! Server configuration (CLI flags map one to one onto these fields).

use std::net::IpAddr;
use std::path::PathBuf;

/// Defaults for `/v1/chat/completions`; each can be overridden per request.
#[derive(Clone, Debug)]
pub struct LlmConfig {
    /// Model id served by `/v1/models` (requests may name any model).
    pub model: String,
    /// Time to first token: base…
    pub ttft_ms: f64,
    /// …plus this much per prompt token.
    pub ttft_per_prompt_token_us: f64,
    /// Gap between content chunks.
    pub token_interval_ms: f64,
    /// Each gap is moved by a seeded uniform amount in ±jitter_ms.
    pub jitter_ms: f64,
    /// Seeds token generation (unless the request has `seed`) and jitter.
    pub seed: u64,
}

impl Default for LlmConfig {
    fn default() -> LlmConfig {
        LlmConfig {
            model: "my-model".into(),
            ttft_ms: 0.0,
            ttft_per_prompt_token_us: 0.0,
            token_interval_ms: 0.0,
            jitter_ms: 0.0,
            seed: 42,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Config {
    pub host: IpAddr,
    /// 0 = pick a free port.
    pub port: u16,
    /// HTTPS with HTTP/2 by ALPN, certificate generated at start.
    pub tls: bool,
    /// Where to write the CA certificate (PEM) clients should trust.
    pub cert_out: Option<PathBuf>,
    /// Where to append one JSON line per event written.
    pub truth_log: Option<PathBuf>,
    pub llm: LlmConfig,
    /// Runtime worker threads for `spawn` (the binary uses `--threads`).
    pub worker_threads: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            host: IpAddr::from([127, 0, 0, 1]),
            port: 0,
            tls: false,
            cert_out: None,
            truth_log: None,
            llm: LlmConfig::default(),
            worker_threads: 2,
        }
    }
}
