#!/usr/bin/env bash
# The size check on a big catalog: a throwaway PostgreSQL with TABLES tables (default 100,000),
# each with a primary key and a few rows, analyzed. Measures `dbrunbook size` wall time (median
# of RUNS, default 5; the tool's statement timeout is 5 s) and the server-side time of each of
# the check's PostgreSQL queries (EXPLAIN ANALYZE, one run each).
#   DBRUNBOOK=path/to/dbrunbook TABLES=100000 RUNS=5 bench/size_catalog.sh
source "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-5}
TABLES=${TABLES:-100000}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
SQL_DIR=$REPO_ROOT/src/checks/sql/postgres

chmod 755 "$WORK"  # the postgres user must reach the data dir inside it
DATA=$WORK/data; mkdir "$DATA"; chown postgres: "$DATA"
PORT=$(free_port)
as_pg() { runuser -u postgres -- "$@"; }
as_pg "$PGBIN/initdb" -D "$DATA" -U postgres -A trust >/dev/null
CLEANUP_CMDS+=("as_pg '$PGBIN/pg_ctl' -D '$DATA' -m immediate stop")  # runs before rm -rf
as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$DATA/log" -w -t 60 start -o \
  "-p $PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories='$DATA' \
   -c fsync=off -c autovacuum=off -c max_wal_size=4GB" >/dev/null
q() { psql -X -q -At -h 127.0.0.1 -p "$PORT" -U postgres -d postgres "$@"; }

t0=$SECONDS
# Committed every 1,000 tables: one transaction would run out of lock table slots.
q -c "DO \$\$ BEGIN
  FOR i IN 1..$TABLES LOOP
    EXECUTE format('CREATE TABLE t%s (id int PRIMARY KEY, v text)', i);
    EXECUTE format('INSERT INTO t%s SELECT g, %L FROM generate_series(1, 3) g', i, 'x');
    IF i % 1000 = 0 THEN COMMIT; END IF;
  END LOOP;
END \$\$"
q -c 'ANALYZE' >/dev/null
echo "built $TABLES tables in $((SECONDS - t0)) s"
URL="postgres://postgres@127.0.0.1:$PORT/postgres?sslmode=disable"

printf '%-26s %8s\n' query server_ms
for f in size_databases size_database_sizes size_settings size_tables size_bloat size_frozen size_horizon; do
  sql=$(sed 's/--.*//' "$SQL_DIR/$f.sql")
  # $1: the limit (10) or the minimum size for bloat (0 bytes: every relation qualifies).
  arg=10; [[ $f == size_bloat ]] && arg=0
  ms=$(q -c "PREPARE p(int8) AS $sql" -c "EXPLAIN (ANALYZE, TIMING OFF) EXECUTE p($arg)" 2>&1 \
       | awk '/Execution Time/ { print $3 }')
  printf '%-26s %8s\n' "$f" "${ms:-error}"
done

codes=()
for _ in $(seq "$RUNS"); do
  read -r s rc < <(wall "$DBRUNBOOK" size --url "$URL" --bloat-min-size 0)
  echo "$s" >>"$WORK/size.t"; codes+=("$rc")
done
printf 'dbrunbook size (--bloat-min-size 0): median %s s over %d runs, exit codes %s\n' \
  "$(median <"$WORK/size.t")" "$RUNS" "$(printf '%s\n' "${codes[@]}" | sort -u | tr '\n' ' ')"
