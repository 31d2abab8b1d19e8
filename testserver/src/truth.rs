//! The truth log: what the server did and when, one JSON line per request and
//! per event written, so a client's figures can be checked request by request
//! (`sse-testserver calibrate`, docs/testserver.md "Truth log").
//!
//! Two line shapes, told apart by `kind`:
//! - `{"stream":S,"kind":"request","head_mono_ns":H,"mono_ns":B,"wall_ns":W}`
//!   once per stream, first; LLM streams add `"format":F,"id":I` (the id the
//!   client sees in the stream). `head_mono_ns` is when the request head was
//!   parsed, `mono_ns` / `wall_ns` when its body was complete.
//! - `{"stream":S,"seq":N,"kind":K,"mono_ns":T,"wall_ns":W}` per event, with
//!   `"tokens":n` on `content` events; `seq` counts the stream's events from 1.
//!   `/events` events add `"index":I`: the generated event's number (its `id`
//!   with `ids=1`), which a stream resumed from `Last-Event-ID` starts past 1.
//!
//! `mono_ns` is CLOCK_MONOTONIC (comparable with libsse's `sse_now_ns()` and
//! Go's and C's monotonic clocks), `wall_ns` Unix time; events handed to the
//! connection in one write share one stamp, taken after the write was built.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;

use crate::clock::{mono_ns, wall_ns};

/// The shared log file, opened in append mode.
#[derive(Clone)]
pub struct TruthLog {
    file: Arc<File>,
}

/// Lines buffered per stream before one append (one `write` per flush keeps
/// concurrent streams' lines whole in an `O_APPEND` file).
const FLUSH_AT: usize = 16 * 1024;

/// When a request arrived: taken by the router for every request.
#[derive(Clone, Copy, Debug)]
pub struct Received {
    /// CLOCK_MONOTONIC when the request head had been parsed.
    pub head_mono_ns: u64,
    /// CLOCK_MONOTONIC when the whole body had been read.
    pub body_mono_ns: u64,
    pub body_wall_ns: u64,
    /// The same instant on tokio's clock: schedules (TTFT) count from it.
    pub at: tokio::time::Instant,
}

impl Received {
    /// Stamps "body complete" now, for a head parsed at `head_mono_ns`.
    pub fn body_done(head_mono_ns: u64) -> Received {
        Received {
            head_mono_ns,
            at: tokio::time::Instant::now(),
            body_mono_ns: mono_ns(),
            body_wall_ns: wall_ns(),
        }
    }
}

/// What an event was, in the log's words (one vocabulary for every format;
/// docs/testserver.md maps each format's events onto these).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A generated `/events` event or an echo event.
    Event,
    /// Before any token: the role chunk, `response.created`, `message_start`, ….
    Open,
    /// A content delta that carries no text.
    Empty,
    /// A content delta with `tokens` tokens.
    Content,
    /// Ends the content: the finish-reason chunk, `output_text.done`, ….
    Finish,
    /// Token counts: the usage chunk, Anthropic's `message_delta`.
    Usage,
    /// The last event: `[DONE]`, `response.completed`, `message_stop`.
    Done,
    /// An error event in the stream.
    Error,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Event => "event",
            Kind::Open => "open",
            Kind::Empty => "empty",
            Kind::Content => "content",
            Kind::Finish => "finish",
            Kind::Usage => "usage",
            Kind::Done => "done",
            Kind::Error => "error",
        }
    }
}

impl TruthLog {
    pub fn create(path: &Path) -> io::Result<TruthLog> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(TruthLog {
            file: Arc::new(file),
        })
    }

    /// One stream's view; its `request` line is written first. `llm` is the
    /// format name and the id the client sees, for LLM streams.
    pub fn stream(&self, id: u64, received: &Received, llm: Option<(&str, &str)>) -> TruthStream {
        let mut t = TruthStream {
            file: self.file.clone(),
            id,
            seq: 0,
            buf: Vec::new(),
            pending: Vec::new(),
        };
        let _ = write!(
            t.buf,
            "{{\"stream\":{id},\"kind\":\"request\",\"head_mono_ns\":{},\"mono_ns\":{},\"wall_ns\":{}",
            received.head_mono_ns, received.body_mono_ns, received.body_wall_ns
        );
        if let Some((format, client_id)) = llm {
            // Both are ours: a format name and an id of [A-Za-z0-9_-].
            let _ = write!(t.buf, ",\"format\":\"{format}\",\"id\":\"{client_id}\"");
        }
        t.buf.extend_from_slice(b"}\n");
        t
    }
}

/// One stream's view of the log; flushes what it buffered when dropped.
pub struct TruthStream {
    file: Arc<File>,
    id: u64,
    seq: u64,
    buf: Vec<u8>,
    /// Events built into the current write, not yet stamped.
    pending: Vec<Pending>,
}

/// One event built into the write being prepared.
struct Pending {
    kind: Kind,
    /// Tokens of a `content` event.
    tokens: u32,
    /// An `/events` event's number.
    index: Option<u64>,
}

impl TruthStream {
    /// Records `n` generic events written now (they share one stamp).
    pub fn record(&mut self, n: u64) {
        for _ in 0..n {
            self.push(Kind::Event, 0);
        }
        self.stamp();
    }

    /// Records `/events` events `first..first + n`, written now.
    pub fn record_indexed(&mut self, first: u64, n: u64) {
        for index in first..first.saturating_add(n) {
            self.pending.push(Pending {
                kind: Kind::Event,
                tokens: 0,
                index: Some(index),
            });
        }
        self.stamp();
    }

    /// Notes an event built into the write being prepared; `stamp` logs it.
    pub fn push(&mut self, kind: Kind, tokens: u32) {
        self.pending.push(Pending {
            kind,
            tokens,
            index: None,
        });
    }

    /// Logs every pushed event with the time now: call it when the write is
    /// handed to the connection.
    pub fn stamp(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let mono = mono_ns();
        let wall = wall_ns();
        for Pending {
            kind,
            tokens,
            index,
        } in self.pending.drain(..)
        {
            self.seq += 1;
            // Writing into a Vec cannot fail.
            let _ = write!(
                self.buf,
                "{{\"stream\":{},\"seq\":{},\"kind\":\"{}\"",
                self.id,
                self.seq,
                kind.as_str()
            );
            if kind == Kind::Content {
                let _ = write!(self.buf, ",\"tokens\":{tokens}");
            }
            if let Some(index) = index {
                let _ = write!(self.buf, ",\"index\":{index}");
            }
            let _ = writeln!(self.buf, ",\"mono_ns\":{mono},\"wall_ns\":{wall}}}");
        }
        if self.buf.len() >= FLUSH_AT {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if !self.buf.is_empty() {
            // The log is a test aid: a failed write must not break the stream.
            let _ = (&*self.file).write_all(&self.buf);
            self.buf.clear();
        }
    }
}

impl Drop for TruthStream {
    fn drop(&mut self) {
        self.flush();
    }
}
