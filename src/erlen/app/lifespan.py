"""The app's life around its requests: startup and shutdown hooks, and the worker thread pool.

``@app.before_serving`` and ``@app.after_serving`` functions (sync or async) run once per
process. Under ASGI the server's lifespan protocol calls :meth:`Lifespan.startup_async` and
:meth:`Lifespan.shutdown_async`; WSGI has no such protocol, so ``erlen run`` calls
:meth:`Lifespan.startup` and :meth:`Lifespan.shutdown` around its server, and under any other
WSGI server the first request starts the app and interpreter exit stops it.
"""

from __future__ import annotations

import atexit
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from .dispatch_async import _resolve

if TYPE_CHECKING:
    import asyncio
    import threading

    from ..core.concurrency import WorkerPool
    from .config import Config

__all__ = ["Lifespan"]

F = TypeVar("F", bound=Callable[..., Any])


class Lifespan:
    """Methods of :class:`~erlen.app.Erlen` for its startup, shutdown and thread pool."""

    # Set by Erlen.__init__.
    name: str
    config: Config
    before_serving_funcs: list[Callable[[], Any]]
    after_serving_funcs: list[Callable[[], Any]]
    _started: bool
    _start_lock: threading.Lock
    _async_start_lock: asyncio.Lock | None
    _executor: WorkerPool | None

    def _maybe_await(self, value: Any) -> Any:
        raise NotImplementedError  # Erlen's: runs a coroutine to completion

    def before_serving(self, func: F) -> F:
        """Run ``func()`` (sync or async) once before the first request is served.

        Under ASGI it runs at the server's lifespan startup; under WSGI when ``erlen run`` or
        ``app.run()`` start, or else before the first request. Open pools and clients here.
        """
        self.before_serving_funcs.append(func)
        return func

    def after_serving(self, func: F) -> F:
        """Run ``func()`` (sync or async) once when the server shuts down, to release resources.

        Under ASGI it runs at the lifespan shutdown; under WSGI when the development server
        stops, or at interpreter exit under another WSGI server.
        """
        self.after_serving_funcs.append(func)
        return func

    def startup(self) -> None:
        """Run the :meth:`before_serving` hooks, once, from sync code (thread-safe)."""
        with self._start_lock:
            if self._started:
                return
            for func in self.before_serving_funcs:
                self._maybe_await(func())
            self._started = True
        if self.after_serving_funcs:
            # A WSGI server gives no shutdown signal; interpreter exit is the last chance.
            atexit.register(self.shutdown)

    def shutdown(self) -> None:
        """Run the :meth:`after_serving` hooks, once, if the app was started."""
        with self._start_lock:
            if not self._started:
                return
            self._started = False
            for func in self.after_serving_funcs:
                self._maybe_await(func())
        atexit.unregister(self.shutdown)

    async def startup_async(self) -> None:
        """Run the :meth:`before_serving` hooks, once, on the server's loop."""
        if self._started:
            return
        lock = self._async_start_lock
        if lock is None:
            import asyncio  # here, not at the top: a WSGI-only app never loads asyncio

            lock = self._async_start_lock = asyncio.Lock()
        async with lock:  # requests that arrive meanwhile wait for it
            if self._started:
                return
            for func in self.before_serving_funcs:
                await _resolve(func())
            self._started = True

    async def shutdown_async(self) -> None:
        """Run the :meth:`after_serving` hooks, once, on the server's loop."""
        if not self._started:
            return
        self._started = False
        for func in self.after_serving_funcs:
            await _resolve(func())

    @property
    def executor(self) -> WorkerPool:
        """The threads that run sync views under ASGI (``ASGI_THREADS`` of them at most)."""
        if self._executor is None:
            from ..core.concurrency import WorkerPool

            self._executor = WorkerPool(
                int(self.config.get("ASGI_THREADS") or 40), thread_name_prefix=f"erlen-{self.name}"
            )
        return self._executor
