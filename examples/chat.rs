//! Chat (after PodSixNet's chat example), the pipes way: a server with a chat room
//! object and three users over UDP loopback, in one process. Users send `say`
//! (`clsend airecv`); the server stamps the author and relays `said` (`broadcast`)
//! to everyone who watches the room's zone.
//!
//! ```sh
//! cargo run --example chat -- --seconds 3
//! ```

use pipes::client::ClientEvent;
use pipes::server::{ServerEvent, Target};
use pipes::Location;
use pipes_examples::net;
use pipes_examples::schema::{distributed_chat as chat, DistributedChat, SCHEMA};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    pipes_examples::net::log_to_stderr(tracing::Level::INFO);
    let seconds = net::arg("--seconds", 3.0);
    let mut server = net::serve(&SCHEMA, 0)?;
    let room = server
        .server
        .generate_default::<DistributedChat>(Location::zone(0), None)?;
    let addr = net::local(&server)?;
    let names = ["alice", "bob", "carol"];
    let mut users = Vec::new();
    for _ in names {
        users.push(net::connect(&SCHEMA, addr)?);
    }
    let mut spoke = [false; 3];
    let mut heard = 0;
    net::run_for(seconds, |_| -> Result<bool, Box<dyn std::error::Error>> {
        server.pump()?;
        while let Some(e) = server.poll_event() {
            if let (ServerEvent::Message { client, .. }, Some(Ok(say))) =
                (&e, e.decode::<chat::Say>())
            {
                let said = chat::Said {
                    sender: client.0,
                    text: say.text,
                };
                server
                    .server
                    .send_message(room, &said, Target::Broadcast { except: None })?;
            }
        }
        server.flush()?;
        for (i, user) in users.iter_mut().enumerate() {
            user.pump()?;
            while let Some(e) = user.poll_event() {
                match &e {
                    ClientEvent::Connected { .. } => {
                        user.client.set_interest(&[Location::zone(0)])?;
                    }
                    ClientEvent::Message { .. } => {
                        if let Some(Ok(said)) = e.decode::<chat::Said>() {
                            println!("[{}] client {}: {}", names[i], said.sender, said.text);
                            heard += 1;
                        }
                    }
                    _ => {}
                }
            }
            if !spoke[i] && user.client.object(room).is_some() {
                spoke[i] = true;
                let text = format!("hi, I am {}", names[i]);
                user.client.send_message(room, &chat::Say { text })?;
            }
            user.flush()?;
        }
        // Done once everyone heard everyone.
        Ok(heard < names.len() * names.len())
    })?;
    println!("chat: {heard} lines delivered");
    Ok(())
}
