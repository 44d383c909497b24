//! Helpers shared by the CLI tests.
#![allow(dead_code)]

pub mod cli;
#[path = "../../../septet/tests/common/python.rs"]
pub mod python;
