//! `Reader`: the consumer's exclusive access to a stream — its current
//! batch and the read calls. Events are lent out of the batch, valid until
//! the reader's next read; the owned reads move them out.

use super::notice::Notice;
use super::queue::{Entry, Local, Queue, ReadState};
use super::stream::{Delivered, Next};
use std::ops::Range;
use std::sync::MutexGuard;
use std::time::Duration;

/// One reader of a stream at a time (see `Stream::reader`).
pub struct Reader<'s> {
    pub(crate) queue: &'s Queue,
    pub(crate) local: MutexGuard<'s, Local>,
}

/// Events lent by a read, and the stream's state after them.
pub struct Batch<'a> {
    entries: &'a [Entry],
    /// `More`: read again before waiting; `Empty`: nothing more queued now;
    /// `Notice`: no events, a notice is next (`Reader::notice`); or the
    /// final state, which then comes with the last events.
    pub state: ReadState,
}

impl<'a> Batch<'a> {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The events, in order.
    pub fn iter(&self) -> impl Iterator<Item = &'a Delivered> + 'a {
        self.entries.iter().filter_map(Entry::event)
    }
}

impl Reader<'_> {
    fn read_range(&mut self, timeout: Option<Duration>, max: usize) -> (Range<usize>, ReadState) {
        self.queue.read(&mut self.local, timeout, max)
    }

    /// Waits up to `timeout` (`None`: forever; zero: not at all) for at
    /// least one event or a final state, then lends up to `max` queued
    /// events, valid until this reader's next read.
    pub fn read(&mut self, timeout: Option<Duration>, max: usize) -> Batch<'_> {
        let (range, state) = self.read_range(timeout, max);
        Batch {
            entries: &self.local.items[range],
            state,
        }
    }

    /// The notice the last read reported (`ReadState::Notice`), lent until
    /// this reader's next read.
    pub fn notice(&self) -> Option<&Notice> {
        self.local
            .notice
            .and_then(|i| self.local.items.get(i))
            .and_then(Entry::notice)
    }

    /// Moves out the notice the last read reported.
    fn take_notice(&mut self) -> Option<Box<Notice>> {
        let index = self.local.notice?;
        let entry = self.local.items.get_mut(index)?;
        match std::mem::replace(entry, Entry::Taken) {
            Entry::Notice(n) => Some(n),
            other => {
                *entry = other;
                None
            }
        }
    }

    /// The next event, lent until this reader's next read; or why there is
    /// none (`Empty` = nothing within the timeout; `Notice`: see `notice`).
    pub fn next(&mut self, timeout: Option<Duration>) -> Result<&Delivered, ReadState> {
        let (range, state) = self.read_range(timeout, 1);
        match self.local.items[range].first().and_then(Entry::event) {
            Some(d) => Ok(d),
            None => Err(state),
        }
    }

    /// Moves up to `max` events into `out` (see `Stream::drain`); with no
    /// event, the notice if one is next.
    pub(crate) fn take(
        &mut self,
        timeout: Option<Duration>,
        max: usize,
        out: &mut Vec<Delivered>,
    ) -> (usize, ReadState, Option<Box<Notice>>) {
        let (range, state) = self.read_range(timeout, max);
        let before = out.len();
        for entry in &mut self.local.items[range] {
            if let Entry::Event(d) = std::mem::replace(entry, Entry::Taken) {
                out.push(d);
            }
        }
        let notice = if state == ReadState::Notice {
            self.take_notice()
        } else {
            None
        };
        (out.len() - before, state, notice)
    }

    /// The next event, moved out (see `Stream::next`).
    pub(crate) fn take_one(&mut self, timeout: Option<Duration>) -> Next {
        let (range, state) = self.read_range(timeout, 1);
        if let Some(entry) = self.local.items[range].first_mut() {
            if let Entry::Event(d) = std::mem::replace(entry, Entry::Taken) {
                return Next::Event(d);
            }
        }
        if state == ReadState::Notice {
            if let Some(n) = self.take_notice() {
                return Next::Notice(n);
            }
        }
        Next::from(state)
    }
}
