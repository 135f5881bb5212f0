"""A web application instance behind a SQLAlchemy QueuePool (pool_size=5, max_overflow=10), as
the incident suite runs it.

usage: web_pool.py DATABASE_URL NAME MODE [BURST]

MODE leak:  during a burst of BURST requests (a report page hit by a crawler), the page-view
            handler records a visit, flushes, and keeps the Session in a request cache nobody
            clears for two requests out of three: the connection stays checked out, its
            transaction open (PostgreSQL "idle in transaction", a sleeping MariaDB thread with
            an InnoDB transaction), until the server is full. After the burst, requests close
            their sessions again, and fail only while the server has no slot for them.
MODE steady: a bystander application (billing) that keeps one connection busy with short
            transactions; it must survive the on-call's steps.

One line per request on stdout: `ok N` or `error N <ExceptionClass>: <first line>`, so the test
sees what the application saw.
"""

import sys
import time

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

url, name, mode = sys.argv[1], sys.argv[2], sys.argv[3]
burst = int(sys.argv[4]) if len(sys.argv) > 4 else 1_000_000
pause = 0.1 if mode == "steady" else 0.05

connect_args = {}
if url.startswith("postgresql"):
    connect_args["application_name"] = name
else:
    connect_args["program_name"] = name
pool_size, overflow = (2, 0) if mode == "steady" else (5, 10)
engine = create_engine(
    url,
    pool_size=pool_size,
    max_overflow=overflow,
    pool_timeout=2,
    connect_args=connect_args,
)

request_cache = []  # the leak: sessions parked here are never closed


def page_view(n):
    session = Session(engine)
    session.execute(text("SELECT count(*) FROM visits WHERE page = :p"), {"p": n % 10})
    session.execute(text("INSERT INTO visits (page, app) VALUES (:p, :a)"), {"p": n % 10, "a": name})
    if mode == "leak" and n <= burst and n % 3 != 0:
        request_cache.append(session)
        return
    session.commit()
    session.close()


def billing(n):
    with Session(engine) as session:
        session.execute(text("SELECT count(*) FROM invoices"))
        session.execute(text("INSERT INTO invoices (amount) VALUES (:a)"), {"a": n})
        session.commit()


handler = billing if mode == "steady" else page_view
n = 0
while True:
    n += 1
    try:
        handler(n)
        print(f"ok {n}", flush=True)
    except Exception as e:  # the application logs and carries on, as a web server does
        first = str(e).strip().splitlines()[0] if str(e).strip() else ""
        print(f"error {n} {type(e).__name__}: {first}", flush=True)
        time.sleep(1)  # the load balancer's retry backoff
    time.sleep(pause)
