"""Machine instructions per request, counted by valgrind: a speed measure that noise cannot move.

Requests per second depend on what else the machine is doing; the number of instructions the
CPU executes for a request does not (for one build of Python, one set of inputs and a fixed hash
seed, callgrind gives the same count run after run). That makes it the measure for an A/B of a
hot-path change on a busy machine, and the per-request cost of each framework side by side.

For each framework x scenario, one child process drives ``--warm-up`` requests, then ``--count``
more under callgrind's collection; a second child does the same with ``--count 0``. The
difference, divided by ``--count``, is the cost of one request, imports and warm-up excluded. A
compiled framework (Falcon's Cython core) executes fewer, heavier instructions than a pure-Python
one, so compare frameworks in req/s (``inprocess.py``) and use this for before/after.

    python bench/instructions.py                                  # erlen and falcon, every scenario
    python bench/instructions.py --frameworks erlen --scenarios hello,template
    python bench/instructions.py --interface asgi --frameworks erlen,starlette   # ASGI callables

Over ASGI each request is awaited as ``asgi_inprocess.py`` awaits it, in one asyncio event loop
(the standard library's, for counts that do not depend on uvloop's build).

Needs valgrind (``apt-get install valgrind``).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Final

BENCH_DIR: Final = Path(__file__).resolve().parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

from inprocess import FRAMEWORKS, build_scenarios, select  # noqa: E402

COLLECTED: Final = re.compile(rb"Collected\s*:\s*(\d+)")


def child(interface: str, framework: str, scenario_name: str, warm_up: int, count: int) -> None:
    """Drive the requests in this (valgrind-run) process."""
    if interface == "asgi":
        asgi_child(framework, scenario_name, warm_up, count)
        return
    import importlib
    import io

    from inprocess import ResponseRecorder, build_environ, drive

    app = importlib.import_module(FRAMEWORKS[framework]).app
    scenario = next(s for s in build_scenarios() if s.name == scenario_name)
    environ = build_environ(scenario)
    environ["wsgi.input"] = io.BytesIO(scenario.body)
    recorder = ResponseRecorder()
    drive(app, environ, scenario.body, warm_up, recorder)
    drive(app, environ, scenario.body, count, recorder)


def asgi_child(framework: str, scenario_name: str, warm_up: int, count: int) -> None:
    import asyncio

    import asgi_inprocess

    app = asgi_inprocess.load_apps([framework])[0][framework]
    scenarios = [*asgi_inprocess.build_scenarios(), *asgi_inprocess.typed_scenarios()]
    scenario = next(s for s in scenarios if s.name == scenario_name)
    scope = asgi_inprocess.build_scope(scenario)

    async def serve() -> None:
        async with asgi_inprocess.lifespan(app) as state:
            recorder = asgi_inprocess.ResponseRecorder()
            await asgi_inprocess.drive(app, scope, state, scenario.body, warm_up, recorder)
            await asgi_inprocess.drive(app, scope, state, scenario.body, count, recorder)

    asyncio.run(serve())


def instructions(interface: str, framework: str, scenario: str, warm_up: int, count: int) -> int:
    """Instructions executed by a child that serves ``warm_up + count`` requests."""
    command = [
        "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
        __file__, "--child", interface, framework, scenario, str(warm_up), str(count),
    ]  # fmt: skip
    environment = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}
    completed = subprocess.run(command, capture_output=True, env=environment, check=False)
    found = COLLECTED.search(completed.stderr)
    if completed.returncode != 0 or found is None:
        raise RuntimeError(f"{framework}/{scenario} failed:\n{completed.stderr.decode()[-2000:]}")
    return int(found.group(1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--interface", choices=("wsgi", "asgi"), default="wsgi")
    parser.add_argument("--frameworks", default=None, help="default: erlen,falcon (wsgi), "
                        "erlen,starlette (asgi)")  # fmt: skip
    parser.add_argument("--scenarios", default="all")
    parser.add_argument("--warm-up", type=int, default=300)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        interface, framework, scenario, warm_up, count = args.child
        child(interface, framework, scenario, int(warm_up), int(count))
        return 0
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is missing: apt-get install -y valgrind")
    if args.interface == "asgi":
        import asgi_inprocess

        known = asgi_inprocess.FRAMEWORKS
        scenarios = [s.name for s in asgi_inprocess.build_scenarios()]
        frameworks_arg = args.frameworks or "erlen,starlette"
    else:
        known = FRAMEWORKS
        scenarios = [s.name for s in build_scenarios()]
        frameworks_arg = args.frameworks or "erlen,falcon"
    chosen = scenarios if args.scenarios == "all" else select(args.scenarios, scenarios, "scenario")
    frameworks = select(frameworks_arg, list(known), "framework")
    print(f"| scenario | {' | '.join(f'{name} (instr/request)' for name in frameworks)} |")
    print(f"|---|{'---:|' * len(frameworks)}")
    for scenario in chosen:
        cells = []
        for framework in frameworks:
            base = instructions(args.interface, framework, scenario, args.warm_up, 0)
            loaded = instructions(args.interface, framework, scenario, args.warm_up, args.count)
            cells.append(f"{(loaded - base) / args.count:,.0f}")
        print(f"| {scenario} | {' | '.join(cells)} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
