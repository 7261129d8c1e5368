"""The ``erlen`` command: ``run``, ``routes``, ``shell`` and the app's own commands.

Built on click, which only this module imports, so ``import erlen`` stays fast. The app is found
from ``--app`` (``module:app``, ``module:create_app()``, ``path/to/file.py``), the ``ERLEN_APP``
environment variable, or an ``app.py`` / ``wsgi.py`` in the current folder.
"""

from __future__ import annotations

import ast
import importlib
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from .app import Erlen

__all__ = ["main", "cli", "AppGroup", "locate_app", "NoAppException", "with_appcontext"]

F = TypeVar("F", bound=Callable[..., Any])


class NoAppException(click.UsageError):
    """The app could not be found or imported; the message says where Erlen looked."""


def _find_app_in_module(module: Any, module_name: str) -> Erlen:
    from .app import Erlen

    for name in ("app", "application"):
        candidate = getattr(module, name, None)
        if isinstance(candidate, Erlen):
            return candidate
    found = [value for value in vars(module).values() if isinstance(value, Erlen)]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise NoAppException(
            f"Several Erlen apps in module {module_name!r}; name one with '{module_name}:name'."
        )
    for name in ("create_app", "make_app"):
        factory = getattr(module, name, None)
        if callable(factory):
            app = factory()
            if isinstance(app, Erlen):
                return app
    raise NoAppException(
        f"No Erlen app in module {module_name!r}. Use '--app {module_name}:name' to name it."
    )


def _call_factory(module: Any, expression: str, module_name: str) -> Erlen:
    from .app import Erlen

    try:
        node = ast.parse(expression.strip(), mode="eval").body
    except SyntaxError:
        raise NoAppException(
            f"Could not parse {expression!r} as an attribute name or call."
        ) from None
    if isinstance(node, ast.Name):
        app = getattr(module, node.id, None)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        try:
            args = [ast.literal_eval(arg) for arg in node.args]
            kwargs = {kw.arg: ast.literal_eval(kw.value) for kw in node.keywords if kw.arg}
        except ValueError:
            raise NoAppException(f"Factory arguments in {expression!r} must be literals.") from None
        factory = getattr(module, node.func.id, None)
        if not callable(factory):
            raise NoAppException(f"{node.func.id!r} is not a function in {module_name!r}.")
        app = factory(*args, **kwargs)
    else:
        raise NoAppException(f"{expression!r} must be a name or a function call.")
    if not isinstance(app, Erlen):
        raise NoAppException(f"'{module_name}:{expression}' is not an Erlen app.")
    return app


def locate_app(target: str) -> Erlen:
    """Import and return the app named by ``target`` (see the module docstring for forms)."""
    module_part, _, attribute = target.partition(":")
    if module_part.endswith(".py") or os.sep in module_part:
        path = os.path.abspath(module_part)
        if os.path.basename(path) == "__init__.py":
            path = os.path.dirname(path)
        directory, filename = os.path.split(path)
        module_name = os.path.splitext(filename)[0]
        if directory not in sys.path:
            sys.path.insert(0, directory)
    else:
        module_name = module_part
        if os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        if error.name == module_name:
            raise NoAppException(f"Could not import {module_name!r}: {error}") from None
        raise
    if attribute:
        return _call_factory(module, attribute, module_name)
    return _find_app_in_module(module, module_name)


def _load_app(ctx: click.Context) -> Erlen:
    root = ctx.find_root()
    cached = root.meta.get("erlen.app")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    target = root.params.get("app") or os.environ.get("ERLEN_APP")
    if not target:
        for candidate in ("app.py", "wsgi.py"):
            if os.path.exists(candidate):
                target = candidate
                break
    if not target:
        raise NoAppException(
            "Could not find an app: pass '--app module:app', set ERLEN_APP, or run where an "
            "app.py or wsgi.py is."
        )
    app = locate_app(target)
    root.meta["erlen.app"] = app
    return app


def _app_for_command(ctx: click.Context) -> Erlen:
    """The app a command runs for: the one ``erlen`` loaded, or the one owning ``app.cli``."""
    root = ctx.find_root()
    command = root.command
    if "erlen.app" not in root.meta and isinstance(command, AppGroup) and command.app is not None:
        return command.app
    return _load_app(ctx)


def with_appcontext(func: F) -> F:
    """Run a click command inside the app's application context."""
    import functools

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        with _app_for_command(ctx).app_context():
            return ctx.invoke(func, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


class AppGroup(click.Group):
    """``app.cli``: commands registered here run inside the app's context."""

    def __init__(self, name: str | None = None, app: Erlen | None = None, **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        self.app = app

    def command(self, *args: Any, **kwargs: Any) -> Any:
        wrap = kwargs.pop("with_appcontext", True)

        def decorator(func: F) -> click.Command:
            if wrap:
                func = with_appcontext(func)
            command: click.Command = click.Group.command(self, *args, **kwargs)(func)
            return command

        return decorator


class ErlenGroup(click.Group):
    """The ``erlen`` group: built-in commands, then the app's own."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        try:
            app = _load_app(ctx)
        except NoAppException:
            return None
        return app.cli.get_command(ctx, cmd_name)  # type: ignore[no-any-return]

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(super().list_commands(ctx))
        try:
            names.update(_load_app(ctx).cli.list_commands(ctx))
        except NoAppException:
            pass
        return sorted(names)


@click.group(cls=ErlenGroup, context_settings={"auto_envvar_prefix": "ERLEN"})
@click.option(
    "--app", "-A", metavar="IMPORT", help="The app: module:name, module:factory() or file.py."
)
@click.version_option(package_name="erlen", prog_name="Erlen")
def cli(app: str | None) -> None:
    """Erlen: run and manage an Erlen application."""
    from .serving import load_dotenv_files

    os.environ["ERLEN_RUN_FROM_CLI"] = "true"
    load_dotenv_files()


@cli.command("run")
@click.option("--app", "-A", "app_target", metavar="IMPORT", help="The app, as for 'erlen --app'.")
@click.option("--host", "-h", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", "-p", default=5000, show_default=True, type=int, help="Port to bind.")
@click.option(
    "--reload/--no-reload",
    default=None,
    help="Restart when a source file changes (on with --debug).",
)
@click.option("--debug/--no-debug", default=None, help="Debug mode: traceback pages and reloading.")
@click.option("--threads", default=8, show_default=True, type=int, help="Worker threads.")
@click.option(
    "--asgi/--wsgi",
    "asgi",
    default=None,
    help="Serve over ASGI (uvicorn) or WSGI (waitress); by default ASGI when the app has "
    "WebSocket routes.",
)
@click.pass_context
def run_command(
    ctx: click.Context,
    app_target: str | None,
    host: str,
    port: int,
    reload: bool | None,
    debug: bool | None,
    threads: int,
    asgi: bool | None,
) -> None:
    """Serve the app on a development server (http://127.0.0.1:5000)."""
    if app_target:
        ctx.find_root().params["app"] = app_target
    app = _load_app(ctx)
    if debug is not None:
        app.debug = debug
    from .serving import run_simple

    run_simple(
        app, host, port, use_reloader=reload if reload is not None else app.debug,
        threads=threads, load_dotenv=False,
        interface=None if asgi is None else ("asgi" if asgi else "wsgi"),
    )  # fmt: skip


@cli.command("routes")
@click.option(
    "--sort", "-s", type=click.Choice(["endpoint", "methods", "rule", "match"]), default="endpoint"
)
@click.pass_context
def routes_command(ctx: click.Context, sort: str) -> None:
    """List the app's routes: endpoint, methods and rule."""
    app = _load_app(ctx)
    rules = list(app.url_map.iter_rules())
    if not rules:
        click.echo("No routes were registered.")
        return
    if sort == "endpoint":
        rules.sort(key=lambda rule: rule.endpoint)
    elif sort == "rule":
        rules.sort(key=lambda rule: rule.rule)
    elif sort == "methods":
        rules.sort(key=lambda rule: sorted(rule.methods))
    rows = [
        (rule.endpoint, ", ".join(sorted(rule.methods - {"HEAD", "OPTIONS"})), rule.rule)
        for rule in rules
    ]
    headers = ("Endpoint", "Methods", "Rule")
    widths = [max(len(row[index]) for row in [headers, *rows]) for index in range(3)]
    line = "  ".join(f"{{:<{width}}}" for width in widths)
    click.echo(line.format(*headers))
    click.echo(line.format(*("-" * width for width in widths)))
    for row in rows:
        click.echo(line.format(*row).rstrip())


@cli.command("shell")
@click.pass_context
def shell_command(ctx: click.Context) -> None:
    """An interactive Python shell with the app in context (``app`` and ``g`` predefined)."""
    import code

    app = _load_app(ctx)
    from .context import g

    namespace: dict[str, Any] = {"app": app, "g": g}
    banner = f"Python {sys.version} on {sys.platform}\nApp: {app.name}"
    with app.app_context():
        for processor in app.shell_context_processors:
            namespace.update(processor())
        code.interact(banner=banner, local=namespace)


def main() -> None:
    """Entry point of the ``erlen`` script."""
    cli.main(prog_name="erlen")
