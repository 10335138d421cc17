//! The CMU wire format: 2-byte little-endian length-prefixed datagrams, and the
//! message types of Panda3D's `direct/distributed/MsgTypesCMU.py`.

/// Server → client: the doId range of a new client (`doIdBase`, `doIdRange`).
pub const SET_DOID_RANGE: u16 = 9001;
/// Client → server: create an object in the client's range.
pub const CLIENT_OBJECT_GENERATE: u16 = 9002;
/// Server → client: an object generate relayed from its owner.
pub const OBJECT_GENERATE: u16 = 9003;
/// Server → client: a field update relayed from a client.
pub const OBJECT_UPDATE_FIELD: u16 = 9004;
/// Server → client: objects that left the client's interest.
pub const OBJECT_DISABLE: u16 = 9005;
/// Both ways: delete an object.
pub const OBJECT_DELETE: u16 = 9006;
/// Server → client: send the generates of your objects in this zone again.
pub const REQUEST_GENERATES: u16 = 9007;
/// Client → server: leaving.
pub const CLIENT_DISCONNECT: u16 = 9008;
/// Client → server: the zones the client is interested in.
pub const CLIENT_SET_INTEREST: u16 = 9009;
/// Client → server: an object moves to another zone.
pub const OBJECT_SET_ZONE: u16 = 9010;
/// Client → server: heartbeat when empty, otherwise a targeted field update.
pub const CLIENT_HEARTBEAT_OR_TARGETED: u16 = 9011;
/// Client → server: a field update (`MsgTypes.CLIENT_OBJECT_SET_FIELD`).
pub const CLIENT_OBJECT_UPDATE_FIELD: u16 = 120;

/// The largest datagram payload the 2-byte length prefix can carry.
pub const MAX_DATAGRAM: usize = u16::MAX as usize;

/// Why an inbound datagram was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError(pub String);

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DecodeError {}

/// One message a client sent, borrowing its datagram.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inbound<'a> {
    /// `CLIENT_DISCONNECT_CMU`.
    Disconnect,
    /// `CLIENT_SET_INTEREST_CMU` with its zones (raw little-endian u32s).
    SetInterest(Zones<'a>),
    /// `CLIENT_OBJECT_GENERATE_CMU`.
    Generate {
        /// Zone of the object.
        zone: u32,
        /// Class number.
        class: u16,
        /// Object id.
        do_id: u32,
        /// Required fields, then the optional-field count and fields.
        body: &'a [u8],
    },
    /// `CLIENT_OBJECT_UPDATE_FIELD`, or the targeted variant when `target` is set.
    Update {
        /// The client the update goes to (targeted variant only).
        target: Option<u32>,
        /// Object id.
        do_id: u32,
        /// Field number.
        field: u16,
        /// Packed arguments.
        args: &'a [u8],
    },
    /// `OBJECT_DELETE_CMU`.
    Delete {
        /// Object id.
        do_id: u32,
    },
    /// `OBJECT_SET_ZONE_CMU`.
    SetZone {
        /// Object id.
        do_id: u32,
        /// New zone.
        zone: u32,
    },
    /// A bare `CLIENT_HEARTBEAT_CMU`.
    Heartbeat,
}

/// A list of zone ids as sent on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Zones<'a>(&'a [u8]);

impl<'a> Zones<'a> {
    /// Iterates the zone ids.
    pub fn iter(&self) -> impl Iterator<Item = u32> + 'a {
        self.0
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
    }
}

struct Cursor<'a> {
    b: &'a [u8],
    what: &'static str,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if self.b.len() < n {
            return Err(DecodeError(format!(
                "truncated {}: needed {n} more bytes, {} left",
                self.what,
                self.b.len()
            )));
        }
        let (h, t) = self.b.split_at(n);
        self.b = t;
        Ok(h)
    }
    fn u16(&mut self) -> Result<u16, DecodeError> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, DecodeError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn end(&self) -> Result<(), DecodeError> {
        if self.b.is_empty() {
            Ok(())
        } else {
            Err(DecodeError(format!(
                "{} has {} unexpected trailing bytes",
                self.what,
                self.b.len()
            )))
        }
    }
}

/// Decodes one client datagram (without its length prefix).
pub fn decode(dg: &[u8]) -> Result<Inbound<'_>, DecodeError> {
    let mut c = Cursor {
        b: dg,
        what: "datagram",
    };
    let ty = c.u16()?;
    let msg = match ty {
        CLIENT_DISCONNECT => {
            c.what = "CLIENT_DISCONNECT_CMU";
            c.end()?;
            Inbound::Disconnect
        }
        CLIENT_SET_INTEREST => {
            if !c.b.len().is_multiple_of(4) {
                return Err(DecodeError(format!(
                    "CLIENT_SET_INTEREST_CMU zone list of {} bytes is not a multiple of 4",
                    c.b.len()
                )));
            }
            Inbound::SetInterest(Zones(c.b))
        }
        CLIENT_OBJECT_GENERATE => {
            c.what = "CLIENT_OBJECT_GENERATE_CMU";
            let zone = c.u32()?;
            let class = c.u16()?;
            let do_id = c.u32()?;
            Inbound::Generate {
                zone,
                class,
                do_id,
                body: c.b,
            }
        }
        CLIENT_OBJECT_UPDATE_FIELD => {
            c.what = "CLIENT_OBJECT_UPDATE_FIELD";
            let do_id = c.u32()?;
            let field = c.u16()?;
            Inbound::Update {
                target: None,
                do_id,
                field,
                args: c.b,
            }
        }
        CLIENT_HEARTBEAT_OR_TARGETED if c.b.is_empty() => Inbound::Heartbeat,
        CLIENT_HEARTBEAT_OR_TARGETED => {
            c.what = "CLIENT_OBJECT_UPDATE_FIELD_TARGETED_CMU";
            let target = c.u32()?;
            let do_id = c.u32()?;
            let field = c.u16()?;
            Inbound::Update {
                target: Some(target),
                do_id,
                field,
                args: c.b,
            }
        }
        OBJECT_DELETE => {
            c.what = "OBJECT_DELETE_CMU";
            let do_id = c.u32()?;
            c.end()?;
            Inbound::Delete { do_id }
        }
        OBJECT_SET_ZONE => {
            c.what = "OBJECT_SET_ZONE_CMU";
            let do_id = c.u32()?;
            let zone = c.u32()?;
            c.end()?;
            Inbound::SetZone { do_id, zone }
        }
        other => return Err(DecodeError(format!("unknown message type {other}"))),
    };
    Ok(msg)
}

/// Splits complete datagrams off the front of `buf`: returns the next payload and the
/// bytes it used (prefix included), or `None` when more bytes are needed.
pub fn next_frame(buf: &[u8]) -> Option<(&[u8], usize)> {
    let len = usize::from(u16::from_le_bytes([*buf.first()?, *buf.get(1)?]));
    let payload = buf.get(2..2 + len)?;
    Some((payload, 2 + len))
}

/// Appends one datagram built from `parts` (length prefix added) to `out`.
/// Returns false, appending nothing, when the payload would not fit the prefix.
pub fn push_frame(out: &mut Vec<u8>, parts: &[&[u8]]) -> bool {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    let Ok(len16) = u16::try_from(len) else {
        return false;
    };
    out.extend_from_slice(&len16.to_le_bytes());
    for p in parts {
        out.extend_from_slice(p);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dg(parts: &[&[u8]]) -> Vec<u8> {
        parts.concat()
    }

    #[test]
    fn decodes_every_client_message() {
        assert_eq!(decode(&9008u16.to_le_bytes()), Ok(Inbound::Disconnect));
        assert_eq!(decode(&9011u16.to_le_bytes()), Ok(Inbound::Heartbeat));
        let m = dg(&[
            &9009u16.to_le_bytes(),
            &5u32.to_le_bytes(),
            &7u32.to_le_bytes(),
        ]);
        match decode(&m) {
            Ok(Inbound::SetInterest(z)) => assert_eq!(z.iter().collect::<Vec<_>>(), [5, 7]),
            other => panic!("{other:?}"),
        }
        let m = dg(&[
            &9002u16.to_le_bytes(),
            &3u32.to_le_bytes(),
            &1u16.to_le_bytes(),
            &42u32.to_le_bytes(),
            b"xy",
        ]);
        assert_eq!(
            decode(&m),
            Ok(Inbound::Generate {
                zone: 3,
                class: 1,
                do_id: 42,
                body: b"xy"
            })
        );
        let m = dg(&[
            &120u16.to_le_bytes(),
            &42u32.to_le_bytes(),
            &4u16.to_le_bytes(),
            b"a",
        ]);
        assert_eq!(
            decode(&m),
            Ok(Inbound::Update {
                target: None,
                do_id: 42,
                field: 4,
                args: b"a"
            })
        );
        let m = dg(&[
            &9011u16.to_le_bytes(),
            &1u32.to_le_bytes(),
            &42u32.to_le_bytes(),
            &4u16.to_le_bytes(),
        ]);
        assert_eq!(
            decode(&m),
            Ok(Inbound::Update {
                target: Some(1),
                do_id: 42,
                field: 4,
                args: b""
            })
        );
        let m = dg(&[&9006u16.to_le_bytes(), &42u32.to_le_bytes()]);
        assert_eq!(decode(&m), Ok(Inbound::Delete { do_id: 42 }));
        let m = dg(&[
            &9010u16.to_le_bytes(),
            &42u32.to_le_bytes(),
            &8u32.to_le_bytes(),
        ]);
        assert_eq!(decode(&m), Ok(Inbound::SetZone { do_id: 42, zone: 8 }));
    }

    #[test]
    fn refuses_malformed_datagrams() {
        for bad in [
            &b""[..],
            &b"\x28"[..],
            &[0x2a, 0x23, 1, 0][..],          // 9002 truncated
            &[0x78, 0, 1, 0, 0][..],          // 120 truncated
            &[0x33, 0x23, 1][..],             // 9011 with a partial target
            &[0x2e, 0x23, 1, 0, 0, 0, 9][..], // 9006 trailing byte
            &[0x29, 0x23, 1, 0, 0][..],       // 9009 odd zone list
            &[0x30, 0x23, 0, 0][..],          // 9008 with trailing bytes
            &[0x39, 0x05][..],                // 1337: unknown
        ] {
            assert!(decode(bad).is_err(), "{bad:?} accepted");
        }
        assert!(decode(&[0x39, 0x05])
            .unwrap_err()
            .0
            .contains("unknown message type 1337"));
    }

    #[test]
    fn frames_split_and_join() {
        let mut out = Vec::new();
        assert!(push_frame(&mut out, &[b"ab", b"c"]));
        assert!(push_frame(&mut out, &[]));
        assert_eq!(out, b"\x03\x00abc\x00\x00");
        assert_eq!(next_frame(&out), Some((&b"abc"[..], 5)));
        assert_eq!(next_frame(&out[5..]), Some((&b""[..], 2)));
        assert_eq!(next_frame(&out[..4]), None);
        assert_eq!(next_frame(&out[..1]), None);
        let big = vec![0u8; MAX_DATAGRAM + 1];
        let mut out = Vec::new();
        assert!(!push_frame(&mut out, &[&big]));
        assert!(out.is_empty());
    }
}
