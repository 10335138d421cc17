//! The avatar/chat game on an Astron cluster: one AI, two clients, avatars walking,
//! chat relayed through the AI, and a client ejected by Astron for sending a field it
//! may not (`setSecret`). Logic in `examples/astron_world.rs`.
//!
//! Start `astrond examples/astron/astrond.yml` from the repository root, then either
//! everything in one process:
//!
//! ```sh
//! cargo run --example astron_game -- --role all --seconds 6 --cheat-after 4
//! ```
//!
//! or one process per role (each in its own terminal):
//!
//! ```sh
//! cargo run --example astron_game -- --role ai
//! cargo run --example astron_game -- --role client --name alice
//! cargo run --example astron_game -- --role client --name bob --cheat-after 4
//! ```
//!
//! Flags: `--md 127.0.0.1:7199` (message director), `--ca 127.0.0.1:7198` (client
//! agent), `--seconds` (run time; `ai` and `client` default to forever).

use pipes_examples::astron_world::{run_all, GameAi, GameClient};
use pipes_examples::net;
use std::net::SocketAddr;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    pipes_examples::net::log_to_stderr(tracing::Level::INFO);
    run().map_err(|e| {
        // Without a cluster the first error is a bare "connection refused": say what to start.
        if e.to_string().to_ascii_lowercase().contains("refused") {
            format!(
                "{e}: no Astron cluster at --md/--ca; start one first: \
                 astrond --loglevel info examples/astron/astrond.yml (README, \"Running on Astron\")"
            )
            .into()
        } else {
            e
        }
    })
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let md: SocketAddr = net::arg("--md", ([127, 0, 0, 1], 7199).into());
    let ca: SocketAddr = net::arg("--ca", ([127, 0, 0, 1], 7198).into());
    let role = net::arg("--role", String::from("all"));
    let cheat = net::arg("--cheat-after", f64::NAN);
    let cheat = (!cheat.is_nan()).then_some(cheat);
    match role.as_str() {
        "all" => {
            let seconds = net::arg("--seconds", 6.0);
            let cheat = cheat.or(Some(seconds * 2.0 / 3.0));
            let summary = run_all(md, ca, &[("alice", None), ("bob", cheat)], seconds)?;
            for c in &summary.clients {
                let moves: u32 = c.moves_seen.values().sum();
                println!(
                    "summary: heard {} chat lines, saw {moves} moves of others, ended {:?}",
                    c.heard.len(),
                    c.outcome
                );
            }
        }
        "ai" => {
            let seconds = net::arg("--seconds", f64::INFINITY);
            let mut ai = GameAi::connect(md)?;
            println!("ai: connected to {md}");
            net::run_for(seconds, |_| Ok(ai.step().map(|()| true)?))?;
        }
        "client" => {
            let seconds = net::arg("--seconds", f64::INFINITY);
            let name = net::arg("--name", String::from("player"));
            let mut client = GameClient::connect(ca, &name, cheat)?;
            net::run_for(seconds, |t| Ok(client.step(t)?))?;
            client.leave(seconds)?;
        }
        other => return Err(format!("unknown --role {other:?} (all, ai, client)").into()),
    }
    Ok(())
}
