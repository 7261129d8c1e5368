"""Flask's signals over blinker: ``request_started``, ``template_rendered`` and the rest.

Each is a :class:`blinker.NamedSignal` sent with the app as sender and Flask's keyword
arguments, at the moments Flask documents. Connecting a receiver opens the dispatch's gate
(``signalgate.py``); an app whose signals nobody listens to never sends one, and a program that
never imports this module never loads blinker.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import blinker
from blinker import ANY, Namespace

from .signalgate import gate

__all__ = [
    "Namespace",
    "appcontext_popped",
    "appcontext_pushed",
    "appcontext_tearing_down",
    "before_render_template",
    "got_request_exception",
    "message_flashed",
    "request_finished",
    "request_started",
    "request_tearing_down",
    "template_rendered",
    "send",
    "send_async",
]


class _GatedSignal(blinker.NamedSignal):
    """A signal that opens the dispatch's gate when its first receiver connects."""

    def connect(self, receiver: Any, sender: Any = ANY, weak: bool = True) -> Any:
        gate.open = True
        return super().connect(receiver, sender, weak)


class _GatedNamespace(Namespace):
    def signal(self, name: str, doc: str | None = None) -> blinker.NamedSignal:
        if name not in self:
            self[name] = _GatedSignal(name, doc)
        return self[name]


#: Erlen's own signals; extensions make their own with :class:`Namespace`.
_signals = _GatedNamespace()

template_rendered = _signals.signal("template-rendered")
before_render_template = _signals.signal("before-render-template")
request_started = _signals.signal("request-started")
request_finished = _signals.signal("request-finished")
request_tearing_down = _signals.signal("request-tearing-down")
got_request_exception = _signals.signal("got-request-exception")
appcontext_tearing_down = _signals.signal("appcontext-tearing-down")
appcontext_pushed = _signals.signal("appcontext-pushed")
appcontext_popped = _signals.signal("appcontext-popped")
message_flashed = _signals.signal("message-flashed")


def send(signal: blinker.NamedSignal, sender: Any, **kwargs: Any) -> None:
    """Send ``signal``, running ``async def`` receivers to completion as Flask does."""
    if signal.receivers:
        wrapper: Callable[..., Any] = sender.ensure_sync
        signal.send(sender, _async_wrapper=wrapper, **kwargs)


async def send_async(signal: blinker.NamedSignal, sender: Any, **kwargs: Any) -> None:
    """Send ``signal`` from the event loop: ``async def`` receivers are awaited, sync ones called.

    The async dispatch's form of :func:`send`, which could not run a coroutine receiver from
    a thread that is already running the loop.
    """
    if signal.receivers:
        await signal.send_async(sender, _sync_wrapper=_as_coroutine_function, **kwargs)


def _as_coroutine_function(receiver: Callable[..., Any]) -> Callable[..., Any]:
    async def call(*args: Any, **kwargs: Any) -> Any:
        return receiver(*args, **kwargs)

    return call
