"""Flask's signals (``erlen.signals``): sent at Flask's moments, over WSGI and ASGI alike.

Each test runs once per adapter (see ``conftest.py``), with a sync and with an ``async def``
view, since the two take different dispatch paths over ASGI.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from erlen import Erlen, abort, render_template_string, stream_template_string
from erlen.signals import (
    Namespace,
    appcontext_popped,
    appcontext_pushed,
    appcontext_tearing_down,
    before_render_template,
    got_request_exception,
    request_finished,
    request_started,
    request_tearing_down,
    template_rendered,
)

from .conftest import ROOT


@contextmanager
def recording(app: Erlen, *signals: Any) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Every send of ``signals`` from ``app``, as (signal name, keyword arguments)."""
    calls: list[tuple[str, dict[str, Any]]] = []
    receivers: list[Callable[..., None]] = []
    for signal in signals:

        def receive(sender: Any, _name: str = signal.name, **kwargs: Any) -> None:
            assert sender is app
            calls.append((_name, kwargs))

        receivers.append(receive)
        signal.connect(receive, app)
    try:
        yield calls
    finally:
        for signal, receive in zip(signals, receivers, strict=True):
            signal.disconnect(receive, app)


def add_view(app: Erlen, kind: str, body: Callable[[], Any]) -> None:
    if kind == "sync":

        @app.route("/")
        def sync_view() -> Any:
            return body()

    else:

        @app.route("/")
        async def async_view() -> Any:
            return body()


REQUEST_SIGNALS = (
    appcontext_pushed,
    request_started,
    request_finished,
    request_tearing_down,
    appcontext_tearing_down,
    appcontext_popped,
)


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_request_sends_its_signals_in_flasks_order(app: Erlen, kind: str) -> None:
    order: list[str] = []
    add_view(app, kind, lambda: order.append("view") or "done")
    app.before_request(lambda: order.append("before_request") and None)

    @app.after_request
    def after(response: Any) -> Any:
        order.append("after_request")
        return response

    def started(sender: Erlen) -> None:
        order.append("request_started")

    with recording(app, *REQUEST_SIGNALS) as calls, request_started.connected_to(started, app):
        response = app.test_client().get("/")
    assert response.text == "done"
    assert [name for name, _ in calls] == [
        "appcontext-pushed",
        "request-started",
        "request-finished",
        "request-tearing-down",
        "appcontext-tearing-down",
        "appcontext-popped",
    ]
    assert order == ["request_started", "before_request", "view", "after_request"]
    finished = dict(calls)["request-finished"]
    assert finished["response"].get_data() == b"done"
    assert dict(calls)["request-tearing-down"] == {"exc": None}


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_an_unhandled_error_is_sent_to_got_request_exception(app: Erlen, kind: str) -> None:
    def fail() -> Any:
        raise ZeroDivisionError("boom")

    add_view(app, kind, fail)
    with recording(app, got_request_exception, request_tearing_down) as calls:
        response = app.test_client().get("/")
    assert response.status_code == 500
    names = [name for name, _ in calls]
    assert names == ["got-request-exception", "request-tearing-down"]
    assert isinstance(calls[0][1]["exception"], ZeroDivisionError)
    assert isinstance(calls[1][1]["exc"], ZeroDivisionError)


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_an_http_error_is_not_an_exception_signal(app: Erlen, kind: str) -> None:
    add_view(app, kind, lambda: abort(404))
    with recording(app, got_request_exception) as calls:
        assert app.test_client().get("/").status_code == 404
    assert calls == []


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_async_receivers_are_awaited(app: Erlen, kind: str) -> None:
    seen: list[str] = []
    add_view(app, kind, lambda: "ok")

    async def started(sender: Erlen) -> None:
        seen.append("started")

    async def finished(sender: Erlen, response: Any) -> None:
        seen.append(f"finished {response.status_code}")

    request_started.connect(started, app)
    request_finished.connect(finished, app)
    try:
        assert app.test_client().get("/").text == "ok"
    finally:
        request_started.disconnect(started, app)
        request_finished.disconnect(finished, app)
    assert seen == ["started", "finished 200"]


def test_template_signals_carry_the_template_and_its_context(app: Erlen) -> None:
    @app.route("/")
    def page() -> str:
        return render_template_string("Hello {{ name }}", name="Ada")

    with recording(app, before_render_template, template_rendered) as calls:
        assert app.test_client().get("/").text == "Hello Ada"
    assert [name for name, _ in calls] == ["before-render-template", "template-rendered"]
    for _, kwargs in calls:
        assert kwargs["context"]["name"] == "Ada"
        # As Flask's default context processor gives them; the session is left out, as there.
        assert {"g", "request"} <= set(kwargs["context"]) and "session" not in kwargs["context"]
        assert kwargs["template"].render(name="Bo") == "Hello Bo"


def test_a_streamed_template_is_rendered_once_its_last_chunk_is_out(app: Erlen) -> None:
    @app.route("/")
    def page() -> Any:
        return stream_template_string("{% for i in range(3) %}{{ i }}{% endfor %}")

    with (
        recording(app, before_render_template, template_rendered) as calls,
        app.test_request_context(),
    ):
        chunks = page()
        assert [name for name, _ in calls] == []
        assert "".join(chunks) == "012"
    assert [name for name, _ in calls] == ["before-render-template", "template-rendered"]


def test_an_extensions_namespace_makes_its_own_signals() -> None:
    signal = Namespace().signal("extension-event")
    received: list[Any] = []
    signal.connect(lambda sender, **kw: received.append((sender, kw)), weak=False)
    signal.send("me", value=1)
    assert received == [("me", {"value": 1})]


def test_an_app_that_never_listens_never_loads_blinker() -> None:
    code = (
        "import sys\n"
        "from erlen import Erlen, render_template_string\n"
        "app = Erlen('quiet')\n"
        "app.route('/')(lambda: render_template_string('{{ 1 + 1 }}'))\n"
        "assert app.test_client().get('/').text == '2'\n"
        "print('blinker' in sys.modules, 'erlen.app.signals' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.split() == ["False", "False"]
