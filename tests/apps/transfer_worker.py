"""A money-transfer worker, as a payments service runs it: SQLAlchemy 2 over psycopg2 or PyMySQL,
each transfer one transaction (debit one account, then credit the other), retried as a whole
when the database breaks a deadlock. Two workers transfer between the same two accounts in
opposite directions: without --ordered each locks its source row first, so they deadlock over
and over (the incident); with --ordered each locks both rows in primary-key order first (the
fix), and the deadlocks stop.

Writes its counts as one JSON line to --stats after every transfer, for the test to poll.
"""

import argparse
import json
import os
import random
import threading
import time

from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

RETRIES = 5


def is_deadlock(error):
    orig = getattr(error, "orig", None)
    code = getattr(orig, "pgcode", None)
    if code == "40P01":
        return True
    args = getattr(orig, "args", ())
    return bool(args) and args[0] == 1213


class Stats:
    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.counts = {"transfers": 0, "deadlocks": 0, "failed": 0}

    def add(self, key):
        with self.lock:
            self.counts[key] += 1
            tmp = self.path + ".tmp"
            with open(tmp, "w") as f:
                json.dump(self.counts, f)
            os.replace(tmp, self.path)


def transfer(engine, source, target, ordered):
    with engine.begin() as conn:
        if ordered:
            conn.execute(
                text("SELECT id FROM accounts WHERE id IN (:a, :b) ORDER BY id FOR UPDATE"),
                {"a": source, "b": target},
            )
        conn.execute(text("UPDATE accounts SET balance = balance - 1 WHERE id = :id"), {"id": source})
        # The service's own work between the two statements (a fraud check, a ledger call).
        time.sleep(0.02)
        conn.execute(text("UPDATE accounts SET balance = balance + 1 WHERE id = :id"), {"id": target})


def worker(engine, source, target, args, stats, stop):
    while not stop.is_set():
        for attempt in range(RETRIES):
            try:
                transfer(engine, source, target, args.ordered)
                stats.add("transfers")
                break
            except DBAPIError as e:
                if not is_deadlock(e):
                    raise
                stats.add("deadlocks")
                time.sleep(random.uniform(0.0, 0.02 * (attempt + 1)))
        else:
            stats.add("failed")


def setup(engine):
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS accounts"))
        conn.execute(text("CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL)"))
        conn.execute(text("INSERT INTO accounts VALUES (1, 1000000), (2, 1000000)"))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--stats", required=True)
    p.add_argument("--ordered", action="store_true", help="lock both accounts in id order first (the fix)")
    p.add_argument("--setup", action="store_true", help="create the accounts table and exit")
    p.add_argument("--seconds", type=float, default=600.0)
    args = p.parse_args()
    engine = create_engine(args.url, pool_size=2, max_overflow=0)
    if args.setup:
        setup(engine)
        return
    stats = Stats(args.stats)
    stop = threading.Event()
    threads = [
        threading.Thread(target=worker, args=(engine, 1, 2, args, stats, stop), daemon=True),
        threading.Thread(target=worker, args=(engine, 2, 1, args, stats, stop), daemon=True),
    ]
    for t in threads:
        t.start()
    time.sleep(args.seconds)
    stop.set()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
