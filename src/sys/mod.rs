//! The operating system, directly: the process's C entry and exit (and the binary's
//! entry point, [`crate::entry!`]), its allocator, a Unix socket connect that cannot
//! hang, files read without blocking, and the embedded dependency list. The only `unsafe`
//! code of the crate, binary included, is here (in `process`, `arena` and `unix_socket`),
//! each block with the argument that it holds; the library and
//! `src/main.rs` deny it everywhere else.
//!
//! That is Linux's variant, which the shipped Linux artifacts are. Every other system
//! (macOS, Windows) builds the portable one, `cfg(portable)`: std's own start-up, its
//! allocator and environment (`portable/process.rs`), std's Unix socket connect where
//! there is one (`portable/unix_socket.rs`). The test feature `portable-sys` builds it
//! for Linux too, so the suite runs it on every CI run (docs/platforms.md says what
//! differs and why).
#![allow(unsafe_code)]

#[cfg(not(portable))]
pub mod arena;
mod dependencies;
pub mod file;
#[cfg_attr(portable, path = "portable/process.rs")]
pub mod process;
mod reports;
// The non-blocking connect is Linux's (SOCK_NONBLOCK, EAGAIN on a full backlog), whichever
// variant: it is not about the process, and the portable one could hang there.
#[cfg_attr(not(target_os = "linux"), path = "portable/unix_socket.rs")]
pub mod unix_socket;
