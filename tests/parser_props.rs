//! Property tests: the real parser against the naive reference parser on
//! random streams, and chunked against one-shot on random chunkings.

mod parser_support;

use parser_support::reference::reference_parse;
use parser_support::{parse_chunks_with, split_at_offsets, Ev};
use proptest::prelude::*;
use sse::parser::{Limits, ParseError};

/// Pieces that exercise the grammar: field names (right and wrong case),
/// colons, spaces, every line end, BOM and its parts, invalid and split
/// UTF-8, NUL, digits.
const PIECES: &[&[u8]] = &[
    b"data",
    b"data",
    b"data:",
    b"data: ",
    b"event",
    b"id",
    b"retry",
    b"Data",
    b"foo",
    b":",
    b":",
    b" ",
    b"  ",
    b"\r",
    b"\n",
    b"\n",
    b"\r\n",
    b"\n\n",
    b"\xEF\xBB\xBF",
    b"\xEF",
    b"\xBB",
    b"\xBF",
    b"\xFF",
    b"\xC3",
    b"\xA9",
    b"\xE2\x82",
    b"\xF0\x9F\x98\x80",
    b"\x00",
    b"0",
    b"12",
    b"x",
    b"abc",
    b"\t",
];

fn piece() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        8 => prop::sample::select(PIECES).prop_map(|p| p.to_vec()),
        1 => any::<u8>().prop_map(|b| vec![b]),
    ]
}

fn stream() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(piece(), 0..48).prop_map(|pieces| pieces.concat())
}

/// A stream and sorted cut offsets into it.
fn chunked_stream() -> impl Strategy<Value = (Vec<u8>, Vec<usize>)> {
    stream().prop_flat_map(|s| {
        let len = s.len();
        let cuts = prop::collection::vec(0..=len, 0..12).prop_map(|mut c| {
            c.sort_unstable();
            c
        });
        (Just(s), cuts)
    })
}

/// Events dispatched before the parser stopped, and how it stopped.
fn run_until_error(chunks: &[&[u8]], limits: Limits) -> (Vec<Ev>, Result<(), ParseError>) {
    use bytes::Bytes;
    let mut parser = sse::parser::Parser::new(limits);
    let mut events = Vec::new();
    for chunk in chunks {
        if let Err(e) = parser.feed(Bytes::copy_from_slice(chunk), |e| events.push(Ev::from(e))) {
            return (events, Err(e));
        }
    }
    let end = parser.finish(|e| events.push(Ev::from(e)));
    (events, end)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, ..ProptestConfig::default() })]

    #[test]
    fn random_chunking_matches_reference_parser((input, cuts) in chunked_stream()) {
        let chunks = split_at_offsets(&input, &cuts);
        let got = parse_chunks_with(chunks.iter().copied(), Limits::default());
        prop_assert_eq!(got, Ok(reference_parse(&input)));
    }

    #[test]
    fn random_chunking_with_small_caps_matches_one_shot(
        (input, cuts) in chunked_stream(),
        max_line in 0usize..24,
        max_event in 0usize..48,
    ) {
        let limits = Limits { max_line, max_event };
        let chunks = split_at_offsets(&input, &cuts);
        let one_shot = run_until_error(&[&input], limits);
        prop_assert_eq!(run_until_error(&chunks, limits), one_shot);
    }
}
