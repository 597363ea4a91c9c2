#!/usr/bin/env python3
"""Median time from spawn to the ready line, over N starts. Usage: ready_time.py N CMD..."""
import statistics
import subprocess
import sys
import time

n, cmd = int(sys.argv[1]), sys.argv[2:]
times = []
for _ in range(n):
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = p.stdout.readline()
    times.append((time.perf_counter() - start) * 1000)
    p.terminate()
    p.wait()
    if not line:
        sys.exit("no ready line")
print(f"{statistics.median(times):.1f} ms median ({min(times):.1f} to {max(times):.1f}) over {n} starts")
