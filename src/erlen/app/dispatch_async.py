"""The async form of the dispatch: what :class:`~erlen.app.app.App` does on an ASGI event loop.

It takes its steps from the same helpers as ``app.py``'s sync dispatch (routing, which hooks run
in which order, whether there is after-request work, ``make_response``, handler lookup, session
saving); only the calls into user code differ, since here an ``async def`` view, hook or handler
is awaited on the server's loop. A request for a
sync view is not handled here at all: the whole sync dispatch runs in a worker thread, so
blocking code (a database driver, a file read) never stalls the loop.

Sync hooks and error handlers around an ``async def`` view run on the loop itself: keep them
quick, or make them ``async def`` too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from types import CoroutineType
from typing import TYPE_CHECKING, Any

from ..core.errors import HTTPException
from .context import Context, _reset_context, _set_context
from .signalgate import gate

if TYPE_CHECKING:
    from ..core.request import Request
    from ..core.response import Response
    from .app import App

__all__ = ["AsyncDispatch"]


async def _resolve(value: Any) -> Any:
    """A hook's return value, awaited when the hook was ``async def``."""
    if type(value) is CoroutineType:
        return await value
    return value


#: ``core.concurrency.run_in_thread``, imported on first use (it brings asyncio, which a WSGI app
#: never needs) and then kept: PERF, an import statement runs the import machinery every time.
_run_in_thread: Callable[..., Awaitable[Any]] | None = None


def _load_run_in_thread() -> Callable[..., Awaitable[Any]]:
    global _run_in_thread
    from ..core.concurrency import run_in_thread

    _run_in_thread = run_in_thread
    return run_in_thread


#: The largest sync view's body kept in memory; a larger one (an upload) is spooled to a
#: temporary file before the view's thread takes over.
THREAD_BODY_BUFFER = 1024 * 1024


async def _receive_before_thread(request: Request) -> None:
    """Receive a sync view's whole body on the loop before the hop to a worker thread.

    APPSEC: a worker thread waiting on a client that trickles its body, or stops sending it,
    would be held as long as the client likes; a few such clients (``ASGI_THREADS``, 40 by
    default) would take every thread. The loop waits for them instead, at the cost of a
    coroutine and the body received so far: up to ``THREAD_BODY_BUFFER`` in memory, past that
    up to ``MAX_CONTENT_LENGTH`` on disk. A client that goes away ends the wait
    (``http.disconnect``). An error here (a body past the limit, a client gone) becomes the
    request's answer, through the app's error handlers.
    """
    try:
        receiving = request._receive_body(THREAD_BODY_BUFFER)
        if receiving is not None:
            await receiving
    except HTTPException as exc:
        request.routing_exception = exc


class AsyncDispatch:
    """Methods of :class:`~erlen.app.Erlen` for requests served over ASGI."""

    async def handle_async(self: App, request: Request) -> Response:  # type: ignore[misc]
        """Answer one request on the event loop: the async twin of :meth:`Erlen.handle`."""
        if not self._started:
            await self.startup_async()
        if request.url_rule is None and request.routing_exception is None:
            self._match_request(request)
        # A subclass's own (sync) dispatch methods are honoured the sync way, in a thread.
        in_thread = self._sync_dispatch
        rule = request.url_rule
        if rule is not None and not in_thread:
            view = self.view_functions.get(rule.endpoint)
            automatic_options = rule.provide_automatic_options and request.method == "OPTIONS"
            if view is not None and not automatic_options:
                on_loop = self._on_loop.get(view)  # PERF: _runs_on_loop without its call
                if on_loop is None:
                    on_loop = self._runs_on_loop(view)
                in_thread = not on_loop
        if in_thread:
            await _receive_before_thread(request)
            # PERF: one hop to a worker thread for the whole request, hooks included.
            run_in_thread = _run_in_thread or _load_run_in_thread()
            answer: Response = await run_in_thread(self.executor, self._handle_alone, request)
            return answer
        # Never joined to an app context around it: an asyncio task inherits the context of
        # whoever started the server (a CLI command runs in one), which no request may share.
        ctx = Context(self, request, False)
        token = _set_context(ctx)
        signalled = gate.open  # PERF: one read for every signal of the request
        if signalled:
            await self._send_async("appcontext_pushed")
        error: BaseException | None = None
        # PERF: the whole dispatch in this one coroutine (what _full_dispatch is to handle()
        # in the sync dispatch): one coroutine level fewer for every request.
        try:
            try:
                # The body is read before any user code runs, so request.get_json(), form and
                # files work in an async view as in a sync one, without blocking the loop.
                receiving = request._receive_body()
                if receiving is not None:
                    await receiving
                if request.limits.trusted_hosts is not None:
                    request.host  # noqa: B018 - raises BadRequest for an untrusted Host header
                if gate.open:
                    await self._send_async("request_started")
                rv = None
                if self._has_request_hooks:
                    for func in self._before_request_hooks(request):
                        rv = await _resolve(func())
                        if rv is not None:
                            break
                if rv is None:
                    rv = self._call_view(request)
                    if type(rv) is CoroutineType:  # PERF: _resolve() inlined, one coroutine less
                        rv = await rv
                response = self.make_response(rv)
            except Exception as exc:
                try:
                    response = self.make_response(
                        await _resolve(self._user_exception_outcome(exc, on_loop=True))
                    )
                except Exception as handler_error:  # the handler itself failed: a 500 after all
                    response = self.make_response(
                        await _resolve(self._unhandled_outcome(handler_error, on_loop=True))
                    )
                if exc is request.routing_exception:
                    exc.__traceback__ = None  # PERF: no request-holding cycle (see _full_dispatch)
            if self._has_after_work(ctx, gate.open):
                try:
                    for after in self._after_request_hooks(ctx):
                        response = await _resolve(after(response))
                    if self._open_session_to_save(ctx):
                        self._save_session(ctx, response)
                    if gate.open:
                        await self._send_async("request_finished", response=response)
                except Exception as exc:
                    if self._should_propagate():
                        raise
                    response = self.make_response(
                        await _resolve(self._unhandled_outcome(exc, on_loop=True))
                    )
            return response
        except BaseException as failure:
            error = failure
            raise
        finally:
            try:
                if self._has_teardown or signalled:
                    await self._teardown_async(ctx, error or ctx.unhandled_error)
            finally:
                if request._files is not None:  # a multipart body's uploads to close
                    request.close()
                _reset_context(token)
                if signalled:
                    await self._send_async("appcontext_popped")

    def _handle_alone(self: App, request: Request) -> Response:  # type: ignore[misc]
        """:meth:`handle` for a request served over ASGI, in a worker thread: as on the loop,
        never joined to an app context the thread inherited (see ``handle_async``)."""
        token = _set_context(None)  # what the thread inherited from the task is not joined
        try:
            return self.handle(request)
        finally:
            _reset_context(token)

    async def _send_async(self: App, signal: str, **kwargs: Any) -> None:  # type: ignore[misc]
        """Send one of Flask's signals from the loop, awaiting ``async def`` receivers."""
        from . import signals

        await signals.send_async(getattr(signals, signal), self, **kwargs)

    async def _unhandled_async(self: App, exc: BaseException) -> Any:  # type: ignore[misc]
        """:meth:`Erlen._unhandled_outcome` on the loop, after ``got_request_exception``."""
        await self._send_async("got_request_exception", exception=exc)
        return await _resolve(self._unhandled_answer(exc))

    async def _teardown_async(  # type: ignore[misc]
        self: App, ctx: Context, error: BaseException | None
    ) -> None:
        for func in self._teardown_request_hooks(ctx.request):
            await _resolve(func(error))
        if gate.open:
            await self._send_async("request_tearing_down", exc=error)
        for func in reversed(self.teardown_appcontext_funcs):
            await _resolve(func(error))
        if gate.open:
            await self._send_async("appcontext_tearing_down", exc=error)
