"""Files as responses: :func:`send_file` and :func:`send_from_directory` (the ``static`` view).

A file response streams the open file in 64 KiB blocks (or hands it to the server's
``wsgi.file_wrapper``, which may use ``sendfile(2)``), and closes it when sent. It carries
``Content-Length``, ``Accept-Ranges: bytes``, a ``Last-Modified`` date, an ``ETag`` and a
``Cache-Control`` header, and answers conditional requests as RFC 9110 describes:

- ``If-Match`` / ``If-Unmodified-Since`` that fail: 412 Precondition Failed;
- ``If-None-Match`` / ``If-Modified-Since`` that match: 304 Not Modified, no body;
- a ``Range`` (``bytes=0-99``, ``bytes=-100``, ``bytes=100-``), honoured when ``If-Range``
  (if any) still names this version: 206 Partial Content with ``Content-Range``; a range that
  starts past the end: 416 with ``Content-Range: bytes */length``;
- several ranges in one header (``bytes=0-99,500-599``): 206 with a ``multipart/byteranges``
  body, one part per range, each with its own ``Content-Range`` (RFC 9110, section 14.6).
  APPSEC: overlapping ranges are merged first and at most 100 are honoured, so the answer is
  never much larger than the file.
"""

from __future__ import annotations

import errno
import functools
import io
import os
import stat
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING, Any

from ..core import http
from ..core.datastructures import Headers
from ..core.errors import NotFound, RangeNotSatisfiable
from ..core.response import Response, _with_charset
from .context import _cv_context

if TYPE_CHECKING:
    from ..core.request import Request
    from .app import App

__all__ = ["FileBody", "send_file", "send_from_directory", "safe_join"]

#: PERF: 64 KiB reads keep system calls few without holding much memory per download.
BLOCK_SIZE = 64 * 1024
#: Encodings ``mimetypes`` reports that are also HTTP content codings.
_HTTP_CODINGS = frozenset({"gzip", "br", "compress"})
_WINDOWS_DEVICE_NAMES = frozenset(
    {"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(1, 10)),
     *(f"LPT{n}" for n in range(1, 10))}
)  # fmt: skip

MaxAge = int | Callable[[str | None], int | None] | None


class FileBody:
    """A response body that reads an open binary file in blocks, and closes it when done.

    ``offset`` None reads from the file's current position, ``length`` None to its end.
    ``wsgi_file`` is the file itself when the whole rest of it is sent, so the WSGI adapter can
    hand it to the server's ``wsgi.file_wrapper``; it is None for a range, which the server's
    wrapper cannot limit.
    """

    __slots__ = ("file", "wsgi_file", "block_size", "_offset", "_length")

    def __init__(
        self,
        file: IO[bytes],
        offset: int | None = None,
        length: int | None = None,
        block_size: int = BLOCK_SIZE,
    ) -> None:
        self.file = file
        self.block_size = block_size
        self._offset = offset
        self._length = length
        self.wsgi_file: IO[bytes] | None = file if offset is None else None

    def __iter__(self) -> Iterator[bytes]:
        file = self.file
        try:
            if self._offset is not None:
                file.seek(self._offset)
            remaining = self._length
            while remaining is None or remaining > 0:
                size = self.block_size if remaining is None else min(self.block_size, remaining)
                chunk = file.read(size)
                if not chunk:
                    break
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk
        finally:
            # Closed as soon as the last block is read, even if a hook buffered the body.
            file.close()

    def close(self) -> None:
        """Close the file; the server calls this when the response ends or the client leaves."""
        self.file.close()


def send_file(
    path_or_file: os.PathLike[str] | str | IO[bytes],
    mimetype: str | None = None,
    as_attachment: bool = False,
    download_name: str | None = None,
    conditional: bool = True,
    etag: bool | str = True,
    last_modified: datetime | int | float | None = None,
    max_age: MaxAge = None,
    *,
    _file_stat: os.stat_result | None = None,
) -> Response:
    """A response that sends a file's contents to the client, as Flask's ``send_file`` does.

    ``path_or_file`` is a path (relative to the app's ``root_path``) or a binary file object
    (read from its current position; closed after sending). Never pass a path built from user
    input: use :func:`send_from_directory`, which keeps the client inside one folder.

    - ``mimetype``: guessed from ``download_name`` or the path's name when not given; a file
      object without either raises ``TypeError``.
    - ``as_attachment``: ``Content-Disposition: attachment`` (save) instead of ``inline``;
      ``download_name`` is the name offered, non-ASCII names per RFC 6266 / 5987.
    - ``conditional``: answer ``Range`` and conditional headers (206, 304, 412, 416).
    - ``etag``: True for one computed from the path's mtime, size and name, a string for that
      tag, False for none. A file object gets one only as a string.
    - ``last_modified``: defaults to the path's mtime; none for a file object.
    - ``max_age``: seconds the client may cache the file, or ``callable(path)`` returning it;
      None asks ``app.get_send_file_max_age`` (``SEND_FILE_MAX_AGE_DEFAULT``). A None result
      means ``Cache-Control: no-cache``: the client revalidates each time (a cheap 304).

    Raises ``FileNotFoundError`` for a missing path, ``ValueError`` for a text-mode file.
    ``_file_stat`` is private to :func:`send_from_directory`, which has the path's ``stat``
    already (as Werkzeug's ``send_file`` has a private ``_root_path``).
    """
    ctx = _cv_context.get()
    app: App | None = ctx.app if ctx is not None else None
    request: Request | None = ctx.request if ctx is not None else None
    # PERF: the values appended to ``pairs`` are built here from checked parts (numbers, dates,
    # hex tags, RFC 6266 encoding), so they skip the checks Headers.add makes; the Headers
    # object shares the list, and anything from the caller goes through its checks. Only
    # add() and h[name] = value write to ``headers`` here, and both keep that list.
    pairs: list[tuple[str, str]] = []
    headers = Headers._from_checked(pairs)
    path: str | None = None
    file: IO[bytes] | None = None
    size: int | None
    etag_is_ours = False
    if isinstance(path_or_file, (str, os.PathLike)):
        path = path_or_file if type(path_or_file) is str else os.fsdecode(path_or_file)
        if app is not None and _file_stat is None:  # send_from_directory's is absolute
            path = os.path.join(app.root_path, path)
        file_stat = _file_stat if _file_stat is not None else os.stat(path)
        if stat.S_ISDIR(file_stat.st_mode):
            raise IsADirectoryError(errno.EISDIR, "send_file() cannot send a directory", path)
        size = file_stat.st_size
        if last_modified is None:
            last_modified = file_stat.st_mtime
        if etag is True:
            etag = _file_etag(path, file_stat)
            etag_is_ours = True
    else:
        file = path_or_file
        if isinstance(file, io.TextIOBase):
            raise ValueError("send_file() needs a binary file: open it with 'rb' or use BytesIO.")
        size = _remaining_size(file)
        if etag is True:
            etag = False  # nothing to derive one from

    if download_name is None and path is not None:
        download_name = os.path.basename(path)
    if mimetype is None:
        if download_name is None:
            raise TypeError(
                "send_file() cannot guess the MIME type without a file name: pass "
                "'download_name=', 'mimetype=', or a path instead of a file object."
            )
        mimetype = _guess_mimetype(download_name, as_attachment, headers)
    if download_name is not None:
        disposition = "attachment" if as_attachment else "inline"
        pairs.append(("Content-Disposition", _content_disposition(disposition, download_name)))
    elif as_attachment:
        raise TypeError(
            "send_file() needs a name for an attachment: pass 'download_name=' or a path."
        )

    if etag_is_ours:
        pairs.append(("ETag", f'"{etag}"'))  # hex digits and dashes
    elif isinstance(etag, str):
        headers.add("ETag", http.quote_etag(etag))
    modified: datetime | None = None
    if last_modified is not None:
        if isinstance(last_modified, datetime):
            modified = _to_datetime(last_modified)
            headers.add("Last-Modified", http.http_date(modified))
        else:
            modified, http_date = _modified_at(last_modified)
            pairs.append(("Last-Modified", http_date))
    _set_cache_headers(pairs, _resolve_max_age(app, max_age, path))

    response_class = app.response_class if app is not None else Response
    use_x_sendfile = app is not None and bool(app.config.get("USE_X_SENDFILE")) and path
    status = 200
    offset: int | None = None
    length = size
    if size is not None:
        pairs.append(("Accept-Ranges", "bytes"))
    if conditional and request is not None and request.method in ("GET", "HEAD"):
        entity_tag = etag if isinstance(etag, str) else None
        try:
            precondition = _evaluate_preconditions(request, entity_tag, modified)
            ranges = None
            if precondition is None:
                ranges = _requested_ranges(request, size, entity_tag, modified)
        except BaseException:
            if file is not None:
                file.close()
            raise
        if precondition is not None:
            if file is not None:
                file.close()
            return _bodiless(response_class, precondition, headers, mimetype)
        if ranges is not None and len(ranges) > 1:
            if not use_x_sendfile:
                return _byteranges(response_class, headers, mimetype, path, file, ranges, size or 0)
            ranges = None  # the front server that sends the file answers the ranges itself
        if ranges is not None:
            start, stop = ranges[0]
            status, length = 206, stop - start
            pairs.append(("Content-Range", http.content_range(start, stop, size or 0)))
            # Relative to where a file object stood when given, like the whole-file case.
            offset = start + (file.tell() if file is not None else 0)

    if length is not None:
        pairs.append(("Content-Length", str(length)))
    if use_x_sendfile:
        # The front server (nginx, Apache) sends the file named in X-Sendfile itself.
        headers.add("X-Sendfile", str(path))
        return response_class(None, status, headers, mimetype=mimetype)
    if file is None and request is not None and request.method == "HEAD":
        # PERF: a HEAD answer has no body, so the file is not even opened.
        return response_class(None, status, headers, mimetype=mimetype)
    # direct_passthrough, as Werkzeug sets it: middleware that rewrites bodies (compression)
    # leaves a file alone. PERF: the response's own headers (type, nosniff) are made on its
    # fast path, then these are added to them, checked already. Made before the file is
    # opened: a mimetype it refuses leaves no file open.
    try:
        response = response_class(None, status, mimetype=mimetype, direct_passthrough=True)
    except BaseException:
        if file is not None:
            file.close()
        raise
    response.headers.extend(headers)
    if file is None:
        # PERF: unbuffered: FileBody reads whole blocks itself, and a buffered reader would cost
        # a buffer and two more system calls (isatty, lseek) per file opened.
        file = open(str(path), "rb", buffering=0)  # noqa: SIM115 -- closed by FileBody
    response.response = FileBody(file, offset, length if offset is not None else size)
    return response


def _file_etag(path: str, file_stat: os.stat_result) -> str:
    """``mtime-size-checksum(path)`` in hex: changes when the file is replaced or edited.

    The path's checksum keeps two files of equal size and mtime apart. The nanosecond mtime
    catches an edit that keeps the size within the same second.
    """
    return _etag_for(path, file_stat.st_mtime_ns, file_stat.st_size)


@functools.lru_cache(maxsize=256)
def _etag_for(path: str, mtime_ns: int, size: int) -> str:
    # PERF: remembered per version of a file (a new mtime or size is a new key), which saves
    # encoding the path, its checksum and three hex formats on every request.
    from zlib import adler32

    checksum = adler32(os.fsencode(path)) & 0xFFFFFFFF
    return f"{mtime_ns:x}-{size:x}-{checksum:x}"


def _remaining_size(file: IO[bytes]) -> int | None:
    """How many bytes a file object holds from its current position, or None when unknown."""
    if isinstance(file, io.BytesIO):
        return file.getbuffer().nbytes - file.tell()
    try:
        file_stat = os.fstat(file.fileno())
        if not stat.S_ISREG(file_stat.st_mode):
            return None
        return max(file_stat.st_size - file.tell(), 0)
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None


def _guess_mimetype(name: str, as_attachment: bool, headers: Headers) -> str:
    """The MIME type for a file name; ``x.css.gz`` inline is CSS with ``Content-Encoding``."""
    mimetype, encoding = _guess_type(name)
    if encoding is not None:
        if encoding in _HTTP_CODINGS and not as_attachment:
            headers["Content-Encoding"] = encoding
        else:
            # A download keeps its compressed bytes as they are; so does a coding HTTP lacks.
            return "application/octet-stream"
    return mimetype or "application/octet-stream"


@functools.lru_cache(maxsize=256)
def _guess_type(name: str) -> tuple[str | None, str | None]:
    """``mimetypes.guess_type(name)``, remembered per name.

    PERF: ``guess_type`` splits and lower-cases the name and looks up several tables on every
    call. The names asked about are those of files being sent, a set bounded by the size of the
    cache. A type registered with ``mimetypes.add_type()`` after a name was first sent is not
    seen for that name: register extra types at start-up.
    """
    import mimetypes  # here, not at import: only a cache miss pays for it

    return mimetypes.guess_type(name)


#: ``http.content_disposition``, remembered per name: PERF, the names are those of the files
#: being sent, and normalising and quoting one costs more than the rest of its header.
_content_disposition = functools.lru_cache(maxsize=256)(http.content_disposition)


@functools.lru_cache(maxsize=256)
def _modified_at(timestamp: int | float) -> tuple[datetime, str]:
    """The ``Last-Modified`` datetime and header value for a file's mtime.

    PERF: formatting an HTTP date costs more than the rest of the header work together; a file
    keeps its mtime across requests, and a new mtime is a new key, so nothing goes stale.
    """
    modified = _to_datetime(timestamp)
    return modified, http.http_date(modified)


def _to_datetime(value: datetime | int | float) -> datetime:
    """A UTC datetime truncated to whole seconds, the precision of HTTP dates."""
    if isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)
    else:
        moment = datetime.fromtimestamp(value, UTC)
    return moment.replace(microsecond=0)


def _resolve_max_age(app: App | None, max_age: MaxAge, path: str | None) -> int | None:
    if max_age is None:
        return app.get_send_file_max_age(path) if app is not None else None
    if callable(max_age):
        return max_age(path)
    return max_age


def _set_cache_headers(pairs: list[tuple[str, str]], max_age: int | None) -> None:
    """``no-cache`` (revalidate each time) for None, else ``public, max-age=N`` and Expires."""
    if max_age is None:
        pairs.append(("Cache-Control", "no-cache"))
        return
    if max_age > 0:
        pairs.append(("Cache-Control", f"public, max-age={max_age}"))
    else:
        pairs.append(("Cache-Control", "no-cache, max-age=0"))
    pairs.append(("Expires", http.http_date(time.time() + max_age)))


def _evaluate_preconditions(
    request: Request, etag: str | None, modified: datetime | None
) -> int | None:
    """412 or 304 when the request's conditions say so, else None (RFC 9110 section 13.2.2)."""
    request_headers = request.headers
    if_match = request_headers.get("If-Match")
    if if_match is not None:
        # Strong comparison: only the current strong tag (or "*") lets the request through.
        if etag is None or etag not in http.parse_etags(if_match):
            return 412
    elif modified is not None:
        header = request_headers.get("If-Unmodified-Since")
        since = http.parse_date(header) if header is not None else None
        if since is not None and modified > since:
            return 412
    if_none_match = request_headers.get("If-None-Match")
    if if_none_match is not None:
        tags = http.parse_etags(if_none_match)
        if tags.is_any or (etag is not None and tags.contains_weak(etag)):
            return 304
    elif modified is not None:
        header = request_headers.get("If-Modified-Since")
        since = http.parse_date(header) if header is not None else None
        if since is not None and modified <= since:
            return 304
    return None


def _requested_ranges(
    request: Request, size: int | None, etag: str | None, modified: datetime | None
) -> list[tuple[int, int]] | None:
    """The byte ranges to send as ``(start, stop)`` pairs, or None to send the whole file.

    Raises :class:`RangeNotSatisfiable` (416) when no requested range overlaps the file.
    """
    if request.method != "GET" or not size:
        return None  # RFC 9110 defines ranges for GET only; an empty file has none to give
    request_headers = request.headers
    header = request_headers.get("Range")
    if header is None or not http.if_range_holds(request_headers.get("If-Range"), etag, modified):
        return None
    ranges = http.parse_range_header(header, size)
    if ranges is None:
        return None  # malformed or another unit: ignored, per RFC 9110
    if not ranges:
        raise RangeNotSatisfiable(size)
    if ranges == [(0, size)]:
        return None  # the whole file is what was asked for
    return ranges


def _byteranges(
    response_class: type[Response],
    headers: Headers,
    mimetype: str,
    path: str | os.PathLike[str] | None,
    file: IO[bytes] | None,
    ranges: list[tuple[int, int]],
    total: int,
) -> Response:
    """The 206 ``multipart/byteranges`` answer to a request for several ranges of one file."""
    boundary = os.urandom(12).hex()
    part_type = _with_charset(mimetype, response_class.charset)
    # Each part's head, with the CRLF that ends the part before it (none before the first).
    heads = [
        (
            ("\r\n" if index else "")
            + f"--{boundary}\r\nContent-Type: {part_type}\r\n"
            + f"Content-Range: {http.content_range(start, stop, total)}\r\n\r\n"
        ).encode("latin-1")
        for index, (start, stop) in enumerate(ranges)
    ]
    tail = f"\r\n--{boundary}--\r\n".encode("latin-1")
    length = sum(map(len, heads)) + sum(stop - start for start, stop in ranges) + len(tail)
    headers.add("Content-Length", str(length))
    content_type = f"multipart/byteranges; boundary={boundary}"
    if file is None:
        file = open(str(path), "rb", buffering=0)  # noqa: SIM115 -- closed by the body
    base = file.tell()
    response = response_class(
        None, 206, headers, content_type=content_type, direct_passthrough=True
    )
    response.response = _ByteRangesBody(file, base, ranges, heads, tail)
    return response


class _ByteRangesBody:
    """The parts of a ``multipart/byteranges`` body, read from the file as they are sent."""

    __slots__ = ("file", "_base", "_ranges", "_heads", "_tail")

    def __init__(
        self,
        file: IO[bytes],
        base: int,
        ranges: list[tuple[int, int]],
        heads: list[bytes],
        tail: bytes,
    ) -> None:
        self.file = file
        self._base = base
        self._ranges = ranges
        self._heads = heads
        self._tail = tail

    def __iter__(self) -> Iterator[bytes]:
        file = self.file
        try:
            for (start, stop), head in zip(self._ranges, self._heads, strict=True):
                yield head
                file.seek(self._base + start)
                remaining = stop - start
                while remaining > 0:
                    chunk = file.read(min(BLOCK_SIZE, remaining))
                    if not chunk:  # the file shrank since its size was taken
                        raise OSError(f"The file ended {remaining} bytes early.")
                    remaining -= len(chunk)
                    yield chunk
            yield self._tail
        finally:
            file.close()

    def close(self) -> None:
        self.file.close()


def _bodiless(
    response_class: type[Response], status: int, headers: Headers, mimetype: str
) -> Response:
    """A 304 or 412: the validators and caching headers stay, the body and its length go."""
    for name in ("Content-Length", "Content-Range", "Accept-Ranges", "Content-Disposition"):
        headers.pop(name, None)
    if status == 412:
        headers.pop("Content-Encoding", None)
        return response_class(None, status, headers, mimetype="text/plain")
    return response_class(None, status, headers, mimetype=mimetype)


def safe_join(directory: str, path: str) -> str | None:
    """The real path of ``path`` inside ``directory``, or None when it could leave it.

    APPSEC: refuses, before touching the file system, NUL bytes, backslashes, absolute paths,
    Windows drive letters and device names, and ``..`` segments; then resolves symlinks and
    refuses a result outside the directory's own real path, so a symlink planted in the folder
    cannot expose the rest of the disk. The caller opens the returned real path, so the check
    and the open see the same file.
    """
    found = _resolve_inside(directory, path)
    return found[0] if found is not None else None


def _resolve_inside(
    directory: str, path: str, root_path: str = ""
) -> tuple[str, os.stat_result] | None:
    """:func:`safe_join`'s work: the real path and its ``stat``, or None.

    PERF: the ``stat`` is the ``lstat`` the symlink check makes anyway (followed by a ``stat``
    only for a final component that is a link), so the caller need not ask the file system again.
    """
    if not path or "\x00" in path or "\\" in path or path.startswith("/"):
        return None
    if len(path) > 1 and path[1] == ":":
        return None  # "C:..." names a Windows drive
    segments = path.split("/")
    if ".." in segments:
        return None
    if os.name == "nt" and any(
        segment.split(".")[0].upper() in _WINDOWS_DEVICE_NAMES for segment in segments
    ):
        return None
    base = _real_directory(directory, root_path)
    # PERF: walk only the components below the folder, one lstat each; a full realpath() of
    # the target would lstat every component from the file system's root on every request.
    current = base
    file_stat: os.stat_result | None = None
    for segment in segments:
        if segment in ("", "."):
            continue
        # PERF: the segments hold no separator, drive or "..", so joining is concatenating.
        candidate = current + segment if current.endswith(os.sep) else current + os.sep + segment
        try:
            file_stat = os.lstat(candidate)
            if stat.S_ISLNK(file_stat.st_mode):
                candidate = os.path.realpath(candidate)
                if not _is_inside(base, candidate):
                    return None
                file_stat = os.stat(candidate)
        except (OSError, ValueError):
            return None
        current = candidate
    if file_stat is None or current == base:
        return None
    return current, file_stat


@functools.lru_cache(maxsize=64)
def _real_directory(directory: str, root_path: str = "") -> str:
    """The real path of ``directory`` (relative to ``root_path``, when given and it is relative);
    resolved once per folder, since static folders do not move.

    Symlinks *inside* the folder are still resolved on every request by :func:`safe_join`.
    """
    return os.path.realpath(os.path.join(root_path, directory))


def _is_inside(base: str, target: str) -> bool:
    try:
        return target != base and os.path.commonpath((base, target)) == base
    except ValueError:  # on Windows, paths on two different drives
        return False


def send_from_directory(
    directory: os.PathLike[str] | str, path: os.PathLike[str] | str, **kwargs: Any
) -> Response:
    """Send ``path`` from inside ``directory``; 404 for anything that is not a file in it.

    ``directory`` is relative to the app's ``root_path`` (or absolute); ``path`` usually comes
    from the URL and is checked by :func:`safe_join`. Other arguments go to :func:`send_file`.
    """
    ctx = _cv_context.get()
    root_path = ctx.app.root_path if ctx is not None else ""
    # PERF: a str (what the URL gives) skips os.fsdecode's call.
    requested = path if type(path) is str else os.fsdecode(path)
    folder = directory if type(directory) is str else os.fsdecode(directory)
    found = _resolve_inside(folder, requested, root_path)
    if found is None or not stat.S_ISREG(found[1].st_mode):
        raise NotFound()
    target, file_stat = found
    if kwargs.get("download_name") is None:
        # A symlink inside the folder is named (and typed) by the name that was asked for;
        # _resolve_inside refused backslashes, so "/" is the only separator left.
        kwargs["download_name"] = requested.rpartition("/")[2]
    # The real path is absolute already: a real directory joined with checked segments.
    return send_file(target, **kwargs, _file_stat=file_stat)
