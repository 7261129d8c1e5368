"""HTTP errors as exceptions, and the error objects clients receive.

Every error Erlen answers on its own account is an :class:`HTTPException`. Raising one anywhere
below a view (or calling :func:`abort`) ends the request with that status. The body is an *error
object*: JSON when the client asked for JSON or sent JSON, a small HTML page otherwise::

    {"error": {"status": 404, "title": "Not Found", "detail": "No route matches /nope."}}

The shape is stable and documented in ``docs/errors.md``; ``detail`` never carries internals
(tracebacks, parser messages) unless the application runs in debug mode.
"""

from __future__ import annotations

import functools
import html
import json
import sys
from collections.abc import Hashable, Iterable, Mapping
from datetime import datetime
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, NoReturn, cast

from .http import http_date

if TYPE_CHECKING:
    from .response import Response

__all__ = [
    "Aborter",
    "HTTPException",
    "BadRequest",
    "Unauthorized",
    "Forbidden",
    "NotFound",
    "MethodNotAllowed",
    "NotAcceptable",
    "RequestTimeout",
    "Conflict",
    "Gone",
    "LengthRequired",
    "PreconditionFailed",
    "RequestEntityTooLarge",
    "URITooLong",
    "UnsupportedMediaType",
    "RangeNotSatisfiable",
    "ExpectationFailed",
    "ImATeapot",
    "MisdirectedRequest",
    "UnprocessableEntity",
    "RequestValidationError",
    "Locked",
    "FailedDependency",
    "PreconditionRequired",
    "TooManyRequests",
    "RequestHeaderFieldsTooLarge",
    "UnavailableForLegalReasons",
    "InternalServerError",
    "NotImplemented",
    "BadGateway",
    "ServiceUnavailable",
    "GatewayTimeout",
    "HTTPVersionNotSupported",
    "RequestRedirect",
    "BuildError",
    "default_exceptions",
    "is_werkzeug_http_error",
    "is_werkzeug_http_error_class",
    "erlen_class_for",
    "handler_lookup_classes",
]


class HTTPException(Exception):
    """An HTTP error answer, raised from anywhere inside request handling.

    ``code`` is the status, ``name`` its reason phrase and ``description`` the human-readable
    detail that goes into the error object. ``headers`` are added to the answer (``Allow`` on a
    405, ``WWW-Authenticate`` on a 401, ...). A ready-made ``response`` replaces the error object
    altogether, as ``abort(make_response(...))`` does in Flask.
    """

    code: int = 500
    name: str = "Internal Server Error"
    description: str = "The server could not complete the request."

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "code" in cls.__dict__ and "name" not in cls.__dict__:
            # A subclass for another status is named after it, as Werkzeug names it.
            try:
                cls.name = HTTPStatus(cls.code).phrase
            except ValueError:
                cls.name = "Unknown Error"

    def __init__(
        self,
        description: str | None = None,
        response: Response | None = None,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    ) -> None:
        # Exception's own __init__, not super(): under erlen.flask_patch a Werkzeug class
        # follows in the method order, and its __init__ takes other arguments.
        Exception.__init__(self, description or self.description)
        if description is not None:
            self.description = description
        self.response = response
        # PERF: no headers (nearly every error) is told before isinstance() asks the ABC.
        self.headers: list[tuple[str, str]] = (
            [] if headers is None
            else list(headers.items() if isinstance(headers, Mapping) else headers)
        )  # fmt: skip

    @property
    def title(self) -> str:
        """The reason phrase, as used in the error object."""
        return self.name

    def to_dict(self) -> dict[str, Any]:
        """The error object, ready to be serialised as JSON."""
        return {"error": {"status": self.code, "title": self.name, "detail": self.description}}

    def get_body(self, as_json: bool) -> tuple[bytes, str]:
        """The error object's bytes and its content type."""
        cls = type(self)
        if self.description is cls.description and cls.to_dict is _BASE_TO_DICT:
            # PERF: an error with its class's own text (a plain 404) has the same body each time.
            # (typeshed's Hashable check trips over type's __hash__; no runtime cast() call)
            return _default_body(cls, as_json)  # type: ignore[arg-type]
        return self._render_body(as_json)

    def _render_body(self, as_json: bool) -> tuple[bytes, str]:
        if as_json:
            body = json.dumps(self.to_dict(), ensure_ascii=False).encode()
            return body, "application/json"
        title = f"{self.code} {html.escape(self.name)}"
        page = (
            "<!doctype html>\n<html lang=en>\n"
            f"<title>{title}</title>\n<h1>{html.escape(self.name)}</h1>\n"
            f"<p>{html.escape(self.description)}</p>\n"
        )
        return page.encode(), "text/html; charset=utf-8"

    def get_response(self, as_json: bool = False) -> Response:
        """The answer this error gives: its own ``response`` if set, else the error object."""
        from .response import Response

        if self.response is not None:
            return self.response
        body, content_type = self.get_body(as_json)
        response = Response(body, self.code, self.headers, content_type=content_type)
        return response

    def __str__(self) -> str:
        return f"{self.code} {self.name}: {self.description}"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} '{self.code}: {self.name}'>"


_BASE_TO_DICT = HTTPException.to_dict


@functools.lru_cache(maxsize=128)
def _default_body(cls: Hashable, as_json: bool) -> tuple[bytes, str]:
    # The body reads only class attributes, so no constructor arguments are needed.
    error_class = cast("type[HTTPException]", cls)
    return error_class.__new__(error_class)._render_body(as_json)


class BadRequest(HTTPException):
    code = 400
    name = "Bad Request"
    description = "The request could not be understood by the server."


class Unauthorized(HTTPException):
    """401. ``www_authenticate`` gives the ``WWW-Authenticate`` challenge: a header value, an
    object with ``to_header()`` (Werkzeug's ``WWWAuthenticate``), or a list of either."""

    code = 401
    name = "Unauthorized"
    description = "The request needs valid credentials."

    def __init__(
        self,
        description: str | None = None,
        response: Response | None = None,
        www_authenticate: Any = None,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(description, response, headers)
        if www_authenticate is not None:
            several = isinstance(www_authenticate, (list, tuple))
            challenges = www_authenticate if several else [www_authenticate]
            for challenge in challenges:
                to_header = getattr(challenge, "to_header", None)
                value = to_header() if to_header is not None else str(challenge)
                self.headers.append(("WWW-Authenticate", value))
        self.www_authenticate = www_authenticate


class Forbidden(HTTPException):
    code = 403
    name = "Forbidden"
    description = "You do not have permission to access this resource."


class NotFound(HTTPException):
    code = 404
    name = "Not Found"
    description = "The requested URL was not found on the server."


class MethodNotAllowed(HTTPException):
    """405, with the ``Allow`` header listing the methods the URL does accept."""

    code = 405
    name = "Method Not Allowed"
    description = "The method is not allowed for the requested URL."

    def __init__(
        self,
        valid_methods: Iterable[str] | None = None,
        description: str | None = None,
        response: Response | None = None,
    ) -> None:
        self.valid_methods = sorted(valid_methods or ())
        headers = [("Allow", ", ".join(self.valid_methods))] if self.valid_methods else None
        super().__init__(description, response, headers)


class NotAcceptable(HTTPException):
    code = 406
    name = "Not Acceptable"
    description = "No representation of the resource matches the Accept headers sent."


class RequestTimeout(HTTPException):
    code = 408
    name = "Request Timeout"
    description = "The server closed the connection while waiting for the request."


class Conflict(HTTPException):
    code = 409
    name = "Conflict"
    description = "The request conflicts with the current state of the resource."


class Gone(HTTPException):
    code = 410
    name = "Gone"
    description = "The requested resource is no longer available."


class LengthRequired(HTTPException):
    code = 411
    name = "Length Required"
    description = "The request needs a Content-Length header."


class PreconditionFailed(HTTPException):
    code = 412
    name = "Precondition Failed"
    description = "A precondition of the request did not hold."


class RequestEntityTooLarge(HTTPException):
    code = 413
    name = "Request Entity Too Large"
    description = "The request body is larger than this server accepts."


class URITooLong(HTTPException):
    code = 414
    name = "Request URI Too Long"
    description = "The request URL is longer than this server accepts."


class UnsupportedMediaType(HTTPException):
    code = 415
    name = "Unsupported Media Type"
    description = "The request body's content type is not supported here."


class RangeNotSatisfiable(HTTPException):
    """416, with ``Content-Range: bytes */length`` when the length is known."""

    code = 416
    name = "Requested Range Not Satisfiable"
    description = "The requested range cannot be served."

    def __init__(self, length: int | None = None, description: str | None = None) -> None:
        self.length = length
        headers = [("Content-Range", f"bytes */{length}")] if length is not None else None
        super().__init__(description, headers=headers)


class ExpectationFailed(HTTPException):
    code = 417
    name = "Expectation Failed"
    description = "The server cannot meet the Expect header's requirement."


class ImATeapot(HTTPException):
    code = 418
    name = "I'm a teapot"
    description = "This server is a teapot, not a coffee machine."


class MisdirectedRequest(HTTPException):
    code = 421
    name = "Misdirected Request"
    description = "The request was sent to a server that cannot answer for this host."


class UnprocessableEntity(HTTPException):
    """422: the request was well-formed but its content is invalid.

    ``errors`` (a list of ``{"field": ..., "message": ...}`` objects) is added to the error object,
    so that a client can show every bad field at once.
    """

    code = 422
    name = "Unprocessable Entity"
    description = "The request was well-formed but its content is invalid."

    def __init__(
        self,
        description: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        response: Response | None = None,
    ) -> None:
        super().__init__(description, response)
        self.errors = errors or []

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        if self.errors:
            data["error"]["errors"] = self.errors
        return data


class RequestValidationError(UnprocessableEntity):
    """422 from a typed view: the request's values do not match the view's annotations.

    ``errors`` lists every failing value at once, each as ``{"loc": ["query", "page"], "msg":
    ..., "type": ..., "input": ...}`` where ``loc`` starts with where the value came from
    (``path``, ``query``, ``header``, ``cookie``, ``body``, ``form``, ``file``). The error object
    is JSON whatever the client accepts: it is meant for programs.
    """

    description = "The request's values are invalid: 'errors' lists each one."

    def get_body(self, as_json: bool) -> tuple[bytes, str]:
        return self._render_body(True)


class Locked(HTTPException):
    code = 423
    name = "Locked"
    description = "The resource is locked."


class FailedDependency(HTTPException):
    code = 424
    name = "Failed Dependency"
    description = "The request depended on another request, which failed."


class PreconditionRequired(HTTPException):
    code = 428
    name = "Precondition Required"
    description = "This request must be conditional."


class _RetryAfter(HTTPException):
    """An error that may tell the client when to try again: ``retry_after`` (seconds, or a
    datetime) becomes the ``Retry-After`` header, as in Werkzeug."""

    def __init__(
        self,
        description: str | None = None,
        response: Response | None = None,
        retry_after: int | datetime | None = None,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(description, response, headers)
        self.retry_after = retry_after
        if retry_after is not None:
            if isinstance(retry_after, datetime):
                value = http_date(retry_after)
            else:
                value = str(int(retry_after))
            self.headers.append(("Retry-After", value))


class TooManyRequests(_RetryAfter):
    code = 429
    name = "Too Many Requests"
    description = "Too many requests were sent; slow down and try again later."


class RequestHeaderFieldsTooLarge(HTTPException):
    code = 431
    name = "Request Header Fields Too Large"
    description = "One or more header fields are larger than this server accepts."


class UnavailableForLegalReasons(HTTPException):
    code = 451
    name = "Unavailable For Legal Reasons"
    description = "The resource cannot be served, for legal reasons."


class InternalServerError(HTTPException):
    """500. ``original_exception`` holds the unhandled error, for handlers that log it."""

    code = 500
    name = "Internal Server Error"
    description = (
        "The server met an internal error and could not complete the request. "
        "The error has been logged."
    )

    def __init__(
        self,
        description: str | None = None,
        response: Response | None = None,
        original_exception: BaseException | None = None,
    ) -> None:
        super().__init__(description, response)
        self.original_exception = original_exception


class NotImplemented(HTTPException):
    code = 501
    name = "Not Implemented"
    description = "The server does not support the method requested."


class BadGateway(HTTPException):
    code = 502
    name = "Bad Gateway"
    description = "An upstream server sent an invalid answer."


class ServiceUnavailable(_RetryAfter):
    code = 503
    name = "Service Unavailable"
    description = "The server is temporarily unable to serve the request."


class GatewayTimeout(HTTPException):
    code = 504
    name = "Gateway Timeout"
    description = "An upstream server did not answer in time."


class HTTPVersionNotSupported(HTTPException):
    code = 505
    name = "HTTP Version Not Supported"
    description = "The server does not support the HTTP version of the request."


class RequestRedirect(HTTPException):
    """308 to the canonical URL of a route (the trailing-slash redirect).

    Raised by the router; 308 keeps the method and body, so a POST to ``/items`` reaches
    ``/items/`` intact.
    """

    code = 308
    name = "Permanent Redirect"
    description = "The resource lives at the canonical URL given in the Location header."

    def __init__(self, new_url: str) -> None:
        super().__init__(headers=[("Location", new_url)])
        self.new_url = new_url

    def get_response(self, as_json: bool = False) -> Response:
        from .response import Response, redirect_response

        return redirect_response(self.new_url, self.code, Response)


class _URLError(LookupError):
    # A base of Erlen's own, not LookupError itself: erlen.flask_patch slots Werkzeug's
    # BuildError in beside it, and an exception's bases can only be swapped between classes of
    # the same layout.
    pass


class BuildError(_URLError):
    """``url_for`` could not build a URL: unknown endpoint, or a value the rule needs is missing."""

    def __init__(self, endpoint: str, values: Mapping[str, Any], reason: str) -> None:
        self.endpoint = endpoint
        self.values = dict(values)
        self.reason = reason
        LookupError.__init__(self, f"Could not build URL for endpoint {endpoint!r}: {reason}")

    def __str__(self) -> str:
        return str(self.args[0])


default_exceptions: dict[int, type[HTTPException]] = {
    cls.code: cls
    for cls in (
        BadRequest, Unauthorized, Forbidden, NotFound, MethodNotAllowed, NotAcceptable,
        RequestTimeout, Conflict, Gone, LengthRequired, PreconditionFailed,
        RequestEntityTooLarge, URITooLong, UnsupportedMediaType, RangeNotSatisfiable,
        ExpectationFailed, ImATeapot, MisdirectedRequest, UnprocessableEntity, Locked,
        FailedDependency, PreconditionRequired, TooManyRequests, RequestHeaderFieldsTooLarge,
        UnavailableForLegalReasons, InternalServerError, NotImplemented, BadGateway,
        ServiceUnavailable, GatewayTimeout, HTTPVersionNotSupported,
    )
}  # fmt: skip


class Aborter:
    """Raises the HTTP error for a status code: what :func:`abort` calls (``app.aborter``).

    ``mapping`` is the code-to-class table (:data:`default_exceptions` unless given); an app
    adds its own codes with ``app.aborter.mapping[code] = cls``, or replaces the whole object
    through ``aborter_class``, as in Flask.
    """

    def __init__(
        self,
        mapping: Mapping[int, type[Exception]] | None = None,
        extra: Mapping[int, type[Exception]] | None = None,
    ) -> None:
        self.mapping: dict[int, type[Exception]] = dict(
            default_exceptions if mapping is None else mapping
        )
        if extra is not None:
            self.mapping.update(extra)

    def __call__(self, status: int | Response, *args: Any, **kwargs: Any) -> NoReturn:
        if not isinstance(status, int):
            if not hasattr(status, "status_code"):  # a Response (Erlen's or Werkzeug's)
                raise TypeError(
                    f"abort() takes a status code or a Response, not {type(status).__name__}."
                )
            raise HTTPException(response=status)
        cls = self.mapping.get(status)
        if cls is None:
            raise LookupError(
                f"no exception for status {status}; use one of {sorted(self.mapping)}"
            )
        raise cls(*args, **kwargs)


# -- Werkzeug's HTTP errors ----------------------------------------------------------------------
# Flask code raises ``werkzeug.exceptions`` classes (``raise NotFound()``, an extension's
# ``CSRFError(BadRequest)``) and registers handlers for them. Erlen answers those as the HTTP
# errors they are, and matches them to handlers as if they were its own class of the same status.
# Werkzeug is never imported here: if no code imported it, no such error can exist.


def _werkzeug_base() -> type[Exception] | None:
    module = sys.modules.get("werkzeug.exceptions")
    return getattr(module, "HTTPException", None) if module is not None else None


def is_werkzeug_http_error(value: object) -> bool:
    """Whether ``value`` is a ``werkzeug.exceptions.HTTPException`` (with a status code)."""
    return (
        isinstance(value, BaseException)
        and is_werkzeug_http_error_class(type(value))
        and isinstance(getattr(value, "code", None), int)
    )


def is_werkzeug_http_error_class(exc_class: type[BaseException]) -> bool:
    base = _werkzeug_base()
    return base is not None and issubclass(exc_class, base)


def erlen_class_for(exc_class: type[BaseException]) -> type[BaseException]:
    """Erlen's own class for one of Werkzeug's built-in HTTP error classes, else ``exc_class``.

    A handler registered for ``werkzeug.exceptions.NotFound`` then also handles Erlen's 404s.
    """
    base = _werkzeug_base()
    if base is None or exc_class.__module__ != "werkzeug.exceptions":
        return exc_class
    if exc_class is base:
        return HTTPException
    code = getattr(exc_class, "code", None)
    if isinstance(code, int) and issubclass(exc_class, base):
        return default_exceptions.get(code, exc_class)
    return exc_class


def handler_lookup_classes(exc: BaseException) -> tuple[type[BaseException], ...]:
    """The classes whose handlers may answer ``exc``, most specific first.

    Its own class hierarchy; for a Werkzeug HTTP error, then Erlen's class of the same status.
    """
    mro = type(exc).__mro__
    if isinstance(exc, HTTPException) or not is_werkzeug_http_error(exc):
        return mro
    own = default_exceptions.get(exc.code)  # type: ignore[attr-defined]
    return (*mro, *(own.__mro__ if own is not None else HTTPException.__mro__))
