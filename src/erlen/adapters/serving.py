"""The development server behind ``app.run()`` and ``erlen run``.

Serving is waitress's job: a maintained, pure-Python, multi-threaded HTTP/1.1 server with
keep-alive and chunked request bodies (see ``docs/dependencies.md``). This module adds what a
developer expects around it: the address banner, one access-log line per request, a clean stop on
Ctrl-C, and a reloader that restarts the server when a source file changes (watchfiles).
"""

from __future__ import annotations

import errno
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from .waitress_channel import (
    BODY_MIN_RATE,
    BODY_TIMEOUT,
    HEADER_TIMEOUT,
    SEND_TIMEOUT,
    make_channel_class,
)

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
    channel_class = make_channel_class(
        int(limit) if limit else None, header_timeout, body_timeout, body_min_rate, send_timeout
    )
    # One listener per address (IPv4 and IPv6 for "localhost"), each in the socket map.
    socket_map = getattr(server, "map", None) or server._map
    for listener in list(socket_map.values()):
        if hasattr(listener, "channel_class"):
            listener.channel_class = channel_class
    return server


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
