//! Quick-start server (as in panda3d-pipes): listens on UDP port 27015, gives each
//! client an avatar in zone 1 and relays chat to everyone in the room.
//!
//! ```sh
//! cargo run --example server                 # then, elsewhere: cargo run --example client
//! cargo run --example server -- --seconds 30 --port 27015
//! ```

use pipes::server::{OwnerUpdate, Server, ServerEvent, Target};
use pipes::{DoId, Location};
use pipes_examples::net;
use pipes_examples::schema::{chat, DistributedAvatar, DistributedChat, SCHEMA};

const ZONE: Location = Location::zone(1);

fn main() -> Result<(), net::Error> {
    net::log_to_stderr(tracing::Level::INFO);
    let mut link = net::serve(&SCHEMA, net::arg("--port", 27015))?;
    let room = link
        .server
        .generate_default::<DistributedChat>(ZONE, None)?;
    println!("server: listening on {}", link.transport.local_addr()?);
    net::run_for(net::arg("--seconds", f64::INFINITY), |_| {
        link.frame(|server, event| on_event(server, room, event))?;
        Ok(true)
    })
}

/// The game: an avatar per client, chat relayed, owners' position updates applied.
fn on_event(server: &mut Server, room: DoId, event: ServerEvent) -> Result<(), net::Error> {
    match (&event, event.decode::<chat::Say>()) {
        (ServerEvent::ClientConnected { client, .. }, _) => {
            let avatar = server.generate_default::<DistributedAvatar>(ZONE, Some(*client))?;
            println!("server: client {} joined, avatar {}", client.0, avatar.0);
        }
        (ServerEvent::Message { client, .. }, Some(Ok(chat::Say { text }))) => {
            println!("server: client {} says {text:?}", client.0);
            let sender = server
                .owned_by(*client)
                .first()
                .map_or(0, |avatar| avatar.0);
            let said = chat::Said { sender, text };
            server.send_message(room, &said, Target::Broadcast { except: None })?;
        }
        (ServerEvent::Message { client, .. }, _) => {
            // An emote or a molecular setPosH is not state: refused, and the game goes on.
            if let Some(OwnerUpdate::Refused(why)) = server.apply_owner_message(&event) {
                println!("server: client {} update refused: {why}", client.0);
            }
        }
        (ServerEvent::ClientDisconnected { client, reason }, _) => {
            println!("server: client {} {reason}", client.0);
        }
        (other, _) => println!("server: {other:?}"),
    }
    Ok(())
}
