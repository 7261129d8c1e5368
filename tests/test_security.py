"""Safe defaults: secure_filename, SecurityHeaders, upload spooling, session cookie flags and
TRUSTED_HOSTS."""

from __future__ import annotations

import os
import tracemalloc
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from erlen import Erlen, make_response, request, session, url_for
from erlen.security import SecurityHeaders, secure_filename

# -- secure_filename -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("My cool movie.mov", "My_cool_movie.mov"),
        ("../../../etc/passwd", "etc_passwd"),
        ("..\\..\\windows\\win.ini", "windows_win.ini"),
        ("/etc/shadow", "etc_shadow"),
        ("C:\\boot.ini", "C_boot.ini"),
        (".bashrc", "bashrc"),
        ("...", ""),
        ("", ""),
        ("\u00e9t\u00e9.txt", "ete.txt"),
        ("\u65e5\u672c\u8a9e", ""),
        ("r\u00e9sum\u00e9 final.pdf", "resume_final.pdf"),
        ("a\x00b\r\nc.txt", "ab_c.txt"),
        ("CON", "_CON"),
        ("nul.txt", "_nul.txt"),
        ("com1.tar.gz", "_com1.tar.gz"),
        ("LPT9", "_LPT9"),
        ("COM\u00b9.txt", "_COM1.txt"),
        ("console.txt", "console.txt"),
        ("trailing.", "trailing"),
        ('quo"te<>|?*.txt', "quote.txt"),
    ],
)
def test_secure_filename_examples(filename: str, expected: str) -> None:
    assert secure_filename(filename) == expected


def test_secure_filename_shortens_long_names_keeping_the_extension() -> None:
    name = secure_filename("a" * 400 + ".jpeg")
    assert len(name) == 255
    assert name.endswith(".jpeg")


@given(st.text())
def test_secure_filename_is_always_one_safe_name(filename: str) -> None:
    name = secure_filename(filename)
    assert name.isascii()
    assert "/" not in name and "\\" not in name and "\x00" not in name
    assert not name.startswith(".")
    assert name not in (".", "..")
    assert len(name) <= 255
    assert name.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL", "COM1", "LPT1"}
    if name:
        folder = os.path.abspath("uploads")
        assert os.path.dirname(os.path.abspath(os.path.join(folder, name))) == folder
    assert secure_filename(name) == name  # idempotent


# -- SecurityHeaders -----------------------------------------------------------------------------


@pytest.fixture
def headers_app(app: Erlen) -> Erlen:
    @app.get("/")
    def index() -> str:
        return "hello"

    @app.get("/framed")
    def framed() -> Any:
        response = make_response("may be framed")
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        response.headers["Content-Security-Policy"] = "default-src 'none'"
        return response

    return app


def test_security_headers_defaults(headers_app: Erlen) -> None:
    SecurityHeaders(headers_app)
    client = headers_app.test_client()
    for response in (client.get("/"), client.get("/missing")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "Content-Security-Policy" not in response.headers
        assert "Strict-Transport-Security" not in response.headers
    assert client.get("/missing").status_code == 404


def test_security_headers_init_app_and_settings(headers_app: Erlen) -> None:
    security = SecurityHeaders()
    headers_app.config.update(
        SECURITY_FRAME_OPTIONS="sameorigin",
        SECURITY_REFERRER_POLICY=None,
        SECURITY_CONTENT_SECURITY_POLICY="default-src 'self'",
    )
    security.init_app(headers_app)
    assert headers_app.extensions["erlen.security"] is security
    response = headers_app.test_client().get("/")
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "Referrer-Policy" not in response.headers
    assert response.headers["Content-Security-Policy"] == "default-src 'self'"


def test_security_headers_follow_config_changes_after_init(headers_app: Erlen) -> None:
    SecurityHeaders(headers_app)
    client = headers_app.test_client()
    assert client.get("/").headers["X-Frame-Options"] == "DENY"
    headers_app.config["SECURITY_FRAME_OPTIONS"] = None
    assert "X-Frame-Options" not in client.get("/").headers


def test_security_headers_keep_what_the_view_set(headers_app: Erlen) -> None:
    SecurityHeaders(headers_app, csp=lambda request: "default-src 'self'")
    response = headers_app.test_client().get("/framed")
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers.get_all("Content-Security-Policy") == ["default-src 'none'"]


def test_security_headers_csp_hook_decides_per_request(headers_app: Erlen) -> None:
    headers_app.config["SECURITY_CONTENT_SECURITY_POLICY"] = "ignored when a hook is set"
    security = SecurityHeaders(headers_app)
    seen: list[str] = []

    @security.content_security_policy
    def policy(current: Any) -> str | None:
        seen.append(current.path)
        return "default-src 'self'" if current.path == "/" else None

    client = headers_app.test_client()
    assert client.get("/").headers["Content-Security-Policy"] == "default-src 'self'"
    assert "Content-Security-Policy" not in client.get("/missing").headers
    assert seen == ["/", "/missing"]


def test_security_headers_csp_report_only(headers_app: Erlen) -> None:
    headers_app.config.update(
        SECURITY_CONTENT_SECURITY_POLICY="default-src 'self'",
        SECURITY_CONTENT_SECURITY_POLICY_REPORT_ONLY=True,
    )
    SecurityHeaders(headers_app)
    response = headers_app.test_client().get("/")
    assert response.headers["Content-Security-Policy-Report-Only"] == "default-src 'self'"
    assert "Content-Security-Policy" not in response.headers


def test_hsts_only_when_configured_and_only_on_https(headers_app: Erlen) -> None:
    SecurityHeaders(headers_app)
    client = headers_app.test_client()
    assert "Strict-Transport-Security" not in client.get("/", base_url="https://localhost/").headers
    headers_app.config.update(SECURITY_HSTS_MAX_AGE=31536000, SECURITY_HSTS_INCLUDE_SUBDOMAINS=True)
    assert "Strict-Transport-Security" not in client.get("/").headers
    https = client.get("/", base_url="https://localhost/")
    assert https.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.parametrize(
    "settings",
    [{"SECURITY_FRAME_OPTIONS": "ALLOW-FROM https://x"}, {"SECURITY_HSTS_MAX_AGE": -1}],
)
def test_security_headers_refuse_invalid_settings_at_init(
    headers_app: Erlen, settings: dict[str, Any]
) -> None:
    headers_app.config.update(settings)
    with pytest.raises(ValueError):
        SecurityHeaders(headers_app)


# -- uploads -------------------------------------------------------------------------------------


def _multipart(boundary: str, name: str, filename: str, payload: bytes) -> bytes:
    return (
        (
            f"--{boundary}\r\nContent-Disposition: form-data; name={name}; "
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
        + payload
        + f"\r\n--{boundary}--\r\n".encode()
    )


def test_uploads_spool_to_disk_past_max_form_memory_size(app: Erlen) -> None:
    app.config.update(MAX_FORM_MEMORY_SIZE=64 * 1024, MAX_CONTENT_LENGTH=16 * 1024 * 1024)

    @app.post("/upload")
    def upload() -> dict[str, Any]:
        tracemalloc.start()
        try:
            files = request.files
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        result: dict[str, Any] = {"peak": peak}
        for name, storage in files.items():
            # SpooledTemporaryFile says whether it moved its data to a real file on disk.
            result[name] = {"on_disk": storage.stream._rolled, "size": len(storage.read())}
        return result

    client = app.test_client()
    boundary = "spool-test-boundary"
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    big = client.post(
        "/upload",
        data=_multipart(boundary, "big", "big.bin", os.urandom(4 * 1024 * 1024)),
        headers=headers,
    ).json
    assert big["big"] == {"on_disk": True, "size": 4 * 1024 * 1024}
    # The parser holds a few chunks at a time, never the whole 4 MiB upload.
    assert big["peak"] < 1024 * 1024
    small = client.post(
        "/upload", data=_multipart(boundary, "small", "s.bin", b"x" * 1000), headers=headers
    ).json
    assert small["small"] == {"on_disk": False, "size": 1000}


def test_every_uploaded_file_is_closed_after_the_request(app: Erlen) -> None:
    seen: list[Any] = []

    @app.post("/upload")
    def upload() -> str:
        seen.extend(storage for _, storage in request.files.items(multi=True))
        return "ok"

    boundary = "close-test-boundary"
    part = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; filename="{{}}"\r\n\r\n'
        "data\r\n"
    )
    body = (part.format("a.jpg") + part.format("b.jpg") + f"--{boundary}--\r\n").encode()
    response = app.test_client().post(
        "/upload", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    closed = [storage.stream.closed for storage in seen]
    for storage in seen:
        storage.close()  # so that a failure here does not leak into later tests as a warning
    assert response.status_code == 200
    assert closed == [True, True]


# -- session cookie ------------------------------------------------------------------------------


def _cookie_attributes(header: str) -> dict[str, str]:
    attributes = {}
    for part in header.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        attributes[name.lower()] = value
    return attributes


@pytest.mark.parametrize("permanent", [False, True])
def test_session_cookie_is_httponly_and_samesite_lax_by_default(
    app: Erlen, permanent: bool
) -> None:
    @app.post("/login")
    def login() -> str:
        session["user"] = 1
        session.permanent = permanent
        return "ok"

    client = app.test_client()
    cookie = client.post("/login").headers["Set-Cookie"]
    attributes = _cookie_attributes(cookie)
    assert attributes["samesite"] == "Lax"
    assert "httponly" in attributes
    assert "secure" not in attributes
    assert ("expires" in attributes) is permanent
    secure = client.post("/login", base_url="https://localhost/").headers["Set-Cookie"]
    assert "secure" in _cookie_attributes(secure)


# -- TRUSTED_HOSTS -------------------------------------------------------------------------------


@pytest.fixture
def trusted_app(app: Erlen) -> Erlen:
    app.config["TRUSTED_HOSTS"] = ["example.com", ".example.org"]

    @app.get("/")
    def index() -> str:
        return "hello"

    return app


@pytest.mark.parametrize("host", ["evil.com", "example.com.evil.com", "notexample.org", "com"])
def test_trusted_hosts_refuse_other_hosts_with_400(trusted_app: Erlen, host: str) -> None:
    response = trusted_app.test_client().get(
        "/", headers={"Host": host, "Accept": "application/json"}
    )
    assert response.status_code == 400
    assert response.json["error"]["status"] == 400


@pytest.mark.parametrize(
    "host", ["example.com", "example.com:8080", "sub.example.org", "a.b.example.org", "EXAMPLE.COM"]
)
def test_trusted_hosts_let_listed_hosts_through(trusted_app: Erlen, host: str) -> None:
    response = trusted_app.test_client().get("/", headers={"Host": host})
    assert response.status_code == 200
    assert response.text == "hello"


def test_trusted_hosts_also_guard_routing_errors(trusted_app: Erlen) -> None:
    """An untrusted Host is refused before routing, so a 404 cannot hint at valid URLs."""
    response = trusted_app.test_client().get("/missing", headers={"Host": "evil.com"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "host",
    [
        "a.example, evil.example",
        "a.example,evil.example",
        "a b",
        "evil.example/x",
        "u@evil.example",
    ],
    ids=["two-joined", "two-joined-tight", "space", "slash", "userinfo"],
)
def test_a_host_header_that_is_not_one_host_is_a_400(app: Erlen, host: str) -> None:
    # Two Host headers (a server joins them with a comma) must be refused (RFC 9112 3.2):
    # otherwise url_for(_external=True) builds "http://a.example, evil.example/".
    @app.get("/")
    def index() -> str:
        return url_for("index", _external=True)

    client = app.test_client()
    response = client.get("/", headers={"Host": host, "Accept": "application/json"})
    assert response.status_code == 400
    assert "Host" in response.json["error"]["detail"]
    assert client.get("/", headers={"Host": "[::1]:8000"}).text == "http://[::1]:8000/"


def test_more_header_fields_than_max_header_count_answer_431(interface: str) -> None:
    app = Erlen(__name__)
    app.config["MAX_HEADER_COUNT"] = 8

    @app.route("/")
    def index() -> str:
        return "ok"

    client = app.test_client()
    assert client.get("/", headers={f"X-{i}": "v" for i in range(3)}).status_code == 200
    refused = client.get("/", headers={f"X-{i}": "v" for i in range(20)})
    assert refused.status_code == 431
    assert "header fields" in refused.text


def test_header_values_over_max_header_bytes_answer_431_over_asgi(interface: str) -> None:
    # Under WSGI the server enforces the size (waitress as app.run() sets it up: test_hostile).
    if interface != "asgi":
        pytest.skip("the WSGI side is the server's, tested against waitress in test_hostile")
    app = Erlen(__name__)
    app.config["MAX_HEADER_BYTES"] = 1024

    @app.route("/")
    def index() -> str:
        return "ok"

    client = app.test_client()
    assert client.get("/", headers={"X-Small": "a" * 500}).status_code == 200
    assert client.get("/", headers={"X-Big": "a" * 2000}).status_code == 431


@pytest.mark.parametrize(
    "disposition",
    [
        b'form-data; name="a',
        b'form-data; name="f"; filename="x.txt',
        b'attachment; name="a"',
        b"form-data",
        b'form-data; name="a"; x',
    ],
)
def test_a_multipart_part_with_a_broken_disposition_is_a_400(disposition: bytes) -> None:
    app = Erlen(__name__)

    @app.post("/")
    def index() -> dict[str, int]:
        return {"fields": len(request.form), "files": len(request.files)}

    body = b"--b\r\nContent-Disposition: " + disposition + b"\r\n\r\nvalue\r\n--b--\r\n"
    response = app.test_client().post(
        "/", data=body, content_type="multipart/form-data; boundary=b"
    )
    assert response.status_code == 400
    well_formed = b'--b\r\nContent-Disposition: form-data; name=""\r\n\r\nvalue\r\n--b--\r\n'
    response = app.test_client().post(
        "/", data=well_formed, content_type="multipart/form-data; boundary=b"
    )
    assert response.json == {"fields": 1, "files": 0}
