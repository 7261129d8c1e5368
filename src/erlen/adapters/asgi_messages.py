"""ASGI's message types and headers, shared by the HTTP side (``asgi.py``) and WebSockets.

:class:`ASGIHeaders` reads a scope's request headers as bytes pairs, without copying them;
:func:`encode_headers` turns a response's headers into the pairs ASGI sends.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import Any

from ..core.datastructures.headers import _HeaderReader

__all__ = ["ASGIHeaders", "Message", "Receive", "Send", "encode_headers"]

Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class ASGIHeaders(_HeaderReader):
    """The request headers of an ASGI scope, read-only, with the read API of :class:`Headers`.

    PERF: like WSGI's :class:`~erlen.datastructures.EnvironHeaders`, construction only keeps
    the scope's list; a lookup encodes the name once and compares bytes, and decodes (latin-1)
    only the value it returns. Servers send names in lower case, as ASGI asks; iteration gives
    them in title case, as under WSGI.
    """

    __slots__ = ("raw",)

    def __init__(self, raw: Iterable[tuple[bytes, bytes]]) -> None:
        self.raw = raw

    def _first(self, name: str) -> str | None:
        # Repeated headers come back joined, as a WSGI server joins them ("; " for Cookie,
        # which HTTP/2 clients send as several headers).
        try:
            key = name.lower().encode("latin-1")
        except UnicodeEncodeError:
            return None
        found: str | None = None
        for raw_name, value in self.raw:
            if raw_name == key:
                text = value.decode("latin-1")
                if found is None:
                    found = text
                else:
                    found = f"{found}{'; ' if key == b'cookie' else ', '}{text}"
        return found

    def get_all(self, name: str) -> list[str]:
        try:
            key = name.lower().encode("latin-1")
        except UnicodeEncodeError:
            return []
        return [value.decode("latin-1") for raw_name, value in self.raw if raw_name == key]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        for name, value in self.raw:
            yield name.decode("latin-1").title(), value.decode("latin-1")

    def __len__(self) -> int:
        return sum(1 for _ in self.raw)


#: Response headers whose values are few, public and the same from answer to answer (the
#: framework's own type, length, nosniff, caching), so their encoded pairs may be kept. Never
#: a cookie, a location or anything else that carries one client's data.
_KEPT_NAMES = frozenset(
    ("Content-Type", "Content-Length", "X-Content-Type-Options", "Cache-Control", "Vary")
)


def encode_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    """Response headers as ASGI wants them: lower-case names, latin-1 bytes."""
    return [
        _encode_kept(name, value)
        if name in _KEPT_NAMES
        else (_encode_name(name), value.encode("latin-1"))
        for name, value in headers
    ]


@functools.lru_cache(maxsize=256)
def _encode_kept(name: str, value: str) -> tuple[bytes, bytes]:
    # PERF: one cache hit instead of lowering and encoding both halves, for the headers most
    # answers share (see _KEPT_NAMES).
    return _encode_name(name), value.encode("latin-1")


#: Connection-level headers: the server's to set, never the app's (PEP 3333 says the same).
_HOP_BY_HOP = frozenset(
    ("connection", "keep-alive", "proxy-connection", "te", "transfer-encoding", "upgrade")
)


@functools.lru_cache(maxsize=256)
def _encode_name(name: str) -> bytes:
    # PERF: header names repeat from response to response; a cache hit is cheaper than
    # lowering and encoding again. Values are kept only for _KEPT_NAMES (see _encode_kept).
    lowered = name.lower()
    if lowered in _HOP_BY_HOP:
        # APPSEC: uvicorn passes an app's Transfer-Encoding on next to the Content-Length, and
        # frames the body by one or the other: a client or proxy that reads the other one is
        # out of step with the connection. Refused, as waitress refuses it under WSGI (a
        # ValueError is never cached, so this check costs nothing on the usual names).
        raise ValueError(
            f"A response may not set the {name!r} header: the server frames the body and "
            "manages the connection itself"
        )
    return lowered.encode("latin-1")
