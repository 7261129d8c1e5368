"""Form bodies: ``application/x-www-form-urlencoded`` and ``multipart/form-data``.

Multipart bodies go through the ``multipart`` package's push parser, which is fed bytes and gives
back events without doing IO itself; this module owns only the policy: where part data goes
(memory for fields, a spooled temporary file for uploads) and which limits apply.

APPSEC: a body is refused (413) past ``MAX_FORM_MEMORY_SIZE`` bytes for a urlencoded body or for
any one non-file field, and past ``MAX_FORM_PARTS`` fields or parts; a malformed multipart body
answers 400. Uploads are spooled to disk past ``MAX_FORM_MEMORY_SIZE``, so a large upload is never
held wholly in memory.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from . import http
from .datastructures import FileStorage, Headers, ImmutableMultiDict
from .errors import BadRequest, RequestEntityTooLarge

if TYPE_CHECKING:
    from .request import BodyStream, Request

__all__ = ["parse_form"]

_CHUNK_SIZE = 64 * 1024
_URLENCODED = "application/x-www-form-urlencoded"
# RFC 7578 / 6266: ``form-data`` then ``; name=value`` parameters, each value a token or a quoted
# string whose quotes close. The ``multipart`` parser reads broken ones leniently (an unclosed
# ``filename="x`` turns an upload into a text field), so each part's header is checked here.
_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_QUOTED = r'"(?:[^"\\\r\n]|\\.)*"'
# Matched against the stripped value, with no two adjacent ``\s*``: linear time, whatever the input.
_DISPOSITION = re.compile(
    rf"form-data(?:\s*;\s*{_TOKEN}\s*=\s*(?:{_TOKEN}|{_QUOTED}))*(?:\s*;)?", re.IGNORECASE
)
_NAME_PARAMETER = re.compile(r";\s*name\s*=", re.IGNORECASE)
#: Immutable, so one empty instance serves as ``request.files`` for every request without uploads.
NO_FILES: ImmutableMultiDict[FileStorage] = ImmutableMultiDict()


def parse_form(
    request: Request, stream: BodyStream | None
) -> tuple[ImmutableMultiDict[str], ImmutableMultiDict[FileStorage] | None]:
    """The form fields and uploaded files of ``request``'s body, read from ``stream``; None for
    the files of a body that is not multipart (PERF: nothing to close at the request's end)."""
    if stream is None:
        return ImmutableMultiDict(), None
    # PERF: the exact header browsers send for a plain form is recognised without parsing it.
    mimetype = _URLENCODED if request.content_type == _URLENCODED else request.mimetype
    if mimetype == _URLENCODED:
        return _parse_urlencoded(request, stream), None
    if mimetype == "multipart/form-data":
        return _parse_multipart(request, stream)
    return ImmutableMultiDict(), None


def _parse_urlencoded(request: Request, stream: BodyStream) -> ImmutableMultiDict[str]:
    limits = request.limits
    limit = limits.max_form_memory_size
    body = stream.read() if limit is None else stream.read(limit + 1)
    if limit is not None and len(body) > limit:
        raise RequestEntityTooLarge(f"The form body is larger than the limit of {limit} bytes.")
    try:
        pairs = http.parse_qsl(body, max_fields=limits.max_form_parts or 1_000_000)
    except http.TooManyFields:
        raise RequestEntityTooLarge("The form has more fields than this server accepts.") from None
    return ImmutableMultiDict(pairs)


def _parse_multipart(
    request: Request, stream: BodyStream
) -> tuple[ImmutableMultiDict[str], ImmutableMultiDict[FileStorage]]:
    import tempfile

    import multipart  # imported here: only multipart bodies pay for it

    boundary = request.mimetype_params.get("boundary")
    if not boundary:
        raise BadRequest("The multipart body has no boundary in its Content-Type header.")
    limits = request.limits
    memory_limit = limits.max_form_memory_size
    spool_size = memory_limit if memory_limit is not None else 500_000
    max_parts = limits.max_form_parts
    try:
        parser = multipart.PushMultipartParser(
            boundary,
            content_length=request.content_length if request.content_length is not None else -1,
            max_segment_count=max_parts if max_parts is not None else float("inf"),
        )
    except multipart.MultipartError:
        # An RFC 2231 ``boundary*=`` parameter can decode to any character, a line break too.
        raise BadRequest("The multipart boundary in the Content-Type is not valid.") from None
    fields: list[tuple[str, str]] = []
    files: list[tuple[str, FileStorage]] = []
    current_field: bytearray | None = None
    current_file: FileStorage | None = None
    segment_name = ""
    try:
        with parser:
            while not parser.closed:
                chunk = stream.read(_CHUNK_SIZE)
                for event in parser.parse(chunk):
                    if isinstance(event, multipart.MultipartSegment):
                        _check_part(event)
                        segment_name = event.name
                        if event.filename is None:
                            current_field, current_file = bytearray(), None
                        else:
                            # The parser split these lines itself, and browsers send UTF-8 file
                            # names, so the latin-1 rule for outgoing headers does not apply.
                            headers = Headers._from_checked(list(event.headerlist))
                            current_file = FileStorage(
                                tempfile.SpooledTemporaryFile(max_size=spool_size),  # noqa: SIM115
                                filename=event.filename,
                                name=event.name,
                                content_type=event.content_type,
                                headers=headers,
                            )
                            current_field = None
                    elif event is None:
                        if current_file is not None:
                            current_file.stream.seek(0)
                            files.append((segment_name, current_file))
                        elif current_field is not None:
                            fields.append((segment_name, current_field.decode("utf-8", "replace")))
                        current_field = current_file = None
                    elif current_file is not None:
                        current_file.stream.write(event)
                    elif current_field is not None:
                        current_field += event
                        if memory_limit is not None and len(current_field) > memory_limit:
                            raise RequestEntityTooLarge(
                                f"A form field is larger than the limit of {memory_limit} bytes."
                            )
                if not chunk:
                    break
    except multipart.ParserLimitReached as exc:
        _close_all(files, current_file)
        raise RequestEntityTooLarge(_limit_message(str(exc))) from None
    except multipart.MultipartError:
        _close_all(files, current_file)
        raise BadRequest("The multipart body is malformed.") from None
    except BaseException:
        _close_all(files, current_file)
        raise
    return ImmutableMultiDict(fields), ImmutableMultiDict(files)


def _limit_message(reason: str) -> str:
    """The limit a multipart body went past, from the parser's message, in the client's terms."""
    if "count" in reason and "header" not in reason:
        return "The form has more parts than this server accepts."
    if "header length" in reason:
        return "A part of the multipart body has a header line longer than this server accepts."
    if "header count" in reason:
        return "A part of the multipart body has more header lines than this server accepts."
    return "The multipart body goes past a limit of this server."


def _check_part(segment: Any) -> None:
    """Refuse a part whose ``Content-Disposition`` is not well-formed or names no field (400)."""
    disposition = next(
        (value for name, value in segment.headerlist if name.lower() == "content-disposition"),
        "",
    )
    if not _DISPOSITION.fullmatch(disposition.strip()):
        raise BadRequest(
            "A multipart part's Content-Disposition header is malformed (an unclosed quote, a "
            "stray character, or not form-data)."
        )
    if not segment.name and not _NAME_PARAMETER.search(disposition):  # ``name=""`` is a name
        raise BadRequest("A multipart part has no field name.")


def _close_all(files: list[tuple[str, FileStorage]], current: FileStorage | None) -> None:
    for _, storage in files:
        storage.close()
    if current is not None:
        current.close()
