"""Steady traffic through a SQLAlchemy pool while the server restarts under it.

usage: restart_traffic.py DATABASE_URL NAME PRE_PING(yes|no)

With pool_pre_ping the pool tests each connection as it hands it out and replaces the dead
ones; without it, the first request on each pooled connection after the restart fails with the
server's "terminating connection" / "server closed the connection", and SQLAlchemy then drops
the pool. One line per request on stdout: `ok N` or `error N <ExceptionClass>: <first line>`.
"""

import sys
import time

from sqlalchemy import create_engine, text

url, name, pre_ping = sys.argv[1], sys.argv[2], sys.argv[3] == "yes"
connect_args = {"application_name": name} if url.startswith("postgresql") else {"program_name": name}
engine = create_engine(url, pool_size=3, max_overflow=0, pool_pre_ping=pre_ping, connect_args=connect_args)

n = 0
while True:
    n += 1
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT count(*) FROM orders")).scalar()
        print(f"ok {n}", flush=True)
    except Exception as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else ""
        print(f"error {n} {type(e).__name__}: {first}", flush=True)
        time.sleep(0.2)
    time.sleep(0.05)
