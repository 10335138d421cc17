//! The low-level API, for those who want only datagrams (as in Panda3D's manual:
//! listen on a port, accept connections, read datagrams as they arrive, write to one
//! or to all connections, close). No distributed objects: a [`Transport`] alone.
//!
//! ```sh
//! cargo run --example datagrams
//! ```

use pipes::transport::udp::{ClientAuth, Security, UdpClient, UdpConfig, UdpServer};
use pipes::transport::{Transport, TransportEvent};
use pipes::{Reliability, Time};
use pipes_examples::net;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    pipes_examples::net::log_to_stderr(tracing::Level::INFO);
    // Listen.
    let mut server = UdpServer::bind(
        ([127, 0, 0, 1], 0).into(),
        8,
        Security::Unsecure,
        UdpConfig::default(),
    )?;
    let addr = server.local_addr()?;
    let mut clients = Vec::new();
    for id in 1..=2 {
        clients.push(UdpClient::connect(
            addr,
            ClientAuth::Unsecure { client_id: id },
            UdpConfig::default(),
        )?);
    }
    let start = Instant::now();
    let now = || Time::from_secs_f64(1.0) + start.elapsed();
    let mut greeted = 0;
    let mut replies = 0;
    let mut closed = false;
    net::run_for(5.0, |_| -> Result<bool, Box<dyn std::error::Error>> {
        server.receive(now())?;
        while let Some(event) = server.poll_event() {
            match event {
                // Accept.
                TransportEvent::Connected(c) => println!("server: connection {} accepted", c.0),
                // Read a datagram, write one back to its sender.
                TransportEvent::Message {
                    connection,
                    payload,
                } => {
                    println!(
                        "server: {} says {:?}",
                        connection.0,
                        String::from_utf8_lossy(&payload)
                    );
                    server.send(connection, b"welcome", Reliability::Reliable)?;
                    greeted += 1;
                    if greeted == clients.len() {
                        // Write to all.
                        for c in server.connections() {
                            server.send(c, b"everyone is here", Reliability::Reliable)?;
                        }
                    }
                }
                TransportEvent::Disconnected { connection, reason } => {
                    println!("server: {} closed ({reason})", connection.0);
                }
            }
        }
        server.flush(now())?;
        for c in clients.iter_mut() {
            c.receive(now())?;
            while let Some(event) = c.poll_event() {
                match event {
                    TransportEvent::Connected(me) => {
                        c.send(me, b"hello", Reliability::Unreliable)?
                    }
                    TransportEvent::Message { payload, .. } => {
                        println!(
                            "client {}: got {:?}",
                            c.id().0,
                            String::from_utf8_lossy(&payload)
                        );
                        replies += 1;
                    }
                    TransportEvent::Disconnected { .. } => {}
                }
            }
            c.flush(now())?;
        }
        if replies == 2 * clients.len() && !closed {
            // Close: the server ends every connection.
            for c in server.connections() {
                server.close(c);
            }
            closed = true;
        }
        Ok(!(closed && server.connections().is_empty()))
    })?;
    println!(
        "datagrams: {replies} replies, all closed: {}",
        server.connections().is_empty()
    );
    Ok(())
}
