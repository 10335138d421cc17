//! Quick-start server (as in panda3d-pipes): listens on UDP port 27015, spawns an
//! avatar for each client in zone 1 and relays chat to everyone in the room.
//!
//! ```sh
//! cargo run --example server                 # then, elsewhere: cargo run --example client
//! cargo run --example server -- --seconds 30 --port 27015
//! ```

use pipes::server::{OwnerUpdate, ServerEvent, Target};
use pipes::Location;
use pipes_examples::net;
use pipes_examples::schema::{
    distributed_chat as chat, DistributedAvatar, DistributedChat, SCHEMA,
};
use std::collections::BTreeMap;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port = net::arg("--port", 27015u16);
    let seconds = net::arg("--seconds", f64::INFINITY);
    let mut server = net::serve(&SCHEMA, port)?;
    let room = server
        .server
        .generate_default::<DistributedChat>(Location::zone(1), None)?;
    let mut avatars = BTreeMap::new();
    println!("server: listening on {}", server.transport.local_addr()?);
    net::run_for(seconds, |_| -> Result<bool, Box<dyn std::error::Error>> {
        server.pump()?;
        while let Some(event) = server.poll_event() {
            let s = &mut server.server;
            match &event {
                ServerEvent::ClientConnected { client, .. } => {
                    let avatar =
                        s.generate_default::<DistributedAvatar>(Location::zone(1), Some(*client))?;
                    avatars.insert(*client, avatar);
                    println!("server: client {} joined, avatar {}", client.0, avatar.0);
                }
                ServerEvent::ClientDisconnected { client, reason } => {
                    avatars.remove(client);
                    println!("server: client {} left ({reason:?})", client.0);
                }
                ServerEvent::Message {
                    client,
                    object,
                    field,
                    args,
                } => {
                    if let Some(Ok(say)) = event.decode::<chat::Say>() {
                        println!("server: client {} says {:?}", client.0, say.text);
                        let sender = avatars.get(client).map_or(0, |a| a.0);
                        let said = chat::Said {
                            sender,
                            text: say.text,
                        };
                        s.send_message(room, &said, Target::Broadcast { except: None })?;
                    } else if let OwnerUpdate::Refused(why) =
                        s.apply_owner_update(*client, *object, *field, args)
                    {
                        // An emote or a molecular setPosH: not state, so not applied.
                        println!("server: client {} update refused: {why}", client.0);
                    }
                }
                ServerEvent::ClientRejected { connection, reason } => {
                    println!("server: connection {} refused: {reason:?}", connection.0);
                }
            }
        }
        server.flush()?;
        Ok(true)
    })?;
    println!("server: stopping");
    Ok(())
}
