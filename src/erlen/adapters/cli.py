"""The ``erlen`` command: ``run``, ``routes``, ``shell`` and the app's own commands.

Built on click, which only this module imports, so ``import erlen`` stays fast. The app is
named by ``--app`` or the ``ERLEN_APP`` environment variable (``FLASK_APP`` when that is unset),
in one of these forms::

    module                  the app found in the module (see find_best_app)
    module:name             a module attribute, called if it is a function
    module:create_app('x')  a factory called with literal arguments
    path/to/file.py[:name]  a file; its folder (above any packages) goes on sys.path

With none of these, a ``wsgi.py`` or ``app.py`` in the current folder is used. The surface is
Flask's (``ScriptInfo``, ``FlaskGroup`` as ``ErlenGroup``, ``with_appcontext``...), so scripts
and extensions written for ``flask`` run under ``erlen``.

Longer than 600 lines on purpose: finding the app (``locate_app`` and its forms), ``ScriptInfo``
and the groups are Flask's CLI contract, which extensions import by these names from
``flask.cli``; the commands themselves are a few lines each, and the server behind ``run`` is
``serving.py``.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import os
import platform
import re
import sys
import traceback
from collections.abc import Callable
from types import FunctionType, ModuleType
from typing import Any, Literal, TypeVar, overload

import click
from click.core import ParameterSource

from ..app.context import current_app, g
from ..app.helpers import get_debug_flag, get_load_dotenv, load_dotenv
from ..core import __version__
from .erlen import Erlen

__all__ = [
    "AppGroup",
    "ErlenGroup",
    "NoAppException",
    "ScriptInfo",
    "cli",
    "find_app_by_string",
    "find_best_app",
    "get_version",
    "load_dotenv",
    "locate_app",
    "main",
    "pass_script_info",
    "prepare_import",
    "routes_command",
    "run_command",
    "shell_command",
    "with_appcontext",
]

F = TypeVar("F", bound=Callable[..., Any])

#: Splits ``module:name`` at the first colon that does not start a Windows path (``C:\``).
_APP_NAME_SEPARATOR = re.compile(r":(?![\\/])")


class NoAppException(click.UsageError):
    """The app could not be found or imported; the message says where Erlen looked."""


# -- finding the app -------------------------------------------------------------------------


def _raised_inside(error: BaseException, function: FunctionType) -> bool:
    """Whether ``error`` came from inside ``function``'s body rather than from calling it.

    A ``TypeError`` raised before the function's frame exists means the arguments did not
    fit its signature; one raised from its body is the factory's own bug and must surface.
    """
    frame_info = error.__traceback__
    while frame_info is not None:
        if frame_info.tb_frame.f_code is function.__code__:
            return True
        frame_info = frame_info.tb_next
    return False


def _call_factory(
    factory: FunctionType, args: list[Any], kwargs: dict[str, Any], description: str
) -> object:
    try:
        return factory(*args, **kwargs)
    except TypeError as error:
        if _raised_inside(error, factory):
            raise
        raise NoAppException(
            f"The factory {description} could not be called with the arguments given ({error})."
            " Name the arguments it needs, for example 'module:create_app(\"dev\")'."
        ) from error


def find_best_app(module: ModuleType) -> Erlen:
    """The app in ``module``: an Erlen named ``app`` or ``application``, else the only Erlen
    instance in it, else what ``create_app()`` or ``make_app()`` returns.

    Raises ``NoAppException`` when there is none, several, or the factory needs arguments.
    """
    module_name = module.__name__
    for name in ("app", "application"):
        candidate = getattr(module, name, None)
        if isinstance(candidate, Erlen):
            return candidate
    apps = [value for value in vars(module).values() if isinstance(value, Erlen)]
    if len(apps) == 1:
        return apps[0]
    if len(apps) > 1:
        raise NoAppException(
            f"Several Erlen apps in module {module_name!r}; name one with '{module_name}:name'."
        )
    for name in ("create_app", "make_app"):
        factory = getattr(module, name, None)
        if inspect.isfunction(factory):
            app = _call_factory(factory, [], {}, f"{name}() in {module_name!r}")
            if isinstance(app, Erlen):
                return app
    raise NoAppException(
        f"No Erlen app or factory in module {module_name!r}. Use '{module_name}:name' to name it."
    )


def find_app_by_string(module: ModuleType, app_name: str) -> Erlen:
    """The app that ``app_name`` names in ``module``: an attribute, or a call with literal
    arguments such as ``create_app('dev', debug=True)``. A function named bare is called."""
    module_name = module.__name__
    try:
        expression = ast.parse(app_name.strip(), mode="eval").body
    except SyntaxError:
        raise NoAppException(
            f"Could not parse {app_name!r} as an attribute name or a function call."
        ) from None
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    if isinstance(expression, ast.Name):
        name = expression.id
    elif isinstance(expression, ast.Call) and isinstance(expression.func, ast.Name):
        name = expression.func.id
        try:
            args = [ast.literal_eval(argument) for argument in expression.args]
            kwargs = {
                keyword.arg: ast.literal_eval(keyword.value)
                for keyword in expression.keywords
                if keyword.arg is not None
            }
        except ValueError:
            raise NoAppException(
                f"The arguments in {app_name!r} must be Python literals (strings, numbers...)."
            ) from None
    else:
        raise NoAppException(f"{app_name!r} must be an attribute name or a function call.")
    try:
        target = getattr(module, name)
    except AttributeError as error:
        raise NoAppException(f"Module {module_name!r} has no attribute {name!r}.") from error
    app = _call_factory(target, args, kwargs, repr(name)) if inspect.isfunction(target) else target
    if isinstance(app, Erlen):
        return app
    raise NoAppException(f"'{module_name}:{app_name}' did not give an Erlen app, but {app!r}.")


def prepare_import(path: str | os.PathLike[str]) -> str:
    """The module name to import for a file or folder path, with its root put on ``sys.path``.

    ``src/app.py`` gives ``app`` with ``src`` first on ``sys.path``; inside packages the name
    climbs while folders have an ``__init__.py`` (``pkg/sub/__init__.py`` gives ``pkg.sub``).
    A dotted name (``pkg.app``) comes back unchanged, with the current folder on the path.
    """
    location = os.path.realpath(path)
    stem, extension = os.path.splitext(location)
    if extension == ".py":
        location = stem
    if os.path.basename(location) == "__init__":
        location = os.path.dirname(location)
    parts: list[str] = []
    while True:
        location, name = os.path.split(location)
        parts.append(name)
        if not os.path.exists(os.path.join(location, "__init__.py")):
            break
    if sys.path[0] != location:
        sys.path.insert(0, location)
    return ".".join(reversed(parts))


def _is_missing(error: ImportError, module_name: str) -> bool:
    """Whether ``error`` says ``module_name`` itself (or a package above it) does not exist,
    as opposed to an import inside it failing."""
    missing = getattr(error, "name", None)
    if not isinstance(error, ModuleNotFoundError) or not missing:
        return False
    return f"{module_name}.".startswith(f"{missing}.")


@overload
def locate_app(
    module_name: str, app_name: str | None = None, raise_if_not_found: Literal[True] = True
) -> Erlen: ...
@overload
def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: bool
) -> Erlen | None: ...
def locate_app(
    module_name: str, app_name: str | None = None, raise_if_not_found: bool = True
) -> Erlen | None:
    """Import ``module_name`` and return the app in it: ``app_name`` (see
    ``find_app_by_string``) or, when that is None, the one ``find_best_app`` picks.

    When the module does not exist, raises ``NoAppException`` or, with
    ``raise_if_not_found=False``, returns None. An ``ImportError`` from inside the module
    always raises ``NoAppException``, with the traceback, since it is a bug to fix.
    """
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        if not _is_missing(error, module_name):
            raise NoAppException(
                f"While importing {module_name!r}, an ImportError was raised:\n\n"
                f"{traceback.format_exc()}"
            ) from None
        if raise_if_not_found:
            raise NoAppException(f"Could not import {module_name!r}.") from None
        return None
    if app_name is None:
        return find_best_app(module)
    return find_app_by_string(module, app_name)


class ScriptInfo:
    """How a command gets the app: loaded once, from a factory, an import path or the folder.

    ``data`` is free for a custom script to share values between its commands.
    """

    def __init__(
        self,
        app_import_path: str | None = None,
        create_app: Callable[..., Erlen] | None = None,
        set_debug_flag: bool = True,
        load_dotenv_defaults: bool = True,
    ) -> None:
        #: ``module:name``, a file path, ... (the forms in this module's docstring).
        self.app_import_path = app_import_path
        #: A function returning the app; wins over ``app_import_path``.
        self.create_app = create_app
        #: Whether loading sets ``app.debug`` from ``ERLEN_DEBUG`` / ``FLASK_DEBUG``.
        self.set_debug_flag = set_debug_flag
        #: Whether ``.flaskenv``, ``.erlenenv`` and ``.env`` are loaded (off with
        #: ``ERLEN_SKIP_DOTENV=1``).
        self.load_dotenv_defaults = get_load_dotenv(load_dotenv_defaults)
        self.data: dict[Any, Any] = {}
        self._loaded_app: Erlen | None = None

    def load_app(self) -> Erlen:
        """The app, loaded on the first call and the same object afterwards."""
        if self._loaded_app is not None:
            return self._loaded_app
        app: Erlen | None = None
        if self.create_app is not None:
            app = self.create_app()
        elif self.app_import_path:
            path, *name = _APP_NAME_SEPARATOR.split(self.app_import_path, maxsplit=1)
            app = locate_app(prepare_import(path), name[0] if name else None)
        else:
            for filename in ("wsgi.py", "app.py"):
                # Checked first so that an installed module named ``app`` is never picked up.
                if os.path.isfile(filename):
                    app = locate_app(prepare_import(filename), None, raise_if_not_found=False)
                    if app is not None:
                        break
        if app is None:
            raise NoAppException(
                "Could not find an app: pass '--app module:name', set ERLEN_APP (or FLASK_APP),"
                " or run where a 'wsgi.py' or 'app.py' file is."
            )
        if self.set_debug_flag:
            app.debug = get_debug_flag()
        self._loaded_app = app
        return app


#: Passes the current ``ScriptInfo`` (created if there is none) as a command's first argument.
pass_script_info = click.make_pass_decorator(ScriptInfo, ensure=True)


def _app_for(ctx: click.Context) -> Erlen:
    """The app a command runs for: the ``ScriptInfo``'s, else the one owning ``app.cli``
    (as when ``app.test_cli_runner()`` invokes it), else one found from the environment."""
    info = ctx.find_object(ScriptInfo)
    if info is None:
        context: click.Context | None = ctx
        while context is not None:
            if isinstance(context.command, AppGroup) and context.command.app is not None:
                return context.command.app
            context = context.parent
        info = ctx.ensure_object(ScriptInfo)
    return info.load_app()


def with_appcontext(func: F) -> F:
    """Run a click command inside the app's application context (if one is not active)."""

    @click.pass_context
    def run_in_app_context(ctx: click.Context, /, *args: Any, **kwargs: Any) -> Any:
        if not current_app:
            ctx.with_resource(_app_for(ctx).app_context())
        return ctx.invoke(func, *args, **kwargs)

    return functools.update_wrapper(run_in_app_context, func)  # type: ignore[return-value]


class AppGroup(click.Group):
    """A click group whose commands run in the app context; ``app.cli`` is one.

    ``@group.command(with_appcontext=False)`` opts a command out; subgroups are AppGroups.
    """

    def __init__(
        self, name: str | None = None, *args: Any, app: Erlen | None = None, **kwargs: Any
    ) -> None:
        super().__init__(name, *args, **kwargs)
        #: The app owning this group, when it is ``app.cli``.
        self.app = app

    def command(self, *args: Any, **kwargs: Any) -> Any:
        """``click.Group.command``, wrapping the callback in ``with_appcontext``."""
        wrap = kwargs.pop("with_appcontext", True)

        def decorator(func: Callable[..., Any]) -> click.Command:
            if wrap:
                func = with_appcontext(func)
            command: click.Command = click.Group.command(self, *args, **kwargs)(func)
            return command

        return decorator


AppGroup.group_class = AppGroup


# -- the erlen group and its options ---------------------------------------------------------


def _set_app(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        ctx.ensure_object(ScriptInfo).app_import_path = value
    return value


def _set_debug(ctx: click.Context, param: click.Parameter, value: bool | None) -> bool | None:
    """Publish an explicit ``--debug``/``--no-debug`` as ``ERLEN_DEBUG`` for loading (and for
    the reloader's child process); a default leaves the environment's own setting alone."""
    source = ctx.get_parameter_source(param.name) if param.name else None
    if source is None or source in (ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP):
        return None
    os.environ["ERLEN_DEBUG"] = "1" if value else "0"
    return value


def _load_env_file(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    try:
        import dotenv  # noqa: F401
    except ImportError:
        if value is not None:
            raise click.BadParameter(
                "python-dotenv must be installed to load an env file: pip install 'erlen[dotenv]'.",
                ctx=ctx,
                param=param,
            ) from None
        return None
    defaults = ctx.ensure_object(ScriptInfo).load_dotenv_defaults
    if value is not None or defaults:
        load_dotenv(value, load_defaults=defaults)
    return value


def get_version(ctx: click.Context, param: click.Parameter | None, value: bool) -> None:
    """``--version``: print the Python and Erlen versions, then exit."""
    if not value or ctx.resilient_parsing:
        return
    click.echo(f"Python {platform.python_version()}\nErlen {__version__}", color=ctx.color)
    ctx.exit()


def _group_options(add_version_option: bool) -> list[click.Parameter]:
    """The options every ErlenGroup takes. ``--env-file`` comes first and both it and
    ``--app`` are eager, so the app's commands can be listed by ``--help``."""
    options: list[click.Parameter] = [
        click.Option(
            ["-e", "--env-file"],
            type=click.Path(exists=True, dir_okay=False),
            help="Load environment variables from this file, over the default dotenv files.",
            is_eager=True,
            expose_value=False,
            callback=_load_env_file,
        ),
        click.Option(
            ["-A", "--app"],
            metavar="IMPORT",
            help="The app: 'module:name', 'module:create_app()' or 'path/file.py'.",
            envvar=["ERLEN_APP", "FLASK_APP"],
            is_eager=True,
            expose_value=False,
            callback=_set_app,
        ),
        click.Option(
            ["--debug/--no-debug"],
            help="Debug mode: traceback pages and the reloader.",
            # get_debug_flag reads ERLEN_DEBUG / FLASK_DEBUG itself.
            allow_from_autoenv=False,
            expose_value=False,
            callback=_set_debug,
        ),
    ]
    if add_version_option:
        options.append(
            click.Option(
                ["--version"],
                help="Show the Erlen version.",
                is_flag=True,
                is_eager=True,
                expose_value=False,
                callback=get_version,
            )
        )
    return options


class ErlenGroup(AppGroup):
    """A command group that finds the app and adds its ``app.cli`` commands to its own.

    ``erlen`` is one; a project can make its own script with one (Flask's ``FlaskGroup``).
    ``create_app`` is a function returning the app, used instead of ``--app``;
    ``load_dotenv=False`` skips the default dotenv files; ``set_debug_flag=False`` leaves
    ``app.debug`` as the app set it. Commands come from the group, from the ``erlen.commands``
    entry points, and from the app.
    """

    def __init__(
        self,
        add_default_commands: bool = True,
        create_app: Callable[..., Erlen] | None = None,
        add_version_option: bool = True,
        load_dotenv: bool = True,
        set_debug_flag: bool = True,
        **extra: Any,
    ) -> None:
        params = [*(extra.pop("params", None) or ()), *_group_options(add_version_option)]
        extra.setdefault("context_settings", {}).setdefault("auto_envvar_prefix", "ERLEN")
        super().__init__(params=params, **extra)
        self.create_app = create_app
        self.load_dotenv = load_dotenv
        self.set_debug_flag = set_debug_flag
        if add_default_commands:
            self.add_command(run_command)
            self.add_command(shell_command)
            self.add_command(routes_command)
        self._loaded_plugin_commands = False

    def _load_plugin_commands(self) -> None:
        if self._loaded_plugin_commands:
            return
        from importlib.metadata import entry_points

        groups = ["erlen.commands"]
        # Flask extensions' commands are written against ``flask``; they only work when
        # erlen.flask_patch makes that name Erlen.
        if "erlen.flask_patch" in sys.modules:
            groups.append("flask.commands")
        for group in groups:
            for entry_point in entry_points(group=group):
                self.add_command(entry_point.load(), entry_point.name)
        self._loaded_plugin_commands = True

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._load_plugin_commands()
        # Built-in and plugin commands work even when the app cannot be loaded.
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        try:
            app = ctx.ensure_object(ScriptInfo).load_app()
        except NoAppException as error:
            click.secho(f"Error: {error.format_message()}\n", err=True, fg="red")
            return None
        # The app context is pushed here, not only by with_appcontext, so that parameter
        # callbacks of the app's commands see current_app too.
        if not current_app or current_app._get_current_object() is not app:  # type: ignore[attr-defined]
            ctx.with_resource(app.app_context())
        found: click.Command | None = app.cli.get_command(ctx, cmd_name)
        return found

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugin_commands()
        names = set(super().list_commands(ctx))
        try:
            names.update(ctx.ensure_object(ScriptInfo).load_app().cli.list_commands(ctx))
        except NoAppException as error:
            click.secho(f"Error: {error.format_message()}\n", err=True, fg="red")
        except Exception:
            # Help must still show; the traceback says why the app's commands are missing.
            click.secho(f"{traceback.format_exc()}\n", err=True, fg="red")
        return sorted(names)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        # Makes app.run() a no-op, so a module calling it at import time does not block the
        # command that imports it.
        os.environ["ERLEN_RUN_FROM_CLI"] = "true"
        if "obj" not in extra and "obj" not in self.context_settings:
            extra["obj"] = ScriptInfo(
                create_app=self.create_app,
                set_debug_flag=self.set_debug_flag,
                load_dotenv_defaults=self.load_dotenv,
            )
        return super().make_context(info_name, args, parent=parent, **extra)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if (not args and self.no_args_is_help) or (
            len(args) == 1 and args[0] in self.get_help_option_names(ctx)
        ):
            # Help exits while parsing, before non-eager processing: read --env-file and
            # --app (from the environment) first, so the help lists the app's commands.
            for param in self.params:
                if param.name in ("env_file", "app"):
                    param.handle_parse_result(ctx, {}, [])
        return super().parse_args(ctx, args)


# -- the built-in commands -------------------------------------------------------------------


def _run_env(name: str) -> list[str]:
    """The environment variables a ``run`` option reads: Erlen's name, then Flask's."""
    return [f"ERLEN_RUN_{name}", f"FLASK_RUN_{name}"]


class _CertParamType(click.Path):
    """``--cert``: a certificate file, ``adhoc``, or the import name of an ``ssl.SSLContext``."""

    def __init__(self) -> None:
        super().__init__(exists=True, dir_okay=False, resolve_path=True)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            import ssl
        except ImportError:
            raise click.BadParameter(
                "'--cert' needs a Python built with SSL support.", ctx, param
            ) from None
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            name = click.STRING(value, param, ctx).lower()
            if name == "adhoc":
                try:
                    importlib.import_module("cryptography")
                except ImportError:
                    raise click.BadParameter(
                        "An ad-hoc certificate needs the cryptography library.", ctx, param
                    ) from None
                return name
            context = _import_object(name)
            if isinstance(context, ssl.SSLContext):
                return context
            raise


def _import_object(name: str) -> object | None:
    """The module or ``module.attribute`` that ``name`` names, or None if it cannot be had."""
    try:
        return importlib.import_module(name)
    except ImportError:
        module_name, _, attribute = name.rpartition(".")
        if not module_name:
            return None
    try:
        return getattr(importlib.import_module(module_name), attribute, None)
    except ImportError:
        return None


def _validate_key(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--key`` goes with a certificate file, and then makes ``cert`` a (cert, key) pair."""
    cert = ctx.params.get("cert")
    try:
        import ssl
    except ImportError:
        is_context = False
    else:
        is_context = isinstance(cert, ssl.SSLContext)
    if value is not None:
        if cert == "adhoc":
            raise click.BadParameter("When '--cert' is 'adhoc', '--key' is not used.", ctx, param)
        if is_context:
            raise click.BadParameter(
                "When '--cert' is an SSLContext object, '--key' is not used.", ctx, param
            )
        if not cert:
            raise click.BadParameter("'--cert' must also be given.", ctx, param)
        ctx.params["cert"] = (cert, value)
    elif cert and cert != "adhoc" and not is_context:
        raise click.BadParameter("Required when using '--cert'.", ctx, param)
    return value


class _PathList(click.Path):
    """Several paths in one value, separated by ``os.pathsep`` (``:``, or ``;`` on Windows)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, list):
            return value
        convert_one = super().convert  # zero-argument super() fails inside a comprehension
        return [convert_one(item, param, ctx) for item in value.split(os.pathsep) if item]


@click.command("run", short_help="Serve the app on a development server.")
@click.option(
    "--host",
    "-h",
    default="127.0.0.1",
    show_default=True,
    envvar=_run_env("HOST"),
    help="The interface to bind.",
)
@click.option(
    "--port",
    "-p",
    default=5000,
    show_default=True,
    type=click.IntRange(0, 65535),
    envvar=_run_env("PORT"),
    help="The port to bind (0: any free port).",
)
@click.option(
    "--cert",
    type=_CertParamType(),
    is_eager=True,
    envvar=_run_env("CERT"),
    help="Serve HTTPS with this certificate (not supported by Erlen's server yet).",
)
@click.option(
    "--key",
    type=click.Path(exists=True, dir_okay=False, resolve_path=True),
    callback=_validate_key,
    expose_value=False,
    envvar=_run_env("KEY"),
    help="The key file for '--cert'.",
)
@click.option(
    "--reload/--no-reload",
    default=None,
    envvar=_run_env("RELOAD"),
    help="Restart when a source file changes (on with --debug).",
)
@click.option(
    "--debug/--no-debug",
    default=None,
    allow_from_autoenv=False,
    expose_value=False,
    callback=_set_debug,
    help="Debug mode, as 'erlen --debug'.",
)
@click.option(
    "--with-threads/--without-threads",
    default=True,
    envvar=_run_env("WITH_THREADS"),
    help="Handle requests in threads; without, one at a time.",
)
@click.option(
    "--threads",
    default=None,
    type=click.IntRange(min=1),
    envvar=_run_env("THREADS"),
    help="Worker threads: waitress's under WSGI (default 8), the sync views' under ASGI "
    "(default ASGI_THREADS, 40).",
)
@click.option(
    "--extra-files",
    type=_PathList(),
    default=None,
    envvar=_run_env("EXTRA_FILES"),
    help=f"More files the reloader watches, separated by {os.pathsep!r}.",
)
@click.option(
    "--exclude-patterns",
    type=_PathList(),
    default=None,
    envvar=_run_env("EXCLUDE_PATTERNS"),
    help="Flask's reloader option; Erlen's reloader ignores it.",
)
@click.option(
    "--asgi/--wsgi",
    "asgi",
    default=None,
    help="Serve over ASGI (uvicorn) or WSGI (waitress); by default ASGI when the app "
    "has WebSocket routes.",
)
@pass_script_info
def run_command(
    info: ScriptInfo,
    host: str,
    port: int,
    cert: Any,
    reload: bool | None,
    with_threads: bool,
    threads: int | None,
    extra_files: list[str] | None,
    exclude_patterns: list[str] | None,
    asgi: bool | None,
) -> None:
    """Serve the app on waitress (or uvicorn), restarting on code changes in debug mode.

    Not for production: run the app under a production server of your choice there.
    """
    if cert is not None:
        raise click.UsageError(
            "Erlen's development server does not serve HTTPS. Serve plain HTTP behind a "
            "TLS-terminating proxy, or run the app under a server that takes certificates."
        )
    if exclude_patterns:
        click.secho(
            " * --exclude-patterns is ignored: Erlen's reloader watches source files.",
            err=True,
            fg="yellow",
        )
    app = info.load_app()
    from .serving import ListenError, run_simple

    # run_simple reads ERLEN_RUN_HOST / ERLEN_RUN_PORT over its arguments; publishing what
    # this command resolved (flag, then ERLEN_RUN_*, then FLASK_RUN_*) makes the flag win.
    os.environ["ERLEN_RUN_HOST"] = host
    os.environ["ERLEN_RUN_PORT"] = str(port)
    try:
        run_simple(
            app, host, port, use_reloader=reload if reload is not None else app.debug,
            threads=threads if with_threads else 1, load_dotenv=False,
            extra_files=extra_files or (),
            interface=None if asgi is None else ("asgi" if asgi else "wsgi"),
        )  # fmt: skip
    except ListenError as error:  # a port in use, a host not this machine's: one line, exit 1
        raise click.ClickException(str(error)) from None


@click.command("routes", short_help="List the app's routes.")
@click.option(
    "--sort",
    "-s",
    default="endpoint",
    type=click.Choice(("endpoint", "methods", "domain", "rule", "match")),
    help="Order by a column, or 'match' for the order the router tries rules in.",
)
@click.option("--all-methods", is_flag=True, help="Show HEAD and OPTIONS too.")
@with_appcontext
def routes_command(sort: str, all_methods: bool) -> None:
    """List each route's endpoint, methods, subdomain or host (when routes have one) and rule."""
    app: Erlen = current_app._get_current_object()  # type: ignore[attr-defined]
    rules = list(app.url_map.iter_rules())
    if not rules:
        click.echo("No routes were registered.")
        return
    hidden_methods = frozenset() if all_methods else frozenset(("HEAD", "OPTIONS"))
    # A domain column when rules have one: their host with host matching, else the subdomain.
    host_matching = app.url_map.host_matching
    domains = [(rule.host if host_matching else rule.subdomain) or "" for rule in rules]
    has_host = any(domains)
    domain_header = "Host" if host_matching else "Subdomain"
    headers = ["Endpoint", "Methods", *([domain_header] if has_host else []), "Rule"]
    rows = [
        [
            rule.endpoint,
            ", ".join(sorted(rule.methods - hidden_methods)),
            *([domain] if has_host else []),
            rule.rule,
        ]
        for rule, domain in zip(rules, domains, strict=True)
    ]
    columns = ["endpoint", "methods", *(["domain"] if has_host else []), "rule"]
    if sort in columns:
        rows.sort(key=lambda row: row[columns.index(sort)])
    widths = [max(len(row[index]) for row in [headers, *rows]) for index in range(len(headers))]
    template = "  ".join(f"{{:<{width}}}" for width in widths)
    click.echo(template.format(*headers))
    click.echo(template.format(*("-" * width for width in widths)))
    for row in rows:
        click.echo(template.format(*row).rstrip())


@click.command("shell", short_help="Run a Python shell in the app context.")
@with_appcontext
def shell_command() -> None:
    """An interactive Python shell in the app context, with ``app``, ``g`` and what the
    app's shell context processors give predefined; ``PYTHONSTARTUP`` runs first."""
    import code

    app: Erlen = current_app._get_current_object()  # type: ignore[attr-defined]
    banner = (
        f"Python {sys.version} on {sys.platform}\n"
        f"App: {app.import_name}\nInstance: {app.instance_path}"
    )
    namespace: dict[str, Any] = {}
    startup = os.environ.get("PYTHONSTARTUP")
    if startup and os.path.isfile(startup):
        with open(startup, encoding="utf-8") as file:
            exec(compile(file.read(), startup, "exec"), namespace)
    namespace.update(app=app, g=g)
    for processor in app.shell_context_processors:
        namespace.update(processor())
    # As the plain interpreter does: history, and tab completion of the shell's own names.
    interactive_hook = getattr(sys, "__interactivehook__", None)
    if interactive_hook is not None:
        try:
            import readline
            from rlcompleter import Completer
        except ImportError:
            pass
        else:
            readline.set_completer(Completer(namespace).complete)
        interactive_hook()
    code.interact(banner=banner, local=namespace)


#: The ``erlen`` command.
cli = ErlenGroup(
    name="erlen",
    help="""Run and manage an Erlen app.

    Name the app with '--app module:name' or ERLEN_APP; without either, a 'wsgi.py' or 'app.py'
    in the current folder is used. '--debug' turns on debug mode.
    """,
)


def main() -> None:
    """Entry point of the ``erlen`` script."""
    cli.main(prog_name="erlen")
