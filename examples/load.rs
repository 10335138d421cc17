//! Load harness: one server and N clients in one process (memory transport or UDP on
//! loopback). Three scenarios, chosen by `--scenario` (first flag; `zoned` if absent):
//!
//! * `zoned` (`pipes_examples::load_world`): a zoned world where a share of the objects
//!   move; bytes per client per second (and a naive full-state encoder's figure for the
//!   same visible sets), server CPU per tick and memory.
//! * `arena` (`pipes_examples::load_arena`): naia's `halo_btb_16v16` wire scenario;
//!   bytes per tick for one client seeing 90 entities that all change every tick.
//! * `relay` (`pipes_examples::load_relay`): C clients each own O objects in one zone
//!   and update each R times per second; delivered updates, server bytes, CPU, latency
//!   and recovery after the load.
//!
//! ```sh
//! cargo run --release --example load -- --clients 200 --objects 10000 \
//!     --moving-fraction 0.1 --zones 100 --seconds 10 --transport memory
//! cargo run --release --example load -- --scenario arena
//! cargo run --release --example load -- --scenario relay --clients 32 --objects 100 --rate 2
//! ```
//!
//! Memory (zoned) comes from a counting global allocator (`cap`): every heap byte of the
//! process, clients included (they run in this process on either transport), plus
//! `server_live_bytes`, what is still live once the clients were dropped.
//!
//! The last line is the summary: `load: scenario=.. key=value ...`.

use cap::Cap;
use pipes_examples::load_world::{run, LoadOptions, MemoryProbe};
use pipes_examples::{load_arena, load_relay};
use std::alloc::System;

#[global_allocator]
static ALLOC: Cap<System> = Cap::new(System, usize::MAX);

fn main() {
    pipes_examples::net::log_to_stderr(tracing::Level::WARN);
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let scenario = if args.first().map(String::as_str) == Some("--scenario") {
        let Some(name) = args.get(1).cloned() else {
            fail(2, "--scenario needs a value: arena, relay or zoned");
        };
        args.drain(..2);
        name
    } else {
        "zoned".to_owned()
    };
    match scenario.as_str() {
        "zoned" => zoned(args),
        "arena" => arena(args),
        "relay" => relay(args),
        other => fail(
            2,
            &format!("unknown scenario `{other}`: arena, relay or zoned"),
        ),
    }
}

fn fail(code: i32, msg: &str) -> ! {
    eprintln!("{msg}");
    std::process::exit(code)
}

fn arena(args: Vec<String>) {
    let opts = load_arena::ArenaOptions::parse(args).unwrap_or_else(|e| fail(2, &e));
    println!(
        "pipes load: arena, {} players, {} vehicles, {} projectiles, {} ticks measured",
        load_arena::PLAYERS,
        load_arena::VEHICLES,
        load_arena::PROJECTILES,
        opts.ticks
    );
    match load_arena::run(&opts) {
        Ok(s) => println!("{}", s.line()),
        Err(e) => fail(1, &format!("load failed: {e}")),
    }
}

fn relay(args: Vec<String>) {
    let opts = load_relay::RelayOptions::parse(args).unwrap_or_else(|e| fail(2, &e));
    println!(
        "pipes load: relay, {} clients × {} objects, {} updates per object per second, \
update rate {}, {} s, {} transport, {} client thread(s), updates by {:?}",
        opts.clients,
        opts.objects,
        opts.rate,
        opts.update_rate,
        opts.seconds,
        opts.transport.name(),
        opts.client_threads,
        opts.updates_by
    );
    match load_relay::run(&opts, true) {
        Ok(s) => {
            println!("{}", s.line());
            if s.connected != opts.clients {
                std::process::exit(1);
            }
        }
        Err(e) => fail(1, &format!("load failed: {e}")),
    }
}

fn zoned(args: Vec<String>) {
    let opts = LoadOptions::parse(args).unwrap_or_else(|e| fail(2, &e));
    println!(
        "pipes load: {} clients, {} objects in {} zones ({} watched each), {} moving, \
{} s, {:?} transport, update rate {}, cmd rate {}, {} client thread(s)",
        opts.clients,
        opts.objects,
        opts.zones,
        opts.interest,
        opts.moving_fraction,
        opts.seconds,
        opts.transport,
        opts.update_rate,
        opts.cmd_rate,
        opts.client_threads
    );
    let probe = MemoryProbe {
        live: || ALLOC.allocated(),
        peak: || ALLOC.max_allocated(),
    };
    match run(&opts, true, Some(probe)) {
        Ok(summary) => {
            println!("{}", summary.line());
            if summary.connected != summary.clients {
                std::process::exit(1);
            }
        }
        Err(e) => fail(1, &format!("load failed: {e}")),
    }
}
