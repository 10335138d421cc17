//! Why a client leaves: the reason its `Disconnect` message carries.

use super::reasons::put_text;
use super::{in_msg, invalid, DecodeError};
use crate::wire::{put_u16, Reader};
use std::fmt;

/// Most bytes (UTF-8) of a leave reason's text.
pub const MAX_LEAVE_TEXT: usize = 256;

/// The reason a client gives when it leaves: a game-defined code (0: none given)
/// and a short text for logs (at most [`MAX_LEAVE_TEXT`] bytes of UTF-8).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct LeaveReason {
    code: u16,
    text: String,
}

/// A leave reason that cannot be sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LeaveReasonError {
    /// The text is longer than [`MAX_LEAVE_TEXT`] bytes.
    TooLong {
        /// Bytes given.
        len: usize,
    },
}

impl fmt::Display for LeaveReasonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LeaveReasonError::TooLong { len } => write!(
                f,
                "leave reason text is {len} bytes, the limit is {MAX_LEAVE_TEXT}"
            ),
        }
    }
}

impl std::error::Error for LeaveReasonError {}

impl LeaveReason {
    /// A reason with `code` and `text`; an error if the text is too long.
    pub fn new(code: u16, text: &str) -> Result<LeaveReason, LeaveReasonError> {
        if text.len() > MAX_LEAVE_TEXT {
            return Err(LeaveReasonError::TooLong { len: text.len() });
        }
        Ok(LeaveReason {
            code,
            text: text.to_owned(),
        })
    }

    /// No reason given (code 0, empty text).
    pub fn none() -> LeaveReason {
        LeaveReason::default()
    }

    /// The game-defined code (0: none given).
    pub fn code(&self) -> u16 {
        self.code
    }

    /// The text.
    pub fn text(&self) -> &str {
        &self.text
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        put_u16(out, self.code);
        // The constructor bounds the text, so it is never cut here.
        put_text(out, &self.text);
    }

    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<LeaveReason, DecodeError> {
        let code = r.read_u16().map_err(in_msg("Disconnect", "code"))?;
        let bytes = r.read_blob16().map_err(in_msg("Disconnect", "text"))?;
        if bytes.len() > MAX_LEAVE_TEXT {
            return Err(invalid("Disconnect", "reason text longer than 256 bytes"));
        }
        let text = std::str::from_utf8(bytes)
            .map_err(|_| invalid("Disconnect", "reason text is not UTF-8"))?;
        Ok(LeaveReason {
            code,
            text: text.to_owned(),
        })
    }
}

impl fmt::Display for LeaveReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.code, self.text.is_empty()) {
            (0, true) => write!(f, "no reason given"),
            (0, false) => write!(f, "{}", self.text),
            (c, true) => write!(f, "code {c}"),
            (c, false) => write!(f, "code {c}: {}", self.text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_bounded_on_both_sides() {
        assert!(LeaveReason::new(1, &"x".repeat(MAX_LEAVE_TEXT)).is_ok());
        let e = LeaveReason::new(1, &"x".repeat(MAX_LEAVE_TEXT + 1)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "leave reason text is 257 bytes, the limit is 256"
        );
        // A hostile peer writes a longer text by hand.
        let mut bytes = vec![1, 0];
        crate::wire::put_u16(&mut bytes, 300);
        bytes.extend(std::iter::repeat_n(b'x', 300));
        let e = LeaveReason::decode(&mut Reader::new(&bytes)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Disconnect: reason text longer than 256 bytes"
        );
    }

    #[test]
    fn bad_utf8_is_refused() {
        let bytes = [7, 0, 2, 0, 0xff, 0xfe];
        let e = LeaveReason::decode(&mut Reader::new(&bytes)).unwrap_err();
        assert_eq!(e.to_string(), "Disconnect: reason text is not UTF-8");
    }

    #[test]
    fn displays_what_was_given() {
        assert_eq!(LeaveReason::none().to_string(), "no reason given");
        let r = LeaveReason::new(3, "rage quit").unwrap();
        assert_eq!(r.to_string(), "code 3: rage quit");
        assert_eq!((r.code(), r.text()), (3, "rage quit"));
    }
}
