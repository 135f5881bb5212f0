//! TLS "preferred" on MySQL/MariaDB in one connection: the tool opens the TCP connection itself,
//! reads the server's greeting, decides TLS from its capability flags (CLIENT_SSL), and hands the
//! connection, greeting first, to the driver through a one-shot loopback relay. The driver alone
//! would need a second connection when the server offers no TLS, and on a full server the second
//! one is refused: MariaDB keeps exactly one extra slot for SUPER, and the first attempt spent it.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// CLIENT_SSL in the greeting's lower capability flags.
const CLIENT_SSL: u16 = 0x0800;

/// The server's connection, greeted: whether it offers TLS, and the loopback port the driver
/// connects to instead (every byte relayed, the greeting first).
pub struct Greeted {
    pub offers_tls: bool,
    pub relay_port: u16,
    /// How many times the server refused with ERROR 1040 in place of its greeting before this
    /// connection (the connect check's phase says so: a taken SUPER slot is a symptom).
    pub refused_first: u32,
}

/// ERROR 1040 (too many connections) sent in place of the greeting: the server counted this
/// connection past max_connections + 1 before any login, so not even SUPER gets in right now.
/// On a full server that one extra slot is also taken, for the moment of their handshake, by
/// every client whose login the server is about to refuse (an application's retry storm): a
/// moment later it may be free.
const SERVER_FULL: u16 = 1040;

/// The longest a refusal before the greeting is tried again: long enough to ride out other
/// clients' handshakes on the one extra slot, short enough that a slot held by another SUPER
/// session delays the report by one second at most.
const FULL_RETRY_WITHIN: Duration = Duration::from_secs(1);

/// Connects to `host:port` and reads the greeting. A refusal in its place because even the
/// extra SUPER slot is taken (ERROR 1040) is tried again on a new connection (the server has
/// closed the refused one), for [`FULL_RETRY_WITHIN`] or half of `connect_timeout`, whichever
/// is shorter: the last refusal is always handed on within the connect timeout, so a server
/// that stays full is reported as full, never as a timeout. Any other error packet, and the
/// last refusal, are relayed as they are: the driver reads the error and reports it as its own.
/// A retry that cannot connect at all hands on the refusal before it. The relay waits
/// `connect_timeout` for the driver, then gives up.
pub async fn greet(host: &str, port: u16, connect_timeout: Duration) -> std::io::Result<Greeted> {
    let retry_until = tokio::time::Instant::now() + FULL_RETRY_WITHIN.min(connect_timeout / 2);
    let mut pause = Duration::from_millis(50);
    let mut refused = 0;
    let mut answer = read_greeting(host, port).await?;
    loop {
        let full = refusal_code(&answer.2) == Some(SERVER_FULL);
        if !full || tokio::time::Instant::now() + pause >= retry_until {
            break;
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(200));
        match read_greeting(host, port).await {
            Ok(next) => {
                refused += 1;
                answer = next;
            }
            Err(_) => break,
        }
    }
    let (server, header, greeting) = answer;
    relay(server, header, greeting, connect_timeout, refused).await
}

/// One TCP connection and the first packet the server sends on it: its header and payload.
async fn read_greeting(host: &str, port: u16) -> std::io::Result<(TcpStream, [u8; 4], Vec<u8>)> {
    let mut server = TcpStream::connect((host, port)).await?;
    server.set_nodelay(true)?;
    let mut header = [0u8; 4];
    server.read_exact(&mut header).await?;
    let len = u32::from_le_bytes([header[0], header[1], header[2], 0]) as usize;
    let mut greeting = vec![0u8; len];
    server.read_exact(&mut greeting).await?;
    Ok((server, header, greeting))
}

/// The error code of an error packet (0xff, then the code, little-endian) sent in place of a
/// greeting.
fn refusal_code(packet: &[u8]) -> Option<u16> {
    match packet {
        [0xff, lo, hi, ..] => Some(u16::from_le_bytes([*lo, *hi])),
        _ => None,
    }
}

/// Hands the greeted connection to the driver through a one-shot loopback relay.
async fn relay(
    mut server: TcpStream,
    header: [u8; 4],
    greeting: Vec<u8>,
    accept_within: Duration,
    refused_first: u32,
) -> std::io::Result<Greeted> {
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
    let relay_port = listener.local_addr()?.port();
    let offers_tls = offers_tls(&greeting);
    tokio::spawn(async move {
        let Ok(Ok((mut driver, _))) = tokio::time::timeout(accept_within, listener.accept()).await else {
            return;
        };
        let _ = driver.set_nodelay(true);
        if driver.write_all(&header).await.is_ok() && driver.write_all(&greeting).await.is_ok() {
            let _ = tokio::io::copy_bidirectional(&mut driver, &mut server).await;
        }
    });
    Ok(Greeted {
        offers_tls,
        relay_port,
        refused_first,
    })
}

/// Protocol 10's greeting: version (NUL-terminated), thread id (4 bytes), the first 8 bytes of
/// the scramble, a filler byte, then the lower capability flags. An error packet (0xff) or a
/// greeting cut short offers nothing.
fn offers_tls(greeting: &[u8]) -> bool {
    if greeting.first() != Some(&10) {
        return false;
    }
    let Some(nul) = greeting[1..].iter().position(|b| *b == 0) else {
        return false;
    };
    let at = 1 + nul + 1 + 4 + 8 + 1;
    greeting
        .get(at..at + 2)
        .is_some_and(|c| u16::from_le_bytes([c[0], c[1]]) & CLIENT_SSL != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn greeting(caps: u16) -> Vec<u8> {
        let mut g = vec![10];
        g.extend(b"10.11.6-MariaDB\0");
        g.extend([1, 0, 0, 0]);
        g.extend([b'x'; 8]);
        g.push(0);
        g.extend(caps.to_le_bytes());
        g
    }

    #[test]
    fn tls_is_read_from_the_greetings_capability_flags() {
        assert!(offers_tls(&greeting(0xf7fe | CLIENT_SSL)));
        assert!(!offers_tls(&greeting(0xf7fe)));
        // ERROR 1040 instead of a greeting, and a greeting cut short.
        assert!(!offers_tls(b"\xff\x10\x04Too many connections"));
        assert!(!offers_tls(&greeting(0xffff)[..20]));
    }

    #[test]
    fn a_refusal_in_place_of_the_greeting_is_read_for_its_code() {
        assert_eq!(refusal_code(b"\xff\x10\x04Too many connections"), Some(1040));
        assert_eq!(refusal_code(b"\xff\x69\x04#HY000Host is blocked"), Some(1129));
        assert_eq!(refusal_code(&greeting(0xf7fe)), None);
        assert_eq!(refusal_code(b"\xff\x10"), None);
    }
}
