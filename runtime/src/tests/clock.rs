//! Time: the client's estimate of the server clock and both sides' RTT.

use super::util::*;
use crate::sim::LinkConfig;
use std::time::Duration;

#[test]
fn clock_sync_within_one_tick_under_100ms_jitter_25ms() {
    let mut sim = connected(3, LinkConfig::new(100, 25, 0.0, 0.0), 60);
    sim.run_for(secs(10.0)).unwrap();
    let rate = sim.server.tick_rate();
    for step in 0..50 {
        sim.run_for(secs(0.1)).unwrap();
        let now = sim.now();
        let truth = rate.secs_to_ticks(sim.server.server_time(now) as f64 / 1e6);
        for (i, c) in sim.clients.iter().enumerate() {
            let est = c.client.server_tick(now).unwrap();
            assert!(
                (est - truth).abs() < 1.0,
                "step {step} client {i}: estimated tick {est:.2}, server at {truth:.2}"
            );
        }
    }
}

#[test]
fn both_sides_know_the_round_trip() {
    let mut sim = connected(1, LinkConfig::new(100, 25, 0.0, 0.0), 61);
    sim.run_for(secs(5.0)).unwrap();
    let client_rtt = sim.clients[0].client.rtt().unwrap();
    assert!(
        client_rtt > Duration::from_millis(160) && client_rtt < Duration::from_millis(240),
        "{client_rtt:?}"
    );
    let info = sim.server.client_info(id_of(&sim, 0)).unwrap();
    let server_rtt = info.rtt.expect("acks measured");
    assert!(
        server_rtt > Duration::from_millis(150) && server_rtt < Duration::from_millis(260),
        "{server_rtt:?}"
    );
    assert!(
        (info.interp - 0.1).abs() < 1e-6,
        "interp delay reported: {}",
        info.interp
    );
}

#[test]
fn clock_stays_smooth_and_accurate_when_latency_changes() {
    let mut sim = connected(1, LinkConfig::new(30, 0, 0.0, 0.0), 62);
    sim.run_for(secs(3.0)).unwrap();
    // Round trips grow from 60 to 140 ms; the offset estimate must not jump.
    sim.clients[0].link = LinkConfig::new(70, 0, 0.0, 0.0);
    let mut prev = None;
    for _ in 0..100 {
        sim.run_for(secs(0.05)).unwrap();
        let now = sim.now();
        let est = sim.clients[0].client.server_time(now).unwrap() - now.as_secs_f64();
        if let Some(p) = prev {
            let jump: f64 = est - p;
            assert!(jump.abs() < 0.012, "offset jumped by {jump}");
        }
        prev = Some(est);
    }
    let now = sim.now();
    let truth = sim.server.server_time(now) as f64 / 1e6;
    let est = sim.clients[0].client.server_time(now).unwrap();
    assert!((est - truth).abs() < 0.016, "est {est} truth {truth}");
}
