"""What a view calls to answer early or build a response itself: ``abort``, ``redirect``,
``make_response``.

They are the app-aware forms of the core's pieces (:class:`~erlen.core.errors.Aborter`,
:func:`~erlen.core.response.redirect_response`, :class:`~erlen.core.response.Response`): inside
an app's context the current app decides (its ``aborter``, its ``redirect``, its
``make_response``), as in Flask's ``flask.helpers``.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, NoReturn

from ..core.errors import Aborter
from ..core.response import Response, redirect_response
from .context import _lookup_context, get_context

if TYPE_CHECKING:
    from ..core.request import Request

__all__ = ["abort", "make_response", "redirect"]

_default_aborter = Aborter()


def abort(status: int | Response, *args: Any, **kwargs: Any) -> NoReturn:
    """Stop handling the request with an HTTP error.

    ``abort(404)`` raises :class:`~erlen.errors.NotFound`; ``abort(403, "Admins only.")`` sets
    the detail; ``abort(response)`` answers with that response as it is. An unknown status code
    raises ``LookupError``, since it is a programming error rather than a client's. Inside an
    app context the app's :attr:`~erlen.Erlen.aborter` decides, so codes it adds work too.
    """
    ctx = get_context()
    aborter = ctx.app.aborter if ctx is not None else _default_aborter
    aborter(status, *args, **kwargs)


#: The class itself, for :func:`redirect`, whose ``Response`` argument hides its name.
_BaseResponse = Response


def redirect(location: str, code: int = 302, Response: type[Response] | None = None) -> Response:  # noqa: N803
    """A response that sends the client to ``location`` (302 unless ``code`` says otherwise).

    In an app's context the app's :meth:`~erlen.Erlen.redirect` builds it, as in Flask.

    APPSEC: the location is percent-encoded, CR, LF and NUL included (``%0D%0A``), as in
    Flask, so user input in a redirect target can never add headers, nor turn into a 500.
    """
    ctx = get_context()
    if ctx is not None:
        return ctx.app.redirect(location, code)
    return redirect_response(location, code, Response or _BaseResponse)


def make_response(*args: Any) -> Response:
    """Turn view-style return values into a :class:`Response`, to add headers or cookies.

    ``make_response()`` gives an empty response, ``make_response(body)`` and
    ``make_response(body, status, headers)`` work as a view's return value would.
    """
    app = _lookup_context("make_response").app  # PERF: the context itself, not the proxy
    if not args:
        return app.response_class()
    return app.make_response(args[0] if len(args) == 1 else args)


def response_from_wsgi(
    wsgi_app: Callable[..., Iterable[bytes]], request: Request | None, cls: type[Response]
) -> Response:
    """The answer of a WSGI application a view returned (a Werkzeug ``Response`` or error
    instance), as an instance of ``cls``: Flask's ``make_response`` runs such an application
    for the current request the same way. Its body streams; the application's ``close`` runs
    when the response is closed."""
    started: list[Any] = []
    written: list[bytes] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started[:] = [status, headers]
        return written.append

    chunks = iter(wsgi_app(_wsgi_environ(request), start_response))
    # An application may start the response only as it gives its first chunk.
    first = [] if started else list(itertools.islice(chunks, 1))
    if not started:
        raise TypeError(f"The WSGI application {wsgi_app!r} returned without starting a response.")
    status, headers = started
    body = _chained(written + first, chunks)
    response = cls(body, status, headers)
    close = getattr(chunks, "close", None)
    if close is not None:
        response.call_on_close(close)
    return response


def _chained(head: list[bytes], rest: Iterator[bytes]) -> Iterator[bytes]:
    yield from head
    yield from rest


def _wsgi_environ(request: Request | None) -> dict[str, Any]:
    """The request's WSGI environ, or (over ASGI) one made from its parts."""
    if request is None:
        return {"REQUEST_METHOD": "GET", "wsgi.input": io.BytesIO(), "wsgi.url_scheme": "http"}
    environ = request.environ
    if isinstance(environ, dict) and "wsgi.version" in environ:
        return environ
    server = request.server or ("localhost", None)
    return {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": request.root_path,
        "PATH_INFO": request.path,
        "QUERY_STRING": request.query_string.decode("latin-1"),
        "SERVER_NAME": server[0],
        "SERVER_PORT": str(server[1] or (443 if request.scheme == "https" else 80)),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": request.host,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": request.scheme,
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
