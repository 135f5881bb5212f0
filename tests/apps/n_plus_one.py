"""An order-history page handler with the N+1 pattern, as an ORM-backed web app runs it:
SQLAlchemy 2 over psycopg2 or PyMySQL. Each request lists a page of customers, then runs one
`SELECT ... FROM orders WHERE customer_id = ...` per customer; orders has 300,000 rows and no
index on customer_id, so every call scans the table. Requests arrive one after another with a
short pause between them.

--setup creates the tables (300,000 orders from generate_series on PostgreSQL, a recursive
common table expression on MariaDB); --load runs the nightly data load once (one slow
INSERT ... SELECT into an archive table) and exits. Writes its request count as JSON to --stats.
"""

import argparse
import json
import os
import time

from sqlalchemy import create_engine, text

ORDERS = 300_000
CUSTOMERS = 1_000
PAGE = 25


def setup(engine):
    postgres = engine.dialect.name == "postgresql"
    rows = (
        f"SELECT g % {CUSTOMERS} + 1, g, g % 997 FROM generate_series(1, {ORDERS}) g"
        if postgres
        else f"WITH RECURSIVE g (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {ORDERS}) "
        f"SELECT n % {CUSTOMERS} + 1, n, n % 997 FROM g"
    )
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE customers (id int PRIMARY KEY, name varchar(50))"))
        conn.execute(text("CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, total int)"))
        conn.execute(text("CREATE TABLE orders_archive (customer_id int NOT NULL, total int)"))
        if not postgres:
            # MariaDB stops a recursive CTE at 1000 rows unless told otherwise.
            conn.execute(text(f"SET SESSION max_recursive_iterations = {ORDERS + 1}"))
        conn.execute(text(f"INSERT INTO orders (customer_id, id, total) {rows}"))
        conn.execute(text("INSERT INTO customers (id, name) SELECT DISTINCT customer_id, 'customer' FROM orders"))
    with engine.connect() as conn:
        conn.execute(text("ANALYZE orders" if postgres else "ANALYZE TABLE orders"))


def load(engine):
    """The nightly data load: one INSERT ... SELECT, slow once."""
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO orders_archive (customer_id, total) SELECT customer_id, total FROM orders"))


def request(engine, page):
    with engine.connect() as conn:
        customers = conn.execute(
            text("SELECT id FROM customers ORDER BY id LIMIT :n OFFSET :o"),
            {"n": PAGE, "o": (page * PAGE) % CUSTOMERS},
        ).scalars()
        for customer in list(customers):
            conn.execute(text("SELECT id, total FROM orders WHERE customer_id = :cid"), {"cid": customer}).all()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--stats")
    p.add_argument("--setup", action="store_true")
    p.add_argument("--load", action="store_true")
    p.add_argument("--pause", type=float, default=0.2, help="seconds between requests")
    args = p.parse_args()
    engine = create_engine(args.url, pool_size=1, max_overflow=0)
    if args.setup:
        setup(engine)
        return
    if args.load:
        load(engine)
        return
    page = 0
    while True:
        request(engine, page)
        page += 1
        if args.stats:
            tmp = args.stats + ".tmp"
            with open(tmp, "w") as f:
                json.dump({"requests": page}, f)
            os.replace(tmp, args.stats)
        time.sleep(args.pause)


if __name__ == "__main__":
    main()
