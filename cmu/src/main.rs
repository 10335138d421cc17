//! `pipes-cmu`: serve Panda3D `ClientRepository` games (the CMU protocol).

use clap::Parser;
use pipes_cmu::relay::{Config, Relay};
use pipes_cmu::schema::Schema;
use pipes_cmu::server::Server;
use std::path::PathBuf;
use std::process::ExitCode;

/// A drop-in replacement for Panda3D's ServerRepository.
#[derive(Parser)]
#[command(name = "pipes-cmu", version)]
struct Args {
    /// TCP port (the clients' server port).
    #[arg(long)]
    port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "0.0.0.0")]
    host: String,
    /// Extra .dc file (may repeat); loaded before the positional ones.
    #[arg(long = "dc")]
    dc: Vec<PathBuf>,
    /// doIds per client (Panda's `server-doid-range`).
    #[arg(long, default_value_t = 1_000_000)]
    doid_range: u32,
    /// Bytes queued to one client before it is disconnected as too slow.
    #[arg(long, default_value_t = 16 << 20)]
    max_queue: usize,
    /// Enforce clsend/ownsend as the pipes runtime does (stock games rely on
    /// ServerRepository's permissiveness, so this is off by default).
    #[arg(long)]
    strict: bool,
    /// Disconnect a client silent (no datagram, not even a heartbeat) for this many
    /// seconds; 0 = never, as ServerRepository.
    #[arg(long, default_value_t = 0.0)]
    idle_timeout: f64,
    /// .dc files in load order (as the clients' `dc-file` list).
    files: Vec<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let files: Vec<PathBuf> = args.dc.iter().chain(&args.files).cloned().collect();
    if files.is_empty() {
        eprintln!("pipes-cmu: no .dc file given");
        return ExitCode::from(2);
    }
    if args.doid_range == 0 {
        eprintln!("pipes-cmu: --doid-range must be positive");
        return ExitCode::from(2);
    }
    let schema = match Schema::load(&files) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("pipes-cmu: cannot load the .dc files:\n{e}");
            return ExitCode::from(2);
        }
    };
    let cfg = Config {
        do_id_range: args.doid_range,
        max_queue: args.max_queue,
        strict: args.strict,
    };
    let addr = match format!("{}:{}", args.host, args.port).parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("pipes-cmu: bad address {}:{}: {e}", args.host, args.port);
            return ExitCode::from(2);
        }
    };
    let mut server = match Server::bind(addr, Relay::new(schema, cfg)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("pipes-cmu: cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    if args.idle_timeout > 0.0 && args.idle_timeout.is_finite() {
        server.set_idle_timeout(Some(std::time::Duration::from_secs_f64(args.idle_timeout)));
    }
    let stop = server.stop_flag();
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        if let Err(e) = signal_hook::flag::register(sig, stop.clone()) {
            eprintln!("pipes-cmu: cannot install signal handler: {e}");
            return ExitCode::FAILURE;
        }
    }
    let shown = server.local_addr().map_or(addr, |a| a);
    println!("pipes-cmu: listening on {shown}");
    if let Err(e) = server.run() {
        eprintln!("pipes-cmu: {e}");
        return ExitCode::FAILURE;
    }
    eprintln!("pipes-cmu: stopped");
    ExitCode::SUCCESS
}
