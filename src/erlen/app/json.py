"""JSON in and out: ``jsonify``, ``dumps``, ``loads``, and the app's JSON provider.

The default provider writes what Flask's does, so clients and tests see the same bytes: compact
separators, sorted keys, ASCII escapes and a trailing newline in responses. Dates become HTTP
dates, and UUIDs, decimals and dataclasses are serialised too. Swap ``app.json`` for a provider
of your own (say, one using orjson) by subclassing :class:`JSONProvider`.
"""

from __future__ import annotations

import json as _json
import weakref
from collections.abc import Callable
from datetime import date, datetime
from json.encoder import (  # type: ignore[attr-defined]  # the C speedups, as json uses them
    c_make_encoder,
    encode_basestring,
    encode_basestring_ascii,
)
from typing import IO, TYPE_CHECKING, Any, cast

from ..core import request as _request
from ..core.http import http_date
from .context import _get_context, _lookup_context, get_context

if TYPE_CHECKING:
    from ..core.response import Response
    from .app import App

__all__ = ["JSONProvider", "DefaultJSONProvider", "dump", "dumps", "load", "loads", "jsonify"]


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return http_date(value)
    if isinstance(value, date):
        return http_date(datetime(value.year, value.month, value.day))
    # Imported here, not at the top: dataclasses alone costs ~7 ms of `import erlen`.
    import dataclasses
    import decimal
    import uuid

    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if hasattr(value, "__html__"):
        return str(value.__html__())
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


class JSONProvider:
    """The interface ``app.json`` offers; a provider of your own implements ``dumps`` and ``loads``.

    ``dump``, ``load`` and ``response`` are built on those two, so a subclass wrapping another
    library (orjson, msgspec) needs nothing more. Set ``app.json`` to an instance, or
    ``Erlen.json_provider_class`` to the class.
    """

    #: The ``Content-Type`` of :meth:`response`; ``application/vnd.api+json``, say, for JSON:API.
    mimetype = "application/json"

    def __init__(self, app: App) -> None:
        # A proxy, as in Flask: the app holds its provider, which must not hold the app alive.
        self._app: App = cast("App", weakref.proxy(app))

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        """``obj`` as JSON text; ``kwargs`` are the implementation's own options."""
        raise NotImplementedError

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """The value of the JSON text (or UTF-8 bytes) ``s``."""
        raise NotImplementedError

    def dump(self, obj: Any, fp: IO[str], **kwargs: Any) -> None:
        """Write ``obj`` as JSON to the text file ``fp``."""
        fp.write(self.dumps(obj, **kwargs))

    def load(self, fp: IO[Any], **kwargs: Any) -> Any:
        """Read JSON from the file ``fp``, text or UTF-8 bytes."""
        return self.loads(fp.read(), **kwargs)

    def _prepare_response_obj(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """What ``jsonify(*args, **kwargs)`` serialises: None, the one value, a list, or a dict.

        Flask's name, kept because providers written for Flask call it from ``response``.
        """
        if args and kwargs:
            raise TypeError(
                "jsonify() takes either args or kwargs, not both: jsonify(value), "
                "jsonify(a, b) for a list, or jsonify(key=value) for an object."
            )
        if not args:
            return kwargs or None
        return args[0] if len(args) == 1 else list(args)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        """A JSON response from no value (``null``), one, several (a list) or keywords (a dict)."""
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(f"{self.dumps(obj)}\n", mimetype=self.mimetype)


_EncoderKey = tuple[bool, bool, bool, Callable[[Any], Any]]


class DefaultJSONProvider(JSONProvider):
    """The standard library's ``json`` with Flask's defaults; settings are instance attributes.

    Change them on ``app.json`` at any time (``app.json.sort_keys = False``) or in a subclass.
    ``dumps`` keyword arguments go to :func:`json.dumps` and win over the settings.
    """

    #: Escape non-ASCII characters as ``\\uXXXX``; turn off for shorter UTF-8 output.
    ensure_ascii = True
    #: Sort object keys, for stable output (cache keys, ETags); then keys must all be strings.
    sort_keys = True
    #: Responses without spaces or newlines when True, indented when False; None means compact
    #: unless the app is in debug mode.
    compact: bool | None = None
    #: Turns values JSON lacks into ones it has (or raises ``TypeError``); replace it on the
    #: instance or override it in a subclass, as in Flask.
    default: Callable[[Any], Any] = staticmethod(_default)

    def __init__(self, app: App) -> None:
        super().__init__(app)
        self._encoders: dict[_EncoderKey, _json.JSONEncoder] = {}
        self._fast_encoders: dict[_EncoderKey, Callable[[Any, int], Any]] = {}

    def _is_compact(self) -> bool:
        return self.compact if self.compact is not None else not self._app.debug

    def _encoder_key(self) -> _EncoderKey:
        """The settings an encoder is built from; a change to any of them builds a new one."""
        return (self.ensure_ascii, self.sort_keys, self._is_compact(), self.default)

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        kwargs.setdefault("default", self.default)
        kwargs.setdefault("ensure_ascii", self.ensure_ascii)
        kwargs.setdefault("sort_keys", self.sort_keys)
        return _json.dumps(obj, **kwargs)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return _json.loads(s, **kwargs)

    def _encoder(self) -> _json.JSONEncoder:
        """The encoder for the current settings, built once per combination of them.

        PERF: ``json.dumps`` with any non-default option builds a new encoder on every call;
        reusing one saves about a microsecond per JSON response.
        """
        key = self._encoder_key()
        encoder = self._encoders.get(key)
        if encoder is None:
            ensure_ascii, sort_keys, compact, default = key
            encoder = _json.JSONEncoder(
                default=default,
                ensure_ascii=ensure_ascii,
                sort_keys=sort_keys,
                separators=(",", ":") if compact else None,
                indent=None if compact else 2,
            )
            self._encoders[key] = encoder
        return encoder

    def _encode(self, obj: Any) -> str:
        """``obj`` as JSON text, with the settings of :meth:`_encoder`.

        PERF: ``JSONEncoder.encode`` builds a new C encoder for every call; here one is built
        per combination of settings and kept (about 0.4 us per small document instead of 1.8).
        It is built without the circular-reference check, so a circular structure shows as a
        RecursionError, and is then encoded again by the checking encoder, which reports it
        as ``ValueError: Circular reference detected``.
        """
        # PERF: _encoder_key and _is_compact inlined; the calls alone were 4% of a small response.
        compact = self.compact if self.compact is not None else not self._app.debug
        key = (self.ensure_ascii, self.sort_keys, compact, self.default)
        fast = self._fast_encoders.get(key)
        if fast is None:
            encoder = self._encoder()
            if c_make_encoder is None or encoder.indent is not None:
                return encoder.encode(obj)
            fast = self._fast_encoders[key] = c_make_encoder(
                None,
                encoder.default,
                encode_basestring_ascii if self.ensure_ascii else encode_basestring,
                None,
                encoder.key_separator,
                encoder.item_separator,
                self.sort_keys,
                False,
                True,
            )
        try:
            return "".join(fast(obj, 0))
        except RecursionError:
            return self._encoder().encode(obj)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        """A JSON response, indented in debug mode unless :attr:`compact` says otherwise."""
        # PERF: the common jsonify(value) skips a call.
        obj = args[0] if len(args) == 1 and not kwargs else self._prepare_response_obj(args, kwargs)
        if type(self).dumps is not DefaultJSONProvider.dumps:
            # A subclass that writes JSON its own way gets Flask's call to its dumps.
            layout: dict[str, Any] = (
                {"separators": (",", ":")} if self._is_compact() else {"indent": 2}
            )
            body = self.dumps(obj, **layout)
        else:
            body = self._encode(obj)
        return self._app.response_class(body + "\n", mimetype=self.mimetype)


def dumps(obj: Any, **kwargs: Any) -> str:
    """Serialise ``obj`` with the current app's provider (the defaults outside an app)."""
    ctx = get_context()
    if ctx is not None:
        return ctx.app.json.dumps(obj, **kwargs)
    kwargs.setdefault("default", _default)
    return _json.dumps(obj, **kwargs)


def loads(s: str | bytes, **kwargs: Any) -> Any:
    """Parse JSON with the current app's provider (the standard library outside an app)."""
    ctx = get_context()
    if ctx is not None:
        return ctx.app.json.loads(s, **kwargs)
    return _json.loads(s, **kwargs)


def jsonify(*args: Any, **kwargs: Any) -> Response:
    """A JSON response: ``jsonify(user)``, ``jsonify(a, b)`` (a list) or ``jsonify(id=1)``."""
    return _lookup_context("jsonify").app.json.response(*args, **kwargs)


def dump(obj: Any, fp: IO[str], **kwargs: Any) -> None:
    """Write ``obj`` as JSON to the text file ``fp``, through the app's provider if there is one."""
    ctx = get_context()
    if ctx is not None:
        ctx.app.json.dump(obj, fp, **kwargs)
        return
    kwargs.setdefault("default", _default)
    _json.dump(obj, fp, **kwargs)


def load(fp: IO[Any], **kwargs: Any) -> Any:
    """Read JSON from the file ``fp`` (text or UTF-8 bytes), through the app's provider if any."""
    ctx = get_context()
    if ctx is not None:
        return ctx.app.json.load(fp, **kwargs)
    return _json.load(fp, **kwargs)


def _app_json_loads() -> Callable[[str], Any] | None:
    """The current app's provider's ``loads`` when it is not the standard one (which is
    ``json.loads``, called by the request itself, faster)."""
    ctx = _get_context()  # PERF: get_context() without its call, once per JSON body
    if ctx is None:
        return None
    loads = ctx.app.json.loads
    if getattr(loads, "__func__", None) is DefaultJSONProvider.loads:
        return None
    return loads


# Request bodies are parsed through the app's JSON provider, as in Flask: the core request reads
# it through this hook.
_request.app_json_loads = _app_json_loads
