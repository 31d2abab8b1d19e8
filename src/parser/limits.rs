//! Size caps of the parser and the error reported when one is exceeded.

use std::fmt;

/// Caps that keep a hostile or broken stream from growing memory without bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Longest accepted line in bytes, line end excluded.
    pub max_line: usize,
    /// Largest accepted event in bytes: its data plus its comments, the LF
    /// separators between lines included.
    pub max_event: usize,
}

impl Limits {
    /// 16 MiB: the default [`Limits::max_line`] (option `max_line_bytes`).
    ///
    /// Real streams carry multi-megabyte lines: image-generation and
    /// multimodal LLM APIs send a base64 image as one `data:` line (a 12 MB
    /// image is 16 MB of base64). Browsers cap nothing; this cap is only
    /// there so that an endless line fails instead of growing memory, and
    /// memory is used only as a line actually grows.
    pub const DEFAULT_MAX_LINE: usize = 16 << 20;
    /// 64 MiB: the default [`Limits::max_event`] (option `max_event_bytes`),
    /// room for a few maximal lines in one event.
    pub const DEFAULT_MAX_EVENT: usize = 64 << 20;
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_line: Limits::DEFAULT_MAX_LINE,
            max_event: Limits::DEFAULT_MAX_EVENT,
        }
    }
}

/// Which cap a stream exceeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitKind {
    /// A line was longer than [`Limits::max_line`].
    Line,
    /// An event was larger than [`Limits::max_event`].
    Event,
}

impl LimitKind {
    /// The request option that sets this cap, as the C request JSON names
    /// it (bindings translate it to their own spelling, e.g. `maxLineBytes`
    /// in k6).
    pub fn option(self) -> &'static str {
        match self {
            LimitKind::Line => "max_line_bytes",
            LimitKind::Event => "max_event_bytes",
        }
    }
}

/// A cap of [`Limits`] was exceeded; the stream cannot be parsed further.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    kind: LimitKind,
    cap: usize,
}

impl ParseError {
    pub(crate) fn new(kind: LimitKind, cap: usize) -> ParseError {
        ParseError { kind, cap }
    }

    /// The cap that was exceeded.
    pub fn kind(&self) -> LimitKind {
        self.kind
    }

    /// The value of that cap, in bytes.
    pub fn cap(&self) -> usize {
        self.cap
    }
}

/// The one message of a cap error: what was too large, the cap, and the
/// option that raises it (only the cap that was hit).
impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            LimitKind::Line => "a line of the event stream is longer",
            LimitKind::Event => "an event of the event stream is larger",
        };
        write!(
            f,
            "{what} than {} bytes; raise {} if this is expected",
            self.cap,
            self.kind.option()
        )
    }
}

impl std::error::Error for ParseError {}
