#!/usr/bin/env bash
# `dbrunbook backups` over dump directories: wall time and peak RSS (GNU time's maxrss) for
#   1. 1,000 dump files in 100 series (10 days each): 1,000 files sniffed, 100 read to the end;
#   2. 1,000 dump files in 1,000 series: every file read to the end;
#   3. one plain dump of BIG_MB (default 2048) MB: only its tail is read;
#   4. the same dump gzip -1 compressed: streamed through the decoder to the end;
#   5. one custom-format dump (pg_dump -Fc -Z0) of CUSTOM_MB (default 512) MB: every data block
#      walked.
# Memory must not grow with the file size: compare 3-5 with 1. Data goes under a mktemp dir
# and is removed on exit; the custom dump's source is a scratch database dropped on exit.
# Env: RUNS=3 BIG_MB=2048 CUSTOM_MB=512 PG_URL=postgres://postgres@127.0.0.1:5432/postgres
source "$(dirname "$0")/lib.sh"

RUNS=${RUNS:-3}
BIG_MB=${BIG_MB:-2048}
CUSTOM_MB=${CUSTOM_MB:-512}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
PG_BASE=${PG_URL%/*}
SCRATCH=dbrunbook_bench_backups_$$
[[ -x /usr/bin/time ]] || { echo "needs GNU time: apt-get install -y time" >&2; exit 1; }

echo "making bench data under $WORK"
psql -X -q -d "$PG_URL" -c "CREATE DATABASE $SCRATCH"
CLEANUP_CMDS+=("psql -X -q -d '$PG_URL' -c 'DROP DATABASE IF EXISTS $SCRATCH WITH (FORCE)'")
psql -X -q -d "$PG_BASE/$SCRATCH" -c \
  "CREATE TABLE small AS SELECT g AS id, md5(g::text) AS note FROM generate_series(1, 2000) g"
pg_dump -d "$PG_BASE/$SCRATCH" -Fc -f "$WORK/small.dump"

# 1,000 files: the same small custom dump under 1,000 names; the newest of each series is fresh.
mkdir -p "$WORK/series100" "$WORK/series1000"
for db in $(seq -w 1 100); do
  for day in $(seq -w 1 10); do
    f="$WORK/series100/db${db}_2026-11-${day}.dump"
    cp "$WORK/small.dump" "$f"
    touch -d "$((10 - 10#$day)) hours ago" "$f"
  done
done
for db in $(seq -w 1 1000); do cp "$WORK/small.dump" "$WORK/series1000/db${db}.dump"; done

# A BIG_MB plain dump: a real dump's head, COPY rows repeated, its real trailer.
mkdir -p "$WORK/big" "$WORK/bigz" "$WORK/custom"
pg_dump -d "$PG_BASE/$SCRATCH" -f "$WORK/small.sql"
python3 - "$WORK/small.sql" "$WORK/big/app.sql" "$BIG_MB" <<'EOF'
import sys
src, dst, mb = sys.argv[1], sys.argv[2], int(sys.argv[3])
text = open(src).read()
head, rest = text.split(" FROM stdin;\n", 1)
rows, tail = rest.split("\\.\n", 1)
target = mb * 1024 * 1024
with open(dst, "w") as out:
    out.write(head + " FROM stdin;\n")
    written, n = 0, 0
    block = rows * 64
    while written < target:
        out.write(block)
        written += len(block)
    out.write("\\.\n" + tail)
EOF
gzip -1 -c "$WORK/big/app.sql" > "$WORK/bigz/app.sql.gz"

# A CUSTOM_MB custom dump, uncompressed so its size is the data's.
rows=$((CUSTOM_MB * 1024 * 1024 / 100))
psql -X -q -d "$PG_BASE/$SCRATCH" -c \
  "CREATE TABLE big AS SELECT g AS id, repeat(md5(g::text), 2) AS note FROM generate_series(1, $rows) g"
pg_dump -d "$PG_BASE/$SCRATCH" -t big -Fc -Z0 -f "$WORK/custom/app.dump"

measure() {  # measure LABEL DIR: RUNS runs; median wall seconds, max RSS in MB, exit codes
  local label=$1 dir=$2 i times=() rss=0 codes=""
  for i in $(seq "$RUNS"); do
    local rc=0
    /usr/bin/time -v -o "$WORK/time.txt" "$DBRUNBOOK" backups --url "$PG_URL" --dir "$dir" \
      --timeout 600s --format json >"$WORK/out.json" 2>/dev/null || rc=$?
    times+=("$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$WORK/time.txt")")
    local kb; kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/time.txt")
    (( kb > rss )) && rss=$kb
    codes="$codes$rc"
  done
  local size; size=$(du -sm "$dir" | cut -f1)
  printf "%-34s %8s MB %9s s %9.1f MB  exit %s\n" "$label" "$size" \
    "$(printf '%s\n' "${times[@]}" | median)" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" "$codes"
}

echo
printf "%-34s %11s %11s %12s\n" "case" "data" "median" "peak RSS"
measure "1,000 files, 100 series" "$WORK/series100"
measure "1,000 files, 1,000 series" "$WORK/series1000"
measure "plain ${BIG_MB} MB (tail read)" "$WORK/big"
measure "plain ${BIG_MB} MB gzip -1 (streamed)" "$WORK/bigz"
measure "custom ${CUSTOM_MB} MB -Z0 (blocks walked)" "$WORK/custom"
echo "(data = size on disk; exit = each run's code, 0 = OK)"
