//! TEMPORARY stand-in for `crate::parser` (being written on branch `parser`)
//! with the documented API, so the engine compiles and runs until that
//! branch is merged. Deleted then; `parser_api` switches to the real one.

use bytes::{Bytes, BytesMut};
use std::fmt;

#[derive(Clone, Debug)]
pub struct Limits {
    pub max_line: usize,
    pub max_event: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Text(Bytes);

impl Text {
    fn from_vec(v: &[u8]) -> Text {
        Text(Bytes::from(String::from_utf8_lossy(v).into_owned()))
    }
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("")
    }
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
    pub fn into_bytes(self) -> Bytes {
        self.0
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

#[derive(Debug)]
pub struct ParseError(String);

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub struct Parser {
    limits: Limits,
    line: BytesMut,
    after_cr: bool,
    data: Vec<u8>,
    has_data: bool,
    event_type: Vec<u8>,
    comment: Vec<u8>,
    retry: Option<u64>,
    last_id: Vec<u8>,
    first_line: bool,
}

impl Parser {
    pub fn new(limits: Limits) -> Parser {
        Parser {
            limits,
            line: BytesMut::new(),
            after_cr: false,
            data: Vec::new(),
            has_data: false,
            event_type: Vec::new(),
            comment: Vec::new(),
            retry: None,
            last_id: Vec::new(),
            first_line: true,
        }
    }

    pub fn feed(
        &mut self,
        chunk: Bytes,
        mut on_event: impl FnMut(Event),
    ) -> Result<(), ParseError> {
        for &b in chunk.iter() {
            if self.after_cr {
                self.after_cr = false;
                if b == b'\n' {
                    continue;
                }
            }
            if b == b'\n' || b == b'\r' {
                self.after_cr = b == b'\r';
                let line = std::mem::take(&mut self.line);
                self.line_done(&line, &mut on_event)?;
            } else {
                if self.line.len() >= self.limits.max_line {
                    return Err(ParseError(format!(
                        "a line exceeded max_line_bytes ({})",
                        self.limits.max_line
                    )));
                }
                self.line.extend_from_slice(&[b]);
            }
        }
        Ok(())
    }

    pub fn finish(&mut self, mut on_event: impl FnMut(Event)) -> Result<(), ParseError> {
        let _ = &mut on_event;
        Ok(())
    }

    fn line_done(
        &mut self,
        line: &[u8],
        on_event: &mut impl FnMut(Event),
    ) -> Result<(), ParseError> {
        let mut line = line;
        if self.first_line {
            self.first_line = false;
            if let Some(rest) = line.strip_prefix("\u{feff}".as_bytes()) {
                line = rest;
            }
        }
        if line.is_empty() {
            if self.has_data {
                let mut data = std::mem::take(&mut self.data);
                if data.last() == Some(&b'\n') {
                    data.pop();
                }
                on_event(Event {
                    event_type: Text::from_vec(&std::mem::take(&mut self.event_type)),
                    data: Text::from_vec(&data),
                    id: Text::from_vec(&self.last_id),
                    comment: Text::from_vec(&std::mem::take(&mut self.comment)),
                    retry: self.retry.take(),
                });
            }
            self.has_data = false;
            self.data.clear();
            self.event_type.clear();
            self.comment.clear();
            self.retry = None;
            return Ok(());
        }
        let (field, value) = match memchr::memchr(b':', line) {
            Some(0) => {
                let c = line[1..].strip_prefix(b" ").unwrap_or(&line[1..]);
                if !self.comment.is_empty() {
                    self.comment.push(b'\n');
                }
                self.comment.extend_from_slice(c);
                return Ok(());
            }
            Some(i) => (
                &line[..i],
                line[i + 1..].strip_prefix(b" ").unwrap_or(&line[i + 1..]),
            ),
            None => (line, &b""[..]),
        };
        match field {
            b"data" => {
                if self.data.len() + value.len() > self.limits.max_event {
                    return Err(ParseError(format!(
                        "an event exceeded max_event_bytes ({})",
                        self.limits.max_event
                    )));
                }
                self.data.extend_from_slice(value);
                self.data.push(b'\n');
                self.has_data = true;
            }
            b"event" => self.event_type = value.to_vec(),
            b"id" if !value.contains(&0) => self.last_id = value.to_vec(),
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                self.retry = std::str::from_utf8(value).ok().and_then(|s| s.parse().ok());
            }
            _ => {}
        }
        Ok(())
    }
}
