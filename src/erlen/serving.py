"""The development server behind ``app.run()`` and ``erlen run``.

Serving is waitress's job: a maintained, pure-Python, multi-threaded HTTP/1.1 server with
keep-alive and chunked request bodies (see ``docs/dependencies.md``). This module adds what a
developer expects around it: the address banner, one access-log line per request, a clean stop on
Ctrl-C, and a reloader that restarts the server when a source file changes (watchfiles).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import Erlen

__all__ = ["run_simple", "AccessLogMiddleware", "load_dotenv_files", "run_with_reloader"]

_RELOADER_ENV = "ERLEN_RUN_MAIN"

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
    threads: int = 8,
    load_dotenv: bool = True,
    extra_files: Iterable[str] = (),
    access_log: bool = True,
) -> None:
    """Serve ``app`` until Ctrl-C; restart on source changes when ``use_reloader`` is on.

    ``ERLEN_RUN_HOST`` and ``ERLEN_RUN_PORT`` override the defaults, so a program ending in
    ``app.run()`` can be started on another port without editing it.
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
    _serve(app, host, port, threads=threads, access_log=access_log)


def _serve(app: Erlen, host: str, port: int, *, threads: int, access_log: bool) -> None:
    from waitress.server import create_server

    wsgi_app: Callable[..., Iterable[bytes]] = app
    if access_log:
        _configure_access_log()
        wsgi_app = AccessLogMiddleware(app)
    limit = app.config.get("MAX_CONTENT_LENGTH")
    server = create_server(
        wsgi_app,
        host=host,
        port=port,
        threads=threads,
        ident="Erlen",
        clear_untrusted_proxy_headers=True,
        # APPSEC: waitress buffers a body before the app sees it (up to 1 GiB by default); stop
        # it a little past the app's own limit, so the app still answers its 413 error object.
        **({"max_request_body_size": int(limit) + 1024 * 1024} if limit else {}),
    )
    bound_port = getattr(server, "effective_port", port)
    display_host = f"[{host}]" if ":" in host else host
    print(f" * Serving Erlen app '{app.name}'", flush=True)
    print(f" * Debug mode: {'on' if app.debug else 'off'}", flush=True)
    if host in ("0.0.0.0", "::"):
        print(" * Running on all addresses; this development server is reachable by others.")
    print(f" * Running on http://{display_host}:{bound_port}", flush=True)
    print("Press CTRL+C to quit", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        print(" * Stopped.", flush=True)


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
    process = subprocess.Popen(command, env=env)
    try:
        for changes in watchfiles.watch(*watch_paths, watch_filter=watch_filter):
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
