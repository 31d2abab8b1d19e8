//! The OpenAI-compatible endpoints: `POST /v1/chat/completions` (streaming
//! and not) and `GET /v1/models`.

pub mod chat;
mod chunks;
mod errors;
pub mod generate;
pub mod models;
mod request;
pub mod tokenizer;
