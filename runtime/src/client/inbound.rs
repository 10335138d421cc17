//! Received server messages: handshake answers, snapshot records, messages, pongs.
//!
//! Snapshot records are applied per object and only when newer than what the object
//! already holds, so loss, duplication and reordering never put an older value over a
//! newer one. A leave leaves a tombstone so a late, older entry cannot resurrect the
//! object. A malformed packet from the server is dropped whole (and not acked).

use super::events::{ChangedFields, ClientDisconnect, ClientEvent};
use super::objects::{ClientObject, Lifecycle, PastLayouts};
use super::{Client, Stage};
use crate::ids::{DoId, Location};
use crate::protocol::snapshot::{
    apply_delta, decode_records, delta_widths, Record, RecordKind, Records,
};
use crate::protocol::{seq_diff, AckWindow, PartId, Rates, ServerMessage};
use crate::schema::FieldKind;
use crate::time::{Tick, TickRate, Time};

impl Client {
    /// Handles one message from the server received at `now`.
    pub fn handle_datagram(&mut self, now: Time, bytes: &[u8]) {
        let _client = tracing::info_span!("client", id = ?self.id().map(|c| c.0)).entered();
        if self.is_closed() {
            return;
        }
        self.last_heard = now;
        self.net.on_receive(now, bytes.len());
        let msg = match ServerMessage::decode(bytes) {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!("dropped a bad message from the server: {e}");
                return;
            }
        };
        if let ServerMessage::ObjectMessage { field, .. } = msg {
            if self.is_reliable_field(field) {
                self.reliable_received = self.reliable_received.wrapping_add(1);
            }
        }
        self.dispatch(now, msg);
        self.check_event_queue();
    }

    /// Whether the server sends messages of this field reliably (as it decides: all
    /// but `unreliable` fields; unknown fields never come from a correct server).
    fn is_reliable_field(&self, field: u16) -> bool {
        self.schema
            .field(field)
            .is_none_or(|f| !f.keywords.contains(&"unreliable"))
    }

    fn dispatch(&mut self, now: Time, msg: ServerMessage<'_>) {
        match (msg, &self.stage) {
            (ServerMessage::Accept(a), Stage::Connecting) => {
                self.id = Some(a.client_id);
                self.rate = TickRate::new(a.tick_rate);
                self.grant(a.rates);
                self.stage = Stage::Connected;
                self.commands.start(now, self.rates.cmd_rate);
                let rtt = now.since(self.hello_at);
                self.clock.sample(now, rtt, a.server_time as f64 / 1e6);
                self.next_ping = now;
                self.events.push_back(ClientEvent::Connected {
                    client: a.client_id,
                });
            }
            (ServerMessage::Reject(r), _) => self.close(ClientDisconnect::Rejected(r)),
            (ServerMessage::AuthChallenge(b), Stage::Connecting) => {
                self.stage = Stage::Authenticating;
                self.events
                    .push_back(ClientEvent::AuthChallenge(b.to_vec()));
            }
            (
                ServerMessage::Snapshot {
                    seq,
                    tick,
                    part,
                    last,
                    count,
                    delta_back,
                    body,
                },
                Stage::Connected,
            ) => self.on_snapshot(
                now,
                seq,
                PartId { tick, part },
                last,
                count,
                delta_back,
                body,
            ),
            (ServerMessage::InterestComplete(h), Stage::Connected) => {
                self.events.push_back(ClientEvent::InterestComplete(h));
            }
            (
                ServerMessage::Pong {
                    id,
                    client_time: _,
                    server_time,
                },
                Stage::Connected,
            ) => {
                if let Some(i) = self.pings.iter().position(|p| p.0 == id) {
                    let (_, sent) = self.pings[i];
                    self.pings.remove(i);
                    self.clock
                        .sample(now, now.since(sent), server_time as f64 / 1e6);
                }
            }
            (
                ServerMessage::ObjectMessage {
                    tick,
                    object,
                    field,
                    args,
                },
                Stage::Connected,
            ) => self.on_message(tick, object, field, args),
            (ServerMessage::CommandAck(ack), Stage::Connected) => self.on_command_ack(&ack),
            (ServerMessage::RatesGranted(r), Stage::Connected) => self.grant(r),
            (ServerMessage::Disconnect { reason, detail }, _) => {
                self.close(ClientDisconnect::Ejected { reason, detail })
            }
            (m, stage) => tracing::debug!("ignored {} during {stage:?}", m.name()),
        }
    }

    /// The server's granted rates (handshake or `SetRates` answer) take effect: the
    /// snapshot, command and byte rates, and the pace of queued field messages.
    fn grant(&mut self, granted: Rates) {
        self.rates.update_rate = granted.update_rate;
        self.rates.cmd_rate = granted.cmd_rate;
        self.rates.rate = granted.rate;
        self.cmd_granted = granted.cmd_rate;
        self.granted = Some(granted);
    }

    #[allow(clippy::too_many_arguments)]
    fn on_snapshot(
        &mut self,
        now: Time,
        seq: u16,
        id: PartId,
        last: bool,
        count: u16,
        delta_back: u8,
        body: &[u8],
    ) {
        let history = self.config.snapshot_history;
        if self
            .newest
            .is_some_and(|n| id.tick.0.saturating_add(history) < n.0)
        {
            return; // far older than what we have: its ack would be useless
        }
        let records = match decode_records(body, count, self.schema) {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!("dropped snapshot part {id:?}: {e}");
                return;
            }
        };
        if let Some(why) = records.iter().find_map(|r| self.check_record(&r)) {
            tracing::warn!("dropped snapshot part {id:?}: {why}");
            return;
        }
        // A record older than its object's state is dropped; the packet is then not
        // acked, so the server (which sends each change once) sends it again.
        let stale = self.scan(&records, id.tick);
        // DELTA records become packed values first (all of them: a part whose
        // baseline is missing is dropped whole, before anything is applied).
        let mut values = std::mem::take(&mut self.delta_values);
        let mut spans = std::mem::take(&mut self.delta_spans);
        values.clear();
        spans.clear();
        let base = (delta_back != 0).then(|| Tick(id.tick.0.wrapping_sub(u32::from(delta_back))));
        let resolved = self.resolve_deltas(&records, id.tick, base, &mut values, &mut spans);
        if let Err(why) = resolved {
            tracing::warn!("dropped snapshot part {id:?}: {why}");
            self.delta_values = values;
            self.delta_spans = spans;
            return;
        }
        let mut fields: Vec<(u16, &[u8])> = Vec::new();
        let mut next = spans.iter().peekable();
        for (i, r) in records.iter().enumerate() {
            if !r.delta {
                self.apply(id.tick, &r);
                continue;
            }
            fields.clear();
            while let Some(&&(k, n, a, b)) = next.peek() {
                if k as usize != i {
                    break;
                }
                fields.push((n, values.get(a as usize..b as usize).unwrap_or(&[])));
                next.next();
            }
            // (A DELTA of an absent or newer object was not resolved: a no-op. One
            // that was has spans: a DELTA holds at least one integer field.)
            if !fields.is_empty() {
                let packed = Record {
                    delta: false,
                    fields: &fields,
                    ..r
                };
                self.apply(id.tick, &packed);
            }
        }
        drop(fields);
        self.delta_values = values;
        self.delta_spans = spans;
        if self.interp.is_active() {
            let carried: Vec<DoId> = records.iter().map(|r| r.object).collect();
            let rate = self.rate;
            let objects = &self.objects;
            self.interp.after_snapshot(
                id,
                last,
                |t| rate.tick_to_secs(t),
                &carried,
                |o, f| objects.get(&o)?.field(f).map(|v| v.value.as_slice()),
            );
        }
        self.newest = Some(self.newest.map_or(id.tick, |n| n.max(id.tick)));
        if !self.acks.is_some_and(|w| w.contains(seq)) {
            self.net.on_snapshot(seq);
        }
        // Ack at once the first packet, and one that is not the next in sequence (a
        // packet is missing, or this one fills a gap late): the server learns of loss
        // without waiting. Otherwise the ack waits up to `pipes-ack-interval`, or
        // until `pipes-ack-every` snapshots (final parts) wait for it: a snapshot
        // larger than a packet does not make the ack leave more often.
        let at_once = match self.acks.as_mut() {
            Some(_) if stale => false,
            Some(w) => {
                let next = seq_diff(seq, w.newest) == 1;
                w.record(seq);
                if w.newest == seq {
                    self.newest_at = now;
                }
                !next
            }
            None if stale => return,
            None => {
                self.acks = Some(AckWindow::new(seq));
                self.newest_at = now;
                true
            }
        };
        if !stale {
            self.ack_pending = true;
            if last {
                self.ack_unsent += 1;
            }
        }
        let enough = self.ack_unsent >= self.config.ack_every.max(1);
        if self.ack_pending && (at_once || enough || self.ack_due().is_some_and(|t| now >= t)) {
            self.send_ack(now);
        }
        self.prune_tombstones();
    }

    /// Resolves the DELTA records of a part against their objects' state at `base`
    /// into `values`, with a `(record, field, start, end)` span per field. DELTAs of
    /// absent objects or of objects with newer state are skipped (not applied).
    fn resolve_deltas(
        &self,
        records: &crate::protocol::snapshot::Records<'_>,
        tick: Tick,
        base: Option<Tick>,
        values: &mut Vec<u8>,
        spans: &mut Vec<(u32, u16, u32, u32)>,
    ) -> Result<(), String> {
        for (i, r) in records.iter().enumerate() {
            if !r.delta {
                continue;
            }
            let Some(o) = self.objects.get(&r.object).filter(|o| tick > o.applied) else {
                continue;
            };
            let base = base.ok_or("a delta record in a part without a baseline")?;
            let past = o.past.as_deref();
            for &(n, bytes) in r.fields {
                let start = values.len();
                let field = self.schema.field(n).ok_or("unknown field")?;
                match delta_widths(field) {
                    Some(widths) => {
                        let before = past.and_then(|p| p.value(base, n)).ok_or_else(|| {
                            format!(
                                "object {}: no state of baseline tick {}",
                                r.object.0, base.0
                            )
                        })?;
                        apply_delta(widths, bytes, before, values).map_err(|e| e.to_string())?;
                        field
                            .validate(&values[start..])
                            .map_err(|e| format!("object {}: {e}", r.object.0))?;
                    }
                    None => values.extend_from_slice(bytes),
                }
                // A part is at most 64 KiB, its values at most 8/3 of that.
                spans.push((i as u32, n, start as u32, values.len() as u32));
            }
        }
        Ok(())
    }

    /// Checks a record against the schema before anything of its part is applied.
    fn check_record(&self, r: &Record<'_, '_>) -> Option<String> {
        let class = match r.kind {
            RecordKind::Enter { class, .. } => match self.schema.class(class) {
                Some(c) if !c.is_struct => c,
                _ => return Some(format!("object {}: bad class {class}", r.object.0)),
            },
            RecordKind::Update { .. } => match self.objects.get(&r.object) {
                Some(o) => o.class,
                None => return None, // applied as a no-op
            },
            RecordKind::Leave => return None,
        };
        for &(n, _) in r.fields {
            let ok = class.has_field(n)
                && self
                    .schema
                    .field(n)
                    .is_some_and(|f| f.is_state() && f.kind != FieldKind::Molecular);
            if !ok {
                return Some(format!(
                    "object {}: field {n} is not state of {}",
                    r.object.0, class.name
                ));
            }
        }
        None
    }

    fn apply(&mut self, tick: Tick, r: &Record<'_, '_>) {
        match r.kind {
            RecordKind::Enter {
                class,
                location,
                owned,
            } => self.apply_enter(tick, r, class, location, owned),
            RecordKind::Update { moved, .. } => {
                let Some(o) = self.objects.get_mut(&r.object) else {
                    return;
                };
                if tick <= o.applied {
                    return;
                }
                let fields = write_fields(o, tick, r, &mut self.past_layouts, self.schema);
                let moved = moved.filter(|&l| l != o.location);
                if let Some(l) = moved {
                    o.location = l;
                }
                self.record_interp(tick, r);
                self.push_state_changed(r.object, tick, fields, moved);
            }
            RecordKind::Leave => {
                match self.objects.get(&r.object) {
                    Some(o) if tick > o.applied => self.remove_object(r.object),
                    Some(_) => return,
                    None => {}
                }
                let t = self.tombstones.entry(r.object).or_insert(tick);
                *t = (*t).max(tick);
                self.tomb_order.push_back((tick, r.object));
            }
        }
    }

    /// Whether a record (other than a leave) is older than its object's state. Reads
    /// each record's object and the current bytes of its fields on the way, before
    /// anything is applied: in a large zone these are cache misses (a snapshot visits
    /// hundreds of objects nothing touched since the last one), and in this tight
    /// loop they overlap, where applying the records one by one waits for each.
    fn scan(&self, records: &Records<'_>, tick: Tick) -> bool {
        let mut stale = false;
        let mut sum = 0usize;
        for r in records {
            let Some(o) = self.objects.get(&r.object) else {
                continue;
            };
            stale |= r.kind != RecordKind::Leave && tick <= o.applied;
            for &(n, _) in r.fields {
                let first = o.field(n).and_then(|v| v.value.first());
                sum = sum.wrapping_add(first.map_or(0, |&b| usize::from(b)));
            }
        }
        std::hint::black_box(sum);
        stale
    }

    /// Reports changed fields or a move; nothing when a resent record changed nothing.
    fn push_state_changed(
        &mut self,
        object: DoId,
        tick: Tick,
        fields: ChangedFields,
        moved: Option<Location>,
    ) {
        if fields.is_empty() && moved.is_none() {
            return;
        }
        self.events.push_back(ClientEvent::StateChanged {
            object,
            tick,
            fields,
            moved,
        });
    }

    fn apply_enter(
        &mut self,
        tick: Tick,
        r: &Record<'_, '_>,
        class: u16,
        location: Location,
        owned: bool,
    ) {
        if let Some(o) = self.objects.get_mut(&r.object) {
            if tick <= o.applied {
                return;
            }
            if o.class.number == class {
                let moved = (o.location != location).then_some(location);
                o.location = location;
                let was_owned = std::mem::replace(&mut o.owned, owned);
                let fields = write_fields(o, tick, r, &mut self.past_layouts, self.schema);
                if was_owned != owned {
                    self.interp.vars.set_owned(u64::from(r.object.0), owned);
                }
                self.record_interp(tick, r);
                self.push_state_changed(r.object, tick, fields, moved);
                return;
            }
            self.remove_object(r.object);
        }
        if self.tombstones.get(&r.object).is_some_and(|&t| t >= tick) {
            return; // an entry older than the object's departure
        }
        self.tombstones.remove(&r.object);
        let Some(info) = self.schema.class(class) else {
            return;
        };
        let mut o = ClientObject {
            id: r.object,
            class: info,
            location,
            owned,
            lifecycle: Lifecycle::Fresh,
            generated_at: tick,
            applied: tick,
            fields: Vec::with_capacity(r.fields.len()),
            past: None,
        };
        write_fields(&mut o, tick, r, &mut self.past_layouts, self.schema);
        if owned {
            self.interp.vars.set_owned(u64::from(r.object.0), true);
        }
        self.record_interp(tick, r);
        o.lifecycle = Lifecycle::Generated;
        self.events.push_back(ClientEvent::ObjectGenerated {
            object: r.object,
            class,
            owned,
        });
        o.lifecycle = Lifecycle::Alive;
        self.events
            .push_back(ClientEvent::ObjectAlive { object: r.object });
        self.objects.insert(r.object, o);
    }

    /// Disables then deletes an object (events in that order).
    pub(super) fn remove_object(&mut self, id: DoId) {
        let Some(mut o) = self.objects.remove(&id) else {
            return;
        };
        self.interp.remove_object(id);
        o.lifecycle = Lifecycle::Disabled;
        self.events
            .push_back(ClientEvent::ObjectDisabled { object: id });
        o.lifecycle = Lifecycle::Deleted;
        self.events
            .push_back(ClientEvent::ObjectDeleted { object: id });
    }

    /// Feeds the interpolated fields of record `r` (state of server tick `tick`).
    fn record_interp(&mut self, tick: Tick, r: &Record<'_, '_>) {
        if !self.interp.is_active() {
            return;
        }
        let time = self.rate.tick_to_secs(tick);
        for &(n, v) in r.fields {
            self.interp.record_update(r.object, n, tick, time, v);
        }
    }

    fn on_message(&mut self, tick: Tick, object: DoId, field: u16, args: &[u8]) {
        let Some(o) = self.objects.get(&object) else {
            tracing::debug!("message {field} for absent object {} dropped", object.0);
            return;
        };
        if tick <= o.generated_at {
            tracing::debug!("stale message {field} for object {} dropped", object.0);
            return;
        }
        let valid = o.class.has_field(field)
            && self
                .schema
                .field(field)
                .is_some_and(|f| f.validate(args).is_ok());
        if !valid {
            tracing::warn!(
                "bad message {field} for object {} from the server dropped",
                object.0
            );
            return;
        }
        self.events.push_back(ClientEvent::Message {
            object,
            field,
            args: args.to_vec(),
        });
    }

    fn prune_tombstones(&mut self) {
        let Some(newest) = self.newest else {
            return;
        };
        let oldest = newest.saturating_sub(self.config.snapshot_history.saturating_mul(2));
        while let Some(&(t, id)) = self.tomb_order.front() {
            if t >= oldest {
                break;
            }
            self.tomb_order.pop_front();
            if self.tombstones.get(&id) == Some(&t) {
                self.tombstones.remove(&id);
            }
        }
    }
}

/// Stores a record's fields; returns the numbers of those whose value changed (a
/// snapshot resent after a lost ack repeats values the client already has).
/// Keeps the object's integer state of `tick` as a baseline for later DELTAs (laid
/// out by its class's entry in `layouts`).
fn write_fields(
    o: &mut ClientObject,
    tick: Tick,
    r: &Record<'_, '_>,
    layouts: &mut PastLayouts,
    schema: &'static crate::schema::SchemaInfo,
) -> ChangedFields {
    let mut changed = ChangedFields::new();
    for &(n, v) in r.fields {
        if o.set(n, v, tick) {
            changed.push(n);
        }
    }
    o.applied = tick;
    o.remember(layouts, schema, tick);
    changed
}
