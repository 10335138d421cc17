//! Quick-start client (as in panda3d-pipes): connects to the server on port 27015,
//! says hello, sets its interest to zone 1, chats, and walks its avatar in a circle.
//! Other avatars are shown interpolated (rendered 100 ms behind the server clock).
//!
//! ```sh
//! cargo run --example client -- --host 127.0.0.1 --port 27015 --seconds 10
//! ```

use glam::DVec3;
use pipes::client::ClientEvent;
use pipes::interp::{InterpConfig, InterpTrack};
use pipes::Location;
use pipes_examples::net;
use pipes_examples::schema::{distributed_avatar as avatar, distributed_chat as chat, SCHEMA};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let host = net::arg("--host", std::net::Ipv4Addr::LOCALHOST);
    let port = net::arg("--port", 27015u16);
    let seconds = net::arg("--seconds", 10.0);
    let mut client = net::connect(&SCHEMA, (host, port).into())?;
    let mut me = None;
    let mut room = None;
    let mut others = InterpTrack::<DVec3>::new(InterpConfig::default());
    let mut walk = net::Every::new(0.05);
    let mut chat_timer = net::Every::new(1.0);
    net::run_for(seconds, |t| -> Result<bool, Box<dyn std::error::Error>> {
        client.pump()?;
        let rate = client.client.tick_rate();
        while let Some(event) = client.poll_event() {
            match &event {
                ClientEvent::Connected { client: id } => {
                    println!("client: connected as {}", id.0);
                    client.client.set_interest(&[Location::zone(1)])?;
                }
                ClientEvent::ObjectGenerated {
                    object,
                    class,
                    owned,
                } => {
                    if *owned {
                        me = Some(*object);
                    } else if *class == chat::ID {
                        room = Some(*object);
                        let hello = chat::Say {
                            text: "hello!".into(),
                        };
                        client.client.send_message(*object, &hello)?;
                    }
                }
                ClientEvent::StateChanged { object, tick, .. } if Some(*object) != me => {
                    let o = client.client.object(*object);
                    if let Some(Ok(p)) = o.and_then(|o| o.get::<avatar::SetPos>()) {
                        let v = DVec3::new(p.x, p.y, p.z);
                        let _ = others.record(u64::from(object.0), 0, rate.tick_to_secs(*tick), v);
                    }
                }
                ClientEvent::Message { .. } => {
                    if let Some(Ok(said)) = event.decode::<chat::Said>() {
                        println!("client: avatar {} said {:?}", said.sender, said.text);
                    }
                }
                ClientEvent::Disconnected(why) => {
                    println!("client: disconnected: {why:?}");
                    return Ok(false);
                }
                _ => {}
            }
        }
        // 20 moves a second, well inside the command rate (100/s) the server grants:
        // faster, the client's messages would queue behind each other.
        if let (Some(me), true) = (me, walk.due(t)) {
            let pos = avatar::SetPos {
                x: 3.0 * t.cos(),
                y: 3.0 * t.sin(),
                z: 0.0,
            };
            client.client.send_message(me, &pos)?;
        }
        if chat_timer.due(t) {
            if let (Some(room), true) = (room, client.client.is_connected()) {
                let line = chat::Say {
                    text: format!("{t:.0} s and walking"),
                };
                client.client.send_message(room, &line)?;
            }
            let now = client.clock().now();
            if let Some(st) = client.client.server_time(now) {
                others.update(st - client.client.interp_delay());
                for (key, pos) in others.iter() {
                    if let Some(p) = pos {
                        println!("client: avatar {} at ({:.2}, {:.2})", key.object, p.x, p.y);
                    }
                }
            }
        }
        client.flush()?;
        Ok(true)
    })?;
    client.client.disconnect();
    client.flush()?;
    Ok(())
}
