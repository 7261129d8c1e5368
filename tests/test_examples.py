"""The lesson's programs, each started as a real server on a free port and spoken to over HTTP."""

from __future__ import annotations

import re

import pytest

from .test_serving import fetch

pytestmark = [pytest.mark.wsgi_only, pytest.mark.server]


@pytest.fixture
def sample(start_server):  # type: ignore[no-untyped-def]
    return start_server(["examples/sample/app.py"])


def test_sample_static_page_uses_image_from_renamed_static_folder(sample) -> None:
    status, headers, body = fetch(sample.port, "/sample")
    assert status == 200
    match = re.search(rb'<img src="([^"]+)"', body)
    assert match is not None
    image_url = match.group(1).decode()
    assert image_url == "/assets/erlen.svg"
    status, headers, image = fetch(sample.port, image_url)
    assert status == 200
    assert headers["Content-Type"].startswith("image/svg+xml")
    assert image.startswith(b"<svg")


def test_sample_user_page_from_path_and_from_query(sample) -> None:
    status, _, from_path = fetch(sample.port, "/user/alice")
    assert status == 200 and b"Hello, alice!" in from_path
    status, _, from_query = fetch(sample.port, "/user?username=alice")
    assert status == 200
    assert from_query == from_path


def test_sample_user_page_escapes_and_requires_username(sample) -> None:
    status, _, body = fetch(sample.port, "/user?username=%3Cb%3Ebold%3C/b%3E")
    assert status == 200 and b"<b>" not in body and b"&lt;b&gt;" in body
    status, _, body = fetch(sample.port, "/user")
    assert status == 400
    status, _, body = fetch(sample.port, "/user?username=", headers={"Accept": "application/json"})
    assert status == 400 and b'"status": 400' in body


def test_sample_user_route_is_get_only(sample) -> None:
    status, headers, _ = fetch(sample.port, "/user/alice", method="POST")
    assert status == 405
    assert "GET" in headers["Allow"]


def test_sample_static_traversal_is_404(sample) -> None:
    for path in ("/assets/../app.py", "/assets/%2e%2e/app.py", "/assets/..%2fapp.py"):
        assert fetch(sample.port, path)[0] == 404, path
