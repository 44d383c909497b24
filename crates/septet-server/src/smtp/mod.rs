//! SMTP state machines, sans-IO: [`server::Session`] (what a client
//! talks to) and [`client::Client`] (how the relay talks to the next hop).

pub mod client;
pub mod reply;
pub mod server;
