//! Helpers shared by the CLI tests.
#![allow(dead_code)]

pub mod cli;
#[path = "../../../septet/tests/common/python.rs"]
pub mod python;
pub mod server;
#[path = "../../../septet-server/tests/common/tls.rs"]
pub mod tls;
