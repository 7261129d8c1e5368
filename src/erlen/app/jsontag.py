"""Tagged JSON: a compact, lossless JSON form for tuples, bytes, Markup, UUIDs and datetimes.

The signed-cookie session stores its dict with :class:`TaggedJSONSerializer`. A value JSON
cannot hold becomes a one-key object whose key names the type: ``(1, 2)`` is written
``{" t": [1, 2]}``, ``b"\\xff"`` is ``{" b": "/w=="}``. The keys (``" t"``, ``" b"``, ``" m"``,
``" u"``, ``" d"``, ``" di"``) are Flask's, so a session cookie written by a Flask app reads in
Erlen, and the other way round.

Add a type by subclassing :class:`JSONTag` and registering it::

    class TagFraction(JSONTag):
        key = " fr"

        def check(self, value):
            return isinstance(value, Fraction)

        def to_json(self, value):
            return [value.numerator, value.denominator]

        def to_python(self, value):
            return Fraction(*value)

    app.session_interface.serializer.register(TagFraction)

Tags are tried in order and the first whose :meth:`~JSONTag.check` accepts the value wins, so a
tag for a subclass of a type already handled (an ``OrderedDict``, say) goes in front:
``register(TagOrderedDict, index=0)``.
"""

from __future__ import annotations

import json as _json
from base64 import b64decode, b64encode
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from ..core.http import http_date, parse_date
from .context import get_context
from .json import DefaultJSONProvider, dumps

__all__ = [
    "JSONTag",
    "PassDict",
    "PassList",
    "TagBytes",
    "TagDateTime",
    "TagDict",
    "TagMarkup",
    "TagTuple",
    "TagUUID",
    "TaggedJSONSerializer",
]


class JSONTag:
    """One type's conversion to and from JSON, marked in the output with :attr:`key`.

    Subclasses implement :meth:`check`, :meth:`to_json` and :meth:`to_python`. A tag with an
    empty key only passes its value through (as :class:`PassDict` does for a dict's items) and
    is never looked up when loading.
    """

    __slots__ = ("serializer",)

    #: The marker, by convention a space and a letter or two: a space-led key is unlikely in
    #: real data, and :class:`TagDict` escapes one that does occur.
    key: ClassVar[str] = ""

    def __init__(self, serializer: TaggedJSONSerializer) -> None:
        #: The serializer this tag belongs to, for tagging the values nested inside its own.
        self.serializer = serializer

    def check(self, value: Any) -> bool:
        """Whether this tag handles ``value``."""
        raise NotImplementedError

    def to_json(self, value: Any) -> Any:
        """``value`` as something JSON holds; the key is wrapped around it by :meth:`tag`."""
        raise NotImplementedError

    def to_python(self, value: Any) -> Any:
        """The original object back from what :meth:`to_json` made of it."""
        raise NotImplementedError

    def tag(self, value: Any) -> Any:
        """``value`` in its tagged form, ``{key: to_json(value)}``."""
        return {self.key: self.to_json(value)}


class TagDict(JSONTag):
    """Escapes a one-key dict whose key is a registered tag, so it is not read back as one.

    ``{" t": 1}`` is written ``{" di": {" t__": 1}}``; loading strips the two underscores.
    """

    __slots__ = ()
    key = " di"

    def check(self, value: Any) -> bool:
        if not isinstance(value, dict) or len(value) != 1:
            return False
        (only_key,) = value
        return only_key in self.serializer.tags

    def to_json(self, value: Any) -> Any:
        ((only_key, item),) = value.items()
        return {f"{only_key}__": self.serializer.tag(item)}

    def to_python(self, value: Any) -> Any:
        ((escaped_key, item),) = value.items()
        return {escaped_key[:-2]: item}


class PassDict(JSONTag):
    """A dict stays a dict; its values are tagged (JSON keys are strings, so keys are not)."""

    __slots__ = ()

    def check(self, value: Any) -> bool:
        return isinstance(value, dict)

    def to_json(self, value: Any) -> Any:
        tag = self.serializer.tag
        return {name: tag(item) for name, item in value.items()}

    def tag(self, value: Any) -> Any:
        return self.to_json(value)


class TagTuple(JSONTag):
    """A tuple, as a list of its tagged items under ``" t"``."""

    __slots__ = ()
    key = " t"

    def check(self, value: Any) -> bool:
        return isinstance(value, tuple)

    def to_json(self, value: Any) -> Any:
        tag = self.serializer.tag
        return [tag(item) for item in value]

    def to_python(self, value: Any) -> Any:
        return tuple(value)


class PassList(JSONTag):
    """A list stays a list; its items are tagged."""

    __slots__ = ()

    def check(self, value: Any) -> bool:
        return isinstance(value, list)

    def to_json(self, value: Any) -> Any:
        tag = self.serializer.tag
        return [tag(item) for item in value]

    def tag(self, value: Any) -> Any:
        return self.to_json(value)


class TagBytes(JSONTag):
    """Bytes, base64-encoded under ``" b"``."""

    __slots__ = ()
    key = " b"

    def check(self, value: Any) -> bool:
        return isinstance(value, bytes)

    def to_json(self, value: Any) -> Any:
        return b64encode(value).decode("ascii")

    def to_python(self, value: Any) -> Any:
        return b64decode(value)


class TagMarkup(JSONTag):
    """Anything with an ``__html__`` method, as that HTML under ``" m"``; loads as ``Markup``."""

    __slots__ = ()
    key = " m"

    def check(self, value: Any) -> bool:
        return callable(getattr(value, "__html__", None))

    def to_json(self, value: Any) -> Any:
        return str(value.__html__())

    def to_python(self, value: Any) -> Any:
        from markupsafe import Markup

        return Markup(value)


class TagUUID(JSONTag):
    """A UUID, as its 32 hex digits under ``" u"``."""

    __slots__ = ()
    key = " u"

    def check(self, value: Any) -> bool:
        return isinstance(value, UUID)

    def to_json(self, value: Any) -> Any:
        return value.hex

    def to_python(self, value: Any) -> Any:
        return UUID(value)


class TagDateTime(JSONTag):
    """A datetime, as an HTTP date under ``" d"``: whole seconds, and loaded back in UTC.

    A naive datetime is taken as UTC, so it loads back aware; microseconds are dropped.
    """

    __slots__ = ()
    key = " d"

    def check(self, value: Any) -> bool:
        return isinstance(value, datetime)

    def to_json(self, value: Any) -> Any:
        return http_date(value)

    def to_python(self, value: Any) -> Any:
        return parse_date(value)


class TaggedJSONSerializer:
    """Dumps and loads JSON with the extra types of its tags; what itsdangerous signs sessions with.

    ``tags`` maps each key to its tag (what loading consults); ``order`` is the sequence in which
    tags are tried when dumping. JSON text is made by :func:`erlen.json.dumps`, so inside an app
    the app's JSON provider (and its ``default`` for other types) is used.
    """

    __slots__ = ("tags", "order")

    #: The tag classes every new serializer registers, in this order. Dicts come first so that
    #: a one-key dict that looks like a tag is escaped before it is passed through.
    default_tags: ClassVar[list[type[JSONTag]]] = [
        TagDict,
        PassDict,
        TagTuple,
        PassList,
        TagBytes,
        TagMarkup,
        TagUUID,
        TagDateTime,
    ]

    def __init__(self) -> None:
        self.tags: dict[str, JSONTag] = {}
        self.order: list[JSONTag] = []
        for tag_class in self.default_tags:
            self.register(tag_class)

    def register(
        self, tag_class: type[JSONTag], force: bool = False, index: int | None = None
    ) -> None:
        """Add a tag, made from ``tag_class`` for this serializer.

        It is tried last unless ``index`` places it in :attr:`order` (``0`` for first).
        ``KeyError`` if its key is already registered, unless ``force`` replaces that tag (the
        old one stays in :attr:`order` but is no longer used to load).
        """
        tag = tag_class(self)
        if tag.key:
            if tag.key in self.tags and not force:
                raise KeyError(
                    f"Tag '{tag.key}' is already registered. Pass force=True to replace it, or "
                    "give the new tag a key of its own."
                )
            self.tags[tag.key] = tag
        if index is None:
            self.order.append(tag)
        else:
            self.order.insert(index, tag)

    def tag(self, value: Any) -> Any:
        """``value`` with the first matching tag applied (nested values are tagged by it)."""
        for tag in self.order:
            if tag.check(value):
                return tag.tag(value)
        return value

    def untag(self, value: dict[str, Any]) -> Any:
        """The object a one-key dict with a registered tag key stands for; other dicts as given."""
        if len(value) != 1:
            return value
        ((key, item),) = value.items()
        tag = self.tags.get(key)
        if tag is None:
            return value
        return tag.to_python(item)

    def _untag_nested(self, value: Any) -> Any:
        """``value`` with every tagged dict in it replaced, innermost first."""
        if isinstance(value, dict):
            return self.untag({key: self._untag_nested(item) for key, item in value.items()})
        if isinstance(value, list):
            return [self._untag_nested(item) for item in value]
        return value

    def _has_only_default_tags(self) -> bool:
        """True while the serializer holds exactly the built-in tags, in their order."""
        return (
            type(self).tag is TaggedJSONSerializer.tag
            and [type(tag) for tag in self.order] == _DEFAULT_ORDER
            and self.tags.keys() == _DEFAULT_KEYS
        )

    def dumps(self, value: Any) -> str:
        """``value`` tagged and written as compact JSON."""
        # PERF: with only the built-in tags, one function does what the tag objects do, without
        # eight check() calls per value: a four-key session dumps in 6 us instead of 11.
        tagged = _tag_builtin(value) if self._has_only_default_tags() else self.tag(value)
        return dumps(tagged, separators=(",", ":"))

    def loads(self, value: str | bytes) -> Any:
        """The object back from :meth:`dumps`' JSON, tags resolved.

        With Erlen's own JSON parsing the tags are resolved as each object is parsed; an app's
        own JSON provider (which may not take an ``object_hook``) parses first, and the tags
        are resolved after.
        """
        ctx = get_context()
        provider = ctx.app.json if ctx is not None else None
        if provider is None or type(provider).loads is DefaultJSONProvider.loads:
            # PERF: the parser's object_hook runs in C's loop, where a walk afterwards would
            # rebuild every dict and list in Python (3 us instead of 5 for a small session).
            return _json.loads(value, object_hook=self.untag)
        return self._untag_nested(provider.loads(value))


_DEFAULT_ORDER: list[type[JSONTag]] = list(TaggedJSONSerializer.default_tags)
_DEFAULT_KEYS = frozenset(tag.key for tag in _DEFAULT_ORDER if tag.key)


def _tag_builtin(value: Any) -> Any:
    """What :meth:`TaggedJSONSerializer.tag` gives when only the built-in tags are registered.

    The branches follow the tags' order (dicts, tuples, lists, bytes, Markup, UUIDs,
    datetimes); the exact JSON scalar types, which no built-in tag takes, return first.
    """
    kind = type(value)
    if kind is str or kind is int or kind is bool or kind is float or value is None:
        return value
    if isinstance(value, dict):
        if len(value) == 1:
            ((only_key, item),) = value.items()
            if only_key in _DEFAULT_KEYS:
                return {" di": {f"{only_key}__": _tag_builtin(item)}}
        return {name: _tag_builtin(item) for name, item in value.items()}
    if isinstance(value, tuple):
        return {" t": [_tag_builtin(item) for item in value]}
    if isinstance(value, list):
        return [_tag_builtin(item) for item in value]
    if isinstance(value, bytes):
        return {" b": b64encode(value).decode("ascii")}
    if callable(getattr(value, "__html__", None)):
        return {" m": str(value.__html__())}
    if isinstance(value, UUID):
        return {" u": value.hex}
    if isinstance(value, datetime):
        return {" d": http_date(value)}
    return value
