"""The requests a test sends: :class:`EnvironBuilder` turns ``client.get("/path", json=...,
query_string=..., headers=...)`` into a PEP 3333 environ (Flask's ``flask.testing.EnvironBuilder``
contract), with urlencoded and multipart bodies built from ``data``.

``build_environ`` and ``build_request`` are its shortcuts, for ``app.test_request_context()``
and for tests that want a :class:`~erlen.core.request.Request` without a client.
"""

from __future__ import annotations

import base64
import copy
import io
import json as _json
import mimetypes
import os
from collections.abc import Iterable, Mapping
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import quote, unquote_to_bytes, urlencode, urlsplit

from ..core import http
from ..core.datastructures import FileStorage, Headers
from .wsgi import wsgi_request

if TYPE_CHECKING:
    from ..core.request import Request
    from .erlen import Erlen

__all__ = ["EnvironBuilder", "build_environ", "build_request"]

#: Characters left as they are when a test path is put into ``REQUEST_URI``.
_URI_SAFE = "/%:@!$&'()*+,;=~"


# -- request bodies ------------------------------------------------------------------------------


def _is_file(value: Any) -> bool:
    """True for what a form sends as an upload: a file object, a ``FileStorage`` or a tuple."""
    return isinstance(value, (tuple, FileStorage)) or hasattr(value, "read")


def _pairs(data: Any) -> list[tuple[str, Any]]:
    """The ``(name, value)`` pairs of form data: a mapping (list values repeat the name), a
    multi-dict (``items(multi=True)``) or an iterable of pairs."""
    items: Iterable[tuple[str, Any]]
    if hasattr(data, "items") and not isinstance(data, Mapping):
        try:
            items = data.items(multi=True)  # Erlen's and Werkzeug's MultiDict
        except TypeError:
            items = data.items()
    else:
        items = data.items() if isinstance(data, Mapping) else data
    pairs: list[tuple[str, Any]] = []
    for key, value in items:
        if isinstance(value, list):
            pairs.extend((key, item) for item in value)
        else:
            pairs.append((key, value))
    return pairs


def _upload(value: Any) -> tuple[bytes, str, str | None]:
    """The payload, file name and content type of one upload in a multipart body."""
    content_type: str | None = None
    if isinstance(value, FileStorage):
        file: Any = value.stream
        filename = value.filename or value.name or "file"
        content_type = value.content_type
    elif isinstance(value, tuple):
        file, filename, *rest = value
        content_type = rest[0] if rest else None
    else:
        file = value
        filename = os.path.basename(getattr(value, "name", "file") or "file")
    payload = file.read() if hasattr(file, "read") else file
    if isinstance(payload, str):
        payload = payload.encode()
    return bytes(payload), str(filename), content_type


def _encode_multipart(fields: Iterable[tuple[str, Any]], boundary: str) -> bytes:
    out = io.BytesIO()
    for name, value in fields:
        out.write(f"--{boundary}\r\n".encode())
        disposition = f'form-data; name="{name}"'
        content_type: str | None = None
        if _is_file(value):
            payload, filename, content_type = _upload(value)
            disposition += f'; filename="{filename}"'
            content_type = (
                content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
            )
        else:
            payload = str(value).encode()
        out.write(f"Content-Disposition: {disposition}\r\n".encode())
        if content_type:
            out.write(f"Content-Type: {content_type}\r\n".encode())
        out.write(b"\r\n" + payload + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue()


def _raw_headers(headers: Any) -> Headers:
    """Request headers as given, unchecked: a test may send what a broken or hostile client
    would (a CR LF in a value), to see that the app refuses it."""
    if headers is None:
        return Headers()
    if isinstance(headers, Headers):
        return headers.copy()
    pairs: list[tuple[str, str]] = []
    for name, value in headers.items() if isinstance(headers, Mapping) else headers:
        values = value if isinstance(value, (list, tuple)) else [value]
        pairs.extend((str(name), str(item)) for item in values)
    return Headers._from_checked(pairs)


def _query_text(query_string: Any) -> str:
    """``QUERY_STRING`` for a str, bytes, mapping or multi-dict query; non-ASCII is encoded."""
    if query_string is None:
        return ""
    if isinstance(query_string, bytes):
        return query_string.decode("latin-1")
    if not isinstance(query_string, str):
        # A None value is left out, as Werkzeug's builder leaves it out: {"page": None} is no page.
        pairs = [(key, value) for key, value in _pairs(query_string) if value is not None]
        return urlencode(pairs, doseq=True)
    if query_string.isascii():
        return query_string
    return "".join(char if char.isascii() else quote(char) for char in query_string)


# -- EnvironBuilder ------------------------------------------------------------------------------


class EnvironBuilder:
    """One test request, described by its parts; :meth:`get_environ` turns it into a WSGI environ.

    The arguments are Flask's: ``path`` (a full URL sets the scheme and host too), ``base_url``
    (scheme, host and script root, such as ``"https://example.com/app"``), or instead of it
    ``subdomain`` and ``url_scheme``; ``query_string`` (str, bytes or a mapping), ``method``,
    ``headers``, and a body given as ``data`` (bytes, str, or a form mapping whose file values
    make it multipart), ``json`` (dumped with the app's JSON provider) or ``input_stream``.
    ``environ_base`` holds keys the built ones override, ``environ_overrides`` keys that override
    them. Without ``base_url`` the app's ``SERVER_NAME``, ``APPLICATION_ROOT`` and
    ``PREFERRED_URL_SCHEME`` settings give the defaults, so URLs match what ``url_for`` builds.

    Raises ``TypeError`` for two bodies at once (``data`` with ``json`` or ``input_stream``) and
    ``ValueError`` for ``base_url`` with ``subdomain`` or ``url_scheme``.
    """

    server_protocol = "HTTP/1.1"
    wsgi_version = (1, 0)

    def __init__(
        self,
        app: Erlen | None = None,
        path: str = "/",
        base_url: str | None = None,
        subdomain: str | None = None,
        url_scheme: str | None = None,
        query_string: str | bytes | Mapping[str, Any] | None = None,
        method: str = "GET",
        input_stream: IO[bytes] | None = None,
        content_type: str | None = None,
        content_length: int | None = None,
        errors_stream: IO[str] | None = None,
        multithread: bool = False,
        multiprocess: bool = False,
        run_once: bool = False,
        headers: Any = None,
        data: Any = None,
        environ_base: Mapping[str, Any] | None = None,
        environ_overrides: Mapping[str, Any] | None = None,
        mimetype: str | None = None,
        json: Any = None,
        auth: tuple[str, str] | None = None,
    ) -> None:
        self.app = app
        url = urlsplit(path)
        if base_url is None:
            config: Mapping[str, Any] = app.config if app is not None else {}
            host = config.get("SERVER_NAME") or "localhost"
            if subdomain:
                host = f"{subdomain}.{host}"
            scheme = url.scheme or url_scheme or config.get("PREFERRED_URL_SCHEME") or "http"
            root = str(config.get("APPLICATION_ROOT") or "/").lstrip("/")
            base_url = f"{scheme}://{url.netloc or host}/{root}"
        elif subdomain or url_scheme:
            raise ValueError(
                "Give either 'base_url' or 'subdomain' / 'url_scheme', not both: base_url already "
                "names the scheme and host."
            )
        self.base_url = base_url
        self.path = url.path or "/"
        if url.query and query_string is not None:
            # As Werkzeug's: one of the two would be dropped without a word.
            raise ValueError("Query string is defined in the path and as an argument")
        self.query_string = _query_text(url.query if query_string is None else query_string)
        self.method = method.upper()
        self.headers = _raw_headers(headers)
        if auth is not None:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
            self.headers["Authorization"] = f"Basic {token}"
        if content_type is None and mimetype is not None:
            content_type = mimetype
        if content_type is not None:
            self.content_type = content_type
        self.content_length = content_length
        self.errors_stream = errors_stream
        self.multithread, self.multiprocess, self.run_once = multithread, multiprocess, run_once
        self.environ_base = dict(environ_base) if environ_base is not None else None
        self.environ_overrides = dict(environ_overrides) if environ_overrides is not None else None
        self.closed = False
        #: The files given in ``data``, closed by :meth:`close` (as Werkzeug's builder does).
        self._files: list[Any] = []
        self._body: bytes | None = None
        self._input_stream = input_stream
        if json is not None:
            if data is not None:
                raise TypeError("Give the request body as 'data' or as 'json', not both.")
            data = self.json_dumps(json)
            if self.content_type is None:
                self.content_type = "application/json"
        if data is not None:
            if input_stream is not None:
                raise TypeError("Give the request body as 'data' or 'input_stream', not both.")
            self._set_data(data)

    def _set_data(self, data: Any) -> None:
        if hasattr(data, "read"):
            data = data.read()
        if isinstance(data, str):
            body = data.encode()
        elif isinstance(data, (bytes, bytearray)):
            body = bytes(data)
        else:
            pairs = _pairs(data)
            self._files = [value for _, value in pairs if _is_file(value)]
            if self._files or (self.mimetype or "") == "multipart/form-data":
                boundary = "erlen-test-boundary-7MA4YWxkTrZu0gW"
                body = _encode_multipart(pairs, boundary)
                self.content_type = f"multipart/form-data; boundary={boundary}"
            else:
                body = urlencode(pairs).encode()
                if self.content_type is None:
                    self.content_type = "application/x-www-form-urlencoded"
        self._body = body
        self._input_stream = io.BytesIO(body)

    @classmethod
    def from_environ(cls, environ: Mapping[str, Any], **kwargs: Any) -> EnvironBuilder:
        """A builder that describes the request ``environ`` does; ``kwargs`` replace parts."""
        headers = Headers()
        for key, value in environ.items():
            if key.startswith("HTTP_") and key != "HTTP_HOST":
                headers.add(key[5:].replace("_", "-").title(), str(value))
        scheme = environ.get("wsgi.url_scheme", "http")
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "localhost")
        root = quote(str(environ.get("SCRIPT_NAME", "")).encode("latin-1"), safe=_URI_SAFE)
        path = quote(str(environ.get("PATH_INFO") or "/").encode("latin-1"), safe=_URI_SAFE)
        length = environ.get("CONTENT_LENGTH")
        parts: dict[str, Any] = {
            "path": path,
            "base_url": f"{scheme}://{host}{root}/",
            "query_string": environ.get("QUERY_STRING", ""),
            "method": environ.get("REQUEST_METHOD", "GET"),
            "input_stream": environ.get("wsgi.input"),
            "content_type": environ.get("CONTENT_TYPE") or None,
            "content_length": int(length) if length and str(length).isdigit() else None,
            "errors_stream": environ.get("wsgi.errors"),
            "multithread": environ.get("wsgi.multithread", False),
            "multiprocess": environ.get("wsgi.multiprocess", False),
            "run_once": environ.get("wsgi.run_once", False),
            "headers": headers,
        }
        parts.update(kwargs)
        return cls(**parts)

    # -- parts -------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """Scheme, host and script root: ``http://localhost/`` by default."""
        return f"{self.url_scheme}://{self.host}{self.script_root}/"

    @base_url.setter
    def base_url(self, value: str) -> None:
        url = urlsplit(value)
        if url.query or url.fragment:
            raise ValueError(f"base_url {value!r} may not have a query string or fragment.")
        self.url_scheme = url.scheme or "http"
        self.host = url.netloc or "localhost"
        self.script_root = url.path.rstrip("/")

    @property
    def server_name(self) -> str:
        return self.host.partition(":")[0]

    @property
    def server_port(self) -> int:
        port = self.host.partition(":")[2]
        if port.isdigit():
            return int(port)
        return 443 if self.url_scheme in ("https", "wss") else 80

    @property
    def content_type(self) -> str | None:
        return self.headers.get("Content-Type")

    @content_type.setter
    def content_type(self, value: str | None) -> None:
        if value is None:
            self.headers.pop("Content-Type", None)
        else:
            self.headers["Content-Type"] = value

    @property
    def mimetype(self) -> str | None:
        value = self.content_type
        return http.parse_options_header(value)[0] if value else None

    @property
    def input_stream(self) -> IO[bytes] | None:
        """The body as a stream; assigning one (or None) replaces the body given as data."""
        return self._input_stream

    @input_stream.setter
    def input_stream(self, value: IO[bytes] | None) -> None:
        self._input_stream, self._body = value, None

    def json_dumps(self, obj: Any, **kwargs: Any) -> str:
        """Serialise ``json=`` with the app's JSON provider, so its settings apply as in a view."""
        if self.app is not None:
            return self.app.json.dumps(obj, **kwargs)
        return _json.dumps(obj, **kwargs)

    # -- building ----------------------------------------------------------------------------

    def get_environ(self) -> dict[str, Any]:
        """A new PEP 3333 environ for the request; each call gets a fresh body stream."""
        if self._body is not None:
            stream: IO[bytes] = io.BytesIO(self._body)
            length: int | None = len(self._body)
        else:
            stream = self._input_stream or io.BytesIO()
            length = self.content_length
        query = self.query_string
        request_uri = quote(self.path, safe=_URI_SAFE) + (f"?{query}" if query else "")
        environ: dict[str, Any] = {"REMOTE_ADDR": "127.0.0.1"}
        if self.environ_base:
            environ.update(self.environ_base)
        environ.update({
            "REQUEST_METHOD": self.method,
            "SCRIPT_NAME": unquote_to_bytes(self.script_root).decode("latin-1"),
            "PATH_INFO": unquote_to_bytes(self.path).decode("latin-1"),
            "QUERY_STRING": query,
            "REQUEST_URI": request_uri,
            "RAW_URI": request_uri,
            "SERVER_NAME": self.server_name,
            "SERVER_PORT": str(self.server_port),
            "SERVER_PROTOCOL": self.server_protocol,
            "HTTP_HOST": self.host,
            "wsgi.version": self.wsgi_version,
            "wsgi.url_scheme": self.url_scheme,
            "wsgi.input": stream,
            "wsgi.errors": self.errors_stream or io.StringIO(),
            "wsgi.multithread": self.multithread,
            "wsgi.multiprocess": self.multiprocess,
            "wsgi.run_once": self.run_once,
        })  # fmt: skip
        if length is not None and (length or self.method in ("POST", "PUT", "PATCH")):
            environ["CONTENT_LENGTH"] = str(length)
        seen: set[str] = set()
        for name, value in self.headers:
            key = name.upper().replace("-", "_")
            if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                key = f"HTTP_{key}"
            if key in seen:
                # One environ key per header, as a server joins a repeated one.
                separator = "; " if key == "HTTP_COOKIE" else ", "
                environ[key] = f"{environ[key]}{separator}{value}"
            else:
                environ[key] = value
                seen.add(key)
        if self.environ_overrides:
            environ.update(self.environ_overrides)
        return environ

    def get_request(self) -> Request:
        """The app's request object for this request (``app.request_class``)."""
        if self.app is None:
            raise TypeError(
                "get_request() needs an app: create the builder with EnvironBuilder(app)."
            )
        request: Request = wsgi_request(self.app, self.get_environ())
        return request

    def copy(self) -> EnvironBuilder:
        """A builder for the same request whose headers can change without touching these."""
        other = copy.copy(self)
        other.headers = self.headers.copy()
        return other

    def close(self) -> None:
        """Close the files given in ``data`` and the body stream; calling it twice is harmless."""
        if self.closed:
            return
        for file in self._files:
            close = getattr(file[0] if isinstance(file, tuple) else file, "close", None)
            if close is not None:
                close()
        if self._body is not None and self._input_stream is not None:
            self._input_stream.close()
        self.closed = True


def build_environ(
    path: str = "/",
    base_url: str | None = None,
    query_string: str | bytes | Mapping[str, Any] | None = None,
    method: str = "GET",
    **kwargs: Any,
) -> dict[str, Any]:
    """A PEP 3333 environ for a request to no app in particular, as a real server builds it.

    The arguments are :class:`EnvironBuilder`'s; ``localhost`` over ``http`` by default.
    """
    builder = EnvironBuilder(
        None, path, base_url, query_string=query_string, method=method, **kwargs
    )
    return builder.get_environ()


def build_request(app: Erlen, *args: Any, **kwargs: Any) -> Request:
    """A :class:`Request` for ``app``; the arguments are :class:`EnvironBuilder`'s after ``app``.

    ``app.test_request_context()`` is built on it.
    """
    builder = EnvironBuilder(app, *args, **kwargs)
    try:
        return builder.get_request()
    finally:
        builder.close()
