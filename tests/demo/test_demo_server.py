"""The API over real HTTP: ``erlen --app examples/users/wsgi.py run`` in a subprocess."""

from __future__ import annotations

import pytest
from demo_support import ADMIN_EMAIL, DemoServer, unique_email

pytestmark = [pytest.mark.wsgi_only, pytest.mark.server]


def auth_header(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_cli_token_works_and_unknown_email_fails(
    demo_server: DemoServer, server_token: str
) -> None:
    assert len(server_token) >= 40
    result = demo_server.cli("create-token", "nobody@example.com")
    assert result.returncode != 0
    assert "no user with the email" in result.stderr
    response = demo_server.request("GET", "/api/users", headers=auth_header(server_token))
    assert response.status == 200
    assert ADMIN_EMAIL in {item["email"] for item in response.json()["items"]}


def test_post_creates_with_location(demo_server: DemoServer, server_token: str) -> None:
    body = {"name": "Over HTTP", "email": unique_email("http"), "password": "password1"}
    created = demo_server.request(
        "POST", "/api/users", json_body=body, headers=auth_header(server_token)
    )
    assert created.status == 201
    location = created.headers["location"]
    assert location.endswith(f"/api/users/{created.json()['id']}")
    fetched = demo_server.request("GET", location, headers=auth_header(server_token))
    assert fetched.status == 200 and fetched.json()["email"] == body["email"]


def test_put_creates_then_replaces(demo_server: DemoServer, server_token: str) -> None:
    body = {"name": "Put Over HTTP", "email": unique_email("put"), "password": "password1"}
    path = "/api/users/424242"
    first = demo_server.request("PUT", path, json_body=body, headers=auth_header(server_token))
    assert first.status == 201
    body["name"] = "Replaced"
    second = demo_server.request("PUT", path, json_body=body, headers=auth_header(server_token))
    assert second.status == 200 and second.json()["name"] == "Replaced"


def test_invalid_fields_are_422_listing_each(demo_server: DemoServer, server_token: str) -> None:
    body = {"name": 123, "email": None, "password": "x"}
    response = demo_server.request(
        "POST", "/api/users", json_body=body, headers=auth_header(server_token)
    )
    assert response.status == 422
    errors = response.json()["error"]["errors"]
    assert {tuple(error["loc"]) for error in errors} == {
        ("body", "name"),
        ("body", "email"),
        ("body", "password"),
    }


def test_non_json_is_415_and_bad_json_400(demo_server: DemoServer, server_token: str) -> None:
    headers = {**auth_header(server_token), "Content-Type": "text/plain"}
    response = demo_server.request("POST", "/api/users", body=b"name=x", headers=headers)
    assert response.status == 415
    headers["Content-Type"] = "application/json"
    response = demo_server.request("POST", "/api/users", body=b"{oops", headers=headers)
    assert response.status == 400
    assert response.json()["error"]["status"] == 400


def test_unauthenticated_is_401(demo_server: DemoServer) -> None:
    response = demo_server.request("GET", "/api/users")
    assert response.status == 401
    assert response.json()["error"]["status"] == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_wrong_method_is_405_with_allow(demo_server: DemoServer, server_token: str) -> None:
    response = demo_server.request("POST", "/api/users/1", headers=auth_header(server_token))
    assert response.status == 405
    assert "PATCH" in response.headers["allow"] and "POST" not in response.headers["allow"]


def test_unknown_id_404_and_delete_204(demo_server: DemoServer, server_token: str) -> None:
    headers = auth_header(server_token)
    assert demo_server.request("GET", "/api/users/99999999", headers=headers).status == 404
    body = {"name": "Short Lived", "email": unique_email("del"), "password": "password1"}
    created = demo_server.request("POST", "/api/users", json_body=body, headers=headers).json()
    deleted = demo_server.request("DELETE", f"/api/users/{created['id']}", headers=headers)
    assert deleted.status == 204 and deleted.body == b""
    assert demo_server.request("GET", f"/api/users/{created['id']}", headers=headers).status == 404


def test_pages_are_served_with_static_files(demo_server: DemoServer) -> None:
    login = demo_server.request("GET", "/login")
    assert login.status == 200 and b'name="viewport"' in login.body
    css = demo_server.request("GET", "/static/style.css")
    assert css.status == 200 and css.headers["content-type"].startswith("text/css")


def test_the_api_document_and_docs_page_are_served(demo_server: DemoServer) -> None:
    document = demo_server.request("GET", "/openapi.json")
    assert document.status == 200
    assert document.json()["openapi"] == "3.1.0"
    assert "bearerAuth" in document.json()["components"]["securitySchemes"]
    docs = demo_server.request("GET", "/docs")
    assert docs.status == 200 and b"swagger-ui" in docs.body
