"""The `erlen` command line: app discovery, the group's options, the built-in commands."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from erlen import Erlen, current_app
from erlen.app.helpers import get_debug_flag, get_load_dotenv, load_dotenv
from erlen.cli import (
    AppGroup,
    ErlenGroup,
    NoAppException,
    ScriptInfo,
    find_best_app,
    locate_app,
    prepare_import,
    run_command,
    with_appcontext,
)

from .conftest import ROOT

pytestmark = pytest.mark.wsgi_only

#: Variables the CLI reads or writes; each test starts with none of them set.
CLI_VARIABLES = (
    "ERLEN_APP", "FLASK_APP", "ERLEN_DEBUG", "FLASK_DEBUG", "ERLEN_SKIP_DOTENV",
    "FLASK_SKIP_DOTENV", "ERLEN_RUN_PORT", "FLASK_RUN_PORT", "ERLEN_RUN_HOST", "FLASK_RUN_HOST",
)  # fmt: skip


@pytest.fixture(autouse=True)
def clean_process_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The CLI sets environment variables and extends sys.path, as it must; undo both."""
    saved_environ = dict(os.environ)
    saved_path = sys.path[:]
    saved_modules = set(sys.modules)
    for name in CLI_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    yield
    os.environ.clear()
    os.environ.update(saved_environ)
    sys.path[:] = saved_path
    for name in set(sys.modules) - saved_modules:
        if name.startswith("cli_case_"):
            del sys.modules[name]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder, the current folder for the test, holding a few app modules."""
    (tmp_path / "cli_case_factory.py").write_text(
        "from erlen import Erlen\n"
        "def create_app(name='made'):\n    return Erlen(name)\n"
        "def needs_args(name):\n    return Erlen(name)\n"
        "def broken():\n    raise TypeError('bug in the factory')\n"
        "not_an_app = 42\n"
    )
    (tmp_path / "cli_case_two.py").write_text(
        "from erlen import Erlen\nfirst = Erlen('first')\nsecond = Erlen('second')\n"
    )
    (tmp_path / "cli_case_badimport.py").write_text("import cli_case_does_not_exist\n")
    package = tmp_path / "cli_case_pkg" / "web"
    package.mkdir(parents=True)
    (package.parent / "__init__.py").write_text("")
    (package / "__init__.py").write_text("from erlen import Erlen\napp = Erlen('packaged')\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def make_app(name: str = "cliapp") -> Erlen:
    app = Erlen(name)

    @app.route("/items/<int:item_id>", methods=["GET", "POST"])
    def item(item_id: int) -> str:
        return str(item_id)

    @app.route("/health")
    def health() -> str:
        return "ok"

    return app


# -- finding the app -------------------------------------------------------------------------


def test_locate_app_by_module_name_and_expression(project: Path) -> None:
    assert locate_app("cli_case_factory").name == "made"
    assert locate_app("cli_case_factory", "create_app").name == "made"
    assert locate_app("cli_case_factory", "create_app('other')").name == "other"
    assert locate_app("cli_case_factory", " create_app(name='kw') ").name == "kw"
    assert locate_app("cli_case_pkg.web").name == "packaged"


@pytest.mark.parametrize(
    ("module_name", "app_name"),
    [
        ("cli_case_missing", None),
        ("cli_case_factory", "missing"),
        ("cli_case_factory", "not_an_app"),
        ("cli_case_factory", "needs_args"),
        ("cli_case_factory", "create_app("),
        ("cli_case_factory", "create_app(os.sep)"),
        ("cli_case_two", None),
        ("cli_case_badimport", None),
    ],
)
def test_locate_app_errors_are_no_app_exceptions(
    project: Path, module_name: str, app_name: str | None
) -> None:
    with pytest.raises(NoAppException):
        locate_app(module_name, app_name)


def test_locate_app_returns_none_only_for_a_missing_module(project: Path) -> None:
    assert locate_app("cli_case_missing", None, raise_if_not_found=False) is None
    with pytest.raises(NoAppException, match="ImportError was raised"):
        locate_app("cli_case_badimport", None, raise_if_not_found=False)


def test_a_type_error_inside_a_factory_is_not_hidden(project: Path) -> None:
    with pytest.raises(TypeError, match="bug in the factory"):
        locate_app("cli_case_factory", "broken")


def test_find_best_app_prefers_app_then_the_only_instance_then_a_factory(project: Path) -> None:
    import cli_case_factory  # type: ignore[import-not-found]
    import cli_case_two  # type: ignore[import-not-found]

    assert find_best_app(cli_case_factory).name == "made"
    with pytest.raises(NoAppException, match="Several Erlen apps"):
        find_best_app(cli_case_two)


def test_prepare_import_climbs_packages_and_extends_sys_path(project: Path) -> None:
    assert prepare_import("cli_case_pkg/web/__init__.py") == "cli_case_pkg.web"
    assert sys.path[0] == str(project)
    assert prepare_import(project / "cli_case_factory.py") == "cli_case_factory"
    assert prepare_import("cli_case_pkg.web") == "cli_case_pkg.web"


def test_script_info_loads_files_and_paths_with_an_attribute(project: Path) -> None:
    hello = ScriptInfo(app_import_path=str(ROOT / "examples" / "hello.py"))
    assert hello.load_app().name == "My first web application"
    assert hello.load_app() is hello.load_app()
    info = ScriptInfo(app_import_path=f"{project / 'cli_case_factory.py'}:create_app('x')")
    assert info.load_app().name == "x"


def test_script_info_finds_app_py_in_the_current_folder(project: Path) -> None:
    with pytest.raises(NoAppException, match="FLASK_APP"):
        ScriptInfo().load_app()
    (project / "app.py").write_text("from erlen import Erlen\napp = Erlen('local')\n")
    sys.modules.pop("app", None)
    try:
        assert ScriptInfo().load_app().name == "local"
    finally:
        sys.modules.pop("app", None)


def test_script_info_sets_debug_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    def create_app() -> Erlen:
        app = Erlen("debugging")
        app.debug = True
        return app

    assert ScriptInfo(create_app=create_app).load_app().debug is False
    assert ScriptInfo(create_app=create_app, set_debug_flag=False).load_app().debug is True
    monkeypatch.setenv("FLASK_DEBUG", "1")
    assert ScriptInfo(create_app=create_app).load_app().debug is True


# -- the environment helpers -----------------------------------------------------------------


def test_debug_flag_reads_erlen_then_flask(monkeypatch: pytest.MonkeyPatch) -> None:
    assert get_debug_flag() is False
    monkeypatch.setenv("FLASK_DEBUG", "1")
    assert get_debug_flag() is True
    monkeypatch.setenv("ERLEN_DEBUG", "false")
    assert get_debug_flag() is False
    monkeypatch.setenv("ERLEN_DEBUG", "yes")
    assert get_debug_flag() is True


def test_skip_dotenv_reads_erlen_then_flask(monkeypatch: pytest.MonkeyPatch) -> None:
    assert get_load_dotenv() is True
    assert get_load_dotenv(False) is False
    monkeypatch.setenv("FLASK_SKIP_DOTENV", "1")
    assert get_load_dotenv() is False
    monkeypatch.setenv("ERLEN_SKIP_DOTENV", "0")
    assert get_load_dotenv() is True


def test_load_dotenv_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("dotenv")
    (tmp_path / ".flaskenv").write_text("CLI_CASE_A=flaskenv\nCLI_CASE_B=flaskenv\n")
    (tmp_path / ".erlenenv").write_text("CLI_CASE_B=erlenenv\nCLI_CASE_C=erlenenv\n")
    (tmp_path / ".env").write_text("CLI_CASE_C=env\nCLI_CASE_D=env\n")
    (tmp_path / "extra.env").write_text("CLI_CASE_D=extra\nCLI_CASE_E=extra\n")
    monkeypatch.setenv("CLI_CASE_E", "already set")
    monkeypatch.chdir(tmp_path)
    assert load_dotenv(tmp_path / "extra.env")
    assert [os.environ[f"CLI_CASE_{key}"] for key in "ABCDE"] == [
        "flaskenv", "erlenenv", "env", "extra", "already set",
    ]  # fmt: skip
    assert not load_dotenv("no-such-file", load_defaults=False)


def test_skip_dotenv_keeps_the_group_from_loading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("dotenv")
    (tmp_path / ".env").write_text("CLI_CASE_SKIPPED=loaded\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ERLEN_SKIP_DOTENV", "1")
    CliRunner().invoke(ErlenGroup(create_app=make_app), ["routes"])
    assert "CLI_CASE_SKIPPED" not in os.environ
    monkeypatch.delenv("ERLEN_SKIP_DOTENV")
    CliRunner().invoke(ErlenGroup(create_app=make_app), ["routes"])
    assert os.environ["CLI_CASE_SKIPPED"] == "loaded"


# -- groups and the app context --------------------------------------------------------------


def test_app_commands_run_in_app_context() -> None:
    app = Erlen("cliapp")

    @app.cli.command("greet")
    @click.argument("name")
    def greet(name: str) -> None:
        click.echo(f"hello {name} from {current_app.name}")

    result = app.test_cli_runner().invoke(args=["greet", "ada"])
    assert result.exit_code == 0, result.output
    assert result.output == "hello ada from cliapp\n"


def test_blueprint_commands_join_the_app_cli_as_in_flask() -> None:
    from erlen import Blueprint

    app = Erlen("cliapp")
    own = Blueprint("users", __name__)  # a group named after the blueprint
    named = Blueprint("admin", __name__, cli_group="manage")
    merged = Blueprint("tools", __name__, cli_group=None)  # straight into the app's group

    @own.cli.command("create")
    @click.argument("name")
    def create(name: str) -> None:
        click.echo(f"created {name} in {current_app.name}")

    @named.cli.command("purge")
    def purge() -> None:
        click.echo("purged")

    @merged.cli.command("check")
    def check() -> None:
        click.echo("checked")

    for blueprint in (own, named, merged):
        app.register_blueprint(blueprint)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["users", "create", "ada"]).output == "created ada in cliapp\n"
    assert runner.invoke(args=["manage", "purge"]).output == "purged\n"
    assert runner.invoke(args=["check"]).output == "checked\n"


def test_group_pushes_the_context_for_parameter_callbacks() -> None:
    app = make_app()

    def seen_app(ctx: click.Context, param: click.Parameter, value: str) -> str:
        return f"{value}:{current_app.name}"

    @app.cli.command("show", with_appcontext=False)
    @click.argument("value", callback=seen_app)
    def show(value: str) -> None:
        click.echo(value)

    result = CliRunner().invoke(ErlenGroup(create_app=lambda: app), ["show", "x"])
    assert result.output == "x:cliapp\n"


def test_with_appcontext_uses_the_script_info() -> None:
    @click.command()
    @with_appcontext
    def name() -> None:
        click.echo(current_app.name)

    result = CliRunner().invoke(name, obj=ScriptInfo(create_app=lambda: Erlen("from-info")))
    assert result.output == "from-info\n"


def test_app_group_subgroups_run_in_app_context() -> None:
    @click.group(cls=AppGroup)
    def tools() -> None:
        pass

    @tools.group()
    def database() -> None:
        pass

    @database.command()
    def status() -> None:
        click.echo(current_app.name)

    assert isinstance(database, AppGroup)
    info = ScriptInfo(create_app=lambda: Erlen("grouped"))
    assert CliRunner().invoke(tools, ["database", "status"], obj=info).output == "grouped\n"


def test_app_option_falls_back_to_flask_app(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLASK_APP", "cli_case_factory:create_app('from-flask')")
    group = ErlenGroup()

    @group.command()
    def name() -> None:
        click.echo(current_app.name)

    assert CliRunner().invoke(group, ["name"]).output == "from-flask\n"
    monkeypatch.setenv("ERLEN_APP", "cli_case_factory:create_app('from-erlen')")
    assert CliRunner().invoke(group, ["name"]).output == "from-erlen\n"
    result = CliRunner().invoke(group, ["--app", "cli_case_pkg.web", "name"])
    assert result.output == "packaged\n"


def test_debug_option_sets_the_app_debug_flag() -> None:
    group = ErlenGroup(create_app=make_app)

    @group.command()
    def debug() -> None:
        click.echo(current_app.debug)

    assert CliRunner().invoke(group, ["--debug", "debug"]).output == "True\n"
    assert CliRunner().invoke(group, ["--no-debug", "debug"]).output == "False\n"


def test_help_lists_app_commands_and_loading_errors() -> None:
    app = make_app()

    @app.cli.command("seed")
    def seed() -> None:
        """Fill the database."""

    result = CliRunner().invoke(ErlenGroup(create_app=lambda: app), ["--help"])
    assert result.exit_code == 0
    assert "seed" in result.output and "routes" in result.output

    def failing_factory() -> Erlen:
        raise RuntimeError("factory exploded")

    result = CliRunner().invoke(ErlenGroup(create_app=failing_factory), ["--help"])
    assert result.exit_code == 0
    assert "RuntimeError: factory exploded" in result.stderr


def test_unknown_command_without_an_app_explains_how_to_name_one(project: Path) -> None:
    result = CliRunner().invoke(ErlenGroup(), ["missing"])
    assert result.exit_code == 2
    assert "Could not find an app" in result.stderr
    assert "No such command 'missing'" in result.stderr


def test_version_option() -> None:
    from erlen import __version__

    result = CliRunner().invoke(ErlenGroup(), ["--version"])
    assert result.exit_code == 0
    assert f"Erlen {__version__}" in result.output


# -- routes ----------------------------------------------------------------------------------


def routes_output(*args: str, app: Erlen | None = None) -> str:
    chosen = app if app is not None else make_app()
    result = CliRunner().invoke(ErlenGroup(create_app=lambda: chosen), ["routes", *args])
    assert result.exit_code == 0, result.output
    return result.output


def first_column(output: str) -> list[str]:
    return [line.split()[0] for line in output.splitlines()[2:]]


def test_routes_sorts_by_each_column() -> None:
    assert first_column(routes_output()) == ["health", "item", "static"]
    assert first_column(routes_output("-s", "rule")) == ["health", "item", "static"]
    assert first_column(routes_output("-s", "methods"))[-1] == "item"  # "GET, POST" sorts last


def test_routes_hides_head_and_options_unless_asked() -> None:
    assert "HEAD" not in routes_output()
    assert "GET, HEAD, OPTIONS, POST" in routes_output("--all-methods")


def test_routes_without_any() -> None:
    assert "No routes were registered." in routes_output(app=Erlen("empty", static_folder=None))


def test_routes_command_in_a_subprocess() -> None:
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


def test_missing_app_is_a_clear_usage_error(tmp_path: Path) -> None:
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


# -- run -------------------------------------------------------------------------------------


def test_run_reads_erlen_then_flask_run_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_command.make_context("run", []).params["port"] == 5000
    monkeypatch.setenv("FLASK_RUN_PORT", "8001")
    assert run_command.make_context("run", []).params["port"] == 8001
    monkeypatch.setenv("ERLEN_RUN_PORT", "8002")
    assert run_command.make_context("run", []).params["port"] == 8002
    assert run_command.make_context("run", ["--port", "8003"]).params["port"] == 8003


@pytest.mark.parametrize("port", ["-1", "65536", "99999"])
def test_run_refuses_a_port_outside_0_65535(port: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """waitress took it modulo 65536: `--port 99999` listened on 34463."""
    with pytest.raises(click.BadParameter, match="0<=x<=65535"):
        run_command.make_context("run", ["--port", port])
    monkeypatch.setenv("ERLEN_RUN_PORT", port)
    with pytest.raises(click.BadParameter, match="0<=x<=65535"):
        run_command.make_context("run", [])


def erlen_run(*args: str) -> subprocess.CompletedProcess[str]:
    """`erlen --app examples/hello.py run ARGS` to its end (a minute at most)."""
    return subprocess.run(
        [sys.executable, "-m", "erlen", "--app", "examples/hello.py", "run", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_run_with_a_port_outside_0_65535_is_a_usage_error_before_listening() -> None:
    result = erlen_run("--port", "99999")
    assert result.returncode == 2
    assert "99999 is not in the range 0<=x<=65535" in result.stderr
    assert "Running on" not in result.stdout


@pytest.mark.parametrize(
    "args",
    [[], ["--reload"], ["--asgi"], ["--host", "192.0.2.1"]],
    ids=["port in use", "port in use, reloader", "port in use, asgi", "host not this machine's"],
)
def test_run_that_cannot_listen_ends_with_one_error_line(args: list[str]) -> None:
    """It was a 45-line traceback (and under the reloader, a reloader left waiting)."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = erlen_run("--port", str(port), *args)
    assert result.returncode == 1, result.stderr
    address = "192.0.2.1" if "--host" in args else "127.0.0.1"
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"Error: Cannot listen on {address}:{port}: "), line
    assert ("not an address of this machine" if "--host" in args else "in use") in line


def test_run_cert_and_key_go_together(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cert = tmp_path / "cert.pem"
    cert.write_text("")
    with pytest.raises(click.BadParameter):
        run_command.make_context("run", ["--cert", str(cert)])
    with pytest.raises(click.BadParameter):
        run_command.make_context("run", ["--key", str(cert)])
    context = run_command.make_context("run", ["--key", str(cert), "--cert", str(cert)])
    assert context.params["cert"] == (str(cert), str(cert))
    monkeypatch.setitem(sys.modules, "cli_case_tls", ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER))
    context = run_command.make_context("run", ["--cert", "cli_case_tls"])
    assert isinstance(context.params["cert"], ssl.SSLContext)
    with pytest.raises(click.BadParameter):
        run_command.make_context("run", ["--cert", "cli_case_tls", "--key", str(cert)])


def test_run_refuses_https_rather_than_serving_plain_http(tmp_path: Path) -> None:
    cert = tmp_path / "cert.pem"
    cert.write_text("")
    group = ErlenGroup(create_app=make_app)
    result = CliRunner().invoke(group, ["run", "--cert", str(cert), "--key", str(cert)])
    assert result.exit_code == 2
    assert "does not serve HTTPS" in result.stderr


def test_run_path_lists_split_on_pathsep() -> None:
    context = run_command.make_context("run", ["--extra-files", f"a.cfg{os.pathsep}b.cfg"])
    assert context.params["extra_files"] == ["a.cfg", "b.cfg"]


# -- shell -----------------------------------------------------------------------------------


def test_shell_has_app_g_and_shell_context(monkeypatch: pytest.MonkeyPatch) -> None:
    # The interpreter's hook would set up history in the user's home folder.
    monkeypatch.delattr(sys, "__interactivehook__", raising=False)
    app = make_app("shellapp")
    app.shell_context_processor(lambda: {"answer": 42})
    result = CliRunner().invoke(
        ErlenGroup(create_app=lambda: app),
        ["shell"],
        input="print(app.name, answer, g is not None)\n",
        env={"PYTHONSTARTUP": ""},
        catch_exceptions=False,
    )
    assert result.exit_code == 0
    assert "App: shellapp" in result.output
    assert "shellapp 42 True" in result.output


THREADS_APP = """
import threading
import time

from erlen import Erlen

app = Erlen(__name__)


@app.get("/thread")
def thread() -> dict[str, object]:
    time.sleep(0.2)  # held long enough for the requests to overlap
    return {"thread": threading.current_thread().name, "pool": app.executor.max_workers}
"""


@pytest.mark.server
@pytest.mark.wsgi_only
def test_erlen_run_asgi_takes_threads_for_its_sync_views(tmp_path: Path, start_server: Any) -> None:
    import json
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    (tmp_path / "threads_app.py").write_text(THREADS_APP)
    server = start_server(
        ["-m", "erlen", "--app", "threads_app.py", "run", "--asgi", "--threads", "2"],
        cwd=tmp_path,
    )

    def get(_: int) -> dict[str, Any]:
        with urllib.request.urlopen(f"{server.url}/thread", timeout=10) as response:
            return dict(json.loads(response.read()))

    with ThreadPoolExecutor(6) as clients:
        answers = list(clients.map(get, range(6)))
    assert {answer["pool"] for answer in answers} == {2}
    assert len({answer["thread"] for answer in answers}) == 2
