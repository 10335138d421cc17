//! A seeded loss and latency filter for a transport's receive path (`--loss`,
//! `--latency-ms`): real sockets on loopback lose nothing, so tests and the demo add
//! loss and delay here, below the transport's reliability layer.

use crate::sim::Rng;
use crate::time::Time;
use std::collections::VecDeque;
use std::time::Duration;

/// Drops each received item with probability `loss` and delays the rest by `latency`.
#[derive(Debug)]
pub struct Shaper<T> {
    rng: Rng,
    loss: f64,
    latency: Duration,
    queue: VecDeque<(Time, T)>,
    dropped: u64,
}

impl<T> Shaper<T> {
    /// A filter with loss probability `loss` (clamped to `0..=1`), one-way `latency`,
    /// and randomness from `seed`.
    pub fn new(loss: f64, latency: Duration, seed: u64) -> Shaper<T> {
        Shaper {
            rng: Rng::new(seed),
            loss: if loss.is_finite() {
                loss.clamp(0.0, 1.0)
            } else {
                0.0
            },
            latency,
            queue: VecDeque::new(),
            dropped: 0,
        }
    }

    /// A filter that passes everything at once.
    pub fn off() -> Shaper<T> {
        Shaper::new(0.0, Duration::ZERO, 0)
    }

    /// Whether it changes anything.
    pub fn is_off(&self) -> bool {
        self.loss == 0.0 && self.latency.is_zero()
    }

    /// Offers an item received at `now`; false when it was dropped.
    pub fn push(&mut self, now: Time, item: T) -> bool {
        if self.loss > 0.0 && self.rng.chance(self.loss) {
            self.dropped += 1;
            return false;
        }
        self.queue.push_back((now + self.latency, item));
        true
    }

    /// The next item due by `now` (in arrival order).
    pub fn pop_due(&mut self, now: Time) -> Option<T> {
        if self.queue.front().is_some_and(|(at, _)| *at <= now) {
            return self.queue.pop_front().map(|(_, item)| item);
        }
        None
    }

    /// Items dropped so far.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_about_the_loss_fraction_and_delays_the_rest() {
        let mut s = Shaper::new(0.25, Duration::from_millis(50), 9);
        let t0 = Time::from_secs_f64(1.0);
        let kept = (0..4000).filter(|i| s.push(t0, *i)).count();
        assert!((2800..3200).contains(&kept), "kept {kept}");
        assert_eq!(s.dropped() as usize, 4000 - kept);
        assert_eq!(s.pop_due(t0 + Duration::from_millis(49)), None);
        let first = s.pop_due(t0 + Duration::from_millis(50));
        assert!(first.is_some());
    }

    #[test]
    fn off_passes_everything_in_order() {
        let mut s = Shaper::off();
        let t = Time::from_secs_f64(2.0);
        for i in 0..10 {
            assert!(s.push(t, i));
        }
        let got: Vec<i32> = std::iter::from_fn(|| s.pop_due(t)).collect();
        assert_eq!(got, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn bad_loss_values_are_clamped() {
        let s: Shaper<u8> = Shaper::new(f64::NAN, Duration::ZERO, 1);
        assert!(s.is_off());
        let mut all = Shaper::new(7.0, Duration::ZERO, 1);
        assert!(!all.push(Time::ZERO, 1u8));
    }
}
