"""What a framework costs before its first request: import time and memory.

Import time is ``python -X importtime -c "import <package>"``'s cumulative figure for the
top-level package (the median of several fresh interpreters, after one run that warms the bytecode
cache). Memory is the resident set size, now and at its peak, of a fresh interpreter that imports
the framework, builds a one-route hello app and serves one request to it in-process. It is read
from /proc/self/status, not ru_maxrss, which Linux carries over from the parent across exec. The
same process reports how long import + build + first request took, without the interpreter's own
start-up.

    python bench/startup.py
    python bench/startup.py --frameworks erlen,flask --runs 11
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

BENCH_DIR: Final = Path(__file__).resolve().parent
RESULTS_DIR: Final = BENCH_DIR / "results"
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

from environment import environment_info  # noqa: E402

#: Framework name -> the package ``import`` times (None: nothing to import).
PACKAGES: Final[dict[str, str | None]] = {
    "raw": None,
    "erlen": "erlen",
    "falcon": "falcon",
    "bottle": "bottle",
    "flask": "flask",
}

#: Builds a hello app per framework. Each snippet defines ``app``; the probe below times it.
HELLO_APPS: Final = {
    "raw": """
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
    return [b"Hello World!"]
""",
    "erlen": """
from erlen import Erlen
app = Erlen(__name__)
@app.route("/")
def hello():
    return "Hello World!"
""",
    "flask": """
from flask import Flask
app = Flask(__name__)
@app.route("/")
def hello():
    return "Hello World!"
""",
    "bottle": """
import bottle
app = bottle.Bottle()
@app.get("/")
def hello():
    return "Hello World!"
""",
    "falcon": """
import falcon
class Hello:
    def on_get(self, req, resp):
        resp.content_type = falcon.MEDIA_HTML
        resp.text = "Hello World!"
app = falcon.App()
app.add_route("/", Hello())
""",
}

#: Wraps a hello snippet: times it, sends one request and prints the measurements as JSON.
PROBE: Final = """
import io, json, sys, time
started = time.perf_counter()
{hello}
built = time.perf_counter()
environ = {{
    "REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": "/", "QUERY_STRING": "",
    "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
    "HTTP_HOST": "127.0.0.1:8000", "wsgi.version": (1, 0), "wsgi.url_scheme": "http",
    "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr, "wsgi.multithread": False,
    "wsgi.multiprocess": False, "wsgi.run_once": False,
}}
statuses = []
body = b"".join(app(environ, lambda status, headers, exc_info=None: statuses.append(status)))
answered = time.perf_counter()
assert statuses[0].startswith("200") and body == b"Hello World!", (statuses, body)
with open("/proc/self/status") as status_file:
    fields = dict(line.split(":", 1) for line in status_file)
print(json.dumps({{
    "build_ms": (built - started) * 1000,
    "first_response_ms": (answered - started) * 1000,
    "rss_kib": int(fields["VmRSS"].split()[0]),
    "peak_rss_kib": int(fields["VmHWM"].split()[0]),
}}))
"""


class ProbeError(RuntimeError):
    """A subprocess failed; the message carries its stderr's last line."""


def _run(arguments: Sequence[str]) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run(
        [sys.executable, *arguments], capture_output=True, text=True, cwd=BENCH_DIR, check=False
    )
    if completed.returncode != 0:
        last_line = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        raise ProbeError(last_line)
    return completed


def parse_importtime(stderr: str, package: str) -> int:
    """The cumulative microseconds of ``package``'s own line in ``-X importtime`` output.

    Lines read ``import time: <self us> | <cumulative us> | <indented module name>``; the package
    asked for is the one line whose name is not indented (nested imports are).
    """
    for line in stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[2].rstrip() == f" {package}":
            return int(parts[1])
    raise ProbeError(f"no importtime line for {package!r}")


def import_time_ms(package: str, runs: int) -> list[float]:
    _run(["-c", f"import {package}"])  # fills the bytecode cache so no run pays for compiling
    return [
        parse_importtime(_run(["-X", "importtime", "-c", f"import {package}"]).stderr, package)
        / 1000
        for _ in range(runs)
    ]


def probe_hello(framework: str) -> dict[str, float]:
    source = PROBE.format(hello=HELLO_APPS[framework].strip())
    measured: dict[str, float] = json.loads(_run(["-c", source]).stdout)
    return measured


@dataclass(slots=True)
class StartupResult:
    framework: str
    import_ms: list[float]
    probes: list[dict[str, float]]

    def median(self, key: str) -> float:
        return statistics.median(probe[key] for probe in self.probes)

    def as_json(self) -> dict[str, Any]:
        return {
            "import_ms_median": statistics.median(self.import_ms) if self.import_ms else None,
            "import_ms": self.import_ms,
            "first_response_ms_median": self.median("first_response_ms"),
            "rss_mib_median": self.median("rss_kib") / 1024,
            "peak_rss_mib_median": self.median("peak_rss_kib") / 1024,
            "probes": self.probes,
        }


def measure(framework: str, runs: int) -> StartupResult:
    package = PACKAGES[framework]
    import_ms = import_time_ms(package, runs) if package is not None else []
    probes = [probe_hello(framework) for _ in range(runs)]
    return StartupResult(framework, import_ms, probes)


def print_table(results: Sequence[StartupResult], runs: int) -> None:
    header = ("framework", "import ms", "first answer ms", "RSS MiB", "peak RSS MiB")
    rows = [
        (
            result.framework,
            f"{statistics.median(result.import_ms):.1f}" if result.import_ms else "-",
            f"{result.median('first_response_ms'):.1f}",
            f"{result.median('rss_kib') / 1024:.1f}",
            f"{result.median('peak_rss_kib') / 1024:.1f}",
        )
        for result in results
    ]
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(len(header))]
    print(f"Start-up cost, median of {runs} fresh interpreters (lower is better)")
    for row in [header, *rows]:
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        print("  ".join(cells))
    print("first answer = import + build the hello app + one in-process request")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="fresh interpreters per figure")
    parser.add_argument("--frameworks", default=",".join(PACKAGES))
    parser.add_argument("--output", type=Path, default=None, help="JSON file to write")
    args = parser.parse_args(argv)
    names = [name.strip() for name in args.frameworks.split(",") if name.strip()]
    unknown = [name for name in names if name not in PACKAGES]
    if unknown:
        parser.error(f"unknown frameworks: {', '.join(unknown)}; choose from {', '.join(PACKAGES)}")

    results: list[StartupResult] = []
    skipped: dict[str, str] = {}
    for framework in [name for name in PACKAGES if name in names]:
        try:
            results.append(measure(framework, args.runs))
        except ProbeError as error:  # e.g. erlen while its core is being written
            skipped[framework] = str(error)
            print(f"skipping {framework}: its probe failed: {error}", file=sys.stderr)
    print_table(results, args.runs)

    now = dt.datetime.now(dt.UTC)
    document = {
        "benchmark": "startup",
        "created": now.isoformat(timespec="seconds"),
        "date": now.date().isoformat(),
        "settings": {"runs": args.runs},
        "environment": environment_info(),
        "skipped": skipped,
        "results": {result.framework: result.as_json() for result in results},
    }
    output = args.output or RESULTS_DIR / f"startup-{document['date']}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
