//! Messages a client sends to the server.

use super::ack::AckWindow;
use super::commands::CommandBatch;
use super::leave::LeaveReason;
use super::reasons::put_text;
use super::{finish, in_msg, invalid, DecodeError, Reliability};
use crate::ids::{DoId, InterestHandle, Location};
use crate::time::Tick;
use crate::wire::{put_blob16, put_f32, put_u16, put_u32, put_u64, put_u8, Reader};

/// Snapshot rates a client asks for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rates {
    /// Snapshots per second.
    pub update_rate: u8,
    /// Messages per second the client intends to send.
    pub cmd_rate: u8,
    /// The client's interpolation delay, seconds.
    pub interp: f32,
    /// `pipes-rate`: snapshot bytes per second the client can take (the server
    /// clamps it to its `pipes-max-rate`).
    pub rate: u32,
}

/// The first message of a client.
#[derive(Clone, Debug, PartialEq)]
pub struct Hello<'a> {
    /// [`super::PROTOCOL_VERSION`] of the client.
    pub version: u16,
    /// The DC hash of the client's schema.
    pub schema_hash: u32,
    /// The password (may be empty).
    pub password: &'a str,
    /// The rates the client asks for.
    pub rates: Rates,
}

/// How an interest request changes the client's set of watched locations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InterestOp {
    /// Replace the whole set.
    Set = 0,
    /// Add locations.
    Add = 1,
    /// Remove locations.
    Remove = 2,
}

/// One snapshot packet, named by its tick and its part number within that tick.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PartId {
    /// The snapshot's tick.
    pub tick: Tick,
    /// The packet's index among that snapshot's packets.
    pub part: u16,
}

/// The unit of [`ClientMessage::Ack`]'s `delay`: 100 µs (a `u16` spans 6.5 s).
pub const ACK_DELAY_UNIT: std::time::Duration = std::time::Duration::from_micros(100);

/// Most locations one interest message may carry.
pub const MAX_INTEREST_LOCATIONS: usize = 4096;

/// A decoded client message, borrowing the received bytes.
#[derive(Clone, Debug, PartialEq)]
pub enum ClientMessage<'a> {
    /// Handshake.
    Hello(Hello<'a>),
    /// The answer to an authentication challenge.
    AuthResponse(&'a [u8]),
    /// New rates.
    SetRates(Rates),
    /// An interest change.
    Interest {
        /// Set, add or remove.
        op: InterestOp,
        /// Echoed by the server when the objects have arrived.
        handle: InterestHandle,
        /// The locations.
        locations: Vec<Location>,
    },
    /// Snapshot packets received (the newest and a bitfield of the 32 before it, so
    /// a lost ack costs nothing), and how far the client has read the server's
    /// reliable object messages.
    Ack {
        /// The packets received.
        window: AckWindow,
        /// Reliable object messages received from the server so far this session
        /// (wrapping): the server bounds how many it sends ahead of this count.
        received: u32,
        /// How long the client held this ack after the newest packet of the window
        /// arrived, in units of [`ACK_DELAY_UNIT`] (saturating): the server subtracts
        /// it from the round trip it measures.
        delay: u16,
        /// The longest the client holds an ack (its `pipes-ack-interval`), in
        /// milliseconds: the server waits that much longer before presuming a packet
        /// lost.
        max_delay_ms: u8,
    },
    /// A clock probe; the server answers with a pong.
    Ping {
        /// Ping number, echoed.
        id: u32,
        /// Client time of sending (micros), echoed.
        client_time: u64,
    },
    /// A field message for an object.
    ObjectMessage {
        /// The object.
        object: DoId,
        /// The field number.
        field: u16,
        /// Packed arguments (checked by the server against the schema).
        args: &'a [u8],
    },
    /// The client leaves, saying why.
    Disconnect(LeaveReason),
    /// Sequenced input commands for an owned object (see [`super::commands`]).
    Commands(CommandBatch<'a>),
}

impl<'a> ClientMessage<'a> {
    /// The message's name (for logs and errors).
    pub fn name(&self) -> &'static str {
        match self {
            ClientMessage::Hello(_) => "Hello",
            ClientMessage::AuthResponse(_) => "AuthResponse",
            ClientMessage::SetRates(_) => "SetRates",
            ClientMessage::Interest { .. } => "Interest",
            ClientMessage::Ack { .. } => "Ack",
            ClientMessage::Ping { .. } => "Ping",
            ClientMessage::ObjectMessage { .. } => "ObjectMessage",
            ClientMessage::Disconnect(_) => "Disconnect",
            ClientMessage::Commands(_) => "Commands",
        }
    }

    /// The channel this message travels on (object messages: see the field's keywords).
    pub fn reliability(&self) -> Reliability {
        match self {
            ClientMessage::Ack { .. } | ClientMessage::Ping { .. } | ClientMessage::Commands(_) => {
                Reliability::Unreliable
            }
            _ => Reliability::Reliable,
        }
    }

    /// Appends the encoded message.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            ClientMessage::Hello(h) => {
                put_u8(out, 1);
                put_u16(out, h.version);
                put_u32(out, h.schema_hash);
                put_text(out, h.password);
                put_rates(out, &h.rates);
            }
            ClientMessage::AuthResponse(b) => {
                put_u8(out, 2);
                put_bytes(out, b);
            }
            ClientMessage::SetRates(r) => {
                put_u8(out, 3);
                put_rates(out, r);
            }
            ClientMessage::Interest {
                op,
                handle,
                locations,
            } => {
                put_u8(out, 4);
                put_u8(out, *op as u8);
                put_u16(out, handle.0);
                let n = locations.len().min(MAX_INTEREST_LOCATIONS);
                put_u16(out, n as u16);
                for l in &locations[..n] {
                    put_u32(out, l.parent.0);
                    put_u32(out, l.zone);
                }
            }
            ClientMessage::Ack {
                window,
                received,
                delay,
                max_delay_ms,
            } => {
                put_u8(out, 5);
                put_u16(out, window.newest);
                put_u32(out, window.bits);
                put_u32(out, *received);
                put_u16(out, *delay);
                put_u8(out, *max_delay_ms);
            }
            ClientMessage::Ping { id, client_time } => {
                put_u8(out, 6);
                put_u32(out, *id);
                put_u64(out, *client_time);
            }
            ClientMessage::ObjectMessage {
                object,
                field,
                args,
            } => {
                put_u8(out, 7);
                put_u32(out, object.0);
                put_u16(out, *field);
                out.extend_from_slice(args);
            }
            ClientMessage::Disconnect(reason) => {
                put_u8(out, 8);
                reason.encode(out);
            }
            ClientMessage::Commands(c) => c.encode(out),
        }
    }

    /// The encoded message in a new buffer.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out);
        out
    }

    /// Decodes one message (all bytes must be used).
    pub fn decode(bytes: &'a [u8]) -> Result<ClientMessage<'a>, DecodeError> {
        let mut r = Reader::new(bytes);
        let ty = r.read_u8().map_err(|_| DecodeError::Empty)?;
        let (name, msg) = match ty {
            1 => ("Hello", decode_hello(&mut r)?),
            2 => {
                let e = in_msg("AuthResponse", "bytes");
                (
                    "AuthResponse",
                    ClientMessage::AuthResponse(r.read_blob16().map_err(e)?),
                )
            }
            3 => (
                "SetRates",
                ClientMessage::SetRates(read_rates(&mut r, "SetRates")?),
            ),
            4 => ("Interest", decode_interest(&mut r)?),
            5 => ("Ack", decode_ack(&mut r)?),
            6 => {
                let e = in_msg("Ping", "body");
                let id = r.read_u32().map_err(&e)?;
                let client_time = r.read_u64().map_err(&e)?;
                ("Ping", ClientMessage::Ping { id, client_time })
            }
            7 => {
                let e = in_msg("ObjectMessage", "header");
                let object = DoId(r.read_u32().map_err(&e)?);
                let field = r.read_u16().map_err(&e)?;
                let args = r.rest();
                r.take(args.len()).map_err(&e)?;
                (
                    "ObjectMessage",
                    ClientMessage::ObjectMessage {
                        object,
                        field,
                        args,
                    },
                )
            }
            8 => (
                "Disconnect",
                ClientMessage::Disconnect(LeaveReason::decode(&mut r)?),
            ),
            9 => (
                "Commands",
                ClientMessage::Commands(CommandBatch::decode(&mut r)?),
            ),
            t => return Err(DecodeError::UnknownType(t)),
        };
        finish(&r, name)?;
        Ok(msg)
    }
}

pub(super) fn put_rates(out: &mut Vec<u8>, r: &Rates) {
    put_u8(out, r.update_rate);
    put_u8(out, r.cmd_rate);
    put_f32(out, r.interp);
    put_u32(out, r.rate);
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    let n = b.len().min(u16::MAX as usize);
    // Cannot fail: the slice fits a u16 length.
    let _ = put_blob16(out, &b[..n], "bytes");
}

pub(super) fn read_rates(r: &mut Reader<'_>, message: &'static str) -> Result<Rates, DecodeError> {
    let e = in_msg(message, "rates");
    let update_rate = r.read_u8().map_err(&e)?;
    let cmd_rate = r.read_u8().map_err(&e)?;
    let interp = r.read_f32().map_err(&e)?;
    let rate = r.read_u32().map_err(&e)?;
    if !interp.is_finite() || interp < 0.0 {
        return Err(invalid(
            message,
            "interpolation delay is negative or not finite",
        ));
    }
    Ok(Rates {
        update_rate,
        cmd_rate,
        interp,
        rate,
    })
}

fn decode_hello<'a>(r: &mut Reader<'a>) -> Result<ClientMessage<'a>, DecodeError> {
    let e = in_msg("Hello", "header");
    let version = r.read_u16().map_err(&e)?;
    let schema_hash = r.read_u32().map_err(&e)?;
    let pw = r.read_blob16().map_err(in_msg("Hello", "password"))?;
    let password =
        std::str::from_utf8(pw).map_err(|_| invalid("Hello", "password is not UTF-8"))?;
    let rates = read_rates(r, "Hello")?;
    Ok(ClientMessage::Hello(Hello {
        version,
        schema_hash,
        password,
        rates,
    }))
}

fn decode_interest<'a>(r: &mut Reader<'a>) -> Result<ClientMessage<'a>, DecodeError> {
    let e = in_msg("Interest", "header");
    let op = match r.read_u8().map_err(&e)? {
        0 => InterestOp::Set,
        1 => InterestOp::Add,
        2 => InterestOp::Remove,
        _ => return Err(invalid("Interest", "unknown operation")),
    };
    let handle = InterestHandle(r.read_u16().map_err(&e)?);
    let n = usize::from(r.read_u16().map_err(&e)?);
    if n > MAX_INTEREST_LOCATIONS {
        return Err(invalid("Interest", "too many locations"));
    }
    if r.remaining() != n * 8 {
        let e = in_msg("Interest", "locations");
        r.take(n * 8).map_err(&e)?;
        return Err(invalid("Interest", "bytes after the locations"));
    }
    let mut locations = Vec::with_capacity(n);
    for _ in 0..n {
        let e = in_msg("Interest", "locations");
        let parent = DoId(r.read_u32().map_err(&e)?);
        let zone = r.read_u32().map_err(&e)?;
        locations.push(Location { parent, zone });
    }
    Ok(ClientMessage::Interest {
        op,
        handle,
        locations,
    })
}

fn decode_ack<'a>(r: &mut Reader<'a>) -> Result<ClientMessage<'a>, DecodeError> {
    let e = in_msg("Ack", "window");
    let newest = r.read_u16().map_err(&e)?;
    let bits = r.read_u32().map_err(&e)?;
    let received = r.read_u32().map_err(in_msg("Ack", "received"))?;
    let e = in_msg("Ack", "delay");
    let delay = r.read_u16().map_err(&e)?;
    let max_delay_ms = r.read_u8().map_err(&e)?;
    Ok(ClientMessage::Ack {
        window: AckWindow { newest, bits },
        received,
        delay,
        max_delay_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(m: ClientMessage<'_>) {
        let bytes = m.to_bytes();
        assert_eq!(ClientMessage::decode(&bytes).unwrap(), m);
        for cut in 0..bytes.len() {
            assert!(
                ClientMessage::decode(&bytes[..cut]).is_err(),
                "{} cut {cut}",
                m.name()
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(
            ClientMessage::decode(&longer).is_err(),
            "{} + 1 byte",
            m.name()
        );
    }

    #[test]
    fn every_message_round_trips_and_rejects_truncation_and_trailing_bytes() {
        let rates = Rates {
            update_rate: 20,
            cmd_rate: 100,
            interp: 0.1,
            rate: 196_608,
        };
        round_trip(ClientMessage::Hello(Hello {
            version: 1,
            schema_hash: 0xd6be35,
            password: "pw",
            rates,
        }));
        round_trip(ClientMessage::AuthResponse(b"token"));
        round_trip(ClientMessage::SetRates(rates));
        round_trip(ClientMessage::Interest {
            op: InterestOp::Add,
            handle: InterestHandle(7),
            locations: vec![Location::zone(1), Location::zone(9)],
        });
        round_trip(ClientMessage::Ack {
            window: AckWindow {
                newest: 5,
                bits: 0x8000_0001,
            },
            received: 17,
            delay: 250,
            max_delay_ms: 100,
        });
        round_trip(ClientMessage::Ping {
            id: 3,
            client_time: 99,
        });
        round_trip(ClientMessage::Disconnect(LeaveReason::none()));
        round_trip(ClientMessage::Disconnect(
            LeaveReason::new(4, "going to bed \u{1F634}").unwrap(),
        ));
    }

    #[test]
    fn object_message_keeps_its_arguments_raw() {
        let m = ClientMessage::ObjectMessage {
            object: DoId(4),
            field: 3,
            args: &[2, 0, b'h', b'i'],
        };
        let bytes = m.to_bytes();
        assert_eq!(bytes, [7, 4, 0, 0, 0, 3, 0, 2, 0, b'h', b'i']);
        assert_eq!(ClientMessage::decode(&bytes).unwrap(), m);
    }

    #[test]
    fn bad_values_are_named() {
        assert_eq!(ClientMessage::decode(&[]), Err(DecodeError::Empty));
        assert_eq!(
            ClientMessage::decode(&[99]),
            Err(DecodeError::UnknownType(99))
        );
        let e = ClientMessage::decode(&[4, 9, 0, 0, 0, 0]).unwrap_err();
        assert_eq!(e.to_string(), "Interest: unknown operation");
        let mut nan = vec![3, 20, 100];
        nan.extend_from_slice(&f32::NAN.to_le_bytes());
        assert!(ClientMessage::decode(&nan)
            .unwrap_err()
            .to_string()
            .contains("SetRates"));
        let e = ClientMessage::decode(&[1, 1, 0]).unwrap_err();
        assert!(e.to_string().starts_with("Hello: header"), "{e}");
    }
}
