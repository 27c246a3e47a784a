#!/usr/bin/env python3
"""End-to-end: `rtloader run` serving /metrics, scraped by a real Prometheus.

Starts the host on the example checks (plus a check submitting every metric
type) with the endpoint on a free loopback port, starts Debian's Prometheus
(own config and storage in a temp dir, scrape interval 1 s, own free port),
queries its HTTP API and asserts the series, their labels and values, and
that `up` is 1; `promtool check metrics` lints a scraped page. Also GET
/healthz, a 404, 405 for other methods, the content negotiation, `--listen
:PORT`, and 128 idle keep-alive connections not delaying a scrape.

usage: e2e.py BUILD_DIR [ISOLATION]   (ISOLATION: none or process)
Exit 0 on success, 1 on failure; prints SKIPPED and exits 0 when Prometheus
is not installed (scripts/install-deps.sh installs it).
"""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEADLINE_S = 20

TYPES_CHECK = '''
from datadog_checks.base import AgentCheck
import aggregator

class OmTypesCheck(AgentCheck):
    def check(self, instance):
        self.runs = getattr(self, "runs", 0) + 1
        tags = ["kind:types", "quote:a\\"b"]
        self.count("om.requests", 2, tags=tags)
        self.monotonic_count("om.mono", 10 * self.runs, tags=tags)
        for v in range(1, 101):
            self.histogram("om.latency", v, tags=tags)
        self.gauge("om.escaped-name.x", 1.5, tags=tags)
        aggregator.submit_histogram_bucket(self, self.check_id, "om.dur", 3, 0.0, 1.0, False, "", tags, False)
        aggregator.submit_histogram_bucket(self, self.check_id, "om.dur", 1, 1.0, 5.0, False, "", tags, False)
        self.service_check("om.up", AgentCheck.WARNING, tags=tags)
'''


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.headers.get("Content-Type"), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read().decode()


class Failure(Exception):
    pass


def check(cond, message):
    if not cond:
        raise Failure(message)


def error_paths(build):
    """Bad settings and addresses: the exit code and a message naming the problem."""
    rtloader = os.path.join(build, "bin", "rtloader")
    tmp = tempfile.mkdtemp(prefix="rtloader-om-err-")
    try:
        os.makedirs(os.path.join(tmp, "conf.d"))
        busy = socket.socket()
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        cases = [
            ("openmetrics_namespace: 'a.b'\n", [], 3, "datadog.yaml:1: 'openmetrics_namespace'"),
            ("openmetrics_stale_runs: 0\n", [], 3, "datadog.yaml:1: 'openmetrics_stale_runs'"),
            ("openmetrics_listen: [1]\n", [], 3, "datadog.yaml:1: 'openmetrics_listen' must be a string"),
            ("openmetrics_listen: nocolon\n", [], 4, "'nocolon' is not ADDR:PORT"),
            ("", ["--listen", "127.0.0.1:99999"], 4, "is not ADDR:PORT"),
            ("", ["--listen", "127.0.0.1:%d" % busy.getsockname()[1]], 4, "cannot listen there"),
            ("", ["--listen", "no.such.host.invalid:80"], 4, "no.such.host.invalid:80"),
            ("", ["--listen", "::1:9464"], 4, "'::1:9464' is not ADDR:PORT, [IPV6]:PORT or :PORT: too many colons"),
            ("", ["--listen", "[::1]"], 4, "no port after ']'"),
            ("", ["--listen", ":"], 4, "':' is not ADDR:PORT, [IPV6]:PORT or :PORT: no port"),
            ("", ["--listen", ":http"], 4, "the port must be a number from 0 to 65535"),
        ]
        for yaml, args, code, text in cases:
            with open(os.path.join(tmp, "datadog.yaml"), "w") as f:
                f.write("confd_path: conf.d\nrun_path: run\n" if not yaml else yaml + "confd_path: conf.d\nrun_path: run\n")
            r = subprocess.run([rtloader, "run", "-c", os.path.join(tmp, "datadog.yaml")] + args,
                               capture_output=True, text=True, timeout=30)
            check(r.returncode == code and text in r.stderr,
                  "%r %s: exit %s (want %s), stderr %r" % (yaml, args, r.returncode, code, r.stderr[-500:]))
        r = subprocess.run([rtloader, "check", "x", "--listen", "127.0.0.1:1"], capture_output=True,
                           text=True, timeout=30)
        check(r.returncode == 2 and "--listen is an option of 'rtloader run'" in r.stderr,
              "check --listen: %s %r" % (r.returncode, r.stderr))
        busy.close()
        listen_every_address(rtloader, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def listen_every_address(rtloader, tmp):
    """--listen :PORT (no address, as exporters accept): serves on the loopback too."""
    with open(os.path.join(tmp, "datadog.yaml"), "w") as f:
        f.write("confd_path: conf.d\nrun_path: run\n")
    err_path = os.path.join(tmp, "every.err")
    with open(err_path, "w") as err:
        host = subprocess.Popen([rtloader, "run", "-c", os.path.join(tmp, "datadog.yaml"), "--listen", ":0",
                                 "--log-level", "info"], stdout=subprocess.DEVNULL, stderr=err)
    try:
        port, deadline = None, time.monotonic() + 10
        while port is None and time.monotonic() < deadline and host.poll() is None:
            with open(err_path) as f:
                text = f.read()
            if "(port " in text:
                port = int(text.split("(port ", 1)[1].split(")", 1)[0])
            time.sleep(0.05)
        check(port, "--listen :0 did not log its port: %s" % open(err_path).read()[-500:])
        status, _, body = get("http://127.0.0.1:%d/healthz" % port)
        check(status in (200, 503) and "check runs" in body, "--listen :0: /healthz %s %r" % (status, body))
    finally:
        host.send_signal(signal.SIGTERM)
        host.wait(timeout=10)


def idle_connections_do_not_delay_a_scrape(host_port):
    """Twice the old limit of 64 idle keep-alive connections, then a scrape answers at once."""
    idle = []
    try:
        for _ in range(128):
            c = http.client.HTTPConnection("127.0.0.1", host_port, timeout=5)
            c.request("GET", "/healthz")
            c.getresponse().read()
            idle.append(c)  # open: HTTP/1.1 keep-alive
        started = time.monotonic()
        status, _, _ = get("http://127.0.0.1:%d/metrics" % host_port)
        took = time.monotonic() - started
        check(status == 200 and took < 1.0, "scrape with 128 idle connections: %s in %.2f s" % (status, took))
    finally:
        for c in idle:
            c.close()


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build"))
    isolation = sys.argv[2] if len(sys.argv) > 2 else "none"
    try:
        error_paths(build)
    except Failure as e:
        print("FAILED openmetrics settings errors: %s" % e)
        return 1
    prometheus, promtool = shutil.which("prometheus"), shutil.which("promtool")
    if prometheus is None or promtool is None:
        print("SKIPPED openmetrics end-to-end: no prometheus/promtool on PATH "
              "(Debian package 'prometheus', installed by scripts/install-deps.sh)")
        return 0
    tmp = tempfile.mkdtemp(prefix="rtloader-om-")
    procs = []
    try:
        return run(build, isolation, prometheus, promtool, tmp, procs)
    except Failure as e:
        print("FAILED openmetrics end-to-end (%s): %s" % (isolation, e))
        for name in ("host.err", "prometheus.log"):
            path = os.path.join(tmp, name)
            if os.path.exists(path):
                with open(path) as f:
                    print("--- %s (tail)\n%s" % (name, f.read()[-3000:]))
        return 1
    finally:
        for p in procs:  # stopped by their PID, started here
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        shutil.rmtree(tmp, ignore_errors=True)


def write_tree(tmp, port):
    """conf.d, checks.d and datadog.yaml: the example checks, one interval of 1 s."""
    counted = os.path.join(tmp, "counted")
    os.makedirs(os.path.join(counted, "d1"))
    os.makedirs(os.path.join(counted, "d2"))
    for name in ("a", "b", "c"):
        open(os.path.join(counted, name), "w").close()
    shutil.copytree(os.path.join(ROOT, "examples", "checks.d"), os.path.join(tmp, "checks.d"))
    with open(os.path.join(tmp, "checks.d", "om_types_check.py"), "w") as f:
        f.write(TYPES_CHECK)
    confs = {
        "disk_usage_check": '  - paths: ["/"]\n    tags: ["env:example"]\n    min_collection_interval: 1\n',
        "file_count_check": "  - directory: %s\n    min_collection_interval: 1\n" % counted,
        "load_avg_check": '  - tags: ["env:example"]\n    min_collection_interval: 1\n',
        "ctx_switches_check": "  - min_collection_interval: 1\n",
        "om_types_check": "  - min_collection_interval: 1\n",
    }
    for name, instance in confs.items():
        os.makedirs(os.path.join(tmp, "conf.d", name + ".d"))
        with open(os.path.join(tmp, "conf.d", name + ".d", "conf.yaml"), "w") as f:
            f.write("init_config:\n\ninstances:\n" + instance)
    with open(os.path.join(tmp, "datadog.yaml"), "w") as f:
        f.write("hostname: e2e-host\nconfd_path: conf.d\nrun_path: run\nlog_level: warn\n"
                "openmetrics_listen: 127.0.0.1:%d\nopenmetrics_namespace: dd\n" % port)
    return counted


def run(build, isolation, prometheus, promtool, tmp, procs):
    started = time.monotonic()
    host_port, prom_port = free_port(), free_port()
    counted = write_tree(tmp, host_port)
    cmd = [os.path.join(build, "bin", "rtloader"), "run", "-c", os.path.join(tmp, "datadog.yaml")]
    if isolation != "none":
        cmd += ["--isolation", isolation]
    host = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(tmp, "host.err"), "w"))
    procs.append(host)
    with open(os.path.join(tmp, "prometheus.yml"), "w") as f:
        f.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                "scrape_configs:\n  - job_name: rtloader\n    static_configs:\n"
                "      - targets: ['127.0.0.1:%d']\n" % host_port)
    prom = subprocess.Popen(
        [prometheus, "--config.file=" + os.path.join(tmp, "prometheus.yml"),
         "--storage.tsdb.path=" + os.path.join(tmp, "data"),
         "--web.listen-address=127.0.0.1:%d" % prom_port],
        stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "prometheus.log"), "w"))
    procs.append(prom)
    api = "http://127.0.0.1:%d/api/v1/query?query=" % prom_port
    base = "http://127.0.0.1:%d" % host_port

    def query(q):
        try:
            status, _, body = get(api + urllib.parse.quote(q))
        except (urllib.error.URLError, ConnectionError, OSError):
            return None
        if status != 200:
            return None
        return json.loads(body)["data"]["result"]

    # wait until Prometheus has scraped a page where every check ran twice
    wanted = ('min(dd_om_mono_total) > 0 and on() count(rtloader_check_runs_total >= 2) == 5')
    while True:
        check(host.poll() is None, "rtloader run exited with %s" % host.returncode)
        check(prom.poll() is None, "prometheus exited with %s" % prom.returncode)
        if query(wanted):
            break
        check(time.monotonic() - started < DEADLINE_S,
              "no complete scrape within %d s; last up: %s" % (DEADLINE_S, query("up")))
        time.sleep(0.25)

    def one(q):
        r = query(q)
        check(r is not None and len(r) == 1, "query %s: expected one series, got %s" % (q, r))
        return r[0]["metric"], float(r[0]["value"][1])

    labels, value = one('up{job="rtloader"}')
    check(value == 1, "up is %s" % value)

    labels, value = one("dd_example_file_count_files")
    check(value == 3, "files: %s" % value)
    check(labels.get("check") == "file_count_check" and labels.get("host") == "e2e-host"
          and labels.get("directory") == counted and labels.get("check_id", "").startswith("file_count_check:"),
          "file_count labels: %s" % labels)
    labels, value = one("dd_example_file_count_dirs")
    check(value == 2, "dirs: %s" % value)
    labels, value = one('dd_service_check{name="example.file_count.can_read"}')
    check(labels.get("status") == "ok" and value == 0, "service check: %s %s" % (labels, value))
    labels, value = one('dd_example_disk_total_value{path="/"}')
    st = os.statvfs("/")
    check(value == st.f_blocks * st.f_frsize, "disk total %s, statvfs %s" % (value, st.f_blocks * st.f_frsize))
    check(labels.get("env") == "example", "disk labels: %s" % labels)
    labels, value = one("dd_example_load_1")
    check(abs(value - os.getloadavg()[0]) < 5, "load_1: %s" % value)
    labels, value = one("dd_example_ctx_switches_total")
    check(value > 0, "ctx switches counter: %s" % value)

    # every type through a real check
    labels, value = one("dd_om_requests_total")
    check(labels.get("kind") == "types" and labels.get("quote") == 'a"b', "labels: %s" % labels)
    runs = one('rtloader_check_runs_total{check="om_types_check"}')[1]
    check(value == 2 * runs, "count accumulated over %s runs: %s" % (runs, value))
    labels, value = one("dd_om_mono_total")
    check(value == 10 * (runs - 1), "monotonic count over %s runs: %s" % (runs, value))
    for agg, expected in (("avg", 50.5), ("max", 100), ("count_value", 100), ("median", 50),
                          ("95percentile", 95)):
        check(one("dd_om_latency_" + agg)[1] == expected, "histogram %s" % agg)
    check(one("dd_om_escaped_name_x")[1] == 1.5, "escaped name")
    le1 = one('dd_om_dur_bucket{le="1"}')[1]
    inf = one('dd_om_dur_bucket{le="+Inf"}')[1]
    check(le1 == 3 * runs and inf == 4 * runs, "buckets: le=1 %s, +Inf %s, runs %s" % (le1, inf, runs))
    labels, value = one('dd_service_check{name="om.up"}')
    check(labels.get("status") == "warning" and value == 1, "om.up: %s %s" % (labels, value))
    labels, value = one('rtloader_check_last_run_status{check="om_types_check"}')
    check(labels.get("status") == "ok", "run status: %s" % labels)

    # the page itself: promtool lint, both formats, health, 404
    status, ctype, page = get(base + "/metrics")
    check(status == 200 and ctype.startswith("text/plain; version=0.0.4"), "text: %s %s" % (status, ctype))
    lint = subprocess.run([promtool, "check", "metrics"], input=page, capture_output=True, text=True)
    check(lint.returncode == 0 and not (lint.stdout + lint.stderr).strip(),
          "promtool check metrics: %s%s" % (lint.stdout, lint.stderr))
    status, ctype, page = get(base + "/metrics", {"Accept": "application/openmetrics-text;version=1.0.0,"
                                                           "text/plain;version=0.0.4;q=0.5"})
    check(status == 200 and ctype.startswith("application/openmetrics-text; version=1.0.0"),
          "openmetrics: %s" % ctype)
    check(page.endswith("# EOF\n") and "# TYPE dd_om_requests counter\n" in page, "openmetrics page")
    status, _, body = get(base + "/healthz")
    check(status == 200 and body.startswith("ok"), "healthz: %s %s" % (status, body))
    status, _, _ = get(base + "/nope")
    check(status == 404, "unknown path: %s" % status)
    for method in ("POST", "PUT", "DELETE"):
        c = http.client.HTTPConnection("127.0.0.1", host_port, timeout=5)
        c.request(method, "/metrics", body=b"x=1")
        r = c.getresponse()
        r.read()
        check(r.status == 405 and r.getheader("Allow") == "GET, HEAD",
              "%s /metrics: %s, Allow %r" % (method, r.status, r.getheader("Allow")))
        c.close()
    if isolation == "none":  # the server is the same in both modes
        idle_connections_do_not_delay_a_scrape(host_port)

    # a clean stop: SIGTERM, exit 0
    host.send_signal(signal.SIGTERM)
    check(host.wait(timeout=10) == 0, "rtloader run exit status %s" % host.returncode)
    print("openmetrics end-to-end (%s): ok in %.1f s (%d runs of om_types_check; Prometheus scraped up=1)"
          % (isolation, time.monotonic() - started, runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
