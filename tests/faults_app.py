"""The app ``tests/test_faults.py`` serves in a child process: uploads, a stream, a quick page.

``python tests/faults_app.py`` serves it as ``app.run()`` does (waitress); ``uvicorn
tests.faults_app:app.asgi`` serves it over ASGI. ``FAULTS_MARKERS`` names a folder where the
streaming view's ``finally`` leaves a file, so the test can see that it ran;
``FAULTS_HEADER_TIMEOUT`` sets ``app.run(header_timeout=...)``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from erlen import Erlen, request

#: How long the stream goes on if nobody closes it: far longer than the test waits for it.
STREAM_SECONDS = 60.0
CHUNK = b"x" * 65536

app = Erlen("faults")
app.config.update(
    MAX_CONTENT_LENGTH=64 * 1024 * 1024,
    # Uploads past 64 KiB spool from memory to a temporary file.
    MAX_FORM_MEMORY_SIZE=64 * 1024,
)


@app.get("/")
def index() -> str:
    return "ok"


@app.post("/upload")
def upload() -> dict[str, Any]:
    sizes = {name: len(storage.read()) for name, storage in request.files.items()}
    return {"files": sizes}


@app.get("/stream/<name>")
def stream(name: str) -> Any:
    markers = Path(os.environ["FAULTS_MARKERS"])

    def generate() -> Iterator[bytes]:
        sent = 0
        deadline = time.monotonic() + STREAM_SECONDS
        try:
            while time.monotonic() < deadline:
                yield CHUNK
                sent += 1
                time.sleep(0.005)
        finally:
            ended = "by itself" if time.monotonic() >= deadline else "closed early"
            (markers / name).write_text(f"{sent} chunks, {ended}")

    return app.response_class(generate(), mimetype="application/octet-stream")


if __name__ == "__main__":
    header_timeout = float(os.environ.get("FAULTS_HEADER_TIMEOUT", "20"))
    app.run(use_reloader=False, access_log=False, header_timeout=header_timeout)
