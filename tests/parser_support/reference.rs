//! A deliberately naive reference parser, written straight from the WHATWG
//! text: decode the whole stream to a `String`, split it into lines one
//! character at a time, interpret each line. Slow and obviously right, it is
//! the oracle the property tests compare the real parser with.

use super::{Ev, Outcome};

pub fn reference_parse(input: &[u8]) -> Outcome {
    // "UTF-8 decode": one leading BOM is stripped, errors become U+FFFD.
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let text = String::from_utf8_lossy(input);

    // Lines end at CR, LF or CRLF; the text after the last line end is
    // pending data, discarded at end of file.
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                lines.push(std::mem::take(&mut current));
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
            }
            '\n' => lines.push(std::mem::take(&mut current)),
            other => current.push(other),
        }
    }

    let mut out = Outcome::default();
    let mut data = String::new();
    let mut event_type = String::new();
    let mut id_buffer = String::new();
    let mut comments: Vec<String> = Vec::new();
    let mut block_retry: Option<u64> = None;

    for line in lines {
        if line.is_empty() {
            out.last_event_id = id_buffer.clone();
            if !data.is_empty() {
                if data.ends_with('\n') {
                    data.pop();
                }
                out.events.push(Ev {
                    event_type: event_type.clone(),
                    data: data.clone(),
                    id: id_buffer.clone(),
                    comment: comments.join("\n"),
                    retry: block_retry,
                });
            }
            data.clear();
            event_type.clear();
            comments.clear();
            block_retry = None;
            continue;
        }
        let (name, value) = match line.find(':') {
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(' ').unwrap_or(value))
            }
            None => (line.as_str(), ""),
        };
        match name {
            "" => comments.push(value.to_owned()),
            "event" => event_type = value.to_owned(),
            "data" => {
                data.push_str(value);
                data.push('\n');
            }
            "id" if !value.contains('\0') => id_buffer = value.to_owned(),
            "retry" if !value.is_empty() && value.chars().all(|c| c.is_ascii_digit()) => {
                if let Ok(ms) = value.parse::<u64>() {
                    out.reconnection_time = Some(ms);
                    block_retry = Some(ms);
                }
            }
            _ => {}
        }
    }
    out
}
