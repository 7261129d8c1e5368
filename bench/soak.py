"""Soak test: the demo app under a real server and wrk for minutes, watching for leaks.

The demo app (``examples/users``) gets a fresh instance folder and SQLite database in a temporary
folder, an admin account and an API token (``erlen create-token``), and 40 users created through
its API. The server then serves it on a free port of 127.0.0.1 while wrk sends a mix of HTML
pages and API GETs with the token (``Authorization: Bearer``) for ``--duration`` seconds. The
server is Erlen's default one unless told otherwise: ``erlen run`` (waitress, multi-threaded, as
``app.run()`` sets it up); ``--server gunicorn`` runs gunicorn with ``--workers`` processes.
Every ``--interval`` seconds each serving process's resident memory (``VmRSS`` in
``/proc/<pid>/status``) and open file descriptors (``/proc/<pid>/fd``) are sampled.

The report: requests, answers that were not 2xx/3xx, 5xx, wrk's socket errors, worker restarts,
and per serving process the RSS and fd count at the start and end, the RSS growth from the end
of the warm-up to the end, and the least-squares slope of RSS over time after the warm-up, plus
what the server logged. The run fails (exit status 1) on any 5xx or socket error, or when a
process's RSS grew by more than ``--max-growth`` percent (10) after the warm-up.

    python bench/soak.py                   # 180 s under erlen run (waitress)
    python bench/soak.py --server gunicorn # the same under gunicorn, 4 workers
    python bench/soak.py --duration 20     # a quick look

Needs wrk (``apt-get install wrk``) and, for ``--server gunicorn``, gunicorn (``pip install -e
'.[bench]'``); ``make soak`` installs both. Everything listens on and talks to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

ROOT: Final = Path(__file__).resolve().parent.parent
DEMO_DIR: Final = ROOT / "examples" / "users"
RESULTS_DIR: Final = Path(__file__).resolve().parent / "results"
HOST: Final = "127.0.0.1"
ADMIN_EMAIL: Final = "admin@example.com"
SEED_USERS: Final = 40
START_TIMEOUT: Final = 60.0

#: What wrk sends, in turn: pages (HTML, templates, the session-less bearer sign-in), the JSON
#: API, a redirect and a static file.
PATHS: Final = (
    "/users",
    "/users?q=user&page=2",
    "/users/1",
    "/users/7/edit",
    "/api/users",
    "/api/users?q=user&per_page=50",
    "/api/users/3",
    "/api/users?role=admin",
    "/",
    "/static/style.css",
    "/login",
)

#: wrk's Lua side: cycle through PATHS with the token, count answers by status class in each
#: thread, and print one JSON line with the totals when done.
WRK_SCRIPT: Final = """
local paths = {%(paths)s}
local token = "%(token)s"
local threads = {}
local counter = 0

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  s2, s3, s4, s5, other = 0, 0, 0, 0, 0
end

function request()
  counter = counter + 1
  local path = paths[(counter %% #paths) + 1]
  return wrk.format("GET", path, {["Authorization"] = "Bearer " .. token,
                                  ["Accept"] = "text/html,application/json"})
end

function response(status, headers, body)
  if status < 300 then s2 = s2 + 1
  elseif status < 400 then s3 = s3 + 1
  elseif status < 500 then s4 = s4 + 1
  elseif status < 600 then s5 = s5 + 1
  else other = other + 1 end
end

function done(summary, latency, requests)
  local t = {s2 = 0, s3 = 0, s4 = 0, s5 = 0, other = 0}
  for _, thread in ipairs(threads) do
    for key, _ in pairs(t) do t[key] = t[key] + thread:get(key) end
  end
  local e = summary.errors
  io.write(string.format(
    'SOAK-SUMMARY {"requests":%%d,"duration_us":%%d,"s2":%%d,"s3":%%d,"s4":%%d,"s5":%%d,'
    .. '"other":%%d,"connect":%%d,"read":%%d,"write":%%d,"timeout":%%d,"status_errors":%%d,'
    .. '"p50_us":%%.1f,"p99_us":%%.1f,"max_us":%%.1f}\\n',
    summary.requests, summary.duration, t.s2, t.s3, t.s4, t.s5, t.other, e.connect, e.read,
    e.write, e.timeout, e.status, latency:percentile(50), latency:percentile(99), latency.max))
end
"""
MARKER: Final = "SOAK-SUMMARY "


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def http_get(url: str, token: str | None = None, timeout: float = 5.0) -> tuple[int, bytes]:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read()


def http_post_json(url: str, token: str, payload: dict[str, Any]) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        with error:
            return int(error.code)


# -- /proc sampling ----------------------------------------------------------------------------


def child_pids(pid: int) -> list[int]:
    """The direct children of ``pid`` (gunicorn's workers), from /proc."""
    children = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                fields = stat.read().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(entry))
    return sorted(children)


def rss_kib(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def fd_count(pid: int) -> int | None:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


@dataclass
class WorkerSeries:
    pid: int
    times: list[float] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)
    fds: list[int] = field(default_factory=list)

    def growth_percent(self, after: float) -> float | None:
        """How much RSS grew from the first sample at or after ``after`` s to the last, in %."""
        after_warm_up = [r for t, r in zip(self.times, self.rss, strict=True) if t >= after]
        if len(after_warm_up) < 2:
            return None
        return (after_warm_up[-1] - after_warm_up[0]) / after_warm_up[0] * 100

    def slope_kib_per_min(self, after: float) -> float | None:
        """Least-squares slope of RSS over time, for the samples taken after ``after`` s."""
        points = [(t, r) for t, r in zip(self.times, self.rss, strict=True) if t >= after]
        if len(points) < 3:
            return None
        mean_t = sum(t for t, _ in points) / len(points)
        mean_r = sum(r for _, r in points) / len(points)
        numerator = sum((t - mean_t) * (r - mean_r) for t, r in points)
        denominator = sum((t - mean_t) ** 2 for t, _ in points)
        return numerator / denominator * 60 if denominator else None


class Sampler(threading.Thread):
    """Samples the serving processes every ``interval`` seconds until stopped: the master's
    workers (gunicorn), or the server process itself when it has no children (waitress)."""

    def __init__(self, master: int, interval: float, *, workers: bool) -> None:
        super().__init__(daemon=True)
        self.master = master
        self.workers = workers
        self.interval = interval
        self.series: dict[int, WorkerSeries] = {}
        self.started = time.monotonic()
        self.stopping = threading.Event()
        self.worker_sets: list[list[int]] = []

    def sample(self) -> None:
        now = time.monotonic() - self.started
        workers = child_pids(self.master) if self.workers else [self.master]
        if not self.worker_sets or self.worker_sets[-1] != workers:
            self.worker_sets.append(workers)
        for pid in workers:
            rss, fds = rss_kib(pid), fd_count(pid)
            if rss is None or fds is None:
                continue
            series = self.series.setdefault(pid, WorkerSeries(pid))
            series.times.append(now)
            series.rss.append(rss)
            series.fds.append(fds)

    def run(self) -> None:
        while not self.stopping.is_set():
            self.sample()
            self.stopping.wait(self.interval)
        self.sample()


# -- the run -----------------------------------------------------------------------------------


def require_tools(server: str) -> None:
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install -y wrk (make soak installs it)")
    if server == "gunicorn":
        try:
            import gunicorn  # noqa: F401
        except ImportError:
            sys.exit("gunicorn is missing: .venv/bin/pip install -e '.[bench]' (make soak does)")


def server_command(args: argparse.Namespace, port: int) -> list[str]:
    """The command that serves the demo on ``port``: ``erlen run`` or gunicorn."""
    if args.server == "gunicorn":
        return [
            sys.executable, "-m", "gunicorn", "--workers", str(args.workers),
            "--bind", f"{HOST}:{port}", "--chdir", str(DEMO_DIR), "--log-level", "warning",
            "wsgi:app",
        ]  # fmt: skip
    return [
        sys.executable, "-m", "erlen", "--app", str(DEMO_DIR / "wsgi.py"),
        "run", "--host", HOST, "--port", str(port),
    ]  # fmt: skip


def demo_environment(workdir: Path) -> dict[str, str]:
    environment = dict(os.environ)
    environment.update(
        USERS_INSTANCE_PATH=str(workdir / "instance"),
        DATABASE_URL=f"sqlite:///{workdir / 'users.sqlite3'}",
        USERS_SECRET_KEY=secrets.token_urlsafe(48),
        USERS_ADMIN_EMAIL=ADMIN_EMAIL,
        USERS_ADMIN_PASSWORD=secrets.token_urlsafe(16),
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(DEMO_DIR)]),
    )
    return environment


def create_token(environment: dict[str, str]) -> str:
    """Migrate, create the admin (the app does both on start) and give it an API token."""
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "erlen",
            "--app",
            str(DEMO_DIR / "wsgi.py"),
            "create-token",
            ADMIN_EMAIL,
        ],
        cwd=DEMO_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if completed.returncode != 0:
        sys.exit(f"create-token failed:\n{completed.stdout}\n{completed.stderr}")
    return completed.stdout.strip().splitlines()[-1]


def wait_until_answering(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"the server exited ({process.returncode}):\n{log.read_text()[-2000:]}")
        try:
            http_get(f"http://{HOST}:{port}/login", timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"the server did not answer within {START_TIMEOUT:g} s:\n{log.read_text()[-2000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server gracefully (SIGTERM), then kill what is left of its own process group."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def run_wrk(port: int, token: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    script = workdir / "soak.lua"
    script.write_text(
        WRK_SCRIPT % {"paths": ", ".join(json.dumps(path) for path in PATHS), "token": token}
    )
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{args.duration}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        f"http://{HOST}:{port}",
    ]
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=args.duration + 120, check=False
    )
    for line in completed.stdout.splitlines():
        if line.startswith(MARKER):
            summary: dict[str, Any] = json.loads(line[len(MARKER) :])
            summary["command"] = " ".join(command)
            return summary
    sys.exit(
        f"no summary from wrk ({completed.returncode}):\n{completed.stdout}\n{completed.stderr}"
    )


def cpu_model() -> str:
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    return "unknown"


def report(
    wrk: dict[str, Any], sampler: Sampler, log_text: str, args: argparse.Namespace
) -> dict[str, Any]:
    warm_up = min(30.0, args.duration / 5)
    workers = []
    for series in sampler.series.values():
        slope = series.slope_kib_per_min(after=warm_up)
        growth = series.growth_percent(after=warm_up)
        workers.append(
            {
                "pid": series.pid,
                "samples": len(series.rss),
                "rss_start_kib": series.rss[0],
                "rss_end_kib": series.rss[-1],
                "rss_max_kib": max(series.rss),
                "rss_slope_kib_per_min": round(slope, 1) if slope is not None else None,
                "rss_growth_percent": round(growth, 1) if growth is not None else None,
                "fd_start": series.fds[0],
                "fd_end": series.fds[-1],
                "fd_max": max(series.fds),
                "series": {
                    "seconds": [round(moment, 1) for moment in series.times],
                    "rss_kib": series.rss,
                    "fds": series.fds,
                },
            }
        )
    answered = wrk["s2"] + wrk["s3"] + wrk["s4"] + wrk["s5"] + wrk["other"]
    socket_errors = wrk["connect"] + wrk["read"] + wrk["write"] + wrk["timeout"]
    result = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "python": sys.version.split()[0],
        "settings": {
            "duration_s": args.duration,
            "server": args.server,
            "workers": args.workers if args.server == "gunicorn" else 1,
            "max_growth_percent": args.max_growth,
            "wrk_threads": args.threads,
            "connections": args.connections,
            "interval_s": args.interval,
            "warm_up_s": warm_up,
        },
        "wrk": wrk,
        "requests": wrk["requests"],
        "requests_per_s": round(wrk["requests"] / (wrk["duration_us"] / 1e6), 1),
        "not_2xx_3xx": answered - wrk["s2"] - wrk["s3"],
        "status_5xx": wrk["s5"],
        "socket_errors": socket_errors,
        "worker_sets": sampler.worker_sets,
        "workers": workers,
        "log_tracebacks": log_text.count("Traceback"),
        "log_errors": sum(1 for line in log_text.splitlines() if "[ERROR]" in line),
    }
    growths = [w["rss_growth_percent"] for w in workers if w["rss_growth_percent"] is not None]
    result["rss_flat"] = bool(growths) and max(growths) <= args.max_growth
    server = (
        f"gunicorn, {args.workers} workers" if args.server == "gunicorn" else "erlen run (waitress)"
    )
    print(
        f"\nSoak: {args.duration} s, {server}, wrk -t{args.threads} "
        f"-c{args.connections}, on {result['cpu']} ({result['cpu_count']} CPUs)"
    )
    print(
        f"requests {result['requests']} ({result['requests_per_s']}/s), not 2xx/3xx "
        f"{result['not_2xx_3xx']}, 5xx {result['status_5xx']}, socket errors {socket_errors} "
        f"(connect {wrk['connect']}, read {wrk['read']}, write {wrk['write']}, "
        f"timeout {wrk['timeout']}); p50 {wrk['p50_us'] / 1000:.1f} ms, "
        f"p99 {wrk['p99_us'] / 1000:.1f} ms"
    )
    restarts = len(sampler.worker_sets) - 1
    print(
        f"worker sets seen: {len(sampler.worker_sets)} ({restarts} changes); server log: "
        f"{result['log_tracebacks']} tracebacks, {result['log_errors']} [ERROR] lines"
    )
    print(
        f"\n| process | RSS start (MiB) | RSS end (MiB) | RSS growth after {warm_up:g} s | "
        "RSS slope after it (KiB/min) | fds start | fds end |"
    )
    print("|---|---|---|---|---|---|---|")
    for index, worker in enumerate(workers, 1):
        slope, growth = worker["rss_slope_kib_per_min"], worker["rss_growth_percent"]
        print(
            f"| {index} (pid {worker['pid']}) | {worker['rss_start_kib'] / 1024:.1f} | "
            f"{worker['rss_end_kib'] / 1024:.1f} | "
            f"{f'{growth:+.1f}%' if growth is not None else '-'} | "
            f"{slope if slope is not None else '-'} | {worker['fd_start']} | {worker['fd_end']} |"
        )
    verdict = "yes" if result["rss_flat"] else "NO"
    print(f"RSS flat within {args.max_growth:g}% after the warm-up: {verdict}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=180, help="seconds of load (180)")
    parser.add_argument(
        "--server",
        choices=("waitress", "gunicorn"),
        default="waitress",
        help="erlen run's waitress, the default server (default), or gunicorn",
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (4)")
    parser.add_argument(
        "--max-growth", type=float, default=10.0, help="RSS growth allowed after warm-up (%%)"
    )
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (16)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between samples")
    parser.add_argument("--no-save", action="store_true", help="do not write bench/results/")
    args = parser.parse_args(argv)
    require_tools(args.server)

    with tempfile.TemporaryDirectory(prefix="erlen-soak-") as temporary:
        workdir = Path(temporary)
        environment = demo_environment(workdir)
        token = create_token(environment)
        port = free_port()
        log = workdir / "server.log"
        with log.open("wb") as log_file:
            process = subprocess.Popen(
                server_command(args, port),
                cwd=DEMO_DIR,
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            wait_until_answering(process, port, log)
            base = f"http://{HOST}:{port}"
            for number in range(SEED_USERS):
                status = http_post_json(
                    f"{base}/api/users",
                    token,
                    {
                        "name": f"Soak user {number}",
                        "email": f"user{number}@example.com",
                        "password": secrets.token_urlsafe(12),
                    },
                )
                if status != 201:
                    sys.exit(f"seeding users failed: POST /api/users answered {status}")
            for path in PATHS:  # every path answers before anything is measured
                status, body = http_get(base + path, token)
                if status >= 400:
                    sys.exit(f"GET {path} answered {status}: {body[:300]!r}")
            sampler = Sampler(process.pid, args.interval, workers=args.server == "gunicorn")
            sampler.start()
            wrk = run_wrk(port, token, args, workdir)
            sampler.stopping.set()
            sampler.join()
        finally:
            stop(process)
        result = report(wrk, sampler, log.read_text(errors="replace"), args)

    if not args.no_save:
        RESULTS_DIR.mkdir(exist_ok=True)
        name = f"soak-{dt.date.today().isoformat()}-{args.server}-{args.duration}s.json"
        (RESULTS_DIR / name).write_text(json.dumps(result, indent=2) + "\n")
        print(f"\nwritten to {RESULTS_DIR / name}")
    clean = result["status_5xx"] == 0 and result["socket_errors"] == 0
    return 0 if clean and result["rss_flat"] else 1


if __name__ == "__main__":
    sys.exit(main())
