"""The OpenAPI 3.1 document: generated from routes and typed views, valid, served, configurable."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import pytest
from openapi_spec_validator import validate
from pydantic import BaseModel, Field

from erlen import Blueprint, Erlen
from erlen.errors import NotFound
from erlen.params import Cookie, File, Form, Header, Query


class NewUser(BaseModel):
    name: str = Field(min_length=1, description="Full name")
    email: str


class User(NewUser):
    id: int


class Page(BaseModel):
    page: int = Field(1, ge=1)
    size: int = Field(20, le=100)


@pytest.fixture
def api_app(app: Erlen) -> Erlen:
    users = Blueprint("users", __name__, url_prefix="/api/users")

    @users.get("/")
    def list_users(paging: Annotated[Page, Query()], q: str | None = None) -> list[User]:
        """List users.

        Ten at a time, filtered by ``q``.
        """
        return []

    @users.post("/", status_code=201)
    def create_user(user: NewUser) -> User:
        """Create a user."""
        return User(id=1, name=user.name, email=user.email)

    @users.get("/<int:user_id>")
    def get_user(user_id: int, x_trace: Annotated[str | None, Header()] = None) -> User:
        return User(id=user_id, name="a", email="e")

    @users.errorhandler(404)
    def missing(error: Any) -> Any:
        return {"missing": True}, 404

    app.register_blueprint(users)

    @app.post("/upload")
    def upload(
        title: Annotated[str, Form()],
        document: Annotated[Any, File()],
        theme: Annotated[str, Cookie()] = "light",
    ) -> str:
        return "ok"

    @app.get("/plain/<uuid:key>/<any(a, b):kind>")
    def plain(key: Any, kind: Any):  # type: ignore[no-untyped-def]
        """An untyped view is documented from its rule."""
        return "plain"

    @app.get("/hidden", openapi=False)
    def hidden() -> str:
        return "hidden"

    @app.errorhandler(NotFound)
    def not_found(error: Any) -> Any:
        return {"nope": True}, 404

    return app


def test_the_document_validates_as_openapi_3_1(api_app: Erlen) -> None:
    document = api_app.openapi()
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_operations_carry_parameters_bodies_and_responses(api_app: Erlen) -> None:
    paths = api_app.openapi()["paths"]
    listing = paths["/api/users/"]["get"]
    assert listing["tags"] == ["users"]
    assert listing["summary"] == "List users."
    assert "Ten at a time" in listing["description"]
    params = {param["name"]: param for param in listing["parameters"]}
    assert params["page"]["in"] == "query" and params["page"]["schema"]["minimum"] == 1
    assert params["size"]["schema"]["maximum"] == 100 and "required" not in params["size"]
    assert listing["responses"]["200"]["content"]["application/json"]["schema"]["type"] == "array"
    assert "422" in listing["responses"]
    assert "404" in listing["responses"]  # the blueprint's and the app's handlers

    create = paths["/api/users/"]["post"]
    schema = create["requestBody"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/NewUser"}
    assert create["requestBody"]["required"] is True
    assert set(create["responses"]) >= {"201", "422"}

    get = paths["/api/users/{user_id}"]["get"]
    by_name = {param["name"]: param for param in get["parameters"]}
    assert by_name["user_id"] == {
        "name": "user_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
    }
    assert by_name["x-trace"]["in"] == "header"


def test_forms_files_cookies_and_untyped_routes(api_app: Erlen) -> None:
    paths = api_app.openapi()["paths"]
    upload = paths["/upload"]["post"]
    form = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["required"] == ["title", "document"]
    assert form["properties"]["document"]["contentMediaType"] == "application/octet-stream"
    assert upload["parameters"][0]["in"] == "cookie"
    assert upload["parameters"][0]["schema"]["default"] == "light"

    plain = paths["/plain/{key}/{kind}"]["get"]
    schemas = [param["schema"] for param in plain["parameters"]]
    assert schemas == [{"type": "string", "format": "uuid"}, {"type": "string", "enum": ["a", "b"]}]
    assert plain["summary"] == "An untyped view is documented from its rule."
    assert "422" not in plain["responses"]
    assert "/hidden" not in paths and "/static/{filename}" not in paths
    assert "/openapi.json" not in paths and "/docs" not in paths


def test_components_hold_each_model_once_and_the_error_objects(api_app: Erlen) -> None:
    components = api_app.openapi()["components"]["schemas"]
    assert {"NewUser", "User", "Error", "ValidationError"} <= set(components)
    assert components["NewUser"]["properties"]["name"]["description"] == "Full name"


def test_security_schemes_from_config_and_route_options(app: Erlen) -> None:
    scheme = {"type": "apiKey", "in": "header", "name": "X-Key"}
    app.config["OPENAPI_SECURITY_SCHEMES"] = {"apiKey": scheme}

    @app.get("/secret", openapi={"security": [{"apiKey": []}], "summary": "Secret"})
    def secret(q: str = "") -> str:
        return q

    document = app.openapi()
    validate(document)
    assert document["components"]["securitySchemes"]["apiKey"]["name"] == "X-Key"
    operation = document["paths"]["/secret"]["get"]
    assert operation["security"] == [{"apiKey": []}] and operation["summary"] == "Secret"


def test_route_responses_are_added_to_the_generated_ones(app: Erlen) -> None:
    missing = {"description": "No such user"}

    @app.put(
        "/users/<int:user_id>",
        openapi={"responses": {404: missing, "200": {"description": "Replaced"}}},
    )
    def replace(user_id: int, user: NewUser) -> User:
        return User(id=user_id, name=user.name, email=user.email)

    document = app.openapi()
    validate(document)
    responses = document["paths"]["/users/{user_id}"]["put"]["responses"]
    assert set(responses) == {"200", "404", "422"}  # the generated 422 stays
    assert responses["404"] == missing
    assert responses["200"] == {"description": "Replaced"}  # a status given replaces its own


def test_the_auth_extension_declares_its_schemes(app: Erlen) -> None:
    from erlen.ext.auth import Auth

    auth: Auth[Any] = Auth()
    auth.init_app(app)

    @app.get("/me")
    @auth.login_required
    def me(verbose: bool = False) -> str:
        return "me"

    @app.get("/public")
    def public(q: str = "") -> str:
        return q

    document = app.openapi()
    validate(document)
    assert set(document["components"]["securitySchemes"]) == {"bearerAuth", "sessionCookie"}
    expected = [{"bearerAuth": []}, {"sessionCookie": []}]
    assert document["paths"]["/me"]["get"]["security"] == expected
    assert "security" not in document["paths"]["/public"]["get"]


def test_the_document_and_the_docs_page_are_served(api_app: Erlen) -> None:
    client = api_app.test_client()
    response = client.get("/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_json() == api_app.openapi()
    page = client.get("/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert 'data-openapi-url="/openapi.json"' in text and "cdn" not in text.lower()
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js", "erlen-docs.js"):
        answer = client.get(f"/docs/assets/{asset}")
        assert answer.status_code == 200 and answer.get_data()
    assert client.get("/docs/assets/../../etc/passwd").status_code == 404
    assert client.get("/docs/assets/index.html").status_code == 404


def test_the_urls_are_configurable_and_can_be_turned_off(app: Erlen) -> None:
    app.config["OPENAPI_URL"] = "/api/schema.json"
    app.config["DOCS_URL"] = None

    @app.get("/find")
    def find(q: str) -> str:
        return q

    client = app.test_client()
    assert client.get("/api/schema.json").get_json()["paths"]["/find"]
    assert client.get("/docs").status_code == 404
    assert client.get("/openapi.json").status_code == 404

    quiet = Erlen("quiet")
    quiet.config["OPENAPI_URL"] = None

    @quiet.get("/find")
    def find_quietly(q: str) -> str:
        return q

    assert quiet.test_client().get("/openapi.json").status_code == 404
    assert quiet.openapi()["paths"]["/find"]  # still available to the program


def test_an_app_without_typed_views_has_no_docs_routes(app: Erlen) -> None:
    @app.get("/")
    def index() -> str:
        return "hi"

    assert app.test_client().get("/openapi.json").status_code == 404
    validate(app.openapi())


def test_the_tutorial_api_works_and_its_document_validates() -> None:
    import importlib.util

    from .conftest import ROOT

    spec = importlib.util.spec_from_file_location("typed_api", ROOT / "examples" / "typed_api.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    client = module.app.test_client()

    created = client.post("/api/users", json={"name": "Ada", "email": "ada@example.org"})
    assert created.status_code == 201
    assert created.get_json() == {"name": "Ada", "email": "ada@example.org", "id": 1}
    assert client.get("/api/users?q=ad").get_json() == [created.get_json()]
    bad = client.post("/api/users?page=0", json={"name": "", "email": "nope"})
    assert [error["loc"] for error in bad.get_json()["error"]["errors"]] == [
        ["body", "name"],
        ["body", "email"],
    ]
    listing = client.get("/api/users?page=0&per_page=x").get_json()["error"]["errors"]
    assert [error["loc"] for error in listing] == [["query", "page"], ["query", "per_page"]]
    assert client.put("/api/users/1", json={"name": "A", "email": "a@b"}).status_code == 200
    assert client.delete("/api/users/1").status_code == 204
    document = client.get("/openapi.json").get_json()
    validate(document)
    assert document["info"]["title"] == "Users"
    assert set(document["paths"]) == {"/api/users", "/api/users/{user_id}"}
    assert set(document["paths"]["/api/users/{user_id}"]) == {"get", "put", "delete"}


class _Opaque:
    """A type a parameter may name by habit, with no JSON Schema."""


def test_a_type_without_a_schema_is_described_in_words_not_a_500(app: Erlen) -> None:
    @app.get("/items")
    def items(page: int = 1) -> dict[str, int]:
        return {"page": page}

    @app.get("/search")
    def search(q: str = "", helper: _Opaque | None = None) -> dict[str, str]:
        return {"q": q}

    with pytest.warns(UserWarning, match="cannot describe"):
        response = app.test_client().get("/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    (helper,) = [
        p for p in document["paths"]["/search"]["get"]["parameters"] if p["name"] == "helper"
    ]
    assert "Not describable" in helper["schema"]["description"]
    assert document["paths"]["/items"]["get"]["parameters"][0]["schema"]["type"] == "integer"


def test_non_finite_defaults_leave_the_document_strict_json(app: Erlen) -> None:
    @app.get("/search")
    def search(q: str = "", max_price: float = float("inf"), low: float = -1.5) -> str:
        return q

    def refuse(token: str) -> None:
        raise AssertionError(f"not JSON: {token}")

    body = app.test_client().get("/openapi.json").get_data(as_text=True)
    document = json.loads(body, parse_constant=refuse)
    validate(document)
    by_name = {p["name"]: p for p in document["paths"]["/search"]["get"]["parameters"]}
    assert "default" not in by_name["max_price"]["schema"]
    assert by_name["max_price"]["schema"]["type"] == "number"
    assert by_name["low"]["schema"]["default"] == -1.5


def test_a_list_with_a_non_finite_value_is_left_out_whole(app: Erlen) -> None:
    @app.get("/limit")
    def limit(cap: Literal[1.0, float("inf")] = 1.0) -> str:  # type: ignore[valid-type]
        return str(cap)

    document = app.openapi()
    json.dumps(document, allow_nan=False)
    (cap,) = document["paths"]["/limit"]["get"]["parameters"]
    assert "enum" not in json.dumps(cap["schema"])
