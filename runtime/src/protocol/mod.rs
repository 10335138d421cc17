//! The pipes protocol: message layouts and their codecs.
//!
//! Every message starts with a one-byte type; integers are little-endian, strings and
//! blobs carry a `uint16` length, field values use the DC packing of [`crate::wire`].
//! Encoders append to a `Vec<u8>`; decoders borrow the received bytes and return a
//! [`DecodeError`] naming the message and the part that was wrong, never panicking.
//!
//! | dir | type | message | channel |
//! |---|---|---|---|
//! | C→S | 1 | `Hello` (version, schema hash, password, rates, interp, byte rate) | reliable |
//! | C→S | 2 | `AuthResponse` (game bytes) | reliable |
//! | C→S | 3 | `SetRates` | reliable |
//! | C→S | 4 | `Interest` (set/add/remove, handle, locations) | reliable |
//! | C→S | 5 | `Ack` (newest snapshot packet + bitfield of the 32 before, reliable messages read, how long the ack was held, the longest it may be held) | unreliable |
//! | C→S | 6 | `Ping` | unreliable |
//! | C→S | 7 | `ObjectMessage` (object, field, packed args) | reliable or unreliable |
//! | C→S | 8 | `Disconnect` (leave reason: code, text of at most [`MAX_LEAVE_TEXT`] bytes) | reliable |
//! | C→S | 9 | `Commands` (object, command field, newest number, the last N commands: see [`commands`]) | unreliable |
//! | S→C | 1 | `Accept` (client id, tick rate, clamped rates, server time) | reliable |
//! | S→C | 2 | `Reject` (reason) | reliable, then close |
//! | S→C | 3 | `AuthChallenge` (game bytes) | reliable |
//! | S→C | 4 | `Snapshot` part (packet seq, tick, part, records: see [`snapshot`]) | unreliable |
//! | S→C | 5 | `InterestComplete` (handle) | reliable |
//! | S→C | 6 | `Pong` (echo, server time) | unreliable |
//! | S→C | 7 | `ObjectMessage` (tick, object, field, packed args) | reliable or unreliable |
//! | S→C | 8 | `Disconnect` (reason) | reliable, then close |
//! | S→C | 9 | `CommandAck` (tick, object, last command applied, `predicted` state) | unreliable |
//! | S→C | 10 | `RatesGranted` (the rates in force after a `SetRates`, clamped) | reliable |

mod ack;
mod client_msg;
pub mod commands;
mod leave;
mod reasons;
mod server_msg;
pub mod snapshot;
mod varint;

pub use ack::{seq_diff, AckWindow, ACK_BITS};
pub use client_msg::{
    ClientMessage, Hello, InterestOp, PartId, Rates, ACK_DELAY_UNIT, MAX_INTEREST_LOCATIONS,
};
pub use commands::{CommandAckMsg, CommandBatch, MAX_COMMANDS_PER_PACKET};
pub use leave::{LeaveReason, LeaveReasonError, MAX_LEAVE_TEXT};
pub use reasons::{EjectReason, RejectReason};
pub(crate) use server_msg::encode_object_message;
pub use server_msg::{Accept, ServerMessage, MAX_PART};

use crate::wire::WireError;
use std::fmt;

/// The protocol version a hello carries; peers of different versions cannot talk.
pub const PROTOCOL_VERSION: u16 = 7;

/// Whether the transport must deliver a message, in order, or may drop it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reliability {
    /// Delivered once, in order with the other reliable messages of the connection.
    Reliable,
    /// May be lost, duplicated or reordered.
    Unreliable,
}

/// Why received bytes are not a valid message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// No bytes at all.
    Empty,
    /// The first byte is not a known message type.
    UnknownType(u8),
    /// A value of the named message could not be read.
    Wire {
        /// The message (`"Hello"`, `"Snapshot"`).
        message: &'static str,
        /// The failure, with the part of the message in its context.
        error: WireError,
    },
    /// The named message holds a value outside what the protocol allows.
    Invalid {
        /// The message.
        message: &'static str,
        /// What is wrong.
        what: &'static str,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Empty => write!(f, "empty message"),
            DecodeError::UnknownType(t) => write!(f, "unknown message type {t}"),
            DecodeError::Wire { message, error } => write!(f, "{message}: {error}"),
            DecodeError::Invalid { message, what } => write!(f, "{message}: {what}"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Attaches a message name (and the part being read) to wire errors.
pub(crate) fn in_msg(
    message: &'static str,
    part: &'static str,
) -> impl Fn(WireError) -> DecodeError {
    move |e| DecodeError::Wire {
        message,
        error: e.within(part),
    }
}

/// A check that all bytes of a message were read.
pub(crate) fn finish(
    r: &crate::wire::Reader<'_>,
    message: &'static str,
) -> Result<(), DecodeError> {
    r.finish()
        .map_err(|error| DecodeError::Wire { message, error })
}

/// A wire error for a value the protocol refuses.
pub(crate) fn invalid(message: &'static str, what: &'static str) -> DecodeError {
    DecodeError::Invalid { message, what }
}
