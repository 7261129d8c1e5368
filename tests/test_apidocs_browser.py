"""The /docs page in a real browser: Swagger UI loads from the app alone and "Try it out" works.

Debian's Chromium driven by Playwright against the app under waitress; skipped when Chromium or
Playwright is missing (failed in CI, which has both). Every request the page makes is recorded:
none may leave for another host, since users run the docs offline.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

import pytest
from pydantic import AfterValidator, BaseModel

from erlen import Erlen
from erlen.params import Query

from .conftest import waitress_in_thread

pytestmark = [pytest.mark.wsgi_only, pytest.mark.server]


class User(BaseModel):
    id: int
    name: str
    email: str


def no_digits(text: str) -> str:
    """A rule the schema cannot state, so the page sends the value and the app refuses it."""
    if any(character.isdigit() for character in text):
        raise ValueError("a greeting has no digits")
    return text


def make_app() -> Erlen:
    app = Erlen("docs_browser")
    users = {1: User(id=1, name="Ada Lovelace", email="ada@example.org")}

    @app.get("/users/<int:user_id>")
    def get_user(
        user_id: int, greeting: Annotated[str, Query(), AfterValidator(no_digits)] = ""
    ) -> User:
        """Read one user."""
        user = users[user_id]
        return User(id=user.id, name=f"{greeting}{user.name}", email=user.email)

    return app


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    with waitress_in_thread(make_app()) as port:
        yield f"http://127.0.0.1:{port}"


def test_try_it_out_sends_a_request_and_shows_the_answer(browser: Any, served: str) -> None:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda sent: requested.append(sent.url))
    try:
        page.goto(f"{served}/docs")
        operation = page.locator(".opblock-get").first
        operation.locator(".opblock-summary").click()
        operation.locator(".try-out__btn").click()
        operation.locator('tr[data-param-name="user_id"] input').fill("1")
        operation.locator('tr[data-param-name="greeting"] input').fill("Hi ")
        operation.locator(".execute").click()
        live = operation.locator(".live-responses-table tr.response")
        answer = live.locator(".response-col_description pre").first
        answer.wait_for()
        assert "Hi Ada Lovelace" in answer.inner_text()
        assert live.locator(".response-col_status").first.inner_text().strip() == "200"

        # A value the view refuses: the page shows the 422 with the field that failed.
        operation.locator('tr[data-param-name="greeting"] input').fill("Hi 2")
        operation.locator(".execute").click()
        page.wait_for_function(
            "() => document.querySelector('.live-responses-table tr.response "
            ".response-col_status')?.innerText.includes('422')"
        )
        assert "a greeting has no digits" in answer.inner_text()
    finally:
        context.close()
    assert any("/users/1?greeting=Hi" in url for url in requested)
    assert all(url.startswith(served) or url.startswith("data:") for url in requested), requested
