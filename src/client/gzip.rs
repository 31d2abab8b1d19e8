//! Incremental gzip decoding of response bodies, in bounded steps so a
//! small compressed chunk cannot expand into unbounded memory at once.

use bytes::Bytes;
use std::io::Write;

/// Compressed bytes fed per step: at most ~1000× expansion each, so one
/// step yields at most a few MiB.
pub(crate) const STEP: usize = 4096;

pub(crate) struct Gunzip {
    dec: flate2::write::GzDecoder<Vec<u8>>,
}

impl Gunzip {
    pub fn new() -> Gunzip {
        Gunzip {
            dec: flate2::write::GzDecoder::new(Vec::new()),
        }
    }

    /// Decode one step (≤ `STEP` bytes of input) and return what came out.
    pub fn step(&mut self, input: &[u8]) -> std::io::Result<Bytes> {
        self.dec.write_all(input)?;
        self.dec.flush()?;
        Ok(Bytes::from(std::mem::take(self.dec.get_mut())))
    }
}
