//! The truth log: one JSON line per event written, so accuracy tests can
//! compare what a client reports with what the server did.
//!
//! Line format: `{"stream":S,"seq":N,"mono_ns":T,"wall_ns":W}` where `stream`
//! is the value of the response's `x-stream-id` header, `seq` counts the
//! stream's events from 1, `mono_ns` is CLOCK_MONOTONIC and `wall_ns` the
//! Unix wall clock when the event's bytes were handed to the connection.
//! `/events` lines add `"index":I` after `seq`: the generated event's
//! number (its `id` with `ids=1`), which a resumed stream starts past 1.

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

impl TruthLog {
    pub fn create(path: &Path) -> io::Result<TruthLog> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(TruthLog {
            file: Arc::new(file),
        })
    }

    pub fn stream(&self, id: u64) -> TruthStream {
        TruthStream {
            file: self.file.clone(),
            id,
            seq: 0,
            buf: Vec::new(),
        }
    }
}

/// One stream's view of the log; flushes what it buffered when dropped.
pub struct TruthStream {
    file: Arc<File>,
    id: u64,
    seq: u64,
    buf: Vec<u8>,
}

impl TruthStream {
    /// Records `n` events written now (they share one timestamp: one write).
    pub fn record(&mut self, n: u64) {
        self.write_lines(None, n);
    }

    /// Records `/events` events `first..first + n`, written now.
    pub fn record_indexed(&mut self, first: u64, n: u64) {
        self.write_lines(Some(first), n);
    }

    fn write_lines(&mut self, first: Option<u64>, n: u64) {
        if n == 0 {
            return;
        }
        let mono = mono_ns();
        let wall = wall_ns();
        for k in 0..n {
            self.seq += 1;
            // Writing into a Vec cannot fail.
            let _ = write!(self.buf, "{{\"stream\":{},\"seq\":{}", self.id, self.seq);
            if let Some(first) = first {
                let _ = write!(self.buf, ",\"index\":{}", first + k);
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
