//! Behaviour tests of the server and client cores, driven through the simulated network.

mod util;

mod acks;
mod backpressure;
mod bandwidth;
mod budget;
mod clock;
mod convergence;
mod handshake;
mod interest;
mod interp;
mod lifecycle;
mod malformed;
mod messages;
mod owner;
mod predict;
mod sharing;
mod threads;
mod udp;
mod visibility;
