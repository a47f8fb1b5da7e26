//! The operating system, directly: the process's C entry and exit (and the binary's
//! entry point, [`crate::entry!`]), its allocator, a Unix socket connect that cannot
//! hang, files read without blocking, and the embedded dependency list. The only `unsafe`
//! code of the crate, binary included, is here (in `process`, `arena` and `unix_socket`),
//! each block with the argument that it holds; the library and
//! `src/main.rs` deny it everywhere else.
#![allow(unsafe_code)]

pub mod arena;
mod dependencies;
pub mod file;
pub mod process;
pub mod unix_socket;
