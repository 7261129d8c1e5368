"""Request parsing: query strings, forms, multipart, cookies, headers and JSON bodies.

Each parser gets well-formed random input (which must come back exactly) and garbage (which
must be answered with a valid response or a 4xx error object, never a 5xx).
"""

from __future__ import annotations

import email.parser
import hashlib
import json
import string
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from erlen import Erlen, request, session
from erlen.core.http import dump_cookie, prefers_json
from erlen.static import send_from_directory
from erlen.testing import TestClient

from .support import (
    JSON_ACCEPT,
    assert_answer,
    fuzz_app,
    header_value,
    json_values,
    short_text,
    token,
)
from .support import text as any_text

FORM_MEMORY = 1024  # small, so that random fields and uploads cross it


def _file_summary(storage: Any) -> list[Any]:
    # Closed here: Erlen's own clean-up misses all but the first file of a field name (see
    # test_security.py::test_every_uploaded_file_is_closed_after_the_request).
    with storage:
        data = storage.read()
    return [storage.name, storage.filename, storage.content_type, hashlib.sha256(data).hexdigest()]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    static = tmp_path_factory.mktemp("static")
    (static / "file.txt").write_bytes(b"0123456789" * 100)
    app = fuzz_app("fuzz_request")
    app.config.update(MAX_FORM_MEMORY_SIZE=FORM_MEMORY, MAX_CONTENT_LENGTH=64 * 1024)
    _register_views(app, static)
    return app.test_client(use_cookies=False)


def _register_views(app: Erlen, static: Path) -> None:
    @app.get("/args")
    def args() -> dict[str, Any]:
        return {"lists": list(request.args.lists())}

    @app.post("/form")
    def form() -> dict[str, Any]:
        return {
            "lists": list(request.form.lists()),
            "files": [_file_summary(storage) for _, storage in request.files.items(multi=True)],
        }

    @app.get("/cookies")
    def cookies() -> dict[str, Any]:
        return {"cookies": dict(request.cookies), "session": sorted(session)}

    @app.route("/headers", methods=["GET", "POST"])
    def headers() -> dict[str, Any]:
        auth = request.authorization
        accept = request.accept_mimetypes
        return {
            "best": request.accept_best_match(["application/json", "text/html"]),
            "prefers_json": request.prefers_json,
            "mimetype": request.mimetype,
            "params": request.mimetype_params,
            "length": request.content_length,
            "agent": request.user_agent,
            "authorization": [auth.type, auth.username, auth.token] if auth else None,
            "accept": [accept.accept_json, accept.accept_html, accept.quality("text/plain")],
            "host": request.host,
            "url": request.url,
            "values": len(request.values),
            "data": len(request.get_data()),
        }

    @app.post("/json")
    def json_body() -> dict[str, Any]:
        return {"value": request.json}

    @app.get("/static/<path:filename>")
    def static_file(filename: str) -> Any:
        return send_from_directory(static, filename)


# -- query string ------------------------------------------------------------------------------

pairs = st.lists(st.tuples(short_text, short_text), max_size=12)


def grouped(fields: list[tuple[str, str]]) -> list[list[Any]]:
    """``MultiDict.lists()`` of ``fields``: values by key, keys in order of first appearance."""
    by_key: dict[str, list[str]] = {}
    for key, value in fields:
        by_key.setdefault(key, []).append(value)
    return [[key, values] for key, values in by_key.items()]


@given(pairs)
def test_query_string_round_trips(client: TestClient, fields: list[tuple[str, str]]) -> None:
    response = client.get("/args", query_string=urlencode(fields).encode(), headers=JSON_ACCEPT)
    assert response.status_code == 200
    assert response.json["lists"] == grouped(fields)


@given(st.binary(max_size=200))
def test_any_query_string_gets_a_valid_answer(client: TestClient, query: bytes) -> None:
    assert_answer(client.get("/args", query_string=query, headers=JSON_ACCEPT))


def test_too_many_query_parameters_is_a_400(client: TestClient) -> None:
    response = client.get("/args", query_string=b"&".join([b"a"] * 100_000), headers=JSON_ACCEPT)
    assert response.status_code == 400
    assert_answer(response)


# -- urlencoded forms --------------------------------------------------------------------------

URLENCODED = "application/x-www-form-urlencoded"


@given(pairs)
def test_urlencoded_form_round_trips(client: TestClient, fields: list[tuple[str, str]]) -> None:
    body = urlencode(fields).encode()
    response = client.post("/form", data=body, content_type=URLENCODED, headers=JSON_ACCEPT)
    if len(body) > FORM_MEMORY:
        assert response.status_code == 413
        assert_answer(response)
        return
    assert response.status_code == 200
    assert response.json["lists"] == grouped(fields)


@given(st.binary(max_size=2000), st.sampled_from([URLENCODED, "multipart/form-data", ""]))
def test_any_form_body_gets_a_valid_answer(
    client: TestClient, body: bytes, content_type: str
) -> None:
    response = client.post("/form", data=body, content_type=content_type, headers=JSON_ACCEPT)
    assert_answer(response)


# -- multipart ---------------------------------------------------------------------------------

# Part names and file names as browsers write them: no quote, backslash or percent sign
# (which browsers escape), no line breaks.
part_name = st.text(
    st.characters(exclude_categories=("Cs", "Cc"), exclude_characters='"\\%'), max_size=12
)
content_types = st.sampled_from(["text/plain", "application/octet-stream", "image/png", None])
uploads = st.lists(
    st.tuples(part_name, part_name, content_types, st.binary(max_size=3 * FORM_MEMORY)),
    max_size=4,
)
BOUNDARY = "fuzz-boundary-d41d8cd98f00b204e9800998ecf8427e"


def multipart_body(
    fields: list[tuple[str, str]], files: list[tuple[str, str, str | None, bytes]]
) -> bytes:
    out = bytearray()
    for name, value in fields:
        out += f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        out += value.encode() + b"\r\n"
    for name, filename, content_type, data in files:
        out += (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\n'
        ).encode()
        if content_type is not None:
            out += f"Content-Type: {content_type}\r\n".encode()
        out += b"\r\n" + data + b"\r\n"
    out += f"--{BOUNDARY}--\r\n".encode()
    return bytes(out)


MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


@given(st.lists(st.tuples(part_name, any_text), max_size=6), uploads)
def test_multipart_form_round_trips(
    client: TestClient,
    fields: list[tuple[str, str]],
    files: list[tuple[str, str, str | None, bytes]],
) -> None:
    body = multipart_body(fields, files)
    assume(body.count(BOUNDARY.encode()) == len(fields) + len(files) + 1)
    response = client.post("/form", data=body, content_type=MULTIPART, headers=JSON_ACCEPT)
    if any(len(value.encode()) > FORM_MEMORY for _, value in fields):
        assert response.status_code == 413  # one field past MAX_FORM_MEMORY_SIZE
        assert_answer(response)
        return
    assert response.status_code == 200, response.data
    assert response.json["lists"] == grouped(fields)
    by_name: dict[str, list[list[Any]]] = {}
    for name, filename, content_type, data in files:
        summary = [name, filename, content_type, hashlib.sha256(data).hexdigest()]
        by_name.setdefault(name, []).append(summary)
    assert response.json["files"] == [row for rows in by_name.values() for row in rows]


@given(
    st.lists(st.tuples(part_name, short_text), max_size=3),
    uploads,
    st.integers(0, 10_000),
    st.integers(0, 64),
    st.binary(max_size=40),
)
def test_damaged_multipart_gets_a_valid_answer(
    client: TestClient,
    fields: list[tuple[str, str]],
    files: list[tuple[str, str, str | None, bytes]],
    position: int,
    cut: int,
    junk: bytes,
) -> None:
    body = multipart_body(fields, files)
    position %= len(body) + 1
    damaged = body[:position] + junk + body[position + cut :]
    response = client.post("/form", data=damaged, content_type=MULTIPART, headers=JSON_ACCEPT)
    assert_answer(response)


boundary_param = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=80)


@given(boundary_param, st.binary(max_size=300))
def test_any_multipart_boundary_gets_a_valid_answer(
    client: TestClient, boundary: str, body: bytes
) -> None:
    content_type = f"multipart/form-data; boundary={boundary}"
    response = client.post("/form", data=body, content_type=content_type, headers=JSON_ACCEPT)
    assert_answer(response)


# -- cookies -----------------------------------------------------------------------------------


@given(st.dictionaries(token, any_text, max_size=6))
def test_cookies_round_trip(client: TestClient, cookies: dict[str, str]) -> None:
    header = "; ".join(dump_cookie(name, value).split("; ")[0] for name, value in cookies.items())
    response = client.get("/cookies", headers={"Cookie": header, **JSON_ACCEPT})
    assert response.status_code == 200
    assert response.json["cookies"] == cookies


cookie_header = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=200)
session_like = st.text(string.ascii_letters + string.digits + "-_.=", max_size=120)


@given(cookie_header | session_like.map(lambda value: f"session={value}"))
def test_any_cookie_header_gets_a_valid_answer(client: TestClient, header: str) -> None:
    response = client.get("/cookies", headers={"Cookie": header, **JSON_ACCEPT})
    assert_answer(response)
    if response.status_code == 200:
        assert response.json["session"] == []  # nothing unsigned becomes session data


# -- headers -----------------------------------------------------------------------------------

KNOWN_HEADERS = [
    "Accept",
    "Accept-Language",
    "Content-Type",
    "Content-Length",
    "Authorization",
    "Cookie",
    "Host",
    "User-Agent",
    "Range",
    "If-Range",
    "If-Match",
    "If-None-Match",
    "If-Modified-Since",
    "If-Unmodified-Since",
    "Expect",
    "Transfer-Encoding",
    "X-Forwarded-For",
]
header_names = st.sampled_from(KNOWN_HEADERS) | token


@given(
    st.dictionaries(header_names, header_value, max_size=8),
    st.sampled_from(["GET", "POST"]),
    st.binary(max_size=100),
)
def test_any_headers_get_a_valid_answer(
    client: TestClient, headers: dict[str, str], method: str, body: bytes
) -> None:
    headers.setdefault("Accept", "application/json")
    headers["Accept"] = headers["Accept"] or "application/json"
    response = client.open("/headers", method=method, headers=headers, data=body or None)
    if not prefers_json(headers["Accept"]):  # "json" alone is not a media type: HTML errors
        assert response.status_code < 500, response.data
        return
    assert_answer(response)


range_unit = st.sampled_from(["bytes", "Bytes", "items", ""])
byte_pos = st.integers(-5, 1200).map(str) | st.just("") | st.text("0123456789-, ", max_size=6)
range_header = st.builds(
    lambda unit, ranges: f"{unit}={', '.join(f'{start}-{stop}' for start, stop in ranges)}",
    range_unit,
    st.lists(st.tuples(byte_pos, byte_pos), max_size=4),
)
conditional = st.fixed_dictionaries(
    {},
    optional={
        "Range": range_header | header_value,
        "If-Range": header_value | st.just('"x"') | st.just("Thu, 01 Jan 1970 00:00:00 GMT"),
        "If-None-Match": header_value | st.just("*"),
        "If-Match": header_value | st.just("*"),
        "If-Modified-Since": header_value | st.just("Sun, 06 Nov 1994 08:49:37 GMT"),
        "If-Unmodified-Since": header_value,
    },
)


@given(conditional, st.sampled_from(["GET", "HEAD"]))
def test_static_file_with_any_range_and_conditions(
    client: TestClient, headers: dict[str, str], method: str
) -> None:
    response = client.open("/static/file.txt", method=method, headers={**headers, **JSON_ACCEPT})
    assert response.status_code in (200, 206, 304, 412, 416), response.status
    if method == "GET" and response.status_code in (200, 206):
        assert len(response.data) == int(response.headers["Content-Length"])
    if response.status_code == 206:
        for content_range, data in _parts(response):
            start, stop = content_range.split()[1].split("/")[0].split("-")
            assert data == (b"0123456789" * 100)[int(start) : int(stop) + 1]


def _parts(response: Any) -> list[tuple[str, bytes]]:
    """A 206's ranges and their bytes: the one range, or each part of multipart/byteranges."""
    if response.mimetype != "multipart/byteranges":
        return [(response.headers["Content-Range"], response.data)]
    assert "Content-Range" not in response.headers
    message = email.parser.BytesParser().parsebytes(
        f"Content-Type: {response.headers['Content-Type']}\r\n\r\n".encode() + response.data
    )
    parts = [(part["Content-Range"], part.get_payload(decode=True)) for part in message.walk()]
    assert len(parts) > 2  # the multipart container, then two ranges or more
    return parts[1:]


# -- JSON --------------------------------------------------------------------------------------


@given(json_values())
def test_json_body_round_trips(client: TestClient, value: Any) -> None:
    body = json.dumps(value)  # the client's json= takes None as "no body"
    response = client.post("/json", data=body, content_type="application/json", headers=JSON_ACCEPT)
    assert response.status_code == 200, response.data
    assert response.json == {"value": value}


@given(
    st.binary(max_size=300)
    | json_values().map(lambda value: json.dumps(value)[:-1].encode())
    | json_values(surrogates=True).map(lambda value: json.dumps(value).encode())
)
def test_any_json_body_gets_a_valid_answer(client: TestClient, body: bytes) -> None:
    response = client.post("/json", data=body, content_type="application/json", headers=JSON_ACCEPT)
    assert_answer(response)


@given(st.integers(1, 200), st.sampled_from(["[]", "{}", '{"a":}']))
def test_json_nesting_past_the_limit_is_a_400(client: TestClient, depth: int, kind: str) -> None:
    opener, closer = ("[", "]") if kind == "[]" else ('{"a":', "}")
    body = opener * depth + "1" + closer * depth
    response = client.post("/json", data=body, content_type="application/json", headers=JSON_ACCEPT)
    assert_answer(response)
    assert response.status_code == (200 if depth <= 64 else 400)
