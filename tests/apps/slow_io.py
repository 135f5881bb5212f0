"""An application that holds a transaction across slow I/O, and the readers of the same table,
as the incident suite runs them (SQLAlchemy 2 over psycopg2 or PyMySQL).

usage: slow_io.py DATABASE_URL NAME MODE

MODE export: the nightly export handler reads the orders inside a transaction, then calls a
             partner's API that takes minutes (a sleep here) without committing first: the
             session sits "idle in transaction" holding its lock on orders (on MariaDB a
             sleeping thread with an InnoDB transaction and the table's metadata lock).
MODE reader: the shop's order page, reading orders every 50 ms; one line per request on
             stdout (`ok N` or `error N <ExceptionClass>: <first line>`).
"""

import sys
import time

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

url, name, mode = sys.argv[1], sys.argv[2], sys.argv[3]
connect_args = {"application_name": name} if url.startswith("postgresql") else {"program_name": name}
engine = create_engine(url, pool_size=5, max_overflow=10, connect_args=connect_args)

if mode == "export":
    with Session(engine) as session:
        rows = session.execute(text("SELECT id, amount FROM orders ORDER BY id")).all()
        print(f"read {len(rows)}", flush=True)
        time.sleep(3600)  # the partner's API: the transaction stays open all along
        session.commit()
    sys.exit(0)

n = 0
while True:
    n += 1
    try:
        with Session(engine) as session:
            session.execute(text("SELECT count(*) FROM orders WHERE amount > :a"), {"a": n % 100}).scalar()
        print(f"ok {n}", flush=True)
    except Exception as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else ""
        print(f"error {n} {type(e).__name__}: {first}", flush=True)
        time.sleep(1)
    time.sleep(0.05)
