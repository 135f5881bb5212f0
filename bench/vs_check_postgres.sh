#!/usr/bin/env bash
# check_postgres (five actions, one invocation each, as a monitoring system runs them) versus one
# `dbrunbook diagnose --only pool --only queries --only locks` (the same ground: connections,
# long queries, idle and long transactions, locks), on loopback and through the delay proxy
# (25 ms each way). The two tools alternate run by run (PAIRS pairs, default 7; which one goes
# first alternates too); medians. A last row times `dbrunbook check` (every check) on loopback.
#   DBRUNBOOK=path/to/dbrunbook PAIRS=7 bench/vs_check_postgres.sh
source "$(dirname "$0")/lib.sh"
PAIRS=${PAIRS:-7}
PG_PORT=${PG_PORT:-5432}
SSLMODE=${SSLMODE:-prefer}  # both tools: dbrunbook's default; check_postgres runs psql (PGSSLMODE)
CHECK_POSTGRES=$(command -v check_postgres || command -v check_postgres.pl) ||
  { echo "check_postgres not found (apt-get install -y check-postgres)" >&2; exit 1; }
ACTIONS=(backends query_time txn_idle txn_time locks)

cp_action() {  # cp_action ACTION PORT: check_postgres, output to stdout, exit code kept
  local t
  case $1 in
    backends) t=(--warning=90% --critical=95%) ;;
    locks) t=(--warning=100 --critical=200) ;;
    *) t=('--warning=30 seconds' '--critical=1 minute') ;;
  esac
  PGSSLMODE=$SSLMODE "$CHECK_POSTGRES" --action="$1" --host 127.0.0.1 --port "$2" \
    --dbuser postgres --db postgres "${t[@]}"
}
cp_all() {  # all five actions; fails unless every one exits 0-2
  local a rc
  for a in "${ACTIONS[@]}"; do
    rc=0; cp_action "$a" "$1" >/dev/null || rc=$?
    ((rc <= 2)) || return 3
  done
}
dbr() {
  "$DBRUNBOOK" diagnose --only pool --only queries --only locks \
    --url "postgres://postgres@127.0.0.1:$1/postgres?sslmode=$SSLMODE" --format json
}
dbr_all() { "$DBRUNBOOK" check --url "postgres://postgres@127.0.0.1:$1/postgres?sslmode=$SSLMODE" --format json; }

PROXY=$(free_port); start_proxy "$PROXY" "$PG_PORT" "$WORK/count"

echo "check_postgres: $CHECK_POSTGRES ($("$CHECK_POSTGRES" --version 2>&1 | head -1))"
echo "dbrunbook: $DBRUNBOOK   sslmode=$SSLMODE   pairs: $PAIRS"
echo "--- check_postgres output, one run of each action (loopback):"
for a in "${ACTIONS[@]}"; do
  rc=0; out=$(cp_action "$a" "$PG_PORT" 2>&1) || rc=$?
  echo "[$a exit $rc] $out"
  ((rc <= 2)) || { echo "check_postgres --action=$a did not run (exit $rc)" >&2; exit 1; }
done
rc=0; dbr "$PG_PORT" >/dev/null || rc=$?
echo "[dbrunbook diagnose exit $rc]"; ((rc <= 2)) || { echo "dbrunbook diagnose failed (exit $rc)" >&2; exit 1; }
echo "---"

printf '%-22s %12s %12s %8s %s\n' network check_postgres dbrunbook ratio exits
for net in loopback "proxy 25ms each way" "loopback, db: check"; do
  port=$([[ $net == proxy* ]] && echo "$PROXY" || echo "$PG_PORT")
  db=$([[ $net == *check ]] && echo dbr_all || echo dbr)
  cp_t=() db_t=() codes=()
  for i in $(seq "$PAIRS"); do
    order=(cp db); ((i % 2)) || order=(db cp)
    for tool in "${order[@]}"; do
      if [[ $tool == cp ]]; then read -r t rc < <(wall cp_all "$port"); cp_t+=("$t")
      else read -r t rc < <(wall "$db" "$port"); db_t+=("$t"); fi
      codes+=("$tool=$rc")
    done
  done
  cp_med=$(printf '%s\n' "${cp_t[@]}" | median)
  db_med=$(printf '%s\n' "${db_t[@]}" | median)
  printf '%-22s %11ss %11ss %7sx %s\n' "$net" "$cp_med" "$db_med" \
    "$(awk -v a="$cp_med" -v b="$db_med" 'BEGIN { printf "%.1f", a / b }')" \
    "$(printf '%s\n' "${codes[@]}" | sort -u | paste -sd' ')"
done
echo "check_postgres = total wall time of the five invocations; ratio = check_postgres / dbrunbook."
echo "exits: cp=0 all five actions exited 0-2 (cp=3: one did not run); db=0-2 checks ran, db=3 UNKNOWN."
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
