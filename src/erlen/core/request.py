"""The incoming request: what the client sent, parsed lazily and within limits.

A :class:`Request` is built by a server adapter (``wsgi.py``, later ``asgi.py``) from already
separated parts: method, path, query string, headers and a body stream. It does no IO of its own
beyond reading that stream, and it parses nothing until a view asks: the query string on the
first ``args`` access, cookies on the first ``cookies`` access, the body on the first ``data``,
``form``, ``files`` or ``json`` access.

APPSEC: every parser here has a limit (body size, form memory, form parts, JSON nesting). Going
past one answers 413 or 400 with an error object, never 500.
"""

from __future__ import annotations

import json
import json.scanner
import math
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

from . import http
from .datastructures import (
    CacheControl,
    FileStorage,
    Headers,
    ImmutableMultiDict,
    MultiDict,
)
from .datastructures.headers import _HeaderReader
from .errors import BadRequest, RequestEntityTooLarge, UnsupportedMediaType
from .formparser import NO_FILES, parse_form

if TYPE_CHECKING:
    from .routing import Rule

__all__ = ["Request", "BodyStream", "LimitedStream", "Limits"]

_MISSING: Any = object()


class _NotFinite(ValueError):
    """A JSON body's NaN, Infinity, or a number too large for a float."""


def _refuse_constant(name: str) -> Any:
    raise _NotFinite(name)


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (math.inf, -math.inf):  # 1e999: valid JSON, but no float holds it
        raise _NotFinite(text)
    return value


#: APPSEC: RFC 8259 JSON, which has no NaN or Infinity (Python's json module reads them, and a
#: value that became one would be answered as invalid JSON or lost as ``null``).
_JSON_DECODER = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite_float)
_c_make_scanner: Any = getattr(json.scanner, "c_make_scanner", None)
#: The decoder's C scanner (None on an interpreter without the ``_json`` accelerator).
_scan_json: Callable[[str, int], tuple[Any, int]] | None = (
    _c_make_scanner(_JSON_DECODER) if _c_make_scanner is not None else None
)
_JSON_WHITESPACE = " \t\n\r"


def _decode_json(text: str) -> Any:
    """``_JSON_DECODER.decode(text)``: the same values, and a ``ValueError`` wherever it raises
    one (its position may differ: the request reports none).

    PERF: the C scanner called directly, with the whitespace around the document stripped by
    str methods, as ``JSONDecoder.decode`` and ``raw_decode`` do with two Python calls and two
    regular expression matches (about 0.35 us of every JSON body).
    """
    if _scan_json is None:
        return _JSON_DECODER.decode(text)
    start = len(text) - len(text.lstrip(_JSON_WHITESPACE))
    try:
        value, end = _scan_json(text, start)
    except StopIteration:
        raise json.JSONDecodeError("Expecting value", text, start) from None
    if end != len(text) and text[end:].strip(_JSON_WHITESPACE):
        raise json.JSONDecodeError("Extra data", text, end)
    return value


def _standard_json_loads() -> Callable[[str], Any] | None:
    return None


#: The current app's own JSON ``loads``, or None for the standard one: request bodies are parsed
#: through the app's JSON provider as in Flask (``app.json``), and the app layer points this
#: hook at it, so that this module never imports that layer.
app_json_loads: Callable[[], Callable[[str], Any] | None] = _standard_json_loads


class BodyStream(Protocol):
    """What a request body must offer: a blocking ``read``. Adapters wrap their server's input."""

    def read(self, size: int = -1, /) -> bytes: ...


class Limits:
    """The parsing limits a request enforces; taken from the app's config once per app."""

    __slots__ = (
        "max_content_length", "max_form_memory_size", "max_form_parts", "max_json_depth",
        "trusted_hosts", "max_header_count", "max_header_bytes",
    )  # fmt: skip

    def __init__(
        self,
        max_content_length: int | None = 16 * 1024 * 1024,
        max_form_memory_size: int | None = 500_000,
        max_form_parts: int | None = 1000,
        max_json_depth: int = 64,
        trusted_hosts: Iterable[str] | None = None,
        max_header_count: int | None = 100,
        max_header_bytes: int | None = 32 * 1024,
    ) -> None:
        #: At most this many request header fields, and this many bytes of header values
        #: (``MAX_HEADER_COUNT``, ``MAX_HEADER_BYTES``): a 431 past either.
        self.max_header_count = max_header_count
        self.max_header_bytes = max_header_bytes
        self.max_content_length = max_content_length
        self.max_form_memory_size = max_form_memory_size
        self.max_form_parts = max_form_parts
        self.max_json_depth = max_json_depth
        #: Host names the app answers to (``TRUSTED_HOSTS``); ``.example.org`` also allows its
        #: subdomains. None accepts any host.
        self.trusted_hosts = tuple(trusted_hosts) if trusted_hosts is not None else None

    def replace(self, **changes: Any) -> Limits:
        """A copy with ``changes``: limits are shared by an app's requests, never changed."""
        values = {name: getattr(self, name) for name in self.__slots__}
        values.update(changes)
        return Limits(**values)


DEFAULT_LIMITS = Limits()


class LimitedStream:
    """A body stream that stops at Content-Length and refuses to go past a size limit.

    ``length`` is the declared Content-Length (None for a chunked body the server has already
    framed). Reading past ``limit`` raises :class:`RequestEntityTooLarge`, so an oversize body is
    refused while it streams in, whether or not the client declared its size.
    """

    __slots__ = ("_stream", "_remaining", "_limit", "_read", "declared_length")

    def __init__(self, stream: BodyStream, length: int | None, limit: int | None) -> None:
        self._stream = stream
        #: The Content-Length the stream was made with (None for a chunked body).
        self.declared_length = length
        self._remaining = length
        self._limit = limit
        self._read = 0

    def read(self, size: int = -1, /) -> bytes:
        # PERF: the fields read once into locals; most bodies are read in one call.
        remaining, limit = self._remaining, self._limit
        if remaining is not None:
            if remaining <= 0:
                return b""
            if size < 0 or size > remaining:
                size = remaining
        if limit is not None:
            allowed = limit - self._read + 1
            if size < 0 or size > allowed:
                size = allowed
        chunk = self._stream.read(size)
        total = self._read = self._read + len(chunk)
        if remaining is not None:
            if not chunk and size > 0:
                raise BadRequest("The request body ended before its declared Content-Length.")
            self._remaining = remaining - len(chunk)
        if limit is not None and total > limit:
            raise RequestEntityTooLarge(
                f"The request body is larger than the limit of {limit} bytes."
            )
        return chunk

    def exhaust(self, chunk_size: int = 65536) -> None:
        """Read and drop what is left, so the connection can carry the next request."""
        while self.read(chunk_size):
            pass


#: What no ``Host`` value holds: whitespace and separators, and the comma with which a server
#: joins repeated headers.
_NOT_IN_HOST = re.compile(r"[\s,/\\@?#]")

#: The bodies that :attr:`Request.form` parses (and so consumes).
_FORM_MIMETYPES = frozenset(("application/x-www-form-urlencoded", "multipart/form-data"))


class Request:
    """An HTTP request, as a view sees it through ``erlen.request``.

    Attributes set by the adapter: ``method`` (upper case), ``path`` (decoded, without the script
    root), ``root_path`` (the script root, as in ``SCRIPT_NAME``), ``query_string`` (raw bytes),
    ``headers``, ``scheme``, ``server`` (host, port), ``remote_addr`` and ``environ`` (the WSGI
    environ or ASGI scope, for code that needs the server's own keys). Routing fills in
    ``url_rule``, ``endpoint`` and ``view_args``.
    """

    __slots__ = (
        "method", "path", "root_path", "query_string", "headers", "scheme", "server",
        "remote_addr", "environ", "stream", "limits", "url_rule", "view_args",
        "routing_exception", "_args", "_cookies", "_data", "_form", "_files", "_json",
        "_content_type", "_has_cookie", "__weakref__", "__dict__",
    )  # fmt: skip
    # ``__dict__``: extensions keep per-request state on the request object itself
    # (Flask-Talisman's ``request.csp_nonce``), as Flask's request allows. PERF: CPython creates
    # the dict only when such an attribute is first set.

    #: Parsed JSON, decoded form fields and the like use this charset.
    charset = "utf-8"

    def __init__(
        self,
        method: str,
        path: str,
        query_string: bytes = b"",
        headers: Headers | _HeaderReader | Mapping[str, str] | None = None,
        stream: BodyStream | None = None,
        *,
        scheme: str = "http",
        server: tuple[str, int | None] | None = None,
        remote_addr: str | None = None,
        root_path: str = "",
        environ: dict[str, Any] | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.method = method
        self.path = path
        self.root_path = root_path
        self.query_string = query_string
        self.headers: Any = headers if headers is not None else Headers()
        self.stream: BodyStream | None = stream
        self.scheme = scheme
        self.server = server
        self.remote_addr = remote_addr
        self.environ: dict[str, Any] = environ if environ is not None else {}
        self.limits = limits
        #: Whether the request may carry cookies (the adapters know; True when unsure): a
        #: request without any is not looked at for a session to refresh.
        self._has_cookie = True
        self.url_rule: Rule | None = None
        self.view_args: dict[str, Any] | None = None
        self.routing_exception: Exception | None = None
        self._args: ImmutableMultiDict[str] | None = None
        self._cookies: ImmutableMultiDict[str] | None = None
        self._data: bytes | None = None
        self._form: ImmutableMultiDict[str] | None = None
        self._files: ImmutableMultiDict[FileStorage] | None = None
        self._json: Any = _MISSING
        self._content_type: tuple[str, dict[str, str]] | None = None

    def __repr__(self) -> str:
        return f"<Request {self.method} {self.url!r}>"

    # -- URL ---------------------------------------------------------------------------------

    @property
    def endpoint(self) -> str | None:
        """The endpoint of the matched rule, or None when routing failed."""
        return self.url_rule.endpoint if self.url_rule is not None else None

    @property
    def blueprint(self) -> str | None:
        """The name of the blueprint whose view handles this request, if any."""
        endpoint = self.endpoint
        if endpoint is None or "." not in endpoint:
            return None
        return endpoint.rpartition(".")[0]

    @property
    def blueprints(self) -> list[str]:
        """The blueprint and its parents, innermost first (``["parent.child", "parent"]``)."""
        name = self.blueprint
        if name is None:
            return []
        parts = name.split(".")
        return [".".join(parts[:index]) for index in range(len(parts), 0, -1)]

    @property
    def host(self) -> str:
        """The host the client asked for (``Host`` header), with the port when not default.

        APPSEC: with ``TRUSTED_HOSTS`` set, a host outside that list raises BadRequest (400), so
        a forged Host header cannot reach absolute URLs the app builds (password-reset links).
        A value that is no host (two ``Host`` headers, which servers join with a comma, or one
        with a space, a slash or an ``@``) raises BadRequest too, as RFC 9112 asks.
        """
        host = self.headers.get("Host")
        if host and _NOT_IN_HOST.search(host):
            raise BadRequest("The request's Host header is not one valid host.")
        if not host:
            if self.server is None:
                host = "localhost"
            else:
                name, port = self.server
                default_port = (self.scheme, port) in (("http", 80), ("https", 443))
                host = name if port is None or default_port else f"{name}:{port}"
        trusted = self.limits.trusted_hosts
        if trusted is not None and not _host_is_trusted(str(host), trusted):
            raise BadRequest("The Host header names a host this server does not serve.")
        return str(host)

    @property
    def full_path(self) -> str:
        """The path and query string: ``/search?q=erlen`` (``/search?`` with none, as Flask)."""
        return f"{self.path}?{self.query_string.decode('latin-1')}"

    @property
    def script_root(self) -> str:
        return self.root_path

    @property
    def host_url(self) -> str:
        return f"{self.scheme}://{self.host}/"

    @property
    def root_url(self) -> str:
        return f"{self.scheme}://{self.host}{self.root_path}/"

    url_root = root_url

    @property
    def base_url(self) -> str:
        """The URL without the query string."""
        path = quote(self.root_path + self.path, safe="/:@!$&'()*+,;=")
        return f"{self.scheme}://{self.host}{path}"

    @property
    def url(self) -> str:
        """The full URL the client asked for, percent-encoded."""
        if self.query_string:
            return f"{self.base_url}?{self.query_string.decode('latin-1')}"
        return self.base_url

    @property
    def is_secure(self) -> bool:
        return self.scheme in ("https", "wss")

    @property
    def args(self) -> ImmutableMultiDict[str]:
        """The query string's parameters, multi-valued: ``request.args.getlist("tag")``."""
        if self._args is None:
            query = self._query_for_parsing()
            if not query:
                self._args = ImmutableMultiDict()
            else:
                try:
                    pairs = http.parse_qsl(
                        query, max_fields=self.limits.max_form_parts or 1_000_000
                    )
                except http.TooManyFields:
                    raise BadRequest("The query string has too many parameters.") from None
                self._args = ImmutableMultiDict(pairs)
        return self._args

    def _query_for_parsing(self) -> str | bytes:
        """The query string as the adapter holds it; parse_qsl takes either form."""
        return self.query_string

    # -- headers -----------------------------------------------------------------------------

    @property
    def cookies(self) -> ImmutableMultiDict[str]:
        """The cookies the client sent, by name."""
        if self._cookies is None:
            self._cookies = ImmutableMultiDict(http.parse_cookie(self.headers.get("Cookie")))
        return self._cookies

    def _parsed_content_type(self) -> tuple[str, dict[str, str]]:
        if self._content_type is None:
            self._content_type = http.parse_options_header(self.content_type)
        return self._content_type

    @property
    def content_type(self) -> str | None:
        value = self.headers.get("Content-Type")
        return str(value) if value is not None else None

    @property
    def mimetype(self) -> str:
        """The body's media type, lower case, without parameters (``""`` when none was sent)."""
        return self._parsed_content_type()[0]

    @property
    def mimetype_params(self) -> dict[str, str]:
        return self._parsed_content_type()[1]

    @property
    def content_length(self) -> int | None:
        """The declared body length; None when absent or not a plain non-negative number."""
        return http.parse_content_length(self.headers.get("Content-Length"))

    @property
    def content_encoding(self) -> str | None:
        value = self.headers.get("Content-Encoding")
        return str(value) if value is not None else None

    @property
    def user_agent(self) -> http.UserAgent:
        """The ``User-Agent`` header (``""`` when absent): a str, with Werkzeug's ``.string``."""
        return http.UserAgent(self.headers.get("User-Agent", ""))

    @property
    def cache_control(self) -> CacheControl:
        """The request's ``Cache-Control`` directives (``no_cache``, ``max_age``...), read-only
        in spirit: changing them changes nothing the client sent."""
        return CacheControl.parse(self.headers.get("Cache-Control"))

    @property
    def referrer(self) -> str | None:
        value = self.headers.get("Referer")
        return str(value) if value is not None else None

    @property
    def authorization(self) -> http.Authorization | None:
        """The ``Authorization`` header, parsed: ``.type``, ``.username``/``.password`` for
        Basic, ``.token`` for Bearer and other schemes; None when absent or malformed."""
        return http.parse_authorization(self.headers.get("Authorization"))

    @property
    def origin(self) -> str | None:
        """The ``Origin`` header: where a cross-origin (CORS) request comes from."""
        value = self.headers.get("Origin")
        return str(value) if value is not None else None

    @property
    def date(self) -> datetime | None:
        """The ``Date`` header as an aware UTC datetime (None when absent or unreadable)."""
        return http.parse_date(self.headers.get("Date"))

    @property
    def if_match(self) -> http.ETags:
        """The ``If-Match`` header's entity tags (empty when absent)."""
        return http.parse_etags(self.headers.get("If-Match"))

    @property
    def if_none_match(self) -> http.ETags:
        """The ``If-None-Match`` header's entity tags (empty when absent)."""
        return http.parse_etags(self.headers.get("If-None-Match"))

    @property
    def if_modified_since(self) -> datetime | None:
        return http.parse_date(self.headers.get("If-Modified-Since"))

    @property
    def if_unmodified_since(self) -> datetime | None:
        return http.parse_date(self.headers.get("If-Unmodified-Since"))

    @property
    def if_range(self) -> http.IfRange:
        """The ``If-Range`` header: its ``etag`` or its ``date`` (both None when absent)."""
        return http.parse_if_range(self.headers.get("If-Range"))

    @property
    def range(self) -> http.Range | None:
        """The ``Range`` header, parsed (None when absent or malformed)."""
        return http.parse_range(self.headers.get("Range"))

    @property
    def pragma(self) -> frozenset[str]:
        """The ``Pragma`` header's directives, lower case: ``"no-cache" in request.pragma``."""
        value = self.headers.get("Pragma") or ""
        return frozenset(item.strip().lower() for item in value.split(",") if item.strip())

    @property
    def max_forwards(self) -> int | None:
        return http.parse_content_length(self.headers.get("Max-Forwards"))

    @property
    def content_md5(self) -> str | None:
        value = self.headers.get("Content-MD5")
        return str(value) if value is not None else None

    @property
    def access_control_request_method(self) -> str | None:
        """A CORS preflight's ``Access-Control-Request-Method``."""
        value = self.headers.get("Access-Control-Request-Method")
        return str(value) if value is not None else None

    @property
    def access_control_request_headers(self) -> frozenset[str] | None:
        """A CORS preflight's ``Access-Control-Request-Headers``, lower case (None without)."""
        value = self.headers.get("Access-Control-Request-Headers")
        if value is None:
            return None
        return frozenset(item.strip().lower() for item in value.split(",") if item.strip())

    @property
    def access_route(self) -> list[str]:
        """The client and the proxies between, from ``X-Forwarded-For`` (client first), else
        the client address. Any client can write that header: trust it only behind a proxy
        that sets it (see :class:`~erlen.middleware.ProxyFix`)."""
        forwarded = self.headers.get("X-Forwarded-For")
        if forwarded:
            return [item.strip() for item in forwarded.split(",") if item.strip()]
        return [self.remote_addr] if self.remote_addr else []

    @property
    def remote_user(self) -> str | None:
        """The user a server authenticated (``REMOTE_USER`` in a WSGI environ)."""
        value = self.environ.get("REMOTE_USER") if self.environ is not None else None
        return str(value) if value is not None else None

    @property
    def is_multithread(self) -> bool:
        return bool(self.environ.get("wsgi.multithread")) if self.environ is not None else False

    @property
    def is_multiprocess(self) -> bool:
        return bool(self.environ.get("wsgi.multiprocess")) if self.environ is not None else False

    @property
    def is_run_once(self) -> bool:
        return bool(self.environ.get("wsgi.run_once")) if self.environ is not None else False

    # -- limits, per request as in Flask -------------------------------------------------------

    @property
    def max_content_length(self) -> int | None:
        """The body size limit for this request: ``MAX_CONTENT_LENGTH`` unless set here (a
        view for large uploads may raise it before it reads the body, as in Flask; over ASGI
        the body is received before the view runs, under the app's limit)."""
        return self.limits.max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self.limits = self.limits.replace(max_content_length=value)
        stream = self.stream
        if isinstance(stream, LimitedStream):
            stream._limit = value

    @property
    def max_form_memory_size(self) -> int | None:
        return self.limits.max_form_memory_size

    @max_form_memory_size.setter
    def max_form_memory_size(self, value: int | None) -> None:
        self.limits = self.limits.replace(max_form_memory_size=value)

    @property
    def max_form_parts(self) -> int | None:
        return self.limits.max_form_parts

    @max_form_parts.setter
    def max_form_parts(self, value: int | None) -> None:
        self.limits = self.limits.replace(max_form_parts=value)

    @property
    def trusted_hosts(self) -> list[str] | None:
        hosts = self.limits.trusted_hosts
        return list(hosts) if hosts is not None else None

    @property
    def accept_mimetypes(self) -> http.MIMEAccept:
        """The ``Accept`` header: ``best_match(offers)``, ``quality(mimetype)``, ``in``,
        ``accept_json`` and ``accept_html``, as in Flask."""
        return http.MIMEAccept(self.headers.get("Accept"))

    @property
    def accept_languages(self) -> http.LanguageAccept:
        """The ``Accept-Language`` header: ``best_match(["en", "de"])`` (None when the client
        named none of them, so the app's default locale applies), ``quality``, ``best``."""
        return http.LanguageAccept(self.headers.get("Accept-Language"))

    @property
    def accept_encodings(self) -> http.Accept:
        """The ``Accept-Encoding`` header: ``"gzip" in request.accept_encodings``."""
        return http.Accept(self.headers.get("Accept-Encoding"))

    @property
    def accept_charsets(self) -> http.CharsetAccept:
        """The ``Accept-Charset`` header; charset names compare as Python's codecs do."""
        return http.CharsetAccept(self.headers.get("Accept-Charset"))

    @property
    def accept(self) -> str:
        """The raw ``Accept`` header; see :meth:`accept_best_match` to negotiate."""
        return str(self.headers.get("Accept", ""))

    def accept_best_match(self, offers: list[str], default: str | None = None) -> str | None:
        """The offered media type the client prefers, by the ``Accept`` header's qualities."""
        return http.best_match(self.headers.get("Accept"), offers, default)

    @property
    def prefers_json(self) -> bool:
        """True when the client would rather have JSON than HTML (by Accept, or by sending JSON)."""
        return http.prefers_json(self.headers.get("Accept")) or (
            self.content_type is not None and self.is_json
        )

    @property
    def is_json(self) -> bool:
        """True for ``application/json`` and ``application/*+json`` bodies."""
        if self.content_type == "application/json":
            return True  # PERF: what nearly every JSON client sends, known without parsing
        mimetype = self.mimetype
        return mimetype == "application/json" or (
            mimetype.startswith("application/") and mimetype.endswith("+json")
        )

    # -- body --------------------------------------------------------------------------------

    def _check_declared_length(self) -> None:
        limit = self.limits.max_content_length
        if limit is None:
            return
        stream = self.stream
        # PERF: the adapters' stream holds the length they parsed; no second parse.
        length = stream.declared_length if type(stream) is LimitedStream else self.content_length
        if length is not None and length > limit:
            raise RequestEntityTooLarge(
                f"The request body is {length} bytes; the limit is {limit} bytes."
            )

    def _receive_body(self, up_to: int | None = None) -> Awaitable[None] | None:
        """What to await so that the body reads without blocking an event loop, or None.

        The ASGI adapter's request receives its whole body here (within the limit), keeping
        at most ``up_to`` bytes of it in memory and the rest in a temporary file. Other
        requests have nothing to wait for.
        """
        return None

    def get_data(
        self, cache: bool = True, as_text: bool = False, parse_form_data: bool = False
    ) -> Any:
        """The raw body, read once (within ``MAX_CONTENT_LENGTH``) and kept when ``cache``.

        With ``parse_form_data`` a form body is parsed into :attr:`form` first, which consumes
        it, so the raw body is empty (Werkzeug's behaviour, which :attr:`data` relies on).
        """
        if self._data is None:
            if parse_form_data and self.mimetype in _FORM_MIMETYPES:
                self._load_form()
            if self._form is not None and self._data is None and self._form_consumed_body():
                data = b""
            else:
                self._check_declared_length()
                data = self.stream.read() if self.stream is not None else b""
            if not cache:
                return data.decode(self.charset, "replace") if as_text else data
            self._data = data
        if as_text:
            return self._data.decode(self.charset, "replace")
        return self._data

    def _form_consumed_body(self) -> bool:
        """Whether parsing :attr:`form` read the body (a urlencoded or multipart one)."""
        return self.stream is not None and self.mimetype in _FORM_MIMETYPES

    @property
    def data(self) -> bytes:
        """The raw body as bytes; a form body is parsed into :attr:`form` instead, which leaves
        this empty, as in Flask. Any other body is kept whole, whether or not ``form`` was
        read before (a hook checking a form field must not lose a JSON body)."""
        return bytes(self.get_data(parse_form_data=True))

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        """The body parsed as JSON.

        Without ``force`` the content type must be JSON, else 415. A body that is not valid JSON
        (or not UTF-8, or nested deeper than the limit) answers 400. ``silent`` returns None
        instead of raising either error.
        """
        if cache and self._json is not _MISSING:
            return self._json
        if not (force or self.is_json):
            if silent:
                return None
            return self.on_json_loading_failed(None)
        try:
            value = self._load_json(self.get_data(cache=cache))
        except BadRequest as exc:
            if silent:
                return None
            return self.on_json_loading_failed(exc)
        if cache:
            self._json = value
        return value

    def on_json_loading_failed(self, e: BadRequest | None) -> Any:
        """What :meth:`get_json` does with a body that is not JSON (``e``, the 400 saying why)
        or not declared JSON (``e`` None): raise, as Flask's does. A subclass may raise its
        own error, or return a value for ``get_json`` to return instead."""
        if e is not None:
            raise e
        raise UnsupportedMediaType(
            "The request body must be JSON, with Content-Type: application/json."
        )

    @property
    def json(self) -> Any:
        """The body parsed as JSON; see :meth:`get_json`."""
        return self.get_json()

    def _load_json(self, data: bytes) -> Any:
        try:
            text = data.decode("utf-8-sig") if data.startswith(b"\xef\xbb\xbf") else data.decode()
        except UnicodeDecodeError:
            raise BadRequest("The JSON body is not valid UTF-8.") from None
        if not text or text.isspace():
            raise BadRequest("The JSON body is empty.")
        depth_limit = self.limits.max_json_depth
        loads = app_json_loads()
        try:
            value = _decode_json(text) if loads is None else loads(text)
        except RecursionError:  # nested past the interpreter's own limit
            raise BadRequest(f"The JSON body is nested deeper than {depth_limit} levels.") from None
        except _NotFinite as exc:
            raise BadRequest(
                f"The JSON body holds {str(exc)[:40]!r}: JSON numbers must be finite "
                "(no NaN or Infinity, and within a float's range)."
            ) from None
        except ValueError:
            raise BadRequest("The request body is not valid JSON.") from None
        if "\\u" in text and _has_lone_surrogate(value):
            # A lone surrogate escape parses, but no UTF-8 answer could carry it back.
            raise BadRequest("The JSON body contains an unpaired surrogate escape.")
        # PERF: counting brackets is C-fast; only a body with enough of them to be too deep has
        # its parsed containers walked.
        if text.count("[") + text.count("{") > depth_limit and _nesting_depth(value) > depth_limit:
            raise BadRequest(f"The JSON body is nested deeper than {depth_limit} levels.")
        return value

    def _load_form(self) -> None:
        if self._form is not None:
            return
        if self._data is not None:
            from io import BytesIO

            stream: BodyStream | None = BytesIO(self._data)
        else:
            self._check_declared_length()
            stream = self.stream
        form, files = parse_form(self, stream)
        self._form, self._files = form, files

    @property
    def form(self) -> ImmutableMultiDict[str]:
        """Fields of a urlencoded or multipart form body (empty for other bodies)."""
        form = self._form
        if form is None:  # PERF: once parsed, the form is returned without another call
            self._load_form()
            form = self._form
            assert form is not None
        return form

    @property
    def files(self) -> ImmutableMultiDict[FileStorage]:
        """Uploaded files of a multipart body, spooled to disk past a size."""
        self._load_form()
        return self._files if self._files is not None else NO_FILES

    @property
    def values(self) -> MultiDict[str]:
        """``args`` and ``form`` together (``form`` only for methods that carry a body)."""
        combined: MultiDict[str] = MultiDict()
        for key, value in self.args.items(multi=True):
            combined.add(key, value)
        if self.method not in ("GET", "HEAD"):
            for key, value in self.form.items(multi=True):
                combined.add(key, value)
        return combined

    def close(self) -> None:
        """Close uploaded files' temporary storage."""
        if self._files is not None:
            for _, storage in self._files.items(multi=True):
                storage.close()


def _has_lone_surrogate(value: Any) -> bool:
    try:
        json.dumps(value, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return True
    return False


def _host_is_trusted(host: str, trusted: tuple[str, ...]) -> bool:
    """True when ``host`` (port ignored) is in ``trusted``; ``.example.org`` covers subdomains."""
    if host.startswith("["):
        name = host[1 : host.find("]")] if "]" in host else host
    else:
        name = host.rpartition(":")[0] if host.count(":") == 1 else host
    name = name.rstrip(".").lower()
    for entry in trusted:
        entry = entry.lower()
        if entry.startswith("."):
            if name == entry[1:] or name.endswith(entry):
                return True
        elif name == entry:
            return True
    return False


def _nesting_depth(value: Any) -> int:
    """The deepest container nesting of a parsed JSON value, walked without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return deepest
