//! One written snapshot shared by the clients of a tick that would get the same bytes.
//!
//! A snapshot's records follow from its plan: the objects in order, and per object
//! whether its entry goes out, whether the client owns it and the baseline an update
//! counts from. Clients watching the same zones with the same acknowledged baselines
//! (every client of a crowded zone, once its acks are in) have the same plan, and the
//! writer then produces the same parts but for their sequence numbers, the only
//! per-client bytes of a part header. So the first client with a plan is written and
//! the next ones get a copy of its parts with their own sequence numbers: the writer
//! runs once per distinct view instead of once per client.
//!
//! A copy is only taken when it is exactly what writing would have produced: no
//! leaves before the entries (leaves are per client), no budget pressure (the order
//! then depends on the client's priorities), and a budget that lets every record in.

use crate::ids::DoId;
use crate::protocol::snapshot::Part;
use crate::protocol::MAX_PART;
use crate::time::Tick;
use std::ops::Range;

/// One record a snapshot is to carry, with all that decides its bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Planned {
    /// The object.
    pub(crate) id: DoId,
    /// For an update, the tick its changes are counted from (`Tick(0)` for an entry).
    pub(crate) base: Tick,
    /// Its entry (full state) instead of an update.
    pub(crate) enter: bool,
    /// The client owns the object (owner-only fields are sent).
    pub(crate) owned: bool,
    /// For an update, the tick whose state the client is known to hold (its
    /// acknowledged baseline): integer fields may go as value deltas against it.
    pub(crate) delta: Option<Tick>,
}

impl Planned {
    /// Mixes the record into a plan's hash (FxHash's step).
    pub(crate) fn mix(&self, hash: u64) -> u64 {
        let word = u64::from(self.id.0)
            | u64::from(self.base.0) << 32
            | u64::from(self.enter) << 62
            | u64::from(self.owned) << 63;
        let hash = (hash.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        match self.delta {
            // The same baseline as `base` (the usual case with room) adds nothing.
            Some(t) if t == self.base => hash,
            d => (hash.rotate_left(5) ^ d.map_or(u64::MAX, |t| u64::from(t.0)))
                .wrapping_mul(0x51_7c_c1_b7_27_22_0a_95),
        }
    }
}

/// Outcome of a planned record: nothing was due (the update turned out empty).
pub(crate) const EMPTY: u16 = u16::MAX;
/// Outcome of a planned record: the budget held it back.
pub(crate) const HELD: u16 = u16::MAX - 1;
// Any other outcome: the index of the part it landed in (its sequence number minus
// the snapshot's first).

/// Most snapshots kept per tick.
const MAX_ENTRIES: usize = 32;
/// Most payload bytes kept per tick.
const MAX_BYTES: usize = 4 << 20;

/// A snapshot written this tick.
#[derive(Clone, Debug)]
struct Entry {
    hash: u64,
    /// Its plan and outcomes in `plans` and `outcomes`.
    plan: Range<usize>,
    /// Its parts' payloads in `parts`.
    parts: Range<usize>,
    /// The writer's byte count at the last budget check (before the last record).
    last_check: usize,
}

/// The snapshots written this tick, for clients with the same plan.
#[derive(Debug, Default)]
pub(crate) struct SharedSnapshots {
    entries: Vec<Entry>,
    plans: Vec<Planned>,
    outcomes: Vec<u16>,
    parts: Vec<Range<usize>>,
    bytes: Vec<u8>,
    /// Tests only: write every snapshot (no copies), to compare with sharing on.
    #[cfg(test)]
    pub(crate) off: bool,
}

impl SharedSnapshots {
    /// Whether snapshots may be copied between clients (always, outside tests).
    pub(crate) fn enabled(&self) -> bool {
        #[cfg(test)]
        return !self.off;
        #[cfg(not(test))]
        true
    }

    /// Forgets the snapshots of the previous tick (keeping the buffers).
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.plans.clear();
        self.outcomes.clear();
        self.parts.clear();
        self.bytes.clear();
    }

    /// A snapshot written this tick with this plan, which a budget of `allowed`
    /// bytes would have let through whole: its outcomes, and its parts renumbered
    /// from `first_seq`.
    pub(crate) fn find(
        &self,
        hash: u64,
        plan: &[Planned],
        allowed: usize,
        first_seq: u16,
    ) -> Option<(&[u16], Vec<Part>)> {
        let e = self.entries.iter().find(|e| {
            e.hash == hash && e.last_check < allowed && self.plans.get(e.plan.clone()) == Some(plan)
        })?;
        let parts = self.parts.get(e.parts.clone())?;
        let mut out = Vec::with_capacity(parts.len());
        for (k, range) in parts.iter().enumerate() {
            let mut payload = self.bytes.get(range.clone())?.to_vec();
            let seq = first_seq.wrapping_add(k as u16);
            // The part header: type:u8 seq:u16 tick:u32 part:u16 count:u16.
            payload.get_mut(1..3)?.copy_from_slice(&seq.to_le_bytes());
            // (Its index, without the flag of the tick's last part.)
            let part = u16::from_le_bytes([*payload.get(7)?, *payload.get(8)?]) & MAX_PART;
            out.push(Part { seq, part, payload });
        }
        Some((self.outcomes.get(e.plan.clone())?, out))
    }

    /// Keeps a snapshot written whole (nothing held back) for later clients.
    pub(crate) fn insert(
        &mut self,
        hash: u64,
        plan: &[Planned],
        outcomes: &[u16],
        parts: &[Part],
        last_check: usize,
    ) {
        let size: usize = parts.iter().map(|p| p.payload.len()).sum();
        if self.entries.len() >= MAX_ENTRIES || self.bytes.len() + size > MAX_BYTES {
            return;
        }
        let start = self.plans.len();
        self.plans.extend_from_slice(plan);
        self.outcomes.extend_from_slice(outcomes);
        let first_part = self.parts.len();
        for p in parts {
            let at = self.bytes.len();
            self.bytes.extend_from_slice(&p.payload);
            self.parts.push(at..self.bytes.len());
        }
        self.entries.push(Entry {
            hash,
            plan: start..self.plans.len(),
            parts: first_part..self.parts.len(),
            last_check,
        });
    }
}
