//! A small in-memory stand-in for an Astron cluster (message director, state server
//! and client agent in one), enough for protocol-level end-to-end tests. It enforces
//! the client agent rules the tests rely on (hello version/hash, anonymous UberDOGs,
//! visibility, `clsend`/`ownsend`) with Astron's eject codes, and routes updates by
//! keyword like the state server. It is not Astron: the real daemon was checked by hand.

use crate::astron::channel::{self, Channel};
use crate::astron::client_msg::{ClientMessage, EnterObject};
use crate::astron::fields::{FieldValue, Visibility};
use crate::astron::frame::{write_frame, FrameDecoder};
use crate::astron::internal::{Body, InternalMessage, ObjectEntry};
use crate::ids::{DoId, Location};
use crate::schema::{FieldFlags, SchemaInfo};
use std::collections::{BTreeMap, BTreeSet};

struct Obj {
    class: u16,
    location: Location,
    fields: BTreeMap<u16, Vec<u8>>,
    owner: Channel,
}

struct Session {
    channel: Channel,
    state: u16,
    decoder: FrameDecoder,
    out: Vec<u8>,
    interests: BTreeMap<u16, Location>,
    closed: bool,
}

/// The fake cluster: one AI link, any number of client sessions.
pub(super) struct FakeCluster {
    schema: &'static SchemaInfo,
    version: String,
    state_server: Channel,
    ai_decoder: FrameDecoder,
    ai_out: Vec<u8>,
    ai_channels: BTreeSet<Channel>,
    /// Post-removes hung by the AI link (bodies without length).
    pub(super) post_removes: Vec<Vec<u8>>,
    objects: BTreeMap<DoId, Obj>,
    ai_of: BTreeMap<DoId, Channel>,
    sessions: Vec<Session>,
    anonymous_uberdogs: BTreeMap<DoId, u16>,
}

impl FakeCluster {
    pub(super) fn new(schema: &'static SchemaInfo, version: &str, state_server: Channel) -> Self {
        FakeCluster {
            schema,
            version: version.into(),
            state_server,
            ai_decoder: FrameDecoder::new(),
            ai_out: Vec::new(),
            ai_channels: BTreeSet::new(),
            post_removes: Vec::new(),
            objects: BTreeMap::new(),
            ai_of: BTreeMap::new(),
            sessions: Vec::new(),
            anonymous_uberdogs: BTreeMap::new(),
        }
    }

    pub(super) fn add_anonymous_uberdog(&mut self, do_id: DoId, class: u16) {
        self.anonymous_uberdogs.insert(do_id, class);
    }

    /// Accepts a client connection; returns its index and session channel.
    pub(super) fn accept(&mut self) -> (usize, Channel) {
        let channel = 1_000_000 + self.sessions.len() as Channel;
        self.sessions.push(Session {
            channel,
            state: 0,
            decoder: FrameDecoder::new(),
            out: Vec::new(),
            interests: BTreeMap::new(),
            closed: false,
        });
        (self.sessions.len() - 1, channel)
    }

    pub(super) fn is_closed(&self, client: usize) -> bool {
        self.sessions[client].closed
    }

    pub(super) fn take_client_output(&mut self, client: usize) -> Vec<u8> {
        std::mem::take(&mut self.sessions[client].out)
    }

    pub(super) fn take_ai_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.ai_out)
    }

    fn send_client(&mut self, client: usize, msg: &ClientMessage) {
        let body = msg.encode(self.schema).expect("fake encodes");
        let s = &mut self.sessions[client];
        if !s.closed {
            write_frame(&body, &mut s.out).expect("fits");
        }
    }

    fn eject(&mut self, client: usize, code: u16, reason: String) {
        self.send_client(client, &ClientMessage::Eject { code, reason });
        self.sessions[client].closed = true;
    }

    fn send_ai(&mut self, recipient: Channel, sender: Channel, body: Body) {
        if self.ai_channels.contains(&recipient) {
            let msg = InternalMessage::to(recipient, sender, body);
            let bytes = msg.encode(self.schema).expect("fake encodes");
            write_frame(&bytes, &mut self.ai_out).expect("fits");
        }
    }

    fn sees(&self, client: usize, location: Location) -> bool {
        self.sessions[client]
            .interests
            .values()
            .any(|l| *l == location)
    }

    fn entry_for(&self, do_id: DoId, vis: Visibility) -> EnterObject {
        let o = &self.objects[&do_id];
        let class = crate::astron::fields::dclass(self.schema, o.class).expect("known class");
        let required: Vec<FieldValue> =
            crate::astron::fields::required_fields(self.schema, class, vis)
                .map(|f| FieldValue {
                    number: f.number,
                    bytes: o.fields[&f.number].clone(),
                })
                .collect();
        let other: Vec<FieldValue> = o
            .fields
            .iter()
            .filter(|(n, _)| {
                let f = self.schema.field(**n).expect("known field");
                !f.has(FieldFlags::REQUIRED) && vis.includes(f)
            })
            .map(|(n, b)| FieldValue {
                number: *n,
                bytes: b.clone(),
            })
            .collect();
        EnterObject {
            do_id,
            location: o.location,
            class: o.class,
            required,
            other: (!other.is_empty()).then_some(other),
            owner: vis == Visibility::Owner,
        }
    }

    // ------------------------------------------------------------ client side

    pub(super) fn recv_client(&mut self, client: usize, bytes: &[u8]) {
        self.sessions[client].decoder.push(bytes);
        while let Some(body) = self.sessions[client].decoder.next_frame() {
            if self.sessions[client].closed {
                return;
            }
            match ClientMessage::decode(self.schema, &body) {
                Ok(msg) => self.client_message(client, msg),
                Err(e) => self.eject(client, 109, format!("bad datagram: {e}")),
            }
        }
    }

    fn client_message(&mut self, client: usize, msg: ClientMessage) {
        let state = self.sessions[client].state;
        let me = self.sessions[client].channel;
        match (state, msg) {
            (0, ClientMessage::Hello { dc_hash, version }) => {
                if version != self.version {
                    self.eject(client, 124, "Client version mismatch".into());
                } else if dc_hash != self.schema.hash {
                    let reason = format!(
                        "Client DC hash mismatch: client={dc_hash:#x}, server={:#x}",
                        self.schema.hash
                    );
                    self.eject(client, 125, reason);
                } else {
                    self.sessions[client].state = 1;
                    self.send_client(client, &ClientMessage::HelloResp);
                }
            }
            (0, _) => self.eject(client, 107, "First packet is not CLIENT_HELLO".into()),
            (_, ClientMessage::Heartbeat) => {}
            (_, ClientMessage::Disconnect) => self.sessions[client].closed = true,
            (_, ClientMessage::SetField { do_id, field }) => {
                self.client_set_field(client, me, do_id, field)
            }
            (
                2,
                ClientMessage::AddInterest {
                    context,
                    interest_id,
                    location,
                },
            ) => {
                self.sessions[client]
                    .interests
                    .insert(interest_id, location);
                let inside: Vec<DoId> = self
                    .objects
                    .iter()
                    .filter(|(_, o)| o.location == location)
                    .map(|(d, _)| *d)
                    .collect();
                for do_id in inside {
                    let e = self.entry_for(do_id, Visibility::Client);
                    self.send_client(client, &ClientMessage::Enter(Box::new(e)));
                }
                self.send_client(
                    client,
                    &ClientMessage::DoneInterest {
                        context,
                        interest_id,
                    },
                );
            }
            (
                2,
                ClientMessage::RemoveInterest {
                    context,
                    interest_id,
                },
            ) => {
                let Some(location) = self.sessions[client].interests.remove(&interest_id) else {
                    return self.eject(client, 1, "removing an unknown interest".into());
                };
                if !self.sees(client, location) {
                    let inside: Vec<DoId> = self
                        .objects
                        .iter()
                        .filter(|(_, o)| o.location == location)
                        .map(|(d, _)| *d)
                        .collect();
                    for do_id in inside {
                        self.send_client(client, &ClientMessage::Leaving { do_id });
                    }
                }
                self.send_client(
                    client,
                    &ClientMessage::DoneInterest {
                        context,
                        interest_id,
                    },
                );
            }
            (_, other) => self.eject(
                client,
                108,
                format!("Message type {} not allowed", other.msgtype()),
            ),
        }
    }

    fn client_set_field(&mut self, client: usize, me: Channel, do_id: DoId, field: FieldValue) {
        let anonymous = self.sessions[client].state == 1;
        let (class, owner) = if let Some(&class) = self.anonymous_uberdogs.get(&do_id) {
            (class, false)
        } else if anonymous {
            return self.eject(
                client,
                113,
                "anonymous client wrote to a non-anonymous object".into(),
            );
        } else if let Some(o) = self
            .objects
            .get(&do_id)
            .filter(|o| o.owner == me || self.sees(client, o.location))
        {
            (o.class, o.owner == me)
        } else {
            return self.eject(client, 117, format!("unknown object {}", do_id.0));
        };
        let info = self.schema.class(class).expect("known class");
        let Some(f) = self
            .schema
            .field(field.number)
            .filter(|_| info.has_field(field.number))
        else {
            return self.eject(client, 118, "field not in class".into());
        };
        if !f.client_may_send(owner) {
            let reason = format!(
                "Client tried to send update for non-sendable field: {}({}).{}",
                info.name, do_id.0, f.name
            );
            return self.eject(client, 118, reason);
        }
        if f.validate(&field.bytes).is_err() {
            return self.eject(client, 127, "field constraint violation".into());
        }
        self.object_set_field(me, do_id, class, field);
    }

    // ------------------------------------------------------------ state server

    /// Routes an update like the state server: store `ram`/`required`, then
    /// `broadcast` → location, `airecv` → AI, `ownrecv` → owner; never back to the sender.
    fn object_set_field(&mut self, sender: Channel, do_id: DoId, class: u16, field: FieldValue) {
        let f = self.schema.field(field.number).expect("checked");
        let _ = class;
        let (location, owner) = match self.objects.get_mut(&do_id) {
            Some(o) => {
                if f.is_state() {
                    o.fields.insert(field.number, field.bytes.clone());
                }
                (Some(o.location), o.owner)
            }
            None => (None, 0),
        };
        if f.has(FieldFlags::AIRECV) {
            let ai = self
                .ai_of
                .get(&do_id)
                .copied()
                .unwrap_or(channel::object(do_id));
            if ai != sender {
                self.send_ai(
                    ai,
                    sender,
                    Body::SetField {
                        do_id,
                        field: field.clone(),
                    },
                );
            }
        }
        for client in 0..self.sessions.len() {
            let s = &self.sessions[client];
            if s.channel == sender {
                continue;
            }
            let by_broadcast =
                f.has(FieldFlags::BROADCAST) && location.is_some_and(|l| self.sees(client, l));
            let by_owner = f.has(FieldFlags::OWNRECV) && owner == s.channel;
            if by_broadcast || by_owner {
                let msg = ClientMessage::SetField {
                    do_id,
                    field: field.clone(),
                };
                self.send_client(client, &msg);
            }
        }
    }

    // ------------------------------------------------------------ AI side

    pub(super) fn recv_ai(&mut self, bytes: &[u8]) {
        self.ai_decoder.push(bytes);
        while let Some(body) = self.ai_decoder.next_frame() {
            let msg =
                InternalMessage::decode(self.schema, &body).expect("the AI sends valid messages");
            self.ai_message(msg);
        }
    }

    fn client_index(&self, channel: Channel) -> Option<usize> {
        self.sessions.iter().position(|s| s.channel == channel)
    }

    fn ai_message(&mut self, msg: InternalMessage) {
        let to = msg.recipients[0];
        match msg.body {
            Body::AddChannel(c) => {
                self.ai_channels.insert(c);
            }
            Body::RemoveChannel(c) => {
                self.ai_channels.remove(&c);
            }
            Body::AddPostRemove { datagram, .. } => self.post_removes.push(datagram),
            Body::SetConName(_) => {}
            Body::CreateObject(e) if to == self.state_server => {
                let class = crate::astron::fields::dclass(self.schema, e.class).expect("class");
                let mut fields = BTreeMap::new();
                for f in crate::astron::fields::required_fields(self.schema, class, Visibility::All)
                {
                    fields.insert(f.number, f.default.to_vec());
                }
                for v in e.required.iter().chain(e.other.iter().flatten()) {
                    fields.insert(v.number, v.bytes.clone());
                }
                self.objects.insert(
                    e.do_id,
                    Obj {
                        class: e.class,
                        location: e.location,
                        fields,
                        owner: 0,
                    },
                );
                if let Some(&ai) = self.ai_of.get(&e.location.parent) {
                    self.ai_of.insert(e.do_id, ai);
                    self.enter_ai(e.do_id, ai);
                }
                for client in 0..self.sessions.len() {
                    if self.sees(client, e.location) {
                        let entry = self.entry_for(e.do_id, Visibility::Client);
                        self.send_client(client, &ClientMessage::Enter(Box::new(entry)));
                    }
                }
            }
            Body::SetAi(ai) => {
                let do_id = DoId(to as u32);
                self.ai_of.insert(do_id, ai);
                self.enter_ai(do_id, ai);
            }
            Body::SetOwner(owner) => {
                let do_id = DoId(to as u32);
                if let Some(o) = self.objects.get_mut(&do_id) {
                    o.owner = owner;
                }
                if let Some(client) = self.client_index(owner) {
                    let e = self.entry_for(do_id, Visibility::Owner);
                    self.send_client(client, &ClientMessage::Enter(Box::new(e)));
                }
            }
            Body::SetLocation(new) => {
                let do_id = DoId(to as u32);
                let Some(old) = self.objects.get(&do_id).map(|o| o.location) else {
                    return;
                };
                self.objects.get_mut(&do_id).expect("present").location = new;
                if let Some(&ai) = self.ai_of.get(&do_id) {
                    self.send_ai(
                        ai,
                        do_id.0.into(),
                        Body::ChangingLocation { do_id, new, old },
                    );
                }
                for client in 0..self.sessions.len() {
                    match (self.sees(client, old), self.sees(client, new)) {
                        (true, true) => self.send_client(
                            client,
                            &ClientMessage::Location {
                                do_id,
                                location: new,
                            },
                        ),
                        (true, false) => {
                            self.send_client(client, &ClientMessage::Leaving { do_id })
                        }
                        (false, true) => {
                            let e = self.entry_for(do_id, Visibility::Client);
                            self.send_client(client, &ClientMessage::Enter(Box::new(e)));
                        }
                        (false, false) => {}
                    }
                }
            }
            Body::SetField { do_id, field } => {
                if let Some(client) = self.client_index(to) {
                    // Straight to a client's session channel: a private update.
                    self.send_client(client, &ClientMessage::SetField { do_id, field });
                } else if let Some(class) = self.objects.get(&do_id).map(|o| o.class) {
                    self.object_set_field(msg.sender, do_id, class, field);
                }
            }
            Body::ClientSetState(state) => {
                if let Some(client) = self.client_index(to) {
                    self.sessions[client].state = state;
                }
            }
            Body::ClientEject { code, reason } => {
                if let Some(client) = self.client_index(to) {
                    self.eject(client, code, reason);
                }
            }
            other => panic!("the fake does not handle {other:?}"),
        }
    }

    fn enter_ai(&mut self, do_id: DoId, ai: Channel) {
        let e = self.entry_for(do_id, Visibility::All);
        let entry = ObjectEntry {
            do_id,
            location: e.location,
            class: e.class,
            required: e.required,
            other: e.other,
        };
        self.send_ai(ai, channel::object(do_id), Body::EnterAi(entry));
    }
}
