"""Static files through a real HTTP server (waitress), with its ``wsgi.file_wrapper``."""

from __future__ import annotations

import http.client
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from erlen import Erlen

from .conftest import waitress_in_thread

pytestmark = [pytest.mark.wsgi_only, pytest.mark.server]


@dataclass
class LiveServer:
    port: int
    payload: bytes

    def get(
        self, path: str, headers: dict[str, str] | None = None
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """The app served by waitress on a free 127.0.0.1 port, in a daemon thread."""
    payload = os.urandom(200_000)  # several 64 KiB blocks
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "data.bin").write_bytes(payload)
    app = Erlen("testapp", root_path=str(tmp_path))
    with waitress_in_thread(app) as port:
        yield LiveServer(port, payload)


def test_whole_file_range_and_304_over_http(live_server: LiveServer) -> None:
    status, headers, body = live_server.get("/static/data.bin")
    assert status == 200
    assert body == live_server.payload
    assert headers["Content-Length"] == str(len(live_server.payload))
    assert headers["Accept-Ranges"] == "bytes"
    etag = headers["ETag"]

    status, headers, body = live_server.get("/static/data.bin", {"Range": "bytes=100000-100099"})
    assert status == 206
    assert headers["Content-Range"] == f"bytes 100000-100099/{len(live_server.payload)}"
    assert body == live_server.payload[100000:100100]

    status, headers, body = live_server.get("/static/data.bin", {"Range": "bytes=-10"})
    assert status == 206
    assert body == live_server.payload[-10:]

    status, headers, body = live_server.get("/static/data.bin", {"If-None-Match": etag})
    assert status == 304
    assert body == b""
    assert headers["ETag"] == etag

    status, headers, _ = live_server.get("/static/../data.bin")
    assert status == 404
