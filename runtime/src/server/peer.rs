//! Per-connection state on the server: handshake stage, rates, interest, and what the
//! client has been sent and has acknowledged about each object it sees.

use super::budget::Budget;
use crate::ids::{ClientId, ConnectionId, DetMap, DetSet, DoId, InterestHandle, Location, ZoneSet};
use crate::protocol::Rates;
use crate::time::{Tick, Time};
use std::collections::VecDeque;
use std::time::Duration;

/// Handshake stage of a connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Stage {
    /// Waiting for the hello.
    AwaitHello,
    /// Hello passed; waiting for the answer to this challenge.
    Authenticating(Vec<u8>),
    /// Verified client.
    Active,
}

/// One object as one client sees it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct View {
    /// The tick from which this (re-)entry is sent; acks of older records don't count.
    pub(crate) since: Tick,
    /// Latest tick of a record about this object the client acknowledged (since
    /// `since`): the baseline the client is known to hold.
    pub(crate) acked: Option<Tick>,
    /// Tick of the latest record sent and not known lost: every change up to it is
    /// delivered or in flight (`None`: the entry must be sent).
    pub(crate) sent: Option<Tick>,
    /// Accumulated priority: grows each snapshot the object waits under budget
    /// pressure, back to 0 when it is sent.
    pub(crate) priority: f32,
    /// The client owns the object.
    pub(crate) owned: bool,
    /// A leave of an earlier visit was still unacknowledged when this visit began: if
    /// this visit ends before its entry goes out, that leave must still be sent.
    pub(crate) prior_leave: bool,
    /// Entered, with changes the client has not acknowledged (to send).
    pub(crate) dirty: bool,
    /// Listed in `Peer::dirty` (so marking it again does not list it twice).
    pub(crate) listed: bool,
}

impl View {
    /// Marks the view as having changes to send, listing `id` in `list` once.
    pub(crate) fn mark_dirty(&mut self, id: DoId, list: &mut Vec<DoId>) {
        self.dirty = true;
        if !self.listed {
            self.listed = true;
            list.push(id);
        }
    }
}

/// What a record in a sent part said.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sent {
    /// Full state: acking it makes the part's tick the view's baseline.
    Enter,
    /// The changes after `base`: acking it advances a baseline of at least `base`.
    Update {
        /// The tick the record's changes are counted from.
        base: Tick,
    },
    /// Leave: acking it ends the leave.
    Leave,
}

/// What became of a sent part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fate {
    /// No news yet.
    InFlight,
    /// The client acknowledged it.
    Acked,
    /// Presumed lost (its records were queued again); a late ack still counts.
    Lost,
}

/// A sent snapshot packet, kept until its fate is known and older ones are gone.
#[derive(Clone, Debug)]
pub(crate) struct SentPart {
    pub(crate) seq: u16,
    pub(crate) tick: Tick,
    pub(crate) sent_at: Time,
    pub(crate) bytes: usize,
    pub(crate) records: Vec<(DoId, Sent)>,
    pub(crate) fate: Fate,
}

/// An interest request waiting for its objects to settle on the client.
#[derive(Clone, Debug)]
pub(crate) struct InterestWait {
    pub(crate) handle: InterestHandle,
    pub(crate) waiting: DetSet<DoId>,
}

/// A sliding window of round-trip samples.
#[derive(Clone, Debug, Default)]
pub(crate) struct RttWindow {
    samples: VecDeque<Duration>,
}

impl RttWindow {
    const LEN: usize = 5;

    pub(crate) fn push(&mut self, d: Duration) {
        if self.samples.len() == Self::LEN {
            self.samples.pop_front();
        }
        self.samples.push_back(d);
    }

    pub(crate) fn average(&self) -> Option<Duration> {
        let n = u32::try_from(self.samples.len()).ok().filter(|&n| n > 0)?;
        Some(self.samples.iter().sum::<Duration>() / n)
    }
}

/// A client connection.
#[derive(Debug)]
pub(crate) struct Peer {
    pub(crate) conn: ConnectionId,
    pub(crate) stage: Stage,
    pub(crate) connected_at: Time,
    pub(crate) id: ClientId,
    pub(crate) rates: Rates,
    pub(crate) interest: ZoneSet<Location>,
    pub(crate) views: DetMap<DoId, View>,
    /// Views whose entry is not acknowledged yet (sent in full every snapshot).
    pub(crate) pending_enter: DetSet<DoId>,
    /// The views that may be dirty (`View::dirty`, the truth): every view with
    /// `View::listed`, plus stale ids (views since removed, rarely twice) that the next
    /// snapshot drops. A flag and a list instead of a set: marking a change costs one
    /// lookup (in `views`), not three.
    pub(crate) dirty: Vec<DoId>,
    /// The last snapshot was cut short by the byte budget: the next one sends the
    /// longest-unacknowledged changes first, so no object starves.
    pub(crate) snapshot_cut: bool,
    /// Objects that left the view, with the tick of leaving and whether a leave is in
    /// flight, until a leave is acked.
    pub(crate) leaving: DetMap<DoId, (Tick, bool)>,
    /// Recently left objects: a message about them is a race, not a violation.
    pub(crate) recent_left: DetMap<DoId, Tick>,
    pub(crate) recent_order: VecDeque<(Tick, DoId)>,
    /// Sent packets, in sequence order (consecutive numbers).
    pub(crate) sent: VecDeque<SentPart>,
    /// Sequence number of the next snapshot packet.
    pub(crate) next_seq: u16,
    /// Bandwidth budget and congestion state.
    pub(crate) budget: Budget,
    /// Reused buffer of the snapshot being written: sort keys of the candidates
    /// (inverted priority under pressure, object id, entry flag).
    pub(crate) order: Vec<u64>,
    /// Reused buffer of the snapshot being written: `(packet seq, object, record)`.
    pub(crate) written: Vec<(u16, DoId, Sent)>,
    /// Reused buffer of the snapshot being written: its planned records.
    pub(crate) plan: Vec<super::share::Planned>,
    /// Reused buffer of the snapshot being written: what became of each planned
    /// record (see `share::EMPTY`, `share::HELD`).
    pub(crate) outcome: Vec<u16>,
    pub(crate) last_sent: Option<Tick>,
    /// When the last snapshot packet went out.
    pub(crate) last_packet_at: Time,
    /// Packed messages (without their tick header) waiting for their object's entry.
    pub(crate) pending_events: DetMap<DoId, Vec<(u16, Vec<u8>, bool)>>,
    pub(crate) pending_count: usize,
    pub(crate) waits: Vec<InterestWait>,
    /// Fractional tick at which the next snapshot is due.
    pub(crate) next_update: f64,
    pub(crate) rtt: RttWindow,
    /// The longest the client says it holds an ack (`Ack::max_delay_ms`).
    pub(crate) max_ack_delay: std::time::Duration,
    pub(crate) cmd_tokens: f64,
    pub(crate) cmd_time: Time,
    /// Field messages and pings dropped over the command budget.
    pub(crate) commands_dropped: u64,
    /// Input command streams by object, and their counters.
    pub(crate) streams: super::commands::Streams,
    pub(crate) command_stats: super::commands::CommandStats,
    pub(crate) owned: DetSet<DoId>,
    /// Reliable object messages sent this session (wrapping).
    pub(crate) events_sent: u32,
    /// Sizes of the reliable object messages the client has not confirmed, oldest first.
    pub(crate) unconfirmed: VecDeque<usize>,
    /// Sum of `unconfirmed`.
    pub(crate) unconfirmed_bytes: usize,
}

impl Peer {
    pub(crate) fn new(conn: ConnectionId, now: Time) -> Peer {
        Peer {
            conn,
            stage: Stage::AwaitHello,
            connected_at: now,
            id: ClientId(u32::MAX),
            rates: Rates {
                update_rate: 20,
                cmd_rate: 100,
                interp: 0.1,
                rate: crate::config::Config::default().rate,
            },
            interest: ZoneSet::default(),
            views: DetMap::default(),
            pending_enter: DetSet::default(),
            dirty: Vec::new(),
            snapshot_cut: false,
            leaving: DetMap::default(),
            recent_left: DetMap::default(),
            recent_order: VecDeque::new(),
            sent: VecDeque::new(),
            next_seq: 0,
            budget: Budget::new(crate::config::Config::default().rate, 1200, now),
            order: Vec::new(),
            written: Vec::new(),
            plan: Vec::new(),
            outcome: Vec::new(),
            last_sent: None,
            last_packet_at: now,
            pending_events: DetMap::default(),
            pending_count: 0,
            waits: Vec::new(),
            next_update: 0.0,
            rtt: RttWindow::default(),
            max_ack_delay: std::time::Duration::ZERO,
            cmd_tokens: 0.0,
            cmd_time: now,
            commands_dropped: 0,
            streams: Default::default(),
            command_stats: Default::default(),
            owned: DetSet::default(),
            events_sent: 0,
            unconfirmed: VecDeque::new(),
            unconfirmed_bytes: 0,
        }
    }

    pub(crate) fn is_active(&self) -> bool {
        self.stage == Stage::Active
    }

    /// Whether the object's entry has been acknowledged (messages may flow).
    pub(crate) fn entered(&self, id: DoId) -> bool {
        self.views.contains_key(&id) && !self.pending_enter.contains(&id)
    }

    /// Notes that the object settled (entered, left, or vanished) for interest waits;
    /// returns handles that are now complete.
    pub(crate) fn settle(&mut self, id: DoId) -> Vec<InterestHandle> {
        let mut done = Vec::new();
        self.waits.retain_mut(|w| {
            w.waiting.remove(&id);
            if w.waiting.is_empty() {
                done.push(w.handle);
                false
            } else {
                true
            }
        });
        done
    }

    /// Gives back the room of the per-tick working sets once a burst has drained:
    /// a hash set keeps its capacity, and iterating it (every snapshot walks
    /// `pending_enter` and `dirty`) costs O(capacity), so without this one burst of
    /// entries would make every later tick cost O(the burst) instead of O(changes).
    pub(crate) fn trim_working_sets(&mut self) {
        shrink_sparse(&mut self.pending_enter);
        if self.dirty.capacity() > SHRINK_FLOOR && self.dirty.len() * 8 < self.dirty.capacity() {
            self.dirty
                .shrink_to((self.dirty.len() * 2).max(SHRINK_FLOOR));
        }
    }

    /// Forgets recently-left entries older than `oldest`.
    pub(crate) fn prune_recent(&mut self, oldest: Tick) {
        while let Some(&(t, id)) = self.recent_order.front() {
            if t >= oldest {
                break;
            }
            self.recent_order.pop_front();
            if self.recent_left.get(&id) == Some(&t) {
                self.recent_left.remove(&id);
            }
        }
    }
}

/// Capacity at or below which a set is left alone (shrinking it would save little).
const SHRINK_FLOOR: usize = 64;

/// Shrinks `set` to twice its length when it uses under an eighth of its capacity.
/// Shrinking costs O(capacity) but only follows a drop to an eighth, so it is paid at
/// most once per burst (amortized O(1) per element inserted).
pub(crate) fn shrink_sparse<T: std::hash::Hash + Eq, S: std::hash::BuildHasher>(
    set: &mut std::collections::HashSet<T, S>,
) {
    // Above twice the floor: a set shrunk to the floor keeps more room than asked
    // (its buckets are a power of two), and must not be shrunk again every tick.
    if set.capacity() > 2 * SHRINK_FLOOR && set.len() * 8 < set.capacity() {
        set.shrink_to((set.len() * 2).max(SHRINK_FLOOR));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_drained_burst_gives_its_room_back() {
        let mut set: DetSet<DoId> = DetSet::default();
        for k in 0..10_000 {
            set.insert(DoId(k));
        }
        let big = set.capacity();
        for k in 10..10_000 {
            set.remove(&DoId(k));
        }
        assert_eq!(set.capacity(), big, "a hash set keeps its room by itself");
        shrink_sparse(&mut set);
        assert!(set.capacity() <= 4 * SHRINK_FLOOR, "{}", set.capacity());
        assert_eq!(set.len(), 10);
        // A set in use keeps its room: no shrink-grow churn every tick.
        let mut busy: DetSet<DoId> = (0..1000).map(DoId).collect();
        let cap = busy.capacity();
        shrink_sparse(&mut busy);
        assert_eq!(busy.capacity(), cap);
    }
}
