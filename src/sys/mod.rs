//! The operating system, directly: the process's C entry and exit, its allocator, a Unix
//! socket connect that cannot hang, and files read without blocking. The only `unsafe`
//! code of the crate is here (in `process`, `arena` and `unix_socket`), each block with
//! the argument that it holds.
#![allow(unsafe_code)]

pub mod arena;
mod dependencies;
pub mod file;
pub mod process;
pub mod unix_socket;
