"""The development server behind ``app.run()`` and ``erlen run``.

Serving is waitress's job: a maintained, pure-Python, multi-threaded HTTP/1.1 server with
keep-alive and chunked request bodies (see ``docs/dependencies.md``). This module adds what a
developer expects around it: the address banner, one access-log line per request, a clean stop on
Ctrl-C, and a reloader that restarts the server when a source file changes (watchfiles).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .erlen import Erlen

__all__ = [
    "run_simple",
    "make_server",
    "ListenError",
    "AccessLogMiddleware",
    "load_dotenv_files",
    "run_with_reloader",
]

_RELOADER_ENV = "ERLEN_RUN_MAIN"
#: Seconds a client has to send a request's header block (``app.run(header_timeout=...)``).
HEADER_TIMEOUT = 20.0
#: Seconds a client has to send a request's body, plus one for every ``BODY_MIN_RATE`` bytes of
#: it that arrive (``app.run(body_timeout=..., body_min_rate=...)``): Apache's mod_reqtimeout
#: defaults, so an upload is cut off only when it runs slower than 500 bytes a second.
BODY_TIMEOUT = 20.0
BODY_MIN_RATE = 500
#: Seconds a client may take no byte of an answer that waits to be sent before its connection is
#: closed (``app.run(send_timeout=...)``): nginx's ``send_timeout`` and Apache's ``Timeout``
#: default. Every byte the client takes starts the count again, so a slow download is not cut.
#: While another request waits for a worker thread, a thread that waits on such a client is let
#: go after ``BUSY_SEND_TIMEOUT`` seconds instead: the threads (8) are better spent on clients
#: who wait to be served than on one that reads nothing.
SEND_TIMEOUT = 60.0
BUSY_SEND_TIMEOUT = 5.0
#: Output buffers a connection may have waiting to be sent before its next pipelined request
#: waits for them to go out. Each holds at most one open file (a static file's answer, or a large
#: answer spilled to a temporary file), so this also bounds the files one connection holds open.
MAX_UNSENT_BUFFERS = 8
#: A Host field line in a request's header block. Each field line follows a CRLF (a folded
#: continuation starts with a space), and waitress refuses a name followed by anything but ":".
_HOST_FIELD = re.compile(rb"\r\nhost:", re.IGNORECASE)

access_logger = logging.getLogger("erlen.serving")


class ListenError(OSError):
    """The server cannot listen on the host and port asked for; the message says why and what
    to do instead. The error from the operating system is its ``__cause__``."""


class AccessLogMiddleware:
    """Logs one line per request: client, request line, status, body size and duration."""

    def __init__(
        self, app: Callable[..., Iterable[bytes]], logger: logging.Logger = access_logger
    ) -> None:
        self.app = app
        self.logger = logger

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterator[bytes]:
        started = time.perf_counter()
        status_holder: list[str] = []

        def logging_start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
            status_holder.append(status)
            return (
                start_response(status, headers, exc_info)
                if exc_info
                else start_response(status, headers)
            )

        size = 0
        body = self.app(environ, logging_start_response)
        try:
            for chunk in body:
                size += len(chunk)
                yield chunk
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
            path = environ.get("PATH_INFO", "")
            query = environ.get("QUERY_STRING")
            target = f"{path}?{query}" if query else path
            status = status_holder[0].split(" ", 1)[0] if status_holder else "-"
            self.logger.info(
                '%s - - [%s] "%s %s %s" %s %d %.1fms',
                environ.get("REMOTE_ADDR", "-"),
                time.strftime("%d/%b/%Y %H:%M:%S"),
                environ.get("REQUEST_METHOD", "-"),
                target,
                environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
                status,
                size,
                (time.perf_counter() - started) * 1000,
            )


def load_dotenv_files(path: str | None = None) -> bool:
    """Load ``.erlenenv`` and ``.env`` (when python-dotenv is installed); True if any loaded."""
    try:
        import dotenv
    except ImportError:
        if path or os.path.exists(".env") or os.path.exists(".erlenenv"):
            print(
                " * Tip: there are .env files present. Install python-dotenv to use them.",
                file=sys.stderr,
            )
        return False
    if path is not None:
        return bool(dotenv.load_dotenv(path, encoding="utf-8"))
    loaded = False
    for name in (".erlenenv", ".env"):
        found = dotenv.find_dotenv(name, usecwd=True)
        if found:
            dotenv.load_dotenv(found, encoding="utf-8", override=False)
            loaded = True
    return loaded


def _configure_access_log() -> None:
    if not access_logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        access_logger.addHandler(handler)
        access_logger.setLevel(logging.INFO)
        access_logger.propagate = False


def run_simple(
    app: Erlen,
    host: str = "127.0.0.1",
    port: int = 5000,
    *,
    use_reloader: bool | None = None,
    threads: int | None = None,
    load_dotenv: bool = True,
    extra_files: Iterable[str] = (),
    access_log: bool = True,
    interface: str | None = None,
    header_timeout: float = HEADER_TIMEOUT,
    body_timeout: float = BODY_TIMEOUT,
    body_min_rate: int = BODY_MIN_RATE,
    send_timeout: float = SEND_TIMEOUT,
) -> None:
    """Serve ``app`` until Ctrl-C; restart on source changes when ``use_reloader`` is on.

    ``interface`` is ``"wsgi"`` (waitress), ``"asgi"`` (uvicorn, for WebSockets) or None to
    choose: ASGI when the app has WebSocket routes, else WSGI. ``threads``: waitress's worker
    threads under WSGI (8 when None); under ASGI, the threads that run sync views (it sets
    ``ASGI_THREADS``, whose default of 40 stays when None). ``header_timeout``, ``body_timeout``,
    ``body_min_rate`` and ``send_timeout``: how long a client may take over a request's header
    block and its body, and over reading an answer, under waitress (see :func:`make_server`).
    ``ERLEN_RUN_HOST`` and ``ERLEN_RUN_PORT`` override the defaults, so a program ending in
    ``app.run()`` can be started on another port without editing it.

    Raises ValueError for a port outside 0-65535, and :class:`ListenError` (an OSError) when the
    address cannot be listened on: the port is taken, or the host is not this machine's. Both
    come before the reloader starts.
    """
    if load_dotenv:
        load_dotenv_files()
    host = os.environ.get("ERLEN_RUN_HOST", host)
    port = _checked_port(int(os.environ.get("ERLEN_RUN_PORT", port)))
    if use_reloader is None:
        use_reloader = app.debug
    if use_reloader and os.environ.get(_RELOADER_ENV) != "true":
        # The server runs in the reloader's child; its error would leave the reloader waiting.
        _check_can_listen(host, port)
        run_with_reloader([app.root_path, *extra_files])
        return
    if interface is None:
        interface = "asgi" if any(rule.websocket for rule in app.url_map.iter_rules()) else "wsgi"
    if interface == "asgi":
        if threads is not None:
            app.config["ASGI_THREADS"] = threads
        _serve_asgi(app, host, port, access_log=access_log)
    elif interface == "wsgi":
        _serve(
            app,
            host,
            port,
            threads=threads if threads is not None else 8,
            access_log=access_log,
            header_timeout=header_timeout,
            body_timeout=body_timeout,
            body_min_rate=body_min_rate,
            send_timeout=send_timeout,
        )
    else:
        raise ValueError(f"interface must be 'wsgi' or 'asgi', not {interface!r}.")


def _checked_port(port: int) -> int:
    # getaddrinfo() takes a port past 65535 modulo 65536: 99999 would listen on 34463.
    if not 0 <= port <= 65535:
        raise ValueError(f"port must be 0-65535 (0: any free port), not {port}.")
    return port


def _listen_error(host: str, port: int, error: Exception) -> ListenError:
    """The :class:`ListenError` for ``error``, raised while binding ``host``:``port``."""
    address = f"[{host}]:{port}" if ":" in host and "[" not in host else f"{host}:{port}"
    code = getattr(error, "errno", None)
    if isinstance(error, (socket.gaierror, ValueError)):  # ValueError: waitress's gaierror
        why = f"{host!r} is no address, nor a host name this machine can resolve"
    elif code == errno.EADDRINUSE:
        why = "the port is in use by another program; stop it, or choose another port"
    elif code == errno.EADDRNOTAVAIL:
        why = f"{host} is not an address of this machine; use 127.0.0.1, or 0.0.0.0 for all"
    elif code == errno.EACCES:
        why = "permission denied; ports below 1024 need privileges, choose one above"
    else:
        why = getattr(error, "strerror", None) or str(error)
    return ListenError(f"Cannot listen on {address}: {why}.")


def _check_can_listen(host: str, port: int) -> None:
    """Raise :class:`ListenError` unless the server could bind ``host``:``port`` now: bind each
    address waitress would (``[::1]`` and ``*`` as it reads them), as it does, and let go."""
    from waitress.adjustments import Adjustments

    try:
        for family, kind, protocol, address in Adjustments(host=host, port=port).listen:
            with socket.socket(family, kind, protocol) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if family == socket.AF_INET6:
                    probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                probe.bind(address)
    except (OSError, ValueError) as error:  # a ValueError: a host getaddrinfo() cannot resolve
        raise _listen_error(host, port, error) from error


def _print_banner(app: Erlen, host: str, port: int, server: str) -> None:
    display_host = f"[{host}]" if ":" in host else host
    print(f" * Serving Erlen app '{app.name}' ({server})", flush=True)
    print(f" * Debug mode: {'on' if app.debug else 'off'}", flush=True)
    if host in ("0.0.0.0", "::"):
        print(" * Running on all addresses; this development server is reachable by others.")
    print(f" * Running on http://{display_host}:{port}", flush=True)
    print("Press CTRL+C to quit", flush=True)


def _serve_asgi(app: Erlen, host: str, port: int, *, access_log: bool) -> None:
    """Serve ``app.asgi`` with uvicorn: HTTP/1.1 and WebSockets on one event loop."""
    try:
        import uvicorn
    except ImportError:
        raise RuntimeError("Serving over ASGI needs uvicorn: pip install 'erlen[asgi]'.") from None
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise _listen_error(host, port, error) from error
    config = uvicorn.Config(
        app.asgi,
        log_level="info" if access_log else "warning",
        access_log=access_log,
        lifespan="on",
        server_header=False,
        # APPSEC: uvicorn reads bodies as the app asks; the app's own limit applies. Bound the
        # WebSocket frames the same way.
        ws_max_size=int(app.config.get("MAX_CONTENT_LENGTH") or 16 * 1024 * 1024),
    )
    server = uvicorn.Server(config)
    _print_banner(app, host, sock.getsockname()[1], "uvicorn, ASGI")
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
        print(" * Stopped.", flush=True)


def make_server(
    app: Erlen,
    host: str = "127.0.0.1",
    port: int = 5000,
    *,
    threads: int = 8,
    access_log: bool = False,
    header_timeout: float = HEADER_TIMEOUT,
    body_timeout: float = BODY_TIMEOUT,
    body_min_rate: int = BODY_MIN_RATE,
    send_timeout: float = SEND_TIMEOUT,
) -> Any:
    """The waitress server ``app.run()`` starts, with Erlen's limits set on it, not started.

    APPSEC: waitress enforces the limits it can before the app sees a byte: the header block
    (``MAX_HEADER_BYTES``, a 431) and the body (a little past ``MAX_CONTENT_LENGTH``, so the app
    still answers its own 413 error object). A request that says ``Expect: 100-continue`` with
    a body over ``MAX_CONTENT_LENGTH`` gets its 413 at once, before the client sends the body.
    A request target that cannot be parsed, or more than one ``Host`` header, gets a 400.

    APPSEC: slow clients cannot hold the server. A connection must deliver each request's
    header block within ``header_timeout`` seconds of its first byte (a new connection, within
    that time of connecting), and its body within ``body_timeout`` seconds of the header block
    plus one second for every ``body_min_rate`` bytes received, or it is closed. Once waitress's
    ``connection_limit`` (100) is reached, a new connection closes one that only waits for its
    client rather than wait behind it: the one that has waited longest for its header block,
    else the longest-idle keep-alive connection, else the body furthest behind
    ``body_min_rate``. Connections that are being answered are never closed this way.

    APPSEC: nor can slow readers. A connection whose client takes no byte of its answer for
    ``send_timeout`` seconds while more waits to be sent is closed, and so is one whose client
    holds a worker thread that way for ``BUSY_SEND_TIMEOUT`` seconds (5) while another request
    waits for a thread. A worker thread waiting to write to it is let go (the write raises
    waitress's ``ClientDisconnected``, and the answer's iterable is closed, as when a client
    leaves). Each byte the client takes starts the count again.

    APPSEC: a client that pipelines requests and never reads the answers holds at most
    ``MAX_UNSENT_BUFFERS`` unsent buffers, and so open files, at a time; its further requests
    wait, parsed but not run, until those are sent.

    Raises ValueError when ``port`` is outside 0-65535 or ``body_min_rate`` is not a positive
    number of bytes a second, and :class:`ListenError` when ``host``:``port`` cannot be bound.
    """
    from waitress.server import create_server

    _checked_port(port)
    if body_min_rate <= 0:
        raise ValueError(
            f"body_min_rate must be a positive number of bytes a second, not {body_min_rate!r}."
        )
    # waitress starts its threads and opens its sockets before it binds, and leaves them open
    # when binding fails.
    _check_can_listen(host, port)
    wsgi_app: Callable[..., Iterable[bytes]] = app
    if access_log:
        _configure_access_log()
        wsgi_app = AccessLogMiddleware(app)
    config = app.config
    limit = config.get("MAX_CONTENT_LENGTH")
    header_limit = config.get("MAX_HEADER_BYTES")
    try:
        server = create_server(
            wsgi_app,
            host=host,
            port=port,
            threads=threads,
            ident="Erlen",
            clear_untrusted_proxy_headers=True,
            # select() fails for a descriptor past 1023 (FD_SETSIZE), which ends waitress's loop
            # and the process with it; poll() has no such limit.
            asyncore_use_poll=True,
            **({"max_request_body_size": int(limit) + 1024 * 1024} if limit else {}),
            **({"max_request_header_size": int(header_limit)} if header_limit else {}),
        )
    except (OSError, ValueError) as error:  # the port taken since the check
        raise _listen_error(host, port, error) from error
    channel_class = _channel_class(
        int(limit) if limit else None, header_timeout, body_timeout, body_min_rate, send_timeout
    )
    # One listener per address (IPv4 and IPv6 for "localhost"), each in the socket map.
    socket_map = getattr(server, "map", None) or server._map
    for listener in list(socket_map.values()):
        if hasattr(listener, "channel_class"):
            listener.channel_class = channel_class
    return server


def _channel_class(
    body_limit: int | None,
    header_timeout: float,
    body_timeout: float,
    body_min_rate: int,
    send_timeout: float,
) -> type:
    """A waitress channel that answers malformed request heads with a 400, refuses an announced
    body over ``body_limit`` at once, bounds the time a client may take over a request and over
    reading its answer, and bounds the unsent answers of a connection.

    waitress answers ``Expect: 100-continue`` as soon as the headers are in, then reads the
    whole body before the app runs: the client would upload all of a body the app refuses (and
    one past waitress's own limit gets no answer at all, waitress 3.0.2). Here such a request
    ends with its 413 before any ``100 Continue``.

    waitress's own ``channel_timeout`` (120 s) counts from a connection's last byte, so a client
    that trickles its headers or its body a byte at a time keeps its connection forever, and 100
    such clients (``connection_limit``) stop the server accepting anyone else. Here the header
    block and the body have deadlines, and at the limit a connection that only waits for its
    client makes room (see :func:`make_server`). Both close a connection as waitress's own
    timeout does, by setting ``will_close`` on the event-loop thread, where every channel's
    state is read and written. The deadlines count only while the server reads the connection:
    a client is not late for the time its earlier requests took to answer.

    waitress lets a worker thread write an answer until 16 MiB wait unsent
    (``outbuf_high_watermark``), then waits, with no deadline, for the client to read: eight
    clients that ask for a large streamed answer and never read hold all eight threads for as
    long as they stay connected (``channel_timeout`` spares a connection with a request in hand).
    Here a connection whose client takes no byte for ``send_timeout`` seconds (or, when it holds
    a thread another request waits for, ``BUSY_SEND_TIMEOUT``) is shut down; the event loop then
    closes it and wakes the waiting thread, whose write raises ``ClientDisconnected``.

    waitress parses every request a read brings (8 KiB: some 200 pipelined GETs) and answers
    them all, each answer queued until the client reads it: a static file's answer keeps its
    file open until then. Here a connection's requests wait, parsed but not run, while it has
    ``MAX_UNSENT_BUFFERS`` buffers unsent; no worker thread waits with them.
    """
    from waitress.channel import HTTPChannel
    from waitress.parser import HTTPRequestParser, ParsingError
    from waitress.utilities import RequestEntityTooLarge

    class Parser(HTTPRequestParser):  # type: ignore[misc]
        def parse_header(self, header_plus: bytes) -> None:
            try:
                super().parse_header(header_plus)
            except ValueError:
                # urlsplit refuses an absolute-form target with a broken IPv6 literal
                # ("http://[::1/"); waitress 3.0.2 lets the error escape and drops the
                # connection unanswered.
                raise ParsingError("The request target is not a valid URL.") from None
            if len(_HOST_FIELD.findall(header_plus)) > 1:
                # APPSEC: RFC 9112 section 3.2 requires a 400. waitress would join the values
                # ("a.example, evil.example"), and the app build its URLs from that.
                raise ParsingError("A request may have only one Host header.")
            expects: bool = getattr(self, "expect_continue", False)
            announced: int = getattr(self, "content_length", 0)
            if expects and body_limit is not None and announced > body_limit:
                self.expect_continue = False
                self.error = RequestEntityTooLarge(
                    f"The body ({announced} bytes) is larger than the limit of {body_limit} bytes."
                )
                self.completed = True

    class ErlenChannel(HTTPChannel):  # type: ignore[misc]
        parser_class = Parser
        will_close: bool  # waitress's: close the connection when next it can

        def __init__(self, server: Any, sock: Any, addr: Any, adj: Any, map: Any = None) -> None:
            super().__init__(server, sock, addr, adj, map)
            #: What the server waits for from the client: "head" (a request's header block),
            #: "body" (the rest of its body), or None (nothing: a request is being answered, or
            #: the keep-alive connection is idle between requests).
            self.awaiting: Literal["head", "body"] | None = "head"
            #: When that wait began: the accept, the header block's first byte, or its end.
            self.awaiting_since = time.monotonic()
            #: Requests set aside, in order, while too many buffers of answers are unsent.
            self.held: list[Any] = []
            #: When the client last took bytes of an answer, or had nothing waiting for it.
            self.drained_at = time.monotonic()
            #: Whether a worker thread waits for the client to read before it writes more.
            self.thread_waiting = False
            _make_room(self._map, self, adj.connection_limit)

        def behind(self, now: float) -> float:
            """Seconds the client is behind: for a header block, all the time it has taken; for
            a body, the time past what its bytes so far pay for at ``body_min_rate``."""
            elapsed = now - self.awaiting_since
            if self.awaiting == "body":
                received: int = self.request.body_bytes_received
                return elapsed - received / body_min_rate
            return elapsed

        def received(self, data: bytes) -> bool:
            result: bool = super().received(data)
            request = self.request  # the request still arriving, if any
            awaiting: Literal["head", "body"] | None = None
            if request is not None:
                awaiting = "body" if request.headers_finished else "head"
            # A wait that was already running keeps its start: a new connection's first byte
            # does not restart the header block's clock.
            if awaiting != self.awaiting:
                self.awaiting, self.awaiting_since = awaiting, time.monotonic()
            return result

        def write_soon(self, data: Any) -> int:
            # Called on a worker thread. The first unsent byte starts the client's clock.
            if not self.total_outbufs_len:
                self.drained_at = time.monotonic()
            written: int = super().write_soon(data)
            return written

        def _flush_some(self, do_close: bool = True) -> bool:
            sent: bool = super()._flush_some(do_close)
            if sent:
                self.drained_at = time.monotonic()
            return sent

        def _flush_outbufs_below_high_watermark(self) -> None:
            self.thread_waiting = True
            try:
                super()._flush_outbufs_below_high_watermark()
            finally:
                self.thread_waiting = False

        def readable(self) -> bool:
            if self.total_outbufs_len and not self.will_close:
                stalled = time.monotonic() - self.drained_at
                if stalled > send_timeout or (
                    stalled > BUSY_SEND_TIMEOUT
                    and self.thread_waiting
                    and _requests_wait(self.server.task_dispatcher)
                ):
                    self.stop_sending()
                    return False
            if not super().readable():
                # Answering earlier requests, or closing: the client is not read, so its clock
                # starts again when it is.
                if self.awaiting is not None:
                    self.awaiting_since = time.monotonic()
                return False
            if self.held:
                # The answers before them are sent: the set-aside requests go on.
                with self.requests_lock:
                    self.requests, self.held = self.held, []
                self.server.add_task(self)
                return False
            if self.awaiting is not None:
                limit = header_timeout if self.awaiting == "head" else body_timeout
                if self.behind(time.monotonic()) > limit:
                    self.will_close = True  # APPSEC: a late header block or body (slowloris)
                    return False
            return True

        def stop_sending(self) -> None:
            """Close a connection whose client has stopped reading (APPSEC: slow reader).

            waitress closes a ``will_close`` connection once its socket can be written, which
            never happens while the client reads nothing; after a shutdown it can at once (the
            write fails, and waitress closes the connection and wakes a thread waiting on it).
            """
            self.will_close = True
            with contextlib.suppress(OSError):  # the client is gone already
                self.socket.shutdown(socket.SHUT_RDWR)

        def service(self) -> None:
            # APPSEC: a client that pipelines and does not read would otherwise have every
            # answer queued, each static file open, until it runs out of descriptors.
            if len(self.outbufs) > MAX_UNSENT_BUFFERS:
                with self.requests_lock:
                    self.held, self.requests = self.requests, []
                self.server.pull_trigger()  # the event loop sends, then serves them again
                return
            super().service()

    return ErlenChannel


def _requests_wait(dispatcher: Any) -> bool:
    """Whether requests wait for a worker thread, none being idle (waitress's own test before
    it logs "Task queue depth"; a task is queued, if briefly, even when a thread is idle)."""
    idle: int = len(dispatcher.threads) - dispatcher.stop_count - dispatcher.active_count
    return len(dispatcher.queue) > idle


def _make_room(socket_map: dict[int, Any], newcomer: Any, connection_limit: int) -> None:
    """Close one waiting connection when ``newcomer`` brings the server to its limit.

    waitress stops accepting at ``connection_limit`` entries in its socket map (listeners
    included); one slot is kept free so that it never gets there while a connection waits only
    for its client. The victim: the longest wait for a header block, else the longest-idle
    keep-alive connection, else the body furthest behind ``body_min_rate`` (an upload at a
    normal pace is never chosen). Connections with a request in hand are left alone.
    """
    leaving = sum(1 for channel in socket_map.values() if getattr(channel, "will_close", False))
    if len(socket_map) - leaving < connection_limit - 1:
        return
    now = time.monotonic()
    victim = None
    victim_key: tuple[int, float] = (3, 0.0)
    for channel in socket_map.values():
        if channel is newcomer or not hasattr(channel, "awaiting"):
            continue  # the listeners, the trigger
        if channel.will_close or channel.close_when_flushed or channel.requests or channel.held:
            continue
        if channel.total_outbufs_len:
            continue  # an answer on its way out
        if channel.awaiting == "head":
            key = (0, -channel.behind(now))
        elif channel.awaiting is None:
            key = (1, channel.last_activity)
        elif channel.behind(now) > 0:
            key = (2, -channel.behind(now))
        else:
            continue  # a body arriving at a normal pace
        if key < victim_key:
            victim, victim_key = channel, key
    if victim is not None:
        victim.will_close = True


def _serve(
    app: Erlen,
    host: str,
    port: int,
    *,
    threads: int,
    access_log: bool,
    header_timeout: float,
    body_timeout: float,
    body_min_rate: int,
    send_timeout: float,
) -> None:
    server = make_server(
        app,
        host,
        port,
        threads=threads,
        access_log=access_log,
        header_timeout=header_timeout,
        body_timeout=body_timeout,
        body_min_rate=body_min_rate,
        send_timeout=send_timeout,
    )
    _print_banner(app, host, getattr(server, "effective_port", port), "waitress, WSGI")
    app.startup()
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        app.shutdown()
        print(" * Stopped.", flush=True)


def _exit_on_signal(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def run_with_reloader(paths: Iterable[str]) -> None:
    """Run this same command in a child process and restart it whenever a watched file changes."""
    try:
        import watchfiles
    except ImportError:
        raise RuntimeError(
            "The reloader needs the 'watchfiles' package: pip install 'erlen[reload]'."
        ) from None
    command = [sys.executable, *sys.orig_argv[1:]]
    env = {**os.environ, _RELOADER_ENV: "true"}
    watch_paths = sorted({os.path.abspath(path) for path in paths if os.path.exists(path)})
    watch_filter = watchfiles.DefaultFilter()
    print(" * Restarting with watchfiles reloader", flush=True)
    # The watcher is armed before the child starts, so an edit made as soon as the server
    # answers is seen: watch() arms on its first step, which comes back empty after
    # rust_timeout ms without a change (yield_on_timeout), as later quiet spells do.
    watcher = watchfiles.watch(
        *watch_paths, watch_filter=watch_filter, rust_timeout=300, yield_on_timeout=True
    )
    next(watcher)
    # A supervisor's or a user's `kill <pid>` (SIGTERM) ends the reloader as Ctrl-C does: the
    # server it started is stopped too, instead of being left serving with nobody to stop it.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    process = subprocess.Popen(command, env=env)
    try:
        for changes in watcher:
            if not changes:
                continue
            changed = sorted(path for _, path in changes)
            print(f" * Detected change in {changed[0]!r}, reloading", flush=True)
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
            process = subprocess.Popen(command, env=env)
    except KeyboardInterrupt:
        pass
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
