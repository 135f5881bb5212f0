#!/usr/bin/env python3
"""Scrapes each URL once a round, in turn, round after round, so that load from elsewhere falls
on every tool alike; per scrape the client's wall time and the server's CPU time. Prints medians.
  scrape_rounds.py SERVER_PID PAIRS WARMUP "name=url" ...
Used by vs_postgres_exporter.sh and vs_mysqld_exporter.sh."""
import os, statistics, sys, time, urllib.request
server, pairs, warmup = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
tools = [a.split("=", 1) for a in sys.argv[4:]]
tick = os.sysconf("SC_CLK_TCK")
def server_cpu():
    """Seconds of CPU of the server's process and its children: PostgreSQL's postmaster and
    its backends, plus the exited ones it reaped; MariaDB's one process, all its threads."""
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            stat = open(f"/proc/{pid}/stat").read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        ppid = int(fields[1])
        if int(pid) == server:
            total += sum(int(f) for f in fields[11:15])   # utime stime cutime cstime
        elif ppid == server:
            total += int(fields[11]) + int(fields[12])
    return total / tick
def scrape(url):
    t0 = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as r:
        body = r.read()
        assert r.status == 200, r.status
    return time.perf_counter() - t0, len(body)
wall = {n: [] for n, _ in tools}; cpu = {n: [] for n, _ in tools}; size = {}
for _ in range(warmup):
    for _, url in tools:
        scrape(url)
for _ in range(pairs):
    for name, url in tools:
        c0 = server_cpu()
        w, size[name] = scrape(url)
        time.sleep(0.05)   # let a closed backend exit and be reaped before counting
        wall[name].append(w); cpu[name].append(server_cpu() - c0)
print(f"{pairs} rounds after {warmup} warm-up, each tool once a round, in turn")
print(f"{'':34s} {'wall ms p50':>11s} {'p90':>7s} {'server CPU ms/scrape (mean)':>28s} {'bytes':>7s}")
for name, _ in tools:
    w = sorted(wall[name])
    print(f"{name:34s} {statistics.median(w)*1000:11.1f} {w[int(0.9*len(w))]*1000:7.1f} "
          f"{statistics.mean(cpu[name])*1000:28.2f} {size[name]:7d}")
