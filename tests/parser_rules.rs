//! One table test per WHATWG event-stream rule (issue 2). Every input is
//! checked one-shot, in the chunks given, split at every offset and byte by
//! byte, and against the naive reference parser.

mod parser_support;

use bytes::Bytes;
use parser_support::reference::reference_parse;
use parser_support::{assert_split_invariant, parse_chunks, parse_chunks_with, parse_oneshot, Ev};
use sse::parser::{LimitKind, Limits, Parser};

/// Asserts each `(chunks, expected events)` row: the chunked parse, the
/// one-shot parse, every split, and the reference parser all agree.
fn table(rows: &[(&[&[u8]], Vec<Ev>)]) {
    for (chunks, expected) in rows {
        let whole: Vec<u8> = chunks.concat();
        assert_eq!(&parse_chunks(chunks).events, expected, "chunks {chunks:?}");
        assert_eq!(
            &parse_oneshot(&whole).events,
            expected,
            "one-shot {whole:?}"
        );
        assert_eq!(
            reference_parse(&whole),
            parse_oneshot(&whole),
            "reference {whole:?}"
        );
        assert_split_invariant(&whole);
    }
}

#[test]
fn line_ends_cr_lf_and_crlf_each_end_a_line() {
    table(&[
        (&[b"data: a\n\n"], vec![Ev::data("a")]),
        (&[b"data: a\r\r"], vec![Ev::data("a")]),
        (&[b"data: a\r\n\r\n"], vec![Ev::data("a")]),
        (
            &[b"data: a\rdata: b\ndata: c\r\n\n"],
            vec![Ev::data("a\nb\nc")],
        ),
        // LF CR is two line ends (a blank line), not one.
        (
            &[b"data: a\n\rdata: b\r\n\n"],
            vec![Ev::data("a"), Ev::data("b")],
        ),
        // CR CR LF: a line end, then a CRLF blank line.
        (&[b"data: a\r\r\n"], vec![Ev::data("a")]),
    ]);
}

#[test]
fn crlf_split_across_chunks_is_one_line_end() {
    table(&[
        (
            &[b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"],
            vec![Ev::data("a\nb")],
        ),
        (&[b"data: a\r", b"", b"\n\r\n"], vec![Ev::data("a")]),
        // A CR at a chunk end followed by a non-LF byte is a line end alone.
        (&[b"data: a\r", b"data: b\r", b"\r"], vec![Ev::data("a\nb")]),
    ]);
}

#[test]
fn lone_cr_at_end_of_stream_ends_a_line() {
    // The final CR ends the blank line that dispatches the event.
    table(&[
        (&[b"data: a\n", b"\r"], vec![Ev::data("a")]),
        (&[b"data: a\r\r"], vec![Ev::data("a")]),
    ]);
    // The event is dispatched as soon as the CR is fed, before finish.
    let mut parser = Parser::default();
    let mut n = 0;
    parser
        .feed(Bytes::from_static(b"data: a\r\r"), |_| n += 1)
        .unwrap();
    assert_eq!(n, 1);
    // A CR ending the stream ends an `id` line: the field is processed.
    let out = parse_oneshot(b"id: 7\r\r");
    assert_eq!(out.last_event_id, "7");
}

#[test]
fn bom_dropped_once_at_stream_start_even_split_across_chunks() {
    table(&[
        (&[b"\xEF\xBB\xBFdata: a\n\n"], vec![Ev::data("a")]),
        (&[b"\xEF", b"\xBB", b"\xBFdata: a\n\n"], vec![Ev::data("a")]),
        (
            &[b"\xEF\xBB", b"\xBF", b"\n", b"data: a\n\n"],
            vec![Ev::data("a")],
        ),
        // A second BOM is part of the field name: an unknown field.
        (
            &[b"\xEF\xBB\xBF\xEF\xBB\xBFdata: a\n\ndata: b\n\n"],
            vec![Ev::data("b")],
        ),
        // A BOM later in the stream is kept as U+FEFF.
        (
            &[b"data: a\n\n\xEF\xBB\xBFdata: b\n\ndata: \xEF\xBB\xBF\n\n"],
            vec![Ev::data("a"), Ev::data("\u{FEFF}")],
        ),
        // A BOM after a first blank line is not at the stream start.
        (&[b"\n\xEF\xBB\xBFdata: a\n\n"], vec![]),
    ]);
}

#[test]
fn invalid_utf8_decoded_with_fffd_replacement_on_the_stream() {
    table(&[
        (&[b"data: a\xFFb\n\n"], vec![Ev::data("a\u{FFFD}b")]),
        // Maximal subparts: a truncated 3-byte sequence is one U+FFFD.
        (&[b"data: \xE2\x82\n\n"], vec![Ev::data("\u{FFFD}")]),
        (
            &[b"data: \xE2\x82x\xF0\x9F\x98\n\n"],
            vec![Ev::data("\u{FFFD}x\u{FFFD}")],
        ),
        // Surrogates and overlongs: one U+FFFD per byte.
        (
            &[b"data: \xED\xA0\x80\xC0\xAF\n\n"],
            vec![Ev::data("\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}")],
        ),
        // Invalid bytes in a field name make it an unknown field.
        (&[b"da\xFFta: x\n\ndata: y\n\n"], vec![Ev::data("y")]),
        // A truncated BOM is not a BOM.
        (&[b"\xEF\xBBdata: x\n\ndata: y\n\n"], vec![Ev::data("y")]),
        (
            &[b"event: \xC3\n", b"data: \xFE\n\n"],
            vec![Ev::data("\u{FFFD}").typed("\u{FFFD}")],
        ),
    ]);
}

#[test]
fn utf8_character_split_across_chunks_is_not_damaged() {
    table(&[
        (&[b"data: \xE2", b"\x82", b"\xAC\n\n"], vec![Ev::data("€")]),
        (&[b"data: \xF0\x9F", b"\x98\x80\n\n"], vec![Ev::data("😀")]),
        (
            &[b"id: \xC3", b"\xA9\n", b"data: \xC3", b"\xA9\n\n"],
            vec![Ev::data("é").id("é")],
        ),
    ]);
}

#[test]
fn data_field_appends_value_and_lf_lines_joined() {
    table(&[
        (
            &[b"data: a\ndata: b\ndata: c\n\n"],
            vec![Ev::data("a\nb\nc")],
        ),
        (&[b"data\ndata\n\n"], vec![Ev::data("\n")]),
        (&[b"data: a\ndata:\ndata: b\n\n"], vec![Ev::data("a\n\nb")]),
        // An empty first data line still counts as a line.
        (&[b"data\ndata: b\n\n"], vec![Ev::data("\nb")]),
        (&[b"data: {\"x\": 1}\n\n"], vec![Ev::data("{\"x\": 1}")]),
    ]);
}

#[test]
fn event_field_sets_type_as_sent_empty_means_message() {
    table(&[
        (
            &[b"event: add\ndata: a\n\n"],
            vec![Ev::data("a").typed("add")],
        ),
        (
            &[b"event: add\nevent: remove\ndata: a\n\n"],
            vec![Ev::data("a").typed("remove")],
        ),
        (&[b"event:\ndata: a\n\n"], vec![Ev::data("a")]),
        (
            &[b"event: message\ndata: a\n\n"],
            vec![Ev::data("a").typed("message")],
        ),
        // The type buffer is reset after each dispatch.
        (
            &[b"event: add\ndata: a\n\ndata: b\n\n"],
            vec![Ev::data("a").typed("add"), Ev::data("b")],
        ),
    ]);
    let mut parser = Parser::default();
    let mut types = Vec::new();
    parser
        .feed(
            Bytes::from_static(b"data: a\n\nevent: x\ndata: b\n\n"),
            |e| types.push(e.type_or_message().to_owned()),
        )
        .unwrap();
    assert_eq!(types, ["message", "x"]);
}

#[test]
fn id_field_containing_nul_is_ignored() {
    table(&[
        (
            &[b"id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n"],
            vec![Ev::data("a").id("1"), Ev::data("b").id("1")],
        ),
        (&[b"id: \x00\ndata: a\n\n"], vec![Ev::data("a")]),
    ]);
    assert_eq!(parse_oneshot(b"id: 1\n\nid: x\x00\n\n").last_event_id, "1");
}

#[test]
fn id_last_event_id_buffer_persists_across_events() {
    table(&[(
        &[b"id: 1\ndata: a\n\ndata: b\n\nid: 2\ndata: c\n\n"],
        vec![
            Ev::data("a").id("1"),
            Ev::data("b").id("1"),
            Ev::data("c").id("2"),
        ],
    )]);
    // Updated by a blank line even when no event is dispatched.
    assert_eq!(parse_oneshot(b"id: 9\n\n").last_event_id, "9");
    // Not updated before the blank line.
    assert_eq!(parse_oneshot(b"id: 1\n\nid: 2\n").last_event_id, "1");
}

#[test]
fn id_empty_value_resets_last_event_id() {
    table(&[
        (
            &[b"id: 1\ndata: a\n\nid\ndata: b\n\n"],
            vec![Ev::data("a").id("1"), Ev::data("b")],
        ),
        (
            &[b"id: 1\ndata: a\n\nid:\ndata: b\n\n"],
            vec![Ev::data("a").id("1"), Ev::data("b")],
        ),
    ]);
    assert_eq!(parse_oneshot(b"id: 1\n\nid:\n\n").last_event_id, "");
}

#[test]
fn retry_ascii_digits_only_else_ignored() {
    table(&[
        (
            &[b"retry: 1500\ndata: a\n\n"],
            vec![Ev::data("a").retry(1500)],
        ),
        (
            &[b"retry: 1500\nretry: 15x\nretry: -1\nretry: 1.5\nretry:\ndata: a\n\n"],
            vec![Ev::data("a").retry(1500)],
        ),
        (
            &[b"retry: 99999999999999999999999\ndata: a\n\n"],
            vec![Ev::data("a")],
        ),
        // Only one leading space is removed: " 5" is not digits.
        (&[b"retry:  5\ndata: a\n\n"], vec![Ev::data("a")]),
        // The block's retry does not leak into the next event.
        (
            &[b"retry: 7\ndata: a\n\ndata: b\n\n"],
            vec![Ev::data("a").retry(7), Ev::data("b")],
        ),
    ]);
    assert_eq!(
        parse_oneshot(b"retry: 0300\n\n").reconnection_time,
        Some(300)
    );
    assert_eq!(
        parse_oneshot(b"retry: 300\n\nretry: x\n\n").reconnection_time,
        Some(300)
    );
    assert_eq!(parse_oneshot(b"retry: 300x\n\n").reconnection_time, None);
}

#[test]
fn unknown_fields_ignored() {
    table(&[
        (&[b"foo: bar\ndata: a\nbaz\n\n"], vec![Ev::data("a")]),
        (&[b"foo: bar\n\n"], vec![]),
        (&[b"dat: a\ndataa: b\n data: c\n\n"], vec![]),
    ]);
}

#[test]
fn field_names_case_sensitive() {
    table(&[(
        &[b"Data: a\nDATA: b\nEvent: x\nID: 1\nRetry: 5\ndata: c\n\n"],
        vec![Ev::data("c")],
    )]);
    assert_eq!(parse_oneshot(b"Retry: 5\nId: 1\n\n"), parse_oneshot(b""));
}

#[test]
fn line_without_colon_is_field_with_empty_value() {
    table(&[
        (&[b"data\n\n"], vec![Ev::data("")]),
        (&[b"event\ndata\n\n"], vec![Ev::data("")]),
        (
            &[b"id: 1\ndata: a\n\nid\ndata\n\n"],
            vec![Ev::data("a").id("1"), Ev::data("")],
        ),
    ]);
}

#[test]
fn exactly_one_leading_space_removed_after_colon() {
    table(&[
        (&[b"data:a\n\n"], vec![Ev::data("a")]),
        (&[b"data: a\n\n"], vec![Ev::data("a")]),
        (&[b"data:  a\n\n"], vec![Ev::data(" a")]),
        (&[b"data:\ta\n\n"], vec![Ev::data("\ta")]),
        (&[b"data: a \n\n"], vec![Ev::data("a ")]),
        (&[b"data: a: b\n\n"], vec![Ev::data("a: b")]),
        (&[b"event:  x\ndata:\n\n"], vec![Ev::data("").typed(" x")]),
    ]);
}

#[test]
fn comment_lines_reported_as_comments_never_as_events() {
    table(&[
        (&[b":ping\n\n"], vec![]),
        (&[b": keep-alive\n: x\n\n"], vec![]),
        (
            &[b": first\ndata: a\n:second\n:  third\n\n"],
            vec![Ev::data("a").comment("first\nsecond\n third")],
        ),
        (&[b":\ndata: a\n\n"], vec![Ev::data("a").comment("")]),
        // Comments of a data-less block are dropped with the block.
        (&[b": lost\n\ndata: a\n\n"], vec![Ev::data("a")]),
    ]);
}

#[test]
fn blank_line_dispatches_event_and_updates_last_event_id() {
    table(&[
        (
            &[b"data: a\n\ndata: b\n\n"],
            vec![Ev::data("a"), Ev::data("b")],
        ),
        (
            &[b"data: a\n\n\n\n\ndata: b\n\n"],
            vec![Ev::data("a"), Ev::data("b")],
        ),
    ]);
    assert_eq!(parse_oneshot(b"id: 3\ndata: a\n\n").last_event_id, "3");
}

#[test]
fn empty_data_buffer_dispatches_no_event_but_type_buffer_reset() {
    table(&[
        (&[b"event: x\n\ndata: a\n\n"], vec![Ev::data("a")]),
        (
            &[b"event: x\nid: 1\nretry: 5\n\ndata: a\n\n"],
            vec![Ev::data("a").id("1")],
        ),
        (&[b"\n\n\n"], vec![]),
    ]);
}

#[test]
fn one_trailing_lf_removed_from_data() {
    table(&[
        (&[b"data: a\ndata:\n\n"], vec![Ev::data("a\n")]),
        (&[b"data:\ndata:\ndata:\n\n"], vec![Ev::data("\n\n")]),
        (&[b"data: a\n\n"], vec![Ev::data("a")]),
    ]);
}

#[test]
fn unterminated_final_event_never_dispatched() {
    table(&[
        (&[b"data: a\n\ndata: b\n"], vec![Ev::data("a")]),
        (&[b"data: a\n\ndata: b"], vec![Ev::data("a")]),
        (&[b"data: a\n\ndata: b\r"], vec![Ev::data("a")]),
        (&[b"data: a"], vec![]),
    ]);
    // An unterminated last line is pending data: not even its field counts.
    let out = parse_oneshot(b"retry: 5\n\nretry: 6");
    assert_eq!(out.reconnection_time, Some(5));
}

#[test]
fn zero_copy_single_line_fields_borrow_the_input_chunk() {
    let chunk = Bytes::from_static(b"event: add\nid: 42\ndata: hello\n\n");
    let range = chunk.as_ptr() as usize..chunk.as_ptr() as usize + chunk.len();
    let mut parser = Parser::default();
    let mut events = Vec::new();
    parser.feed(chunk.clone(), |e| events.push(e)).unwrap();
    assert_eq!(events.len(), 1);
    let e = &events[0];
    for field in [&e.data, &e.event_type, &e.id] {
        assert!(
            range.contains(&(field.as_bytes().as_ptr() as usize)),
            "{field:?} was copied"
        );
    }
    // Two data lines are joined into a new buffer.
    let mut joined = Vec::new();
    parser
        .feed(Bytes::from_static(b"data: a\ndata: b\n\n"), |e| {
            joined.push(e)
        })
        .unwrap();
    assert_eq!(joined[0].data, "a\nb");
}

#[test]
fn max_line_cap_exceeded_reports_error_naming_the_cap() {
    let limits = Limits {
        max_line: 8,
        max_event: 100,
    };
    // A line of exactly the cap is fine, in one chunk or split.
    let ok = parse_chunks_with([&b"data: 12\n\n"[..]], limits).unwrap();
    assert_eq!(ok.events, vec![Ev::data("12")]);
    let ok = parse_chunks_with([&b"data"[..], b": 12\n\n"], limits).unwrap();
    assert_eq!(ok.events, vec![Ev::data("12")]);
    for chunks in [
        vec![&b"data: 123\n\n"[..]],
        vec![b"data", b": 1", b"23"],
        vec![b"data: 12", b"3"],
    ] {
        let err = parse_chunks_with(chunks.iter().copied(), limits).unwrap_err();
        assert_eq!(err.kind(), LimitKind::Line);
        assert_eq!(err.cap(), 8);
        assert_eq!(
            err.to_string(),
            "a line of the event stream is longer than 8 bytes; raise max_line_bytes if this is expected"
        );
    }
}

#[test]
fn default_caps_accept_multi_megabyte_lines_like_base64_images() {
    // `data: ` + 1 MiB was refused by the old 1 MiB line cap; an image
    // streamed as one base64 line is several MiB.
    for len in [(1 << 20) + 6, 12 << 20] {
        let mut input = b"data: ".to_vec();
        input.resize(len, b'A');
        input.extend_from_slice(b"\n\n");
        let got = parse_chunks_with([&input[..]], Limits::default()).unwrap();
        assert_eq!(got.events.len(), 1);
        assert_eq!(got.events[0].data.len(), len - 6);
    }
    assert_eq!(Limits::default().max_line, 16 << 20);
    assert_eq!(Limits::default().max_event, 64 << 20);
}

#[test]
fn max_event_cap_exceeded_reports_error_and_stream_stays_dead() {
    let limits = Limits {
        max_line: 100,
        max_event: 10,
    };
    let ok = parse_chunks_with([&b"data: 12345\ndata: 6789\n\n"[..]], limits).unwrap();
    assert_eq!(ok.events, vec![Ev::data("12345\n6789")]);
    let mut parser = Parser::new(limits);
    let mut n = 0;
    let err = parser
        .feed(
            Bytes::from_static(b"data: a\n\ndata: 12345\n: 678901\n\n"),
            |_| n += 1,
        )
        .unwrap_err();
    assert_eq!(n, 1, "the event before the oversized one is dispatched");
    assert_eq!(err.kind(), LimitKind::Event);
    assert_eq!(
        err.to_string(),
        "an event of the event stream is larger than 10 bytes; raise max_event_bytes if this is expected"
    );
    assert_eq!(
        parser.feed(Bytes::from_static(b"data: b\n\n"), |_| n += 1),
        Err(err.clone())
    );
    assert_eq!(parser.finish(|_| n += 1), Err(err));
    assert_eq!(n, 1);
}

#[test]
fn finish_drops_pending_state_and_keeps_id_and_retry_for_reconnect() {
    let mut parser = Parser::default();
    let mut events = Vec::new();
    parser
        .feed(
            Bytes::from_static(b"id: 1\nretry: 50\ndata: a\n\nid: 2\ndata: b\n"),
            |e| events.push(Ev::from(e)),
        )
        .unwrap();
    parser.finish(|e| events.push(Ev::from(e))).unwrap();
    assert_eq!(parser.last_event_id(), "1");
    assert_eq!(parser.reconnection_time(), Some(50));
    // The next stream starts fresh (BOM accepted again), id buffer from "1".
    parser
        .feed(Bytes::from_static(b"\xEF\xBB\xBFdata: c\n\n"), |e| {
            events.push(Ev::from(e))
        })
        .unwrap();
    assert_eq!(
        events,
        vec![Ev::data("a").id("1").retry(50), Ev::data("c").id("1")]
    );
}

#[test]
fn max_event_cap_boundary_is_exact_on_every_path() {
    // A value of exactly the cap passes and one byte more fails, whether the
    // line lies in one chunk, is cut by a chunk boundary, or is one of
    // several data lines.
    for (input, cap, ok) in [
        (&b"data: 1234567890\n\n"[..], 10, true),
        (b"data: 1234567890\n\n", 9, false),
        (b": c\ndata: 1234567\n\n", 8, true),
        (b": c\ndata: 1234567\n\n", 7, false),
        (b"data: 12345\ndata: 6789\n\n", 10, true),
        (b"data: 12345\ndata: 6789\n\n", 9, false),
    ] {
        let limits = Limits {
            max_line: 100,
            max_event: cap,
        };
        for cut in 0..=input.len() {
            let (head, tail) = input.split_at(cut);
            let got = parse_chunks_with([head, tail], limits);
            assert_eq!(got.is_ok(), ok, "{input:?} cap {cap} cut {cut}: {got:?}");
            if let Err(e) = got {
                assert_eq!((e.kind(), e.cap()), (LimitKind::Event, cap));
            }
        }
    }
}
