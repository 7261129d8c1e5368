"""Requests per second of each framework's WSGI callable, driven in-process with no server.

Every framework answers the same scenarios (see ``apps/``). Before anything is timed, each answer
is checked against the scenario's expected status, content type and body; a framework that answers
a scenario differently is not timed on it. Timing runs in rounds; within a round every
framework x scenario cell runs for a fixed time, in a shuffled order, so drift (CPU frequency, a
noisy neighbour) spreads over all cells instead of landing on one framework. The report is the
median over rounds.

    python bench/inprocess.py                      # 5 rounds x 0.2 s per cell
    python bench/inprocess.py --quick              # 1 round x 0.05 s
    python bench/inprocess.py --frameworks raw,falcon --scenarios hello,json_user
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import importlib
import io
import json
import math
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Final

BENCH_DIR: Final = Path(__file__).resolve().parent
RESULTS_DIR: Final = BENCH_DIR / "results"
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

import jinja2  # noqa: E402  (after the path set-up so that ``apps`` resolves however we are run)
from apps.common import (  # noqa: E402
    HTML_UTF8,
    JSON_TYPE,
    PAGE_ITEMS,
    PAGE_TITLE,
    STATIC_DIR,
    TEMPLATE_DIR,
)
from environment import environment_info  # noqa: E402

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]
Headers = list[tuple[str, str]]
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

#: Framework name -> module under ``apps/``, in the order the tables show them.
FRAMEWORKS: Final = {
    "raw": "apps.raw_wsgi",
    "erlen": "apps.erlen_app",
    "falcon": "apps.falcon_app",
    "bottle": "apps.bottle_app",
    "flask": "apps.flask_app",
}


@dataclass(frozen=True, slots=True)
class Scenario:
    """One request and the answer every framework must give to it.

    ``None`` for an expected field means the field is not compared, because the frameworks differ
    there by design (a 404 page's body, a static file's content type).
    """

    name: str
    method: str
    path: str
    expected_status: int
    expected_content_type: str | None
    expected_body: bytes | None
    query: str = ""
    body: bytes = b""
    content_type: str | None = None
    cookie: str | None = None
    expected_set_cookie: str | None = None
    note: str = ""

    @property
    def request_line(self) -> str:
        return f"{self.method} {self.path}{'?' + self.query if self.query else ''}"


def _expected_page() -> bytes:
    """Render ``page.html`` with plain Jinja2: the answer every framework's /page must match."""
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=True)
    return environment.get_template("page.html").render(title=PAGE_TITLE, items=PAGE_ITEMS).encode()


def build_scenarios() -> list[Scenario]:
    return [
        Scenario("hello", "GET", "/", 200, HTML_UTF8, b"Hello World!"),
        Scenario("json_user", "GET", "/user/alice", 200, JSON_TYPE, b'{"username":"alice"}\n'),
        Scenario(
            "query",
            "GET",
            "/search",
            200,
            JSON_TYPE,
            b'{"page":2,"q":"abc"}\n',
            query="q=abc&page=2",
        ),
        Scenario(
            "post_json",
            "POST",
            "/items",
            201,
            JSON_TYPE,
            b'{"id":1,"name":"widget","price":9.5}\n',
            body=b'{"name": "widget", "price": 9.5}',
            content_type=JSON_TYPE,
        ),
        Scenario("template", "GET", "/page", 200, HTML_UTF8, _expected_page()),
        Scenario(
            "not_found",
            "GET",
            "/missing",
            404,
            expected_content_type=None,
            expected_body=None,
            note="status only: each framework has its own error page",
        ),
        Scenario("routes100", "GET", "/r99/abc", 200, HTML_UTF8, b"r99 abc"),
        Scenario(
            "form",
            "POST",
            "/form",
            200,
            HTML_UTF8,
            b"alice 30",
            body=b"name=alice&age=30",
            content_type="application/x-www-form-urlencoded",
        ),
        Scenario(
            "cookie",
            "GET",
            "/cookie",
            200,
            HTML_UTF8,
            b"visits 3",
            cookie="visits=3",
            expected_set_cookie="visits=4; Path=/",
        ),
        Scenario(
            "static",
            "GET",
            "/static/small.txt",
            200,
            expected_content_type=None,
            expected_body=(STATIC_DIR / "small.txt").read_bytes(),
            note="status and body only: the frameworks guess text/plain with different charsets",
        ),
    ]


def build_environ(scenario: Scenario) -> dict[str, Any]:
    """The environ a WSGI server would build for the scenario, without ``wsgi.input``."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scenario.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": scenario.path,
        "QUERY_STRING": scenario.query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_USER_AGENT": "erlen-bench/1",
        "HTTP_ACCEPT": "*/*",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if scenario.body:
        environ["CONTENT_LENGTH"] = str(len(scenario.body))
    if scenario.content_type is not None:
        environ["CONTENT_TYPE"] = scenario.content_type
    if scenario.cookie is not None:
        environ["HTTP_COOKIE"] = scenario.cookie
    return environ


class ResponseRecorder:
    """The ``start_response`` callable: keeps the last status and headers it was given."""

    __slots__ = ("headers", "status", "written")

    def __init__(self) -> None:
        self.status = ""
        self.headers: Headers = []
        self.written: list[bytes] = []

    def __call__(
        self, status: str, headers: Headers, exc_info: ExcInfo | None = None
    ) -> Callable[[bytes], None]:
        self.status = status
        self.headers = headers
        return self.written.append


def drive(
    app: WSGIApp, environ: dict[str, Any], body: bytes, count: int, recorder: ResponseRecorder
) -> None:
    """Send ``count`` requests to ``app``: the one loop that times every framework.

    Each request gets a fresh copy of the environ and a fresh ``wsgi.input``; the answer's iterable
    is consumed and closed, as a server would.
    """
    copy_environ = environ.copy
    for _ in range(count):
        request_environ = copy_environ()
        request_environ["wsgi.input"] = io.BytesIO(body)
        iterable = app(request_environ, recorder)
        for _chunk in iterable:
            pass
        close = getattr(iterable, "close", None)
        if close is not None:
            close()


@dataclass(slots=True)
class Answer:
    status: str
    headers: Headers
    body: bytes

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((value for key, value in self.headers if key.lower() == lowered), None)


def request_once(app: WSGIApp, scenario: Scenario) -> Answer:
    """Send one request the way :func:`drive` does, keeping the whole answer."""
    environ = build_environ(scenario)
    environ["wsgi.input"] = io.BytesIO(scenario.body)
    recorder = ResponseRecorder()
    iterable = app(environ, recorder)
    try:
        body = b"".join(recorder.written) + b"".join(iterable)
    finally:
        close = getattr(iterable, "close", None)
        if close is not None:
            close()
    return Answer(recorder.status, recorder.headers, body)


def _shorten(value: object, limit: int = 100) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_answer(scenario: Scenario, answer: Answer) -> list[str]:
    """Describe each way ``answer`` differs from what ``scenario`` expects; empty when it matches.

    The reason phrase is not compared (Werkzeug upper-cases it: ``201 CREATED``), nor are header
    names' case or headers that the scenario does not name.
    """
    problems = []
    status_code = answer.status.partition(" ")[0]
    if status_code != str(scenario.expected_status):
        problems.append(f"status: expected {scenario.expected_status}, got {answer.status!r}")
    expected_type, content_type = scenario.expected_content_type, answer.header("Content-Type")
    if expected_type is not None and content_type != expected_type:
        problems.append(f"content type: expected {expected_type!r}, got {content_type!r}")
    if scenario.expected_body is not None and answer.body != scenario.expected_body:
        problems.append(
            f"body: expected {_shorten(scenario.expected_body)}, got {_shorten(answer.body)}"
        )
    if scenario.expected_set_cookie is not None:
        set_cookie = answer.header("Set-Cookie")
        if set_cookie != scenario.expected_set_cookie:
            problems.append(
                f"Set-Cookie: expected {scenario.expected_set_cookie!r}, got {set_cookie!r}"
            )
    return problems


def verify(app: WSGIApp, scenario: Scenario) -> list[str]:
    try:
        answer = request_once(app, scenario)
    except Exception as error:  # a crashing app is a mismatch to report, not a crashed harness
        return [f"raised {type(error).__name__}: {error}"]
    return check_answer(scenario, answer)


def load_apps(names: Sequence[str]) -> tuple[dict[str, WSGIApp], dict[str, str]]:
    """Import each framework's app; one that fails to import is skipped with the reason."""
    apps: dict[str, WSGIApp] = {}
    skipped: dict[str, str] = {}
    for name in names:
        try:
            module = importlib.import_module(FRAMEWORKS[name])
        except Exception as error:  # e.g. erlen while its core is being written
            skipped[name] = f"cannot import {FRAMEWORKS[name]}: {type(error).__name__}: {error}"
            continue
        apps[name] = module.app
    return apps, skipped


@dataclass(slots=True)
class Cell:
    """One framework x scenario pair being timed."""

    framework: str
    scenario: Scenario
    app: WSGIApp
    environ: dict[str, Any]
    batch: int = 1
    rates: list[float] = field(default_factory=list)

    def run(self, duration: float) -> float:
        """Send requests in batches for about ``duration`` seconds; return requests per second.

        Batches keep the clock out of the per-request cost; each is calibrated to a few ms.
        """
        recorder = ResponseRecorder()
        body = self.scenario.body
        gc.collect()
        count = 0
        started = time.perf_counter()
        while True:
            drive(self.app, self.environ, body, self.batch, recorder)
            count += self.batch
            elapsed = time.perf_counter() - started
            if elapsed >= duration:
                break
        if recorder.status.partition(" ")[0] != str(self.scenario.expected_status):
            raise RuntimeError(
                f"{self.framework} {self.scenario.name}: answered {recorder.status!r} while timed"
            )
        return count / elapsed

    @property
    def spread(self) -> float:
        """(slowest - fastest round) / median: how far a single round could be trusted."""
        return (max(self.rates) - min(self.rates)) / statistics.median(self.rates)

    def calibrate(self, duration: float, batch_seconds: float = 0.005) -> None:
        """Warm the cell up and size its batches to about ``batch_seconds``."""
        rate = self.run(duration)
        self.batch = max(1, int(rate * batch_seconds))


def geometric_mean(values: Sequence[float]) -> float:
    return math.exp(statistics.fmean(math.log(value) for value in values))


def format_rate(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:,.0f}"


def format_ratio(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.2f}x"


def render_table(
    title: str,
    frameworks: Sequence[str],
    rows: Sequence[tuple[str, Sequence[float | None]]],
    formatter: Callable[[float | None], str],
) -> str:
    header = ["scenario", *frameworks]
    body = [[label, *(formatter(value) for value in values)] for label, values in rows]
    widths = [max(len(row[column]) for row in [header, *body]) for column in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = (cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True))
        return "  ".join([first, *rest])

    rule = "-" * len(line(header))
    return "\n".join(
        [title, line(header), rule, *(line(row) for row in body[:-1]), rule, line(body[-1])]
    )


def summarise(
    frameworks: Sequence[str],
    scenarios: Sequence[Scenario],
    medians: dict[str, dict[str, float]],
) -> dict[str, Any]:
    """Ratios against Falcon and Flask, and geometric means over the scenarios every framework
    passed (a framework timed on fewer scenarios would otherwise get a mean of a different set)."""
    common = [
        scenario.name
        for scenario in scenarios
        if all(scenario.name in medians[framework] for framework in frameworks)
    ]
    geomeans = {
        framework: geometric_mean([medians[framework][name] for name in common]) if common else None
        for framework in frameworks
    }
    ratios: dict[str, dict[str, dict[str, float | None]]] = {}
    for baseline in ("falcon", "flask"):
        if baseline not in frameworks:
            continue
        table: dict[str, dict[str, float | None]] = {}
        for framework in frameworks:
            row: dict[str, float | None] = {}
            for scenario in scenarios:
                rate = medians[framework].get(scenario.name)
                base = medians[baseline].get(scenario.name)
                row[scenario.name] = rate / base if rate is not None and base else None
            own, base_mean = geomeans[framework], geomeans[baseline]
            row["geomean"] = own / base_mean if own is not None and base_mean else None
            table[framework] = row
        ratios[f"vs_{baseline}"] = table
    return {"geomean_scenarios": common, "geomean_rps": geomeans, "ratios": ratios}


def print_report(
    frameworks: Sequence[str],
    scenarios: Sequence[Scenario],
    medians: dict[str, dict[str, float]],
    summary: dict[str, Any],
    settings: str,
) -> None:
    rows: list[tuple[str, Sequence[float | None]]] = [
        (scenario.name, [medians[framework].get(scenario.name) for framework in frameworks])
        for scenario in scenarios
    ]
    geomean_label = f"geomean ({len(summary['geomean_scenarios'])})"
    rate_rows = [*rows, (geomean_label, [summary["geomean_rps"][name] for name in frameworks])]
    print()
    print(render_table(f"Requests per second, {settings}", frameworks, rate_rows, format_rate))
    for key, table in summary["ratios"].items():
        ratio_rows: list[tuple[str, Sequence[float | None]]] = [
            (scenario.name, [table[framework][scenario.name] for framework in frameworks])
            for scenario in scenarios
        ]
        geomeans = [table[framework]["geomean"] for framework in frameworks]
        ratio_rows.append((geomean_label, geomeans))
        baseline = key.removeprefix("vs_")
        print()
        print(
            render_table(
                f"Relative to {baseline.capitalize()} (higher is faster)",
                frameworks,
                ratio_rows,
                format_ratio,
            )
        )


def print_spread(cells: Sequence[Cell]) -> None:
    spreads = sorted((cell.spread, cell.framework, cell.scenario.name) for cell in cells)
    worst, framework, scenario = spreads[-1]
    typical = statistics.median(spread for spread, _, _ in spreads)
    print(
        f"\nround-to-round spread, (max - min) / median: typical {typical:.0%}, "
        f"worst {worst:.0%} ({framework} {scenario}); "
        "if it is large, rerun on a quieter machine or with more --rounds"
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="timing rounds (default 5)")
    parser.add_argument(
        "--duration", type=float, default=0.2, help="seconds per cell per round (default 0.2)"
    )
    parser.add_argument("--quick", action="store_true", help="1 round of 0.05 s: a smoke test")
    parser.add_argument(
        "--frameworks",
        default=",".join(FRAMEWORKS),
        help="comma-separated, from: " + ", ".join(FRAMEWORKS),
    )
    parser.add_argument("--scenarios", default=None, help="comma-separated scenario names")
    parser.add_argument("--seed", type=int, default=None, help="seed for the shuffled order")
    parser.add_argument("--output", type=Path, default=None, help="JSON file to write")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.duration = 1, 0.05
    return args


def select(requested: str, known: Sequence[str], kind: str) -> list[str]:
    names = [name.strip() for name in requested.split(",") if name.strip()]
    unknown = [name for name in names if name not in known]
    if unknown:
        raise SystemExit(f"unknown {kind}: {', '.join(unknown)}; choose from {', '.join(known)}")
    return [name for name in known if name in names]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    all_scenarios = build_scenarios()
    scenario_names = [scenario.name for scenario in all_scenarios]
    wanted = select(args.scenarios or ",".join(scenario_names), scenario_names, "scenarios")
    scenarios = [scenario for scenario in all_scenarios if scenario.name in wanted]
    apps, skipped = load_apps(select(args.frameworks, list(FRAMEWORKS), "frameworks"))
    for name, reason in skipped.items():
        print(f"skipping {name}: {reason}", file=sys.stderr)
    frameworks = list(apps)
    if not frameworks:
        print("no framework to time", file=sys.stderr)
        return 1

    mismatches: list[dict[str, Any]] = []
    cells: list[Cell] = []
    for framework in frameworks:
        for scenario in scenarios:
            problems = verify(apps[framework], scenario)
            if problems:
                mismatches.append(
                    {"framework": framework, "scenario": scenario.name, "problems": problems}
                )
                print(f"MISMATCH {framework} {scenario.request_line}: not timed", file=sys.stderr)
                for problem in problems:
                    print(f"    {problem}", file=sys.stderr)
                continue
            cells.append(Cell(framework, scenario, apps[framework], build_environ(scenario)))

    seed = args.seed if args.seed is not None else random.randrange(2**32)
    shuffler = random.Random(seed)
    warmup = min(args.duration, 0.05)
    settings = f"median of {args.rounds} round(s) x {args.duration:g} s per cell"
    print(f"{len(cells)} cells, {settings}, seed {seed}", file=sys.stderr)
    for cell in cells:
        cell.calibrate(warmup)
    for round_number in range(1, args.rounds + 1):
        order = cells[:]
        shuffler.shuffle(order)
        for cell in order:
            cell.rates.append(cell.run(args.duration))
        print(f"round {round_number}/{args.rounds} done", file=sys.stderr)

    medians: dict[str, dict[str, float]] = {framework: {} for framework in frameworks}
    for cell in cells:
        medians[cell.framework][cell.scenario.name] = statistics.median(cell.rates)
    summary = summarise(frameworks, scenarios, medians)
    print_report(frameworks, scenarios, medians, summary, settings)
    if args.rounds > 1:
        print_spread(cells)
    for entry in mismatches:
        print(f"not timed (answer differs): {entry['framework']} {entry['scenario']}")
    for name in skipped:
        print(f"not timed (skipped): {name}")

    now = dt.datetime.now(dt.UTC)
    result = {
        "benchmark": "inprocess",
        "created": now.isoformat(timespec="seconds"),
        "date": now.date().isoformat(),
        "quick": args.quick,
        "settings": {"rounds": args.rounds, "duration_s": args.duration, "seed": seed},
        "environment": environment_info(),
        "frameworks": frameworks,
        "skipped": skipped,
        "scenarios": [
            {"name": scenario.name, "request": scenario.request_line, "note": scenario.note}
            for scenario in scenarios
        ],
        "mismatches": mismatches,
        "results": {
            cell_framework: {
                cell.scenario.name: {
                    "median_rps": statistics.median(cell.rates),
                    "spread": cell.spread,
                    "rps": cell.rates,
                }
                for cell in cells
                if cell.framework == cell_framework
            }
            for cell_framework in frameworks
        },
        **summary,
    }
    output = args.output or RESULTS_DIR / (
        f"inprocess-{result['date']}{'-quick' if args.quick else ''}.json"
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
