"""The response object: headers, cookies, body, entity tags and conditional answers.

These are the Werkzeug-typed attributes Flask extensions read and write (Flask-Compress,
Flask-CORS, Flask-Login, Flask-Talisman...), tested through real requests where a view builds
the response.
"""

from __future__ import annotations

import gzip
import warnings
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from erlen import Erlen, Response, request
from erlen.core.datastructures import Headers
from erlen.core.http import http_date


def test_headers_add_set_get_getlist_extend_and_in() -> None:
    response = Response("hi")
    response.headers.add("X-Tag", "a")
    response.headers.add("x-tag", "b")
    assert response.headers.getlist("X-TAG") == ["a", "b"]
    assert response.headers.get("X-Tag") == "a"
    assert "x-tag" in response.headers and "X-Missing" not in response.headers
    response.headers.set("X-Tag", "c")
    assert response.headers.getlist("X-Tag") == ["c"]
    response.headers.extend({"X-List": ["1", "2"]}, X_Single="3")
    assert response.headers.getlist("X-List") == ["1", "2"]
    assert response.headers["X_Single"] == "3"
    response.headers["Content-Length"] = 7  # ints are accepted and rendered
    assert response.headers["Content-Length"] == "7"
    assert response.headers.get("X-Missing", "fallback") == "fallback"


def test_assigning_a_werkzeug_multidict_to_headers_keeps_every_value(app: Erlen, client) -> None:
    from werkzeug.datastructures import MultiDict

    @app.route("/")
    def index() -> Response:
        response = Response("hi")
        response.set_cookie("a", "1")
        response.set_cookie("b", "2")
        response.headers = MultiDict(response.headers)  # type: ignore[assignment]  # Flask-CORS
        response.headers.add("Access-Control-Allow-Origin", "*")
        return response

    answer = client.get("/")
    assert answer.text == "hi"
    assert answer.headers.getlist("Set-Cookie")[0].startswith("a=1")
    assert answer.headers.getlist("Set-Cookie")[1].startswith("b=2")
    assert answer.headers["Access-Control-Allow-Origin"] == "*"


def test_assigning_pairs_to_headers_gives_erlen_headers() -> None:
    response = Response("hi")
    response.headers = [("X-One", "1")]  # type: ignore[assignment]
    assert isinstance(response.headers, Headers)
    assert list(response.headers) == [("X-One", "1")]


def test_code_may_keep_its_own_attributes_on_a_response(app: Erlen, client) -> None:
    @app.after_request
    def mark(response: Response) -> Response:
        response._FLASK_CORS_EVALUATED = True  # type: ignore[attr-defined]
        response.headers["X-Marked"] = str(response._FLASK_CORS_EVALUATED)  # type: ignore[attr-defined]
        return response

    @app.route("/")
    def index() -> str:
        return "hi"

    assert client.get("/").headers["X-Marked"] == "True"


def test_set_cookie_and_delete_cookie(app: Erlen, client) -> None:
    @app.route("/set")
    def set_view() -> Response:
        response = Response("set")
        response.set_cookie("remember", "token", max_age=60, httponly=True, samesite="Lax")
        return response

    @app.route("/delete")
    def delete_view() -> Response:
        response = Response("deleted")
        response.delete_cookie("remember")
        return response

    cookie = client.get("/set").headers["Set-Cookie"]
    assert cookie.startswith("remember=token;")
    assert "Max-Age=60" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get_cookie("remember") is not None
    deleted = client.get("/delete").headers["Set-Cookie"]
    assert deleted.startswith("remember=;") and "Max-Age=0" in deleted
    assert client.get_cookie("remember") is None


def test_data_get_data_set_data_and_content_length() -> None:
    response = Response("héllo")
    assert response.data == "héllo".encode()
    assert response.get_data(as_text=True) == "héllo"
    assert response.content_length == 6
    response.set_data(b"bytes")
    assert (response.data, response.content_length) == (b"bytes", 5)
    response.data = "assigned"
    assert (response.get_data(), response.headers["Content-Length"]) == (b"assigned", "8")
    response.content_length = 3
    assert response.headers["Content-Length"] == "3"


def test_a_streamed_body_is_streamed_until_read() -> None:
    response = Response(chunk for chunk in ["a", b"b", "c"])
    assert response.is_streamed
    assert response.content_length is None
    assert response.calculate_content_length() is None
    assert list(response.iter_encoded()) == [b"a", b"b", b"c"]
    buffered = Response(chunk for chunk in ["x", "y"])
    buffered.freeze()
    assert not buffered.is_streamed
    assert (buffered.response, buffered.content_length) == ([b"xy"], 2)
    assert buffered.calculate_content_length() == 2


def test_replacing_response_response_with_a_generator_streams_it(app: Erlen, client) -> None:
    @app.route("/")
    def index() -> Response:
        response = Response("original")
        response.direct_passthrough = False
        data = response.get_data()
        response.response = (gzip.compress(data) for _ in range(1))  # as Flask-Compress streams
        response.headers.pop("Content-Length", None)
        response.headers["Content-Encoding"] = "gzip"
        return response

    answer = client.get("/")
    assert gzip.decompress(answer.get_data()) == b"original"
    assert not Response("x").direct_passthrough


def test_mimetype_reads_and_writes_the_content_type() -> None:
    response = Response("{}", mimetype="application/json")
    assert response.mimetype == "application/json"
    response.mimetype = "text/plain"
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.mimetype == "text/plain"


def test_set_etag_get_etag_and_add_etag() -> None:
    response = Response("body")
    assert response.get_etag() == (None, False)
    response.set_etag("abc", weak=True)
    assert response.headers["ETag"] == 'W/"abc"'
    assert response.get_etag() == ("abc", True)
    response.add_etag()  # one is set already: kept
    assert response.get_etag() == ("abc", True)
    response.add_etag(overwrite=True)
    etag, weak = response.get_etag()
    assert etag is not None and len(etag) == 40 and not weak


@pytest.fixture
def conditional(app: Erlen) -> Erlen:
    modified = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

    @app.route("/doc", methods=["GET", "PUT"])
    def doc() -> Response:
        response = Response("the document")
        response.set_etag("v1")
        response.last_modified = modified
        return response.make_conditional(request)

    return app


def test_make_conditional_answers_304_for_a_matching_if_none_match(conditional, client) -> None:
    fresh = client.get("/doc")
    assert fresh.status_code == 200 and fresh.text == "the document"
    assert "Date" in fresh.headers
    cached = client.get("/doc", headers={"If-None-Match": '"v1"'})
    assert cached.status_code == 304
    assert cached.get_data() == b""
    assert cached.headers["ETag"] == '"v1"'
    assert "Content-Length" not in cached.headers
    assert client.get("/doc", headers={"If-None-Match": '"v0"'}).status_code == 200


def test_make_conditional_reads_if_modified_since(conditional, client) -> None:
    later = http_date(datetime(2026, 1, 3, tzinfo=UTC))
    earlier = http_date(datetime(2026, 1, 1, tzinfo=UTC))
    assert client.get("/doc", headers={"If-Modified-Since": later}).status_code == 304
    assert client.get("/doc", headers={"If-Modified-Since": earlier}).status_code == 200


def test_make_conditional_answers_412_for_a_failed_if_match(conditional, client) -> None:
    assert client.get("/doc", headers={"If-Match": '"v0"'}).status_code == 412
    assert client.get("/doc", headers={"If-Match": '"v1"'}).status_code == 200


def test_make_conditional_leaves_other_methods_alone(conditional, client) -> None:
    assert client.put("/doc", headers={"If-None-Match": '"v1"'}).status_code == 200


def test_make_conditional_takes_a_wsgi_environ_and_sets_accept_ranges() -> None:
    response = Response("x")
    response.set_etag("e")
    environ = {"REQUEST_METHOD": "GET", "HTTP_IF_NONE_MATCH": 'W/"e"'}
    assert response.make_conditional(environ, accept_ranges=True) is response
    assert response.status_code == 304
    assert response.headers["Accept-Ranges"] == "bytes"


def test_last_modified_expires_and_date_are_datetimes() -> None:
    response = Response("x")
    moment = datetime(2026, 5, 6, 7, 8, 9, tzinfo=UTC)
    response.last_modified = moment
    response.expires = moment + timedelta(days=1)
    assert response.headers["Last-Modified"] == "Wed, 06 May 2026 07:08:09 GMT"
    assert response.last_modified == moment
    assert response.expires == moment + timedelta(days=1)
    response.last_modified = None
    assert "Last-Modified" not in response.headers and response.date is None


def test_vary_and_allow_are_sets_that_write_back() -> None:
    response = Response("x")
    response.vary.add("Accept-Encoding")
    response.vary.add("origin")
    response.vary.add("Origin")  # already there, in another case
    assert response.headers["Vary"] == "Accept-Encoding, origin"
    assert "ORIGIN" in response.vary
    response.vary.discard("accept-encoding")
    assert response.headers["Vary"] == "origin"
    response.allow = ["GET", "HEAD"]
    assert response.headers["Allow"] == "GET, HEAD"
    response.allow.update(["POST", "get"])
    assert response.headers["Allow"] == "GET, HEAD, POST"
    response.allow = None
    assert "Allow" not in response.headers
    response.vary.clear()
    assert "Vary" not in response.headers


def test_a_cookie_above_the_apps_max_cookie_size_is_sent_with_a_warning() -> None:
    app = Erlen(__name__)
    app.config["MAX_COOKIE_SIZE"] = 100

    @app.route("/")
    def page() -> Response:
        response = Response("", 204)
        response.set_cookie("big", "x" * 200)
        return response

    assert Response().max_cookie_size == 4093
    with pytest.warns(UserWarning, match="'big' cookie is too large"):
        response = app.test_client().get("/")
    assert "x" * 200 in response.headers["Set-Cookie"]
    app.config["MAX_COOKIE_SIZE"] = 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        app.test_client().get("/")


def test_iter_encoded_reads_the_body_it_was_called_on_so_middleware_can_wrap_it() -> None:
    # Flask-Compress's pattern: wrap the chunks of the current body, then make the wrapper the
    # new body. The chunks must come from the old body, not from the wrapper itself.
    response = Response(iter(["ab", b"cd", "é"]))
    chunks = response.iter_encoded()
    response.response = (chunk.upper() for chunk in chunks)
    assert b"".join(response.response) == b"ABCD" + "é".encode()


_WERKZEUG_HEADER_ATTRIBUTES = {
    "content_encoding": "gzip",
    "content_location": "/items/1",
    "content_md5": "Q2hlY2s=",
    "accept_ranges": "bytes",
    "content_security_policy": "default-src 'self'",
    "content_security_policy_report_only": "img-src *",
    "age": 10,
    "retry_after": 120,
    "access_control_allow_origin": "*",
    "access_control_allow_credentials": True,
    "access_control_max_age": 600,
    "access_control_allow_headers": ["X-Token", "Content-Type"],
    "access_control_allow_methods": ["GET", "PUT"],
    "access_control_expose_headers": ["X-Total"],
}


@pytest.mark.parametrize(("name", "value"), list(_WERKZEUG_HEADER_ATTRIBUTES.items()))
def test_werkzeugs_header_attributes_write_the_headers_werkzeug_writes(
    name: str, value: Any
) -> None:
    # Flask code sets these directly (response.access_control_allow_origin = "*"); a plain
    # attribute that sent nothing would fail silently.
    wrappers = pytest.importorskip("werkzeug.wrappers")
    ours, theirs = Response("x"), wrappers.Response("x")
    setattr(ours, name, value)
    setattr(theirs, name, value)
    header = name.replace("_", "-")
    assert ours.headers.get(header) == theirs.headers.get(header)
    assert (getattr(ours, name) is None) == (getattr(theirs, name) is None)
    setattr(ours, name, None)
    assert header not in ours.headers


def test_mimetype_params_write_back_as_werkzeugs() -> None:
    wrappers = pytest.importorskip("werkzeug.wrappers")
    ours, theirs = Response("x", mimetype="text/csv"), wrappers.Response("x", mimetype="text/csv")
    for response in (ours, theirs):
        response.mimetype_params["charset"] = "latin-1"
        response.mimetype_params["header"] = "present"
    assert (
        ours.mimetype_params
        == theirs.mimetype_params
        == {
            "charset": "latin-1",
            "header": "present",
        }
    )
    assert ours.content_type == theirs.content_type


def test_status_lines_read_as_werkzeugs() -> None:
    # Flask tests assert on them: response.status == "404 NOT FOUND".
    werkzeug_http = pytest.importorskip("werkzeug.http")
    wrappers = pytest.importorskip("werkzeug.wrappers")
    for code in sorted(werkzeug_http.HTTP_STATUS_CODES):
        assert Response(status=code).status == wrappers.Response(status=code).status, code
    assert Response(status=299).status == wrappers.Response(status=299).status == "299 UNKNOWN"


@pytest.mark.parametrize(
    ("headers", "status", "body", "content_range"),
    [
        ({"Range": "bytes=0-3"}, 206, b"0123", "bytes 0-3/10"),
        ({"Range": "bytes=-2"}, 206, b"89", "bytes 8-9/10"),
        ({"Range": "bytes=20-"}, 416, b"", "bytes */10"),
        ({"Range": "bytes=0-1,5-6"}, 200, b"0123456789", None),  # several: the whole body
        ({"Range": "garbage"}, 200, b"0123456789", None),
        ({"Range": "bytes=0-3", "If-Range": '"old"'}, 200, b"0123456789", None),
        ({"Range": "bytes=0-3", "If-Range": '"v1"'}, 206, b"0123", "bytes 0-3/10"),
    ],
)
def test_make_conditional_serves_a_single_range_of_the_body(
    app: Erlen,
    headers: dict[str, str],
    status: int,
    body: bytes,
    content_range: str | None,
) -> None:
    with app.test_request_context("/", headers=headers):
        response = Response("0123456789")
        response.set_etag("v1")
        response.make_conditional(request, accept_ranges=True, complete_length=10)
    assert (response.status_code, response.get_data()) == (status, body)
    assert response.headers.get("Content-Range") == content_range
    assert response.headers["Accept-Ranges"] == "bytes"
    if status != 200:
        assert response.headers["Content-Length"] == str(len(body))


def test_a_subclass_that_adopts_a_responses_dict_is_that_response() -> None:
    """Flask-Caching's CachedResponse takes over a response with ``self.__dict__ = ...``."""

    class Adopted(Response):
        def __init__(self, response: Response) -> None:
            self.__dict__ = response.__dict__

    original = Response("hi", 201, headers={"X-A": "1"})
    adopted = Adopted(original)
    assert (adopted.status_code, adopted.get_data(), adopted.headers["X-A"]) == (201, b"hi", "1")
    assert adopted.mimetype == "text/html"
