"""Run the Flask extensions' own test suites on real Flask and on Erlen, and compare per test.

Erlen's ``tests/flask_ext`` use each extension the way an application does; the extensions' own
suites are a wider check written by others. For every extension below, at the version installed
in this venv: download its sdist into ``.cache/ext-suites/``, find its tests (``tests/``, else the
``test_*.py`` / ``*_test.py`` files it ships; an sdist without tests is skipped), install the
test-only packages it imports, then run pytest twice from the sdist's folder: plain (real Flask)
and with ``-p extension_suite_shim`` (``erlen.flask_patch`` first). Prints, per extension, the
tests passed on Flask, on Erlen and on both, then the commonest Erlen failures among the tests
that pass on Flask. Arguments pick extensions: ``python scripts/extension_suites.py flask-cors``.

How the runs are made alike, and bounded:

* A test passed if pytest said PASSED, and nothing later (a teardown ERROR) said otherwise; XFAIL
  and XPASS count as tests, not passes. Skipped tests are not counted, nor tests that need a
  server started by docker (they request ``docker_services``, directly or through a fixture).
* The suite's own pytest settings apply, but not its ``addopts`` (coverage and the like, from
  plugins not installed here); a suite without settings gets none, rather than Erlen's own.
  DeprecationWarnings are ignored: several suites make warnings errors, and the newer Werkzeug
  and SQLAlchemy installed here would fail both runs alike.
* In the Erlen run, the ``flask`` command on ``PATH`` imports the patch too (Flask-Migrate's tests
  run ``flask db ...`` in a subprocess).
* Every test is stopped after 30 seconds (pytest-timeout), every run after ``RUN_LIMIT``.
"""

from __future__ import annotations

import ast
import collections
import importlib.metadata
import importlib.util
import os
import re
import signal
import subprocess
import sys
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "ext-suites"
RUN_LIMIT = 300  # seconds for one run of one suite
TOP_CAUSES = 3
EXTENSIONS = [
    "flask-login", "flask-sqlalchemy", "flask-migrate", "flask-wtf", "flask-cors",
    "flask-jwt-extended", "flask-httpauth", "flask-caching", "flask-compress",
    "flask-talisman", "flask-limiter", "flask-babel",
]  # fmt: skip
#: What each suite imports beyond the extension and pytest, as {module: requirement}.
TEST_REQUIREMENTS = {
    "*": {"pytest_timeout": "pytest-timeout"},
    "flask-login": {"semantic_version": "semantic-version"},
    "flask-jwt-extended": {"dateutil": "python-dateutil", "cryptography": "cryptography"},
    "flask-httpauth": {"asgiref": "asgiref"},
    "flask-caching": {"xprocess": "pytest-xprocess", "redis": "redis", "asgiref": "asgiref"},
    "flask-limiter": {
        "hiro": "hiro", "redis": "redis", "pymemcache": "pymemcache", "pymongo": "pymongo",
        "flask_restful": "flask-restful",
    },
}  # fmt: skip
SERVER_FIXTURES = {"docker_services"}
PYTEST_CONFIGS = {
    "pytest.ini": "",
    "pyproject.toml": "[tool.pytest.ini_options]",
    "tox.ini": "[pytest]",
    "setup.cfg": "[tool:pytest]",
}
NOT_TESTS = {"docs", "doc", "examples", "build"}
OUTCOME = re.compile(r"^(PASSED|FAILED|ERROR|XFAIL|XPASS) (.+?)(?: - (.*))?$")


@dataclass
class Run:
    """One pytest run of one suite, read from its ``-rA`` summary."""

    outcomes: dict[str, str] = field(default_factory=dict)  # node id -> PASSED, FAILED...
    messages: dict[str, str] = field(default_factory=dict)  # node id -> why it did not pass
    broken_files: dict[str, str] = field(default_factory=dict)  # uncollectable file -> why
    skipped: int = 0
    timed_out: bool = False

    def passed(self) -> set[str]:
        return {test for test, status in self.outcomes.items() if status == "PASSED"}

    def why_not(self, test: str) -> str:
        if test in self.messages:
            return self.messages[test]
        broken = self.broken_files.get(test.split("::")[0])
        if broken is not None:
            return f"collection error: {broken}"
        return "timed out (run killed)" if self.timed_out else "not run"


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pip_install(*requirements: str) -> None:
    """Install, never moving the Flask and Werkzeug this venv has (both runs share them)."""
    pins = [f"{dist}=={importlib.metadata.version(dist)}" for dist in ("flask", "werkzeug")]
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", *requirements, *pins], check=True
    )


def ensure_requirements(extension: str) -> None:
    needed = {**TEST_REQUIREMENTS["*"], **TEST_REQUIREMENTS.get(extension, {})}
    missing = [req for module, req in needed.items() if importlib.util.find_spec(module) is None]
    if missing:
        pip_install(*missing)


def sdist_archive(extension: str, version: str) -> Path:
    """The extension's sdist in the cache, downloaded once."""
    found = _cached_sdist(extension, version)
    if found is None:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-binary", ":all:",
             "--no-deps", "--dest", str(CACHE), f"{extension}=={version}"],
            check=True,
        )  # fmt: skip
        found = _cached_sdist(extension, version)
    if found is None:
        raise FileNotFoundError(f"pip downloaded no sdist of {extension}=={version} to {CACHE}")
    return found


def _cached_sdist(extension: str, version: str) -> Path | None:
    # Both sides canonical ("Flask-Login-0.6.3.tar.gz" -> "flask-login-0-6-3-tar-gz"), and the
    # version followed by a separator, so 0.6.3 does not match 0.6.30.
    prefix = f"{canonical(extension)}-{canonical(version)}-"
    for path in CACHE.iterdir():
        if path.name.endswith(".tar.gz") and canonical(path.name).startswith(prefix):
            return path
    return None


def sdist_folder(extension: str, version: str) -> Path:
    """The extracted sdist, downloaded on first use."""
    with tarfile.open(sdist_archive(extension, version)) as archive:
        folder = CACHE / archive.getnames()[0].split("/")[0]
        if not folder.is_dir():
            archive.extractall(CACHE, filter="data")
    return folder


def test_paths(folder: Path) -> list[str]:
    """The sdist's tests folder, or else its test files; relative to ``folder``."""
    for name in ("tests", "test"):
        if (folder / name).is_dir():
            return [name]
    found = []
    for path in sorted(folder.rglob("*.py")):
        parts = path.relative_to(folder).parts
        if any(part in NOT_TESTS or part.endswith(".egg-info") for part in parts):
            continue
        if path.name.startswith("test_") or path.name.endswith("_test.py"):
            found.append(str(path.relative_to(folder)))
    return found


def has_pytest_config(folder: Path) -> bool:
    for name, section in PYTEST_CONFIGS.items():
        path = folder / name
        if path.is_file() and section in path.read_text():
            return True
    return False


def python_files(folder: Path, paths: list[str]) -> list[Path]:
    files = []
    for name in paths:
        path = folder / name
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return files


def fixture_needs(files: list[Path]) -> tuple[dict[str, list[str]], set[str]]:
    """Every fixture's parameters by name, and the files holding an autouse fixture."""
    params: dict[str, list[str]] = collections.defaultdict(list)
    autouse: dict[str, list[str]] = collections.defaultdict(list)
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            decorators = [ast.unparse(dec) for dec in node.decorator_list]
            if any("fixture" in dec for dec in decorators):
                params[node.name].extend(arg.arg for arg in node.args.args)
                if any("autouse=True" in dec for dec in decorators):
                    autouse[str(path)].append(node.name)
    return params, autouse


def server_tests(folder: Path, paths: list[str]) -> set[str]:
    """Node ids (without parameters) and files of the tests that need a docker server."""
    files = python_files(folder, paths)
    params, autouse = fixture_needs(files)
    memo: dict[str, bool] = {}

    def needs_server(name: str) -> bool:
        if name not in memo:
            memo[name] = False  # a cycle does not need a server
            memo[name] = name in SERVER_FIXTURES or any(map(needs_server, params.get(name, [])))
        return memo[name]

    found = set()
    for path in files:
        relative = str(path.relative_to(folder))
        if any(map(needs_server, autouse.get(str(path), []))):
            found.add(relative)
            continue
        for node, owner in test_functions(ast.parse(path.read_text())):
            if any(needs_server(arg.arg) for arg in node.args.args):
                found.add("::".join([relative, *owner, node.name]))
    return found


def test_functions(tree: ast.Module) -> list[tuple[ast.FunctionDef, list[str]]]:
    """Module-level test functions and the test methods of classes, with their class."""
    found = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            found.append((node, []))
        elif isinstance(node, ast.ClassDef):
            found.extend(
                (item, [node.name])
                for item in node.body
                if isinstance(item, ast.FunctionDef) and item.name.startswith("test")
            )
    return found


def needs_server(test: str, servers: set[str]) -> bool:
    return test.split("::")[0] in servers or test.split("[")[0] in servers


def erlen_flask_command() -> Path:
    """A folder with a ``flask`` command that imports the patch before Flask's CLI."""
    folder = CACHE / "erlen-bin"
    folder.mkdir(exist_ok=True)
    command = folder / "flask"
    command.write_text(
        f"#!{sys.executable}\nimport sys\n\nimport erlen.flask_patch  # noqa: F401\n"
        "from flask.cli import main\n\nsys.exit(main())\n"
    )
    command.chmod(0o755)
    return folder


def run_env(on_erlen: bool) -> dict[str, str]:
    venv_bin = str(Path(sys.executable).parent)
    first = [str(erlen_flask_command()), venv_bin] if on_erlen else [venv_bin]
    env = dict(
        os.environ,
        PYTHONDONTWRITEBYTECODE="1",
        COLUMNS="1000",  # pytest cuts the summary's messages to the terminal's width
        PATH=os.pathsep.join([*first, os.environ.get("PATH", "")]),
    )
    if on_erlen:
        path = [str(ROOT / "scripts"), os.environ.get("PYTHONPATH", "")]
        env["PYTHONPATH"] = os.pathsep.join(filter(None, path))
    return env


def run_suite(folder: Path, paths: list[str], on_erlen: bool, report: Path) -> Run:
    command = [
        sys.executable, "-m", "pytest", *(["-p", "extension_suite_shim"] if on_erlen else []),
        "-p", "no:cacheprovider", "-q", "-rA", "--tb=line", "--timeout=30", "-o", "addopts=",
        "-W", "ignore::DeprecationWarning", "--continue-on-collection-errors",
        "--rootdir", str(folder), *([] if has_pytest_config(folder) else ["-c", os.devnull]),
        *paths,
    ]  # fmt: skip
    timed_out = False
    with report.open("w") as out:
        process = subprocess.Popen(
            command, cwd=folder, stdout=out, stderr=subprocess.STDOUT, env=run_env(on_erlen),
            start_new_session=True,  # so a kill reaches the suite's own subprocesses too
        )  # fmt: skip
        try:
            process.wait(timeout=RUN_LIMIT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            timed_out = True
    run = read_report(report.read_text())
    run.timed_out = timed_out
    return run


def read_report(text: str) -> Run:
    run = Run()
    for line in text.splitlines():
        match = OUTCOME.match(line)
        if not match:
            continue
        status, test, message = match.groups()
        if "::" not in test:
            run.broken_files[test] = message or status
        elif run.outcomes.get(test) in (None, "PASSED"):
            run.outcomes[test] = status
            if status != "PASSED":
                run.messages[test] = message or status
    skipped = re.findall(r"(\d+) skipped", text.splitlines()[-1] if text else "")
    run.skipped = int(skipped[0]) if skipped else 0
    return run


def cause(message: str) -> str:
    """A failure message with its accidents (addresses, long tails) removed, for grouping."""
    message = re.sub(r"0x[0-9a-f]+", "0x…", message)
    return message if len(message) <= 160 else message[:157] + "..."


@dataclass
class Result:
    extension: str
    version: str
    tests: int = 0
    on_flask: int = 0
    on_erlen: int = 0
    on_both: int = 0
    notes: list[str] = field(default_factory=list)
    causes: collections.Counter[str] = field(default_factory=collections.Counter)
    examples: dict[str, str] = field(default_factory=dict)


def compare(result: Result, flask: Run, erlen: Run, servers: set[str]) -> None:
    tests = {t for t in {*flask.outcomes, *erlen.outcomes} if not needs_server(t, servers)}
    passed_flask, passed_erlen = flask.passed() & tests, erlen.passed() & tests
    result.tests = len(tests)
    result.on_flask, result.on_erlen = len(passed_flask), len(passed_erlen)
    result.on_both = len(passed_flask & passed_erlen)
    for test in sorted(passed_flask - passed_erlen):
        key = cause(erlen.why_not(test))
        result.causes[key] += 1
        result.examples.setdefault(key, test)
    server_count = sum(needs_server(t, servers) for t in {*flask.outcomes, *erlen.outcomes})
    result.notes.append(f"skipped {flask.skipped} on Flask, {erlen.skipped} on Erlen")
    if server_count:
        result.notes.append(f"{server_count} need a docker server, not counted")
    if len(passed_erlen - passed_flask):
        result.notes.append(f"{len(passed_erlen - passed_flask)} pass on Erlen only")
    result.notes.extend(f"{name} timed out" for name, run in [("Flask", flask), ("Erlen", erlen)]
                        if run.timed_out)  # fmt: skip


def run_extension(extension: str) -> Result:
    version = importlib.metadata.version(extension)
    result = Result(extension, version)
    folder = sdist_folder(extension, version)
    paths = test_paths(folder)
    if not paths:
        result.notes.append("the sdist ships no tests: skipped")
        return result
    ensure_requirements(extension)
    runs = [
        run_suite(folder, paths, on_erlen, CACHE / f"{extension}-{flavour}.txt")
        for on_erlen, flavour in [(False, "flask"), (True, "erlen")]
    ]
    compare(result, *runs, server_tests(folder, paths))
    return result


def ratio(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def print_table(results: list[Result]) -> None:
    header = f"{'extension':20} {'version':8} {'tests':>6} {'Flask':>6} {'Erlen':>6} {'both':>6}"
    print(f"{header} {'Erlen/Flask':>11}")
    for r in results:
        print(
            f"{r.extension:20} {r.version:8} {r.tests:6} {r.on_flask:6} {r.on_erlen:6} "
            f"{r.on_both:6} {ratio(r.on_erlen, r.on_flask):>11}"
        )
    total = [sum(getattr(r, name) for r in results) for name in ("tests", "on_flask", "on_erlen")]
    both = sum(r.on_both for r in results)
    print(
        f"{'total':20} {'':8} {total[0]:6} {total[1]:6} {total[2]:6} {both:6} "
        f"{ratio(total[2], total[1]):>11}"
    )


def print_causes(results: list[Result]) -> None:
    for r in results:
        print(f"\n{r.extension} {r.version}: {'; '.join(r.notes)}")
        for message, count in r.causes.most_common(TOP_CAUSES):
            print(f"  {count:4} x {message}\n         e.g. {r.examples[message]}")
        if r.tests:
            print(f"  full output: {CACHE}/{r.extension}-{{flask,erlen}}.txt")


def main() -> int:
    chosen = [canonical(name) for name in sys.argv[1:]] or EXTENSIONS
    unknown = sorted(set(chosen) - set(EXTENSIONS))
    if unknown:
        print(f"unknown extensions: {', '.join(unknown)}; known: {', '.join(EXTENSIONS)}")
        return 2
    CACHE.mkdir(parents=True, exist_ok=True)
    results = [run_extension(extension) for extension in chosen]
    print_table(results)
    print_causes(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
