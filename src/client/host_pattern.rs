//! Host patterns: the one matcher behind every option that names hosts —
//! `hosts` overrides, `deny_hosts` and the `NO_PROXY` environment
//! variable — so that a pattern means the same thing everywhere.
//!
//! A pattern is either a host name (or IP address) that matches that host
//! only, or `*` followed by a suffix that matches every host ending with
//! it: `*.example.com` matches `a.example.com` and `a.b.example.com` but
//! not `example.com`; `*` alone matches every host. This is k6's rule for
//! its `hosts` and `blockHostnames` options. Case and one trailing dot are
//! ignored on both sides.
//!
//! Where several patterns match (`hosts`), the most specific wins, as in
//! k6: an exact name before any wildcard, then the longest suffix.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HostPattern {
    /// As the user wrote it, for messages.
    text: String,
    kind: Kind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    /// Matches this host only.
    Exact(String),
    /// Matches every host ending with this suffix (`*` + suffix).
    Suffix(String),
}

/// Lower case, without one trailing dot (`example.com.` is `example.com`).
fn normalize(host: &str) -> String {
    let host = host.trim();
    host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase()
}

impl HostPattern {
    /// `name` (exact) or `*suffix` (wildcard).
    pub fn parse(text: &str) -> HostPattern {
        let p = normalize(text);
        let kind = match p.strip_prefix('*') {
            Some(suffix) => Kind::Suffix(suffix.to_string()),
            None => Kind::Exact(p),
        };
        HostPattern {
            text: text.trim().to_string(),
            kind,
        }
    }

    /// Whether `host` (a URL's host, any case) matches.
    pub fn matches(&self, host: &str) -> bool {
        self.matches_normalized(&normalize(host))
    }

    fn matches_normalized(&self, host: &str) -> bool {
        match &self.kind {
            Kind::Exact(name) => host == name,
            Kind::Suffix(suffix) => host.ends_with(suffix.as_str()),
        }
    }

    /// Orders matches: an exact name beats any wildcard, a longer suffix a
    /// shorter one.
    fn specificity(&self) -> (bool, usize) {
        match &self.kind {
            Kind::Exact(name) => (true, name.len()),
            Kind::Suffix(suffix) => (false, suffix.len()),
        }
    }
}

impl fmt::Display for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The value of the most specific pattern that matches `host`, if any;
/// between equally specific patterns, the first.
pub(crate) fn most_specific<'a, T>(
    host: &str,
    patterns: impl IntoIterator<Item = (&'a HostPattern, T)>,
) -> Option<T> {
    let host = normalize(host);
    let mut best: Option<((bool, usize), T)> = None;
    for (pattern, value) in patterns {
        if !pattern.matches_normalized(&host) {
            continue;
        }
        let rank = pattern.specificity();
        if best.as_ref().is_none_or(|(b, _)| rank > *b) {
            best = Some((rank, value));
        }
    }
    best.map(|(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One row per rule: pattern, host, whether it matches.
    #[test]
    fn pattern_table() {
        let rows: &[(&str, &str, bool)] = &[
            ("example.com", "example.com", true),
            ("example.com", "EXAMPLE.com", true),
            ("Example.COM", "example.com", true),
            ("example.com.", "example.com", true),
            ("example.com", "example.com.", true),
            ("example.com", "a.example.com", false),
            ("example.com", "notexample.com", false),
            ("*.example.com", "a.example.com", true),
            ("*.example.com", "a.b.example.com", true),
            ("*.example.com", "A.Example.Com", true),
            ("*.example.com", "example.com", false),
            ("*.example.com", "badexample.com", false),
            ("*.example.com", "example.com.evil.org", false),
            // k6 allows `*` without a dot: a plain suffix.
            ("*example.com", "example.com", true),
            ("*example.com", "myexample.com", true),
            ("*", "anything.at.all", true),
            ("*", "127.0.0.1", true),
            ("127.0.0.1", "127.0.0.1", true),
            ("127.0.0.1", "127.0.0.10", false),
            ("::1", "::1", true),
            (" spaced.org ", "spaced.org", true),
        ];
        for &(pattern, host, want) in rows {
            assert_eq!(
                HostPattern::parse(pattern).matches(host),
                want,
                "{pattern:?} vs {host:?}"
            );
        }
    }

    #[test]
    fn the_most_specific_match_wins() {
        let p = |s| HostPattern::parse(s);
        let patterns = [
            (p("*"), "any"),
            (p("*.example.com"), "wild"),
            (p("*.api.example.com"), "deeper"),
            (p("api.example.com"), "exact"),
        ];
        let pick = |host| most_specific(host, patterns.iter().map(|(p, v)| (p, *v)));
        assert_eq!(pick("api.example.com"), Some("exact"));
        assert_eq!(pick("v1.api.example.com"), Some("deeper"));
        assert_eq!(pick("www.example.com"), Some("wild"));
        assert_eq!(pick("example.org"), Some("any"));
        let none: [(HostPattern, &str); 1] = [(p("a.org"), "a")];
        assert_eq!(
            most_specific("b.org", none.iter().map(|(p, v)| (p, *v))),
            None
        );
    }

    #[test]
    fn display_is_the_pattern_as_written() {
        assert_eq!(
            HostPattern::parse("*.Example.com").to_string(),
            "*.Example.com"
        );
    }
}
