//! Differential: the input cut into arbitrary chunks (cut points taken from
//! the first bytes of the fuzz input) and byte by byte must parse exactly
//! like the one-shot parse, with default and with small caps.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sse_fuzz::parser::Limits;
use sse_fuzz::{parse, SMALL_LIMITS};

fuzz_target!(|data: &[u8]| {
    // First byte: how many cut bytes follow; each cut byte is a chunk length.
    let Some((&n, rest)) = data.split_first() else {
        return;
    };
    let n = usize::from(n % 16).min(rest.len());
    let (cuts, stream) = rest.split_at(n);
    let mut chunks = Vec::new();
    let mut at = 0;
    for &len in cuts {
        let end = (at + usize::from(len)).min(stream.len());
        chunks.push(&stream[at..end]);
        at = end;
    }
    chunks.push(&stream[at..]);

    for limits in [Limits::default(), SMALL_LIMITS] {
        let one_shot = parse([stream], limits);
        assert_eq!(
            parse(chunks.iter().copied(), limits),
            one_shot,
            "chunks {chunks:?}"
        );
        assert_eq!(parse(stream.chunks(1), limits), one_shot, "byte by byte");
    }
});
