//! A TCP proxy that counts round trips: how many times the client sent something after the
//! server had answered. Each direction is held back a few milliseconds, so a batch the client
//! writes in several pieces without waiting still counts once (its later pieces reach the proxy
//! long before any answer can come back).

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

const HOLD: Duration = Duration::from_millis(5);

#[derive(Default)]
struct Count {
    /// Client flights: runs of client data with no server data in between.
    client_flights: usize,
    /// Which side sent last.
    server_spoke_last: bool,
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

    /// Client flights so far, over every connection.
    pub fn client_flights(&self) -> usize {
        self.count.lock().unwrap().client_flights
    }
}

fn pipe(mut from: TcpStream, mut to: TcpStream, count: Arc<Mutex<Count>>, from_client: bool) {
    thread::spawn(move || {
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            {
                let mut c = count.lock().unwrap();
                if from_client && c.server_spoke_last {
                    c.client_flights += 1;
                }
                c.server_spoke_last = !from_client;
            }
            thread::sleep(HOLD);
            if to.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    });
}
