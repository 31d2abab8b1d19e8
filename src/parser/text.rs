//! [`Text`]: validated UTF-8 held in a [`Bytes`], so event fields can borrow
//! the input chunk without copying and still be read as `&str` for free.

use bytes::Bytes;
use std::fmt;
use std::ops::Deref;

/// Bytes that are valid UTF-8 (any invalid input was already replaced by
/// U+FFFD). Cloning is cheap: it shares the underlying buffer, which is
/// usually the network chunk the text was parsed from.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Text(Bytes);

impl Text {
    /// The empty text.
    pub const fn new() -> Text {
        Text(Bytes::new())
    }

    /// Text from a static string, without copying.
    pub const fn from_static(s: &'static str) -> Text {
        Text(Bytes::from_static(s.as_bytes()))
    }

    /// Wraps bytes the caller has already validated.
    ///
    /// # Safety
    /// `bytes` must be valid UTF-8: [`Text::as_str`] relies on it.
    pub(crate) unsafe fn from_utf8_unchecked(bytes: Bytes) -> Text {
        debug_assert!(std::str::from_utf8(&bytes).is_ok());
        Text(bytes)
    }

    /// The text as a string slice.
    pub fn as_str(&self) -> &str {
        // SAFETY: every constructor guarantees the bytes are valid UTF-8
        // (`from_utf8_unchecked` callers validate, the `From` impls start
        // from `str`/`String`, `TryFrom<Bytes>` checks), and the bytes are
        // immutable.
        unsafe { std::str::from_utf8_unchecked(&self.0) }
    }

    /// The UTF-8 bytes of the text.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The underlying buffer (shares memory, does not copy).
    pub fn into_bytes(self) -> Bytes {
        self.0
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the text is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
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
        Text(Bytes::from(s))
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
        Ok(Text(bytes))
    }
}
