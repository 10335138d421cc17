//! The client's side of the net stats: bytes per second received and sent, snapshot
//! packets lost (from gaps in their sequence numbers), RTT (from the clock's pings).

use crate::protocol::seq_diff;
use crate::time::Time;
use std::time::Duration;

/// Length of a stats window.
const WINDOW: Duration = Duration::from_millis(500);

/// Network figures seen by a client (Source's `net_graph`, as data).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ClientNetStats {
    /// Bytes per second received from the server (every message).
    pub received_bytes_per_s: f64,
    /// Bytes per second handed to the transport (every message).
    pub sent_bytes_per_s: f64,
    /// Fraction of snapshot packets that never arrived (0..1), last window.
    pub loss: f64,
    /// Round-trip time from pings.
    pub rtt: Option<Duration>,
    /// Field messages waiting in the client's queue for the command rate.
    pub commands_waiting: usize,
    /// State values replaced in the queue by a newer value before they left (this
    /// session): the only messages the client does not send, by design.
    pub commands_coalesced: u64,
}

/// Counters behind [`ClientNetStats`].
#[derive(Clone, Debug, Default)]
pub(crate) struct NetMeter {
    now: Time,
    start: Option<Time>,
    received: u64,
    sent: u64,
    packets: u32,
    first_seq: Option<u16>,
    newest_seq: Option<u16>,
    stats: ClientNetStats,
}

impl NetMeter {
    /// A message of `bytes` arrived at `now`.
    pub(crate) fn on_receive(&mut self, now: Time, bytes: usize) {
        self.now = now;
        self.received += bytes as u64;
        self.roll(now);
    }

    /// A message of `bytes` left.
    pub(crate) fn on_send(&mut self, bytes: usize) {
        self.sent += bytes as u64;
    }

    /// Snapshot packet `seq` arrived (each one once).
    pub(crate) fn on_snapshot(&mut self, seq: u16) {
        self.packets += 1;
        self.first_seq.get_or_insert(seq);
        if self.newest_seq.is_none_or(|n| seq_diff(seq, n) > 0) {
            self.newest_seq = Some(seq);
        }
    }

    fn roll(&mut self, now: Time) {
        let start = *self.start.get_or_insert(now);
        let span = now.since(start);
        if span < WINDOW {
            return;
        }
        let secs = span.as_secs_f64();
        let expected = match (self.first_seq, self.newest_seq) {
            (Some(a), Some(b)) => seq_diff(b, a).max(0) as u32 + 1,
            _ => 0,
        };
        let loss = if expected == 0 {
            0.0
        } else {
            1.0 - f64::from(self.packets.min(expected)) / f64::from(expected)
        };
        self.stats = ClientNetStats {
            received_bytes_per_s: self.received as f64 / secs,
            sent_bytes_per_s: self.sent as f64 / secs,
            loss,
            rtt: None,
            ..ClientNetStats::default()
        };
        *self = NetMeter {
            now,
            start: Some(now),
            stats: self.stats,
            ..NetMeter::default()
        };
    }

    /// The figures of the last complete window.
    pub(crate) fn stats(&self, rtt: Option<Duration>) -> ClientNetStats {
        ClientNetStats { rtt, ..self.stats }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_in_sequence_numbers_count_as_loss() {
        let mut m = NetMeter::default();
        let t = |ms: u64| Time(ms * 1000);
        m.on_receive(t(0), 100);
        for seq in (65530u16..=65535).chain(0..4).filter(|s| s % 2 == 0) {
            m.on_snapshot(seq);
            m.on_receive(t(100), 100);
        }
        m.on_send(50);
        m.on_receive(t(1000), 100);
        let s = m.stats(None);
        assert!((s.loss - 0.5).abs() < 0.1, "{s:?}");
        assert!((s.received_bytes_per_s - 700.0).abs() < 1.0, "{s:?}");
        assert!((s.sent_bytes_per_s - 50.0).abs() < 1.0, "{s:?}");
    }
}
