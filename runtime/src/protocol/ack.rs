//! Which snapshot packets a client holds: the newest sequence number and a bitfield of
//! the 32 before it, so each ack repeats the last 33 packets' fate and losing acks
//! costs nothing but a little delay.

/// How many packets before the newest one a window covers.
pub const ACK_BITS: u16 = 32;

/// The snapshot packets received, by 16-bit wrapping sequence number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AckWindow {
    /// The newest sequence number received.
    pub newest: u16,
    /// Bit `i` set: packet `newest - 1 - i` was received too.
    pub bits: u32,
}

/// `a - b` in wrapping sequence space, as a signed distance.
#[inline]
pub fn seq_diff(a: u16, b: u16) -> i32 {
    i32::from(a.wrapping_sub(b) as i16)
}

impl AckWindow {
    /// A window holding only `seq`.
    pub fn new(seq: u16) -> AckWindow {
        AckWindow {
            newest: seq,
            bits: 0,
        }
    }

    /// Notes the arrival of packet `seq` (duplicates and packets older than the
    /// window change nothing).
    pub fn record(&mut self, seq: u16) {
        let d = seq_diff(seq, self.newest);
        if d > 0 {
            let d = d as u32;
            self.bits = if d > u32::from(ACK_BITS) {
                0
            } else {
                // Shift the old newest in as bit d-1 (d = 32 shifts everything out).
                (self.bits.checked_shl(d).unwrap_or(0)) | (1 << (d - 1))
            };
            self.newest = seq;
        } else if d < 0 && -d <= i32::from(ACK_BITS) {
            self.bits |= 1 << (-d - 1);
        }
    }

    /// Whether the window says `seq` was received.
    pub fn contains(&self, seq: u16) -> bool {
        let d = seq_diff(self.newest, seq);
        d == 0 || (d > 0 && d <= i32::from(ACK_BITS) && self.bits & (1 << (d - 1)) != 0)
    }

    /// The received sequence numbers, newest first.
    pub fn iter(&self) -> impl Iterator<Item = u16> + '_ {
        std::iter::once(self.newest).chain(
            (0..ACK_BITS)
                .filter(|i| self.bits & (1 << i) != 0)
                .map(|i| self.newest.wrapping_sub(i + 1)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_survives_loss_reordering_and_wrap() {
        let mut w = AckWindow::new(65530);
        for s in [65532u16, 65531, 2, 0] {
            w.record(s);
        }
        // 65533..65535 and 1 were lost; 65531 arrived late.
        assert_eq!(w.newest, 2);
        let got: Vec<u16> = w.iter().collect();
        assert_eq!(got, vec![2, 0, 65532, 65531, 65530]);
        assert!(w.contains(65530) && !w.contains(65533) && !w.contains(1));
        // A duplicate or a packet older than the window changes nothing.
        let before = w;
        w.record(0);
        w.record(2u16.wrapping_sub(40));
        assert_eq!(w, before);
        // A jump beyond the window forgets the old bits.
        w.record(200);
        assert_eq!(w.iter().collect::<Vec<_>>(), vec![200]);
        // Exactly 32 ahead keeps the old newest as the last bit.
        let mut w = AckWindow::new(10);
        w.record(42);
        assert_eq!(w.iter().collect::<Vec<_>>(), vec![42, 10]);
    }

    #[test]
    fn each_of_the_32_before_newest_is_remembered() {
        let mut w = AckWindow::new(100);
        for s in (101..=132).step_by(2) {
            w.record(s);
        }
        for s in 100..=132u16 {
            assert_eq!(w.contains(s), s == 100 || s % 2 == 1, "{s}");
        }
    }
}
