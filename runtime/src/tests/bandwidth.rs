//! The snapshot pipeline under a link narrower than the offered load: the budget,
//! the congestion response, priorities and no starvation.

use super::util::*;
use crate::config::Config;
use crate::ids::{DoId, Location};
use crate::sim::{LinkConfig, SimNet};
use crate::testing::SetH;

fn set_h(sim: &mut SimNet, id: DoId, h: f64) {
    sim.server.set(id, &SetH { h }).expect("set");
}

/// `n` avatars in zone 0 and one client on `link` watching it.
fn world(n: usize, link: LinkConfig, client: Config, seed: u64) -> (SimNet, Vec<DoId>) {
    let mut sim = SimNet::new(server_with(Config::default()), seed);
    sim.add_client(client_with(client), link);
    sim.run_for(secs(1.0)).unwrap();
    let ids: Vec<DoId> = (0..n).map(|_| avatar(&mut sim, 0, None)).collect();
    sim.clients[0]
        .client
        .set_interest(&[Location::zone(0)])
        .unwrap();
    (sim, ids)
}

/// Changes every object once per tick for `seconds`.
fn churn(sim: &mut SimNet, ids: &[DoId], seconds: f64, round: &mut u32) {
    let ticks = (seconds * 66.0) as u32;
    for _ in 0..ticks {
        *round += 1;
        for (k, &id) in ids.iter().enumerate() {
            set_h(sim, id, f64::from((*round * 7 + k as u32) % 3600) / 10.0);
        }
        let next = sim.server.poll_timeout().expect("started");
        sim.run_until(next).unwrap();
    }
}

#[test]
fn a_run_of_one_changed_field_costs_a_few_bytes_per_object() {
    let client = Config {
        update_rate: 66,
        rate: 1 << 20,
        ..Config::default()
    };
    let (mut sim, ids) = world(1000, LinkConfig::perfect(), client, 1);
    let mut round = 0;
    churn(&mut sim, &ids, 1.0, &mut round);
    let before = sim.stats.server_bytes;
    churn(&mut sim, &ids, 1.0, &mut round);
    let per_tick = (sim.stats.server_bytes - before) as f64 / 66.0;
    // 1000 records of an int16 each (a run of consecutive ids writes no head bytes),
    // sent as deltas (+7 quanta a tick against the baseline of the tick before: one
    // byte), in one packet.
    assert!(
        (1000.0..1100.0).contains(&per_tick),
        "{per_tick} B per tick"
    );
    sim.run_for(secs(1.0)).unwrap();
    assert_converged(&sim);
}

#[test]
fn the_server_settles_at_a_narrow_links_capacity_and_starves_no_one() {
    narrow_link(Config::default().ack_interval);
}

/// The same when the client acks every snapshot packet at once (no held acks: the
/// congestion response must not depend on how often acks come).
#[test]
fn the_narrow_link_settles_with_an_ack_per_packet_too() {
    narrow_link(0.0);
}

fn narrow_link(ack_interval: f64) {
    // Offered: 1000 objects × ~3 B × 20 snapshots/s ≈ 60 kB/s (and the client asks for
    // 192 kB/s); the link carries 24 kB/s with a 12 kB queue (0.5 s).
    let link = LinkConfig::new(20, 0, 0.0, 0.0).bottleneck(24_000, 12_000);
    let client = Config {
        ack_interval,
        ..Config::default()
    };
    let (mut sim, ids) = world(1000, link, client, 2);
    let mut round = 0;
    churn(&mut sim, &ids, 4.0, &mut round);
    let (bytes0, drops0, sent0) = (
        sim.stats.server_bytes,
        sim.stats.queue_dropped,
        packets(&sim),
    );
    // Every object keeps changing; each must reach the client under load.
    sim.clients[0].events.clear();
    churn(&mut sim, &ids, 6.0, &mut round);
    let mut updated = std::collections::BTreeSet::new();
    for e in &sim.clients[0].events {
        if let crate::client::ClientEvent::StateChanged { object, .. } = e {
            updated.insert(*object);
        }
    }
    assert_eq!(updated.len(), ids.len(), "objects starved under load");
    let secs_run = 6.0;
    let rate = (sim.stats.server_bytes - bytes0) as f64 / secs_run;
    let drops = sim.stats.queue_dropped - drops0;
    let sent = packets(&sim) - sent0;
    let loss = drops as f64 / sent.max(1) as f64;
    eprintln!(
        "narrow link: server {rate:.0} B/s, {drops} of {sent} packets dropped, {:?}",
        sim.server.client_info(id_of(&sim, 0)).map(|i| i.net)
    );
    assert!(
        (24_000.0 * 0.6..=24_000.0 * 1.1).contains(&rate),
        "server sent {rate:.0} B/s into a 24 kB/s link"
    );
    assert!(
        loss < 0.05,
        "{drops} of {sent} packets dropped at the queue"
    );
    let me = id_of(&sim, 0);
    let info = sim.server.client_info(me).expect("client");
    assert!(info.net.budget_bytes_per_s < 40_000.0, "{:?}", info.net);
    assert!(info.net.choke_bytes_per_s > 0.0, "{:?}", info.net);
    // When the changes stop, every object's latest value arrives (nothing starved).
    sim.run_for(secs(3.0)).unwrap();
    assert_converged(&sim);
    // The bottleneck goes away: the rate climbs back to what the client asked for.
    sim.clients[0].link = LinkConfig::new(20, 0, 0.0, 0.0);
    churn(&mut sim, &ids, 4.0, &mut round);
    let net = sim.server.client_info(me).expect("client").net;
    assert_eq!(net.budget_bytes_per_s, net.asked_bytes_per_s, "{net:?}");
    assert_eq!(net.choke_bytes_per_s, 0.0, "{net:?}");
}

fn packets(sim: &SimNet) -> u64 {
    sim.stats.server_packets
}

#[test]
fn priority_orders_what_fits_and_nothing_starves() {
    // The client takes 4 kB/s; 400 objects changing every tick offer far more.
    let client = Config {
        rate: 4096,
        ..Config::default()
    };
    let (mut sim, ids) = world(400, LinkConfig::new(5, 0, 0.0, 0.0), client, 3);
    // Half the objects matter 8× more; the relevance hook doubles the first ten.
    for &id in &ids[..200] {
        sim.server.set_priority(id, 8.0).expect("object");
    }
    let first_ten: Vec<DoId> = ids[..10].to_vec();
    sim.server
        .set_relevance(move |_, id| if first_ten.contains(&id) { 2.0 } else { 1.0 });
    let mut round = 0;
    churn(&mut sim, &ids, 2.0, &mut round);
    sim.clients[0].events.clear();
    churn(&mut sim, &ids, 4.0, &mut round);
    let mut count = std::collections::HashMap::<DoId, u32>::new();
    for e in &sim.clients[0].events {
        if let crate::client::ClientEvent::StateChanged { object, .. } = e {
            *count.entry(*object).or_default() += 1;
        }
    }
    let avg = |s: &[DoId]| {
        s.iter()
            .map(|id| count.get(id).copied().unwrap_or(0))
            .sum::<u32>() as f64
            / s.len() as f64
    };
    let (top, high, low) = (avg(&ids[..10]), avg(&ids[10..200]), avg(&ids[200..]));
    assert!(top > high * 1.5, "relevance: {top} vs {high}");
    assert!(high > low * 4.0, "priority: {high} vs {low}");
    assert!(
        ids[200..]
            .iter()
            .all(|id| count.get(id).is_some_and(|&n| n > 0)),
        "low-priority objects starved"
    );
    let net = sim.server.client_info(id_of(&sim, 0)).expect("client").net;
    assert!(net.sent_bytes_per_s <= 4096.0 * 1.1, "{net:?}");
    sim.run_for(secs(2.0)).unwrap();
    assert_converged(&sim);
}
