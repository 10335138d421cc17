//! Astron's internal protocol (participants ↔ message director).
//!
//! Body layout (after the frame's `uint16` length): `uint8 recipient_count`,
//! `uint64` recipients, `uint64 sender` (omitted for control messages: exactly one
//! recipient, channel 1), `uint16 msgtype`, payload. Payloads follow Astron's
//! `docs/protocol`; REQUIRED/OTHER sections and values come from [`super::fields`].

use super::channel::{self, Channel};
use super::client_msg::{
    put_location, put_string, put_zones, read_do_id, read_location, read_string, read_u16,
    read_u32, read_u64, read_zones,
};
use super::fields::{self, FieldValue, Visibility};
use super::msgtype::{clientagent as ca, control, dbserver as db, stateserver as ss};
use super::{AstronError, AstronResult};
use pipes::ids::{DoId, Location};
use pipes::schema::SchemaInfo;
use pipes::wire::{self, Reader};

/// An object snapshot as the state server sends it (ENTER_* messages, create).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectEntry {
    /// The object.
    pub do_id: DoId,
    /// Its location.
    pub location: Location,
    /// Its dclass id.
    pub class: u16,
    /// REQUIRED values (filtered by the audience's visibility).
    pub required: Vec<FieldValue>,
    /// OTHER values, when the message variant carries them.
    pub other: Option<Vec<FieldValue>>,
}

/// The payload of an internal message, by message type.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs)] // Fields are named after the documented payloads; variants are documented.
pub enum Body {
    /// 9000: subscribe this link to a channel.
    AddChannel(Channel),
    /// 9001: unsubscribe.
    RemoveChannel(Channel),
    /// 9002: subscribe to an inclusive range.
    AddRange { low: Channel, high: Channel },
    /// 9003: unsubscribe from a range.
    RemoveRange { low: Channel, high: Channel },
    /// 9010: a message (body without length) the MD sends if this link drops.
    AddPostRemove { owner: Channel, datagram: Vec<u8> },
    /// 9011: forget the post-removes of `owner`.
    ClearPostRemoves { owner: Channel },
    /// 9012: the link's name in logs.
    SetConName(String),
    /// 9013: the link's URL in logs.
    SetConUrl(String),
    /// 9014: forwarded to the event logger.
    LogMessage(Vec<u8>),

    /// 1000: set a client's session state (0 new, 1 anonymous, 2 established).
    ClientSetState(u16),
    /// 1001: change a client's sender channel.
    ClientSetClientId(Channel),
    /// 1002: forward a raw client-protocol body to the client.
    ClientSendDatagram(Vec<u8>),
    /// 1004: eject the client with a code and reason.
    ClientEject { code: u16, reason: String },
    /// 1005: close the client silently.
    ClientDrop,
    /// 1010: let the client send to an object it cannot see.
    ClientDeclareObject { do_id: DoId, class: u16 },
    /// 1011: undo 1010.
    ClientUndeclareObject { do_id: DoId },
    /// 1012: delete this object when the client leaves; drop the client if it goes.
    ClientAddSessionObject { do_id: DoId },
    /// 1013: undo 1012.
    ClientRemoveSessionObject { do_id: DoId },
    /// 1014: per-object override of sendable fields.
    ClientSetFieldsSendable { do_id: DoId, fields: Vec<u16> },
    /// 1100: subscribe the session to a channel.
    ClientOpenChannel(Channel),
    /// 1101: unsubscribe the session.
    ClientCloseChannel(Channel),
    /// 1200: open an interest for the client.
    ClientAddInterest {
        interest_id: u16,
        location: Location,
    },
    /// 1201: open a multi-zone interest for the client.
    ClientAddInterestMultiple {
        interest_id: u16,
        parent: DoId,
        zones: Vec<u32>,
    },
    /// 1203: close a server-opened interest.
    ClientRemoveInterest { interest_id: u16 },
    /// 1204: the interest the sender asked for completed.
    ClientDoneInterestResp { client: Channel, interest_id: u16 },

    /// 2000/2001: create an object (OTHER present for 2001).
    CreateObject(ObjectEntry),
    /// 2009: delete the objects whose AI was explicitly set to this channel.
    DeleteAiObjects(Channel),
    /// 2010: read one field.
    GetField {
        context: u32,
        do_id: DoId,
        field: u16,
    },
    /// 2011: reply to 2010 (`None` on failure).
    GetFieldResp {
        context: u32,
        value: Option<FieldValue>,
    },
    /// 2014: read the whole object.
    GetAll { context: u32, do_id: DoId },
    /// 2015: reply to 2014.
    GetAllResp { context: u32, entry: ObjectEntry },
    /// 2020: update one field.
    SetField { do_id: DoId, field: FieldValue },
    /// 2021: update several fields atomically.
    SetFields {
        do_id: DoId,
        fields: Vec<FieldValue>,
    },
    /// 2032: delete the object.
    DeleteRam { do_id: DoId },
    /// 2040: move the object (sent to its channel).
    SetLocation(Location),
    /// 2041: an object moved.
    ChangingLocation {
        do_id: DoId,
        new: Location,
        old: Location,
    },
    /// 2042/2043: an object entered a location (client-visible fields).
    EnterLocation(ObjectEntry),
    /// 2050: set the object's AI channel.
    SetAi(Channel),
    /// 2051: the object's AI changed.
    ChangingAi {
        do_id: DoId,
        new: Channel,
        old: Channel,
    },
    /// 2052/2053: an object entered this AI (all fields).
    EnterAi(ObjectEntry),
    /// 2060: set the object's owner channel.
    SetOwner(Channel),
    /// 2061: the object's owner changed.
    ChangingOwner {
        do_id: DoId,
        new: Channel,
        old: Channel,
    },
    /// 2062/2063: an object entered its owner (owner-visible fields).
    EnterOwner(ObjectEntry),
    /// 2066/2067: reply entry to a zone query.
    EnterInterest { context: u32, entry: ObjectEntry },
    /// 2100: list the objects in one zone.
    GetZoneObjects { context: u32, location: Location },
    /// 2102: list the objects in several zones.
    GetZonesObjects {
        context: u32,
        parent: DoId,
        zones: Vec<u32>,
    },
    /// 2113: how many objects a zone query will return.
    GetZonesCountResp { context: u32, count: u32 },
    /// 2200: activate a database object with its stored values.
    ActivateWithDefaults { do_id: DoId, location: Location },

    /// 3000: create a stored object.
    DbCreate {
        context: u32,
        class: u16,
        fields: Vec<FieldValue>,
    },
    /// 3001: reply to 3000 (`None` on failure: doId 0).
    DbCreateResp { context: u32, do_id: Option<DoId> },
    /// 3010: read one stored field.
    DbGetField {
        context: u32,
        do_id: DoId,
        field: u16,
    },
    /// 3011: reply to 3010.
    DbGetFieldResp {
        context: u32,
        value: Option<FieldValue>,
    },
    /// 3014: read a whole stored object.
    DbGetAll { context: u32, do_id: DoId },
    /// 3015: reply to 3014: the class and stored fields, `None` on failure.
    DbGetAllResp {
        context: u32,
        object: Option<(u16, Vec<FieldValue>)>,
    },
    /// 3020: write one stored field.
    DbSetField { do_id: DoId, field: FieldValue },
    /// 3021: write several stored fields.
    DbSetFields {
        do_id: DoId,
        fields: Vec<FieldValue>,
    },
    /// 3032: delete a stored object.
    DbDelete { do_id: DoId },

    /// Any other message, kept as raw payload.
    Other { msgtype: u16, payload: Vec<u8> },
}

/// One internal message: routing header and body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InternalMessage {
    /// Channels it is sent to.
    pub recipients: Vec<Channel>,
    /// The sending channel (0 and absent on the wire for control messages).
    pub sender: Channel,
    /// What it says.
    pub body: Body,
}

impl InternalMessage {
    /// A message to one channel.
    pub fn to(recipient: Channel, sender: Channel, body: Body) -> Self {
        InternalMessage {
            recipients: vec![recipient],
            sender,
            body,
        }
    }

    /// A control message (to channel 1, no sender).
    pub fn control(body: Body) -> Self {
        InternalMessage::to(channel::CONTROL, 0, body)
    }

    /// True for a control message (one recipient, channel 1).
    pub fn is_control(&self) -> bool {
        self.recipients.as_slice() == [channel::CONTROL]
    }

    /// Encodes the body (header and payload, no length prefix).
    pub fn encode(&self, schema: &'static SchemaInfo) -> AstronResult<Vec<u8>> {
        let mut out = Vec::new();
        let n = u8::try_from(self.recipients.len()).map_err(|_| AstronError::TooLarge {
            len: self.recipients.len(),
        })?;
        wire::put_u8(&mut out, n);
        self.recipients
            .iter()
            .for_each(|&c| wire::put_u64(&mut out, c));
        if !self.is_control() {
            wire::put_u64(&mut out, self.sender);
        }
        wire::put_u16(&mut out, self.body.msgtype());
        self.body.encode_payload(schema, &mut out)?;
        Ok(out)
    }

    /// Decodes a body; every byte must be used.
    pub fn decode(schema: &'static SchemaInfo, bytes: &[u8]) -> AstronResult<Self> {
        let mut r = Reader::new(bytes);
        let c = "internal header";
        let n = r.read_u8().map_err(AstronError::wire(c))?;
        let recipients = (0..n)
            .map(|_| read_u64(&mut r, c))
            .collect::<AstronResult<Vec<_>>>()?;
        let control = recipients.as_slice() == [channel::CONTROL];
        let sender = if control { 0 } else { read_u64(&mut r, c)? };
        let msgtype = read_u16(&mut r, c)?;
        let body = Body::decode_payload(schema, msgtype, &mut r)?;
        r.finish().map_err(AstronError::wire("internal message"))?;
        Ok(InternalMessage {
            recipients,
            sender,
            body,
        })
    }
}

fn put_entry(
    schema: &'static SchemaInfo,
    out: &mut Vec<u8>,
    e: &ObjectEntry,
    vis: Visibility,
) -> AstronResult<()> {
    let class = fields::dclass(schema, e.class)?;
    wire::put_u32(out, e.do_id.0);
    put_location(out, e.location);
    wire::put_u16(out, e.class);
    fields::write_required(schema, class, vis, &e.required, out)?;
    if let Some(other) = &e.other {
        fields::write_other(out, other)?;
    }
    Ok(())
}

fn read_entry(
    schema: &'static SchemaInfo,
    r: &mut Reader<'_>,
    vis: Visibility,
    with_other: bool,
) -> AstronResult<ObjectEntry> {
    let c = "object entry";
    let do_id = read_do_id(r, c)?;
    let location = read_location(r, c)?;
    let class_id = read_u16(r, c)?;
    let class = fields::dclass(schema, class_id)?;
    let required = fields::read_required(schema, class, vis, r)?;
    let other = if with_other {
        Some(fields::read_other(schema, Some(class), r)?)
    } else {
        None
    };
    Ok(ObjectEntry {
        do_id,
        location,
        class: class_id,
        required,
        other,
    })
}

fn put_opt_field(out: &mut Vec<u8>, value: &Option<FieldValue>) {
    match value {
        Some(v) => {
            wire::put_u8(out, 1);
            fields::write_field(out, v);
        }
        None => wire::put_u8(out, 0),
    }
}

fn read_opt_field(
    schema: &'static SchemaInfo,
    r: &mut Reader<'_>,
) -> AstronResult<Option<FieldValue>> {
    match r.read_u8().map_err(AstronError::wire("success flag"))? {
        0 => Ok(None),
        _ => fields::read_field(schema, None, r).map(Some),
    }
}

fn other_id(entry: &ObjectEntry, without: u16, with: u16) -> u16 {
    if entry.other.is_some() {
        with
    } else {
        without
    }
}

impl Body {
    /// The message type id.
    pub fn msgtype(&self) -> u16 {
        match self {
            Body::AddChannel(_) => control::ADD_CHANNEL,
            Body::RemoveChannel(_) => control::REMOVE_CHANNEL,
            Body::AddRange { .. } => control::ADD_RANGE,
            Body::RemoveRange { .. } => control::REMOVE_RANGE,
            Body::AddPostRemove { .. } => control::ADD_POST_REMOVE,
            Body::ClearPostRemoves { .. } => control::CLEAR_POST_REMOVES,
            Body::SetConName(_) => control::SET_CON_NAME,
            Body::SetConUrl(_) => control::SET_CON_URL,
            Body::LogMessage(_) => control::LOG_MESSAGE,
            Body::ClientSetState(_) => ca::SET_STATE,
            Body::ClientSetClientId(_) => ca::SET_CLIENT_ID,
            Body::ClientSendDatagram(_) => ca::SEND_DATAGRAM,
            Body::ClientEject { .. } => ca::EJECT,
            Body::ClientDrop => ca::DROP,
            Body::ClientDeclareObject { .. } => ca::DECLARE_OBJECT,
            Body::ClientUndeclareObject { .. } => ca::UNDECLARE_OBJECT,
            Body::ClientAddSessionObject { .. } => ca::ADD_SESSION_OBJECT,
            Body::ClientRemoveSessionObject { .. } => ca::REMOVE_SESSION_OBJECT,
            Body::ClientSetFieldsSendable { .. } => ca::SET_FIELDS_SENDABLE,
            Body::ClientOpenChannel(_) => ca::OPEN_CHANNEL,
            Body::ClientCloseChannel(_) => ca::CLOSE_CHANNEL,
            Body::ClientAddInterest { .. } => ca::ADD_INTEREST,
            Body::ClientAddInterestMultiple { .. } => ca::ADD_INTEREST_MULTIPLE,
            Body::ClientRemoveInterest { .. } => ca::REMOVE_INTEREST,
            Body::ClientDoneInterestResp { .. } => ca::DONE_INTEREST_RESP,
            Body::CreateObject(e) => other_id(
                e,
                ss::CREATE_OBJECT_WITH_REQUIRED,
                ss::CREATE_OBJECT_WITH_REQUIRED_OTHER,
            ),
            Body::DeleteAiObjects(_) => ss::DELETE_AI_OBJECTS,
            Body::GetField { .. } => ss::OBJECT_GET_FIELD,
            Body::GetFieldResp { .. } => ss::OBJECT_GET_FIELD_RESP,
            Body::GetAll { .. } => ss::OBJECT_GET_ALL,
            Body::GetAllResp { .. } => ss::OBJECT_GET_ALL_RESP,
            Body::SetField { .. } => ss::OBJECT_SET_FIELD,
            Body::SetFields { .. } => ss::OBJECT_SET_FIELDS,
            Body::DeleteRam { .. } => ss::OBJECT_DELETE_RAM,
            Body::SetLocation(_) => ss::OBJECT_SET_LOCATION,
            Body::ChangingLocation { .. } => ss::OBJECT_CHANGING_LOCATION,
            Body::EnterLocation(e) => other_id(
                e,
                ss::OBJECT_ENTER_LOCATION_WITH_REQUIRED,
                ss::OBJECT_ENTER_LOCATION_WITH_REQUIRED_OTHER,
            ),
            Body::SetAi(_) => ss::OBJECT_SET_AI,
            Body::ChangingAi { .. } => ss::OBJECT_CHANGING_AI,
            Body::EnterAi(e) => other_id(
                e,
                ss::OBJECT_ENTER_AI_WITH_REQUIRED,
                ss::OBJECT_ENTER_AI_WITH_REQUIRED_OTHER,
            ),
            Body::SetOwner(_) => ss::OBJECT_SET_OWNER,
            Body::ChangingOwner { .. } => ss::OBJECT_CHANGING_OWNER,
            Body::EnterOwner(e) => other_id(
                e,
                ss::OBJECT_ENTER_OWNER_WITH_REQUIRED,
                ss::OBJECT_ENTER_OWNER_WITH_REQUIRED_OTHER,
            ),
            Body::EnterInterest { entry, .. } => other_id(
                entry,
                ss::OBJECT_ENTER_INTEREST_WITH_REQUIRED,
                ss::OBJECT_ENTER_INTEREST_WITH_REQUIRED_OTHER,
            ),
            Body::GetZoneObjects { .. } => ss::OBJECT_GET_ZONE_OBJECTS,
            Body::GetZonesObjects { .. } => ss::OBJECT_GET_ZONES_OBJECTS,
            Body::GetZonesCountResp { .. } => ss::OBJECT_GET_ZONES_COUNT_RESP,
            Body::ActivateWithDefaults { .. } => ss::DBSS_OBJECT_ACTIVATE_WITH_DEFAULTS,
            Body::DbCreate { .. } => db::CREATE_OBJECT,
            Body::DbCreateResp { .. } => db::CREATE_OBJECT_RESP,
            Body::DbGetField { .. } => db::OBJECT_GET_FIELD,
            Body::DbGetFieldResp { .. } => db::OBJECT_GET_FIELD_RESP,
            Body::DbGetAll { .. } => db::OBJECT_GET_ALL,
            Body::DbGetAllResp { .. } => db::OBJECT_GET_ALL_RESP,
            Body::DbSetField { .. } => db::OBJECT_SET_FIELD,
            Body::DbSetFields { .. } => db::OBJECT_SET_FIELDS,
            Body::DbDelete { .. } => db::OBJECT_DELETE,
            Body::Other { msgtype, .. } => *msgtype,
        }
    }

    fn encode_payload(&self, schema: &'static SchemaInfo, out: &mut Vec<u8>) -> AstronResult<()> {
        use wire::{put_u16, put_u32, put_u64, put_u8};
        match self {
            Body::AddChannel(c)
            | Body::RemoveChannel(c)
            | Body::ClearPostRemoves { owner: c }
            | Body::ClientSetClientId(c)
            | Body::ClientOpenChannel(c)
            | Body::ClientCloseChannel(c)
            | Body::DeleteAiObjects(c)
            | Body::SetAi(c)
            | Body::SetOwner(c) => put_u64(out, *c),
            Body::AddRange { low, high } | Body::RemoveRange { low, high } => {
                put_u64(out, *low);
                put_u64(out, *high);
            }
            Body::AddPostRemove { owner, datagram } => {
                put_u64(out, *owner);
                put_string(out, datagram, "post-remove datagram")?;
            }
            Body::SetConName(s) | Body::SetConUrl(s) => put_string(out, s.as_bytes(), "name")?,
            Body::LogMessage(b) | Body::ClientSendDatagram(b) => put_string(out, b, "blob")?,
            Body::ClientSetState(s) => put_u16(out, *s),
            Body::ClientEject { code, reason } => {
                put_u16(out, *code);
                put_string(out, reason.as_bytes(), "eject reason")?;
            }
            Body::ClientDrop => {}
            Body::ClientDeclareObject { do_id, class } => {
                put_u32(out, do_id.0);
                put_u16(out, *class);
            }
            Body::ClientUndeclareObject { do_id }
            | Body::ClientAddSessionObject { do_id }
            | Body::ClientRemoveSessionObject { do_id }
            | Body::DeleteRam { do_id }
            | Body::DbDelete { do_id } => put_u32(out, do_id.0),
            Body::ClientSetFieldsSendable { do_id, fields } => {
                put_u32(out, do_id.0);
                let n = u16::try_from(fields.len())
                    .map_err(|_| AstronError::TooLarge { len: fields.len() })?;
                put_u16(out, n);
                fields.iter().for_each(|&f| put_u16(out, f));
            }
            Body::ClientAddInterest {
                interest_id,
                location,
            } => {
                put_u16(out, *interest_id);
                put_location(out, *location);
            }
            Body::ClientAddInterestMultiple {
                interest_id,
                parent,
                zones,
            } => {
                put_u16(out, *interest_id);
                put_u32(out, parent.0);
                put_zones(out, zones)?;
            }
            Body::ClientRemoveInterest { interest_id } => put_u16(out, *interest_id),
            Body::ClientDoneInterestResp {
                client,
                interest_id,
            } => {
                put_u64(out, *client);
                put_u16(out, *interest_id);
            }
            Body::CreateObject(e) | Body::EnterAi(e) => put_entry(schema, out, e, Visibility::All)?,
            Body::EnterLocation(e) => put_entry(schema, out, e, Visibility::Client)?,
            Body::EnterOwner(e) => put_entry(schema, out, e, Visibility::Owner)?,
            Body::EnterInterest { context, entry } => {
                put_u32(out, *context);
                put_entry(schema, out, entry, Visibility::Client)?;
            }
            Body::GetField {
                context,
                do_id,
                field,
            }
            | Body::DbGetField {
                context,
                do_id,
                field,
            } => {
                put_u32(out, *context);
                put_u32(out, do_id.0);
                put_u16(out, *field);
            }
            Body::GetFieldResp { context, value } | Body::DbGetFieldResp { context, value } => {
                put_u32(out, *context);
                put_opt_field(out, value);
            }
            Body::GetAll { context, do_id } | Body::DbGetAll { context, do_id } => {
                put_u32(out, *context);
                put_u32(out, do_id.0);
            }
            Body::GetAllResp { context, entry } => {
                put_u32(out, *context);
                let mut e = entry.clone();
                e.other.get_or_insert_with(Vec::new);
                put_entry(schema, out, &e, Visibility::All)?;
            }
            Body::SetField { do_id, field } | Body::DbSetField { do_id, field } => {
                put_u32(out, do_id.0);
                fields::write_field(out, field);
            }
            Body::SetFields { do_id, fields } | Body::DbSetFields { do_id, fields } => {
                put_u32(out, do_id.0);
                fields::write_other(out, fields)?;
            }
            Body::SetLocation(l) => put_location(out, *l),
            Body::ChangingLocation { do_id, new, old } => {
                put_u32(out, do_id.0);
                put_location(out, *new);
                put_location(out, *old);
            }
            Body::ChangingAi { do_id, new, old } | Body::ChangingOwner { do_id, new, old } => {
                put_u32(out, do_id.0);
                put_u64(out, *new);
                put_u64(out, *old);
            }
            Body::GetZoneObjects { context, location } => {
                put_u32(out, *context);
                put_location(out, *location);
            }
            Body::GetZonesObjects {
                context,
                parent,
                zones,
            } => {
                put_u32(out, *context);
                put_u32(out, parent.0);
                put_zones(out, zones)?;
            }
            Body::GetZonesCountResp { context, count } => {
                put_u32(out, *context);
                put_u32(out, *count);
            }
            Body::ActivateWithDefaults { do_id, location } => {
                put_u32(out, do_id.0);
                put_location(out, *location);
            }
            Body::DbCreate {
                context,
                class,
                fields,
            } => {
                put_u32(out, *context);
                put_u16(out, *class);
                fields::write_other(out, fields)?;
            }
            Body::DbCreateResp { context, do_id } => {
                put_u32(out, *context);
                put_u32(out, do_id.map_or(0, |d| d.0));
            }
            Body::DbGetAllResp { context, object } => {
                put_u32(out, *context);
                match object {
                    Some((class, fields)) => {
                        put_u8(out, 1);
                        put_u16(out, *class);
                        fields::write_other(out, fields)?;
                    }
                    None => put_u8(out, 0),
                }
            }
            Body::Other { payload, .. } => out.extend_from_slice(payload),
        }
        Ok(())
    }

    fn decode_payload(
        schema: &'static SchemaInfo,
        msgtype: u16,
        r: &mut Reader<'_>,
    ) -> AstronResult<Body> {
        let c = "internal payload";
        let u16_ = |r: &mut Reader<'_>| read_u16(r, c);
        let u32_ = |r: &mut Reader<'_>| read_u32(r, c);
        let u64_ = |r: &mut Reader<'_>| read_u64(r, c);
        let doid = |r: &mut Reader<'_>| read_do_id(r, c);
        let loc = |r: &mut Reader<'_>| read_location(r, c);
        let blob = |r: &mut Reader<'_>| {
            r.read_blob16()
                .map(<[u8]>::to_vec)
                .map_err(AstronError::wire(c))
        };
        Ok(match msgtype {
            control::ADD_CHANNEL => Body::AddChannel(u64_(r)?),
            control::REMOVE_CHANNEL => Body::RemoveChannel(u64_(r)?),
            control::ADD_RANGE => Body::AddRange {
                low: u64_(r)?,
                high: u64_(r)?,
            },
            control::REMOVE_RANGE => Body::RemoveRange {
                low: u64_(r)?,
                high: u64_(r)?,
            },
            control::ADD_POST_REMOVE => Body::AddPostRemove {
                owner: u64_(r)?,
                datagram: blob(r)?,
            },
            control::CLEAR_POST_REMOVES => Body::ClearPostRemoves { owner: u64_(r)? },
            control::SET_CON_NAME => Body::SetConName(read_string(r, "connection name")?),
            control::SET_CON_URL => Body::SetConUrl(read_string(r, "connection url")?),
            control::LOG_MESSAGE => Body::LogMessage(blob(r)?),
            ca::SET_STATE => Body::ClientSetState(u16_(r)?),
            ca::SET_CLIENT_ID => Body::ClientSetClientId(u64_(r)?),
            ca::SEND_DATAGRAM => Body::ClientSendDatagram(blob(r)?),
            ca::EJECT => Body::ClientEject {
                code: u16_(r)?,
                reason: read_string(r, "eject reason")?,
            },
            ca::DROP => Body::ClientDrop,
            ca::DECLARE_OBJECT => Body::ClientDeclareObject {
                do_id: doid(r)?,
                class: u16_(r)?,
            },
            ca::UNDECLARE_OBJECT => Body::ClientUndeclareObject { do_id: doid(r)? },
            ca::ADD_SESSION_OBJECT => Body::ClientAddSessionObject { do_id: doid(r)? },
            ca::REMOVE_SESSION_OBJECT => Body::ClientRemoveSessionObject { do_id: doid(r)? },
            ca::SET_FIELDS_SENDABLE => {
                let do_id = doid(r)?;
                let n = u16_(r)?;
                let fields = (0..n).map(|_| u16_(r)).collect::<AstronResult<_>>()?;
                Body::ClientSetFieldsSendable { do_id, fields }
            }
            ca::OPEN_CHANNEL => Body::ClientOpenChannel(u64_(r)?),
            ca::CLOSE_CHANNEL => Body::ClientCloseChannel(u64_(r)?),
            ca::ADD_INTEREST => Body::ClientAddInterest {
                interest_id: u16_(r)?,
                location: loc(r)?,
            },
            ca::ADD_INTEREST_MULTIPLE => Body::ClientAddInterestMultiple {
                interest_id: u16_(r)?,
                parent: doid(r)?,
                zones: read_zones(r, c)?,
            },
            ca::REMOVE_INTEREST => Body::ClientRemoveInterest {
                interest_id: u16_(r)?,
            },
            ca::DONE_INTEREST_RESP => Body::ClientDoneInterestResp {
                client: u64_(r)?,
                interest_id: u16_(r)?,
            },
            ss::CREATE_OBJECT_WITH_REQUIRED | ss::CREATE_OBJECT_WITH_REQUIRED_OTHER => {
                Body::CreateObject(read_entry(
                    schema,
                    r,
                    Visibility::All,
                    msgtype == ss::CREATE_OBJECT_WITH_REQUIRED_OTHER,
                )?)
            }
            ss::DELETE_AI_OBJECTS => Body::DeleteAiObjects(u64_(r)?),
            ss::OBJECT_GET_FIELD => Body::GetField {
                context: u32_(r)?,
                do_id: doid(r)?,
                field: u16_(r)?,
            },
            ss::OBJECT_GET_FIELD_RESP => Body::GetFieldResp {
                context: u32_(r)?,
                value: read_opt_field(schema, r)?,
            },
            ss::OBJECT_GET_ALL => Body::GetAll {
                context: u32_(r)?,
                do_id: doid(r)?,
            },
            ss::OBJECT_GET_ALL_RESP => Body::GetAllResp {
                context: u32_(r)?,
                entry: read_entry(schema, r, Visibility::All, true)?,
            },
            ss::OBJECT_SET_FIELD => Body::SetField {
                do_id: doid(r)?,
                field: fields::read_field(schema, None, r)?,
            },
            ss::OBJECT_SET_FIELDS => Body::SetFields {
                do_id: doid(r)?,
                fields: fields::read_other(schema, None, r)?,
            },
            ss::OBJECT_DELETE_RAM => Body::DeleteRam { do_id: doid(r)? },
            ss::OBJECT_SET_LOCATION => Body::SetLocation(loc(r)?),
            ss::OBJECT_CHANGING_LOCATION => Body::ChangingLocation {
                do_id: doid(r)?,
                new: loc(r)?,
                old: loc(r)?,
            },
            ss::OBJECT_ENTER_LOCATION_WITH_REQUIRED
            | ss::OBJECT_ENTER_LOCATION_WITH_REQUIRED_OTHER => Body::EnterLocation(read_entry(
                schema,
                r,
                Visibility::Client,
                msgtype == ss::OBJECT_ENTER_LOCATION_WITH_REQUIRED_OTHER,
            )?),
            ss::OBJECT_SET_AI => Body::SetAi(u64_(r)?),
            ss::OBJECT_CHANGING_AI => Body::ChangingAi {
                do_id: doid(r)?,
                new: u64_(r)?,
                old: u64_(r)?,
            },
            ss::OBJECT_ENTER_AI_WITH_REQUIRED | ss::OBJECT_ENTER_AI_WITH_REQUIRED_OTHER => {
                Body::EnterAi(read_entry(
                    schema,
                    r,
                    Visibility::All,
                    msgtype == ss::OBJECT_ENTER_AI_WITH_REQUIRED_OTHER,
                )?)
            }
            ss::OBJECT_SET_OWNER => Body::SetOwner(u64_(r)?),
            ss::OBJECT_CHANGING_OWNER => Body::ChangingOwner {
                do_id: doid(r)?,
                new: u64_(r)?,
                old: u64_(r)?,
            },
            ss::OBJECT_ENTER_OWNER_WITH_REQUIRED | ss::OBJECT_ENTER_OWNER_WITH_REQUIRED_OTHER => {
                Body::EnterOwner(read_entry(
                    schema,
                    r,
                    Visibility::Owner,
                    msgtype == ss::OBJECT_ENTER_OWNER_WITH_REQUIRED_OTHER,
                )?)
            }
            ss::OBJECT_ENTER_INTEREST_WITH_REQUIRED
            | ss::OBJECT_ENTER_INTEREST_WITH_REQUIRED_OTHER => Body::EnterInterest {
                context: u32_(r)?,
                entry: read_entry(
                    schema,
                    r,
                    Visibility::Client,
                    msgtype == ss::OBJECT_ENTER_INTEREST_WITH_REQUIRED_OTHER,
                )?,
            },
            ss::OBJECT_GET_ZONE_OBJECTS => Body::GetZoneObjects {
                context: u32_(r)?,
                location: loc(r)?,
            },
            ss::OBJECT_GET_ZONES_OBJECTS => Body::GetZonesObjects {
                context: u32_(r)?,
                parent: doid(r)?,
                zones: read_zones(r, c)?,
            },
            ss::OBJECT_GET_ZONES_COUNT_RESP => Body::GetZonesCountResp {
                context: u32_(r)?,
                count: u32_(r)?,
            },
            ss::DBSS_OBJECT_ACTIVATE_WITH_DEFAULTS => Body::ActivateWithDefaults {
                do_id: doid(r)?,
                location: loc(r)?,
            },
            db::CREATE_OBJECT => Body::DbCreate {
                context: u32_(r)?,
                class: u16_(r)?,
                fields: fields::read_other(schema, None, r)?,
            },
            db::CREATE_OBJECT_RESP => Body::DbCreateResp {
                context: u32_(r)?,
                do_id: Some(doid(r)?).filter(|d| d.0 != 0),
            },
            db::OBJECT_GET_FIELD => Body::DbGetField {
                context: u32_(r)?,
                do_id: doid(r)?,
                field: u16_(r)?,
            },
            db::OBJECT_GET_FIELD_RESP => Body::DbGetFieldResp {
                context: u32_(r)?,
                value: read_opt_field(schema, r)?,
            },
            db::OBJECT_GET_ALL => Body::DbGetAll {
                context: u32_(r)?,
                do_id: doid(r)?,
            },
            db::OBJECT_GET_ALL_RESP => {
                let context = u32_(r)?;
                let ok = r.read_u8().map_err(AstronError::wire(c))?;
                let object = if ok == 0 {
                    None
                } else {
                    let class_id = u16_(r)?;
                    let class = fields::dclass(schema, class_id)?;
                    Some((class_id, fields::read_other(schema, Some(class), r)?))
                };
                Body::DbGetAllResp { context, object }
            }
            db::OBJECT_SET_FIELD => Body::DbSetField {
                do_id: doid(r)?,
                field: fields::read_field(schema, None, r)?,
            },
            db::OBJECT_SET_FIELDS => Body::DbSetFields {
                do_id: doid(r)?,
                fields: fields::read_other(schema, None, r)?,
            },
            db::OBJECT_DELETE => Body::DbDelete { do_id: doid(r)? },
            other => Body::Other {
                msgtype: other,
                payload: r
                    .take(r.remaining())
                    .map_err(AstronError::wire(c))?
                    .to_vec(),
            },
        })
    }
}
