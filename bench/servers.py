"""Requests per second and p99 latency of each framework behind a real HTTP server, driven by wrk.

The apps of ``apps/`` are served, one at a time, on a free port of 127.0.0.1: the WSGI apps by
gunicorn and by granian, or with ``--interface asgi`` the ASGI apps by uvicorn and by granian,
each server in one fixed configuration (``INTERFACES`` below, with the reasons in ``README.md``).
Before anything is timed, every scenario is requested once over HTTP and the answer is checked as
``inprocess.py`` (or ``asgi_inprocess.py``) checks it; a framework that answers differently is not
timed on that scenario. Then wrk loads each scenario for a fixed time. Runs are interleaved: each
round starts every server x framework pair afresh, in a shuffled order, so drift spreads over all
of them. The report is the median over rounds.

    python bench/servers.py                        # 3 rounds x 10 s per cell: about 25 minutes
    python bench/servers.py --quick                # 1 round x 2 s, no warm-up: a smoke test
    python bench/servers.py --servers granian --frameworks erlen,falcon --scenarios hello
    python bench/servers.py --interface asgi       # 3 rounds x 3 s per cell: about 9 minutes
    python bench/servers.py --interface asgi --quick   # 1 round x 1 s, no warm-up

wrk is a Debian package (``apt-get install wrk``), not a Python one.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from types import FrameType
from typing import Any, Final

BENCH_DIR: Final = Path(__file__).resolve().parent
RESULTS_DIR: Final = BENCH_DIR / "results"
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

import asgi_inprocess  # noqa: E402
import inprocess  # noqa: E402
from environment import environment_info  # noqa: E402
from inprocess import (  # noqa: E402
    Answer,
    Scenario,
    format_rate,
    format_ratio,
    geometric_mean,
    render_table,
    select,
)

#: The only address anything here listens on or sends to.
HOST: Final = "127.0.0.1"

#: The scenarios a plain ``GET`` can send; ``not_found`` answers 404 on purpose.
SCENARIOS: Final = ("hello", "json_user", "query", "not_found")

#: Seconds a server gets to answer its first request, and then to stop when asked.
START_TIMEOUT: Final = 30.0
STOP_TIMEOUT: Final = 10.0

#: Prints wrk's summary as one JSON line after the run, so nothing parses wrk's prose. Latencies
#: are in microseconds; ``status`` counts answers with a status of 400 or more.
WRK_SCRIPT: Final = """
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '%s{"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,'
    .. '"status":%d,"timeout":%d,"p50_us":%.1f,"p90_us":%.1f,"p99_us":%.1f,"max_us":%.1f}\\n',
    "WRK-SUMMARY ", summary.requests, summary.duration, summary.bytes, errors.connect,
    errors.read, errors.write, errors.status, errors.timeout, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.max))
end
"""
WRK_MARKER: Final = "WRK-SUMMARY "

#: Bound on a wrk run beyond its own duration: connecting, the last requests' timeouts, done().
WRK_GRACE: Final = 30.0
WRK_TIMEOUT: Final = "2s"


def gunicorn_command(target: str, port: str) -> list[str]:
    """Two sync workers, one per core: gunicorn's default worker, which answers one request at a
    time and closes the connection after it. Access log off (gunicorn's default)."""
    return [
        *(sys.executable, "-m", "gunicorn"),
        *("--bind", f"{HOST}:{port}"),
        *("--workers", "2", "--worker-class", "sync"),
        *("--log-level", "warning"),
        target,
    ]


def granian_command(target: str, port: str) -> list[str]:
    """Two worker processes, one per core, each calling the app on one blocking thread: the same
    process model as gunicorn's, with granian's Rust HTTP/1 handling and keep-alive."""
    return [
        *(sys.executable, "-m", "granian"),
        *("--interface", "wsgi", "--http", "1"),
        *("--host", HOST, "--port", port),
        *("--workers", "2", "--blocking-threads", "1", "--runtime-threads", "1"),
        *("--no-access-log", "--log-level", "warning"),
        target,
    ]


def uvicorn_command(target: str, port: str) -> list[str]:
    """One worker process on uvloop and httptools, the fastest configuration uvicorn documents;
    one process leaves the second core to wrk. Access log off, as for the WSGI servers."""
    return [
        *(sys.executable, "-m", "uvicorn"),
        *("--host", HOST, "--port", port),
        *("--loop", "uvloop", "--http", "httptools", "--workers", "1"),
        *("--no-access-log", "--log-level", "warning"),
        target,
    ]


def granian_asgi_command(target: str, port: str) -> list[str]:
    """One worker process on uvloop with one Rust runtime thread: uvicorn's process model, with
    granian's Rust HTTP/1 handling."""
    return [
        *(sys.executable, "-m", "granian"),
        *("--interface", "asgi", "--http", "1", "--loop", "uvloop"),
        *("--host", HOST, "--port", port),
        *("--workers", "1", "--runtime-threads", "1"),
        *("--no-access-log", "--log-level", "warning"),
        target,
    ]


#: Builds a server's command line from an app target (``apps.erlen_app:app``) and a port.
ServerCommand = Callable[[str, str], list[str]]


@dataclass(frozen=True, slots=True)
class Interface:
    """Everything that differs between the WSGI and the ASGI runs."""

    name: str
    #: Server name -> its command line.
    servers: dict[str, ServerCommand]
    #: Framework name -> module under ``apps/``, in the order the tables show them.
    frameworks: dict[str, str]
    #: The module attribute a server is given: the WSGI or ASGI callable.
    attribute: str
    #: Every ratio is against this framework.
    baseline: str
    #: The scenarios (with their expected answers) and how an answer is checked against one.
    build_scenarios: Callable[[], list[Scenario]]
    check_answer: Callable[[Scenario, Answer], list[str]]
    #: Packages whose versions the results record besides ``environment.PACKAGES``.
    packages: tuple[str, ...]
    #: Seconds of wrk per cell per round, in a full run and with ``--quick``.
    duration: int
    quick_duration: int
    #: Results go to ``results/<prefix>-<date>.json``.
    result_prefix: str
    #: How the command lines are shown in the results.
    target_pattern: str

    def target(self, framework: str) -> str:
        return f"{self.frameworks[framework]}:{self.attribute}"


INTERFACES: Final = {
    "wsgi": Interface(
        name="wsgi",
        servers={"gunicorn": gunicorn_command, "granian": granian_command},
        frameworks=inprocess.FRAMEWORKS,
        attribute="app",
        baseline="falcon",
        build_scenarios=inprocess.build_scenarios,
        check_answer=inprocess.check_answer,
        packages=("gunicorn", "granian"),
        duration=10,
        quick_duration=2,
        result_prefix="servers",
        target_pattern="apps.<framework>_app:app",
    ),
    "asgi": Interface(
        name="asgi",
        servers={"uvicorn": uvicorn_command, "granian": granian_asgi_command},
        frameworks=asgi_inprocess.FRAMEWORKS,
        attribute="application",
        baseline=asgi_inprocess.BASELINE,
        build_scenarios=asgi_inprocess.build_scenarios,
        check_answer=asgi_inprocess.check_answer,
        packages=("uvicorn", "granian", "uvloop", "httptools"),
        duration=3,
        quick_duration=1,
        result_prefix="asgi-servers",
        target_pattern="apps.<framework>_asgi:application",
    ),
}


class ServerError(RuntimeError):
    """A server did not start or did not answer; the message carries its log's last lines."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def scenario_url(port: int, scenario: Scenario) -> str:
    return f"http://{HOST}:{port}{scenario.path}{'?' + scenario.query if scenario.query else ''}"


#: No proxy, whatever the environment says: every request stays on 127.0.0.1.
_OPENER: Final = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def fetch(port: int, scenario: Scenario, timeout: float = 5.0) -> Answer:
    """Send the scenario's request once over HTTP and keep the whole answer, errors included."""
    request = urllib.request.Request(scenario_url(port, scenario), method=scenario.method)
    if scenario.cookie is not None:
        request.add_header("Cookie", scenario.cookie)
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return Answer(
                f"{response.status} {response.reason}",
                list(response.headers.items()),
                response.read(),
            )
    except urllib.error.HTTPError as error:  # a 404 is an answer to check, not a failure
        with error:
            return Answer(f"{error.code} {error.reason}", list(error.headers.items()), error.read())


def _tail(log: Path, lines: int = 8) -> str:
    text = log.read_text(encoding="utf-8", errors="replace").strip()
    return "\n".join(text.splitlines()[-lines:]) or "(no output)"


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Ask the server to stop, then kill whatever is left of its process group.

    The server was started in a session of its own, so its group holds exactly its master and
    workers: nothing else is signalled.
    """
    group = process.pid
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError):  # nobody left in the group
        os.killpg(group, signal.SIGKILL)
    process.wait()


@contextlib.contextmanager
def running_server(command: ServerCommand, target: str, log: Path) -> Iterator[int]:
    """Serve ``target`` with the server ``command`` builds, on a free port; yield the port once
    it answers.

    The server is always stopped on the way out, however the block ends.
    """
    port = free_port()
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(
        [str(BENCH_DIR), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            command(target, str(port)),
            cwd=BENCH_DIR,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_answering(process, port, log)
        yield port
    finally:
        _stop(process)


def _wait_until_answering(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    """Return once the app answers ``GET /`` with any status: listening is not enough, since
    gunicorn's master accepts connections before its workers have imported the app."""
    probe = Scenario("ready", "GET", "/", 200, None, None)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            raise ServerError(f"exited with code {process.returncode}:\n{_tail(log)}")
        try:
            fetch(port, probe, timeout=2.0)
            return
        except (OSError, http.client.HTTPException):
            if time.monotonic() > deadline:
                raise ServerError(f"no answer after {START_TIMEOUT:g} s:\n{_tail(log)}")
            time.sleep(0.1)


@dataclass(frozen=True, slots=True)
class WrkRun:
    """One wrk run's summary, as its Lua ``done()`` printed it."""

    requests: int
    duration_us: int
    connect: int
    read: int
    write: int
    status: int
    timeout: int
    p50_us: float
    p90_us: float
    p99_us: float
    max_us: float

    @property
    def rps(self) -> float:
        return self.requests / (self.duration_us / 1e6)

    def problems(self, scenario: Scenario) -> dict[str, int]:
        """Socket errors and answers with an unexpected status, by kind; empty when clean.

        wrk counts answers of 400 or more: for a scenario that expects 404 every answer must be
        one of those, for the others none.
        """
        expects_error = scenario.expected_status >= 400
        counts = {
            "connect": self.connect,
            "read": self.read,
            "write": self.write,
            "timeout": self.timeout,
            "unexpected_status": self.requests - self.status if expects_error else self.status,
        }
        return {kind: count for kind, count in counts.items() if count}


def run_wrk(url: str, duration: int, threads: int, connections: int, script: Path) -> WrkRun:
    """Load ``url`` for ``duration`` seconds over ``connections`` connections at once."""
    if not url.startswith(f"http://{HOST}:"):
        raise ValueError(f"wrk only loads {HOST}, not {url}")
    command = [
        "wrk",
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={duration}s",
        f"--timeout={WRK_TIMEOUT}",
        "--latency",
        f"--script={script}",
        url,
    ]
    try:
        completed = subprocess.run(
            command, capture_output=True, text=True, timeout=duration + WRK_GRACE, check=False
        )
    except subprocess.TimeoutExpired:  # subprocess.run has killed wrk already
        raise ServerError(f"wrk did not finish within {duration + WRK_GRACE:g} s")
    if completed.returncode != 0:
        raise ServerError(f"wrk failed ({completed.returncode}): {completed.stderr.strip()}")
    for line in completed.stdout.splitlines():
        if line.startswith(WRK_MARKER):
            fields = json.loads(line.removeprefix(WRK_MARKER))
            fields.pop("bytes")
            return WrkRun(**fields)
    raise ServerError(f"no summary in wrk's output:\n{completed.stdout}")


@dataclass(slots=True)
class Cell:
    """One server x framework x scenario, with a figure per round."""

    server: str
    framework: str
    scenario: Scenario
    runs: list[WrkRun] = field(default_factory=list)
    problems: list[dict[str, int]] = field(default_factory=list)

    @property
    def median_rps(self) -> float:
        return statistics.median(run.rps for run in self.runs)

    @property
    def median_p99_ms(self) -> float:
        return statistics.median(run.p99_us for run in self.runs) / 1000

    @property
    def spread(self) -> float:
        rates = [run.rps for run in self.runs]
        return (max(rates) - min(rates)) / statistics.median(rates)

    def as_json(self) -> dict[str, Any]:
        return {
            "median_rps": self.median_rps,
            "median_p99_ms": self.median_p99_ms,
            "spread": self.spread,
            "rps": [run.rps for run in self.runs],
            "p99_ms": [run.p99_us / 1000 for run in self.runs],
            "p50_ms": [run.p50_us / 1000 for run in self.runs],
            "requests": [run.requests for run in self.runs],
            "problems": self.problems,
        }


@dataclass(slots=True)
class Bench:
    """Everything one invocation measures and finds wrong."""

    interface: Interface
    servers: list[str]
    frameworks: list[str]
    scenarios: list[Scenario]
    cells: dict[tuple[str, str, str], Cell] = field(default_factory=dict)
    #: One entry per server x framework x scenario whose answer differed; never timed again.
    mismatches: list[dict[str, Any]] = field(default_factory=list)
    #: ``server/framework`` -> why it did not start or stopped answering.
    failures: dict[str, str] = field(default_factory=dict)

    def mismatched(self, server: str, framework: str, scenario: str) -> bool:
        return any(
            (entry["server"], entry["framework"], entry["scenario"])
            == (server, framework, scenario)
            for entry in self.mismatches
        )

    def verify(self, server: str, framework: str, port: int) -> None:
        """Check every scenario's answer over HTTP, each time the server starts.

        A scenario that answers differently is dropped, figures from earlier rounds included.
        """
        for scenario in self.scenarios:
            if self.mismatched(server, framework, scenario.name):
                continue
            key = (server, framework, scenario.name)
            try:
                problems = self.interface.check_answer(scenario, fetch(port, scenario))
            except (OSError, http.client.HTTPException) as error:
                problems = [f"request failed: {type(error).__name__}: {error}"]
            if not problems:
                self.cells.setdefault(key, Cell(server, framework, scenario))
                continue
            self.cells.pop(key, None)
            self.mismatches.append(
                {
                    "server": server,
                    "framework": framework,
                    "scenario": scenario.name,
                    "problems": problems,
                }
            )
            print(
                f"MISMATCH {server} {framework} {scenario.request_line}: not timed", file=sys.stderr
            )
            for problem in problems:
                print(f"    {problem}", file=sys.stderr)

    def timed(self, server: str, framework: str, scenario: str) -> Cell | None:
        cell = self.cells.get((server, framework, scenario))
        return cell if cell is not None and cell.runs else None

    def column(self, server: str, framework: str, attribute: str) -> dict[str, float]:
        """One framework's median figure per timed scenario: ``median_rps`` or ``median_p99_ms``."""
        column: dict[str, float] = {}
        for scenario in self.scenarios:
            cell = self.timed(server, framework, scenario.name)
            if cell is not None:
                column[scenario.name] = getattr(cell, attribute)
        return column


def summarise(bench: Bench) -> dict[str, Any]:
    """Per server: the geometric mean of req/s over the scenarios every framework passed, and each
    framework's ratio to the baseline (Falcon, or Starlette for ASGI) per scenario and for that
    mean."""
    summary: dict[str, Any] = {}
    baseline = bench.interface.baseline
    for server in bench.servers:
        medians = {name: bench.column(server, name, "median_rps") for name in bench.frameworks}
        p99s = {name: bench.column(server, name, "median_p99_ms") for name in bench.frameworks}
        common = [
            scenario.name
            for scenario in bench.scenarios
            if all(scenario.name in medians[framework] for framework in bench.frameworks)
        ]
        geomeans = {
            framework: geometric_mean([medians[framework][name] for name in common])
            if common
            else None
            for framework in bench.frameworks
        }
        p99_geomeans = {
            framework: geometric_mean([p99s[framework][name] for name in common])
            if common
            else None
            for framework in bench.frameworks
        }
        vs_baseline: dict[str, dict[str, float | None]] = {}
        base_medians = medians.get(baseline, {})
        for framework in bench.frameworks:
            row: dict[str, float | None] = {}
            for scenario in bench.scenarios:
                rate, base = medians[framework].get(scenario.name), base_medians.get(scenario.name)
                row[scenario.name] = rate / base if rate is not None and base else None
            own, base_mean = geomeans[framework], geomeans.get(baseline)
            row["geomean"] = own / base_mean if own is not None and base_mean else None
            vs_baseline[framework] = row
        summary[server] = {
            "geomean_scenarios": common,
            "geomean_rps": geomeans,
            "geomean_p99_ms": p99_geomeans,
            f"vs_{baseline}": vs_baseline if baseline in bench.frameworks else {},
        }
    return summary


def format_ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def print_report(bench: Bench, summary: dict[str, Any], settings: str) -> None:
    frameworks, names = bench.frameworks, [scenario.name for scenario in bench.scenarios]
    for server in bench.servers:
        server_summary = summary[server]
        geomean_label = f"geomean ({len(server_summary['geomean_scenarios'])})"
        tables: list[tuple[str, str, str, Callable[[float | None], str]]] = [
            ("requests per second, " + settings, "median_rps", "geomean_rps", format_rate),
            ("p99 latency in ms (lower is better)", "median_p99_ms", "geomean_p99_ms", format_ms),
        ]
        for title, attribute, geomean_key, formatter in tables:
            columns = {name: bench.column(server, name, attribute) for name in frameworks}
            rows: list[tuple[str, Sequence[float | None]]] = [
                (scenario, [columns[name].get(scenario) for name in frameworks])
                for scenario in names
            ]
            rows.append((geomean_label, [server_summary[geomean_key][name] for name in frameworks]))
            print()
            print(render_table(f"{server}: {title}", frameworks, rows, formatter))
        baseline = bench.interface.baseline
        vs_baseline = server_summary[f"vs_{baseline}"]
        if vs_baseline:
            ratio_rows: list[tuple[str, Sequence[float | None]]] = [
                (label, [vs_baseline[name][label] for name in frameworks])
                for label in [*names, "geomean"]
            ]
            ratio_rows[-1] = (geomean_label, ratio_rows[-1][1])
            print()
            title = f"{server}: relative to {baseline.capitalize()} (higher is faster)"
            print(render_table(title, frameworks, ratio_rows, format_ratio))


def wrk_version() -> str:
    completed = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    first_line = (completed.stdout or completed.stderr).splitlines()[0]
    return first_line.partition(" Copyright")[0].strip()  # "wrk 4.2.0 [epoll]"


def versions(packages: Sequence[str]) -> dict[str, str]:
    found = {}
    for package in packages:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument(
        "--interface",
        choices=list(INTERFACES),
        default="wsgi",
        help="wsgi: gunicorn and granian; asgi: uvicorn and granian (default wsgi)",
    )
    parser.add_argument("--rounds", type=int, default=3, help="timing rounds (default 3)")
    parser.add_argument(
        "--duration",
        type=int,
        default=None,
        help="whole seconds of wrk per cell per round (10 for wsgi, 3 for asgi)",
    )
    parser.add_argument(
        "--warmup", type=int, default=1, help="seconds of untimed load per cell first (1; 0: none)"
    )
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (32)")
    parser.add_argument(
        "--quick", action="store_true", help="1 round of 2 s (asgi: 1 s), no warm-up"
    )
    for kind in ("servers", "frameworks"):
        choices = "; ".join(
            f"{name}: {', '.join(getattr(interface, kind))}"
            for name, interface in INTERFACES.items()
        )
        parser.add_argument(f"--{kind}", default=None, help=f"comma-separated, from {choices}")
    parser.add_argument(
        "--scenarios", default=",".join(SCENARIOS), help="from: " + ", ".join(SCENARIOS)
    )
    parser.add_argument("--seed", type=int, default=None, help="seed for the shuffled order")
    parser.add_argument("--output", type=Path, default=None, help="JSON file to write")
    args = parser.parse_args(argv)
    interface = INTERFACES[args.interface]
    if args.duration is None:
        args.duration = interface.duration
    if args.quick:
        args.rounds, args.duration, args.warmup = 1, interface.quick_duration, 0
    if args.rounds < 1 or args.duration < 1 or args.warmup < 0:
        parser.error("--rounds and --duration must be at least 1, --warmup at least 0")
    return args


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    """Turn SIGTERM into SystemExit so that the ``finally`` blocks stop the servers."""
    raise SystemExit(128 + signum)


def run_pair(
    bench: Bench,
    server: str,
    framework: str,
    args: argparse.Namespace,
    work_dir: Path,
    shuffler: random.Random,
) -> None:
    """Start one server with one framework's app, check it, then time each scenario once."""
    pair = f"{server}/{framework}"
    if pair in bench.failures:
        return
    script = work_dir / "summary.lua"
    try:
        interface = bench.interface
        command, target = interface.servers[server], interface.target(framework)
        with running_server(command, target, work_dir / f"{server}-{framework}.log") as port:
            bench.verify(server, framework, port)
            names = [scenario.name for scenario in bench.scenarios]
            shuffler.shuffle(names)
            for name in names:
                cell = bench.cells.get((server, framework, name))
                if cell is None:
                    continue
                url = scenario_url(port, cell.scenario)
                if args.warmup:
                    run_wrk(url, args.warmup, args.threads, args.connections, script)
                run = run_wrk(url, args.duration, args.threads, args.connections, script)
                cell.runs.append(run)
                problems = run.problems(cell.scenario)
                if problems:
                    cell.problems.append(problems)
                    print(f"WRK ERRORS {pair} {name}: {problems}", file=sys.stderr)
    except ServerError as error:
        bench.failures[pair] = str(error)
        print(f"FAILED {pair}: {error}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        wrk = wrk_version()
    except FileNotFoundError:
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 1
    interface = INTERFACES[args.interface]
    server_versions = versions(interface.packages)
    servers = select(
        args.servers or ",".join(interface.servers), list(interface.servers), "servers"
    )
    missing = [name for name in servers if server_versions[name] == "not installed"]
    if missing:
        print(f"not installed: {', '.join(missing)}; pip install -e '.[bench]'", file=sys.stderr)
        return 1
    known_frameworks = list(interface.frameworks)
    frameworks = select(
        args.frameworks or ",".join(known_frameworks), known_frameworks, "frameworks"
    )
    wanted = select(args.scenarios, list(SCENARIOS), "scenarios")
    scenarios = [scenario for scenario in interface.build_scenarios() if scenario.name in wanted]
    bench = Bench(interface, servers, frameworks, scenarios)

    seed = args.seed if args.seed is not None else random.randrange(2**32)
    shuffler = random.Random(seed)
    pairs = [(server, framework) for server in servers for framework in frameworks]
    per_cell = args.duration + args.warmup
    estimate = args.rounds * len(pairs) * (len(scenarios) * per_cell + 2) / 60
    settings = (
        f"median of {args.rounds} round(s) x {args.duration} s per cell, "
        f"wrk -t{args.threads} -c{args.connections}"
    )
    print(
        f"{interface.name}: {len(pairs)} server x framework pairs, {settings}, seed {seed}",
        file=sys.stderr,
    )
    print(f"expect about {estimate:.0f} minutes", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="erlen-bench-servers-") as work:
        work_dir = Path(work)
        (work_dir / "summary.lua").write_text(WRK_SCRIPT, encoding="utf-8")
        for round_number in range(1, args.rounds + 1):
            order = pairs[:]
            shuffler.shuffle(order)
            for server, framework in order:
                run_pair(bench, server, framework, args, work_dir, shuffler)
            print(f"round {round_number}/{args.rounds} done", file=sys.stderr)

    summary = summarise(bench)
    print_report(bench, summary, settings)
    spreads = sorted(cell.spread for cell in bench.cells.values() if len(cell.runs) > 1)
    if spreads:
        print(
            f"\nround-to-round spread, (max - min) / median: typical "
            f"{statistics.median(spreads):.0%}, worst {spreads[-1]:.0%}"
        )
    for cell in bench.cells.values():
        for problems in cell.problems:
            print(f"wrk errors: {cell.server} {cell.framework} {cell.scenario.name}: {problems}")
    for entry in bench.mismatches:
        where = f"{entry['server']} {entry['framework']} {entry['scenario']}"
        print(f"not timed (answer differs): {where}")
    for pair, reason in bench.failures.items():
        print(f"not timed (server failed): {pair}: {reason.splitlines()[0]}")

    now = dt.datetime.now(dt.UTC)
    environment = environment_info()
    environment["packages"].update(server_versions)
    environment["wrk"] = wrk
    document = {
        "benchmark": interface.result_prefix,
        "interface": interface.name,
        "baseline": interface.baseline,
        "created": now.isoformat(timespec="seconds"),
        "date": now.date().isoformat(),
        "quick": args.quick,
        "settings": {
            "rounds": args.rounds,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "wrk_threads": args.threads,
            "wrk_connections": args.connections,
            "wrk_timeout": WRK_TIMEOUT,
            "seed": seed,
        },
        "commands": {
            server: " ".join(interface.servers[server](interface.target_pattern, "<port>")).replace(
                sys.executable, "python"
            )
            for server in servers
        },
        "environment": environment,
        "servers": servers,
        "frameworks": frameworks,
        "scenarios": [
            {"name": scenario.name, "request": scenario.request_line, "note": scenario.note}
            for scenario in scenarios
        ],
        "mismatches": bench.mismatches,
        "failures": bench.failures,
        "results": {
            server: {
                framework: {
                    scenario.name: timed.as_json()
                    for scenario in scenarios
                    if (timed := bench.timed(server, framework, scenario.name)) is not None
                }
                for framework in frameworks
            }
            for server in servers
        },
        "summary": summary,
    }
    output = args.output or RESULTS_DIR / (
        f"{interface.result_prefix}-{document['date']}{'-quick' if args.quick else ''}.json"
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
