#!/usr/bin/env python3
"""TCP proxy that delays every chunk by a fixed one-way delay, in both directions.

    delay_proxy.py --listen PORT --target HOST:PORT --delay-ms 25 [--count-file PATH]

Each direction has its own FIFO queue; a chunk is released at (arrival + delay), so chunks
keep their order and their spacing (delays are not serialized). 25 ms each way = 50 ms RTT.

--count-file: on each connection close, append one line
    c2s_flights=N s2c_flights=M c2s_bytes=B s2c_bytes=B
A client->server flight is client data arriving after the proxy has delivered server data to
the client since the previous client flight (the first client send is flight 1); likewise for
server->client. With a delay in place, N is the number of round trips the client waited for.
Listens on 127.0.0.1 only. Prints "ready" once listening.
"""
import argparse
import asyncio
import socket
import sys

CHUNK = 65536


class Direction:
    """Bytes flowing one way (src -> dst), with flight counting."""

    def __init__(self):
        self.flights = 0
        self.bytes = 0
        self.peer_delivered = False  # other direction delivered data since our last flight
        self.other = None

    def arrived(self, n):
        if self.flights == 0 or self.peer_delivered:
            self.flights += 1
            self.peer_delivered = False
        self.bytes += n


async def pump(reader, writer, direction, delay):
    """Read chunks from reader, hand them to writer after `delay` seconds, in order."""
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def release():
        while True:
            due, data = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if data is None:  # EOF from the source: half-close the destination
                if writer.can_write_eof() and not writer.is_closing():
                    writer.write_eof()
                return
            writer.write(data)
            await writer.drain()
            direction.other.peer_delivered = True

    async def receive():
        while True:
            data = await reader.read(CHUNK)
            now = loop.time()
            if not data:
                break
            direction.arrived(len(data))
            queue.put_nowait((now + delay, data))
        queue.put_nowait((loop.time() + delay, None))

    tasks = [asyncio.create_task(receive()), asyncio.create_task(release())]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    finally:
        for t in tasks:
            t.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
    errors = [r for r in results if isinstance(r, OSError)]
    if errors:
        raise errors[0]


def nodelay(writer):
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


async def handle(client_r, client_w, args):
    host, port = args.target.rsplit(":", 1)
    c2s, s2c = Direction(), Direction()
    c2s.other, s2c.other = s2c, c2s
    try:
        server_r, server_w = await asyncio.open_connection(host, int(port))
    except OSError:
        client_w.close()
        return
    nodelay(client_w)
    nodelay(server_w)
    tasks = [
        asyncio.create_task(pump(client_r, server_w, c2s, args.delay)),
        asyncio.create_task(pump(server_r, client_w, s2c, args.delay)),
    ]
    # When one side resets, tear down both.
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    for t in pending:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for w in (client_w, server_w):
        w.close()
    if args.count_file:
        with open(args.count_file, "a") as f:
            f.write(f"c2s_flights={c2s.flights} s2c_flights={s2c.flights} "
                    f"c2s_bytes={c2s.bytes} s2c_bytes={s2c.bytes}\n")


async def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--listen", type=int, required=True)
    p.add_argument("--target", required=True, help="HOST:PORT")
    p.add_argument("--delay-ms", type=float, default=25.0)
    p.add_argument("--count-file")
    args = p.parse_args()
    args.delay = args.delay_ms / 1000.0
    if args.target.rsplit(":", 1)[0].strip("[]") not in ("127.0.0.1", "localhost", "::1"):
        p.error("--target must be a loopback address")
    server = await asyncio.start_server(lambda r, w: handle(r, w, args), "127.0.0.1", args.listen)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
