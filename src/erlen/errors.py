"""``erlen.errors``, the public path of :mod:`erlen.core.errors`.

HTTP errors as exceptions, ``abort``, and the error objects clients receive.
Import from here: the module behind it is where the layers put it, and may move.
"""

from .app.responses import abort
from .core.errors import *

__all__ = [
    "Aborter",
    "abort",
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
    "UnprocessableEntity",
    "RequestValidationError",
    "Locked",
    "PreconditionRequired",
    "TooManyRequests",
    "RequestHeaderFieldsTooLarge",
    "InternalServerError",
    "NotImplemented",
    "BadGateway",
    "ServiceUnavailable",
    "GatewayTimeout",
    "RequestRedirect",
    "BuildError",
    "default_exceptions",
    "is_werkzeug_http_error",
    "is_werkzeug_http_error_class",
    "erlen_class_for",
    "handler_lookup_classes",
]
