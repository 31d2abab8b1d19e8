//! The `sse::parser` module compiled on its own, plus what both fuzz
//! targets share.

#[path = "../../src/parser/mod.rs"]
pub mod parser;

use bytes::Bytes;
use parser::{Event, Limits, ParseError, Parser};

/// Small caps so that the fuzzer reaches the limit paths too.
pub const SMALL_LIMITS: Limits = Limits {
    max_line: 64,
    max_event: 256,
};

/// Everything observable about one parse: the events, how it ended, and
/// the stream state left behind.
#[derive(Debug, PartialEq, Eq)]
pub struct Observed {
    pub events: Vec<Event>,
    pub end: Result<(), ParseError>,
    pub last_event_id: String,
    pub reconnection_time: Option<u64>,
}

/// Parses `chunks` in order, then finishes; stops at the first error.
pub fn parse<'a>(chunks: impl IntoIterator<Item = &'a [u8]>, limits: Limits) -> Observed {
    let mut parser = Parser::new(limits);
    let mut events = Vec::new();
    let mut end = Ok(());
    for chunk in chunks {
        end = parser.feed(Bytes::copy_from_slice(chunk), |e| events.push(e));
        if end.is_err() {
            break;
        }
    }
    if end.is_ok() {
        end = parser.finish(|e| events.push(e));
    }
    for e in &events {
        // Text promises valid UTF-8 and `as_str` relies on it.
        assert!(std::str::from_utf8(e.data.as_bytes()).is_ok());
        assert!(std::str::from_utf8(e.event_type.as_bytes()).is_ok());
        assert!(std::str::from_utf8(e.id.as_bytes()).is_ok());
        assert!(std::str::from_utf8(e.comment.as_bytes()).is_ok());
        assert!(!e.id.as_str().contains('\0'));
    }
    Observed {
        events,
        end,
        last_event_id: parser.last_event_id().to_owned(),
        reconnection_time: parser.reconnection_time(),
    }
}
