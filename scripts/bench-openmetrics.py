#!/usr/bin/env python3
"""make bench: the OpenMetrics endpoint under load.

200 check instances submitting 100 series each (every 2 s) run three times
for the same time: without the endpoint; with it and 20 concurrent scrapers
(bench_om_scrape) each scraping once a second (a Prometheus with
scrape_interval 1 s, times 20) for 10 s; and with 20 scrapers back to back
(a stress: on a small machine they take the CPU from the checks); and the
paced scrapers again with IDLE keep-alive connections held open and idle
(twice the endpoint's old connection limit of 64). Reports
scrapes, errors, scrape latencies, and the checks' run durations (median,
p90, runs done) with their ratio to the first.
A bench, not a test: it prints figures (ratios from one run).

usage: bench-openmetrics.py BUILD_DIR
"""
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

INSTANCES, SERIES, SCRAPERS, SECONDS, WARMUP, IDLE = 200, 100, 20, 10, 3, 128

CHECK = '''
from datadog_checks.base import AgentCheck

class OmLoadCheck(AgentCheck):
    def check(self, instance):
        n = instance["n"]
        for i in range(%d):
            self.gauge("bench.series.m%%d" %% i, n * 1000 + i, tags=["shard:%%d" %% (i %% 10), "env:bench"])
''' % SERIES


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree(tmp):
    os.makedirs(os.path.join(tmp, "checks.d"))
    os.makedirs(os.path.join(tmp, "conf.d", "om_load.d"))
    with open(os.path.join(tmp, "checks.d", "om_load.py"), "w") as f:
        f.write(CHECK)
    with open(os.path.join(tmp, "conf.d", "om_load.d", "conf.yaml"), "w") as f:
        f.write("init_config:\n\ninstances:\n")
        for n in range(INSTANCES):
            f.write("  - {n: %d, min_collection_interval: 2}\n" % n)
    with open(os.path.join(tmp, "datadog.yaml"), "w") as f:
        f.write("hostname: bench\nconfd_path: conf.d\nrun_path: run\nlog_level: error\n")


def phase(build, tmp, listen, period=0, idle=0):
    """Runs the host WARMUP + SECONDS s; returns the run durations (ms) after the warm-up
    and, with `listen`, the scraper's line."""
    cmd = [os.path.join(build, "bin", "rtloader"), "run", "-c", os.path.join(tmp, "datadog.yaml"),
           "--format", "json"]
    port = None
    if listen:
        port = free_port()
        cmd += ["--listen", "127.0.0.1:%d" % port]
    host = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    durations, start = [], time.monotonic()

    def read():
        for line in host.stdout:
            if '"type": "run"' in line and time.monotonic() - start > WARMUP:
                durations.append(json.loads(line)["duration_ms"])

    reader = threading.Thread(target=read)
    reader.start()
    time.sleep(WARMUP)
    scraped = None
    held = []
    for _ in range(idle):  # each has had one answer and stays open, idle
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        c.request("GET", "/healthz")
        c.getresponse().read()
        held.append(c)
    if listen:
        out = subprocess.run([os.path.join(build, "bin", "bench_om_scrape"), str(port),
                              str(SCRAPERS), str(SECONDS), str(period)], capture_output=True, text=True, check=True)
        scraped = out.stdout.split()
    else:
        time.sleep(SECONDS)
    for c in held:
        c.close()
    host.send_signal(signal.SIGTERM)
    host.wait(timeout=30)
    reader.join()
    return durations, scraped


def summary(d):
    d = sorted(d)
    return statistics.median(d), d[int(len(d) * 0.9)]


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
    tmp = tempfile.mkdtemp(prefix="rtloader-om-bench-")
    try:
        tree(tmp)
        base, _ = phase(build, tmp, False)
        paced = phase(build, tmp, True, 1)
        stress = phase(build, tmp, True, 0)
        idle = phase(build, tmp, True, 1, IDLE)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    b50, b90 = summary(base)
    print("%d instances x %d series (every 2 s), %d scrapers, %d s per phase"
          % (INSTANCES, SERIES, SCRAPERS, SECONDS))
    print("without endpoint:  runs %d, run duration median %.2f ms, p90 %.2f ms" % (len(base), b50, b90))
    for title, (runs, scraped) in (("scrapers every 1 s", paced), ("scrapers back to back", stress),
                                   ("scrapers every 1 s, %d idle connections open" % IDLE, idle)):
        scrapes, errors, size, p50, p99, worst = scraped
        l50, l90 = summary(runs)
        print("%s: %s scrapes, %s errors, page %.1f MB; scrape p50 %s ms, p99 %s ms, max %s ms "
              "(max <= 100 ms: %s)" % (title, scrapes, errors, int(size) / 1e6, p50, p99, worst,
                                       "yes" if float(worst) <= 100 else "NO"))
        print("    runs %d (%.2fx), run duration median %.2f ms (%.2fx), p90 %.2f ms (%.2fx)"
              % (len(runs), len(runs) / len(base), l50, l50 / b50, l90, l90 / b90))


if __name__ == "__main__":
    main()
