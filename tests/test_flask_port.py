"""examples/flask_port: one app, run on Erlen and on Flask, must behave the same.

The Flask version is made here from the example's source by changing its import lines only
(``erlen`` to ``flask``, ``Erlen`` to ``Flask``); every test runs against both (ids ``erlen``,
``flask``). A difference between the two is a bug in Erlen, not a reason to loosen a test.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from .conftest import ROOT

EXAMPLE = ROOT / "examples" / "flask_port"


def flask_source(source: str) -> str:
    """The example with its import lines switched to Flask; no other line changes."""
    lines = []
    for line in source.splitlines(keepends=True):
        if line.startswith(("from erlen", "import erlen")):
            line = line.replace("erlen", "flask").replace("Erlen", "Flask")
        lines.append(line)
    return "".join(lines)


def load_module(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # both frameworks find templates through sys.modules[name]
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def modules(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ModuleType]:
    found = {"erlen": load_module("flask_port_on_erlen", EXAMPLE / "app.py")}
    try:
        import flask  # noqa: F401
    except ImportError:
        return found
    folder = tmp_path_factory.mktemp("flask_port")
    shutil.copytree(EXAMPLE / "templates", folder / "templates")
    shutil.copytree(EXAMPLE / "static", folder / "static")
    (folder / "app.py").write_text(flask_source((EXAMPLE / "app.py").read_text()))
    found["flask"] = load_module("flask_port_on_flask", folder / "app.py")
    return found


@dataclass
class Port:
    module: ModuleType
    app: Any
    client: Any

    def login(self, name: str = "alice", password: str = "wonderland") -> Any:
        return self.client.post("/login", data={"username": name, "password": password})


@pytest.fixture(params=["erlen", "flask"])
def port(request: pytest.FixtureRequest, modules: dict[str, ModuleType]) -> Port:
    if request.param not in modules:
        pytest.skip("Flask is not installed")
    module = modules[request.param]
    app = module.create_app({"TESTING": True})
    return Port(module, app, app.test_client())


def test_only_import_lines_differ_and_the_docstring_lists_them() -> None:
    source = (EXAMPLE / "app.py").read_text()
    ported = flask_source(source)
    changed = [
        (mine, theirs)
        for mine, theirs in zip(source.splitlines(), ported.splitlines(), strict=True)
        if mine != theirs
    ]
    assert len(changed) == 3
    for mine, theirs in changed:
        assert mine.startswith("from erlen")
        assert f"    {theirs}\n" in source  # the docstring shows the Flask line


def test_home_page_renders_child_template_with_static_css(port: Port) -> None:
    response = port.client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "<title>Home - Notes</title>" in response.text
    assert '<link rel="stylesheet" href="/static/style.css">' in response.text
    assert "0 notes so far." in response.text
    assert '<a href="/login">Log in</a>' in response.text

    with port.client.get("/static/style.css") as css:
        assert css.status_code == 200
        assert css.mimetype == "text/css"
        assert css.data == (EXAMPLE / "static" / "style.css").read_bytes()


def test_head_answers_like_get_without_a_body(port: Port) -> None:
    get = port.client.get("/")
    head = port.client.head("/")
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["Content-Length"] == get.headers["Content-Length"]


def test_login_flashes_once_and_keeps_the_user_in_the_session(port: Port) -> None:
    wrong = port.login(password="guess")
    assert wrong.status_code == 401
    assert "Wrong user name or password." in wrong.text

    response = port.login()
    assert response.status_code == 302
    assert response.location == "/"
    page = port.client.get("/")
    assert "Welcome, alice!" in page.text
    assert "Signed in as alice" in page.text
    again = port.client.get("/")
    assert "Welcome, alice!" not in again.text
    assert "Signed in as alice" in again.text


def test_login_redirects_only_to_local_paths(port: Port) -> None:
    data = {"username": "alice", "password": "wonderland"}
    local = port.client.post("/login?next=/notes/", data=data)
    assert local.location == "/notes/"
    for target in ("//evil.example/", "https://evil.example/"):
        response = port.client.post("/login", query_string={"next": target}, data=data)
        assert response.location == "/"


def test_writing_a_note_needs_a_login(port: Port) -> None:
    response = port.client.post("/notes/", data={"text": "hello"})
    assert response.status_code == 302
    assert response.location == "/login?next=/notes/"
    page = port.client.post("/notes/", data={"text": "hello"}, follow_redirects=True)
    assert page.status_code == 200
    assert [step.status_code for step in page.history] == [302]
    assert "Log in to write notes." in page.text


def test_a_new_note_is_shown_escaped_after_a_303(port: Port) -> None:
    port.login()
    port.client.get("/")  # shows and consumes the welcome message
    response = port.client.post("/notes/", data={"text": "<script>alert(1)</script>"})
    assert response.status_code == 303
    assert response.location == "/notes/1"
    page = port.client.get(response.location)
    assert "Note saved." in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>" not in page.text
    listing = port.client.get("/notes/")
    assert '<a href="/notes/1">' in listing.text


def test_logout_clears_the_session(port: Port) -> None:
    port.login()
    page = port.client.post("/logout", follow_redirects=True)
    assert page.status_code == 200
    assert [step.location for step in page.history] == ["/"]
    assert "You are logged out." in page.text
    assert "Signed in as" not in page.text
    assert "Welcome" not in page.text


def test_unknown_pages_use_the_404_handler(port: Port) -> None:
    for path in ("/nowhere", "/notes/42"):
        response = port.client.get(path)
        assert response.status_code == 404
        assert "<h1>Page not found</h1>" in response.text
        assert f"Nothing lives at {path}." in response.text


def test_json_resource_as_method_view(port: Port) -> None:
    client = port.client
    assert client.get("/api/notes").json == {"notes": []}
    refused = client.post("/api/notes", json={"text": "hi"})
    assert refused.status_code == 401
    assert refused.json == {"error": "log in first"}

    with client.session_transaction() as session:
        session["user"] = "bob"
    created = client.post("/api/notes", json={"text": " hi "})
    assert created.status_code == 201
    assert created.location == "/api/notes/1"
    assert created.json == {"id": 1, "text": "hi", "author": "bob"}
    assert client.get("/api/notes/1").json == created.json
    assert client.get("/api/notes").json == {"notes": [created.json]}

    invalid = client.post("/api/notes", json={"text": 3})
    assert invalid.status_code == 422
    assert invalid.json == {"error": "'text' must be a non-empty string"}

    deleted = client.delete("/api/notes/1")
    assert deleted.status_code == 204
    assert deleted.data == b""
    missing = client.get("/api/notes/1")
    assert missing.status_code == 404
    assert missing.json == {"error": "no such note"}


def test_methods_a_rule_does_not_take_answer_405(port: Port) -> None:
    response = port.client.put("/api/notes", json={"text": "x"})
    assert response.status_code == 405
    allowed = {method.strip() for method in response.headers["Allow"].split(",")}
    assert allowed == {"GET", "HEAD", "OPTIONS", "POST"}
    assert port.client.delete("/api/notes").status_code == 405


def test_session_transaction_and_kept_context(port: Port) -> None:
    client = port.client
    with client.session_transaction() as session:
        assert "user" not in session
        session["user"] = "bob"
    with client:
        page = client.get("/notes/")
        assert "Signed in as bob" in page.text
        assert port.module.g.user == "bob"
        assert port.module.request.path == "/notes/"
        assert port.module.session["user"] == "bob"
    with client.session_transaction() as session:
        assert session["user"] == "bob"
