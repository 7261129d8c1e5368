"""The ASGI adapter: a scope and ``receive``/``send`` in, ASGI messages out.

Like ``wsgi.py`` this module only translates. An HTTP scope becomes an :class:`ASGIRequest`,
which :meth:`Erlen.handle_async` answers with a :class:`~erlen.response.Response`, which is sent
back as ``http.response.start`` and ``http.response.body`` messages. A WebSocket scope becomes a
:class:`~erlen.websocket.WebSocket`; the lifespan scope runs the app's startup and shutdown
hooks.

The request body arrives as ``http.request`` messages. An :class:`ASGIBody` receives all of
them on the loop (within ``MAX_CONTENT_LENGTH``) before any of the app's code runs, so reading
the body never waits on the client: not on the loop, and not in a sync view's worker thread,
which a slow client could otherwise hold as long as it liked. A sync view's body is kept in
memory up to 1 MiB and spooled to a temporary file when larger; an ``async def`` view's is kept
in memory.
"""

from __future__ import annotations

import asyncio
import io
import sys
from collections.abc import AsyncIterable, Awaitable, Iterator
from typing import IO, TYPE_CHECKING, Any

from ..core import http
from ..core.concurrency import iterate_in_thread, run_in_thread
from ..core.datastructures import Headers
from ..core.errors import (
    BadRequest,
    HTTPException,
    InternalServerError,
    RequestEntityTooLarge,
    RequestHeaderFieldsTooLarge,
)
from ..core.request import _MISSING, LimitedStream, Limits, Request
from .asgi_messages import ASGIHeaders, Receive, Send, encode_headers
from .websocket import WebSocket

if TYPE_CHECKING:
    from ..core.response import Response
    from .erlen import Erlen

__all__ = ["ASGIApp", "ASGIRequest", "ASGIBody", "ClientDisconnected", "Receive", "Send"]


#: Statuses whose answers never carry a body (RFC 9110), so they get no Content-Length either.
_BODYLESS = frozenset((204, 304))


class ClientDisconnected(BadRequest):
    """The client went away before its request body was complete."""


class ASGIApp:
    """``app.asgi``: the app as an ASGI 3 application (HTTP, WebSocket and lifespan scopes).

    An object with an ``async def __call__``, which is how ASGI servers such as uvicorn tell an
    ASGI 3 application from an ASGI 2 one.
    """

    __slots__ = ("app",)

    def __init__(self, app: Erlen) -> None:
        self.app = app

    def __repr__(self) -> str:
        return f"<ASGI app of {self.app!r}>"

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        kind = scope["type"]
        app = self.app
        if kind == "http":
            parsed = ASGIRequest(scope, receive, app._request_limits())
            try:
                request_class = app.request_class
                request = (
                    parsed
                    if request_class is Request
                    else await _custom_request(request_class, parsed)
                )
                response = await app.handle_async(request)
                await send_response(app, response, parsed.method, send, receive)
            finally:
                # A large body's temporary file, once nothing reads it. PERF: looked at, not
                # called, for the bodies kept in memory (nearly all).
                body = parsed._body
                if body is not None and body._file is not None:
                    body.close()
        elif kind == "websocket":
            await _serve_websocket(app, scope, receive, send)
        elif kind == "lifespan":
            await _serve_lifespan(app, receive, send)
        else:
            raise ValueError(f"Erlen cannot serve an ASGI scope of type {kind!r}.")


# -- HTTP ------------------------------------------------------------------------------------


def _decode_path(scope: dict[str, Any]) -> str:
    """The request path; BadRequest for a NUL byte or, from ``raw_path``, invalid UTF-8."""
    path: str = scope["path"] or "/"
    if "\ufffd" in path and scope.get("raw_path"):
        # The server decoded invalid UTF-8 as U+FFFD; the raw path tells whether it was real.
        from urllib.parse import unquote_to_bytes

        raw = scope["raw_path"].split(b"?", 1)[0]
        try:
            unquote_to_bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest("The URL path is not valid UTF-8.") from None
    if "\x00" in path:
        raise BadRequest("The URL path contains a NUL byte.")
    root_path = scope.get("root_path")
    if root_path and path.startswith(root_path):
        # ASGI puts the mount point in both; the app routes on what is below it ("/api" is
        # the mount point of "/api/users", not of "/apiary").
        rest = path[len(root_path) :]
        if not rest or rest.startswith("/"):
            path = rest or "/"
    return path


class ASGIBody:
    """The request body, received whole from ``http.request`` messages before it is read.

    The adapter awaits :meth:`receive_all` before the app's code runs; :meth:`read`, the
    blocking read a :class:`~erlen.request.LimitedStream` expects, then hands out what arrived
    and never waits on the client, on the loop or in a worker thread. A body is left
    unreceived only when it is refused as larger than ``limit``, and reading it answers 413.
    """

    __slots__ = ("_receive", "_limit", "_buffer", "_file", "_more")

    def __init__(self, receive: Receive, limit: int | None) -> None:
        self._receive = receive
        self._limit = limit
        self._buffer = bytearray()
        #: The temporary file a body longer than ``receive_all``'s ``spool_past`` went to.
        self._file: IO[bytes] | None = None
        self._more = True

    async def receive_all(self, spool_past: int | None = None) -> None:
        """Receive the whole body, once, before anything reads it; 413 past the limit.

        With ``spool_past``, a body longer than that goes to a temporary file instead of
        memory: a sync view reads it in its worker thread, and ``MAX_CONTENT_LENGTH`` in
        memory for every slow upload at once would be too much. ``ClientDisconnected`` when
        the client leaves first.
        """
        limit, buffer = self._limit, self._buffer
        file: IO[bytes] | None = None
        received = 0
        while self._more:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                self._more = False
                raise ClientDisconnected("The client disconnected before sending the whole body.")
            chunk = message.get("body", b"")
            received += len(chunk)
            if limit is not None and received > limit:
                # The rest stays unreceived (``_more``), so a later read refuses it too.
                raise RequestEntityTooLarge(
                    f"The request body is larger than the limit of {limit} bytes."
                )
            self._more = bool(message.get("more_body", False))
            try:
                if file is not None:
                    file.write(chunk)
                elif spool_past is not None and received > spool_past:
                    file = self._file = _spool(buffer, chunk)
                else:
                    buffer += chunk
            except OSError:  # a full disk: the app's 500, through its error handlers
                raise InternalServerError("The request body could not be stored.") from None
        if file is not None:
            file.seek(0)

    def read(self, size: int = -1, /) -> bytes:
        if self._more:
            raise RequestEntityTooLarge(
                f"The request body is larger than the limit of {self._limit} bytes."
            )
        if self._file is not None:
            return self._file.read(size)
        buffer = self._buffer
        if size < 0 or size >= len(buffer):
            data = bytes(buffer)
            buffer.clear()
        else:
            data = bytes(buffer[:size])
            del buffer[:size]
        return data

    def close(self) -> None:
        """Close the temporary file a large body was spooled to, if there is one."""
        if self._file is not None:
            self._file.close()


def _spool(buffer: bytearray, chunk: bytes) -> IO[bytes]:
    """A temporary file holding ``buffer`` (emptied) and then ``chunk``.

    PERF: imported and made only for a body past the in-memory part; most bodies never get
    here. The file is unlinked at creation (``O_TMPFILE`` on Linux), so nothing is left in the
    temporary folder even if the process dies. Writing it on the loop is what Django's ASGI
    handler does: a write to the page cache, quick next to receiving the message.
    """
    import tempfile

    file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by ASGIBody.close
    file.write(buffer)
    file.write(chunk)
    buffer.clear()
    return file


class ASGIRequest(Request):
    """A :class:`Request` that reads its parts from an ASGI HTTP scope as they are asked for.

    PERF: as with ``WSGIRequest``, only the method, the path and what the body needs are taken
    up front; the query string, scheme, server, client address and root path come from the
    scope on first access, and setting one writes it back to the scope. The headers are
    scanned once, for ``Content-Length`` (validated: 400 when malformed, as under WSGI) and
    ``Transfer-Encoding``, to know whether there is a body to receive at all.
    """

    __slots__ = ("_body", "_header_view", "_stream", "_length", "_raw_content_type")

    def __init__(self, scope: dict[str, Any], receive: Receive, limits: Limits) -> None:
        self.environ = scope
        self.method = method = scope["method"]
        self.limits = limits
        self._body: ASGIBody | None = None
        self.url_rule = self.view_args = self.routing_exception = None
        self._args = self._cookies = self._form = self._files = None
        self._data = self._content_type = None
        self._header_view: ASGIHeaders | Headers | None = None
        self._json = _MISSING
        self._stream: LimitedStream | None = None
        length: int | None = None
        chunked = False
        # PERF: the Content-Type met on the way, for content_type without a header lookup;
        # kept only when the scan saw every header and one Content-Type (the header view joins
        # repeated ones).
        content_type: bytes | None = None
        content_types = 0
        self._has_cookie = False
        try:
            self.path = _decode_path(scope)
            headers = scope["headers"]
            size = 0
            for name, value in headers:
                size += len(value)
                if name == b"content-type":
                    content_type = value
                    content_types += 1
                elif name == b"cookie":
                    self._has_cookie = True
                elif name == b"content-length":
                    length = http.parse_content_length(value.decode("latin-1"))
                    if length is None:
                        raise BadRequest("The Content-Length header is not a non-negative integer.")
                elif name == b"transfer-encoding":
                    chunked = True
            # APPSEC: ASGI servers (uvicorn with httptools) may pass any number and size of
            # headers on; the limits are Erlen's, as waitress's are under WSGI.
            if limits.max_header_count is not None and len(headers) > limits.max_header_count:
                raise RequestHeaderFieldsTooLarge(
                    f"The request has {len(headers)} header fields; this server accepts "
                    f"{limits.max_header_count} at most."
                )
            if limits.max_header_bytes is not None and size > limits.max_header_bytes:
                raise RequestHeaderFieldsTooLarge(
                    f"The request's headers hold {size} bytes; this server accepts "
                    f"{limits.max_header_bytes} at most."
                )
        except HTTPException as exc:
            # As under WSGI, a malformed request still goes through the app for its 400.
            self.path = scope["path"]
            self.routing_exception = exc
            content_types = 0  # the scan stopped early: ask the header view
            self._has_cookie = True
        self._length = length
        self._raw_content_type = content_type if content_types == 1 else None
        if length is not None:
            has_body = length > 0
        else:
            # HTTP/1.1 frames a body with Content-Length or Transfer-Encoding; HTTP/2 and 3 may
            # send one with neither.
            has_body = chunked or (
                scope.get("http_version") not in ("1.0", "1.1") and method not in ("GET", "HEAD")
            )
        if has_body:
            # PERF: only then; most requests have no body to receive.
            self._body = ASGIBody(receive, limits.max_content_length)

    @property
    def query_string(self) -> bytes:
        return bytes(self.environ.get("query_string", b""))

    @query_string.setter
    def query_string(self, value: bytes) -> None:
        self.environ["query_string"] = value

    @property
    def scheme(self) -> str:
        return str(self.environ.get("scheme", "http"))

    @scheme.setter
    def scheme(self, value: str) -> None:
        self.environ["scheme"] = value

    @property
    def server(self) -> tuple[str, int | None] | None:
        server = self.environ.get("server")
        return (server[0], server[1]) if server else None

    @server.setter
    def server(self, value: tuple[str, int | None] | None) -> None:
        self.environ["server"] = value

    @property
    def remote_addr(self) -> str | None:
        client = self.environ.get("client")
        return str(client[0]) if client else None

    @remote_addr.setter
    def remote_addr(self, value: str | None) -> None:
        client = self.environ.get("client")
        self.environ["client"] = (value, client[1] if client else 0) if value is not None else None

    @property
    def root_path(self) -> str:
        return str(self.environ.get("root_path", ""))

    @root_path.setter
    def root_path(self, value: str) -> None:
        self.environ["root_path"] = value

    @property  # type: ignore[override]
    def stream(self) -> LimitedStream | None:
        # PERF: made on first use, as most requests have no body to read.
        if self._stream is None and self._body is not None:
            self._stream = LimitedStream(self._body, self._length, self.limits.max_content_length)
        return self._stream

    @stream.setter
    def stream(self, value: LimitedStream | None) -> None:
        self._stream = value

    @property
    def content_length(self) -> int | None:
        return self._length

    @property
    def content_type(self) -> str | None:
        raw = self._raw_content_type
        if raw is not None:
            return raw.decode("latin-1")  # PERF: found by the constructor's scan
        return super().content_type  # none or several sent, or the headers were replaced

    @property
    def headers(self) -> ASGIHeaders | Headers:
        view = self._header_view
        if view is None:
            view = self._header_view = ASGIHeaders(self.environ["headers"])
        return view

    @headers.setter
    def headers(self, value: ASGIHeaders | Headers) -> None:
        self._header_view = value
        self._raw_content_type = None  # the new headers say what the type is

    def _receive_body(self, up_to: int | None = None) -> Awaitable[None] | None:
        """The whole body to await (within the limit); with ``up_to``, only that much of it
        is kept in memory and the rest goes to a temporary file."""
        if self._body is None or self._data is not None:
            return None
        limit = self.limits.max_content_length
        if limit is not None and self._length is not None and self._length > limit:
            return None  # reading it answers 413, as under WSGI; nothing to wait for
        return self._body.receive_all(up_to)


async def _custom_request(request_class: type[Request], parsed: ASGIRequest) -> Request:
    """``app.request_class`` built through its documented constructor, as under WSGI.

    Its body is received first (within the limit; 413 otherwise), since the class knows
    nothing of the ASGI messages it would otherwise have to wait for.
    """
    stream: io.BytesIO | None = None
    error = parsed.routing_exception
    receiving = parsed._receive_body()
    if receiving is not None and error is None:
        try:
            await receiving
        except HTTPException as exc:
            error = exc
    if parsed._body is not None and error is None:
        stream = io.BytesIO(parsed._body.read())
    request = request_class(
        parsed.method,
        parsed.path,
        parsed.query_string,
        parsed.headers,
        stream,
        scheme=parsed.scheme,
        server=parsed.server,
        remote_addr=parsed.remote_addr,
        root_path=parsed.root_path,
        environ=parsed.environ,
        limits=parsed.limits,
    )
    request.routing_exception = error
    return request


async def send_response(
    app: Erlen, response: Response, method: str, send: Send, receive: Receive
) -> None:
    """Send ``response`` as ASGI messages; a streamed body ends if the client goes away.

    The request body was received (or refused) before the view ran, so the disconnect watch
    of a streamed body is the only reader of ``receive`` left: it takes no message that the
    view or its stream would still wait for.
    """
    status = response.status_code
    body = response.response
    if type(body) is list and not body:
        response._declare_empty_length()
    headers = response.headers.to_wsgi_list()
    if status < 200 or status in _BODYLESS:
        headers = [pair for pair in headers if pair[0].lower() != "content-length"]
    await send(
        {"type": "http.response.start", "status": status, "headers": encode_headers(headers)}
    )
    if method == "HEAD" or status < 200 or status in _BODYLESS:
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        await _close(app, response)
        return
    if type(body) is list and not response._on_close:
        # PERF: a buffered body (the usual case) goes out in one message.
        if len(body) == 1 and type(body[0]) is bytes:
            data = body[0]
        else:
            data = b"".join(response.iter_encoded())
        await send({"type": "http.response.body", "body": data, "more_body": False})
        return
    try:
        await _stream_body(app, response, send, receive)
    finally:
        await _close(app, response)


async def _stream_body(app: Erlen, response: Response, send: Send, receive: Receive) -> None:
    """Send a streamed body chunk by chunk, until it ends, the client disconnects, or the
    client has taken nothing for ``ASGI_SEND_TIMEOUT`` seconds.

    APPSEC: an ASGI server's ``send`` waits while the client does not read (uvicorn's flow
    control, with no deadline of its own): a client that asks for a large stream and reads
    nothing would hold the stream, and for a sync iterator a worker thread, for as long as it
    stays connected. Past the deadline the stream is closed and the connection dropped.
    """
    pending = _PendingSend()
    streaming = asyncio.ensure_future(_send_chunks(app, response, send, pending))
    watching = asyncio.ensure_future(_wait_for_disconnect(receive))
    limit = app.config.get("ASGI_SEND_TIMEOUT")
    loop = asyncio.get_running_loop()
    try:
        while True:
            # PERF: without a deadline, or while no send waits, one wait as before.
            timeout = None
            if limit:
                since = pending.since
                timeout = float(limit) if since is None else since + float(limit) - loop.time()
            if timeout is not None and timeout <= 0:
                app.logger.warning(
                    "A client took none of a streamed answer for %s s: the stream is closed.",
                    limit,
                )
                return
            done, _ = await asyncio.wait(
                {streaming, watching}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
            if done:
                break
    finally:
        for task in (streaming, watching):
            if not task.done():
                task.cancel()
        await asyncio.gather(streaming, watching, return_exceptions=True)
    if streaming in done:
        streaming.result()  # re-raise an error of the body's iterator


class _PendingSend:
    """When the body message being sent started to wait for the client (None: none waits)."""

    __slots__ = ("since",)

    def __init__(self) -> None:
        self.since: float | None = None


async def _send_chunks(app: Erlen, response: Response, send: Send, pending: _PendingSend) -> None:
    body: Any = response.response
    charset = response.charset
    chunks: AsyncIterable[Any]
    if hasattr(body, "__aiter__"):
        chunks = body
    elif getattr(body, "wsgi_file", None) is not None:
        chunks = iterate_in_thread(app.executor, _file_chunks(body))
    elif type(body) is list:
        chunks = _list_chunks(body)
    else:
        chunks = iterate_in_thread(app.executor, iter(body))
    clock = asyncio.get_running_loop().time
    try:
        async for chunk in chunks:
            data = chunk.encode(charset) if isinstance(chunk, str) else chunk
            if data:
                pending.since = clock()
                await send({"type": "http.response.body", "body": data, "more_body": True})
                pending.since = None
    finally:
        if chunks is not body:
            # Our wrapper's own finally closes a sync iterator in the context it ran in; the
            # view's async generator is closed by _close.
            await chunks.aclose()  # type: ignore[attr-defined]
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _list_chunks(body: list[Any]) -> AsyncIterable[Any]:
    for chunk in body:
        yield chunk


def _file_chunks(body: Any) -> Iterator[bytes]:
    file, block_size = body.wsgi_file, getattr(body, "block_size", 65536)
    while chunk := file.read(block_size):
        yield chunk


async def _wait_for_disconnect(receive: Receive) -> None:
    """Return when the client has gone; the rest of a body refused with 413 is dropped."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


async def _close(app: Erlen, response: Response) -> None:
    """Close the body (ending a generator, running its ``finally``) and on-close callbacks."""
    body: Any = response.response
    aclose = getattr(body, "aclose", None)
    if aclose is not None:
        await aclose()
    if getattr(body, "close", None) is not None or response._on_close:
        await run_in_thread(app.executor, response.close)


# -- WebSocket -------------------------------------------------------------------------------


async def _serve_websocket(app: Erlen, scope: dict[str, Any], receive: Receive, send: Send) -> None:
    limits = app._request_limits()
    try:
        path = _decode_path(scope)
    except BadRequest:
        await receive()  # websocket.connect
        await send({"type": "websocket.close", "code": 1008, "reason": ""})
        return
    await app.handle_websocket(WebSocket(scope, receive, send, path, limits))


# -- lifespan --------------------------------------------------------------------------------


async def _serve_lifespan(app: Erlen, receive: Receive, send: Send) -> None:
    """Run the app's startup hooks when the server starts and its shutdown hooks when it stops."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            try:
                await app.startup_async()
            except Exception as exc:
                app.log_exception(sys.exc_info())
                await send({"type": "lifespan.startup.failed", "message": repr(exc)})
                return
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            try:
                await app.shutdown_async()
            except Exception as exc:
                app.log_exception(sys.exc_info())
                await send({"type": "lifespan.shutdown.failed", "message": repr(exc)})
                return
            await send({"type": "lifespan.shutdown.complete"})
            return
