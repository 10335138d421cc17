//! A small in-memory stand-in for an Astron cluster (message director, state server,
//! client agent and database in one), for protocol-level tests of games and of this
//! crate (feature `testing`). It is not Astron; the real daemon was checked by hand
//! (see the README) and the byte layouts it sent are pinned in the codec tests.
//!
//! It enforces the client agent rules games rely on, with Astron's eject codes: hello
//! version then hash (124, 125), first message HELLO (107), anonymous sessions only
//! reach anonymous UberDOGs (113), unknown or unseen objects (117), `clsend` /
//! `ownsend` (118, with Astron's reason text), value ranges (127), malformed messages
//! (109), and a session that sends no `CLIENT_HEARTBEAT` within
//! [`FakeConfig::heartbeat_timeout`] (10 s, as `examples/astron/astrond.yml`; other
//! traffic does not count) is ejected with 345, once the driver reports the time with
//! [`FakeCluster::advance`] ([`tcp::FakeServer`] does). It routes updates by keyword like the state server (`broadcast` → the
//! location's sessions, `airecv` → the AI, `ownrecv` → the owner, never back to the
//! sender), sends owner views, interest entries then completion, leaving and location
//! messages, deletes session objects when their client goes, and keeps `db` fields of
//! database objects. Messages it does not model are counted in [`FakeCluster::ignored`].
//!
//! [`tcp::FakeServer`] serves it on loopback TCP.

pub mod tcp;

use crate::channel::{self, Channel};
use crate::client_msg::{ClientMessage, EnterObject};
use crate::fields::{self, FieldValue, Visibility};
use crate::frame::{write_frame, FrameDecoder};
use crate::internal::{Body, InternalMessage, ObjectEntry};
use crate::AstronResult;
use pipes::ids::{DoId, Location};
use pipes::schema::{FieldFlags, SchemaInfo};
use pipes::time::Time;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

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
    session_objects: BTreeSet<DoId>,
    closed: bool,
    /// When the session began or last sent `CLIENT_HEARTBEAT`.
    heartbeat: Time,
}

/// Settings of the fake cluster (the parts of an `astrond.yml` it models).
#[derive(Clone, Debug)]
pub struct FakeConfig {
    /// The client agent's `version`.
    pub version: String,
    /// The state server's control channel.
    pub state_server: Channel,
    /// The database server's control channel.
    pub database: Channel,
    /// First session channel handed to clients.
    pub first_client_channel: Channel,
    /// First doId the database generates.
    pub first_db_id: u32,
    /// UberDOGs: doId, class, anonymous.
    pub uberdogs: Vec<(DoId, u16, bool)>,
    /// The client agent's `heartbeat_timeout` (`None`: disabled): a session silent in
    /// heartbeats this long is ejected with 345, as Astron does.
    pub heartbeat_timeout: Option<Duration>,
}

impl FakeConfig {
    /// The values of `examples/astron/astrond.yml` with this version and no UberDOG.
    pub fn new(version: &str) -> Self {
        FakeConfig {
            version: version.into(),
            state_server: 402_000,
            database: 4003,
            first_client_channel: 1_000_000,
            first_db_id: 100_000_000,
            uberdogs: Vec::new(),
            heartbeat_timeout: Some(Duration::from_secs(10)),
        }
    }
}

/// The fake cluster: one AI link, any number of client sessions.
pub struct FakeCluster {
    schema: &'static SchemaInfo,
    config: FakeConfig,
    ai_decoder: FrameDecoder,
    ai_out: Vec<u8>,
    ai_channels: BTreeSet<Channel>,
    post_removes: Vec<Vec<u8>>,
    objects: BTreeMap<DoId, Obj>,
    ai_of: BTreeMap<DoId, Channel>,
    sessions: Vec<Session>,
    /// The time last given to [`FakeCluster::advance`].
    now: Time,
    database: BTreeMap<DoId, (u16, BTreeMap<u16, Vec<u8>>)>,
    /// Message types received from the AI that the fake does not model.
    pub ignored: Vec<u16>,
}

impl FakeCluster {
    /// An empty cluster for `schema`.
    pub fn new(schema: &'static SchemaInfo, config: FakeConfig) -> Self {
        FakeCluster {
            schema,
            config,
            ai_decoder: FrameDecoder::new(),
            ai_out: Vec::new(),
            ai_channels: BTreeSet::new(),
            post_removes: Vec::new(),
            objects: BTreeMap::new(),
            ai_of: BTreeMap::new(),
            sessions: Vec::new(),
            now: Time::ZERO,
            database: BTreeMap::new(),
            ignored: Vec::new(),
        }
    }

    /// Post-removes hung by the AI link (message bodies without length).
    pub fn post_removes(&self) -> &[Vec<u8>] {
        &self.post_removes
    }

    /// Accepts a client connection; returns its index and session channel.
    pub fn accept(&mut self) -> (usize, Channel) {
        let channel = self.config.first_client_channel + self.sessions.len() as Channel;
        self.sessions.push(Session {
            channel,
            state: 0,
            decoder: FrameDecoder::new(),
            out: Vec::new(),
            interests: BTreeMap::new(),
            session_objects: BTreeSet::new(),
            closed: false,
            heartbeat: self.now,
        });
        (self.sessions.len() - 1, channel)
    }

    /// Whether the session was closed (eject, disconnect or [`FakeCluster::drop_client`]).
    pub fn is_closed(&self, client: usize) -> bool {
        self.sessions.get(client).is_none_or(|s| s.closed)
    }

    /// The clock moved to `now`: sessions without a heartbeat for longer than the
    /// timeout are ejected (345, with Astron's reason text). Without calls, time stands
    /// still and no session times out.
    pub fn advance(&mut self, now: Time) {
        self.now = self.now.max(now);
        let Some(timeout) = self.config.heartbeat_timeout else {
            return;
        };
        for client in 0..self.sessions.len() {
            let s = &self.sessions[client];
            if !s.closed && self.now.since(s.heartbeat) > timeout {
                let reason = "Server timed out while waiting for heartbeat.".to_string();
                self.eject(client, 345, reason);
            }
        }
    }

    /// The client's connection went away: its session objects are deleted.
    pub fn drop_client(&mut self, client: usize) {
        self.close(client);
    }

    /// Bytes for a client connection (taken).
    pub fn take_client_output(&mut self, client: usize) -> Vec<u8> {
        self.sessions
            .get_mut(client)
            .map(|s| std::mem::take(&mut s.out))
            .unwrap_or_default()
    }

    /// Bytes for the AI connection (taken).
    pub fn take_ai_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.ai_out)
    }

    fn close(&mut self, client: usize) {
        let Some(s) = self.sessions.get_mut(client) else {
            return;
        };
        if s.closed {
            return;
        }
        s.closed = true;
        let objects: Vec<DoId> = std::mem::take(&mut s.session_objects).into_iter().collect();
        for do_id in objects {
            self.delete(do_id);
        }
    }

    fn send_client(&mut self, client: usize, msg: &ClientMessage) {
        let Ok(body) = msg.encode(self.schema) else {
            return;
        };
        if let Some(s) = self.sessions.get_mut(client).filter(|s| !s.closed) {
            // A message too large for a frame is dropped, like an unroutable datagram.
            let _ = write_frame(&body, &mut s.out);
        }
    }

    fn eject(&mut self, client: usize, code: u16, reason: String) {
        self.send_client(client, &ClientMessage::Eject { code, reason });
        self.close(client);
    }

    fn send_ai(&mut self, recipient: Channel, sender: Channel, body: Body) {
        if self.ai_channels.contains(&recipient) {
            let msg = InternalMessage::to(recipient, sender, body);
            if let Ok(bytes) = msg.encode(self.schema) {
                let _ = write_frame(&bytes, &mut self.ai_out);
            }
        }
    }

    fn sees(&self, client: usize, location: Location) -> bool {
        self.sessions[client]
            .interests
            .values()
            .any(|l| *l == location)
    }

    fn values(&self, do_id: DoId, vis: Visibility) -> Option<(Vec<FieldValue>, Vec<FieldValue>)> {
        let o = self.objects.get(&do_id)?;
        let class = fields::dclass(self.schema, o.class).ok()?;
        let required = fields::required_fields(self.schema, class, vis)
            .map(|f| FieldValue {
                number: f.number,
                bytes: o.fields.get(&f.number).cloned().unwrap_or_default(),
            })
            .collect();
        let other = o
            .fields
            .iter()
            .filter(|(n, _)| {
                self.schema
                    .field(**n)
                    .is_some_and(|f| !f.has(FieldFlags::REQUIRED) && vis.includes(f))
            })
            .map(|(n, b)| FieldValue {
                number: *n,
                bytes: b.clone(),
            })
            .collect();
        Some((required, other))
    }

    fn enter_client(&mut self, client: usize, do_id: DoId, vis: Visibility) {
        let Some((required, other)) = self.values(do_id, vis) else {
            return;
        };
        let o = &self.objects[&do_id];
        let e = EnterObject {
            do_id,
            location: o.location,
            class: o.class,
            required,
            other: (!other.is_empty()).then_some(other),
            owner: vis == Visibility::Owner,
        };
        self.send_client(client, &ClientMessage::Enter(Box::new(e)));
    }

    fn objects_in(&self, location: Location) -> Vec<DoId> {
        self.objects
            .iter()
            .filter(|(_, o)| o.location == location)
            .map(|(d, _)| *d)
            .collect()
    }

    // ------------------------------------------------------------ client side

    /// Handles bytes from a client connection.
    pub fn recv_client(&mut self, client: usize, bytes: &[u8]) {
        let Some(s) = self.sessions.get_mut(client) else {
            return;
        };
        s.decoder.push(bytes);
        // Bounded: each turn consumes one complete frame of the pushed bytes.
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
                if version != self.config.version {
                    let reason = format!(
                        "Client version mismatch: client={version}, server={}",
                        self.config.version
                    );
                    self.eject(client, 124, reason);
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
            (_, ClientMessage::Heartbeat) => self.sessions[client].heartbeat = self.now,
            (_, ClientMessage::Disconnect) => self.close(client),
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
            ) => self.open_interest(client, context, interest_id, vec![location]),
            (
                2,
                ClientMessage::AddInterestMultiple {
                    context,
                    interest_id,
                    parent,
                    zones,
                },
            ) => {
                let locations = zones
                    .iter()
                    .map(|&zone| Location { parent, zone })
                    .collect();
                self.open_interest(client, context, interest_id, locations)
            }
            (
                2,
                ClientMessage::RemoveInterest {
                    context,
                    interest_id,
                },
            ) => {
                let gone: Vec<(u16, Location)> = self.sessions[client]
                    .interests
                    .iter()
                    .filter(|(k, _)| (*k >> 8) == interest_id)
                    .map(|(k, l)| (*k, *l))
                    .collect();
                if gone.is_empty() {
                    return self.eject(client, 1, "Tried to remove an unknown interest".into());
                }
                for (key, location) in gone {
                    self.sessions[client].interests.remove(&key);
                    if !self.sees(client, location) {
                        // Astron sends LEAVING for owned objects too (the owner view stays).
                        for do_id in self.objects_in(location) {
                            self.send_client(client, &ClientMessage::Leaving { do_id });
                        }
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

    fn open_interest(
        &mut self,
        client: usize,
        context: u32,
        interest_id: u16,
        locations: Vec<Location>,
    ) {
        // Interests are keyed (id << 8 | index) so one id can hold several zones.
        self.sessions[client]
            .interests
            .retain(|k, _| (*k >> 8) != interest_id);
        for (i, location) in locations.iter().enumerate().take(256) {
            let key = (interest_id << 8) | i as u16;
            for do_id in self.objects_in(*location) {
                if !self.sees(client, *location) {
                    self.enter_client(client, do_id, Visibility::Client);
                }
            }
            self.sessions[client].interests.insert(key, *location);
        }
        self.send_client(
            client,
            &ClientMessage::DoneInterest {
                context,
                interest_id,
            },
        );
    }

    fn client_set_field(&mut self, client: usize, me: Channel, do_id: DoId, field: FieldValue) {
        let anonymous = self.sessions[client].state == 1;
        let uberdog = self
            .config
            .uberdogs
            .iter()
            .find(|(d, _, _)| *d == do_id)
            .copied();
        let (class, owner) = match uberdog {
            Some((_, class, anon)) if anon || !anonymous => (class, false),
            _ if anonymous => {
                return self.eject(
                    client,
                    113,
                    "Client tried to send update to non-anonymous object".into(),
                )
            }
            _ => match self
                .objects
                .get(&do_id)
                .filter(|o| o.owner == me || self.sees(client, o.location))
            {
                Some(o) => (o.class, o.owner == me),
                None => {
                    let reason = format!(
                        "Client tried to send update to nonexistent object {}",
                        do_id.0
                    );
                    return self.eject(client, 117, reason);
                }
            },
        };
        let Ok(info) = fields::dclass(self.schema, class) else {
            return self.eject(client, 117, "object of an unknown class".into());
        };
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
            return self.eject(client, 127, "Field constraint violation".into());
        }
        if uberdog.is_some() {
            // UberDOGs are not state server objects: the update goes to their channel.
            let to = channel::object(do_id);
            self.send_ai(to, me, Body::SetField { do_id, field });
        } else {
            self.object_set_field(me, do_id, field);
        }
    }

    // ------------------------------------------------------------ state server

    /// Routes an update like the state server: store `ram`/`required`, then
    /// `broadcast` → location, `airecv` → AI, `ownrecv` → owner; never back to the sender.
    fn object_set_field(&mut self, sender: Channel, do_id: DoId, field: FieldValue) {
        let Some(f) = self.schema.field(field.number) else {
            return;
        };
        let Some(o) = self.objects.get_mut(&do_id) else {
            return;
        };
        if f.is_state() {
            o.fields.insert(field.number, field.bytes.clone());
        }
        let (location, owner) = (o.location, o.owner);
        if f.has(FieldFlags::AIRECV) {
            let ai = self
                .ai_of
                .get(&do_id)
                .copied()
                .unwrap_or(channel::object(do_id));
            if ai != sender {
                let body = Body::SetField {
                    do_id,
                    field: field.clone(),
                };
                self.send_ai(ai, sender, body);
            }
        }
        for client in 0..self.sessions.len() {
            let s = &self.sessions[client];
            if s.channel == sender {
                continue;
            }
            let by_broadcast = f.has(FieldFlags::BROADCAST) && self.sees(client, location);
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

    fn delete(&mut self, do_id: DoId) {
        let Some(o) = self.objects.remove(&do_id) else {
            return;
        };
        if let Some(ai) = self.ai_of.remove(&do_id) {
            self.send_ai(ai, channel::object(do_id), Body::DeleteRam { do_id });
        }
        for client in 0..self.sessions.len() {
            let owned = o.owner == self.sessions[client].channel;
            if owned || self.sees(client, o.location) {
                self.send_client(client, &ClientMessage::Leaving { do_id });
            }
            if owned {
                self.send_client(client, &ClientMessage::LeavingOwner { do_id });
            }
            if self.sessions[client].session_objects.remove(&do_id) {
                let reason = format!("A session object ({}) was deleted", do_id.0);
                self.eject(client, 153, reason);
            }
        }
        let children: Vec<DoId> = self
            .objects
            .iter()
            .filter(|(_, c)| c.location.parent == do_id)
            .map(|(d, _)| *d)
            .collect();
        for child in children {
            self.delete(child);
        }
    }

    // ------------------------------------------------------------ AI side

    /// Handles bytes from the AI connection; a malformed message is an error (the real
    /// message director would drop the link).
    pub fn recv_ai(&mut self, bytes: &[u8]) -> AstronResult<()> {
        self.ai_decoder.push(bytes);
        while let Some(body) = self.ai_decoder.next_frame() {
            let msg = InternalMessage::decode(self.schema, &body)?;
            self.ai_message(msg);
        }
        Ok(())
    }

    fn client_index(&self, channel: Channel) -> Option<usize> {
        self.sessions.iter().position(|s| s.channel == channel)
    }

    fn ai_message(&mut self, msg: InternalMessage) {
        let to = msg.recipients.first().copied().unwrap_or(0);
        let target = DoId(to as u32);
        let ai = msg.sender;
        match msg.body {
            Body::AddChannel(c) => {
                self.ai_channels.insert(c);
            }
            Body::RemoveChannel(c) => {
                self.ai_channels.remove(&c);
            }
            Body::AddPostRemove { datagram, .. } => self.post_removes.push(datagram),
            Body::ClearPostRemoves { .. } => self.post_removes.clear(),
            Body::SetConName(_) | Body::SetConUrl(_) => {}
            Body::CreateObject(e) if to == self.config.state_server => self.create(e),
            Body::SetAi(ai) => {
                if self.objects.contains_key(&target) {
                    self.ai_of.insert(target, ai);
                    self.enter_ai(target, ai);
                }
            }
            Body::SetOwner(owner) => {
                let Some(o) = self.objects.get_mut(&target) else {
                    return;
                };
                o.owner = owner;
                if let Some(client) = self.client_index(owner) {
                    self.enter_client(client, target, Visibility::Owner);
                }
            }
            Body::SetLocation(new) => self.relocate(target, new),
            Body::DeleteRam { do_id } => self.delete(do_id),
            Body::SetField { do_id, field } => match self.client_index(to) {
                // Straight to a client's session channel: a private update.
                Some(client) => self.send_client(client, &ClientMessage::SetField { do_id, field }),
                None => self.object_set_field(ai, do_id, field),
            },
            Body::GetField {
                context,
                do_id,
                field,
            } => {
                let value = self
                    .objects
                    .get(&do_id)
                    .and_then(|o| o.fields.get(&field))
                    .map(|b| FieldValue {
                        number: field,
                        bytes: b.clone(),
                    });
                self.send_ai(
                    ai,
                    channel::object(do_id),
                    Body::GetFieldResp { context, value },
                );
            }
            Body::GetAll { context, do_id } => {
                if let Some(entry) = self.entry(do_id, Visibility::All) {
                    let entry = ObjectEntry {
                        other: Some(entry.other.unwrap_or_default()),
                        ..entry
                    };
                    self.send_ai(
                        ai,
                        channel::object(do_id),
                        Body::GetAllResp { context, entry },
                    );
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
            Body::ClientDrop => {
                if let Some(client) = self.client_index(to) {
                    self.close(client);
                }
            }
            Body::ClientAddSessionObject { do_id } => {
                if let Some(client) = self.client_index(to) {
                    self.sessions[client].session_objects.insert(do_id);
                }
            }
            Body::ClientRemoveSessionObject { do_id } => {
                if let Some(client) = self.client_index(to) {
                    self.sessions[client].session_objects.remove(&do_id);
                }
            }
            Body::DbCreate {
                context,
                class,
                fields: values,
            } if to == self.config.database => {
                let do_id = DoId(self.config.first_db_id + self.database.len() as u32);
                let stored = self.db_values(values);
                self.database.insert(do_id, (class, stored));
                let body = Body::DbCreateResp {
                    context,
                    do_id: Some(do_id),
                };
                self.send_ai(ai, self.config.database, body);
            }
            Body::DbGetAll { context, do_id } if to == self.config.database => {
                let object = self.database.get(&do_id).map(|(class, values)| {
                    let values = values
                        .iter()
                        .map(|(n, b)| FieldValue {
                            number: *n,
                            bytes: b.clone(),
                        })
                        .collect();
                    (*class, values)
                });
                self.send_ai(
                    ai,
                    self.config.database,
                    Body::DbGetAllResp { context, object },
                );
            }
            Body::DbGetField {
                context,
                do_id,
                field,
            } if to == self.config.database => {
                let value = self
                    .database
                    .get(&do_id)
                    .and_then(|(_, v)| v.get(&field))
                    .map(|b| FieldValue {
                        number: field,
                        bytes: b.clone(),
                    });
                self.send_ai(
                    ai,
                    self.config.database,
                    Body::DbGetFieldResp { context, value },
                );
            }
            Body::DbSetField { do_id, field } if to == self.config.database => {
                let stored = self.db_values(vec![field]);
                if let Some((_, v)) = self.database.get_mut(&do_id) {
                    v.extend(stored);
                }
            }
            Body::DbSetFields { do_id, fields } if to == self.config.database => {
                let stored = self.db_values(fields);
                if let Some((_, v)) = self.database.get_mut(&do_id) {
                    v.extend(stored);
                }
            }
            other => self.ignored.push(other.msgtype()),
        }
    }

    /// Keeps only `db` fields, as Astron's database server does.
    fn db_values(&self, values: Vec<FieldValue>) -> BTreeMap<u16, Vec<u8>> {
        values
            .into_iter()
            .filter(|v| {
                self.schema
                    .field(v.number)
                    .is_some_and(|f| f.has(FieldFlags::DB))
            })
            .map(|v| (v.number, v.bytes))
            .collect()
    }

    fn create(&mut self, e: ObjectEntry) {
        let Ok(class) = fields::dclass(self.schema, e.class) else {
            return;
        };
        let mut values = BTreeMap::new();
        for f in fields::required_fields(self.schema, class, Visibility::All) {
            values.insert(f.number, f.default.to_vec());
        }
        for v in e.required.iter().chain(e.other.iter().flatten()) {
            values.insert(v.number, v.bytes.clone());
        }
        self.objects.insert(
            e.do_id,
            Obj {
                class: e.class,
                location: e.location,
                fields: values,
                owner: 0,
            },
        );
        if let Some(&ai) = self.ai_of.get(&e.location.parent) {
            self.ai_of.insert(e.do_id, ai);
            self.enter_ai(e.do_id, ai);
        }
        for client in 0..self.sessions.len() {
            if self.sees(client, e.location) {
                self.enter_client(client, e.do_id, Visibility::Client);
            }
        }
    }

    fn relocate(&mut self, do_id: DoId, new: Location) {
        let Some(o) = self.objects.get_mut(&do_id) else {
            return;
        };
        let old = o.location;
        o.location = new;
        let owner = o.owner;
        if let Some(&ai) = self.ai_of.get(&do_id) {
            let body = Body::ChangingLocation { do_id, new, old };
            self.send_ai(ai, channel::object(do_id), body);
        }
        // As Astron's client agent: a visible object that left every interest leaves
        // (an owned session object stays and moves; another session object ejects);
        // otherwise a seen or owned object moves.
        for client in 0..self.sessions.len() {
            let owned = self.sessions[client].channel == owner;
            let session = self.sessions[client].session_objects.contains(&do_id);
            let moved = ClientMessage::Location {
                do_id,
                location: new,
            };
            match (self.sees(client, old), self.sees(client, new)) {
                (true, false) if session && !owned => {
                    let reason = format!(
                        "The session object with id {} has unexpectedly left interest.",
                        do_id.0
                    );
                    self.eject(client, 153, reason)
                }
                (true, false) if !session => {
                    self.send_client(client, &ClientMessage::Leaving { do_id })
                }
                (false, true) if !owned => self.enter_client(client, do_id, Visibility::Client),
                (false, false) if !owned => {}
                _ => self.send_client(client, &moved),
            }
        }
    }

    fn entry(&self, do_id: DoId, vis: Visibility) -> Option<ObjectEntry> {
        let (required, other) = self.values(do_id, vis)?;
        let o = self.objects.get(&do_id)?;
        Some(ObjectEntry {
            do_id,
            location: o.location,
            class: o.class,
            required,
            other: (!other.is_empty()).then_some(other),
        })
    }

    fn enter_ai(&mut self, do_id: DoId, ai: Channel) {
        if let Some(entry) = self.entry(do_id, Visibility::All) {
            self.send_ai(ai, channel::object(do_id), Body::EnterAi(entry));
        }
    }
}
