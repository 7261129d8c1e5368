"""Micro-benchmark of the router alone: nanoseconds per ``match`` and per ``build``.

Run with ``.venv/bin/python bench/bench_routing.py``. Not a test; a figure to quote when the
router changes. Each table holds 100 numbered dynamic routes plus a few static ones, arranged
three ways: distinct first segments (``/r<n>/<name>``, the in-process benchmark's routes100), one
shared first segment (``/api/r<n>/<name>``) and a variable first segment (``/<lang>/r<n>``).
"""

from __future__ import annotations

import timeit
from collections.abc import Callable

from erlen.core.routing import Router, Rule

ROUTES = 100


def _router(pattern: str) -> Router:
    router = Router()
    for path in ("/", "/search", "/items", "/page", "/about/"):
        router.add(Rule(path, f"static{path}"))
    for number in range(ROUTES):
        router.add(Rule(pattern.format(number=number), f"r{number}"))
    return router


def _ns_per_call(call: Callable[[], object], repeat: int = 5, number: int = 200_000) -> float:
    call()  # compile the tables and warm up
    best = min(timeit.repeat(call, repeat=repeat, number=number))
    return best / number * 1e9


def main() -> None:
    distinct = _router("/r{number}/<name>")
    shared = _router("/api/r{number}/<name>")
    variable = _router("/<lang>/r{number}")
    cases: list[tuple[str, Callable[[], object]]] = [
        ("static route /search", lambda: distinct.match("/search", "GET")),
        ("first dynamic /r0/abc", lambda: distinct.match("/r0/abc", "GET")),
        ("last of 100 /r99/abc", lambda: distinct.match("/r99/abc", "GET")),
        ("last of 100, shared segment /api/r99/abc", lambda: shared.match("/api/r99/abc", "GET")),
        ("last of 100, variable segment /en/r99", lambda: variable.match("/en/r99", "GET")),
        ("build r99 name=abc", lambda: distinct.build("r99", {"name": "abc"})),
        ("build r99 with a query", lambda: distinct.build("r99", {"name": "abc", "page": 2})),
        ("build static", lambda: distinct.build("static/search", {})),
    ]
    width = max(len(label) for label, _ in cases)
    for label, call in cases:
        print(f"{label:<{width}}  {_ns_per_call(call):8.0f} ns")


if __name__ == "__main__":
    main()
