//! When a renet connection is asked for packets, and when its ack packets may leave.
//!
//! renet answers every `get_packets_to_send` with an ack packet of its own while any
//! packet of the peer is unacknowledged, and acks are packets that get acknowledged
//! too: two renet endpoints polled every frame trade one ack datagram per frame each
//! way for ever (each one a `sendto`, a `recvfrom` and a netcode encryption on the
//! other side). The gate asks renet only when something is due: a message was queued,
//! the peer sent reliable data (acked at once: its resend timer is short), a resend
//! check of our reliable data, or an ack of the peer's other packets (at most once per
//! ack interval). A lone ack packet leaves only with those acks. The peer's own ack
//! packets call for none: acks answering acks would keep an idle connection trading a
//! datagram each way every ack interval.
//!
//! A withheld ack packet is not lost information: renet keeps the peer's
//! unacknowledged sequence ranges until an ack packet of ours is acknowledged, so the
//! next ack packet that leaves carries them. (renet's own packet-loss statistic counts
//! withheld acks as lost; pipes does not read it.)

use crate::time::Time;
use std::collections::BTreeMap;
use std::time::Duration;

/// renet 2's packet type bytes (`Packet::to_bytes`): small reliable, reliable slice, ack.
/// A unit test pins them against renet itself.
const SMALL_RELIABLE: u8 = 0;
const RELIABLE_SLICE: u8 = 2;
const ACK: u8 = 4;

/// Whether a serialized renet packet is an ack packet.
pub(crate) fn is_ack(packet: &[u8]) -> bool {
    packet.first() == Some(&ACK)
}

/// Whether a serialized renet packet carries reliable data (the peer resends it soon
/// unless acknowledged).
pub(crate) fn is_reliable(packet: &[u8]) -> bool {
    matches!(packet.first(), Some(&SMALL_RELIABLE | &RELIABLE_SLICE))
}

/// The send pacing of one renet connection.
#[derive(Clone, Debug)]
pub(crate) struct SendGate {
    ack_interval: Duration,
    resend_check: Duration,
    queued: bool,
    /// A reliable message of ours was queued and renet has not yet said that none is
    /// unacknowledged: only then is renet asked (most frames leave it untouched).
    reliable_out: bool,
    reliable_in: bool,
    /// The peer sent a packet other than an ack since our last ack packet left.
    data_in: bool,
    last_poll: Option<Time>,
    last_ack: Option<Time>,
}

/// What to do on a flush.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flush {
    /// Nothing is due: do not ask renet.
    Skip,
    /// Ask renet for its packets and send them, ack packets included or not.
    Send {
        /// Whether ack packets may leave now (else they are withheld).
        acks: bool,
    },
}

impl SendGate {
    /// A gate letting a lone ack leave every `ack_interval`, and asking renet at least
    /// every `resend_check` while reliable data of ours waits for its ack.
    pub(crate) fn new(ack_interval: Duration, resend_check: Duration) -> SendGate {
        SendGate {
            ack_interval,
            resend_check,
            queued: false,
            reliable_out: false,
            reliable_in: false,
            data_in: false,
            last_poll: None,
            last_ack: None,
        }
    }

    /// A message was queued on the connection (`reliable`: on the reliable channel).
    pub(crate) fn queued(&mut self, reliable: bool) {
        self.queued = true;
        self.reliable_out |= reliable;
    }

    /// A packet of the peer (serialized renet packet) was handed to renet.
    pub(crate) fn received(&mut self, packet: &[u8]) {
        if is_reliable(packet) {
            self.reliable_in = true;
        }
        if !is_ack(packet) {
            self.data_in = true;
        }
    }

    /// Decides a flush at `now`; `reliable_in_flight` says whether reliable data of
    /// ours is unacknowledged (renet resends it on its own timer, when asked). It is
    /// asked only when a resend check is due after reliable data was queued: most
    /// frames leave renet untouched.
    pub(crate) fn flush(&mut self, now: Time, reliable_in_flight: impl FnOnce() -> bool) -> Flush {
        let elapsed = |at: Option<Time>, every: Duration| at.is_none_or(|t| now.since(t) >= every);
        let check = self.reliable_out && elapsed(self.last_poll, self.resend_check);
        if check {
            self.reliable_out = reliable_in_flight();
        }
        let resend_due = check && self.reliable_out;
        let ack_due = self.data_in && elapsed(self.last_ack, self.ack_interval);
        if !(self.queued || self.reliable_in || resend_due || ack_due) {
            return Flush::Skip;
        }
        let acks = self.reliable_in || ack_due;
        self.queued = false;
        self.reliable_in = false;
        self.last_poll = Some(now);
        Flush::Send { acks }
    }

    /// An ack packet left at `now`.
    pub(crate) fn ack_sent(&mut self, now: Time) {
        self.last_ack = Some(now);
        self.data_in = false;
    }
}

/// The gates of a server's connections, made on first use from one template.
#[derive(Clone, Debug)]
pub(crate) struct SendGates {
    template: SendGate,
    by_connection: BTreeMap<u64, SendGate>,
}

impl SendGates {
    /// Gates like `template`.
    pub(crate) fn new(template: SendGate) -> SendGates {
        SendGates {
            template,
            by_connection: BTreeMap::new(),
        }
    }

    /// The gate of a connection.
    pub(crate) fn get(&mut self, connection: u64) -> &mut SendGate {
        self.by_connection
            .entry(connection)
            .or_insert_with(|| self.template.clone())
    }

    /// Forgets a connection.
    pub(crate) fn remove(&mut self, connection: u64) {
        self.by_connection.remove(&connection);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use renet::{ChannelConfig, ConnectionConfig, RenetClient, SendType};

    const MS: Duration = Duration::from_millis(1);

    fn at(ms: u64) -> Time {
        Time::from_secs_f64(1.0) + MS * ms as u32
    }

    fn gate() -> SendGate {
        SendGate::new(MS * 100, MS * 10)
    }

    /// Two connected renet endpoints with `channels` both ways.
    fn connected_pair(channels: Vec<ChannelConfig>) -> (RenetClient, RenetClient) {
        let config = ConnectionConfig {
            available_bytes_per_tick: 1 << 20,
            server_channels_config: channels.clone(),
            client_channels_config: channels,
        };
        let (mut a, mut b) = (RenetClient::new(config.clone()), RenetClient::new(config));
        a.set_connected();
        b.set_connected();
        (a, b)
    }

    #[test]
    fn unreliable_data_of_the_peer_is_acked_once_per_ack_interval() {
        let mut g = gate();
        g.received(&[1, 1, 2]);
        assert_eq!(g.flush(at(0), || false), Flush::Send { acks: true });
        g.ack_sent(at(0));
        for ms in (16..100).step_by(16) {
            g.received(&[1, 1, 2]);
            assert_eq!(g.flush(at(ms), || false), Flush::Skip, "at {ms} ms");
        }
        assert_eq!(g.flush(at(100), || false), Flush::Send { acks: true });
    }

    #[test]
    fn an_idle_connection_asks_renet_nothing() {
        let mut g = gate();
        for ms in (0..1000).step_by(16) {
            assert_eq!(g.flush(at(ms), || false), Flush::Skip, "at {ms} ms");
        }
        // The peer's ack packets alone do not call for an ack.
        g.received(&[ACK, 0, 0]);
        assert_eq!(g.flush(at(1000), || false), Flush::Skip);
    }

    #[test]
    fn a_queued_message_leaves_at_once_and_its_ack_waits_for_the_interval() {
        let mut g = gate();
        g.flush(at(0), || false);
        g.ack_sent(at(0));
        g.queued(false);
        assert_eq!(g.flush(at(20), || false), Flush::Send { acks: false });
        assert_eq!(g.flush(at(40), || false), Flush::Skip);
        g.received(&[1, 1, 2]);
        g.queued(false);
        assert_eq!(g.flush(at(120), || false), Flush::Send { acks: true });
    }

    #[test]
    fn reliable_data_of_the_peer_is_acked_at_once() {
        let mut g = gate();
        g.flush(at(0), || false);
        g.ack_sent(at(0));
        g.received(&[SMALL_RELIABLE, 1, 2]);
        assert_eq!(g.flush(at(5), || false), Flush::Send { acks: true });
        g.received(&[1, 1, 2]); // unreliable: the ack waits
        assert_eq!(g.flush(at(10), || false), Flush::Skip);
    }

    #[test]
    fn renet_is_not_asked_about_reliable_data_when_none_was_queued() {
        let mut g = gate();
        g.queued(false);
        let ask = || -> bool { panic!("asked for reliable data in flight") };
        assert_eq!(g.flush(at(0), ask), Flush::Send { acks: false });
        assert_eq!(g.flush(at(50), ask), Flush::Skip);
        // Once renet says nothing is in flight, it is not asked again.
        g.queued(true);
        assert_eq!(g.flush(at(60), || true), Flush::Send { acks: false });
        assert_eq!(g.flush(at(80), || false), Flush::Skip);
        assert_eq!(g.flush(at(200), ask), Flush::Skip);
    }

    #[test]
    fn reliable_data_in_flight_is_checked_for_resends_often() {
        let mut g = gate();
        g.queued(true);
        g.flush(at(0), || true);
        g.ack_sent(at(0));
        assert_eq!(g.flush(at(5), || true), Flush::Skip);
        assert_eq!(g.flush(at(10), || true), Flush::Send { acks: false });
    }

    /// Two real renet endpoints behind gates, polled every 16 ms frame: after one
    /// unreliable message each way the acks settle and the connection goes quiet
    /// (without the gate's rule they would trade an ack datagram each way every ack
    /// interval for ever).
    #[test]
    fn an_idle_renet_pair_stops_trading_acks() {
        let (a, b) = connected_pair(vec![ChannelConfig {
            channel_id: 0,
            max_memory_usage_bytes: 1 << 20,
            send_type: SendType::Unreliable,
        }]);
        let mut ends = [(a, gate()), (b, gate())];
        for (renet, g) in &mut ends {
            renet.send_message(0, vec![7u8; 10]);
            g.queued(false);
        }
        let mut in_flight: [Vec<Vec<u8>>; 2] = [Vec::new(), Vec::new()];
        let mut sent_after_first_second = 0;
        for frame in 0..180u64 {
            let now = at(frame * 16);
            for side in 0..2 {
                let (renet, g) = &mut ends[side];
                renet.update(MS * 16);
                for p in std::mem::take(&mut in_flight[side]) {
                    g.received(&p);
                    renet.process_packet(&p);
                }
                let Flush::Send { acks } = g.flush(now, || false) else {
                    continue;
                };
                for p in renet.get_packets_to_send() {
                    if is_ack(&p) {
                        if !acks {
                            continue;
                        }
                        g.ack_sent(now);
                    }
                    if frame >= 60 {
                        sent_after_first_second += 1;
                    }
                    in_flight[1 - side].push(p);
                }
            }
        }
        assert_eq!(sent_after_first_second, 0, "packets sent by an idle pair");
    }

    /// The type bytes the gate reads are renet's own: a reliable message, an
    /// unreliable one, a sliced reliable one and an ack, made by a real renet.
    #[test]
    fn packet_kinds_match_renets_wire_format() {
        let channels = vec![
            ChannelConfig {
                channel_id: 0,
                max_memory_usage_bytes: 1 << 20,
                send_type: SendType::Unreliable,
            },
            ChannelConfig {
                channel_id: 1,
                max_memory_usage_bytes: 1 << 20,
                send_type: SendType::ReliableOrdered {
                    resend_time: MS * 40,
                },
            },
        ];
        let (mut a, mut b) = connected_pair(channels);
        a.send_message(1, vec![1u8; 10]);
        let reliable = a.get_packets_to_send();
        assert_eq!(reliable.len(), 1);
        assert!(is_reliable(&reliable[0]) && !is_ack(&reliable[0]));
        a.send_message(0, vec![2u8; 10]);
        let unreliable = a.get_packets_to_send();
        assert!(!is_reliable(&unreliable[0]) && !is_ack(&unreliable[0]));
        a.send_message(1, vec![3u8; 5000]);
        let slices = a.get_packets_to_send();
        assert!(slices.len() > 1 && slices.iter().all(|p| is_reliable(p)));
        b.process_packet(&reliable[0]);
        let acks = b.get_packets_to_send();
        assert_eq!(acks.len(), 1);
        assert!(is_ack(&acks[0]) && !is_reliable(&acks[0]));
    }
}
