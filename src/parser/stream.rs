//! "Parsing an event stream": chunks in, complete decoded lines out.
//!
//! Each chunk is scanned once with `memchr2` for CR/LF. A line that lies
//! wholly inside the chunk is handed on as a range of the chunk (no copy);
//! only the bytes of a line that started in an earlier chunk are buffered,
//! and that buffer is never scanned again, so the work is linear in the
//! input however it is chunked.

use super::event::Event;
use super::interpret::Block;
use super::limits::{LimitKind, Limits, ParseError};
use super::text::Text;
use bytes::{Bytes, BytesMut};
use memchr::memchr2;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// An incremental WHATWG event-stream parser: feed it the body of a
/// `text/event-stream` response in chunks split anywhere, get [`Event`]s.
///
/// It decodes UTF-8 with U+FFFD replacement on the stream (a character split
/// across chunks is kept whole), drops one leading BOM, accepts CR, LF and
/// CRLF line ends (a CRLF split across chunks is one line end), and applies
/// the spec's field rules exactly. Event fields borrow from the input chunks
/// where they are contiguous.
///
/// ```
/// use bytes::Bytes;
/// use sse::parser::{Limits, Parser};
///
/// let mut parser = Parser::new(Limits::default());
/// let mut events = Vec::new();
/// parser.feed(Bytes::from_static(b"id: 7\ndata: hel"), |e| events.push(e)).unwrap();
/// parser.feed(Bytes::from_static(b"lo\r\n\r\n"), |e| events.push(e)).unwrap();
/// parser.finish(|e| events.push(e)).unwrap();
/// assert_eq!(events.len(), 1);
/// assert_eq!(events[0].data, "hello");
/// assert_eq!(parser.last_event_id(), "7");
/// ```
pub struct Parser {
    pub(crate) limits: Limits,
    /// Start of a line whose end has not arrived yet (raw bytes).
    partial: BytesMut,
    /// The last chunk ended with CR, so a LF opening the next chunk is the
    /// second half of a CRLF.
    skip_lf: bool,
    /// No line has ended yet in this stream: the first one may start with a BOM.
    at_stream_start: bool,
    pub(crate) block: Block,
    /// The spec's last-event-ID buffer: set by `id` fields, kept across events.
    pub(crate) id_buffer: Text,
    /// `id_buffer` changed since the last blank line.
    pub(crate) id_changed: bool,
    /// The source's last event ID string: `id_buffer` as of the last blank line.
    pub(crate) last_event_id: Text,
    pub(crate) reconnection_time: Option<u64>,
    /// Set once a cap was exceeded; the stream is dead from then on.
    failed: Option<ParseError>,
}

impl Default for Parser {
    fn default() -> Parser {
        Parser::new(Limits::default())
    }
}

/// Index just past the line end that starts at `bytes[end]` (CR, LF or
/// CRLF), and whether the chunk ended right after a CR.
#[inline(always)]
fn after_line_end(bytes: &[u8], end: usize) -> (usize, bool) {
    let next = end + 1;
    if bytes[end] == b'\r' {
        match bytes.get(next) {
            Some(b'\n') => (next + 1, false),
            Some(_) => (next, false),
            None => (next, true),
        }
    } else {
        (next, false)
    }
}

/// End of the longest valid UTF-8 prefix of `bytes[from..]`, as an index of
/// `bytes`.
#[inline]
fn valid_utf8_end(bytes: &[u8], from: usize) -> usize {
    match std::str::from_utf8(&bytes[from..]) {
        Ok(_) => bytes.len(),
        Err(e) => from + e.valid_up_to(),
    }
}

/// `line` (one whole line, invalid UTF-8) decoded with U+FFFD replacement.
/// Line ends are ASCII and ASCII never belongs to an invalid sequence, so
/// decoding line by line gives the same characters as decoding the stream.
#[cold]
fn decode_lossy(line: &[u8]) -> Bytes {
    Bytes::from(String::from_utf8_lossy(line).into_owned())
}

impl Parser {
    /// A parser at the start of a stream.
    pub fn new(limits: Limits) -> Parser {
        Parser {
            limits,
            partial: BytesMut::new(),
            skip_lf: false,
            at_stream_start: true,
            block: Block::default(),
            id_buffer: Text::new(),
            id_changed: false,
            last_event_id: Text::new(),
            reconnection_time: None,
            failed: None,
        }
    }

    /// The caps this parser enforces.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The source's last event ID: the last-event-ID buffer as of the latest
    /// blank line (what a reconnect sends as `Last-Event-ID`).
    pub fn last_event_id(&self) -> &str {
        self.last_event_id.as_str()
    }

    /// The last event ID as shared [`Text`].
    pub fn last_event_id_text(&self) -> &Text {
        &self.last_event_id
    }

    /// The reconnection time in ms from the last valid `retry` field of the
    /// stream, if any.
    pub fn reconnection_time(&self) -> Option<u64> {
        self.reconnection_time
    }

    pub(crate) fn fail(&mut self, err: ParseError) -> ParseError {
        self.partial = BytesMut::new();
        self.block.clear();
        self.failed = Some(err.clone());
        err
    }

    /// Feeds the next chunk of the stream (split anywhere) and calls
    /// `on_event` for every event it completes, in order.
    ///
    /// # Errors
    /// A [`Limits`] cap was exceeded. The stream is dead: this and every
    /// later call return the same error and dispatch nothing more.
    pub fn feed<F: FnMut(Event)>(
        &mut self,
        chunk: Bytes,
        mut on_event: F,
    ) -> Result<(), ParseError> {
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        let bytes: &[u8] = &chunk;
        let mut pos = 0;
        if self.skip_lf && !bytes.is_empty() {
            self.skip_lf = false;
            if bytes[0] == b'\n' {
                pos = 1;
            }
        }
        if !self.partial.is_empty() {
            match memchr2(b'\r', b'\n', &bytes[pos..]) {
                None => return self.grow_partial(&bytes[pos..]),
                Some(i) => {
                    let end = pos + i;
                    self.grow_partial(&bytes[pos..end])?;
                    (pos, self.skip_lf) = after_line_end(bytes, end);
                    self.buffered_line(&mut on_event)?;
                }
            }
        }
        // Lines inside this chunk: `bytes[..valid_to]` (from wherever the
        // last check started) is known to be valid UTF-8.
        let mut valid_to = 0;
        while let Some(i) = memchr2(b'\r', b'\n', &bytes[pos..]) {
            let mut start = pos;
            let end = pos + i;
            (pos, self.skip_lf) = after_line_end(bytes, end);
            if end - start > self.limits.max_line {
                return Err(self.fail(ParseError::new(LimitKind::Line, self.limits.max_line)));
            }
            if self.at_stream_start {
                self.at_stream_start = false;
                if bytes[start..end].starts_with(BOM) {
                    start += BOM.len();
                }
            }
            if end > valid_to {
                valid_to = valid_utf8_end(bytes, start);
            }
            if end <= valid_to {
                self.interpret_line(&chunk, start, end, &mut on_event)?;
            } else {
                let line = decode_lossy(&bytes[start..end]);
                self.interpret_line(&line, 0, line.len(), &mut on_event)?;
            }
        }
        self.grow_partial(&bytes[pos..])
    }

    /// Appends the start of a line that does not end in this chunk.
    #[inline]
    fn grow_partial(&mut self, more: &[u8]) -> Result<(), ParseError> {
        if more.is_empty() {
            return Ok(());
        }
        if self.partial.len() + more.len() > self.limits.max_line {
            return Err(self.fail(ParseError::new(LimitKind::Line, self.limits.max_line)));
        }
        self.partial.extend_from_slice(more);
        Ok(())
    }

    /// The buffered line just got its line end: decode and interpret it.
    fn buffered_line<F: FnMut(Event)>(&mut self, on_event: &mut F) -> Result<(), ParseError> {
        let mut line = self.partial.split().freeze();
        if self.at_stream_start {
            self.at_stream_start = false;
            if line.starts_with(BOM) {
                line = line.slice(BOM.len()..);
            }
        }
        if std::str::from_utf8(&line).is_err() {
            line = decode_lossy(&line);
        }
        self.interpret_line(&line, 0, line.len(), on_event)
    }

    /// Ends the stream. A final CR already ended its line when it was fed;
    /// what is left (an unterminated line, an undispatched block) is
    /// dropped, as the spec says. Never dispatches; takes `on_event` so the
    /// call reads like [`Parser::feed`].
    ///
    /// Afterwards the parser is ready for the next stream of the same source
    /// (a reconnect): it expects a BOM again, while the last event ID and
    /// reconnection time are kept (the last-event-ID buffer restarts from
    /// the last event ID, as browsers do).
    ///
    /// # Errors
    /// The stream had already failed with this error.
    pub fn finish<F: FnMut(Event)>(&mut self, on_event: F) -> Result<(), ParseError> {
        drop(on_event);
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        self.partial.clear();
        self.skip_lf = false;
        self.at_stream_start = true;
        self.block.clear();
        self.id_buffer = self.last_event_id.clone();
        self.id_changed = false;
        Ok(())
    }
}
