"""The WSGI adapter: a PEP 3333 environ in, ``start_response`` and a body iterable out.

This module only translates. It decodes the path (PEP 3333 hands over the raw bytes as latin-1
text), wraps the input stream in a length- and limit-aware reader, calls :meth:`Erlen.handle`,
and hands the response's status, headers and body to the server.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ..core import http
from ..core.datastructures import EnvironHeaders
from ..core.errors import BadRequest, HTTPException, RequestHeaderFieldsTooLarge
from ..core.request import _MISSING, BodyStream, LimitedStream, Limits, Request
from ..core.response import _STATUS_LINES, Response

if TYPE_CHECKING:
    from ..app.app import App

__all__ = ["handle_wsgi", "wsgi_request", "decode_wsgi_path"]

StartResponse = Callable[..., Any]

#: PERF: bound once: ``_STATUS_LINES.get(...)`` on the imported name is an attribute load that
#: Python 3.11 does not specialise (a bound method made per call).
_known_status_line = _STATUS_LINES.get


def decode_wsgi_path(raw: str) -> str:
    """The real path from a PEP 3333 string; BadRequest for invalid UTF-8 or a NUL byte."""
    # PERF: most paths are ASCII, which PEP 3333's latin-1 round trip leaves unchanged.
    if raw.isascii():
        if "\x00" in raw:
            raise BadRequest("The URL path contains a NUL byte.")
        return raw
    try:
        path = raw.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        raise BadRequest("The URL path is not valid UTF-8.") from None
    if "\x00" in path:
        raise BadRequest("The URL path contains a NUL byte.")
    return path


def handle_wsgi(
    app: App, environ: dict[str, Any], start_response: StartResponse
) -> Iterable[bytes]:
    """Serve one WSGI request with ``app``: ``Erlen.wsgi_app`` is this function."""
    if not app._started:
        app.startup()  # WSGI has no lifespan: the before-serving hooks run before the first request
    try:
        request = wsgi_request(app, environ)
    except HTTPException as exc:
        response = exc.get_response(http.prefers_json(environ.get("HTTP_ACCEPT")))
        return _send(response, environ, start_response)
    response = app.handle(request)
    return _send(response, environ, start_response)


def wsgi_request(app: App, environ: dict[str, Any]) -> Request:
    """The request ``app`` sees for a WSGI ``environ``; a malformed one carries its 400 as the
    request's routing error (a custom request class raises it instead)."""
    # PERF: the limits kept for the config's version, read without _request_limits()'s call.
    config = app.config
    limits = app._limits if config.version == app._limits_version else app._request_limits()
    length_header = environ.get("CONTENT_LENGTH")
    stream: LimitedStream | None = None
    error: HTTPException | None = None
    if length_header:
        length = http.parse_content_length(length_header)
        if length is not None:
            if length:
                stream = LimitedStream(environ["wsgi.input"], length, limits.max_content_length)
        else:
            error = BadRequest("The Content-Length header is not a non-negative integer.")
    elif environ.get("wsgi.input_terminated"):
        # The server de-chunked the body and marks its end: read until EOF, within the limit.
        stream = LimitedStream(environ["wsgi.input"], None, limits.max_content_length)
    raw_path = environ.get("PATH_INFO") or "/"
    # PERF: decode_wsgi_path()'s first test without its call: an ASCII path without NUL is
    # itself.
    if raw_path.isascii() and "\x00" not in raw_path:
        path = raw_path
    else:
        try:
            path = decode_wsgi_path(raw_path)
        except BadRequest as exc:
            error, path = exc, raw_path
    # PERF: the environ holds every header and a score of CGI keys; only a large one is counted.
    count_limit = limits.max_header_count
    if count_limit is not None and len(environ) > count_limit and error is None:
        error = _too_many_headers(environ, count_limit)
    request_class = app.request_class
    if request_class is Request:
        request = WSGIRequest(environ, path, stream, limits)
        # A malformed request still goes through the app, so its 400 gets the app's error
        # handlers and after-request hooks (CORS, security headers) like any other answer.
        request.routing_exception = error
        return request
    if error is not None:
        raise error
    # A custom request class gets every part up front, through the documented constructor.
    server_port = environ.get("SERVER_PORT")
    script_name = environ.get("SCRIPT_NAME", "")
    return request_class(
        environ["REQUEST_METHOD"],
        path,
        environ.get("QUERY_STRING", "").encode("latin-1"),
        EnvironHeaders(environ),
        stream,
        scheme=environ.get("wsgi.url_scheme", "http"),
        server=(
            environ.get("SERVER_NAME", "localhost"),
            int(server_port)
            if server_port and server_port.isascii() and server_port.isdigit()
            else None,
        ),
        remote_addr=environ.get("REMOTE_ADDR"),
        root_path=decode_wsgi_path(script_name) if script_name else "",
        environ=environ,
        limits=limits,
    )


def _too_many_headers(environ: dict[str, Any], limit: int) -> HTTPException | None:
    """A 431 when the request has more than ``limit`` header fields (repeated names count once:
    the server has joined them, and the joined value is under the server's size limit)."""
    count = sum(1 for key in environ if key.startswith("HTTP_"))
    count += ("CONTENT_TYPE" in environ) + ("CONTENT_LENGTH" in environ)
    if count <= limit:
        return None
    return RequestHeaderFieldsTooLarge(
        f"The request has {count} header fields; this server accepts {limit} at most."
    )


class WSGIRequest(Request):
    """A :class:`Request` that reads its parts from a PEP 3333 environ as they are asked for.

    PERF: only the method, the path and the body stream are taken up front; the query string,
    headers, scheme, server, client address and script root come from the environ on first
    access, so a view that never looks at them never pays for them. Setting one of them writes
    it back to the environ, so the environ and the request cannot disagree.
    """

    __slots__ = ("_headers_view",)

    def __init__(
        self, environ: dict[str, Any], path: str, stream: BodyStream | None, limits: Limits
    ) -> None:
        self.environ = environ
        self.method = environ["REQUEST_METHOD"]
        self.path = path
        self.stream = stream
        self.limits = limits
        self.url_rule = self.view_args = self.routing_exception = None
        self._args = self._cookies = self._form = self._files = None
        self._data = self._content_type = None
        self._headers_view: EnvironHeaders | None = None
        self._json = _MISSING
        self._has_cookie = "HTTP_COOKIE" in environ

    @property
    def headers(self) -> EnvironHeaders:
        view = self._headers_view
        if view is None:
            view = self._headers_view = EnvironHeaders(self.environ)
        return view

    @property
    def content_type(self) -> str | None:
        # PERF: CGI keeps this header under its own key; no header-name translation needed.
        return self.environ.get("CONTENT_TYPE") or None

    @property
    def content_length(self) -> int | None:
        return http.parse_content_length(self.environ.get("CONTENT_LENGTH") or None)

    @property
    def query_string(self) -> bytes:
        return str(self.environ.get("QUERY_STRING", "")).encode("latin-1")

    @query_string.setter
    def query_string(self, value: bytes) -> None:
        self.environ["QUERY_STRING"] = value.decode("latin-1")

    def _query_for_parsing(self) -> str | bytes:
        # PERF: an ASCII query (nearly all) is parsed as the environ's str, skipping the
        # latin-1 encode and UTF-8 decode round trip; anything else goes through bytes.
        query = str(self.environ.get("QUERY_STRING", ""))
        return query if query.isascii() else query.encode("latin-1")

    @property
    def scheme(self) -> str:
        return str(self.environ.get("wsgi.url_scheme", "http"))

    @scheme.setter
    def scheme(self, value: str) -> None:
        self.environ["wsgi.url_scheme"] = value

    @property
    def server(self) -> tuple[str, int | None] | None:
        port = self.environ.get("SERVER_PORT")
        return (
            str(self.environ.get("SERVER_NAME", "localhost")),
            int(port) if port and str(port).isascii() and str(port).isdigit() else None,
        )

    @server.setter
    def server(self, value: tuple[str, int | None] | None) -> None:
        name, port = value if value is not None else ("localhost", None)
        self.environ["SERVER_NAME"] = name
        self.environ["SERVER_PORT"] = str(port) if port is not None else ""

    @property
    def remote_addr(self) -> str | None:
        value = self.environ.get("REMOTE_ADDR")
        return str(value) if value is not None else None

    @remote_addr.setter
    def remote_addr(self, value: str | None) -> None:
        self.environ["REMOTE_ADDR"] = value

    @property
    def root_path(self) -> str:
        script_name = self.environ.get("SCRIPT_NAME")
        return decode_wsgi_path(script_name) if script_name else ""

    @root_path.setter
    def root_path(self, value: str) -> None:
        self.environ["SCRIPT_NAME"] = value.encode().decode("latin-1")


def _send(
    response: Response, environ: dict[str, Any], start_response: StartResponse
) -> Iterable[bytes]:
    status_code = response.status_code
    if status_code < 200 or status_code in (204, 304):
        # RFC 9110: these answers have no body, so no Content-Length for one either.
        headers = [
            pair for pair in response.headers.to_wsgi_list() if pair[0].lower() != "content-length"
        ]
        start_response(response.status, headers)
        response.close()
        return []
    body = response.response
    if type(body) is list and not body:
        response._declare_empty_length()
    pairs = response._headers
    if type(pairs) is list and type(response) is Response and response._reason is None:
        # PERF: a response whose headers were never read, of the class whose ``status`` and
        # ``headers`` are known: the status line and the pairs without their property calls.
        status = _known_status_line(status_code) or response.status
        start_response(status, pairs[:])
    else:
        start_response(response.status, response.headers.to_wsgi_list())
    if environ["REQUEST_METHOD"] == "HEAD":
        response.close()
        return []
    # PERF: a buffered body of bytes goes to the server as it is, with nothing to close.
    if type(body) is list and not response._on_close:
        if len(body) == 1 and type(body[0]) is bytes:
            return body
        if all(type(chunk) is bytes for chunk in body):
            return body
    wrapped_file = getattr(body, "wsgi_file", None)
    if wrapped_file is not None and not response._on_close:
        file_wrapper = environ.get("wsgi.file_wrapper")
        if file_wrapper is not None:
            return file_wrapper(wrapped_file, getattr(body, "block_size", 8192))  # type: ignore[no-any-return]
        # PERF: a file body (static.FileBody) yields bytes and closes its file itself, and
        # with no close callbacks that is all closing the response would do.
        return body  # type: ignore[return-value]
    return _ClosingBody(response)


class _ClosingBody:
    """Encodes a streamed body as it goes and closes the response when the server is done."""

    __slots__ = ("_response", "_iterator")

    def __init__(self, response: Response) -> None:
        self._response = response
        self._iterator: Iterator[bytes] = response.iter_encoded()

    def __iter__(self) -> Iterator[bytes]:
        return self._iterator

    def close(self) -> None:
        try:
            self._iterator.close()  # type: ignore[attr-defined]  # a generator: ends its body
        finally:
            self._response.close()
