//! Per-client bandwidth: a token bucket at the client's rate, a congestion response
//! that lowers that rate when acks say the link is full, and the net stats.
//!
//! # Budget
//!
//! Each client asks for `pipes-rate` bytes per second (clamped to the server's
//! `pipes-max-rate`). Tokens accrue at the rate in force and are spent by snapshot
//! bytes; a snapshot holds what the tokens allow at that moment (the rest waits for
//! the next one, chosen by priority), and a snapshot that overshot by its last record
//! leaves a debt the next one pays. The bucket holds at most two snapshots' worth
//! (and at least two packets), so an idle spell does not turn into a burst.
//!
//! # Congestion response (AIMD, delay first)
//!
//! The rate in force starts at the asked rate and moves between [`MIN_RATE`] and it:
//!
//! * **Decrease ×0.7** (at most once per smoothed RTT) when the smoothed RTT exceeds
//!   twice the smallest RTT seen plus 40 ms (a queue is building at a bottleneck:
//!   this signal comes before the queue overflows, so loss stays low), or when a
//!   packet is lost while the budget is what limits the sender (its demand exceeds
//!   the link). Random loss on a link with room (Wi-Fi, `--loss`) while the sender
//!   is not limited by its budget does not lower the rate: lost records are resent
//!   from the acknowledged baseline and the rate is not what failed.
//! * **Increase** by `max(packet, asked / 32)` per smoothed RTT without a decrease
//!   (counted in time, as acks held by the client may come less often),
//!   so a link that recovered is used again within a few dozen round trips.
//!
//! AIMD because it is what makes competing flows converge to a fair share and is
//! stable with a delayed signal; the delay trigger keeps the bottleneck queue (and
//! so the latency of every snapshot) short, which matters more to a game than the
//! last percent of throughput.

use crate::time::Time;
use std::time::Duration;

/// The lowest rate a client may ask for or congestion may bring it to, bytes/s.
pub(crate) const MIN_RATE: u32 = 4096;
/// Multiplicative decrease factor.
const DECREASE: f64 = 0.7;
/// Queueing delay beyond twice the base RTT that counts as congestion.
const DELAY_SLACK: Duration = Duration::from_millis(40);
/// Shortest interval between two rate changes (also the floor of the smoothed RTT).
const MIN_INTERVAL: Duration = Duration::from_millis(50);
/// Length of a stats window.
const WINDOW: Duration = Duration::from_millis(500);

/// Network figures for one client (the server's view; Source's `net_graph` as data).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct NetStats {
    /// Snapshot bytes sent per second.
    pub sent_bytes_per_s: f64,
    /// Snapshot bytes the client acknowledged per second.
    pub delivered_bytes_per_s: f64,
    /// The rate in force (asked rate lowered by the congestion response), bytes/s.
    pub budget_bytes_per_s: f64,
    /// The rate the client asked for (after clamping), bytes/s.
    pub asked_bytes_per_s: f64,
    /// Fraction of snapshot packets lost (0..1), over the last window.
    pub loss: f64,
    /// Smoothed round-trip time from acks.
    pub rtt: Option<Duration>,
    /// Bytes per second held back by the budget (estimated: records that waited
    /// times the average record size).
    pub choke_bytes_per_s: f64,
}

/// Counters of the current window.
#[derive(Clone, Copy, Debug, Default)]
struct Window {
    sent: u64,
    delivered: u64,
    held: u64,
    acked: u32,
    lost: u32,
}

/// One client's budget and congestion state.
#[derive(Clone, Debug)]
pub(crate) struct Budget {
    asked: f64,
    rate: f64,
    packet: f64,
    tokens: f64,
    refilled: Option<Time>,
    srtt: Option<Duration>,
    min_rtt: Option<Duration>,
    changed_at: Time,
    choked_at: Option<Time>,
    window: Window,
    window_start: Time,
    stats: NetStats,
}

impl Budget {
    /// A budget at `asked` bytes/s for packets of `packet` bytes.
    pub(crate) fn new(asked: u32, packet: usize, now: Time) -> Budget {
        let asked = f64::from(asked.max(MIN_RATE));
        Budget {
            asked,
            rate: asked,
            packet: packet as f64,
            tokens: 0.0,
            refilled: None,
            srtt: None,
            min_rtt: None,
            changed_at: now,
            choked_at: None,
            window: Window::default(),
            window_start: now,
            stats: NetStats::default(),
        }
    }

    /// A new asked rate (the client's `SetRates`); the rate in force follows it down
    /// at once and up by the usual increase.
    pub(crate) fn set_asked(&mut self, asked: u32) {
        self.asked = f64::from(asked.max(MIN_RATE));
        self.rate = self.rate.min(self.asked);
    }

    /// The rate in force, bytes/s.
    #[cfg(test)]
    pub(crate) fn rate(&self) -> f64 {
        self.rate
    }

    /// Adds the tokens earned since the last call; returns the bytes the snapshot
    /// due now may hold (0 while paying a debt) with `per_second` snapshots a second.
    pub(crate) fn refill(&mut self, now: Time, per_second: u8) -> usize {
        let cap = (2.0 * self.rate / f64::from(per_second.max(1))).max(2.0 * self.packet);
        let earned = match self.refilled {
            // The first snapshot may send one snapshot's worth.
            None => cap / 2.0,
            Some(t) => now.since(t).as_secs_f64() * self.rate,
        };
        self.refilled = Some(now);
        self.tokens = (self.tokens + earned).min(cap);
        self.tokens.max(0.0) as usize
    }

    /// Spends the bytes of a sent snapshot.
    pub(crate) fn spend(&mut self, now: Time, bytes: usize) {
        self.tokens -= bytes as f64;
        self.window.sent += bytes as u64;
        self.roll(now);
    }

    /// The budget held back about `bytes` of records this snapshot.
    pub(crate) fn choked(&mut self, now: Time, bytes: usize) {
        self.choked_at = Some(now);
        self.window.held += bytes as u64;
    }

    fn interval(&self) -> Duration {
        self.srtt
            .unwrap_or(Duration::from_millis(200))
            .max(MIN_INTERVAL)
    }

    /// A packet of `bytes` was acknowledged, `rtt` after it was sent (net of the
    /// client's ack delay) when the ack gives a round-trip sample for it.
    pub(crate) fn on_ack(&mut self, now: Time, bytes: usize, rtt: Option<Duration>) {
        self.window.delivered += bytes as u64;
        self.window.acked += 1;
        let Some(rtt) = rtt else {
            self.roll(now);
            return;
        };
        self.min_rtt = Some(self.min_rtt.map_or(rtt, |m| m.min(rtt)));
        let srtt = match self.srtt {
            None => rtt,
            Some(s) => (s * 7 + rtt) / 8,
        };
        self.srtt = Some(srtt);
        let base = self.min_rtt.unwrap_or(rtt);
        if srtt > base * 2 + DELAY_SLACK {
            self.decrease(now);
        } else if now.since(self.changed_at) >= self.interval() {
            // One step per smoothed RTT elapsed (acks held by the client come less
            // often than once per RTT; at most 4 steps after a quiet spell).
            let periods =
                (now.since(self.changed_at).as_secs_f64() / self.interval().as_secs_f64()).min(4.0);
            let step = self.packet.max(self.asked / 32.0);
            self.rate = (self.rate + step * periods).min(self.asked);
            self.changed_at = now;
        }
        self.roll(now);
    }

    /// A packet sent at `sent_at` was lost.
    pub(crate) fn on_loss(&mut self, now: Time, sent_at: Time) {
        self.window.lost += 1;
        let limited = self
            .choked_at
            .is_some_and(|t| sent_at.since(t) <= self.interval() * 2 || t >= sent_at);
        if limited {
            self.decrease(now);
        }
        self.roll(now);
    }

    fn decrease(&mut self, now: Time) {
        if now.since(self.changed_at) < self.interval() {
            return;
        }
        self.rate = (self.rate * DECREASE).max(f64::from(MIN_RATE));
        self.changed_at = now;
    }

    /// Closes the stats window when it is over.
    fn roll(&mut self, now: Time) {
        let span = now.since(self.window_start);
        if span < WINDOW {
            return;
        }
        let secs = span.as_secs_f64();
        let w = std::mem::take(&mut self.window);
        let packets = w.acked + w.lost;
        self.stats = NetStats {
            sent_bytes_per_s: w.sent as f64 / secs,
            delivered_bytes_per_s: w.delivered as f64 / secs,
            budget_bytes_per_s: self.rate,
            asked_bytes_per_s: self.asked,
            loss: if packets == 0 {
                0.0
            } else {
                f64::from(w.lost) / f64::from(packets)
            },
            rtt: self.srtt,
            choke_bytes_per_s: w.held as f64 / secs,
        };
        self.window_start = now;
    }

    /// The figures of the last complete window (rate and RTT: current).
    pub(crate) fn stats(&self) -> NetStats {
        NetStats {
            budget_bytes_per_s: self.rate,
            asked_bytes_per_s: self.asked,
            rtt: self.srtt,
            ..self.stats
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: u64) -> Time {
        Time(1_000_000 + ms * 1000)
    }

    #[test]
    fn the_bucket_never_allows_more_than_the_rate() {
        let mut b = Budget::new(100_000, 1200, at(0));
        let mut sent = 0;
        for i in 0..=200u64 {
            // A greedy sender: takes all it is allowed every 10 ms, for 2 s.
            let allowed = b.refill(at(i * 10), 100);
            sent += allowed;
            b.spend(at(i * 10), allowed);
        }
        // 2 s at 100 kB/s, plus the first snapshot's share.
        assert!((195_000..=202_000).contains(&sent), "{sent}");
        // An idle spell does not turn into a burst: at most two snapshots' worth.
        let allowed = b.refill(at(10_000), 100);
        assert!(allowed <= 2_400, "{allowed}");
    }

    #[test]
    fn an_overshoot_is_paid_by_the_next_snapshots() {
        let mut b = Budget::new(100_000, 1200, at(0));
        let first = b.refill(at(0), 10);
        b.spend(at(0), first + 15_000);
        assert_eq!(b.refill(at(100), 10), 0, "10 kB earned, 15 kB owed");
        assert!(b.refill(at(200), 10) > 0);
    }

    #[test]
    fn rising_delay_lowers_the_rate_and_recovery_climbs_back() {
        let mut b = Budget::new(200_000, 1200, at(0));
        let mut t = 0;
        for _ in 0..20 {
            t += 20;
            b.on_ack(at(t), 1000, Some(Duration::from_millis(20)));
        }
        assert_eq!(b.rate(), 200_000.0);
        // The queue builds: RTT climbs to 300 ms.
        for _ in 0..100 {
            t += 20;
            b.on_ack(at(t), 1000, Some(Duration::from_millis(300)));
        }
        let low = b.rate();
        assert!(low < 100_000.0, "{low}");
        assert!(low >= f64::from(MIN_RATE));
        // The queue drains: back to the asked rate within a few seconds.
        for _ in 0..300 {
            t += 20;
            b.on_ack(at(t), 1000, Some(Duration::from_millis(20)));
        }
        assert_eq!(b.rate(), 200_000.0);
    }

    #[test]
    fn loss_lowers_the_rate_only_when_the_budget_limits_the_sender() {
        let mut b = Budget::new(200_000, 1200, at(0));
        b.on_ack(at(10), 1000, Some(Duration::from_millis(20)));
        // Random loss with room to spare: no change.
        for k in 1..20 {
            b.on_loss(at(100 * k), at(100 * k - 50));
        }
        assert_eq!(b.rate(), 200_000.0);
        // Loss while the budget holds records back: multiplicative decrease, at
        // most once per interval.
        b.choked(at(3000), 5000);
        b.on_loss(at(3010), at(3000));
        b.on_loss(at(3020), at(3000));
        assert_eq!(b.rate(), 200_000.0 * DECREASE);
        let s = b.stats();
        assert_eq!(s.budget_bytes_per_s, b.rate());
        assert!(s.loss > 0.5, "{s:?}");
    }
}
