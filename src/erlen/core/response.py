"""The outgoing response, and helpers that build common ones.

A :class:`Response` is a status, headers and a body. The body is either buffered (a list of
bytes, whose length is known and sent as ``Content-Length``) or streamed (any iterable of bytes or
str, sent as it is produced). Adapters turn it into their server's calls; nothing here knows WSGI
or ASGI.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import Any

from . import http
from .datastructures import CacheControl, EnvironHeaders, Headers, HeaderSet
from .datastructures.headers import _check_value

__all__ = ["Response", "redirect_response", "status_line"]

#: APPSEC: sent with every response, so browsers never second-guess a declared content type
#: (a JSON or text body sniffed as HTML is a classic XSS route). Set the header to override.
_NOSNIFF = ("X-Content-Type-Options", "nosniff")

HeadersLike = Headers | Mapping[str, Any] | Iterable[tuple[str, Any]]

#: Where Werkzeug's reason phrases differ from the standard library's (or name a code it
#: lacks); a Flask test asserts ``response.status == "203 NON AUTHORITATIVE INFORMATION"``.
_WERKZEUG_PHRASES = {
    203: "Non Authoritative Information",
    207: "Multi Status",
    306: "Switch Proxy",
    414: "Request URI Too Long",
    418: "I'm a teapot",
    449: "Retry With",
    511: "Network Authentication Failed",
}
#: Status lines as Werkzeug (so Flask) writes them: ``"404 NOT FOUND"``.
_STATUS_LINES: dict[int, str] = {
    code: f"{code} {phrase.upper()}"
    for code, phrase in {
        **{status.value: status.phrase for status in HTTPStatus},
        **_WERKZEUG_PHRASES,
    }.items()
}


def status_line(code: int) -> str:
    """``"404 Not Found"`` for 404; an unknown code gets ``"UNKNOWN"`` as Werkzeug does."""
    line = _STATUS_LINES.get(code)
    return line if line is not None else f"{code} UNKNOWN"


def _no_app_setting(name: str, default: Any) -> Any:
    return default


#: How a response reads a setting of the current app (``MAX_COOKIE_SIZE``) without importing
#: the app layer: the context module points this at the current app's config.
app_setting: Callable[[str, Any], Any] = _no_app_setting


class _Header:
    """A response header as an attribute, as Werkzeug's header properties: the parsed value,
    None when the header is absent; assigning None (or a value ``dump`` turns into None)
    removes the header."""

    __slots__ = ("name", "parse", "dump")

    def __init__(
        self,
        name: str,
        parse: Callable[[str], Any] = str,
        dump: Callable[[Any], str | None] = str,
    ) -> None:
        self.name = name
        self.parse = parse
        self.dump = dump

    def __get__(self, response: Response | None, owner: type | None = None) -> Any:
        if response is None:
            return self
        value = response.headers.get(self.name)
        return None if value is None else self.parse(value)

    def __set__(self, response: Response, value: Any) -> None:
        dumped = None if value is None else self.dump(value)
        if dumped is None:
            response.headers.remove(self.name)
        else:
            response.headers[self.name] = dumped


class _WriteBackDict(dict[str, str]):
    """A dict that hands itself to ``write`` after every change (a header's parameters)."""

    __slots__ = ("_write",)

    def __init__(self, items: Mapping[str, str], write: Callable[[dict[str, str]], None]) -> None:
        super().__init__(items)
        self._write = write

    def __setitem__(self, key: str, value: str) -> None:
        super().__setitem__(key, value)
        self._write(self)

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self._write(self)

    def update(self, *args: Any, **kwargs: str) -> None:
        super().update(*args, **kwargs)
        self._write(self)

    def pop(self, key: str, *default: Any) -> Any:
        value = super().pop(key, *default)
        self._write(self)
        return value

    def setdefault(self, key: str, default: str = "") -> str:
        value = super().setdefault(key, default)
        self._write(self)
        return value

    def clear(self) -> None:
        super().clear()
        self._write(self)


def _to_header(value: Any) -> str:
    """A header value from a str or an object with ``to_header()`` (Werkzeug's policies)."""
    to_header = getattr(value, "to_header", None)
    return str(to_header()) if to_header is not None else str(value)


def _parse_int(value: str) -> int | None:
    return int(value) if value.strip().isdigit() else None


def _parse_seconds(value: str) -> timedelta | None:
    seconds = _parse_int(value)
    return timedelta(seconds=seconds) if seconds is not None else None


def _dump_seconds(value: timedelta | int) -> str:
    return str(int(value.total_seconds()) if isinstance(value, timedelta) else int(value))


def _parse_retry_after(value: str) -> datetime | None:
    seconds = _parse_int(value)
    if seconds is not None:
        return datetime.now(UTC) + timedelta(seconds=seconds)
    return http.parse_date(value)


def _dump_retry_after(value: datetime | timedelta | int) -> str:
    return http.http_date(value) if isinstance(value, datetime) else _dump_seconds(value)


class Response:
    """An HTTP response.

    ``Response(body, status=200, headers=None, mimetype=None, content_type=None)``: ``body`` is
    str (encoded as UTF-8), bytes, or an iterable of either for a streamed response. ``status``
    is an int, an :class:`http.HTTPStatus` or a status line such as ``"201 CREATED"``. Without a
    content type the body is ``text/html; charset=utf-8``, as in Flask.
    """

    # No __slots__: a response's state is in its ``__dict__``, as a Werkzeug response's is, so
    # code that adopts or copies that dict gets all of it (Flask-Caching's ``CachedResponse``
    # does ``self.__dict__ = response.__dict__``), and extensions may mark a response with
    # attributes of their own (Flask-CORS sets ``_FLASK_CORS_EVALUATED``).

    default_status = 200
    default_mimetype: str | None = "text/html"
    charset = "utf-8"
    #: The header pairs the constructor built, until :attr:`headers` is first read.
    _headers: Headers | list[tuple[str, str]]

    def __init__(
        self,
        response: str | bytes | bytearray | Iterable[bytes] | Iterable[str] | None = None,
        status: int | str | HTTPStatus | None = None,
        headers: HeadersLike | None = None,
        mimetype: str | None = None,
        content_type: str | None = None,
        direct_passthrough: bool = False,
    ) -> None:
        self.direct_passthrough = direct_passthrough
        # PERF: a shared empty tuple until call_on_close() needs a list (few responses do).
        self._on_close: list[Callable[[], Any]] | tuple[()] = ()
        self._reason: str | None = None
        self.response: Iterable[bytes] | Iterable[str]
        if status is None:
            self.status_code = self.default_status
        elif type(status) is int and 100 <= status <= 999:
            self.status_code = status  # PERF: the setter's check for a plain int, without its call
        else:
            self.status = status
        if headers is None:
            # PERF: the common case, a body and maybe a mimetype or content type (error objects
            # give one), builds its headers directly.
            charset = self.charset
            if content_type is None:
                mimetype = mimetype or self.default_mimetype
                # PERF: a dict lookup for the usual charset, not the memoised function's
                # (argument tuple, hash, LRU bookkeeping): ~1,000 instructions per response.
                content_type = (
                    _UTF8_CONTENT_TYPES.get(mimetype) if charset == "utf-8" else None
                ) or _content_type_for(mimetype, charset)
            else:
                # APPSEC: CR, LF, NUL, non-latin-1 refused, as in any header value.
                content_type = _checked_content_type(content_type)
            if isinstance(response, str):
                data = response.encode(charset)
            elif isinstance(response, (bytes, bytearray)):
                data = bytes(response)
            else:
                self._headers = (
                    [("Content-Type", content_type), _NOSNIFF] if content_type else [_NOSNIFF]
                )
                self.response = [] if response is None else response
                return
            self.response = [data]
            # PERF: the checked pairs as one list; the Headers object over them is made when
            # ``headers`` is first read, which an adapter sending the response never does.
            length = ("Content-Length", f"{len(data)}")
            self._headers = (
                [("Content-Type", content_type), length, _NOSNIFF]
                if content_type
                else [length, _NOSNIFF]
            )
            return
        self._headers = headers if isinstance(headers, Headers) else Headers(headers)
        if content_type is None:
            if mimetype is None and "content-type" not in self.headers:
                mimetype = self.default_mimetype
            content_type = _content_type_for(mimetype, self.charset)
        if content_type is not None:
            self.headers["Content-Type"] = content_type
        if "x-content-type-options" not in self.headers:
            self.headers.add(*_NOSNIFF)
        if response is None:
            self.response = []
        elif isinstance(response, (str, bytes, bytearray)):
            self.set_data(response)
        else:
            self.response = response

    def __repr__(self) -> str:
        size = f"{len(self.get_data())} bytes" if not self.is_streamed else "streamed"
        return f"<{type(self).__name__} {size} [{self.status}]>"

    # -- headers object ----------------------------------------------------------------------

    @property
    def headers(self) -> Headers:
        """The response's :class:`~erlen.datastructures.Headers`; assigning converts."""
        headers = self._headers
        if type(headers) is list:  # the pairs the constructor built: see __init__
            headers = self._headers = Headers._from_checked(headers)
        return headers  # type: ignore[return-value]  # a list was replaced just above

    @headers.setter
    def headers(self, value: Headers | HeadersLike) -> None:
        # Extensions may assign another container (Flask-CORS assigns a Werkzeug MultiDict when
        # the headers are not Werkzeug's own); the adapters need Erlen's Headers, so it is
        # converted here, every value of a multi-dict kept.
        self._headers = value if isinstance(value, Headers) else Headers(value)

    # -- status ------------------------------------------------------------------------------

    @property
    def status(self) -> str:
        """The status line, such as ``"200 OK"``."""
        if self._reason is None:
            line = _STATUS_LINES.get(self.status_code)
            if line is not None:
                return line
            return f"{self.status_code} UNKNOWN"
        return f"{self.status_code} {self._reason}"

    @status.setter
    def status(self, value: int | str | HTTPStatus) -> None:
        if isinstance(value, int):
            if not 100 <= value <= 999:
                raise ValueError(f"invalid status {value}: it must be between 100 and 999")
            self.status_code, self._reason = int(value), None
            return
        code, _, reason = value.strip().partition(" ")
        if not (code.isascii() and code.isdigit()):
            raise ValueError(f"invalid status {value!r}: it must start with a number")
        if not 100 <= int(code) <= 999:
            raise ValueError(f"invalid status {value!r}: it must be between 100 and 999")
        self.status_code = int(code)
        self._reason = reason.strip() or None
        if self._reason is not None and not self._reason.isascii():
            raise ValueError("a status reason must be ASCII")
        if self._reason is not None and http._has_ctl(self._reason):
            raise ValueError("a status reason may not contain CR, LF, NUL or control characters")

    # -- body --------------------------------------------------------------------------------

    @property
    def is_streamed(self) -> bool:
        """True when the body is an iterable produced while sending, so its length is unknown."""
        return not isinstance(self.response, list)

    def set_data(self, value: str | bytes | bytearray) -> None:
        """Replace the body with ``value`` and set ``Content-Length``."""
        data = value.encode(self.charset) if isinstance(value, str) else bytes(value)
        self.response = [data]
        self.headers["Content-Length"] = str(len(data))

    def _declare_empty_length(self) -> None:
        """Give an empty buffered body its ``Content-Length: 0``, as Werkzeug does
        (``Response()``, an automatic OPTIONS answer). The adapters call it as they send: a
        body assigned after the response was made is never cut to a length declared early."""
        if "Content-Length" not in self.headers:
            self.headers["Content-Length"] = "0"

    def get_data(self, as_text: bool = False) -> Any:
        """The whole body; a streamed body is read (and kept) on first call."""
        if not isinstance(self.response, list):
            self.response = list(self.iter_encoded())
        data = b"".join(
            chunk.encode(self.charset) if isinstance(chunk, str) else chunk
            for chunk in self.response
        )
        return data.decode(self.charset) if as_text else data

    data = property(get_data, set_data, doc="The body as bytes; assigning replaces it.")

    @property
    def text(self) -> str:
        return str(self.get_data(as_text=True))

    def iter_encoded(self) -> Iterator[bytes]:
        """The body as bytes chunks, encoding str chunks of a streamed body.

        The body is the one the response has when this is called, as with Werkzeug: middleware
        may then set ``response.response`` to a generator over these chunks (Flask-Compress
        does) without the generator reading itself. An async generator body is driven on an
        event loop of its own, so it streams under WSGI too (the ASGI adapter iterates it on
        the server's loop instead).
        """
        body: Any = self.response
        if hasattr(body, "__aiter__"):
            from .concurrency import iterate_async

            body = iterate_async(body)
        return _encoded(body, self.charset)

    def get_json(self, force: bool = False, silent: bool = False) -> Any:
        """The body parsed as JSON (None when it is not JSON and neither flag is set)."""
        if not (force or self.is_json):
            return None
        try:
            return self._load_json(self.get_data())
        except ValueError:
            if silent:
                return None
            raise

    def _load_json(self, data: bytes) -> Any:
        """Parse a JSON body; the test client's response parses with the app's provider."""
        import json

        return json.loads(data)

    @property
    def json(self) -> Any:
        return self.get_json()

    # -- headers -----------------------------------------------------------------------------

    @property
    def content_type(self) -> str | None:
        value = self.headers.get("Content-Type")
        return str(value) if value is not None else None

    @content_type.setter
    def content_type(self, value: str) -> None:
        self.headers["Content-Type"] = value

    @property
    def mimetype(self) -> str | None:
        """The content type without parameters."""
        value = self.headers.get("Content-Type")
        return http.parse_options_header(value)[0] if value else None

    @mimetype.setter
    def mimetype(self, value: str) -> None:
        self.headers["Content-Type"] = _with_charset(value, self.charset)

    @property
    def is_json(self) -> bool:
        mimetype = self.mimetype or ""
        return mimetype == "application/json" or (
            mimetype.startswith("application/") and mimetype.endswith("+json")
        )

    @property
    def content_length(self) -> int | None:
        return http.parse_content_length(self.headers.get("Content-Length"))

    @content_length.setter
    def content_length(self, value: int) -> None:
        self.headers["Content-Length"] = str(value)

    @property
    def location(self) -> str | None:
        value = self.headers.get("Location")
        return str(value) if value is not None else None

    @location.setter
    def location(self, value: str) -> None:
        self.headers["Location"] = http.url_quote(value)

    def set_cookie(
        self,
        key: str,
        value: str = "",
        max_age: int | timedelta | None = None,
        expires: str | datetime | int | float | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = None,
        partitioned: bool = False,
    ) -> None:
        """Add a ``Set-Cookie`` header. Values are quoted so that they cannot break the header.

        A cookie above :attr:`max_cookie_size` is still sent, with a warning: browsers drop
        such cookies without a word, and the warning is the only trace a developer gets.
        """
        cookie = http.dump_cookie(
            key, value, max_age=max_age, expires=expires, path=path, domain=domain,
            secure=secure, httponly=httponly, samesite=samesite, partitioned=partitioned,
        )  # fmt: skip
        limit = app_setting("MAX_COOKIE_SIZE", 4093)  # PERF: max_cookie_size, inlined
        if limit and len(cookie) > limit:
            warnings.warn(
                f"The {key!r} cookie is too large: {len(cookie)} bytes where browsers keep "
                f"{limit} at most (MAX_COOKIE_SIZE); they may ignore it silently.",
                stacklevel=2,
            )
        self.headers.add("Set-Cookie", cookie)

    @property
    def max_cookie_size(self) -> int:
        """The largest ``Set-Cookie`` value set without a warning; 0 turns the check off.

        The current app's ``MAX_COOKIE_SIZE``; outside an app, 4093 bytes, the limit browsers
        keep to.
        """
        return int(app_setting("MAX_COOKIE_SIZE", 4093))

    def delete_cookie(
        self,
        key: str,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = None,
        partitioned: bool = False,
    ) -> None:
        """Tell the client to drop a cookie (an expired, empty one with the same path/domain)."""
        self.set_cookie(
            key, expires=0, max_age=0, path=path, domain=domain, secure=secure,
            httponly=httponly, samesite=samesite, partitioned=partitioned,
        )  # fmt: skip

    def set_etag(self, etag: str, weak: bool = False) -> None:
        self.headers["ETag"] = http.quote_etag(etag, weak)

    def get_etag(self) -> tuple[str | None, bool]:
        """``(etag, weak)`` of the ``ETag`` header, ``(None, False)`` without one."""
        return http.unquote_etag(self.headers.get("ETag", ""))

    def add_etag(self, overwrite: bool = False, weak: bool = False) -> None:
        """Set an ``ETag`` computed from the body (SHA-1, as Werkzeug) unless there is one."""
        if overwrite or "ETag" not in self.headers:
            import hashlib

            self.set_etag(hashlib.sha1(self.get_data(), usedforsecurity=False).hexdigest(), weak)

    @property
    def last_modified(self) -> datetime | None:
        """The ``Last-Modified`` header as an aware datetime; assign a datetime, a timestamp
        or None (which removes the header)."""
        return http.parse_date(self.headers.get("Last-Modified"))

    @last_modified.setter
    def last_modified(self, value: datetime | float | None) -> None:
        self._set_date("Last-Modified", value)

    @property
    def expires(self) -> datetime | None:
        return http.parse_date(self.headers.get("Expires"))

    @expires.setter
    def expires(self, value: datetime | float | None) -> None:
        self._set_date("Expires", value)

    @property
    def date(self) -> datetime | None:
        return http.parse_date(self.headers.get("Date"))

    @date.setter
    def date(self, value: datetime | float | None) -> None:
        self._set_date("Date", value)

    def _set_date(self, name: str, value: datetime | float | None) -> None:
        if value is None:
            self.headers.remove(name)
        else:
            self.headers[name] = http.http_date(value)

    @property
    def vary(self) -> HeaderSet:
        """The ``Vary`` header as a set that writes back: ``response.vary.add("Origin")``."""
        return self._header_set("Vary")

    @vary.setter
    def vary(self, value: str | Iterable[str] | None) -> None:
        self._assign_header_set("Vary", value)

    @property
    def allow(self) -> HeaderSet:
        """The ``Allow`` header as a set that writes back: ``response.allow.add("PATCH")``."""
        return self._header_set("Allow")

    @allow.setter
    def allow(self, value: str | Iterable[str] | None) -> None:
        self._assign_header_set("Allow", value)

    @property
    def content_language(self) -> HeaderSet:
        return self._header_set("Content-Language")

    @content_language.setter
    def content_language(self, value: str | Iterable[str] | None) -> None:
        self._assign_header_set("Content-Language", value)

    @property
    def cache_control(self) -> CacheControl:
        """The ``Cache-Control`` header as directives that write back:
        ``response.cache_control.max_age = 300``, ``response.cache_control.no_store = True``."""
        headers = self.headers

        def write_back(directives: CacheControl) -> None:
            if directives:
                headers["Cache-Control"] = directives.to_header()
            else:
                headers.remove("Cache-Control")

        return CacheControl.parse(headers.get("Cache-Control"), on_update=write_back)

    def _header_set(self, name: str) -> HeaderSet:
        headers = self.headers

        def write_back(items: HeaderSet) -> None:
            if items:
                headers[name] = items.to_header()
            else:
                headers.remove(name)

        return HeaderSet.parse(headers.get_all(name), on_update=write_back)

    def _assign_header_set(self, name: str, value: str | Iterable[str] | None) -> None:
        if value is None:
            self.headers.remove(name)
            return
        items = HeaderSet.parse([value]) if isinstance(value, str) else HeaderSet(value)
        if items:
            self.headers[name] = items.to_header()
        else:
            self.headers.remove(name)

    # Werkzeug's header attributes (None when the header is absent; None removes it). Flask
    # code sets them directly: ``response.access_control_allow_origin = "*"``.
    content_encoding = _Header("Content-Encoding")
    content_location = _Header("Content-Location")
    content_md5 = _Header("Content-MD5")
    content_range = _Header("Content-Range")
    accept_ranges = _Header("Accept-Ranges")
    content_security_policy = _Header("Content-Security-Policy", dump=_to_header)
    content_security_policy_report_only = _Header(
        "Content-Security-Policy-Report-Only", dump=_to_header
    )
    age = _Header("Age", parse=_parse_seconds, dump=_dump_seconds)
    retry_after = _Header("Retry-After", parse=_parse_retry_after, dump=_dump_retry_after)
    access_control_allow_origin = _Header("Access-Control-Allow-Origin")
    access_control_allow_credentials = _Header(
        "Access-Control-Allow-Credentials",
        parse=lambda value: value == "true",
        dump=lambda value: "true" if value else None,
    )
    access_control_max_age = _Header("Access-Control-Max-Age", parse=_parse_int, dump=str)

    @property
    def access_control_allow_headers(self) -> HeaderSet:
        return self._header_set("Access-Control-Allow-Headers")

    @access_control_allow_headers.setter
    def access_control_allow_headers(self, value: str | Iterable[str] | None) -> None:
        self._assign_header_set("Access-Control-Allow-Headers", value)

    @property
    def access_control_allow_methods(self) -> HeaderSet:
        return self._header_set("Access-Control-Allow-Methods")

    @access_control_allow_methods.setter
    def access_control_allow_methods(self, value: str | Iterable[str] | None) -> None:
        self._assign_header_set("Access-Control-Allow-Methods", value)

    @property
    def access_control_expose_headers(self) -> HeaderSet:
        return self._header_set("Access-Control-Expose-Headers")

    @access_control_expose_headers.setter
    def access_control_expose_headers(self, value: str | Iterable[str] | None) -> None:
        self._assign_header_set("Access-Control-Expose-Headers", value)

    @property
    def mimetype_params(self) -> dict[str, str]:
        """The ``Content-Type`` parameters (``{"charset": "utf-8"}``), as a dict whose changes
        write back to the header, as Werkzeug's does."""
        headers = self.headers
        mimetype, params = http.parse_options_header(headers.get("Content-Type"))

        def write_back(changed: dict[str, str]) -> None:
            base = mimetype or self.default_mimetype or "text/plain"
            headers["Content-Type"] = http.dump_options_header(base, changed)

        return _WriteBackDict(params, write_back)

    @property
    def is_sequence(self) -> bool:
        """Whether the body is buffered (a list or tuple), not streamed."""
        return isinstance(self.response, (list, tuple))

    # -- conditional responses ---------------------------------------------------------------

    def make_conditional(
        self,
        request_or_environ: Any,
        accept_ranges: bool | str = False,
        complete_length: int | None = None,
    ) -> Response:
        """Answer the request's conditional headers against this response; returns ``self``.

        With an ``ETag`` (see :meth:`add_etag`) or ``Last-Modified`` set, a GET or HEAD whose
        ``If-None-Match`` / ``If-Modified-Since`` is satisfied becomes 304 Not Modified with no
        body, and a failed ``If-Match`` / ``If-Unmodified-Since`` becomes 412. A ``Date`` header
        is added when missing, as in Werkzeug. ``accept_ranges`` sets ``Accept-Ranges``
        (``True`` means ``bytes``); with ``complete_length`` too, a single ``Range`` of a 200
        answer is served from the body (206, or 416 when it is past the end), as in Werkzeug.
        ``request_or_environ`` is a request or a WSGI environ.
        """
        headers, method = _request_headers_and_method(request_or_environ)
        if method not in ("GET", "HEAD"):
            # RFC 9110 13.2.1: a server may ignore preconditions on a response it generated
            # for another method; Werkzeug does too.
            return self
        if "Date" not in self.headers:
            self.headers["Date"] = http.http_date()
        if accept_ranges:
            self.headers["Accept-Ranges"] = "bytes" if accept_ranges is True else accept_ranges
        etag, _ = self.get_etag()
        modified = self.last_modified
        status = http.evaluate_preconditions(method, headers, etag, modified)
        if status == 304:
            self.status_code, self._reason = 304, None
            # RFC 9110 15.4.5: no body, and no headers that describe the one not sent.
            self.response = []
            for name in ("Content-Length", "Content-Type", "Content-Encoding"):
                self.headers.remove(name)
        elif status == 412:
            self.status_code, self._reason = 412, None
        elif (
            accept_ranges
            and complete_length
            and self.status_code == 200
            and http.if_range_holds(headers.get("If-Range"), etag, modified)
        ):
            self._answer_range(headers.get("Range"), complete_length)
        return self

    def _answer_range(self, header: str | None, length: int) -> None:
        """Serve the one byte range ``header`` asks of this buffered body (206), or 416 when
        it asks none that exists; a malformed header, or several ranges, get the whole body
        (RFC 9110 14.2: a server may ignore ``Range``)."""
        ranges = http.parse_range_header(header, length)
        if ranges is None or len(ranges) > 1:
            return
        if not ranges:
            self.status_code, self._reason = 416, None
            self.response = []
            self.headers["Content-Range"] = f"bytes */{length}"
            self.headers["Content-Length"] = "0"
            return
        start, stop = ranges[0]
        self.response = [self.get_data()[start:stop]]
        self.status_code, self._reason = 206, None
        self.headers["Content-Range"] = http.content_range(start, stop, length)
        self.headers["Content-Length"] = str(stop - start)

    def calculate_content_length(self) -> int | None:
        """The body's length when it is buffered, None for a streamed body."""
        if self.is_streamed:
            return None
        return sum(
            len(chunk.encode(self.charset) if isinstance(chunk, str) else chunk)
            for chunk in self.response
        )

    def freeze(self) -> None:
        """Buffer a streamed body and set ``Content-Length``, so the response can be kept (a
        cache does this before it stores one)."""
        self.set_data(self.get_data())

    # -- lifecycle ---------------------------------------------------------------------------

    def call_on_close(self, func: Callable[[], Any]) -> Callable[[], Any]:
        """Run ``func`` once the body was sent (or the client went away)."""
        if isinstance(self._on_close, list):
            self._on_close.append(func)
        else:
            self._on_close = [func]
        return func

    def close(self) -> None:
        """Close a streamed body and run the ``call_on_close`` functions."""
        close = getattr(self.response, "close", None)
        try:
            if close is not None:
                close()
        finally:
            for func in self._on_close:
                func()


#: A Content-Type given as such, checked: PERF, memoised like :func:`_content_type_for` (every
#: error object and most JSON answers give theirs), and a refused value raises, so is not kept.
_checked_content_type = functools.lru_cache(maxsize=64, typed=True)(_check_value)


#: PERF: the Content-Type of a mimetype with the UTF-8 charset, filled by _content_type_for.
_UTF8_CONTENT_TYPES: dict[str | None, str | None] = {}


@functools.lru_cache(maxsize=64)
def _content_type_for(mimetype: str | None, charset: str) -> str | None:
    """The Content-Type for a mimetype, with the charset for text types; checked and memoised.

    PERF: a response's content type is almost always one of a handful of values, so the check
    and the string building happen once per value, not once per response.
    """
    if mimetype is None:
        return None
    # APPSEC: the same check as any header value (control characters, non-latin-1), raising
    # InvalidHeader; a mimetype built from client input is then a 400, not a bad header.
    content_type = _check_value(_with_charset(mimetype, charset))
    if charset == "utf-8" and type(mimetype) is str and len(_UTF8_CONTENT_TYPES) < 64:
        _UTF8_CONTENT_TYPES[mimetype] = content_type
    return content_type


def _request_headers_and_method(request_or_environ: Any) -> tuple[Any, str]:
    """The headers (anything with ``get``) and method of a request or of a WSGI environ."""
    if isinstance(request_or_environ, dict):
        method = str(request_or_environ.get("REQUEST_METHOD", "GET")).upper()
        return EnvironHeaders(request_or_environ), method
    return request_or_environ.headers, str(request_or_environ.method).upper()


def _with_charset(mimetype: str, charset: str) -> str:
    if "charset" in mimetype or not (
        mimetype.startswith("text/")
        or mimetype in ("application/xml", "application/javascript", "application/ecmascript")
        or mimetype.endswith("+xml")
    ):
        return mimetype
    return f"{mimetype}; charset={charset}"


def redirect_response(location: str, code: int, cls: type[Response]) -> Response:
    """A redirect to ``location`` as an instance of ``cls``: the work behind ``erlen.redirect``."""
    quoted = http.url_quote(location)
    display = quoted.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
    body = (
        "<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n<h1>Redirecting...</h1>\n"
        f'<p>You should be redirected to <a href="{display}">{display}</a>.</p>\n'
    )
    response = cls(body, code)
    response.headers["Location"] = quoted
    return response


def _encoded(body: Iterable[str | bytes], charset: str) -> Iterator[bytes]:
    for chunk in body:
        yield chunk.encode(charset) if isinstance(chunk, str) else chunk
