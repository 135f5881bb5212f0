#!/usr/bin/env bash
# One probe of `dbrunbook serve` against one scrape of mysqld_exporter (Debian's
# prometheus-mysqld-exporter, its default collectors), both of the same throwaway MariaDB, in one
# run: dbrunbook keeping its session between probes (the default), dbrunbook connecting for every
# probe (--keep-connections 0), and mysqld_exporter, scraped in turn, round after round
# (bench/scrape_rounds.py). Per scrape: the client's wall time, and the server's CPU time
# (mariadbd's utime+stime, all its threads). Medians. Without TLS: the throwaway server has none.
#   PAIRS=40 WARMUP=5 bench/vs_mysqld_exporter.sh
source "$(dirname "$0")/lib.sh"
PAIRS=${PAIRS:-40}
WARMUP=${WARMUP:-5}
MYE=${MYE:-/usr/bin/prometheus-mysqld-exporter}
[[ -x $MYE ]] || { echo "needs mysqld_exporter: apt-get install -y prometheus-mysqld-exporter" >&2; exit 1; }

PORT=$(free_port)
mariadb-install-db --no-defaults --datadir="$WORK/data" --auth-root-authentication-method=normal \
  --skip-test-db --user=root >/dev/null 2>&1
mariadbd --no-defaults --datadir="$WORK/data" --socket="$WORK/sock" --pid-file="$WORK/pid" \
  --log-error="$WORK/error.log" --port="$PORT" --bind-address=127.0.0.1 \
  --innodb-buffer-pool-size=64M --skip-log-bin --user=root >/dev/null 2>&1 &
SERVER_PID=$!
CLEANUP_PIDS+=($SERVER_PID)
my() { mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$PORT" -u root -N -B "$@"; }
for _ in $(seq 600); do my -e 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.1; done
# A small application schema, so the size and lock checks have tables to read.
my -e "CREATE DATABASE app"
my app -e "CREATE TABLE orders (id INT PRIMARY KEY, note VARCHAR(40));
           INSERT INTO orders SELECT seq, MD5(seq) FROM seq_1_to_20000;"
URL="mysql://root@127.0.0.1:$PORT/app"

FLEET=$WORK/dbrunbook.yaml
echo "targets: [{name: bench, url: '$URL'}]" >"$FLEET"
KEPT=$(free_port); FRESH=$(free_port); MYE_PORT=$(free_port)
"$DBRUNBOOK" serve --listen "127.0.0.1:$KEPT" --config "$FLEET" 2>"$WORK/kept.err" &
CLEANUP_PIDS+=($!); KEPT_PID=$!
"$DBRUNBOOK" serve --listen "127.0.0.1:$FRESH" --config "$FLEET" --keep-connections 0 2>"$WORK/fresh.err" &
CLEANUP_PIDS+=($!)
DATA_SOURCE_NAME="root@(127.0.0.1:$PORT)/" "$MYE" --web.listen-address="127.0.0.1:$MYE_PORT" >"$WORK/mye.out" 2>&1 &
CLEANUP_PIDS+=($!)
for _ in $(seq 100); do
  grep -q serving "$WORK/kept.err" && grep -q serving "$WORK/fresh.err" \
    && curl -sf -o /dev/null "http://127.0.0.1:$MYE_PORT/metrics" && break
  sleep 0.1
done
curl -sf "http://127.0.0.1:$MYE_PORT/metrics" | grep -q '^mysql_up 1' \
  || { echo "mysqld_exporter does not reach the server: $(cat "$WORK/mye.out")" >&2; exit 1; }

python3 "$BENCH_DIR/scrape_rounds.py" "$SERVER_PID" "$PAIRS" "$WARMUP" \
  "dbrunbook (kept session)=http://127.0.0.1:$KEPT/probe?target=bench" \
  "dbrunbook (--keep-connections 0)=http://127.0.0.1:$FRESH/probe?target=bench" \
  "mysqld_exporter=http://127.0.0.1:$MYE_PORT/metrics"
echo "connections the server accepted in all: $(my -e "SHOW GLOBAL STATUS LIKE 'Connections'" | cut -f2)"
echo "kept serve RSS: $(awk '/VmRSS/ { print $2, $3 }' /proc/$KEPT_PID/status)"
echo "server: $(mariadbd --version | awk '{print $3}'); $("$MYE" --version 2>&1 | head -1)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
