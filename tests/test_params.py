"""Typed views: parameters bound from the request by their annotations, 422 listing every field.

Every test runs over WSGI and ASGI (the ``interface`` fixture in conftest.py).
"""

from __future__ import annotations

import dataclasses
import io
import json
import subprocess
import sys
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, Field, SecretStr, model_validator
from typing_extensions import TypedDict

from erlen import Blueprint, Erlen, request
from erlen.app.typed.binding import TypedView
from erlen.core.datastructures import FileStorage
from erlen.params import Body, Cookie, File, Form, Header, Path, Query


class NewUser(BaseModel):
    name: str = Field(min_length=1)
    email: str


class User(NewUser):
    id: int


@dataclasses.dataclass
class Note:
    title: str
    stars: int = 0


class Address(TypedDict):
    city: str
    zip: int


class SearchArgs(BaseModel):
    q: str
    page: int = 1
    tags: list[str] = []


def errors_of(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["error"]["status"] == 422
    return list(body["error"]["errors"])


# -- what stays untyped ----------------------------------------------------------------------


def test_a_view_without_annotations_is_registered_as_given(app: Erlen) -> None:
    def index(name):  # type: ignore[no-untyped-def]
        return name

    app.add_url_rule("/<name>", view_func=index)
    assert app.view_functions["index"] is index


def test_path_annotations_that_match_the_converter_stay_plain(app: Erlen) -> None:
    @app.get("/users/<int:user_id>/<name>/<float:ratio>")
    def show(user_id: int, name: str, ratio: float) -> str:
        return f"{user_id} {name} {ratio}"

    @app.get("/plain/<int:page>")
    def plain(page: int = 1, verbose=False) -> dict[str, Any]:  # type: ignore[no-untyped-def]
        return {"page": page}

    assert app.view_functions["show"] is show
    assert app.view_functions["plain"] is plain
    assert app.test_client().get("/users/3/ann/1.5").get_data(as_text=True) == "3 ann 1.5"


def test_import_erlen_and_untyped_routes_do_not_import_pydantic() -> None:
    code = (
        "import sys\n"
        "from erlen import Erlen\n"
        "app = Erlen('x')\n"
        "@app.get('/u/<int:user_id>')\n"
        "def u(user_id: int) -> str:\n"
        "    return 'x'\n"
        "print('pydantic' in sys.modules, 'erlen.app.typed.params' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.split() == ["False", "True"], result.stderr


def test_the_first_typed_view_wraps_it_in_a_binder(app: Erlen) -> None:
    @app.get("/search")
    def search(q: str) -> str:
        return q

    assert isinstance(app.view_functions["search"], TypedView)
    assert app.view_functions["search"] == search  # compares as the view it wraps


# -- parameters ------------------------------------------------------------------------------


def test_query_parameters_are_converted_and_defaulted(app: Erlen) -> None:
    @app.get("/items")
    def items(page: int = 1, size: int = 10, active: bool = False, q: str | None = None) -> Any:
        return {"page": page, "size": size, "active": active, "q": q}

    client = app.test_client()
    assert client.get("/items").get_json() == {"page": 1, "size": 10, "active": False, "q": None}
    answer = client.get("/items?page=3&size=5&active=yes&q=ann").get_json()
    assert answer == {"page": 3, "size": 5, "active": True, "q": "ann"}


def test_a_list_annotation_reads_every_value_of_the_key(app: Erlen) -> None:
    @app.get("/tags")
    def tags(tag: list[int] = []) -> Any:  # noqa: B006 - a default the view never mutates
        return {"tag": tag}

    client = app.test_client()
    assert client.get("/tags?tag=1&tag=2&tag=3").get_json() == {"tag": [1, 2, 3]}
    assert client.get("/tags").get_json() == {"tag": []}
    assert errors_of(client.get("/tags?tag=1&tag=x"))[0]["loc"] == ["query", "tag", 1]


def test_a_required_query_parameter_that_is_missing_is_a_422(app: Erlen) -> None:
    @app.get("/find")
    def find(q: str) -> str:
        return q

    [error] = errors_of(app.test_client().get("/find"))
    expected = {"loc": ["query", "q"], "msg": "Field required", "type": "missing", "input": None}
    assert error == expected


def test_path_values_are_validated_beyond_their_converter(app: Erlen) -> None:
    @app.get("/users/<user_id>")
    def user(user_id: int) -> Any:
        return {"id": user_id}

    @app.get("/pages/<int:number>")
    def page(number: Annotated[int, Path(description="page"), Field(ge=1, le=10)]) -> Any:
        return {"number": number}

    client = app.test_client()
    assert client.get("/users/42").get_json() == {"id": 42}
    [error] = errors_of(client.get("/users/ann"))
    assert error["loc"] == ["path", "user_id"] and error["input"] == "ann"
    assert client.get("/pages/3").get_json() == {"number": 3}
    assert errors_of(client.get("/pages/11"))[0]["type"] == "less_than_equal"


def test_headers_and_cookies(app: Erlen) -> None:
    @app.get("/whoami")
    def whoami(
        user_agent: Annotated[str, Header()],
        request_id: Annotated[int | None, Header(alias="X-Request-Id")] = None,
        theme: Annotated[str, Cookie()] = "light",
    ) -> Any:
        return {"agent": user_agent, "id": request_id, "theme": theme}

    client = app.test_client()
    client.set_cookie("theme", "dark")
    answer = client.get("/whoami", headers={"User-Agent": "probe", "X-Request-Id": "7"})
    assert answer.get_json() == {"agent": "probe", "id": 7, "theme": "dark"}
    [error] = errors_of(client.get("/whoami", headers={"User-Agent": "p", "X-Request-Id": "x"}))
    assert error["loc"] == ["header", "X-Request-Id"]


def test_a_model_groups_query_parameters(app: Erlen) -> None:
    @app.get("/search")
    def search(args: Annotated[SearchArgs, Query()]) -> Any:
        return args.model_dump()

    client = app.test_client()
    answer = client.get("/search?q=ann&tags=a&tags=b").get_json()
    assert answer == {"q": "ann", "page": 1, "tags": ["a", "b"]}
    errors = errors_of(client.get("/search?page=x"))
    assert [error["loc"] for error in errors] == [["query", "q"], ["query", "page"]]


def test_request_still_works_inside_a_typed_view(app: Erlen) -> None:
    @app.post("/echo")
    def echo(user: NewUser, page: int = 1) -> Any:
        return {"path": request.path, "json": request.get_json(), "page": page}

    answer = app.test_client().post("/echo?page=2", json={"name": "a", "email": "e"}).get_json()
    assert answer == {"path": "/echo", "json": {"name": "a", "email": "e"}, "page": 2}


# -- bodies ----------------------------------------------------------------------------------


def test_a_model_parameter_is_the_json_body(app: Erlen) -> None:
    @app.post("/users")
    def create(user: NewUser) -> Any:
        assert isinstance(user, NewUser)
        return {"name": user.name}

    @app.post("/notes")
    def note(note: Note) -> Any:
        assert isinstance(note, Note)
        return {"title": note.title, "stars": note.stars}

    @app.post("/addresses")
    def address(address: Address) -> Any:
        return dict(address)

    client = app.test_client()
    assert client.post("/users", json={"name": "a", "email": "e"}).get_json() == {"name": "a"}
    assert client.post("/notes", json={"title": "t"}).get_json() == {"title": "t", "stars": 0}
    answer = client.post("/addresses", json={"city": "Bern", "zip": "3000"}).get_json()
    assert answer == {"city": "Bern", "zip": 3000}


def test_the_422_lists_every_failing_field_from_every_location(app: Erlen) -> None:
    @app.post("/users/<int:team>")
    def create(
        team: Annotated[int, Field(ge=1)],
        user: NewUser,
        token: Annotated[str, Header(alias="X-Token")],
        page: int = 1,
    ) -> Any:
        return {}

    response = app.test_client().post("/users/0?page=x", json={"name": "", "email": 3})
    errors = errors_of(response)
    assert {tuple(error["loc"]) for error in errors} == {
        ("path", "team"),
        ("body", "name"),
        ("body", "email"),
        ("header", "X-Token"),
        ("query", "page"),
    }
    by_loc = {tuple(error["loc"]): error for error in errors}
    assert by_loc[("body", "email")]["input"] == 3
    assert by_loc[("query", "page")]["input"] == "x"
    assert all(error["msg"] and error["type"] for error in errors)


class SignUp(BaseModel):
    name: str = Field(min_length=2)
    password: str = Field(min_length=12)
    pin: SecretStr = Field(min_length=4)


def test_the_422_does_not_echo_secrets(app: Erlen) -> None:
    """A rejected password, token or SecretStr is masked; other rejected values are shown."""

    @app.post("/signup")
    def signup(
        account: SignUp,
        api_token: Annotated[str, Query(), Field(min_length=30)],
        code: Annotated[SecretStr, Header(alias="X-Code"), Field(min_length=8)],
    ) -> Any:
        return {}

    response = app.test_client().post(
        "/signup?api_token=tok-123",
        json={"name": "A", "password": "hunter2", "pin": "12"},
        headers={"X-Code": "abc"},
    )
    by_loc = {tuple(error["loc"]): error["input"] for error in errors_of(response)}
    assert by_loc == {
        ("body", "name"): "A",
        ("body", "password"): "**********",
        ("body", "pin"): "**********",
        ("query", "api_token"): "**********",
        ("header", "X-Code"): "**********",
    }
    assert "hunter2" not in response.text and "tok-123" not in response.text


def test_a_whole_rejected_body_shows_its_secret_fields_masked(app: Erlen) -> None:
    @app.post("/login")
    def login(numbers: Annotated[list[int], Body()]) -> Any:
        return {}

    body = {"user": "ada", "password": "hunter2", "nested": {"session_id": "s3cr3t"}}
    response = app.test_client().post("/login", json=body)
    (error,) = errors_of(response)
    assert error["loc"] == ["body"]
    assert error["input"] == {
        "user": "ada", "password": "**********", "nested": {"session_id": "**********"}
    }  # fmt: skip


class Card(BaseModel):
    holder: str
    number: SecretStr = Field(min_length=12)


class Wallet(BaseModel):
    cards: list[Card]
    spend: dict[str, Card] = {}

    @model_validator(mode="after")
    def at_least_one(self) -> Wallet:
        if len(self.cards) > 1:
            raise ValueError("one card only")
        return self


def test_secret_types_are_masked_inside_lists_dicts_and_whole_objects(app: Erlen) -> None:
    @app.post("/wallet")
    def wallet(body: Wallet) -> Any:
        return {}

    client = app.test_client()
    response = client.post(
        "/wallet", json={"cards": [{"holder": "ada", "number": "4111"}],
                         "spend": {"food": {"holder": "ada", "number": "4222"}}}
    )  # fmt: skip
    by_loc = {tuple(error["loc"]): error["input"] for error in errors_of(response)}
    assert by_loc == {
        ("body", "cards", 0, "number"): "**********",
        ("body", "spend", "food", "number"): "**********",
    }
    card = {"holder": "ada", "number": "4111111111111111"}
    response = client.post("/wallet", json={"cards": [card, card]})
    (error,) = errors_of(response)
    assert error["loc"] == ["body"]
    masked = {"holder": "ada", "number": "**********"}
    assert error["input"] == {"cards": [masked, masked]}
    assert "4111" not in response.text


def test_a_typo_in_a_marker_fails_at_registration_not_per_request(app: Erlen) -> None:
    # Under ``from __future__ import annotations`` (this module's) the annotation is evaluated
    # when the view is registered; a marker's error must surface there.
    def search(q: Annotated[str, Query(min_length=3)]) -> Any:  # type: ignore[call-arg]
        return {}

    with pytest.raises(TypeError, match=r"annotation of 'q' .*min_length"):
        app.get("/search")(search)


def test_an_unresolvable_annotation_of_a_flask_view_keeps_it_plain(app: Erlen) -> None:
    def show(name: UndefinedForTypeCheckersOnly) -> str:  # type: ignore[name-defined]  # noqa: F821
        return f"hi {name}"

    app.get("/hi/<name>")(show)
    assert app.test_client().get("/hi/ada").text == "hi ada"


def test_malformed_json_stays_a_400_and_a_wrong_type_a_415(app: Erlen) -> None:
    @app.post("/users")
    def create(user: NewUser) -> Any:
        return {}

    client = app.test_client()
    bad = client.post("/users", data="{nope", content_type="application/json")
    assert bad.status_code == 400
    assert client.post("/users", data="name=a", content_type="text/plain").status_code == 415
    [error] = errors_of(client.post("/users"))
    assert error["loc"] == ["body"] and error["type"] == "missing"


def test_the_422_is_json_even_for_a_browser(app: Erlen) -> None:
    @app.get("/find")
    def find(q: str) -> str:
        return q

    response = app.test_client().get("/find", headers={"Accept": "text/html"})
    assert response.status_code == 422 and response.get_json()["error"]["errors"]


@pytest.mark.parametrize("value", ["nan", "inf", "-Infinity"])
def test_a_non_finite_float_in_the_query_is_a_422_with_valid_json(app: Erlen, value: str) -> None:
    @app.get("/price")
    def price(limit: float) -> dict[str, float]:
        return {"limit": limit}

    def refuse(constant: str) -> Any:
        raise AssertionError(f"the 422 holds a bare {constant}, which is not JSON")

    response = app.test_client().get(f"/price?limit={value}")
    [error] = errors_of(response)
    assert error["loc"] == ["query", "limit"]
    json.loads(response.get_data(as_text=True), parse_constant=refuse)


@pytest.mark.parametrize("body", ["NaN", "-Infinity", "Infinity", "1e999", "-1e999"])
def test_a_json_body_with_a_non_finite_number_is_a_400(app: Erlen, body: str) -> None:
    @app.post("/items")
    def create(item: Note) -> dict[str, Any]:
        return {"stars": item.stars}

    @app.post("/plain")
    def plain() -> Any:
        return {"got": request.get_json()}

    client = app.test_client()
    for url in ("/items", "/plain"):
        response = client.post(
            url,
            data=f'{{"title": "t", "stars": {body}}}',
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        assert response.status_code == 400, response.get_data(as_text=True)
        assert "finite" in response.get_json()["error"]["detail"]


def test_several_body_parameters_are_read_by_name(app: Erlen) -> None:
    @app.post("/move")
    def move(user: NewUser, note: Note, priority: Annotated[int, Body()] = 0) -> Any:
        return {"user": user.name, "note": note.title, "priority": priority}

    client = app.test_client()
    body = {"user": {"name": "a", "email": "e"}, "note": {"title": "t"}, "priority": 2}
    assert client.post("/move", json=body).get_json() == {"user": "a", "note": "t", "priority": 2}
    errors = errors_of(client.post("/move", json={"user": {"name": "a"}}))
    assert [error["loc"] for error in errors] == [["body", "user", "email"], ["body", "note"]]
    assert errors_of(client.post("/move", json=[1]))[0]["loc"] == ["body"]


def test_form_fields_and_files(app: Erlen) -> None:
    @app.post("/upload")
    def upload(
        title: Annotated[str, Form()],
        copies: Annotated[int, Form()] = 1,
        document: Annotated[FileStorage | None, File()] = None,
    ) -> Any:
        content = document.read().decode() if document is not None else None
        return {"title": title, "copies": copies, "content": content}

    client = app.test_client()
    data = {"title": "t", "copies": "2", "document": (io.BytesIO(b"hello"), "a.txt")}
    answer = client.post("/upload", data=data, content_type="multipart/form-data").get_json()
    assert answer == {"title": "t", "copies": 2, "content": "hello"}
    errors = errors_of(client.post("/upload", data={"copies": "many"}))
    assert [error["loc"] for error in errors] == [["form", "title"], ["form", "copies"]]


def test_a_file_annotation_alone_reads_an_upload(app: Erlen) -> None:
    @app.post("/avatar")
    def avatar(picture: FileStorage) -> Any:
        return {"name": picture.filename}

    client = app.test_client()
    data = {"picture": (io.BytesIO(b"png"), "me.png")}
    assert client.post("/avatar", data=data).get_json() == {"name": "me.png"}
    assert errors_of(client.post("/avatar", data={}))[0]["loc"] == ["file", "picture"]


# -- responses -------------------------------------------------------------------------------


def test_the_return_annotation_validates_and_filters_the_answer(app: Erlen) -> None:
    @app.get("/users/<int:user_id>")
    def show(user_id: int) -> User:
        return {"id": user_id, "name": "a", "email": "e", "password": "secret"}  # type: ignore[return-value]

    response = app.test_client().get("/users/5")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_json() == {"name": "a", "email": "e", "id": 5}


def test_response_model_status_code_and_tuples(app: Erlen) -> None:
    @dataclasses.dataclass
    class Row:
        id: int
        name: str
        email: str
        password: str

    @app.post("/users", response_model=User, status_code=201)
    def create(user: NewUser) -> Any:
        return Row(1, user.name, user.email, "secret")

    @app.get("/teapot", response_model=list[User])
    def teapot() -> Any:
        return [{"id": 1, "name": "a", "email": "e"}], 418, {"X-Kind": "tea"}

    client = app.test_client()
    created = client.post("/users", json={"name": "a", "email": "e"})
    assert created.status_code == 201
    assert created.get_json() == {"name": "a", "email": "e", "id": 1}
    tea = client.get("/teapot")
    assert tea.status_code == 418 and tea.headers["X-Kind"] == "tea"
    assert tea.get_json() == [{"name": "a", "email": "e", "id": 1}]


def test_a_response_object_passes_through_a_typed_view(app: Erlen) -> None:
    @app.get("/raw")
    def raw(q: str = "x") -> User:
        return app.response_class(f"raw {q}", 202)  # type: ignore[return-value]

    response = app.test_client().get("/raw?q=y")
    assert response.status_code == 202 and response.get_data(as_text=True) == "raw y"


def test_an_answer_the_return_model_refuses_is_a_server_error(app: Erlen) -> None:
    app.testing = False

    @app.get("/broken")
    def broken() -> User:
        return {"id": "not a number"}  # type: ignore[return-value]

    assert app.test_client().get("/broken").status_code == 500


# -- async, blueprints, handlers, registration -------------------------------------------------


def test_async_typed_views(app: Erlen) -> None:
    @app.post("/users/<int:team>")
    async def create(team: int, user: NewUser, page: int = 1) -> User:
        return User(id=team * 100 + page, name=user.name, email=user.email)

    client = app.test_client()
    answer = client.post("/users/2?page=3", json={"name": "a", "email": "e"}).get_json()
    assert answer == {"name": "a", "email": "e", "id": 203}
    assert len(errors_of(client.post("/users/2?page=x", json={"name": ""}))) == 3


def test_typed_views_on_a_blueprint(app: Erlen) -> None:
    api = Blueprint("api", __name__, url_prefix="/api")

    @api.get("/users/<int:user_id>")
    def show(user_id: int, fields: list[str] = []) -> Any:  # noqa: B006
        return {"id": user_id, "fields": fields}

    app.register_blueprint(api)
    client = app.test_client()
    assert client.get("/api/users/1?fields=a").get_json() == {"id": 1, "fields": ["a"]}
    assert isinstance(app.view_functions["api.show"], TypedView)


def test_an_error_handler_for_422_sees_every_error(app: Erlen) -> None:
    @app.errorhandler(422)
    def invalid(error: Any) -> Any:
        return {"problems": len(error.errors)}, 400

    @app.get("/find")
    def find(q: str, page: int) -> str:
        return q

    response = app.test_client().get("/find")
    assert response.status_code == 400 and response.get_json() == {"problems": 2}


def test_one_view_for_two_rules_with_defaults(app: Erlen) -> None:
    @app.get("/list/", defaults={"page": 1})
    @app.get("/list/page/<int:page>")
    def listing(page: Annotated[int, Field(ge=1)], q: str = "") -> Any:
        return {"page": page, "q": q}

    client = app.test_client()
    assert client.get("/list/?q=a").get_json() == {"page": 1, "q": "a"}
    assert client.get("/list/page/4").get_json() == {"page": 4, "q": ""}
    assert errors_of(client.get("/list/page/0"))[0]["loc"] == ["path", "page"]


def test_registration_refuses_contradictory_annotations(app: Erlen) -> None:
    with pytest.raises(TypeError, match="rule has no <user_id>"):

        @app.get("/users")
        def users(user_id: Annotated[int, Path()]) -> str:
            return ""

    with pytest.raises(TypeError, match="one body"):

        @app.post("/mixed")
        def mixed(user: NewUser, title: Annotated[str, Form()]) -> str:
            return ""

    with pytest.raises(TypeError, match="URL variable"):

        @app.get("/x/<name>")
        def named(name: Annotated[str, Query()]) -> str:
            return ""


def test_a_422_stays_small_whatever_the_number_of_bad_values(app: Erlen) -> None:
    @app.post("/items")
    def items(ids: Annotated[list[int], Body(embed=True)]) -> Any:
        return {}

    body = json.dumps({"ids": ["x"] * 50_000}).encode()
    response = app.test_client().post("/items", data=body, content_type="application/json")
    assert response.status_code == 422
    errors = errors_of(response)
    assert [error["loc"] for error in errors] == [["body", "ids", n] for n in range(100)]
    assert response.get_json()["error"]["detail"].endswith("the first 100 of 50000.")
    assert len(response.data) < len(body) / 10


def test_an_echoed_input_is_cut_short_at_an_ellipsis(app: Erlen) -> None:
    @app.post("/notes")
    def notes(
        title: Annotated[int, Body(embed=True)], tags: Annotated[int, Body(embed=True)]
    ) -> Any:
        return {}

    long_text = "a" * 5_000
    many = [{"token": "t0p", "n": n} for n in range(1_000)]
    response = app.test_client().post("/notes", json={"title": long_text, "tags": many})
    by_loc = {tuple(error["loc"]): error["input"] for error in errors_of(response)}
    title, tags = by_loc[("body", "title")], by_loc[("body", "tags")]
    assert title == "a" * 1_000 + "\u2026"
    assert 50 < len(tags) < 1_000 and tags[-1] == "\u2026"
    assert tags[0] == {"token": "**********", "n": 0}
    assert response.get_json()["error"]["detail"] == (
        "The request's values are invalid: 'errors' lists each one."
    )


def test_the_clients_keys_in_a_422_location_are_cut_too(app: Erlen) -> None:
    @app.post("/scores")
    def scores(scores: Annotated[dict[str, int], Body(embed=True)]) -> Any:
        return {}

    body = {"scores": {f"k{n}" + "x" * 100_000: "bad" for n in range(100)}}
    response = app.test_client().post("/scores", json=body)
    errors = errors_of(response)
    assert len(errors) == 100 and len(response.data) < 200_000
    assert all(error["loc"][2].endswith("\u2026") for error in errors)
    assert len(errors[0]["loc"][2]) == 1_001


def test_a_rejected_object_shows_whole_keys_or_none(app: Erlen) -> None:
    @app.post("/n")
    def n(value: Annotated[int, Body(embed=True)]) -> Any:
        return {}

    rejected = {"a" * 600: 1, "a" * 599 + "b": 2, "c": 3}
    (error,) = errors_of(app.test_client().post("/n", json={"value": rejected}))
    assert list(error["input"]) == ["a" * 600, "\u2026"]
