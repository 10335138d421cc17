//! Load harness: one server and N clients in one process (memory transport or UDP on
//! loopback), reporting bytes per client per second (and a naive full-state encoder's
//! figure for the same visible sets), server CPU per tick and memory.
//!
//! ```sh
//! cargo run --release --example load -- --clients 200 --objects 10000 \
//!     --moving-fraction 0.1 --zones 100 --seconds 10 --transport memory
//! ```
//!
//! Memory comes from a counting global allocator (`cap`): every heap byte of the
//! process, clients included (they run in this process on either transport), plus
//! `server_live_bytes`, what is still live once the clients were dropped.
//!
//! The last line is the summary: `load: transport=.. clients=N connected=N ...`
//! (see `pipes_examples::load_world::LoadSummary::line`).

use cap::Cap;
use pipes_examples::load_world::{run, LoadOptions, MemoryProbe};
use std::alloc::System;

#[global_allocator]
static ALLOC: Cap<System> = Cap::new(System, usize::MAX);

fn main() {
    let opts = match LoadOptions::parse(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
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
        Err(e) => {
            eprintln!("load failed: {e}");
            std::process::exit(1);
        }
    }
}
