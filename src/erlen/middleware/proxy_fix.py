"""Trust ``X-Forwarded-*`` headers from a known number of reverse proxies.

Behind nginx or a load balancer, the WSGI server sees the proxy's connection: the client address
is the proxy's, the scheme is ``http`` even when the client used HTTPS, and the host may be an
internal name. Proxies report the real values in ``X-Forwarded-For``, ``-Proto``, ``-Host``,
``-Port`` and ``-Prefix``. :class:`ProxyFix` copies them into the environ, so
``request.remote_addr``, ``request.scheme``, ``request.host`` and
``url_for(..., _external=True)`` say what the client saw::

    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)

:class:`ASGIProxyFix` does the same for ``app.asgi``, on the scope (``client``, ``scheme``,
the ``host`` header and ``server``, ``root_path`` and ``path``)::

    app.asgi = ASGIProxyFix(app.asgi, x_for=1, x_proto=1)

Both read the headers through the same parsers; only where the values go differs.

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
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Generic, NamedTuple, TypeVar
from urllib.parse import unquote_to_bytes

__all__ = ["ProxyFix", "ASGIProxyFix", "ORIGINAL_KEY"]

WSGIEnvironment = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApplication = Callable[[WSGIEnvironment, StartResponse], Iterable[bytes]]
Scope = dict[str, Any]
ASGIApplication = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
                           Awaitable[None]]  # fmt: skip
App = TypeVar("App")

#: Where the server's own values are kept (in the environ or the scope), before ProxyFix
#: replaced any of them.
ORIGINAL_KEY = "erlen.proxy_fix.orig"
_SAVED_KEYS = (
    "REMOTE_ADDR", "wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME",
)  # fmt: skip
_DEFAULT_PORTS = {"http": "80", "https": "443"}
_ASGI_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


class _Forwarded(NamedTuple):
    """What the trusted proxies said, each part validated, or None where they said nothing."""

    address: str | None
    scheme: str | None  # "http" or "https"
    host: tuple[str, str | None] | None  # (name, port or None)
    port: str | None
    prefix: bytes | None  # the decoded path, without a trailing slash


_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_HOST_NAME_RE = re.compile(rf"(?:{_LABEL}\.)*{_LABEL}\.?")
_HOST_RE = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[^:\[\]]+)(?::([0-9]{1,5}))?")
_PREFIX_RE = re.compile(r"/[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*")


class _ProxyCounts(Generic[App]):
    """The trusted-proxy counts and the reading of the headers, for both interfaces."""

    def __init__(
        self,
        app: App,
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

    def _forwarded(self, header: Callable[[str], str | None]) -> _Forwarded:
        """The values to use; ``header(name)`` gives a header's lines joined with commas."""
        address = scheme = port = None
        host = None
        prefix = None
        if self.x_for:
            address = _client_address(_trusted(header("x-forwarded-for"), self.x_for))
        if self.x_proto:
            proto = _trusted(header("x-forwarded-proto"), self.x_proto)
            if proto is not None and proto.lower() in _DEFAULT_PORTS:
                scheme = proto.lower()
        if self.x_host:
            host = _host(_trusted(header("x-forwarded-host"), self.x_host))
        if self.x_port:
            port = _port(_trusted(header("x-forwarded-port"), self.x_port))
        if self.x_prefix:
            prefix = _prefix(_trusted(header("x-forwarded-prefix"), self.x_prefix))
        return _Forwarded(address, scheme, host, port, prefix)

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} x_for={self.x_for} x_proto={self.x_proto} "
            f"x_host={self.x_host} x_port={self.x_port} x_prefix={self.x_prefix}>"
        )


class ProxyFix(_ProxyCounts[WSGIApplication]):
    """WSGI middleware that believes ``x_*`` proxies about the client's request.

    ``x_for``, ``x_proto``, ``x_host``, ``x_port`` and ``x_prefix`` are the number of proxies
    that set ``X-Forwarded-For``, ``-Proto``, ``-Host``, ``-Port`` and ``-Prefix`` (0: ignore the
    header). They update ``REMOTE_ADDR``, ``wsgi.url_scheme``, ``HTTP_HOST`` with
    ``SERVER_NAME``/``SERVER_PORT``, ``SERVER_PORT`` (and the port in ``HTTP_HOST``), and
    ``SCRIPT_NAME``. The replaced values are kept in ``environ["erlen.proxy_fix.orig"]``.

    Note that ``erlen run`` (waitress) drops ``X-Forwarded-*`` headers from untrusted peers
    before the app sees them; under gunicorn or granian they reach this middleware.
    """

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        environ[ORIGINAL_KEY] = {key: environ.get(key) for key in _SAVED_KEYS}

        def header(name: str) -> str | None:
            value = environ.get("HTTP_" + name.upper().replace("-", "_"))
            return value if isinstance(value, str) else None

        forwarded = self._forwarded(header)
        if forwarded.address is not None:
            environ["REMOTE_ADDR"] = forwarded.address
        if forwarded.scheme is not None:
            environ["wsgi.url_scheme"] = forwarded.scheme
        default_port = _DEFAULT_PORTS.get(str(environ.get("wsgi.url_scheme", "http")), "80")
        if forwarded.host is not None:
            name, port = forwarded.host
            environ["HTTP_HOST"] = f"{name}:{port}" if port else name
            environ["SERVER_NAME"] = name
            environ["SERVER_PORT"] = port or default_port
        if forwarded.port is not None:
            name = _host_name(environ.get("HTTP_HOST"), environ.get("SERVER_NAME"))
            environ["SERVER_PORT"] = forwarded.port
            default = forwarded.port == default_port
            environ["HTTP_HOST"] = name if default else f"{name}:{forwarded.port}"
        if forwarded.prefix is not None:
            environ["SCRIPT_NAME"] = forwarded.prefix.decode("latin-1")  # PEP 3333's form
        return self.app(environ, start_response)


class ASGIProxyFix(_ProxyCounts[ASGIApplication]):
    """ASGI middleware that believes ``x_*`` proxies about the client's request or WebSocket.

    The same arguments and parsing as :class:`ProxyFix`, applied to a copy of the scope of an
    ``http`` or ``websocket`` connection: ``client`` (with port 0, as the client's own is not
    known), ``scheme`` (``https``/``wss`` or ``http``/``ws``, as the scope's type wants), the
    ``host`` header and ``server``, and ``root_path`` with ``path`` (which holds the root path,
    as ASGI says). The server's values are kept in ``scope["erlen.proxy_fix.orig"]``: its
    ``client``, ``scheme``, ``server``, ``root_path``, ``path`` and ``host`` (the header, as
    text, or None). Other scopes (``lifespan``) pass through untouched.

    Use it instead of the server's own proxy-header handling (``uvicorn --no-proxy-headers``),
    not with it: the two count trusted proxies differently and may pick different values.
    """

    async def __call__(
        self,
        scope: Scope,
        receive: Callable[[], Awaitable[Any]],
        send: Callable[[Any], Awaitable[None]],
    ) -> None:
        if scope.get("type") in ("http", "websocket"):
            scope = self._rewrite(scope)
        await self.app(scope, receive, send)

    def _rewrite(self, scope: Scope) -> Scope:
        raw_headers: list[tuple[bytes, bytes]] = list(scope.get("headers") or ())
        host_header = _asgi_header(raw_headers, "host")
        scope = {**scope, "headers": raw_headers}
        scope[ORIGINAL_KEY] = {
            "client": scope.get("client"), "scheme": scope.get("scheme"),
            "server": scope.get("server"), "root_path": scope.get("root_path", ""),
            "path": scope.get("path"), "host": host_header,
        }  # fmt: skip
        forwarded = self._forwarded(lambda name: _asgi_header(raw_headers, name))
        if forwarded.address is not None:
            scope["client"] = (forwarded.address, 0)
        websocket = scope["type"] == "websocket"
        if forwarded.scheme is not None:
            secure = forwarded.scheme == "https"
            scope["scheme"] = ("wss" if secure else "ws") if websocket else forwarded.scheme
        scheme = scope.get("scheme") or ("ws" if websocket else "http")
        default_port = _ASGI_DEFAULT_PORTS.get(scheme, 80)
        if forwarded.host is not None:
            name, port = forwarded.host
            _set_host(raw_headers, f"{name}:{port}" if port else name)
            scope["server"] = (name, int(port) if port else default_port)
        if forwarded.port is not None:
            server = scope.get("server")
            name = _host_name(_asgi_header(raw_headers, "host"), server[0] if server else None)
            port_number = int(forwarded.port)
            scope["server"] = (name, port_number)
            _set_host(raw_headers, name if port_number == default_port else f"{name}:{port_number}")
        if forwarded.prefix is not None:
            self._set_prefix(scope, forwarded.prefix)
        return scope

    @staticmethod
    def _set_prefix(scope: Scope, prefix: bytes) -> None:
        try:
            root_path = prefix.decode("utf-8")
        except UnicodeDecodeError:
            return  # ASGI paths are text: a prefix that is not UTF-8 is ignored
        old_root = scope.get("root_path") or ""
        path = scope.get("path") or "/"
        if old_root and path.startswith(old_root):
            path = path[len(old_root) :]  # the part below the server's own root path
        scope["root_path"] = root_path
        scope["path"] = root_path + path
        # raw_path is the target as sent, without the prefix the proxy removed; it no longer
        # matches path, and ASGI allows it to be absent.
        scope["raw_path"] = None


def _asgi_header(headers: list[tuple[bytes, bytes]], name: str) -> str | None:
    """A header of an ASGI scope as text, its lines joined with commas (as WSGI servers do)."""
    key = name.encode("latin-1")
    values = [value.decode("latin-1") for raw_name, value in headers if raw_name.lower() == key]
    return ",".join(values) if values else None


def _set_host(headers: list[tuple[bytes, bytes]], host: str) -> None:
    headers[:] = [pair for pair in headers if pair[0].lower() != b"host"]
    headers.append((b"host", host.encode("latin-1")))


def _trusted(header: str | None, trusted: int) -> str | None:
    """The value the outermost trusted proxy appended, or None when there are too few values.

    Servers join repeated header lines with commas, so several lines count like one list.
    """
    if not header:
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


def _host_name(host: str | None, server_name: object) -> str:
    """The host name of the request, without its port (for adding another port)."""
    parsed = _host(host) if isinstance(host, str) else None
    if parsed is not None:
        return parsed[0]
    return str(server_name) if server_name else "localhost"


def _prefix(value: str | None) -> bytes | None:
    """The decoded path (no trailing slash) of a URL path, or None when it is not a safe one."""
    if value is None or _PREFIX_RE.fullmatch(value) is None or value.startswith("//"):
        return None
    path = unquote_to_bytes(value)
    if b"\x00" in path or b"\\" in path or path.startswith(b"//") or b".." in path.split(b"/"):
        return None
    return path.rstrip(b"/")
