//! The load harness, run briefly in process (memory and UDP): its summary line parses,
//! every client connected, bytes flowed both ways and the delta snapshots are smaller
//! than the naive full-state encoding of the same visible sets.

use cap::Cap;
use pipes_examples::load_world::{parse_line, run, LoadOptions, MemoryProbe, TransportKind};
use std::alloc::System;
use std::collections::BTreeMap;

#[global_allocator]
static ALLOC: Cap<System> = Cap::new(System, usize::MAX);

fn probe() -> MemoryProbe {
    MemoryProbe {
        live: || ALLOC.allocated(),
        peak: || ALLOC.max_allocated(),
    }
}

/// The summary line's values by key, every one a number except `transport`.
fn fields(line: &str) -> BTreeMap<String, String> {
    let pairs = parse_line(line).expect("summary parses");
    let map: BTreeMap<String, String> = pairs.iter().cloned().collect();
    assert_eq!(map.len(), pairs.len(), "no key twice: {line}");
    for (k, v) in &map {
        if k != "transport" && k != "scenario" {
            assert!(v.parse::<f64>().is_ok(), "{k}={v} is not a number");
        }
    }
    map
}

fn num(map: &BTreeMap<String, String>, key: &str) -> f64 {
    map.get(key)
        .unwrap_or_else(|| panic!("summary has no `{key}`"))
        .parse()
        .unwrap_or_else(|_| panic!("`{key}` is not a number"))
}

#[test]
fn load_over_memory_reports_sane_figures() {
    let o = LoadOptions {
        clients: 16,
        objects: 600,
        zones: 12,
        interest: 3,
        moving_fraction: 0.2,
        seconds: 1.5,
        transport: TransportKind::Memory,
        ..LoadOptions::default()
    };
    let s = run(&o, false, Some(probe())).expect("harness runs");
    let line = s.line();
    let m = fields(&line);
    assert_eq!(m["transport"], "memory");
    assert_eq!(num(&m, "clients"), 16.0);
    assert_eq!(num(&m, "connected"), 16.0, "every client connected: {line}");
    // 1.5 s at 66 Hz is 99 ticks; a loaded machine may run fewer frames but not none.
    assert!(num(&m, "ticks") >= 30.0, "{line}");
    // Each client watches 3 of 12 zones: about a quarter of the objects (+ avatars).
    let visible = num(&m, "visible_per_client");
    assert!((100.0..=250.0).contains(&visible), "{line}");
    let down = num(&m, "down_bytes_per_client_per_s");
    let naive = num(&m, "naive_down_bytes_per_client_per_s");
    assert!(
        down > 0.0 && num(&m, "up_bytes_per_client_per_s") > 0.0,
        "{line}"
    );
    assert!(down < naive, "delta {down} must beat naive {naive}: {line}");
    assert!(num(&m, "cmds_per_client_per_s") > 0.0, "{line}");
    let (p50, p99, max) = (
        num(&m, "server_tick_us_p50"),
        num(&m, "server_tick_us_p99"),
        num(&m, "server_tick_us_max"),
    );
    assert!(p50 > 0.0 && p50 <= p99 && p99 <= max, "{line}");
    let (live, peak, server) = (
        num(&m, "mem_live_bytes"),
        num(&m, "mem_peak_bytes"),
        num(&m, "server_live_bytes"),
    );
    assert!(live > 0.0 && live <= peak, "{line}");
    // The clients hold copies of what they see: dropping them frees memory.
    assert!(server > 0.0 && server < live, "{line}");
    // The line carries the summary's own values.
    assert_eq!(
        num(&m, "down_bytes_per_client_per_s") as u64,
        s.down_bytes_per_client_per_s
    );
    assert_eq!(num(&m, "ticks") as u64, s.ticks);
}

#[test]
fn load_over_udp_connects_every_client() {
    let o = LoadOptions {
        clients: 6,
        objects: 200,
        zones: 8,
        interest: 2,
        seconds: 1.0,
        transport: TransportKind::Udp,
        ..LoadOptions::default()
    };
    let s = run(&o, false, None).expect("harness runs");
    let m = fields(&s.line());
    assert_eq!(m["transport"], "udp");
    assert_eq!(num(&m, "connected"), 6.0, "{}", s.line());
    assert!(s.down_bytes_per_client_per_s > 0);
    assert!(s.down_bytes_per_client_per_s < s.naive_down_bytes_per_client_per_s);
    // Without a probe the memory figures say "unknown" (0), not a guess.
    assert_eq!((s.mem_live_bytes, s.server_live_bytes), (0, 0));
}

#[test]
fn bad_flags_are_refused_with_the_flag_named() {
    let parse = |a: &[&str]| LoadOptions::parse(a.iter().map(|s| s.to_string()));
    assert!(parse(&["--moving-fraction", "1.5"])
        .unwrap_err()
        .contains("--moving-fraction"));
    assert!(parse(&["--clients"]).unwrap_err().contains("needs a value"));
    assert!(parse(&["--clients", "0"])
        .unwrap_err()
        .contains("--clients"));
    assert!(parse(&["--transport", "tcp"]).unwrap_err().contains("tcp"));
    assert!(parse(&["--zones", "4", "--interest", "5"])
        .unwrap_err()
        .contains("--interest"));
    assert!(parse(&["--bogus", "1"]).unwrap_err().contains("--bogus"));
    let o = parse(&[
        "--clients",
        "50",
        "--transport",
        "udp",
        "--update-rate",
        "33",
    ])
    .unwrap();
    assert_eq!(
        (o.clients, o.transport, o.update_rate),
        (50, TransportKind::Udp, 33)
    );
}

#[test]
fn summary_lines_that_are_not_ours_are_refused() {
    assert!(parse_line("demo: clients=1").is_err());
    assert!(parse_line("load: clients").unwrap_err().contains("clients"));
    assert_eq!(
        parse_line("load: a=1 b=x").unwrap(),
        vec![("a".into(), "1".into()), ("b".into(), "x".into())]
    );
}
