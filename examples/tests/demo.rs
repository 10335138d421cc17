//! The demo's logic, run briefly: over the memory transport with loss and latency,
//! and over real UDP on loopback; both must converge.

use pipes_examples::demo_world::{run, DemoOptions, TransportKind};

#[test]
fn demo_converges_over_memory_with_loss() {
    let o = DemoOptions {
        clients: 4,
        objects: 24,
        seconds: 1.0,
        loss: 0.1,
        latency_ms: 20,
        transport: TransportKind::Memory,
        seed: 3,
    };
    let s = run(&o, false).expect("demo runs");
    assert!(s.converged, "mismatches: {:?}", s.mismatches);
    assert!(s.ticks > 60, "the server ticked: {}", s.ticks);
    assert!(s.bytes_per_client_per_s > 0);
    assert!(s.line().ends_with("converged=yes"));
}

#[test]
fn demo_converges_over_udp() {
    let o = DemoOptions {
        clients: 3,
        objects: 16,
        seconds: 1.0,
        loss: 0.05,
        transport: TransportKind::Udp,
        ..DemoOptions::default()
    };
    let s = run(&o, false).expect("demo runs");
    assert!(s.converged, "mismatches: {:?}", s.mismatches);
}

/// The options of the interpolation regression run: 8 bots, 64 NPCs, 5 % loss, 50 ms.
fn lossy_udp_options() -> DemoOptions {
    DemoOptions {
        clients: 8,
        objects: 64,
        seconds: 1.5,
        loss: 0.05,
        latency_ms: 50,
        transport: TransportKind::Udp,
        seed: 4,
    }
}

#[test]
fn demo_converges_under_loss_and_latency_over_udp() {
    let s = run(&lossy_udp_options(), false).expect("demo runs");
    assert!(s.converged, "mismatches: {:?}", s.mismatches);
}

#[test]
#[ignore = "wall-clock bound: a starved test thread adds ~0.36 m of hold error per 100 ms, \
so it fails on a loaded machine; run on a quiet one with `--ignored`"]
fn demo_interpolation_error_stays_small_under_loss_and_latency_over_udp() {
    // Regression: with loss 0.05 + 50 ms the demo reported ~2.2 m. NPCs stood still
    // until play began, then jumped (a repeated entry under loss recorded the standing
    // position just before), and the runtime inferred stops from single snapshot
    // parts, bending moving objects' curves whenever a part was lost. A lost snapshot
    // costs a short hold or extrapolation: a few cm at 3.6 m/s (30 mm in a quiet
    // release run). The behaviour is pinned deterministically, and run in CI, by
    // `pipes`' SimNet test
    // `moving_objects_in_multipart_snapshots_are_not_stopped_by_a_lost_part`.
    let s = run(&lossy_udp_options(), false).expect("demo runs");
    assert!(s.converged, "mismatches: {:?}", s.mismatches);
    assert!(
        s.max_interp_error_mm < 1000,
        "max_interp_error {} mm",
        s.max_interp_error_mm
    );
}

#[test]
fn bad_flags_are_refused_with_the_flag_named() {
    let parse = |a: &[&str]| DemoOptions::parse(a.iter().map(|s| s.to_string()));
    assert!(parse(&["--loss", "1.5"]).unwrap_err().contains("--loss"));
    assert!(parse(&["--clients"]).unwrap_err().contains("needs a value"));
    assert!(parse(&["--transport", "tcp"]).unwrap_err().contains("tcp"));
    assert!(parse(&["--bogus"]).unwrap_err().contains("--bogus"));
    let o = parse(&["--clients", "2", "--transport", "memory"]).unwrap();
    assert_eq!((o.clients, o.transport), (2, TransportKind::Memory));
}
