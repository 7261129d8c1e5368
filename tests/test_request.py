"""The request: URL parts, headers, args, form, files, JSON, cookies, limits and bad input."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from erlen import Erlen, Request, g, request
from erlen.core.request import _JSON_DECODER, _decode_json


@pytest.fixture
def echo(app: Erlen) -> Erlen:
    @app.route("/echo", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def echo_view() -> dict[str, Any]:
        return {
            "method": request.method,
            "path": request.path,
            "full_path": request.full_path,
            "url": request.url,
            "base_url": request.base_url,
            "host": request.host,
            "scheme": request.scheme,
            "args": request.args.to_dict(flat=False),
            "remote_addr": request.remote_addr,
        }

    return app


def test_url_parts(echo: Erlen) -> None:
    data = echo.test_client().get("/echo?q=erlen&tag=a&tag=b").get_json()
    assert data["method"] == "GET"
    assert data["path"] == "/echo"
    assert data["full_path"] == "/echo?q=erlen&tag=a&tag=b"
    assert data["url"] == "http://localhost/echo?q=erlen&tag=a&tag=b"
    assert data["base_url"] == "http://localhost/echo"
    assert data["host"] == "localhost"
    assert data["scheme"] == "http"
    assert data["args"] == {"q": ["erlen"], "tag": ["a", "b"]}
    assert data["remote_addr"] == "127.0.0.1"


def test_args_multivalued_and_typed(app: Erlen, client) -> None:
    @app.route("/search")
    def search() -> dict[str, Any]:
        return {
            "q": request.args.get("q"),
            "page": request.args.get("page", 1, type=int),
            "bad": request.args.get("bad", 0, type=int),
            "tags": request.args.getlist("tag"),
            "plus": request.args.get("plus"),
        }

    data = client.get("/search?q=a%20b&page=3&bad=x&tag=1&tag=2&plus=c+d").get_json()
    assert data == {"q": "a b", "page": 3, "bad": 0, "tags": ["1", "2"], "plus": "c d"}


def test_missing_arg_key_answers_400(app: Erlen, client) -> None:
    @app.route("/need")
    def need() -> str:
        return request.args["name"]

    response = client.get("/need", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert "name" in response.get_json()["error"]["detail"]


def test_headers_are_case_insensitive(app: Erlen, client) -> None:
    @app.route("/h")
    def headers() -> dict[str, Any]:
        return {
            "lower": request.headers.get("x-custom"),
            "upper": request.headers["X-CUSTOM"],
            "has": "X-Custom" in request.headers,
            "ua": request.user_agent,
        }

    data = client.get("/h", headers={"X-Custom": "v", "User-Agent": "test-agent"}).get_json()
    assert data == {"lower": "v", "upper": "v", "has": True, "ua": "test-agent"}


def test_form_urlencoded(app: Erlen, client) -> None:
    @app.post("/form")
    def form() -> dict[str, Any]:
        return {"name": request.form["name"], "tags": request.form.getlist("tag")}

    response = client.post("/form", data={"name": "Zoë", "tag": ["a", "b"]})
    assert response.get_json() == {"name": "Zoë", "tags": ["a", "b"]}


@pytest.mark.parametrize(
    "content_type",
    [
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=utf-8",
        "Application/X-WWW-Form-Urlencoded",
    ],
)
def test_form_urlencoded_content_type_forms(app: Erlen, client, content_type: str) -> None:
    @app.post("/form")
    def form() -> dict[str, Any]:
        return {"form": request.form.to_dict(flat=False), "files": len(request.files)}

    response = client.post("/form", data=b"a=1&a=2&b=%C3%AB", content_type=content_type)
    assert response.get_json() == {"form": {"a": ["1", "2"], "b": ["ë"]}, "files": 0}


def test_form_of_another_body_is_empty(app: Erlen, client) -> None:
    @app.post("/form")
    def form() -> dict[str, Any]:
        return {
            "form": len(request.form),
            "files": len(request.files),
            "data": request.get_data(as_text=True),
        }

    response = client.post("/form", data=b"a=1", content_type="text/plain")
    assert response.get_json() == {"form": 0, "files": 0, "data": "a=1"}


def test_multipart_upload(app: Erlen, client, tmp_path) -> None:
    @app.post("/upload")
    def upload() -> dict[str, Any]:
        uploaded = request.files["file"]
        target = tmp_path / "saved.bin"
        uploaded.save(str(target))
        return {
            "title": request.form["title"],
            "filename": uploaded.filename,
            "mimetype": uploaded.mimetype,
            "size": target.stat().st_size,
        }

    payload = b"\x00\x01binary" * 1000
    response = client.post(
        "/upload",
        data={"title": "report", "file": (io.BytesIO(payload), "report.pdf", "application/pdf")},
    )
    assert response.get_json() == {
        "title": "report",
        "filename": "report.pdf",
        "mimetype": "application/pdf",
        "size": len(payload),
    }


def test_large_upload_is_spooled_to_disk(app: Erlen, client) -> None:
    @app.post("/upload")
    def upload() -> dict[str, Any]:
        stream = request.files["file"].stream
        return {"rolled": bool(getattr(stream, "_rolled", True))}

    app.config["MAX_FORM_MEMORY_SIZE"] = 1024
    payload = io.BytesIO(b"x" * 50_000)
    response = client.post("/upload", data={"file": (payload, "big.bin")})
    assert response.get_json() == {"rolled": True}


def test_json_body(app: Erlen, client) -> None:
    @app.post("/items")
    def create() -> tuple[dict[str, Any], int]:
        data = request.get_json()
        return {"received": data, "is_json": request.is_json}, 201

    response = client.post("/items", json={"name": "widget", "price": 9.5})
    assert response.status_code == 201
    assert response.get_json() == {"received": {"name": "widget", "price": 9.5}, "is_json": True}


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b'{"broken": ', "application/json", 400),
        (b"\xff\xfe{}", "application/json", 400),
        (b"", "application/json", 400),
        (b'{"a": 1}', "text/plain", 415),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", 400),
        (b"[" * 65 + b"]" * 65, "application/json", 400),
    ],
    ids=["malformed", "invalid-utf8", "empty", "wrong-type", "deep-100k", "deep-65"],
)
def test_bad_json_answers_4xx_with_error_object(
    app: Erlen, client, body: bytes, content_type: str, status: int
) -> None:
    @app.post("/items")
    def create() -> dict[str, Any]:
        return {"got": request.get_json()}

    response = client.post(
        "/items", data=body, content_type=content_type, headers={"Accept": "application/json"}
    )
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["status"] == status
    assert "Traceback" not in error["detail"]


def test_json_nested_within_limit_is_accepted(app: Erlen, client) -> None:
    @app.post("/deep")
    def deep() -> str:
        return "ok" if request.get_json() is not None else "none"

    body = b"[" * 60 + b"]" * 60
    response = client.post("/deep", data=body, content_type="application/json")
    assert response.text == "ok"


def test_get_json_silent_and_force(app: Erlen, client) -> None:
    @app.post("/silent")
    def silent() -> dict[str, Any]:
        return {
            "silent": request.get_json(silent=True),
            "forced": request.get_json(force=True, silent=True),
        }

    response = client.post("/silent", data=b'{"a": 1}', content_type="text/plain")
    assert response.get_json() == {"silent": None, "forced": {"a": 1}}


def test_data_and_get_data(app: Erlen, client) -> None:
    @app.post("/raw")
    def raw() -> dict[str, Any]:
        return {"data": request.data.decode(), "text": request.get_data(as_text=True)}

    response = client.post("/raw", data=b"plain body", content_type="text/plain")
    assert response.get_json() == {"data": "plain body", "text": "plain body"}


def test_data_survives_a_form_read_of_another_body(app: Erlen, client) -> None:
    # A hook that checks a form field (CSRF, logging) must not lose a JSON or text body.
    @app.before_request
    def peek() -> None:
        g.token = request.form.get("csrf_token")

    @app.post("/hook")
    def hook() -> dict[str, Any]:
        return {"data": request.data.decode(), "token": g.token}

    response = client.post("/hook", json={"event": "paid"})
    assert response.get_json() == {"data": '{"event": "paid"}', "token": None}
    response = client.post("/hook", data="raw text", content_type="text/plain")
    assert response.get_json() == {"data": "raw text", "token": None}


def test_data_of_a_form_body_is_parsed_into_form(app: Erlen, client) -> None:
    # As in Flask (Werkzeug's get_data(parse_form_data=True)): reading data parses the form.
    @app.post("/form")
    def form() -> dict[str, Any]:
        return {"data": request.data.decode(), "form": request.form.to_dict()}

    @app.post("/both")
    def both() -> dict[str, Any]:
        return {
            "parsed": request.get_data(parse_form_data=True).decode(),
            "form": request.form.to_dict(),
        }

    response = client.post("/form", data={"a": "b"})
    assert response.get_json() == {"data": "", "form": {"a": "b"}}
    response = client.post("/both", data={"a": "b"})
    assert response.get_json() == {"parsed": "", "form": {"a": "b"}}


def test_cookies(app: Erlen, client) -> None:
    @app.route("/c")
    def cookies() -> dict[str, Any]:
        return dict(request.cookies)

    response = client.get("/c", headers={"Cookie": 'a=1; b="quoted value"; bad; c=3=4'})
    assert response.get_json() == {"a": "1", "b": "quoted value", "c": "3=4"}


def test_content_type_properties(app: Erlen, client) -> None:
    @app.post("/ct")
    def ct() -> dict[str, Any]:
        return {
            "content_type": request.content_type,
            "mimetype": request.mimetype,
            "params": request.mimetype_params,
            "length": request.content_length,
        }

    response = client.post("/ct", data=b"abc", content_type="Text/Plain; Charset=UTF-8")
    assert response.get_json() == {
        "content_type": "Text/Plain; Charset=UTF-8",
        "mimetype": "text/plain",
        "params": {"charset": "UTF-8"},
        "length": 3,
    }


def test_accept_best_match(app: Erlen, client) -> None:
    @app.route("/neg")
    def negotiate() -> str:
        return str(request.accept_best_match(["text/html", "application/json"]))

    headers = {"Accept": "application/json;q=0.9, text/html;q=0.5"}
    assert client.get("/neg", headers=headers).text == "application/json"
    assert client.get("/neg", headers={"Accept": "*/*"}).text == "text/html"


def test_body_over_max_content_length_is_413(app: Erlen, client) -> None:
    @app.post("/upload")
    def upload() -> str:
        return str(len(request.get_data()))

    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/upload", data=b"x" * 1001, headers={"Accept": "application/json"})
    assert response.status_code == 413
    assert response.get_json()["error"]["status"] == 413
    assert client.post("/upload", data=b"x" * 1000).text == "1000"


def test_chunked_body_over_limit_is_413(app: Erlen) -> None:
    """A body without Content-Length (de-chunked by the server) is limited while it streams."""

    @app.post("/upload")
    def upload() -> str:
        return str(len(request.get_data()))

    app.config["MAX_CONTENT_LENGTH"] = 1000
    client = app.test_client()
    overrides = {
        "wsgi.input_terminated": True,
        "wsgi.input": io.BytesIO(b"y" * 5000),
        "CONTENT_LENGTH": "",
    }
    assert client.post("/upload", environ_overrides=overrides).status_code == 413
    overrides["wsgi.input"] = io.BytesIO(b"y" * 500)
    assert client.post("/upload", environ_overrides=overrides).text == "500"


def test_form_over_memory_limit_is_413(app: Erlen, client) -> None:
    @app.post("/form")
    def form() -> str:
        return str(len(request.form))

    app.config["MAX_FORM_MEMORY_SIZE"] = 100
    response = client.post("/form", data={"field": "x" * 200})
    assert response.status_code == 413


def test_a_form_declared_over_max_content_length_is_413_before_it_is_read(app: Erlen) -> None:
    """The declared length is checked first: nothing of the body is read when it is too large."""
    read: list[int] = []

    class Body(io.BytesIO):
        def read(self, size: int | None = -1, /) -> bytes:
            read.append(-1 if size is None else size)
            return super().read(size)

    @app.post("/form")
    def form() -> str:
        return str(len(request.form))

    app.config["MAX_CONTENT_LENGTH"] = 10
    overrides = {"wsgi.input": Body(b"a=1&b=2&c=3"), "CONTENT_LENGTH": "11"}
    response = app.test_client().post(
        "/form", content_type="application/x-www-form-urlencoded", environ_overrides=overrides
    )
    assert response.status_code == 413
    assert read == []
    app.config["MAX_CONTENT_LENGTH"] = 11
    overrides["wsgi.input"] = Body(b"a=1&b=2&c=3")
    response = app.test_client().post(
        "/form", content_type="application/x-www-form-urlencoded", environ_overrides=overrides
    )
    assert response.text == "3"


def test_too_many_form_parts_is_413(app: Erlen, client) -> None:
    @app.post("/form")
    def form() -> str:
        return str(len(request.form))

    app.config["MAX_FORM_PARTS"] = 10
    response = client.post(
        "/form",
        data="&".join(f"f{i}=1" for i in range(50)),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413


def test_too_many_query_parameters_is_400(app: Erlen, client) -> None:
    @app.route("/q")
    def query() -> str:
        return str(len(request.args))

    many = "&".join(f"p{i}=1" for i in range(100_000))
    response = client.get(f"/q?{many}", headers={"Accept": "application/json"})
    assert response.status_code == 400


def test_broken_multipart_is_400(app: Erlen, client) -> None:
    @app.post("/upload")
    def upload() -> str:
        return str(len(request.files))

    body = b'--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\nunterminated'
    response = client.post("/upload", data=body, content_type="multipart/form-data; boundary=xyz")
    assert response.status_code == 400
    response = client.post("/upload", data=b"x", content_type="multipart/form-data")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "content_type",
    [
        "multipart/form-data; boundary*=utf-8''a%0Ab",
        "multipart/form-data; boundary*=''%0A",
        "multipart/form-data; boundary*0*=utf-8''a%0a; boundary*1=b",
    ],
    ids=["rfc2231-newline", "rfc2231-only-newline", "rfc2231-continuation"],
)
def test_multipart_boundary_that_decodes_to_a_line_break_is_400(
    app: Erlen, client, content_type: str
) -> None:
    @app.post("/upload")
    def upload() -> str:
        return str(len(request.form))

    response = client.post(
        "/upload",
        data=b"--a\r\n",
        headers={"Content-Type": content_type, "Accept": "application/json"},
    )
    assert response.status_code == 400
    assert "boundary" in response.get_json()["error"]["detail"]


@pytest.mark.parametrize(
    ("part_headers", "named"),
    [
        (b"X-Long: " + b"a" * 10_000 + b"\r\n", "header line longer"),
        (b"".join(b"X-H%d: 1\r\n" % i for i in range(9)), "more header lines"),
    ],
    ids=["long-header-line", "many-header-lines"],
)
def test_multipart_part_header_limits_name_the_limit(
    app: Erlen, client, part_headers: bytes, named: str
) -> None:
    @app.post("/upload")
    def upload() -> str:
        return str(len(request.form))

    body = (
        b'--xyz\r\nContent-Disposition: form-data; name="a"\r\n'
        + part_headers
        + b"\r\nvalue\r\n--xyz--\r\n"
    )
    response = client.post(
        "/upload",
        data=body,
        headers={
            "Content-Type": "multipart/form-data; boundary=xyz",
            "Accept": "application/json",
        },
    )
    assert response.status_code == 413
    assert named in response.get_json()["error"]["detail"]


def test_invalid_content_length_is_400(app: Erlen, client) -> None:
    @app.post("/upload")
    def upload() -> str:
        return "ok"

    response = client.post("/upload", environ_overrides={"CONTENT_LENGTH": "-5"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "raw_path", ["/caf\xc3", "/a\x00b", "/\xff\xfe"], ids=["truncated-utf8", "nul", "invalid"]
)
def test_invalid_path_bytes_answer_400(app: Erlen, client, raw_path: str) -> None:
    @app.route("/<name>")
    def name(name: str) -> str:
        return name

    response = client.get(
        "/", environ_overrides={"PATH_INFO": raw_path}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["status"] == 400


def test_invalid_percent_encoding_in_query_is_kept_literally(app: Erlen, client) -> None:
    @app.route("/q")
    def query() -> dict[str, Any]:
        return request.args.to_dict()

    response = client.get("/q", query_string="a=%zz&b=%ff&c=%E2%82%AC")
    assert response.status_code == 200
    data = response.get_json()
    assert data["a"] == "%zz"
    assert data["c"] == "€"
    assert data["b"] == "\ufffd"


def test_request_outside_context_raises_clear_error() -> None:
    with pytest.raises(RuntimeError, match="request context"):
        request.method  # noqa: B018


def test_test_request_context(app: Erlen) -> None:
    with app.test_request_context("/x?y=1", method="POST", json={"a": 1}):
        assert request.path == "/x"
        assert request.args["y"] == "1"
        assert request.get_json() == {"a": 1}


def test_trusted_hosts(app: Erlen, client) -> None:
    @app.route("/")
    def index() -> str:
        return request.host

    app.config["TRUSTED_HOSTS"] = ["example.com", ".example.org"]
    response = client.get("/", headers={"Host": "evil.com", "Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"]["status"] == 400
    assert client.get("/", headers={"Host": "example.com:8080"}).text == "example.com:8080"
    assert client.get("/", headers={"Host": "a.example.org"}).text == "a.example.org"
    assert client.get("/", headers={"Host": "example.org"}).text == "example.org"
    assert client.get("/", headers={"Host": "badexample.org"}).status_code == 400
    app.config["TRUSTED_HOSTS"] = None
    assert client.get("/", headers={"Host": "evil.com"}).text == "evil.com"


def test_authorization_is_parsed(app: Erlen, client) -> None:
    import base64

    @app.route("/who")
    def who() -> dict[str, Any]:
        auth = request.authorization
        if auth is None:
            return {"auth": None}
        return {"type": auth.type, "user": auth.username, "pw": auth.password, "tok": auth.token}

    basic = base64.b64encode(b"ada:s3cr:et").decode()
    assert client.get("/who", headers={"Authorization": f"Basic {basic}"}).get_json() == {
        "type": "basic", "user": "ada", "pw": "s3cr:et", "tok": None,
    }  # fmt: skip
    assert client.get("/who", headers={"Authorization": "Bearer abc.def"}).get_json() == {
        "type": "bearer", "user": None, "pw": None, "tok": "abc.def",
    }  # fmt: skip
    assert client.get("/who", headers={"Authorization": "Basic !!!"}).get_json() == {"auth": None}
    assert client.get("/who").get_json() == {"auth": None}


def test_accept_mimetypes(app: Erlen, client) -> None:
    @app.route("/neg")
    def negotiate() -> dict[str, Any]:
        accept = request.accept_mimetypes
        return {
            "best": accept.best_match(["text/html", "application/json"]),
            "json": accept.accept_json,
            "html": accept.accept_html,
            "has_xml": "application/xml" in accept,
        }

    data = client.get("/neg", headers={"Accept": "application/json"}).get_json()
    assert data == {"best": "application/json", "json": True, "html": False, "has_xml": False}
    data = client.get("/neg", headers={"Accept": "text/html,*/*;q=0.1"}).get_json()
    assert data["best"] == "text/html" and data["html"] and data["has_xml"]


def test_a_content_length_of_thousands_of_digits_is_413_not_500(app: Erlen, client) -> None:
    @app.post("/upload")
    def upload() -> str:
        return str(len(request.get_data()))

    @app.post("/length")
    def length() -> str:
        return str(request.content_length)

    huge = {"CONTENT_LENGTH": "9" * 5000}  # past int()'s 4300-digit limit
    assert client.post("/upload", environ_overrides=huge).status_code == 413
    assert client.post("/length", environ_overrides=huge).text == str(10**18)


def test_user_agent_is_the_header_string_with_werkzeug_attributes(app: Erlen, client) -> None:
    @app.route("/ua")
    def user_agent() -> dict[str, Any]:
        agent = request.user_agent
        return {"str": str(agent), "string": agent.string, "browser": agent.browser}

    data = client.get("/ua", headers={"User-Agent": "curl/8.5"}).get_json()
    assert data == {"str": "curl/8.5", "string": "curl/8.5", "browser": None}
    assert client.get("/ua", headers={"User-Agent": ""}).get_json()["string"] == ""


def test_accept_languages_matches_subtags_and_falls_back_to_primary_tags(
    app: Erlen, client
) -> None:
    @app.route("/lang")
    def language() -> dict[str, Any]:
        accept = request.accept_languages
        return {
            "best": accept.best_match(["en", "de", "fr_CA"]),
            "de_at": accept["de-AT"],
            "provided": accept.provided,
        }

    def ask(header: str | None) -> dict[str, Any]:
        headers = {"Accept-Language": header} if header is not None else {}
        return dict(client.get("/lang", headers=headers).get_json())

    assert ask("de,en;q=0.5") == {"best": "de", "de_at": 1.0, "provided": True}
    assert ask("en-US")["best"] == "en"  # en-US only: en is assumed readable
    # As in Werkzeug, the primary-tag fallback applies only when nothing matched as sent.
    assert ask("en-US,de;q=0.1")["best"] == "de"
    assert ask("fr-CA")["best"] == "fr_CA"  # "_" in an offer counts as "-"
    assert ask("*;q=0.2, de;q=0")["best"] == "en"  # "de" refused, anything else accepted
    assert ask("ja") == {"best": None, "de_at": 0.0, "provided": True}
    # No header: nothing named, so the app's default applies.
    assert ask(None) == {"best": None, "de_at": 0.0, "provided": False}


def test_accept_encodings_and_charsets(app: Erlen, client) -> None:
    @app.route("/enc")
    def encodings() -> dict[str, Any]:
        return {
            "gzip": "gzip" in request.accept_encodings,
            "br": request.accept_encodings.quality("br"),
            "zstd": "zstd" in request.accept_encodings,
            "utf8": request.accept_charsets["UTF8"],
            "best": request.accept_encodings.best,
        }

    headers = {"Accept-Encoding": "gzip, br;q=0.5", "Accept-Charset": "utf-8;q=0.7"}
    assert client.get("/enc", headers=headers).get_json() == {
        "gzip": True, "br": 0.5, "zstd": False, "utf8": 0.7, "best": "gzip",
    }  # fmt: skip


def test_accept_mimetypes_iterates_its_entries_and_indexes_quality(app: Erlen, client) -> None:
    @app.route("/neg")
    def negotiate() -> dict[str, Any]:
        accept = request.accept_mimetypes
        return {
            "entries": [list(entry) for entry in accept],
            "json": accept["application/json"],
            "best": accept.best,
            "header": accept.to_header(),
        }

    data = client.get("/neg", headers={"Accept": "text/*;q=0.5, application/json"}).get_json()
    assert data == {
        "entries": [["application/json", 1.0], ["text/*", 0.5]],
        "json": 1.0,
        "best": "application/json",
        "header": "application/json,text/*;q=0.5",
    }


def test_authorization_with_parameters_reads_them_as_attributes(app: Erlen, client) -> None:
    @app.route("/who")
    def who() -> dict[str, Any]:
        auth = request.authorization
        assert auth is not None
        return {"type": auth.type, "user": auth.username, "realm": auth.realm, "qop": auth.qop}

    header = 'Digest username="ada", realm="my app", nonce="abc", uri="/who", response="f00"'
    assert client.get("/who", headers={"Authorization": header}).get_json() == {
        "type": "digest", "user": "ada", "realm": "my app", "qop": None,
    }  # fmt: skip


def test_is_secure_referrer_remote_addr_and_host(app: Erlen, client) -> None:
    @app.route("/where")
    def where() -> dict[str, Any]:
        return {
            "secure": request.is_secure,
            "referrer": request.referrer,
            "remote_addr": request.remote_addr,
            "host": request.host,
        }

    plain = client.get("/where").get_json()
    assert plain == {"secure": False, "referrer": None, "remote_addr": "127.0.0.1",
                     "host": "localhost"}  # fmt: skip
    secure = client.get(
        "/where",
        base_url="https://example.org:8443/",
        headers={"Referer": "https://example.org/form"},
        environ_base={"REMOTE_ADDR": "10.0.0.7"},
    ).get_json()
    assert secure == {"secure": True, "referrer": "https://example.org/form",
                      "remote_addr": "10.0.0.7", "host": "example.org:8443"}  # fmt: skip


def test_code_may_keep_its_own_attributes_on_the_request(app: Erlen, client) -> None:
    @app.before_request
    def mark() -> None:
        request.csp_nonce = "n0nce"  # as Flask-Talisman does

    @app.route("/")
    def index() -> str:
        return str(request.csp_nonce)

    assert client.get("/").text == "n0nce"


# -- JSON bodies decode exactly as the standard decoder (RFC 8259: no NaN or Infinity) ----------

_JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
_WHITESPACE = st.text(alphabet=" \t\n\r\x0b\x0c\u00a0", max_size=3)


def _outcome(decode: Any, text: str) -> tuple[str, str]:
    try:
        return "value", json.dumps(decode(text), sort_keys=True)
    except ValueError as error:
        return "error", type(error).__name__


@given(_JSON_VALUES, _WHITESPACE, _WHITESPACE)
def test_a_json_document_with_any_whitespace_around_decodes_as_json_loads(
    value: Any, before: str, after: str
) -> None:
    text = before + json.dumps(value) + after
    assert _outcome(_decode_json, text) == _outcome(json.loads, text)


@given(st.text(alphabet='{}[]",:0123456789.eE+-truefalsnNIiy \t\n\\u'))
def test_any_text_decodes_or_fails_as_the_standard_decoder(text: str) -> None:
    # The same decoder through JSONDecoder.decode: the shortcut changes speed, not outcomes.
    assert _outcome(_decode_json, text) == _outcome(_JSON_DECODER.decode, text)


@pytest.mark.parametrize("text", ["NaN", "[Infinity]", '{"a": -Infinity}', "1e999", "[-1E400]"])
def test_json_without_finite_numbers_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"NaN|Infinity|1e999|1E400"):
        _decode_json(text)


# -- Werkzeug's request attributes, compared with Werkzeug's own --------------------------------

_CONDITIONAL_HEADERS = [
    {"If-None-Match": '"a", W/"b"', "If-Match": "*", "If-Range": '"v1"', "Range": "bytes=0-99"},
    {
        "If-Match": '"x", "y"',
        "If-Modified-Since": "Sun, 06 Nov 1994 08:49:37 GMT",
        "If-Unmodified-Since": "Sunday, 06-Nov-94 08:49:37 GMT",
        "If-Range": "Sun, 06 Nov 1994 08:49:37 GMT",
        "Range": "bytes=500-",
        "Date": "Sun, 06 Nov 1994 08:49:37 GMT",
    },
    {"Range": "bytes=-300", "Pragma": "no-cache, x", "Max-Forwards": "3"},
    {"Range": "bytes=0-1,5-9", "Origin": "https://a.example", "Content-MD5": "Q2hlY2s="},
    {
        "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "X-Token, Content-Type",
        "X-Forwarded-For": "203.0.113.7, 10.0.0.1",
    },
    {"Range": "garbage", "If-None-Match": "garbage", "Max-Forwards": "x"},
    {},
]


def _request_facts(request: Any) -> dict[str, Any]:
    """What a Flask view reads of these attributes, in a form both frameworks give alike."""
    found_range = request.range
    return {
        "origin": request.origin,
        "date": request.date,
        "if_match": (request.if_match.star_tag, request.if_match.as_set(include_weak=True)),
        "if_none_match": (
            request.if_none_match.contains("a"),
            request.if_none_match.contains_weak("b"),
            request.if_none_match.is_weak("b"),
            bool(request.if_none_match),
        ),
        "if_modified_since": request.if_modified_since,
        "if_unmodified_since": request.if_unmodified_since,
        "if_range": (request.if_range.etag, request.if_range.date),
        "range": None
        if found_range is None
        else (found_range.units, found_range.ranges, found_range.range_for_length(1000)),
        "pragma": "no-cache" in request.pragma,
        "max_forwards": request.max_forwards,
        "content_md5": request.content_md5,
        "acrm": request.access_control_request_method,
        "acrh": {name.lower() for name in request.access_control_request_headers or ()},
        "access_route": request.access_route,
    }


@pytest.mark.parametrize("headers", _CONDITIONAL_HEADERS)
def test_werkzeugs_header_attributes_read_as_werkzeug_reads_them(
    app: Erlen, headers: dict[str, str]
) -> None:
    wrappers = pytest.importorskip("werkzeug.wrappers")
    test = pytest.importorskip("werkzeug.test")
    environ = test.EnvironBuilder(headers=headers, environ_base={"REMOTE_ADDR": "1.2.3.4"})
    expected = _request_facts(wrappers.Request(environ.get_environ()))
    with app.test_request_context(headers=headers, environ_base={"REMOTE_ADDR": "1.2.3.4"}):
        assert _request_facts(request) == expected


def test_limits_may_be_changed_for_one_request(app: Erlen, client, interface: str) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 10

    @app.post("/small")
    def small() -> str:
        return str(len(request.get_data()))

    @app.post("/upload")
    def upload() -> str:
        request.max_content_length = 100  # as in Flask 3.1: this view takes larger bodies
        return str(len(request.get_data()))

    assert client.post("/small", data=b"x" * 50).status_code == 413
    if interface == "wsgi":
        assert client.post("/upload", data=b"x" * 50).text == "50"
    else:  # received on the event loop before the view runs, under the app's limit
        assert client.post("/upload", data=b"x" * 50).status_code == 413
    assert client.post("/upload", data=b"x" * 150).status_code == 413
    assert client.post("/small", data=b"x" * 50).status_code == 413  # the app's limit stands


def test_on_json_loading_failed_decides_what_bad_json_gives(app: Erlen, client) -> None:
    class LenientRequest(Request):
        def on_json_loading_failed(self, e: Any) -> Any:
            return {"invalid": e is not None}

    app.request_class = LenientRequest

    @app.post("/j")
    def j() -> Any:
        return request.get_json()

    assert client.post("/j", data="{nope", content_type="application/json").get_json() == {
        "invalid": True
    }
    assert client.post("/j", data="x", content_type="text/plain").get_json() == {"invalid": False}
