"""WebSocket connections: what a ``@app.websocket`` view talks through, as ``erlen.websocket``.

A :class:`WebSocket` is a request (path, ``args``, headers, cookies, ``session`` all work as in an
HTTP view) with a conversation on top: :meth:`~WebSocket.accept`, :meth:`~WebSocket.receive`,
:meth:`~WebSocket.send` and :meth:`~WebSocket.close`. It speaks the ASGI WebSocket messages
through the ``receive`` and ``send`` callables the adapter hands it, so the views need no server
of their own::

    @app.websocket("/ws/<room>")
    async def chat(room):
        await websocket.accept()
        async for message in websocket:
            await websocket.send(f"{room}: {message}")

WebSockets need an ASGI server (``app.asgi``): WSGI has no way to hold a connection open.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterable
from typing import TYPE_CHECKING, Any, cast

from ..app.context import Context, _cv_context, _lookup_request_context, _Proxy
from ..app.dispatch_async import _resolve
from ..app.json import dumps
from ..core.datastructures import Headers
from ..core.errors import HTTPException
from ..core.request import Request
from .asgi_messages import ASGIHeaders, Message, Receive, Send, encode_headers

if TYPE_CHECKING:
    from ..core.request import Limits
    from ..core.response import Response
    from .erlen import Erlen

__all__ = ["WebSocket", "WebSocketDisconnect", "handle_websocket", "websocket"]


class WebSocketDisconnect(Exception):
    """The client closed the connection; ``code`` is the close code it sent (1000 normally).

    Raised by :meth:`WebSocket.receive`. A view may let it propagate: the app treats it as the
    normal end of the conversation.
    """

    def __init__(self, code: int = 1000, reason: str = "") -> None:
        super().__init__(code, reason)
        self.code = code
        self.reason = reason


class WebSocket(Request):
    """One WebSocket connection: the handshake request, and the messages after it.

    Receiving or sending before :meth:`accept` accepts the connection first, as Quart does, so
    the shortest view just loops over ``receive`` and ``send``. Unlike a request's,
    ``accept`` and ``close`` here are the handshake and the closing (coroutines); the raw
    ``Accept`` header is still in ``headers``.
    """

    __slots__ = ("_receive", "_send", "accepted", "closed", "scope", "_client_closed")

    def __init__(
        self,
        scope: dict[str, Any],
        receive: Receive,
        send: Send,
        path: str,
        limits: Limits,
    ) -> None:
        super().__init__(
            "GET",
            path,
            scope.get("query_string", b""),
            None,
            None,
            scheme="wss" if scope.get("scheme") in ("https", "wss") else "ws",
            server=(scope["server"][0], scope["server"][1]) if scope.get("server") else None,
            remote_addr=scope["client"][0] if scope.get("client") else None,
            root_path=scope.get("root_path", ""),
            environ=scope,
            limits=limits,
        )
        self.headers = ASGIHeaders(scope["headers"])
        self.scope = scope
        self._receive = receive
        self._send = send
        self.accepted = False
        self.closed = False
        #: How the client ended the connection (code, reason), once seen: what a later send
        #: raises, in whatever task of the view it is made.
        self._client_closed: tuple[int, str] | None = None

    def __repr__(self) -> str:
        return f"<WebSocket {self.path!r}>"

    def _client_left(self, code: int, reason: str) -> WebSocketDisconnect:
        self.closed = True
        self._client_closed = (code, reason)
        return WebSocketDisconnect(code, reason)

    @property
    def is_secure(self) -> bool:
        return self.scheme == "wss"

    @property
    def requested_subprotocols(self) -> list[str]:
        """The subprotocols the client offered, in its order of preference."""
        return list(self.scope.get("subprotocols") or ())

    async def accept(  # type: ignore[override]  # the handshake; the Accept header is in headers
        self,
        subprotocol: str | None = None,
        headers: Iterable[tuple[str, str]] | None = None,
    ) -> None:
        """Complete the handshake, optionally choosing one of the client's subprotocols.

        ``headers`` are checked as response headers are (``InvalidHeader`` for CR, LF or NUL).
        Raises :class:`WebSocketDisconnect` when the client left before the handshake ended.
        """
        if self.accepted:
            return
        if self.closed:
            raise RuntimeError("This WebSocket was closed before it was accepted.")
        message = await self._receive()
        if message["type"] == "websocket.disconnect":
            raise self._client_left(message.get("code", 1006), message.get("reason") or "")
        if message["type"] != "websocket.connect":
            raise RuntimeError(f"Expected websocket.connect, got {message['type']!r}.")
        accept: Message = {"type": "websocket.accept", "subprotocol": subprotocol}
        if headers:
            accept["headers"] = encode_headers(Headers(list(headers)).to_wsgi_list())
        await self._send_or_disconnect(accept)
        self.accepted = True

    async def receive(self) -> str | bytes:
        """The next message: str for a text frame, bytes for a binary one.

        Raises :class:`WebSocketDisconnect` when the client has gone. APPSEC: a message longer
        than ``MAX_CONTENT_LENGTH`` closes the connection with code 1009 (message too big) and
        raises :class:`WebSocketDisconnect` with that code, whatever the server's own limit.
        """
        if not self.accepted:
            await self.accept()
        if self.closed:
            raise WebSocketDisconnect(1000, "The connection is closed.")
        message = await self._receive()
        if message["type"] == "websocket.disconnect":
            raise self._client_left(message.get("code", 1000), message.get("reason") or "")
        text = message.get("text")
        data: str | bytes = str(text) if text is not None else bytes(message.get("bytes") or b"")
        limit = self.limits.max_content_length
        if limit is not None and len(data) > limit:
            await self.close(1009, "Message too big")
            raise WebSocketDisconnect(1009, f"A message was larger than {limit} bytes.")
        return data

    async def receive_json(self) -> Any:
        """The next message, parsed as JSON.

        A message that is not JSON, or nested deeper than ``MAX_JSON_DEPTH``, closes the
        connection with code 1007 (invalid payload) and raises :class:`WebSocketDisconnect`.
        """
        data = await self.receive()
        try:
            return self._load_json(data.encode() if isinstance(data, str) else data)
        except HTTPException as exc:
            await self.close(1007, "Invalid JSON")
            raise WebSocketDisconnect(1007, exc.description or "Invalid JSON") from None

    async def send(self, data: str | bytes) -> None:
        """Send a text frame for str, a binary frame for bytes.

        Raises :class:`WebSocketDisconnect` when the client has gone, also when another task
        of the view already saw it leave; ``RuntimeError`` after the view closed it itself.
        """
        if not self.accepted:
            await self.accept()
        if self.closed:
            if self._client_closed is not None:
                raise WebSocketDisconnect(*self._client_closed)
            raise RuntimeError("Cannot send on a closed WebSocket.")
        if isinstance(data, str):
            await self._send_or_disconnect({"type": "websocket.send", "text": data})
        elif isinstance(data, (bytes, bytearray, memoryview)):
            await self._send_or_disconnect({"type": "websocket.send", "bytes": bytes(data)})
        else:
            raise TypeError(
                f"WebSocket.send() takes str or bytes, not {type(data).__name__}; "
                "use send_json() for other values."
            )

    async def send_json(self, value: Any) -> None:
        """Send ``value`` as a JSON text frame, serialised by the app's JSON provider."""
        await self.send(dumps(value, separators=(",", ":")))

    async def close(self, code: int = 1000, reason: str = "") -> None:  # type: ignore[override]
        """Close the connection (before accepting it: refuse the handshake, a 403).

        The reason is cut to the 123 bytes a close frame can carry.
        """
        if self.closed:
            return
        self.closed = True
        reason = reason.encode()[:123].decode(errors="ignore")
        try:
            await self._send({"type": "websocket.close", "code": code, "reason": reason})
        except OSError:
            pass  # the client is gone already: the connection is closed either way

    async def _send_or_disconnect(self, message: Message) -> None:
        """Send ``message``; a client that has gone is a :class:`WebSocketDisconnect`.

        Servers raise ``OSError`` (uvicorn's ``ClientDisconnected``) when the peer has left:
        for the view that is the end of the conversation, not an error to log.
        """
        try:
            await self._send(message)
        except OSError:
            raise self._client_left(1006, "The client went away.") from None

    async def refuse(self, response: Response | None) -> None:
        """Refuse the handshake with ``response`` where the server can send one, else a 403."""
        if self.accepted or self.closed:
            await self.close(1008)
            return
        extensions = self.scope.get("extensions") or {}
        if response is None or "websocket.http.response" not in extensions:
            await self.close(1008)
            return
        self.closed = True
        await self._send(
            {
                "type": "websocket.http.response.start",
                "status": response.status_code,
                "headers": encode_headers(response.headers.to_wsgi_list()),
            }
        )
        await self._send(
            {
                "type": "websocket.http.response.body",
                "body": response.get_data(),
                "more_body": False,
            }
        )

    def __aiter__(self) -> AsyncIterator[str | bytes]:
        return self._messages()

    async def _messages(self) -> AsyncIterator[str | bytes]:
        """Messages until the client disconnects; the loop then simply ends."""
        while True:
            try:
                yield await self.receive()
            except WebSocketDisconnect:
                return


def _current_websocket() -> WebSocket:
    current = _lookup_request_context("websocket").request
    if not isinstance(current, WebSocket):
        raise RuntimeError(
            "'websocket' is only available in a WebSocket view (@app.websocket); an HTTP view "
            "uses 'request'."
        )
    return current


#: The current connection in a ``@app.websocket`` view (``erlen.websocket``), as ``request`` is
#: the current request in an HTTP view.
websocket: WebSocket = cast("WebSocket", _Proxy(_current_websocket))


# -- the WebSocket dispatch ------------------------------------------------------------------


async def handle_websocket(app: Erlen, websocket: WebSocket) -> None:
    """Run the WebSocket view for one connection, from handshake to close.

    Routing, URL value preprocessors, ``before_websocket`` hooks and ``teardown_appcontext``
    functions apply; an HTTP error raised before the handshake is accepted refuses it with
    that error (a 403 by default), an unhandled error after it closes the socket with code
    1011.
    """
    if not app._started:
        await app.startup_async()
    ctx = Context(app, websocket)
    token = _cv_context.set(ctx)
    error: BaseException | None = None
    try:
        await _run_websocket(app, ctx, websocket)
    except BaseException as exc:
        error = exc
        raise
    finally:
        try:
            for func in reversed(app.teardown_appcontext_funcs):
                await _resolve(func(error or ctx.unhandled_error))
        finally:
            _cv_context.reset(token)


async def _run_websocket(app: Erlen, ctx: Context, websocket: WebSocket) -> None:
    try:
        if websocket.limits.trusted_hosts is not None:
            websocket.host  # noqa: B018 - raises BadRequest for an untrusted Host header
        rule, view_args = app.url_map.match(
            websocket.path, "GET", websocket=True, domain=app._routing_domain(websocket)
        )
        websocket.url_rule, websocket.view_args = rule, view_args
        endpoint = rule.endpoint
        for func in app._scoped(endpoint, "url_value_preprocessors"):
            func(endpoint, view_args)
        for func in app._scoped(endpoint, "before_websocket_funcs"):
            rv = await _resolve(func())
            if rv is not None:
                await websocket.refuse(app.make_response(rv))
                return
        await app.view_functions[endpoint](**view_args)
    except WebSocketDisconnect:
        return
    except HTTPException as exc:
        if websocket.accepted:
            await websocket.close(1008, exc.description or "")
            return
        try:
            answer = app.make_response(await _resolve(app._http_exception_outcome(exc)))
        except Exception as handler_error:  # the error handler failed: a bare refusal
            if app._should_propagate():
                raise
            app.log_exception(sys.exc_info())
            ctx.unhandled_error = handler_error
            answer = None
        await websocket.refuse(answer)
        return
    except Exception as exc:
        if app._should_propagate():
            raise
        app.log_exception(sys.exc_info())
        ctx.unhandled_error = exc
        if websocket.accepted:
            await websocket.close(1011, "Internal server error")
        else:
            await websocket.refuse(None)
        return
    if not websocket.closed:
        await websocket.close(1000)
