//! Building a client's snapshot and processing its acks.

use super::peer::{Peer, Sent, SentPart};
use super::Server;
use crate::ids::{ConnectionId, DoId};
use crate::protocol::encode_object_message;
use crate::protocol::snapshot::PartWriter;
use crate::protocol::{PartId, Reliability};
use crate::time::{Tick, Time};
use std::time::Duration;

/// Longest time without any snapshot packet to a client (an empty one is sent then).
const KEEPALIVE: Duration = Duration::from_millis(500);

impl Server {
    /// Writes and queues the snapshot of the current tick for one client.
    pub(super) fn send_snapshot(&mut self, now: Time, conn: ConnectionId) {
        let tick = self.tick;
        let Some(peer) = self.peers.get_mut(&conn) else {
            return;
        };
        let mut w = PartWriter::new(tick, self.config.max_packet_size);
        let mut records: Vec<(u16, DoId, Sent)> = Vec::new();
        let budget = self.config.max_snapshot_bytes;
        // Each returns whether the byte budget cut it short (the rest waits a tick).
        let mut cut = write_leaves(peer, &mut w, &mut records, budget);
        cut |= write_enters(self, conn, &mut w, &mut records, budget);
        let Some(peer) = self.peers.get_mut(&conn) else {
            return;
        };
        cut |= write_updates(&self.objects, peer, &mut w, &mut records, budget);
        peer.last_sent = Some(tick);
        // An empty snapshot also goes out while reliable messages are unconfirmed: its
        // ack tells how far the client has read them (see `backlog`).
        let keepalive = now.since(peer.last_packet_at) >= KEEPALIVE || !peer.unconfirmed.is_empty();
        // A cut snapshot flags no part as last: the client must not read it as the
        // whole tick (it infers that objects absent from a whole snapshot stopped).
        peer.snapshot_cut = cut;
        let parts = w.finish(keepalive, !cut);
        if !parts.is_empty() {
            peer.last_packet_at = now;
        }
        for (part, payload) in parts {
            let recs = records
                .iter()
                .filter(|r| r.0 == part)
                .map(|r| (r.1, r.2))
                .collect();
            peer.sent.push_back(SentPart {
                id: PartId { tick, part },
                sent_at: now,
                records: recs,
                acked: false,
            });
            self.transmits.push_back(super::Transmit {
                connection: conn,
                payload,
                reliability: Reliability::Unreliable,
                close_after: false,
            });
        }
        let oldest = tick.saturating_sub(self.config.snapshot_history);
        while peer.sent.front().is_some_and(|p| p.id.tick < oldest) {
            peer.sent.pop_front();
        }
    }

    /// Processes the acknowledgement of one snapshot part.
    pub(super) fn ack_part(&mut self, now: Time, conn: ConnectionId, id: PartId) {
        let Some(peer) = self.peers.get_mut(&conn) else {
            return;
        };
        let Some(i) = peer.find_sent(id) else {
            return; // too old, never sent, or forged: nothing to learn
        };
        if peer.sent[i].acked {
            return;
        }
        peer.sent[i].acked = true;
        peer.rtt.push(now.since(peer.sent[i].sent_at));
        let records = std::mem::take(&mut peer.sent[i].records);
        let mut done = Vec::new();
        let mut flush = Vec::new();
        for (obj, kind) in records {
            match kind {
                Sent::Leave => {
                    if peer
                        .leaving
                        .get(&obj)
                        .is_some_and(|&since| id.tick >= since)
                    {
                        peer.leaving.remove(&obj);
                    }
                }
                Sent::State => {
                    let Some(v) = peer.views.get_mut(&obj) else {
                        continue;
                    };
                    if id.tick < v.since {
                        continue; // about an earlier visit of this object
                    }
                    let acked = v.acked.map_or(id.tick, |a| a.max(id.tick));
                    v.acked = Some(acked);
                    if peer.pending_enter.remove(&obj) {
                        done.extend(peer.settle(obj));
                        flush.push(obj);
                    }
                    let changed = self.objects.get(obj).map_or(Tick(0), |o| o.changed_tick);
                    if changed > acked {
                        peer.dirty.insert(obj);
                    } else {
                        peer.dirty.remove(&obj);
                    }
                }
            }
        }
        for obj in flush {
            self.flush_pending(conn, obj);
        }
        self.complete(conn, done);
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

fn write_leaves(
    peer: &Peer,
    w: &mut PartWriter,
    records: &mut Vec<(u16, DoId, Sent)>,
    budget: usize,
) -> bool {
    for &id in peer.leaving.keys() {
        if w.bytes() > budget {
            return true;
        }
        let part = w.leave(id);
        records.push((part, id, Sent::Leave));
    }
    false
}

fn write_enters(
    server: &Server,
    conn: ConnectionId,
    w: &mut PartWriter,
    records: &mut Vec<(u16, DoId, Sent)>,
    budget: usize,
) -> bool {
    let Some(peer) = server.peers.get(&conn) else {
        return false;
    };
    for &id in &peer.pending_enter {
        if w.bytes() > budget {
            return true;
        }
        let (Some(obj), Some(view)) = (server.objects.get(id), peer.views.get(&id)) else {
            continue;
        };
        w.enter(id, obj.class.number, obj.location, view.owned);
        for s in obj.slots.iter().filter(|s| s.visible_to(view.owned)) {
            w.field(s.number, &s.value);
        }
        let part = w.end();
        records.push((part, id, Sent::State));
    }
    false
}

fn write_updates(
    objects: &super::objects::ObjectStore,
    peer: &mut Peer,
    w: &mut PartWriter,
    records: &mut Vec<(u16, DoId, Sent)>,
    budget: usize,
) -> bool {
    let mut clean = Vec::new();
    let mut cut = false;
    let mut write = |id: DoId, w: &mut PartWriter| -> bool {
        if w.bytes() > budget {
            return false;
        }
        write_update(objects, peer, w, records, &mut clean, id);
        true
    };
    if peer.snapshot_cut {
        // Under budget pressure, oldest acknowledged first: a fixed iteration order
        // would send the same objects every tick and starve the rest.
        let mut order: Vec<(Tick, DoId)> = peer
            .dirty
            .iter()
            .map(|&id| {
                let acked = peer.views.get(&id).and_then(|v| v.acked);
                (acked.unwrap_or(Tick(0)), id)
            })
            .collect();
        order.sort_unstable();
        for (_, id) in order {
            if !write(id, w) {
                cut = true;
                break;
            }
        }
    } else {
        for &id in &peer.dirty {
            if !write(id, w) {
                cut = true;
                break;
            }
        }
    }
    for id in clean {
        peer.dirty.remove(&id);
    }
    cut
}

/// Writes the unacknowledged changes of one dirty object; objects with none left go
/// to `clean`.
fn write_update(
    objects: &super::objects::ObjectStore,
    peer: &Peer,
    w: &mut PartWriter,
    records: &mut Vec<(u16, DoId, Sent)>,
    clean: &mut Vec<DoId>,
    id: DoId,
) {
    let (Some(obj), Some(view)) = (objects.get(id), peer.views.get(&id)) else {
        clean.push(id);
        return;
    };
    let acked = view.acked.unwrap_or(Tick(0));
    if obj.changed_tick <= acked {
        clean.push(id);
        return;
    }
    let moved = (obj.location_tick > acked).then_some(obj.location);
    w.update(id, moved);
    let mut n = 0;
    for s in obj
        .slots
        .iter()
        .filter(|s| s.tick > acked && s.visible_to(view.owned))
    {
        w.field(s.number, &s.value);
        n += 1;
    }
    if n == 0 && moved.is_none() {
        w.cancel();
        clean.push(id);
        return;
    }
    let part = w.end();
    records.push((part, id, Sent::State));
}
