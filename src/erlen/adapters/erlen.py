"""The public :class:`Erlen`: the sans-IO :class:`~erlen.app.app.App` with its server entry points.

As Flask's ``Flask`` is its ``sansio.app.App`` plus WSGI: the app layer registers and dispatches,
and this class adds what a server, a test or a terminal calls: ``app(environ, start_response)``
(WSGI), ``app.asgi`` (ASGI, WebSockets included), :meth:`Erlen.run`, the test client and the CLI.
Nothing below this layer imports it.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, cast

from ..app.app import App
from ..app.context import Context, _cv_context
from ..app.dispatch_async import _resolve
from ..core.errors import HTTPException
from ..core.request import Request
from .websocket import WebSocket, WebSocketDisconnect
from .wsgi import handle_wsgi, wsgi_request

if TYPE_CHECKING:
    from .asgi import ASGIApp
    from .testing import TestClient

__all__ = ["Erlen"]


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

    def wsgi_app(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """The WSGI application; wrap this (not the app) with WSGI middleware."""
        return handle_wsgi(self, environ, start_response)

    @functools.cached_property
    def asgi(self) -> ASGIApp:
        """The ASGI 3 application: HTTP, WebSocket and lifespan (see ``asgi.py``).

        Serve it with ``uvicorn module:app.asgi``, ``granian --interface asgi module:app.asgi``
        or ``erlen run --asgi``; wrap it (not the app) with ASGI middleware.
        """
        from .asgi import ASGIApp  # on first use: a WSGI-only app never loads asyncio

        return ASGIApp(self)

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

        The server is multi-threaded HTTP/1.1 (waitress); ``use_reloader=True`` restarts it when
        a source file changes. For production, run the app under gunicorn, granian or waitress.
        """
        from .serving import run_simple

        if os.environ.get("ERLEN_RUN_FROM_CLI") == "true":
            # 'erlen run' imported the module; its own 'app.run()' must not start a second
            # server (as with Flask's CLI).
            print(" * Ignoring a call to 'app.run()': 'erlen run' serves the app already.")
            return
        if debug is not None:
            self.debug = debug
        for flask_only in ("threaded", "processes", "use_debugger", "use_evalex",
                           "passthrough_errors", "ssl_context"):  # fmt: skip
            # Accepted for Flask code: waitress is always threaded; the debug page is built in.
            options.pop(flask_only, None)
        run_simple(
            self,
            host or "127.0.0.1",
            port if port is not None else 5000,
            load_dotenv=load_dotenv,
            **options,
        )

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
        """Run the WebSocket view for one connection, from handshake to close.

        Routing, URL value preprocessors, ``before_websocket`` hooks and ``teardown_appcontext``
        functions apply; an HTTP error raised before the handshake is accepted refuses it with
        that error (a 403 by default), an unhandled error after it closes the socket with code
        1011.
        """
        if not self._started:
            await self.startup_async()
        ctx = Context(self, websocket)
        token = _cv_context.set(ctx)
        error: BaseException | None = None
        try:
            await self._run_websocket(ctx, websocket)
        except BaseException as exc:
            error = exc
            raise
        finally:
            try:
                for func in reversed(self.teardown_appcontext_funcs):
                    await _resolve(func(error or ctx.unhandled_error))
            finally:
                _cv_context.reset(token)

    async def _run_websocket(self, ctx: Context, websocket: WebSocket) -> None:
        try:
            if websocket.limits.trusted_hosts is not None:
                websocket.host  # noqa: B018 - raises BadRequest for an untrusted Host header
            rule, view_args = self.url_map.match(websocket.path, "GET", websocket=True)
            websocket.url_rule, websocket.view_args = rule, view_args
            endpoint = rule.endpoint
            for func in self._scoped(endpoint, "url_value_preprocessors"):
                func(endpoint, view_args)
            for func in self._scoped(endpoint, "before_websocket_funcs"):
                rv = await _resolve(func())
                if rv is not None:
                    await websocket.refuse(self.make_response(rv))
                    return
            await self.view_functions[endpoint](**view_args)
        except WebSocketDisconnect:
            return
        except HTTPException as exc:
            if websocket.accepted:
                await websocket.close(1008, exc.description or "")
                return
            try:
                answer = self.make_response(await _resolve(self._http_exception_outcome(exc)))
            except Exception as handler_error:  # the error handler failed: a bare refusal
                if self._should_propagate():
                    raise
                self.log_exception(handler_error)
                ctx.unhandled_error = handler_error
                answer = None
            await websocket.refuse(answer)
            return
        except Exception as exc:
            if self._should_propagate():
                raise
            self.log_exception(exc)
            ctx.unhandled_error = exc
            if websocket.accepted:
                await websocket.close(1011, "Internal server error")
            else:
                await websocket.refuse(None)
            return
        if not websocket.closed:
            await websocket.close(1000)
