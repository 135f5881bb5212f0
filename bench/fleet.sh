#!/usr/bin/env bash
# A fleet of TARGETS (200) targets in one `dbrunbook diagnose --all`: PG_DBS databases in a throwaway
# PostgreSQL (half), MY_DBS databases in a throwaway MariaDB (45%) and SILENT ports that accept
# and never answer (5%). Measures wall time and peak RSS of the fleet run (default --jobs and
# --server-jobs, --timeout 2s; median of RUNS), then `dbrunbook serve` under CLIENTS (50)
# concurrent probes of the live targets: latency percentiles and the exporter's peak RSS.
#   DBRUNBOOK=path/to/dbrunbook RUNS=3 TARGETS=1000 bench/fleet.sh
source "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-3}
TARGETS=${TARGETS:-200}
PG_DBS=${PG_DBS:-$((TARGETS / 2))}
MY_DBS=${MY_DBS:-$((TARGETS * 45 / 100))}
SILENT=${SILENT:-$((TARGETS - PG_DBS - MY_DBS))}
CLIENTS=${CLIENTS:-50}
PROBES=${PROBES:-20}          # probes per client
TIMEOUT=${TIMEOUT:-2s}
JOBS=${JOBS:-}                # empty: the default --jobs
SERVER_JOBS=${SERVER_JOBS:-}  # empty: the default --server-jobs
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
[[ -x /usr/bin/time ]] || { echo "needs GNU time: apt-get install -y time" >&2; exit 1; }
ulimit -n 8192

# Throwaway PostgreSQL with PG_DBS databases.
chmod 755 "$WORK"
DATA=$WORK/data; mkdir "$DATA"; chown postgres: "$DATA"
PORT=$(free_port)
as_pg() { runuser -u postgres -- "$@"; }
as_pg "$PGBIN/initdb" -D "$DATA" -U postgres -A trust >/dev/null
CLEANUP_CMDS+=("as_pg '$PGBIN/pg_ctl' -D '$DATA' -m immediate stop")
as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$DATA/log" -w -t 60 start -o \
  "-p $PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories='$DATA' \
   -c max_connections=$((PG_DBS + 100)) -c fsync=off" >/dev/null
for i in $(seq -f %03g "$PG_DBS"); do echo "CREATE DATABASE fleetbench_$i;"; done \
  | psql -X -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres >/dev/null

# MY_DBS databases in a throwaway MariaDB: hundreds of connections cut by the deadline on a
# loaded machine are not for the MariaDB other people's tests share.
MY_DATA=$WORK/maria; mkdir "$MY_DATA"
MY_PORT=$(free_port)
mariadb-install-db --no-defaults --datadir="$MY_DATA/data" --auth-root-authentication-method=normal \
  --skip-test-db --user=root >/dev/null 2>&1
mariadbd --no-defaults --datadir="$MY_DATA/data" --socket="$MY_DATA/sock" --pid-file="$MY_DATA/pid" \
  --log-error="$MY_DATA/error.log" --port="$MY_PORT" --max-connections=$((MY_DBS + 100)) --bind-address=127.0.0.1 \
  --innodb-buffer-pool-size=32M --skip-log-bin --user=root >/dev/null 2>&1 &
MY_PID=$!
CLEANUP_PIDS+=($MY_PID)
mysql_q() { mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$MY_PORT" -u root -N -B "$@"; }
for _ in $(seq 600); do mysql_q -e 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.1; done
for i in $(seq -f %03g "$MY_DBS"); do echo "CREATE DATABASE fleetbench_$i;"; done | mysql_q
MY_URL=mysql://root@127.0.0.1:$MY_PORT

# SILENT ports that accept and hold connections without a word.
python3 - "$SILENT" >"$WORK/silent.ports" <<'EOF' &
import selectors, socket, sys
sel = selectors.DefaultSelector()
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(512); s.setblocking(False)
    sel.register(s, selectors.EVENT_READ, "listen")
    print(s.getsockname()[1], flush=True)
held = []
while True:
    for key, _ in sel.select():
        if key.data == "listen":
            c, _ = key.fileobj.accept(); c.setblocking(False); held.append(c)
            sel.register(c, selectors.EVENT_READ, "client")
        else:
            try:
                if not key.fileobj.recv(4096):
                    sel.unregister(key.fileobj); key.fileobj.close()
            except OSError:
                sel.unregister(key.fileobj); key.fileobj.close()
EOF
CLEANUP_PIDS+=($!)
for _ in $(seq 50); do [[ $(wc -l <"$WORK/silent.ports") -ge $SILENT ]] && break; sleep 0.1; done

FLEET=$WORK/dbrunbook.yaml
{
  echo "targets:"
  for i in $(seq -f %03g "$PG_DBS"); do
    echo "  - {name: pg-$i, url: 'postgres://postgres@127.0.0.1:$PORT/fleetbench_$i?sslmode=disable', tags: [pg]}"
  done
  for i in $(seq -f %03g "$MY_DBS"); do
    echo "  - {name: my-$i, url: '$MY_URL/fleetbench_$i', tags: [mysql]}"
  done
  n=0
  while read -r p; do
    n=$((n + 1))
    echo "  - {name: silent-$n, url: 'postgres://postgres@127.0.0.1:$p/postgres', tags: [silent]}"
  done <"$WORK/silent.ports"
} >"$FLEET"
total=$(grep -c 'name:' "$FLEET")
echo "fleet: $total targets ($PG_DBS PostgreSQL databases, $MY_DBS MariaDB databases, $SILENT silent ports)"

# CPU seconds a server has used: the process and the children it reaped (PostgreSQL's backends
# that ended), plus its live children.
server_cpu() {
  python3 - "$1" <<'PY'
import os, sys
tick = os.sysconf("SC_CLK_TCK")
def fields(pid):
    s = open(f"/proc/{pid}/stat").read()
    return s[s.rindex(")") + 2:].split()
root = sys.argv[1]
f = fields(root)
total = sum(int(x) for x in f[11:15])  # utime stime cutime cstime
for pid in os.listdir("/proc"):
    if pid.isdigit() and pid != root:
        try:
            g = fields(pid)
        except OSError:
            continue
        if g[1] == root:
            total += int(g[11]) + int(g[12])
print(f"{total / tick:.2f}")
PY
}
POSTMASTER=$(head -1 "$DATA/postmaster.pid")

# The fleet run: wall time and peak RSS, RUNS times.
printf '%-5s %8s %6s %7s %7s %10s %5s %s\n' run wall_s cpu_s pg_cpu my_cpu peak_rss_kb exit statuses
walls=()
for r in $(seq "$RUNS"); do
  pg0=$(server_cpu "$POSTMASTER") my0=$(server_cpu "$MY_PID")
  t0=$EPOCHREALTIME rc=0
  /usr/bin/time -v -o "$WORK/time.$r" "$DBRUNBOOK" diagnose --all --config "$FLEET" --timeout "$TIMEOUT" \
    ${JOBS:+--jobs "$JOBS"} ${SERVER_JOBS:+--server-jobs "$SERVER_JOBS"} --format json >"$WORK/fleet.$r.json" 2>"$WORK/fleet.$r.err" || rc=$?
  wall=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')
  walls+=("$wall")
  rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/time.$r")
  cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$WORK/time.$r")
  statuses=$(python3 -c 'import json,sys,collections
d=json.load(open(sys.argv[1])); print(dict(collections.Counter(t["status"] for t in d["targets"])))' "$WORK/fleet.$r.json")
  pg_cpu=$(awk -v a="$pg0" -v b="$(server_cpu "$POSTMASTER")" 'BEGIN { printf "%.2f", b - a }')
  my_cpu=$(awk -v a="$my0" -v b="$(server_cpu "$MY_PID")" 'BEGIN { printf "%.2f", b - a }')
  printf '%-5s %8s %6s %7s %7s %10s %5s %s\n' "$r" "$wall" "$cpu" "$pg_cpu" "$my_cpu" "$rss" "$rc" "$statuses"
done
# Why targets were UNKNOWN (last run): the first check's summary, cut, counted.
python3 -c 'import json,re,sys,collections
d=json.load(open(sys.argv[1]))
c=collections.Counter(next(re.sub(r"\d+", "N", c["summary"])[:90] for c in t["checks"] if c["status"]=="unknown") for t in d["targets"] if t["status"]=="unknown")
[print(f"  {n:4d} unknown: {s}") for s,n in c.most_common(5)]' "$WORK/fleet.$RUNS.json"
# Where the time went (last run): each kind of target's own time, and its sum over the
# --server-jobs it may run at once (one server per kind here but the silent ports).
python3 -c 'import json,sys,statistics
d=json.load(open(sys.argv[1])); jobs=int(sys.argv[2])
for kind in ("pg", "my", "silent"):
    ms=sorted(t["elapsed_ms"] for t in d["targets"] if t["name"].startswith(kind + "-"))
    if ms: print(f"  {kind:6s} {len(ms):4d} targets: median {statistics.median(ms):.0f} ms, p90 {ms[int(.9*len(ms))]} ms, sum/{jobs} {sum(ms)/jobs/1000:.2f} s")
' "$WORK/fleet.$RUNS.json" "${SERVER_JOBS:-4}"
echo "median wall: $(printf '%s\n' "${walls[@]}" | median) s"

# serve under CLIENTS concurrent probes of the live targets.
SPORT=$(free_port)
"$DBRUNBOOK" serve --listen "127.0.0.1:$SPORT" --config "$FLEET" --timeout "$TIMEOUT" 2>"$WORK/serve.err" &
SPID=$!
CLEANUP_PIDS+=($SPID)
for _ in $(seq 100); do grep -q serving "$WORK/serve.err" && break; sleep 0.1; done
python3 - "$SPORT" "$CLIENTS" "$PROBES" "$FLEET" <<'EOF'
import http.client, re, statistics, sys, threading, time
port, clients, probes = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
names = [n for n in re.findall(r"name: ([\w-]+)", open(sys.argv[4]).read()) if not n.startswith("silent")]
lat, codes, lock = [], {}, threading.Lock()
def client(k):
    for j in range(probes):
        name = names[(k * probes + j) % len(names)]
        t0 = time.perf_counter()
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        c.request("GET", f"/probe?target={name}"); r = c.getresponse(); r.read(); c.close()
        with lock:
            lat.append(time.perf_counter() - t0); codes[r.status] = codes.get(r.status, 0) + 1
t0 = time.perf_counter()
ts = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
[t.start() for t in ts]; [t.join() for t in ts]
wall = time.perf_counter() - t0
lat.sort(); q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000
print(f"serve: {len(lat)} probes by {clients} clients in {wall:.2f} s ({len(lat)/wall:.0f}/s), codes {codes}")
print(f"latency ms: p50 {q(.50):.0f}  p90 {q(.90):.0f}  p99 {q(.99):.0f}  max {lat[-1]*1000:.0f}")
EOF
echo "serve peak RSS: $(awk '/VmHWM/ { print $2, $3 }' /proc/$SPID/status)"
kill -0 "$MY_PID" 2>/dev/null || { echo "the throwaway mariadbd died:"; grep -B1 -A2 'got signal' "$MY_DATA/error.log" | head -5; }
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
