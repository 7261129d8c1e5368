"""The demo's API description: /openapi.json (valid OpenAPI 3.1) and the /docs page.

The document is made from the typed views of ``views/api.py``; the pages are left out of it.
"""

from __future__ import annotations

from typing import Any

import pytest
from openapi_spec_validator import validate

from erlen import Erlen
from erlen.testing import TestClient

pytestmark = pytest.mark.usefixtures("backend")

OPERATIONS = {
    ("/api/users", "get"),
    ("/api/users", "post"),
    ("/api/users/{user_id}", "get"),
    ("/api/users/{user_id}", "put"),
    ("/api/users/{user_id}", "patch"),
    ("/api/users/{user_id}", "delete"),
}


@pytest.fixture(scope="module")
def document(users_app: Erlen) -> dict[str, Any]:
    return users_app.openapi()


def test_the_document_validates_as_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_it_is_served_without_signing_in(client: TestClient, document: dict[str, Any]) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.json == document
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert 'data-openapi-url="/openapi.json"' in docs.text


def test_it_describes_the_api_and_not_the_pages(document: dict[str, Any]) -> None:
    operations = {(path, method) for path, item in document["paths"].items() for method in item}
    assert operations == OPERATIONS


def test_every_operation_needs_the_token_or_the_session(document: dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    assert schemes["sessionCookie"]["in"] == "cookie"
    for path, method in OPERATIONS:
        operation = document["paths"][path][method]
        assert operation["security"] == [{"bearerAuth": []}, {"sessionCookie": []}]
        assert "401" in operation["responses"], (path, method)


def test_statuses_bodies_and_models(document: dict[str, Any]) -> None:
    paths = document["paths"]
    schemas = document["components"]["schemas"]
    create = paths["/api/users"]["post"]
    assert set(create["responses"]) >= {"201", "403", "409", "415", "422"}
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/NewUser"
    }
    assert schemas["NewUser"]["required"] == ["name", "email", "password"]
    assert schemas["NewUser"]["properties"]["password"]["writeOnly"] is True
    assert schemas["UserChanges"].get("required") is None
    assert "password" not in schemas["User"]["properties"]
    assert set(paths["/api/users/{user_id}"]["put"]["responses"]) >= {"200", "404", "422"}
    assert "204" in paths["/api/users/{user_id}"]["delete"]["responses"]
    listing = {param["name"]: param for param in paths["/api/users"]["get"]["parameters"]}
    assert set(listing) == {"q", "role", "page", "per_page"}
    assert listing["per_page"]["schema"]["maximum"] == 100
    user_id = paths["/api/users/{user_id}"]["get"]["parameters"][0]
    assert user_id["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
