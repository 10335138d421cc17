//! The pipes demo: a server and bot clients on loopback over UDP (renet). Bots move
//! their avatars, chat and change interest zones while NPCs walk; after `--seconds`
//! the world settles and every client's state is compared with the server's.
//!
//! ```sh
//! cargo run --release --example demo -- --clients 8 --objects 64 --seconds 5 \
//!     --loss 0.05 --latency-ms 50 --transport udp
//! ```
//!
//! The last line is the summary:
//! `demo: clients=N objects=N ticks=N bytes_per_client_per_s=N server_tick_us_p50=N
//! server_tick_us_p99=N max_interp_error=N interp_error_p99=N converged=yes|no` (interpolation
//! errors in mm: the largest, and the 99th percentile over every rendered sample).

use pipes_examples::demo_world::{run, DemoOptions};

fn main() {
    pipes_examples::net::log_to_stderr(tracing::Level::INFO);
    let opts = match DemoOptions::parse(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    println!(
        "pipes demo: {} clients, {} NPCs, {} s of play then settling, loss {}, latency {} ms, {:?} transport",
        opts.clients, opts.objects, opts.seconds, opts.loss, opts.latency_ms, opts.transport
    );
    match run(&opts, true) {
        Ok(summary) => {
            println!("{}", summary.line());
            if !summary.converged {
                std::process::exit(1);
            }
        }
        Err(e) => {
            eprintln!("demo failed: {e}");
            std::process::exit(1);
        }
    }
}
