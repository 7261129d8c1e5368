"""The test client: real WSGI requests to the app, in-process, with a cookie jar.

``app.test_client()`` builds a PEP 3333 environ for each call and runs the app's full WSGI path
(adapter included), so what passes here passes under a server. Works as a pytest fixture::

    @pytest.fixture
    def client(app):
        return app.test_client()

Inside ``with client:`` the context of the last request stays active until the block ends, so a
test can look at ``request``, ``session`` and ``g`` after the call. ``client.session_transaction()``
reads and edits the session stored in the client's cookie jar without a request to the app.
"""

from __future__ import annotations

import io
import json as _json
import mimetypes
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_to_bytes, urlencode, urljoin, urlsplit

from . import http
from .context import Context, _cv_context
from .datastructures import Headers

if TYPE_CHECKING:
    from .app import Erlen
    from .request import Request
    from .sessions import SessionMixin
    from .testing_asgi import WebSocketTestSession

__all__ = ["TestClient", "TestResponse", "build_environ", "build_request", "ErlenCliRunner"]

#: Status codes ``follow_redirects`` follows; only 307 and 308 repeat the method and body.
REDIRECT_CODES = frozenset((301, 302, 303, 307, 308))

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


def _encode_multipart(fields: Iterable[tuple[str, Any]], boundary: str) -> bytes:
    out = io.BytesIO()
    for name, value in fields:
        out.write(f"--{boundary}\r\n".encode())
        filename: str | None = None
        content_type = None
        payload: bytes
        if isinstance(value, tuple):
            file, filename, *rest = value
            content_type = rest[0] if rest else None
            payload = file.read() if hasattr(file, "read") else bytes(file)
        elif hasattr(value, "read"):
            filename = os.path.basename(getattr(value, "name", "file") or "file")
            payload = value.read()
        else:
            payload = str(value).encode()
        if isinstance(payload, str):
            payload = payload.encode()
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
            content_type = (
                content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
            )
        out.write(f"Content-Disposition: {disposition}\r\n".encode())
        if content_type:
            out.write(f"Content-Type: {content_type}\r\n".encode())
        out.write(b"\r\n" + payload + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue()


def _pairs(data: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> list[tuple[str, Any]]:
    items = data.items() if isinstance(data, Mapping) else data
    pairs: list[tuple[str, Any]] = []
    for key, value in items:
        if isinstance(value, list):
            pairs.extend((key, item) for item in value)
        else:
            pairs.append((key, value))
    return pairs


def build_environ(
    path: str = "/",
    base_url: str | None = None,
    query_string: str | bytes | Mapping[str, Any] | None = None,
    method: str = "GET",
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    data: Any = None,
    json: Any = None,
    content_type: str | None = None,
    environ_base: Mapping[str, Any] | None = None,
    environ_overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A PEP 3333 environ for a request, as a real server would build it."""
    split = urlsplit(path)
    base = urlsplit(base_url or "http://localhost/")
    query = split.query
    if query_string is not None:
        if isinstance(query_string, Mapping):
            query = urlencode(_pairs(query_string), doseq=True)
        elif isinstance(query_string, bytes):
            query = query_string.decode("latin-1")
        else:
            query = query_string
    header_list = list(headers.items() if isinstance(headers, Mapping) else headers or ())
    body = b""
    if json is not None:
        body = _json.dumps(json).encode()
        content_type = content_type or "application/json"
    elif isinstance(data, (bytes, bytearray)):
        body = bytes(data)
    elif isinstance(data, str):
        body = data.encode()
    elif data is not None:
        pairs = _pairs(data)
        if any(isinstance(value, tuple) or hasattr(value, "read") for _, value in pairs):
            boundary = "erlen-test-boundary-7MA4YWxkTrZu0gW"
            body = _encode_multipart(pairs, boundary)
            content_type = f"multipart/form-data; boundary={boundary}"
        else:
            body = urlencode(pairs).encode()
            content_type = content_type or "application/x-www-form-urlencoded"
    host = base.netloc or "localhost"
    scheme = base.scheme or "http"
    server_name, _, port = host.partition(":")
    script_root = base.path.rstrip("/")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method.upper(),
        "SCRIPT_NAME": unquote_to_bytes(script_root).decode("latin-1"),
        "PATH_INFO": unquote_to_bytes(split.path or "/").decode("latin-1"),
        "QUERY_STRING": query,
        "SERVER_NAME": server_name,
        "SERVER_PORT": port or ("443" if scheme == "https" else "80"),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": host,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if body or method.upper() in ("POST", "PUT", "PATCH"):
        environ["CONTENT_LENGTH"] = str(len(body))
    if content_type:
        environ["CONTENT_TYPE"] = content_type
    for name, value in header_list:
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = str(value)
        else:
            environ[f"HTTP_{key}"] = str(value)
    if environ_base:
        environ.update(environ_base)
    if environ_overrides:
        environ.update(environ_overrides)
    return environ


def build_request(app: Erlen, *args: Any, **kwargs: Any) -> Request:
    """A :class:`Request` for ``app`` built from :func:`build_environ`'s arguments."""
    from .wsgi import _build_request

    request: Request = _build_request(app, build_environ(*args, **kwargs))
    return request


class TestResponse:
    """What the app answered: status, headers and the whole body."""

    __test__ = False  # not a pytest test class

    def __init__(self, status: str, headers: list[tuple[str, str]], data: bytes) -> None:
        self.status = status
        self.status_code = int(status.split(" ", 1)[0])
        self.headers = Headers(headers)
        self.data = data
        self.history: list[TestResponse] = []
        self.request_path = ""

    def __repr__(self) -> str:
        return f"<TestResponse {len(self.data)} bytes [{self.status}]>"

    def close(self) -> None:
        """Nothing to release: the body was read, and its iterable closed, when it arrived.

        It exists, with ``with client.get(...) as response:``, so that tests written for Flask's
        client, which keeps file bodies open until the response is closed, run unchanged.
        """

    def __enter__(self) -> TestResponse:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def get_data(self, as_text: bool = False) -> Any:
        return self.data.decode() if as_text else self.data

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", "replace")

    @property
    def mimetype(self) -> str | None:
        value = self.headers.get("Content-Type")
        return http.parse_options_header(value)[0] if value else None

    @property
    def content_type(self) -> str | None:
        value = self.headers.get("Content-Type")
        return str(value) if value is not None else None

    @property
    def content_length(self) -> int | None:
        value = self.headers.get("Content-Length")
        return int(value) if value is not None else None

    @property
    def location(self) -> str | None:
        value = self.headers.get("Location")
        return str(value) if value is not None else None

    @property
    def is_json(self) -> bool:
        mimetype = self.mimetype or ""
        return mimetype == "application/json" or mimetype.endswith("+json")

    def get_json(self, force: bool = False, silent: bool = False) -> Any:
        if not (force or self.is_json):
            return None
        try:
            return _json.loads(self.data)
        except ValueError:
            if silent:
                return None
            raise

    @property
    def json(self) -> Any:
        return self.get_json()


class _Cookie:
    __slots__ = ("value", "domain", "path", "expires")

    def __init__(self, value: str, domain: str, path: str, expires: datetime | None) -> None:
        self.value, self.domain, self.path, self.expires = value, domain, path, expires


class TestClient:
    """Sends requests to the app in-process; cookies persist across calls like a browser's.

    ``interface`` chooses the adapter the requests go through: ``"wsgi"`` (the app's WSGI
    callable) or ``"asgi"`` (``app.asgi``, each request on an event loop, sync views in the
    app's thread pool). The class attribute sets the default for every client.
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
        self.environ_base = environ_base
        self._cookies: dict[tuple[str, str, str], _Cookie] = {}
        #: True inside ``with client:``: the last request's context is kept (see ``__enter__``).
        self._preserve_context = False
        self._preserved: Context | None = None

    # -- cookies -----------------------------------------------------------------------------

    def get_cookie(self, key: str, domain: str = "localhost", path: str = "/") -> _Cookie | None:
        return self._cookies.get((domain, path, key))

    def set_cookie(
        self, key: str, value: str = "", *, domain: str = "localhost", path: str = "/"
    ) -> None:
        self._cookies[(domain, path, key)] = _Cookie(value, domain, path, None)

    def delete_cookie(self, key: str, *, domain: str = "localhost", path: str = "/") -> None:
        self._cookies.pop((domain, path, key), None)

    def _cookie_header(self, host: str, path: str) -> str | None:
        now = datetime.now(UTC)
        pairs = []
        for (domain, cookie_path, name), cookie in list(self._cookies.items()):
            if cookie.expires is not None and cookie.expires <= now:
                del self._cookies[(domain, cookie_path, name)]
                continue
            domain_ok = host == domain or host.endswith(f".{domain.lstrip('.')}")
            if domain_ok and (
                path == cookie_path or path.startswith(cookie_path.rstrip("/") + "/")
            ):
                pairs.append(f"{name}={cookie.value}")
        return "; ".join(pairs) if pairs else None

    def _store_cookies(self, headers: Headers, host: str) -> None:
        for header in headers.get_all("Set-Cookie"):
            name_value, *attributes = header.split(";")
            name, _, value = name_value.strip().partition("=")
            domain, path, expires = host, "/", None
            max_age: int | None = None
            for attribute in attributes:
                key, _, attr_value = attribute.strip().partition("=")
                key = key.lower()
                if key == "domain" and attr_value:
                    domain = attr_value.lstrip(".")
                elif key == "path" and attr_value:
                    path = attr_value
                elif key == "max-age" and attr_value.lstrip("-").isdigit():
                    max_age = int(attr_value)
                elif key == "expires":
                    expires = http.parse_date(attr_value)
            if max_age is not None:
                # Max-Age wins over Expires (RFC 6265, section 5.3), as in a browser.
                expires = datetime.now(UTC) + timedelta(seconds=max(max_age, 0))
            if expires is not None and expires <= datetime.now(UTC):
                self._cookies.pop((domain, path, name), None)
            else:
                self._cookies[(domain, path, name)] = _Cookie(value, domain, path, expires)

    # -- requests ----------------------------------------------------------------------------

    def open(
        self, path: str = "/", method: str = "GET", follow_redirects: bool = False, **kwargs: Any
    ) -> TestResponse:
        """Send one request; ``get``, ``post``... are shortcuts with the method set."""
        history: list[TestResponse] = []
        response = self._open_once(path, method, **kwargs)
        base_url = kwargs.get("base_url")
        while follow_redirects and response.status_code in REDIRECT_CODES:
            if len(history) >= 20:
                raise RuntimeError("The test client followed more than 20 redirects.")
            history.append(response)
            base_url, next_path = _redirect_target(response, base_url)
            if response.status_code in (307, 308):
                # The same method and body again; the query comes from the new location.
                repeat = {key: value for key, value in kwargs.items() if key != "query_string"}
                repeat["base_url"] = base_url
                response = self._open_once(next_path, method, **repeat)
            else:
                # 301, 302 and 303 become a GET (a HEAD stays a HEAD) without the body.
                response = self._open_once(
                    next_path,
                    "HEAD" if method == "HEAD" else "GET",
                    headers=_without_body_headers(kwargs.get("headers")),
                    base_url=base_url,
                    environ_base=kwargs.get("environ_base"),
                    environ_overrides=kwargs.get("environ_overrides"),
                )
        response.history = history
        return response

    def _open_once(self, path: str, method: str, **kwargs: Any) -> TestResponse:
        if self.environ_base:
            base = dict(self.environ_base)
            base.update(kwargs.pop("environ_base", None) or {})
            kwargs["environ_base"] = base
        environ = build_environ(path, method=method, **kwargs)
        host = environ["SERVER_NAME"]
        if self.use_cookies:
            cookie = self._cookie_header(host, environ["PATH_INFO"] or "/")
            if cookie and "HTTP_COOKIE" not in environ:
                environ["HTTP_COOKIE"] = cookie
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

                captured["status"], captured["headers"], data = call_asgi(self.app, environ)
            else:
                body_iterable = self.app(environ, start_response)
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
            self._preserved.push()
        response = TestResponse(captured["status"], captured["headers"], data)
        response.request_path = environ["PATH_INFO"]
        if self.use_cookies:
            self._store_cookies(response.headers, host)
        return response

    def get(self, path: str = "/", **kwargs: Any) -> TestResponse:
        return self.open(path, "GET", **kwargs)

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

        environ = build_environ(path, **kwargs)
        if self.use_cookies:
            cookie = self._cookie_header(environ["SERVER_NAME"], environ["PATH_INFO"] or "/")
            if cookie and "HTTP_COOKIE" not in environ:
                environ["HTTP_COOKIE"] = cookie
        scope = scope_from_environ(environ, "websocket")
        scope["subprotocols"] = list(subprotocols or ())
        if denial_response:
            scope["extensions"] = {"websocket.http.response": {}}
        return WebSocketTestSession(self.app, scope)

    def post(self, path: str = "/", **kwargs: Any) -> TestResponse:
        return self.open(path, "POST", **kwargs)

    def put(self, path: str = "/", **kwargs: Any) -> TestResponse:
        return self.open(path, "PUT", **kwargs)

    def patch(self, path: str = "/", **kwargs: Any) -> TestResponse:
        return self.open(path, "PATCH", **kwargs)

    def delete(self, path: str = "/", **kwargs: Any) -> TestResponse:
        return self.open(path, "DELETE", **kwargs)

    def head(self, path: str = "/", **kwargs: Any) -> TestResponse:
        return self.open(path, "HEAD", **kwargs)

    def options(self, path: str = "/", **kwargs: Any) -> TestResponse:
        return self.open(path, "OPTIONS", **kwargs)

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
        self.app.teardown_appcontext(_capture_context)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._preserve_context = False
        self._pop_preserved()
        try:
            self.app.teardown_appcontext_funcs.remove(_capture_context)
        except ValueError:
            pass  # the app's teardown list was replaced inside the block
        self.app._changed()  # the app caches whether it has teardown functions

    def _pop_preserved(self) -> None:
        preserved, self._preserved = self._preserved, None
        if preserved is not None:
            preserved.pop()

    @contextmanager
    def session_transaction(self, *args: Any, **kwargs: Any) -> Iterator[SessionMixin]:
        """Open the session stored in the cookie jar, to read or change it in a test.

        The arguments are those of :meth:`open` (``path``, ``base_url``...) and describe the
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
                "session_transaction() needs the client's cookie jar: create the client with "
                "use_cookies=True."
            )
        app = self.app
        if self.environ_base:
            base = dict(self.environ_base)
            base.update(kwargs.pop("environ_base", None) or {})
            kwargs["environ_base"] = base
        environ = build_environ(*args, **kwargs)
        host = environ["SERVER_NAME"]
        cookie = self._cookie_header(host, environ["PATH_INFO"] or "/")
        if cookie and "HTTP_COOKIE" not in environ:
            environ["HTTP_COOKIE"] = cookie
        from .wsgi import _build_request

        request: Request = _build_request(app, environ)
        interface = app.session_interface
        outer = _cv_context.get()
        # Like app.test_request_context(): the session interface runs inside the fake request's
        # context, and the app's teardown functions run when it ends.
        with Context(app, request) as ctx:
            session = interface.open_session(app, request)
            if session is None:
                if not app.secret_key:
                    raise RuntimeError(
                        "session_transaction() needs sessions, and the app has no secret key: "
                        "set app.secret_key (or the SECRET_KEY setting) in the test's app."
                    )
                raise RuntimeError(
                    f"session_transaction(): {type(interface).__name__}.open_session() returned "
                    "None, so there is no session to change."
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
        self._store_cookies(response.headers, host)


def _redirect_target(response: TestResponse, base_url: str | None) -> tuple[str, str]:
    """The base URL and path (with query) to request after ``response``, a redirect.

    A relative ``Location`` is resolved against the URL just requested; an absolute one keeps
    its scheme and host. The script root of ``base_url`` stays when the new path is below it.
    """
    base = urlsplit(base_url or "http://localhost/")
    scheme, netloc = base.scheme or "http", base.netloc or "localhost"
    script_root = base.path.rstrip("/")
    current = f"{scheme}://{netloc}{script_root}{response.request_path}"
    target = urlsplit(urljoin(current, response.location or "/"))
    path = target.path or "/"
    if script_root and (path == script_root or path.startswith(f"{script_root}/")):
        path = path[len(script_root) :] or "/"
    else:
        script_root = ""
    query = f"?{target.query}" if target.query else ""
    return f"{target.scheme}://{target.netloc}{script_root}/", f"{path}{query}"


def _without_body_headers(
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | None,
) -> list[tuple[str, str]] | None:
    """The request headers minus those that describe a body, for a redirect that drops it."""
    if headers is None:
        return None
    items = headers.items() if isinstance(headers, Mapping) else headers
    dropped = ("content-type", "content-length", "transfer-encoding")
    return [(name, value) for name, value in items if name.lower() not in dropped]


class ErlenCliRunner:
    """Invokes the app's click commands in-process, for testing custom CLI commands."""

    def __init__(self, app: Erlen, **kwargs: Any) -> None:
        from click.testing import CliRunner

        self.app = app
        self._runner = CliRunner(**kwargs)

    def invoke(self, cli: Any = None, args: Any = None, **kwargs: Any) -> Any:
        return self._runner.invoke(cli if cli is not None else self.app.cli, args, **kwargs)
