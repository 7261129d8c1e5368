"""Publish the latest benchmark results: ``docs/bench-results.md`` and ``docs/bench-inprocess.png``.

The Markdown file holds five sections, each headed with its run's date, CPU and versions: the
in-process requests per second with ratios against Falcon and Flask, the same apps behind gunicorn
and granian, the start-up cost, then the ASGI section: the ASGI apps in-process and behind uvicorn
and granian, with ratios against Starlette. The latest run of each kind is the newest full one in
``bench/results/``; a ``--quick`` run is used only when there is no full one, and is marked so.

    python bench/report.py
    python bench/report.py --results-dir /tmp/results --markdown /tmp/results.md --chart /tmp/c.png
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

BENCH_DIR: Final = Path(__file__).resolve().parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

from chart import draw  # noqa: E402

DOCS_DIR: Final = BENCH_DIR.parent / "docs"
RESULTS_DIR: Final = BENCH_DIR / "results"
DEFAULT_MARKDOWN: Final = DOCS_DIR / "bench-results.md"
DEFAULT_CHART: Final = DOCS_DIR / "bench-inprocess.png"

Document = dict[str, Any]


def latest(results_dir: Path, benchmark: str) -> Document | None:
    """The newest full ``<benchmark>-*.json`` run, else the newest quick one, else None."""
    runs: list[tuple[bool, str, str, Document]] = []
    for path in results_dir.glob(f"{benchmark}-*.json"):
        document = json.loads(path.read_text(encoding="utf-8"))
        document["source"] = path.name
        runs.append(
            (not document.get("quick", False), document.get("created", ""), path.name, document)
        )
    return max(runs, key=lambda run: run[:3])[3] if runs else None


def format_rate(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def format_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def format_ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def table(header: Sequence[str], rows: Sequence[Sequence[str]], labels: int = 1) -> list[str]:
    """A Markdown table: the first ``labels`` columns left-aligned, the figures right-aligned."""
    align = [":--" if column < labels else "--:" for column in range(len(header))]
    return ["| " + " | ".join(cells) + " |" for cells in [header, align, *rows]]


def heading(document: Document, shown: Sequence[str], settings: str) -> list[str]:
    """Date, machine, versions and settings of one run, and a warning when it was a quick one."""
    environment = document["environment"]
    packages = environment["packages"]
    versions = ", ".join(f"{name} {packages.get(name, '?')}" for name in shown)
    lines = [
        f"Run {document['date']} on {environment['cpu']} ({environment['cpu_count']} CPUs), "
        f"Python {environment['python']}; {versions}. {settings} (`bench/results/"
        f"{document['source']}`).",
    ]
    if document.get("quick"):
        lines.append("")
        lines.append("**Quick run: a smoke test, not figures to quote.**")
    return lines


def notes(document: Document) -> list[str]:
    """Frameworks skipped, answers that differed, servers that failed, wrk errors."""
    found = [
        f"- not timed, could not load: {name} ({reason})"
        for name, reason in document.get("skipped", {}).items()
    ]
    for entry in document.get("mismatches", []):
        where = " ".join(entry[key] for key in ("server", "framework", "scenario") if key in entry)
        found.append(f"- not timed, answer differs: {where}: {'; '.join(entry['problems'])}")
    for pair, reason in document.get("failures", {}).items():
        found.append(f"- not timed, server failed: {pair}: {reason.splitlines()[0]}")
    if document.get("benchmark") == "servers":
        for server, frameworks in document["results"].items():
            for framework, scenarios in frameworks.items():
                for scenario, cell in scenarios.items():
                    for problems in cell["problems"]:
                        found.append(f"- wrk errors, {server} {framework} {scenario}: {problems}")
    return ["", *found] if found else []


#: Libraries a framework's figures depend on, whose versions are shown with it.
UNDERLYING: Final = {"flask": "werkzeug", "fastapi": "pydantic", "litestar": "msgspec"}


#: Bench apps that are another variant of a framework's app, by the package they run on.
VARIANTS: Final = {"erlen_sync": "erlen", "erlen_inline": "erlen", "starlette_sync": "starlette"}


def framework_versions(frameworks: Sequence[str]) -> list[str]:
    """The packages behind ``frameworks``, each once (variants name their framework's)."""
    timed = [name for name in frameworks if name != "raw"]
    packages = list(dict.fromkeys(VARIANTS.get(name, name) for name in timed))
    return [*packages, *(UNDERLYING[name] for name in packages if name in UNDERLYING)]


def inprocess_section(document: Document | None) -> list[str]:
    lines = ["## In-process: the framework's own cost", ""]
    if document is None:
        return [*lines, "No run yet: `python bench/inprocess.py`."]
    frameworks: list[str] = document["frameworks"]
    settings = document["settings"]
    lines += heading(
        document,
        [*framework_versions(frameworks), "jinja2"],
        f"Median of {settings['rounds']} interleaved rounds x {settings['duration_s']:g} s per "
        "cell; each WSGI callable called directly, no server",
    )
    lines += inprocess_tables(document)
    lines += ["", "![In-process throughput relative to Falcon](bench-inprocess.png)"]
    return lines + notes(document)


def asgi_inprocess_section(document: Document | None) -> list[str]:
    lines = ["## ASGI in-process: the framework's own cost", ""]
    if document is None:
        return [*lines, "No run yet: `python bench/asgi_inprocess.py`."]
    settings = document["settings"]
    lines += heading(
        document,
        framework_versions(document["frameworks"]),
        f"Median of {settings['rounds']} interleaved rounds x {settings['duration_s']:g} s per "
        f"cell; each ASGI callable awaited directly in one {settings['loop']} event loop, "
        "no server",
    )
    return lines + inprocess_tables(document) + notes(document)


def inprocess_tables(document: Document) -> list[str]:
    """Requests per second per framework and scenario, then the same relative to each baseline."""
    frameworks: list[str] = document["frameworks"]
    lines: list[str] = []
    names = [scenario["name"] for scenario in document["scenarios"]]
    geomean_label = f"geomean ({len(document['geomean_scenarios'])})"
    results = document["results"]
    rate_rows = [
        [
            name,
            *(
                format_rate(results[framework].get(name, {}).get("median_rps"))
                for framework in frameworks
            ),
        ]
        for name in names
    ]
    geomeans = document["geomean_rps"]
    rate_rows.append(
        [f"**{geomean_label}**", *(format_rate(geomeans[framework]) for framework in frameworks)]
    )
    lines += ["", "Requests per second (higher is faster):", ""]
    lines += table(["scenario", *frameworks], rate_rows)
    for key, table_ratios in document["ratios"].items():
        baseline = key.removeprefix("vs_").capitalize()
        ratio_rows = [
            [
                name if name != "geomean" else f"**{geomean_label}**",
                *(format_ratio(table_ratios[framework].get(name)) for framework in frameworks),
            ]
            for name in [*names, "geomean"]
        ]
        lines += ["", f"Relative to {baseline}:", ""]
        lines += table(["scenario", *frameworks], ratio_rows)
    return lines


def servers_section(
    document: Document | None,
    title: str = "## Behind a server: what a deployment sees",
    command: str = "python bench/servers.py",
) -> list[str]:
    lines = [title, ""]
    if document is None:
        return [*lines, f"No run yet: `{command}`."]
    baseline: str = document.get("baseline", "falcon")
    frameworks: list[str] = document["frameworks"]
    servers: list[str] = document["servers"]
    settings = document["settings"]
    environment = document["environment"]
    lines += heading(
        document,
        [*framework_versions(frameworks), *servers],
        f"Median of {settings['rounds']} interleaved rounds x {settings['duration_s']} s of "
        f"`wrk -t{settings['wrk_threads']} -c{settings['wrk_connections']}` ({environment['wrk']})"
        " per cell, all on 127.0.0.1",
    )
    lines += ["", "Server command lines:", ""]
    lines += [f"- {server}: `{document['commands'][server]}`" for server in servers]
    header = ["scenario", "framework"]
    for server in servers:
        header += [f"{server} req/s", f"{server} p99 ms", f"{server} vs {baseline.capitalize()}"]
    rows: list[list[str]] = []
    names = [scenario["name"] for scenario in document["scenarios"]]
    for name in [*names, "geomean"]:
        for framework in frameworks:
            label = name if name != "geomean" else "**geomean**"
            row = [label, framework]
            for server in servers:
                summary = document["summary"][server]
                if name == "geomean":
                    rate = summary["geomean_rps"].get(framework)
                    p99 = summary["geomean_p99_ms"].get(framework)
                else:
                    cell = document["results"][server][framework].get(name, {})
                    rate, p99 = cell.get("median_rps"), cell.get("median_p99_ms")
                ratio = summary[f"vs_{baseline}"].get(framework, {}).get(name)
                row += [format_rate(rate), format_ms(p99), format_ratio(ratio)]
            rows.append(row)
    lines += ["", "Requests per second (higher is faster) and p99 latency under that load:", ""]
    lines += table(header, rows, labels=2)
    return lines + notes(document)


def startup_section(document: Document | None) -> list[str]:
    lines = ["## Start-up: import time and memory", ""]
    if document is None:
        return [*lines, "No run yet: `python bench/startup.py`."]
    results: dict[str, Document] = document["results"]
    lines += heading(
        document,
        framework_versions(list(results)),
        f"Median of {document['settings']['runs']} fresh interpreters",
    )
    rows = [
        [
            framework,
            format_ms(result["import_ms_median"]),
            format_ms(result["first_response_ms_median"]),
            f"{result['rss_mib_median']:.1f}",
            f"{result['peak_rss_mib_median']:.1f}",
        ]
        for framework, result in results.items()
    ]
    lines += ["", "Lower is better; first answer = import + build a hello app + one request:", ""]
    lines += table(["framework", "import ms", "first answer ms", "RSS MiB", "peak RSS MiB"], rows)
    return lines + notes(document)


def render(
    inprocess: Document | None,
    servers: Document | None,
    startup: Document | None,
    asgi_inprocess: Document | None = None,
    asgi_servers: Document | None = None,
) -> str:
    lines = [
        "# Benchmark results",
        "",
        "Generated by `make bench` (`bench/report.py`) from the latest runs in `bench/results/`; "
        "do not edit by hand. How each figure is measured: [bench/README.md](../bench/README.md). "
        "Compare ratios on one machine; absolute requests per second depend on the machine.",
        "",
        *inprocess_section(inprocess),
        "",
        *servers_section(servers),
        "",
        *startup_section(startup),
        "",
        *asgi_inprocess_section(asgi_inprocess),
        "",
        *servers_section(
            asgi_servers,
            "## ASGI behind a server: uvicorn and granian",
            "python bench/servers.py --interface asgi",
        ),
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    parser.add_argument("--markdown", type=Path, default=DEFAULT_MARKDOWN, help="file to write")
    parser.add_argument("--chart", type=Path, default=DEFAULT_CHART, help="PNG to write")
    args = parser.parse_args(argv)

    inprocess = latest(args.results_dir, "inprocess")
    servers = latest(args.results_dir, "servers")
    startup = latest(args.results_dir, "startup")
    asgi_inprocess = latest(args.results_dir, "asgi-inprocess")
    asgi_servers = latest(args.results_dir, "asgi-servers")
    if inprocess is not None:
        draw(inprocess, args.chart)
        print(f"wrote {args.chart} from {inprocess['source']}")
    args.markdown.parent.mkdir(parents=True, exist_ok=True)
    documents = (inprocess, servers, startup, asgi_inprocess, asgi_servers)
    args.markdown.write_text(render(*documents), encoding="utf-8")
    sources = [document["source"] for document in documents if document]
    print(f"wrote {args.markdown} from {', '.join(sources) or 'no results'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
