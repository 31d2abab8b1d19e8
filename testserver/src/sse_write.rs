//! Writing event-stream lines into a reusable buffer without allocating per event.

use bytes::{BufMut, BytesMut};

/// Line-ending style of a stream (`eol=lf|crlf|cr`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Eol {
    Lf,
    Crlf,
    Cr,
}

impl Eol {
    pub fn parse(s: &str) -> Option<Eol> {
        match s {
            "lf" | "LF" => Some(Eol::Lf),
            "crlf" | "CRLF" => Some(Eol::Crlf),
            "cr" | "CR" => Some(Eol::Cr),
            _ => None,
        }
    }

    pub fn bytes(self) -> &'static [u8] {
        match self {
            Eol::Lf => b"\n",
            Eol::Crlf => b"\r\n",
            Eol::Cr => b"\r",
        }
    }
}

/// 4 KiB of `x`, the padding source (copied from, never allocated).
pub static PAD: [u8; 4096] = [b'x'; 4096];

/// Appends `n` bytes of `x`.
pub fn put_pad(out: &mut BytesMut, mut n: usize) {
    while n > 0 {
        let k = n.min(PAD.len());
        out.put_slice(&PAD[..k]);
        n -= k;
    }
}

/// Decimal digits of `v` into `buf`; returns the used tail of `buf`.
pub fn fmt_u64(v: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    let mut v = v;
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    &buf[i..]
}

/// Appends `name: value<eol>`.
pub fn put_field(out: &mut BytesMut, name: &[u8], value: &[u8], eol: Eol) {
    out.put_slice(name);
    out.put_slice(b": ");
    out.put_slice(value);
    out.put_slice(eol.bytes());
}

/// Appends one `data:` line per line of `text` (split on CRLF, CR or LF), so
/// a client joining data lines with LF gets `text` back with LF line ends.
pub fn put_data_text(out: &mut BytesMut, text: &[u8], eol: Eol) {
    let mut rest = text;
    loop {
        let end = rest
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .unwrap_or(rest.len());
        put_field(out, b"data", &rest[..end], eol);
        if end == rest.len() {
            break;
        }
        let skip = if rest[end] == b'\r' && rest.get(end + 1) == Some(&b'\n') {
            2
        } else {
            1
        };
        rest = &rest[end + skip..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_text_splits_every_line_ending() {
        let mut b = BytesMut::new();
        put_data_text(&mut b, b"a\r\nb\rc\nd", Eol::Lf);
        assert_eq!(&b[..], b"data: a\ndata: b\ndata: c\ndata: d\n");
        let mut buf = [0u8; 20];
        assert_eq!(fmt_u64(0, &mut buf), b"0");
        assert_eq!(
            fmt_u64(18446744073709551615, &mut buf),
            b"18446744073709551615"
        );
    }
}
