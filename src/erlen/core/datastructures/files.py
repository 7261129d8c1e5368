"""One uploaded file: :class:`FileStorage`."""

from __future__ import annotations

import os
from collections.abc import (
    Iterator,
)
from typing import IO, Any

from ..http import (
    parse_options_header,
)
from .headers import Headers

__all__ = ["FileStorage"]


class FileStorage:
    """An uploaded file: its data ``stream`` plus what the client said about it.

    ``filename`` is the client's name for the file, unsanitised: never use it as a path
    without cleaning it first. ``name`` is the form field's name. Reading methods and
    unknown attributes are passed on to ``stream``, so a ``FileStorage`` works where a file
    object is expected (``PIL.Image.open(upload)``).
    """

    __slots__ = (
        "stream", "filename", "name", "content_type", "content_length", "headers", "_parsed",
    )  # fmt: skip

    def __init__(
        self,
        stream: IO[bytes],
        filename: str | None = None,
        name: str | None = None,
        content_type: str | None = None,
        content_length: int | None = None,
        headers: Headers | None = None,
    ) -> None:
        self.stream = stream
        self.filename = filename
        self.name = name
        self.headers = headers if headers is not None else Headers()
        if content_type is None:
            content_type = self.headers.get("Content-Type")
        self.content_type = content_type
        if content_length is None:
            # As Werkzeug's: 0 when the part declared no length (browsers declare none).
            content_length = self.headers.get("Content-Length", 0, type=int)
        self.content_length: int = content_length
        self._parsed: tuple[str, dict[str, str]] | None = None

    def _parse_content_type(self) -> tuple[str, dict[str, str]]:
        if self._parsed is None:
            self._parsed = parse_options_header(self.content_type)
        return self._parsed

    @property
    def mimetype(self) -> str:
        """The content type without parameters, lower case (``""`` when the client sent none)."""
        return self._parse_content_type()[0]

    @property
    def mimetype_params(self) -> dict[str, str]:
        """The content type's parameters (``{"charset": "utf-8"}``)."""
        return dict(self._parse_content_type()[1])

    def save(self, dst: str | os.PathLike[str] | IO[bytes], buffer_size: int = 16384) -> None:
        """Copy the data to a path (created or truncated) or into a binary file object.

        The copy starts at the stream's current position and does not close ``dst`` when it is
        a file object.
        """
        if isinstance(dst, (str, os.PathLike)):
            with open(dst, "wb") as target:
                self._copy_to(target, buffer_size)
        else:
            self._copy_to(dst, buffer_size)

    def _copy_to(self, target: IO[bytes], buffer_size: int) -> None:
        read = self.stream.read
        while chunk := read(buffer_size):
            target.write(chunk)

    def read(self, size: int = -1) -> bytes:
        return self.stream.read(size)

    def readline(self, size: int = -1) -> bytes:
        return self.stream.readline(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.stream.seek(offset, whence)

    def tell(self) -> int:
        return self.stream.tell()

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.stream)

    def close(self) -> None:
        """Close the stream, deleting its temporary file if it was spooled to disk."""
        self.stream.close()

    def __enter__(self) -> FileStorage:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:
        if name == "stream":  # not set yet (copy, unpickling): do not recurse
            raise AttributeError(name)
        return getattr(self.stream, name)

    def __bool__(self) -> bool:
        """False for the empty part browsers send when no file was chosen."""
        return bool(self.filename)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.filename!r} ({self.content_type!r})>"
