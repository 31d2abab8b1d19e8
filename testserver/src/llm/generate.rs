//! Deterministic completions: the same seed and prompt give the same tokens.
//!
//! Length: `16 + r % 385` tokens (16..=400) from a seeded generator, cut to
//! `max_tokens` (finish `length`), or ended early by a `stop` string (finish
//! `stop`, the stop string itself not sent). A completion that reaches its
//! natural length ends with `.` and finishes `stop`. Tokens are words with a
//! leading space (the first without) and `.`/`,` marks, so every content
//! token is one token of [`super::tokenizer`].

use std::borrow::Cow;

/// splitmix64: tiny, fast, good enough for test data.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// FNV-1a, to fold a prompt into the seed.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Finish {
    Stop,
    Length,
}

impl Finish {
    pub fn as_str(self) -> &'static str {
        match self {
            Finish::Stop => "stop",
            Finish::Length => "length",
        }
    }
}

pub struct Completion {
    pub tokens: Vec<Cow<'static, str>>,
    pub finish: Finish,
    /// The stop string that ended it early, if one did.
    pub stop_sequence: Option<String>,
}

impl Completion {
    pub fn text(&self) -> String {
        self.tokens.concat()
    }
}

pub const MIN_LEN: u64 = 16;
pub const MAX_NATURAL_LEN: u64 = 400;

/// `natural_len` replaces the seeded length when set (per-request knob).
pub fn generate(
    seed: u64,
    prompt: &str,
    max_tokens: Option<u64>,
    stop: &[String],
    natural_len: Option<u64>,
) -> Completion {
    let mut rng = Rng::new(seed ^ fnv1a(prompt.as_bytes()));
    let natural = natural_len.unwrap_or_else(|| MIN_LEN + rng.below(MAX_NATURAL_LEN - MIN_LEN + 1));
    let (len, finish) = match max_tokens {
        Some(m) if m < natural => (m, Finish::Length),
        _ => (natural, Finish::Stop),
    };
    let stops: Vec<&str> = stop
        .iter()
        .map(String::as_str)
        .filter(|s| !s.is_empty())
        .collect();
    let longest_stop = stops.iter().map(|s| s.len()).max().unwrap_or(0);
    let mut tokens: Vec<Cow<'static, str>> = Vec::with_capacity(len as usize);
    let mut text = String::new();
    let mut sentence_left = 4 + rng.below(11);
    for i in 0..len {
        let last_natural = finish == Finish::Stop && i + 1 == natural;
        let tok: &'static str = if last_natural || (sentence_left == 0 && i > 0) {
            sentence_left = 4 + rng.below(11);
            "."
        } else {
            sentence_left -= 1;
            let w = WORDS[rng.below(WORDS.len() as u64) as usize];
            if i == 0 {
                &w[1..]
            } else if rng.below(12) == 0 && !text.ends_with(',') && !text.ends_with('.') {
                sentence_left += 1;
                ","
            } else {
                w
            }
        };
        let before = text.len();
        text.push_str(tok);
        if longest_stop > 0 {
            // A stop string can end inside this token: search where it could start.
            let from = before.saturating_sub(longest_stop - 1);
            let from = (from..=before)
                .find(|&f| text.is_char_boundary(f))
                .unwrap_or(before);
            let hit = stops
                .iter()
                .filter_map(|s| text[from..].find(s).map(|i| (i, *s)))
                .min();
            if let Some((at, stop)) = hit {
                // Keep text[..at]: the stop string may start in an earlier token.
                let at = from + at;
                let mut kept = before;
                while kept > at {
                    match tokens.pop() {
                        Some(t) => kept -= t.len(),
                        None => break,
                    }
                }
                if at > kept {
                    tokens.push(Cow::Owned(text[kept..at].to_owned()));
                }
                return Completion {
                    tokens,
                    finish: Finish::Stop,
                    stop_sequence: Some(stop.to_owned()),
                };
            }
        }
        tokens.push(Cow::Borrowed(tok));
    }
    Completion {
        tokens,
        finish,
        stop_sequence: None,
    }
}

/// Words with their leading space.
static WORDS: &[&str] = &[
    " the",
    " a",
    " model",
    " server",
    " stream",
    " event",
    " token",
    " client",
    " request",
    " response",
    " data",
    " time",
    " first",
    " next",
    " load",
    " test",
    " fast",
    " exact",
    " value",
    " line",
    " field",
    " buffer",
    " queue",
    " socket",
    " thread",
    " core",
    " clock",
    " second",
    " minute",
    " rate",
    " count",
    " size",
    " byte",
    " frame",
    " chunk",
    " header",
    " body",
    " is",
    " are",
    " was",
    " will",
    " can",
    " should",
    " must",
    " may",
    " sends",
    " reads",
    " writes",
    " parses",
    " measures",
    " waits",
    " opens",
    " closes",
    " keeps",
    " returns",
    " starts",
    " ends",
    " and",
    " or",
    " but",
    " with",
    " without",
    " for",
    " from",
    " to",
    " in",
    " on",
    " at",
    " by",
    " of",
    " over",
    " under",
    " after",
    " before",
    " every",
    " each",
    " some",
    " many",
    " few",
    " all",
    " one",
    " two",
    " three",
    " ten",
    " hundred",
    " thousand",
    " small",
    " large",
    " quick",
    " slow",
    " steady",
    " simple",
    " careful",
    " clear",
    " short",
    " long",
    " new",
    " old",
    " good",
    " better",
    " best",
    " it",
    " this",
    " that",
    " these",
    " those",
    " we",
    " you",
    " they",
    " here",
    " there",
    " now",
    " then",
    " again",
    " always",
    " never",
    " often",
    " only",
    " also",
    " very",
    " quite",
    " just",
    " benchmark",
    " latency",
    " throughput",
    " prompt",
    " answer",
    " question",
    " result",
    " number",
    " figure",
    " system",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::tokenizer::count_tokens;

    #[test]
    fn deterministic_and_bounded() {
        let a = generate(42, "hello there", None, &[], None);
        let b = generate(42, "hello there", None, &[], None);
        assert_eq!(a.tokens, b.tokens);
        assert_eq!(a.finish, Finish::Stop);
        assert!((MIN_LEN..=MAX_NATURAL_LEN).contains(&(a.tokens.len() as u64)));
        assert_eq!(a.tokens.last().map(|t| t.as_ref()), Some("."));
        assert_eq!(count_tokens(&a.text()), a.tokens.len() as u64);
        let c = generate(42, "hello there", Some(5), &[], None);
        assert_eq!(c.tokens.len(), 5);
        assert_eq!(c.finish, Finish::Length);
        assert_eq!(c.tokens[..], a.tokens[..5]);
    }

    #[test]
    fn stop_string_cuts_before_it() {
        let full = generate(7, "p", None, &[], Some(200));
        let text = full.text();
        let stop = text[20..26].to_string();
        let cut = generate(7, "p", None, std::slice::from_ref(&stop), Some(200));
        assert_eq!(cut.finish, Finish::Stop);
        let ct = cut.text();
        assert!(!ct.contains(&stop));
        assert_eq!(ct, text[..text.find(&stop).unwrap()]);
    }
}
