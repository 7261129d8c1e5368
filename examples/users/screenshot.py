"""Take the demo's screenshots in Chromium: the user list and the API's /docs page.

    .venv/bin/python examples/users/screenshot.py [folder]   # docs/ by default

writes ``screenshot-users.png`` and ``screenshot-api-docs.png`` into the folder.

Starts the demo on a free port with a throw-away instance folder, signs in, adds a few users
through the pages and photographs the list; then opens the API's ``/docs`` page, authorizes it
with an API token and photographs its operations, with the new user's model opened. Needs the
``playwright`` package and Debian's Chromium (``apt-get install chromium``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "screenshot password"
PEOPLE = [
    ("Ada Lovelace", "ada@example.com", "admin"),
    ("Grace Hopper", "grace@example.com", "user"),
    ("Katherine Johnson", "katherine@example.com", "user"),
    ("Alan Turing", "alan@example.com", "user"),
    ("Margaret Hamilton", "margaret@example.com", "admin"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the demo server did not start")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the demo server did not start within 30 s")


def add_user(page: Page, name: str, email: str, role: str) -> None:
    page.goto("/users/new")
    page.fill("#name", name)
    page.fill("#email", email)
    page.select_option("#role", role)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")


def photograph_api_docs(page: Page, token: str, output: Path) -> None:
    """The /docs page, authorized with ``token``, with the model of a new user opened."""
    page.set_viewport_size({"width": 1100, "height": 800})
    page.goto("/docs")
    page.locator(".opblock").first.wait_for()
    page.click("button.authorize")
    page.fill(".auth-container input", token)
    page.click(".auth-btn-wrapper button.authorize")
    page.click("button.btn-done")
    new_user = page.locator("section.models article").filter(
        has=page.locator(".json-schema-2020-12__title", has_text="NewUser")
    )
    new_user.locator(".json-schema-2020-12-expand-deep-button").first.click()
    new_user.locator(".json-schema-2020-12-body").first.wait_for()
    page.screenshot(path=str(output), full_page=True)


def main(output: Path) -> None:
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "USERS_INSTANCE_PATH": folder,
            "USERS_ADMIN_PASSWORD": PASSWORD,
            "DATABASE_URL": f"sqlite:///{folder}/users.sqlite3",
        }
        command = [sys.executable, "-m", "erlen", "--app", "examples/users/wsgi.py", "run"]
        server = subprocess.Popen(
            [*command, "--port", str(port)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL
        )
        try:
            wait_for(port, server)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(
                    base_url=f"http://127.0.0.1:{port}",
                    viewport={"width": 1000, "height": 640},
                    device_scale_factor=1,
                )
                page.goto("/login")
                page.fill("#email", "admin@example.com")
                page.fill("#password", PASSWORD)
                page.click("main button[type=submit]")
                for person in PEOPLE:
                    add_user(page, *person)
                page.goto("/users")
                page.screenshot(path=str(output / "screenshot-users.png"), full_page=True)
                page.goto("/users/1")
                page.click("text=Create a new token")
                token = page.locator("#token").inner_text().strip()
                photograph_api_docs(page, token, output / "screenshot-api-docs.png")
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"Saved screenshot-users.png and screenshot-api-docs.png in {output}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs")
