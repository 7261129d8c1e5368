"""Bad input, through the API and the pages: always a 4xx, never a 500, never a partial write.

The app runs with ``TESTING`` on, so an unhandled error would raise here instead of hiding in a
500 page. After every refused request the table is checked: no new row, no changed row.
"""

from __future__ import annotations

from typing import Any

import pytest
from demo_support import Api, Rows, csrf_from, error_locations, unique_email

from erlen.testing import TestClient

pytestmark = pytest.mark.usefixtures("backend")

VALID = {"name": "Valid Name", "password": "valid password"}

BAD_FIELDS: list[tuple[str, dict[str, Any], set[str]]] = [
    ("name is a number", {"name": 123}, {"name"}),
    ("name is true", {"name": True}, {"name"}),
    ("name is a list", {"name": ["a"]}, {"name"}),
    ("name is an object", {"name": {"first": "a"}}, {"name"}),
    ("name is null", {"name": None}, {"name"}),
    ("name is empty", {"name": ""}, {"name"}),
    ("name is blank", {"name": "   "}, {"name"}),
    ("name is too long", {"name": "x" * 101}, {"name"}),
    ("name has a NUL", {"name": "a\x00b"}, {"name"}),
    ("name has a line break", {"name": "a\nb"}, {"name"}),
    ("email is null", {"email": None}, {"email"}),
    ("email is a number", {"email": 42}, {"email"}),
    ("email has no at", {"email": "no-at.example.com"}, {"email"}),
    ("email has no domain dot", {"email": "a@localhost"}, {"email"}),
    ("email has a space", {"email": "a b@example.com"}, {"email"}),
    ("email has two ats", {"email": "a@@example.com"}, {"email"}),
    ("email has a leading dot", {"email": ".a@example.com"}, {"email"}),
    ("email is too long", {"email": "a" * 64 + "@" + "b" * 60 + "." + "c" * 126 + ".io"},
     {"email"}),
    ("email has a NUL", {"email": "a\x00@example.com"}, {"email"}),
    ("role is unknown", {"role": "boss"}, {"role"}),
    ("role is upper case", {"role": "ADMIN"}, {"role"}),
    ("role is a list", {"role": ["admin"]}, {"role"}),
    ("password is short", {"password": "1234567"}, {"password"}),
    ("password is too long", {"password": "p" * 129}, {"password"}),
    ("password is a number", {"password": 12345678}, {"password"}),
    ("an unknown field", {"nickname": "x"}, {"nickname"}),
    ("everything at once", {"name": 1, "email": None, "role": 2, "password": []},
     {"name", "email", "role", "password"}),
]  # fmt: skip


@pytest.mark.parametrize(("case", "fields", "bad"), BAD_FIELDS, ids=[c[0] for c in BAD_FIELDS])
def test_api_post_refuses_bad_fields(
    api: Api, rows: Rows, case: str, fields: dict[str, Any], bad: set[str]
) -> None:
    count = rows.count()
    body = {**VALID, "email": unique_email(), **fields}
    response = api.post("/api/users", json=body)
    assert response.status_code == 422, response.text
    assert error_locations(response.json) == {("body", field) for field in bad}
    assert rows.count() == count


@pytest.mark.parametrize(("case", "fields", "bad"), BAD_FIELDS, ids=[c[0] for c in BAD_FIELDS])
def test_api_patch_and_put_refuse_bad_fields_and_change_nothing(
    api: Api, rows: Rows, case: str, fields: dict[str, Any], bad: set[str]
) -> None:
    created = api.post("/api/users", json={**VALID, "email": unique_email()}).json
    before = rows.get(created["id"])
    patch = api.patch(f"/api/users/{created['id']}", json=fields)
    assert patch.status_code == 422, patch.text
    assert error_locations(patch.json) == {("body", field) for field in bad}
    put = api.put(f"/api/users/{created['id']}", json={**VALID, "email": "x@example.com", **fields})
    assert put.status_code == 422, put.text
    assert error_locations(put.json) == {("body", field) for field in bad}
    assert rows.get(created["id"]) == before


RAW_BODIES: list[tuple[str, bytes, int]] = [
    ("a JSON array", b"[]", 422),
    ("a JSON string", b'"name"', 422),
    ("a JSON number", b"5", 422),
    ("JSON null", b"null", 422),
    ("an empty body", b"", 422),  # the body the view requires is missing: loc ["body"]
    ("truncated JSON", b'{"name": "x"', 400),
    ("not JSON at all", b"name=x&email=y", 400),
    ("invalid UTF-8", b'{"name": "\xff\xfe"}', 400),
    ("deeply nested JSON", b"[" * 500 + b"]" * 500, 400),
    ("a lone surrogate", b'{"name": "\\ud800", "email": "s@example.com", "password": "12345678"}',
     400),
]  # fmt: skip


@pytest.mark.parametrize(("case", "body", "status"), RAW_BODIES, ids=[c[0] for c in RAW_BODIES])
def test_api_refuses_bad_bodies(api: Api, rows: Rows, case: str, body: bytes, status: int) -> None:
    count = rows.count()
    response = api.post("/api/users", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == status, response.text
    assert response.json["error"]["status"] == status
    if status == 422:  # JSON, but not an object: the body as a whole is what failed
        assert error_locations(response.json) == {("body",)}
    assert rows.count() == count


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_api_refuses_bodies_that_are_not_json_with_415(
    api: Api, rows: Rows, content_type: str | None
) -> None:
    count = rows.count()
    headers = {"Content-Type": content_type} if content_type else {}
    response = api.post("/api/users", data=b'{"name": "x"}', headers=headers)
    assert response.status_code == 415
    assert rows.count() == count


@pytest.mark.parametrize(
    "query",
    ["page=abc", "page=-1", "page=0", "page=%C2%B2", "page=" + "9" * 5000, "per_page=1e3",
     "role=", "q=%00", "q=" + "%25" * 300, "q=%FF%FE", "page=1&page=2"],
)  # fmt: skip
def test_api_list_never_fails_on_odd_query_strings(api: Api, query: str) -> None:
    response = api.get(f"/api/users?{query}")
    assert response.status_code in (200, 422), response.text


def test_html_in_a_name_is_stored_as_text(api: Api) -> None:
    name = '<script>alert("x")</script> & <b>bold</b>'
    created = api.post("/api/users", json={**VALID, "name": name, "email": unique_email()})
    assert created.status_code == 201
    assert api.get(f"/api/users/{created.json['id']}").json["name"] == name


# -- pages -------------------------------------------------------------------------------------

FORM_CASES: list[tuple[str, dict[str, str], str]] = [
    ("empty name", {"name": ""}, "name"),
    ("blank name", {"name": "    "}, "name"),
    ("name too long", {"name": "n" * 101}, "name"),
    ("name with a NUL", {"name": "a\x00b"}, "name"),
    ("empty email", {"email": ""}, "email"),
    ("invalid email", {"email": "not an email"}, "email"),
    ("email too long", {"email": "a" * 250 + "@b.io"}, "email"),
    ("unknown role", {"role": "boss"}, "role"),
    ("short password", {"password": "short"}, "password"),
    ("long password", {"password": "p" * 129}, "password"),
]


@pytest.mark.parametrize(("case", "fields", "field"), FORM_CASES, ids=[c[0] for c in FORM_CASES])
def test_create_form_shows_the_error_by_its_field_and_keeps_input(
    admin_client: tuple[TestClient, str], rows: Rows, case: str, fields: dict[str, str], field: str
) -> None:
    client, token = admin_client
    count = rows.count()
    email = unique_email("form")
    form = {"name": "Form <Person>", "email": email, "role": "user", "password": "password1"}
    form.update(fields)
    response = client.post("/users/new", data={**form, "csrf_token": token})
    assert response.status_code == 422
    page = response.text
    assert f'id="{field}-error"' in page
    assert page.count('class="field-error"') == 1
    if field != "name":
        assert 'value="Form &lt;Person&gt;"' in page  # the input is kept, escaped
    if field != "email":
        assert f'value="{email}"' in page
    assert "password1" not in page  # passwords are never sent back
    assert rows.count() == count


def test_create_form_with_a_taken_email_shows_it_by_the_field(
    admin_client: tuple[TestClient, str], rows: Rows
) -> None:
    client, token = admin_client
    form = {"name": "Twin", "email": unique_email("twin"), "role": "user", "password": "password1"}
    assert client.post("/users/new", data={**form, "csrf_token": token}).status_code == 302
    count = rows.count()
    again = client.post(
        "/users/new", data={**form, "email": form["email"].upper(), "csrf_token": token}
    )
    assert again.status_code == 422
    assert 'id="email-error"' in again.text
    assert rows.count() == count


def test_edit_form_with_bad_input_changes_nothing(
    admin_client: tuple[TestClient, str], api: Api, rows: Rows
) -> None:
    client, token = admin_client
    created = api.post("/api/users", json={**VALID, "email": unique_email()}).json
    before = rows.get(created["id"])
    cases = [
        {"name": "", "email": "bad"},
        {"name": "ok", "email": "x@y.zz", "role": "root"},
        {"name": "x" * 101, "email": created["email"], "password": "short"},
    ]
    for fields in cases:
        data = {"role": "user", "password": "", **fields, "csrf_token": token}
        response = client.post(f"/users/{created['id']}/edit", data=data)
        assert response.status_code == 422
        assert rows.get(created["id"]) == before


def test_forms_without_fields_at_all_are_422(
    admin_client: tuple[TestClient, str], rows: Rows
) -> None:
    client, token = admin_client
    count = rows.count()
    assert client.post("/users/new", data={"csrf_token": token}).status_code == 422
    assert rows.count() == count


@pytest.mark.parametrize(
    "query", ["page=abc", "page=-3", "page=%C2%B2", "page=99999999999", "q=%00", "q=%FF",
              "q=" + "x" * 3000, "page=" + "9" * 5000],
)  # fmt: skip
def test_list_page_never_fails_on_odd_query_strings(
    admin_client: tuple[TestClient, str], query: str
) -> None:
    client, _ = admin_client
    assert client.get(f"/users?{query}").status_code == 200


def test_login_form_never_fails_on_odd_input(client: TestClient) -> None:
    token = csrf_from(client.get("/login").text)
    for form in ({}, {"email": "a\x00@b.cd", "password": "x"}, {"email": "x" * 5000},
                 {"email": "admin@example.com", "password": "p" * 10_000},
                 {"email": "admin@example.com", "password": "\x00"}):  # fmt: skip
        response = client.post("/login", data={**form, "csrf_token": token})
        assert response.status_code == 401, form
    for target in ("//evil.example/", "/\\evil.example", "https://evil.example/", "/ok\r\nX: y"):
        response = client.get("/login", query_string={"next": target})
        assert response.status_code == 200
        assert 'name="next"' not in response.text  # an unsafe target is dropped, not echoed
