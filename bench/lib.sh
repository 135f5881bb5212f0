# Shared helpers for the bench scripts. Source it; it sets DBRUNBOOK, BENCH_DIR and a
# cleanup trap that kills every pid in CLEANUP_PIDS and runs every command in CLEANUP_CMDS.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$BENCH_DIR/.." && pwd)
DBRUNBOOK=${DBRUNBOOK:-$REPO_ROOT/target/release/dbrunbook}
[[ -x $DBRUNBOOK ]] || { echo "no dbrunbook binary at $DBRUNBOOK (set DBRUNBOOK)" >&2; exit 1; }
WORK=$(mktemp -d)

CLEANUP_PIDS=()
CLEANUP_CMDS=()
cleanup() {
  local pid cmd
  for cmd in "${CLEANUP_CMDS[@]}"; do eval "$cmd" >/dev/null 2>&1 || true; done
  for pid in "${CLEANUP_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${CLEANUP_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_proxy LISTEN_PORT TARGET_PORT COUNT_FILE: delay proxy (DELAY_MS each way) on 127.0.0.1.
start_proxy() {
  local out="$WORK/proxy.$1.out" i
  python3 "$BENCH_DIR/delay_proxy.py" --listen "$1" --target "127.0.0.1:$2" \
    --delay-ms "${DELAY_MS:-25}" --count-file "$3" >"$out" 2>&1 &
  CLEANUP_PIDS+=($!)
  for i in $(seq 50); do grep -q ready "$out" && return 0; sleep 0.1; done
  echo "proxy on $1 did not start: $(cat "$out")" >&2; return 1
}

# wall CMD...: run CMD (output discarded), print "SECONDS EXIT_CODE".
wall() {
  local t0=$EPOCHREALTIME rc=0
  "$@" >/dev/null 2>"$WORK/last.err" || rc=$?
  awk -v a="$t0" -v b="$EPOCHREALTIME" -v rc="$rc" 'BEGIN { printf "%.3f %d\n", b - a, rc }'
}

# median: numbers on stdin, one a line.
median() {
  sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "nan"; exit }
    if (NR % 2) printf "%.3f\n", v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# flights COUNT_FILE: wait (<= 3 s) for the proxy to log a closed connection, then print the
# client->server flights summed over the connections logged, e.g. "22 (2 conn: 18+4)".
flights() {
  local i
  local n=-1
  for i in $(seq 30); do [[ -s $1 ]] && break; sleep 0.1; done
  for i in $(seq 20); do  # until no more closes are logged for 0.5 s
    [[ $(wc -l <"$1") == "$n" ]] && break; n=$(wc -l <"$1"); sleep 0.5
  done
  awk -F'[ =]' '{ n += $2; c++; l = l (c > 1 ? "+" : "") $2 }
    END { printf "%d (%d conn%s)\n", n, c, (c > 1 ? ": " l : "") }' "$1"
}
