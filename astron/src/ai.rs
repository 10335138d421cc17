//! A sans-IO AI / UberDOG participant on an Astron message director.
//!
//! It subscribes its channel, hangs a post-remove that deletes its objects if it
//! crashes, creates objects in the state server with their required fields, sends
//! field updates from the generated types, manages owners, locations and AI channels,
//! controls client sessions (state, interests, ejects) and calls the database server.
//! Requests that get a reply carry a [`Context`]; the reply arrives as an
//! [`AiEvent`] with the same context (callers map contexts to callbacks or futures).
//!
//! # How a driver feeds it
//!
//! Send [`AstronAi::take_output`] after every call; pass received bytes to
//! [`AstronAi::receive`] and drain [`AstronAi::next_event`].

use super::channel::{self, Channel};
use super::fields::{self, FieldValue};
use super::frame::{write_frame, FrameDecoder};
use super::internal::{Body, InternalMessage, ObjectEntry};
use super::{AstronError, AstronResult};
use pipes::ids::{DoId, Location};
use pipes::schema::{FieldMessage, SchemaInfo};
use std::collections::{BTreeMap, VecDeque};

/// Identifies a request whose reply comes later.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Context(pub u32);

/// A client session's state as the client agent knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientState {
    /// Only HELLO is allowed.
    New = 0,
    /// May talk to anonymous UberDOGs only.
    Anonymous = 1,
    /// Logged in.
    Established = 2,
}

/// Settings of an AI participant.
#[derive(Clone, Debug)]
pub struct AiConfig {
    /// This process's channel (its objects' AI channel, the sender of its messages).
    pub channel: Channel,
    /// The state server's control channel, where objects are created.
    pub state_server: Channel,
    /// The name shown in the message director's logs.
    pub name: String,
}

/// What happened, for the AI's game code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AiEvent {
    /// An object is now managed by this AI (2052/2053), with all its fields.
    Entered(ObjectEntry),
    /// A field update arrived for an object (from a client: `sender` is its channel).
    Updated {
        /// The object.
        do_id: DoId,
        /// Who sent it.
        sender: Channel,
        /// The field and value.
        field: FieldValue,
    },
    /// An object moved.
    Moved {
        /// The object.
        do_id: DoId,
        /// New location.
        new: Location,
        /// Old location.
        old: Location,
    },
    /// An object is no longer managed here (deleted or handed to another AI).
    Left {
        /// The object.
        do_id: DoId,
    },
    /// An object's owner changed.
    OwnerChanged {
        /// The object.
        do_id: DoId,
        /// The new owner channel (0 for none).
        owner: Channel,
    },
    /// A client-agent interest opened for a client completed.
    ClientInterestDone {
        /// The client's channel.
        client: Channel,
        /// The interest id.
        interest_id: u16,
    },
    /// Reply to [`AstronAi::get_all`].
    Object {
        /// The request.
        context: Context,
        /// The object.
        entry: ObjectEntry,
    },
    /// Reply to [`AstronAi::get_field`] or [`AstronAi::db_get_field`] (`None`: failed).
    Field {
        /// The request.
        context: Context,
        /// The value.
        value: Option<FieldValue>,
    },
    /// Reply to [`AstronAi::db_create`] (`None`: failed).
    DbCreated {
        /// The request.
        context: Context,
        /// The new object's doId.
        do_id: Option<DoId>,
    },
    /// Reply to [`AstronAi::db_get_all`] (`None`: no such object).
    DbObject {
        /// The request.
        context: Context,
        /// Its class and stored fields.
        object: Option<(u16, Vec<FieldValue>)>,
    },
    /// Any other message addressed to this participant.
    Other(InternalMessage),
}

/// An object this AI manages, with the latest values it knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AiObject {
    /// Its dclass id.
    pub class: u16,
    /// Where it is.
    pub location: Location,
    /// Known values by field number (entered values and updates since).
    pub fields: BTreeMap<u16, Vec<u8>>,
}

/// An AI / UberDOG participant.
#[derive(Debug)]
pub struct AstronAi {
    schema: &'static SchemaInfo,
    config: AiConfig,
    decoder: FrameDecoder,
    out: Vec<u8>,
    events: VecDeque<AiEvent>,
    objects: BTreeMap<DoId, AiObject>,
    next_context: u32,
}

impl AstronAi {
    /// A new participant. Queues: subscribe to its channel, name the link, and a
    /// post-remove deleting its objects when the link drops.
    pub fn new(schema: &'static SchemaInfo, config: AiConfig) -> AstronResult<Self> {
        let mut ai = AstronAi {
            schema,
            decoder: FrameDecoder::new(),
            out: Vec::new(),
            events: VecDeque::new(),
            objects: BTreeMap::new(),
            next_context: 1,
            config,
        };
        ai.subscribe(ai.config.channel)?;
        ai.send(InternalMessage::control(Body::SetConName(
            ai.config.name.clone(),
        )))?;
        let cleanup = InternalMessage::to(
            ai.config.state_server,
            ai.config.channel,
            Body::DeleteAiObjects(ai.config.channel),
        );
        ai.add_post_remove(&cleanup)?;
        Ok(ai)
    }

    /// This participant's channel.
    pub fn channel(&self) -> Channel {
        self.config.channel
    }

    /// Bytes to send to the message director (taken).
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }

    /// The next event.
    pub fn next_event(&mut self) -> Option<AiEvent> {
        self.events.pop_front()
    }

    /// An object this AI manages.
    pub fn object(&self, do_id: DoId) -> Option<&AiObject> {
        self.objects.get(&do_id)
    }

    /// Queues any internal message.
    pub fn send(&mut self, msg: InternalMessage) -> AstronResult<()> {
        let body = msg.encode(self.schema)?;
        write_frame(&body, &mut self.out)
    }

    fn to(&mut self, recipient: Channel, body: Body) -> AstronResult<()> {
        self.send(InternalMessage::to(recipient, self.config.channel, body))
    }

    fn context(&mut self) -> Context {
        let c = Context(self.next_context);
        self.next_context = self.next_context.wrapping_add(1).max(1);
        c
    }

    // ---------------------------------------------------------------- channels

    /// Subscribes to a channel.
    pub fn subscribe(&mut self, channel: Channel) -> AstronResult<()> {
        self.send(InternalMessage::control(Body::AddChannel(channel)))
    }

    /// Unsubscribes from a channel.
    pub fn unsubscribe(&mut self, channel: Channel) -> AstronResult<()> {
        self.send(InternalMessage::control(Body::RemoveChannel(channel)))
    }

    /// Has the message director send `msg` if this link drops.
    pub fn add_post_remove(&mut self, msg: &InternalMessage) -> AstronResult<()> {
        let datagram = msg.encode(self.schema)?;
        self.send(InternalMessage::control(Body::AddPostRemove {
            owner: self.config.channel,
            datagram,
        }))
    }

    /// Drops every post-remove of this participant.
    pub fn clear_post_removes(&mut self) -> AstronResult<()> {
        self.send(InternalMessage::control(Body::ClearPostRemoves {
            owner: self.config.channel,
        }))
    }

    // ---------------------------------------------------------------- objects

    /// Creates an object in the state server. `required` values not given take the
    /// schema defaults; `other` holds `ram` fields to set too.
    pub fn create_object(
        &mut self,
        do_id: DoId,
        location: Location,
        class: u16,
        required: &[FieldValue],
        other: &[FieldValue],
    ) -> AstronResult<()> {
        let info = fields::dclass(self.schema, class)?;
        for v in required.iter().chain(other) {
            fields::check_value(self.schema, info, v)?;
        }
        let entry = ObjectEntry {
            do_id,
            location,
            class,
            required: required.to_vec(),
            other: (!other.is_empty()).then(|| other.to_vec()),
        };
        self.to(self.config.state_server, Body::CreateObject(entry))
    }

    /// Makes `ai` (usually [`AstronAi::channel`]) the object's AI channel.
    pub fn set_ai(&mut self, do_id: DoId, ai: Channel) -> AstronResult<()> {
        self.to(channel::object(do_id), Body::SetAi(ai))
    }

    /// Sets the object's owner (a client's session channel, 0 for none).
    pub fn set_owner(&mut self, do_id: DoId, owner: Channel) -> AstronResult<()> {
        self.to(channel::object(do_id), Body::SetOwner(owner))
    }

    /// Moves the object.
    pub fn set_location(&mut self, do_id: DoId, location: Location) -> AstronResult<()> {
        self.to(channel::object(do_id), Body::SetLocation(location))
    }

    /// Deletes the object.
    pub fn delete_object(&mut self, do_id: DoId) -> AstronResult<()> {
        self.to(channel::object(do_id), Body::DeleteRam { do_id })
    }

    /// Sends a field update from the generated type `M` to the object; the state server
    /// stores and routes it by its keywords.
    pub fn send_update<M: FieldMessage>(&mut self, do_id: DoId, msg: &M) -> AstronResult<()> {
        self.send_update_to(channel::object(do_id), do_id, msg)
    }

    /// Sends a field update of `do_id` to another channel, e.g. a client's session
    /// channel for a private reply.
    pub fn send_update_to<M: FieldMessage>(
        &mut self,
        to: Channel,
        do_id: DoId,
        msg: &M,
    ) -> AstronResult<()> {
        let field = FieldValue::new(msg)?;
        if let Some(class) = self.objects.get(&do_id).map(|o| o.class) {
            fields::check_value(self.schema, fields::dclass(self.schema, class)?, &field)?;
        }
        self.to(to, Body::SetField { do_id, field })
    }

    /// Asks the object for all its fields; answered by [`AiEvent::Object`].
    pub fn get_all(&mut self, do_id: DoId) -> AstronResult<Context> {
        let context = self.context();
        self.to(
            channel::object(do_id),
            Body::GetAll {
                context: context.0,
                do_id,
            },
        )?;
        Ok(context)
    }

    /// Asks the object for one field; answered by [`AiEvent::Field`].
    pub fn get_field(&mut self, do_id: DoId, field: u16) -> AstronResult<Context> {
        let context = self.context();
        self.to(
            channel::object(do_id),
            Body::GetField {
                context: context.0,
                do_id,
                field,
            },
        )?;
        Ok(context)
    }

    // ---------------------------------------------------------------- clients

    /// Sets a client's session state (login: [`ClientState::Established`]).
    pub fn client_set_state(&mut self, client: Channel, state: ClientState) -> AstronResult<()> {
        self.to(client, Body::ClientSetState(state as u16))
    }

    /// Ejects a client with a code and reason.
    pub fn client_eject(&mut self, client: Channel, code: u16, reason: &str) -> AstronResult<()> {
        self.to(
            client,
            Body::ClientEject {
                code,
                reason: reason.to_owned(),
            },
        )
    }

    /// Opens an interest for a client; [`AiEvent::ClientInterestDone`] follows.
    pub fn client_add_interest(
        &mut self,
        client: Channel,
        interest_id: u16,
        location: Location,
    ) -> AstronResult<()> {
        self.to(
            client,
            Body::ClientAddInterest {
                interest_id,
                location,
            },
        )
    }

    /// Closes an interest the server opened for a client.
    pub fn client_remove_interest(
        &mut self,
        client: Channel,
        interest_id: u16,
    ) -> AstronResult<()> {
        self.to(client, Body::ClientRemoveInterest { interest_id })
    }

    /// Ties an object to a client's session (deleted when it leaves).
    pub fn client_add_session_object(&mut self, client: Channel, do_id: DoId) -> AstronResult<()> {
        self.to(client, Body::ClientAddSessionObject { do_id })
    }

    /// Lets a client send to an object it cannot see.
    pub fn client_declare_object(
        &mut self,
        client: Channel,
        do_id: DoId,
        class: u16,
    ) -> AstronResult<()> {
        self.to(client, Body::ClientDeclareObject { do_id, class })
    }

    /// Overrides which fields of an object a client may send.
    pub fn client_set_fields_sendable(
        &mut self,
        client: Channel,
        do_id: DoId,
        fields: &[u16],
    ) -> AstronResult<()> {
        self.to(
            client,
            Body::ClientSetFieldsSendable {
                do_id,
                fields: fields.to_vec(),
            },
        )
    }

    // ---------------------------------------------------------------- database

    /// Creates a stored object; answered by [`AiEvent::DbCreated`].
    pub fn db_create(
        &mut self,
        database: Channel,
        class: u16,
        values: &[FieldValue],
    ) -> AstronResult<Context> {
        let info = fields::dclass(self.schema, class)?;
        for v in values {
            fields::check_value(self.schema, info, v)?;
        }
        let context = self.context();
        self.to(
            database,
            Body::DbCreate {
                context: context.0,
                class,
                fields: values.to_vec(),
            },
        )?;
        Ok(context)
    }

    /// Reads a stored object; answered by [`AiEvent::DbObject`].
    pub fn db_get_all(&mut self, database: Channel, do_id: DoId) -> AstronResult<Context> {
        let context = self.context();
        self.to(
            database,
            Body::DbGetAll {
                context: context.0,
                do_id,
            },
        )?;
        Ok(context)
    }

    /// Reads one stored field; answered by [`AiEvent::Field`].
    pub fn db_get_field(
        &mut self,
        database: Channel,
        do_id: DoId,
        field: u16,
    ) -> AstronResult<Context> {
        let context = self.context();
        self.to(
            database,
            Body::DbGetField {
                context: context.0,
                do_id,
                field,
            },
        )?;
        Ok(context)
    }

    /// Writes stored fields.
    pub fn db_set_fields(
        &mut self,
        database: Channel,
        do_id: DoId,
        values: &[FieldValue],
    ) -> AstronResult<()> {
        let body = match values {
            [one] => Body::DbSetField {
                do_id,
                field: one.clone(),
            },
            _ => Body::DbSetFields {
                do_id,
                fields: values.to_vec(),
            },
        };
        self.to(database, body)
    }

    /// Activates a stored object in the DBSS at a location.
    pub fn activate(&mut self, do_id: DoId, location: Location) -> AstronResult<()> {
        self.to(
            channel::object(do_id),
            Body::ActivateWithDefaults { do_id, location },
        )
    }

    // ---------------------------------------------------------------- receiving

    /// Handles received bytes; stops at the first malformed message and returns its error.
    pub fn receive(&mut self, bytes: &[u8]) -> AstronResult<()> {
        self.decoder.push(bytes);
        while let Some(body) = self.decoder.next_frame() {
            let msg = InternalMessage::decode(self.schema, &body)?;
            self.handle(msg);
        }
        Ok(())
    }

    fn handle(&mut self, msg: InternalMessage) {
        let event = match msg.body {
            Body::EnterAi(entry) => {
                let mut fields = BTreeMap::new();
                for v in entry.required.iter().chain(entry.other.iter().flatten()) {
                    fields.insert(v.number, v.bytes.clone());
                }
                self.objects.insert(
                    entry.do_id,
                    AiObject {
                        class: entry.class,
                        location: entry.location,
                        fields,
                    },
                );
                AiEvent::Entered(entry)
            }
            Body::SetField { do_id, field } => {
                self.store(do_id, &field);
                AiEvent::Updated {
                    do_id,
                    sender: msg.sender,
                    field,
                }
            }
            Body::SetFields { do_id, fields } => {
                for field in fields {
                    self.store(do_id, &field);
                    self.events.push_back(AiEvent::Updated {
                        do_id,
                        sender: msg.sender,
                        field,
                    });
                }
                return;
            }
            Body::ChangingLocation { do_id, new, old } => {
                if let Some(o) = self.objects.get_mut(&do_id) {
                    o.location = new;
                }
                AiEvent::Moved { do_id, new, old }
            }
            Body::ChangingAi { do_id, new, .. } if new != self.config.channel => {
                self.objects.remove(&do_id);
                AiEvent::Left { do_id }
            }
            Body::DeleteRam { do_id } => {
                self.objects.remove(&do_id);
                AiEvent::Left { do_id }
            }
            Body::ChangingOwner { do_id, new, .. } => AiEvent::OwnerChanged { do_id, owner: new },
            Body::ClientDoneInterestResp {
                client,
                interest_id,
            } => AiEvent::ClientInterestDone {
                client,
                interest_id,
            },
            Body::GetAllResp { context, entry } => AiEvent::Object {
                context: Context(context),
                entry,
            },
            Body::GetFieldResp { context, value } | Body::DbGetFieldResp { context, value } => {
                AiEvent::Field {
                    context: Context(context),
                    value,
                }
            }
            Body::DbCreateResp { context, do_id } => AiEvent::DbCreated {
                context: Context(context),
                do_id,
            },
            Body::DbGetAllResp { context, object } => AiEvent::DbObject {
                context: Context(context),
                object,
            },
            body => AiEvent::Other(InternalMessage { body, ..msg }),
        };
        self.events.push_back(event);
    }

    fn store(&mut self, do_id: DoId, field: &FieldValue) {
        let is_state = self
            .schema
            .field(field.number)
            .is_some_and(|f| f.is_state());
        if let Some(o) = self.objects.get_mut(&do_id) {
            if is_state {
                o.fields.insert(field.number, field.bytes.clone());
            }
        }
    }
}

impl From<AstronError> for std::io::Error {
    fn from(e: AstronError) -> Self {
        std::io::Error::new(std::io::ErrorKind::InvalidData, e)
    }
}
