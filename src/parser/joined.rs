//! [`Joined`]: field values of one kind (data or comment lines) joined by LF.
//!
//! Most events have one `data` line: its value stays a slice of the input
//! chunk and is handed out as is. Only a second line makes a copy, into a
//! buffer whose capacity is reused from event to event.

use bytes::{Bytes, BytesMut};
use std::ops::Range;

#[derive(Default)]
pub(crate) struct Joined {
    state: State,
    /// Owned join of several lines; meaningful only in `State::Many`.
    buf: BytesMut,
}

#[derive(Default)]
enum State {
    /// No line yet (distinct from one empty line, which dispatches "").
    #[default]
    Empty,
    /// Exactly one line, borrowed from the input.
    One(Bytes),
    /// Several lines, joined in `buf`.
    Many,
}

impl Joined {
    /// Appends `src[range]` as a new line.
    #[inline(always)]
    pub(crate) fn push(&mut self, src: &Bytes, range: Range<usize>) {
        match &mut self.state {
            State::Empty => self.state = State::One(src.slice(range)),
            State::One(first) => {
                self.buf.clear();
                self.buf.reserve(first.len() + 1 + range.len());
                self.buf.extend_from_slice(first);
                self.buf.extend_from_slice(b"\n");
                self.buf.extend_from_slice(&src[range]);
                self.state = State::Many;
            }
            State::Many => {
                self.buf.extend_from_slice(b"\n");
                self.buf.extend_from_slice(&src[range]);
            }
        }
    }

    /// Appends `line` as a new line, taking it without a refcount change
    /// when it is the first.
    #[inline]
    pub(crate) fn push_owned(&mut self, line: Bytes) {
        match &mut self.state {
            State::Empty => self.state = State::One(line),
            _ => self.push(&line, 0..line.len()),
        }
    }

    /// No line pushed (one empty line is not empty: it dispatches "").
    #[inline(always)]
    pub(crate) fn is_empty(&self) -> bool {
        matches!(self.state, State::Empty)
    }

    /// Bytes held, LF separators included.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        match &self.state {
            State::Empty => 0,
            State::One(b) => b.len(),
            State::Many => self.buf.len(),
        }
    }

    /// The joined lines, or `None` when no line was pushed; leaves `self` empty.
    #[inline(always)]
    pub(crate) fn take(&mut self) -> Option<Bytes> {
        match std::mem::take(&mut self.state) {
            State::Empty => None,
            State::One(b) => Some(b),
            // `split` leaves the spare capacity behind; once the consumer
            // drops the event, `reserve` reclaims the whole allocation.
            State::Many => Some(self.buf.split().freeze()),
        }
    }

    /// Forgets every line.
    pub(crate) fn clear(&mut self) {
        self.state = State::Empty;
        self.buf.clear();
    }
}
