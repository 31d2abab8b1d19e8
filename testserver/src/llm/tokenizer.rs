//! The documented token rule used for `usage.prompt_tokens`.
//!
//! A token is a maximal run of characters that are neither whitespace nor
//! ASCII punctuation, or a single ASCII punctuation character. Whitespace is
//! not a token. So `"Hello, world!"` is 4 tokens: `Hello` `,` `world` `!`.
//! (Close to the splitter in `examples/llm.js`, which cuts on whitespace and
//! `,'".?` but counts empty pieces.)

pub fn count_tokens(text: &str) -> u64 {
    let mut n = 0;
    let mut in_word = false;
    for c in text.chars() {
        if c.is_whitespace() {
            in_word = false;
        } else if c.is_ascii_punctuation() {
            in_word = false;
            n += 1;
        } else if !in_word {
            in_word = true;
            n += 1;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::count_tokens;

    #[test]
    fn words_and_punctuation_count() {
        assert_eq!(count_tokens("Hello, world!"), 4);
        assert_eq!(count_tokens("  "), 0);
        assert_eq!(count_tokens("don't stop"), 4);
        assert_eq!(count_tokens("héllo wörld"), 2);
    }
}
