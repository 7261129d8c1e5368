"""Routing: a URL built for random values matches its rule and gives the same values back."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from erlen import Erlen
from erlen.core.routing import Router, Rule
from erlen.errors import BuildError, HTTPException

from .support import JSON_ACCEPT, assert_answer, fuzz_app

# Literal text of a rule: anything but the separator and the variable brackets.
literal = st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters="/<>"), min_size=1, max_size=6
)
segment_text = st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters="/"), min_size=1, max_size=20
)
ANY_WORDS = ["a", "ab", "red", "blue", "x y", "caf\u00e9", "1.5", "-"]

VariableSpec = Callable[[str], st.SearchStrategy[tuple[str, Any]]]


def _string(name: str) -> st.SearchStrategy[tuple[str, Any]]:
    plain = segment_text.map(lambda value: (f"<{name}>", value))
    bounded = st.tuples(st.integers(1, 3), st.integers(0, 4)).flatmap(
        lambda bounds: st.text(
            st.characters(exclude_categories=("Cs",), exclude_characters="/"),
            min_size=bounds[0],
            max_size=bounds[0] + bounds[1],
        ).map(
            lambda value: (
                f"<string(minlength={bounds[0]}, maxlength={bounds[0] + bounds[1]}):{name}>",
                value,
            )
        )
    )
    exact = st.text(
        st.characters(exclude_categories=("Cs",), exclude_characters="/"), min_size=3, max_size=3
    ).map(lambda value: (f"<string(length=3):{name}>", value))
    return plain | bounded | exact


def _int(name: str) -> st.SearchStrategy[tuple[str, Any]]:
    return (
        st.integers(0, 10**15).map(lambda value: (f"<int:{name}>", value))
        | st.integers(-(10**15), 10**15).map(lambda value: (f"<int(signed=True):{name}>", value))
        | st.integers(0, 9999).map(lambda value: (f"<int(fixed_digits=4):{name}>", value))
        | st.integers(5, 500).map(lambda value: (f"<int(min=5, max=500):{name}>", value))
    )


def _float(name: str) -> st.SearchStrategy[tuple[str, Any]]:
    finite = {"allow_nan": False, "allow_infinity": False}
    return st.floats(min_value=0, **finite).map(lambda value: (f"<float:{name}>", value)) | (
        st.floats(**finite).map(lambda value: (f"<float(signed=True):{name}>", value))
    )


def _path(name: str) -> st.SearchStrategy[tuple[str, Any]]:
    value = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=30)
    return value.filter(lambda text: not text.startswith("/")).map(
        lambda text: (f"<path:{name}>", text)
    )


def _uuid(name: str) -> st.SearchStrategy[tuple[str, Any]]:
    return st.uuids().map(lambda value: (f"<uuid:{name}>", value))


def _any(name: str) -> st.SearchStrategy[tuple[str, Any]]:
    return st.lists(st.sampled_from(ANY_WORDS), min_size=1, max_size=4, unique=True).flatmap(
        lambda words: st.sampled_from(words).map(
            lambda value: (f"<any({', '.join(repr(word) for word in words)}):{name}>", value)
        )
    )


SPECS: list[VariableSpec] = [_string, _int, _float, _path, _uuid, _any]


@st.composite
def rules_with_values(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """A rule of 1-4 segments (literal, variable, or variable with literal text around it)
    and values for its variables.

    At most one ``path`` variable, and at most one variable per segment: two ``path``
    variables (or two variables side by side) can split one URL in several ways, which is
    ambiguity in the rule, not a routing bug.
    """
    segments: list[str] = []
    values: dict[str, Any] = {}
    has_path = False
    for index in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["literal", "variable", "mixed"]))
        if kind == "literal":
            segments.append(draw(literal))
            continue
        spec = draw(st.sampled_from([spec for spec in SPECS if spec is not _path or not has_path]))
        has_path = has_path or spec is _path
        name = f"v{index}"
        text, value = draw(spec(name))
        if kind == "mixed":
            text = draw(st.just("") | literal) + text + draw(st.just("") | literal)
        segments.append(text)
        values[name] = value
    trailing_slash = draw(st.booleans())
    return "/" + "/".join(segments) + ("/" if trailing_slash else ""), values


@given(rules_with_values())
def test_build_then_match_gives_the_values_back(case: tuple[str, dict[str, Any]]) -> None:
    rule_text, values = case
    router = Router()
    router.add(Rule(rule_text, "endpoint"))
    path = router.build("endpoint", values)
    assert path.isascii() and "?" not in path, path
    rule, matched = router.match(unquote(path, errors="strict"), "GET")
    assert rule.endpoint == "endpoint"
    assert matched == values


def _as_json(value: Any) -> Any:
    return str(value) if isinstance(value, uuid.UUID) else value


@given(rules_with_values())
def test_built_url_reaches_the_view_with_the_values(case: tuple[str, dict[str, Any]]) -> None:
    rule_text, values = case
    app = fuzz_app("fuzz_routing")

    @app.get(rule_text)
    def view(**kwargs: Any) -> dict[str, Any]:
        return {name: _as_json(value) for name, value in kwargs.items()}

    with app.test_request_context():
        path = app.url_for("view", **values)
    client = app.test_client()
    response = client.get(path, headers=JSON_ACCEPT)
    if "\x00" in unquote(path):
        assert response.status_code == 400  # a NUL byte never reaches a view
        return
    assert response.status_code == 200, (rule_text, path, response.data)
    assert response.json == {name: _as_json(value) for name, value in values.items()}
    # Without its slash the path redirects, unless it still ends in one (a path value "0/").
    if rule_text.endswith("/") and len(path) > 1 and not path[:-1].endswith("/"):
        redirect = client.get(path[:-1], headers=JSON_ACCEPT)
        assert redirect.status_code == 308
        location = redirect.headers["Location"]
        assert unquote(urlsplit(location).path) == unquote(path)
        assert client.get(location).json == response.json


# Scalars of the types url_for is mostly given. Lists or a UUID for a float (TypeError),
# infinities and huge ints for floats (OverflowError) must become BuildError: see the test below.
values_of_any_type = st.dictionaries(
    st.sampled_from(["v0", "v1", "v2", "v3", "other"]),
    st.none()
    | st.integers(-(10**30), 10**30)
    | st.floats(allow_infinity=False)
    | st.text()
    | st.booleans(),
    max_size=5,
)


@given(rules_with_values(), values_of_any_type)
def test_build_with_wrong_values_raises_only_build_error(
    case: tuple[str, dict[str, Any]], values: dict[str, Any]
) -> None:
    router = Router()
    router.add(Rule(case[0], "endpoint"))
    try:
        path = router.build("endpoint", values)
    except BuildError:
        return
    assert isinstance(path, str) and path.startswith("/")


@pytest.mark.parametrize(
    ("rule", "value"),
    [
        ("/<int:n>", [1]),
        ("/<int:n>", {"a": 1}),
        ("/<int:n>", float("inf")),
        ("/<float:n>", 10**400),
        ("/<float:n>", uuid.UUID(int=1)),
    ],
    ids=["list", "dict", "inf", "huge-int-as-float", "uuid-as-float"],
)
def test_build_with_an_unconvertible_value_raises_build_error(rule: str, value: Any) -> None:
    router = Router()
    router.add(Rule(rule, "endpoint"))
    with pytest.raises(BuildError):
        router.build("endpoint", {"n": value})


@given(rules_with_values(), st.text(max_size=60))
def test_matching_any_path_raises_only_http_errors(
    case: tuple[str, dict[str, Any]], path: str
) -> None:
    router = Router()
    router.add(Rule(case[0], "endpoint", methods=["GET", "POST"]))
    try:
        router.match(path, "GET")
    except HTTPException as exc:
        assert 300 <= exc.code < 500


@given(st.binary(max_size=80))
def test_any_request_path_gets_a_valid_answer(raw_path: bytes) -> None:
    app = _routes_app()
    path = "/" + quote(raw_path, safe="/")
    response = app.test_client().get(path, headers=JSON_ACCEPT)
    assert_answer(response)


def _routes_app() -> Erlen:
    app = fuzz_app("fuzz_paths")
    for index, rule in enumerate(
        [
            "/",
            "/users/<int:user_id>",
            "/files/<path:name>",
            "/items/",
            "/<lang>/page-<int:n>.html",
            "/u/<uuid:ident>",
            "/x/<float(signed=True):x>",
            "/c/<any(red, blue):colour>",
        ]
    ):
        app.add_url_rule(rule, f"e{index}", lambda **kwargs: {"ok": True}, methods=["GET", "PUT"])
    return app


@pytest.mark.parametrize(
    ("method", "status"), [("GET", 200), ("OPTIONS", 200), ("DELETE", 405), ("BREW", 405)]
)
def test_listed_methods_answer_and_others_get_405(method: str, status: int) -> None:
    response = _routes_app().test_client().open("/users/1", method=method, headers=JSON_ACCEPT)
    assert response.status_code == status
    assert_answer(response)
