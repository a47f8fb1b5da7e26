//! `tcp://`: healthy when a TCP connection is accepted. Nothing is sent and nothing read,
//! so a hung app that the kernel still completes handshakes for passes (`--help` says so).

use super::{Spec, connect};
use crate::judge::outcome::{Answer, Failure};
use crate::net::{Clock, SharedTrace};

/// The connection, made within the deadline: its peer is the answer.
// Out of line, as every kind's exchange but HTTP's (`protocol::reply` says why).
#[inline(never)]
pub(super) fn connected(
    spec: &Spec,
    clock: Clock,
    trace: &SharedTrace,
) -> Result<Result<Answer, Failure>, ureq::Error> {
    connect(spec, clock, trace).map(|(_, peer)| Ok(Answer::Connected(peer)))
}
