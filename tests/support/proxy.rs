//! A TCP proxy that counts round trips: how many times the client sent something after the
//! server had answered. The client's data is forwarded in bursts (all it writes until it has
//! been quiet for a moment), so a batch written in several pieces without waiting counts once,
//! and the server's answers are held back a few milliseconds.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

const HOLD: Duration = Duration::from_millis(5);

/// How long a client must have sent nothing for its burst to be over.
const QUIET: Duration = Duration::from_millis(100);

#[derive(Default)]
struct Count {
    /// Client flights: runs of client data with no server data in between.
    client_flights: usize,
    /// Server flights: runs of server data with no client data in between. Unlike client
    /// flights they do not depend on whether the client said goodbye (Terminate, COM_QUIT)
    /// before its process ended, which a loaded machine decides.
    server_flights: usize,
    /// A TLS 1.3 HelloRetryRequest went by (the ServerHello with its fixed random).
    hello_retry: bool,
    /// Which side sent last.
    server_spoke_last: bool,
    /// Connections whose client has not yet closed its side: their last flight (the goodbye)
    /// may still be on its way through the proxy after the client process exited.
    open: usize,
}

pub struct CountingProxy {
    pub port: u16,
    count: Arc<Mutex<Count>>,
}

impl CountingProxy {
    /// Listens on a free loopback port and forwards every connection to `127.0.0.1:upstream`.
    pub fn start(upstream: u16) -> CountingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let count = Arc::new(Mutex::new(Count {
            server_spoke_last: true,
            ..Count::default()
        }));
        let shared = count.clone();
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                    continue;
                };
                shared.lock().unwrap().open += 1;
                pipe(
                    client.try_clone().unwrap(),
                    server.try_clone().unwrap(),
                    shared.clone(),
                    true,
                );
                pipe(server, client, shared.clone(), false);
            }
        });
        CountingProxy { port, count }
    }

    /// Server flights over every connection, once every client has closed its side.
    pub fn server_flights(&self) -> usize {
        self.client_flights();
        self.count.lock().unwrap().server_flights
    }

    /// Whether a server asked for a second ClientHello (RFC 8446 4.1.3: a ServerHello whose
    /// random is SHA-256 of "HelloRetryRequest").
    pub fn saw_hello_retry(&self) -> bool {
        self.client_flights();
        self.count.lock().unwrap().hello_retry
    }

    /// Client flights over every connection, once every client has closed its side (called
    /// after the client process ended, so each close is on its way; on a loaded machine the
    /// proxy may not have read it yet).
    pub fn client_flights(&self) -> usize {
        let started = std::time::Instant::now();
        loop {
            let c = self.count.lock().unwrap();
            if c.open == 0 {
                return c.client_flights;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "a client never closed its connection"
            );
            drop(c);
            thread::sleep(Duration::from_millis(10));
        }
    }
}

const HELLO_RETRY_RANDOM: [u8; 32] = [
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91, 0xC2, 0xA2, 0x11,
    0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
];

fn pipe(mut from: TcpStream, mut to: TcpStream, count: Arc<Mutex<Count>>, from_client: bool) {
    thread::spawn(move || {
        let mut buf = vec![0u8; 1 << 16];
        // The end of the previous chunk, so the random is found across a chunk boundary.
        let mut seen: Vec<u8> = Vec::new();
        let mut ended = false;
        while !ended {
            let mut n = match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if from_client {
                // The client's burst, whole: what it writes until it has been quiet for
                // QUIET. A batch in several writes is one flight even when a loaded machine
                // pauses the client between them for longer than the server takes to answer
                // the first piece.
                from.set_read_timeout(Some(QUIET)).unwrap();
                loop {
                    if n == buf.len() {
                        buf.resize(buf.len() * 2, 0);
                    }
                    match from.read(&mut buf[n..]) {
                        Ok(0) => {
                            ended = true;
                            break;
                        }
                        Ok(more) => n += more,
                        Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                            break;
                        }
                        Err(_) => {
                            ended = true;
                            break;
                        }
                    }
                }
                from.set_read_timeout(None).unwrap();
            }
            {
                let mut c = count.lock().unwrap();
                if from_client && c.server_spoke_last {
                    c.client_flights += 1;
                }
                if !from_client && !c.server_spoke_last {
                    c.server_flights += 1;
                }
                c.server_spoke_last = !from_client;
                if !from_client {
                    seen.extend_from_slice(&buf[..n]);
                    if seen.windows(32).any(|w| w == HELLO_RETRY_RANDOM) {
                        c.hello_retry = true;
                    }
                    let keep = seen.len().saturating_sub(31);
                    seen.drain(..keep);
                }
            }
            thread::sleep(HOLD);
            if to.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Write);
        if from_client {
            count.lock().unwrap().open -= 1;
        }
    });
}
