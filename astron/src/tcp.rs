//! Thin blocking TCP drivers over `std::net` for [`AstronClient`] and [`AstronAi`].
//!
//! They write whatever the state machine queued, then read with a timeout and feed
//! the bytes back. A game loop calls [`ClientLink::pump`] / [`AiLink::pump`] once per
//! frame and drains events from the inner state machine.

use super::ai::AstronAi;
use super::client::AstronClient;
use pipes::time::Time;
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

fn connect(addr: impl ToSocketAddrs, read_timeout: Duration) -> io::Result<TcpStream> {
    let stream = TcpStream::connect(addr)?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(read_timeout.max(Duration::from_millis(1))))?;
    Ok(stream)
}

/// Reads what is available within the timeout; `Ok(None)` when nothing came,
/// an `UnexpectedEof` error when the peer closed.
fn read_some(stream: &mut TcpStream, buf: &mut [u8]) -> io::Result<Option<usize>> {
    match stream.read(buf) {
        Ok(0) => Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the Astron peer closed the connection",
        )),
        Ok(n) => Ok(Some(n)),
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ) =>
        {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// A client session over TCP.
#[derive(Debug)]
pub struct ClientLink {
    /// The session state machine.
    pub client: AstronClient,
    stream: TcpStream,
}

impl ClientLink {
    /// Connects to a client agent; reads wait at most `read_timeout` per pump.
    pub fn connect(
        addr: impl ToSocketAddrs,
        client: AstronClient,
        read_timeout: Duration,
    ) -> io::Result<Self> {
        Ok(ClientLink {
            client,
            stream: connect(addr, read_timeout)?,
        })
    }

    /// Sends queued bytes, polls heartbeats, then reads once and feeds what came.
    /// After an eject the peer closes: the error is `UnexpectedEof` and
    /// `client.ejected()` tells why.
    pub fn pump(&mut self, now: Time) -> io::Result<()> {
        if self.client.is_open() {
            self.client.poll(now)?;
        }
        let out = self.client.take_output();
        self.stream.write_all(&out)?;
        let mut buf = [0u8; 16 * 1024];
        if let Some(n) = read_some(&mut self.stream, &mut buf)? {
            self.client.receive(&buf[..n])?;
        }
        let out = self.client.take_output();
        self.stream.write_all(&out)
    }
}

/// An AI participant over TCP.
#[derive(Debug)]
pub struct AiLink {
    /// The participant state machine.
    pub ai: AstronAi,
    stream: TcpStream,
}

impl AiLink {
    /// Connects to a message director.
    pub fn connect(
        addr: impl ToSocketAddrs,
        ai: AstronAi,
        read_timeout: Duration,
    ) -> io::Result<Self> {
        Ok(AiLink {
            ai,
            stream: connect(addr, read_timeout)?,
        })
    }

    /// Sends queued bytes, then reads once and feeds what came.
    pub fn pump(&mut self) -> io::Result<()> {
        let out = self.ai.take_output();
        self.stream.write_all(&out)?;
        let mut buf = [0u8; 16 * 1024];
        if let Some(n) = read_some(&mut self.stream, &mut buf)? {
            self.ai.receive(&buf[..n])?;
        }
        let out = self.ai.take_output();
        self.stream.write_all(&out)
    }
}
