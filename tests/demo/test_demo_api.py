"""The JSON API through the test client, on every database backend."""

from __future__ import annotations

import pytest
from demo_support import ADMIN_EMAIL, Api, Rows, error_locations, sign_in, unique_email

from erlen.testing import TestClient

pytestmark = pytest.mark.usefixtures("backend")


def new_user(api: Api, **fields: object) -> dict[str, object]:
    body = {"name": "Ada Lovelace", "email": unique_email(), "password": "analytical engine"}
    body.update(fields)
    response = api.post("/api/users", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json)


# -- create, read, update, delete ----------------------------------------------------------------


def test_post_creates_a_new_user_each_time_with_location(api: Api) -> None:
    email_one, email_two = unique_email(), unique_email()
    first = api.post("/api/users", json={"name": "A", "email": email_one, "password": "p" * 8})
    second = api.post("/api/users", json={"name": "A", "email": email_two, "password": "p" * 8})
    assert first.status_code == second.status_code == 201
    assert first.json["id"] != second.json["id"]
    assert first.location is not None and first.location.endswith(f"/api/users/{first.json['id']}")
    assert api.get(first.location).json == first.json


def test_created_user_has_fields_and_no_secrets(api: Api) -> None:
    email = unique_email("Grace.Hopper")
    user = new_user(api, name="  Grace Hopper  ", email=f"  {email.upper()}  ")
    assert set(user) == {"id", "name", "email", "role", "created_at", "updated_at"}
    assert user["name"] == "Grace Hopper"
    assert user["email"] == email.lower()
    assert user["role"] == "user"
    assert str(user["created_at"]).endswith("Z")


def test_put_creates_on_first_request_then_replaces(api: Api) -> None:
    user_id = 500_000 + (abs(hash(unique_email())) % 100_000)
    body = {"name": "Put Person", "email": unique_email("put"), "password": "first password"}
    created = api.put(f"/api/users/{user_id}", json=body)
    assert created.status_code == 201, created.text
    assert created.json["id"] == user_id
    assert created.location is not None and created.location.endswith(f"/api/users/{user_id}")
    body["name"] = "Put Person, replaced"
    replaced = api.put(f"/api/users/{user_id}", json=body)
    assert replaced.status_code == 200
    assert replaced.json["name"] == "Put Person, replaced"
    # The id sequence moved past the explicit id: POST still creates new rows.
    assert new_user(api)["id"] != user_id


def test_put_replacement_resets_omitted_role_and_keeps_password(api: Api, rows: Rows) -> None:
    user = new_user(api, role="admin")
    before = rows.get(int(str(user["id"])))
    response = api.put(f"/api/users/{user['id']}", json={"name": "N", "email": user["email"]})
    assert response.status_code == 200
    assert response.json["role"] == "user"
    after = rows.get(int(str(user["id"])))
    assert before is not None and after is not None
    assert after["password_hash"] == before["password_hash"]


def test_put_creating_a_user_needs_a_password(api: Api, rows: Rows) -> None:
    count = rows.count()
    body = {"name": "No Password", "email": unique_email("put")}
    response = api.put("/api/users/765433", json=body)
    assert response.status_code == 422
    assert error_locations(response.json) == {("body", "password")}
    assert response.json["error"]["errors"][0]["type"] == "missing"
    assert rows.count() == count


def test_put_accepts_back_what_get_answered(api: Api) -> None:
    user = new_user(api)
    response = api.put(f"/api/users/{user['id']}", json={**user, "name": "Sent Back"})
    assert response.status_code == 200, response.text
    assert response.json["name"] == "Sent Back"
    assert response.json["created_at"] == user["created_at"]


def test_answers_never_carry_password_or_token_hashes(api: Api) -> None:
    user = new_user(api, password="a secret password")
    fields = {"id", "name", "email", "role", "created_at", "updated_at"}
    answers = [
        api.get(f"/api/users/{user['id']}").json,
        api.patch(f"/api/users/{user['id']}", json={"password": "another secret"}).json,
        *api.get(f"/api/users?q={user['email']}").json["items"],
    ]
    for answer in answers:
        assert set(answer) == fields
        assert "argon2" not in str(answer) and "secret" not in str(answer)


def test_patch_changes_only_the_fields_sent(api: Api) -> None:
    user = new_user(api)
    response = api.patch(f"/api/users/{user['id']}", json={"name": "Changed"})
    assert response.status_code == 200
    assert response.json["name"] == "Changed"
    assert response.json["email"] == user["email"]
    assert response.json["updated_at"] >= user["updated_at"]


def test_patch_password_lets_the_user_sign_in_with_it(api: Api, client: TestClient) -> None:
    user = new_user(api)
    assert (
        api.patch(f"/api/users/{user['id']}", json={"password": "brand new pw"}).status_code == 200
    )
    sign_in(client, str(user["email"]), "brand new pw")


def test_get_one_and_unknown_ids(api: Api) -> None:
    user = new_user(api)
    assert api.get(f"/api/users/{user['id']}").json == user
    for user_id in ("0", "987654321", "99999999999999999999999"):
        response = api.get(f"/api/users/{user_id}")
        assert response.status_code == 404, user_id
        assert response.json["error"]["status"] == 404
    assert api.patch("/api/users/987654321", json={"name": "x"}).status_code == 404
    assert api.delete("/api/users/987654321").status_code == 404


def test_delete_answers_204_then_404(api: Api, rows: Rows) -> None:
    user = new_user(api)
    count = rows.count()
    response = api.delete(f"/api/users/{user['id']}")
    assert response.status_code == 204
    assert response.data == b""
    assert rows.count() == count - 1
    assert api.get(f"/api/users/{user['id']}").status_code == 404
    assert api.delete(f"/api/users/{user['id']}").status_code == 404


# -- listing ---------------------------------------------------------------------------------------


def test_list_is_paginated_with_total(api: Api) -> None:
    marker = unique_email("pagination").split("@")[0]
    for number in range(5):
        new_user(api, name=f"Paged {marker} {number}")
    first = api.get(f"/api/users?q={marker}&per_page=2")
    assert first.status_code == 200
    assert set(first.json) == {"items", "page", "per_page", "total"}
    assert (first.json["page"], first.json["per_page"], first.json["total"]) == (1, 2, 5)
    assert len(first.json["items"]) == 2
    third = api.get(f"/api/users?q={marker}&per_page=2&page=3").json
    assert len(third["items"]) == 1
    beyond = api.get(f"/api/users?q={marker}&per_page=2&page=9").json
    assert beyond["items"] == [] and beyond["total"] == 5
    names = []
    for page in (1, 2, 3):
        names += [
            item["name"]
            for item in api.get(f"/api/users?q={marker}&per_page=2&page={page}").json["items"]
        ]
    assert sorted(names) == [f"Paged {marker} {number}" for number in range(5)]


def test_list_filters_by_query_in_name_or_email_and_by_role(api: Api) -> None:
    marker = unique_email("filter").split("@")[0]
    new_user(api, name=f"Zed {marker.upper()}")
    new_user(api, email=f"{marker}@example.org", role="admin")
    by_query = api.get(f"/api/users?q={marker}").json
    assert by_query["total"] == 2
    admins = api.get(f"/api/users?q={marker}&role=admin").json
    assert [item["email"] for item in admins["items"]] == [f"{marker}@example.org"]
    assert api.get("/api/users?q=%25").json["total"] == 0  # LIKE wildcards are literal
    assert api.get(f"/api/users?q={marker}&role=").json["total"] == 2  # an empty role: any


def test_list_default_page_size_and_limits(api: Api) -> None:
    assert api.get("/api/users").json["per_page"] == 20
    assert api.get("/api/users?per_page=100").status_code == 200
    response = api.get("/api/users?per_page=101&page=0&role=boss")
    assert response.status_code == 422
    assert error_locations(response.json) == {
        ("query", "per_page"),
        ("query", "page"),
        ("query", "role"),
    }


# -- errors ------------------------------------------------------------------------------------


def test_duplicate_email_is_409_whatever_its_case(api: Api, rows: Rows) -> None:
    user = new_user(api)
    count = rows.count()
    body = {"name": "Twin", "email": str(user["email"]).upper(), "password": "password1"}
    response = api.post("/api/users", json=body)
    assert response.status_code == 409
    assert response.json["error"]["status"] == 409
    other = new_user(api)
    patch = api.patch(f"/api/users/{other['id']}", json={"email": user["email"]})
    assert patch.status_code == 409
    assert rows.count() == count + 1


def test_invalid_fields_are_422_listing_every_field(api: Api, rows: Rows) -> None:
    count = rows.count()
    body = {"name": "", "email": "not-an-email", "role": "boss", "password": "short", "x": 1}
    response = api.post("/api/users", json=body)
    assert response.status_code == 422
    errors = response.json["error"]["errors"]
    assert error_locations(response.json) == {
        ("body", field) for field in ("name", "email", "role", "password", "x")
    }
    assert all(error["msg"] and error["type"] for error in errors)
    by_field = {error["loc"][-1]: error for error in errors}
    assert by_field["x"]["type"] == "extra_forbidden"
    assert by_field["email"]["type"] == "invalid_email"
    assert by_field["email"]["input"] == "not-an-email"
    assert by_field["password"]["type"] == "string_too_short"
    assert rows.count() == count


def test_missing_required_fields_are_listed(api: Api) -> None:
    response = api.post("/api/users", json={})
    assert response.status_code == 422
    errors = response.json["error"]["errors"]
    assert [error["loc"] for error in errors] == [
        ["body", "name"],
        ["body", "email"],
        ["body", "password"],
    ]
    assert {error["type"] for error in errors} == {"missing"}


def test_non_json_body_is_415(api: Api) -> None:
    response = api.post(
        "/api/users", data="name=x", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 415
    assert response.json["error"]["status"] == 415


def test_malformed_json_is_400(api: Api) -> None:
    response = api.post(
        "/api/users", data=b'{"name": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json["error"]["status"] == 400


def test_wrong_method_is_405_with_allow(api: Api) -> None:
    response = api.post("/api/users/1", json={})
    assert response.status_code == 405
    allowed = {method.strip() for method in response.headers["Allow"].split(",")}
    assert {"GET", "PUT", "PATCH", "DELETE"} <= allowed
    assert "POST" not in allowed
    assert response.json["error"]["status"] == 405


def test_unknown_api_path_is_json_404(api: Api) -> None:
    response = api.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json["error"]["status"] == 404


# -- authentication --------------------------------------------------------------------------


def test_unauthenticated_calls_are_401_json(client: TestClient) -> None:
    for method, path in (("GET", "/api/users"), ("POST", "/api/users"), ("GET", "/api/users/1"),
                         ("DELETE", "/api/users/1")):  # fmt: skip
        response = client.open(path, method, json={} if method == "POST" else None)
        assert response.status_code == 401, (method, path)
        assert response.json["error"]["status"] == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_wrong_token_is_401_even_with_a_session(admin_client: tuple[TestClient, str]) -> None:
    client, _ = admin_client
    assert client.get("/api/users").status_code == 200  # the session alone works
    for header in ("Bearer wrong-token", "Basic YWRtaW46cGFzcw==", "Bearer "):
        response = client.get("/api/users", headers={"Authorization": header})
        assert response.status_code == 401, header


def test_session_calls_need_the_csrf_header_for_writes(
    admin_client: tuple[TestClient, str], rows: Rows
) -> None:
    client, token = admin_client
    body = {"name": "Via session", "email": unique_email(), "password": "password1"}
    count = rows.count()
    refused = client.post("/api/users", json=body)
    assert refused.status_code == 400
    assert refused.json["error"]["status"] == 400
    refused = client.post("/api/users", json=body, headers={"X-CSRF-Token": "wrong"})
    assert refused.status_code == 400
    assert rows.count() == count
    accepted = client.post("/api/users", json=body, headers={"X-CSRF-Token": token})
    assert accepted.status_code == 201


def test_bearer_calls_set_no_session_cookie(api: Api) -> None:
    response = api.get("/api/users")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_regular_users_read_all_but_write_only_themselves(api: Api, client: TestClient) -> None:
    from usersapp.users import get_user_by_email, issue_token

    me = new_user(api)
    other = new_user(api)
    with client.app.app_context():
        user = get_user_by_email(str(me["email"]))
        assert user is not None
        token = issue_token(user)
    mine = Api(client, token)
    assert mine.get("/api/users").status_code == 200
    assert mine.get(f"/api/users/{other['id']}").status_code == 200
    assert mine.patch(f"/api/users/{me['id']}", json={"name": "Me"}).status_code == 200
    assert mine.patch(f"/api/users/{other['id']}", json={"name": "X"}).status_code == 403
    assert mine.patch(f"/api/users/{me['id']}", json={"role": "admin"}).status_code == 403
    assert mine.delete(f"/api/users/{other['id']}").status_code == 403
    body = {"name": "N", "email": unique_email(), "password": "password1"}
    assert mine.post("/api/users", json=body).status_code == 403
    assert mine.put("/api/users/765432", json=body).status_code == 403


def test_admins_cannot_delete_or_demote_themselves(api: Api) -> None:
    admin = api.get(f"/api/users?q={ADMIN_EMAIL}").json["items"][0]
    assert api.delete(f"/api/users/{admin['id']}").status_code == 403
    assert api.patch(f"/api/users/{admin['id']}", json={"role": "user"}).status_code == 403
