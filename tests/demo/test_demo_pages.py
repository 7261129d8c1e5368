"""The HTML pages through the test client: sign-in, list, search, CRUD, CSRF, error pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from demo_support import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    Api,
    Rows,
    app_config,
    csrf_from,
    sign_in,
    unique_email,
)

from erlen import Erlen
from erlen.testing import TestClient


@pytest.fixture(scope="module")
def backend() -> str:
    """The pages do not depend on the database; SQLite is enough here."""
    return "sqlite"


AdminClient = tuple[TestClient, str]


def create_via_form(client: TestClient, token: str, **fields: str) -> str:
    """Add a user through the form; returns the detail page's URL."""
    form = {"name": "Form User", "email": unique_email("page"), "role": "user"}
    form.update(fields)
    form.setdefault("password", "password1")
    response = client.post("/users/new", data={**form, "csrf_token": token})
    assert response.status_code == 302, response.text
    assert response.location is not None
    return response.location


# -- layout and sign-in ------------------------------------------------------------------------


def test_pages_need_sign_in_and_come_back_after_it(client: TestClient) -> None:
    home = client.get("/")
    assert home.status_code == 302 and home.location is not None
    assert home.location.endswith("/users")
    response = client.get("/users?q=ada")
    assert response.status_code == 302 and response.location is not None
    assert "/login?next=" in response.location
    login_page = client.get(response.location)
    token = csrf_from(login_page.text)
    signed_in = client.post(
        "/login",
        data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "next": "/users?q=ada",
              "csrf_token": token},
    )  # fmt: skip
    assert signed_in.status_code == 302
    assert signed_in.location == "/users?q=ada"
    assert "Signed in as Admin." in client.get("/users").text


def test_layout_is_responsive_with_local_css_and_js(client: TestClient) -> None:
    page = client.get("/login").text
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', page)
    script = re.search(r'<script src="([^"]+)"', page)
    assert stylesheet is not None and script is not None
    assert not re.search(r'(src|href)="(https?:)?//', page)  # no CDN
    css = client.get(stylesheet.group(1))
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert b"@media" in css.data
    js = client.get(script.group(1))
    assert js.status_code == 200 and js.mimetype in ("text/javascript", "application/javascript")


def test_a_wrong_password_is_refused_without_saying_which_part(client: TestClient) -> None:
    token = csrf_from(client.get("/login").text)
    for email, password in ((ADMIN_EMAIL, "wrong password"), ("nobody@example.com", "x" * 8)):
        response = client.post(
            "/login", data={"email": email, "password": password, "csrf_token": token}
        )
        assert response.status_code == 401
        assert "Wrong email or password." in response.text
        assert f'value="{email}"' in response.text
    assert client.get("/users").status_code == 302


def test_sign_in_starts_a_new_session_and_a_new_csrf_token(client: TestClient) -> None:
    before = csrf_from(client.get("/login").text)
    after = sign_in(client)
    assert before != after
    # The old token no longer works for the signed-in session.
    response = client.post("/logout", data={"csrf_token": before})
    assert response.status_code == 400


def test_sign_out_ends_the_session(admin_client: AdminClient) -> None:
    client, token = admin_client
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert "Signed out." in client.get("/login").text
    assert client.get("/users").status_code == 302


# -- list, search, pages -----------------------------------------------------------------------


def test_list_searches_names_and_emails_and_pages_by_20(admin_client: AdminClient) -> None:
    client, token = admin_client
    marker = unique_email("srch").split("@")[0].replace("-", "")
    for number in range(23):
        create_via_form(client, token, name=f"Searchable {marker} {number:02d}")
    create_via_form(client, token, name="Someone Else", email=f"{marker}@example.net")
    first = client.get(f"/users?q={marker}")
    assert first.status_code == 200
    assert "24 users matching" in first.text
    assert first.text.count("<tr>") == 1 + 20  # the header row and 20 users
    assert "Page 1 of 2" in first.text
    second = client.get(f"/users?q={marker}&page=2")
    assert second.text.count("<tr>") == 1 + 4
    assert f"{marker}@example.net" in second.text  # found by its email
    assert f"q={marker}" in second.text  # page links keep the search
    nothing = client.get("/users?q=no-such-user-anywhere")
    assert "No users match" in nothing.text


def test_names_are_escaped_everywhere(admin_client: AdminClient) -> None:
    client, token = admin_client
    name = '<img src=x onerror="alert(1)">'
    detail_url = create_via_form(client, token, name=name)
    for page in (client.get(detail_url).text, client.get("/users?q=onerror").text):
        assert "<img src=x" not in page
        assert "&lt;img src=x onerror=" in page


# -- create, edit, delete ----------------------------------------------------------------------


def test_create_edit_delete_with_flash_messages(admin_client: AdminClient, rows: Rows) -> None:
    client, token = admin_client
    email = unique_email("crud")
    detail_url = create_via_form(client, token, name="Katherine Johnson", email=email)
    detail = client.get(detail_url).text
    assert "Added Katherine Johnson." in detail
    assert email in detail
    user_id = int(detail_url.rstrip("/").rsplit("/", 1)[1])

    edit_page = client.get(f"/users/{user_id}/edit").text
    assert 'value="Katherine Johnson"' in edit_page
    response = client.post(
        f"/users/{user_id}/edit",
        data={"name": "K. Johnson", "email": email, "role": "admin", "password": "",
              "csrf_token": token},
    )  # fmt: skip
    assert response.status_code == 302
    assert "Saved the changes to K. Johnson." in client.get(detail_url).text
    row = rows.get(user_id)
    assert row is not None and row["role"] == "admin"

    confirm = client.get(f"/users/{user_id}/delete")
    assert confirm.status_code == 200
    assert "Delete K. Johnson?" in confirm.text
    assert rows.get(user_id) is not None  # asking does not delete
    deleted = client.post(f"/users/{user_id}/delete", data={"csrf_token": token})
    assert deleted.status_code == 302
    assert "Deleted K. Johnson." in client.get("/users").text
    assert rows.get(user_id) is None
    assert client.get(detail_url).status_code == 404


def test_edit_keeps_the_password_when_left_empty(admin_client: AdminClient, rows: Rows) -> None:
    client, token = admin_client
    email = unique_email("keep")
    url = create_via_form(client, token, email=email, password="first password")
    user_id = int(url.rsplit("/", 1)[1])
    before = rows.get(user_id)
    data = {"name": "Renamed", "email": email, "role": "user", "password": "", "csrf_token": token}
    client.post(f"/users/{user_id}/edit", data=data)
    after = rows.get(user_id)
    assert before is not None and after is not None
    assert after["password_hash"] == before["password_hash"] and after["name"] == "Renamed"


def test_token_page_shows_a_working_token_once(admin_client: AdminClient, users_app: Erlen) -> None:
    client, token = admin_client
    url = create_via_form(client, token)
    response = client.post(f"{url}/token", data={"csrf_token": token})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    match = re.search(r'<code id="token">([^<]+)</code>', response.text)
    assert match is not None
    api = Api(users_app.test_client(), match.group(1))
    assert api.get("/api/users").status_code == 200


def test_regular_users_cannot_manage_others(admin_client: AdminClient, users_app: Erlen) -> None:
    client, token = admin_client
    email = unique_email("regular")
    own_url = create_via_form(client, token, email=email, password="regular pw")
    other_url = create_via_form(client, token)
    regular = users_app.test_client()
    regular_token = sign_in(regular, email, "regular pw")
    listing = regular.get("/users").text
    assert "Add user" not in listing
    assert regular.get("/users/new").status_code == 403
    assert regular.get(f"{other_url}/edit").status_code == 403
    assert regular.get(f"{other_url}/delete").status_code == 403
    assert regular.get(f"{own_url}/delete").status_code == 403
    own_edit = regular.get(f"{own_url}/edit").text
    assert 'name="role"' not in own_edit
    response = regular.post(
        f"{own_url}/edit",
        data={"name": "Me", "email": email, "role": "admin", "csrf_token": regular_token},
    )
    assert response.status_code == 302
    assert "badge-user" in regular.get(own_url).text  # the forged role was ignored


# -- CSRF --------------------------------------------------------------------------------------


@pytest.mark.parametrize("sent", [None, "", "wrong", "ünïcödé", "x" * 5000])
def test_forms_without_the_right_csrf_token_are_refused(
    admin_client: AdminClient, rows: Rows, sent: str | None
) -> None:
    client, _ = admin_client
    count = rows.count()
    form = {"name": "No Token", "email": unique_email(), "role": "user", "password": "password1"}
    if sent is not None:
        form["csrf_token"] = sent
    response = client.post("/users/new", data=form)
    assert response.status_code == 400
    assert "This form has expired" in response.text
    assert "reload the page" in response.text
    assert rows.count() == count


def test_login_form_needs_the_csrf_token_too(client: TestClient) -> None:
    client.get("/login")
    response = client.post("/login", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert response.status_code == 400
    assert client.get("/users").status_code == 302


# -- error pages -------------------------------------------------------------------------------


def test_404_and_405_pages_are_in_the_site_style(admin_client: AdminClient) -> None:
    client, _ = admin_client
    missing = client.get("/users/987654321")
    assert missing.status_code == 404
    assert missing.mimetype == "text/html"
    assert "style.css" in missing.text and "Back to the user list" in missing.text
    assert "There is no user with id 987654321." in missing.text
    nowhere = client.get("/no/such/page")
    assert nowhere.status_code == 404 and "style.css" in nowhere.text
    wrong_method = client.open("/users", "DELETE")
    assert wrong_method.status_code == 405
    assert "GET" in wrong_method.headers["Allow"]
    assert "style.css" in wrong_method.text


def test_errors_are_json_for_clients_that_ask_for_json(client: TestClient) -> None:
    response = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json["error"]["status"] == 404


@pytest.fixture
def failing_app(tmp_path: Path) -> Erlen:
    """The demo app with errors not propagated (as in production) and two failing views."""
    from usersapp import create_app

    app = create_app(
        app_config(
            f"sqlite:///{tmp_path / 'users.sqlite3'}", tmp_path, TESTING=False,
            PROPAGATE_EXCEPTIONS=False,
        )
    )  # fmt: skip
    app.logger.disabled = True

    def boom() -> str:
        raise RuntimeError("secret internals")

    app.add_url_rule("/boom", "boom", boom)
    app.add_url_rule("/api/boom", "api_boom", boom)
    return app


def test_500_is_a_styled_page_or_json_without_internals(failing_app: Erlen) -> None:
    client = failing_app.test_client()
    page = client.get("/boom")
    assert page.status_code == 500
    assert "Something went wrong" in page.text and "style.css" in page.text
    assert "secret internals" not in page.text
    api = client.get("/api/boom")
    assert api.status_code == 500
    assert api.json["error"]["status"] == 500
    assert "secret internals" not in api.text
