#!/usr/bin/env bash
# restore-check throughput against pg_restore alone on the same custom-format file: a source
# database of ROWS rows of generate_series + md5 text on the shared PostgreSQL, dumped once with
# pg_dump -Fc -Z0 (a few hundred MB), then restored once by pg_restore into a database made with
# createdb, and once by `dbrunbook restore-check` (which also counts every row of the copy and
# drops it). MB/s = file size / wall time; restore-check's own restore_seconds metric is printed
# too (the pg_restore child alone, without the counting and cleanup).
#   DBRUNBOOK=path/to/dbrunbook ROWS=3000000 bench/restore.sh
source "$(dirname "$0")/lib.sh"
ROWS=${ROWS:-3000000}
PG_PORT=${PG_PORT:-5432}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
SRC=dbrunbook_bench_restore_src_$$
DST=dbrunbook_bench_restore_dst_$$
URL="postgres://postgres@127.0.0.1:$PG_PORT"
q() { "$PGBIN/psql" -X -q -At -d "$URL/${1}" -c "$2"; }
CLEANUP_CMDS+=("q postgres 'DROP DATABASE IF EXISTS $SRC WITH (FORCE)'" "q postgres 'DROP DATABASE IF EXISTS $DST WITH (FORCE)'")

q postgres "CREATE DATABASE $SRC"
q "$SRC" "CREATE TABLE events (id bigint PRIMARY KEY, a text, b text, n int);
  INSERT INTO events SELECT g, md5(g::text), md5((g * 7)::text), g % 1000 FROM generate_series(1, $ROWS) g;"
DUMP=$WORK/src.dump
"$PGBIN/pg_dump" -d "$URL/$SRC" -Fc -Z0 -f "$DUMP"
BYTES=$(stat -c %s "$DUMP")
MB=$(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1e6 }')

q postgres "CREATE DATABASE $DST"
read -r PG_S PG_RC < <(wall "$PGBIN/pg_restore" --no-owner --no-privileges --exit-on-error -d "$URL/$DST" "$DUMP")
q postgres "DROP DATABASE $DST WITH (FORCE)"

JSON=$WORK/rc.json
t0=$EPOCHREALTIME
rc=0
"$DBRUNBOOK" restore-check "$DUMP" --scratch-url "$URL/postgres" --trust-backup --format json >"$JSON" 2>"$WORK/rc.err" || rc=$?
RC_S=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')
RESTORE_S=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); m={x["name"]: x["value"] for x in r["checks"][0]["metrics"]}; print(m.get("restore_seconds", "nan"), r["status"], int(m.get("rows", -1)))' "$JSON")
read -r RC_RESTORE_S RC_STATUS RC_ROWS <<<"$RESTORE_S"

rate() { awk -v b="$BYTES" -v s="$1" 'BEGIN { printf "%.1f", b / 1e6 / s }'; }
printf 'file: %s MB custom format (-Z0), %s rows\n' "$MB" "$ROWS"
printf '%-34s %9s %8s %s\n' tool seconds MB/s exit
printf '%-34s %9s %8s %s\n' "pg_restore" "$PG_S" "$(rate "$PG_S")" "$PG_RC"
printf '%-34s %9s %8s %s\n' "restore-check (whole run)" "$RC_S" "$(rate "$RC_S")" "$rc ($RC_STATUS, $RC_ROWS rows)"
printf '%-34s %9s %8s %s\n' "restore-check (restore_seconds)" "$RC_RESTORE_S" "$(rate "$RC_RESTORE_S")" "-"
