"""``erlen.flask_patch`` itself: what ``import flask`` gives, and what it costs without it."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import flask
import pytest

import erlen
import erlen.signals
import erlen.templating
from erlen import flask_patch

pytestmark = pytest.mark.wsgi_only  # nothing here serves a request through a client


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60
    )


def test_flask_and_its_documented_modules_are_erlens_objects() -> None:
    from flask.globals import request_ctx
    from flask.json.tag import TaggedJSONSerializer
    from flask.testing import FlaskClient

    assert flask.Flask is erlen.Erlen
    assert flask.request is erlen.request
    assert request_ctx is erlen.app.context.request_ctx
    assert FlaskClient is erlen.testing.TestClient
    assert TaggedJSONSerializer is erlen.app.jsontag.TaggedJSONSerializer
    assert "flask.json.tag" in flask_patch.patched_names()


def test_submodules_are_attributes_of_the_package_as_in_flask() -> None:
    assert flask.templating.Environment is erlen.templating.Environment
    assert flask.signals.request_started is erlen.signals.request_started
    assert flask.app.Flask is flask.Flask
    with pytest.raises(AttributeError):
        flask.sansio  # noqa: B018


def test_a_flask_module_erlen_does_not_offer_says_so() -> None:
    with pytest.raises(ModuleNotFoundError, match="documented modules only"):
        import flask.sansio.scaffold  # noqa: F401


def test_the_patch_refuses_to_come_after_the_real_flask() -> None:
    result = run_python(
        """
        import flask
        try:
            import erlen.flask_patch
        except ImportError as error:
            print(error)
        """
    )
    assert "import erlen.flask_patch first" in result.stdout, result.stderr


def test_a_program_without_the_patch_loads_neither_flask_nor_werkzeug() -> None:
    result = run_python(
        """
        import sys
        from erlen import Erlen, abort

        app = Erlen("plain")

        @app.route("/")
        def index():
            abort(404)

        assert app.test_client().get("/").status_code == 404
        print(sorted(m for m in sys.modules if m.split(".")[0] in ("flask", "werkzeug", "blinker")))
        """
    )
    assert result.stdout.strip() == "[]", result.stderr


def test_app_run_calls_a_stub_in_place_of_werkzeug_run_simple_as_flask_does() -> None:
    result = run_python(
        """
        import erlen.flask_patch
        import werkzeug.serving
        from flask import Flask

        calls = []
        werkzeug.serving.run_simple = lambda *args, **kwargs: calls.append((args, kwargs))
        app = Flask("stubbed")
        app.config["SERVER_NAME"] = "pocoo.org:8080"
        app.run(debug=True, passthrough_errors=True)
        (args, kwargs), = calls
        print(args[:2], args[2] is app, sorted(kwargs.items()), app.jinja_env.auto_reload)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == (
        "('pocoo.org', 8080) True [('passthrough_errors', True), ('threaded', True), "
        "('use_debugger', True), ('use_reloader', True)] True"
    )
