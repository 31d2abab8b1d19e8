//! [`Text`]: validated UTF-8 held in a [`Bytes`], so event fields can borrow
//! the input chunk without copying and still be read as `&str` for free.

use bytes::Bytes;
use std::fmt;
use std::ops::Deref;

/// Bytes that are valid UTF-8 (any invalid input was already replaced by
/// U+FFFD). Cloning is cheap: it shares the underlying buffer, which is
/// usually the network chunk the text was parsed from.
// The empty text is `None`, not an empty `Bytes`: cloning and dropping it
// is then a branch instead of a call through the `Bytes` vtable, which
// matters with several empty fields in every event.
#[derive(Clone, Default)]
pub struct Text(Option<Bytes>);

impl Text {
    /// The empty text.
    pub const fn new() -> Text {
        Text(None)
    }

    /// Text from a static string, without copying.
    pub const fn from_static(s: &'static str) -> Text {
        if s.is_empty() {
            Text(None)
        } else {
            Text(Some(Bytes::from_static(s.as_bytes())))
        }
    }

    /// Wraps non-empty bytes; empty ones become `None`.
    #[inline(always)]
    fn wrap(bytes: Bytes) -> Text {
        if bytes.is_empty() {
            Text(None)
        } else {
            Text(Some(bytes))
        }
    }

    /// Wraps bytes the caller has already validated.
    ///
    /// # Safety
    /// `bytes` must be valid UTF-8: [`Text::as_str`] relies on it.
    #[inline(always)]
    pub(crate) unsafe fn from_utf8_unchecked(bytes: Bytes) -> Text {
        debug_assert!(std::str::from_utf8(&bytes).is_ok());
        Text::wrap(bytes)
    }

    /// The text as a string slice.
    pub fn as_str(&self) -> &str {
        // SAFETY: every constructor guarantees the bytes are valid UTF-8
        // (`from_utf8_unchecked` callers validate, the `From` impls start
        // from `str`/`String`, `TryFrom<Bytes>` checks), and the bytes are
        // immutable.
        unsafe { std::str::from_utf8_unchecked(self.as_bytes()) }
    }

    /// The UTF-8 bytes of the text.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Some(bytes) => bytes,
            None => &[],
        }
    }

    /// The underlying buffer (shares memory, does not copy).
    pub fn into_bytes(self) -> Bytes {
        self.0.unwrap_or_default()
    }

    /// Length in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        self.0.as_ref().map_or(0, Bytes::len)
    }

    /// Whether the text is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<[u8]> for Text {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for Text {}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Text) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Text {
    fn cmp(&self, other: &Text) -> std::cmp::Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl std::hash::Hash for Text {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text::wrap(Bytes::from(s))
    }
}

impl From<&'static str> for Text {
    fn from(s: &'static str) -> Text {
        Text::from_static(s)
    }
}

impl TryFrom<Bytes> for Text {
    type Error = std::str::Utf8Error;
    /// Checks that `bytes` is UTF-8; does not copy.
    fn try_from(bytes: Bytes) -> Result<Text, Self::Error> {
        std::str::from_utf8(&bytes)?;
        Ok(Text::wrap(bytes))
    }
}
