"""Header lists: :class:`Headers`, the mutable, ordered, case-insensitive headers of a response
(and of a request built by hand), and :class:`EnvironHeaders`, a read-only view of a WSGI
environ's headers; both read through :class:`_HeaderReader`, which the ASGI adapter's headers
share. Every name and value set is checked (:class:`InvalidHeader`, APPSEC).
"""

from __future__ import annotations

import functools
from collections.abc import (
    Callable,
    Iterable,
    Iterator,
    Mapping,
)
from typing import Any, TypeVar, overload

from ..errors import BadRequest
from ..http import (
    _has_ctl,
    dump_options_header,
    is_token,
)
from .multidict import _MISSING, BadRequestKeyError

__all__ = ["InvalidHeader", "Headers", "EnvironHeaders"]

T = TypeVar("T")
R = TypeVar("R")


# PERF: the names Erlen itself sets skip the regex check.
_KNOWN_NAMES = frozenset(
    ("Content-Type", "Content-Length", "Location", "Set-Cookie", "Vary", "Cache-Control",
     "ETag", "Last-Modified", "Allow", "Content-Disposition", "Accept-Ranges", "Content-Range",
     "Content-Encoding", "Expires", "X-Content-Type-Options", "X-Sendfile")
)  # fmt: skip

HeaderValue = str | int
HeadersInput = (
    Mapping[str, HeaderValue | Iterable[HeaderValue]] | Iterable[tuple[str, HeaderValue]] | None
)


class InvalidHeader(BadRequest, ValueError):
    """A header name or value that HTTP cannot carry (CR, LF, NUL or another control character;
    non-latin-1 text in a value).

    APPSEC: a ``ValueError`` for code that checks for one, and a 400 when it escapes a view:
    such values nearly always come from client input echoed into a header.
    """

    description = "A header value built from the request is not valid in HTTP."


def _shown(text: str, limit: int = 40) -> str:
    """``text`` quoted for an error message, cut to its first ``limit`` characters.

    APPSEC: the message becomes the 400's description, sent back and logged; the value usually
    comes from the client (a form field, a query parameter), and may be megabytes long.
    """
    return repr(text) if len(text) <= limit else f"{text[:limit]!r}... ({len(text)} characters)"


def _check_name(name: str) -> str:
    if name in _KNOWN_NAMES:
        return name
    if not isinstance(name, str) or not is_token(name):
        if isinstance(name, str) and _has_ctl(name):
            # APPSEC: as for values, CR, LF, NUL or another control character in a name nearly
            # always comes from client input: the same InvalidHeader (a 400), not a 500.
            raise InvalidHeader(
                f"Header name {_shown(name)} contains CR, LF, NUL or another control "
                "character; use letters, digits and !#$%&'*+-.^_`|~"
            )
        shown = _shown(name) if isinstance(name, str) else repr(name)
        raise ValueError(f"Invalid header name {shown}: use letters, digits and !#$%&'*+-.^_`|~")
    return name


def _check_value(value: object) -> str:
    # APPSEC: a CR or LF would end the header and let the value inject headers or a body. NUL
    # and the other control characters (HTAB aside) are not field content (RFC 9110 5.5) and
    # servers differ on them: waitress and uvicorn's h11 send them on, uvicorn's httptools
    # drops the connection without an answer.
    if not isinstance(value, str):
        if isinstance(value, int):
            return str(value)
        raise TypeError(f"A header value must be a str (or an int), not {type(value).__name__}")
    # PERF: isprintable() clears the usual value in one C pass; only a value holding a tab, a
    # non-ASCII or a control character goes on to the regex.
    if not value.isprintable() and _has_ctl(value):
        raise InvalidHeader(
            f"Header value {_shown(value)} contains CR, LF, NUL or another control character; "
            "remove them first"
        )
    if not value.isascii():
        try:
            value.encode("latin-1")
        except UnicodeEncodeError:
            raise InvalidHeader(
                f"Header value {_shown(value)} is not latin-1, which is all HTTP/1.1 headers "
                "carry; percent-encode it (or use RFC 8187 for parameters)"
            ) from None
    # Leading and trailing spaces and tabs are not part of a field value (RFC 9110 5.5); h11
    # (uvicorn --http h11) refuses to send them and drops the connection.
    return value.strip(" \t")


class _HeaderReader:
    """The read API :class:`Headers` and :class:`EnvironHeaders` share, built on ``_first``,
    ``get_all`` and iteration over ``(name, value)`` pairs."""

    __slots__ = ()

    def _first(self, name: str) -> str | None:
        raise NotImplementedError

    def get_all(self, name: str) -> list[str]:
        """Every value of ``name``, in order (an empty list when absent)."""
        raise NotImplementedError

    def __iter__(self) -> Iterator[tuple[str, str]]:
        raise NotImplementedError

    def __getitem__(self, name: str) -> str:
        value = self._first(name)
        if value is None:
            raise BadRequestKeyError(name, f"The request has no {name!r} header.")
        return value

    @overload
    def get(self, name: str) -> str | None: ...
    @overload
    def get(self, name: str, default: T) -> str | T: ...
    @overload
    def get(self, name: str, default: T, type: Callable[[str], R]) -> R | T: ...
    @overload
    def get(self, name: str, *, type: Callable[[str], R]) -> R | None: ...

    def get(self, name: str, default: Any = None, type: Callable[[str], Any] | None = None) -> Any:
        """The first value of ``name``, or ``default``; converted by ``type`` if given, with
        ``default`` when the conversion raises ``ValueError`` or ``TypeError``."""
        value = self._first(name)
        if value is None:
            return default
        if type is None:
            return value
        try:
            return type(value)
        except (ValueError, TypeError):
            return default

    @overload
    def getlist(self, name: str) -> list[str]: ...
    @overload
    def getlist(self, name: str, type: Callable[[str], R]) -> list[R]: ...

    def getlist(self, name: str, type: Callable[[str], Any] | None = None) -> list[Any]:
        """:meth:`get_all`, with values converted by ``type`` (dropping those it rejects)."""
        values = self.get_all(name)
        if type is None:
            return values
        converted = []
        for value in values:
            try:
                converted.append(type(value))
            except (ValueError, TypeError):
                pass
        return converted

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._first(name) is not None

    def items(self) -> Iterator[tuple[str, str]]:
        return iter(self)

    def keys(self) -> Iterator[str]:
        """The name of every pair (a repeated name is repeated)."""
        return (name for name, _ in self)

    def values(self) -> Iterator[str]:
        return (value for _, value in self)

    def to_wsgi_list(self) -> list[tuple[str, str]]:
        """The pairs as a new list, ready for ``start_response``."""
        return list(self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self)!r})"


class Headers(_HeaderReader):
    """An ordered list of ``(name, value)`` header pairs with case-insensitive lookup by name.

    Iterating yields the pairs and ``len()`` counts them (a name may occur several times, as
    ``Set-Cookie`` does). ``h[name]`` / ``h.get(name)`` give the first value, ``h.get_all(name)``
    every one; ``h[name] = value`` replaces all values of a name, ``h.add(name, value)`` appends.

    APPSEC: names must be RFC 9110 tokens and values may not contain CR, LF or NUL, so data put
    into a header cannot add headers of its own (``ValueError``). Values are ``str``; ``int`` is
    accepted and converted.
    """

    __slots__ = ("_items",)

    def __init__(self, defaults: Headers | HeadersInput = None) -> None:
        self._items: list[tuple[str, str]] = []
        if isinstance(defaults, Headers):
            self._items = defaults._items[:]  # already checked
        elif defaults is not None:
            self.extend(defaults)

    @classmethod
    def _from_checked(cls, items: list[tuple[str, str]]) -> Headers:
        """Headers over ``items`` as given, without validation or copying.

        PERF: for pairs the framework built itself from checked parts (a response's own
        Content-Type and Content-Length); anything from users goes through the checks.
        """
        headers = cls.__new__(cls)
        headers._items = items
        return headers

    # -- reading ---------------------------------------------------------------------------

    def _first(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self._items:
            if key.lower() == lowered:
                return value
        return None

    def get_all(self, name: str) -> list[str]:
        lowered = name.lower()
        return [value for key, value in self._items if key.lower() == lowered]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._items)

    def to_wsgi_list(self) -> list[tuple[str, str]]:
        return self._items[:]  # PERF: a copy without going through __iter__

    def __len__(self) -> int:
        return len(self._items)

    def copy(self) -> Headers:
        return Headers(self)

    __copy__ = copy

    def __eq__(self, other: object) -> bool:
        """Equal when each name has the same values in the same order (name case and the
        interleaving of different names do not matter)."""
        if not isinstance(other, Headers):
            return NotImplemented
        return _grouped(self._items) == _grouped(other._items)

    __hash__ = None  # type: ignore[assignment]

    # -- writing ---------------------------------------------------------------------------

    def add(self, name: str, value: HeaderValue, **params: str | None) -> None:
        """Append a pair. Keyword ``params`` are rendered as ``; key=value`` options, quoted as
        needed (underscores in keys become dashes)::

            headers.add("Content-Disposition", "attachment", filename="report.pdf")
        """
        checked = _check_name(name)
        # PERF: without params, straight to the value check (no _with_params call).
        text = _check_value(value) if not params else _with_params(value, params)
        self._items.append((checked, text))

    def set(self, name: str, value: HeaderValue, **params: str | None) -> None:
        """Replace every value of ``name`` by this one, at the position of the first."""
        self._replace(_check_name(name), _with_params(value, params))

    def __setitem__(self, name: str, value: HeaderValue) -> None:
        self._replace(_check_name(name), _check_value(value))

    def _replace(self, name: str, text: str) -> None:
        lowered = name.lower()
        items = self._items
        for index, (key, _) in enumerate(items):
            if key.lower() == lowered:
                rest = [item for item in items[index + 1 :] if item[0].lower() != lowered]
                items[index:] = [(name, text), *rest]
                return
        items.append((name, text))

    def setdefault(self, name: str, default: HeaderValue) -> str:
        """The first value of ``name``, after adding ``default`` if there is none."""
        existing = self._first(name)
        if existing is not None:
            return existing
        self.add(name, default)
        return self._items[-1][1]

    def extend(self, other: Headers | HeadersInput = None, /, **values: HeaderValue) -> None:
        """Append every pair of ``other`` and of keyword ``values``. A mapping's list or tuple
        values give several pairs, and so do multi-dicts (Erlen's or Werkzeug's, read through
        their ``lists()``)."""
        if isinstance(other, Headers):
            self._items.extend(other._items)
        elif other is not None:
            append = self._items.append
            for name, value in _input_pairs(other):
                if isinstance(value, (list, tuple)):
                    for item in value:
                        append((_check_name(name), _check_value(item)))
                else:
                    append((_check_name(name), _check_value(value)))
        if values:
            self.extend(values)

    def update(self, other: Headers | HeadersInput = None, /, **values: HeaderValue) -> None:
        """Replace the values of each name found in ``other`` (and in keyword ``values``) by
        the values it gives there."""
        incoming = Headers(other)
        incoming.extend(values)
        names = {key.lower() for key, _ in incoming._items}
        self._items = [pair for pair in self._items if pair[0].lower() not in names]
        self._items.extend(incoming._items)

    def setlist(self, name: str, values: Iterable[HeaderValue]) -> None:
        """Replace every value of ``name`` by ``values`` (none: the header is removed)."""
        checked = _check_name(name)
        texts = [_check_value(value) for value in values]
        self.remove(checked)
        self._items.extend((checked, text) for text in texts)

    def add_header(self, name: str, value: HeaderValue, **params: str | None) -> None:
        """:meth:`add` under the name ``wsgiref.headers.Headers`` and Werkzeug also use."""
        self.add(name, value, **params)

    def remove(self, name: str) -> None:
        """Drop every pair named ``name`` (nothing happens when there is none)."""
        lowered = name.lower()
        self._items = [pair for pair in self._items if pair[0].lower() != lowered]

    def __delitem__(self, name: str) -> None:
        """As :meth:`remove`: as in Werkzeug, deleting an absent header is not an error."""
        self.remove(name)

    @overload
    def pop(self, name: str) -> str: ...
    @overload
    def pop(self, name: str, default: T) -> str | T: ...

    def pop(self, name: str, default: Any = _MISSING) -> Any:
        """Remove every pair named ``name`` and return the first value (``KeyError`` if there is
        none and no ``default``)."""
        value = self._first(name)
        if value is None:
            if default is _MISSING:
                raise BadRequestKeyError(name, f"The request has no {name!r} header.")
            return default
        self.remove(name)
        return value

    def clear(self) -> None:
        self._items.clear()


def _with_params(value: HeaderValue, params: Mapping[str, str | None]) -> str:
    text = _check_value(value)
    if not params:
        return text
    options = {key.replace("_", "-"): param for key, param in params.items()}
    return _check_value(dump_options_header(text, options))


def _input_pairs(other: Any) -> Iterable[tuple[str, Any]]:
    """The ``(name, value)`` pairs of a mapping, a multi-dict or an iterable of pairs."""
    lists = getattr(other, "lists", None)
    if lists is not None:  # a multi-dict: every value of every key, not only the first
        return ((name, value) for name, values in lists() for value in values)
    if isinstance(other, Mapping):
        return other.items()
    return other  # type: ignore[no-any-return]


def _grouped(items: list[tuple[str, str]]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for key, value in items:
        groups.setdefault(key.lower(), []).append(value)
    return groups


_CGI_KEYS = ("CONTENT_TYPE", "CONTENT_LENGTH")


@functools.lru_cache(maxsize=1024)
def _environ_key(name: str) -> str:
    """The environ key of header ``name``: ``Accept-Language`` is ``HTTP_ACCEPT_LANGUAGE``,
    Content-Type and Content-Length have CGI's own keys.

    PERF: remembered per name; an app asks for the same few names on every request.
    """
    key = name.upper().replace("-", "_")
    return key if key in _CGI_KEYS else "HTTP_" + key


class EnvironHeaders(_HeaderReader):
    """The request headers of a WSGI environ, read-only, with the read API of :class:`Headers`.

    PERF: one is made per request, so construction only stores the environ; a lookup finds the
    key (``"Accept-Language"`` -> ``HTTP_ACCEPT_LANGUAGE``) in a table shared by every request.
    Values are the environ's own strings: per PEP 3333, bytes decoded as latin-1. An empty
    ``CONTENT_TYPE`` or ``CONTENT_LENGTH`` counts as absent, as CGI sets them so.

    The server has already joined repeated headers into one value. Since ``-`` and ``_`` both
    map to ``_`` in the environ, ``X-Token`` and ``X_Token`` cannot be told apart here; servers
    such as waitress and gunicorn drop names with underscores for that reason.
    """

    __slots__ = ("environ",)

    def __init__(self, environ: Mapping[str, Any]) -> None:
        self.environ = environ

    def get(self, name: str, default: Any = None, type: Callable[[str], Any] | None = None) -> Any:
        if type is not None:
            return super().get(name, default, type)
        # PERF: the lookup itself is here, not in _first(): get() is what apps, extensions and
        # the framework call, several times a request, and this saves each a call.
        key = _environ_key(name)
        value: str | None = self.environ.get(key)
        if value is None or (not value and key in _CGI_KEYS):
            return default  # CGI writes an absent Content-Type or Content-Length as ""
        return value

    def _first(self, name: str) -> str | None:
        value: str | None = self.get(name)
        return value

    def get_all(self, name: str) -> list[str]:
        value = self._first(name)
        return [] if value is None else [value]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        """``(Name, value)`` pairs, names rebuilt in title case (``HTTP_X_REAL_IP`` gives
        ``X-Real-Ip``)."""
        for key, value in self.environ.items():
            if key.startswith("HTTP_"):
                if key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):  # unprefixed win
                    yield key[5:].replace("_", "-").title(), value
            elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
                yield key.replace("_", "-").title(), value

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __bool__(self) -> bool:
        return any(True for _ in self)

    def copy(self) -> Headers:
        """A mutable :class:`Headers` with the same pairs (``ValueError`` if a value holds CR,
        LF or NUL, which a conforming server never passes on)."""
        return Headers(list(self))


# -- FileStorage -------------------------------------------------------------------------------
