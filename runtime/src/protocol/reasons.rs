//! Reasons a connection is refused or ended, as data with stable wire codes.

use crate::wire::{put_blob16, put_u16, put_u32, put_u8, utf8, Reader, WireResult};
use std::fmt;

/// Why the server refused a hello (seen by the client as a typed reason).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RejectReason {
    /// The protocol versions differ.
    Version {
        /// The server's version.
        server: u16,
        /// The client's version.
        client: u16,
    },
    /// The schema (DC hash) differs: the peers were built from different `.dc` files.
    SchemaHash {
        /// The server's hash.
        server: u32,
        /// The client's hash.
        client: u32,
    },
    /// The password is wrong.
    Password,
    /// The server has `max_clients` clients already.
    Full,
    /// The game's admission hook refused the client (ban list, maintenance, ...).
    Banned(String),
    /// The game's authentication step refused the client's answer.
    AuthFailed(String),
}

impl RejectReason {
    /// The reason's wire code.
    pub fn code(&self) -> u8 {
        match self {
            RejectReason::Version { .. } => 1,
            RejectReason::SchemaHash { .. } => 2,
            RejectReason::Password => 3,
            RejectReason::Full => 4,
            RejectReason::Banned(_) => 5,
            RejectReason::AuthFailed(_) => 6,
        }
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        put_u8(out, self.code());
        match self {
            RejectReason::Version { server, client } => {
                put_u16(out, *server);
                put_u16(out, *client);
            }
            RejectReason::SchemaHash { server, client } => {
                put_u32(out, *server);
                put_u32(out, *client);
            }
            RejectReason::Password | RejectReason::Full => {}
            RejectReason::Banned(s) | RejectReason::AuthFailed(s) => put_text(out, s),
        }
    }

    pub(crate) fn decode(r: &mut Reader<'_>) -> WireResult<Option<RejectReason>> {
        Ok(Some(match r.read_u8()? {
            1 => RejectReason::Version {
                server: r.read_u16()?,
                client: r.read_u16()?,
            },
            2 => RejectReason::SchemaHash {
                server: r.read_u32()?,
                client: r.read_u32()?,
            },
            3 => RejectReason::Password,
            4 => RejectReason::Full,
            5 => RejectReason::Banned(read_text(r)?),
            6 => RejectReason::AuthFailed(read_text(r)?),
            _ => return Ok(None),
        }))
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RejectReason::Version { server, client } => {
                write!(
                    f,
                    "protocol version {client} differs from the server's {server}"
                )
            }
            RejectReason::SchemaHash { server, client } => write!(
                f,
                "schema hash {client:#010x} differs from the server's {server:#010x}"
            ),
            RejectReason::Password => write!(f, "incorrect password"),
            RejectReason::Full => write!(f, "server is full"),
            RejectReason::Banned(s) => write!(f, "refused by the server: {s}"),
            RejectReason::AuthFailed(s) => write!(f, "authentication failed: {s}"),
        }
    }
}

/// Why the server ended a client's connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EjectReason {
    /// A message could not be decoded.
    Malformed = 1,
    /// A message not allowed in the connection's state (e.g. an interest before hello).
    WrongState = 2,
    /// A message larger than `max_message_size`.
    Oversized = 3,
    /// A message about an object the client never saw.
    NotVisible = 4,
    /// A field number the schema does not have.
    UnknownField = 5,
    /// A field the object's class does not have.
    FieldNotInClass = 6,
    /// A field the client may not send (`clsend`, or `ownsend` without owning).
    NotSendable = 7,
    /// Field arguments that do not unpack exactly (range, length, trailing bytes).
    BadArguments = 8,
    /// Too many interest zones, or an interest the game refused.
    BadInterest = 9,
    /// A per-client queue overflowed (the client does not keep up).
    Overflow = 10,
    /// The game kicked the client.
    Kicked = 11,
    /// The handshake did not finish in time.
    HandshakeTimeout = 12,
    /// The server is shutting down.
    Shutdown = 13,
    /// Interest or rate changes beyond the command budget (`cmd_rate` per second)
    /// by more than one second's worth: such messages cannot be dropped, so a client
    /// flooding them is ejected.
    CommandFlood = 14,
}

impl EjectReason {
    /// The reason's wire code.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The reason with this wire code.
    pub fn from_code(code: u8) -> Option<EjectReason> {
        use EjectReason::*;
        Some(match code {
            1 => Malformed,
            2 => WrongState,
            3 => Oversized,
            4 => NotVisible,
            5 => UnknownField,
            6 => FieldNotInClass,
            7 => NotSendable,
            8 => BadArguments,
            9 => BadInterest,
            10 => Overflow,
            11 => Kicked,
            12 => HandshakeTimeout,
            13 => Shutdown,
            14 => CommandFlood,
            _ => return None,
        })
    }
}

impl fmt::Display for EjectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            EjectReason::Malformed => "malformed message",
            EjectReason::WrongState => "message not allowed in this state",
            EjectReason::Oversized => "message too large",
            EjectReason::NotVisible => "object not visible to the client",
            EjectReason::UnknownField => "unknown field",
            EjectReason::FieldNotInClass => "field not in the object's class",
            EjectReason::NotSendable => "field may not be sent by this client",
            EjectReason::BadArguments => "field arguments do not unpack",
            EjectReason::BadInterest => "interest refused",
            EjectReason::Overflow => "queue overflow",
            EjectReason::Kicked => "kicked",
            EjectReason::HandshakeTimeout => "handshake timeout",
            EjectReason::Shutdown => "server shutdown",
            EjectReason::CommandFlood => "command rate exceeded",
        };
        f.write_str(s)
    }
}

/// Appends a UTF-8 string with a `uint16` length, cutting it (at a char boundary) to fit.
pub(crate) fn put_text(out: &mut Vec<u8>, s: &str) {
    let mut end = s.len().min(u16::MAX as usize);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    // Cannot fail: the length fits in a u16.
    let _ = put_blob16(out, &s.as_bytes()[..end], "text");
}

/// Reads a UTF-8 string with a `uint16` length.
pub(crate) fn read_text(r: &mut Reader<'_>) -> WireResult<String> {
    let bytes = r.read_blob16()?;
    utf8(bytes, "text")
}
