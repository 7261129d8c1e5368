"""The public :class:`Erlen`: the sans-IO :class:`~erlen.app.app.App` with its server entry points.

As Flask's ``Flask`` is its ``sansio.app.App`` plus WSGI: the app layer registers and dispatches,
and this class adds what a server, a test or a terminal calls: ``app(environ, start_response)``
(WSGI), ``app.asgi`` (ASGI, WebSockets included), :meth:`Erlen.run`, the test client and the CLI.
Nothing below this layer imports it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, cast

from ..app import blueprints
from ..app.app import App
from ..app.context import Context
from ..core.request import Request
from .wsgi import handle_wsgi, wsgi_request

if TYPE_CHECKING:
    from .asgi import ASGIApp
    from .testing import TestClient
    from .websocket import WebSocket

__all__ = ["Erlen"]


def _blueprint_cli_group(name: str) -> Any:
    from .cli import AppGroup  # on first use: click waits for the CLI

    return AppGroup(name)


# A blueprint's ``cli`` is an AppGroup, as the app's is; the app layer knows no click.
blueprints.make_cli_group = _blueprint_cli_group


def _no_stub() -> Callable[..., Any] | None:
    """No stub: :meth:`Erlen.run` serves with Erlen's own server."""
    return None


#: Finds the function :meth:`Erlen.run` is to call instead of Erlen's server, as Werkzeug's
#: ``run_simple`` is called: ``(host, port, app, **options)``; None for Erlen's own.
#: ``erlen.flask_patch`` sets it to find a stub that a Flask test put in place of
#: ``werkzeug.serving.run_simple``, the one way Flask offers to run ``app.run()`` without a server.
find_run_simple_stub: Callable[[], Callable[..., Any] | None] = _no_stub


class Erlen(App):
    """A web application: register views on it, then serve it.

    ``Erlen(__name__)`` finds ``templates/`` and ``static/`` beside the module that creates it.
    The instance is a WSGI callable (``app(environ, start_response)``), so any WSGI server serves
    it, and ``app.asgi`` is its ASGI callable, for uvicorn or granian; :meth:`run` starts a
    development server on http://127.0.0.1:5000.
    """

    #: The classes :meth:`test_client` and :meth:`test_cli_runner` build, when set (Flask's
    #: way to give every test a client subclass, as pytest-flask does).
    test_client_class: type[Any] | None = None
    test_cli_runner_class: type[Any] | None = None
    _cli: Any = None

    # -- server interfaces -------------------------------------------------------------------

    #: The WSGI application; wrap this (not the app) with WSGI middleware, as in Flask:
    #: ``app.wsgi_app = ProxyFix(app.wsgi_app)``. PERF: the adapter's function itself, as a
    #: method, so a request does not pay a call level for a wrapper around it.
    wsgi_app = handle_wsgi

    # PERF: ``asgi`` is kept in a slot, as the app's other attributes are (see App.__slots__):
    # a functools.cached_property would write it into the instance dict, which Python 3.11 then
    # makes a real dict, and method calls on the app would stop being specialised.
    __slots__ = ("_asgi",)
    _asgi: ASGIApp

    @property
    def asgi(self) -> ASGIApp:
        """The ASGI 3 application: HTTP, WebSocket and lifespan (see ``asgi.py``).

        Serve it with ``uvicorn module:app.asgi``, ``granian --interface asgi module:app.asgi``
        or ``erlen run --asgi``; wrap it (not the app) with ASGI middleware:
        ``app.asgi = Middleware(app.asgi)``. Made on first use, then kept.
        """
        try:
            return self._asgi
        except AttributeError:
            from .asgi import ASGIApp  # on first use: a WSGI-only app never loads asyncio

            self._asgi = ASGIApp(self)
            return self._asgi

    @asgi.setter
    def asgi(self, value: ASGIApp) -> None:
        self._asgi = value

    @asgi.deleter
    def asgi(self) -> None:
        # As with the cached property it was: the next read makes a new one.
        try:
            del self._asgi
        except AttributeError:
            pass

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        return self.wsgi_app(environ, start_response)

    def run(
        self,
        host: str | None = None,
        port: int | None = None,
        debug: bool | None = None,
        load_dotenv: bool = True,
        **options: Any,
    ) -> None:
        """Serve the app on a development server: http://127.0.0.1:5000 unless told otherwise.

        As in Flask, ``host`` and ``port`` default to those of ``SERVER_NAME`` when it is set.
        The server is multi-threaded HTTP/1.1 (waitress); ``use_reloader=True`` restarts it when
        a source file changes. For production, run the app under gunicorn, granian or waitress.
        """
        from .serving import load_dotenv_files, run_simple

        if os.environ.get("ERLEN_RUN_FROM_CLI") == "true":
            # 'erlen run' imported the module; its own 'app.run()' must not start a second
            # server (as with Flask's CLI).
            print(" * Ignoring a call to 'app.run()': 'erlen run' serves the app already.")
            return
        if debug is not None:
            self.debug = debug
        named_host, _, named_port = (self.config.get("SERVER_NAME") or "").partition(":")
        host = host or named_host or "127.0.0.1"
        port = int(port) if port or port == 0 else int(named_port) if named_port else 5000
        replaced = find_run_simple_stub()
        if replaced is not None:
            if load_dotenv:
                load_dotenv_files()  # as Flask's run() does before it calls run_simple
            options.setdefault("use_reloader", self.debug)
            options.setdefault("use_debugger", self.debug)
            options.setdefault("threaded", True)
            replaced(host, port, self, **options)
            return
        for flask_only in ("threaded", "processes", "use_debugger", "use_evalex",
                           "passthrough_errors", "ssl_context"):  # fmt: skip
            # Accepted for Flask code: waitress is always threaded; the debug page is built in.
            options.pop(flask_only, None)
        run_simple(self, host, port, load_dotenv=load_dotenv, **options)

    @property
    def cli(self) -> Any:
        """A click group for the app's own commands (``@app.cli.command()``)."""
        if self._cli is None:
            from .cli import AppGroup  # on first use: click waits for the CLI

            self._cli = AppGroup(self.name, app=self)
        return self._cli

    # -- contexts and tests ------------------------------------------------------------------

    def request_context(self, request: Request | dict[str, Any]) -> Context:
        """A context for ``request``, to push with ``with``; Flask's form, a WSGI environ, builds
        the request from it as the WSGI adapter does."""
        if isinstance(request, dict):
            request = wsgi_request(self, request)
        return Context(self, request)

    def test_request_context(self, *args: Any, **kwargs: Any) -> Context:
        """A context for a fake request, built like the test client's (``path``, ``method``...)."""
        from .testing import build_request  # on first use: click waits for a test

        return Context(self, build_request(self, *args, **kwargs))

    def test_client(self, use_cookies: bool = True, **kwargs: Any) -> TestClient:
        """A client that calls the app in-process: ``client.get("/")``."""
        from .testing import TestClient  # on first use: click waits for a test

        cls = self.test_client_class or TestClient
        return cast(TestClient, cls(self, use_cookies=use_cookies, **kwargs))

    def test_cli_runner(self, **kwargs: Any) -> Any:
        """A click test runner that invokes the app's CLI commands."""
        from .testing import ErlenCliRunner

        return (self.test_cli_runner_class or ErlenCliRunner)(self, **kwargs)

    # -- WebSockets --------------------------------------------------------------------------

    async def handle_websocket(self, websocket: WebSocket) -> None:
        """Run the WebSocket view for one connection, from handshake to close (``websocket.py``)."""
        from .websocket import handle_websocket  # here: only an ASGI app loads WebSockets

        await handle_websocket(self, websocket)
