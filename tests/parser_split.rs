//! Chunk-boundary invariance: every input, split at every byte offset (and
//! at every pair of offsets for shorter inputs) and fed byte by byte, gives
//! exactly the one-shot result.

mod parser_support;

use parser_support::reference::reference_parse;
use parser_support::{assert_split_invariant, parse_chunks, parse_oneshot, split_at_offsets, Ev};

/// Streams that mix every rule, each line-end style and multi-byte text, so
/// that cuts land on CR|LF, inside CRLF, the BOM, characters and field names.
const CORPUS: &[&[u8]] = &[
    b"\xEF\xBB\xBFid: 1\r\nevent: add\r\ndata: h\xC3\xA9llo\r\ndata\r\n: note\r\n\r\n",
    b"retry: 250\rdata: \xF0\x9F\x98\x80\r\rid\r:x\rdata:  two\r\r",
    b"data: a\n\rdata: b\r\n\ndata: c\r\r\n\r\n",
    b"data: \xE2\x82\n\ndata: a\xFFb\n\nid: x\x00y\ndata: z\n\n",
    b"\xEF\xBB\xBF\xEF\xBB\xBFdata: 1\n\ndata: 2\r",
    b"event: only-type\n\n:comment\n\ndata:{\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\ndata: [DONE]\n\n",
    b"id: 5\ndata: a\n\nid:\ndata: b\n\nRetry: 1\nretry: 2x\nretry: 3\ndata: c\n\ndata: unterminated",
    b"\r\n\r\n\n\r",
    b"\xEF\xBB",
    b"",
];

#[test]
fn every_offset_split_and_byte_by_byte_equal_one_shot() {
    for input in CORPUS {
        assert_split_invariant(input);
    }
}

#[test]
fn every_pair_of_offsets_equals_one_shot() {
    for input in CORPUS.iter().filter(|i| i.len() <= 90) {
        let expected = parse_oneshot(input);
        for a in 0..=input.len() {
            for b in a..=input.len() {
                let got = parse_chunks(&split_at_offsets(input, &[a, b]));
                assert_eq!(got, expected, "input {input:?} split at {a} and {b}");
            }
        }
    }
}

#[test]
fn corpus_matches_reference_parser() {
    for input in CORPUS {
        assert_eq!(
            parse_oneshot(input),
            reference_parse(input),
            "input {input:?}"
        );
    }
    // One spot check of the corpus so the reference is not trusted blindly.
    let first = parse_oneshot(CORPUS[0]);
    assert_eq!(
        first.events,
        vec![Ev::data("héllo\n").typed("add").id("1").comment("note")]
    );
}
