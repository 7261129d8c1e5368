"""The development server behind ``app.run()`` and ``erlen run``.

Serving is waitress's job: a maintained, pure-Python, multi-threaded HTTP/1.1 server with
keep-alive and chunked request bodies (see ``docs/dependencies.md``). This module adds what a
developer expects around it: the address banner, one access-log line per request, a clean stop on
Ctrl-C, and a reloader that restarts the server when a source file changes (watchfiles).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .erlen import Erlen

__all__ = [
    "run_simple",
    "make_server",
    "AccessLogMiddleware",
    "load_dotenv_files",
    "run_with_reloader",
]

_RELOADER_ENV = "ERLEN_RUN_MAIN"
#: Seconds a client has to send a request's header block (``app.run(header_timeout=...)``).
HEADER_TIMEOUT = 20.0

access_logger = logging.getLogger("erlen.serving")


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
) -> None:
    """Serve ``app`` until Ctrl-C; restart on source changes when ``use_reloader`` is on.

    ``interface`` is ``"wsgi"`` (waitress), ``"asgi"`` (uvicorn, for WebSockets) or None to
    choose: ASGI when the app has WebSocket routes, else WSGI. ``threads``: waitress's worker
    threads under WSGI (8 when None); under ASGI, the threads that run sync views (it sets
    ``ASGI_THREADS``, whose default of 40 stays when None). ``header_timeout``: seconds a
    client has to send a request's header block under waitress (see :func:`make_server`).
    ``ERLEN_RUN_HOST`` and
    ``ERLEN_RUN_PORT`` override the defaults, so a program ending in ``app.run()`` can be
    started on another port without editing it.
    """
    if load_dotenv:
        load_dotenv_files()
    host = os.environ.get("ERLEN_RUN_HOST", host)
    port = int(os.environ.get("ERLEN_RUN_PORT", port))
    if use_reloader is None:
        use_reloader = app.debug
    if use_reloader and os.environ.get(_RELOADER_ENV) != "true":
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
        )
    else:
        raise ValueError(f"interface must be 'wsgi' or 'asgi', not {interface!r}.")


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
    sock.bind((host, port))
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
) -> Any:
    """The waitress server ``app.run()`` starts, with Erlen's limits set on it, not started.

    APPSEC: waitress enforces the limits it can before the app sees a byte: the header block
    (``MAX_HEADER_BYTES``, a 431) and the body (a little past ``MAX_CONTENT_LENGTH``, so the app
    still answers its own 413 error object). A request that says ``Expect: 100-continue`` with
    a body over ``MAX_CONTENT_LENGTH`` gets its 413 at once, before the client sends the body.

    APPSEC: slow clients cannot hold the server. A connection must deliver each request's
    header block within ``header_timeout`` seconds of its first byte (a new connection, within
    that time of connecting), or it is closed; and once waitress's ``connection_limit`` (100)
    is reached, a new connection closes the one that has waited longest for its header block
    (or, failing that, the longest-idle keep-alive connection) rather than wait behind it.
    Connections that are being answered are never closed this way.
    """
    from waitress.server import create_server

    wsgi_app: Callable[..., Iterable[bytes]] = app
    if access_log:
        _configure_access_log()
        wsgi_app = AccessLogMiddleware(app)
    config = app.config
    limit = config.get("MAX_CONTENT_LENGTH")
    header_limit = config.get("MAX_HEADER_BYTES")
    server = create_server(
        wsgi_app,
        host=host,
        port=port,
        threads=threads,
        ident="Erlen",
        clear_untrusted_proxy_headers=True,
        **({"max_request_body_size": int(limit) + 1024 * 1024} if limit else {}),
        **({"max_request_header_size": int(header_limit)} if header_limit else {}),
    )
    channel_class = _channel_class(int(limit) if limit else None, header_timeout)
    # One listener per address (IPv4 and IPv6 for "localhost"), each in the socket map.
    socket_map = getattr(server, "map", None) or server._map
    for listener in list(socket_map.values()):
        if hasattr(listener, "channel_class"):
            listener.channel_class = channel_class
    return server


def _channel_class(body_limit: int | None, header_timeout: float) -> type:
    """A waitress channel that refuses an announced body over ``body_limit`` at once, and
    bounds the time a client may take over its request's header block.

    waitress answers ``Expect: 100-continue`` as soon as the headers are in, then reads the
    whole body before the app runs: the client would upload all of a body the app refuses (and
    one past waitress's own limit gets no answer at all, waitress 3.0.2). Here such a request
    ends with its 413 before any ``100 Continue``.

    waitress's own ``channel_timeout`` (120 s) counts from a connection's last byte, so a client
    that trickles its headers a byte at a time keeps its connection forever, and 100 such
    clients (``connection_limit``) stop the server accepting anyone else. Here the header block
    has a deadline, and at the limit the longest-waiting connection makes room (see
    :func:`make_server`). Both close a connection as waitress's own timeout does, by setting
    ``will_close`` on the event-loop thread, where every channel's state is read and written.
    """
    from waitress.channel import HTTPChannel
    from waitress.parser import HTTPRequestParser
    from waitress.utilities import RequestEntityTooLarge

    class Parser(HTTPRequestParser):  # type: ignore[misc]
        def parse_header(self, header_plus: bytes) -> None:
            super().parse_header(header_plus)
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

        def __init__(self, server: Any, sock: Any, addr: Any, adj: Any, map: Any = None) -> None:
            super().__init__(server, sock, addr, adj, map)
            #: When the header block now awaited began (accept, or its first byte); None when
            #: no header block is awaited (a request is being read or answered, or between
            #: requests on a keep-alive connection).
            self.head_started: float | None = time.monotonic()
            _make_room(self._map, self, adj.connection_limit)

        def received(self, data: bytes) -> bool:
            if data and self.request is None and self.head_started is None:
                self.head_started = time.monotonic()
            result: bool = super().received(data)
            if self.request is None or self.request.headers_finished:
                self.head_started = None
            return result

        def readable(self) -> bool:
            started = self.head_started
            if (
                started is not None
                and not self.requests
                and time.monotonic() - started > header_timeout
            ):
                self.will_close = True  # APPSEC: the header block is late (slowloris)
            return bool(super().readable())

    return ErlenChannel


def _make_room(socket_map: dict[int, Any], newcomer: Any, connection_limit: int) -> None:
    """Close one waiting connection when ``newcomer`` brings the server to its limit.

    waitress stops accepting at ``connection_limit`` entries in its socket map (listeners
    included); one slot is kept free so that it never gets there while a connection waits only
    for its client. The victim: the longest wait for a header block, else the longest-idle
    keep-alive connection. Connections with a request in hand are left alone.
    """
    leaving = sum(1 for channel in socket_map.values() if getattr(channel, "will_close", False))
    if len(socket_map) - leaving < connection_limit - 1:
        return
    victim = None
    victim_key: tuple[int, float] = (2, 0.0)
    for channel in socket_map.values():
        if channel is newcomer or not hasattr(channel, "head_started"):
            continue  # the listeners, the trigger
        if channel.will_close or channel.close_when_flushed or channel.requests:
            continue
        if channel.total_outbufs_len:
            continue  # an answer on its way out
        if channel.request is not None and channel.head_started is None:
            continue  # a request body on its way in
        started = channel.head_started
        key = (0, started) if started is not None else (1, channel.last_activity)
        if key < victim_key:
            victim, victim_key = channel, key
    if victim is not None:
        victim.will_close = True


def _serve(
    app: Erlen, host: str, port: int, *, threads: int, access_log: bool, header_timeout: float
) -> None:
    server = make_server(
        app, host, port, threads=threads, access_log=access_log, header_timeout=header_timeout
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
