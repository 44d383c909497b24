//! Helpers shared by the CLI tests.
#![allow(dead_code)]

pub mod cli;
pub mod python;
