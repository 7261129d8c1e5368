"""The sans-IO application :class:`App`: registration, configuration and the request dispatch.

Nothing here knows WSGI or ASGI, as Flask's ``sansio.app.App`` does not: :meth:`App.handle`
takes a :class:`~erlen.core.request.Request` and gives back a
:class:`~erlen.core.response.Response`. The public :class:`~erlen.Erlen` (``adapters/erlen.py``)
adds the server entry points (``__call__``, ``asgi``, ``run``, the test client and the CLI); the
adapters translate to and from the server. A request takes one straight line through here::

    handle -> match the route -> url value preprocessors -> before_request hooks -> view
           -> make_response -> after_request hooks -> session save -> teardown hooks

Longer than 600 lines on purpose: it is Flask's ``App`` API (registration, contexts, the
dispatch, error handling, ``make_response``, URL building), one class whose methods call each
other and whose subclasses override them, as Flask users do. Its server entry points live in
``adapters/erlen.py``, its async dispatch in ``dispatch_async.py``, its registration shared with
blueprints in ``scaffold.py``.
"""

from __future__ import annotations

import functools
import itertools
import os
import sys
import threading
import warnings
import weakref
from collections.abc import Callable, Coroutine, Iterable, Iterator
from datetime import timedelta
from types import CoroutineType, TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, cast

from ..core.errors import (
    Aborter,
    BadRequest,
    BuildError,
    HTTPException,
    InternalServerError,
    NotFound,
    RequestRedirect,
    handler_lookup_classes,
    is_werkzeug_http_error,
)
from ..core.request import Limits, Request
from ..core.response import Response, redirect_response
from ..core.routing import MapAdapter, Router, Rule
from .config import DEFAULT_CONFIG, Config
from .context import _NO_ERROR, Context, Namespace, _get_context, _reset_context, _set_context
from .context import request as current_request
from .dispatch_async import AsyncDispatch
from .json import DefaultJSONProvider, JSONProvider
from .lifespan import Lifespan
from .scaffold import Scaffold, find_package
from .signalgate import gate
from .static import send_from_directory
from .urls import build_url, subdomain_of, without_default_port

if TYPE_CHECKING:
    import asyncio
    import logging

    from ..core.concurrency import WorkerPool
    from .blueprints import Blueprint
    from .sessions import SessionInterface

__all__ = ["App"]

#: File extensions whose templates are autoescaped (HTML and XML dialects).
AUTOESCAPE_EXTENSIONS = (".html", ".htm", ".xml", ".xhtml", ".svg")

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")
#: Route options of typed views (``params.ROUTE_OPTIONS``), named here to keep params.py out
#: of ``import erlen``.
_TYPED = frozenset(("response_model", "status_code", "openapi"))


def _is_http_error(exc: BaseException) -> bool:
    """An HTTP error: Erlen's, or Werkzeug's raised by Flask code (see ``errors.py``)."""
    return isinstance(exc, HTTPException) or is_werkzeug_http_error(exc)


class App(AsyncDispatch, Lifespan, Scaffold):
    """A web application without its server entry points: what :class:`~erlen.Erlen` serves.

    ``App(__name__)`` finds ``templates/`` and ``static/`` beside the module that creates it.
    Its :meth:`handle` (and :meth:`handle_async`) answer one request; :class:`~erlen.Erlen`
    makes it a WSGI and ASGI callable, a test client's target and a CLI.
    """

    # PERF: the app's own attributes live in slots. Python 3.11 turns an instance's attributes
    # into a real dict past 30 names (the app has 45), and then no method call on the app
    # (``self.make_response(...)``, six per request) is specialised: ~2,000 instructions per
    # request. The instance dict stays for what users and extensions set on the app.
    __slots__ = (
        # Scaffold's
        "import_name", "root_path", "_static_folder", "_static_url_path", "template_folder",
        "view_functions", "before_request_funcs", "after_request_funcs",
        "teardown_request_funcs", "before_websocket_funcs", "url_value_preprocessors",
        "url_default_functions", "template_context_processors", "error_handler_spec",
        # the app's
        "name", "instance_path", "config", "url_map", "json", "extensions", "aborter",
        "url_build_error_handlers", "blueprints", "teardown_appcontext_funcs",
        "shell_context_processors", "template_filters", "template_globals", "template_tests",
        "static_host", "subdomain_matching", "_session_interface", "_jinja_env", "_logger",
        "_limits", "_limits_version", "_hooks_cache", "_has_request_hooks", "_has_teardown",
        "before_serving_funcs", "after_serving_funcs", "_started", "_start_lock",
        "_async_start_lock", "_executor", "_on_loop",
    )  # fmt: skip

    request_class: type[Request] = Request
    response_class: type[Response] = Response
    json_provider_class: type[JSONProvider] = DefaultJSONProvider
    config_class: type[Config] = Config
    app_ctx_globals_class: type[Namespace] = Namespace
    aborter_class: type[Aborter] = Aborter
    default_config = DEFAULT_CONFIG
    # Whether a subclass overrides dispatch_request / full_dispatch_request (set below): the
    # dispatch then calls them as Flask does, and over ASGI runs such requests in a thread.
    _custom_dispatch = False
    _custom_full_dispatch = False
    #: Whether a subclass overrides handle_http_exception / handle_exception: the error path
    #: then calls them as Flask does (from handle_user_exception), and over ASGI such requests
    #: run in a thread too, where those sync methods may run an async handler to completion.
    _custom_errors = False
    #: Whether the ASGI dispatch runs every request the sync way, in a worker thread.
    _sync_dispatch = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # PERF: decided once per class, by which methods the dispatch calls, not per request.
        cls._custom_dispatch = cls.dispatch_request is not App.dispatch_request
        cls._custom_full_dispatch = cls.full_dispatch_request is not App.full_dispatch_request
        cls._custom_errors = (
            cls.handle_http_exception is not App.handle_http_exception
            or cls.handle_exception is not App.handle_exception
        )
        cls._sync_dispatch = cls._custom_dispatch or cls._custom_full_dispatch or cls._custom_errors
        cls._run_view = cls._run_dispatch_request if cls._custom_dispatch else cls._call_view
        cls._run_full_dispatch = (
            cls._run_full_dispatch_request if cls._custom_full_dispatch else cls._full_dispatch
        )

    def __init__(
        self,
        import_name: str,
        static_url_path: str | None = None,
        static_folder: str | os.PathLike[str] | None = "static",
        static_host: str | None = None,
        host_matching: bool = False,
        subdomain_matching: bool = False,
        template_folder: str | os.PathLike[str] | None = "templates",
        instance_path: str | None = None,
        instance_relative_config: bool = False,
        root_path: str | None = None,
    ) -> None:
        super().__init__(import_name, static_folder, static_url_path, template_folder, root_path)
        self.name = import_name
        if instance_path is None:
            instance_path = self.auto_find_instance_path()
        elif not os.path.isabs(instance_path):
            raise ValueError(f"The instance path must be absolute, not {instance_path!r}.")
        self.instance_path = instance_path
        self.config = self.config_class(
            instance_path if instance_relative_config else self.root_path, self.default_config
        )
        debug_flag = os.environ.get("ERLEN_DEBUG")
        if debug_flag:
            # As FLASK_DEBUG does for Flask: the environment can switch debug mode on.
            self.config["DEBUG"] = debug_flag.lower() not in ("0", "false", "no")
        self.url_map = Router()
        self.json: JSONProvider = self.json_provider_class(self)
        self.extensions: dict[str, Any] = {}
        #: What :func:`erlen.abort` calls in this app's context; add codes to its ``mapping``.
        self.aborter = self.make_aborter()
        #: Called with ``(error, endpoint, values)`` when ``url_for`` fails; the first that
        #: returns a URL wins (see :meth:`handle_url_build_error`).
        self.url_build_error_handlers: list[Callable[[BuildError, str, dict[str, Any]], Any]] = []
        self.blueprints: dict[str, Blueprint] = {}
        self.teardown_appcontext_funcs: list[Callable[[BaseException | None], Any]] = []
        self.shell_context_processors: list[Callable[[], dict[str, Any]]] = []
        self.template_filters: dict[str, Callable[..., Any]] = {}
        self.template_globals: dict[str, Callable[..., Any]] = {}
        self.template_tests: dict[str, Callable[..., Any]] = {}
        self.static_host = static_host
        self.url_map.host_matching = host_matching
        #: Whether rules with a ``subdomain`` match the request's subdomain, found by taking
        #: ``SERVER_NAME`` off its host (as in Flask; without it every request counts as the
        #: default subdomain, whatever its host).
        self.subdomain_matching = subdomain_matching
        self._session_interface: SessionInterface | None = None
        self._jinja_env: Any = None
        self._logger: logging.Logger | None = None
        self._limits = Limits()
        self._limits_version = -1
        self._hooks_cache: dict[tuple[str, str | None], tuple[Any, ...]] = {}
        self._has_request_hooks = False
        self._has_teardown = False
        #: Lifespan hooks: run once before the first request is served, and at shutdown.
        self.before_serving_funcs: list[Callable[[], Any]] = []
        self.after_serving_funcs: list[Callable[[], Any]] = []
        self._started = False
        self._start_lock = threading.Lock()
        self._async_start_lock: asyncio.Lock | None = None
        self._executor: WorkerPool | None = None
        #: Per view: True when it runs on the event loop under ASGI (``async def``, or a ``def``
        #: view routed with ``sync_to_thread=False``), False when it runs in a worker thread.
        self._on_loop: dict[Callable[..., Any], bool] = {}
        if self.has_static_folder:
            # As in Flask: the static route has a host exactly when routes match on hosts.
            if static_host and not host_matching:
                raise AssertionError("'static_host' needs 'host_matching=True'.")
            if host_matching and not static_host:
                raise AssertionError(
                    "With 'host_matching=True', give 'static_host=' (the host static files are "
                    "served from), or 'static_folder=None'."
                )
            app = weakref.ref(self)  # not the bound method: the app would hold itself

            def static(filename: str) -> Response:
                return app().send_static_file(filename)  # type: ignore[union-attr]

            self.add_url_rule(
                f"{self.static_url_path}/<path:filename>",
                endpoint="static",
                view_func=static,
                host=static_host,
            )

    def __repr__(self) -> str:
        return f"<Erlen {self.name!r}>"

    def auto_find_instance_path(self) -> str:
        """Where the instance folder is when none is given, as in Flask: ``instance/`` beside
        the app's top-level package or module, or ``<prefix>/var/<name>-instance`` for an app
        installed into a Python prefix (a virtualenv, site-packages)."""
        prefix, folder = find_package(self.import_name)
        if prefix is None:
            return os.path.join(folder, "instance")
        return os.path.join(prefix, "var", f"{self.name}-instance")

    # -- settings ----------------------------------------------------------------------------

    @property
    def debug(self) -> bool:
        """Debug mode: tracebacks in 500 pages, template reloading. Never on in production."""
        return bool(self.config["DEBUG"])

    @debug.setter
    def debug(self, value: bool) -> None:
        self.config["DEBUG"] = value
        env = self._jinja_env
        if env is not None and self.config.get("TEMPLATES_AUTO_RELOAD") is None:
            # As in Flask: templates reload in debug mode, from this moment on.
            env.auto_reload = env.derived_auto_reload = bool(value)

    @property
    def testing(self) -> bool:
        """Testing mode: unhandled errors propagate to the test instead of answering 500."""
        return bool(self.config["TESTING"])

    @testing.setter
    def testing(self, value: bool) -> None:
        self.config["TESTING"] = value

    @property
    def secret_key(self) -> str | bytes | None:
        return cast("str | bytes | None", self.config["SECRET_KEY"])

    @secret_key.setter
    def secret_key(self, value: str | bytes | None) -> None:
        self.config["SECRET_KEY"] = value

    @property
    def logger(self) -> logging.Logger:
        """The ``logging`` logger named after the app; unhandled errors are logged here."""
        if self._logger is None:
            from .logging import create_logger

            self._logger = create_logger(self)
        return self._logger

    @property
    def session_interface(self) -> SessionInterface:
        """How sessions are loaded and saved; signed cookies unless replaced."""
        if self._session_interface is None:
            from .sessions import SecureCookieSessionInterface

            self._session_interface = SecureCookieSessionInterface()
        return self._session_interface

    @session_interface.setter
    def session_interface(self, value: SessionInterface) -> None:
        self._session_interface = value

    @property
    def jinja_env(self) -> Any:
        """The Jinja2 environment, created on first use (see ``templating.py``)."""
        if self._jinja_env is None:
            self._jinja_env = self.create_jinja_environment()
        return self._jinja_env

    def create_jinja_environment(self) -> Any:
        """The Jinja2 environment :attr:`jinja_env` holds, made on first use; a subclass may
        override it (or set ``jinja_options`` / ``jinja_environment``), as in Flask."""
        from .templating import create_jinja_environment

        return create_jinja_environment(self)

    def select_jinja_autoescape(self, filename: str | None) -> bool:
        """Whether the template ``filename`` is autoescaped: every string template, and HTML
        and XML files (:data:`AUTOESCAPE_EXTENSIONS`), not text, CSS, JS or e-mail. Flask's
        hook, which a subclass overrides to escape other kinds."""
        if filename is None:
            return True
        return filename.lower().endswith(AUTOESCAPE_EXTENSIONS)

    def create_global_jinja_loader(self) -> Any:
        """The environment's loader: the app's templates folder, then each blueprint's."""
        from .templating import DispatchingLoader

        return DispatchingLoader(self)

    def update_template_context(self, context: dict[str, Any]) -> None:
        """Add what every template sees (request, session, g, context processors) to ``context``."""
        from .templating import update_template_context

        update_template_context(self, context)

    @property
    def host_matching(self) -> bool:
        """Whether rules match on the request's host (``host=`` on a route): the router's
        ``url_map.host_matching``, as in Flask, where it is set by ``Flask(host_matching=)``."""
        return self.url_map.host_matching

    @host_matching.setter
    def host_matching(self, value: bool) -> None:
        self.url_map.host_matching = value

    @property
    def permanent_session_lifetime(self) -> timedelta:
        """How long a permanent session lasts: ``PERMANENT_SESSION_LIFETIME`` as a timedelta."""
        value = self.config["PERMANENT_SESSION_LIFETIME"]
        return value if isinstance(value, timedelta) else timedelta(seconds=int(value))

    @permanent_session_lifetime.setter
    def permanent_session_lifetime(self, value: timedelta | int) -> None:
        self.config["PERMANENT_SESSION_LIFETIME"] = value

    def _request_limits(self) -> Limits:
        config = self.config
        if config.version != self._limits_version:
            self._limits = Limits(
                config.get("MAX_CONTENT_LENGTH"),
                config.get("MAX_FORM_MEMORY_SIZE"),
                config.get("MAX_FORM_PARTS"),
                config.get("MAX_JSON_DEPTH", 64),
                config.get("TRUSTED_HOSTS"),
                config.get("MAX_HEADER_COUNT"),
                config.get("MAX_HEADER_BYTES"),
            )
            self._limits_version = config.version
        return self._limits

    # -- registration ------------------------------------------------------------------------

    def _changed(self) -> None:
        self._hooks_cache.clear()
        self._has_request_hooks = bool(
            any(self.before_request_funcs.values())
            or any(self.after_request_funcs.values())
            or any(self.url_value_preprocessors.values())
        )
        self._has_teardown = bool(
            any(self.teardown_request_funcs.values()) or self.teardown_appcontext_funcs
        )

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        provide_automatic_options: bool | None = None,
        **options: Any,
    ) -> None:
        """Connect ``rule`` to ``view_func`` under ``endpoint`` (the function's name by default).

        ``methods`` defaults to the view's ``methods`` attribute or ``["GET"]``;
        ``strict_slashes`` and ``defaults`` are passed to the :class:`~erlen.routing.Rule`.
        """
        if endpoint is None:
            if view_func is None:
                raise TypeError("add_url_rule() needs an endpoint or a view function.")
            endpoint = view_func.__name__
        methods = options.pop("methods", None)
        if methods is None:
            methods = getattr(view_func, "methods", None) or ("GET",)
        if isinstance(methods, str):
            raise TypeError("'methods' must be a list of method names, such as ['GET', 'POST'].")
        methods = {method.upper() for method in methods}
        methods.update(getattr(view_func, "required_methods", ()))
        if provide_automatic_options is None:
            provide_automatic_options = getattr(view_func, "provide_automatic_options", None)
        if provide_automatic_options is None:
            provide_automatic_options = "OPTIONS" not in methods and bool(
                self.config.get("PROVIDE_AUTOMATIC_OPTIONS", True)
            )
        if provide_automatic_options:
            # As in Flask: the rule accepts OPTIONS, and dispatch answers it with Allow.
            methods.add("OPTIONS")
        rule_obj = Rule(
            rule,
            endpoint,
            methods=methods,
            strict_slashes=options.pop("strict_slashes", None),
            defaults=options.pop("defaults", None),
            websocket=options.pop("websocket", False),
            subdomain=options.pop("subdomain", None),
            host=options.pop("host", None),
        )
        rule_obj.provide_automatic_options = bool(provide_automatic_options)
        sync_to_thread = options.pop("sync_to_thread", True)
        if view_func is not None and (
            getattr(view_func, "__annotations__", None) or not options.keys().isdisjoint(_TYPED)
        ):
            view_func = self._typed_view(rule_obj, view_func, options)
        if options:
            raise TypeError(f"Unknown route options: {', '.join(sorted(options))}.")
        if view_func is not None:
            existing = self.view_functions.get(endpoint)
            # ``!=``, not ``is not``: ``self.index`` is a new bound method at each access, and
            # two of them for one object and function are the same view.
            if existing is not None and existing != view_func:
                raise AssertionError(
                    f"View function mapping is overwriting an existing endpoint function: "
                    f"{endpoint}. Give the route a distinct 'endpoint=' name."
                )
            self.view_functions[endpoint] = view_func
            if not sync_to_thread:
                # Declared non-blocking: under ASGI the view runs on the event loop, as an
                # ``async def`` view does, with no hop to a worker thread.
                self._on_loop[view_func] = True
        self.url_map.add(rule_obj)

    def _typed_view(
        self, rule: Rule, view_func: Callable[..., Any], options: dict[str, Any]
    ) -> Callable[..., Any]:
        """The view to register: wrapped in a compiled binder when its annotations (or the
        typed-view options, taken out of ``options``) ask for one, else ``view_func`` itself.

        PERF: decided once here; an untyped view is registered exactly as it is given.
        """
        from .typed.params import ROUTE_OPTIONS, inspect_view, rule_variables

        typed_options = {key: options.pop(key) for key in ROUTE_OPTIONS if key in options}
        if rule.websocket:
            return view_func
        # The URL's values: the path's, the subdomain's or host's, and the defaults.
        path_names = set(rule.arguments) | set(rule.domain_arguments) | set(rule.defaults or ())
        for other in self.url_map.rules_for(rule.endpoint):  # the endpoint's other rules
            path_names.update(other.arguments, other.domain_arguments, other.defaults or ())
        variables = rule_variables(rule.rule)
        for pattern in (rule.subdomain, rule.host):
            if pattern:
                variables.update(rule_variables(pattern))
        signature = inspect_view(view_func, variables, path_names, typed_options)
        if signature is None:
            return view_func
        from .typed.apidocs import register_api_docs
        from .typed.binding import compile_view

        register_api_docs(self)
        return compile_view(self, view_func, signature)

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI 3.1 document of the app's routes, built from their annotations.

        Served at ``OPENAPI_URL`` (``/openapi.json``) once the app has a typed view; see
        ``openapi.py`` and docs/typed-views.md. Needs pydantic (the ``typed`` extra).
        """
        from .typed.openapi import build_document

        return build_document(self)

    def register_blueprint(self, blueprint: Blueprint, **options: Any) -> None:
        """Add a blueprint's routes, hooks and handlers to the app (see ``blueprints.py``)."""
        blueprint.register(self, options)
        self._changed()

    def iter_blueprints(self) -> Iterator[Blueprint]:
        return iter(self.blueprints.values())

    def teardown_appcontext(self, func: F) -> F:
        """Run ``func(error)`` when an application context ends (after every request)."""
        self.teardown_appcontext_funcs.append(func)
        self._changed()
        return func

    def shell_context_processor(self, func: F) -> F:
        """Add the dict ``func()`` returns to ``erlen shell``'s namespace."""
        self.shell_context_processors.append(func)
        return func

    def template_filter(self, name: str | None = None) -> Callable[[F], F]:
        """Register the decorated function as a Jinja2 filter."""

        def decorator(func: F) -> F:
            self.add_template_filter(func, name)
            return func

        return decorator

    def add_template_filter(self, func: Callable[..., Any], name: str | None = None) -> None:
        self.template_filters[name or func.__name__] = func
        if self._jinja_env is not None:
            self._jinja_env.filters[name or func.__name__] = func

    def template_global(self, name: str | None = None) -> Callable[[F], F]:
        """Register the decorated function as a Jinja2 global."""

        def decorator(func: F) -> F:
            self.add_template_global(func, name)
            return func

        return decorator

    def add_template_global(self, func: Callable[..., Any], name: str | None = None) -> None:
        self.template_globals[name or func.__name__] = func
        if self._jinja_env is not None:
            self._jinja_env.globals[name or func.__name__] = func

    def template_test(self, name: str | None = None) -> Callable[[F], F]:
        """Register the decorated function as a Jinja2 test."""

        def decorator(func: F) -> F:
            self.add_template_test(func, name)
            return func

        return decorator

    def add_template_test(self, func: Callable[..., Any], name: str | None = None) -> None:
        self.template_tests[name or func.__name__] = func
        if self._jinja_env is not None:
            self._jinja_env.tests[name or func.__name__] = func

    # -- contexts ----------------------------------------------------------------------------

    def app_context(self) -> Context:
        """A context in which ``current_app`` and ``g`` work without a request.

        Pushed while a request of this app is handled, it has a fresh ``g`` but still shows
        that request, as in Flask.
        """
        current = _get_context()
        if current is not None and current.app is self and current.request is not None:
            ctx = Context(self, current.request)
            ctx.owns_request = False
            return ctx
        return Context(self)

    def request_context(self, request: Request) -> Context:
        """A context for ``request``, to push with ``with``."""
        return Context(self, request)

    # -- dispatch ----------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """Answer one request: the sans-IO heart of the app, used by every adapter."""
        ctx = Context(self, request)
        token = _set_context(ctx)
        # PERF: one read decides for every signal of the request (signalgate.py).
        signalled = gate.open
        if signalled and ctx.owns_app:
            self._send("appcontext_pushed")
        error: BaseException | None = None
        try:
            return self._run_full_dispatch(ctx, request)
        except BaseException as exc:
            error = exc
            raise
        finally:
            # An error that became a 500 is still reported to teardown functions, as in Flask.
            try:
                if self._has_teardown or signalled:
                    error = error or ctx.unhandled_error
                    if self.teardown_request_funcs or signalled:
                        self.do_teardown_request(error)
                    if (self.teardown_appcontext_funcs or signalled) and ctx.owns_app:
                        self.do_teardown_appcontext(error)
            finally:
                if request._files is not None:  # a multipart body's uploads to close
                    request.close()
                _reset_context(token)
                if signalled and ctx.owns_app:
                    self._send("appcontext_popped")

    def _send(self, signal: str, **kwargs: Any) -> None:
        """Send one of Flask's signals (``erlen.signals``) with this app as the sender."""
        from . import signals

        signals.send(getattr(signals, signal), self, **kwargs)

    def full_dispatch_request(self) -> Response:
        """Route, run hooks and the view, and turn the outcome into a response.

        The current request's; a subclass may override it (and call it) as in Flask.
        """
        ctx = _get_context()
        if ctx is None or ctx.request is None:
            raise RuntimeError("full_dispatch_request() needs an active request context.")
        return self._full_dispatch(ctx, ctx.request)

    def _run_full_dispatch_request(self, ctx: Context, request: Request) -> Response:
        return self.full_dispatch_request()  # a subclass's override, called as Flask calls it

    def _full_dispatch(self, ctx: Context, request: Request) -> Response:
        signalled = gate.open
        try:
            if request.limits.trusted_hosts is not None:
                request.host  # noqa: B018 - raises BadRequest for an untrusted Host header
            if request.url_rule is None and request.routing_exception is None:
                self._match_request(request)
            if signalled:
                self._send("request_started")
            rv = None
            if self._has_request_hooks:
                rv = self.preprocess_request(request)
            if rv is None:
                # PERF: dispatch_request() without its call level, unless a subclass has its own.
                rv = self._run_view(request)
                if type(rv) is CoroutineType:
                    rv = self.run_async(rv)
            response = self.make_response(rv)
        except Exception as exc:
            try:
                response = self.make_response(self.handle_user_exception(exc))
            except Exception as handler_error:  # the handler itself failed: a 500 after all
                response = self.make_response(self.handle_exception(handler_error))
            if exc is request.routing_exception:
                # PERF: answered. Its traceback holds the frames that hold this request, which
                # holds it: a cycle only the garbage collector would free, for every 404.
                exc.__traceback__ = None
        # PERF: with no after-request work to do (the usual case) the response is final. The
        # test is _has_after_work's, spelled out: the call costs every request a few hundred
        # instructions, ~1% of a hello (bench/instructions.py).
        if (
            ctx.after_request_functions
            or self._has_request_hooks
            or ctx._session is not None
            or signalled
            or (request._has_cookie and self._may_refresh_session(request))
        ):
            return self.finalize_request(ctx, response)
        return response

    def _match_request(self, request: Request) -> None:
        """Set the request's rule and URL values, or its routing error."""
        url_map = self.url_map
        try:
            if url_map.uses_domains or self.subdomain_matching:
                found = url_map.lookup(
                    request.path, request.method, domain=self._request_domain(request)
                )
            else:  # PERF: the usual app routes on the path alone, without _routing_domain()
                found = url_map.lookup(request.path, request.method)
        except HTTPException as exc:  # raised by a converter (abort(404) in to_python)
            found = exc
        if not isinstance(found, HTTPException):
            request.url_rule, request.view_args = found
        elif isinstance(found, NotFound):
            request.routing_exception = self._websocket_route_error(request) or found
        else:
            request.routing_exception = found

    def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
        """The URL map bound to ``request`` (or, without one, to ``SERVER_NAME`` under
        ``APPLICATION_ROOT``; None when that is not set), as Flask's: its ``match(path)``
        tells which view a path reaches and ``build(endpoint, values)`` makes a URL.

        The dispatch does not use it (it matches through the router directly); it is for
        code that asks the question itself, and it is what ``request_ctx.url_adapter`` is.
        """
        url_map = self.url_map
        config = self.config
        if request is not None:
            # As Flask binds: the host itself with host matching, else SERVER_NAME when set
            # (the request's subdomain under it only with subdomain matching). bind() lowers
            # the name and drops its default port.
            server_name = config.get("SERVER_NAME")
            subdomain: str | None = url_map.default_subdomain
            if url_map.host_matching:
                server_name, subdomain = request.host, None
            elif not server_name:
                server_name = request.host
            elif self.subdomain_matching:
                subdomain = self._request_domain(request)
            return url_map.bind(
                str(server_name), request.root_path or "/", subdomain, request.scheme,
                request.method, request.path, request.query_string.decode("latin-1"),
            )  # fmt: skip
        if config.get("SERVER_NAME"):
            return url_map.bind(
                str(config["SERVER_NAME"]),
                str(config.get("APPLICATION_ROOT") or "/"),
                url_scheme=str(config.get("PREFERRED_URL_SCHEME") or "http"),
            )
        return None

    def _routing_domain(self, request: Request) -> str | None:
        """The domain ``request``'s rules are matched on, or None when the app routes on paths
        alone (no rule has a subdomain or host, and no matching on them is asked for)."""
        if self.url_map.uses_domains or self.subdomain_matching:
            return self._request_domain(request)
        return None

    def _request_domain(self, request: Request) -> str:
        """What rules are matched on besides the path: the request's host with
        ``host_matching``; else its subdomain with :attr:`subdomain_matching` (``"<invalid>"``
        for a host outside ``SERVER_NAME``, as Werkzeug has it), else the default subdomain."""
        url_map = self.url_map
        if not url_map.host_matching and not self.subdomain_matching:
            return url_map.default_subdomain
        scheme = request.scheme
        host = without_default_port(request.host.lower(), scheme)
        if url_map.host_matching:
            return host
        server_name = self.config.get("SERVER_NAME")
        if not server_name:
            return url_map.default_subdomain  # the host is the server name: no subdomain
        server_name = without_default_port(str(server_name).lower(), scheme)
        subdomain = subdomain_of(host, server_name)
        if subdomain == "<invalid>":
            warnings.warn(
                f"Current server name {host!r} doesn't match configured server name "
                f"{server_name!r}",
                stacklevel=2,
            )
        return subdomain

    def _websocket_route_error(self, request: Request) -> HTTPException | None:
        """A clear 400 for an HTTP request to a WebSocket route, instead of a puzzling 404."""
        url_map = self.url_map
        # PERF: most apps have no WebSocket route; every 404 comes here.
        if not url_map.has_websocket_rules or not url_map.is_websocket_path(
            request.path, self._routing_domain(request)
        ):
            return None
        return BadRequest(
            f"{request.path} is a WebSocket endpoint: connect to it with a WebSocket client. "
            "WebSockets need the app served over ASGI (app.asgi, or 'erlen run --asgi')."
        )

    def dispatch_request(self, request: Request | None = None) -> Any:
        """Call the matched view with the URL's values; raise the routing error if none matched.

        A subclass may override it as in Flask (``def dispatch_request(self)``); the dispatch
        then calls it for every request.
        """
        rv = self._call_view(request if request is not None else current_request)
        if type(rv) is CoroutineType:
            rv = self.run_async(rv)
        return rv

    def _run_dispatch_request(self, request: Request) -> Any:
        return self.dispatch_request()  # a subclass's override, called as Flask calls it

    def _call_view(self, request: Request) -> Any:
        """The matched view's return value, still a coroutine for an ``async def`` view."""
        if request.routing_exception is not None:
            exc = request.routing_exception
            if isinstance(exc, RequestRedirect) and exc.new_url.startswith("/"):
                # As Werkzeug's: an absolute URL, under the script root (the router knows only
                # the path below it), the query string kept.
                url = f"{request.scheme}://{request.host}{request.root_path}{exc.new_url}"
                query = request.query_string
                exc = RequestRedirect(f"{url}?{query.decode('latin-1')}" if query else url)
                # Kept as the request's error, so the dispatch drops its traceback once answered.
                request.routing_exception = exc
            raise exc
        rule: Rule = request.url_rule  # type: ignore[assignment]  # set when routing succeeded
        if rule.provide_automatic_options and request.method == "OPTIONS":
            return self.make_default_options_response(
                self.url_map.allowed_methods(request.path, domain=self._routing_domain(request))
            )
        view_args: dict[str, Any] = request.view_args  # type: ignore[assignment]
        if not view_args:  # PERF: a call without ** unpacking an empty dict
            return self.view_functions[rule.endpoint]()
        return self.view_functions[rule.endpoint](**view_args)

    # What the dispatch calls for the view and for the whole request; a subclass that overrides
    # dispatch_request or full_dispatch_request gets the ``_run_...`` methods instead.
    _run_view = _call_view
    _run_full_dispatch = _full_dispatch

    def run_async(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run an ``async def`` view's or hook's coroutine to completion from sync dispatch.

        Under WSGI each call gets its own event loop (as Flask's ``async_to_sync`` does); in a
        worker thread of an ASGI request it runs on the server's loop (see ``concurrency.py``).
        """
        from ..core.concurrency import run_coroutine

        return run_coroutine(coroutine)

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """``func`` as a plain function: an ``async def`` one is wrapped by :meth:`async_to_sync`.

        Flask's hook for extensions and signals that call user functions from sync code.
        """
        from ..core.concurrency import is_async_callable

        return self.async_to_sync(func) if is_async_callable(func) else func

    def async_to_sync(self, func: Callable[..., Coroutine[Any, Any, Any]]) -> Callable[..., Any]:
        """A sync function that runs the coroutine function ``func`` with :meth:`run_async`."""

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            return self.run_async(func(*args, **kwargs))

        return run

    def _runs_on_loop(self, view: Callable[..., Any]) -> bool:
        """Whether a view runs on the event loop under ASGI (see ``_on_loop``); PERF: decided
        once per view function."""
        flag = self._on_loop.get(view)
        if flag is None:
            from ..core.concurrency import is_async_callable

            flag = self._on_loop[view] = is_async_callable(view)
        return flag

    def _maybe_await(self, value: Any) -> Any:
        return self.run_async(value) if type(value) is CoroutineType else value

    def make_default_options_response(self, methods: Iterable[str] | None = None) -> Response:
        """The automatic answer to OPTIONS: an empty 200 whose ``Allow`` lists the methods.

        Without ``methods``, those the current request's path accepts (as Flask does).
        """
        if methods is None:
            methods = self.url_map.allowed_methods(
                current_request.path, domain=self._routing_domain(current_request)
            )
        response = self.response_class()
        allowed = set(methods) | {"OPTIONS"}
        response.headers["Allow"] = ", ".join(sorted(allowed))
        return response

    def _scoped(self, endpoint: str | None, kind: str) -> tuple[Any, ...]:
        """The hook functions of one kind that apply to an endpoint: the app's and its blueprints'.

        PERF: computed once per endpoint and kind, then cached until registrations change.
        """
        key = (kind, endpoint)
        cached = self._hooks_cache.get(key)
        if cached is None:
            records: dict[str | None, list[Any]] = getattr(self, kind)
            scopes: list[str | None] = [None]
            if endpoint and "." in endpoint:
                parts = endpoint.split(".")[:-1]
                scopes.extend(".".join(parts[: index + 1]) for index in range(len(parts)))
            cached = tuple(func for scope in scopes for func in records.get(scope, ()))
            self._hooks_cache[key] = cached
        return cached

    # The steps of the dispatch, shared by its sync form (here) and its async form
    # (dispatch_async.py): which hooks run, in which order, and whether there is any after-request
    # work. The two forms differ only in how they call user code: the sync one runs a coroutine
    # to completion, the async one awaits it on the server's loop.

    def _before_request_hooks(self, request: Request) -> tuple[Callable[[], Any], ...]:
        """Run the URL value preprocessors; give the before-request hooks to call, in order."""
        endpoint = request.endpoint
        for func in self._scoped(endpoint, "url_value_preprocessors"):
            func(endpoint, request.view_args)
        return self._scoped(endpoint, "before_request_funcs")

    def _has_after_work(self, ctx: Context, signalled: bool) -> bool:
        """Whether a response needs after-request hooks, a session save or a signal."""
        request = ctx.request
        return bool(
            ctx.after_request_functions
            or self._has_request_hooks
            or signalled
            or ctx._session is not None
            or (request is not None and request._has_cookie and self._may_refresh_session(request))
        )

    def _may_refresh_session(self, request: Request) -> bool:
        """Whether the session of a request whose view did not touch it is to be opened, to be
        renewed: the client sent the session cookie and ``SESSION_REFRESH_EACH_REQUEST`` is on.

        Flask opens every request's session, so a permanent one gets its cookie again on every
        response and its expiry moves with the user's activity; Erlen opens a session when it
        is used (PERF), and, for that renewal, at the end of a request that sent its cookie.
        This only looks; :meth:`_open_session_to_save` opens it, where an error is answered.
        """
        return bool(self.config.get("SESSION_REFRESH_EACH_REQUEST", True)) and (
            self.session_interface.get_cookie_name(self) in request.cookies
        )

    def _open_session_to_save(self, ctx: Context) -> bool:
        """Whether the request has a session to save: the one its view opened, or one opened
        now for renewal (see :meth:`_may_refresh_session`), which counts as not accessed (no
        ``Vary: Cookie`` unless its cookie is written)."""
        if ctx._session is not None:
            return True
        request = ctx.request
        if request is None or not request._has_cookie or not self._may_refresh_session(request):
            return False
        interface = self.session_interface
        session = interface.open_session(self, request)
        if session is None or interface.is_null_session(session):
            return False
        try:
            session.accessed = False
        except AttributeError:  # a session class that cannot say so: leave it as it is
            pass
        ctx._session = session
        return True

    def _after_request_hooks(self, ctx: Context) -> Iterable[Callable[[Response], Any]]:
        """The after-request functions to call on a response: ``after_this_request`` ones in
        the order they were added (as Flask runs them), then the hooks of the innermost scope
        first, each scope's in reverse order of registration."""
        this_request = ctx.after_request_functions or ()
        if not self._has_request_hooks:
            return this_request
        request: Request = ctx.request  # type: ignore[assignment]
        scoped = self._scoped(request.endpoint, "after_request_funcs")
        return itertools.chain(this_request, reversed(scoped))

    def _teardown_request_hooks(
        self, request: Request | None
    ) -> Iterable[Callable[[BaseException | None], Any]]:
        """The teardown functions of a request, innermost scope and last registered first."""
        endpoint = request.endpoint if request is not None else None
        hooks: tuple[Callable[[BaseException | None], Any], ...] = self._scoped(
            endpoint, "teardown_request_funcs"
        )
        return hooks[::-1]

    def preprocess_request(self, request: Request | None = None) -> Any:
        """Run URL value preprocessors and before-request hooks; a non-None result ends here."""
        if request is None:
            request = current_request
        for func in self._before_request_hooks(request):
            rv = func()
            if type(rv) is CoroutineType:
                rv = self.run_async(rv)
            if rv is not None:
                return rv
        return None

    def finalize_request(self, ctx: Context, response: Response) -> Response:
        """Run after-request hooks and save the session; an error here answers 500."""
        try:
            response = self.process_response(ctx, response)
            if gate.open:
                self._send("request_finished", response=response)
            return response
        except Exception as exc:
            if self._should_propagate():
                raise
            return self.make_response(self.handle_exception(exc))

    def process_response(self, ctx: Context, response: Response) -> Response:
        for func in self._after_request_hooks(ctx):
            response = self._maybe_await(func(response))
        if self._open_session_to_save(ctx):
            self._save_session(ctx, response)
        return response

    def _save_session(self, ctx: Context, response: Response) -> None:
        interface = self.session_interface
        session = ctx.session
        if not interface.is_null_session(session):
            interface.save_session(self, session, response)

    def do_teardown_request(self, exc: BaseException | None = _NO_ERROR) -> None:
        """Run the current request's teardown functions, innermost scope and last first.

        ``exc`` is the error the request ended with; without one, the error being handled (if
        any) is used, as in Flask.
        """
        if exc is _NO_ERROR:
            exc = sys.exc_info()[1]
        for func in self._teardown_request_hooks(_current_request_or_none()):
            self._maybe_await(func(exc))
        if gate.open:
            self._send("request_tearing_down", exc=exc)

    def do_teardown_appcontext(self, exc: BaseException | None = _NO_ERROR) -> None:
        """Run the app context's teardown functions, the last registered first."""
        if exc is _NO_ERROR:
            exc = sys.exc_info()[1]
        for func in reversed(self.teardown_appcontext_funcs):
            self._maybe_await(func(exc))
        if gate.open:
            self._send("appcontext_tearing_down", exc=exc)

    # -- errors ------------------------------------------------------------------------------

    def _should_propagate(self) -> bool:
        value = self.config.get("PROPAGATE_EXCEPTIONS")
        if value is not None:
            return bool(value)
        return self.testing

    @staticmethod
    def _wants_json(request: Request | None) -> bool:
        return request is not None and request.prefers_json

    def _find_error_handler(self, exc: BaseException, request: Request | None) -> Any:
        """The handler for ``exc`` in the scope of ``request``'s blueprints, or None."""
        spec = self.error_handler_spec
        if not spec:
            return None
        blueprints = request.blueprints if request is not None else []
        code = getattr(exc, "code", None) if _is_http_error(exc) else None
        # As in Flask: a handler for the status code beats a handler for an exception class,
        # and within each, the innermost blueprint beats its parents and the app.
        for key in (code, None) if code is not None else (None,):
            for name in (*blueprints, None):
                handler_map = spec.get(name)
                handlers = handler_map.get(key) if handler_map else None
                if not handlers:
                    continue
                for cls in handler_lookup_classes(exc):
                    handler = handlers.get(cls)
                    if handler is not None:
                        return handler
        return None

    # The public handlers below run an async error handler to completion; the ``_..._outcome``
    # methods behind them return its coroutine instead, for the async dispatch to await.

    def handle_http_exception(self, exc: HTTPException) -> Any:
        """A registered handler's answer to an HTTP error, or the error object."""
        return self._maybe_await(self._http_exception_outcome(exc))

    def _http_exception_outcome(self, exc: HTTPException) -> Any:
        if not isinstance(exc, HTTPException):  # Werkzeug's, raised by Flask code
            return self._werkzeug_error_outcome(exc)
        if isinstance(exc, RequestRedirect):
            return exc.get_response()
        if exc.response is not None:  # abort(response): answered as given, as in Flask
            return exc.response
        request = _current_request_or_none()
        handler = self._find_error_handler(exc, request)
        if handler is None:
            return self._error_response(exc, self._wants_json(request))
        return handler(exc)

    def _werkzeug_error_outcome(self, exc: Any) -> Any:
        handler = self._find_error_handler(exc, _current_request_or_none())
        if handler is not None:
            return handler(exc)
        answer = exc.get_response()  # its own body and headers (Allow, WWW-Authenticate...)
        if isinstance(answer, Response):  # one given to the error, an app's response
            return answer
        return self.response_class(
            answer.get_data(), answer.status_code, list(answer.headers.items())
        )

    def _error_response(self, exc: HTTPException, as_json: bool) -> Response:
        """The error object for ``exc``, built with the app's response class."""
        if exc.response is not None or type(exc).get_response is not HTTPException.get_response:
            return exc.get_response(as_json)
        body, content_type = exc.get_body(as_json)
        return self.response_class(body, exc.code, exc.headers or None, content_type=content_type)

    def handle_user_exception(self, exc: Exception) -> Any:
        """Route an exception from a view or hook to its handler; unhandled ones answer 500."""
        return self._maybe_await(self._user_exception_outcome(exc))

    def trap_http_exception(self, exc: BaseException) -> bool:
        """Whether an HTTP error goes to the exception handlers instead of becoming its answer.

        As in Flask: every HTTP error with ``TRAP_HTTP_EXCEPTIONS``; a 400 with
        ``TRAP_BAD_REQUEST_ERRORS``, and when that is unset, a missing request key in debug
        mode, so the developer sees the ``KeyError`` where the view looked the key up.
        """
        config = self.config
        if config.get("TRAP_HTTP_EXCEPTIONS"):
            return True
        # By status, not class: Werkzeug's own BadRequest (raised by Flask code) counts too.
        if getattr(exc, "code", None) != 400:
            return False  # PERF: only a 400 may be trapped past this point; a 404 asks no more
        is_bad_request = _is_http_error(exc)
        trap_bad_request = config.get("TRAP_BAD_REQUEST_ERRORS")
        if trap_bad_request is None:
            return self.debug and is_bad_request and isinstance(exc, KeyError)
        return bool(trap_bad_request) and is_bad_request

    def _user_exception_outcome(self, exc: Exception, on_loop: bool = False) -> Any:
        if _is_http_error(exc) and not self.trap_http_exception(exc):
            if self._custom_errors:  # a subclass's own, called as Flask calls it
                return self.handle_http_exception(exc)  # type: ignore[arg-type]
            return self._http_exception_outcome(exc)  # type: ignore[arg-type]
        handler = self._find_error_handler(exc, _current_request_or_none())
        if handler is not None:
            return handler(exc)
        if self._custom_errors:
            return self.handle_exception(exc)
        return self._unhandled_outcome(exc, on_loop)

    def handle_exception(self, exc: BaseException) -> Any:
        """The answer to an unhandled error: logged with its traceback, then a bare 500.

        In testing mode (or with ``PROPAGATE_EXCEPTIONS``) the error is re-raised instead, so a
        test sees it. In debug mode the 500 page shows the traceback.
        """
        return self._maybe_await(self._unhandled_outcome(exc))

    def _unhandled_outcome(self, exc: BaseException, on_loop: bool = False) -> Any:
        # ``on_loop``: called by the async dispatch, which must await the signal's receivers.
        if gate.open:
            if on_loop:
                return self._unhandled_async(exc)
            self._send("got_request_exception", exception=exc)
        return self._unhandled_answer(exc)

    def _unhandled_answer(self, exc: BaseException) -> Any:
        if self._should_propagate():
            raise exc
        self.log_exception((type(exc), exc, exc.__traceback__))
        server_error = InternalServerError(original_exception=exc)
        ctx = _get_context()
        if ctx is not None:
            ctx.unhandled_error = exc
        request = ctx.request if ctx is not None else None
        handler = self._find_error_handler(server_error, request)
        if handler is not None:
            return handler(server_error)
        if self.debug:
            from .debug import traceback_response

            return traceback_response(exc, request)
        return self._error_response(server_error, self._wants_json(request))

    def log_exception(
        self,
        exc_info: tuple[type[BaseException], BaseException, TracebackType | None]
        | tuple[None, None, None],
    ) -> None:
        """Log an unhandled error with its traceback: ``exc_info`` is a ``sys.exc_info()``
        tuple, as in Flask, where subclasses override this to report errors elsewhere."""
        request = _current_request_or_none()
        where = f" on {request.path} [{request.method}]" if request is not None else ""
        self.logger.error(f"Exception{where}", exc_info=exc_info)

    # -- responses ---------------------------------------------------------------------------

    def make_response(self, rv: Any) -> Response:
        """Turn a view's return value into a :class:`Response`.

        Accepts a Response, str, bytes, dict or list (JSON), a generator or iterator, sync or
        async (streamed), an HTTPException, a WSGI application (a Werkzeug ``Response``, run
        for the request as Flask runs it), or a tuple ``(body, status)``, ``(body, headers)``
        or ``(body, status, headers)``. None is a bug in the view, reported with its endpoint.
        """
        response_class = self.response_class
        # PERF: the common return types first, by exact type.
        kind = type(rv)
        if kind is str:
            return response_class(rv)
        if isinstance(rv, Response):
            return rv
        status: Any = None
        headers: Any = None
        if kind is tuple:
            if len(rv) == 3:
                rv, status, headers = rv
            elif len(rv) == 2:
                rv, second = rv
                # PERF: a status code (the usual second item) is told first, without hasattr()
                # building and dropping an AttributeError for it.
                if type(second) is int:
                    status = second
                elif isinstance(second, (dict, list, tuple)) or hasattr(second, "items"):
                    headers = second
                else:
                    status = second
            else:
                raise TypeError(
                    f"The view for endpoint {self._endpoint_name()!r} returned a tuple of "
                    f"{len(rv)} item{'' if len(rv) == 1 else 's'}: the tuple must have the "
                    "form (body, status, headers), "
                    "(body, status) or (body, headers)."
                )
        if rv is None:
            raise TypeError(self._none_message())
        # PERF: a dict or list (JSON) is the usual body here; it is told first.
        if isinstance(rv, (dict, list)):
            response = self.json.response(rv)
            if status is not None:
                response.status = status
        elif isinstance(rv, Response):
            response = rv
            if status is not None:
                response.status = status
        elif isinstance(rv, (str, bytes, bytearray)):
            response = response_class(rv, status)
        elif isinstance(rv, HTTPException):
            response = rv.get_response(self._wants_json(_current_request_or_none()))
            if status is not None:
                response.status = status
        elif (
            isinstance(rv, Iterator)
            or hasattr(rv, "__next__")
            or hasattr(rv, "__aiter__")
            or _is_stream(rv)
        ):
            response = response_class(rv, status)
        elif callable(rv):
            # A WSGI application: a Werkzeug Response or error instance, run as Flask runs it.
            from .responses import response_from_wsgi

            response = response_from_wsgi(rv, _current_request_or_none(), response_class)
            if status is not None:
                response.status = status
        else:
            raise TypeError(
                f"The view for endpoint {self._endpoint_name()!r} did not return a valid "
                "response: it must return a str, bytes, dict, list, tuple, Response, generator, "
                f"iterator or WSGI application, but it was a {type(rv).__name__}."
            )
        if headers:
            response.headers.update(headers)
        return response

    def _endpoint_name(self) -> str | None:
        request = _current_request_or_none()
        return request.endpoint if request is not None else None

    def _none_message(self) -> str:
        return (
            f"The view function for {self._endpoint_name()!r} did not return a valid response: "
            "it returned None or ended without a return statement."
        )

    # -- URLs --------------------------------------------------------------------------------

    def url_for(
        self,
        endpoint: str,
        /,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: Any,
    ) -> str:
        """The URL of ``endpoint`` with ``values``; see :func:`erlen.url_for`."""
        return build_url(self, endpoint, values, _anchor, _method, _scheme, _external)

    def handle_url_build_error(
        self, error: BuildError, endpoint: str, values: dict[str, Any]
    ) -> str:
        """A URL from ``url_build_error_handlers`` for what ``url_for`` could not build.

        A handler returns a URL, returns None to pass, or raises a BuildError of its own, which
        replaces ``error``. When none gives a URL the error is raised.
        """
        for handler in self.url_build_error_handlers:
            try:
                rv = handler(error, endpoint, values)
            except BuildError as raised:
                error = raised
            else:
                if rv is not None:
                    return cast(str, rv)
        if error is sys.exc_info()[1]:
            raise
        raise error

    def make_aborter(self) -> Aborter:
        """The app's :attr:`aborter`: an instance of :attr:`aborter_class`."""
        return self.aborter_class()

    def redirect(self, location: str, code: int = 302) -> Response:
        """What :func:`erlen.redirect` answers in this app's context; override to change it."""
        return redirect_response(location, code, self.response_class)

    def inject_url_defaults(self, endpoint: str, values: dict[str, Any]) -> None:
        for func in self._scoped(endpoint, "url_default_functions"):
            func(endpoint, values)

    # -- resources and serving ---------------------------------------------------------------

    def send_static_file(self, filename: str) -> Response:
        """The view behind the ``static`` endpoint."""
        folder = self.static_folder
        if folder is None:
            raise RuntimeError("This app has no static folder.")
        max_age = self.get_send_file_max_age(filename)
        return send_from_directory(folder, filename, max_age=max_age)

    def get_send_file_max_age(self, filename: str | None) -> int | None:
        value = self.config.get("SEND_FILE_MAX_AGE_DEFAULT")
        if value is None:
            return None
        if hasattr(value, "total_seconds"):
            return int(value.total_seconds())
        return int(value)

    def open_resource(self, resource: str, mode: str = "rb", encoding: str | None = None) -> Any:
        """Open a file relative to the app's root path (read-only)."""
        if mode not in ("r", "rt", "rb"):
            raise ValueError("Resources can only be opened for reading.")
        path = os.path.join(self.root_path, resource)
        if mode == "rb":
            return open(path, mode)
        return open(path, mode, encoding=encoding)

    def open_instance_resource(self, resource: str, mode: str = "rb") -> Any:
        return open(os.path.join(self.instance_path, resource), mode)


def _current_request_or_none() -> Request | None:
    ctx = _get_context()
    return ctx.request if ctx is not None else None


def _is_stream(value: Any) -> bool:
    return hasattr(value, "__iter__") and not isinstance(value, (str, bytes, dict, list, tuple))
