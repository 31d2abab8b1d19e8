//! An exact, incremental, zero-copy parser for `text/event-stream` bodies
//! (WHATWG HTML, "Parsing an event stream" and "Interpreting an event
//! stream"). No I/O and no async: feed [`bytes::Bytes`] chunks to a
//! [`Parser`], get [`Event`]s.
//!
//! Rules it implements, all of them tested in `tests/parser_rules.rs`:
//! - line ends CR, LF and CRLF, also when a CRLF is split across chunks; a CR
//!   ending the stream ends its line;
//! - one UTF-8 BOM dropped at the very start of the stream only;
//! - UTF-8 decoded on the stream with U+FFFD for invalid sequences (maximal
//!   subparts, as `String::from_utf8_lossy` and browsers do);
//! - fields `data`, `event`, `id` (ignored if it contains NUL; the buffer
//!   persists across events), `retry` (ASCII digits only); other names are
//!   ignored; names are case-sensitive; a line without a colon is a field
//!   with an empty value; one space after the colon is removed;
//! - lines starting with a colon are comments, reported in
//!   [`Event::comment`] of the event their block dispatches;
//! - a blank line dispatches: no data means no event; one trailing LF is
//!   removed from the data; an unterminated last event is never dispatched.
//!
//! Where the spec leaves room, this parser does what browsers do: a `retry`
//! value needs at least one digit and must fit in a `u64`; after
//! [`Parser::finish`] the next stream's last-event-ID buffer starts from the
//! last event ID (a reconnect), not from empty.
//!
//! # Cost
//! Each chunk is scanned once, 64 bytes at a time, for CR/LF and non-ASCII
//! bytes; only lines with non-ASCII bytes are UTF-8 validated. A field that
//! lies in one chunk is a slice of it (a reference count, no copy, no
//! allocation); only a line cut by a chunk boundary is copied, into a buffer
//! whose allocation is reused, and several `data` lines are joined into
//! another reusable buffer. Work is linear in the input however it is
//! chunked: bytes of an unfinished line are never scanned again.
//!
//! Memory: an event's fields keep alive the buffer they are slices of — the
//! input chunk, or the 4 KiB line buffer — until the event is dropped; so
//! does the last event ID. Drop or copy events you keep for long.
//!
//! [`Limits`] caps the line and event size: past a cap, `feed` returns a
//! [`ParseError`] naming the cap and its value, and the stream is dead.

mod event;
mod interpret;
mod joined;
mod limits;
mod scan;
mod stream;
mod text;

pub use event::Event;
pub use limits::{LimitKind, Limits, ParseError};
pub use stream::Parser;
pub use text::Text;
