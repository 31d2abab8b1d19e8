//! [`Event`]: one dispatched event-stream message.

use super::text::Text;

/// One event, dispatched by a blank line after a block with at least one
/// `data` field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Event {
    /// The `event` field as sent; empty means the spec's default type
    /// `"message"`.
    pub event_type: Text,
    /// The `data` lines joined by LF (the spec's trailing LF removed).
    pub data: Text,
    /// The last-event-ID buffer at dispatch: the latest `id` field of the
    /// stream so far, not only of this block.
    pub id: Text,
    /// The comment lines of this event's block (leading `:` and one following
    /// space removed), joined by LF; empty if there were none.
    pub comment: Text,
    /// A valid `retry` field (milliseconds) inside this event's block.
    pub retry: Option<u64>,
}

impl Event {
    /// The event type a browser would report: `event_type`, or `"message"`
    /// when it is empty.
    pub fn type_or_message(&self) -> &str {
        if self.event_type.is_empty() {
            "message"
        } else {
            self.event_type.as_str()
        }
    }
}
