//! STUB (uncommitted, ffi-local)
use bytes::Bytes;
#[derive(Clone, Debug, Default)]
pub struct Text(Bytes);
impl Text {
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("")
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
#[derive(Clone, Debug, Default)]
pub struct Event {
    pub event_type: Text,
    pub data: Text,
    pub id: Text,
    pub comment: Text,
    pub retry: Option<u64>,
}
