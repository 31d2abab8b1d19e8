//! Classifies input 64 bytes at a time into bit masks: which bytes end a
//! line (CR or LF) and which are not ASCII. The feed loop then walks line
//! ends with `trailing_zeros`, one instruction per line instead of a search
//! call per line, and knows for free which lines need UTF-8 validation
//! (pure-ASCII lines are valid UTF-8 as they are).

/// Bit `i` of each mask describes byte `i` of a 64-byte block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Masks {
    /// CR or LF.
    pub(crate) line_ends: u64,
    /// A byte ≥ 0x80 (part of a multi-byte character, or invalid).
    pub(crate) non_ascii: u64,
}

/// The masks of one block, with SSE2 (part of the x86_64 baseline).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn classify(block: &[u8; 64]) -> Masks {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    let mut line_ends = 0u64;
    let mut non_ascii = 0u64;
    for lane in 0..4 {
        // SAFETY: SSE2 is always enabled on x86_64, so these intrinsics are
        // available; the unaligned load reads bytes `lane*16 .. lane*16+16`
        // of a 64-byte array, all in bounds.
        let (ends, high) = unsafe {
            let v = _mm_loadu_si128(block.as_ptr().add(lane * 16).cast::<__m128i>());
            let lf = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\n' as i8));
            let cr = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\r' as i8));
            (
                _mm_movemask_epi8(_mm_or_si128(lf, cr)),
                _mm_movemask_epi8(v),
            )
        };
        // movemask fills the low 16 bits of the i32, one per byte.
        line_ends |= u64::from(ends as u16) << (lane * 16);
        non_ascii |= u64::from(high as u16) << (lane * 16);
    }
    Masks {
        line_ends,
        non_ascii,
    }
}

/// The masks of one block, byte by byte (targets without SSE2 code here).
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
pub(crate) fn classify(block: &[u8; 64]) -> Masks {
    classify_scalar(block)
}

/// Reference classification, one byte at a time.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
pub(crate) fn classify_scalar(block: &[u8; 64]) -> Masks {
    let mut masks = Masks {
        line_ends: 0,
        non_ascii: 0,
    };
    for (i, &b) in block.iter().enumerate() {
        if b == b'\n' || b == b'\r' {
            masks.line_ends |= 1 << i;
        }
        if b >= 0x80 {
            masks.non_ascii |= 1 << i;
        }
    }
    masks
}

/// Masks of the (up to) 64 bytes at `bytes[at..]`, `at < bytes.len()`.
///
/// A short tail is never copied into a padded buffer: a narrow copy followed
/// by a wide load of the same memory stalls store-to-load forwarding, which
/// cost more than the scan itself. Instead the last 64 bytes of the chunk
/// are classified and the masks shifted; a chunk shorter than 64 bytes is
/// classified byte by byte.
#[inline(always)]
pub(crate) fn classify_at(bytes: &[u8], at: usize) -> Masks {
    let len = bytes.len();
    if let Some(block) = bytes
        .get(at..at + 64)
        .and_then(|b| <&[u8; 64]>::try_from(b).ok())
    {
        return classify(block);
    }
    match bytes
        .get(len.wrapping_sub(64)..)
        .and_then(|b| <&[u8; 64]>::try_from(b).ok())
    {
        Some(last) => {
            // `at + 64 > len`, so 1 ≤ shift ≤ 63 drops the bytes before `at`.
            let shift = at + 64 - len;
            let m = classify(last);
            Masks {
                line_ends: m.line_ends >> shift,
                non_ascii: m.non_ascii >> shift,
            }
        }
        None => classify_short(&bytes[at..]),
    }
}

/// Masks of fewer than 64 bytes (a short chunk): eight bytes at a time in a
/// `u64` (the last word overlapping the one before), byte by byte below 8.
#[inline]
fn classify_short(tail: &[u8]) -> Masks {
    let n = tail.len();
    let mut masks = Masks {
        line_ends: 0,
        non_ascii: 0,
    };
    if n < 8 {
        for (i, &b) in tail.iter().enumerate() {
            masks.line_ends |= u64::from(b == b'\n' || b == b'\r') << i;
            masks.non_ascii |= u64::from(b >> 7) << i;
        }
        return masks;
    }
    let mut at = 0;
    loop {
        // One 8-byte load; `at + 8 <= n` always holds here.
        let word = match tail[at..].first_chunk::<8>() {
            Some(bytes) => u64::from_le_bytes(*bytes),
            None => return masks,
        };
        let (ends, high) = classify_word(word);
        masks.line_ends |= ends << at;
        masks.non_ascii |= high << at;
        if at + 8 == n {
            return masks;
        }
        at = (at + 8).min(n - 8);
    }
}

/// Line-end and non-ASCII bits (one per byte, in the low 8 bits) of eight
/// little-endian bytes, without branches.
#[inline(always)]
fn classify_word(word: u64) -> (u64, u64) {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // High bit of each byte set exactly when that byte of `t` is zero: the
    // add cannot carry across bytes, and `| t` catches bytes ≥ 0x80.
    let zero_bytes = |t: u64| !(((t & LOW7) + LOW7) | t) & HIGH;
    let ends = zero_bytes(word ^ 0x0A0A_0A0A_0A0A_0A0A) | zero_bytes(word ^ 0x0D0D_0D0D_0D0D_0D0D);
    // Gather the high bit of byte i into bit i.
    let gather = |m: u64| (m >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56;
    (gather(ends), gather(word & HIGH))
}

#[cfg(test)]
mod tests {
    use super::{classify, classify_at, classify_scalar};

    #[test]
    fn simd_classification_matches_byte_by_byte() {
        // Every byte value at every position, via a rotating pattern.
        for shift in 0..256usize {
            let mut block = [0u8; 64];
            for (i, b) in block.iter_mut().enumerate() {
                *b = ((i * 7 + shift) % 256) as u8;
            }
            assert_eq!(classify(&block), classify_scalar(&block), "shift {shift}");
        }
    }

    #[test]
    fn short_chunks_of_every_length_equal_byte_by_byte() {
        let bytes: Vec<u8> = (0..63u32)
            .map(|i| [b'a', b'\n', b'\r', 0xC3, 0x7F, 0x80, 0xFF, 0][(i * 7 % 8) as usize])
            .collect();
        for len in 1..bytes.len() {
            for at in 0..len {
                let mut block = [0u8; 64];
                block[..len - at].copy_from_slice(&bytes[at..len]);
                assert_eq!(
                    classify_at(&bytes[..len], at),
                    classify_scalar(&block),
                    "len {len} at {at}"
                );
            }
        }
    }

    #[test]
    fn short_chunk_classified_byte_by_byte() {
        let bytes = b"ab\ncd\r\xC3\xA9";
        let m = classify_at(bytes, 0);
        assert_eq!(m.line_ends, 0b100100);
        assert_eq!(m.non_ascii, 0b11000000);
        let m = classify_at(bytes, 3);
        assert_eq!(m.line_ends, 0b100);
    }

    #[test]
    fn tail_of_long_chunk_equals_byte_by_byte() {
        let bytes: Vec<u8> = (0..150u32)
            .map(|i| [b'a', b'\n', b'\r', 0xC3, b':'][(i * i % 5) as usize])
            .collect();
        for at in 0..bytes.len() {
            let mut block = [0u8; 64];
            let n = (bytes.len() - at).min(64);
            block[..n].copy_from_slice(&bytes[at..at + n]);
            assert_eq!(classify_at(&bytes, at), classify_scalar(&block), "at {at}");
        }
    }
}
