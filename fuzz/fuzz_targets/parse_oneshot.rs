//! One-shot parse of arbitrary bytes: must not panic, must keep every
//! invariant `Observed` checks, under default and small caps.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sse_fuzz::parser::Limits;
use sse_fuzz::{parse, SMALL_LIMITS};

fuzz_target!(|data: &[u8]| {
    let big = parse([data], Limits::default());
    assert!(big.end.is_ok() || data.len() > Limits::default().max_line);
    let _ = parse([data], SMALL_LIMITS);
});
