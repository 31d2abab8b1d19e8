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
    /// 1 MiB: the default [`Limits::max_line`].
    pub const DEFAULT_MAX_LINE: usize = 1 << 20;
    /// 4 MiB: the default [`Limits::max_event`].
    pub const DEFAULT_MAX_EVENT: usize = 4 << 20;
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

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            LimitKind::Line => write!(
                f,
                "event-stream line longer than max_line ({} bytes)",
                self.cap
            ),
            LimitKind::Event => write!(
                f,
                "event-stream event larger than max_event ({} bytes)",
                self.cap
            ),
        }
    }
}

impl std::error::Error for ParseError {}
