"""Run Flask's own test suite against Erlen, with ``flask`` resolved by ``erlen.flask_patch``.

Downloads Flask's sdist (the version below) into ``.cache/``, runs its ``tests/`` with pytest
(the ``flask_suite_shim`` plugin beside this script imports the patch before anything else), and
prints passed and failed counts per test file. Extra arguments go to pytest:
``python scripts/flask_suite.py -x -k session``.
"""

from __future__ import annotations

import collections
import importlib.util
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

FLASK_VERSION = "3.1.3"
ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache"


def flask_tests() -> Path:
    folder = CACHE / f"flask-{FLASK_VERSION}"
    if not (folder / "tests").is_dir():
        CACHE.mkdir(exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-binary", ":all:",
             "--no-deps", "--dest", str(CACHE), f"flask=={FLASK_VERSION}"],
            check=True,
        )  # fmt: skip
        with tarfile.open(CACHE / f"flask-{FLASK_VERSION}.tar.gz") as archive:
            archive.extractall(CACHE, filter="data")
    return folder / "tests"


def main() -> int:
    tests = flask_tests()
    report = CACHE / "flask-suite.txt"
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "flask_suite_shim",
        "-p",
        "no:cacheprovider",
        "-q",
        "-rA",
        "--tb=line",
        "-W",
        "ignore::DeprecationWarning",
        "--continue-on-collection-errors",
        *sys.argv[1:],
    ]
    if importlib.util.find_spec("pytest_timeout") is not None:
        command.append("--timeout=30")  # a test that hangs fails instead of stopping the run
    if not any(arg.startswith("tests/") for arg in sys.argv[1:]):
        command.append(str(tests))  # fmt: skip
    path = os.pathsep.join(filter(None, [str(ROOT / "scripts"), os.environ.get("PYTHONPATH")]))
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PYTHONPATH=path)
    with report.open("w") as out:
        subprocess.run(command, cwd=tests.parent, stdout=out, stderr=subprocess.STDOUT, env=env)
    # One outcome per test: a test that passed and then errored in its teardown did not pass.
    outcomes: dict[str, str] = {}
    # A test id may hold spaces (``[a b]`` parameters); it ends where pytest's `` - reason`` starts.
    pattern = re.compile(r"^(PASSED|FAILED|ERROR) (tests/[\w/]+\.py::.+?)(?: - |$)")
    for line in report.read_text().splitlines():
        match = pattern.match(line)
        if match:
            status, test = match.groups()
            if outcomes.get(test) in (None, "PASSED"):
                outcomes[test] = status
    counts: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for test, status in outcomes.items():
        counts[test.split("::")[0].removeprefix("tests/")][status] += 1
    total = collections.Counter[str]()
    print(f"{'file':32} {'passed':>7} {'of':>5}")
    for name in sorted(counts):
        row = counts[name]
        total.update(row)
        print(f"{name:32} {row['PASSED']:7} {sum(row.values()):5}")
    all_tests = sum(total.values())
    share = 100 * total["PASSED"] / all_tests if all_tests else 0.0
    print(f"{'total':32} {total['PASSED']:7} {all_tests:5}  ({share:.1f}%)")
    print(f"full output: {report}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
