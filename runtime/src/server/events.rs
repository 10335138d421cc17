//! What the server hands back to its driver and game: transmits, events, hook calls.

use crate::ids::{ClientId, ConnectionId, DoId, Location};
use crate::protocol::{EjectReason, LeaveReason, RejectReason, Reliability};
use crate::schema::FieldMessage;
use crate::wire::WireResult;

/// Bytes the driver must send on a connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transmit {
    /// The connection.
    pub connection: ConnectionId,
    /// One protocol message.
    pub payload: Vec<u8>,
    /// The channel to use.
    pub reliability: Reliability,
    /// Close the connection once this message is delivered (reject, ejection).
    pub close_after: bool,
}

/// Why a client is gone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DisconnectReason {
    /// The client said goodbye, with the reason it gave (see
    /// [`crate::client::Client::disconnect_with_reason`]).
    Left(LeaveReason),
    /// The driver reported the connection lost.
    TransportLost,
    /// The server ejected it (protocol or security violation, kick, overflow).
    Ejected(EjectReason),
}

impl std::fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DisconnectReason::Left(why) => write!(f, "left ({why})"),
            DisconnectReason::TransportLost => write!(f, "lost its connection"),
            DisconnectReason::Ejected(why) => write!(f, "ejected ({why})"),
        }
    }
}

/// Something the game should know about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerEvent {
    /// A client finished the handshake.
    ClientConnected {
        /// Its id.
        client: ClientId,
        /// Its connection.
        connection: ConnectionId,
        /// Who it is, as [`Hooks::verify`] established it (a player or account name);
        /// `None` without authentication.
        identity: Option<String>,
    },
    /// A connection's hello was refused.
    ClientRejected {
        /// The connection.
        connection: ConnectionId,
        /// Why.
        reason: RejectReason,
    },
    /// A connected client is gone (its owned objects were handled already).
    ClientDisconnected {
        /// Its id.
        client: ClientId,
        /// Why.
        reason: DisconnectReason,
    },
    /// A client sent a field message that passed every check.
    Message {
        /// The sender.
        client: ClientId,
        /// The object.
        object: DoId,
        /// The field number.
        field: u16,
        /// Packed arguments, validated against the field.
        args: Vec<u8>,
    },
}

impl ServerEvent {
    /// For a `Message` of field `F`, its unpacked arguments.
    pub fn decode<F: FieldMessage>(&self) -> Option<WireResult<F>> {
        match self {
            ServerEvent::Message { field, args, .. } if *field == F::NUMBER => {
                Some(F::from_bytes(args))
            }
            _ => None,
        }
    }
}

/// Who receives a server message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// One client (any message field; the client must see the object).
    Client(ClientId),
    /// The object's owner (`ownrecv` or `broadcast` fields).
    Owner,
    /// Every client that sees the object (`broadcast` fields), optionally but one.
    Broadcast {
        /// A client left out (typically the sender of what is being relayed).
        except: Option<ClientId>,
    },
}

/// What the server knows about a hello when it asks the game.
#[derive(Clone, Debug, PartialEq)]
pub struct HelloInfo {
    /// The connection.
    pub connection: ConnectionId,
    /// The password given.
    pub password: String,
}

/// The game's admission and authentication policy. Every method has a permissive default.
///
/// Order for a hello: version, schema hash, capacity and password checks, then
/// [`Hooks::admit`], then, when [`Hooks::challenge`] returns bytes, one round trip
/// (challenge → client answer → [`Hooks::verify`]) before the client is accepted.
pub trait Hooks: Send {
    /// Admit or refuse (ban list, maintenance); `Err` is sent as [`RejectReason::Banned`].
    fn admit(&mut self, hello: &HelloInfo) -> Result<(), String> {
        let _ = hello;
        Ok(())
    }

    /// Bytes to challenge the client with, or `None` to accept without authentication.
    fn challenge(&mut self, connection: ConnectionId) -> Option<Vec<u8>> {
        let _ = connection;
        None
    }

    /// Judge the client's answer: `Ok` with who the client is (handed to the game in
    /// [`ServerEvent::ClientConnected`], so it need not share state with its hooks),
    /// or `Err`, sent as [`RejectReason::AuthFailed`].
    fn verify(
        &mut self,
        connection: ConnectionId,
        challenge: &[u8],
        response: &[u8],
    ) -> Result<Option<String>, String> {
        let _ = (connection, challenge, response);
        Ok(None)
    }

    /// Whether a client may watch a location (refusal ejects with `BadInterest`).
    fn allow_interest(&mut self, client: ClientId, location: Location) -> bool {
        let _ = (client, location);
        true
    }
}

/// The default policy: everyone who passes the built-in checks is admitted.
#[derive(Debug, Default)]
pub struct OpenDoor;
impl Hooks for OpenDoor {}
