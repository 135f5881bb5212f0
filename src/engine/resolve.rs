//! Name resolution for both engines' connects: a host name's addresses, every one on record as
//! the resolve phase, within the connect deadline. Trying the addresses is each engine's own.

use std::net::SocketAddr;
use std::time::Instant;

use tokio::time::timeout_at;

use super::attempt::{Attempt, Failure, Step};
use super::{ConnectError, ConnectErrorKind};
use crate::target::HostPort;

/// The addresses of `host` (shown as `name` in the record); a name without any is unreachable,
/// and running out of time is `timed_out`'s error.
pub(super) async fn resolve(
    host: &HostPort,
    name: &str,
    attempt: &Attempt,
    deadline: tokio::time::Instant,
    timed_out: &dyn Fn() -> ConnectError,
) -> Result<Vec<SocketAddr>, ConnectError> {
    let since = Instant::now();
    let unreachable = |detail: String, message: String| {
        attempt.record(Step::Resolve, name, None, since, Some(Failure::NoSuchHost), detail);
        Err(ConnectError::new(ConnectErrorKind::Unreachable, message))
    };
    let addresses: Vec<SocketAddr> =
        match timeout_at(deadline, tokio::net::lookup_host((host.host.as_str(), host.port))).await {
            Ok(Ok(found)) => found.collect(),
            Ok(Err(e)) => {
                return unreachable(e.to_string(), format!("could not resolve host name {}: {e}", host.host));
            }
            Err(_) => {
                attempt.record(Step::Resolve, name, None, since, Some(Failure::TimedOut), "");
                return Err(timed_out());
            }
        };
    if addresses.is_empty() {
        return unreachable("no address".into(), format!("host name {} has no address", host.host));
    }
    let listed: Vec<String> = addresses.iter().map(|a| a.ip().to_string()).collect();
    attempt.record(Step::Resolve, name, None, since, None, listed.join(", "));
    Ok(addresses)
}
