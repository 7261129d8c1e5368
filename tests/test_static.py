"""Static files and send_file: headers, conditional requests, ranges and traversal safety."""

from __future__ import annotations

import io
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from erlen import Blueprint, Erlen, Response, send_file, send_from_directory, url_for
from erlen.core.http import http_date
from erlen.errors import NotFound
from erlen.static import FileBody, safe_join
from erlen.testing import build_environ

HELLO = b"Hello, static world!\n"  # 21 bytes


@pytest.fixture
def app(tmp_path: Path) -> Erlen:
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    (static / "hello.txt").write_bytes(HELLO)
    (static / "css" / "site.css").write_text("body { color: red }\n")
    (static / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    (static / "empty.txt").write_bytes(b"")
    (tmp_path / "secret.txt").write_text("top secret")
    app = Erlen("testapp", root_path=str(tmp_path))
    app.config["SECRET_KEY"] = "test secret key"
    return app


@pytest.fixture
def client(app: Erlen) -> Any:
    return app.test_client()


# -- the plain answer -----------------------------------------------------------------------


def test_static_file_has_type_length_validators_and_ranges(client: Any, tmp_path: Path) -> None:
    response = client.get("/static/hello.txt")
    assert response.status_code == 200
    assert response.data == HELLO
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["Content-Length"] == str(len(HELLO))
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["ETag"].startswith('"') and response.headers["ETag"].endswith('"')
    mtime = os.stat(tmp_path / "static" / "hello.txt").st_mtime
    assert response.headers["Last-Modified"] == http_date(int(mtime))
    assert response.headers["Content-Disposition"] == 'inline; filename="hello.txt"'
    names = [name.lower() for name, _ in response.headers.items()]
    assert len(names) == len(set(names))  # each header once, nosniff included
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_send_file_still_checks_what_the_caller_gives(app: Erlen, tmp_path: Path) -> None:
    path = tmp_path / "static" / "hello.txt"
    with app.test_request_context("/"):
        with pytest.raises(ValueError, match="entity tag"):
            send_file(path, etag='bad"tag')
        with pytest.raises(ValueError):
            send_file(path, etag="line\r\nX-Injected: yes")
        with pytest.raises(ValueError):
            send_file(path, mimetype="text/plain\r\nX-Injected: yes")
        response = send_file(path, download_name="a\r\nX-Injected: b.txt", as_attachment=True)
        response.close()
    disposition = response.headers["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    assert disposition.startswith("attachment;")


@pytest.mark.parametrize(
    ("path", "mimetype"),
    [("/static/css/site.css", "text/css"), ("/static/logo.png", "image/png")],
)
def test_mimetype_is_guessed_from_the_name(client: Any, path: str, mimetype: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == mimetype


def test_etag_changes_when_the_file_changes(client: Any, tmp_path: Path) -> None:
    first = client.get("/static/hello.txt").headers["ETag"]
    (tmp_path / "static" / "hello.txt").write_bytes(b"changed")
    second = client.get("/static/hello.txt")
    assert second.data == b"changed"
    assert second.headers["ETag"] != first


def test_validators_follow_the_files_mtime_even_when_its_size_does_not_change(
    client: Any, tmp_path: Path
) -> None:
    # Last-Modified and the ETag are remembered per mtime: a stale memory would fail here.
    path = tmp_path / "static" / "hello.txt"
    os.utime(path, (1_600_000_000, 1_600_000_000))
    first = client.get("/static/hello.txt")
    assert first.headers["Last-Modified"] == http_date(1_600_000_000)
    os.utime(path, (1_700_000_000, 1_700_000_000))
    second = client.get("/static/hello.txt")
    assert second.headers["Last-Modified"] == http_date(1_700_000_000)
    assert second.headers["ETag"] != first.headers["ETag"]
    revalidated = client.get(
        "/static/hello.txt", headers={"If-Modified-Since": first.headers["Last-Modified"]}
    )
    assert revalidated.status_code == 200  # modified since the first answer: sent again
    assert revalidated.data == HELLO


def test_send_file_last_modified_argument_keeps_whole_seconds(app: Erlen, client: Any) -> None:
    @app.route("/dated/<int:stamp>")
    def dated(stamp: int) -> Response:
        return send_file("static/hello.txt", last_modified=stamp + 0.75)

    assert client.get("/dated/1600000000").headers["Last-Modified"] == http_date(1_600_000_000)
    assert client.get("/dated/1700000000").headers["Last-Modified"] == http_date(1_700_000_000)


def test_head_sends_headers_without_body(client: Any) -> None:
    response = client.head("/static/hello.txt")
    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["Content-Length"] == str(len(HELLO))


def test_empty_file(client: Any) -> None:
    response = client.get("/static/empty.txt", headers={"Range": "bytes=0-10"})
    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["Content-Length"] == "0"


def test_large_file_streams_in_blocks(app: Erlen, tmp_path: Path) -> None:
    payload = os.urandom(300_000)
    (tmp_path / "static" / "big.bin").write_bytes(payload)
    with app.test_request_context("/static/big.bin"):
        response = send_from_directory("static", "big.bin")
    body = response.response
    assert isinstance(body, FileBody)
    chunks = list(body)
    assert b"".join(chunks) == payload
    assert len(chunks) == 5 and max(len(chunk) for chunk in chunks) == 64 * 1024
    assert body.file.closed
    assert app.test_client().get("/static/big.bin").data == payload


def test_a_file_that_grows_while_it_is_sent_sends_the_length_it_announced(
    app: Erlen, tmp_path: Path
) -> None:
    log = tmp_path / "static" / "log.txt"
    log.write_bytes(b"first line\n")
    with app.test_request_context("/static/log.txt"):
        response = send_from_directory("static", "log.txt")
    with log.open("ab") as appending:
        appending.write(b"written after the answer began\n")
    assert response.headers["Content-Length"] == "11"
    assert b"".join(response.response) == b"first line\n"


def test_whole_file_is_offered_to_the_servers_file_wrapper(app: Erlen) -> None:
    wrapped: list[tuple[Any, int]] = []

    def file_wrapper(file: Any, block_size: int) -> list[bytes]:
        wrapped.append((file, block_size))
        data = file.read()
        file.close()
        return [data]

    environ = build_environ(
        "/static/hello.txt", environ_overrides={"wsgi.file_wrapper": file_wrapper}
    )
    body = app(environ, lambda status, headers, exc_info=None: None)
    assert list(body) == [HELLO]
    assert len(wrapped) == 1 and wrapped[0][1] == 64 * 1024
    # A range is not handed to the wrapper, which cannot limit it.
    environ = build_environ(
        "/static/hello.txt",
        headers={"Range": "bytes=0-4"},
        environ_overrides={"wsgi.file_wrapper": file_wrapper},
    )
    body = app(environ, lambda status, headers, exc_info=None: None)
    assert b"".join(body) == b"Hello"
    getattr(body, "close", lambda: None)()
    assert len(wrapped) == 1


def test_a_server_without_file_wrapper_reads_the_file_and_its_close_closes_it(app: Erlen) -> None:
    opened: list[Any] = []

    @app.after_request
    def keep(response: Response) -> Response:
        if isinstance(response.response, FileBody):
            opened.append(response.response.file)
        return response

    environ = build_environ("/static/hello.txt")
    environ.pop("wsgi.file_wrapper", None)
    body = app(environ, lambda status, headers, exc_info=None: None)
    assert b"".join(body) == HELLO
    body.close()  # type: ignore[attr-defined]  # what every WSGI server calls
    assert len(opened) == 1 and opened[0].closed
    # A server that stops early (the client left) closes the file through the same call.
    body = app(build_environ("/static/hello.txt"), lambda status, headers, exc_info=None: None)
    body.close()  # type: ignore[attr-defined]
    assert len(opened) == 2 and opened[1].closed


def test_a_file_response_with_close_callbacks_runs_them_when_the_server_closes(app: Erlen) -> None:
    closed: list[str] = []

    @app.route("/download")
    def download() -> Response:
        response = send_from_directory("static", "hello.txt")
        response.call_on_close(lambda: closed.append("done"))
        return response

    environ = build_environ("/download")
    environ.pop("wsgi.file_wrapper", None)
    body = app(environ, lambda status, headers, exc_info=None: None)
    assert b"".join(body) == HELLO
    assert closed == []
    body.close()  # type: ignore[attr-defined]
    assert closed == ["done"]


# -- caching --------------------------------------------------------------------------------


@pytest.mark.parametrize("setting", [3600, timedelta(hours=1)])
def test_send_file_max_age_default_sets_public_caching(
    app: Erlen, client: Any, setting: object
) -> None:
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = setting
    response = client.get("/static/hello.txt")
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    assert "Expires" in response.headers


def test_send_file_max_age_argument_may_be_callable(app: Erlen, client: Any) -> None:
    seen: list[str | None] = []

    def max_age(path: str | None) -> int:
        seen.append(path)
        return 60

    @app.route("/file")
    def file() -> Response:
        return send_file("static/hello.txt", max_age=max_age)

    assert client.get("/file").headers["Cache-Control"] == "public, max-age=60"
    assert seen and str(seen[0]).endswith("hello.txt")


# -- conditional requests -------------------------------------------------------------------


def test_if_none_match_answers_304_and_keeps_the_etag(client: Any) -> None:
    etag = client.get("/static/hello.txt").headers["ETag"]
    response = client.get("/static/hello.txt", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == etag
    assert "Content-Length" not in response.headers
    assert response.headers["Cache-Control"] == "no-cache"


@pytest.mark.parametrize("header", ["*", "W/{etag}", '"other", {etag}'])
def test_if_none_match_forms_that_match(client: Any, header: str) -> None:
    etag = client.get("/static/hello.txt").headers["ETag"]
    response = client.get("/static/hello.txt", headers={"If-None-Match": header.format(etag=etag)})
    assert response.status_code == 304


def test_if_none_match_with_another_tag_sends_the_file(client: Any) -> None:
    response = client.get("/static/hello.txt", headers={"If-None-Match": '"not-it"'})
    assert response.status_code == 200
    assert response.data == HELLO


def test_if_modified_since(client: Any) -> None:
    last_modified = client.get("/static/hello.txt").headers["Last-Modified"]
    response = client.get("/static/hello.txt", headers={"If-Modified-Since": last_modified})
    assert response.status_code == 304
    assert response.data == b""
    older = http_date(0)
    response = client.get("/static/hello.txt", headers={"If-Modified-Since": older})
    assert response.status_code == 200
    assert response.data == HELLO


def test_if_none_match_outranks_if_modified_since(client: Any) -> None:
    last_modified = client.get("/static/hello.txt").headers["Last-Modified"]
    headers = {"If-None-Match": '"not-it"', "If-Modified-Since": last_modified}
    assert client.get("/static/hello.txt", headers=headers).status_code == 200


def test_failed_if_match_answers_412(client: Any) -> None:
    etag = client.get("/static/hello.txt").headers["ETag"]
    assert client.get("/static/hello.txt", headers={"If-Match": '"nope"'}).status_code == 412
    assert client.get("/static/hello.txt", headers={"If-Match": etag}).status_code == 200
    response = client.get("/static/hello.txt", headers={"If-Unmodified-Since": http_date(0)})
    assert response.status_code == 412


def test_unconditional_send_file_ignores_conditions(app: Erlen, client: Any) -> None:
    @app.route("/file")
    def file() -> Response:
        return send_file("static/hello.txt", conditional=False)

    etag = client.get("/file").headers["ETag"]
    response = client.get("/file", headers={"If-None-Match": etag, "Range": "bytes=0-1"})
    assert response.status_code == 200
    assert response.data == HELLO


# -- ranges ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "content_range", "data"),
    [
        ("bytes=0-4", "bytes 0-4/21", HELLO[0:5]),
        ("bytes=7-12", "bytes 7-12/21", HELLO[7:13]),
        ("bytes=-7", "bytes 14-20/21", HELLO[-7:]),
        ("bytes=14-", "bytes 14-20/21", HELLO[14:]),
        ("bytes=14-9999", "bytes 14-20/21", HELLO[14:]),
    ],
    ids=["start-end", "middle", "suffix", "open-ended", "end-past-length"],
)
def test_single_range_answers_206(
    client: Any, header: str, content_range: str, data: bytes
) -> None:
    response = client.get("/static/hello.txt", headers={"Range": header})
    assert response.status_code == 206
    assert response.headers["Content-Range"] == content_range
    assert response.headers["Content-Length"] == str(len(data))
    assert response.data == data


def test_range_starting_past_the_end_answers_416(client: Any) -> None:
    response = client.get("/static/hello.txt", headers={"Range": "bytes=21-30"})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == "bytes */21"


@pytest.mark.parametrize("header", ["bytes=5-1", "items=0-4", "bytes=abc", "bytes=0-4,2-20"])
def test_malformed_or_whole_file_ranges_send_the_whole_file(client: Any, header: str) -> None:
    response = client.get("/static/hello.txt", headers={"Range": header})
    assert response.status_code == 200
    assert response.data == HELLO
    assert "Content-Range" not in response.headers


def test_several_ranges_answer_206_multipart_byteranges(client: Any) -> None:
    import email.parser

    response = client.get("/static/hello.txt", headers={"Range": "bytes=0-0,3-4,-2"})
    assert response.status_code == 206
    assert "Content-Range" not in response.headers
    assert response.mimetype == "multipart/byteranges"
    assert response.headers["Content-Length"] == str(len(response.data))
    # Parsed by the standard library's MIME parser, as a client would.
    message = email.parser.BytesParser().parsebytes(
        b"Content-Type: " + response.headers["Content-Type"].encode() + b"\r\n\r\n" + response.data
    )
    parts = [(part["Content-Range"], part.get_payload(decode=True)) for part in message.walk()][1:]
    assert parts == [
        ("bytes 0-0/21", HELLO[0:1]),
        ("bytes 3-4/21", HELLO[3:5]),
        ("bytes 19-20/21", HELLO[19:21]),
    ]
    # RFC 9110 defines Range for GET only: a HEAD answer describes the whole file.
    head = client.head("/static/hello.txt", headers={"Range": "bytes=0-0,3-4"})
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["Content-Length"] == str(len(HELLO))


def test_overlapping_ranges_are_merged_before_they_are_sent(client: Any) -> None:
    response = client.get("/static/hello.txt", headers={"Range": "bytes=0-5,2-8,10-12"})
    assert response.status_code == 206
    assert response.data.count(b"Content-Range") == 2
    assert b"bytes 0-8/21" in response.data and b"bytes 10-12/21" in response.data


def test_if_range_with_the_current_etag_or_date_allows_the_range(client: Any) -> None:
    first = client.get("/static/hello.txt")
    for validator in (first.headers["ETag"], first.headers["Last-Modified"]):
        headers = {"Range": "bytes=0-4", "If-Range": validator}
        response = client.get("/static/hello.txt", headers=headers)
        assert response.status_code == 206
        assert response.data == b"Hello"


@pytest.mark.parametrize(
    "validator", ['"old-version"', "W/{etag}", "Thu, 01 Jan 1970 00:00:00 GMT"]
)
def test_if_range_with_a_stale_validator_sends_the_whole_file(client: Any, validator: str) -> None:
    etag = client.get("/static/hello.txt").headers["ETag"]
    headers = {"Range": "bytes=0-4", "If-Range": validator.format(etag=etag)}
    response = client.get("/static/hello.txt", headers=headers)
    assert response.status_code == 200
    assert response.data == HELLO


# -- the static route -----------------------------------------------------------------------


def test_renamed_static_folder(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "app.js").write_text("console.log(1)")
    app = Erlen("testapp", root_path=str(tmp_path), static_folder="assets")
    client = app.test_client()
    response = client.get("/assets/app.js")
    assert response.status_code == 200
    assert response.data == b"console.log(1)"
    assert client.get("/static/app.js").status_code == 404
    with app.test_request_context("/"):
        assert url_for("static", filename="app.js") == "/assets/app.js"


def test_static_url_path(tmp_path: Path) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "a.txt").write_text("a")
    app = Erlen("testapp", root_path=str(tmp_path), static_url_path="/files")
    assert app.test_client().get("/files/a.txt").data == b"a"
    assert app.test_client().get("/static/a.txt").status_code == 404


def test_no_static_folder_means_no_static_route(tmp_path: Path) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "a.txt").write_text("a")
    app = Erlen("testapp", root_path=str(tmp_path), static_folder=None)
    assert "static" not in app.view_functions
    assert app.test_client().get("/static/a.txt").status_code == 404


def test_blueprint_static_folder(app: Erlen, tmp_path: Path) -> None:
    (tmp_path / "bp" / "static").mkdir(parents=True)
    (tmp_path / "bp" / "static" / "bp.css").write_text("p {}")
    blueprint = Blueprint(
        "bp", __name__, static_folder="static", url_prefix="/bp", root_path=str(tmp_path / "bp")
    )
    app.register_blueprint(blueprint)
    response = app.test_client().get("/bp/static/bp.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"


def test_blueprint_static_files_are_cached_as_the_app_and_the_blueprint_say(
    app: Erlen, tmp_path: Path
) -> None:
    (tmp_path / "bp" / "static").mkdir(parents=True)
    (tmp_path / "bp" / "static" / "bp.css").write_text("p {}")
    (tmp_path / "bp" / "static" / "bp.js").write_text("1")

    class ShortLived(Blueprint):
        def get_send_file_max_age(self, filename: str | None) -> int | None:
            return 60 if filename == "bp.js" else super().get_send_file_max_age(filename)

    blueprint = ShortLived(
        "bp", __name__, static_folder="static", url_prefix="/bp", root_path=str(tmp_path / "bp")
    )
    app.register_blueprint(blueprint)
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 3600
    client = app.test_client()
    assert client.get("/bp/static/bp.css").headers["Cache-Control"] == "public, max-age=3600"
    assert client.get("/bp/static/bp.js").headers["Cache-Control"] == "public, max-age=60"


@pytest.mark.parametrize(
    "path",
    [
        "/static/../secret.txt",
        "/static/%2e%2e/secret.txt",
        "/static/..%2fsecret.txt",
        "/static/css/../../secret.txt",
        "/static/css/..%5c..%5csecret.txt",
        "/static/..\\secret.txt",
        "/static//etc/passwd",
        "/static/%2Fetc/passwd",
        "/static/C:/Windows/win.ini",
        "/static/css",
        "/static/missing.txt",
        "/static/link-out.txt",
        "/static/dir-link/secret.txt",
    ],
)
def test_traversal_and_non_files_answer_404(client: Any, tmp_path: Path, path: str) -> None:
    os.symlink(tmp_path / "secret.txt", tmp_path / "static" / "link-out.txt")
    os.symlink(tmp_path, tmp_path / "static" / "dir-link")
    response = client.get(path, follow_redirects=True)  # "//" is merged by a redirect first
    assert response.status_code == 404
    assert b"top secret" not in response.data


def test_dangling_symlinks_and_fifos_answer_404(client: Any, tmp_path: Path) -> None:
    os.symlink(tmp_path / "static" / "gone.txt", tmp_path / "static" / "dangling.txt")
    os.mkfifo(tmp_path / "static" / "pipe.txt")  # opening it would block: never opened
    os.symlink(tmp_path / "static" / "pipe.txt", tmp_path / "static" / "pipe-link.txt")
    for name in ("dangling.txt", "pipe.txt", "pipe-link.txt"):
        assert client.get(f"/static/{name}").status_code == 404
    assert safe_join(str(tmp_path / "static"), "dangling.txt") is None


def test_nul_byte_in_the_path_is_refused(client: Any) -> None:
    response = client.get("/static/hello.txt%00.png")
    assert response.status_code in (400, 404)  # the adapter refuses NUL before routing
    assert HELLO not in response.data


def test_symlink_inside_the_folder_is_served(client: Any, tmp_path: Path) -> None:
    os.symlink(tmp_path / "static" / "hello.txt", tmp_path / "static" / "alias.css")
    response = client.get("/static/alias.css")
    assert response.status_code == 200
    assert response.data == HELLO
    assert response.mimetype == "text/css"  # named by the requested name


@pytest.mark.parametrize(
    "path",
    ["../secret.txt", "/etc/passwd", "a\\..\\b", "hello.txt\x00", "C:secret", "css/../..", "", "."],
)
def test_safe_join_refuses_escapes(tmp_path: Path, path: str) -> None:
    assert safe_join(str(tmp_path / "static"), path) is None


def test_send_from_directory_raises_not_found(app: Erlen) -> None:
    with app.test_request_context("/"):
        with pytest.raises(NotFound):
            send_from_directory("static", "../secret.txt")
        with pytest.raises(NotFound):
            send_from_directory("static", "hello.txt\x00")
        response = send_from_directory("static", "hello.txt")
        assert response.status_code == 200
        response.close()


@given(st.text(alphabet="./\\abc:\x00%~", max_size=12))
def test_safe_join_never_leaves_the_directory(path: str) -> None:
    base = os.path.realpath(os.path.dirname(__file__))
    result = safe_join(base, path)
    assert result is None or result.startswith(base + os.sep)


# -- send_file ------------------------------------------------------------------------------


def test_attachment_with_non_ascii_download_name(app: Erlen, client: Any) -> None:
    @app.route("/cv")
    def cv() -> Response:
        return send_file("static/logo.png", as_attachment=True, download_name="résumé.pdf")

    response = client.get("/cv")
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"resume.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf"
    )
    assert response.mimetype == "application/pdf"


def test_send_file_of_bytesio(app: Erlen, client: Any) -> None:
    @app.route("/report")
    def report() -> Response:
        buffer = io.BytesIO(b"skip:a,b\n1,2\n")
        buffer.seek(5)  # sent from the current position
        return send_file(buffer, download_name="report.csv", as_attachment=True)

    response = client.get("/report")
    assert response.status_code == 200
    assert response.data == b"a,b\n1,2\n"
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Length"] == "8"
    assert "ETag" not in response.headers
    assert "Last-Modified" not in response.headers
    ranged = client.get("/report", headers={"Range": "bytes=4-"})
    assert ranged.status_code == 206
    assert ranged.data == b"1,2\n"


def test_send_file_of_a_file_object_with_given_etag(app: Erlen, client: Any) -> None:
    opened: list[Any] = []

    @app.route("/data")
    def data() -> Response:
        file = open(os.path.join(app.root_path, "static", "hello.txt"), "rb")  # noqa: SIM115
        opened.append(file)
        return send_file(file, mimetype="text/plain", etag="v1")

    response = client.get("/data")
    assert response.data == HELLO
    assert response.headers["ETag"] == '"v1"'
    assert "Content-Disposition" not in response.headers
    assert client.get("/data", headers={"If-None-Match": '"v1"'}).status_code == 304
    assert all(file.closed for file in opened)


def test_send_file_needs_a_name_or_mimetype_for_file_objects(app: Erlen) -> None:
    with app.test_request_context("/"):
        with pytest.raises(TypeError, match="download_name"):
            send_file(io.BytesIO(b"x"))
        with pytest.raises(TypeError, match="download_name"):
            send_file(io.BytesIO(b"x"), mimetype="text/plain", as_attachment=True)
        with pytest.raises(ValueError, match="binary"):
            send_file(io.StringIO("x"), mimetype="text/plain")  # type: ignore[arg-type]


def test_send_file_of_a_missing_path_is_a_server_error(app: Erlen, client: Any) -> None:
    @app.route("/gone")
    def gone() -> Response:
        return send_file("static/nope.txt")

    assert client.get("/gone").status_code == 500


def test_compressed_file_is_sent_with_its_content_encoding(app: Erlen, tmp_path: Path) -> None:
    import gzip

    (tmp_path / "static" / "app.css.gz").write_bytes(gzip.compress(b"p {}"))
    response = app.test_client().get("/static/app.css.gz")
    assert response.mimetype == "text/css"
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.data) == b"p {}"


def test_use_x_sendfile_leaves_the_body_to_the_front_server(app: Erlen, client: Any) -> None:
    app.config["USE_X_SENDFILE"] = True
    response = client.get("/static/hello.txt")
    assert response.headers["X-Sendfile"].endswith(os.path.join("static", "hello.txt"))
    assert response.data == b""


def test_file_objects_are_closed_on_every_answer(app: Erlen, client: Any) -> None:
    buffers: list[io.BytesIO] = []

    @app.route("/buffer")
    def buffer() -> Response:
        buffers.append(io.BytesIO(b"0123456789"))
        return send_file(buffers[-1], mimetype="text/plain", etag="v1")

    assert client.get("/buffer").data == b"0123456789"
    assert client.get("/buffer", headers={"Range": "bytes=2-3"}).data == b"23"
    assert client.get("/buffer", headers={"Range": "bytes=50-"}).status_code == 416
    assert client.get("/buffer", headers={"If-None-Match": '"v1"'}).status_code == 304
    assert client.head("/buffer").data == b""
    assert len(buffers) == 5 and all(buffer.closed for buffer in buffers)


def test_file_body_closes_its_file_when_the_client_leaves(app: Erlen) -> None:
    with app.test_request_context("/"):
        response = send_from_directory("static", "logo.png")
    body = response.response
    assert isinstance(body, FileBody)
    response.close()
    assert body.file.closed


def test_a_static_url_path_with_a_trailing_slash_serves_the_same_files(tmp_path: Path) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "a.txt").write_text("a")
    app = Erlen("trailing", root_path=str(tmp_path), static_url_path="/files/")
    assert app.test_client().get("/files/a.txt").text == "a"
    with app.test_request_context():
        assert url_for("static", filename="a.txt") == "/files/a.txt"
