//! A seeded, lossy, jittery one-way link: enough to show what interpolation hides.
//!
//! Messages sent at time `t` arrive at `t + latency ± jitter` (so they can overtake
//! each other), unless lost at random or during a scheduled outage. Deterministic
//! for a given seed.

/// SplitMix64: a tiny, well-mixed, seedable generator (no dependency needed).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform number in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// How the link misbehaves.
#[derive(Clone, Debug)]
pub struct LinkConfig {
    /// Mean one-way delay in seconds.
    pub latency: f64,
    /// Each message's delay varies uniformly by up to this much either way (seconds).
    pub jitter: f64,
    /// Probability that a message is lost.
    pub loss: f64,
    /// Send-time windows `(from, to)` in which every message is lost.
    pub outages: Vec<(f64, f64)>,
}

/// What happened to one sent message.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Fate {
    /// It will arrive at this time.
    Arrives(f64),
    /// It was lost.
    Lost,
}

/// A one-way link carrying messages of type `T`.
#[derive(Debug)]
pub struct LossyLink<T> {
    config: LinkConfig,
    rng: Rng,
    in_flight: Vec<(f64, T)>,
}

impl<T> LossyLink<T> {
    /// A link with these faults, seeded for reproducibility.
    pub fn new(config: LinkConfig, seed: u64) -> Self {
        LossyLink {
            config,
            rng: Rng::new(seed),
            in_flight: Vec::new(),
        }
    }

    /// Sends `message` at time `now`; returns its fate.
    pub fn send(&mut self, now: f64, message: T) -> Fate {
        let lost_by_chance = self.rng.next_f64() < self.config.loss;
        let in_outage = self
            .config
            .outages
            .iter()
            .any(|&(a, b)| now >= a && now < b);
        let jitter = (self.rng.next_f64() * 2.0 - 1.0) * self.config.jitter;
        if lost_by_chance || in_outage {
            return Fate::Lost;
        }
        let arrival = now + (self.config.latency + jitter).max(0.0);
        self.in_flight.push((arrival, message));
        Fate::Arrives(arrival)
    }

    /// Every message that has arrived by `now`, in arrival order.
    pub fn receive(&mut self, now: f64) -> Vec<T> {
        let mut arrived = Vec::new();
        let mut i = 0;
        while i < self.in_flight.len() {
            if self.in_flight[i].0 <= now {
                arrived.push(self.in_flight.swap_remove(i));
            } else {
                i += 1;
            }
        }
        arrived.sort_by(|a, b| a.0.total_cmp(&b.0));
        arrived.into_iter().map(|(_, m)| m).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(loss: f64, outages: Vec<(f64, f64)>) -> LinkConfig {
        LinkConfig {
            latency: 0.05,
            jitter: 0.04,
            loss,
            outages,
        }
    }

    #[test]
    fn delivers_everything_in_arrival_order_without_loss() {
        let mut link = LossyLink::new(config(0.0, vec![]), 1);
        let mut arrivals = Vec::new();
        for i in 0..100u32 {
            match link.send(f64::from(i) * 0.01, i) {
                Fate::Arrives(at) => arrivals.push((at, i)),
                Fate::Lost => panic!("lost without loss"),
            }
        }
        assert!(link.receive(0.0).is_empty());
        arrivals.sort_by(|a, b| a.0.total_cmp(&b.0));
        let want: Vec<u32> = arrivals.iter().map(|&(_, i)| i).collect();
        assert_eq!(link.receive(10.0), want);
        assert!(want.windows(2).any(|w| w[0] > w[1]), "jitter reorders some");
    }

    #[test]
    fn outages_lose_everything_and_seeds_repeat() {
        let mut link = LossyLink::new(config(0.0, vec![(1.0, 2.0)]), 1);
        assert_eq!(link.send(1.5, ()), Fate::Lost);
        assert!(matches!(link.send(2.0, ()), Fate::Arrives(_)));
        let fates = |seed| {
            let mut link = LossyLink::new(config(0.3, vec![]), seed);
            (0..50)
                .map(|i| link.send(f64::from(i), ()))
                .collect::<Vec<_>>()
        };
        assert_eq!(fates(9), fates(9));
        let lost = fates(9).iter().filter(|f| **f == Fate::Lost).count();
        assert!((5..=25).contains(&lost), "{lost} of 50 lost at 30 %");
    }
}
