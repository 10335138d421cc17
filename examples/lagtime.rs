//! Lag time (after PodSixNet's lagtime example): how long a round trip takes. The
//! pipes client pings the server on its own (every `pipes-ping-interval`) to keep its
//! server clock in sync; this prints the round-trip times it measures, and the
//! transport's own RTT estimate (over UDP, renet's: it counts the time an ack waits
//! before leaving, up to `UdpConfig::ack_interval`, so it reads higher than the ping).
//!
//! ```sh
//! cargo run --example lagtime -- --seconds 3
//! ```

use pipes::transport::Transport;
use pipes_examples::net;
use pipes_examples::schema::SCHEMA;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    pipes_examples::net::log_to_stderr(tracing::Level::INFO);
    let seconds = net::arg("--seconds", 3.0);
    let mut server = net::serve(&SCHEMA, 0)?;
    let mut client = net::connect(&SCHEMA, net::local(&server)?)?;
    let mut next = 0.5;
    let mut samples = 0;
    net::run_for(seconds, |t| -> Result<bool, Box<dyn std::error::Error>> {
        server.pump()?;
        while server.poll_event().is_some() {}
        client.pump()?;
        while client.poll_event().is_some() {}
        if t >= next {
            next += 0.5;
            if let (Some(rtt), Some(conn)) = (client.client.rtt(), client.connection()) {
                let transport = client
                    .transport
                    .stats(conn)
                    .map(|s| s.rtt)
                    .unwrap_or_default();
                println!(
                    "lagtime: {:.3} ms (pipes ping), {:.3} ms (transport, acks paced)",
                    rtt.as_secs_f64() * 1e3,
                    transport.as_secs_f64() * 1e3
                );
                samples += 1;
            }
        }
        Ok(true)
    })?;
    println!("lagtime: {samples} measurements");
    Ok(())
}
