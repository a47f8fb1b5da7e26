//! The test suite, one crate (as ripgrep's `tests/tests.rs`): a module per feature, each
//! driving the built binary against real servers it starts, sharing `support` compiled
//! once. `cargo test --release` runs it all; `cargo test --release --test tests -- tls::`
//! one module.

mod support;

mod artifact;
mod beyond_http;
mod brokers;
mod cli;
mod databases;
mod docker;
mod docs;
mod exec;
mod files;
mod fuzz;
mod grpc;
mod hostile;
mod memory;
mod misbehaving;
mod parity;
mod platforms;
mod podman;
mod properties;
mod publish;
mod random_responses;
mod readme_reports;
mod release;
mod secrets;
mod supply_chain;
mod syscalls;
mod tls;
mod verdicts;
mod windows;
