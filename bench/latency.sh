#!/usr/bin/env bash
# Wall time of `dbrunbook check --format json` through a 25 ms each-way (50 ms RTT) delay proxy,
# for PostgreSQL (sslmode=disable, sslmode=prefer) and MariaDB, plus psql `select 1` as a
# reference. Median of RUNS (default 7) runs; the round-trip count comes from the proxy's
# client->server flight count for one extra run of each.
#   DBRUNBOOK=path/to/dbrunbook RUNS=7 bench/latency.sh
source "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-7}
DELAY_MS=${DELAY_MS:-25}
RTT=$(awk -v d="$DELAY_MS" 'BEGIN { print 2 * d / 1000 }')
PG_PORT=${PG_PORT:-5432}
MY_PORT=${MY_PORT:-3306}

PG_PROXY=$(free_port); start_proxy "$PG_PROXY" "$PG_PORT" "$WORK/pg.count"
MY_PROXY=$(free_port); start_proxy "$MY_PROXY" "$MY_PORT" "$WORK/my.count"

NAMES=(pg-disable pg-prefer mariadb psql-select1)
run() {  # run NAME PORT: one timed run, prints "SECONDS EXIT_CODE"
  case $1 in
    pg-disable) wall "$DBRUNBOOK" check --url "postgres://postgres@127.0.0.1:$2/postgres?sslmode=disable" --format json ;;
    pg-prefer) wall "$DBRUNBOOK" check --url "postgres://postgres@127.0.0.1:$2/postgres?sslmode=prefer" --format json ;;
    mariadb) wall "$DBRUNBOOK" check --url "mysql://root@127.0.0.1:$2/test" --format json ;;
    psql-select1) PGSSLMODE=disable wall psql -X -h 127.0.0.1 -p "$2" -U postgres -d postgres -c 'select 1' ;;
  esac
}

echo "dbrunbook: $DBRUNBOOK"
echo "delay: ${DELAY_MS} ms each way (RTT ${RTT} s), runs: $RUNS"
printf '%-14s %10s %9s %10s %6s %s\n' target median_s x_RTT direct_s exit c2s_flights
for n in "${NAMES[@]}"; do
  if [[ $n == mariadb ]]; then port=$MY_PROXY direct_port=$MY_PORT count=$WORK/my.count
  else port=$PG_PROXY direct_port=$PG_PORT count=$WORK/pg.count; fi
  run "$n" "$port" >/dev/null; flights "$count" >/dev/null  # warm-up, and let it log its close
  : >"$count"; run "$n" "$port" >/dev/null; fl=$(flights "$count")
  times=() codes=() direct=()
  for _ in $(seq "$RUNS"); do
    read -r t rc < <(run "$n" "$port"); times+=("$t"); codes+=("$rc")
    read -r t _ < <(run "$n" "$direct_port"); direct+=("$t")
  done
  med=$(printf '%s\n' "${times[@]}" | median)
  printf '%-14s %10s %9s %10s %6s %s\n' "$n" "$med" \
    "$(awk -v m="$med" -v r="$RTT" 'BEGIN { printf "%.1f", m / r }')" \
    "$(printf '%s\n' "${direct[@]}" | median)" "$(printf '%s\n' "${codes[@]}" | sort -u | paste -sd,)" "$fl"
done
echo "exit: dbrunbook exit codes seen (0-2 = check ran; 3 = UNKNOWN). direct_s: same command without the proxy."
echo "c2s_flights: client->server flights = round trips the client waited for (the last one is usually the close)."
