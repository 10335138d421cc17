//! Astron's client protocol (client ↔ client agent).
//!
//! Body layout (after the frame's `uint16` length): `uint16 msgtype`, then the
//! payload of [`ClientMessage`]'s variant. doIds, parents and zones are `uint32`,
//! strings are `uint16` length + bytes, field values are packed like Panda3D's
//! `DCPacker`. Decoding needs the schema to know where each field value ends, and
//! rejects trailing bytes as the client agent does (eject 106).

use super::fields::{self, FieldValue, Visibility};
use super::msgtype::client as id;
use super::{AstronError, AstronResult};
use pipes::ids::{DoId, Location};
use pipes::schema::SchemaInfo;
use pipes::wire::{self, Reader};

/// An object entering a client's view (142/143/172/173).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnterObject {
    /// The object.
    pub do_id: DoId,
    /// Where it is.
    pub location: Location,
    /// Its dclass id.
    pub class: u16,
    /// REQUIRED values the client may see, in field order.
    pub required: Vec<FieldValue>,
    /// OTHER values (`ram` fields set), when the message carries them (143/173).
    pub other: Option<Vec<FieldValue>>,
    /// True for an owner view (172/173).
    pub owner: bool,
}

/// One client-protocol message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientMessage {
    /// 1 C→S: the schema hash and the game's version string.
    Hello {
        /// DC hash (`DCFile::get_hash()`, or the agent's `manual_dc_hash`).
        dc_hash: u32,
        /// Must equal the client agent's `version`.
        version: String,
    },
    /// 2 S→C: hello accepted.
    HelloResp,
    /// 3 C→S: polite close.
    Disconnect,
    /// 4 S→C: the client agent is closing the session.
    Eject {
        /// Code (see [`super::EjectCode`]).
        code: u16,
        /// Human-readable reason.
        reason: String,
    },
    /// 5 C→S: keep-alive.
    Heartbeat,
    /// 120 both: one field update.
    SetField {
        /// Target object.
        do_id: DoId,
        /// The field and value.
        field: FieldValue,
    },
    /// 121 S→C: several field updates of one object, atomically.
    SetFields {
        /// Target object.
        do_id: DoId,
        /// The fields and values.
        fields: Vec<FieldValue>,
    },
    /// 132 S→C: the object left the client's view.
    Leaving {
        /// The object.
        do_id: DoId,
    },
    /// 140 both: the object moved (C→S: relocate an owned object).
    Location {
        /// The object.
        do_id: DoId,
        /// Its new location.
        location: Location,
    },
    /// 142/143/172/173 S→C: an object (or owner view) entered.
    Enter(Box<EnterObject>),
    /// 161 S→C: the client no longer owns the object.
    LeavingOwner {
        /// The object.
        do_id: DoId,
    },
    /// 200 both: open (or widen) an interest in one zone.
    AddInterest {
        /// Request context, echoed in the completion.
        context: u32,
        /// The interest's id, chosen by the client (or the AI for 1200).
        interest_id: u16,
        /// Parent object and zone.
        location: Location,
    },
    /// 201 both: open an interest in several zones of one parent.
    AddInterestMultiple {
        /// Request context.
        context: u32,
        /// The interest's id.
        interest_id: u16,
        /// The parent object.
        parent: DoId,
        /// The zones.
        zones: Vec<u32>,
    },
    /// 203 both: close an interest.
    RemoveInterest {
        /// Request context.
        context: u32,
        /// The interest's id.
        interest_id: u16,
    },
    /// 204 S→C: an interest operation completed (all entries were sent).
    DoneInterest {
        /// The request's context.
        context: u32,
        /// The interest's id.
        interest_id: u16,
    },
}

pub(crate) fn put_string(out: &mut Vec<u8>, s: &[u8], context: &'static str) -> AstronResult<()> {
    wire::put_blob16(out, s, context).map_err(AstronError::wire(context))
}

pub(crate) fn read_string(r: &mut Reader<'_>, context: &'static str) -> AstronResult<String> {
    let bytes = r.read_blob16().map_err(AstronError::wire(context))?;
    wire::utf8(bytes, context).map_err(AstronError::wire(context))
}

pub(crate) fn put_location(out: &mut Vec<u8>, l: Location) {
    wire::put_u32(out, l.parent.0);
    wire::put_u32(out, l.zone);
}

pub(crate) fn read_u16(r: &mut Reader<'_>, c: &'static str) -> AstronResult<u16> {
    r.read_u16().map_err(AstronError::wire(c))
}
pub(crate) fn read_u32(r: &mut Reader<'_>, c: &'static str) -> AstronResult<u32> {
    r.read_u32().map_err(AstronError::wire(c))
}
pub(crate) fn read_u64(r: &mut Reader<'_>, c: &'static str) -> AstronResult<u64> {
    r.read_u64().map_err(AstronError::wire(c))
}
pub(crate) fn read_do_id(r: &mut Reader<'_>, c: &'static str) -> AstronResult<DoId> {
    read_u32(r, c).map(DoId)
}
pub(crate) fn read_location(r: &mut Reader<'_>, c: &'static str) -> AstronResult<Location> {
    Ok(Location {
        parent: read_do_id(r, c)?,
        zone: read_u32(r, c)?,
    })
}
pub(crate) fn put_zones(out: &mut Vec<u8>, zones: &[u32]) -> AstronResult<()> {
    let n = u16::try_from(zones.len()).map_err(|_| AstronError::TooLarge { len: zones.len() })?;
    wire::put_u16(out, n);
    zones.iter().for_each(|&z| wire::put_u32(out, z));
    Ok(())
}
pub(crate) fn read_zones(r: &mut Reader<'_>, c: &'static str) -> AstronResult<Vec<u32>> {
    let n = read_u16(r, c)?;
    (0..n).map(|_| read_u32(r, c)).collect()
}

impl ClientMessage {
    /// The message type id.
    pub fn msgtype(&self) -> u16 {
        match self {
            ClientMessage::Hello { .. } => id::HELLO,
            ClientMessage::HelloResp => id::HELLO_RESP,
            ClientMessage::Disconnect => id::DISCONNECT,
            ClientMessage::Eject { .. } => id::EJECT,
            ClientMessage::Heartbeat => id::HEARTBEAT,
            ClientMessage::SetField { .. } => id::OBJECT_SET_FIELD,
            ClientMessage::SetFields { .. } => id::OBJECT_SET_FIELDS,
            ClientMessage::Leaving { .. } => id::OBJECT_LEAVING,
            ClientMessage::Location { .. } => id::OBJECT_LOCATION,
            ClientMessage::Enter(e) => match (e.owner, e.other.is_some()) {
                (false, false) => id::ENTER_OBJECT_REQUIRED,
                (false, true) => id::ENTER_OBJECT_REQUIRED_OTHER,
                (true, false) => id::ENTER_OBJECT_REQUIRED_OWNER,
                (true, true) => id::ENTER_OBJECT_REQUIRED_OTHER_OWNER,
            },
            ClientMessage::LeavingOwner { .. } => id::OBJECT_LEAVING_OWNER,
            ClientMessage::AddInterest { .. } => id::ADD_INTEREST,
            ClientMessage::AddInterestMultiple { .. } => id::ADD_INTEREST_MULTIPLE,
            ClientMessage::RemoveInterest { .. } => id::REMOVE_INTEREST,
            ClientMessage::DoneInterest { .. } => id::DONE_INTEREST_RESP,
        }
    }

    /// Encodes the body (msgtype and payload, no length prefix).
    pub fn encode(&self, schema: &'static SchemaInfo) -> AstronResult<Vec<u8>> {
        let mut out = Vec::new();
        wire::put_u16(&mut out, self.msgtype());
        match self {
            ClientMessage::Hello { dc_hash, version } => {
                wire::put_u32(&mut out, *dc_hash);
                put_string(&mut out, version.as_bytes(), "CLIENT_HELLO.version")?;
            }
            ClientMessage::HelloResp | ClientMessage::Disconnect | ClientMessage::Heartbeat => {}
            ClientMessage::Eject { code, reason } => {
                wire::put_u16(&mut out, *code);
                put_string(&mut out, reason.as_bytes(), "CLIENT_EJECT.reason")?;
            }
            ClientMessage::SetField { do_id, field } => {
                wire::put_u32(&mut out, do_id.0);
                fields::write_field(&mut out, field);
            }
            ClientMessage::SetFields {
                do_id,
                fields: values,
            } => {
                wire::put_u32(&mut out, do_id.0);
                fields::write_other(&mut out, values)?;
            }
            ClientMessage::Leaving { do_id } | ClientMessage::LeavingOwner { do_id } => {
                wire::put_u32(&mut out, do_id.0)
            }
            ClientMessage::Location { do_id, location } => {
                wire::put_u32(&mut out, do_id.0);
                put_location(&mut out, *location);
            }
            ClientMessage::Enter(e) => {
                let class = fields::dclass(schema, e.class)?;
                wire::put_u32(&mut out, e.do_id.0);
                put_location(&mut out, e.location);
                wire::put_u16(&mut out, e.class);
                let vis = if e.owner {
                    Visibility::Owner
                } else {
                    Visibility::Client
                };
                fields::write_required(schema, class, vis, &e.required, &mut out)?;
                if let Some(other) = &e.other {
                    fields::write_other(&mut out, other)?;
                }
            }
            ClientMessage::AddInterest {
                context,
                interest_id,
                location,
            } => {
                wire::put_u32(&mut out, *context);
                wire::put_u16(&mut out, *interest_id);
                put_location(&mut out, *location);
            }
            ClientMessage::AddInterestMultiple {
                context,
                interest_id,
                parent,
                zones,
            } => {
                wire::put_u32(&mut out, *context);
                wire::put_u16(&mut out, *interest_id);
                wire::put_u32(&mut out, parent.0);
                put_zones(&mut out, zones)?;
            }
            ClientMessage::RemoveInterest {
                context,
                interest_id,
            }
            | ClientMessage::DoneInterest {
                context,
                interest_id,
            } => {
                wire::put_u32(&mut out, *context);
                wire::put_u16(&mut out, *interest_id);
            }
        }
        Ok(out)
    }

    /// Decodes a body (msgtype and payload); every byte must be used.
    pub fn decode(schema: &'static SchemaInfo, body: &[u8]) -> AstronResult<ClientMessage> {
        let mut r = Reader::new(body);
        let msgtype = read_u16(&mut r, "client msgtype")?;
        let c = "client message";
        let msg = match msgtype {
            id::HELLO => ClientMessage::Hello {
                dc_hash: read_u32(&mut r, "CLIENT_HELLO")?,
                version: read_string(&mut r, "CLIENT_HELLO.version")?,
            },
            id::HELLO_RESP => ClientMessage::HelloResp,
            id::DISCONNECT => ClientMessage::Disconnect,
            id::EJECT => ClientMessage::Eject {
                code: read_u16(&mut r, "CLIENT_EJECT")?,
                reason: read_string(&mut r, "CLIENT_EJECT.reason")?,
            },
            id::HEARTBEAT => ClientMessage::Heartbeat,
            id::OBJECT_SET_FIELD => ClientMessage::SetField {
                do_id: read_do_id(&mut r, c)?,
                field: fields::read_field(schema, None, &mut r)?,
            },
            id::OBJECT_SET_FIELDS => ClientMessage::SetFields {
                do_id: read_do_id(&mut r, c)?,
                fields: fields::read_other(schema, None, &mut r)?,
            },
            id::OBJECT_LEAVING => ClientMessage::Leaving {
                do_id: read_do_id(&mut r, c)?,
            },
            id::OBJECT_LEAVING_OWNER => ClientMessage::LeavingOwner {
                do_id: read_do_id(&mut r, c)?,
            },
            id::OBJECT_LOCATION => ClientMessage::Location {
                do_id: read_do_id(&mut r, c)?,
                location: read_location(&mut r, c)?,
            },
            id::ENTER_OBJECT_REQUIRED
            | id::ENTER_OBJECT_REQUIRED_OTHER
            | id::ENTER_OBJECT_REQUIRED_OWNER
            | id::ENTER_OBJECT_REQUIRED_OTHER_OWNER => {
                let owner = matches!(
                    msgtype,
                    id::ENTER_OBJECT_REQUIRED_OWNER | id::ENTER_OBJECT_REQUIRED_OTHER_OWNER
                );
                let with_other = matches!(
                    msgtype,
                    id::ENTER_OBJECT_REQUIRED_OTHER | id::ENTER_OBJECT_REQUIRED_OTHER_OWNER
                );
                let do_id = read_do_id(&mut r, c)?;
                let location = read_location(&mut r, c)?;
                let class_id = read_u16(&mut r, c)?;
                let class = fields::dclass(schema, class_id)?;
                let vis = if owner {
                    Visibility::Owner
                } else {
                    Visibility::Client
                };
                let required = fields::read_required(schema, class, vis, &mut r)?;
                let other = if with_other {
                    Some(fields::read_other(schema, Some(class), &mut r)?)
                } else {
                    None
                };
                ClientMessage::Enter(Box::new(EnterObject {
                    do_id,
                    location,
                    class: class_id,
                    required,
                    other,
                    owner,
                }))
            }
            id::ADD_INTEREST => ClientMessage::AddInterest {
                context: read_u32(&mut r, c)?,
                interest_id: read_u16(&mut r, c)?,
                location: read_location(&mut r, c)?,
            },
            id::ADD_INTEREST_MULTIPLE => ClientMessage::AddInterestMultiple {
                context: read_u32(&mut r, c)?,
                interest_id: read_u16(&mut r, c)?,
                parent: read_do_id(&mut r, c)?,
                zones: read_zones(&mut r, c)?,
            },
            id::REMOVE_INTEREST => ClientMessage::RemoveInterest {
                context: read_u32(&mut r, c)?,
                interest_id: read_u16(&mut r, c)?,
            },
            id::DONE_INTEREST_RESP => ClientMessage::DoneInterest {
                context: read_u32(&mut r, c)?,
                interest_id: read_u16(&mut r, c)?,
            },
            other => return Err(AstronError::UnknownMessage { msgtype: other }),
        };
        r.finish().map_err(AstronError::wire("client message"))?;
        Ok(msg)
    }
}
