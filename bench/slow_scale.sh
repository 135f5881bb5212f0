#!/usr/bin/env bash
# pg_stat_statements full (ENTRIES distinct statements, default 5000, each text about TEXT_BYTES
# long, default 2000) in a throwaway PostgreSQL. Measures `dbrunbook slow` (default and
# --interval 1s; wall time and peak RSS, median of RUNS, default 5), the server time of the
# tool's statements query as shipped (text cut server-side, ORDER BY + LIMIT there) and of a
# naive `SELECT * FROM pg_stat_statements`, and the bytes each returns.
#   DBRUNBOOK=path/to/dbrunbook RUNS=5 bench/slow_scale.sh
source "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-5}
ENTRIES=${ENTRIES:-5000}
TEXT_BYTES=${TEXT_BYTES:-2000}  # average
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
[[ -x /usr/bin/time ]] || { echo "needs GNU time: apt-get install -y time" >&2; exit 1; }

chmod 755 "$WORK"
DATA=$WORK/data; mkdir "$DATA"; chown postgres: "$DATA"
PORT=$(free_port)
as_pg() { runuser -u postgres -- "$@"; }
as_pg "$PGBIN/initdb" -D "$DATA" -U postgres -A trust >/dev/null
CLEANUP_CMDS+=("as_pg '$PGBIN/pg_ctl' -D '$DATA' -m immediate stop")
as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$DATA/log" -w -t 60 start -o \
  "-p $PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories='$DATA' -c fsync=off \
   -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.max=$ENTRIES" >/dev/null
q() { psql -X -q -At -h 127.0.0.1 -p "$PORT" -U postgres -d postgres "$@"; }
q -c 'CREATE EXTENSION pg_stat_statements'

# Distinct statements (aliases and constants do not make a statement distinct): each has its
# own pair of column count and IN-list length, columns aliased with a padding name so that the
# normalised texts are about TEXT_BYTES long on average.
python3 - "$ENTRIES" "$TEXT_BYTES" >"$WORK/fill.sql" <<'PY'
import sys
n, size = int(sys.argv[1]), int(sys.argv[2])
width = max(1, size // 30)
for i in range(n):
    cols = ", ".join(f"{i} AS {'c' * 50}{j}" for j in range(i % width + 1))
    ins = ", ".join(str(k) for k in range(i // width + 1))
    print(f"SELECT {cols} WHERE 1 IN ({ins});")
PY
q -f "$WORK/fill.sql" >/dev/null
entries=$(q -c 'SELECT count(*) FROM pg_stat_statements')
URL="postgres://postgres@127.0.0.1:$PORT/postgres?sslmode=disable"

measure() {  # label args...: median wall seconds and peak RSS KiB of RUNS runs
  local label=$1; shift
  local walls=() rss=()
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f '%e %M' -o "$WORK/time" "$DBRUNBOOK" "$@" >/dev/null 2>&1 || true
    read -r w m < <(tail -1 "$WORK/time"); walls+=("$w"); rss+=("$m")  # after any exit-status line
  done
  printf '%-34s %8s s %8s KiB\n' "$label" "$(printf '%s\n' "${walls[@]}" | median)" \
    "$(printf '%s\n' "${rss[@]}" | median)"
}

server_ms() {  # SQL: median server time (EXPLAIN ANALYZE) and bytes returned
  local sql=$1 t=()
  for _ in $(seq "$RUNS"); do
    t+=("$(q -c "EXPLAIN (ANALYZE, FORMAT JSON) $sql" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Execution Time"])')")
  done
  local bytes
  bytes=$(q -c "$sql" | wc -c)
  printf '%8s ms %10s bytes' "$(printf '%s\n' "${t[@]}" | median)" "$bytes"
}

SHIPPED=$(sed -e 's/{schema}/public/; s/{toplevel}/s.toplevel/; s/\$1::int8/0/g; s/\$2::int4/4000/; s/\$3::int8/10/; s/\$4::float8/500/; s/\$5::float8/5000/' \
  "$REPO_ROOT/src/checks/sql/postgres/slow_statements.sql" | grep -v '^--')
echo "pg_stat_statements entries: $entries (texts ~${TEXT_BYTES} B), runs: $RUNS, binary: $DBRUNBOOK"
measure "dbrunbook slow" slow --url "$URL" --format json
measure "dbrunbook slow --interval 1s" slow --url "$URL" --format json --interval 1s
echo "shipped statements query (top 10):   $(server_ms "$SHIPPED")"
echo "SELECT * FROM pg_stat_statements:    $(server_ms 'SELECT * FROM pg_stat_statements')"
