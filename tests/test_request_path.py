"""What a request must not do on its way through: hidden costs that crept back in before.

Each of these once cost every request of some kind a measurable share of its time without
showing in the code's shape: an ``import`` statement inside a view (``send_static_file``: the
import machinery runs on every call, 0.9 us), a runtime ``typing.cast()`` (a Python call that
returns its argument), an ``isinstance()`` against an ABC such as ``Mapping`` (a Python-level
``__instancecheck__``). These tests trace real requests of the benchmark's kinds, over WSGI and
ASGI, and fail on any such call made from Erlen's code; they measure no time.
"""

from __future__ import annotations

import asyncio
import io
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

import erlen
from erlen import Erlen, jsonify, make_response, render_template, request
from erlen.testing import build_environ

pytestmark = pytest.mark.wsgi_only  # each test drives both interfaces itself


#: Erlen's own source: the calls made from it are the ones checked (asyncio's are its own).
SOURCE = str(Path(erlen.__file__).parent)


def _hidden_cost(frame: FrameType) -> str | None:
    code = frame.f_code
    filename = code.co_filename
    if filename.startswith("<frozen importlib"):
        return f"the import machinery ({code.co_qualname})"
    if filename.endswith(("/typing.py", "\\typing.py")) and code.co_name == "cast":
        return "typing.cast()"
    if filename == "<frozen abc>" and code.co_name in ("__instancecheck__", "__subclasscheck__"):
        return f"an ABC's {code.co_name}"
    return None


@contextmanager
def hidden_costs() -> Iterator[list[str]]:
    """The hidden costs met by the code run inside the block, with the frame that paid each."""
    found: list[str] = []

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        if event == "call":
            what = _hidden_cost(frame)
            caller = frame.f_back.f_code if frame.f_back is not None else None
            if what is not None and caller is not None and caller.co_filename.startswith(SOURCE):
                found.append(f"{what}, called by {caller.co_qualname} ({caller.co_filename})")

    sys.setprofile(profile)
    try:
        yield found
    finally:
        sys.setprofile(None)


@pytest.fixture
def bench_like_app(tmp_path: Path) -> Erlen:
    """An app with a view of each kind ``bench/apps/erlen_app.py`` times."""
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "small.txt").write_bytes(b"x" * 1024)
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text(
        "<h1>{{ title }}</h1>{% for item in items %}<p>{{ item.name }}</p>{% endfor %}"
    )
    app = Erlen("pathapp", root_path=str(tmp_path))

    @app.route("/")
    def hello() -> str:
        return "Hello World!"

    @app.get("/user/<name>")
    def user(name: str) -> Any:
        return jsonify(username=name)

    @app.get("/search")
    def search() -> Any:
        return jsonify(q=request.args["q"], page=request.args.get("page", type=int))

    @app.post("/items")
    def create_item() -> Any:
        return {**request.get_json(), "id": 1}, 201

    @app.get("/page")
    def page() -> str:
        return render_template("page.html", title="T", items=[{"name": "a"}, {"name": "b"}])

    @app.post("/form")
    def form() -> str:
        return f"{request.form['name']} {request.form['age']}"

    @app.get("/cookie")
    def cookie() -> Any:
        visits = int(request.cookies.get("visits", "0"))
        response = make_response(f"visits {visits}")
        response.set_cookie("visits", str(visits + 1))
        return response

    return app


#: (method, path, query, body, content type, cookie): one request of each benchmark kind.
REQUESTS = [
    ("GET", "/", "", b"", None, None),
    ("GET", "/user/alice", "", b"", None, None),
    ("GET", "/search", "q=abc&page=2", b"", None, None),
    ("POST", "/items", "", b'{"name": "widget"}', "application/json", None),
    ("GET", "/page", "", b"", None, None),
    ("GET", "/nowhere", "", b"", None, None),
    ("POST", "/form", "", b"name=alice&age=30", "application/x-www-form-urlencoded", None),
    ("GET", "/cookie", "", b"", None, "visits=3"),
    ("GET", "/static/small.txt", "", b"", None, None),
]


def _environ(method: str, path: str, query: str, body: bytes, ctype: str | None,
             cookie: str | None) -> dict[str, Any]:  # fmt: skip
    headers = {"Cookie": cookie} if cookie else {}
    environ = build_environ(path, method=method, query_string=query, headers=headers)
    environ["wsgi.input"] = io.BytesIO(body)
    environ.pop("wsgi.file_wrapper", None)
    if body:
        environ["CONTENT_LENGTH"] = str(len(body))
    if ctype:
        environ["CONTENT_TYPE"] = ctype
    return environ


def _serve_wsgi(app: Erlen, environ: dict[str, Any]) -> int:
    statuses: list[str] = []
    body = app(environ, lambda status, headers, exc_info=None: statuses.append(status))
    for _ in body:
        pass
    getattr(body, "close", lambda: None)()
    return int(statuses[0].split()[0])


def _serve_asgi(app: Erlen, method: str, path: str, query: str, body: bytes,
                ctype: str | None, cookie: str | None) -> Callable[[], int]:  # fmt: skip
    """A call that serves the request over ASGI on ``loop``, giving the status."""
    headers = [(b"host", b"localhost")]
    if body:
        headers.append((b"content-length", str(len(body)).encode()))
    if ctype:
        headers.append((b"content-type", ctype.encode()))
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": query.encode(), "headers": headers,
        "client": ("127.0.0.1", 50000), "server": ("localhost", 80),
    }  # fmt: skip
    loop = asyncio.new_event_loop()

    async def serve() -> int:
        sent: list[dict[str, Any]] = []
        messages = [{"type": "http.request", "body": body, "more_body": False}]

        async def receive() -> dict[str, Any]:
            return messages.pop() if messages else {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await app.asgi(dict(scope), receive, send)
        return int(sent[0]["status"])

    def call() -> int:
        return loop.run_until_complete(serve())

    call.close = loop.close  # type: ignore[attr-defined]
    return call


@pytest.mark.parametrize("kind", REQUESTS, ids=[f"{r[0]} {r[1]}" for r in REQUESTS])
def test_a_wsgi_request_pays_no_hidden_cost(bench_like_app: Erlen, kind: tuple[Any, ...]) -> None:
    status = _serve_wsgi(bench_like_app, _environ(*kind))  # warm: first-use work is allowed
    environ = _environ(*kind)
    with hidden_costs() as found:
        again = _serve_wsgi(bench_like_app, environ)
    assert again == status and status in (200, 201, 404)
    assert found == []


@pytest.mark.parametrize("kind", REQUESTS, ids=[f"{r[0]} {r[1]}" for r in REQUESTS])
def test_an_asgi_request_pays_no_hidden_cost(bench_like_app: Erlen, kind: tuple[Any, ...]) -> None:
    # The static file goes through a worker thread, whose frames this thread cannot trace;
    # the views here are sync, so that is every request: the ASGI side of the request (its
    # adapter, the hop and the answer) is what is traced.
    call = _serve_asgi(bench_like_app, *kind)
    try:
        status = call()
        with hidden_costs() as found:
            again = call()
    finally:
        call.close()  # type: ignore[attr-defined]
    assert again == status and status in (200, 201, 404)
    assert found == []


def test_the_apps_own_attributes_stay_out_of_its_instance_dict(bench_like_app: Erlen) -> None:
    # Python 3.11 makes an instance's attributes a real dict past 30 names; then no method call
    # on the app is specialised (about 2,000 instructions per request). The app keeps its own
    # attributes in App.__slots__: an attribute added to App without a slot shows up here.
    for kind in REQUESTS:
        _serve_wsgi(bench_like_app, _environ(*kind))
    call = _serve_asgi(bench_like_app, *REQUESTS[0])
    try:
        call()
    finally:
        call.close()  # type: ignore[attr-defined]
    assert vars(bench_like_app) == {}
