"""Draw the latest in-process results as requests/s relative to Falcon, per scenario.

    python bench/chart.py                                   # latest full run -> docs/
    python bench/chart.py --input bench/results/inprocess-2025-01-01.json --output chart.png

The latest run is the newest full run in ``bench/results/``; ``--quick`` runs are used only when
there is no full one, and the chart then says so.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import matplotlib

matplotlib.use("Agg")  # files only: no display needed

import matplotlib.pyplot as plt
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

BENCH_DIR: Final = Path(__file__).resolve().parent
RESULTS_DIR: Final = BENCH_DIR / "results"
DEFAULT_OUTPUT: Final = BENCH_DIR.parent / "docs" / "bench-inprocess.png"
COLOURS: Final = {
    "raw": "#9e9e9e",
    "erlen": "#d9480f",
    "falcon": "#1c7ed6",
    "bottle": "#2f9e44",
    "flask": "#495057",
}
RATIO_TICKS: Final = (0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50)


def latest_result(results_dir: Path) -> Path:
    """The newest full in-process run, or the newest quick one when there is no full run."""
    runs: list[tuple[bool, str, Path]] = []
    for path in results_dir.glob("inprocess-*.json"):
        document = json.loads(path.read_text(encoding="utf-8"))
        runs.append((not document.get("quick", False), document.get("created", ""), path))
    if not runs:
        raise SystemExit(f"no inprocess-*.json in {results_dir}: run bench/inprocess.py first")
    return max(runs)[2]


def footer(document: dict[str, Any]) -> str:
    environment = document["environment"]
    settings = document["settings"]
    packages = environment["packages"]
    timed = [name for name in document["frameworks"] if name != "raw"]
    shown = [*timed, *(["werkzeug"] if "flask" in timed else []), "jinja2"]
    versions = ", ".join(f"{name} {packages.get(name, '?')}" for name in shown)
    skipped = document.get("skipped", {})
    notes = [f"not timed: {', '.join(skipped)}"] if skipped else []
    if document.get("quick"):
        notes.append("QUICK RUN: a smoke test, not figures to publish")
    quick = "".join(f"  |  {note}" for note in notes)
    return (
        f"{document['date']}  |  {environment['cpu']} ({environment['cpu_count']} CPUs)  |  "
        f"Python {environment['python']}  |  {versions}\n"
        f"median of {settings['rounds']} interleaved round(s) x {settings['duration_s']:g} s per "
        f"cell; WSGI callables driven in-process, no server{quick}"
    )


def draw(document: dict[str, Any], output: Path) -> None:
    ratios: dict[str, dict[str, float | None]] = document["ratios"].get("vs_falcon", {})
    if not ratios:
        raise SystemExit("this run did not time Falcon, so there is no ratio to draw")
    frameworks: list[str] = document["frameworks"]
    labels = [scenario["name"] for scenario in document["scenarios"]] + ["geomean"]
    width = 0.8 / len(frameworks)

    figure, axes = plt.subplots(figsize=(13, 6.5), dpi=110)
    for index, framework in enumerate(frameworks):
        values = [ratios[framework].get(label) for label in labels]
        positions = [
            position + (index - (len(frameworks) - 1) / 2) * width
            for position, value in enumerate(values)
            if value is not None
        ]
        heights = [value for value in values if value is not None]
        bars = axes.bar(
            positions,
            heights,
            width * 0.92,
            label=framework,
            color=COLOURS.get(framework, "#7048e8"),
        )
        axes.bar_label(bars, labels=[f"{height:.2f}" for height in heights], fontsize=6, padding=1)

    axes.set_yscale("log")
    low, high = axes.get_ylim()
    axes.set_ylim(low, high * 2)  # headroom for the legend
    axes.yaxis.set_major_locator(FixedLocator(RATIO_TICKS))
    axes.yaxis.set_minor_locator(NullLocator())
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}x"))
    axes.axhline(1.0, color=COLOURS["falcon"], linewidth=0.8, linestyle="--")
    axes.axvline(len(labels) - 1.5, color="#adb5bd", linewidth=0.8)
    axes.set_xticks(range(len(labels)), labels, rotation=20, ha="right")
    axes.set_ylabel("requests/s relative to Falcon (log scale, higher is faster)")
    axes.set_title("In-process WSGI throughput per scenario, relative to Falcon")
    axes.legend(ncols=len(frameworks), loc="upper right", frameon=False)
    axes.grid(axis="y", linewidth=0.3)
    figure.text(0.01, 0.01, footer(document), fontsize=7.5, color="#495057", va="bottom")
    figure.tight_layout(rect=(0, 0.06, 1, 1))
    output.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(output)
    plt.close(figure)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--input", type=Path, default=None, help="an inprocess-*.json file")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="PNG to write")
    args = parser.parse_args(argv)
    source = args.input or latest_result(RESULTS_DIR)
    draw(json.loads(source.read_text(encoding="utf-8")), args.output)
    print(f"wrote {args.output} from {source}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
