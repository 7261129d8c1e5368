"""The demo app in a real browser: Debian's Chromium driven by Playwright, against a live server.

Skipped when Chromium or Playwright is missing, except in CI (``CI=true``), where that fails.
The flows share one server and one browser page, so they run in file order.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from demo_support import ADMIN_EMAIL, ADMIN_PASSWORD, DemoServer, unique_email

pytestmark = [pytest.mark.wsgi_only, pytest.mark.server]


@pytest.fixture(scope="module")
def page(browser: Any, demo_server: DemoServer) -> Iterator[Any]:
    context = browser.new_context(base_url=demo_server.url, viewport={"width": 1100, "height": 800})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def flash_text(page: Any) -> str:
    return str(page.locator(".flashes").inner_text())


def sign_in(page: Any, password: str) -> None:
    page.goto("/login")
    page.fill("#email", ADMIN_EMAIL)
    page.fill("#password", password)
    page.click("main button[type=submit]")


def test_a_wrong_password_is_refused(page: Any) -> None:
    sign_in(page, "not the password")
    assert "Wrong email or password." in page.locator(".alert").inner_text()
    assert page.url.endswith("/login")
    page.goto("/users")
    assert "/login" in page.url  # still signed out


def test_create_find_edit_delete_a_user(page: Any, tmp_path: Path) -> None:
    sign_in(page, ADMIN_PASSWORD)
    assert "Signed in as Admin." in flash_text(page)

    email = unique_email("browser")
    page.click("text=Add user")
    page.fill("#name", "Browser <Tester>")
    page.fill("#email", email)
    page.select_option("#role", "user")
    page.fill("#password", "browser password")
    page.click("main button[type=submit]")
    assert "Added Browser <Tester>." in flash_text(page)
    assert page.locator("h1").inner_text() == "Browser <Tester>"

    page.goto("/users")
    page.fill("#q", "browser")
    page.press("#q", "Enter")
    rows = page.locator("table.users tbody tr")
    assert rows.count() == 1
    assert email in rows.first.inner_text()
    rows.first.locator("a").click()

    page.click("text=Edit")
    page.fill("#name", "Browser Tester, edited")
    page.click("main button[type=submit]")
    assert "Saved the changes to Browser Tester, edited." in flash_text(page)

    page.click("text=Delete")
    assert "Delete Browser Tester, edited?" in page.locator("h1").inner_text()
    page.click("button.danger")
    assert "Deleted Browser Tester, edited." in flash_text(page)
    page.fill("#q", email)
    page.press("#q", "Enter")
    assert page.locator("table.users tbody tr").count() == 0
    page.screenshot(path=str(tmp_path / "after-delete.png"))


def test_form_errors_appear_by_their_fields(page: Any) -> None:
    page.goto("/users/new")
    page.fill("#name", "Kept Name")
    page.fill("#email", "not-an-email")
    page.fill("#password", "short")
    page.click("main button[type=submit]")
    assert page.locator("#email-error").inner_text().startswith("Must be an email address")
    assert page.locator("#password-error").is_visible()
    assert page.input_value("#name") == "Kept Name"
    assert page.input_value("#email") == "not-an-email"


def test_a_form_post_without_the_csrf_token_is_refused(page: Any, demo_server: DemoServer) -> None:
    email = unique_email("forged")
    form = {"name": "Forged", "email": email, "role": "admin", "password": "password1"}
    # The page's own request context sends the signed-in session cookie, but no token.
    response = page.request.post("/users/new", form=form, max_redirects=0)
    assert response.status == 400
    assert "This form has expired" in response.text()
    page.goto(f"/users?q={email}")
    assert page.locator("table.users tbody tr").count() == 0


def test_the_list_fits_a_phone_screen(page: Any) -> None:
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/users")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    assert not page.locator("table.users thead").is_visible()  # rows become cards
    page.set_viewport_size({"width": 1100, "height": 800})
