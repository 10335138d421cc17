//! The client's command queue: field messages wait here and leave at the command rate
//! the server granted, so the server's budget (`cmd_rate` per second, which drops what
//! exceeds it) never has to drop anything a well-behaved client sends.
//!
//! - Every field message the game sends is queued; none is dropped. The queue is bounded
//!   (`max_outbound_packets`): past it, [`super::Client::send`] refuses with
//!   [`super::ClientError::QueueFull`], so the game learns at once.
//! - A state field (`ram`/`required`) still waiting when a newer value of the same
//!   (object, field) is sent takes the newer value in place: only the newest matters,
//!   so a game moving its avatar every frame costs one command per release, not a
//!   backlog. Each replaced value is counted ([`super::ClientNetStats::commands_coalesced`]).
//! - Commands leave at [`PACE`] of the granted rate (a margin for jitter, which bunches
//!   packets at the server), with a burst of [`BURST`] seconds. Pings, interest
//!   changes and rate changes, which the server charges to the same budget, take their
//!   token too.

use super::events::Packet;
use crate::ids::DoId;
use crate::time::Time;
use std::collections::VecDeque;
use std::time::Duration;

/// The share of the granted command rate the client uses for its field messages (the
/// rest is a margin for jitter, which bunches packets at the server, and for pings).
pub const PACE: f64 = 0.9;

/// Seconds of commands the client may send at once (the server allows one second).
pub(crate) const BURST: f64 = 0.25;

/// One queued field message.
#[derive(Debug)]
struct Queued {
    /// Its position since the session began (finds it again for coalescing).
    seq: u64,
    /// (object, field) of a state field, which a newer value replaces.
    state_key: Option<(DoId, u16)>,
    packet: Packet,
}

/// Field messages waiting for command tokens.
#[derive(Debug, Default)]
pub(crate) struct CommandQueue {
    queue: VecDeque<Queued>,
    /// Queued state fields: (object, field) → the `seq` of their entry.
    state: crate::ids::DetMap<(DoId, u16), u64>,
    next_seq: u64,
    tokens: f64,
    /// How far below zero charges may take `tokens` (one burst; set by `start`).
    max_debt: f64,
    last: Option<Time>,
    coalesced: u64,
}

/// What [`CommandQueue::push`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pushed {
    /// Queued at the back.
    Queued,
    /// Replaced an older value of the same state field still waiting.
    Coalesced,
    /// The queue holds `limit` messages already.
    Full,
}

impl CommandQueue {
    /// Queues `packet`, a message for `object`'s `field` (`state`: a state field).
    pub(crate) fn push(
        &mut self,
        object: DoId,
        field: u16,
        state: bool,
        packet: Packet,
        limit: usize,
    ) -> Pushed {
        let key = (object, field);
        if let Some(&seq) = state.then(|| self.state.get(&key)).flatten() {
            if let Some(entry) = self.entry_mut(seq) {
                entry.packet = packet;
                self.coalesced += 1;
                return Pushed::Coalesced;
            }
        }
        if self.queue.len() >= limit {
            return Pushed::Full;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        if state {
            self.state.insert(key, seq);
        }
        self.queue.push_back(Queued {
            seq,
            state_key: state.then_some(key),
            packet,
        });
        Pushed::Queued
    }

    fn entry_mut(&mut self, seq: u64) -> Option<&mut Queued> {
        let front = self.queue.front()?.seq;
        let i = usize::try_from(seq.checked_sub(front)?).ok()?;
        self.queue.get_mut(i).filter(|q| q.seq == seq)
    }

    /// Takes one token for a message sent outside the queue (ping, interest, rates,
    /// input commands, which the server charges to the same budget and which go first).
    /// The debt is bounded by one burst, so a sender over its budget still lets queued
    /// messages through eventually.
    pub(crate) fn charge(&mut self) {
        self.tokens = (self.tokens - 1.0).max(-self.max_debt);
    }

    /// Moves the messages the tokens allow at `now` to `out`, for a granted `cmd_rate`.
    pub(crate) fn release(&mut self, now: Time, cmd_rate: u8, out: &mut VecDeque<Packet>) {
        self.refill(now, cmd_rate);
        while self.tokens >= 1.0 {
            let Some(q) = self.queue.pop_front() else {
                break;
            };
            if let Some(key) = q.state_key {
                self.state.remove(&key);
            }
            self.tokens -= 1.0;
            out.push_back(q.packet);
        }
    }

    fn refill(&mut self, now: Time, cmd_rate: u8) {
        let rate = pace(cmd_rate);
        let elapsed = self.last.map_or(0.0, |l| now.since(l).as_secs_f64());
        self.last = Some(now.max(self.last.unwrap_or(now)));
        self.tokens = (self.tokens + elapsed * rate).min(burst(rate));
    }

    /// Moves every waiting message to `out` at once (the game is leaving).
    pub(crate) fn release_all(&mut self, out: &mut VecDeque<Packet>) {
        self.state.clear();
        out.extend(self.queue.drain(..).map(|q| q.packet));
    }

    /// Starts the budget full, as the server does when it accepts the client.
    pub(crate) fn start(&mut self, now: Time, cmd_rate: u8) {
        self.last = Some(now);
        self.tokens = burst(pace(cmd_rate));
        self.max_debt = self.tokens;
    }

    /// When the next queued message may leave (None when none waits).
    pub(crate) fn next_release(&self, cmd_rate: u8) -> Option<Time> {
        if self.queue.is_empty() {
            return None;
        }
        self.next_token(cmd_rate)
    }

    /// When a whole token is there (None before [`CommandQueue::start`]).
    fn next_token(&self, cmd_rate: u8) -> Option<Time> {
        let last = self.last?;
        let wait = ((1.0 - self.tokens) / pace(cmd_rate)).clamp(0.0, 60.0);
        // Rounded up to the next microsecond (`Time`'s unit): a token is then whole when
        // `release` runs, and a driver waking at this time always makes progress.
        Some(last + Duration::from_micros((wait * 1e6).ceil() as u64 + 1))
    }

    /// Messages waiting.
    pub(crate) fn len(&self) -> usize {
        self.queue.len()
    }

    /// State values replaced by newer ones before they left, this session.
    pub(crate) fn coalesced(&self) -> u64 {
        self.coalesced
    }

    /// Forgets everything queued (the session ended).
    pub(crate) fn clear(&mut self) {
        self.queue.clear();
        self.state.clear();
    }
}

/// Commands per second the client sends for a granted `cmd_rate`.
fn pace(cmd_rate: u8) -> f64 {
    (f64::from(cmd_rate) * PACE).max(0.5)
}

/// Tokens the client may hold at `rate`.
fn burst(rate: f64) -> f64 {
    (rate * BURST).max(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Reliability;

    fn packet(byte: u8) -> Packet {
        Packet {
            payload: vec![byte],
            reliability: Reliability::Reliable,
        }
    }

    fn at(ms: u64) -> Time {
        Time(ms * 1000)
    }

    #[test]
    fn a_newer_state_value_replaces_the_waiting_one_in_place() {
        let mut q = CommandQueue::default();
        assert_eq!(q.push(DoId(1), 5, true, packet(1), 10), Pushed::Queued);
        assert_eq!(q.push(DoId(1), 6, false, packet(2), 10), Pushed::Queued);
        assert_eq!(q.push(DoId(1), 5, true, packet(3), 10), Pushed::Coalesced);
        assert_eq!(q.push(DoId(2), 5, true, packet(4), 10), Pushed::Queued);
        assert_eq!(q.len(), 3);
        assert_eq!(q.coalesced(), 1);
        let mut out = VecDeque::new();
        q.start(at(0), 100);
        q.release(at(0), 100, &mut out);
        let bytes: Vec<u8> = out.iter().map(|p| p.payload[0]).collect();
        assert_eq!(bytes, [3, 2, 4]);
    }

    #[test]
    fn messages_that_are_not_state_are_never_merged_and_the_bound_refuses() {
        let mut q = CommandQueue::default();
        assert_eq!(q.push(DoId(1), 6, false, packet(1), 2), Pushed::Queued);
        assert_eq!(q.push(DoId(1), 6, false, packet(2), 2), Pushed::Queued);
        assert_eq!(q.push(DoId(1), 6, false, packet(3), 2), Pushed::Full);
        assert_eq!(q.len(), 2);
    }

    #[test]
    fn release_follows_the_paced_rate() {
        let mut q = CommandQueue::default();
        for i in 0..100 {
            q.push(DoId(1), 6, false, packet(i), 1000);
        }
        let mut out = VecDeque::new();
        q.start(at(0), 100);
        q.release(at(0), 100, &mut out);
        // A burst of a quarter second at 90/s.
        assert_eq!(out.len(), 22);
        q.release(at(500), 100, &mut out);
        assert_eq!(out.len(), 22 + 22, "the burst caps what a pause saves");
        q.release(at(600), 100, &mut out);
        assert_eq!(out.len(), 44 + 9);
        let next = q.next_release(100).expect("messages wait");
        assert!(next > at(600) && next <= at(612), "{next:?}");
    }

    #[test]
    fn charges_go_into_debt_by_at_most_one_burst() {
        let mut q = CommandQueue::default();
        q.start(at(0), 100);
        for _ in 0..1000 {
            q.charge();
        }
        q.push(DoId(1), 6, false, packet(1), 10);
        // 22.5 of debt then one token: 23.5 tokens at 90/s.
        assert_eq!(
            q.next_release(100),
            Some(at(261) + Duration::from_micros(113))
        );
    }

    #[test]
    fn a_charged_ping_delays_the_next_command() {
        let mut q = CommandQueue::default();
        q.start(at(0), 10);
        q.charge();
        q.charge();
        q.push(DoId(1), 6, false, packet(1), 10);
        let mut out = VecDeque::new();
        q.release(at(0), 10, &mut out);
        assert!(out.is_empty(), "2.25 tokens minus 2 pings is less than one");
        q.release(at(100), 10, &mut out);
        assert_eq!(out.len(), 1);
    }
}
