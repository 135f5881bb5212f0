#!/usr/bin/env bash
# 1,000 sessions, 999 of them queued on one row lock, in a throwaway PostgreSQL. Measures
# `dbrunbook check` and `dbrunbook locks` (wall time, peak RSS; median of RUNS, default 5) and the
# server-side time of two ways to find the blockers: pg_blocking_pids() versus a pg_locks self-join.
#   DBRUNBOOK=path/to/dbrunbook RUNS=5 bench/scale.sh
# Optional LOCKS_SQL=path/to/locks.sql also times that query (e.g. the tool's own).
source "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-5}
WAITERS=${WAITERS:-999}
HOLD_SECONDS=${HOLD_SECONDS:-600}  # how long the holder keeps the row; cleanup ends it sooner
POLL_SECONDS=${POLL_SECONDS:-90}    # bound for the 999 waiters to queue up
SETTLE_SECONDS=${SETTLE_SECONDS:-180}  # bound for new connections to get fast again
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
[[ -x /usr/bin/time ]] || { echo "needs GNU time: apt-get install -y time" >&2; exit 1; }
ulimit -n 8192

chmod 755 "$WORK"  # the postgres user must reach the data dir inside it
DATA=$WORK/data; mkdir "$DATA"; chown postgres: "$DATA"
PORT=$(free_port)
as_pg() { runuser -u postgres -- "$@"; }
as_pg "$PGBIN/initdb" -D "$DATA" -U postgres -A trust >/dev/null
CLEANUP_CMDS+=("as_pg '$PGBIN/pg_ctl' -D '$DATA' -m immediate stop")  # runs before rm -rf
as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$DATA/log" -w -t 60 start -o \
  "-p $PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories='$DATA' \
   -c max_connections=1100 -c shared_buffers=128MB -c fsync=off" >/dev/null

export PGCONNECT_TIMEOUT=60
q() { psql -X -q -At -h 127.0.0.1 -p "$PORT" -U postgres -d postgres "$@"; }
q -c 'CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL); INSERT INTO t VALUES (1, 0);'

# The holder: row lock taken, then sleeps inside the transaction.
q -c 'BEGIN' -c 'UPDATE t SET v = v + 1 WHERE id = 1' -c "SELECT pg_sleep($HOLD_SECONDS)" \
  >/dev/null 2>&1 &
CLEANUP_PIDS+=($!)
echo 'UPDATE t SET v = v + 1 WHERE id = 1;' >"$WORK/script.sql"
"$PGBIN/pgbench" -n -h 127.0.0.1 -p "$PORT" -U postgres -c "$WAITERS" -j 4 -T "$HOLD_SECONDS" \
  -f "$WORK/script.sql" postgres >"$WORK/pgbench.out" 2>&1 &
CLEANUP_PIDS+=($!)

waiting=0
for _ in $(seq $((POLL_SECONDS * 2))); do
  waiting=$(q -c "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
  ((waiting >= WAITERS)) && break
  sleep 0.5
done
((waiting >= WAITERS)) || { echo "only $waiting sessions waiting after ${POLL_SECONDS}s" >&2; tail -5 "$WORK/pgbench.out" >&2; exit 1; }
# New connections can stall for tens of seconds right after the pile-up (likely each waiter's
# deadlock check after deadlock_timeout, holding all lock partitions), and it may begin a few
# seconds after the count is reached. Measure after that: wait until a fresh connection answers
# `select 1` within 0.25 s in 5 probes in a row, 1 s apart.
start=$SECONDS fast=0
while ((fast < 5 && SECONDS - start < SETTLE_SECONDS)); do
  read -r t _ < <(wall q -c 'SELECT 1')
  if awk -v t="$t" 'BEGIN { exit !(t < 0.25) }'; then fast=$((fast + 1)); else fast=0; fi
  sleep 1
done
((fast >= 5)) || { echo "new connections still slow after ${SETTLE_SECONDS}s" >&2; exit 1; }
settled=$((SECONDS - start))
total=$(q -c 'SELECT count(*) FROM pg_stat_activity WHERE backend_type = $$client backend$$')
URL="postgres://postgres@127.0.0.1:$PORT/postgres?sslmode=disable"
echo "dbrunbook: $DBRUNBOOK"
echo "server: PostgreSQL 15 on port $PORT, $total client sessions, $waiting waiting on a lock; runs: $RUNS"
echo "new connections fast again ${settled}s after the waiters queued (incl. the 5 s of probes); measured after that"

measure() {  # measure SUBCOMMAND: median wall seconds, median peak RSS, exit codes, output size
  local wall_t=() rss=() codes=() t rc
  for _ in $(seq "$RUNS"); do
    read -r t rc < <(wall /usr/bin/time -v -o "$WORK/time.txt" \
      sh -c '"$0" "$1" --url "$2" --format json >"$3"' "$DBRUNBOOK" "$1" "$URL" "$WORK/out.json")
    wall_t+=("$t"); codes+=("$rc")
    rss+=("$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/time.txt")")
  done
  printf '%-10s %9ss %10s MB %6s %10s\n' "$1" "$(printf '%s\n' "${wall_t[@]}" | median)" \
    "$(printf '%s\n' "${rss[@]}" | median | awk '{ printf "%.1f", $1 / 1024 }')" \
    "$(printf '%s\n' "${codes[@]}" | sort -u | paste -sd,)" "$(wc -c <"$WORK/out.json")"
  cp "$WORK/out.json" "$WORK/$1.json"
}
summary() {  # what the last run of SUBCOMMAND reported, one line per check
  python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
for c in d.get("checks", [d]):
    print("  %s/%s: %s: %s" % (sys.argv[2], c.get("check", "?"), c.get("status"), str(c.get("summary", ""))[:150]))' \
    "$WORK/$1.json" "$1" 2>/dev/null || echo "  $1: output is not JSON: $(head -c 200 "$WORK/$1.json")"
}
printf '%-10s %10s %13s %6s %10s\n' command median peak_RSS exit json_bytes
measure check
measure locks
summary check; summary locks
echo "(RSS of the dbrunbook process: /usr/bin/time -v runs it through sh -c, a few hundred kB more at most)"

timing() {  # timing SQL: median server time (ms) over 3 runs, and the query's result
  local sql=$1 ms=()
  for _ in 1 2 3; do
    ms+=("$(q -c '\timing on' -c "$sql" | awk '/^Time:/ { print $2 }')")
  done
  printf '%9s ms   result: %s\n' "$(printf '%s\n' "${ms[@]}" | median)" "$(q -c "$sql" | paste -sd' ')"
}
echo
echo "server-side blocker queries (median of 3, psql \\timing):"
printf '  %-20s' "pg_blocking_pids:"
timing "SELECT count(*) AS waiters, sum(cardinality(b)) AS edges FROM (
  SELECT pid, pg_blocking_pids(pid) AS b FROM pg_stat_activity WHERE wait_event_type = 'Lock') s"
printf '  %-20s' "pg_locks self-join:"
timing "SELECT count(DISTINCT w.pid) AS waiters, count(DISTINCT (w.pid, h.pid)) AS edges
  FROM pg_locks w JOIN pg_locks h
    ON h.granted AND h.pid <> w.pid AND h.locktype = w.locktype
   AND h.database IS NOT DISTINCT FROM w.database AND h.relation IS NOT DISTINCT FROM w.relation
   AND h.page IS NOT DISTINCT FROM w.page AND h.tuple IS NOT DISTINCT FROM w.tuple
   AND h.virtualxid IS NOT DISTINCT FROM w.virtualxid
   AND h.transactionid IS NOT DISTINCT FROM w.transactionid
   AND h.classid IS NOT DISTINCT FROM w.classid AND h.objid IS NOT DISTINCT FROM w.objid
   AND h.objsubid IS NOT DISTINCT FROM w.objsubid
 WHERE NOT w.granted"
if [[ -n ${LOCKS_SQL:-} ]]; then
  printf '  %-20s' "$(basename "$LOCKS_SQL"):"
  timing "SELECT count(*) FROM ($(grep -v '^ *--' "$LOCKS_SQL")) s"
fi
echo "(edges: pg_blocking_pids also counts waiters queued ahead (soft blocks); the self-join only"
echo " pairs a waiter with granted holders of the same lock target, ignoring lock modes)"
echo "still waiting at the end: $(q -c "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")"
