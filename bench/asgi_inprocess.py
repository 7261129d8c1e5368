"""Requests per second of each framework's ASGI callable, awaited in-process with no server.

The ASGI section of the benchmarks: the raw ASGI floor, Erlen, Starlette, Litestar and FastAPI
answer the same scenarios (``apps/<name>_asgi.py``), measured the way ``inprocess.py`` measures
the WSGI apps. Before anything is timed, each answer is checked against the scenario's expected
status, content type and body; a framework that answers differently is not timed on it. Every
app runs in one event loop (uvloop when it is installed), after its lifespan start-up, and is
called with a prepared scope and a trivial ``receive`` and ``send``. Timing runs in rounds of a
fixed time per framework x scenario cell, in a shuffled order; the report is the median over
rounds, with ratios against Starlette.

    python bench/asgi_inprocess.py                 # 5 rounds x 0.2 s per cell
    python bench/asgi_inprocess.py --quick         # 1 round x 0.05 s
    python bench/asgi_inprocess.py --frameworks erlen,starlette --scenarios hello,json_user
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime as dt
import gc
import importlib
import json
import random
import statistics
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Final

BENCH_DIR: Final = Path(__file__).resolve().parent
RESULTS_DIR: Final = BENCH_DIR / "results"
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

import inprocess  # noqa: E402  (after the path set-up so that ``apps`` resolves however we are run)
from apps.common import JSON_TYPE, TYPED_ITEM_BODY  # noqa: E402
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

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Framework name -> module under ``apps/``, in the order the tables show them. Each module's
#: ``application`` is the ASGI 3 callable.
FRAMEWORKS: Final = {
    "raw": "apps.raw_asgi",
    "erlen": "apps.erlen_asgi",
    "erlen_sync": "apps.erlen_asgi_sync",
    "erlen_inline": "apps.erlen_asgi_inline",
    "starlette": "apps.starlette_asgi",
    "starlette_sync": "apps.starlette_asgi_sync",
    "litestar": "apps.litestar_asgi",
    "fastapi": "apps.fastapi_asgi",
}

#: Every ratio is against this framework: the ASGI toolkit the others are built on or measured by.
BASELINE: Final = "starlette"

#: The WSGI suite's scenarios that the ASGI apps implement, then the ASGI suite's own typed ones.
SCENARIOS: Final = (
    "hello", "json_user", "query", "post_json", "not_found", "typed_query", "typed_body",
)  # fmt: skip

#: Seconds the lifespan start-up and shut-down of one app may take.
LIFESPAN_TIMEOUT: Final = 10.0


def build_scenarios() -> list[Scenario]:
    """The WSGI scenarios of ``SCENARIOS``, with JSON bodies as the ASGI peers send them.

    Starlette, Litestar and FastAPI end JSON without the newline that Flask (and Erlen) append;
    :func:`check_answer` accepts either.
    """
    scenarios = []
    for scenario in inprocess.build_scenarios():
        if scenario.name not in SCENARIOS:
            continue
        if scenario.expected_content_type == JSON_TYPE and scenario.expected_body is not None:
            body = scenario.expected_body.removesuffix(b"\n")
            scenario = dataclasses.replace(scenario, expected_body=body)
        scenarios.append(scenario)
    return [*scenarios, *typed_scenarios()]


def typed_scenarios() -> list[Scenario]:
    """Typed parameters: a path int and query values checked against bounds (``typed_query``),
    and a JSON body validated into a model and answered through a model (``typed_body``).

    Erlen and FastAPI declare them by annotation and validate with pydantic, Litestar by
    annotation with msgspec (its default engine), Starlette by hand with pydantic.
    """
    return [
        Scenario(
            "typed_query", "GET", "/typed/users/42", 200, JSON_TYPE,
            b'{"id":42,"page":2,"q":"abc"}', query="q=abc&page=2",
        ),
        Scenario(
            "typed_body", "POST", "/typed/items", 201, JSON_TYPE,
            b'{"name":"widget","price":9.5,"tags":["red","small"],"id":1}',
            body=TYPED_ITEM_BODY, content_type=JSON_TYPE,
        ),
    ]  # fmt: skip


def check_answer(scenario: Scenario, answer: Answer) -> list[str]:
    """``inprocess.check_answer``, except that a JSON body may end with one newline more.

    That one byte is the only difference between Flask's JSON format, which Erlen keeps, and the
    compact format of the ASGI peers; neither side is configured away from its default for it.
    """
    expected = scenario.expected_body
    if (
        scenario.expected_content_type == JSON_TYPE
        and expected is not None
        and answer.body == expected + b"\n"
    ):
        answer = Answer(answer.status, answer.headers, expected)
    return inprocess.check_answer(scenario, answer)


def build_scope(scenario: Scenario) -> Scope:
    """The HTTP scope an ASGI server would build for the scenario, as uvicorn does."""
    headers = [
        (b"host", b"127.0.0.1:8000"),
        (b"user-agent", b"erlen-bench/1"),
        (b"accept", b"*/*"),
    ]
    if scenario.body:
        headers.append((b"content-length", str(len(scenario.body)).encode()))
    if scenario.content_type is not None:
        headers.append((b"content-type", scenario.content_type.encode()))
    if scenario.cookie is not None:
        headers.append((b"cookie", scenario.cookie.encode()))
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "scheme": "http",
        "method": scenario.method,
        "root_path": "",
        "path": scenario.path,
        "raw_path": scenario.path.encode(),
        "query_string": scenario.query.encode(),
        "headers": headers,
    }


class RequestBody:
    """The ``receive`` callable of one request: the whole body in one message, then disconnect."""

    __slots__ = ("body", "sent")

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.sent = False

    async def __call__(self) -> Message:
        if self.sent:
            return {"type": "http.disconnect"}
        self.sent = True
        return {"type": "http.request", "body": self.body, "more_body": False}


class ResponseRecorder:
    """The ``send`` callable: keeps the last status and headers, and the body when asked to."""

    __slots__ = ("body", "headers", "keep_body", "status")

    def __init__(self, keep_body: bool = False) -> None:
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.keep_body = keep_body

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = message.get("headers", [])
        elif self.keep_body and message["type"] == "http.response.body":
            self.body.append(message.get("body", b""))


async def drive(
    app: ASGIApp,
    scope: Scope,
    state: dict[str, Any],
    body: bytes,
    count: int,
    recorder: ResponseRecorder,
) -> None:
    """Send ``count`` requests to ``app``: the one loop that times every framework.

    Each request gets a fresh copy of the scope, of the lifespan state (as uvicorn gives it) and
    a fresh ``receive``; ``send`` is shared, and only records.
    """
    copy_scope, copy_state = scope.copy, state.copy
    for _ in range(count):
        request_scope = copy_scope()
        request_scope["state"] = copy_state()
        await app(request_scope, RequestBody(body), recorder)


async def request_once(app: ASGIApp, state: dict[str, Any], scenario: Scenario) -> Answer:
    """Send one request the way :func:`drive` does, keeping the whole answer."""
    recorder = ResponseRecorder(keep_body=True)
    await drive(app, build_scope(scenario), state, scenario.body, 1, recorder)
    headers = [
        (name.decode("latin-1"), value.decode("latin-1")) for name, value in recorder.headers
    ]
    return Answer(str(recorder.status), headers, b"".join(recorder.body))


async def verify(app: ASGIApp, state: dict[str, Any], scenario: Scenario) -> list[str]:
    try:
        answer = await request_once(app, state, scenario)
    except Exception as error:  # a crashing app is a mismatch to report, not a crashed harness
        return [f"raised {type(error).__name__}: {error}"]
    return check_answer(scenario, answer)


class LifespanError(RuntimeError):
    """An app failed its lifespan start-up or shut-down."""


@contextlib.asynccontextmanager
async def lifespan(app: ASGIApp) -> AsyncIterator[dict[str, Any]]:
    """Run the app's lifespan start-up, yield its state, then run its shut-down.

    As uvicorn's ``--lifespan auto`` does, an app that raises before starting up is taken not to
    support lifespan events, and is served anyway.
    """
    state: dict[str, Any] = {}
    inbox: asyncio.Queue[Message] = asyncio.Queue()
    outbox: asyncio.Queue[Message] = asyncio.Queue()
    scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": state}
    task = asyncio.create_task(app(scope, inbox.get, outbox.put))

    async def exchange(event: str) -> bool:
        """Send ``lifespan.<event>``; True once the app completes it, False if it does not."""
        await inbox.put({"type": f"lifespan.{event}"})
        reply = asyncio.create_task(outbox.get())
        await asyncio.wait(
            {reply, task}, timeout=LIFESPAN_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
        )
        if not reply.done():
            reply.cancel()
            return False
        message = reply.result()
        if message["type"] == f"lifespan.{event}.failed":
            raise LifespanError(f"lifespan.{event}.failed: {message.get('message', '')}")
        return message["type"] == f"lifespan.{event}.complete"

    try:
        supported = await exchange("startup")
        try:
            yield state
        finally:
            if supported:
                await exchange("shutdown")
    finally:  # the app's lifespan task never outlives the block, however it ends
        if not task.done():
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


def load_apps(names: Sequence[str]) -> tuple[dict[str, ASGIApp], dict[str, str]]:
    """Import each framework's app; one that fails to import is skipped with the reason."""
    apps: dict[str, ASGIApp] = {}
    skipped: dict[str, str] = {}
    for name in names:
        try:
            module = importlib.import_module(FRAMEWORKS[name])
            apps[name] = module.application
        except Exception as error:  # e.g. erlen before its ASGI adapter exists
            skipped[name] = f"cannot import {FRAMEWORKS[name]}: {type(error).__name__}: {error}"
    return apps, skipped


@dataclass(slots=True)
class Cell:
    """One framework x scenario pair being timed."""

    framework: str
    scenario: Scenario
    app: ASGIApp
    state: dict[str, Any]
    scope: Scope
    batch: int = 1
    rates: list[float] = field(default_factory=list)

    async def run(self, duration: float) -> float:
        """Send requests in batches for about ``duration`` seconds; return requests per second.

        Batches keep the clock out of the per-request cost; each is calibrated to a few ms.
        """
        recorder = ResponseRecorder()
        body = self.scenario.body
        gc.collect()
        count = 0
        started = time.perf_counter()
        while True:
            await drive(self.app, self.scope, self.state, body, self.batch, recorder)
            count += self.batch
            elapsed = time.perf_counter() - started
            if elapsed >= duration:
                break
        if recorder.status != self.scenario.expected_status:
            raise RuntimeError(
                f"{self.framework} {self.scenario.name}: answered {recorder.status} while timed"
            )
        return count / elapsed

    @property
    def spread(self) -> float:
        """(slowest - fastest round) / median: how far a single round could be trusted."""
        return (max(self.rates) - min(self.rates)) / statistics.median(self.rates)

    async def calibrate(self, duration: float, batch_seconds: float = 0.005) -> None:
        """Warm the cell up and size its batches to about ``batch_seconds``."""
        rate = await self.run(duration)
        self.batch = max(1, int(rate * batch_seconds))


def summarise(
    frameworks: Sequence[str],
    scenarios: Sequence[Scenario],
    medians: dict[str, dict[str, float]],
) -> dict[str, Any]:
    """Ratios against Starlette, and geometric means over the scenarios every framework passed
    (a framework timed on fewer scenarios would otherwise get a mean of a different set)."""
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
    if BASELINE in frameworks:
        table: dict[str, dict[str, float | None]] = {}
        for framework in frameworks:
            row: dict[str, float | None] = {}
            for scenario in scenarios:
                rate = medians[framework].get(scenario.name)
                base = medians[BASELINE].get(scenario.name)
                row[scenario.name] = rate / base if rate is not None and base else None
            own, base_mean = geomeans[framework], geomeans[BASELINE]
            row["geomean"] = own / base_mean if own is not None and base_mean else None
            table[framework] = row
        ratios[f"vs_{BASELINE}"] = table
    return {"geomean_scenarios": common, "geomean_rps": geomeans, "ratios": ratios}


def print_report(
    frameworks: Sequence[str],
    scenarios: Sequence[Scenario],
    medians: dict[str, dict[str, float]],
    summary: dict[str, Any],
    settings: str,
) -> None:
    geomean_label = f"geomean ({len(summary['geomean_scenarios'])})"
    rate_rows: list[tuple[str, Sequence[float | None]]] = [
        (scenario.name, [medians[framework].get(scenario.name) for framework in frameworks])
        for scenario in scenarios
    ]
    rate_rows.append((geomean_label, [summary["geomean_rps"][name] for name in frameworks]))
    print()
    print(render_table(f"ASGI requests per second, {settings}", frameworks, rate_rows, format_rate))
    for key, table in summary["ratios"].items():
        ratio_rows: list[tuple[str, Sequence[float | None]]] = [
            (name, [table[framework][name] for framework in frameworks])
            for name in [scenario.name for scenario in scenarios]
        ]
        geomeans = [table[framework]["geomean"] for framework in frameworks]
        ratio_rows.append((geomean_label, geomeans))
        baseline = key.removeprefix("vs_").capitalize()
        print()
        print(
            render_table(
                f"Relative to {baseline} (higher is faster)", frameworks, ratio_rows, format_ratio
            )
        )


def loop_factory(name: str) -> tuple[Callable[[], asyncio.AbstractEventLoop], str]:
    """The event loop to run everything in, and how to name it in the results."""
    if name in ("auto", "uvloop"):
        try:
            import uvloop
        except ImportError:
            if name == "uvloop":
                raise SystemExit("uvloop is not installed: pip install uvloop, or --loop asyncio")
        else:
            return uvloop.new_event_loop, f"uvloop {metadata.version('uvloop')}"
    return asyncio.new_event_loop, "asyncio"


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
    parser.add_argument(
        "--scenarios", default=",".join(SCENARIOS), help="from: " + ", ".join(SCENARIOS)
    )
    parser.add_argument(
        "--loop",
        choices=("auto", "uvloop", "asyncio"),
        default="auto",
        help="event loop (default auto: uvloop when installed)",
    )
    parser.add_argument("--seed", type=int, default=None, help="seed for the shuffled order")
    parser.add_argument("--output", type=Path, default=None, help="JSON file to write")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.duration = 1, 0.05
    if args.rounds < 1 or args.duration <= 0:
        parser.error("--rounds must be at least 1 and --duration above 0")
    return args


@dataclass(slots=True)
class Run:
    """What one invocation measured and found wrong."""

    frameworks: list[str]
    cells: list[Cell] = field(default_factory=list)
    mismatches: list[dict[str, Any]] = field(default_factory=list)
    #: Framework -> why it was not timed at all (import or lifespan failure).
    skipped: dict[str, str] = field(default_factory=dict)


async def measure(
    apps: dict[str, ASGIApp],
    scenarios: Sequence[Scenario],
    rounds: int,
    duration: float,
    shuffler: random.Random,
    run: Run,
) -> None:
    """Start every app's lifespan, check every answer, then time the cells in shuffled rounds."""
    async with contextlib.AsyncExitStack() as stack:
        for framework, app in apps.items():
            try:
                state = await stack.enter_async_context(lifespan(app))
            except Exception as error:
                run.skipped[framework] = f"lifespan start-up: {type(error).__name__}: {error}"
                print(f"skipping {framework}: {run.skipped[framework]}", file=sys.stderr)
                continue
            run.frameworks.append(framework)
            for scenario in scenarios:
                problems = await verify(app, state, scenario)
                if problems:
                    run.mismatches.append(
                        {"framework": framework, "scenario": scenario.name, "problems": problems}
                    )
                    print(
                        f"MISMATCH {framework} {scenario.request_line}: not timed", file=sys.stderr
                    )
                    for problem in problems:
                        print(f"    {problem}", file=sys.stderr)
                    continue
                run.cells.append(Cell(framework, scenario, app, state, build_scope(scenario)))

        print(f"{len(run.cells)} cells", file=sys.stderr)
        for cell in run.cells:
            await cell.calibrate(min(duration, 0.05))
        for round_number in range(1, rounds + 1):
            order = run.cells[:]
            shuffler.shuffle(order)
            for cell in order:
                cell.rates.append(await cell.run(duration))
            print(f"round {round_number}/{rounds} done", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    all_scenarios = build_scenarios()
    wanted = select(args.scenarios, [scenario.name for scenario in all_scenarios], "scenarios")
    scenarios = [scenario for scenario in all_scenarios if scenario.name in wanted]
    apps, skipped = load_apps(select(args.frameworks, list(FRAMEWORKS), "frameworks"))
    for name, reason in skipped.items():
        print(f"skipping {name}: {reason}", file=sys.stderr)
    if not apps:
        print("no framework to time", file=sys.stderr)
        return 1

    factory, loop_name = loop_factory(args.loop)
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    settings = f"median of {args.rounds} round(s) x {args.duration:g} s per cell, {loop_name}"
    print(f"{settings}, seed {seed}", file=sys.stderr)
    run = Run(frameworks=[], skipped=skipped)
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(measure(apps, scenarios, args.rounds, args.duration, random.Random(seed), run))
    frameworks = run.frameworks
    if not frameworks:
        print("no framework to time", file=sys.stderr)
        return 1

    medians: dict[str, dict[str, float]] = {framework: {} for framework in frameworks}
    for cell in run.cells:
        medians[cell.framework][cell.scenario.name] = statistics.median(cell.rates)
    summary = summarise(frameworks, scenarios, medians)
    print_report(frameworks, scenarios, medians, summary, settings)
    if args.rounds > 1 and run.cells:
        inprocess.print_spread(run.cells)  # type: ignore[arg-type]  # same fields as its Cell
    for entry in run.mismatches:
        print(f"not timed (answer differs): {entry['framework']} {entry['scenario']}")
    for name in run.skipped:
        print(f"not timed (skipped): {name}")

    now = dt.datetime.now(dt.UTC)
    result = {
        "benchmark": "asgi-inprocess",
        "created": now.isoformat(timespec="seconds"),
        "date": now.date().isoformat(),
        "quick": args.quick,
        "settings": {
            "rounds": args.rounds,
            "duration_s": args.duration,
            "seed": seed,
            "loop": loop_name,
        },
        "environment": environment_info(),
        "baseline": BASELINE,
        "frameworks": frameworks,
        "skipped": run.skipped,
        "scenarios": [
            {"name": scenario.name, "request": scenario.request_line, "note": scenario.note}
            for scenario in scenarios
        ],
        "mismatches": run.mismatches,
        "results": {
            framework: {
                cell.scenario.name: {
                    "median_rps": statistics.median(cell.rates),
                    "spread": cell.spread,
                    "rps": cell.rates,
                }
                for cell in run.cells
                if cell.framework == framework
            }
            for framework in frameworks
        },
        **summary,
    }
    output = args.output or RESULTS_DIR / (
        f"asgi-inprocess-{result['date']}{'-quick' if args.quick else ''}.json"
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
