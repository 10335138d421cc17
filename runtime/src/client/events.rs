//! What the client hands to its game, and errors of its API.

use crate::ids::{ClientId, DoId, InterestHandle, Location};
use crate::protocol::{EjectReason, RejectReason, Reliability};
use crate::schema::FieldMessage;
use crate::time::Tick;
use crate::wire::{WireError, WireResult};
use std::fmt;

/// The field numbers of a [`ClientEvent::StateChanged`], in the record's order: a
/// slice to read (`&fields[..]`, `fields.iter()`), kept inline up to six fields so
/// applying a record allocates nothing.
pub type ChangedFields = smallvec::SmallVec<[u16; 6]>;

/// Bytes the driver must send to the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Packet {
    /// One protocol message.
    pub payload: Vec<u8>,
    /// The channel to use.
    pub reliability: Reliability,
}

/// Why the client's session ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientDisconnect {
    /// The hello was refused.
    Rejected(RejectReason),
    /// The server ended the session.
    Ejected {
        /// The reason code.
        reason: EjectReason,
        /// Details from the server.
        detail: String,
    },
    /// The game called [`super::Client::disconnect`].
    Left,
    /// The driver reported the transport lost.
    TransportLost,
    /// Nothing came from the server for `pipes-server-timeout` seconds (it stopped, or
    /// the network between is down); noticed long before the transport's own timeout.
    ServerSilent,
    /// One of the client's own queues overflowed: the game did not poll its events, or
    /// the driver did not send its packets (`queue` names which; `limit` is its bound).
    QueueOverflow {
        /// `"events"` or `"outbound"`.
        queue: &'static str,
        /// The configured bound that was exceeded.
        limit: usize,
    },
}

/// Something the game should know about, in the order it happened.
///
/// Object lifecycle events come in the order `ObjectGenerated`, `ObjectAlive`, then
/// (when it leaves) `ObjectDisabled`, `ObjectDeleted`; state and message events for an
/// object only come between `ObjectAlive` and `ObjectDisabled`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientEvent {
    /// The handshake finished.
    Connected {
        /// The id the server gave us.
        client: ClientId,
    },
    /// The server asks for an answer to this challenge ([`super::Client::answer_auth`]).
    AuthChallenge(Vec<u8>),
    /// The session ended (or never started).
    Disconnected(ClientDisconnect),
    /// An object arrived with its full state (Fresh → Generated).
    ObjectGenerated {
        /// The object.
        object: DoId,
        /// Its dclass id.
        class: u16,
        /// Whether we own it (owner view).
        owned: bool,
    },
    /// The object is announced (Generated → Alive).
    ObjectAlive {
        /// The object.
        object: DoId,
    },
    /// State fields (and maybe the location) changed, as of server tick `tick`. Only
    /// real changes are reported: values resent after a lost ack that equal what the
    /// client has are left out (and no event is raised if nothing changed).
    StateChanged {
        /// The object.
        object: DoId,
        /// The server tick of the new values.
        tick: Tick,
        /// The fields whose value changed.
        fields: ChangedFields,
        /// The new location, if it moved.
        moved: Option<Location>,
    },
    /// The object left the view (Alive → Disabled).
    ObjectDisabled {
        /// The object.
        object: DoId,
    },
    /// The object is gone (Disabled → Deleted).
    ObjectDeleted {
        /// The object.
        object: DoId,
    },
    /// A field message from the server.
    Message {
        /// The object.
        object: DoId,
        /// The field number.
        field: u16,
        /// Packed arguments (validated).
        args: Vec<u8>,
    },
    /// Every object of the interest request `handle` has arrived.
    InterestComplete(InterestHandle),
}

impl ClientEvent {
    /// For a `Message` of field `F`, its unpacked arguments.
    pub fn decode<F: FieldMessage>(&self) -> Option<WireResult<F>> {
        match self {
            ClientEvent::Message { field, args, .. } if *field == F::NUMBER => {
                Some(F::from_bytes(args))
            }
            _ => None,
        }
    }
}

/// Why a client API call was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientError {
    /// The session is not established.
    NotConnected,
    /// We do not see this object.
    UnknownObject(DoId),
    /// No field has this number.
    UnknownField(u16),
    /// The object's class has no such field.
    FieldNotInClass {
        /// The field.
        field: &'static str,
        /// The class.
        class: &'static str,
    },
    /// The field is neither `clsend` nor (for an owned object) `ownsend`.
    NotSendable(&'static str),
    /// The bytes are not one valid value of the field.
    BadValue {
        /// The field.
        field: &'static str,
        /// What is wrong.
        error: WireError,
    },
    /// No challenge is pending.
    NoChallenge,
    /// `max_outbound_packets` field messages already wait for the command rate (the
    /// game sends messages faster than the server lets it, for a long while).
    QueueFull(usize),
    /// An interest request with more locations than one message may carry.
    TooManyLocations {
        /// Locations given.
        given: usize,
        /// The most one request may hold.
        max: usize,
    },
    /// A command for a field without the `command` keyword, or for an object this
    /// client does not own.
    NotCommand(&'static str),
    /// A bound struct ([`crate::bind::Replicated`]) of another class than the object's.
    WrongClass {
        /// The struct's class.
        expected: &'static str,
        /// The object's class.
        actual: &'static str,
    },
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::NotConnected => write!(f, "not connected"),
            ClientError::UnknownObject(id) => write!(f, "no object {}", id.0),
            ClientError::UnknownField(n) => write!(f, "no field {n}"),
            ClientError::FieldNotInClass { field, class } => {
                write!(f, "class {class} has no field {field}")
            }
            ClientError::NotSendable(n) => write!(f, "{n} may not be sent by this client"),
            ClientError::BadValue { field, error } => write!(f, "bad value for {field}: {error}"),
            ClientError::NoChallenge => write!(f, "no authentication challenge pending"),
            ClientError::QueueFull(n) => {
                write!(f, "{n} messages already wait for the command rate")
            }
            ClientError::TooManyLocations { given, max } => {
                write!(
                    f,
                    "{given} interest locations in one request, at most {max}"
                )
            }
            ClientError::NotCommand(n) => {
                write!(
                    f,
                    "{n} is not a command field of an object this client owns"
                )
            }
            ClientError::WrongClass { expected, actual } => {
                write!(f, "expected an object of class {expected}, found {actual}")
            }
        }
    }
}

impl std::error::Error for ClientError {}
