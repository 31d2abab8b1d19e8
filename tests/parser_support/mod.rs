//! Shared helpers of the parser tests: a naive reference parser, a runner
//! for the real parser with any chunking, and a comparable event shape.
#![allow(dead_code)] // each test binary uses a different subset

pub mod reference;

use bytes::Bytes;
use sse::parser::{Event, Limits, ParseError, Parser};

/// An event with plain owned fields, comparable across parsers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ev {
    pub event_type: String,
    pub data: String,
    pub id: String,
    pub comment: String,
    pub retry: Option<u64>,
}

impl Ev {
    /// A message event with `data` and nothing else set.
    pub fn data(data: &str) -> Ev {
        Ev {
            data: data.to_owned(),
            ..Ev::default()
        }
    }
    pub fn typed(mut self, event_type: &str) -> Ev {
        self.event_type = event_type.to_owned();
        self
    }
    pub fn id(mut self, id: &str) -> Ev {
        self.id = id.to_owned();
        self
    }
    pub fn comment(mut self, comment: &str) -> Ev {
        self.comment = comment.to_owned();
        self
    }
    pub fn retry(mut self, ms: u64) -> Ev {
        self.retry = Some(ms);
        self
    }
}

impl From<Event> for Ev {
    fn from(e: Event) -> Ev {
        Ev {
            event_type: e.event_type.as_str().to_owned(),
            data: e.data.as_str().to_owned(),
            id: e.id.as_str().to_owned(),
            comment: e.comment.as_str().to_owned(),
            retry: e.retry,
        }
    }
}

/// Everything a stream leaves behind once finished.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub events: Vec<Ev>,
    pub last_event_id: String,
    pub reconnection_time: Option<u64>,
}

/// Runs the real parser over `chunks`, then `finish`.
pub fn parse_chunks_with<'a>(
    chunks: impl IntoIterator<Item = &'a [u8]>,
    limits: Limits,
) -> Result<Outcome, ParseError> {
    let mut parser = Parser::new(limits);
    let mut events = Vec::new();
    for chunk in chunks {
        parser.feed(Bytes::copy_from_slice(chunk), |e| events.push(Ev::from(e)))?;
    }
    parser.finish(|e| events.push(Ev::from(e)))?;
    Ok(Outcome {
        events,
        last_event_id: parser.last_event_id().to_owned(),
        reconnection_time: parser.reconnection_time(),
    })
}

/// Runs the real parser over `chunks` with default limits.
pub fn parse_chunks(chunks: &[&[u8]]) -> Outcome {
    match parse_chunks_with(chunks.iter().copied(), Limits::default()) {
        Ok(outcome) => outcome,
        Err(e) => panic!("unexpected parse error: {e}"),
    }
}

/// The whole input as one chunk.
pub fn parse_oneshot(input: &[u8]) -> Outcome {
    parse_chunks(&[input])
}

/// Events of the one-shot parse of `input`.
pub fn events_of(input: &[u8]) -> Vec<Ev> {
    parse_oneshot(input).events
}

/// `input` cut at each of `cuts` (sorted offsets).
pub fn split_at_offsets<'a>(input: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut chunks = Vec::with_capacity(cuts.len() + 1);
    let mut from = 0;
    for &cut in cuts {
        chunks.push(&input[from..cut]);
        from = cut;
    }
    chunks.push(&input[from..]);
    chunks
}

/// Asserts that `input` split at every single offset, and fed byte by
/// byte, parses exactly like the one-shot parse.
pub fn assert_split_invariant(input: &[u8]) {
    let expected = parse_oneshot(input);
    for cut in 0..=input.len() {
        let got = parse_chunks(&split_at_offsets(input, &[cut]));
        assert_eq!(got, expected, "input {input:?} split at {cut}");
    }
    let bytewise: Vec<&[u8]> = input.chunks(1).collect();
    assert_eq!(
        parse_chunks(&bytewise),
        expected,
        "input {input:?} byte by byte"
    );
}
