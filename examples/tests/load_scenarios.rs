//! The load harness's `arena` and `relay` scenarios, run briefly: their summary lines
//! parse and carry the keys issue 12 asks for, and what they count is consistent.

use pipes_examples::load_arena::{self, ArenaOptions};
use pipes_examples::load_relay::{self, RelayOptions, UpdatesBy};
use pipes_examples::load_world::{parse_line, TransportKind};
use std::collections::BTreeMap;

fn fields(line: &str) -> BTreeMap<String, String> {
    parse_line(line)
        .expect("summary parses")
        .into_iter()
        .collect()
}

fn num(m: &BTreeMap<String, String>, key: &str) -> f64 {
    m.get(key)
        .unwrap_or_else(|| panic!("summary has no `{key}`"))
        .parse()
        .unwrap_or_else(|_| panic!("`{key}` is not a number"))
}

#[test]
fn arena_sends_every_entity_every_tick_and_reports_its_floor() {
    let s = load_arena::run(&ArenaOptions {
        ticks: 20,
        warmup: 5,
    })
    .expect("arena runs");
    let m = fields(&s.line());
    assert_eq!(m["scenario"], "arena");
    assert_eq!(num(&m, "entities"), 90.0);
    // 40 movers × 8 int16 + 50 projectiles × 6 int16.
    assert_eq!(num(&m, "floor_bytes_per_tick"), 1240.0);
    // Every entity changes every tick and the client applies every one.
    assert_eq!(num(&m, "updates_per_tick"), 90.0, "{}", s.line());
    // Value deltas against the acked baseline go below the packed values' floor; at
    // least a byte per entity, and within issue 12's 1,400 B/tick.
    let bytes = num(&m, "bytes_per_tick");
    assert!(bytes > 90.0 && bytes <= 1400.0, "{}", s.line());
}

#[test]
fn relay_delivers_every_update_to_every_other_client_over_memory() {
    for by in [UpdatesBy::Client, UpdatesBy::Server] {
        let o = RelayOptions {
            clients: 4,
            objects: 10,
            rate: 4.0,
            seconds: 1.0,
            drain: 5.0,
            transport: TransportKind::Memory,
            client_threads: 1,
            updates_by: by,
            ..RelayOptions::default()
        };
        let s = load_relay::run(&o, false).expect("relay runs");
        let line = s.line();
        let m = fields(&line);
        for key in [
            "clients",
            "objects",
            "rate",
            "delivered_per_s",
            "delivered_ratio",
            "server_bytes_per_s",
            "budget_bytes_per_s",
            "server_cpu_pct",
            "latency_ms_p50",
            "latency_ms_p99",
            "recovered_after_s",
        ] {
            num(&m, key);
        }
        assert_eq!(m["scenario"], "relay");
        assert_eq!(num(&m, "connected"), 4.0, "{line}");
        assert!(num(&m, "applied_per_s") > 0.0, "{line}");
        // A lossless link with room to spare: everything arrives, nothing twice.
        let ratio = num(&m, "delivered_ratio");
        assert!((0.95..=1.0).contains(&ratio), "{line}");
        assert!(
            num(&m, "latency_ms_p50") <= num(&m, "latency_ms_p99"),
            "{line}"
        );
        assert!(num(&m, "recovered_after_s") >= 0.0, "{line}");
    }
}

#[test]
fn scenario_flags_are_checked() {
    let relay = |a: &[&str]| RelayOptions::parse(a.iter().map(|s| s.to_string()));
    assert!(relay(&["--rate", "0"]).unwrap_err().contains("--rate"));
    assert!(relay(&["--updates-by", "nobody"])
        .unwrap_err()
        .contains("nobody"));
    assert!(relay(&["--clients"]).unwrap_err().contains("needs a value"));
    let arena = |a: &[&str]| ArenaOptions::parse(a.iter().map(|s| s.to_string()));
    assert!(arena(&["--ticks", "0"]).unwrap_err().contains("--ticks"));
    assert!(arena(&["--bogus", "1"]).unwrap_err().contains("--bogus"));
}
