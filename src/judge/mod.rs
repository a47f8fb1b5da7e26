//! Judgement: what an exchange found, the checks it must pass, and the one place a
//! category is decided.

pub mod checks;
mod json;
pub mod outcome;
pub mod status;
pub mod verdict;

pub use json::{Found, find};
