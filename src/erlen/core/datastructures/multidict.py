"""Multi-valued dicts: query strings, form fields, cookies, uploaded files, where one key may
carry several values (``?tag=a&tag=b``).

Looking up a missing key raises :class:`BadRequestKeyError`, both a ``KeyError`` and a
:class:`~erlen.errors.BadRequest`, so ``request.args["page"]`` without ``page`` answers 400.
"""

from __future__ import annotations

import enum
from collections.abc import (
    Callable,
    Iterable,
    Iterator,
    KeysView,
    Mapping,
    MutableMapping,
)
from typing import Any, Generic, NoReturn, TypeVar, overload

from ..errors import BadRequest

__all__ = ["BadRequestKeyError", "MultiDict", "ImmutableMultiDict"]

V = TypeVar("V")
T = TypeVar("T")
R = TypeVar("R")


class _Missing(enum.Enum):
    """Sentinel for "no default given", distinct from an explicit ``None``."""

    MISSING = enum.auto()


_MISSING = _Missing.MISSING


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
        elif type(mapping) is dict or isinstance(mapping, Mapping):  # PERF: a dict skips the ABC
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
