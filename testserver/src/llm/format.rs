//! The streaming LLM APIs this server speaks.

/// One API: its request shape, its events and its error bodies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// OpenAI `POST /v1/chat/completions`.
    Chat,
    /// OpenAI (legacy) `POST /v1/completions`.
    Completions,
    /// OpenAI `POST /v1/responses`.
    Responses,
    /// Anthropic `POST /v1/messages`.
    Anthropic,
}

impl Format {
    /// The name in the truth log's `format` field.
    pub fn name(self) -> &'static str {
        match self {
            Format::Chat => "openai-chat",
            Format::Completions => "openai-completions",
            Format::Responses => "openai-responses",
            Format::Anthropic => "anthropic",
        }
    }

    /// Prefix of the id the client sees (`chatcmpl-…`, `resp_…`, …).
    pub fn id_prefix(self) -> &'static str {
        match self {
            Format::Chat => "chatcmpl-",
            Format::Completions => "cmpl-",
            Format::Responses => "resp_",
            Format::Anthropic => "msg_",
        }
    }
}
