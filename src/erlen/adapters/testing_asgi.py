"""The test client's ASGI side: a request through ``app.asgi``, and WebSocket test sessions.

:func:`call_asgi` turns the PEP 3333 environ the client builds into the scope an ASGI server
would send (headers as lower-case bytes, the raw path percent-encoded, the body in several
``http.request`` messages) and runs ``app.asgi`` on a fresh event loop, so every request takes
the adapter's real path: the thread pool for sync views, the body bridge, streaming.

:class:`WebSocketTestSession` (``client.websocket_connect("/ws")``) runs a WebSocket view on a
loop in a background thread and lets a sync test talk to it.
"""

from __future__ import annotations

import asyncio
import json
import queue
import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_from_bytes

from ..core.response import status_line
from .websocket import WebSocketDisconnect

if TYPE_CHECKING:
    from types import TracebackType

    from .asgi_messages import Message
    from .erlen import Erlen

__all__ = ["call_asgi", "scope_from_environ", "WebSocketTestSession", "WebSocketRefused"]


#: The size of the ``http.request`` messages a test body is cut into, so that sync and async
#: views are exercised on a body that arrives in pieces, as from a real server.
BODY_CHUNK = 16 * 1024


def scope_from_environ(environ: dict[str, Any], kind: str = "http") -> dict[str, Any]:
    """The ASGI scope a server would send for the request ``environ`` describes."""
    raw_path = environ["PATH_INFO"].encode("latin-1")
    root_path = environ.get("SCRIPT_NAME", "").encode("latin-1").decode("utf-8", "replace")
    headers: list[tuple[bytes, bytes]] = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:].replace("_", "-").lower()
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            name = key.replace("_", "-").lower()
        else:
            continue
        headers.append((name.encode("latin-1"), str(value).encode("latin-1")))
    if environ.get("wsgi.input_terminated") and not environ.get("CONTENT_LENGTH"):
        headers.append((b"transfer-encoding", b"chunked"))  # a body framed by the server
    scheme = environ.get("wsgi.url_scheme", "http")
    scope: dict[str, Any] = {
        "type": kind,
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "scheme": scheme if kind == "http" else {"http": "ws", "https": "wss"}[scheme],
        "path": root_path + raw_path.decode("utf-8", "replace"),
        "raw_path": quote_from_bytes(raw_path, safe="/:@!$&'()*+,;=-._~").encode("ascii"),
        "query_string": environ.get("QUERY_STRING", "").encode("latin-1"),
        "root_path": root_path,
        "headers": headers,
        "client": (environ.get("REMOTE_ADDR") or "127.0.0.1", 50000),
        "server": (environ.get("SERVER_NAME", "localhost"), int(environ.get("SERVER_PORT") or 80)),
        "extensions": {},
    }
    if kind == "http":
        scope["method"] = environ["REQUEST_METHOD"]
    return scope


def call_asgi(
    app: Erlen, environ: dict[str, Any]
) -> tuple[str, list[tuple[str, str]], bytes, bool]:
    """Send one request through ``app.asgi``; the status line, headers, whole body, and whether
    the body was streamed (sent in several messages)."""
    scope = scope_from_environ(environ)
    stream = environ["wsgi.input"]
    result: dict[str, Any] = {"body": []}

    async def run() -> None:
        finished = asyncio.Event()
        body_done = False

        async def receive() -> Message:
            nonlocal body_done
            if not body_done:
                chunk = stream.read(BODY_CHUNK)
                more = bool(chunk) and len(chunk) == BODY_CHUNK
                body_done = not more
                return {"type": "http.request", "body": chunk, "more_body": more}
            await finished.wait()  # the client stays connected until the answer is complete
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                result["start"] = message
            elif message["type"] == "http.response.body":
                result["body"].append(message.get("body", b""))
                if not message.get("more_body", False):
                    finished.set()

        await app.asgi(scope, receive, send)

    asyncio.run(run())
    start = result.get("start")
    if start is None:
        raise RuntimeError("The app finished without sending a response.")
    headers = [
        (name.decode("latin-1"), value.decode("latin-1")) for name, value in start["headers"]
    ]
    # A buffered body goes out in one message; a streamed one in several (see asgi.py).
    streamed = len(result["body"]) > 1
    return status_line(start["status"]), headers, b"".join(result["body"]), streamed


class WebSocketRefused(Exception):
    """The app refused the WebSocket handshake; ``status`` is the HTTP answer (403 by default)."""

    def __init__(self, status: int, body: bytes = b"") -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body


class WebSocketTestSession:
    """A WebSocket conversation with the app, from a sync test::

    with client.websocket_connect("/ws/lobby") as ws:
        ws.send_text("hello")
        assert ws.receive_text() == "lobby: hello"
    """

    __test__ = False

    def __init__(self, app: Erlen, scope: dict[str, Any]) -> None:
        self.app = app
        self.scope = scope
        self.accepted_subprotocol: str | None = None
        self._from_app: queue.Queue[Message | BaseException] = queue.Queue()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._to_app: asyncio.Queue[Message] | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="erlen-websocket-test", daemon=True)

    def _run(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._to_app = asyncio.Queue()
            self._ready.set()

            async def send(message: Message) -> None:
                self._from_app.put(message)

            try:
                await self.app.asgi(self.scope, self._to_app.get, send)
            except BaseException as exc:  # handed to the test, which re-raises it
                self._from_app.put(exc)
            else:
                self._from_app.put({"type": "erlen.test.app_finished"})

        asyncio.run(main())

    def _put(self, message: Message) -> None:
        assert self._loop is not None and self._to_app is not None
        try:
            self._loop.call_soon_threadsafe(self._to_app.put_nowait, message)
        except RuntimeError:  # the app has finished and its loop is closed: nobody to tell
            pass

    def _get(self, timeout: float = 5.0) -> Message:
        try:
            item = self._from_app.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"The app sent nothing within {timeout} s.") from None
        if isinstance(item, BaseException):
            raise item
        return item

    def __enter__(self) -> WebSocketTestSession:
        self._thread.start()
        self._ready.wait()
        self._put({"type": "websocket.connect"})
        message = self._get()
        if message["type"] == "websocket.accept":
            self.accepted_subprotocol = message.get("subprotocol")
            return self
        self._put({"type": "websocket.disconnect", "code": 1006})
        self._thread.join(timeout=5)
        if message["type"] == "websocket.http.response.start":
            body = self._get()
            raise WebSocketRefused(message["status"], body.get("body", b""))
        raise WebSocketRefused(403)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
        self._thread.join(timeout=5)

    def close(self, code: int = 1000) -> None:
        """Disconnect, as a browser closing the socket would."""
        if self._thread.is_alive():
            self._put({"type": "websocket.disconnect", "code": code})

    def send_text(self, data: str) -> None:
        self._put({"type": "websocket.receive", "text": data})

    def send_bytes(self, data: bytes) -> None:
        self._put({"type": "websocket.receive", "bytes": data})

    def send_json(self, value: Any) -> None:
        self.send_text(json.dumps(value))

    def receive(self, timeout: float = 5.0) -> Message:
        """The app's next message; :class:`WebSocketDisconnect` when it closed the socket,
        ``TimeoutError`` when it sent nothing within ``timeout`` seconds."""
        message = self._get(timeout)
        if message["type"] == "websocket.close":
            raise WebSocketDisconnect(message.get("code", 1000), message.get("reason") or "")
        if message["type"] == "erlen.test.app_finished":
            raise WebSocketDisconnect(1006, "The app ended without closing the socket.")
        return message

    def receive_text(self, timeout: float = 5.0) -> str:
        return str(self.receive(timeout)["text"])

    def receive_bytes(self, timeout: float = 5.0) -> bytes:
        return bytes(self.receive(timeout)["bytes"])

    def receive_json(self, timeout: float = 5.0) -> Any:
        return json.loads(self.receive_text(timeout))
