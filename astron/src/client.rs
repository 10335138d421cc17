//! A sans-IO Astron client session: feed it received bytes, send what it returns.
//!
//! It says hello with the schema hash and the game's version string, sends heartbeats
//! when idle, keeps the objects the client agent shows it (visible objects and owner
//! views) with their field values, tracks interest operations to their completion,
//! and turns an eject into [`AstronError::Ejected`] on every later call.
//!
//! # How a driver feeds it
//!
//! 1. `AstronClient::new` queues the hello; send [`AstronClient::take_output`].
//! 2. On received bytes call [`AstronClient::receive`]; then drain
//!    [`AstronClient::next_event`] and send `take_output`.
//! 3. Call [`AstronClient::poll`] now and then (it queues heartbeats).

use super::client_msg::{ClientMessage, EnterObject};
use super::fields::{self, FieldValue};
use super::frame::{write_frame, FrameDecoder};
use super::{AstronError, AstronResult, EjectCode};
use pipes::ids::{DoId, InterestHandle, Location};
use pipes::schema::{FieldMessage, SchemaInfo};
use pipes::time::Time;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::Duration;

/// Settings of a client session.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Must equal the client agent's `version` setting.
    pub version: String,
    /// The hash sent in HELLO: the schema's DC hash unless the cluster uses `manual_dc_hash`.
    pub dc_hash: u32,
    /// A heartbeat is sent this often whatever else is sent: Astron resets its
    /// heartbeat timeout only on `CLIENT_HEARTBEAT`, not on other traffic.
    pub heartbeat_interval: Duration,
}

impl ClientConfig {
    /// Settings for `schema` with the schema's hash and a 5 s heartbeat.
    pub fn new(schema: &SchemaInfo, version: impl Into<String>) -> Self {
        ClientConfig {
            version: version.into(),
            dc_hash: schema.hash,
            heartbeat_interval: Duration::from_secs(5),
        }
    }
}

/// What happened, for the game.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientEvent {
    /// The client agent accepted the hello (the session is anonymous until the game's
    /// login UberDOG has the AI promote it).
    Connected,
    /// An object (or, with `owner`, an owner view of it) was generated with these values.
    Entered {
        /// The object.
        do_id: DoId,
        /// Its dclass id.
        class: u16,
        /// Where it is.
        location: Location,
        /// True for an owner view.
        owner: bool,
    },
    /// A field update arrived (also for objects the client does not see, such as UberDOGs).
    Updated {
        /// The object.
        do_id: DoId,
        /// The field and value.
        field: FieldValue,
    },
    /// An object moved.
    Moved {
        /// The object.
        do_id: DoId,
        /// Its new location.
        location: Location,
    },
    /// An object left the client's view.
    Left {
        /// The object.
        do_id: DoId,
    },
    /// The client no longer owns the object.
    OwnershipLost {
        /// The object.
        do_id: DoId,
    },
    /// An interest operation completed: every object in it has entered.
    InterestDone {
        /// The interest.
        handle: InterestHandle,
    },
    /// The server opened (or closed, `open == false`) an interest for this client.
    ServerInterest {
        /// The interest id the server chose.
        handle: InterestHandle,
        /// True for open.
        open: bool,
    },
    /// The client agent closed the session.
    Ejected {
        /// The code.
        code: EjectCode,
        /// The reason text.
        reason: String,
    },
}

/// The client's copy of one object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectView {
    /// Its dclass id.
    pub class: u16,
    /// Where it is.
    pub location: Location,
    /// Field values received so far, by field number.
    pub fields: BTreeMap<u16, Vec<u8>>,
    /// Visible through an interest.
    pub visible: bool,
    /// This client owns it (an owner view exists).
    pub owner: bool,
}

impl ObjectView {
    /// The last value of field `M`, decoded; `None` when never received.
    pub fn get<M: FieldMessage>(&self) -> Option<AstronResult<M>> {
        self.fields
            .get(&M::NUMBER)
            .map(|b| M::from_bytes(b).map_err(AstronError::wire(M::NAME)))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum State {
    Hello,
    Open,
    Closed(Option<(EjectCode, String)>),
}

/// A client session with an Astron client agent.
#[derive(Debug)]
pub struct AstronClient {
    schema: &'static SchemaInfo,
    config: ClientConfig,
    state: State,
    decoder: FrameDecoder,
    out: Vec<u8>,
    last_heartbeat: Time,
    events: VecDeque<ClientEvent>,
    objects: BTreeMap<DoId, ObjectView>,
    uberdogs: HashMap<DoId, u16>,
    next_context: u32,
    next_interest: u16,
    pending: HashMap<u32, InterestHandle>,
}

impl AstronClient {
    /// A new session; the hello is queued in the output.
    pub fn new(schema: &'static SchemaInfo, config: ClientConfig, now: Time) -> AstronResult<Self> {
        let mut c = AstronClient {
            schema,
            state: State::Hello,
            decoder: FrameDecoder::new(),
            out: Vec::new(),
            last_heartbeat: now,
            events: VecDeque::new(),
            objects: BTreeMap::new(),
            uberdogs: HashMap::new(),
            next_context: 1,
            next_interest: 1,
            pending: HashMap::new(),
            config,
        };
        let hello = ClientMessage::Hello {
            dc_hash: c.config.dc_hash,
            version: c.config.version.clone(),
        };
        c.queue(&hello, now)?;
        Ok(c)
    }

    /// Declares an UberDOG (a global object at a fixed doId) so field sends to it are
    /// checked against its class.
    pub fn add_uberdog(&mut self, do_id: DoId, class: u16) -> AstronResult<()> {
        fields::dclass(self.schema, class)?;
        self.uberdogs.insert(do_id, class);
        Ok(())
    }

    /// The schema this session packs and checks fields with.
    pub fn schema(&self) -> &'static SchemaInfo {
        self.schema
    }

    /// The DC hash this session said hello with.
    pub fn dc_hash(&self) -> u32 {
        self.config.dc_hash
    }

    /// True once the hello was accepted and until the session closes.
    pub fn is_open(&self) -> bool {
        self.state == State::Open
    }

    /// The eject that ended the session, if any.
    pub fn ejected(&self) -> Option<(EjectCode, &str)> {
        match &self.state {
            State::Closed(Some((code, reason))) => Some((*code, reason)),
            _ => None,
        }
    }

    /// Bytes to send to the client agent (taken; call after every other call).
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }

    /// The next event for the game.
    pub fn next_event(&mut self) -> Option<ClientEvent> {
        self.events.pop_front()
    }

    /// The client's copy of an object.
    pub fn object(&self, do_id: DoId) -> Option<&ObjectView> {
        self.objects.get(&do_id)
    }

    /// Every object the client has, by doId.
    pub fn objects(&self) -> &BTreeMap<DoId, ObjectView> {
        &self.objects
    }

    /// Queues a heartbeat when the configured interval has passed since the last one,
    /// on its own clock: other messages do not count (Astron ejects with 345 otherwise).
    pub fn poll(&mut self, now: Time) -> AstronResult<()> {
        self.check_open("poll")?;
        if now.since(self.last_heartbeat) >= self.config.heartbeat_interval {
            self.queue(&ClientMessage::Heartbeat, now)?;
            self.last_heartbeat = now;
        }
        Ok(())
    }

    /// Sends a field update from the generated type `M`. The client agent decides
    /// whether it may be sent (`clsend`, `ownsend` on owned objects) and ejects the
    /// client otherwise; [`AstronClient::may_send`] predicts that.
    pub fn send_update<M: FieldMessage>(
        &mut self,
        now: Time,
        do_id: DoId,
        msg: &M,
    ) -> AstronResult<()> {
        let value = FieldValue::new(msg)?;
        self.send_field(now, do_id, value)
    }

    /// Sends a packed field value (checked against the object's class when known).
    pub fn send_field(&mut self, now: Time, do_id: DoId, field: FieldValue) -> AstronResult<()> {
        self.check_open("send a field")?;
        if let Some(class) = self.class_of(do_id) {
            let class = fields::dclass(self.schema, class)?;
            fields::check_value(self.schema, class, &field)?;
        }
        self.queue(&ClientMessage::SetField { do_id, field }, now)
    }

    /// Whether the client agent will accept field `M` on this object from this client.
    pub fn may_send<M: FieldMessage>(&self, do_id: DoId) -> bool {
        let owner = self.objects.get(&do_id).is_some_and(|o| o.owner);
        self.schema
            .field(M::NUMBER)
            .is_some_and(|f| f.client_may_send(owner))
    }

    /// Asks to move an owned object (the agent needs `relocate: true`).
    pub fn send_location(
        &mut self,
        now: Time,
        do_id: DoId,
        location: Location,
    ) -> AstronResult<()> {
        self.check_open("relocate")?;
        self.queue(&ClientMessage::Location { do_id, location }, now)
    }

    /// Opens an interest in one zone; [`ClientEvent::InterestDone`] follows the entries.
    pub fn add_interest(&mut self, now: Time, location: Location) -> AstronResult<InterestHandle> {
        self.add_interest_zones(now, location.parent, &[location.zone])
    }

    /// Opens an interest in several zones of one parent.
    pub fn add_interest_zones(
        &mut self,
        now: Time,
        parent: DoId,
        zones: &[u32],
    ) -> AstronResult<InterestHandle> {
        self.check_open("add an interest")?;
        let handle = InterestHandle(self.next_interest);
        let context = self.next_context;
        let msg = match zones {
            [zone] => ClientMessage::AddInterest {
                context,
                interest_id: handle.0,
                location: Location {
                    parent,
                    zone: *zone,
                },
            },
            _ => ClientMessage::AddInterestMultiple {
                context,
                interest_id: handle.0,
                parent,
                zones: zones.to_vec(),
            },
        };
        self.queue(&msg, now)?;
        self.next_interest = self.next_interest.wrapping_add(1).max(1);
        self.next_context = self.next_context.wrapping_add(1).max(1);
        self.pending.insert(context, handle);
        Ok(handle)
    }

    /// Closes an interest; completion is reported like an open.
    pub fn remove_interest(&mut self, now: Time, handle: InterestHandle) -> AstronResult<()> {
        self.check_open("remove an interest")?;
        let context = self.next_context;
        let msg = ClientMessage::RemoveInterest {
            context,
            interest_id: handle.0,
        };
        self.queue(&msg, now)?;
        self.next_context = self.next_context.wrapping_add(1).max(1);
        self.pending.insert(context, handle);
        Ok(())
    }

    /// Closes the session politely.
    pub fn disconnect(&mut self, now: Time) -> AstronResult<()> {
        self.check_open("disconnect")?;
        self.queue(&ClientMessage::Disconnect, now)?;
        self.state = State::Closed(None);
        Ok(())
    }

    /// Handles received bytes. A malformed message closes the session with its error.
    ///
    /// Bytes after an eject are dropped: Astron's client agent can send a second eject
    /// right after the first (observed: 118 "non-sendable field" followed by 106
    /// "Datagram contains excess data", because it stops reading the offending
    /// message half-way); the first one is the reason.
    pub fn receive(&mut self, bytes: &[u8]) -> AstronResult<()> {
        match self.state {
            State::Closed(Some(_)) => return Ok(()),
            State::Closed(None) => return self.check_open("receive"),
            _ => {}
        }
        self.decoder.push(bytes);
        while let Some(body) = self.decoder.next_frame() {
            let handled = ClientMessage::decode(self.schema, &body).and_then(|m| self.handle(m));
            if let Err(e) = handled {
                if !matches!(self.state, State::Closed(_)) {
                    self.state = State::Closed(None);
                }
                return Err(e);
            }
            if let State::Closed(_) = self.state {
                break;
            }
        }
        Ok(())
    }

    fn class_of(&self, do_id: DoId) -> Option<u16> {
        self.objects
            .get(&do_id)
            .map(|o| o.class)
            .or_else(|| self.uberdogs.get(&do_id).copied())
    }

    fn check_open(&self, what: &'static str) -> AstronResult<()> {
        match &self.state {
            State::Open => Ok(()),
            State::Hello => Err(AstronError::State { what }),
            State::Closed(Some((code, reason))) => Err(AstronError::Ejected {
                code: *code,
                reason: reason.clone(),
            }),
            State::Closed(None) => Err(AstronError::State { what }),
        }
    }

    fn queue(&mut self, msg: &ClientMessage, _now: Time) -> AstronResult<()> {
        let body = msg.encode(self.schema)?;
        write_frame(&body, &mut self.out)?;
        Ok(())
    }

    fn handle(&mut self, msg: ClientMessage) -> AstronResult<()> {
        match (&self.state, msg) {
            (_, ClientMessage::Eject { code, reason }) => {
                let code = EjectCode::from_u16(code);
                self.state = State::Closed(Some((code, reason.clone())));
                self.events.push_back(ClientEvent::Ejected { code, reason });
            }
            (State::Hello, ClientMessage::HelloResp) => {
                self.state = State::Open;
                self.events.push_back(ClientEvent::Connected);
            }
            (State::Open, msg) => self.handle_open(msg)?,
            (_, msg) => {
                return Err(AstronError::Unexpected {
                    msgtype: msg.msgtype(),
                    state: "before the hello answer",
                })
            }
        }
        Ok(())
    }

    fn handle_open(&mut self, msg: ClientMessage) -> AstronResult<()> {
        match msg {
            ClientMessage::Enter(e) => self.enter(*e)?,
            ClientMessage::SetField { do_id, field } => self.update(do_id, field)?,
            ClientMessage::SetFields { do_id, fields } => {
                for f in fields {
                    self.update(do_id, f)?;
                }
            }
            ClientMessage::Location { do_id, location } => {
                if let Some(o) = self.objects.get_mut(&do_id) {
                    o.location = location;
                }
                self.events
                    .push_back(ClientEvent::Moved { do_id, location });
            }
            ClientMessage::Leaving { do_id } => {
                self.drop_view(do_id, false);
                self.events.push_back(ClientEvent::Left { do_id });
            }
            ClientMessage::LeavingOwner { do_id } => {
                self.drop_view(do_id, true);
                self.events.push_back(ClientEvent::OwnershipLost { do_id });
            }
            ClientMessage::DoneInterest {
                context,
                interest_id,
            } => {
                let handle = self
                    .pending
                    .remove(&context)
                    .unwrap_or(InterestHandle(interest_id));
                self.events.push_back(ClientEvent::InterestDone { handle });
            }
            ClientMessage::AddInterest { interest_id, .. }
            | ClientMessage::AddInterestMultiple { interest_id, .. } => {
                self.events.push_back(ClientEvent::ServerInterest {
                    handle: InterestHandle(interest_id),
                    open: true,
                });
            }
            ClientMessage::RemoveInterest { interest_id, .. } => {
                self.events.push_back(ClientEvent::ServerInterest {
                    handle: InterestHandle(interest_id),
                    open: false,
                });
            }
            other => {
                return Err(AstronError::Unexpected {
                    msgtype: other.msgtype(),
                    state: "on an open session",
                })
            }
        }
        Ok(())
    }

    fn enter(&mut self, e: EnterObject) -> AstronResult<()> {
        if let Some(known) = self.objects.get(&e.do_id).filter(|o| o.class != e.class) {
            return Err(AstronError::ClassChanged {
                do_id: e.do_id.0,
                known: known.class,
                found: e.class,
            });
        }
        let view = self.objects.entry(e.do_id).or_insert_with(|| ObjectView {
            class: e.class,
            location: e.location,
            fields: BTreeMap::new(),
            visible: false,
            owner: false,
        });
        view.location = e.location;
        if e.owner {
            view.owner = true;
        } else {
            view.visible = true;
        }
        for v in e.required.into_iter().chain(e.other.into_iter().flatten()) {
            view.fields.insert(v.number, v.bytes);
        }
        self.events.push_back(ClientEvent::Entered {
            do_id: e.do_id,
            class: e.class,
            location: e.location,
            owner: e.owner,
        });
        Ok(())
    }

    fn update(&mut self, do_id: DoId, field: FieldValue) -> AstronResult<()> {
        if let Some(class) = self.class_of(do_id) {
            let class = fields::dclass(self.schema, class)?;
            let info = fields::check_value(self.schema, class, &field)?;
            if let Some(view) = self.objects.get_mut(&do_id) {
                if info.is_state() {
                    view.fields.insert(field.number, field.bytes.clone());
                }
            }
        }
        self.events.push_back(ClientEvent::Updated { do_id, field });
        Ok(())
    }

    fn drop_view(&mut self, do_id: DoId, owner: bool) {
        if let Some(view) = self.objects.get_mut(&do_id) {
            if owner {
                view.owner = false;
            } else {
                view.visible = false;
            }
            if !view.owner && !view.visible {
                self.objects.remove(&do_id);
            }
        }
    }
}

#[cfg(test)]
mod heartbeat_tests {
    use super::*;
    use pipes::testing::SCHEMA;

    /// Issue 16: a client that sends something every frame must still heartbeat,
    /// since Astron's timer is reset only by `CLIENT_HEARTBEAT`.
    #[test]
    fn a_busy_client_still_heartbeats_on_its_own_clock() {
        let config = ClientConfig::new(&SCHEMA, "v");
        let interval = config.heartbeat_interval;
        let Ok(mut c) = AstronClient::new(&SCHEMA, config, Time::ZERO) else {
            panic!("client");
        };
        c.state = State::Open; // as after HELLO_RESP
        let mut heartbeats = 0;
        let mut decoder = FrameDecoder::new();
        for step in 0..120u64 {
            let now = Time::ZERO + Duration::from_millis(step * 100);
            // Other traffic every 100 ms (what a walking, chatting client sends).
            assert!(c.queue(&ClientMessage::Disconnect, now).is_ok());
            assert!(c.poll(now).is_ok());
            decoder.push(&c.take_output());
            while let Some(frame) = decoder.next_frame() {
                if matches!(
                    ClientMessage::decode(&SCHEMA, &frame),
                    Ok(ClientMessage::Heartbeat)
                ) {
                    heartbeats += 1;
                }
            }
        }
        // 12 s of traffic with a 5 s interval: heartbeats at 5 s and 10 s.
        assert_eq!(interval, Duration::from_secs(5));
        assert_eq!(heartbeats, 2);
    }
}
