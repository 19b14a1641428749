#!/usr/bin/env python3
"""Waits until N events have been handled and prints when, for Benchmarks/ingest.sh.

  wait_count.py metrics URL N T0   sums vigil_events_stored_total from URL (one kept-alive connection)
  wait_count.py file PATH N T0     counts the lines of a growing file, reading each byte once
  wait_count.py sealed URL 0 T0    waits until vigil_store_seal_backlog is 0 at URL; prints seconds since T0

Polls every 50 ms from one process, so the harness takes next to no CPU from the daemon it measures
(a curl and an awk per poll took ~9 ms of CPU each: 0.15 of a core; `wc -l` over a growing output
file re-read all of it at every poll). Prints `END_TIME FIRST_MILLION_RATE LAST_MILLION_RATE`, the
rates in events/s (0 when N is under a million); T0 is the start time in seconds since the epoch.
"""
import http.client
import os
import sys
import time
import urllib.parse

mode, target, n, t0 = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])


def metrics_counter(url, metric="vigil_events_stored_total"):
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)

    def count():
        nonlocal conn
        try:
            conn.request("GET", parts.path or "/metrics")
            body = conn.getresponse().read().decode()
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
            return None
        return int(sum(float(line.split()[-1]) for line in body.splitlines()
                       if line.startswith(metric)))
    return count


def file_counter(path):
    state = {"file": None, "lines": 0}

    def count():
        if state["file"] is None:
            if not os.path.exists(path):
                return 0
            state["file"] = open(path, "rb")
        while True:
            chunk = state["file"].read(8 << 20)
            if not chunk:
                break
            state["lines"] += chunk.count(b"\n")
        return state["lines"]
    return count


if mode == "sealed":
    backlog = metrics_counter(target, "vigil_store_seal_backlog")
    while True:
        waiting = backlog()
        if waiting == 0:
            break
        time.sleep(0.2)
    print(f"{time.time() - t0:.1f}")
    sys.exit(0)

count = metrics_counter(target) if mode == "metrics" else file_counter(target)
next_mark, previous, first, last = 1_000_000, t0, 0.0, 0.0
while True:
    seen = count()
    now = time.time()
    if seen is not None:
        while seen >= next_mark and next_mark <= n:
            rate = 1_000_000 / (now - previous)
            previous = now
            first = first or rate
            last = rate
            next_mark += 1_000_000
        if seen >= n:
            break
    time.sleep(0.05)
print(f"{now:.6f} {first:.0f} {last:.0f}")
