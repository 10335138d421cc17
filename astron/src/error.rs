//! Errors of the Astron layer, and the eject codes a client agent sends.

use pipes::wire::WireError;
use std::fmt;

/// Why an Astron message could not be encoded, decoded or handled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AstronError {
    /// A value or message body is malformed (`context` names the message).
    Wire {
        /// The message or section being read or written.
        context: &'static str,
        /// The underlying error.
        error: WireError,
    },
    /// A message is longer than a `uint16` length prefix allows.
    TooLarge {
        /// Its length in bytes.
        len: usize,
    },
    /// A message type this side does not understand.
    UnknownMessage {
        /// The message type found.
        msgtype: u16,
    },
    /// A known message type that this side does not accept now (a client-bound
    /// message before the hello answer, a second hello answer, or a message only a
    /// client sends).
    Unexpected {
        /// The message type found.
        msgtype: u16,
        /// The state it arrived in.
        state: &'static str,
    },
    /// An object that is already known entered again with another dclass (a doId's
    /// class is fixed while any view of it exists).
    ClassChanged {
        /// The object.
        do_id: u32,
        /// The dclass it has.
        known: u16,
        /// The dclass the message claims.
        found: u16,
    },
    /// A dclass id that is not in the schema (or is a struct).
    UnknownClass {
        /// The id found.
        class: u16,
    },
    /// A field number that is not in the schema or not in the object's class.
    UnknownField {
        /// The field number.
        field: u16,
        /// The class it was used with, when known.
        class: Option<u16>,
    },
    /// A doId this side has no object for.
    UnknownObject {
        /// The doId.
        do_id: u32,
    },
    /// A required field of a class was not supplied and has no default.
    MissingRequired {
        /// The field number.
        field: u16,
    },
    /// The client agent ejected the client; the session is over.
    Ejected {
        /// The eject code.
        code: EjectCode,
        /// The reason text from the client agent.
        reason: String,
    },
    /// The session is not in a state that allows this call.
    State {
        /// What was attempted.
        what: &'static str,
    },
}

/// Result of the Astron layer.
pub type AstronResult<T> = Result<T, AstronError>;

impl AstronError {
    pub(crate) fn wire(context: &'static str) -> impl FnOnce(WireError) -> AstronError {
        move |error| AstronError::Wire { context, error }
    }
}

impl fmt::Display for AstronError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AstronError::Wire { context, error } => write!(f, "{context}: {error}"),
            AstronError::TooLarge { len } => {
                write!(f, "message of {len} bytes exceeds the 65535-byte limit")
            }
            AstronError::UnknownMessage { msgtype } => write!(f, "unknown message type {msgtype}"),
            AstronError::Unexpected { msgtype, state } => {
                write!(f, "message type {msgtype} not expected {state}")
            }
            AstronError::ClassChanged {
                do_id,
                known,
                found,
            } => write!(
                f,
                "object {do_id} of dclass {known} entered again as dclass {found}"
            ),
            AstronError::UnknownClass { class } => write!(f, "no dclass with id {class}"),
            AstronError::UnknownField { field, class } => match class {
                Some(c) => write!(f, "dclass {c} has no field number {field}"),
                None => write!(f, "no field number {field}"),
            },
            AstronError::UnknownObject { do_id } => write!(f, "no object with doId {do_id}"),
            AstronError::MissingRequired { field } => {
                write!(f, "required field {field} missing and has no default")
            }
            AstronError::Ejected { code, reason } => {
                write!(f, "ejected by the client agent ({code}): {reason}")
            }
            AstronError::State { what } => write!(f, "not allowed in this state: {what}"),
        }
    }
}

impl std::error::Error for AstronError {}

/// A `CLIENT_EJECT` code (`Astron:src/clientagent/ClientMessages.h`), typed where known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EjectCode {
    /// 1: generic (capacity reached, unknown interest removed, ...).
    Generic,
    /// 100: logged in elsewhere (game use).
    LoggedInElsewhere,
    /// 106: oversized datagram or trailing bytes after a message.
    OversizedDatagram,
    /// 107: first message was not HELLO.
    NoHello,
    /// 108: message type not allowed in this state, or unknown.
    InvalidMsgtype,
    /// 109: truncated datagram.
    TruncatedDatagram,
    /// 113: anonymous client wrote to a non-anonymous object.
    AnonymousViolation,
    /// 115: interest operation forbidden.
    ForbiddenInterest,
    /// 117: unknown or unseen object.
    MissingObject,
    /// 118: field not sendable by this client, or not in the class.
    ForbiddenField,
    /// 119: relocation forbidden.
    ForbiddenRelocate,
    /// 122: login rejected (game use).
    LoginRejected,
    /// 124: wrong version string.
    BadVersion,
    /// 125: wrong DC hash.
    BadDcHash,
    /// 126: administrative violation (game use).
    AdminViolation,
    /// 127: field value outside its declared range.
    FieldConstraintViolation,
    /// 151: kicked (game use).
    Kicked,
    /// 152: banned (game use).
    Banned,
    /// 153: a session object was deleted or left.
    SessionObjectDeleted,
    /// 154: maintenance (game use).
    Maintenance,
    /// 345: no heartbeat in time.
    HeartbeatTimeout,
    /// 347: network write error.
    NetworkWriteError,
    /// 348: network read error.
    NetworkReadError,
    /// Any other code.
    Other(u16),
}

const CODES: &[(u16, EjectCode)] = &[
    (1, EjectCode::Generic),
    (100, EjectCode::LoggedInElsewhere),
    (106, EjectCode::OversizedDatagram),
    (107, EjectCode::NoHello),
    (108, EjectCode::InvalidMsgtype),
    (109, EjectCode::TruncatedDatagram),
    (113, EjectCode::AnonymousViolation),
    (115, EjectCode::ForbiddenInterest),
    (117, EjectCode::MissingObject),
    (118, EjectCode::ForbiddenField),
    (119, EjectCode::ForbiddenRelocate),
    (122, EjectCode::LoginRejected),
    (124, EjectCode::BadVersion),
    (125, EjectCode::BadDcHash),
    (126, EjectCode::AdminViolation),
    (127, EjectCode::FieldConstraintViolation),
    (151, EjectCode::Kicked),
    (152, EjectCode::Banned),
    (153, EjectCode::SessionObjectDeleted),
    (154, EjectCode::Maintenance),
    (345, EjectCode::HeartbeatTimeout),
    (347, EjectCode::NetworkWriteError),
    (348, EjectCode::NetworkReadError),
];

impl EjectCode {
    /// The typed code for a number.
    pub fn from_u16(code: u16) -> EjectCode {
        CODES
            .iter()
            .find(|(n, _)| *n == code)
            .map_or(EjectCode::Other(code), |(_, c)| *c)
    }

    /// The number on the wire.
    pub fn as_u16(self) -> u16 {
        match self {
            EjectCode::Other(n) => n,
            known => CODES
                .iter()
                .find(|(_, c)| *c == known)
                .map_or(0, |(n, _)| *n),
        }
    }
}

impl fmt::Display for EjectCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {:?}", self.as_u16(), self)
    }
}
