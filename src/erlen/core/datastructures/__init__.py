"""The containers a request and a response are made of: multi-valued dicts, headers, uploads.

* :class:`MultiDict` / :class:`ImmutableMultiDict` hold query strings, form fields, cookies and
  uploaded files, where one key may carry several values (``?tag=a&tag=b``).
* :class:`Headers` is the mutable, ordered, case-insensitive header list of a response (and of a
  request built by hand); :class:`EnvironHeaders` is a read-only view of a WSGI environ's headers.
* :class:`HeaderSet` is a comma-separated header (``Vary``, ``Allow``) as an ordered set.
* :class:`FileStorage` is one uploaded file.

Looking up a missing key raises :class:`BadRequestKeyError`, which is both a ``KeyError`` and a
:class:`~erlen.errors.BadRequest`: a view that does ``request.args["page"]`` on a request without
``page`` answers 400, as in Flask, instead of failing with a 500.
"""

from .files import FileStorage
from .header_values import CacheControl, HeaderSet
from .headers import EnvironHeaders, Headers, InvalidHeader
from .multidict import BadRequestKeyError, ImmutableMultiDict, MultiDict

__all__ = [
    "BadRequestKeyError",
    "MultiDict",
    "ImmutableMultiDict",
    "Headers",
    "EnvironHeaders",
    "InvalidHeader",
    "HeaderSet",
    "CacheControl",
    "FileStorage",
]
