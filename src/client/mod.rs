//! STUB
use crate::error::Error;
use crate::timing::Timings;
use std::os::fd::RawFd;
use std::task::Poll;
use std::time::Duration;
#[derive(Clone, Debug, Default)]
pub struct Options {}
impl Options {
    pub fn from_json(_j: &[u8]) -> Result<Options, Error> {
        todo!()
    }
}
#[derive(Clone)]
pub struct Client {}
impl Client {
    pub fn new(_d: Options) -> Client {
        Client {}
    }
    pub fn start(&self, _r: Options) -> Result<Stream, Error> {
        todo!()
    }
    pub fn open(&self, _r: Options) -> Result<Stream, Error> {
        todo!()
    }
}
pub struct Response {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub is_event_stream: bool,
}
pub struct Stream {}
pub struct Delivered {
    pub event: crate::parser::Event,
    pub at_ns: u64,
}
pub enum Next {
    Event(Delivered),
    Timeout,
    End,
    Failed,
    Cancelled,
}
impl Stream {
    pub fn wait_open(&self, _t: Option<Duration>) -> Poll<Result<(), Error>> {
        todo!()
    }
    pub fn response(&self) -> Option<&Response> {
        todo!()
    }
    pub fn next(&self, _t: Option<Duration>) -> Next {
        todo!()
    }
    pub fn try_next(&self) -> Next {
        todo!()
    }
    pub fn drain(&self, _m: usize, _o: &mut Vec<Delivered>) -> Next {
        todo!()
    }
    pub fn fd(&self) -> RawFd {
        todo!()
    }
    pub fn cancel(&self) {}
    pub fn timings(&self) -> Timings {
        todo!()
    }
    pub fn error(&self) -> Option<&Error> {
        todo!()
    }
}
