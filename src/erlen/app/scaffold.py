"""Registration shared by the app and blueprints: routes, hooks, error handlers, template helpers.

:class:`Scaffold` only records what the user declares. The app's dispatch (``app.py``) reads the
records; a blueprint (``blueprints.py``) hands its records to the app when registered.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import sys
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from ..core.errors import (
    HTTPException,
    default_exceptions,
    erlen_class_for,
    is_werkzeug_http_error_class,
)

__all__ = [
    "Scaffold",
    "get_root_path",
    "find_package",
    "ErrorHandler",
    "HookScope",
    "HookList",
    "HookRegistry",
]

F = TypeVar("F", bound=Callable[..., Any])
ErrorHandler = Callable[[Any], Any]
#: Hooks are stored per scope: None is the app itself, a string is a blueprint's name.
HookScope = str | None


class HookList(list[Any]):
    """A list of hook functions that tells its owner when it changes.

    Flask extensions register hooks by editing the registries in place
    (``app.before_request_funcs.setdefault(None, []).append(func)``); the app caches which hooks
    apply to each endpoint, so every change, however it is made, must reach it.
    """

    __slots__ = ("_on_change",)

    def __init__(self, on_change: Callable[[], None], items: Iterable[Any] = ()) -> None:
        super().__init__(items)
        self._on_change = on_change

    def __reduce__(self) -> Any:  # copies and pickles are plain lists
        return (list, (list(self),))


def _notifying(name: str) -> Callable[..., Any]:
    method = getattr(list, name)

    def changed(self: HookList, *args: Any, **kwargs: Any) -> Any:
        result = method(self, *args, **kwargs)
        self._on_change()
        return result

    changed.__name__ = name
    return changed


for _name in ("append", "extend", "insert", "remove", "pop", "clear", "sort", "reverse",
              "__setitem__", "__delitem__", "__iadd__", "__imul__"):  # fmt: skip
    setattr(HookList, _name, _notifying(_name))


class HookRegistry(dict[HookScope, HookList]):
    """Hooks of one kind by scope (None for the app, a blueprint's name), live for extensions.

    Missing scopes read as empty lists, as with Flask's ``defaultdict(list)``; lists stored in
    it, however they get there, become :class:`HookList` s reporting to the owner.
    """

    __slots__ = ("_on_change",)

    def __init__(self, on_change: Callable[[], None]) -> None:
        super().__init__()
        self._on_change = on_change

    def __missing__(self, scope: HookScope) -> HookList:
        hooks = HookList(self._on_change)
        dict.__setitem__(self, scope, hooks)
        return hooks

    def __setitem__(self, scope: HookScope, hooks: Iterable[Any]) -> None:
        if not isinstance(hooks, HookList) or hooks._on_change != self._on_change:
            hooks = HookList(self._on_change, hooks)
        dict.__setitem__(self, scope, hooks)
        self._on_change()

    def __delitem__(self, scope: HookScope) -> None:
        dict.__delitem__(self, scope)
        self._on_change()

    def setdefault(self, scope: HookScope, default: Iterable[Any] | None = None) -> HookList:
        if scope not in self:
            self[scope] = default if default is not None else ()
        return self[scope]

    def update(self, *args: Any, **kwargs: Any) -> None:
        for scope, hooks in dict(*args, **kwargs).items():
            self[scope] = hooks

    def pop(self, scope: HookScope, *default: Any) -> Any:
        result = dict.pop(self, scope, *default)
        self._on_change()
        return result

    def popitem(self) -> tuple[HookScope, HookList]:
        result = dict.popitem(self)
        self._on_change()
        return result

    def clear(self) -> None:
        dict.clear(self)
        self._on_change()

    def __reduce__(self) -> Any:
        return (dict, (dict(self),))


def get_root_path(import_name: str) -> str:
    """The folder of the module or package ``import_name``, for finding templates and static."""
    module = sys.modules.get(import_name)
    filename: str | None = getattr(module, "__file__", None) if module is not None else None
    if filename is None and (import_name == "__main__" or module is None):
        try:
            spec = importlib.util.find_spec(import_name)
        except (ImportError, ValueError):
            spec = None
        filename = spec.origin if spec is not None else None
    if filename is None or filename in ("built-in", "namespace"):
        return os.getcwd()
    return os.path.dirname(os.path.abspath(filename))


def _top_level_folder(import_name: str) -> str:
    """The folder that holds ``import_name``'s top-level package or module (cwd if unknown)."""
    top = import_name.partition(".")[0]
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        return os.getcwd()
    locations = spec.submodule_search_locations
    if not locations:  # a plain module: the folder it sits in
        return os.path.dirname(spec.origin or os.path.join(os.getcwd(), top))
    if spec.origin not in (None, "namespace"):  # a regular package: its folder's parent
        return os.path.dirname(os.path.dirname(spec.origin))
    # A namespace package spans several folders: take the one that holds the app's own part.
    chosen = locations[0]
    try:
        own = importlib.util.find_spec(import_name)
    except (ImportError, ValueError):
        own = None
    if own is not None and own.submodule_search_locations:
        inner = os.path.commonpath(list(own.submodule_search_locations))
        chosen = next(
            (folder for folder in locations if os.path.commonpath([folder, inner]) == folder),
            chosen,
        )
    return os.path.dirname(chosen)


def find_package(import_name: str) -> tuple[str | None, str]:
    """``(prefix, folder)`` for ``import_name``: the folder holding its top-level package, and
    the installation prefix when it is installed (in ``sys.prefix`` or a ``site-packages``),
    else None. An installed app keeps its instance folder under ``<prefix>/var``, as in Flask.
    """
    folder = _top_level_folder(import_name)
    prefix = os.path.abspath(sys.prefix)
    if os.path.commonpath([prefix, os.path.abspath(folder)]) == prefix:
        return prefix, folder
    parent, name = os.path.split(folder)
    if name.lower() != "site-packages":
        return None, folder
    grandparent, parent_name = os.path.split(parent)
    if parent_name.lower() == "lib":  # <prefix>/lib/site-packages (Windows)
        return grandparent, folder
    if os.path.basename(grandparent).lower() == "lib":  # <prefix>/lib/pythonX.Y/site-packages
        return os.path.dirname(grandparent), folder
    return parent, folder


def _weakly(method: Callable[[], None]) -> Callable[[], None]:
    """``method``, called through a weak reference: the registries it is given to must not keep
    their owner alive, so an app nothing else refers to is freed at once, without waiting for
    the cycle collector (as in Flask, whose tests check it)."""
    reference = weakref.WeakMethod(method)

    def call() -> None:
        bound = reference()
        if bound is not None:
            bound()

    return call


class Scaffold:
    """What an app and a blueprint both let the user register."""

    name: str

    def __init__(
        self,
        import_name: str,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        root_path: str | None = None,
    ) -> None:
        self.import_name = import_name
        self.root_path = root_path if root_path is not None else get_root_path(import_name)
        self._static_folder = os.fspath(static_folder) if static_folder is not None else None
        # As the setter does: "/foo/" and "/foo" are the same URL path ("/foo/<path:filename>").
        self._static_url_path = static_url_path.rstrip("/") if static_url_path else static_url_path
        self.template_folder = os.fspath(template_folder) if template_folder is not None else None
        self.view_functions: dict[str, Callable[..., Any]] = {}
        changed = _weakly(self._changed)
        # Live registries, as Flask's: extensions read and edit them in place.
        self.before_request_funcs: HookRegistry = HookRegistry(changed)
        self.after_request_funcs: HookRegistry = HookRegistry(changed)
        self.teardown_request_funcs: HookRegistry = HookRegistry(changed)
        self.before_websocket_funcs: HookRegistry = HookRegistry(changed)
        self.url_value_preprocessors: HookRegistry = HookRegistry(changed)
        self.url_default_functions: HookRegistry = HookRegistry(changed)
        self.template_context_processors: HookRegistry = HookRegistry(changed)
        #: scope -> status code (None for exception classes) -> exception class -> handler
        self.error_handler_spec: dict[
            HookScope, dict[int | None, dict[type[BaseException], ErrorHandler]]
        ] = defaultdict(lambda: defaultdict(dict))

    def _changed(self) -> None:
        """Called after any registration; the app drops what it cached from the records."""

    # -- static folder -----------------------------------------------------------------------

    @property
    def static_folder(self) -> str | None:
        """The absolute path of the static folder, or None when there is none."""
        if self._static_folder is None:
            return None
        return _joined(self.root_path, self._static_folder)

    @static_folder.setter
    def static_folder(self, value: str | os.PathLike[str] | None) -> None:
        self._static_folder = os.fspath(value).rstrip("/\\") if value is not None else None

    @property
    def has_static_folder(self) -> bool:
        return self._static_folder is not None

    @property
    def static_url_path(self) -> str | None:
        """The URL prefix of static files: the folder's name unless set (``/static``)."""
        if self._static_url_path is not None:
            return self._static_url_path
        if self._static_folder is not None:
            basename = os.path.basename(self._static_folder.rstrip("/\\"))
            return f"/{basename}".rstrip("/")
        return None

    @static_url_path.setter
    def static_url_path(self, value: str | None) -> None:
        self._static_url_path = value.rstrip("/") if value is not None else None

    # -- routes ------------------------------------------------------------------------------

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        provide_automatic_options: bool | None = None,
        **options: Any,
    ) -> None:
        raise NotImplementedError

    def route(self, rule: str, **options: Any) -> Callable[[F], F]:
        """Register the decorated function as the view for ``rule`` (GET unless ``methods=``)."""

        def decorator(func: F) -> F:
            endpoint = options.pop("endpoint", None)
            self.add_url_rule(rule, endpoint, func, **options)
            return func

        return decorator

    def _method_route(self, method: str, rule: str, options: dict[str, Any]) -> Callable[[F], F]:
        if "methods" in options:
            raise TypeError(
                f"Use the 'route' decorator to pass 'methods'; {method.lower()}() sets it."
            )
        return self.route(rule, methods=[method], **options)

    def get(self, rule: str, **options: Any) -> Callable[[F], F]:
        """``route(rule, methods=["GET"])``."""
        return self._method_route("GET", rule, options)

    def post(self, rule: str, **options: Any) -> Callable[[F], F]:
        """``route(rule, methods=["POST"])``."""
        return self._method_route("POST", rule, options)

    def put(self, rule: str, **options: Any) -> Callable[[F], F]:
        """``route(rule, methods=["PUT"])``."""
        return self._method_route("PUT", rule, options)

    def patch(self, rule: str, **options: Any) -> Callable[[F], F]:
        """``route(rule, methods=["PATCH"])``."""
        return self._method_route("PATCH", rule, options)

    def delete(self, rule: str, **options: Any) -> Callable[[F], F]:
        """``route(rule, methods=["DELETE"])``."""
        return self._method_route("DELETE", rule, options)

    def websocket(self, rule: str, **options: Any) -> Callable[[F], F]:
        """Register the decorated ``async def`` function as the WebSocket view for ``rule``.

        The view takes the rule's URL values and talks through ``erlen.websocket``. WebSocket
        routes are served over ASGI only (``app.asgi``, ``erlen run --asgi``).
        """

        def decorator(func: F) -> F:
            from ..core.concurrency import is_async_callable

            if not is_async_callable(func):
                raise TypeError(
                    f"The WebSocket view {func.__name__!r} must be an 'async def' function: "
                    "it awaits websocket.receive() and websocket.send()."
                )
            endpoint = options.pop("endpoint", None)
            self.add_url_rule(rule, endpoint, func, methods=["GET"], websocket=True, **options)
            return func

        return decorator

    def endpoint(self, endpoint: str) -> Callable[[F], F]:
        """Register the decorated function as the view of an endpoint whose rule is added apart."""

        def decorator(func: F) -> F:
            self._check_setup_finished("endpoint")
            self.view_functions[endpoint] = func
            return func

        return decorator

    # -- hooks -------------------------------------------------------------------------------

    def _check_setup_finished(self, method: str) -> None:
        """Refuse a setup call that could no longer take effect (a blueprint's, once it is
        registered); an app takes late ones."""

    def before_request(self, func: F) -> F:
        """Run ``func()`` before each view; a non-None return value answers instead of the view."""
        self._check_setup_finished("before_request")
        self.before_request_funcs[None].append(func)
        return func

    def after_request(self, func: F) -> F:
        """Run ``func(response)`` after each view; it returns the response to send."""
        self._check_setup_finished("after_request")
        self.after_request_funcs[None].append(func)
        return func

    def teardown_request(self, func: F) -> F:
        """Run ``func(error)`` when the request ends, even after an unhandled error."""
        self._check_setup_finished("teardown_request")
        self.teardown_request_funcs[None].append(func)
        return func

    def before_websocket(self, func: F) -> F:
        """Run ``func()`` before each WebSocket view; a non-None return value refuses the
        handshake with that response (where the server supports it, else a 403)."""
        self._check_setup_finished("before_websocket")
        self.before_websocket_funcs[None].append(func)
        return func

    def url_value_preprocessor(self, func: F) -> F:
        """Run ``func(endpoint, view_args)`` before the before-request hooks; it may edit args."""
        self._check_setup_finished("url_value_preprocessor")
        self.url_value_preprocessors[None].append(func)
        return func

    def url_defaults(self, func: F) -> F:
        """Run ``func(endpoint, values)`` when building URLs, to fill in values in place."""
        self._check_setup_finished("url_defaults")
        self.url_default_functions[None].append(func)
        return func

    def context_processor(self, func: F) -> F:
        """Add the dict ``func()`` returns to every template's context."""
        self._check_setup_finished("context_processor")
        self.template_context_processors[None].append(func)
        return func

    def errorhandler(self, code_or_exception: int | type[BaseException]) -> Callable[[F], F]:
        """Handle an HTTP status (``404``) or an exception class with the decorated function."""

        def decorator(func: F) -> F:
            self.register_error_handler(code_or_exception, func)
            return func

        return decorator

    def register_error_handler(
        self, code_or_exception: int | type[BaseException], func: ErrorHandler
    ) -> None:
        """Non-decorator form of :meth:`errorhandler`."""
        self._check_setup_finished("register_error_handler")
        exc_class, code = self._get_exc_class_and_code(code_or_exception)
        self.error_handler_spec[None][code][exc_class] = func
        self._changed()

    @staticmethod
    def _get_exc_class_and_code(
        code_or_exception: int | type[BaseException],
    ) -> tuple[type[BaseException], int | None]:
        if isinstance(code_or_exception, int):
            try:
                exc_class: type[BaseException] = default_exceptions[code_or_exception]
            except KeyError:
                raise ValueError(
                    f"{code_or_exception} is not an HTTP error status Erlen knows. Use a subclass "
                    "of HTTPException with that code and register the handler for it."
                ) from None
        elif isinstance(code_or_exception, type) and issubclass(code_or_exception, BaseException):
            exc_class = erlen_class_for(code_or_exception)
        elif isinstance(code_or_exception, BaseException):
            raise TypeError(
                f"{code_or_exception!r} is an instance, not a class. Register a handler for an "
                "exception class or an HTTP status code."
            )
        elif isinstance(code_or_exception, type):  # a class, but not an exception: as Flask
            raise ValueError(
                f"{code_or_exception.__name__!r} is not a subclass of Exception. Register a "
                "handler for an exception class or an HTTP status code."
            )
        else:
            raise TypeError(
                f"{code_or_exception!r} is neither an exception class nor an HTTP status code."
            )
        # The base class handles every HTTP error, as in Flask, so it is not keyed by a code.
        if issubclass(exc_class, HTTPException) and exc_class is not HTTPException:
            return exc_class, exc_class.code
        code = getattr(exc_class, "code", None)  # an extension's Werkzeug HTTP error class
        if isinstance(code, int) and is_werkzeug_http_error_class(exc_class):
            return exc_class, code
        return exc_class, None


@functools.lru_cache(maxsize=64)
def _joined(root_path: str, folder: str) -> str:
    """``os.path.join(root_path, folder)``, remembered: PERF, the static folder's path is asked
    for on every static file served, and an app has one root and a few folders."""
    return os.path.join(root_path, folder)
