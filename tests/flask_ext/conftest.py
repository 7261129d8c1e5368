import erlen.flask_patch  # noqa: F401, I001 - first, before anything imports flask

# The Flask-extension suite: unmodified extensions on Erlen apps.
#
# erlen.flask_patch is imported first, before anything can import flask, so every extension this
# suite imports sees Erlen under Flask's names. That is why these tests run as their own pytest
# invocation (pytest tests/flask_ext) and the main suite's conftest ignores this folder.
#
# The main suite's conftest still applies: its autouse ``interface`` fixture runs each test twice,
# with clients through the app's WSGI callable (``wsgi``) and through ``app.asgi`` (``asgi``).
# The extensions are sync-only and the views here are sync, so over ASGI they run in Erlen's
# thread pool as under uvicorn. Tests that choose their adapter themselves are ``wsgi_only``.

import flask
import pytest


@pytest.fixture
def app() -> flask.Flask:
    """A bare app, built through ``flask.Flask`` as an extension's user would."""
    app = flask.Flask(__name__)
    app.config.update(SECRET_KEY="flask-ext test secret", TESTING=True)
    return app
