//! TCP framing shared by both Astron protocols: each message is preceded by a
//! little-endian `uint16` byte count (default Astron build, without
//! `USE_32BIT_DATAGRAMS`).

use super::{AstronError, AstronResult};

/// The largest message body a `uint16` length prefix can describe.
pub const MAX_MESSAGE: usize = u16::MAX as usize;

/// Appends `body` with its length prefix to `out`.
pub fn write_frame(body: &[u8], out: &mut Vec<u8>) -> AstronResult<()> {
    let len = u16::try_from(body.len()).map_err(|_| AstronError::TooLarge { len: body.len() })?;
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(body);
    Ok(())
}

/// Splits a received byte stream into message bodies.
///
/// Bytes are buffered until a whole message is present; the buffer never holds more
/// than one partial message plus what was pushed since the last drain.
#[derive(Debug, Default)]
pub struct FrameDecoder {
    buf: Vec<u8>,
    start: usize,
}

impl FrameDecoder {
    /// An empty decoder.
    pub fn new() -> Self {
        FrameDecoder::default()
    }

    /// Adds received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.start > 0 && self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete message body, or `None` when more bytes are needed.
    pub fn next_frame(&mut self) -> Option<Vec<u8>> {
        let pending = &self.buf[self.start..];
        let [lo, hi, rest @ ..] = pending else {
            return None;
        };
        let len = usize::from(u16::from_le_bytes([*lo, *hi]));
        let body = rest.get(..len)?.to_vec();
        self.start += 2 + len;
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        } else if self.start > MAX_MESSAGE {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        Some(body)
    }

    /// Bytes buffered but not yet returned as a message.
    pub fn pending(&self) -> usize {
        self.buf.len() - self.start
    }
}
