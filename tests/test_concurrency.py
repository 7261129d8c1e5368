"""The worker pool that runs sync views for the event loop (``app.executor`` under ASGI)."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time

import pytest

from erlen.core.concurrency import WorkerPool, run_in_thread

# No test client here: each test runs once, not once per adapter.
pytestmark = pytest.mark.wsgi_only

color: contextvars.ContextVar[str] = contextvars.ContextVar("color", default="none")


def test_run_for_gives_the_result_and_runs_off_the_loop_thread() -> None:
    pool = WorkerPool(4)

    def add(a: int, b: int) -> tuple[int, str]:
        return a + b, threading.current_thread().name

    async def main() -> tuple[int, str]:
        return await pool.run_for(asyncio.get_running_loop(), add, 2, 3)

    total, thread_name = asyncio.run(main())
    assert total == 5
    assert thread_name != threading.current_thread().name
    assert thread_name.startswith("erlen_")
    pool.shutdown()


def test_run_for_raises_the_functions_error_in_the_awaiting_task() -> None:
    pool = WorkerPool(2)

    def fail() -> None:
        raise LookupError("from the worker")

    async def main() -> None:
        await pool.run_for(asyncio.get_running_loop(), fail)

    with pytest.raises(LookupError, match="from the worker"):
        asyncio.run(main())
    pool.shutdown()


def test_run_in_thread_carries_the_callers_context_variables() -> None:
    pool = WorkerPool(2)

    async def main() -> str:
        color.set("blue")
        return await run_in_thread(pool, color.get)

    assert asyncio.run(main()) == "blue"
    pool.shutdown()


def test_threads_start_on_demand_and_never_exceed_the_maximum() -> None:
    pool = WorkerPool(3)
    running = 0
    peak = 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.02)
        with lock:
            running -= 1

    async def main() -> None:
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(pool.run_for(loop, work) for _ in range(12)))
        # One at a time: the idle thread is reused, none is added.
        for _ in range(5):
            await pool.run_for(loop, work)

    asyncio.run(main())
    assert peak == 3
    assert len(pool._threads) == 3
    pool.shutdown()
    assert all(not thread.is_alive() for thread in pool._threads)


def test_it_is_an_executor_for_run_in_executor_and_submit() -> None:
    pool = WorkerPool(2)
    assert pool.submit(pow, 2, 10).result(timeout=5) == 1024
    assert pool.submit(int, "ff", base=16).result(timeout=5) == 255

    async def main() -> int:
        return await asyncio.get_running_loop().run_in_executor(pool, sum, [1, 2, 3])

    assert asyncio.run(main()) == 6
    pool.shutdown()
    with pytest.raises(RuntimeError, match="shut down"):
        pool.submit(int)


def test_a_pool_needs_a_thread() -> None:
    with pytest.raises(ValueError, match="ASGI_THREADS"):
        WorkerPool(0)
