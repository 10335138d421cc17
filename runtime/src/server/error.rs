//! Errors of the server's game-facing API (misuse, not network input).

use crate::ids::{ClientId, DoId};
use crate::wire::WireError;
use std::fmt;

/// Why a server API call was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerError {
    /// No object has this id.
    UnknownObject(DoId),
    /// No class has this id.
    UnknownClass(u16),
    /// The id names a struct, which cannot be an object.
    NotAClass(&'static str),
    /// No field has this number.
    UnknownField(u16),
    /// The object's class has no such field.
    FieldNotInClass {
        /// The field.
        field: &'static str,
        /// The class.
        class: &'static str,
    },
    /// The field is not state (`ram`/`required`): send it as a message instead.
    NotStateField(&'static str),
    /// The field is state: set it instead of sending it.
    StateField(&'static str),
    /// Lag-compensation history keeps fixed-size fields only (positions, angles).
    NotFixedSize(&'static str),
    /// The bytes are not exactly one valid value of the field.
    BadValue {
        /// The field.
        field: &'static str,
        /// What is wrong.
        error: WireError,
    },
    /// A broadcast of a field without `broadcast`.
    NotBroadcast(&'static str),
    /// A message to the owner of a field without `ownrecv` or `broadcast`.
    NotOwnerReceivable(&'static str),
    /// A message to the owner of an object without one.
    NoOwner(DoId),
    /// A message to a client that does not see the object.
    NotVisible {
        /// The client.
        client: ClientId,
        /// The object.
        object: DoId,
    },
    /// No connected client has this id.
    UnknownClient(ClientId),
    /// A bound struct ([`crate::bind::Replicated`]) of another class than the object's,
    /// or than the schema has under the struct's class id.
    WrongClass {
        /// The class the struct (or the call) expected.
        expected: &'static str,
        /// The class found.
        actual: &'static str,
    },
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerError::UnknownObject(id) => write!(f, "no object {}", id.0),
            ServerError::UnknownClass(c) => write!(f, "no class {c}"),
            ServerError::NotAClass(n) => write!(f, "{n} is a struct, not a dclass"),
            ServerError::UnknownField(n) => write!(f, "no field {n}"),
            ServerError::FieldNotInClass { field, class } => {
                write!(f, "class {class} has no field {field}")
            }
            ServerError::NotStateField(n) => write!(f, "{n} is not a ram/required field"),
            ServerError::StateField(n) => write!(f, "{n} is a state field: set it instead"),
            ServerError::NotFixedSize(n) => {
                write!(f, "{n} has no fixed size: history keeps fixed-size fields")
            }
            ServerError::BadValue { field, error } => write!(f, "bad value for {field}: {error}"),
            ServerError::NotBroadcast(n) => write!(f, "{n} is not a broadcast field"),
            ServerError::NotOwnerReceivable(n) => write!(f, "{n} is neither ownrecv nor broadcast"),
            ServerError::NoOwner(id) => write!(f, "object {} has no owner", id.0),
            ServerError::NotVisible { client, object } => {
                write!(f, "client {} does not see object {}", client.0, object.0)
            }
            ServerError::UnknownClient(c) => write!(f, "no client {}", c.0),
            ServerError::WrongClass { expected, actual } => {
                write!(f, "expected an object of class {expected}, found {actual}")
            }
        }
    }
}

impl std::error::Error for ServerError {}
