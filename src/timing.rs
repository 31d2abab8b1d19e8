//! STUB
pub fn now_ns() -> u64 {
    0
}
#[derive(Clone, Copy, Debug, Default)]
pub struct Timings {
    pub start: u64,
    pub dns_done: u64,
    pub connect_done: u64,
    pub tls_done: u64,
    pub request_sent: u64,
    pub headers: u64,
    pub first_byte: u64,
    pub first_event: u64,
    pub end: u64,
    pub bytes_read: u64,
    pub bytes_written: u64,
    pub events: u64,
    pub reused: bool,
}
