"""The containers a request and a response are made of: multi-valued dicts, headers, uploads.

* :class:`MultiDict` / :class:`ImmutableMultiDict` hold query strings, form fields, cookies and
  uploaded files, where one key may carry several values (``?tag=a&tag=b``).
* :class:`Headers` is the mutable, ordered, case-insensitive header list of a response (and of a
  request built by hand); :class:`EnvironHeaders` is a read-only view of a WSGI environ's headers.
* :class:`HeaderSet` is a comma-separated header (``Vary``, ``Allow``) as an ordered set.
* :class:`FileStorage` is one uploaded file.

Looking up a missing key raises :class:`BadRequestKeyError`, which is both a ``KeyError`` and a
:class:`~erlen.errors.BadRequest`: a view that does ``request.args["page"]`` on a request without
``page`` answers 400, as in Flask, instead of failing with a 500.
"""

from __future__ import annotations

import enum
import os
import re
from collections.abc import (
    Callable,
    Iterable,
    Iterator,
    KeysView,
    Mapping,
    MutableMapping,
)
from typing import IO, Any, Generic, NoReturn, TypeVar, overload

from .errors import BadRequest
from .http import (
    _has_ctl,
    dump_options_header,
    is_token,
    parse_options_header,
    quote_header_value,
    unquote_header_value,
)

__all__ = [
    "BadRequestKeyError",
    "MultiDict",
    "ImmutableMultiDict",
    "Headers",
    "EnvironHeaders",
    "HeaderSet",
    "CacheControl",
    "FileStorage",
]

V = TypeVar("V")
T = TypeVar("T")
R = TypeVar("R")


class _Missing(enum.Enum):
    """Sentinel for "no default given", distinct from an explicit ``None``."""

    MISSING = enum.auto()


_MISSING = _Missing.MISSING


class InvalidHeader(BadRequest, ValueError):
    """A header name or value that HTTP cannot carry (CR, LF, NUL or another control character;
    non-latin-1 text in a value).

    APPSEC: a ``ValueError`` for code that checks for one, and a 400 when it escapes a view:
    such values nearly always come from client input echoed into a header.
    """

    description = "A header value built from the request is not valid in HTTP."


class BadRequestKeyError(BadRequest, KeyError):
    """A key the request lacks: a ``KeyError`` for Python code, a 400 answer for the client.

    ``args[0]`` is the missing key, as for a plain ``KeyError``; ``description`` names it so the
    client learns which parameter or header to send.
    """

    def __init__(self, key: str, description: str | None = None) -> None:
        BadRequest.__init__(self, description or f"The request has no {key!r} field.")
        self.args = (key,)
        self.key = key

    def __str__(self) -> str:
        return BadRequest.__str__(self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.key!r})"


# -- MultiDict ---------------------------------------------------------------------------------


class MultiDict(Generic[V]):
    """A dict whose keys may each hold several values, in the order they were added.

    ``d[key]`` and ``d.get(key)`` give the first value, ``d.getlist(key)`` all of them.
    ``len(d)`` counts keys; ``items(multi=True)`` yields every ``(key, value)`` pair. Built from a
    mapping (list or tuple values become several values), from ``(key, value)`` pairs, or from
    another ``MultiDict``.
    """

    __slots__ = ("_lists",)
    _lists: dict[str, list[V]]

    def __init__(
        self,
        mapping: MultiDict[V]
        | Mapping[str, V]
        | Mapping[str, list[V]]
        | Iterable[tuple[str, V]]
        | None = None,
    ) -> None:
        lists: dict[str, list[V]] = {}
        pairs: Iterable[tuple[str, V]] = ()
        # PERF: a plain list of pairs (what the query, form and cookie parsers give) is told by
        # its exact type first, skipping the isinstance() check against the Mapping ABC.
        if type(mapping) is list:
            pairs = mapping
        elif mapping is None:
            pass
        elif isinstance(mapping, MultiDict):
            lists = {key: values[:] for key, values in mapping._lists.items()}
        elif isinstance(mapping, Mapping):
            for key, value in mapping.items():
                if isinstance(value, (list, tuple)):
                    if value:
                        lists[key] = list(value)
                else:
                    lists[key] = [value]
        else:
            pairs = mapping
        # get() beats setdefault(), which would build a throwaway list for every pair.
        for key, value in pairs:
            bucket = lists.get(key)
            if bucket is None:
                lists[key] = [value]
            else:
                bucket.append(value)
        self._lists = lists

    # -- reading ---------------------------------------------------------------------------

    def __getitem__(self, key: str) -> V:
        values = self._lists.get(key)
        if not values:
            raise BadRequestKeyError(key)
        return values[0]

    @overload
    def get(self, key: str) -> V | None: ...
    @overload
    def get(self, key: str, default: T) -> V | T: ...
    @overload
    def get(self, key: str, default: T, type: Callable[[V], R]) -> R | T: ...
    @overload
    def get(self, key: str, *, type: Callable[[V], R]) -> R | None: ...

    def get(self, key: str, default: Any = None, type: Callable[[V], Any] | None = None) -> Any:
        """The first value for ``key``, or ``default``.

        With ``type``, the value is converted by it, and a ``ValueError`` or ``TypeError`` from the
        conversion gives ``default``: ``request.args.get("page", 1, type=int)``.
        """
        values = self._lists.get(key)
        if not values:
            return default
        if type is None:
            return values[0]
        try:
            return type(values[0])
        except (ValueError, TypeError):
            return default

    @overload
    def getlist(self, key: str) -> list[V]: ...
    @overload
    def getlist(self, key: str, type: Callable[[V], R]) -> list[R]: ...

    def getlist(self, key: str, type: Callable[[V], Any] | None = None) -> list[Any]:
        """All values for ``key`` (a new list, empty when absent); with ``type``, converted values,
        leaving out those the conversion rejects with ``ValueError`` or ``TypeError``."""
        values = self._lists.get(key)
        if not values:
            return []
        if type is None:
            return values[:]
        converted = []
        for value in values:
            try:
                converted.append(type(value))
            except (ValueError, TypeError):
                pass
        return converted

    def __contains__(self, key: object) -> bool:
        return key in self._lists

    def __iter__(self) -> Iterator[str]:
        return iter(self._lists)

    def __len__(self) -> int:
        return len(self._lists)

    def keys(self) -> KeysView[str]:
        return self._lists.keys()

    def values(self) -> Iterator[V]:
        """The first value of each key."""
        for values in self._lists.values():
            yield values[0]

    def listvalues(self) -> Iterator[list[V]]:
        """All values of each key, as new lists."""
        for values in self._lists.values():
            yield values[:]

    def items(self, multi: bool = False) -> Iterator[tuple[str, V]]:
        """``(key, first value)`` pairs; every ``(key, value)`` pair with ``multi=True``."""
        if multi:
            for key, values in self._lists.items():
                for value in values:
                    yield key, value
        else:
            for key, values in self._lists.items():
                yield key, values[0]

    def lists(self) -> Iterator[tuple[str, list[V]]]:
        """``(key, all values)`` pairs, the lists being copies."""
        for key, values in self._lists.items():
            yield key, values[:]

    @overload
    def to_dict(self) -> dict[str, V]: ...
    @overload
    def to_dict(self, flat: bool) -> dict[str, V] | dict[str, list[V]]: ...

    def to_dict(self, flat: bool = True) -> dict[str, V] | dict[str, list[V]]:
        """A plain dict: first values when ``flat``, lists of all values otherwise."""
        if flat:
            return {key: values[0] for key, values in self._lists.items()}
        return {key: values[:] for key, values in self._lists.items()}

    def copy(self) -> MultiDict[V]:
        """A mutable shallow copy (also of an :class:`ImmutableMultiDict`)."""
        return MultiDict(self)

    __copy__ = copy

    def __eq__(self, other: object) -> bool:
        if isinstance(other, MultiDict):
            return self._lists == other._lists
        if isinstance(other, Mapping):
            return self.to_dict() == dict(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self.items(multi=True))!r})"

    # -- writing ---------------------------------------------------------------------------

    def __setitem__(self, key: str, value: V) -> None:
        """Replace all values of ``key`` with ``value``."""
        self._lists[key] = [value]

    def __delitem__(self, key: str) -> None:
        del self._lists[key]

    def add(self, key: str, value: V) -> None:
        """Append ``value`` to the values of ``key``."""
        bucket = self._lists.get(key)
        if bucket is None:
            self._lists[key] = [value]
        else:
            bucket.append(value)

    def setlist(self, key: str, values: Iterable[V]) -> None:
        """Replace the values of ``key``; an empty iterable removes the key."""
        new = list(values)
        if new:
            self._lists[key] = new
        else:
            self._lists.pop(key, None)

    def setdefault(self, key: str, default: V) -> V:
        """The first value of ``key``, after setting it to ``default`` if absent."""
        values = self._lists.get(key)
        if values:
            return values[0]
        self._lists[key] = [default]
        return default

    def setlistdefault(self, key: str, default: Iterable[V] = ()) -> list[V]:
        """The live list of values of ``key``, set to ``default`` first if absent."""
        values = self._lists.get(key)
        if values is None:
            values = self._lists[key] = list(default)
        return values

    @overload
    def pop(self, key: str) -> V: ...
    @overload
    def pop(self, key: str, default: T) -> V | T: ...

    def pop(self, key: str, default: Any = _MISSING) -> Any:
        """Remove ``key`` and return its first value (or ``default``; ``KeyError`` without)."""
        values = self._lists.pop(key, None)
        if not values:
            if default is _MISSING:
                raise BadRequestKeyError(key)
            return default
        return values[0]

    def poplist(self, key: str) -> list[V]:
        """Remove ``key`` and return all its values (an empty list when absent)."""
        return self._lists.pop(key, [])

    def popitem(self) -> tuple[str, V]:
        """Remove the last key and return it with its first value."""
        key, values = self._lists.popitem()
        return key, values[0]

    def update(
        self, other: MultiDict[V] | Mapping[str, V] | Iterable[tuple[str, V]] | None = None
    ) -> None:
        """Add the values of ``other`` to the existing ones (unlike ``dict.update``)."""
        source = other if isinstance(other, MultiDict) else MultiDict(other)
        for key, value in source.items(multi=True):
            self.add(key, value)

    def clear(self) -> None:
        self._lists.clear()


MutableMapping.register(MultiDict)


class ImmutableMultiDict(MultiDict[V]):
    """A :class:`MultiDict` that refuses changes, as the request's ``args``, ``form`` and
    ``files`` are: they describe what the client sent. ``copy()`` gives a mutable one."""

    __slots__ = ()

    def _immutable(self, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError(
            f"{type(self).__name__} is immutable; use .copy() to get a mutable MultiDict"
        )

    __setitem__ = __delitem__ = add = setlist = setdefault = setlistdefault = _immutable
    pop = poplist = popitem = update = clear = _immutable

    def __copy__(self) -> ImmutableMultiDict[V]:
        return self  # nothing can change it, so sharing is safe

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(self.items(multi=True)))


# -- Headers -----------------------------------------------------------------------------------

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


def _check_name(name: str) -> str:
    if name in _KNOWN_NAMES:
        return name
    if not isinstance(name, str) or not is_token(name):
        if isinstance(name, str) and _has_ctl(name):
            # APPSEC: as for values, CR, LF, NUL or another control character in a name nearly
            # always comes from client input: the same InvalidHeader (a 400), not a 500.
            raise InvalidHeader(f"Header name {name!r} contains CR, LF, NUL or another control "
                                "character; use letters, digits and !#$%&'*+-.^_`|~")  # fmt: skip
        raise ValueError(f"Invalid header name {name!r}: use letters, digits and !#$%&'*+-.^_`|~")
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
            f"Header value {value!r} contains CR, LF, NUL or another control character; "
            "remove them first"
        )
    if not value.isascii():
        try:
            value.encode("latin-1")
        except UnicodeEncodeError:
            raise InvalidHeader(
                f"Header value {value!r} is not latin-1, which is all HTTP/1.1 headers carry; "
                "percent-encode it (or use RFC 8187 for parameters)"
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


class HeaderSet:
    """A comma-separated header (``Vary``, ``Allow``, ``Content-Language``) as an ordered set.

    Membership ignores case and the first spelling is kept. With ``on_update``, every change
    calls it with the set, which is how ``response.vary.add("Origin")`` rewrites the response's
    ``Vary`` header, as Werkzeug's ``HeaderSet`` does.
    """

    __slots__ = ("_items", "on_update")

    def __init__(
        self,
        items: Iterable[str] = (),
        on_update: Callable[[HeaderSet], None] | None = None,
    ) -> None:
        self._items: list[str] = []
        for item in items:
            if item not in self:
                self._items.append(item)
        self.on_update = on_update

    @classmethod
    def parse(
        cls, values: Iterable[str], on_update: Callable[[HeaderSet], None] | None = None
    ) -> HeaderSet:
        """The set of the comma-separated items in one or more header values."""
        items = (item.strip() for value in values for item in value.split(","))
        return cls([item for item in items if item], on_update)

    def _changed(self) -> None:
        if self.on_update is not None:
            self.on_update(self)

    def add(self, item: str) -> None:
        self.update((item,))

    def update(self, items: Iterable[str]) -> None:
        """Add each item not already in the set, keeping the order given."""
        added = False
        for item in items:
            if item not in self:
                self._items.append(item)
                added = True
        if added:
            self._changed()

    def discard(self, item: str) -> None:
        index = self.find(item)
        if index >= 0:
            del self._items[index]
            self._changed()

    def remove(self, item: str) -> None:
        """Remove ``item``; ``KeyError`` when it is not in the set."""
        if item not in self:
            raise KeyError(item)
        self.discard(item)

    def clear(self) -> None:
        self._items.clear()
        self._changed()

    def find(self, item: str) -> int:
        """The position of ``item`` (any case), -1 when it is not in the set."""
        lowered = item.lower()
        for index, existing in enumerate(self._items):
            if existing.lower() == lowered:
                return index
        return -1

    def index(self, item: str) -> int:
        index = self.find(item)
        if index < 0:
            raise IndexError(item)
        return index

    def as_set(self, preserve_casing: bool = False) -> set[str]:
        return set(self._items) if preserve_casing else {item.lower() for item in self._items}

    def to_header(self) -> str:
        return ", ".join(self._items)

    __str__ = to_header

    def __contains__(self, item: object) -> bool:
        return isinstance(item, str) and self.find(item) >= 0

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __bool__(self) -> bool:
        return bool(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, HeaderSet):
            return self.as_set() == other.as_set()
        if isinstance(other, (set, frozenset, list, tuple)):
            return self.as_set() == {str(item).lower() for item in other}
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"HeaderSet({self._items!r})"


_DIRECTIVE = re.compile(r'\s*([^\s=,]+)\s*(?:=\s*("(?:[^"\\]|\\.)*"|[^,]*?))?\s*(?:,|$)')


class _Directive:
    """One ``Cache-Control`` directive as an attribute of :class:`CacheControl`.

    ``kind`` says what the attribute holds: ``"flag"`` True when present; ``"seconds"`` an int
    or None; ``"flag_or_value"`` True when present bare, its value when it has one (``private``
    and ``no-cache`` may name header fields), None when absent.
    """

    def __init__(self, name: str, kind: str) -> None:
        self.name = name
        self.kind = kind

    def __get__(self, instance: CacheControl | None, owner: type) -> Any:
        if instance is None:
            return self
        if self.name not in instance:
            return False if self.kind == "flag" else None
        value = instance[self.name]
        if self.kind == "flag":
            return True
        if self.kind == "seconds":
            return int(value) if value is not None and value.isdigit() else None
        return True if value is None else value

    def __set__(self, instance: CacheControl, value: Any) -> None:
        if value is None or value is False:
            instance.pop(self.name, None)
        elif value is True:
            instance[self.name] = None
        elif self.kind == "seconds":
            instance[self.name] = str(int(value))
        else:
            instance[self.name] = str(value)

    def __delete__(self, instance: CacheControl) -> None:
        instance.pop(self.name, None)


class CacheControl(dict[str, str | None]):
    """A ``Cache-Control`` header as its directives: ``response.cache_control.max_age = 300``.

    A dict from directive name to value (None for a bare one, ``no-store``) with the common
    directives as typed attributes, as Werkzeug offers it. With ``on_update``, every change
    calls it with the object, which is how the response's header is rewritten.
    """

    no_store = _Directive("no-store", "flag")
    no_transform = _Directive("no-transform", "flag")
    public = _Directive("public", "flag")
    must_revalidate = _Directive("must-revalidate", "flag")
    proxy_revalidate = _Directive("proxy-revalidate", "flag")
    immutable = _Directive("immutable", "flag")
    must_understand = _Directive("must-understand", "flag")
    only_if_cached = _Directive("only-if-cached", "flag")
    no_cache = _Directive("no-cache", "flag_or_value")
    private = _Directive("private", "flag_or_value")
    max_age = _Directive("max-age", "seconds")
    s_maxage = _Directive("s-maxage", "seconds")
    max_stale = _Directive("max-stale", "seconds")
    min_fresh = _Directive("min-fresh", "seconds")
    stale_while_revalidate = _Directive("stale-while-revalidate", "seconds")
    stale_if_error = _Directive("stale-if-error", "seconds")

    def __init__(
        self,
        directives: Mapping[str, str | None] | Iterable[tuple[str, str | None]] = (),
        on_update: Callable[[CacheControl], None] | None = None,
    ) -> None:
        super().__init__(directives)
        self.on_update = on_update

    @classmethod
    def parse(
        cls, value: str | None, on_update: Callable[[CacheControl], None] | None = None
    ) -> CacheControl:
        """The directives of one header value; a malformed part is skipped, not an error."""
        found: dict[str, str | None] = {}
        for match in _DIRECTIVE.finditer(value or ""):
            name, raw = match.group(1), match.group(2)
            if raw is not None and raw.startswith('"'):
                raw = unquote_header_value(raw)
            found[name.lower()] = raw
        return cls(found, on_update)

    def to_header(self) -> str:
        return ", ".join(
            name
            if value is None
            else f"{name}={value if is_token(value) else quote_header_value(value)}"
            for name, value in self.items()
        )

    __str__ = to_header

    def _changed(self) -> None:
        if self.on_update is not None:
            self.on_update(self)

    def __setitem__(self, key: str, value: str | None) -> None:
        super().__setitem__(key.lower(), value)
        self._changed()

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key.lower())
        self._changed()

    def pop(self, key: str, *default: Any) -> Any:
        value = super().pop(key.lower(), *default)
        self._changed()
        return value

    def setdefault(self, key: str, default: str | None = None) -> str | None:
        if key.lower() not in self:
            self[key] = default
        return super().__getitem__(key.lower())

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            super().__setitem__(key.lower(), value)
        self._changed()

    def clear(self) -> None:
        super().clear()
        self._changed()

    def __repr__(self) -> str:
        return f"<CacheControl {self.to_header()!r}>"


class EnvironHeaders(_HeaderReader):
    """The request headers of a WSGI environ, read-only, with the read API of :class:`Headers`.

    PERF: one is made per request, so construction only stores the environ; a lookup computes
    the key (``"Accept-Language"`` -> ``HTTP_ACCEPT_LANGUAGE``). Values are the environ's own
    strings: per PEP 3333, bytes decoded as latin-1. An empty ``CONTENT_TYPE`` or
    ``CONTENT_LENGTH`` counts as absent, as CGI sets them so.

    The server has already joined repeated headers into one value. Since ``-`` and ``_`` both
    map to ``_`` in the environ, ``X-Token`` and ``X_Token`` cannot be told apart here; servers
    such as waitress and gunicorn drop names with underscores for that reason.
    """

    __slots__ = ("environ",)

    def __init__(self, environ: Mapping[str, Any]) -> None:
        self.environ = environ

    def _first(self, name: str) -> str | None:
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            return self.environ.get(key) or None
        return self.environ.get("HTTP_" + key)

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


class FileStorage:
    """An uploaded file: its data ``stream`` plus what the client said about it.

    ``filename`` is the client's name for the file, unsanitised: never use it as a path
    without cleaning it first. ``name`` is the form field's name. Reading methods and
    unknown attributes are passed on to ``stream``, so a ``FileStorage`` works where a file
    object is expected (``PIL.Image.open(upload)``).
    """

    __slots__ = (
        "stream", "filename", "name", "content_type", "content_length", "headers", "_parsed",
    )  # fmt: skip

    def __init__(
        self,
        stream: IO[bytes],
        filename: str | None = None,
        name: str | None = None,
        content_type: str | None = None,
        content_length: int | None = None,
        headers: Headers | None = None,
    ) -> None:
        self.stream = stream
        self.filename = filename
        self.name = name
        self.headers = headers if headers is not None else Headers()
        if content_type is None:
            content_type = self.headers.get("Content-Type")
        self.content_type = content_type
        if content_length is None:
            content_length = self.headers.get("Content-Length", type=int)
        self.content_length = content_length
        self._parsed: tuple[str, dict[str, str]] | None = None

    def _parse_content_type(self) -> tuple[str, dict[str, str]]:
        if self._parsed is None:
            self._parsed = parse_options_header(self.content_type)
        return self._parsed

    @property
    def mimetype(self) -> str:
        """The content type without parameters, lower case (``""`` when the client sent none)."""
        return self._parse_content_type()[0]

    @property
    def mimetype_params(self) -> dict[str, str]:
        """The content type's parameters (``{"charset": "utf-8"}``)."""
        return dict(self._parse_content_type()[1])

    def save(self, dst: str | os.PathLike[str] | IO[bytes], buffer_size: int = 16384) -> None:
        """Copy the data to a path (created or truncated) or into a binary file object.

        The copy starts at the stream's current position and does not close ``dst`` when it is
        a file object.
        """
        if isinstance(dst, (str, os.PathLike)):
            with open(dst, "wb") as target:
                self._copy_to(target, buffer_size)
        else:
            self._copy_to(dst, buffer_size)

    def _copy_to(self, target: IO[bytes], buffer_size: int) -> None:
        read = self.stream.read
        while chunk := read(buffer_size):
            target.write(chunk)

    def read(self, size: int = -1) -> bytes:
        return self.stream.read(size)

    def readline(self, size: int = -1) -> bytes:
        return self.stream.readline(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.stream.seek(offset, whence)

    def tell(self) -> int:
        return self.stream.tell()

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.stream)

    def close(self) -> None:
        """Close the stream, deleting its temporary file if it was spooled to disk."""
        self.stream.close()

    def __enter__(self) -> FileStorage:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:
        if name == "stream":  # not set yet (copy, unpickling): do not recurse
            raise AttributeError(name)
        return getattr(self.stream, name)

    def __bool__(self) -> bool:
        """False for the empty part browsers send when no file was chosen."""
        return bool(self.filename)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.filename!r} ({self.content_type!r})>"
