//! STUB
use bytes::Bytes;
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    InvalidRequest,
    Dns,
    Connect,
    Tls,
    ConnectTimeout,
    HeaderTimeout,
    IdleTimeout,
    TotalTimeout,
    HttpStatus,
    Protocol,
    LimitExceeded,
    Cancelled,
    Denied,
    Io,
}
#[derive(Clone, Debug)]
pub struct Error {
    pub kind: ErrorKind,
    pub status: u16,
    pub message: String,
    pub body: Bytes,
}
