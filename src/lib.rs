//! healthprobe: is this service healthy? One check of each target — HTTP, gRPC's health
//! service, a bare TCP connection, or a database's, cache's or broker's own first bytes
//! (PostgreSQL, Redis, MySQL, RabbitMQ, NATS, memcached, MQTT) — within one hard
//! deadline, judged, and reported in one line whose first word is the category, with an
//! exit code Docker's HEALTHCHECK and Kubernetes exec probes understand.
//!
//! The flow, and the folders: [`cli`] (the command line, one table of options) →
//! [`probe`] (the plan, its targets at once, `--wait`) → [`protocol`] (the table of
//! schemes, the targets, one exchange per scheme) over [`net`] (resolver, dialer, bounded I/O under one deadline) → [`judge`]
//! (checks and the one place a category is decided) → [`report`]; then, for
//! `-- COMMAND`, [`exec`]; `--install` is [`install`]. [`sys`] holds the only `unsafe` code, the binary's entry point
//! included. [`fuzzing`] is the fuzz targets' harness, outside that flow.
#![deny(unsafe_code)]
// Where the toolchain is a nightly (the pinned one the artifacts are built with), std's
// allocation-failure hook reports an allocation std makes outside the global allocator
// as the run's out-of-memory verdict (`sys::process::report_allocation_failures`).
#![cfg_attr(alloc_error_hook, feature(alloc_error_hook))]

pub mod cli;
pub mod duration;
pub mod exec;
// The fuzz harness's peers are Unix sockets; fuzzing runs on Linux.
#[cfg(unix)]
#[doc(hidden)]
pub mod fuzzing;
pub mod install;
pub mod judge;
mod net;
pub mod probe;
pub mod protocol;
pub mod report;
mod sanitize;
pub mod sys;
