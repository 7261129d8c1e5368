"""Protection against cross-site request forgery: a secret token per session, sent back by forms.

    from erlen.ext.csrf import CSRFProtect

    csrf = CSRFProtect(app)

    <form method="post">
      <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
      ...
    </form>

Every POST, PUT, PATCH and DELETE must carry the session's token, in the ``csrf_token`` form field
or the ``X-CSRF-Token`` header (for ``fetch`` calls); a missing or wrong token raises
:class:`CSRFError`, a 400. ``@csrf.exempt`` (on a view or a blueprint) turns the check off, for
endpoints that authenticate each request another way (bearer tokens) and may call
:meth:`CSRFProtect.protect` themselves when a request relies on the session cookie instead.

Settings: ``CSRF_ENABLED`` (True), ``CSRF_FIELD_NAME`` (``"csrf_token"``), ``CSRF_HEADER_NAME``
(``"X-CSRF-Token"``).

APPSEC: the token is 256 random bits kept in the signed session cookie, which another site can
neither read nor set; tokens are compared in constant time. Requests that matched no route are
not checked, so they get their honest 404 or 405.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from erlen.app.blueprints import Blueprint
from erlen.app.context import current_app, request, session
from erlen.core.errors import BadRequest

if TYPE_CHECKING:
    from erlen.adapters.erlen import Erlen

__all__ = ["CSRFProtect", "CSRFError", "generate_csrf"]

EXTENSION_KEY = "csrf"
SESSION_KEY = "_csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

T = TypeVar("T")


class CSRFError(BadRequest):
    """400: the request's CSRF token is missing or does not match the session's."""

    description = (
        "The form's security token is missing or out of date. Go back, reload the page and "
        "submit it again."
    )


def generate_csrf() -> str:
    """The current session's CSRF token, created on first use; put it in every form."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session[SESSION_KEY] = token
    return token


class CSRFProtect:
    """The CSRF extension: checks unsafe requests before their view runs."""

    def __init__(self, app: Erlen | None = None) -> None:
        self._exempt_views: set[Callable[..., Any]] = set()
        self._exempt_blueprints: set[str] = set()
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Erlen) -> None:
        """Check every unsafe request of ``app``; offer ``csrf_token()`` to templates."""
        app.config.setdefault("CSRF_ENABLED", True)
        app.config.setdefault("CSRF_FIELD_NAME", "csrf_token")
        app.config.setdefault("CSRF_HEADER_NAME", "X-CSRF-Token")
        app.extensions[EXTENSION_KEY] = self
        app.add_template_global(generate_csrf, "csrf_token")
        app.add_template_global(generate_csrf, "generate_csrf")
        app.before_request(self._check_request)

    def exempt(self, view: T) -> T:
        """Skip the automatic check for a view function or a whole blueprint."""
        if isinstance(view, Blueprint):
            self._exempt_blueprints.add(view.name)
        elif callable(view):
            self._exempt_views.add(view)
        else:
            raise TypeError("csrf.exempt() takes a view function or a blueprint.")
        return view

    def _is_exempt(self) -> bool:
        if any(name in self._exempt_blueprints for name in request.blueprints):
            return True
        endpoint = request.endpoint
        view = current_app.view_functions.get(endpoint) if endpoint else None
        return view is not None and view in self._exempt_views

    def _check_request(self) -> None:
        if request.method in SAFE_METHODS or not current_app.config["CSRF_ENABLED"]:
            return
        if request.routing_exception is not None or self._is_exempt():
            return
        self.protect()

    def protect(self) -> None:
        """Raise :class:`CSRFError` unless this request carries the session's token."""
        config = current_app.config
        sent = request.headers.get(config["CSRF_HEADER_NAME"])
        if sent is None and request.mimetype in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            sent = request.form.get(config["CSRF_FIELD_NAME"])
        expected = session.get(SESSION_KEY)
        if not sent or not isinstance(expected, str) or not expected:
            raise CSRFError()
        # compare_digest needs bytes for non-ASCII input, and a client may send anything.
        if not hmac.compare_digest(str(sent).encode(), expected.encode()):
            raise CSRFError()
