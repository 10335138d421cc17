//! Building a client's snapshot and processing its acks.
//!
//! Per visible object the server keeps the baseline the client is known to hold
//! (`View::acked`) and the newest record sent and not known lost (`View::sent`).
//! A snapshot carries, within the client's byte budget, leaves first, then entries
//! and updates. While the budget has room, an update repeats every change after the
//! baseline (a lost packet then costs nothing: the next snapshot carries it too, and
//! interpolation keeps its samples). Once the budget limits the snapshots, an update
//! holds only the changes after `sent`: a record in flight is never sent again while
//! nothing changed, so the bytes go to what the client has not been sent. When a
//! packet is presumed lost (a newer one was acked, or no ack came in time), its
//! objects go back to their baseline and are sent again from it. Under budget pressure, candidates go in order of an
//! accumulated priority (per-class × per-object × the relevance hook, added each
//! snapshot an object waits), so nothing starves.
//!
//! A snapshot is planned first (per candidate: its entry, or the baseline its update
//! counts from), then written, then its outcomes are noted in the views. A client
//! whose plan equals one already written this tick gets a copy of those parts instead
//! of a second writing (see `share`).

use super::peer::{Fate, Peer, Sent, SentPart};
use super::share::{self, Planned};
use super::Server;
use crate::ids::{ClientId, ConnectionId, DoId};
use crate::protocol::snapshot::PartWriter;
use crate::protocol::{encode_object_message, seq_diff, AckWindow, Reliability, ACK_BITS};
use crate::time::{Tick, Time};
use std::time::Duration;

/// Longest time without any snapshot packet to a client (an empty one is sent then).
const KEEPALIVE: Duration = Duration::from_millis(500);
/// A packet this many sequence numbers older than an acked one, itself unacked, is lost.
const REORDER: i32 = 2;
/// Most sent packets remembered per client (older ones count as lost).
const MAX_SENT: usize = 4096;

/// Priorities the game gives, used under budget pressure.
pub(crate) struct Priorities {
    /// Per-class priority (default 1).
    pub(crate) class: crate::ids::DetMap<u16, f32>,
    /// The game's relevance hook: scales an object's priority for a client.
    pub(crate) relevance: Option<Box<dyn FnMut(ClientId, DoId) -> f32 + Send>>,
}

impl Server {
    /// Sets the priority of every object of a class (default 1; higher is sent first
    /// when a client's budget cannot carry everything; 0 waits until nothing else does).
    pub fn set_class_priority(&mut self, class: u16, priority: f32) {
        self.priorities.class.insert(class, sanitize(priority));
    }

    /// Sets one object's priority (default 1), multiplied with its class's.
    pub fn set_priority(&mut self, id: DoId, priority: f32) -> Result<(), super::ServerError> {
        let o = self
            .objects
            .get_mut(id)
            .ok_or(super::ServerError::UnknownObject(id))?;
        o.priority = sanitize(priority);
        Ok(())
    }

    /// Installs a relevance hook: `f(client, object)` scales the object's priority for
    /// that client (e.g. by inverse distance to the client's avatar). Called only for
    /// objects waiting to be sent while the client's budget is short.
    pub fn set_relevance(&mut self, f: impl FnMut(ClientId, DoId) -> f32 + Send + 'static) {
        self.priorities.relevance = Some(Box::new(f));
    }

    /// Writes and queues the snapshot of the current tick for one client.
    pub(super) fn send_snapshot(&mut self, now: Time, conn: ConnectionId) {
        self.expire_sent(now, conn);
        let tick = self.tick;
        let max_packet = self.config.max_packet_size;
        let max_snapshot = self.config.max_snapshot_bytes;
        let Some(peer) = self.peers.get_mut(&conn) else {
            return;
        };
        let allowed = peer
            .budget
            .refill(now, peer.rates.update_rate)
            .min(max_snapshot);
        let pressure = peer.snapshot_cut;
        let mut written = std::mem::take(&mut peer.written);
        let mut order = std::mem::take(&mut peer.order);
        written.clear();
        // Entries and updates: everything due, by priority under pressure.
        order.clear();
        collect(&self.objects, peer, &mut order);
        if pressure {
            let client = peer.id;
            let prio = &mut self.priorities;
            for key in order.iter_mut() {
                let (id, enter) = unkey(*key);
                let Some(v) = peer.views.get_mut(&id).filter(|v| enter || v.dirty) else {
                    // A stale id of the dirty list: sorts last, dropped below.
                    if let Some(v) = peer.views.get_mut(&id) {
                        v.listed = false;
                    }
                    *key = u64::MAX;
                    continue;
                };
                let class = self.objects.get(id).map_or(1.0, |o| {
                    o.priority * prio.class.get(&o.class.number).copied().unwrap_or(1.0)
                });
                let relevance = prio
                    .relevance
                    .as_mut()
                    .map_or(1.0, |f| sanitize(f(client, id)));
                v.priority = sanitize(v.priority + class * relevance);
                // Highest priority first (inverted bits of a non-negative f32 sort
                // like the value, reversed), then by id: deterministic.
                let inverted = u64::from(!(v.priority.to_bits() >> 1) & 0x7FFF_FFFF);
                *key = inverted << 33 | u64::from(id.0) << 1 | u64::from(enter);
            }
        }
        // By priority, else by id: runs of consecutive ids cost no id bytes on the wire.
        // (Already in order when the changes came in id order.)
        if !order.is_sorted() {
            order.sort_unstable();
        }
        order.dedup();
        if let Some(stale) = order.iter().position(|&k| k == u64::MAX) {
            order.truncate(stale);
        }
        let mut plan = std::mem::take(&mut peer.plan);
        let mut outcome = std::mem::take(&mut peer.outcome);
        let hash = plan_records(peer, &order, pressure, &mut plan);
        outcome.clear();
        let first_seq = peer.next_seq;
        // An empty snapshot also goes out while reliable messages are unconfirmed: its
        // ack tells how far the client has read them (see `backlog`).
        let keepalive = now.since(peer.last_packet_at) >= KEEPALIVE || !peer.unconfirmed.is_empty();
        let leaves_due = peer.leaving.values().any(|l| !l.1);
        // Leaves and budget pressure make a snapshot this client's own; otherwise a
        // client with the same plan may have been written already (see `share`).
        let shareable = !pressure && !leaves_due && !plan.is_empty() && self.shared.enabled();
        let copy = shareable
            .then(|| self.shared.find(hash, &plan, allowed, first_seq))
            .flatten();
        let mut held = 0;
        // Bytes of the entries and updates (for the choke estimate).
        let mut entries_bytes = 0;
        let parts = if let Some((outcomes, parts)) = copy {
            outcome.extend_from_slice(outcomes);
            parts
        } else if plan.is_empty() && !leaves_due && !keepalive {
            Vec::new()
        } else {
            let mut w = PartWriter::new(tick, max_packet, first_seq);
            held = write_leaves(peer, &mut w, &mut written, allowed);
            let start = w.bytes();
            let mut last_check = start;
            for (k, p) in plan.iter().enumerate() {
                if w.bytes() >= allowed {
                    held += plan.len() - k;
                    outcome.resize(plan.len(), share::HELD);
                    break;
                }
                last_check = w.bytes();
                let o = write_planned(self.schema, &mut self.objects, &mut w, p, tick)
                    .map_or(share::EMPTY, |seq| seq.wrapping_sub(first_seq));
                outcome.push(o);
            }
            entries_bytes = w.bytes() - start;
            // A cut snapshot flags no part as last: the client must not read it as
            // the whole tick (it infers that objects absent from a whole snapshot
            // stopped).
            let parts = w.finish(keepalive, held == 0);
            if shareable && held == 0 && outcome.iter().any(|&o| o < share::HELD) {
                self.shared
                    .insert(hash, &plan, &outcome, &parts, last_check);
            }
            parts
        };
        let written_records = apply_outcomes(
            peer,
            &plan,
            &outcome,
            first_seq,
            tick,
            pressure,
            &mut written,
        );
        peer.plan = plan;
        peer.outcome = outcome;
        let cut = held > 0;
        let total: usize = parts.iter().map(|p| p.payload.len()).sum();
        let avg = entries_bytes.checked_div(written_records).unwrap_or(16);
        peer.last_sent = Some(tick);
        peer.snapshot_cut = cut;
        peer.budget.spend(now, total);
        if cut {
            peer.budget.choked(now, held * avg);
        }
        if !parts.is_empty() {
            peer.last_packet_at = now;
        }
        // `written` is in packet order: hand each packet its run of records.
        let mut rest = written.as_slice();
        for part in parts {
            let n = rest.iter().take_while(|r| r.0 == part.seq).count();
            let (mine, tail) = rest.split_at(n);
            rest = tail;
            peer.next_seq = part.seq.wrapping_add(1);
            peer.sent.push_back(SentPart {
                seq: part.seq,
                tick,
                sent_at: now,
                bytes: part.payload.len(),
                records: mine.iter().map(|r| (r.1, r.2)).collect(),
                fate: Fate::InFlight,
            });
            self.transmits.push_back(super::Transmit {
                connection: conn,
                payload: part.payload,
                reliability: Reliability::Unreliable,
                close_after: false,
            });
        }
        peer.written = written;
        peer.order = order;
        self.prune_sent(now, conn);
    }

    /// Presumes lost the packets that waited too long for an ack.
    fn expire_sent(&mut self, now: Time, conn: ConnectionId) {
        let Some(peer) = self.peers.get_mut(&conn) else {
            return;
        };
        let rtt = peer
            .budget
            .stats()
            .rtt
            .unwrap_or(Duration::from_millis(500));
        // The client may hold its ack up to `max_ack_delay` (and until its next frame).
        let timeout = rtt * 2 + Duration::from_millis(100) + peer.max_ack_delay;
        let mut lost = Vec::new();
        for (i, p) in peer.sent.iter().enumerate() {
            if now.since(p.sent_at) < timeout {
                break; // in send order: the rest are younger
            }
            if p.fate == Fate::InFlight {
                lost.push(i);
            }
        }
        for i in lost {
            peer.lose(now, i);
        }
    }

    /// Forgets packets whose fate is known from the front, and the oldest beyond the
    /// limits (counted lost).
    fn prune_sent(&mut self, now: Time, conn: ConnectionId) {
        let oldest = self.tick.saturating_sub(self.config.snapshot_history);
        let Some(peer) = self.peers.get_mut(&conn) else {
            return;
        };
        while let Some(front) = peer.sent.front() {
            let old = front.tick < oldest || peer.sent.len() > MAX_SENT;
            if front.fate == Fate::InFlight && !old {
                break;
            }
            if front.fate == Fate::InFlight {
                peer.lose(now, 0);
            }
            peer.sent.pop_front();
        }
    }

    /// Processes an ack window: newly acked packets in sequence order, then presumes
    /// lost the unacked ones it shows were passed over. `delay` is how long the client
    /// held the ack after the window's newest packet arrived: the round-trip sample is
    /// that packet's, net of it. The other packets the ack newly covers waited an
    /// unknown part of the delay at the client; they count that same sample, so the
    /// smoothed RTT moves as fast per second as when every packet was acked at once.
    pub(super) fn on_ack(
        &mut self,
        now: Time,
        conn: ConnectionId,
        window: AckWindow,
        delay: Duration,
    ) {
        let Some(peer) = self.peers.get_mut(&conn) else {
            return;
        };
        let Some(front) = peer.sent.front().map(|p| p.seq) else {
            return;
        };
        // Ignore windows about packets never sent (forged or corrupt) or forgotten.
        if seq_diff(peer.next_seq, window.newest) <= 0 || seq_diff(window.newest, front) < 0 {
            return;
        }
        let end = usize::from(window.newest.wrapping_sub(front));
        if end >= peer.sent.len() {
            return;
        }
        let low = window.newest.wrapping_sub(ACK_BITS);
        let start = if seq_diff(low, front) > 0 {
            usize::from(low.wrapping_sub(front))
        } else {
            0
        };
        let sample = self
            .peers
            .get(&conn)
            .and_then(|p| p.sent.get(end))
            .filter(|p| p.seq == window.newest && p.fate == Fate::InFlight)
            .map(|p| now.since(p.sent_at).saturating_sub(delay));
        let mut done = Vec::new();
        let mut flush = Vec::new();
        for i in start..=end {
            let Some(part) = self.peers.get(&conn).and_then(|p| p.sent.get(i)) else {
                break;
            };
            let (seq, fate) = (part.seq, part.fate);
            if window.contains(seq) {
                if fate != Fate::Acked {
                    self.part_acked(now, conn, i, sample, &mut done, &mut flush);
                }
            } else if seq_diff(window.newest, seq) > REORDER && fate == Fate::InFlight {
                if let Some(peer) = self.peers.get_mut(&conn) {
                    peer.lose(now, i);
                }
            }
        }
        if let Some(peer) = self.peers.get_mut(&conn) {
            // Older than the window and never acked: passed over for good.
            for i in 0..start {
                peer.lose(now, i);
            }
        }
        for obj in flush {
            self.flush_pending(conn, obj);
        }
        self.complete(conn, done);
    }

    /// Applies the ack of sent packet `i`, with the ack's round-trip sample if any.
    fn part_acked(
        &mut self,
        now: Time,
        conn: ConnectionId,
        i: usize,
        sample: Option<Duration>,
        done: &mut Vec<crate::ids::InterestHandle>,
        flush: &mut Vec<DoId>,
    ) {
        let Some(peer) = self.peers.get_mut(&conn) else {
            return;
        };
        let Some(part) = peer.sent.get_mut(i) else {
            return;
        };
        let was = std::mem::replace(&mut part.fate, Fate::Acked);
        let (tick, bytes) = (part.tick, part.bytes);
        let records = std::mem::take(&mut part.records);
        if was == Fate::InFlight {
            if let Some(rtt) = sample {
                peer.rtt.push(rtt);
            }
            peer.budget.on_ack(now, bytes, sample);
        }
        for &(obj, kind) in &records {
            if kind == Sent::Leave {
                if peer.leaving.get(&obj).is_some_and(|l| tick >= l.0) {
                    peer.leaving.remove(&obj);
                }
                continue;
            }
            let Some(v) = peer.views.get_mut(&obj) else {
                continue;
            };
            if tick < v.since {
                continue; // about an earlier visit of this object
            }
            let holds = match kind {
                Sent::Update { base } => v.acked.is_some_and(|a| a >= base),
                _ => true,
            };
            if !holds {
                // An earlier record is missing (lost or late): this one's changes do
                // not complete the client's state. Send again from the baseline.
                v.sent = v.acked;
                v.mark_dirty(obj, &mut peer.dirty);
                continue;
            }
            let acked = v.acked.map_or(tick, |a| a.max(tick));
            v.acked = Some(acked);
            let sent = v.sent.map_or(acked, |s| s.max(acked));
            v.sent = Some(sent);
            let changed = self.objects.get(obj).map_or(Tick(0), |o| o.changed_tick);
            if kind == Sent::Enter && peer.pending_enter.remove(&obj) {
                if changed > acked {
                    v.mark_dirty(obj, &mut peer.dirty);
                }
                done.extend(peer.settle(obj));
                flush.push(obj);
            } else if changed <= acked {
                v.dirty = false;
            }
        }
    }

    /// Sends the messages that waited for an object's entry, stamped with the current tick.
    fn flush_pending(&mut self, conn: ConnectionId, obj: DoId) {
        let tick = self.tick;
        let Some(peer) = self.peers.get_mut(&conn) else {
            return;
        };
        let Some(list) = peer.pending_events.remove(&obj) else {
            return;
        };
        peer.pending_count -= list.len();
        let mut overflow = None;
        for (field, args, reliable) in list {
            let mut payload = Vec::with_capacity(11 + args.len());
            encode_object_message(&mut payload, tick, obj, field, &args);
            let r = if reliable {
                Reliability::Reliable
            } else {
                Reliability::Unreliable
            };
            if let Err(detail) = self.push_event(conn, payload, r) {
                overflow.get_or_insert(detail);
            }
        }
        if let Some(detail) = overflow {
            self.eject_overflowed(vec![(conn, detail)]);
        }
    }
}

/// A priority that sorts: finite and not negative.
fn sanitize(p: f32) -> f32 {
    if p.is_finite() {
        p.max(0.0)
    } else {
        0.0
    }
}

impl Peer {
    /// Presumes sent packet `i` lost: its objects go back to their baseline (sent
    /// again from it), its leaves are sent again, the congestion response hears of it.
    pub(crate) fn lose(&mut self, now: Time, i: usize) {
        let Some(part) = self.sent.get_mut(i) else {
            return;
        };
        if part.fate != Fate::InFlight {
            return;
        }
        part.fate = Fate::Lost;
        let tick = part.tick;
        let sent_at = part.sent_at;
        self.budget.on_loss(now, sent_at);
        for k in 0..self.sent[i].records.len() {
            let (obj, kind) = self.sent[i].records[k];
            match kind {
                Sent::Leave => {
                    if let Some(l) = self.leaving.get_mut(&obj) {
                        if tick >= l.0 {
                            l.1 = false;
                        }
                    }
                }
                Sent::Enter | Sent::Update { .. } => {
                    let Some(v) = self.views.get_mut(&obj) else {
                        continue;
                    };
                    if tick < v.since || v.acked.is_some_and(|a| a >= tick) {
                        continue; // an earlier visit, or already covered by a later ack
                    }
                    v.sent = v.acked;
                    if !self.pending_enter.contains(&obj) {
                        v.mark_dirty(obj, &mut self.dirty);
                    }
                }
            }
        }
    }
}

/// Writes the leaves not in flight; returns how many the budget held back.
fn write_leaves(
    peer: &mut Peer,
    w: &mut PartWriter,
    written: &mut Vec<(u16, DoId, Sent)>,
    allowed: usize,
) -> usize {
    let mut held = 0;
    for (&id, l) in peer.leaving.iter_mut() {
        if l.1 {
            continue;
        }
        if w.bytes() >= allowed {
            held += 1;
            continue;
        }
        let seq = w.leave(id);
        l.1 = true;
        written.push((seq, id, Sent::Leave));
    }
    held
}

/// The entries and updates due: entries never sent (or whose state changed since the
/// one in flight), then objects with changes not in flight.
/// Drains the dirty list: the caller lists again what stays dirty.
fn collect(objects: &super::objects::ObjectStore, peer: &mut Peer, order: &mut Vec<u64>) {
    for &id in &peer.pending_enter {
        let (Some(o), Some(v)) = (objects.get(id), peer.views.get(&id)) else {
            continue;
        };
        if v.sent.is_none_or(|s| o.changed_tick > s) {
            order.push(u64::from(id.0) << 1 | 1);
        }
    }
    order.extend(peer.dirty.drain(..).map(|id| u64::from(id.0) << 1));
}

/// The object and whether its entry is due, from a sort key (bits 1-32, bit 0).
fn unkey(key: u64) -> (DoId, bool) {
    (DoId((key >> 1) as u32), key & 1 != 0)
}

/// Plans the records of the candidates in `order`: per object still due, its entry
/// or the baseline its update counts from (with room, the client's acknowledged
/// baseline, so the changes in flight are repeated; under pressure, the last record
/// sent). Candidates with nothing due are dropped here (an update without a baseline
/// or a view no longer dirty is clean; a stale id is skipped). Returns the plan's hash.
fn plan_records(peer: &mut Peer, order: &[u64], pressure: bool, plan: &mut Vec<Planned>) -> u64 {
    plan.clear();
    let mut hash = 0;
    for &key in order {
        let (id, enter) = unkey(key);
        let Some(v) = peer.views.get_mut(&id) else {
            continue; // a stale id of the dirty list
        };
        if !enter && !v.dirty {
            v.listed = false;
            continue;
        }
        let base = if enter {
            Tick(0)
        } else {
            let base = if pressure {
                v.sent.or(v.acked)
            } else {
                v.acked.or(v.sent)
            };
            let Some(base) = base else {
                v.dirty = false;
                v.listed = false;
                continue;
            };
            base
        };
        let p = Planned {
            id,
            base,
            enter,
            owned: v.owned,
            // Value deltas count from what the client is known to hold.
            delta: if enter { None } else { v.acked },
        };
        hash = p.mix(hash);
        plan.push(p);
    }
    hash
}

/// Notes what became of each planned record: a written one is in flight (`written`,
/// the view's `sent`); a written update stays dirty until acked (listed again) with
/// room, is clean once sent under pressure; an empty update is clean; a held one
/// keeps waiting (listed again). Returns how many records were written.
fn apply_outcomes(
    peer: &mut Peer,
    plan: &[Planned],
    outcome: &[u16],
    first_seq: u16,
    tick: Tick,
    pressure: bool,
    written: &mut Vec<(u16, DoId, Sent)>,
) -> usize {
    let mut count = 0;
    for (p, &o) in plan.iter().zip(outcome) {
        let Some(v) = peer.views.get_mut(&p.id) else {
            continue;
        };
        match o {
            share::HELD => {
                if !p.enter {
                    peer.dirty.push(p.id);
                }
            }
            share::EMPTY => {
                if !p.enter {
                    v.dirty = false;
                    v.listed = false;
                }
            }
            part => {
                count += 1;
                v.sent = Some(tick);
                v.priority = 0.0;
                let seq = first_seq.wrapping_add(part);
                if p.enter {
                    written.push((seq, p.id, Sent::Enter));
                } else {
                    written.push((seq, p.id, Sent::Update { base: p.base }));
                    if pressure {
                        v.dirty = false;
                        v.listed = false;
                    } else {
                        peer.dirty.push(p.id);
                    }
                }
            }
        }
    }
    count
}

/// Writes a planned record; returns the sequence number of its part, or `None` when
/// nothing was due (the object is gone, or the update holds no change). An update's
/// integer fields go as value deltas against the client's acknowledged state when the
/// server still has that state and the deltas are smaller (see `past`).
fn write_planned(
    schema: &crate::schema::SchemaInfo,
    objects: &mut super::objects::ObjectStore,
    w: &mut PartWriter,
    p: &Planned,
    tick: Tick,
) -> Option<u16> {
    let obj = objects.get_mut(p.id)?;
    let n = obj.slots.len();
    if p.enter {
        w.enter(p.id, obj.class.number, n, obj.location, p.owned);
        for (i, s) in obj.slots.iter().enumerate() {
            if s.visible_to(p.owned) {
                w.field(i, &s.value);
            }
        }
        return Some(w.end());
    }
    if obj.changed_tick <= p.base {
        return None;
    }
    let moved = (obj.location_tick > p.base).then_some(obj.location);
    let class = obj.class.number;
    let (slots, past) = (&obj.slots, &mut obj.past);
    let mut past = p
        .delta
        .and_then(|a| Some((a, past.as_deref_mut()?)))
        .and_then(|(a, kept)| Some((a, kept.find(a)?, kept)));
    let mut delta = match past {
        Some((acked, _, _)) => w.update_delta(p.id, class, n, moved, acked),
        None => {
            w.update(p.id, class, n, moved);
            false
        }
    };
    loop {
        for (i, s) in slots.iter().enumerate() {
            if s.tick > p.base && s.visible_to(p.owned) {
                let deltas = match (&mut past, delta) {
                    (Some((acked, k, kept)), true) => kept.deltas(*k, i, &s.value, tick, *acked),
                    _ => None,
                };
                match deltas {
                    Some(d) => w.field_encoded_delta(i, d, s.value.len()),
                    None => w.field(i, &s.value),
                }
            }
        }
        if w.deltas_pay() {
            break;
        }
        // Deltas larger than the values (big jumps): packed after all.
        w.cancel();
        w.update(p.id, class, n, moved);
        delta = false;
    }
    if w.fields_written() == 0 && moved.is_none() {
        w.cancel();
        return None;
    }
    let seq = w.end();
    obj.remember(schema, tick);
    Some(seq)
}
