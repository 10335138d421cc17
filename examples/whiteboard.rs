//! Whiteboard (after PodSixNet's whiteboard example): two clients draw line
//! segments on a shared board; the server relays each segment to every client, so
//! every board ends up with the same drawing. Schema: `examples/whiteboard.dc`.
//!
//! ```sh
//! cargo run --example whiteboard -- --seconds 3
//! ```

use pipes::client::ClientEvent;
use pipes::server::{ServerEvent, Target};
use pipes::Location;
use pipes_examples::net;
use pipes_examples::whiteboard::{distributed_board as board, DistributedBoard, SCHEMA};

/// Segments each client draws.
const STROKES: i16 = 10;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    pipes_examples::net::log_to_stderr(tracing::Level::INFO);
    let seconds = net::arg("--seconds", 3.0);
    let mut server = net::serve(&SCHEMA, 0)?;
    let id = server
        .server
        .generate_default::<DistributedBoard>(Location::zone(0), None)?;
    let addr = net::local(&server)?;
    let mut clients = [net::connect(&SCHEMA, addr)?, net::connect(&SCHEMA, addr)?];
    let mut boards: Vec<Vec<board::Drawn>> = vec![Vec::new(); clients.len()];
    let mut drawn = vec![0i16; clients.len()];
    net::run_for(seconds, |_| -> Result<bool, Box<dyn std::error::Error>> {
        server.pump()?;
        while let Some(e) = server.poll_event() {
            if let (ServerEvent::Message { client, .. }, Some(Ok(d))) =
                (&e, e.decode::<board::Draw>())
            {
                let seg = board::Drawn {
                    author: client.0,
                    x1: d.x1,
                    y1: d.y1,
                    x2: d.x2,
                    y2: d.y2,
                };
                server
                    .server
                    .send_message(id, &seg, Target::Broadcast { except: None })?;
            }
        }
        server.flush()?;
        for (i, c) in clients.iter_mut().enumerate() {
            c.pump()?;
            while let Some(e) = c.poll_event() {
                if matches!(e, ClientEvent::Connected { .. }) {
                    c.client.set_interest(&[Location::zone(0)])?;
                }
                if let Some(Ok(seg)) = e.decode::<board::Drawn>() {
                    boards[i].push(seg);
                }
            }
            if c.client.object(id).is_some() && drawn[i] < STROKES {
                // A zig-zag, one segment per frame.
                let k = drawn[i];
                let y = 10 * i as i16;
                let seg = board::Draw {
                    x1: k * 5,
                    y1: y,
                    x2: k * 5 + 5,
                    y2: y + 5 * (k % 2),
                };
                c.client.send_message(id, &seg)?;
                drawn[i] += 1;
            }
            c.flush()?;
        }
        let want = STROKES as usize * clients.len();
        Ok(boards.iter().any(|b| b.len() < want))
    })?;
    for (i, b) in boards.iter().enumerate() {
        println!("whiteboard: client {i} has {} segments", b.len());
    }
    let same = boards.windows(2).all(|w| w[0] == w[1]);
    println!(
        "whiteboard: boards identical: {}",
        if same { "yes" } else { "no" }
    );
    Ok(())
}
