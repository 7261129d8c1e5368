"""Trust ``X-Forwarded-*`` headers from a known number of reverse proxies.

Behind nginx or a load balancer, the WSGI server sees the proxy's connection: the client address
is the proxy's, the scheme is ``http`` even when the client used HTTPS, and the host may be an
internal name. Proxies report the real values in ``X-Forwarded-For``, ``-Proto``, ``-Host``,
``-Port`` and ``-Prefix``. :class:`ProxyFix` copies them into the environ, so
``request.remote_addr``, ``request.scheme``, ``request.host`` and
``url_for(..., _external=True)`` say what the client saw::

    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)

APPSEC: these headers are plain request headers; any client can send them. Each argument says how
many proxies in front of the app append to that header, and only the value the outermost trusted
proxy wrote is used (``X-Forwarded-For: <forged>, <client>`` with ``x_for=1`` gives ``<client>``).
Trusting more proxies than there are lets a client choose its own address. A header with fewer
values than trusted proxies, or a value that is not a valid address, scheme, host, port or path,
is ignored and the server's value stays. Set an argument to 0 for a header no proxy sets.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote_to_bytes

__all__ = ["ProxyFix", "ORIGINAL_KEY"]

WSGIEnvironment = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApplication = Callable[[WSGIEnvironment, StartResponse], Iterable[bytes]]

#: Where the server's own values are kept, before ProxyFix replaced any of them.
ORIGINAL_KEY = "erlen.proxy_fix.orig"
_SAVED_KEYS = (
    "REMOTE_ADDR", "wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME",
)  # fmt: skip
_DEFAULT_PORTS = {"http": "80", "https": "443"}

_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_HOST_NAME_RE = re.compile(rf"(?:{_LABEL}\.)*{_LABEL}\.?")
_HOST_RE = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[^:\[\]]+)(?::([0-9]{1,5}))?")
_PREFIX_RE = re.compile(r"/[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*")


class ProxyFix:
    """WSGI middleware that believes ``x_*`` proxies about the client's request.

    ``x_for``, ``x_proto``, ``x_host``, ``x_port`` and ``x_prefix`` are the number of proxies
    that set ``X-Forwarded-For``, ``-Proto``, ``-Host``, ``-Port`` and ``-Prefix`` (0: ignore the
    header). They update ``REMOTE_ADDR``, ``wsgi.url_scheme``, ``HTTP_HOST`` with
    ``SERVER_NAME``/``SERVER_PORT``, ``SERVER_PORT`` (and the port in ``HTTP_HOST``), and
    ``SCRIPT_NAME``. The replaced values are kept in ``environ["erlen.proxy_fix.orig"]``.

    Note that ``erlen run`` (waitress) drops ``X-Forwarded-*`` headers from untrusted peers
    before the app sees them; under gunicorn or granian they reach this middleware.
    """

    def __init__(
        self,
        app: WSGIApplication,
        x_for: int = 1,
        x_proto: int = 1,
        x_host: int = 0,
        x_port: int = 0,
        x_prefix: int = 0,
    ) -> None:
        counts = {"x_for": x_for, "x_proto": x_proto, "x_host": x_host, "x_port": x_port,
                  "x_prefix": x_prefix}  # fmt: skip
        for name, count in counts.items():
            if type(count) is not int or count < 0:
                raise ValueError(f"{name} must be a number of proxies (an int >= 0), not {count!r}")
        self.app = app
        self.x_for = x_for
        self.x_proto = x_proto
        self.x_host = x_host
        self.x_port = x_port
        self.x_prefix = x_prefix

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        environ[ORIGINAL_KEY] = {key: environ.get(key) for key in _SAVED_KEYS}
        if self.x_for:
            address = _client_address(_trusted(environ, "HTTP_X_FORWARDED_FOR", self.x_for))
            if address is not None:
                environ["REMOTE_ADDR"] = address
        if self.x_proto:
            scheme = _trusted(environ, "HTTP_X_FORWARDED_PROTO", self.x_proto)
            if scheme is not None and scheme.lower() in _DEFAULT_PORTS:
                environ["wsgi.url_scheme"] = scheme.lower()
        if self.x_host:
            host = _host(_trusted(environ, "HTTP_X_FORWARDED_HOST", self.x_host))
            if host is not None:
                name, port = host
                environ["HTTP_HOST"] = f"{name}:{port}" if port else name
                environ["SERVER_NAME"] = name
                environ["SERVER_PORT"] = port or _default_port(environ)
        if self.x_port:
            port = _port(_trusted(environ, "HTTP_X_FORWARDED_PORT", self.x_port))
            if port is not None:
                environ["SERVER_PORT"] = port
                name = _host_name(environ)
                default = port == _default_port(environ)
                environ["HTTP_HOST"] = name if default else f"{name}:{port}"
        if self.x_prefix:
            prefix = _prefix(_trusted(environ, "HTTP_X_FORWARDED_PREFIX", self.x_prefix))
            if prefix is not None:
                environ["SCRIPT_NAME"] = prefix
        return self.app(environ, start_response)

    def __repr__(self) -> str:
        return (
            f"<ProxyFix x_for={self.x_for} x_proto={self.x_proto} x_host={self.x_host} "
            f"x_port={self.x_port} x_prefix={self.x_prefix}>"
        )


def _trusted(environ: WSGIEnvironment, key: str, trusted: int) -> str | None:
    """The value the outermost trusted proxy appended, or None when there are too few values.

    Servers join repeated header lines with commas, so several lines count like one list.
    """
    header = environ.get(key)
    if not isinstance(header, str) or not header:
        return None
    values = header.split(",")
    if len(values) < trusted:
        return None
    value = values[-trusted].strip()
    return value or None


def _client_address(value: str | None) -> str | None:
    """An IP address from ``1.2.3.4``, ``1.2.3.4:5678``, ``::1`` or ``[::1]:5678``."""
    if value is None:
        return None
    if value.startswith("["):
        end = value.find("]")
        if end == -1 or (end + 1 < len(value) and not _is_port_suffix(value[end + 1 :])):
            return None
        value = value[1:end]
    elif value.count(":") == 1:
        value, _, port = value.partition(":")
        if _port(port) is None:
            return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None  # "unknown", obfuscated identifiers (RFC 7239) and garbage


def _is_port_suffix(text: str) -> bool:
    return text.startswith(":") and _port(text[1:]) is not None


def _port(value: str | None) -> str | None:
    if value is None or not (value.isascii() and value.isdigit()) or len(value) > 5:
        return None
    number = int(value)
    return str(number) if 0 < number < 65536 else None


def _host(value: str | None) -> tuple[str, str | None] | None:
    """``(name, port or None)`` from a ``Host``-style value, or None when it is not one."""
    if value is None or len(value) > 260 or not value.isascii():
        return None
    match = _HOST_RE.fullmatch(value)
    if match is None:
        return None
    name, port_text = match.group(1), match.group(2)
    if name.startswith("["):
        try:
            ipaddress.IPv6Address(name[1:-1])
        except ValueError:
            return None
    elif len(name) > 253 or _HOST_NAME_RE.fullmatch(name) is None:
        return None
    port = None
    if port_text is not None:
        port = _port(port_text)
        if port is None:
            return None
    return name.lower(), port


def _host_name(environ: WSGIEnvironment) -> str:
    """The host name of the request, without its port (for adding another port)."""
    host = environ.get("HTTP_HOST")
    parsed = _host(host) if isinstance(host, str) else None
    if parsed is not None:
        return parsed[0]
    return str(environ.get("SERVER_NAME", "localhost"))


def _default_port(environ: WSGIEnvironment) -> str:
    return _DEFAULT_PORTS.get(str(environ.get("wsgi.url_scheme", "http")), "80")


def _prefix(value: str | None) -> str | None:
    """A ``SCRIPT_NAME`` (decoded, PEP 3333 latin-1 form, no trailing slash) from a URL path."""
    if value is None or _PREFIX_RE.fullmatch(value) is None or value.startswith("//"):
        return None
    path = unquote_to_bytes(value).decode("latin-1")
    if "\x00" in path or "\\" in path or path.startswith("//") or ".." in path.split("/"):
        return None
    return path.rstrip("/")
