//! "Parsing an event stream": chunks in, complete decoded lines out.
//!
//! Each chunk is scanned once, 64 bytes at a time, for CR/LF and non-ASCII
//! bytes (see `scan.rs`). A line that lies
//! wholly inside the chunk is handed on as a range of the chunk (no copy);
//! only the bytes of a line that started in an earlier chunk are buffered,
//! and that buffer is never scanned again, so the work is linear in the
//! input however it is chunked.

use super::event::Event;
use super::interpret::Block;
use super::limits::{LimitKind, Limits, ParseError};
use super::scan::classify_at;
use super::text::Text;
use bytes::{Buf, Bytes, BytesMut};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Capacity the buffer of lines cut by chunk boundaries grows by.
const PARTIAL_BUFFER: usize = 4096;

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
    /// `partial` holds a byte ≥ 0x80, so it needs UTF-8 validation.
    partial_non_ascii: bool,
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
            partial_non_ascii: false,
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
    #[inline]
    pub fn feed<F: FnMut(Event)>(&mut self, chunk: Bytes, on_event: F) -> Result<(), ParseError> {
        // Small chunks in the middle of a long line (a slow trickle) only
        // extend the buffered line: skip the block machinery for them.
        if chunk.len() < 64 && !self.partial.is_empty() && !self.skip_lf && self.failed.is_none() {
            let masks = match chunk.len() {
                0 => return Ok(()),
                _ => classify_at(&chunk, 0),
            };
            if masks.line_ends == 0 {
                return self.grow_partial(&chunk, masks.non_ascii != 0);
            }
        }
        // By reference: moving the 32-byte `Bytes` into the call makes the
        // callee reload it with wide loads right after the caller's narrow
        // stores, a store-forwarding stall measurable per chunk.
        self.feed_lines(&chunk, on_event)
    }

    fn feed_lines<F: FnMut(Event)>(
        &mut self,
        chunk: &Bytes,
        mut on_event: F,
    ) -> Result<(), ParseError> {
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        let bytes: &[u8] = chunk;
        let len = bytes.len();
        let mut line_start = 0;
        if self.skip_lf && len > 0 {
            self.skip_lf = false;
            if bytes[0] == b'\n' {
                line_start = 1;
            }
        }
        // Non-ASCII bytes seen in the current line in earlier blocks.
        let mut line_non_ascii = false;
        let mut block_at = line_start;
        while block_at < len {
            let masks = classify_at(bytes, block_at);
            let mut ends = masks.line_ends;
            let mut non_ascii = masks.non_ascii;
            while ends != 0 {
                let bit = ends.trailing_zeros() as usize;
                ends &= ends - 1;
                let end = block_at + bit;
                if end < line_start {
                    continue; // the LF of a CRLF, consumed with its CR
                }
                let before = (1u64 << bit) - 1;
                let has_non_ascii = line_non_ascii || non_ascii & before != 0;
                non_ascii &= !before;
                line_non_ascii = false;
                let start = line_start;
                line_start = end + 1;
                if bytes[end] == b'\r' {
                    match bytes.get(end + 1) {
                        Some(b'\n') => line_start += 1,
                        Some(_) => {}
                        None => self.skip_lf = true,
                    }
                }
                if self.partial.is_empty() {
                    // `data: …` LF LF, the shape of nearly every event.
                    if bytes[end] == b'\n'
                        && bytes.get(end + 1) == Some(&b'\n')
                        && !has_non_ascii
                        && !self.at_stream_start
                        && bytes[start..end].starts_with(b"data:")
                        && self.block.data.is_empty()
                        && end - start <= self.limits.max_line
                        && end - start + self.block.comment.len() <= self.limits.max_event
                    {
                        line_start = end + 2;
                        self.data_line_then_dispatch(chunk, start, end, &mut on_event);
                        continue;
                    }
                    self.chunk_line(chunk, start, end, has_non_ascii, &mut on_event)?;
                } else {
                    self.grow_partial(&bytes[start..end], has_non_ascii)?;
                    let blank_follows = bytes[end] == b'\n' && bytes.get(end + 1) == Some(&b'\n');
                    if self.buffered_line(&mut on_event, blank_follows)? {
                        line_start = end + 2;
                    }
                }
            }
            line_non_ascii |= non_ascii != 0;
            block_at += 64;
        }
        self.grow_partial(&bytes[line_start.min(len)..], line_non_ascii)
    }

    /// Interprets the line `chunk[start..end]` that lies wholly in the chunk.
    #[inline(always)]
    fn chunk_line<F: FnMut(Event)>(
        &mut self,
        chunk: &Bytes,
        mut start: usize,
        end: usize,
        non_ascii: bool,
        on_event: &mut F,
    ) -> Result<(), ParseError> {
        if end - start > self.limits.max_line {
            return Err(self.fail(ParseError::new(LimitKind::Line, self.limits.max_line)));
        }
        if self.at_stream_start {
            self.at_stream_start = false;
            if chunk[start..end].starts_with(BOM) {
                start += BOM.len();
            }
        }
        if non_ascii && std::str::from_utf8(&chunk[start..end]).is_err() {
            let line = decode_lossy(&chunk[start..end]);
            return self.interpret_line(&line, 0, line.len(), on_event);
        }
        self.interpret_line(chunk, start, end, on_event)
    }

    /// Appends the start of a line that does not end in this chunk.
    #[inline]
    fn grow_partial(&mut self, more: &[u8], non_ascii: bool) -> Result<(), ParseError> {
        if more.is_empty() {
            return Ok(());
        }
        if self.partial.len() + more.len() > self.limits.max_line {
            return Err(self.fail(ParseError::new(LimitKind::Line, self.limits.max_line)));
        }
        if self.partial.capacity() - self.partial.len() < more.len() {
            // Lines are split off this buffer as they complete; a roomy
            // buffer takes many of them before `reserve` has to reclaim or
            // replace it, instead of one reclaim per line.
            self.partial.reserve(more.len().max(PARTIAL_BUFFER));
        }
        self.partial.extend_from_slice(more);
        self.partial_non_ascii |= non_ascii;
        Ok(())
    }

    /// The buffered line just got its line end: decode and interpret it.
    /// With `blank_follows` (a LF LF line end), a first data line of its
    /// block is dispatched at once; returns whether the blank line was
    /// consumed that way.
    fn buffered_line<F: FnMut(Event)>(
        &mut self,
        on_event: &mut F,
        blank_follows: bool,
    ) -> Result<bool, ParseError> {
        let mut line = self.partial.split().freeze();
        if self.at_stream_start {
            self.at_stream_start = false;
            if line.starts_with(BOM) {
                line = line.slice(BOM.len()..);
            }
        }
        if std::mem::take(&mut self.partial_non_ascii) && std::str::from_utf8(&line).is_err() {
            line = decode_lossy(&line);
        }
        // A data line hands its own buffer on as the value (no new reference).
        if let Some(rest) = line.strip_prefix(b"data:") {
            let skip = line.len() - rest.len() + usize::from(rest.first() == Some(&b' '));
            line.advance(skip);
            if blank_follows && self.block.data.is_empty() {
                if line.len() + self.block.comment.len() > self.limits.max_event {
                    return Err(self.fail(ParseError::new(LimitKind::Event, self.limits.max_event)));
                }
                // SAFETY: the line is valid UTF-8 (validated or decoded
                // above) and the value starts after ASCII bytes.
                self.dispatch_data(unsafe { Text::from_utf8_unchecked(line) }, on_event);
                return Ok(true);
            }
            self.block.data.push_owned(line);
            self.check_event_size()?;
            return Ok(false);
        }
        self.interpret_line(&line, 0, line.len(), on_event)?;
        Ok(false)
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
        self.partial_non_ascii = false;
        self.skip_lf = false;
        self.at_stream_start = true;
        self.block.clear();
        self.id_buffer = self.last_event_id.clone();
        self.id_changed = false;
        Ok(())
    }
}
