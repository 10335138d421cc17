//! Quick-start client (as in panda3d-pipes): connects to the server on port 27015,
//! says hello, sets its interest to zone 1, chats, and walks its avatar in a circle.
//! Avatars are shown interpolated (others rendered 100 ms behind the server clock).
//!
//! ```sh
//! cargo run --example client -- --host 127.0.0.1 --port 27015 --seconds 10
//! ```

use glam::DVec3;
use pipes::client::{Client, ClientEvent};
use pipes::{DoId, Location};
use pipes_examples::net::{self, Every};
use pipes_examples::schema::{avatar, chat, SCHEMA};

fn main() -> Result<(), net::Error> {
    net::log_to_stderr(tracing::Level::INFO);
    let host = net::arg("--host", std::net::Ipv4Addr::LOCALHOST);
    let mut link = net::connect(&SCHEMA, (host, net::arg("--port", 27015)).into())?;
    link.client.interpolate::<avatar::SetPos, DVec3>()?;
    let (mut game, mut walk, mut talk) = (Game::default(), Every::new(0.05), Every::new(1.0));
    net::run_for(net::arg("--seconds", 10.0), |t| {
        link.frame(|client, event| game.on_event(client, event))?;
        if let (Some(me), true) = (game.me, walk.due(t)) {
            let (x, y) = (3.0 * t.cos(), 3.0 * t.sin());
            link.client
                .send_message(me, &avatar::SetPos { x, y, z: 0.0 })?;
        }
        if let (Some(room), true) = (game.room, talk.due(t)) {
            let text = format!("{t:.0} s and walking");
            link.client.send_message(room, &chat::Say { text })?;
            for (id, p) in link.client.interpolated_all::<avatar::SetPos, DVec3>() {
                println!("client: avatar {} at ({:.2}, {:.2})", id.0, p.x, p.y);
            }
        }
        Ok(!link.client.is_closed())
    })?;
    // The server logs the reason: "left (time is up)".
    let why = pipes::protocol::LeaveReason::new(0, "time is up").unwrap_or_default();
    link.client.disconnect_with_reason(why);
    Ok(link.flush()?)
}

/// What the client keeps: its avatar and the chat room, once they arrive.
#[derive(Default)]
struct Game {
    me: Option<DoId>,
    room: Option<DoId>,
}

impl Game {
    fn on_event(&mut self, client: &mut Client, event: ClientEvent) -> Result<(), net::Error> {
        match (&event, event.decode::<chat::Said>()) {
            (ClientEvent::Connected { client: id }, _) => {
                println!("client: connected as {}", id.0);
                client.set_interest(&[Location::zone(1)])?;
            }
            (&ClientEvent::ObjectGenerated { object, owned, .. }, _) if owned => {
                self.me = Some(object);
            }
            (&ClientEvent::ObjectGenerated { object, class, .. }, _) if class == chat::ID => {
                self.room = Some(object);
                let text = "hello!".to_string();
                client.send_message(object, &chat::Say { text })?;
            }
            (_, Some(Ok(chat::Said { sender, text }))) => {
                println!("client: avatar {sender} said {text:?}");
            }
            (ClientEvent::Disconnected(why), _) => println!("client: disconnected: {why:?}"),
            _ => {}
        }
        Ok(())
    }
}
