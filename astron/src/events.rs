//! The Astron client's events in the shape of [`pipes::client::ClientEvent`], so game
//! code written against the pipes client's object lifecycle runs unchanged on Astron.
//!
//! [`PipesEvents`] turns each [`ClientEvent`] of an [`AstronClient`] into zero or more
//! pipes events, keeping the order rules of the pipes client: `ObjectGenerated` then
//! `ObjectAlive` once per object, `StateChanged` / `Message` only in between, then
//! `ObjectDisabled` and `ObjectDeleted` when the client has no view of it left (an
//! owner view that outlives the visible one keeps the object alive, and vice versa).
//!
//! What differs from the pipes server, and how it is mapped:
//!
//! * Astron has no ticks: `StateChanged::tick` counts the state changes received
//!   (1, 2, ...), so it still orders changes.
//! * The client never learns its session channel: `Connected::client` is `ClientId(0)`.
//! * Updates of fields that are not state (`ram`/`required`), and any update for an
//!   object the client has no view of (UberDOGs), are `Message`s.
//! * An eject is `Disconnected(Ejected { .. })` with the nearest pipes reason and the
//!   Astron code and text in `detail`; the hello refusals (124 version, 125 DC hash) are
//!   `Disconnected(Rejected(..))`.

use super::client::{AstronClient, ClientEvent};
use super::EjectCode;
use pipes::client::{ChangedFields, ClientDisconnect, ClientEvent as PipesEvent};
use pipes::ids::{ClientId, DoId};
use pipes::protocol::{EjectReason, RejectReason};
use pipes::time::Tick;
use std::collections::{BTreeSet, VecDeque};

/// Translates an [`AstronClient`]'s events into pipes client events.
///
/// Call [`PipesEvents::next`] instead of [`AstronClient::next_event`] (both drain the
/// same queue).
#[derive(Debug, Default)]
pub struct PipesEvents {
    alive: BTreeSet<DoId>,
    ready: VecDeque<PipesEvent>,
    changes: u32,
}

impl PipesEvents {
    /// A translator that has seen no object yet.
    pub fn new() -> Self {
        PipesEvents::default()
    }

    /// The next pipes event of `client`, translating its queued Astron events.
    pub fn next(&mut self, client: &mut AstronClient) -> Option<PipesEvent> {
        // Each Astron event yields at most two pipes events; some yield none, so the
        // loop is bounded by the client's queue.
        while self.ready.is_empty() {
            let event = client.next_event()?;
            self.translate(client, event);
        }
        self.ready.pop_front()
    }

    /// Objects announced (`ObjectAlive`) and not yet deleted.
    pub fn alive(&self) -> impl Iterator<Item = DoId> + '_ {
        self.alive.iter().copied()
    }

    fn tick(&mut self) -> Tick {
        self.changes = self.changes.wrapping_add(1);
        Tick(self.changes)
    }

    fn gone(&mut self, client: &AstronClient, object: DoId) {
        if client.object(object).is_none() && self.alive.remove(&object) {
            self.ready.push_back(PipesEvent::ObjectDisabled { object });
            self.ready.push_back(PipesEvent::ObjectDeleted { object });
        }
    }

    fn translate(&mut self, client: &AstronClient, event: ClientEvent) {
        match event {
            ClientEvent::Connected => self.ready.push_back(PipesEvent::Connected {
                client: ClientId(0),
            }),
            ClientEvent::Entered {
                do_id,
                class,
                owner,
                ..
            } => {
                if self.alive.insert(do_id) {
                    let owned = owner || client.object(do_id).is_some_and(|o| o.owner);
                    self.ready.push_back(PipesEvent::ObjectGenerated {
                        object: do_id,
                        class,
                        owned,
                    });
                    self.ready
                        .push_back(PipesEvent::ObjectAlive { object: do_id });
                } else {
                    // A second view (owner + visible): its values refresh the state.
                    let fields = client
                        .object(do_id)
                        .map(|o| o.fields.keys().copied().collect())
                        .unwrap_or_default();
                    let tick = self.tick();
                    self.ready.push_back(PipesEvent::StateChanged {
                        object: do_id,
                        tick,
                        fields,
                        moved: None,
                    });
                }
            }
            ClientEvent::Updated { do_id, field } => {
                let state = self.alive.contains(&do_id)
                    && client
                        .schema()
                        .field(field.number)
                        .is_some_and(|f| f.is_state());
                if state {
                    let tick = self.tick();
                    self.ready.push_back(PipesEvent::StateChanged {
                        object: do_id,
                        tick,
                        fields: ChangedFields::from_slice(&[field.number]),
                        moved: None,
                    });
                } else {
                    self.ready.push_back(PipesEvent::Message {
                        object: do_id,
                        field: field.number,
                        args: field.bytes,
                    });
                }
            }
            ClientEvent::Moved { do_id, location } => {
                if self.alive.contains(&do_id) {
                    let tick = self.tick();
                    self.ready.push_back(PipesEvent::StateChanged {
                        object: do_id,
                        tick,
                        fields: ChangedFields::new(),
                        moved: Some(location),
                    });
                }
            }
            ClientEvent::Left { do_id } | ClientEvent::OwnershipLost { do_id } => {
                self.gone(client, do_id)
            }
            ClientEvent::InterestDone { handle } => {
                self.ready.push_back(PipesEvent::InterestComplete(handle))
            }
            ClientEvent::ServerInterest { .. } => {}
            ClientEvent::Ejected { code, reason } => {
                let gone: Vec<DoId> = self.alive.iter().copied().collect();
                for object in gone {
                    self.alive.remove(&object);
                    self.ready.push_back(PipesEvent::ObjectDisabled { object });
                    self.ready.push_back(PipesEvent::ObjectDeleted { object });
                }
                self.ready
                    .push_back(PipesEvent::Disconnected(disconnect(client, code, reason)));
            }
        }
    }
}

/// The pipes reason nearest to an Astron eject.
pub fn disconnect(client: &AstronClient, code: EjectCode, reason: String) -> ClientDisconnect {
    let detail = format!("Astron eject {}: {reason}", code.as_u16());
    let reason = match code {
        EjectCode::BadVersion => {
            return ClientDisconnect::Rejected(RejectReason::Version {
                server: 0,
                client: 0,
            })
        }
        EjectCode::BadDcHash => {
            return ClientDisconnect::Rejected(RejectReason::SchemaHash {
                server: server_hash(&reason).unwrap_or(0),
                client: client.dc_hash(),
            })
        }
        EjectCode::OversizedDatagram | EjectCode::TruncatedDatagram => EjectReason::Malformed,
        EjectCode::NoHello | EjectCode::InvalidMsgtype | EjectCode::AnonymousViolation => {
            EjectReason::WrongState
        }
        EjectCode::ForbiddenInterest => EjectReason::BadInterest,
        EjectCode::MissingObject | EjectCode::ForbiddenRelocate => EjectReason::NotVisible,
        EjectCode::ForbiddenField => EjectReason::NotSendable,
        EjectCode::FieldConstraintViolation => EjectReason::BadArguments,
        EjectCode::Maintenance => EjectReason::Shutdown,
        _ => EjectReason::Kicked,
    };
    ClientDisconnect::Ejected { reason, detail }
}

/// The `server=0x...` hash in Astron's hash-mismatch text.
fn server_hash(reason: &str) -> Option<u32> {
    let (_, rest) = reason.split_once("server=0x")?;
    let digits: String = rest.chars().take_while(char::is_ascii_hexdigit).collect();
    u32::from_str_radix(&digits, 16).ok()
}
