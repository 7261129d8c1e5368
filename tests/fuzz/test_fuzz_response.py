"""Response construction: random statuses, headers and bodies through ``make_response``."""

from __future__ import annotations

import json
import string
from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from erlen import Response, make_response, request

from .support import JSON_ACCEPT, assert_answer, fuzz_app, header_value, json_values, token

# Statuses whose responses carry a body (not 1xx, 204, 304: see the bodiless-status test).
statuses = st.integers(200, 599).filter(lambda code: code not in (204, 304))
reason = (
    st.text(string.ascii_letters + string.digits + " -'", min_size=1, max_size=30)
    .map(str.strip)
    .filter(bool)
)
status_values = (
    statuses
    | statuses.filter(lambda code: code in HTTPStatus._value2member_map_).map(HTTPStatus)
    | st.tuples(statuses, reason).map(lambda pair: f"{pair[0]} {pair[1]}")
)
# DEL is a control character a response header may not carry (an InvalidHeader, tested in
# tests/test_header_safety.py); a request's header may hold one.
response_header_value = header_value.filter(lambda value: "\x7f" not in value)
header_lists = st.lists(
    st.tuples(token.map(lambda name: f"X-{name}"), response_header_value), max_size=6
)
chunks = st.lists(st.binary(max_size=20) | st.text(max_size=20), max_size=5)
bodies = st.one_of(
    st.text(),
    st.binary(),
    json_values(surrogates=True).filter(lambda value: isinstance(value, (dict, list))),
    chunks.map(lambda parts: ("generator", parts)),
)


def _status_code(status: Any) -> int:
    return int(status) if not isinstance(status, str) else int(status.split()[0])


def _body_for_view(body: Any) -> Any:
    if isinstance(body, tuple):

        def generate() -> Iterator[bytes | str]:
            yield from body[1]

        return generate()
    return body


def _expected_bytes(body: Any) -> bytes | None:
    if isinstance(body, str):
        return body.encode()
    if isinstance(body, bytes):
        return body
    if isinstance(body, tuple):
        return b"".join(part.encode() if isinstance(part, str) else part for part in body[1])
    return None  # JSON: compared parsed


@given(bodies, status_values, header_lists, st.sampled_from(["make_response", "tuple"]))
def test_any_valid_response_reaches_the_client_as_built(
    body: Any, status: Any, headers: list[tuple[str, str]], style: str
) -> None:
    app = fuzz_app("fuzz_response")

    @app.get("/")
    def view() -> Any:
        if style == "tuple":
            return _body_for_view(body), status, headers
        return make_response(_body_for_view(body), status, headers)

    client = app.test_client()
    response = client.get("/")
    assert response.status_code == _status_code(status)
    if isinstance(status, str) and client.interface == "wsgi":  # ASGI sends no reason phrase
        assert response.status == status
    expected_headers: dict[str, list[str]] = {}
    for name, value in headers:
        # A list of pairs keeps every pair, in order, in both styles (as in Flask); spaces
        # around a value are not part of it (RFC 9110 5.5).
        expected_headers.setdefault(name.lower(), []).append(value.strip(" \t"))
    for name, values in expected_headers.items():
        assert response.headers.get_all(name) == values
    expected = _expected_bytes(body)
    if expected is None:
        assert response.json == json.loads(json.dumps(body))
    else:
        assert response.data == expected
    if "Content-Length" in response.headers:
        assert int(response.headers["Content-Length"]) == len(response.data)


@pytest.mark.parametrize("status", [0, 99, 1000, "200 \u20ac"])
def test_statuses_no_server_can_send_are_refused(status: int | str) -> None:
    with pytest.raises(ValueError):
        Response("x", status)


@pytest.mark.parametrize("status", [204, 304])
def test_bodiless_statuses_send_no_body_or_length(status: int) -> None:
    app = fuzz_app("fuzz_bodiless")
    app.add_url_rule("/", "index", lambda: ("body", status))
    response = app.test_client().get("/")
    assert response.status_code == status
    assert response.data == b""
    if status == 204:
        assert "Content-Length" not in response.headers


def test_json_with_a_lone_surrogate_is_a_400_not_a_500_later() -> None:
    app = fuzz_app("fuzz_surrogate")
    app.testing = False  # the 500 is what this test is about

    @app.post("/hello")
    def hello() -> str:
        return "Hello " + request.json["name"]

    response = app.test_client().post(
        "/hello",
        data=b'{"name": "\\ud800"}',
        content_type="application/json",
        headers=JSON_ACCEPT,
    )
    assert_answer(response)
    assert response.status_code == 400
