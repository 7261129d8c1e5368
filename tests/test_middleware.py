"""erlen.middleware: ProxyFix (WSGI) and ASGIProxyFix, X-Forwarded-* from trusted proxies."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from erlen import Erlen, request, url_for, websocket
from erlen.middleware import ASGIProxyFix, ProxyFix
from erlen.middleware.proxy_fix import ORIGINAL_KEY

from .conftest import uvicorn_in_thread

# Each test says which side it wraps: app.wsgi_app with ProxyFix, app.asgi with ASGIProxyFix.
pytestmark = pytest.mark.wsgi_only
SIDES = ("wsgi", "asgi")


@pytest.fixture
def proxied(app: Erlen) -> Erlen:
    @app.get("/where")
    def where() -> dict[str, Any]:
        return {
            "remote_addr": request.remote_addr,
            "scheme": request.scheme,
            "host": request.host,
            "root_path": request.root_path,
            "url": request.url,
            "external": url_for("where", _external=True),
            "orig": request.environ.get(ORIGINAL_KEY),
        }

    return app


def wrap(app: Erlen, side: str, **fix: int) -> None:
    if side == "wsgi":
        app.wsgi_app = ProxyFix(app.wsgi_app, **fix)  # type: ignore[method-assign]
    else:
        app.asgi = ASGIProxyFix(app.asgi, **fix)  # type: ignore[assignment]


def _as_sent(value: str) -> str:
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8").decode("latin-1")
    return value


def call(app: Erlen, headers: dict[str, str], side: str = "wsgi", **fix: int) -> dict[str, Any]:
    wrap(app, side, **fix)
    if side == "asgi":  # ASGI headers are bytes: text beyond latin-1 arrives as its UTF-8 bytes
        headers = {name: _as_sent(value) for name, value in headers.items()}
    response = app.test_client(interface=side).get(
        "/where", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.1"}
    )
    assert response.status_code == 200
    data: dict[str, Any] = response.json
    return data


def test_defaults_trust_one_proxy_for_address_and_scheme(proxied: Erlen) -> None:
    data = call(
        proxied,
        {
            "X-Forwarded-For": "198.51.100.7, 203.0.113.9",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "evil.example",
        },
    )
    assert data["remote_addr"] == "203.0.113.9"  # the value the one trusted proxy appended
    assert data["scheme"] == "https"
    assert data["host"] == "localhost"  # x_host=0 by default: the header is ignored
    assert data["external"] == "https://localhost/where"
    assert data["orig"] == {
        "REMOTE_ADDR": "10.0.0.1",
        "wsgi.url_scheme": "http",
        "HTTP_HOST": "localhost",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SCRIPT_NAME": "",
    }


@pytest.mark.parametrize("side", SIDES)
def test_two_proxies_take_the_second_value_from_the_right(proxied: Erlen, side: str) -> None:
    data = call(proxied, {"X-Forwarded-For": "1.1.1.1, 2.2.2.2, 3.3.3.3"}, side, x_for=2)
    assert data["remote_addr"] == "2.2.2.2"


@pytest.mark.parametrize("side", SIDES)
def test_fewer_values_than_trusted_proxies_are_ignored(proxied: Erlen, side: str) -> None:
    data = call(
        proxied,
        {"X-Forwarded-For": "1.1.1.1", "X-Forwarded-Proto": "https"},
        side,
        x_for=2,
        x_proto=2,
    )
    assert data["remote_addr"] == "10.0.0.1"
    assert data["scheme"] == "http"


@pytest.mark.parametrize("side", SIDES)
def test_host_port_and_prefix(proxied: Erlen, side: str) -> None:
    data = call(
        proxied,
        {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "Shop.Example.com",
            "X-Forwarded-Port": "8443",
            "X-Forwarded-Prefix": "/shop/",
        },
        side,
        x_host=1,
        x_port=1,
        x_prefix=1,
    )
    assert data["host"] == "shop.example.com:8443"
    assert data["root_path"] == "/shop"
    assert data["url"] == "https://shop.example.com:8443/shop/where"
    assert data["external"] == "https://shop.example.com:8443/shop/where"


@pytest.mark.parametrize("side", SIDES)
def test_default_port_is_left_out_of_the_host(proxied: Erlen, side: str) -> None:
    headers = {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "example.com:8080",
        "X-Forwarded-Port": "443",
    }
    data = call(proxied, headers, side, x_host=1, x_port=1)
    assert data["host"] == "example.com"
    assert data["external"] == "https://example.com/where"


@pytest.mark.parametrize(
    ("header", "value", "field", "kept"),
    [
        ("X-Forwarded-For", "unknown", "remote_addr", "10.0.0.1"),
        ("X-Forwarded-For", "1.2.3.4\r\nX: y", "remote_addr", "10.0.0.1"),
        ("X-Forwarded-For", "999.1.1.1", "remote_addr", "10.0.0.1"),
        ("X-Forwarded-For", "", "remote_addr", "10.0.0.1"),
        ("X-Forwarded-Proto", "javascript", "scheme", "http"),
        ("X-Forwarded-Proto", "https, ", "scheme", "http"),
        ("X-Forwarded-Host", "evil.com/path", "host", "localhost"),
        ("X-Forwarded-Host", "a b", "host", "localhost"),
        ("X-Forwarded-Host", "example.com:99999", "host", "localhost"),
        ("X-Forwarded-Host", "[not-ipv6]", "host", "localhost"),
        ("X-Forwarded-Host", "exa\u00e9mple.com", "host", "localhost"),
        ("X-Forwarded-Port", "0", "host", "localhost"),
        ("X-Forwarded-Port", "-1", "host", "localhost"),
        ("X-Forwarded-Port", "\u0661\u0662", "host", "localhost"),
        ("X-Forwarded-Prefix", "//evil.com", "root_path", ""),
        ("X-Forwarded-Prefix", "shop", "root_path", ""),
        ("X-Forwarded-Prefix", "/a/../b", "root_path", ""),
        ("X-Forwarded-Prefix", "/a%00b", "root_path", ""),
        ("X-Forwarded-Prefix", "/a b", "root_path", ""),
    ],
)
@pytest.mark.parametrize("side", SIDES)
def test_malformed_values_are_ignored(
    proxied: Erlen, side: str, header: str, value: str, field: str, kept: str
) -> None:
    fix = {"x_for": 1, "x_proto": 1, "x_host": 1, "x_port": 1, "x_prefix": 1}
    data = call(proxied, {header: value}, side, **fix)
    assert data[field] == kept


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2001:db8::1", "2001:db8::1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("[2001:db8::1]:4711", "2001:db8::1"),
        ("192.0.2.60:4711", "192.0.2.60"),
        ("192.0.2.60:notaport", "10.0.0.1"),
        ("[2001:db8::1]junk", "10.0.0.1"),
    ],
)
@pytest.mark.parametrize("side", SIDES)
def test_client_address_forms(proxied: Erlen, side: str, value: str, expected: str) -> None:
    assert call(proxied, {"X-Forwarded-For": value}, side)["remote_addr"] == expected


def test_invalid_proxy_counts_are_refused(app: Erlen) -> None:
    with pytest.raises(ValueError, match="x_for"):
        ProxyFix(app.wsgi_app, x_for=-1)
    with pytest.raises(ValueError, match="x_host"):
        ProxyFix(app.wsgi_app, x_host=True)
    with pytest.raises(ValueError, match="x_prefix"):
        ASGIProxyFix(app.asgi, x_prefix=-2)


_header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=60)


@pytest.mark.parametrize("side", SIDES)
@given(
    forwarded=st.dictionaries(
        st.sampled_from(["For", "Proto", "Host", "Port", "Prefix"]), _header_text
    )
)
def test_any_forwarded_headers_give_a_valid_answer(side: str, forwarded: dict[str, str]) -> None:
    app = Erlen("proxyfuzz")

    @app.get("/")
    def index() -> dict[str, Any]:
        return {"host": request.host, "url": request.url, "addr": request.remote_addr}

    wrap(app, side, x_for=1, x_proto=1, x_host=1, x_port=1, x_prefix=1)
    headers = {f"X-Forwarded-{name}": value for name, value in forwarded.items()}
    response = app.test_client(interface=side).get("/", headers=headers)
    assert response.status_code == 200
    data = response.json
    assert not any(char in data["host"] for char in "/\\ \r\n\x00")
    assert data["url"].startswith(("http://", "https://"))


# -- ASGI: the scope ----------------------------------------------------------------------------


def test_asgi_rewrites_the_scope_and_keeps_the_servers_values(proxied: Erlen) -> None:
    headers = {
        "X-Forwarded-For": "198.51.100.7, 203.0.113.9",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "shop.example.com",
        "X-Forwarded-Prefix": "/shop",
    }
    data = call(proxied, headers, "asgi", x_host=1, x_prefix=1)
    assert data["remote_addr"] == "203.0.113.9"
    assert data["scheme"] == "https"
    assert data["host"] == "shop.example.com"
    assert data["root_path"] == "/shop"
    assert data["external"] == "https://shop.example.com/shop/where"
    assert data["orig"] == {
        "client": ["10.0.0.1", 50000],
        "scheme": "http",
        "server": ["localhost", 80],
        "root_path": "",
        "path": "/where",
        "host": "localhost",
    }


def test_asgi_prefix_replaces_the_servers_root_path(proxied: Erlen) -> None:
    proxied.asgi = ASGIProxyFix(proxied.asgi, x_prefix=1)  # type: ignore[assignment]
    client = proxied.test_client(interface="asgi")
    response = client.get(
        "/where", base_url="http://localhost/mount", headers={"X-Forwarded-Prefix": "/shop"}
    )
    assert response.status_code == 200
    assert response.json["root_path"] == "/shop"
    assert response.json["external"] == "http://localhost/shop/where"
    assert response.json["orig"]["root_path"] == "/mount"


def test_asgi_websocket_scope_gets_wss_and_the_client_address(app: Erlen) -> None:
    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.accept()
        await websocket.send(json.dumps([websocket.scheme, websocket.remote_addr, websocket.host]))
        await websocket.close()

    app.asgi = ASGIProxyFix(app.asgi, x_for=1, x_proto=1, x_host=1)  # type: ignore[assignment]
    headers = {
        "X-Forwarded-For": "203.0.113.9",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "chat.example.com",
    }
    with app.test_client(interface="asgi").websocket_connect("/ws", headers=headers) as session:
        assert json.loads(session.receive_text()) == ["wss", "203.0.113.9", "chat.example.com"]


# -- ASGI: a real uvicorn -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def uvicorn_proxied() -> Iterator[tuple[int, list[str]]]:
    """An app behind ASGIProxyFix, served by uvicorn with lifespan on (its startup must run)."""
    app = Erlen("proxied_uvicorn")
    events: list[str] = []

    @app.before_serving
    def started() -> None:
        events.append("startup")

    @app.get("/where")
    def where() -> dict[str, Any]:
        return {
            "remote_addr": request.remote_addr,
            "scheme": request.scheme,
            "host": request.host,
            "script_root": request.script_root,
            "external": url_for("where", _external=True),
        }

    wrapped = ASGIProxyFix(app.asgi, x_for=1, x_proto=1, x_host=1, x_port=1, x_prefix=1)
    with uvicorn_in_thread(wrapped, proxy_headers=False) as port:
        yield port, events


def _get_json(port: int, headers: bytes) -> tuple[int, Any]:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(
            b"GET /where HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n" % port
            + headers
            + b"\r\n"
        )
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


def test_asgi_proxy_fix_under_uvicorn(uvicorn_proxied: tuple[int, list[str]]) -> None:
    port, events = uvicorn_proxied
    assert events == ["startup"]  # the lifespan scope went through
    status, data = _get_json(
        port,
        b"X-Forwarded-For: 198.51.100.7, 203.0.113.9\r\nX-Forwarded-Proto: https\r\n"
        b"X-Forwarded-Host: shop.example.com\r\nX-Forwarded-Port: 8443\r\n"
        b"X-Forwarded-Prefix: /shop/\r\n",
    )
    assert status == 200
    assert data == {
        "remote_addr": "203.0.113.9",
        "scheme": "https",
        "host": "shop.example.com:8443",
        "script_root": "/shop",
        "external": "https://shop.example.com:8443/shop/where",
    }


def test_asgi_proxy_fix_under_uvicorn_ignores_forged_values(
    uvicorn_proxied: tuple[int, list[str]],
) -> None:
    port, _ = uvicorn_proxied
    status, data = _get_json(
        port,
        b"X-Forwarded-For: not-an-address\r\nX-Forwarded-Proto: javascript\r\n"
        b"X-Forwarded-Host: evil.com/path\r\nX-Forwarded-Prefix: //evil.com\r\n",
    )
    assert status == 200
    assert data == {
        "remote_addr": "127.0.0.1",
        "scheme": "http",
        "host": f"127.0.0.1:{port}",
        "script_root": "",
        "external": f"http://127.0.0.1:{port}/where",
    }
