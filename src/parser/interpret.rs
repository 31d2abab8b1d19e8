//! "Interpreting an event stream": one complete, decoded line at a time.
//!
//! The caller (see `stream.rs`) has already split lines, dropped the BOM and
//! made the line valid UTF-8, so every range here is a slice of valid UTF-8
//! bounded by ASCII bytes, and stays valid UTF-8 when sliced.

use super::event::Event;
use super::joined::Joined;
use super::limits::{LimitKind, ParseError};
use super::text::Text;
use super::Parser;
use bytes::Bytes;
use memchr::memchr;

/// The per-event buffers of the spec, plus what we report with the event.
#[derive(Default)]
pub(crate) struct Block {
    pub(crate) data: Joined,
    pub(crate) event_type: Text,
    pub(crate) comment: Joined,
    pub(crate) retry: Option<u64>,
}

impl Block {
    pub(crate) fn clear(&mut self) {
        self.data.clear();
        self.comment.clear();
        self.event_type = Text::new();
        self.retry = None;
    }
}

/// The value of a `retry` field: ASCII digits only, at least one, and small
/// enough for a u64 (a browser could not honour a longer one either);
/// anything else means the field is ignored.
fn parse_retry(value: &[u8]) -> Option<u64> {
    if value.is_empty() {
        return None;
    }
    let mut ms: u64 = 0;
    for &b in value {
        if !b.is_ascii_digit() {
            return None;
        }
        ms = ms.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(ms)
}

impl Parser {
    /// Interprets the line `src[start..end]` (no line end, valid UTF-8).
    #[inline(always)]
    pub(crate) fn interpret_line<F: FnMut(Event)>(
        &mut self,
        src: &Bytes,
        start: usize,
        end: usize,
        on_event: &mut F,
    ) -> Result<(), ParseError> {
        let line = &src[start..end];
        if line.is_empty() {
            self.dispatch(on_event);
            return Ok(());
        }
        // Fast path for the line nearly every event has.
        if let Some(rest) = line.strip_prefix(b"data:") {
            let skip = usize::from(rest.first() == Some(&b' '));
            self.block.data.push(src, end - rest.len() + skip..end);
            return self.check_event_size();
        }
        // No colon: the whole line is the field name and the value is empty.
        let (name_len, value_start) = match memchr(b':', line) {
            Some(colon) if line.get(colon + 1) == Some(&b' ') => (colon, colon + 2),
            Some(colon) => (colon, colon + 1),
            None => (line.len(), line.len()),
        };
        let value = start + value_start..end;
        match &line[..name_len] {
            b"data" => {
                self.block.data.push(src, value);
                self.check_event_size()?;
            }
            b"" => {
                self.block.comment.push(src, value);
                self.check_event_size()?;
            }
            b"event" => {
                // SAFETY: `src[start..end]` is valid UTF-8 (module invariant)
                // and `value` starts after an ASCII byte and ends where the
                // line does, so it is valid UTF-8 too.
                self.block.event_type = unsafe { Text::from_utf8_unchecked(src.slice(value)) };
            }
            // An id containing NUL is ignored.
            b"id" if memchr(0, &src[value.clone()]).is_none() => {
                // SAFETY: as for `event` above.
                self.id_buffer = unsafe { Text::from_utf8_unchecked(src.slice(value)) };
                self.id_changed = true;
            }
            b"retry" => {
                if let Some(ms) = parse_retry(&src[value]) {
                    self.reconnection_time = Some(ms);
                    self.block.retry = Some(ms);
                }
            }
            _ => {}
        }
        Ok(())
    }

    #[inline(always)]
    pub(crate) fn check_event_size(&mut self) -> Result<(), ParseError> {
        let size = self.block.data.len() + self.block.comment.len();
        if size > self.limits.max_event {
            return Err(self.fail(ParseError::new(LimitKind::Event, self.limits.max_event)));
        }
        Ok(())
    }

    /// A blank line: dispatch the block as an event if it has data, then
    /// start a new block.
    #[inline(always)]
    fn dispatch<F: FnMut(Event)>(&mut self, on_event: &mut F) {
        if self.id_changed {
            self.last_event_id = self.id_buffer.clone();
            self.id_changed = false;
        }
        let Some(data) = self.block.data.take() else {
            // Spec: no data → no event, but the type buffer (and with it the
            // rest of the block) is reset.
            self.block.clear();
            return;
        };
        // SAFETY: joined from valid UTF-8 values with ASCII LF.
        self.emit(unsafe { Text::from_utf8_unchecked(data) }, on_event);
    }

    /// The fast path for the commonest event, `data: …` LF LF inside one
    /// chunk: a data line `chunk[start..end]` (valid UTF-8, first data line
    /// of its block, within the caps) immediately followed by a blank line.
    /// Same result as interpreting both lines, without staging the value.
    #[inline(always)]
    pub(crate) fn data_line_then_dispatch<F: FnMut(Event)>(
        &mut self,
        chunk: &Bytes,
        start: usize,
        end: usize,
        on_event: &mut F,
    ) {
        debug_assert!(chunk[start..end].starts_with(b"data:") && self.block.data.is_empty());
        let value_start =
            start + 5 + usize::from(chunk.get(start + 5) == Some(&b' ') && start + 5 < end);
        // SAFETY: the caller checked the line is valid UTF-8; the value
        // starts after ASCII bytes and ends with the line.
        let data = unsafe { Text::from_utf8_unchecked(chunk.slice(value_start..end)) };
        self.dispatch_data(data, on_event);
    }

    /// A blank line right after the block's only data line, whose value is
    /// `data`: what `dispatch` does, without staging the value.
    #[inline(always)]
    pub(crate) fn dispatch_data<F: FnMut(Event)>(&mut self, data: Text, on_event: &mut F) {
        if self.id_changed {
            self.last_event_id = self.id_buffer.clone();
            self.id_changed = false;
        }
        self.emit(data, on_event);
    }

    /// Hands the block on as an event with `data`, and starts a new block.
    #[inline(always)]
    fn emit<F: FnMut(Event)>(&mut self, data: Text, on_event: &mut F) {
        let comment = match self.block.comment.take() {
            // SAFETY: joined from valid UTF-8 values with ASCII LF.
            Some(c) => unsafe { Text::from_utf8_unchecked(c) },
            None => Text::new(),
        };
        on_event(Event {
            event_type: std::mem::take(&mut self.block.event_type),
            data,
            id: self.id_buffer.clone(),
            comment,
            retry: self.block.retry.take(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::parse_retry;

    #[test]
    fn retry_accepts_only_ascii_digits_that_fit() {
        assert_eq!(parse_retry(b"0"), Some(0));
        assert_eq!(parse_retry(b"03000"), Some(3000));
        assert_eq!(parse_retry(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_retry(b"18446744073709551616"), None);
        assert_eq!(parse_retry(b""), None);
        assert_eq!(parse_retry(b"1.5"), None);
        assert_eq!(parse_retry(b" 1"), None);
        assert_eq!(parse_retry(b"-1"), None);
        assert_eq!(parse_retry("１".as_bytes()), None);
    }
}
