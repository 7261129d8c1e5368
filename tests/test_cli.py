"""The `erlen` command line: app discovery, routes, and the app's own commands."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest

from erlen import Erlen
from erlen.cli import NoAppException, locate_app

from .conftest import ROOT

pytestmark = pytest.mark.wsgi_only


def test_locate_app_forms(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "factory_mod.py").write_text(
        "from erlen import Erlen\ndef create_app(name='made'):\n    return Erlen(name)\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert locate_app("factory_mod").name == "made"
    assert locate_app("factory_mod:create_app('other')").name == "other"
    assert locate_app(str(ROOT / "examples" / "hello.py")).name == "My first web application"
    with pytest.raises(NoAppException):
        locate_app("factory_mod:missing")
    with pytest.raises(NoAppException):
        locate_app("no_such_module_here")


def test_routes_command_lists_rules() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "erlen", "--app", "examples/sample/app.py", "routes"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["Endpoint", "Methods", "Rule"]
    assert any("user_from_path" in line and "/user/<username>" in line for line in lines)
    assert any(line.startswith("static") and "/assets/<path:filename>" in line for line in lines)


def test_app_commands_run_in_app_context() -> None:
    app = Erlen("cliapp")

    @app.cli.command("greet")
    @click.argument("name")
    def greet(name: str) -> None:
        from erlen import current_app

        click.echo(f"hello {name} from {current_app.name}")

    result = app.test_cli_runner().invoke(args=["greet", "ada"])
    assert result.exit_code == 0, result.output
    assert result.output == "hello ada from cliapp\n"


def test_missing_app_is_a_clear_usage_error(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "erlen", "routes"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT / "src")},
    )
    assert result.returncode != 0
    assert "Could not find an app" in result.stderr
