#!/usr/bin/env bash
# One probe of `dbrunbook serve` against one scrape of postgres_exporter (Debian's
# prometheus-postgres-exporter, its default collectors), both of the same throwaway PostgreSQL,
# in one run: dbrunbook keeping its session between probes (the default), dbrunbook connecting
# for every probe (--keep-connections 0), and postgres_exporter, scraped in turn, round after
# round, so that load from elsewhere falls on all three alike. Per scrape: the client's wall
# time, and the server's CPU time (every postgres process's utime+stime, plus what the
# postmaster reaped from backends that exited: a probe's measuring connection). Medians.
#   PAIRS=40 WARMUP=5 SSL=on bench/vs_postgres_exporter.sh
source "$(dirname "$0")/lib.sh"
PAIRS=${PAIRS:-40}
WARMUP=${WARMUP:-5}
SSL=${SSL:-on}              # on: TLS (sslmode=require) for both, as a server in production
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PGE=${PGE:-/usr/bin/prometheus-postgres-exporter}
[[ -x $PGE ]] || { echo "needs postgres_exporter: apt-get install -y prometheus-postgres-exporter" >&2; exit 1; }

chmod 755 "$WORK"
DATA=$WORK/data; mkdir "$DATA"; chown postgres: "$DATA"
PORT=$(free_port)
as_pg() { runuser -u postgres -- "$@"; }
as_pg "$PGBIN/initdb" -D "$DATA" -U postgres -A trust >/dev/null
SSL_OPTS=""
SSLMODE=disable
if [[ $SSL == on ]]; then
  cp /etc/ssl/certs/ssl-cert-snakeoil.pem "$DATA/server.crt"
  cp /etc/ssl/private/ssl-cert-snakeoil.key "$DATA/server.key"
  chown postgres: "$DATA/server.crt" "$DATA/server.key"; chmod 600 "$DATA/server.key"
  SSL_OPTS="-c ssl=on"
  SSLMODE=require
fi
CLEANUP_CMDS+=("as_pg '$PGBIN/pg_ctl' -D '$DATA' -m immediate stop")
as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$DATA/log" -w -t 60 start -o \
  "-p $PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories='$DATA' -c fsync=off $SSL_OPTS" >/dev/null
URL="postgres://postgres@127.0.0.1:$PORT/postgres?sslmode=$SSLMODE"
POSTMASTER=$(head -1 "$DATA/postmaster.pid")

FLEET=$WORK/dbrunbook.yaml
echo "targets: [{name: bench, url: '$URL'}]" >"$FLEET"
KEPT=$(free_port); FRESH=$(free_port); PGE_PORT=$(free_port)
"$DBRUNBOOK" serve --listen "127.0.0.1:$KEPT" --config "$FLEET" 2>"$WORK/kept.err" &
CLEANUP_PIDS+=($!); KEPT_PID=$!
"$DBRUNBOOK" serve --listen "127.0.0.1:$FRESH" --config "$FLEET" --keep-connections 0 2>"$WORK/fresh.err" &
CLEANUP_PIDS+=($!)
DATA_SOURCE_NAME=$URL "$PGE" --web.listen-address="127.0.0.1:$PGE_PORT" >"$WORK/pge.out" 2>&1 &
CLEANUP_PIDS+=($!)
for _ in $(seq 100); do
  grep -q serving "$WORK/kept.err" && grep -q serving "$WORK/fresh.err" \
    && curl -sf -o /dev/null "http://127.0.0.1:$PGE_PORT/metrics" && break
  sleep 0.1
done

python3 "$BENCH_DIR/scrape_rounds.py" "$POSTMASTER" "$PAIRS" "$WARMUP" \
  "dbrunbook (kept session)=http://127.0.0.1:$KEPT/probe?target=bench" \
  "dbrunbook (--keep-connections 0)=http://127.0.0.1:$FRESH/probe?target=bench" \
  "postgres_exporter=http://127.0.0.1:$PGE_PORT/metrics"
echo "kept sessions after the run: $(psql -X -At -h 127.0.0.1 -p "$PORT" -U postgres -d postgres \
  -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'dbrunbook'")" \
  "(one, held between probes; postgres_exporter holds $(psql -X -At -h 127.0.0.1 -p "$PORT" -U postgres -d postgres \
  -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND application_name NOT IN ('dbrunbook', 'psql')"))"
echo "kept serve RSS: $(awk '/VmRSS/ { print $2, $3 }' /proc/$KEPT_PID/status)"
echo "server: PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}'), ssl=$SSL; $("$PGE" --version 2>&1 | head -1)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
