//! Holds only benchmarks (`benches/`): septet against peers whose crates
//! declare a newer `rust-version` than septet's, which is why this crate is
//! not among the workspace's default members. Run them with
//! `cargo bench -p septet-peer-bench --ignore-rust-version`.
