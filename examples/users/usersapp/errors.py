"""Error pages in the site's style for browsers, Erlen's JSON error objects for the API.

One handler serves every HTTP error: ``/api/...`` (and clients that prefer JSON) get the error
object, with the ``errors`` list of a 422; browsers get ``error.html`` with the same status and
headers (``Allow`` on a 405 stays). A 500 page is rendered without touching the database, which
may be what failed.

When the database cannot be reached (stopped, restarting, the network to it down), requests
answer 503 with ``Retry-After`` instead of a 500: the app itself is fine and the next request
may succeed. The pool's pre-ping (``extensions.py``) reconnects once the database is back.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from erlen import Erlen, Response, current_app, render_template, request
from erlen.errors import HTTPException, InternalServerError, ServiceUnavailable
from erlen.ext.csrf import CSRFError

#: Seconds a client is asked to wait before retrying while the database is unreachable.
DATABASE_RETRY_AFTER = 5


class DatabaseUnavailable(ServiceUnavailable):
    description = "The database is not answering right now. Please try again in a few seconds."


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.prefers_json


def render_error(error: HTTPException, title: str | None = None) -> Response:
    """The error's own response (status, headers), with the page as its body for browsers."""
    response = error.get_response(as_json=wants_json())
    if wants_json():
        return response
    minimal = error.code >= 500
    try:
        page = render_template(
            "error.html", error=error, title=title or error.name, minimal=minimal
        )
    except Exception:
        return response  # the plain error object; the original error is logged already
    response.set_data(page)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    return response


def handle_http_error(error: HTTPException) -> Response:
    return render_error(error)


def handle_csrf_error(error: CSRFError) -> Response:
    return render_error(error, title="This form has expired")


def handle_server_error(error: InternalServerError) -> Response:
    return render_error(error, title="Something went wrong")


def handle_database_error(error: DBAPIError) -> Response:
    """503 when the database is unreachable; any other database error stays a 500."""
    if not (isinstance(error, (OperationalError, InterfaceError)) or error.connection_invalidated):
        raise error  # a bug (a constraint, bad SQL): logged with its traceback, answered 500
    # One line, not a traceback: the app is not at fault, and a down database would flood the log.
    current_app.logger.warning("The database is unavailable: %s", str(error.orig).strip())
    unavailable = DatabaseUnavailable(headers={"Retry-After": str(DATABASE_RETRY_AFTER)})
    return render_error(unavailable, title="The database is unavailable")


def register_error_handlers(app: Erlen) -> None:
    app.register_error_handler(DBAPIError, handle_database_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_server_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
