"""Crossing between sync and async code, so one view works under WSGI and ASGI alike.

Under WSGI every request runs in a server thread with no event loop: an ``async def`` view, hook
or handler is run to completion on a fresh loop (as Flask does). Under ASGI the server's loop is
running: ``async def`` code is awaited on it, and sync views run in the app's thread pool so
they never block it. A coroutine met inside such a worker thread (an async hook around a sync
view) is sent back to the server's loop and waited for, so it shares that loop's resources (a
database pool opened at startup, other tasks).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import functools
import inspect
import queue
import threading
from collections.abc import AsyncIterable, AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import Executor
from typing import Any, TypeVar

__all__ = [
    "WorkerPool",
    "is_async_callable",
    "run_coroutine",
    "run_in_thread",
    "iterate_in_thread",
    "iterate_async",
]

T = TypeVar("T")

#: The ASGI server's event loop, set for the code a request runs in a worker thread.
_cv_server_loop: contextvars.ContextVar[asyncio.AbstractEventLoop | None] = contextvars.ContextVar(
    "erlen.server_loop", default=None
)


def is_async_callable(func: Callable[..., Any]) -> bool:
    """True for an ``async def`` function, or an object or partial wrapping one."""
    while isinstance(func, functools.partial):
        func = func.func
    return inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(
        getattr(func, "__call__", None)  # noqa: B004 - a class instance with async __call__
    )


def run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to completion from sync code and return its result.

    In a worker thread of an ASGI request it runs on the server's loop; anywhere else (WSGI) on
    a loop of its own, created and closed for this call.
    """
    loop = _cv_server_loop.get()
    if loop is not None and loop.is_running():
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result()
    return asyncio.run(coroutine)


class WorkerPool(Executor):
    """The threads that run sync code for the event loop: ``app.executor`` under ASGI.

    A :class:`concurrent.futures.Executor` (``loop.run_in_executor`` and ``submit`` work as
    with a ``ThreadPoolExecutor``), plus :meth:`run_for`, the hop a sync view takes on every
    request. PERF: ``run_in_executor`` makes a ``concurrent.futures.Future``, an asyncio future
    chained to it and a work item with its own lock for each call; :meth:`run_for` makes one
    asyncio future, and the worker hands the result straight to the loop: about half the cost
    of the hop, whose remainder is waking a thread and then the loop.

    Threads start on demand, up to ``max_workers``, when no started one is idle, and live as
    daemons for the life of the process (or until :meth:`shutdown`).
    """

    def __init__(self, max_workers: int, thread_name_prefix: str = "erlen") -> None:
        if max_workers < 1:
            raise ValueError("A worker pool needs at least one thread (ASGI_THREADS >= 1).")
        self.max_workers = max_workers
        self._name = thread_name_prefix
        # Each job: (runner, loop or None, future, func, args); None asks a worker to stop.
        self._jobs: queue.SimpleQueue[tuple[Any, ...] | None] = queue.SimpleQueue()
        self._idle = threading.Semaphore(0)
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._closed = False

    def run_for(
        self, loop: asyncio.AbstractEventLoop, func: Callable[..., T], *args: Any
    ) -> asyncio.Future[T]:
        """Call ``func(*args)`` in a worker; the future, of ``loop``, gets its result."""
        future: asyncio.Future[T] = loop.create_future()
        self._put((_run_for_loop, loop, future, func, args))
        return future

    def submit(
        self, fn: Callable[..., T], /, *args: Any, **kwargs: Any
    ) -> concurrent.futures.Future[T]:
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        call = functools.partial(fn, *args, **kwargs) if kwargs else fn
        self._put((_run_for_future, None, future, call, args if not kwargs else ()))
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._closed = True
            threads = list(self._threads)
        for _ in threads:
            self._jobs.put(None)
        if wait:
            current = threading.current_thread()
            for thread in threads:
                if thread is not current:
                    thread.join()

    def _put(self, job: tuple[Any, ...]) -> None:
        if self._closed:
            raise RuntimeError("The worker pool is shut down.")
        self._jobs.put(job)
        # A started thread that is idle takes the job; else start one, up to the maximum.
        if not self._idle.acquire(blocking=False) and len(self._threads) < self.max_workers:
            with self._lock:
                if len(self._threads) < self.max_workers and not self._closed:
                    thread = threading.Thread(
                        target=self._work,
                        name=f"{self._name}_{len(self._threads)}",
                        daemon=True,
                    )
                    self._threads.append(thread)
                    thread.start()

    def _work(self) -> None:
        jobs, idle = self._jobs, self._idle
        while True:
            job = jobs.get()
            if job is None:
                return
            job[0](job[1], job[2], job[3], job[4])
            del job  # PERF: the job's result and arguments are not kept alive while idle
            idle.release()


def _run_for_loop(
    loop: asyncio.AbstractEventLoop,
    future: asyncio.Future[Any],
    func: Callable[..., Any],
    args: Any,
) -> None:
    try:
        result = func(*args)
    except BaseException as exc:  # handed to the awaiting task, as run_in_executor does
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody waits
            loop.call_soon_threadsafe(_fail, future, exc)
    else:
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(_succeed, future, result)


def _succeed(future: asyncio.Future[Any], result: Any) -> None:
    if not future.cancelled():
        future.set_result(result)


def _fail(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.cancelled():
        future.set_exception(exc)


def _run_for_future(
    _loop: None, future: concurrent.futures.Future[Any], func: Callable[..., Any], args: Any
) -> None:
    if not future.set_running_or_notify_cancel():
        return
    try:
        result = func(*args)
    except BaseException as exc:
        future.set_exception(exc)
    else:
        future.set_result(result)


async def run_in_thread(executor: Executor, func: Callable[..., T], *args: Any) -> T:
    """Call ``func(*args)`` in ``executor`` with the caller's context, without blocking the loop.

    The worker sees the caller's context variables (the request, ``g``), and knows the loop, so
    coroutines it meets come back here (see :func:`run_coroutine`).
    """
    loop = asyncio.get_running_loop()
    context = contextvars.copy_context()
    context.run(_cv_server_loop.set, loop)
    if type(executor) is WorkerPool:
        return await executor.run_for(loop, context.run, func, *args)
    return await loop.run_in_executor(executor, context.run, func, *args)


async def iterate_in_thread(executor: Executor, iterator: Iterator[T]) -> AsyncIterator[T]:
    """Yield from a sync iterator whose steps may block (a generator that sleeps or reads)."""
    loop = asyncio.get_running_loop()
    context = contextvars.copy_context()
    context.run(_cv_server_loop.set, loop)
    done = object()
    try:
        while True:
            step = loop.run_in_executor(executor, context.run, _next_or, iterator, done)
            try:
                # Shielded: a cancel must not mark the step done while its thread still runs it.
                item = await asyncio.shield(step)
            except asyncio.CancelledError:
                # The step already running in its thread cannot be stopped; wait for it, so
                # closing the iterator does not race it ("generator already executing").
                await asyncio.wait({step})
                raise
            if item is done:
                return
            yield item  # type: ignore[misc]  # not ``done``, so a T
    finally:
        # Closed in the context its steps ran in: a generator that set context variables
        # (stream_with_context) resets them there, before the response's on-close callbacks.
        close = getattr(iterator, "close", None)
        if close is not None:
            await loop.run_in_executor(executor, context.run, close)


def _next_or(iterator: Iterator[T], default: object) -> T | object:
    return next(iterator, default)


def iterate_async(iterable: AsyncIterable[T]) -> Iterator[T]:
    """Yield from an async iterable in sync code (an async generator body under WSGI).

    One private event loop drives the whole iteration and is closed when it ends, so the async
    generator's ``finally`` blocks run, on exhaustion or when the consumer stops early.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass  # no loop in this thread: ours can run
    else:
        raise RuntimeError(
            "An async generator body cannot be read by sync code running on the event loop "
            "(get_data() in a sync after_request hook around an async view, say): make that "
            "hook 'async def' and iterate the body with 'async for', or leave it to be streamed."
        )
    loop = asyncio.new_event_loop()
    iterator = aiter(iterable)
    # Every step runs in this one context, so context variables the generator sets (as
    # stream_with_context does) persist from one step to the next, as they would in one task.
    context = contextvars.copy_context()
    try:
        while True:
            try:
                yield loop.run_until_complete(loop.create_task(_anext(iterator), context=context))
            except StopAsyncIteration:
                return
    finally:
        aclose = getattr(iterator, "aclose", None)
        try:
            if aclose is not None:
                loop.run_until_complete(loop.create_task(aclose(), context=context))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()


async def _anext(iterator: Any) -> Any:
    return await iterator.__anext__()
