//! Messages the server sends to a client (snapshot bodies: see [`super::snapshot`]).

use super::client_msg::{put_rates, read_rates, Rates};
use super::commands::CommandAckMsg;
use super::reasons::{put_text, read_text};
use super::{finish, in_msg, invalid, DecodeError, EjectReason, RejectReason, Reliability};
use crate::ids::{ClientId, DoId, InterestHandle};
use crate::time::Tick;
use crate::wire::{put_blob16, put_f32, put_u16, put_u32, put_u64, put_u8, Reader};

/// The server's answer to an accepted hello.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Accept {
    /// The id the server gave the client.
    pub client_id: ClientId,
    /// Server ticks per second.
    pub tick_rate: u16,
    /// The rates in force, after clamping to the server's limits.
    pub rates: Rates,
    /// Server time (micros on the server's tick timeline) when the answer was sent.
    pub server_time: u64,
}

/// Type byte of a snapshot part.
pub(crate) const SNAPSHOT_TYPE: u8 = 4;
/// Bytes of a snapshot part's header: type, packet sequence, tick, part, record count,
/// delta baseline.
pub(crate) const SNAPSHOT_HEADER: usize = 1 + 2 + 4 + 2 + 2 + 1;
/// The highest snapshot part index (bit 15 of the part field flags the final part).
pub const MAX_PART: u16 = 0x7FFF;
/// Bit of the part field set on a tick's final part.
pub(crate) const LAST_PART: u16 = 0x8000;

/// A decoded server message, borrowing the received bytes.
#[derive(Clone, Debug, PartialEq)]
pub enum ServerMessage<'a> {
    /// Hello accepted.
    Accept(Accept),
    /// Hello refused; the connection closes.
    Reject(RejectReason),
    /// The server's authentication challenge.
    AuthChallenge(&'a [u8]),
    /// One snapshot packet; decode `body` with [`super::snapshot::decode_records`].
    Snapshot {
        /// The packet's sequence number (per client, wrapping), acked by the client.
        seq: u16,
        /// The snapshot's tick.
        tick: Tick,
        /// Index of this packet within the tick's snapshot (at most [`MAX_PART`]).
        part: u16,
        /// Whether this is the tick's final part: with every part up to it received,
        /// the client knows the whole snapshot, so an object absent from it did not
        /// change (interpolation infers stops from that). Sent as bit 15 of `part`.
        last: bool,
        /// Records in `body`.
        count: u16,
        /// How many ticks before `tick` the baseline of the part's delta records is
        /// (`1..`[`super::snapshot::DELTA_WINDOW`]); 0: the part has none.
        delta_back: u8,
        /// The records.
        body: &'a [u8],
    },
    /// Every object of the interest request `handle` exists on the client now.
    InterestComplete(InterestHandle),
    /// Answer to a ping.
    Pong {
        /// The ping's number.
        id: u32,
        /// The ping's client time, echoed.
        client_time: u64,
        /// Server time (micros on the tick timeline) when answering.
        server_time: u64,
    },
    /// A field message for an object.
    ObjectMessage {
        /// Server tick when it was sent (orders it against the object's arrival).
        tick: Tick,
        /// The object.
        object: DoId,
        /// The field number.
        field: u16,
        /// Packed arguments.
        args: &'a [u8],
    },
    /// The last command applied to an object the client commands, and its
    /// `predicted` state at that tick (see [`super::commands`]).
    CommandAck(CommandAckMsg<'a>),
    /// The rates in force after a `SetRates`, as the server clamped them to its limits.
    RatesGranted(Rates),
    /// The server ends the connection.
    Disconnect {
        /// Why.
        reason: EjectReason,
        /// Details for logs.
        detail: String,
    },
}

impl<'a> ServerMessage<'a> {
    /// The message's name.
    pub fn name(&self) -> &'static str {
        match self {
            ServerMessage::Accept(_) => "Accept",
            ServerMessage::Reject(_) => "Reject",
            ServerMessage::AuthChallenge(_) => "AuthChallenge",
            ServerMessage::Snapshot { .. } => "Snapshot",
            ServerMessage::InterestComplete(_) => "InterestComplete",
            ServerMessage::Pong { .. } => "Pong",
            ServerMessage::ObjectMessage { .. } => "ObjectMessage",
            ServerMessage::Disconnect { .. } => "Disconnect",
            ServerMessage::CommandAck(_) => "CommandAck",
            ServerMessage::RatesGranted(_) => "RatesGranted",
        }
    }

    /// The channel the message travels on (object messages: see the field's keywords).
    pub fn reliability(&self) -> Reliability {
        match self {
            ServerMessage::Snapshot { .. }
            | ServerMessage::Pong { .. }
            | ServerMessage::CommandAck(_) => Reliability::Unreliable,
            _ => Reliability::Reliable,
        }
    }

    /// Appends the encoded message.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            ServerMessage::Accept(a) => {
                put_u8(out, 1);
                put_u32(out, a.client_id.0);
                put_u16(out, a.tick_rate);
                put_u8(out, a.rates.update_rate);
                put_u8(out, a.rates.cmd_rate);
                put_f32(out, a.rates.interp);
                put_u32(out, a.rates.rate);
                put_u64(out, a.server_time);
            }
            ServerMessage::Reject(reason) => {
                put_u8(out, 2);
                reason.encode(out);
            }
            ServerMessage::AuthChallenge(b) => {
                put_u8(out, 3);
                let n = b.len().min(u16::MAX as usize);
                // Cannot fail: the slice fits a u16 length.
                let _ = put_blob16(out, &b[..n], "challenge");
            }
            ServerMessage::Snapshot {
                seq,
                tick,
                part,
                last,
                count,
                delta_back,
                body,
            } => {
                put_u8(out, SNAPSHOT_TYPE);
                put_u16(out, *seq);
                put_u32(out, tick.0);
                put_u16(
                    out,
                    (*part).min(MAX_PART) | if *last { LAST_PART } else { 0 },
                );
                put_u16(out, *count);
                put_u8(out, *delta_back);
                out.extend_from_slice(body);
            }
            ServerMessage::InterestComplete(h) => {
                put_u8(out, 5);
                put_u16(out, h.0);
            }
            ServerMessage::Pong {
                id,
                client_time,
                server_time,
            } => {
                put_u8(out, 6);
                put_u32(out, *id);
                put_u64(out, *client_time);
                put_u64(out, *server_time);
            }
            ServerMessage::ObjectMessage {
                tick,
                object,
                field,
                args,
            } => {
                encode_object_message(out, *tick, *object, *field, args);
            }
            ServerMessage::Disconnect { reason, detail } => {
                put_u8(out, 8);
                put_u8(out, reason.code());
                put_text(out, detail);
            }
            ServerMessage::CommandAck(a) => a.encode(out),
            ServerMessage::RatesGranted(r) => {
                put_u8(out, 10);
                put_rates(out, r);
            }
        }
    }

    /// The encoded message in a new buffer.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out);
        out
    }

    /// Decodes one message (all bytes must be used).
    pub fn decode(bytes: &'a [u8]) -> Result<ServerMessage<'a>, DecodeError> {
        let mut r = Reader::new(bytes);
        let ty = r.read_u8().map_err(|_| DecodeError::Empty)?;
        let (name, msg) = match ty {
            1 => ("Accept", decode_accept(&mut r)?),
            2 => {
                let reason = RejectReason::decode(&mut r).map_err(in_msg("Reject", "reason"))?;
                let reason = reason.ok_or_else(|| invalid("Reject", "unknown reason code"))?;
                ("Reject", ServerMessage::Reject(reason))
            }
            3 => {
                let b = r.read_blob16().map_err(in_msg("AuthChallenge", "bytes"))?;
                ("AuthChallenge", ServerMessage::AuthChallenge(b))
            }
            SNAPSHOT_TYPE => {
                let e = in_msg("Snapshot", "header");
                let seq = r.read_u16().map_err(&e)?;
                let tick = Tick(r.read_u32().map_err(&e)?);
                let raw = r.read_u16().map_err(&e)?;
                let count = r.read_u16().map_err(&e)?;
                let delta_back = r.read_u8().map_err(&e)?;
                if u32::from(delta_back) >= super::snapshot::DELTA_WINDOW
                    || u32::from(delta_back) > tick.0
                {
                    return Err(invalid("Snapshot", "delta baseline out of range"));
                }
                let body = r.rest();
                r.take(body.len()).map_err(&e)?;
                let msg = ServerMessage::Snapshot {
                    seq,
                    tick,
                    part: raw & MAX_PART,
                    last: raw & LAST_PART != 0,
                    count,
                    delta_back,
                    body,
                };
                ("Snapshot", msg)
            }
            5 => {
                let h = r.read_u16().map_err(in_msg("InterestComplete", "handle"))?;
                (
                    "InterestComplete",
                    ServerMessage::InterestComplete(InterestHandle(h)),
                )
            }
            6 => {
                let e = in_msg("Pong", "body");
                let id = r.read_u32().map_err(&e)?;
                let client_time = r.read_u64().map_err(&e)?;
                let server_time = r.read_u64().map_err(&e)?;
                let msg = ServerMessage::Pong {
                    id,
                    client_time,
                    server_time,
                };
                ("Pong", msg)
            }
            7 => {
                let e = in_msg("ObjectMessage", "header");
                let tick = Tick(r.read_u32().map_err(&e)?);
                let object = DoId(r.read_u32().map_err(&e)?);
                let field = r.read_u16().map_err(&e)?;
                let args = r.rest();
                r.take(args.len()).map_err(&e)?;
                let msg = ServerMessage::ObjectMessage {
                    tick,
                    object,
                    field,
                    args,
                };
                ("ObjectMessage", msg)
            }
            8 => {
                let e = in_msg("Disconnect", "reason");
                let code = r.read_u8().map_err(&e)?;
                let reason = EjectReason::from_code(code)
                    .ok_or_else(|| invalid("Disconnect", "unknown reason code"))?;
                let detail = read_text(&mut r).map_err(in_msg("Disconnect", "detail"))?;
                ("Disconnect", ServerMessage::Disconnect { reason, detail })
            }
            9 => (
                "CommandAck",
                ServerMessage::CommandAck(CommandAckMsg::decode(&mut r)?),
            ),
            10 => {
                let rates = read_rates(&mut r, "RatesGranted")?;
                if rates.update_rate == 0 || rates.cmd_rate == 0 {
                    return Err(invalid("RatesGranted", "zero rate"));
                }
                ("RatesGranted", ServerMessage::RatesGranted(rates))
            }
            t => return Err(DecodeError::UnknownType(t)),
        };
        finish(&r, name)?;
        Ok(msg)
    }
}

/// Appends an object message without building a [`ServerMessage`] (hot path).
pub(crate) fn encode_object_message(
    out: &mut Vec<u8>,
    tick: Tick,
    object: DoId,
    field: u16,
    args: &[u8],
) {
    put_u8(out, 7);
    put_u32(out, tick.0);
    put_u32(out, object.0);
    put_u16(out, field);
    out.extend_from_slice(args);
}

fn decode_accept<'a>(r: &mut Reader<'a>) -> Result<ServerMessage<'a>, DecodeError> {
    let e = in_msg("Accept", "body");
    let client_id = ClientId(r.read_u32().map_err(&e)?);
    let tick_rate = r.read_u16().map_err(&e)?;
    let update_rate = r.read_u8().map_err(&e)?;
    let cmd_rate = r.read_u8().map_err(&e)?;
    let interp = r.read_f32().map_err(&e)?;
    let rate = r.read_u32().map_err(&e)?;
    let server_time = r.read_u64().map_err(&e)?;
    if tick_rate == 0 || update_rate == 0 || cmd_rate == 0 || !interp.is_finite() {
        return Err(invalid(
            "Accept",
            "zero rate or non-finite interpolation delay",
        ));
    }
    Ok(ServerMessage::Accept(Accept {
        client_id,
        tick_rate,
        rates: Rates {
            update_rate,
            cmd_rate,
            interp,
            rate,
        },
        server_time,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(m: ServerMessage<'_>) {
        let bytes = m.to_bytes();
        assert_eq!(ServerMessage::decode(&bytes).unwrap(), m);
        for cut in 0..bytes.len() {
            // Snapshot and object-message bodies are open-ended: a cut inside them is
            // caught by the record decoder, not here.
            let header = match m {
                ServerMessage::Snapshot { .. } => SNAPSHOT_HEADER,
                ServerMessage::ObjectMessage { .. } => 11,
                _ => usize::MAX,
            };
            if cut >= header {
                continue;
            }
            assert!(
                ServerMessage::decode(&bytes[..cut]).is_err(),
                "{} cut {cut}",
                m.name()
            );
        }
    }

    #[test]
    fn every_message_round_trips_and_rejects_truncation() {
        round_trip(ServerMessage::Accept(Accept {
            client_id: ClientId(3),
            tick_rate: 66,
            rates: Rates {
                update_rate: 20,
                cmd_rate: 100,
                interp: 0.1,
                rate: 65536,
            },
            server_time: 12345,
        }));
        for reason in [
            RejectReason::Version {
                server: 1,
                client: 2,
            },
            RejectReason::SchemaHash {
                server: 1,
                client: 2,
            },
            RejectReason::Password,
            RejectReason::Full,
            RejectReason::Banned("no".into()),
            RejectReason::AuthFailed("bad token".into()),
        ] {
            round_trip(ServerMessage::Reject(reason));
        }
        round_trip(ServerMessage::AuthChallenge(b"nonce"));
        round_trip(ServerMessage::InterestComplete(InterestHandle(9)));
        round_trip(ServerMessage::RatesGranted(Rates {
            update_rate: 30,
            cmd_rate: 60,
            interp: 0.1,
            rate: 65536,
        }));
        round_trip(ServerMessage::Pong {
            id: 1,
            client_time: 2,
            server_time: 3,
        });
        round_trip(ServerMessage::ObjectMessage {
            tick: Tick(4),
            object: DoId(5),
            field: 6,
            args: &[1, 2],
        });
        round_trip(ServerMessage::Disconnect {
            reason: EjectReason::NotSendable,
            detail: "field say".into(),
        });
        round_trip(ServerMessage::Snapshot {
            seq: 65535,
            tick: Tick(7),
            part: 0,
            last: false,
            count: 1,
            delta_back: 0,
            body: &[2, 1, 0, 0, 0],
        });
        round_trip(ServerMessage::Snapshot {
            seq: 65535,
            tick: Tick(7),
            part: 3,
            last: true,
            count: 1,
            delta_back: 5,
            body: &[2, 1, 0, 0, 0],
        });
        // A baseline before tick 0 or beyond the window is refused.
        for (tick, back) in [(3, 4), (100, 32), (100, 255)] {
            let bytes = ServerMessage::Snapshot {
                seq: 1,
                tick: Tick(tick),
                part: 0,
                last: true,
                count: 0,
                delta_back: back,
                body: &[],
            }
            .to_bytes();
            assert!(ServerMessage::decode(&bytes).is_err(), "{tick} {back}");
        }
    }

    #[test]
    fn unknown_codes_are_errors() {
        assert!(ServerMessage::decode(&[2, 77]).is_err());
        assert!(ServerMessage::decode(&[8, 200, 0, 0]).is_err());
        let mut zero_rate = ServerMessage::Accept(Accept {
            client_id: ClientId(0),
            tick_rate: 66,
            rates: Rates {
                update_rate: 20,
                cmd_rate: 100,
                interp: 0.1,
                rate: 65536,
            },
            server_time: 0,
        })
        .to_bytes();
        zero_rate[5] = 0;
        zero_rate[6] = 0;
        assert!(ServerMessage::decode(&zero_rate).is_err());
        let e = ServerMessage::decode(&[10, 0, 5, 0, 0, 0, 0, 0, 0, 1, 0]).unwrap_err();
        assert_eq!(e.to_string(), "RatesGranted: zero rate");
    }
}
