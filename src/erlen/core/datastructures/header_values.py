"""Headers whose value is a structure: :class:`HeaderSet` (``Vary``, ``Allow``: a comma-separated
ordered set) and :class:`CacheControl` (``Cache-Control`` directives as a dict).
"""

from __future__ import annotations

import re
from collections.abc import (
    Callable,
    Iterable,
    Iterator,
    Mapping,
)
from typing import Any

from ..http import (
    is_token,
    quote_header_value,
    unquote_header_value,
)

__all__ = ["HeaderSet", "CacheControl"]


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
