//! The game-facing API of the server: objects, state fields, messages, interest.

use super::error::ServerError;
use super::events::Target;
use super::objects::is_state_field;
use super::visibility::viewers;
use super::Server;
use crate::ids::{ClientId, ConnectionId, DoId, Location};
use crate::protocol::encode_object_message;
use crate::protocol::{InterestOp, Reliability};
use crate::schema::{DClass, FieldFlags, FieldMessage};
use crate::wire::WireResult;

impl Server {
    /// Creates an object of dclass `class` at `location`, optionally owned by a client.
    /// `fields` gives initial values of state fields; the others take their defaults.
    /// Every client that sees the location (and the owner) gets it in its next snapshot.
    pub fn generate(
        &mut self,
        class: u16,
        location: Location,
        owner: Option<ClientId>,
        fields: &[(u16, &[u8])],
    ) -> Result<DoId, ServerError> {
        if let Some(o) = owner {
            if !self.clients.contains_key(&o) {
                return Err(ServerError::UnknownClient(o));
            }
        }
        let tick = self.tick;
        let id = self
            .objects
            .create(self.schema, class, location, owner, fields, tick)?;
        self.zones.insert_object(location, id);
        self.history.note(id, None);
        if let Some(conn) = owner.and_then(|o| self.clients.get(&o)) {
            if let Some(p) = self.peers.get_mut(conn) {
                p.owned.insert(id);
            }
        }
        for conn in viewers(&self.zones, &self.clients, location, owner) {
            if let Some(p) = self.peers.get_mut(&conn) {
                let owned = owner == Some(p.id);
                p.add_view(id, owned, tick);
            }
        }
        Ok(id)
    }

    /// Creates an object of the generated class `C` with default state.
    pub fn generate_default<C: DClass>(
        &mut self,
        location: Location,
        owner: Option<ClientId>,
    ) -> Result<DoId, ServerError> {
        self.generate(C::INFO.number, location, owner, &[])
    }

    /// Deletes an object; clients that see it get a leave.
    pub fn delete(&mut self, id: DoId) -> Result<(), ServerError> {
        let obj = self.objects.get(id).ok_or(ServerError::UnknownObject(id))?;
        let (loc, owner) = (obj.location, obj.owner);
        let tick = self.tick;
        for conn in viewers(&self.zones, &self.clients, loc, owner) {
            if let Some(p) = self.peers.get_mut(&conn) {
                let done = p.remove_view(id, tick);
                self.complete(conn, done);
            }
        }
        if let Some(p) = owner
            .and_then(|o| self.clients.get(&o))
            .and_then(|c| self.peers.get_mut(c))
        {
            p.owned.remove(&id);
        }
        self.zones.remove_object(loc, id);
        self.objects.remove(id);
        self.history.forget(id);
        // A client's message about the object may wait in the event queue (it sent
        // it just before its owner left, say): the game must never see a message
        // about an object after deleting it.
        self.events
            .retain(|e| !matches!(e, super::ServerEvent::Message { object, .. } if *object == id));
        Ok(())
    }

    /// Moves an object to another location: clients that stop seeing it get a leave,
    /// new watchers get an entry, clients that see both places get the new location.
    pub fn move_object(&mut self, id: DoId, to: Location) -> Result<(), ServerError> {
        let obj = self.objects.get(id).ok_or(ServerError::UnknownObject(id))?;
        let (from, owner) = (obj.location, obj.owner);
        if from == to {
            return Ok(());
        }
        let tick = self.tick;
        let before = viewers(&self.zones, &self.clients, from, owner);
        let after = viewers(&self.zones, &self.clients, to, owner);
        for conn in before.iter().filter(|c| !after.contains(c)) {
            if let Some(p) = self.peers.get_mut(conn) {
                let done = p.remove_view(id, tick);
                self.complete(*conn, done);
            }
        }
        self.zones.remove_object(from, id);
        self.zones.insert_object(to, id);
        if let Some(o) = self.objects.get_mut(id) {
            o.location = to;
            o.location_tick = tick;
            o.changed_tick = tick;
        }
        for conn in &after {
            if let Some(p) = self.peers.get_mut(conn) {
                if before.contains(conn) {
                    p.mark_dirty(id);
                } else {
                    let owned = owner == Some(p.id);
                    p.add_view(id, owned, tick);
                }
            }
        }
        Ok(())
    }

    /// Sets a state field from packed bytes (checked). Returns whether it changed;
    /// a change is stamped with the current tick and sent to every client that sees
    /// the object until each has acknowledged it.
    pub fn set_field(&mut self, id: DoId, field: u16, bytes: &[u8]) -> Result<bool, ServerError> {
        let changed = self
            .objects
            .set_field(self.schema, id, field, bytes, self.tick)?;
        if changed {
            self.history.note(id, Some(field));
            if let Some(o) = self.objects.get(id) {
                let (loc, owner) = (o.location, o.owner);
                for conn in self.zones.watchers(loc) {
                    if let Some(p) = self.peers.get_mut(&conn) {
                        p.mark_dirty(id);
                    }
                }
                if let Some(p) = owner
                    .and_then(|o| self.clients.get(&o))
                    .and_then(|c| self.peers.get_mut(c))
                {
                    p.mark_dirty(id);
                }
            }
        }
        Ok(changed)
    }

    /// Sets a state field from its typed message.
    pub fn set<F: FieldMessage>(&mut self, id: DoId, value: &F) -> Result<bool, ServerError> {
        let mut buf = std::mem::take(&mut self.set_buf);
        buf.clear();
        let result = match value.pack(&mut buf) {
            Ok(()) => self.set_field(id, F::NUMBER, &buf),
            Err(error) => Err(ServerError::BadValue {
                field: F::NAME,
                error,
            }),
        };
        self.set_buf = buf;
        result
    }

    /// The packed value of a state field.
    pub fn field(&self, id: DoId, field: u16) -> Option<&[u8]> {
        Some(self.objects.get(id)?.slot(field)?.value.as_slice())
    }

    /// The typed value of a state field.
    pub fn get<F: FieldMessage>(&self, id: DoId) -> Option<WireResult<F>> {
        self.field(id, F::NUMBER).map(F::from_bytes)
    }

    /// An object's location.
    pub fn location(&self, id: DoId) -> Option<Location> {
        Some(self.objects.get(id)?.location)
    }

    /// An object's owner.
    pub fn owner(&self, id: DoId) -> Option<ClientId> {
        self.objects.get(id)?.owner
    }

    /// An object's dclass id.
    pub fn class_of(&self, id: DoId) -> Option<u16> {
        Some(self.objects.get(id)?.class.number)
    }

    /// Number of objects.
    pub fn object_count(&self) -> usize {
        self.objects.len()
    }

    /// Ids of all objects (unordered).
    pub fn object_ids(&self) -> impl Iterator<Item = DoId> + '_ {
        self.objects.ids()
    }

    /// Ids of the objects `client` owns, in id order (e.g. its avatar: the one a chat
    /// line or a score belongs to). Empty for a client not connected.
    pub fn owned_by(&self, client: ClientId) -> Vec<DoId> {
        let Some(p) = self.clients.get(&client).and_then(|c| self.peers.get(c)) else {
            return Vec::new();
        };
        let mut ids: Vec<DoId> = p.owned.iter().copied().collect();
        ids.sort();
        ids
    }

    /// Ids of the objects a client sees.
    pub fn visible_to(&self, client: ClientId) -> Vec<DoId> {
        let Some(p) = self.clients.get(&client).and_then(|c| self.peers.get(c)) else {
            return Vec::new();
        };
        p.views.keys().copied().collect()
    }

    /// Sends a message field (not `ram`/`required`) of an object. Checks the field's
    /// keywords against the target; a client whose copy of the object has not arrived
    /// yet gets the message right after it arrives.
    pub fn send(
        &mut self,
        id: DoId,
        field: u16,
        args: &[u8],
        target: Target,
    ) -> Result<(), ServerError> {
        let obj = self.objects.get(id).ok_or(ServerError::UnknownObject(id))?;
        let f = self
            .schema
            .field(field)
            .ok_or(ServerError::UnknownField(field))?;
        if !obj.class.has_field(field) {
            return Err(ServerError::FieldNotInClass {
                field: f.name,
                class: obj.class.name,
            });
        }
        if is_state_field(f) {
            return Err(ServerError::StateField(f.name));
        }
        f.validate(args).map_err(|error| ServerError::BadValue {
            field: f.name,
            error,
        })?;
        let recipients = self.recipients(id, f, target)?;
        let reliability = if f.keywords.contains(&"unreliable") {
            Reliability::Unreliable
        } else {
            Reliability::Reliable
        };
        let mut overflow = Vec::new();
        for conn in recipients {
            if let Err(detail) = self.deliver(conn, id, field, args, reliability) {
                overflow.push((conn, detail));
            }
        }
        self.eject_overflowed(overflow);
        Ok(())
    }

    /// Sends a typed message field.
    pub fn send_message<F: FieldMessage>(
        &mut self,
        id: DoId,
        value: &F,
        target: Target,
    ) -> Result<(), ServerError> {
        let bytes = value.to_bytes().map_err(|error| ServerError::BadValue {
            field: F::NAME,
            error,
        })?;
        self.send(id, F::NUMBER, &bytes, target)
    }

    fn recipients(
        &self,
        id: DoId,
        f: &crate::schema::FieldInfo,
        target: Target,
    ) -> Result<Vec<ConnectionId>, ServerError> {
        let obj = self.objects.get(id).ok_or(ServerError::UnknownObject(id))?;
        match target {
            Target::Client(c) => {
                let conn = *self.clients.get(&c).ok_or(ServerError::UnknownClient(c))?;
                let sees = self
                    .peers
                    .get(&conn)
                    .is_some_and(|p| p.views.contains_key(&id));
                if !sees {
                    return Err(ServerError::NotVisible {
                        client: c,
                        object: id,
                    });
                }
                Ok(vec![conn])
            }
            Target::Owner => {
                if !(f.has(FieldFlags::OWNRECV) || f.has(FieldFlags::BROADCAST)) {
                    return Err(ServerError::NotOwnerReceivable(f.name));
                }
                let owner = obj.owner.ok_or(ServerError::NoOwner(id))?;
                let conn = *self
                    .clients
                    .get(&owner)
                    .ok_or(ServerError::UnknownClient(owner))?;
                Ok(vec![conn])
            }
            Target::Broadcast { except } => {
                if !f.has(FieldFlags::BROADCAST) {
                    return Err(ServerError::NotBroadcast(f.name));
                }
                let skip = except.and_then(|c| self.clients.get(&c).copied());
                let mut all = viewers(&self.zones, &self.clients, obj.location, obj.owner);
                all.retain(|c| Some(*c) != skip);
                Ok(all)
            }
        }
    }

    /// Sends or queues one message; the overflow detail when one of the client's
    /// queues (messages waiting for the object, unread reliable messages) is full.
    fn deliver(
        &mut self,
        conn: ConnectionId,
        id: DoId,
        field: u16,
        args: &[u8],
        reliability: Reliability,
    ) -> Result<(), String> {
        let tick = self.tick;
        let max = self.config.max_pending_events;
        let Some(p) = self.peers.get_mut(&conn) else {
            return Ok(());
        };
        if p.entered(id) {
            let mut payload = Vec::with_capacity(11 + args.len());
            encode_object_message(&mut payload, tick, id, field, args);
            return self.push_event(conn, payload, reliability);
        }
        if !p.views.contains_key(&id) {
            return Ok(());
        }
        if p.pending_count >= max {
            return Err(format!(
                "client {}: more than {max} messages waiting for their objects",
                p.id.0
            ));
        }
        let reliable = reliability == Reliability::Reliable;
        p.pending_events
            .entry(id)
            .or_default()
            .push((field, args.to_vec(), reliable));
        p.pending_count += 1;
        Ok(())
    }

    /// Changes a client's interest from the game's side (no "interest complete").
    pub fn set_client_interest(
        &mut self,
        client: ClientId,
        op: InterestOp,
        locations: &[Location],
    ) -> Result<(), ServerError> {
        let conn = *self
            .clients
            .get(&client)
            .ok_or(ServerError::UnknownClient(client))?;
        self.apply_interest(conn, op, locations, None);
        Ok(())
    }
}
