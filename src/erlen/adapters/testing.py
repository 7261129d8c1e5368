"""The test client: real WSGI requests to the app, in-process, with a cookie jar.

``app.test_client()`` builds a PEP 3333 environ for each call and runs the app's full WSGI path
(adapter included), so what passes here passes under a server. Works as a pytest fixture::

    @pytest.fixture
    def client(app):
        return app.test_client()

A request is described by an :class:`EnvironBuilder` (Flask's ``flask.testing.EnvironBuilder``
contract): ``client.get("/path", base_url=..., query_string=..., json=...)`` passes its arguments
to one, and ``client.open()`` also takes a builder or a ready WSGI environ. The answer is a
:class:`TestResponse`, an instance of the app's response class with ``request`` and ``history``.

Inside ``with client:`` the context of the last request stays active until the block ends, so a
test can look at ``request``, ``session`` and ``g`` after the call. ``client.session_transaction()``
reads and edits the session stored in the client's cookie jar without a request to the app.

Longer than 600 lines on purpose: :class:`TestClient` is Werkzeug's and Flask's client contract
(every HTTP method, the cookie jar, redirects, ``with client:``, ``session_transaction``), which
extensions and Flask's own suite drive through ``flask.testing``; it reads best in one piece.
The requests it sends are built in ``testing_environ.py``, its ASGI side and WebSocket sessions
are in ``testing_asgi.py``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urljoin, urlsplit

from click.testing import CliRunner, Result

from ..app.context import Context, _cv_context
from ..core import __version__, http
from ..core.datastructures import Headers
from ..core.response import Response
from . import cli as erlen_cli
from .testing_environ import EnvironBuilder, build_environ, build_request
from .wsgi import wsgi_request

if TYPE_CHECKING:
    from ..app.sessions import SessionMixin
    from ..core.request import Request
    from .erlen import Erlen
    from .testing_asgi import WebSocketTestSession

__all__ = [
    "ClientRedirectError",
    "Cookie",
    "EnvironBuilder",
    "ErlenCliRunner",
    "TestClient",
    "TestResponse",
    "build_environ",
    "build_request",
]

#: Status codes ``follow_redirects`` follows; only 307 and 308 repeat the method and body.
REDIRECT_CODES = frozenset((301, 302, 303, 307, 308))


class ClientRedirectError(RuntimeError):
    """``follow_redirects`` met a loop (a request it already made) or too many redirects.

    Werkzeug's name; ``erlen.flask_patch`` makes Werkzeug's class one of its bases.
    """


def _request_key(builder: EnvironBuilder) -> tuple[str, ...]:
    """What makes two requests of a redirect chain the same request."""
    return (
        builder.method, builder.url_scheme, builder.host, builder.script_root, builder.path,
        builder.query_string,
    )  # fmt: skip


#: How many redirects one call follows before it gives up (a loop, most likely).
MAX_REDIRECTS = 20

#: Where the contexts of requests sent inside ``with client:`` are collected. Set only around
#: the client's own call to the app, so requests from other threads or clients are never caught.
_context_sink: ContextVar[list[Context] | None] = ContextVar(
    "erlen.testing.context_sink", default=None
)


def _capture_context(error: BaseException | None) -> None:
    """A teardown function that hands the ending request's context to the client that sent it."""
    sink = _context_sink.get()
    ctx = _cv_context.get()
    if sink is not None and ctx is not None and ctx.request is not None:
        sink.append(ctx)


# -- responses -----------------------------------------------------------------------------------


class TestResponse(Response):
    """What the app answered, with the request that was sent (``request``) and the redirects
    followed on the way (``history``, oldest first).

    The client makes it an instance of the app's ``response_class`` too, so a custom response
    class's attributes work on it; ``json`` and ``get_json()`` parse with the app's JSON provider.
    """

    __test__ = False  # not a pytest test class

    def __init__(
        self,
        response: Any = None,
        status: int | str | None = None,
        headers: Any = None,
        *args: Any,
        request: Request | None = None,
        history: tuple[TestResponse, ...] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(response, status, headers, *args, **kwargs)
        #: Whether the app streamed the body (the client has read it whole since).
        self._streamed = False
        self.history = history
        self.json_module: Any = None
        self._request = request
        self._environ: dict[str, Any] | None = None
        self._app: Erlen | None = None

    @property
    def is_streamed(self) -> bool:
        """True when the app streamed the body (a generator, a file), as Werkzeug's test
        response says, although the client has read it whole."""
        return self._streamed or super().is_streamed

    @property
    def request(self) -> Request | None:
        """The request object for what was sent (built when first read)."""
        if self._request is None and self._app is not None and self._environ is not None:
            self._request = wsgi_request(self._app, self._environ)
        return self._request

    @request.setter
    def request(self, value: Request | None) -> None:
        self._request = value

    @property
    def request_path(self) -> str:
        """The ``PATH_INFO`` that was requested, for checking where redirects led."""
        return str(self._environ.get("PATH_INFO", "")) if self._environ is not None else ""

    def _load_json(self, data: bytes) -> Any:
        # The app's JSON provider, so get_json() and json read what the app's loads() reads.
        if self.json_module is None:
            return super()._load_json(data)
        return self.json_module.loads(data)

    def __enter__(self) -> TestResponse:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


@functools.lru_cache(maxsize=32)
def _test_response_class(response_class: type[Response]) -> type[TestResponse]:
    """A class that is both :class:`TestResponse` and the app's ``response_class``."""
    if issubclass(response_class, TestResponse):
        return response_class
    if response_class is Response:
        return TestResponse
    name = f"Test{response_class.__name__}"
    return cast(type[TestResponse], type(name, (TestResponse, response_class), {"__slots__": ()}))


class Cookie:
    """A cookie in the client's jar, with the attributes it was set with (Werkzeug's fields).

    ``origin_only`` is True when the cookie had no ``Domain`` attribute: it is then sent to its
    own host only, not to subdomains.
    """

    __slots__ = (
        "key", "value", "decoded_key", "decoded_value", "expires", "max_age", "domain",
        "origin_only", "path", "secure", "http_only", "same_site",
    )  # fmt: skip

    def __init__(
        self, key: str, value: str, *, domain: str, path: str, origin_only: bool = True,
        expires: datetime | None = None, max_age: int | None = None, secure: bool = False,
        http_only: bool = False, same_site: str | None = None,
    ) -> None:  # fmt: skip
        self.key, self.value = key, value
        self.decoded_key = key
        self.decoded_value = http.parse_cookie(f"{key}={value}").get(key, value)
        self.domain, self.path, self.origin_only = domain, path, origin_only
        self.expires, self.max_age = expires, max_age
        self.secure, self.http_only, self.same_site = secure, http_only, same_site

    def __repr__(self) -> str:
        return f"<Cookie {self.key}={self.value!r} for {self.domain}{self.path}>"

    @classmethod
    def from_header(cls, header: str, host: str, request_path: str) -> Cookie:
        """The cookie a ``Set-Cookie`` header sets for a request to ``host`` and ``request_path``.

        Without a ``Path`` attribute the path is the request path's directory (RFC 6265, 5.1.4);
        ``Max-Age`` wins over ``Expires`` (5.3), and is turned into an expiry time.
        """
        name_value, *attributes = header.split(";")
        key, _, value = name_value.partition("=")
        params: dict[str, str | None] = {}
        for attribute in attributes:
            name, equals, attr_value = attribute.partition("=")
            params[name.strip().lower()] = attr_value.strip() if equals else None
        expires = http.parse_date(params.get("expires"))
        max_age: int | None = None
        raw_max_age = params.get("max-age")
        if raw_max_age is not None and raw_max_age.lstrip("-").isdigit():
            max_age = int(raw_max_age)
            expires = datetime.now(UTC) + timedelta(seconds=max(max_age, 0))
        domain = (params.get("domain") or "").lstrip(".")
        return cls(
            key.strip(), value.strip(), domain=domain or host, origin_only=not domain,
            path=params.get("path") or request_path.rpartition("/")[0] or "/",
            expires=expires, max_age=max_age, secure="secure" in params,
            http_only="httponly" in params, same_site=params.get("samesite"),
        )  # fmt: skip

    @property
    def expired(self) -> bool:
        return self.expires is not None and self.expires <= datetime.now(UTC)

    def matches(self, host: str, path: str) -> bool:
        """True when a browser would send this cookie with a request to ``host`` and ``path``."""
        domain_ok = host == self.domain or (
            not self.origin_only and host.endswith(f".{self.domain}")
        )
        cookie_path = self.path
        return domain_ok and (
            path == cookie_path
            or path.startswith(cookie_path if cookie_path.endswith("/") else f"{cookie_path}/")
        )


# -- the client ----------------------------------------------------------------------------------


def _is_method_name(value: object) -> bool:
    """True for ``"POST"``: Erlen's ``client.open(path, method)`` form, never a base URL."""
    return isinstance(value, str) and value.isascii() and value.isalpha() and value.isupper()


class TestClient:
    """Sends requests to the app in-process; cookies persist across calls like a browser's.

    ``interface`` chooses the adapter the requests go through: ``"wsgi"`` (the app's WSGI
    callable) or ``"asgi"`` (``app.asgi``, each request on an event loop, sync views in the
    app's thread pool). The class attribute sets the default for every client. The remaining
    keyword arguments go into :attr:`environ_base`, the environ keys every request starts from.
    """

    __test__ = False

    #: The adapter requests go through unless the constructor says otherwise.
    interface = "wsgi"

    def __init__(
        self,
        app: Erlen,
        use_cookies: bool = True,
        interface: str | None = None,
        **environ_base: Any,
    ) -> None:
        if interface is not None:
            if interface not in ("wsgi", "asgi"):
                raise ValueError("interface must be 'wsgi' or 'asgi'.")
            self.interface = interface
        self.app = app
        self.use_cookies = use_cookies
        #: Whether ``follow_redirects`` follows a redirect to a subdomain of the current host.
        #: A redirect to another host is never followed: it would reach this app all the same.
        self.allow_subdomain_redirects = False
        #: Environ keys every request starts from; the request's own parts override them.
        self.environ_base: dict[str, Any] = {
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_USER_AGENT": f"Erlen/{__version__}",
            **environ_base,
        }
        self._cookies: dict[tuple[str, str, str], Cookie] = {}
        #: True inside ``with client:``: the last request's context is kept (see ``__enter__``).
        self._preserve_context = False
        self._preserved: Context | None = None

    @property
    def application(self) -> Erlen:
        """The app requests go to (Werkzeug's and Flask's name for :attr:`app`)."""
        return self.app

    # -- cookies -----------------------------------------------------------------------------

    def get_cookie(self, key: str, domain: str = "localhost", path: str = "/") -> Cookie | None:
        """The jar's cookie stored for exactly this domain and path, or None."""
        cookie = self._cookies.get((domain, path, key))
        if cookie is not None and cookie.expired:
            del self._cookies[(domain, path, key)]
            return None
        return cookie

    def set_cookie(
        self,
        key: str,
        value: str = "",
        *,
        domain: str = "localhost",
        origin_only: bool = True,
        path: str = "/",
        **kwargs: Any,
    ) -> None:
        """Put a cookie in the jar as if a response had set it; ``kwargs`` are ``max_age``,
        ``expires``, ``secure``, ``httponly`` and ``samesite``."""
        header = http.dump_cookie(key, value, path=path, **kwargs)
        cookie = Cookie.from_header(header, domain, path)
        cookie.origin_only = origin_only
        if cookie.expired:
            self._cookies.pop((cookie.domain, cookie.path, key), None)
        else:
            self._cookies[(cookie.domain, cookie.path, key)] = cookie

    def delete_cookie(
        self, key: str, *, domain: str = "localhost", path: str = "/", **kwargs: Any
    ) -> None:
        """Remove a cookie from the jar (the other arguments are accepted and unused)."""
        self._cookies.pop((domain, path, key), None)

    def _add_cookies(self, environ: dict[str, Any]) -> None:
        """Send the jar's cookies for the request; an explicit ``Cookie`` header is kept."""
        if not self.use_cookies or "HTTP_COOKIE" in environ:
            return
        host, path = _host_and_path(environ)
        pairs = []
        for storage_key, cookie in list(self._cookies.items()):
            if cookie.expired:
                del self._cookies[storage_key]
            elif cookie.matches(host, path):
                pairs.append(f"{cookie.key}={cookie.value}")
        if pairs:
            environ["HTTP_COOKIE"] = "; ".join(pairs)

    def _store_cookies(self, headers: Headers, environ: Mapping[str, Any]) -> None:
        host, path = _host_and_path(environ)
        for header in headers.get_all("Set-Cookie"):
            cookie = Cookie.from_header(header, host, path)
            storage_key = (cookie.domain, cookie.path, cookie.key)
            if cookie.expired:
                self._cookies.pop(storage_key, None)
            else:
                self._cookies[storage_key] = cookie

    # -- requests ----------------------------------------------------------------------------

    def open(
        self, *args: Any, buffered: bool = False, follow_redirects: bool = False, **kwargs: Any
    ) -> TestResponse:
        """Send one request and return the answer; ``get``, ``post``... set the method.

        The arguments are :class:`EnvironBuilder`'s after ``app`` (``path``, ``base_url``,
        ``query_string``, ``method``, ``headers``, ``data``, ``json``...), or a single
        :class:`EnvironBuilder` or WSGI environ dict, to which :attr:`environ_base` is added.
        ``open(path, "POST")`` is read as the method, not a base URL. ``follow_redirects``
        follows 301-308 answers (at most 20) and records them in ``response.history``.

        The body is read, and the app's iterable closed, before the call returns, whatever
        ``buffered`` says, so an error raised while streaming surfaces here.
        """
        builder, owned = self._builder_for(args, kwargs)
        try:
            response = self._send(builder)
            history: list[TestResponse] = []
            visited = {_request_key(builder)}
            while follow_redirects and response.status_code in REDIRECT_CODES:
                if len(history) >= MAX_REDIRECTS:
                    raise ClientRedirectError(
                        f"The test client followed more than {MAX_REDIRECTS} redirects, the "
                        f"last to {response.location!r}: the app probably redirects in a loop."
                    )
                response.history = tuple(history)
                history.append(response)
                builder = self._redirect_builder(response, builder)
                key = _request_key(builder)
                if key in visited:
                    raise ClientRedirectError(
                        f"Loop detected: a {response.status_code} redirect to "
                        f"{response.location!r} was already made."
                    )
                visited.add(key)
                response = self._send(builder)
            response.history = tuple(history)
            return response
        finally:
            if owned:
                builder.close()

    def _builder_for(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[EnvironBuilder, bool]:
        """The builder for ``open()``'s arguments, and whether the client made (and closes) it."""
        if args and (isinstance(args[0], dict) or hasattr(args[0], "get_environ")):
            kwargs.pop("method", None)  # set by get(), post()...: the builder has its own
            if len(args) > 1 or kwargs:
                raise TypeError("open() takes a builder or an environ alone, with no other parts.")
            if isinstance(args[0], EnvironBuilder):
                builder = args[0].copy()
                builder.environ_base = {**self.environ_base, **(builder.environ_base or {})}
                return builder, False
            environ = args[0] if isinstance(args[0], dict) else args[0].get_environ()
            return EnvironBuilder.from_environ(
                environ, app=self.app, environ_base=dict(self.environ_base)
            ), True
        if len(args) > 1 and _is_method_name(args[1]) and "method" not in kwargs:
            kwargs["method"] = args[1]
            args = (args[0], *args[2:])
        kwargs["environ_base"] = {**self.environ_base, **(kwargs.get("environ_base") or {})}
        return EnvironBuilder(self.app, *args, **kwargs), True

    def _redirect_builder(self, response: TestResponse, builder: EnvironBuilder) -> EnvironBuilder:
        """The request that follows the redirect ``response`` to the one ``builder`` described.

        A relative ``Location`` is resolved against the URL just requested. 307 and 308 repeat
        the method and body; the others become a GET (a HEAD stays a HEAD) without the body.
        The query always comes from the new location.
        """
        current = f"{builder.base_url.rstrip('/')}{builder.path}"
        target = urlsplit(urljoin(current, response.location or "/"))
        new_host = target.netloc or builder.host
        if new_host.partition(":")[0] != builder.server_name:
            to_name, from_name = new_host.partition(":")[0], builder.server_name
            if not to_name.endswith(f".{from_name}"):
                raise RuntimeError(
                    f"The test client follows redirects within the app only, not to {new_host!r}:"
                    " check response.location instead of following it."
                )
            if not self.allow_subdomain_redirects:
                raise RuntimeError(
                    "Following subdomain redirects is not enabled: set "
                    "client.allow_subdomain_redirects = True."
                )
        follow = builder.copy()
        follow.url_scheme, follow.host = target.scheme or builder.url_scheme, new_host
        path, root = target.path or "/", builder.script_root
        if root and (path == root or path.startswith(f"{root}/")):
            follow.path = path[len(root) :] or "/"
        else:
            follow.path, follow.script_root = path, ""
        follow.query_string = target.query
        if response.status_code not in (307, 308):
            if follow.method != "HEAD":
                follow.method = "GET"
            follow.input_stream = None
            follow.content_type = follow.content_length = None
            follow.headers.pop("Transfer-Encoding", None)
            follow.headers.pop("Content-Length", None)
        return follow

    def _send(self, builder: EnvironBuilder) -> TestResponse:
        """Run one request through the app's adapter and wrap what it answered."""
        environ = builder.get_environ()
        self._add_cookies(environ)
        captured: dict[str, Any] = {}

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        contexts: list[Context] = []
        sink_token = None
        if self._preserve_context:
            self._pop_preserved()  # the previous request's context ends when the next starts
            sink_token = _context_sink.set(contexts)
        try:
            if self.interface == "asgi":
                from .testing_asgi import call_asgi

                captured["status"], captured["headers"], data, streamed = call_asgi(
                    self.app, environ
                )
            else:
                body_iterable = self.app(environ, start_response)
                # A buffered answer is a list; anything else was produced while sent.
                streamed = not isinstance(body_iterable, (list, tuple))
                try:
                    data = b"".join(body_iterable)
                finally:
                    close = getattr(body_iterable, "close", None)
                    if close is not None:
                        close()
        finally:
            if sink_token is not None:
                _context_sink.reset(sink_token)
        if contexts:
            # The request's own context is the last to end (after any nested in the view).
            self._preserved = contexts[-1].copy()
            self._preserved.torn_down = True  # the dispatch ran its teardown functions already
            self._preserved.push()
        # mypy reads type[Response] as unhashable (Response defines __eq__ via properties).
        response_class = _test_response_class(self.app.response_class)  # type: ignore[arg-type]
        response = response_class(data, captured["status"])
        response._streamed = streamed
        response.headers = Headers(captured["headers"])  # exactly what the app sent
        response.json_module = self.app.json
        response._app, response._environ = self.app, environ
        if self.use_cookies:
            self._store_cookies(response.headers, environ)
        return response

    def get(self, *args: Any, **kwargs: Any) -> TestResponse:
        return self.open(*args, method="GET", **kwargs)

    def post(self, *args: Any, **kwargs: Any) -> TestResponse:
        return self.open(*args, method="POST", **kwargs)

    def put(self, *args: Any, **kwargs: Any) -> TestResponse:
        return self.open(*args, method="PUT", **kwargs)

    def patch(self, *args: Any, **kwargs: Any) -> TestResponse:
        return self.open(*args, method="PATCH", **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> TestResponse:
        return self.open(*args, method="DELETE", **kwargs)

    def head(self, *args: Any, **kwargs: Any) -> TestResponse:
        return self.open(*args, method="HEAD", **kwargs)

    def options(self, *args: Any, **kwargs: Any) -> TestResponse:
        return self.open(*args, method="OPTIONS", **kwargs)

    def trace(self, *args: Any, **kwargs: Any) -> TestResponse:
        return self.open(*args, method="TRACE", **kwargs)

    def websocket_connect(
        self,
        path: str,
        subprotocols: list[str] | None = None,
        denial_response: bool = True,
        **kwargs: Any,
    ) -> WebSocketTestSession:
        """A WebSocket session with the app through ``app.asgi``: use it in a ``with`` block.

        The other arguments are those of :meth:`open`; the jar's cookies are sent. A refused
        handshake raises ``WebSocketRefused`` with the app's HTTP answer, as uvicorn and granian
        deliver it (ASGI's denial-response extension); ``denial_response=False`` plays a server
        without it, where every refusal is a 403.

        Each session runs the app on an event loop of its own, in a background thread; a real
        server runs every connection on one loop.
        """
        from .testing_asgi import WebSocketTestSession, scope_from_environ

        kwargs["environ_base"] = {**self.environ_base, **(kwargs.get("environ_base") or {})}
        environ = EnvironBuilder(self.app, path, **kwargs).get_environ()
        self._add_cookies(environ)
        scope = scope_from_environ(environ, "websocket")
        scope["subprotocols"] = list(subprotocols or ())
        if denial_response:
            scope["extensions"] = {"websocket.http.response": {}}
        return WebSocketTestSession(self.app, scope)

    # -- kept contexts and sessions ----------------------------------------------------------

    def __enter__(self) -> TestClient:
        """Keep each request's context active after the call, until the next request or the end
        of the block, so ``request``, ``session`` and ``g`` can be inspected, as in Flask.

        The app's teardown functions have already run for that request; the context is a copy
        that shares the request, ``g`` and the session.
        """
        if self._preserve_context:
            raise RuntimeError("A test client's 'with' blocks cannot be nested.")
        self._preserve_context = True
        # The context is caught as it ends, by a teardown function that acts only for this
        # client's own requests (see _context_sink); it is removed again at the block's end.
        # A request's, not an app context's: a request inside the test's own app context
        # leaves the app context's teardown to that context.
        self.app.teardown_request(_capture_context)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._preserve_context = False
        self._pop_preserved()
        try:
            self.app.teardown_request_funcs[None].remove(_capture_context)
        except ValueError:
            pass  # the app's teardown functions were replaced inside the block
        self.app._changed()  # the app caches whether it has teardown functions

    def _pop_preserved(self) -> None:
        preserved, self._preserved = self._preserved, None
        if preserved is not None:
            preserved.pop()

    @contextmanager
    def session_transaction(self, *args: Any, **kwargs: Any) -> Iterator[SessionMixin]:
        """Open the session stored in the cookie jar, to read or change it in a test.

        The arguments are :class:`EnvironBuilder`'s (``path``, ``base_url``...) and describe the
        request the session is opened for; the jar's cookies for that URL are sent with it. The
        session is saved back into the jar when the block ends without an error::

            with client.session_transaction() as session:
                session["user_id"] = 1
            client.get("/profile")  # the app sees user 1

        Raises ``RuntimeError`` when the app cannot open a session (no secret key), and
        ``TypeError`` for a client created with ``use_cookies=False``.
        """
        if not self.use_cookies:
            raise TypeError(
                "Cookies are disabled, and session_transaction() needs the client's cookie jar: "
                "create the client with use_cookies=True."
            )
        app = self.app
        kwargs["environ_base"] = {**self.environ_base, **(kwargs.get("environ_base") or {})}
        builder = EnvironBuilder(app, *args, **kwargs)
        environ = builder.get_environ()
        builder.close()
        self._add_cookies(environ)
        request: Request = wsgi_request(app, environ)
        interface = app.session_interface
        outer = _cv_context.get()
        # Like app.test_request_context(): the session interface runs inside the fake request's
        # context, and the app's teardown functions run when it ends.
        with Context(app, request) as ctx:
            session = interface.open_session(app, request)
            if session is None:
                if not app.secret_key:
                    raise RuntimeError(
                        "Session backend did not open a session: the app has no secret key. "
                        "Set app.secret_key (or the SECRET_KEY setting) in the test's app."
                    )
                raise RuntimeError(
                    f"Session backend did not open a session: {type(interface).__name__}"
                    ".open_session() returned None, so there is no session to change."
                )
            ctx._session = session
            # The block itself sees the caller's context (a request kept by ``with client:``,
            # or none), not the fake one, as in Flask.
            token = _cv_context.set(outer)
            try:
                yield session
            finally:
                _cv_context.reset(token)
            response = app.response_class()
            if not interface.is_null_session(session):
                interface.save_session(app, session, response)
        self._store_cookies(response.headers, environ)


def _host_and_path(environ: Mapping[str, Any]) -> tuple[str, str]:
    """The host name and full path (script root included) a request went to, for cookies."""
    host = str(environ.get("HTTP_HOST") or environ.get("SERVER_NAME") or "localhost")
    # An IPv6 literal keeps its colons.
    host = host.partition("]")[0] + "]" if host.startswith("[") else host.partition(":")[0]
    path = str(environ.get("SCRIPT_NAME", "")) + str(environ.get("PATH_INFO") or "/")
    return host.lower() or "localhost", path


class ErlenCliRunner(CliRunner):
    """Invokes click commands in-process, the app's own (``app.cli``) by default."""

    def __init__(self, app: Erlen, **kwargs: Any) -> None:
        self.app = app
        super().__init__(**kwargs)

    def invoke(  # type: ignore[override]
        self, cli: Any = None, args: Any = None, **kwargs: Any
    ) -> Result:
        """Run ``cli`` (``app.cli`` when None) with ``args``; click's result is returned.

        Unless ``obj`` is given, the command gets a ``ScriptInfo`` that loads this app, as
        Flask's runner does, so commands invoked directly (not through ``app.cli``) find it.
        """
        if "obj" not in kwargs:
            # Looked up, not imported: erlen.cli gains ScriptInfo with Flask's CLI contract.
            script_info = getattr(erlen_cli, "ScriptInfo", None)
            if script_info is not None:
                kwargs["obj"] = script_info(create_app=lambda: self.app)
        return super().invoke(cli if cli is not None else self.app.cli, args, **kwargs)
