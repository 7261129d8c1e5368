"""Errors that explain a mistake in debug mode rather than just failing.

Flask raises these while ``app.debug`` is on, to point at the cause of a confusing symptom;
Erlen keeps the same names so code that catches them, and Flask's extensions, carry over.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..core.request import Request

__all__ = ["DebugFilesKeyError", "FormDataRoutingRedirect", "UnexpectedUnicodeError"]


class UnexpectedUnicodeError(AssertionError, UnicodeError):
    """Text turned up where the framework expected bytes."""


class DebugFilesKeyError(KeyError, AssertionError):
    """``request.files[key]`` is missing because the form was not sent as multipart."""

    def __init__(self, request: Request, key: str) -> None:
        message = (
            f"request.files has no {key!r}: the request was sent as {request.mimetype!r}, not"
            " as 'multipart/form-data', so no file contents came with it. Give the HTML form"
            ' enctype="multipart/form-data".'
        )
        sent = request.form.getlist(key)
        if sent:
            names = ", ".join(repr(value) for value in sent)
            message += f" The browser sent only the file names: {names}."
        super().__init__(key)
        self.msg = message

    def __str__(self) -> str:
        return self.msg


class FormDataRoutingRedirect(AssertionError):
    """A form was posted to a URL that routing redirects (a missing trailing slash).

    The browser would repeat the request as GET and lose the form, so debug mode fails loudly.
    """

    def __init__(self, request: Request) -> None:
        target = getattr(request.routing_exception, "new_url", None)
        message = (
            f"{request.method} {request.url!r} was answered with a routing redirect to"
            f" {target!r}; a browser would follow it without the form data."
        )
        if target is not None and target.partition("?")[0] == f"{request.base_url}/":
            message += " The route is defined with a trailing slash: send the form there."
        message += " (This check only runs in debug mode.)"
        super().__init__(message)
