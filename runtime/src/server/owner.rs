//! Applying a client's update of a state field of an object it owns, with an outcome
//! instead of an error: a client's message can be refused, but never ends the server.

use super::error::ServerError;
use super::Server;
use crate::ids::{ClientId, DoId};
use crate::schema::FieldKind;
use std::fmt;

/// What became of an owner's state update ([`Server::apply_owner_update`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub enum OwnerUpdate {
    /// The field was set; `changed` is false when it already had that value.
    Applied {
        /// Whether the value changed.
        changed: bool,
    },
    /// The update was not applied; the server and the session go on.
    Refused(Refusal),
}

/// Why an owner's update was not applied. None of these is a server failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The object is gone (deleted, or its owner left).
    ObjectGone(DoId),
    /// The sender does not own the object.
    NotOwner {
        /// The sender.
        client: ClientId,
        /// The object.
        object: DoId,
    },
    /// The field is a message, not state (an `ownsend` field without `ram`, such as an
    /// emote): the game handles it itself, e.g. relays it with [`Server::send`].
    NotState(&'static str),
    /// A molecular field: its atomic fields carry the state; send those.
    Molecular(&'static str),
    /// Any other check of [`Server::set_field`] failed.
    Invalid(ServerError),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::ObjectGone(id) => write!(f, "object {} is gone", id.0),
            Refusal::NotOwner { client, object } => {
                write!(f, "client {} does not own object {}", client.0, object.0)
            }
            Refusal::NotState(n) => write!(f, "{n} is a message field, not state"),
            Refusal::Molecular(n) => write!(f, "{n} is molecular: set its atomic fields"),
            Refusal::Invalid(e) => e.fmt(f),
        }
    }
}

impl Server {
    /// [`Server::apply_owner_update`] for a [`super::ServerEvent::Message`]; `None` for
    /// any other event. The one call a game loop needs for owner-controlled state.
    pub fn apply_owner_message(&mut self, event: &super::ServerEvent) -> Option<OwnerUpdate> {
        let super::ServerEvent::Message {
            client,
            object,
            field,
            args,
        } = event
        else {
            return None;
        };
        Some(self.apply_owner_update(*client, *object, *field, args))
    }

    /// Applies a state field `client` sent for `object` (the fields of a
    /// [`super::ServerEvent::Message`]) when `client` owns the object and the field is
    /// state; otherwise says why not. Use it for `ownsend ram` fields the owner
    /// controls (position, heading): unlike `set_field(...)?`, a message field or a
    /// vanished object cannot end the game loop.
    pub fn apply_owner_update(
        &mut self,
        client: ClientId,
        object: DoId,
        field: u16,
        args: &[u8],
    ) -> OwnerUpdate {
        let Some(obj) = self.objects.get(object) else {
            return OwnerUpdate::Refused(Refusal::ObjectGone(object));
        };
        if obj.owner != Some(client) {
            return OwnerUpdate::Refused(Refusal::NotOwner { client, object });
        }
        if let Some(f) = self.schema.field(field) {
            if f.kind == FieldKind::Molecular {
                return OwnerUpdate::Refused(Refusal::Molecular(f.name));
            }
        }
        match self.set_field(object, field, args) {
            Ok(changed) => OwnerUpdate::Applied { changed },
            Err(ServerError::NotStateField(name)) => OwnerUpdate::Refused(Refusal::NotState(name)),
            Err(ServerError::UnknownObject(id)) => OwnerUpdate::Refused(Refusal::ObjectGone(id)),
            Err(e) => OwnerUpdate::Refused(Refusal::Invalid(e)),
        }
    }
}
