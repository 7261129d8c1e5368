"""The context behind ``request``, ``g``, ``session`` and ``current_app``.

One :class:`contextvars.ContextVar` holds the active :class:`Context`: an application, and the
request being handled when there is one. ``request`` and friends are proxies that look the
context up on each access, so the same module-level names are correct in every thread and, under
ASGI, in every task.

PERF: Flask pushes two context objects per request (application and request context). Erlen pushes
one, and creates ``g`` and the session only when a view touches them.
"""

from __future__ import annotations

import contextvars
import functools
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from ..core import response as _response
from .signalgate import gate

if TYPE_CHECKING:
    from ..core.request import Request
    from ..core.response import Response
    from ..core.routing import MapAdapter
    from .app import App
    from .sessions import SessionMixin

__all__ = [
    "Context",
    "Namespace",
    "current_app",
    "request",
    "g",
    "session",
    "app_ctx",
    "request_ctx",
    "has_request_context",
    "has_app_context",
    "after_this_request",
    "copy_current_request_context",
    "stream_with_context",
]

T = TypeVar("T")
#: ``pop()`` called without an error: the one being handled, if any, is used (as in Flask).
_NO_ERROR: Any = object()
F = TypeVar("F", bound=Callable[..., Any])


class Namespace:
    """A plain attribute bag: the type of ``g``.

    Supports ``get``, ``pop``, ``setdefault`` and ``in`` as Flask's ``g`` does, so code that
    treats ``g`` like a small dict carries over.
    """

    def get(self, name: str, default: Any = None) -> Any:
        return self.__dict__.get(name, default)

    def pop(self, name: str, *default: Any) -> Any:
        return self.__dict__.pop(name, *default)

    def setdefault(self, name: str, default: Any = None) -> Any:
        return self.__dict__.setdefault(name, default)

    def __contains__(self, name: str) -> bool:
        return name in self.__dict__

    def __iter__(self) -> Iterator[str]:
        return iter(self.__dict__)

    def __repr__(self) -> str:
        return f"<erlen.g of {self.__dict__!r}>"

    def __getattr__(self, name: str) -> Any:
        # Only reached for a name not set (or deleted); typed Any, so ``g.user`` type-checks
        # as on Flask.
        raise AttributeError(
            f"g has no attribute {name!r}: set it first (g.{name} = ...)", name=name, obj=self
        )

    if TYPE_CHECKING:
        # For type checkers only (a real __setattr__ would cost every write a call): any
        # attribute may be set on g, as on Flask's.
        def __setattr__(self, name: str, value: Any) -> None: ...


#: Stands for the token of a context the dispatch made current itself (it keeps the real one):
#: a push from the view nests on top of it, and it is never popped by :meth:`Context.pop`.
_DISPATCHED: Any = object()


class Context:
    """What is current: the app, and the request with its session and ``g`` when serving one.

    Created per request by the app's dispatch and per ``app.app_context()`` block.
    """

    __slots__ = (
        "app",
        "request",
        "_g",
        "_session",
        "flashes",
        "after_request_functions",
        "_tokens",
        "unhandled_error",
        "owns_request",
        "owns_app",
        "torn_down",
        # Extensions keep their own per-request state on the context, as on Flask's.
        "__dict__",
    )

    def __init__(
        self, app: App, request: Request | None = None, join_app_context: bool = True
    ) -> None:
        self.app = app
        self.request = request
        self._g: Namespace | None = None
        #: False for a request inside an app context of the same app (a test's ``with
        #: app.app_context():`` around client calls): as in Flask, the request joins that app
        #: context, sharing its ``g``, and leaves its teardown (and its signals) to it. The ASGI
        #: dispatch never joins (``join_app_context=False``).
        self.owns_app = True
        # PERF: a server's request has no context around it; only then is there one to join.
        if request is not None and join_app_context and _cv_context.get() is not None:
            self._join_current_app_context()
        self._session: SessionMixin | None = None
        self.flashes: list[tuple[str, Any]] | None = None
        self.after_request_functions: list[Callable[[Response], Response]] | None = None
        self._tokens: list[contextvars.Token[Context | None]] | None = None
        self.unhandled_error: BaseException | None = None
        #: False for an app context pushed inside a request: it shows the request but must
        #: not end it.
        self.owns_request = True
        #: Set once the teardown functions ran for this context, so they never run twice.
        self.torn_down = False

    def _join_current_app_context(self) -> None:
        """Join the current context if it is an app context of this app (see ``owns_app``);
        leave one joined before if it is not."""
        outer = _cv_context.get()
        if (
            outer is not None
            and outer is not self
            and outer.app is self.app
            and outer.request is None
        ):
            self._g = outer.g
            self.owns_app = False
        elif not self.owns_app:
            self._g = None
            self.owns_app = True

    @property
    def g(self) -> Namespace:
        if self._g is None:
            self._g = self.app.app_ctx_globals_class()
        return self._g

    @g.setter
    def g(self, value: Namespace) -> None:
        self._g = value

    @property
    def session(self) -> SessionMixin:
        """The session, opened from the request's cookie on first access."""
        if self._session is None:
            if self.request is None:
                raise RuntimeError("The session is only available while handling a request.")
            interface = self.app.session_interface
            opened = interface.open_session(self.app, self.request)
            self._session = opened if opened is not None else interface.make_null_session(self.app)
        return self._session

    def push(self) -> None:
        """Make this context current (Flask's ``ctx.push()``); it may be pushed again, nested.

        A request it carries is matched to its route now, as Flask's request context does, so
        ``request.endpoint`` and ``url_rule`` work inside ``test_request_context()``.
        """
        if self._tokens is None and _cv_context.get() is self:
            # Current without a push: the dispatch made it so and ends it itself. A push from
            # the view (``with app_ctx:``) nests inside, and its pop must not tear it down.
            self._tokens = [_DISPATCHED]
        elif self._tokens is None:
            self._tokens = []
            if self.request is not None:
                # Decided again when first pushed, as Flask decides: a context built outside
                # an app context may be pushed inside one, or the reverse.
                self._join_current_app_context()
        self._tokens.append(_cv_context.set(self))
        request = self.request
        if request is not None and request.url_rule is None and request.routing_exception is None:
            self.match_request()
        if gate.open and self.owns_app:
            from .signals import appcontext_pushed, send

            send(appcontext_pushed, self.app)

    @functools.cached_property
    def url_adapter(self) -> MapAdapter | None:
        """The URL map bound to this context's request (Flask's ``ctx.url_adapter``), made
        when first asked for; see :meth:`App.create_url_adapter`."""
        return self.app.create_url_adapter(self.request)

    def match_request(self) -> None:
        """Set the request's rule and URL values, or its routing error; a hook for subclasses."""
        if self.request is not None:
            self.app._match_request(self.request)

    def pop(self, exc: BaseException | None = _NO_ERROR) -> None:
        """End what :meth:`push` began: the last pop runs the teardown functions, as in Flask.

        ``exc`` is the error the context ends with (the one being handled if not given). A
        context whose request the dispatch already tore down (one the test client keeps after
        ``with client:``) is only unbound.
        """
        if not self._tokens or self._tokens[-1] is _DISPATCHED:
            raise RuntimeError("This context was not pushed.")
        last = len(self._tokens) == 1
        try:
            if last and not self.torn_down:
                self.torn_down = True
                if exc is _NO_ERROR:
                    exc = sys.exc_info()[1]
                request = self.request
                try:
                    if request is not None and self.owns_request:
                        self.app.do_teardown_request(exc)
                        request.close()
                finally:
                    if self.owns_app:
                        self.app.do_teardown_appcontext(exc)
        finally:
            current = _cv_context.get()
            token = self._tokens.pop()
            if current is not None:
                # Not when nothing is current: a pop out of order already unwound past this
                # context, and resetting its token would push back the one before it.
                _cv_context.reset(token)
        if gate.open and self.owns_app:
            from .signals import appcontext_popped, send

            send(appcontext_popped, self.app)
        if current is not self:
            raise AssertionError(f"Popped the wrong context ({current!r} instead of {self!r}).")

    def __enter__(self) -> Context:
        self.push()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: object,
    ) -> None:
        self.pop(exc_value)

    def __repr__(self) -> str:
        request = self.request
        if request is None:
            return f"<Context of {self.app.name}>"
        return f"<Context {request.url!r} [{request.method}] of {self.app.name}>"

    def copy(self) -> Context:
        """A new context for the same app and request, sharing ``g`` and the session.

        The session is opened now if it was not yet, as Flask's is when a request starts, so
        that both contexts hold the same one: what a thread stores in it is saved with the
        response, and what the view stores after the copy is seen in the thread.
        """
        other = Context(self.app, self.request)
        other._g = self._g
        other._session = self.session if self.request is not None else None
        return other


_cv_context: contextvars.ContextVar[Context | None] = contextvars.ContextVar(
    "erlen.context", default=None
)
#: PERF: the variable's methods, bound once. Called through a name imported from this module,
#: ``_cv_context.set(...)`` compiles to an attribute load that Python 3.11 does not specialise
#: (a bound method is made and dropped per call, ~300 instructions); these are plain calls.
_get_context = _cv_context.get
_set_context = _cv_context.set
_reset_context = _cv_context.reset


def _lookup_context(what: str) -> Context:
    ctx = _cv_context.get()
    if ctx is None:
        raise RuntimeError(
            f"Working outside of application context: {what} needs one. Inside a view it is set "
            "up for you; elsewhere use 'with app.app_context():' or "
            "'with app.test_request_context():'."
        )
    return ctx


def _lookup_request_context(what: str) -> Context:
    ctx = _cv_context.get()
    if ctx is None or ctx.request is None:
        raise RuntimeError(
            f"Working outside of request context: {what} is only available while a request is "
            "handled. In tests, use 'with app.test_request_context():' or the test client."
        )
    return ctx


#: Attributes a proxy answers itself; every other name is read from the looked-up object.
_PROXY_OWN = frozenset(("_erlen_lookup", "_get_current_object", "__class__"))
_object_getattribute = object.__getattribute__


class _Proxy(Generic[T]):
    """Forwards attribute access, item access and common operators to a looked-up object."""

    __slots__ = ("_erlen_lookup",)

    def __init__(self, lookup: Callable[[], T]) -> None:
        object.__setattr__(self, "_erlen_lookup", lookup)

    def _get_current_object(self) -> T:
        """The real object behind the proxy, for passing to code that checks types."""
        return self._erlen_lookup()  # type: ignore[no-any-return]  # (no runtime cast() call)

    def __getattribute__(self, name: str) -> Any:
        # PERF: forwarding from __getattribute__ rather than __getattr__ skips the failed
        # lookup on the proxy itself and the AttributeError it raises inside the interpreter:
        # about 0.08 us per access instead of 0.6 us.
        if name in _PROXY_OWN:
            return _object_getattribute(self, name)
        return getattr(_object_getattribute(self, "_erlen_lookup")(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._erlen_lookup(), name, value)

    def __delattr__(self, name: str) -> None:
        delattr(self._erlen_lookup(), name)

    def __getitem__(self, key: Any) -> Any:
        return self._erlen_lookup()[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        self._erlen_lookup()[key] = value

    def __delitem__(self, key: Any) -> None:
        del self._erlen_lookup()[key]

    def __contains__(self, key: object) -> bool:
        return key in self._erlen_lookup()

    def __iter__(self) -> Iterator[Any]:
        return iter(self._erlen_lookup())

    def __len__(self) -> int:
        return len(self._erlen_lookup())

    def __aiter__(self) -> Any:
        return self._erlen_lookup().__aiter__()

    def __enter__(self) -> Any:
        # ``with app_ctx:`` enters the current context again, as with Werkzeug's proxies.
        return self._erlen_lookup().__enter__()

    def __exit__(self, *exc_info: Any) -> Any:
        return self._erlen_lookup().__exit__(*exc_info)

    def __bool__(self) -> bool:
        try:
            return bool(self._erlen_lookup())
        except RuntimeError:
            return False

    def __eq__(self, other: object) -> bool:
        return bool(self._erlen_lookup() == other)

    def __ne__(self, other: object) -> bool:
        return bool(self._erlen_lookup() != other)

    def __hash__(self) -> int:
        return hash(self._erlen_lookup())

    # isinstance(request, Request) holds, as with Flask's proxies.
    @property  # type: ignore[misc]
    def __class__(self) -> type:
        try:
            return type(self._erlen_lookup())
        except RuntimeError:
            return type(self)

    def __repr__(self) -> str:
        try:
            return repr(self._erlen_lookup())
        except RuntimeError:
            return "<erlen proxy, unbound>"

    def __dir__(self) -> list[str]:
        return dir(self._erlen_lookup())


def _current_app() -> App:
    return _lookup_context("current_app").app


def _current_request() -> Request:
    return cast("Request", _lookup_request_context("request").request)


def _current_g() -> Namespace:
    return _lookup_context("g").g


def _current_session() -> SessionMixin:
    return _lookup_request_context("session").session


class _RequestProxy(_Proxy["Request"]):
    """``request``: the proxy views touch most, so its attribute access skips a call level."""

    __slots__ = ()

    def __getattribute__(self, name: str) -> Any:
        # PERF: one ContextVar read and the attribute; the helpful error comes from the slow path.
        ctx = _cv_context.get()
        if ctx is not None:
            current = ctx.request
            if current is not None and name not in _PROXY_OWN:
                return getattr(current, name)
        if name in _PROXY_OWN:
            return _object_getattribute(self, name)
        return getattr(_current_request(), name)


current_app: App = cast("App", _Proxy(_current_app))
request: Request = cast("Request", _RequestProxy(_current_request))
g: Namespace = cast(Namespace, _Proxy(_current_g))
session: SessionMixin = cast("SessionMixin", _Proxy(_current_session))
#: Flask's ``app_ctx`` and ``request_ctx``: the active :class:`Context` itself. Erlen has one
#: context for both; ``request_ctx`` is bound only while it carries a request.
app_ctx: Context = cast(Context, _Proxy(lambda: _lookup_context("app_ctx")))
request_ctx: Context = cast(Context, _Proxy(lambda: _lookup_request_context("request_ctx")))


def get_context() -> Context | None:
    """The active context, or None outside any."""
    return _cv_context.get()


def has_request_context() -> bool:
    """True while a request is being handled (or a test request context is active)."""
    ctx = _cv_context.get()
    return ctx is not None and ctx.request is not None


def has_app_context() -> bool:
    """True inside an application context (which every request has)."""
    return _cv_context.get() is not None


def after_this_request(func: F) -> F:
    """Run ``func(response)`` after this request's view, before the app's after-request hooks."""
    ctx = _lookup_request_context("after_this_request")
    if ctx.after_request_functions is None:
        ctx.after_request_functions = []
    ctx.after_request_functions.append(func)
    return func


def copy_current_request_context(func: F) -> F:
    """Wrap ``func`` so it runs in a copy of the current request's context (e.g. in a thread)."""
    ctx = _lookup_request_context("copy_current_request_context").copy()

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        token = _cv_context.set(ctx)
        try:
            return func(*args, **kwargs)
        finally:
            _cv_context.reset(token)

    return cast(F, wrapper)


def stream_with_context(generator_or_function: Any) -> Any:
    """Keep the request context alive while a streamed response is generated.

    The view's context ends when the view returns; a generator that reads ``request`` or
    ``session`` while the body streams needs this wrapper, as in Flask. Accepts a generator or a
    generator function (then it works as a decorator), sync or async.
    """
    if callable(generator_or_function) and not hasattr(generator_or_function, "__next__"):

        @functools.wraps(generator_or_function)
        def decorator(*args: Any, **kwargs: Any) -> Iterator[Any]:
            return cast(Iterator[Any], stream_with_context(generator_or_function(*args, **kwargs)))

        return decorator

    ctx = _lookup_request_context("stream_with_context").copy()
    if hasattr(generator_or_function, "__aiter__"):
        return _generate_async(ctx, generator_or_function)
    iterator = iter(generator_or_function)

    def generate() -> Iterator[Any]:
        token = _cv_context.set(ctx)
        try:
            yield from iterator
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()
            _cv_context.reset(token)

    return generate()


async def _generate_async(ctx: Context, iterable: Any) -> Any:
    """``stream_with_context`` for an async generator (a streamed body under ASGI or WSGI).

    The previous context is put back rather than reset by token: the adapter may close the
    generator from another task than the one that iterated it.
    """
    previous = _cv_context.get()
    _cv_context.set(ctx)
    iterator = aiter(iterable)
    try:
        async for item in iterator:
            yield item
    finally:
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            await aclose()
        _cv_context.set(previous)


def _current_app_setting(name: str, default: Any) -> Any:
    ctx = _cv_context.get()
    return ctx.app.config.get(name, default) if ctx is not None else default


# The core's responses read app settings through this hook, so they never import this layer.
_response.app_setting = _current_app_setting
