//! Who sees which object: views entering and leaving, interest changes, departures.

use super::events::{DisconnectReason, ServerEvent};
use super::peer::{InterestWait, Peer, View};
use super::zones::ZoneIndex;
use super::Server;
use crate::ids::{ClientId, ConnectionId, DetMap, DetSet, DoId, InterestHandle, Location, ZoneSet};
use crate::protocol::{EjectReason, InterestOp, ServerMessage};
use crate::time::Tick;

impl Peer {
    /// The object becomes visible (again); its entry is sent from the next snapshot.
    pub(crate) fn add_view(&mut self, id: DoId, owned: bool, tick: Tick) {
        if let Some(v) = self.views.get_mut(&id) {
            if v.owned != owned {
                // Owner-only fields change: send a fresh full entry.
                *v = View {
                    since: tick,
                    acked: None,
                    sent: None,
                    priority: v.priority,
                    owned,
                    prior_leave: true,
                    dirty: false,
                    listed: v.listed,
                };
                self.pending_enter.insert(id);
            }
            return;
        }
        let prior_leave = self.leaving.remove(&id).is_some();
        self.recent_left.remove(&id);
        self.views.insert(
            id,
            View {
                since: tick,
                acked: None,
                sent: None,
                priority: 0.0,
                owned,
                prior_leave,
                dirty: false,
                listed: false,
            },
        );
        self.pending_enter.insert(id);
    }

    /// The object is no longer visible; a leave is sent if its entry ever went out.
    /// Returns interest handles completed by this.
    pub(crate) fn remove_view(&mut self, id: DoId, tick: Tick) -> Vec<InterestHandle> {
        let Some(v) = self.views.remove(&id) else {
            return Vec::new();
        };
        self.pending_enter.remove(&id);
        if let Some(evs) = self.pending_events.remove(&id) {
            self.pending_count -= evs.len();
        }
        if v.prior_leave || self.last_sent.is_some_and(|t| t >= v.since) {
            self.leaving.insert(id, (tick, false));
        }
        self.recent_left.insert(id, tick);
        self.recent_order.push_back((tick, id));
        self.settle(id)
    }

    /// Marks a visible object as having a change to send, once its entry is acked.
    pub(crate) fn mark_dirty(&mut self, id: DoId) {
        let Some(v) = self.views.get_mut(&id) else {
            return;
        };
        if self.pending_enter.is_empty() || !self.pending_enter.contains(&id) {
            v.mark_dirty(id, &mut self.dirty);
        }
    }
}

/// Every connection that sees objects at `loc` owned by `owner`: the location's
/// watchers, plus the owner.
pub(crate) fn viewers(
    zones: &ZoneIndex,
    clients: &DetMap<ClientId, ConnectionId>,
    loc: Location,
    owner: Option<ClientId>,
) -> Vec<ConnectionId> {
    let mut out: Vec<ConnectionId> = zones.watchers(loc).collect();
    if let Some(conn) = owner.and_then(|o| clients.get(&o)) {
        if !out.contains(conn) {
            out.push(*conn);
        }
    }
    out
}

impl Server {
    /// Sends "interest complete" for each finished handle.
    pub(super) fn complete(&mut self, conn: ConnectionId, handles: Vec<InterestHandle>) {
        if !self.peers.contains_key(&conn) {
            return; // ejected meanwhile
        }
        for h in handles {
            self.push(conn, &ServerMessage::InterestComplete(h));
        }
    }

    /// Applies an interest change for a connection; `handle` (from a client request)
    /// gets "interest complete" once the objects of `locations` have arrived.
    pub(super) fn apply_interest(
        &mut self,
        conn: ConnectionId,
        op: InterestOp,
        locations: &[Location],
        handle: Option<InterestHandle>,
    ) {
        let Some(peer) = self.peers.get(&conn) else {
            return;
        };
        let client = peer.id;
        let old = peer.interest.clone();
        let mut new: ZoneSet<Location> = match op {
            InterestOp::Set => ZoneSet::default(),
            InterestOp::Add | InterestOp::Remove => old.clone(),
        };
        for l in locations {
            if op == InterestOp::Remove {
                new.remove(l);
            } else {
                new.insert(*l);
            }
        }
        if new.len() > self.config.max_interest_zones {
            let detail = format!(
                "{} zones, limit {}",
                new.len(),
                self.config.max_interest_zones
            );
            self.eject(conn, EjectReason::BadInterest, detail);
            return;
        }
        let added: Vec<Location> = new.iter().filter(|l| !old.contains(*l)).copied().collect();
        let removed: Vec<Location> = old.iter().filter(|l| !new.contains(*l)).copied().collect();
        if let Some(l) = added
            .iter()
            .find(|l| !self.hooks.allow_interest(client, **l))
        {
            let detail = format!("location {l} refused by the game");
            self.eject(conn, EjectReason::BadInterest, detail);
            return;
        }
        let tick = self.tick;
        let Some(peer) = self.peers.get_mut(&conn) else {
            return;
        };
        let mut done = Vec::new();
        for loc in &removed {
            self.zones.unwatch(*loc, conn);
            for id in self.zones.objects(*loc) {
                let owned = self
                    .objects
                    .get(id)
                    .is_some_and(|o| o.owner == Some(client));
                if !owned {
                    done.extend(peer.remove_view(id, tick));
                }
            }
        }
        for loc in &added {
            self.zones.watch(*loc, conn);
            for id in self.zones.objects(*loc) {
                let owned = self
                    .objects
                    .get(id)
                    .is_some_and(|o| o.owner == Some(client));
                peer.add_view(id, owned, tick);
            }
        }
        peer.interest = new;
        if let Some(handle) = handle {
            let mut waiting = DetSet::default();
            if op != InterestOp::Remove {
                for loc in locations {
                    for id in self.zones.objects(*loc) {
                        if peer.pending_enter.contains(&id) {
                            waiting.insert(id);
                        }
                    }
                }
            }
            if waiting.is_empty() {
                done.push(handle);
            } else if peer.waits.len() >= self.config.max_pending_interests {
                let detail = format!(
                    "client {}: more than {} interest requests waiting for their objects",
                    client.0, self.config.max_pending_interests
                );
                self.eject(conn, EjectReason::Overflow, detail);
                return;
            } else {
                peer.waits.push(InterestWait { handle, waiting });
            }
        }
        self.complete(conn, done);
    }

    /// Removes a connection and everything tied to it.
    pub(super) fn drop_peer(&mut self, conn: ConnectionId, reason: DisconnectReason) {
        let Some(peer) = self.peers.remove(&conn) else {
            return;
        };
        for loc in &peer.interest {
            self.zones.unwatch(*loc, conn);
        }
        if !peer.is_active() {
            return;
        }
        self.clients.remove(&peer.id);
        for id in &peer.owned {
            if self.config.delete_owned_on_disconnect {
                // The object exists: it is in the owner's table.
                let _ = self.delete(*id);
            } else if let Some(o) = self.objects.get_mut(*id) {
                o.owner = None;
            }
        }
        self.events.push_back(ServerEvent::ClientDisconnected {
            client: peer.id,
            reason,
        });
    }
}
