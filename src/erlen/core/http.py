"""HTTP header parsing and formatting: pure functions on strings, no IO, no state.

Parsers take what a client sent and never raise on malformed input (unless their docstring names
an exception): they answer ``None``, an empty result, or skip the bad part, so a hostile header
cannot turn into a 500. Formatters take what the application gives and refuse (``ValueError``)
anything that could break out of the header they build (APPSEC).

Longer than 600 lines on purpose: it is a flat library of small, independent pure functions
(cookies, options headers, Accept, dates, ETags, ranges, URL quoting) that share the token and
quoting rules at the top; split by header family each part would import those rules back, and
a reader looks a function up by name, not reads the module top to bottom.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol
from urllib.parse import quote, unquote, unquote_to_bytes

__all__ = [
    "Accept",
    "Authorization",
    "CharsetAccept",
    "ETags",
    "IfRange",
    "LanguageAccept",
    "MIMEAccept",
    "Range",
    "UserAgent",
    "InvalidPath",
    "TooManyFields",
    "accept_quality",
    "best_match",
    "content_disposition",
    "content_range",
    "dump_cookie",
    "dump_options_header",
    "evaluate_preconditions",
    "http_date",
    "if_range_holds",
    "iri_to_uri",
    "is_token",
    "parse_accept",
    "parse_cookie",
    "parse_date",
    "parse_etags",
    "parse_if_range",
    "parse_options_header",
    "parse_qsl",
    "parse_range",
    "parse_range_header",
    "prefers_json",
    "quote_etag",
    "quote_header_value",
    "unquote_etag",
    "unquote_header_value",
    "unquote_path",
    "url_quote",
]


class TooManyFields(ValueError):
    """A query string or form has more fields than ``max_fields`` allows."""


class InvalidPath(ValueError):
    """A request path that is not valid UTF-8 or contains a NUL byte."""


_TOKEN_RE = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# The inside of a quoted-string, up to the closing quote (or the end, when there is none).
_QUOTED_RE = re.compile(r'"((?:[^"\\]|\\.)*)"?', re.DOTALL)
_BACKSLASH_RE = re.compile(r"\\(.)", re.DOTALL)
# RFC 5987 attr-char beyond letters, digits and "-._~", which quote() keeps anyway.
_ATTR_SAFE = "!#$&+^`|"


def is_token(value: str) -> bool:
    """Whether ``value`` is an RFC 9110 token, as header names and cookie names must be."""
    return _TOKEN_RE.fullmatch(value) is not None


_CTL = re.compile("[\x00-\x08\x0a-\x1f\x7f]")


def _has_ctl(value: str) -> bool:
    """Whether ``value`` holds a control character (HTAB allowed) that no header may carry."""
    return _CTL.search(value) is not None


def quote_header_value(value: str) -> str:
    """``value`` as is when it is a token, else as a quoted-string with ``"`` and ``\\`` escaped.

    Raises ``ValueError`` for control characters, which a quoted-string cannot carry (APPSEC).
    """
    if value and _TOKEN_RE.fullmatch(value):
        return value
    if _has_ctl(value):
        raise ValueError(f"{value!r} contains control characters and cannot be quoted")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def unquote_header_value(value: str) -> str:
    """Undo :func:`quote_header_value`: strip surrounding quotes and backslash escapes."""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        inner = value[1:-1]
        return _BACKSLASH_RE.sub(r"\1", inner) if "\\" in inner else inner
    return value


# -- options headers (Content-Type, Content-Disposition) ----------------------------------------


def parse_options_header(value: str | None) -> tuple[str, dict[str, str]]:
    """Split ``'text/html; charset="utf-8"'`` into ``("text/html", {"charset": "utf-8"})``.

    The main value and parameter names are lower-cased; quoted values are unescaped. RFC 2231 /
    5987 extended parameters (``filename*=UTF-8''na%C3%AFve.txt``, also split into ``*0``,
    ``*1``... continuations) are decoded and win over the plain form. Otherwise the first
    occurrence of a parameter wins. Parameters without ``=`` are skipped. Never raises.
    """
    if not value:
        return "", {}
    semi = value.find(";")
    if semi == -1:
        return value.strip().lower(), {}
    main = value[:semi].strip().lower()
    params: dict[str, str] = {}
    extended: dict[str, dict[int, tuple[str, bool]]] = {}
    for key, raw in _iter_params(value, semi):
        if "*" in key:
            _collect_extended(extended, key, raw)
        elif key not in params:
            params[key] = raw
    for name, pieces in extended.items():
        decoded = _decode_extended(pieces)
        if decoded is not None:
            params[name] = decoded
    return main, params


def _iter_params(value: str, pos: int) -> Iterator[tuple[str, str]]:
    """``(key, value)`` for each ``; key=value`` from ``pos`` (at a ``;``) on."""
    length = len(value)
    while pos < length:
        pos += 1  # past the ";"
        equals = value.find("=", pos)
        semi = value.find(";", pos)
        if equals == -1 or (semi != -1 and semi < equals):
            if semi == -1:
                return
            pos = semi
            continue
        key = value[pos:equals].strip().lower()
        start = equals + 1
        while start < length and value[start] in " \t":
            start += 1
        if start < length and value[start] == '"':
            match = _QUOTED_RE.match(value, start)
            assert match is not None  # the pattern matches any text starting with a quote
            inner = match.group(1)
            raw = _BACKSLASH_RE.sub(r"\1", inner) if "\\" in inner else inner
            semi = value.find(";", match.end())
        else:
            raw = value[start : semi if semi != -1 else length].strip()
        if key:
            yield key, raw
        if semi == -1:
            return
        pos = semi


def _collect_extended(extended: dict[str, dict[int, tuple[str, bool]]], key: str, raw: str) -> None:
    """File an RFC 2231 parameter (``name*``, ``name*0``, ``name*1*``...) under ``name``.

    A quoted extended value is read as encoded too: RFC 5987 forbids the quotes, some clients
    send them anyway.
    """
    is_encoded = key.endswith("*")
    name, _, index_text = (key[:-1] if key.endswith("*") else key).partition("*")
    if not name:
        return
    if not index_text:
        index = 0
    elif index_text.isascii() and index_text.isdigit() and len(index_text) <= 3:
        index = int(index_text)
    else:
        return
    extended.setdefault(name, {}).setdefault(index, (raw, is_encoded))


# APPSEC: the charset comes from the client; looking up any codec by that name would import
# modules of the client's choosing. RFC 5987 requires UTF-8 and ISO-8859-1 only.
_EXTENDED_CHARSETS = {
    "utf-8": "utf-8", "utf8": "utf-8", "iso-8859-1": "latin-1", "latin-1": "latin-1",
    "latin1": "latin-1", "us-ascii": "ascii", "ascii": "ascii",
}  # fmt: skip


def _decode_extended(pieces: dict[int, tuple[str, bool]]) -> str | None:
    """Join and decode the pieces of one RFC 2231 parameter; None when unusable."""
    first = pieces.get(0)
    if first is None:
        return None
    charset = "utf-8"
    data = bytearray()
    for index in range(len(pieces)):
        piece = pieces.get(index)
        if piece is None:
            break  # RFC 2231: continuations stop at the first missing number
        text, is_encoded = piece
        if is_encoded:
            if index == 0:
                parts = text.split("'", 2)
                if len(parts) != 3:
                    return None
                charset = _EXTENDED_CHARSETS.get(parts[0].lower(), "utf-8")
                text = parts[2]
            data += unquote_to_bytes(text)
        else:
            data += text.encode("utf-8", "surrogatepass")
    return data.decode(charset, "replace")


def dump_options_header(value: str, params: Mapping[str, str | None]) -> str:
    """Build ``value; key=value; ...``, quoting values that are not tokens.

    A ``None`` value writes the key alone. A value with non-ASCII or control characters is
    written in RFC 5987 form, ``key*=UTF-8''percent-encoded``, so it cannot break the header.
    Raises ``ValueError`` for a key that is not a token.
    """
    segments = [value]
    for key, param in params.items():
        if not _TOKEN_RE.fullmatch(key):
            raise ValueError(f"Invalid header parameter name {key!r}")
        if param is None:
            segments.append(key)
        elif param.isascii() and not _has_ctl(param):
            segments.append(f"{key}={quote_header_value(param)}")
        else:
            segments.append(f"{key}*=UTF-8''{quote(param, safe=_ATTR_SAFE)}")
    return "; ".join(segments)


# What an ASCII fallback file name loses: control characters, quotes and backslashes.
# PERF: one regex pass instead of a Python-level loop over the name's characters.
_UNSAFE_FALLBACK_RE = re.compile(r'[\x00-\x1f\x7f"\\]')


def content_disposition(disposition: str, filename: str) -> str:
    """A ``Content-Disposition`` value offering ``filename`` (RFC 6266).

    ``filename=`` carries an ASCII fallback, and ``filename*=UTF-8''...`` the exact name when it
    differs: ``content_disposition("attachment", "résumé.pdf")`` gives
    ``attachment; filename="resume.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf``.

    APPSEC: the fallback loses control characters, quotes and backslashes, and the exact name is
    percent-encoded, so a user-supplied filename cannot end the header or the parameter.
    ``ValueError`` when ``disposition`` is not a token (``attachment`` or ``inline``).
    """
    if not _TOKEN_RE.fullmatch(disposition):
        raise ValueError(f"Invalid disposition {disposition!r}: use 'attachment' or 'inline'")
    if filename.isascii():
        fallback = filename
    else:
        import unicodedata

        fallback = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    fallback = _UNSAFE_FALLBACK_RE.sub("", fallback).strip()
    segments = [disposition.lower()]
    if fallback:
        segments.append(f'filename="{fallback}"')
    if fallback != filename:
        segments.append(f"filename*=UTF-8''{quote(filename, safe=_ATTR_SAFE)}")
    return "; ".join(segments)


# -- cookies ------------------------------------------------------------------------------------

_COOKIE_ESCAPE_PATTERN = r"\\(?:([0-3][0-7][0-7])|(.))"  # compiled on first use
# RFC 6265 cookie-octet: printable ASCII except space, DQUOTE, comma, semicolon and backslash.
_COOKIE_OCTETS = frozenset(chr(code) for code in range(0x21, 0x7F)) - frozenset('",;\\')
_COOKIE_VALUE_RE = re.compile(r"[!#-+\--:<-\[\]-~]*")
_SAMESITE = {"strict": "Strict", "lax": "Lax", "none": "None"}


def parse_cookie(header: str | None) -> dict[str, str]:
    """The name -> value pairs of a ``Cookie`` header, read as leniently as browsers write them.

    Pairs are split on ``;``; a pair without ``=`` or with an empty name is skipped; the first
    occurrence of a name wins (the browser sends the most specific cookie first). Values may hold
    ``=``. A ``"quoted"`` value is unescaped as :mod:`http.cookies` does (``\\"``, ``\\\\``,
    ``\\ooo`` octal); octal escapes that spell UTF-8 bytes, as :func:`dump_cookie` writes them,
    decode to the original text. Never raises.
    """
    cookies: dict[str, str] = {}
    if not header:
        return cookies
    for pair in header.split(";"):
        name, equals, value = pair.partition("=")
        if not equals:
            continue
        name = name.strip()
        if not name or name in cookies:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = _unquote_cookie(value[1:-1])
        cookies[name] = value
    return cookies


def _unquote_cookie(inner: str) -> str:
    if "\\" not in inner:
        return inner

    def replace(match: re.Match[str]) -> str:
        octal = match.group(1)
        return chr(int(octal, 8)) if octal is not None else match.group(2)

    text = re.sub(_COOKIE_ESCAPE_PATTERN, replace, inner, flags=re.DOTALL)
    # dump_cookie escapes the UTF-8 bytes of non-ASCII text; http.cookies escapes latin-1 code
    # points. Reading the result as UTF-8 bytes restores the first and keeps the second.
    if not text.isascii():
        try:
            return text.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return text


def _quote_cookie_value(value: str) -> str:
    if _COOKIE_VALUE_RE.fullmatch(value):
        return value
    escaped = []
    for byte in value.encode("utf-8"):
        char = chr(byte)
        if char in _COOKIE_OCTETS:
            escaped.append(char)
        elif char in '"\\':
            escaped.append("\\" + char)
        else:
            escaped.append(f"\\{byte:03o}")
    return '"' + "".join(escaped) + '"'


def dump_cookie(
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
) -> str:
    """The value of a ``Set-Cookie`` header.

    ``expires`` takes a datetime, a Unix timestamp or a ready HTTP date; ``max_age`` seconds or a
    timedelta (an ``Expires`` that many seconds ahead is written too, unless given).
    ``samesite`` is ``"Strict"``, ``"Lax"`` or ``"None"`` in any case. ``partitioned`` (CHIPS)
    implies ``secure``, as browsers require.

    APPSEC: ``ValueError`` for a key that is not a token, a ``samesite`` outside those three, or
    a path, domain or expires holding ``;`` or control characters. A value outside RFC 6265's
    cookie-octets is quoted with backslash and octal escapes (as :mod:`http.cookies` does), so
    ``;``, CR or LF in it can never end the cookie or the header; :func:`parse_cookie` reads it
    back exactly.
    """
    if not _TOKEN_RE.fullmatch(key):
        raise ValueError(f"Invalid cookie name {key!r}: use letters, digits and !#$%&'*+-.^_`|~")
    parts = [f"{key}={_quote_cookie_value(value)}"]
    if path is not None:
        parts.append(f"Path={_check_attribute('path', url_quote(path))}")
    if domain is not None:
        parts.append(f"Domain={_check_attribute('domain', domain)}")
    seconds = None
    if max_age is not None:
        seconds = int(max_age.total_seconds()) if isinstance(max_age, timedelta) else int(max_age)
        if expires is None:
            # As Werkzeug writes it: clients that predate Max-Age read the date instead.
            expires = datetime.now(UTC) + timedelta(seconds=seconds)
    if expires is not None:
        text = expires if isinstance(expires, str) else http_date(expires)
        parts.append(f"Expires={_check_attribute('expires', text)}")
    if seconds is not None:
        parts.append(f"Max-Age={seconds}")
    if secure or partitioned:
        parts.append("Secure")
    if httponly:
        parts.append("HttpOnly")
    if samesite is not None:
        normalised = _SAMESITE.get(samesite.lower())
        if normalised is None:
            raise ValueError(f"Invalid samesite {samesite!r}: use 'Strict', 'Lax' or 'None'")
        parts.append(f"SameSite={normalised}")
    if partitioned:
        parts.append("Partitioned")
    return "; ".join(parts)


def _check_attribute(name: str, value: str) -> str:
    # APPSEC: a ";" would start an attribute of the caller's choosing, CR/LF a new header.
    if ";" in value or _has_ctl(value) or not value.isascii():
        raise ValueError(f"The cookie {name} {value!r} may not contain ';', control or non-ASCII")
    return value


# -- content negotiation ------------------------------------------------------------------------


def parse_accept(value: str | None) -> list[tuple[str, float]]:
    """The ``(value, quality)`` entries of an ``Accept``-style header, best first.

    Entries are sorted by quality, then specificity (``text/html`` before ``text/*`` before
    ``*/*``), then header order. Values are lower-cased and stripped of parameters other than
    ``q``. An entry with an invalid ``q`` is skipped. Never raises.
    """
    if not value:
        return []
    entries: list[tuple[float, int, int, str]] = []
    for position, item in enumerate(value.split(",")):
        media, params = parse_options_header(item)
        if not media:
            continue
        quality = 1.0
        q_text = params.get("q")
        if q_text is not None:
            parsed = _parse_quality(q_text)
            if parsed is None:
                continue
            quality = parsed
        entries.append((-quality, -_specificity(media), position, media))
    entries.sort()
    return [(media, -neg_quality) for neg_quality, _, _, media in entries]


def _parse_quality(text: str) -> float | None:
    """A ``q`` value (RFC 9110 qvalue: 0 to 1, at most three decimals), None when invalid."""
    if not 0 < len(text) <= 5 or not text.isascii() or text.strip("0123456789."):
        return None
    try:
        quality = float(text)
    except ValueError:  # "." or "1.2.3"
        return None
    return quality if 0 <= quality <= 1 else None


def _specificity(media: str) -> int:
    if media in ("*", "*/*"):
        return 0
    if media.endswith("/*"):
        return 1
    return 2


def _range_matches(media_range: str, offer: str) -> bool:
    if media_range in ("*", "*/*"):
        return True
    if media_range.endswith("/*"):
        return offer.partition("/")[0] == media_range[:-2]
    return media_range == offer


def _quality(entries: list[tuple[str, float]], offer: str) -> tuple[float, int]:
    """The quality the most specific matching range gives ``offer``, and that specificity."""
    offer = parse_options_header(offer)[0]
    best_specificity = -1
    quality = 0.0
    for media_range, range_quality in entries:
        if _range_matches(media_range, offer):
            specificity = _specificity(media_range)
            if specificity > best_specificity:
                best_specificity, quality = specificity, range_quality
    return quality, best_specificity


def accept_quality(accept: str | None, offer: str) -> float:
    """How much the client accepts ``offer`` (0 to 1); 1 when it sent no usable header."""
    entries = parse_accept(accept)
    if not entries:
        return 1.0
    return _quality(entries, offer)[0]


def best_match(accept: str | None, offers: Sequence[str], default: str | None = None) -> str | None:
    """The offer the ``Accept`` header rates highest, ``default`` when it accepts none.

    Wildcards ``type/*`` and ``*/*`` match; the most specific matching range sets an offer's
    quality, so ``text/*, text/plain;q=0`` excludes ``text/plain``. Ties go to the earlier offer.
    Without a usable header, the first offer.
    """
    entries = parse_accept(accept)
    if not entries:
        return offers[0] if offers else default
    best: str | None = None
    best_quality = 0.0
    for offer in offers:
        quality = _quality(entries, offer)[0]
        if quality > best_quality:
            best, best_quality = offer, quality
    return best if best is not None else default


@functools.lru_cache(maxsize=256)
def prefers_json(accept: str | None) -> bool:
    """Whether the client would rather have JSON than HTML, to choose an error body's format.

    True when JSON (``application/json`` or a ``+json`` type) gets a higher quality than
    ``text/html``, or the same quality while JSON is named and HTML only reached by a wildcard
    (``application/json, text/plain, */*``, as axios sends). ``*/*`` alone gives False.
    """
    # PERF: remembered per Accept value (clients send a handful of distinct ones); every
    # error answer asks, to choose between a JSON and an HTML body.
    entries = parse_accept(accept)
    if not entries:
        return False
    json_quality, json_specificity = _quality(entries, "application/json")
    named = [q for media, q in entries if media == "application/json" or media.endswith("+json")]
    if named and max(named) >= json_quality:
        json_quality, json_specificity = max(named), 2
    html_quality, html_specificity = _quality(entries, "text/html")
    if json_quality != html_quality:
        return json_quality > html_quality
    return json_quality > 0 and json_specificity == 2 and html_specificity < 2


# -- dates --------------------------------------------------------------------------------------

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_NUMBERS = {name.lower(): number for number, name in enumerate(_MONTHS, 1)}
# IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT" and the
# Netscape cookie form "Sun, 06-Nov-1994 08:49:37 GMT"; the weekday is not checked.
# PERF: the rarely used patterns below are compiled on first use (through re's own cache), not
# at import.
_DATE_PATTERN = (
    r"(?:[a-z]+,?\s+)?(\d{1,2})[\s-]+([a-z]{3})[a-z]*[\s-]+(\d{2,4})\s+"
    r"(\d{1,2}):(\d{2}):(\d{2})(?:\s+(gmt|utc|ut|z|[+-]\d{4}))?"
)
# asctime "Sun Nov  6 08:49:37 1994"
_ASCTIME_PATTERN = r"[a-z]+\s+([a-z]{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})\s+(\d{4})"
_DATE_FLAGS = re.IGNORECASE | re.ASCII


def http_date(timestamp: datetime | float | int | None = None) -> str:
    """An IMF-fixdate (``Sun, 06 Nov 1994 08:49:37 GMT``) for a datetime or Unix timestamp.

    ``None`` means now. A naive datetime is taken as UTC. ``ValueError`` for a timestamp out of
    the datetime range.
    """
    if timestamp is None:
        moment = datetime.now(UTC)
    elif isinstance(timestamp, datetime):
        moment = timestamp.astimezone(UTC) if timestamp.tzinfo is not None else timestamp
    else:
        try:
            moment = datetime.fromtimestamp(timestamp, UTC)
        except (OverflowError, OSError) as error:
            raise ValueError(f"Timestamp {timestamp!r} is out of range") from error
    return (
        f"{_WEEKDAYS[moment.weekday()]}, {moment.day:02d} {_MONTHS[moment.month - 1]} "
        f"{moment.year:04d} {moment.hour:02d}:{moment.minute:02d}:{moment.second:02d} GMT"
    )


def parse_date(value: str | None) -> datetime | None:
    """An HTTP date as an aware UTC datetime; None when absent or unreadable. Never raises.

    Reads IMF-fixdate and the obsolete RFC 850 and asctime forms RFC 9110 asks recipients to
    accept. A two-digit year more than 50 years ahead is taken to be in the past.
    """
    if not value or len(value) > 100:
        return None
    text = value.strip()
    zone = None
    match = re.fullmatch(_DATE_PATTERN, text, _DATE_FLAGS)
    if match is not None:
        day, month_name, year_text, hour, minute, second, zone = match.groups()
    else:
        match = re.fullmatch(_ASCTIME_PATTERN, text, _DATE_FLAGS)
        if match is None:
            return None
        month_name, day, hour, minute, second, year_text = match.groups()
    month = _MONTH_NUMBERS.get(month_name.lower())
    if month is None or len(year_text) == 3:
        return None
    year = int(year_text)
    if len(year_text) == 2:
        this_year = datetime.now(UTC).year
        year += this_year - this_year % 100
        if year > this_year + 50:
            year -= 100
    try:
        moment = datetime(
            year, month, int(day), int(hour), int(minute), min(int(second), 59), tzinfo=UTC
        )
        if zone is not None and zone[0] in "+-":
            offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[3:]))
            moment -= offset if zone[0] == "+" else -offset
    except (ValueError, OverflowError):
        return None
    return moment


# -- entity tags --------------------------------------------------------------------------------

_ETAG_PATTERN = r'\s*(?:([Ww]/)?"([^"]*)"|([^,\s]+))\s*(?:,|$)'


_ETAG_INVALID = re.compile('[\x00-\x20"\x7f]')


def quote_etag(etag: str, weak: bool = False) -> str:
    """``"etag"``, or ``W/"etag"`` when ``weak``; ``ValueError`` for characters an entity tag
    cannot hold (quotes, spaces, control characters)."""
    if _ETAG_INVALID.search(etag) is not None:
        raise ValueError(f"Invalid entity tag {etag!r}: no quotes, spaces or control characters")
    return f'W/"{etag}"' if weak else f'"{etag}"'


def unquote_etag(value: str) -> tuple[str | None, bool]:
    """``(etag, weak)`` from ``W/"etag"`` or ``"etag"``; ``(None, False)`` for an empty value.
    An unquoted value is taken as it is."""
    value = value.strip()
    weak = value[:2] in ("W/", "w/")
    if weak:
        value = value[2:]
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    if not value:
        return None, False
    return value, weak


class ETags:
    """The entity tags of an ``If-None-Match`` / ``If-Match`` header.

    ``etag in etags`` compares strongly (only strong tags match), ``contains_weak`` weakly (RFC
    9110 13.1.2: ``If-None-Match`` uses the weak comparison). ``is_any`` is True for ``*``,
    which matches every tag. Tags are given unquoted.
    """

    __slots__ = ("strong", "weak", "is_any")

    def __init__(
        self, strong: frozenset[str] = frozenset(), weak: frozenset[str] = frozenset(),
        is_any: bool = False,
    ) -> None:  # fmt: skip
        self.strong = strong
        self.weak = weak
        self.is_any = is_any

    def __contains__(self, etag: object) -> bool:
        return self.is_any or etag in self.strong

    def contains(self, etag: str) -> bool:
        """Whether ``etag`` matches by the strong comparison (Werkzeug's name for ``in``)."""
        return etag in self

    def contains_weak(self, etag: str) -> bool:
        return self.is_any or etag in self.strong or etag in self.weak

    def contains_raw(self, etag: str) -> bool:
        """Whether a quoted tag (``"abc"`` or ``W/"abc"``) matches, weakly when it is weak."""
        tag, weak = unquote_etag(etag)
        if tag is None:
            return False
        return self.contains_weak(tag) if weak else tag in self

    def is_weak(self, etag: str) -> bool:
        return etag in self.weak

    def is_strong(self, etag: str) -> bool:
        return etag in self.strong

    @property
    def star_tag(self) -> bool:
        """Werkzeug's name for :attr:`is_any`: the header was ``*``."""
        return self.is_any

    def as_set(self, include_weak: bool = False) -> set[str]:
        return set(self.strong | self.weak) if include_weak else set(self.strong)

    def to_header(self) -> str:
        if self.is_any:
            return "*"
        tags = [f'"{tag}"' for tag in sorted(self.strong)]
        return ", ".join(tags + [f'W/"{tag}"' for tag in sorted(self.weak)])

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.strong))  # as Werkzeug's: the strong tags

    def __bool__(self) -> bool:
        return self.is_any or bool(self.strong) or bool(self.weak)

    def __repr__(self) -> str:
        if self.is_any:
            return "ETags('*')"
        return f"ETags(strong={sorted(self.strong)!r}, weak={sorted(self.weak)!r})"


def parse_etags(value: str | None) -> ETags:
    """The :class:`ETags` of a conditional header; empty for a missing or unreadable one.
    Unquoted tags are accepted, as some clients send them. Never raises."""
    if not value:
        return ETags()
    strong: set[str] = set()
    weak: set[str] = set()
    pattern = re.compile(_ETAG_PATTERN)  # cached by re after the first call
    pos, length = 0, len(value)
    while pos < length:
        match = pattern.match(value, pos)
        if match is None or match.end() == pos:
            break
        pos = match.end()
        is_weak, quoted, bare = match.groups()
        tag = quoted if quoted is not None else bare
        if tag == "*" and quoted is None:
            return ETags(is_any=True)
        (weak if is_weak else strong).add(tag)
    return ETags(frozenset(strong), frozenset(weak))


def evaluate_preconditions(
    method: str,
    headers: Mapping[str, str] | _HeaderGetter,
    etag: str | None,
    last_modified: datetime | None,
) -> int | None:
    """412 or 304 when a request's conditional headers say so, else None (RFC 9110 13.2.2).

    ``If-Match`` compares ``etag`` strongly, ``If-None-Match`` weakly; the date headers are
    read only when the matching tag header is absent. A satisfied ``If-None-Match`` or
    ``If-Modified-Since`` gives 304 for GET and HEAD, 412 for other methods. ``last_modified``
    is compared at the whole second HTTP dates carry; a naive one is taken as UTC.
    """
    if last_modified is not None:
        if last_modified.tzinfo is None:
            last_modified = last_modified.replace(tzinfo=UTC)
        last_modified = last_modified.replace(microsecond=0)
    if_match = headers.get("If-Match")
    if if_match is not None:
        if etag is None or etag not in parse_etags(if_match):
            return 412
    elif last_modified is not None:
        since = parse_date(headers.get("If-Unmodified-Since"))
        if since is not None and last_modified > since:
            return 412
    not_modified = False
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:
        tags = parse_etags(if_none_match)
        not_modified = tags.is_any or (etag is not None and tags.contains_weak(etag))
    elif last_modified is not None and method in ("GET", "HEAD"):
        since = parse_date(headers.get("If-Modified-Since"))
        not_modified = since is not None and last_modified <= since
    if not_modified:
        return 304 if method in ("GET", "HEAD") else 412
    return None


class _HeaderGetter(Protocol):
    def get(self, name: str, /) -> str | None: ...


class IfRange:
    """An ``If-Range`` header: an entity tag (``etag``) or a date (``date``), as Werkzeug's."""

    __slots__ = ("etag", "date")

    def __init__(self, etag: str | None = None, date: datetime | None = None) -> None:
        self.etag = etag
        self.date = date

    def to_header(self) -> str:
        if self.date is not None:
            return http_date(self.date)
        return quote_etag(self.etag) if self.etag is not None else ""

    def __repr__(self) -> str:
        return f"<IfRange {self.to_header()!r}>"


def parse_if_range(value: str | None) -> IfRange:
    """The :class:`IfRange` of a header; an empty one when absent. Never raises."""
    if not value:
        return IfRange()
    date = parse_date(value)
    if date is not None:
        return IfRange(date=date)
    return IfRange(etag=unquote_etag(value)[0])


# -- ranges -------------------------------------------------------------------------------------

_MAX_RANGES = 100


def if_range_holds(if_range: str | None, etag: str | None, modified: datetime | None) -> bool:
    """True when there is no ``If-Range``, or it names the version being served: the same
    strong entity tag, or exactly its ``Last-Modified`` date (RFC 9110 13.1.5)."""
    if if_range is None:
        return True
    value = if_range.strip()
    if value.startswith(('"', "W/", "w/")):
        tag, weak = unquote_etag(value)
        return not weak and etag is not None and tag == etag  # strong comparison only
    since = parse_date(value)
    return since is not None and modified is not None and since == modified


def parse_range_header(value: str | None, length: int) -> list[tuple[int, int]] | None:
    """The byte ranges a ``Range`` header asks of a ``length``-byte body, as ``(start, stop)``
    pairs with ``stop`` exclusive and clipped to ``length``.

    None when the header is absent, malformed, not in ``bytes`` or lists more than 100 ranges:
    RFC 9110 then says to send the whole body. ``[]`` when it is well formed but no range is
    satisfiable: answer 416. APPSEC: overlapping ranges are merged (and then sorted), so a
    client cannot make the server send the same bytes over and over.
    """
    if not value:
        return None
    unit, equals, spec = value.partition("=")
    if not equals or unit.strip().lower() != "bytes":
        return None
    items = [item.strip() for item in spec.split(",", _MAX_RANGES + 1)]
    items = [item for item in items if item]
    if not items or len(items) > _MAX_RANGES:
        return None
    ranges: list[tuple[int, int]] = []
    for item in items:
        first, dash, last = item.partition("-")
        first, last = first.rstrip(), last.lstrip()
        if not dash:
            return None
        if not first:  # suffix range "-500": the last 500 bytes
            if not _is_digits(last):
                return None
            suffix = _to_int(last)
            if suffix > 0 and length > 0:
                ranges.append((max(0, length - suffix), length))
            continue
        if not _is_digits(first) or (last and not _is_digits(last)):
            return None
        start = _to_int(first)
        stop = _to_int(last) + 1 if last else length
        if last and stop <= start:
            return None  # "500-499" is invalid, not unsatisfiable
        if start < length:
            ranges.append((start, min(stop, length)))
    return _merge_overlapping(ranges)


class Range:
    """A ``Range`` header as the client wrote it, before the body's length is known.

    ``ranges`` holds ``(start, stop)`` pairs with ``stop`` exclusive; ``stop`` is None for an
    open range (``bytes=500-``), and a suffix range (``bytes=-500``) is ``(-500, None)``, as in
    Werkzeug. :meth:`range_for_length` resolves a single range against a length.
    """

    __slots__ = ("units", "ranges")

    def __init__(self, units: str, ranges: list[tuple[int, int | None]]) -> None:
        self.units = units
        self.ranges = ranges

    def range_for_length(self, length: int | None) -> tuple[int, int] | None:
        """``(start, stop)`` of the one range for a body of ``length`` bytes; None for several
        ranges, another unit or an unsatisfiable range."""
        if self.units != "bytes" or length is None or len(self.ranges) != 1:
            return None
        found = parse_range_header(self.to_header(), length)
        return found[0] if found else None

    def to_header(self) -> str:
        parts = []
        for start, stop in self.ranges:
            if stop is None:
                parts.append(f"{start}-" if start >= 0 else str(start))
            else:
                parts.append(f"{start}-{stop - 1}")
        return f"{self.units}={','.join(parts)}"

    def to_content_range_header(self, length: int | None) -> str | None:
        found = self.range_for_length(length)
        if found is None or length is None:
            return None
        return content_range(found[0], found[1], length)

    def __repr__(self) -> str:
        return f"<Range {self.to_header()!r}>"


def parse_range(value: str | None) -> Range | None:
    """The :class:`Range` of a header; None when absent or malformed. Never raises."""
    if not value:
        return None
    units, equals, spec = value.partition("=")
    units = units.strip().lower()
    if not equals or not is_token(units):
        return None
    ranges: list[tuple[int, int | None]] = []
    for item in spec.split(",", _MAX_RANGES + 1):
        first, dash, last = item.strip().partition("-")
        first, last = first.rstrip(), last.lstrip()
        if not dash:
            return None
        if not first:
            if not _is_digits(last):
                return None
            ranges.append((-_to_int(last), None))
        elif not _is_digits(first) or (last and not _is_digits(last)):
            return None
        else:
            start = _to_int(first)
            stop = _to_int(last) + 1 if last else None
            if stop is not None and stop <= start:
                return None
            ranges.append((start, stop))
    if not ranges or len(ranges) > _MAX_RANGES:
        return None
    return Range(units, ranges)


def parse_content_length(value: str | None) -> int | None:
    """A ``Content-Length`` value as an int; None when absent or not plain ASCII digits.

    APPSEC: a value of more than 18 digits counts as 10**18 (larger than any limit), so a hostile
    header cannot reach ``int()``'s 4300-digit limit and turn into a 500.
    """
    if value is None or not _is_digits(value):
        return None
    return _to_int(value)


def _is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()  # isdigit() alone admits "²" and "٣"


def _to_int(digits: str) -> int:
    # Beyond any real length, and clear of int()'s 4300-digit limit on hostile input.
    return int(digits) if len(digits) <= 18 else 10**18


def _merge_overlapping(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    if len(ranges) < 2:
        return ranges
    merged: list[tuple[int, int]] = []
    for start, stop in sorted(ranges):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], stop))
        else:
            merged.append((start, stop))
    return ranges if len(merged) == len(ranges) else merged  # no overlap: the client's order


def content_range(start: int, stop: int, length: int) -> str:
    """The ``Content-Range`` value for bytes ``start`` to ``stop`` (exclusive) of ``length``:
    ``bytes 0-499/1234``. ``ValueError`` unless ``0 <= start < stop <= length``."""
    if not 0 <= start < stop <= length:
        raise ValueError(f"Invalid range {start}-{stop} for a length of {length}")
    return f"bytes {start}-{stop - 1}/{length}"


# -- URLs, paths and query strings -------------------------------------------------------------

# Characters a URI may hold as they are: unreserved, reserved and "%" (checked separately).
_URI_UNSAFE_RE = re.compile(r"[^A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]|%(?![0-9A-Fa-f]{2})")


def url_quote(value: str, safe: str = "/:") -> str:
    """Percent-encode what a URI may not hold (spaces, non-ASCII as UTF-8, control characters,
    ``"<>\\^`{|}``, a ``%`` not starting an escape), for a ``Location`` header.

    Reserved characters (``/?#&=:@``...) and valid ``%XX`` escapes are kept, so an already
    encoded URL passes unchanged; ``safe`` names further characters to keep. APPSEC: CR, LF and
    NUL come out as ``%0D``, ``%0A``, ``%00``. A non-ASCII host of an absolute URL is encoded
    with IDNA.
    """
    if _URI_UNSAFE_RE.search(value) is None:
        return value  # PERF: the common case, an ASCII URL, is returned as it is
    if not value.isascii() and "//" in value:
        value = _idna_host(value)

    def encode(match: re.Match[str]) -> str:
        text = match.group()
        if text in safe:
            return text
        return "".join(f"%{byte:02X}" for byte in text.encode("utf-8", "surrogatepass"))

    return _URI_UNSAFE_RE.sub(encode, value)


iri_to_uri = url_quote


def _idna_host(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if not sep or not scheme.isascii() or not scheme.isalpha():
        return url
    end = len(rest)
    for delimiter in "/?#":
        index = rest.find(delimiter)
        if index != -1:
            end = min(end, index)
    authority = rest[:end]
    userinfo, at, hostport = authority.rpartition("@")
    host, colon, port = hostport.partition(":")
    if host.isascii():
        return url
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return url  # leave it to percent-encoding
    return f"{scheme}://{userinfo}{at}{ascii_host}{colon}{port}{rest[end:]}"


def unquote_path(raw: str | bytes) -> str:
    """The real path of a request from its server form: bytes are UTF-8, and a str is a WSGI
    ``PATH_INFO`` (the raw bytes decoded as latin-1, PEP 3333). No percent-decoding happens here:
    the server did it.

    ``InvalidPath`` when the bytes are not UTF-8 or hold a NUL byte (which would truncate the
    path in C code, such as the file system's).
    """
    if isinstance(raw, str):
        if raw.isascii():  # PERF: the common case; latin-1 and UTF-8 agree on ASCII
            path = raw
        else:
            try:
                path = raw.encode("latin-1").decode("utf-8")
            except (UnicodeEncodeError, UnicodeDecodeError):
                raise InvalidPath("The URL path is not valid UTF-8.") from None
    else:
        try:
            path = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidPath("The URL path is not valid UTF-8.") from None
    if "\0" in path:
        raise InvalidPath("The URL path contains a NUL byte.")
    return path


def parse_qsl(
    query: str | bytes | bytearray,
    *,
    max_fields: int = 1000,
    keep_blank_values: bool = True,
    errors: str = "replace",
    separator: str = "&",
) -> list[tuple[str, str]]:
    """The ``(name, value)`` pairs of a query string or urlencoded form, in order.

    Decodes as :func:`urllib.parse.parse_qsl` does (``+`` is a space, a bad ``%`` escape stays
    as it is, bytes that are not UTF-8 become U+FFFD with the default ``errors="replace"``), but
    takes bytes and gives str, keeps blank values by default and is faster on plain input.
    Empty segments are skipped; a segment without ``=`` is a name with an empty value (dropped,
    like any empty value, when ``keep_blank_values`` is False). ``TooManyFields`` when there are
    more than ``max_fields`` non-empty segments, so a huge form cannot cost unbounded work.
    ``ValueError`` for an empty ``separator``.
    """
    if not separator:
        raise ValueError("The separator must not be empty")
    text = query.decode("utf-8", errors) if isinstance(query, (bytes, bytearray)) else query
    if not text:
        return []
    # PERF: split once, for the count and the pairs alike; a second pass counts exactly (empty
    # segments are free) only when there are enough segments for the limit to matter.
    segments = text.split(separator)
    if len(segments) > max_fields and sum(1 for segment in segments if segment) > max_fields:
        raise TooManyFields(f"More than {max_fields} fields")
    pairs: list[tuple[str, str]] = []
    append = pairs.append
    if keep_blank_values and "%" not in text and "+" not in text:
        # PERF: the common query ("page=2&sort=name") needs no decoding at all: about 3x faster
        # than urllib.parse.parse_qsl on it.
        for segment in segments:
            if segment:
                name, _, value = segment.partition("=")
                append((name, value))
        return pairs
    for segment in segments:
        if not segment:
            continue
        name, _, value = segment.partition("=")
        if not value and not keep_blank_values:
            continue
        if "%" in segment or "+" in segment:
            name = unquote(name.replace("+", " "), "utf-8", errors)
            value = unquote(value.replace("+", " "), "utf-8", errors)
        append((name, value))
    return pairs


# -- Accept and Authorization as objects -----------------------------------------------------


class Accept:
    """An ``Accept-Language``, ``-Encoding`` or ``-Charset`` header, as Werkzeug's ``Accept``.

    Iterating gives the ``(value, quality)`` entries best first; ``accept[value]`` and
    ``quality(value)`` give how much the client wants ``value`` (0 when not at all), by the most
    specific entry that matches it. A missing or empty header names nothing, so
    :meth:`best_match` returns its ``default`` and the server's own choice applies; ``provided``
    tells a missing header from an empty one. Parsed on first use, never raises.
    """

    __slots__ = ("value", "_entries")

    def __init__(self, value: str | None) -> None:
        self.value = value
        self._entries: list[tuple[str, float]] | None = None

    @classmethod
    def _of_entries(cls, entries: list[tuple[str, float]]) -> Accept:
        accept = cls(None)
        accept._entries = entries
        return accept

    @property
    def entries(self) -> list[tuple[str, float]]:
        """The header's ``(value, quality)`` pairs, best first (see :func:`parse_accept`)."""
        if self._entries is None:
            self._entries = parse_accept(self.value)
        return self._entries

    @property
    def provided(self) -> bool:
        """True when the client sent the header at all."""
        return self.value is not None

    def _specificity(self, entry: str) -> int:
        return 0 if entry == "*" else 1

    def _matches(self, entry: str, offer: str) -> bool:
        return entry == "*" or entry == offer.lower()

    def quality(self, offer: str) -> float:
        """The quality the most specific matching entry gives ``offer``; 0 when none does."""
        quality = 0.0
        best_specificity = -1
        for entry, entry_quality in self.entries:
            if self._matches(entry, offer):
                specificity = self._specificity(entry)
                if specificity > best_specificity:
                    best_specificity, quality = specificity, entry_quality
        return quality

    def best_match(self, offers: Sequence[str], default: str | None = None) -> str | None:
        """The offer with the highest quality (the earlier one on a tie), else ``default``."""
        best: str | None = None
        best_quality = 0.0
        for offer in offers:
            quality = self.quality(offer)
            if quality > best_quality:
                best, best_quality = offer, quality
        return best if best is not None else default

    @property
    def best(self) -> str | None:
        """The value the client likes most, None when it named nothing acceptable."""
        for entry, quality in self.entries:
            if quality > 0:
                return entry
        return None

    def values(self) -> Iterator[str]:
        return (entry for entry, _ in self.entries)

    def to_header(self) -> str:
        return ",".join(
            entry if quality == 1 else f"{entry};q={quality:g}" for entry, quality in self.entries
        )

    def __getitem__(self, offer: str) -> float:
        return self.quality(offer)

    def __contains__(self, offer: object) -> bool:
        return isinstance(offer, str) and self.quality(offer) > 0

    def __iter__(self) -> Iterator[tuple[str, float]]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __bool__(self) -> bool:
        return bool(self.entries)

    def __str__(self) -> str:
        return self.to_header()  # as Werkzeug's: the header value

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.value!r}>"


class MIMEAccept(Accept):
    """An ``Accept`` header, with the query methods views use for content negotiation.

    Media ranges match as RFC 9110 says (``text/*``, ``*/*``). As in Werkzeug, a missing or
    empty ``Accept`` names nothing: every quality is 0, :meth:`best_match` returns its
    ``default`` and ``accept_json`` is False, so a view's own default applies (Erlen's error
    pages, which treat such a client as taking anything, use :func:`best_match` instead).
    """

    __slots__ = ()

    def _specificity(self, entry: str) -> int:
        return _specificity(entry)

    def _matches(self, entry: str, offer: str) -> bool:
        return _range_matches(entry, parse_options_header(offer)[0])

    def best_match(self, offers: Sequence[str], default: str | None = None) -> str | None:
        """The offer the client prefers, or ``default`` when it accepts none of them."""
        if not self.entries:
            return default
        return best_match(self.value, offers, default)

    def quality(self, mimetype: str) -> float:
        return accept_quality(self.value, mimetype) if self.entries else 0.0

    @property
    def accept_json(self) -> bool:
        return "application/json" in self

    @property
    def accept_html(self) -> bool:
        return "text/html" in self or "application/xhtml+xml" in self

    @property
    def accept_xhtml(self) -> bool:
        return "application/xhtml+xml" in self


class LanguageAccept(Accept):
    """An ``Accept-Language`` header. ``en`` covers ``en-US`` (RFC 4647 basic filtering), and
    ``_`` counts as ``-``, so locale names such as ``de_AT`` can be offered.

    When no offer matches the entries as sent, :meth:`best_match` falls back as Werkzeug's
    does: a client asking for ``en-US`` is assumed to read ``en`` too. Values are lower-cased.
    """

    __slots__ = ()

    def _matches(self, entry: str, offer: str) -> bool:
        if entry == "*":
            return True
        offer = offer.lower().replace("_", "-")
        entry = entry.replace("_", "-")
        return offer == entry or offer.startswith(entry + "-")

    def best_match(self, offers: Sequence[str], default: str | None = None) -> str | None:
        found = super().best_match(offers)
        if found is not None:
            return found
        primary = [(entry.replace("_", "-").partition("-")[0], q) for entry, q in self.entries]
        return Accept.best_match(LanguageAccept._of_entries(primary), offers, default)


class CharsetAccept(Accept):
    """An ``Accept-Charset`` header; names compare as codecs do (``UTF8`` is ``utf-8``)."""

    __slots__ = ()

    def _matches(self, entry: str, offer: str) -> bool:
        return entry == "*" or _codec_name(entry) == _codec_name(offer)


def _codec_name(name: str) -> str:
    import codecs

    try:
        return codecs.lookup(name).name
    except LookupError:
        return name.lower()


class UserAgent(str):
    """The ``User-Agent`` header: the string itself, with Werkzeug's attribute names.

    ``string`` is the header; ``platform``, ``browser``, ``version`` and ``language`` are None,
    as in Werkzeug 2.3 and later, which left user-agent parsing to dedicated libraries.
    """

    __slots__ = ()

    platform: str | None = None
    browser: str | None = None
    version: str | None = None
    language: str | None = None

    @property
    def string(self) -> str:
        return str.__str__(self)

    def to_header(self) -> str:
        return self.string


class Authorization:
    """A parsed ``Authorization`` header.

    ``type`` is the lower-case scheme. Basic credentials give ``username`` and ``password``; a
    token scheme (``Bearer abc``) gives ``token``; a scheme with ``key=value`` parameters
    (``Digest username="ada", realm="x"``) gives ``parameters``, readable as attributes
    (``auth.realm``, None when absent) and by ``auth["realm"]``, as in Werkzeug.
    """

    __slots__ = ("type", "username", "password", "token", "parameters")

    def __init__(
        self,
        type: str,
        username: str | None = None,
        password: str | None = None,
        token: str | None = None,
        parameters: dict[str, str] | None = None,
    ) -> None:
        self.type = type
        self.username = username
        self.password = password
        self.token = token
        self.parameters: dict[str, str] = dict(parameters or {})
        if username is not None:
            self.parameters.setdefault("username", username)
        if password is not None:
            self.parameters.setdefault("password", password)
        if self.username is None and "username" in self.parameters:
            self.username = self.parameters["username"]

    def __getattr__(self, name: str) -> str | None:
        # Reached only for names that are not set: the scheme's parameters (realm, nonce...).
        # An unset slot (an object built without __init__) stays an AttributeError.
        if name.startswith("__") or name in Authorization.__slots__:
            raise AttributeError(name)
        return self.parameters.get(name)

    def __getitem__(self, key: str) -> str:
        return self.parameters[key]

    def get(self, key: str, default: str | None = None) -> str | None:
        """A parameter (``username``, ``password``, ``realm``...) or the token, else ``default``."""
        if key == "token":
            return self.token if self.token is not None else default
        return self.parameters.get(key, default)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Authorization):
            return NotImplemented
        return (self.type, self.token, self.parameters) == (
            other.type, other.token, other.parameters,
        )  # fmt: skip

    __hash__ = None  # type: ignore[assignment]

    def to_header(self) -> str:
        """The header value again: ``Basic <base64>``, ``Bearer <token>``, or parameters."""
        if self.type == "basic" and self.username is not None:
            import base64

            credentials = f"{self.username}:{self.password or ''}".encode()
            return "Basic " + base64.b64encode(credentials).decode("ascii")
        scheme = self.type.title()
        if self.token is not None:
            return f"{scheme} {self.token}"
        return f"{scheme} " + ", ".join(
            f"{key}={quote_header_value(value)}" for key, value in self.parameters.items()
        )

    def __repr__(self) -> str:
        return f"<Authorization {self.type} {self.username or ''}>"


#: One ``key=value`` auth parameter (RFC 9110 11.2), value a token or a quoted string.
_AUTH_PARAM_RE = re.compile(r'\s*([^\s=,]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,]*?)\s*(?:,|$)')


def _parse_auth_params(text: str) -> dict[str, str] | None:
    """The parameters of ``k=v, k2="v 2"``; None when the text is not such a list."""
    params: dict[str, str] = {}
    pos = 0
    while pos < len(text):
        match = _AUTH_PARAM_RE.match(text, pos)
        if match is None or match.end() == pos:
            return None
        key, value = match.groups()
        params[key.lower()] = unquote_header_value(value)
        pos = match.end()
    return params or None


def parse_authorization(value: str | None) -> Authorization | None:
    """``Basic`` credentials (base64 ``user:password``) or a ``<scheme> <token>`` (a scheme
    alone gives an empty token, as in Werkzeug); None for a missing header or malformed Basic
    credentials or parameters. Never raises."""
    if not value:
        return None
    scheme, _, rest = value.strip().partition(" ")
    scheme, rest = scheme.lower(), rest.strip()
    if not scheme:
        return None
    if scheme == "basic":
        import base64
        import binascii

        try:
            decoded = base64.b64decode(rest, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
        username, separator, password = decoded.partition(":")
        if not separator:
            return None
        return Authorization("basic", username, password)
    if "=" in rest.rstrip("="):  # an "=" before the end: parameters, not a token68's padding
        parameters = _parse_auth_params(rest)
        if parameters is None:
            return None
        return Authorization(scheme, parameters=parameters)
    return Authorization(scheme, token=rest)
