"""erlen.middleware.ProxyFix: X-Forwarded-* from a fixed number of trusted proxies."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from erlen import Erlen, request, url_for
from erlen.middleware import ProxyFix
from erlen.middleware.proxy_fix import ORIGINAL_KEY

# ProxyFix is WSGI middleware (around app.wsgi_app); ASGI servers read the forwarded headers
# themselves (uvicorn --proxy-headers --forwarded-allow-ips).
pytestmark = pytest.mark.wsgi_only


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


def call(app: Erlen, headers: dict[str, str], **fix: int) -> dict[str, Any]:
    app.wsgi_app = ProxyFix(app.wsgi_app, **fix)  # type: ignore[method-assign]
    response = app.test_client().get(
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


def test_two_proxies_take_the_second_value_from_the_right(proxied: Erlen) -> None:
    data = call(proxied, {"X-Forwarded-For": "1.1.1.1, 2.2.2.2, 3.3.3.3"}, x_for=2)
    assert data["remote_addr"] == "2.2.2.2"


def test_fewer_values_than_trusted_proxies_are_ignored(proxied: Erlen) -> None:
    data = call(
        proxied, {"X-Forwarded-For": "1.1.1.1", "X-Forwarded-Proto": "https"}, x_for=2, x_proto=2
    )
    assert data["remote_addr"] == "10.0.0.1"
    assert data["scheme"] == "http"


def test_host_port_and_prefix(proxied: Erlen) -> None:
    data = call(
        proxied,
        {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "Shop.Example.com",
            "X-Forwarded-Port": "8443",
            "X-Forwarded-Prefix": "/shop/",
        },
        x_host=1,
        x_port=1,
        x_prefix=1,
    )
    assert data["host"] == "shop.example.com:8443"
    assert data["root_path"] == "/shop"
    assert data["url"] == "https://shop.example.com:8443/shop/where"
    assert data["external"] == "https://shop.example.com:8443/shop/where"


def test_default_port_is_left_out_of_the_host(proxied: Erlen) -> None:
    headers = {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "example.com:8080",
        "X-Forwarded-Port": "443",
    }
    data = call(proxied, headers, x_host=1, x_port=1)
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
def test_malformed_values_are_ignored(
    proxied: Erlen, header: str, value: str, field: str, kept: str
) -> None:
    data = call(proxied, {header: value}, x_for=1, x_proto=1, x_host=1, x_port=1, x_prefix=1)
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
def test_client_address_forms(proxied: Erlen, value: str, expected: str) -> None:
    assert call(proxied, {"X-Forwarded-For": value})["remote_addr"] == expected


def test_invalid_proxy_counts_are_refused(app: Erlen) -> None:
    with pytest.raises(ValueError, match="x_for"):
        ProxyFix(app.wsgi_app, x_for=-1)
    with pytest.raises(ValueError, match="x_host"):
        ProxyFix(app.wsgi_app, x_host=True)


_header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=60)


@given(
    forwarded=st.dictionaries(
        st.sampled_from(["For", "Proto", "Host", "Port", "Prefix"]), _header_text
    )
)
def test_any_forwarded_headers_give_a_valid_answer(forwarded: dict[str, str]) -> None:
    app = Erlen("proxyfuzz")

    @app.get("/")
    def index() -> dict[str, Any]:
        return {"host": request.host, "url": request.url, "addr": request.remote_addr}

    app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
        app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_port=1, x_prefix=1
    )
    headers = {f"X-Forwarded-{name}": value for name, value in forwarded.items()}
    response = app.test_client().get("/", headers=headers)
    assert response.status_code == 200
    data = response.json
    assert not any(char in data["host"] for char in "/\\ \r\n\x00")
    assert data["url"].startswith(("http://", "https://"))
