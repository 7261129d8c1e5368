"""The router: rule syntax, converters, matching order, methods, slashes and URL building."""

from __future__ import annotations

import re
import uuid
import warnings
from typing import Any
from urllib.parse import unquote

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from erlen import Erlen
from erlen.app.context import request_ctx
from erlen.core.routing import DEFAULT_CONVERTERS, BaseConverter, Router, Rule
from erlen.errors import BuildError, HTTPException, MethodNotAllowed, NotFound, RequestRedirect

pytestmark = pytest.mark.wsgi_only


def make_router(*rules: Rule) -> Router:
    router = Router()
    for rule in rules:
        router.add(rule)
    return router


def endpoint_of(router: Router, path: str, method: str = "GET") -> str:
    return router.match(path, method)[0].endpoint


def values_of(router: Router, path: str, method: str = "GET") -> dict[str, Any]:
    return router.match(path, method)[1]


def roundtrip(router: Router, endpoint: str, values: dict[str, Any]) -> dict[str, Any]:
    """Build a URL, decode it as a server would, and match it again."""
    path = router.build(endpoint, values)
    rule, matched = router.match(unquote(path), "GET")
    assert rule.endpoint == endpoint
    return matched


# --- rules -----------------------------------------------------------------------------------


def test_rule_attributes() -> None:
    rule = Rule("/user/<int:user_id>/<name>", "user", methods=["get", "post"])
    assert rule.rule == "/user/<int:user_id>/<name>"
    assert rule.endpoint == "user"
    assert rule.methods == frozenset({"GET", "HEAD", "POST"})
    assert rule.arguments == ("user_id", "name")
    assert not rule.is_static
    assert rule.strict_slashes and not rule.websocket
    assert rule.defaults is None and rule.host is None
    assert "user" in repr(rule)


def test_rule_defaults_to_get_and_head_without_options() -> None:
    rule = Rule("/", "index")
    assert rule.methods == frozenset({"GET", "HEAD"})
    assert rule.is_static and rule.arguments == ()
    assert Rule("/x", "x", methods=["POST"]).methods == frozenset({"POST"})


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("user", "must be a string starting with '/'"),
        ("", "must be a string starting with '/'"),
        ("/user/<name", "malformed variable"),
        ("/user/name>", "'>' without a matching '<'"),
        ("/user/<>", "not a Python identifier"),
        ("/user/<1abc>", "not a Python identifier"),
        ("/user/<int:my-id>", "not a Python identifier"),
        ("/<a>/<int:a>", "variable 'a' appears twice"),
        ("/<int(:x>", "malformed variable"),
        ("/<int(1 2):x>", "cannot parse converter arguments"),
        ("/<int(max=2, 3):x>", "positional argument after keyword"),
        ("/<int(max=2, max=3):x>", "given twice"),
    ],
)
def test_invalid_rule_syntax_names_the_rule(rule: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        Rule(rule, "endpoint")
    assert repr(rule) in str(info.value)


def test_methods_must_be_a_nonempty_list() -> None:
    with pytest.raises(TypeError):
        Rule("/", "index", methods="GET")
    with pytest.raises(ValueError, match="at least one method"):
        Rule("/", "index", methods=[])


def test_unknown_converter_is_reported_when_added() -> None:
    rule = Rule("/<nope:x>", "x")
    with pytest.raises(LookupError, match="unknown converter 'nope'"):
        Router().add(rule)


def test_bad_converter_arguments_name_the_rule() -> None:
    with pytest.raises(ValueError, match=r"'/<int\(colour=1\):x>'.*'int'"):
        Router().add(Rule("/<int(colour=1):x>", "x"))
    with pytest.raises(ValueError, match="any"):
        Router().add(Rule("/<any():x>", "x"))
    with pytest.raises(ValueError, match="length"):
        Router().add(Rule("/<string(minlength=3, maxlength=2):x>", "x"))


def test_converter_arguments_are_parsed_without_eval() -> None:
    received: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    class Recorder(BaseConverter):
        def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
            super().__init__(url_map)
            received.append((args, kwargs))
            assert url_map is router  # Werkzeug's signature: the router comes first

    router = Router({"rec": Recorder})
    router.add(
        Rule(
            "/<rec(1, -2, 3.5, 'a, (b)', \"c'd\", word, True, False, None, k=+7, j=__import__):x>",
            "x",
        )
    )
    assert received == [
        ((1, -2, 3.5, "a, (b)", "c'd", "word", True, False, None), {"k": 7, "j": "__import__"})
    ]


# --- converters ------------------------------------------------------------------------------


def test_string_converter_matches_one_segment() -> None:
    router = make_router(Rule("/user/<username>", "user"))
    assert values_of(router, "/user/alice") == {"username": "alice"}
    assert values_of(router, "/user/Jürgen Müller") == {"username": "Jürgen Müller"}
    assert values_of(router, "/user/a.b@c:d") == {"username": "a.b@c:d"}
    for path in ("/user/", "/user/a/b", "/user"):
        with pytest.raises((NotFound, RequestRedirect)):
            router.match(path, "GET")


def test_string_converter_lengths() -> None:
    router = make_router(
        Rule("/exact/<string(length=2):code>", "exact"),
        Rule("/range/<string(minlength=2, maxlength=4):code>", "range"),
    )
    assert values_of(router, "/exact/de") == {"code": "de"}
    assert values_of(router, "/range/abcd") == {"code": "abcd"}
    for path in ("/exact/d", "/exact/deu", "/range/a", "/range/abcde"):
        with pytest.raises(NotFound):
            router.match(path, "GET")


@pytest.mark.parametrize("text", ["abc", "-1", "+1", " 1", "1 ", "1.0", "١٢", "", "0x1"])
def test_int_converter_rejects(text: str) -> None:
    router = make_router(Rule("/n/<int:n>", "n"))
    with pytest.raises((NotFound, RequestRedirect)):
        router.match(f"/n/{text}", "GET")


def test_int_converter_options() -> None:
    router = make_router(
        Rule("/plain/<int:n>", "plain"),
        Rule("/fixed/<int(fixed_digits=4):n>", "fixed"),
        Rule("/bounded/<int(min=1, max=9):n>", "bounded"),
        Rule("/signed/<int(signed=True):n>", "signed"),
    )
    assert values_of(router, "/plain/42") == {"n": 42}
    assert values_of(router, "/plain/01") == {"n": 1}
    assert values_of(router, "/fixed/0042") == {"n": 42}
    assert values_of(router, "/bounded/9") == {"n": 9}
    assert values_of(router, "/signed/-5") == {"n": -5}
    assert values_of(router, "/signed/5") == {"n": 5}
    for path in ("/fixed/42", "/fixed/00042", "/bounded/0", "/bounded/10", "/signed/+5"):
        with pytest.raises(NotFound):
            router.match(path, "GET")


def test_int_converter_rejects_too_many_digits_quietly() -> None:
    router = make_router(Rule("/n/<int:n>", "n"))
    with pytest.raises(NotFound):
        router.match("/n/" + "9" * 5000, "GET")  # int() refuses; the rule just does not match


def test_float_converter() -> None:
    router = make_router(
        Rule("/f/<float:x>", "f"),
        Rule("/s/<float(signed=True, min=-2.5, max=2.5):x>", "s"),
    )
    assert values_of(router, "/f/1.5") == {"x": 1.5}
    assert values_of(router, "/s/-2.5") == {"x": -2.5}
    for path in ("/f/1", "/f/.5", "/f/1.", "/f/1e3", "/f/-1.5", "/f/nan", "/f/inf", "/s/3.0"):
        with pytest.raises(NotFound):
            router.match(path, "GET")
    with pytest.raises(NotFound):
        router.match("/f/" + "9" * 400 + ".0", "GET")  # overflows to inf


def test_path_converter_spans_segments() -> None:
    router = make_router(
        Rule("/files/<path:subpath>", "files"),
        Rule("/docs/<path:page>/edit", "edit"),
    )
    assert values_of(router, "/files/a/b/c.txt") == {"subpath": "a/b/c.txt"}
    assert values_of(router, "/files/a//b/") == {"subpath": "a//b/"}
    assert values_of(router, "/files/line\nbreak") == {"subpath": "line\nbreak"}
    assert values_of(router, "/docs/guide/intro/edit") == {"page": "guide/intro"}
    with pytest.raises(NotFound):
        router.match("/files/", "GET")
    # A path value never starts with a slash; with repeated slashes merged the path matches.
    with pytest.raises(RequestRedirect) as redirect:
        router.match("/files//etc/passwd", "GET")
    assert redirect.value.new_url == "/files/etc/passwd"


def test_uuid_converter() -> None:
    router = make_router(Rule("/id/<uuid:ident>", "ident"))
    value = uuid.uuid4()
    assert values_of(router, f"/id/{value}") == {"ident": value}
    assert values_of(router, f"/id/{str(value).upper()}") == {"ident": value}
    for path in ("/id/not-a-uuid", f"/id/{value.hex}", f"/id/{value}0"):
        with pytest.raises(NotFound):
            router.match(path, "GET")


def test_any_converter() -> None:
    router = make_router(Rule("/<any(about, help, 'contact us', 'a.b'):page>", "page"))
    for page in ("about", "help", "contact us", "a.b"):
        assert values_of(router, f"/{page}") == {"page": page}
    for path in ("/other", "/axb", "/abouts", "/abou"):
        with pytest.raises(NotFound):
            router.match(path, "GET")


def test_custom_converter_registered_after_router_creation() -> None:
    router = Router()

    class ListConverter(BaseConverter):
        def to_python(self, value: str) -> list[str]:
            return value.split("+")

        def to_url(self, value: list[str]) -> str:
            return "+".join(value)

    router.converters["list"] = ListConverter
    router.add(Rule("/tags/<list:tags>", "tags"))
    assert values_of(router, "/tags/a+b") == {"tags": ["a", "b"]}
    assert router.build("tags", {"tags": ["x", "y"]}) == "/tags/x+y"
    assert "list" not in DEFAULT_CONVERTERS


def test_converter_with_groups_in_its_regex_keeps_values_aligned() -> None:
    class PairConverter(BaseConverter):
        regex = "([a-z]+)-([0-9]+)"

    class NamedConverter(BaseConverter):
        regex = "(?P<inner>[a-z]+)"

    router = Router({"pair": PairConverter, "named": NamedConverter})
    router.add(Rule("/p/<pair:first>/<int:n>/<pair:second>", "pairs"))
    router.add(Rule("/q/<named:a>/x", "named_a"))
    router.add(Rule("/q/<named:b>/y", "named_b"))
    assert values_of(router, "/p/ab-1/7/cd-2") == {"first": "ab-1", "n": 7, "second": "cd-2"}
    # Named groups cannot repeat in one combined pattern: the rules are tried one by one.
    assert values_of(router, "/q/z/y") == {"b": "z"}


def test_converter_refusal_falls_through_to_the_next_rule() -> None:
    class EvenConverter(BaseConverter):
        regex = "[0-9]+"
        weight = 10

        def to_python(self, value: str) -> int:
            if int(value) % 2:
                raise ValueError("odd")
            return int(value)

    router = Router({"even": EvenConverter})
    router.add(Rule("/n/<even:n>", "even"))
    router.add(Rule("/n/<int(max=100):n>", "small"))
    router.add(Rule("/n/<name>", "other"))
    assert endpoint_of(router, "/n/4") == "even"
    assert endpoint_of(router, "/n/3") == "small"
    assert endpoint_of(router, "/n/301") == "other"


# --- matching order --------------------------------------------------------------------------


def test_empty_path_is_root() -> None:
    router = make_router(Rule("/", "index"))
    assert router.match("", "GET") == (router.rules_for("index")[0], {})


def test_static_rule_beats_dynamic_rule_on_the_same_path() -> None:
    router = make_router(Rule("/user/<name>", "show"), Rule("/user/new", "new"))
    assert endpoint_of(router, "/user/new") == "new"
    assert endpoint_of(router, "/user/old") == "show"


def test_static_segment_beats_converter_in_a_later_segment() -> None:
    router = make_router(
        Rule("/u/<name>/<int:n>", "numbered"),
        Rule("/u/<name>/<section>", "section"),
        Rule("/u/<name>/edit", "edit"),
        Rule("/u/<name>/page-<int:n>.html", "page"),
    )
    assert endpoint_of(router, "/u/bob/edit") == "edit"
    assert endpoint_of(router, "/u/bob/3") == "numbered"
    assert endpoint_of(router, "/u/bob/page-3.html") == "page"
    assert endpoint_of(router, "/u/bob/page-x.html") == "section"


def test_specific_converters_are_tried_first() -> None:
    router = make_router(
        Rule("/<path:rest>", "path"),
        Rule("/<name>", "string"),
        Rule("/<int:id>", "int"),
        Rule("/<any(special):word>", "any"),
    )
    assert endpoint_of(router, "/42") == "int"
    assert endpoint_of(router, "/special") == "any"
    assert endpoint_of(router, "/word") == "string"
    assert endpoint_of(router, "/a/b") == "path"


def test_path_converter_comes_after_more_specific_rules() -> None:
    router = make_router(
        Rule("/<path:page>", "page"),
        Rule("/<path:page>/edit", "edit"),
        Rule("/files/<path:name>", "files"),
        Rule("/<a>/<b>/<c>", "three"),
    )
    assert endpoint_of(router, "/x/edit") == "edit"
    assert endpoint_of(router, "/x/y/z/edit") == "edit"
    assert endpoint_of(router, "/files/x/y") == "files"
    assert endpoint_of(router, "/x/y/z") == "three"
    assert endpoint_of(router, "/x/y/z/w") == "page"


def test_first_registered_wins_between_equal_rules() -> None:
    router = make_router(Rule("/<a>", "first"), Rule("/<b>", "second"))
    assert endpoint_of(router, "/x") == "first"
    router = make_router(Rule("/same", "first"), Rule("/same", "second"))
    assert endpoint_of(router, "/same") == "first"


def test_unicode_rules_and_paths() -> None:
    router = make_router(Rule("/über/<name>", "uber"), Rule("/café", "cafe"))
    assert values_of(router, "/über/名前") == {"name": "名前"}
    assert endpoint_of(router, "/café") == "cafe"
    assert router.build("uber", {"name": "名前"}) == "/%C3%BCber/%E5%90%8D%E5%89%8D"


def test_regex_characters_in_rules_are_literal() -> None:
    router = make_router(Rule("/a.b/<x>+(y)", "dots"), Rule("/$^*?", "signs"))
    assert values_of(router, "/a.b/1+(y)") == {"x": "1"}
    assert endpoint_of(router, "/$^*?") == "signs"
    with pytest.raises(NotFound):
        router.match("/axb/1+(y)", "GET")


def test_no_match_raises_not_found() -> None:
    router = make_router(Rule("/", "index"), Rule("/user/<name>", "user"))
    for path in ("/missing", "/user/a/b", "/user/"):
        with pytest.raises(NotFound):
            router.match(path, "GET")


@pytest.mark.parametrize(
    ("path", "merged"),
    [
        ("//", "/"),
        ("/api//users", "/api/users"),
        ("/api///users//", "/api/users/"),
        ("/api//users", "/api/users"),
    ],
)
def test_repeated_slashes_redirect_to_the_merged_path(path: str, merged: str) -> None:
    router = make_router(
        Rule("/", "index"), Rule("/api/users", "users"), Rule("/api/users/", "users_dir")
    )
    with pytest.raises(RequestRedirect) as redirect:
        router.match(path, "GET")
    assert redirect.value.new_url == merged


def test_repeated_slashes_can_be_kept() -> None:
    router = make_router(Rule("/api/users", "users"), Rule("/files/<path:name>", "files"))
    assert values_of(router, "/files/a//b") == {"name": "a//b"}  # a value keeps its slashes
    router.merge_slashes = False
    with pytest.raises(NotFound):
        router.match("/api//users", "GET")


def test_the_routers_strict_slashes_applies_to_rules_added_without_their_own() -> None:
    router = Router()
    router.strict_slashes = False
    for rule in (
        Rule("/about", "about"),
        Rule("/users/", "users"),
        Rule("/s", "s", strict_slashes=True),
    ):
        router.add(rule)
    assert endpoint_of(router, "/about/") == "about"
    assert endpoint_of(router, "/users") == "users"
    with pytest.raises(NotFound):
        router.match("/s/", "GET")


def test_last_of_a_hundred_dynamic_rules() -> None:
    rules = [Rule(f"/r{number}/<name>", f"r{number}") for number in range(100)]
    rules += [Rule(f"/api/r{number}/<int:n>", f"api{number}") for number in range(100)]
    rules += [Rule(f"/<lang>/page{number}", f"lang{number}") for number in range(100)]
    router = make_router(*rules)
    assert router.match("/r99/abc", "GET") == (rules[99], {"name": "abc"})
    assert router.match("/r0/abc", "GET") == (rules[0], {"name": "abc"})
    assert router.match("/api/r99/7", "GET") == (rules[199], {"n": 7})
    assert router.match("/en/page99", "GET") == (rules[299], {"lang": "en"})
    with pytest.raises(NotFound):
        router.match("/api/r99/x", "GET")


# --- methods ---------------------------------------------------------------------------------


def test_head_matches_get_rules() -> None:
    router = make_router(Rule("/", "index"), Rule("/<name>", "named"))
    assert endpoint_of(router, "/", "HEAD") == "index"
    assert endpoint_of(router, "/x", "HEAD") == "named"


def test_method_not_allowed_lists_the_valid_methods() -> None:
    router = make_router(
        Rule("/items", "list"),
        Rule("/items", "create", methods=["POST"]),
        Rule("/items/<int:n>", "show"),
        Rule("/items/<int:n>", "update", methods=["PUT"]),
    )
    assert endpoint_of(router, "/items", "POST") == "create"
    assert endpoint_of(router, "/items/3", "PUT") == "update"
    with pytest.raises(MethodNotAllowed) as info:
        router.match("/items", "DELETE")
    assert info.value.valid_methods == ["GET", "HEAD", "POST"]
    with pytest.raises(MethodNotAllowed) as info:
        router.match("/items/3", "DELETE")
    assert info.value.valid_methods == ["GET", "HEAD", "PUT"]


def test_method_mismatch_keeps_looking_at_other_rules() -> None:
    router = make_router(Rule("/user/new", "new"), Rule("/user/<name>", "rename", methods=["POST"]))
    assert endpoint_of(router, "/user/new", "POST") == "rename"
    with pytest.raises(MethodNotAllowed) as info:
        router.match("/user/new", "PUT")
    assert info.value.valid_methods == ["GET", "HEAD", "POST"]


def test_options_matches_only_rules_that_list_it() -> None:
    router = make_router(
        Rule("/cors", "cors", methods=["GET", "OPTIONS"]),
        Rule("/plain", "plain", methods=["GET", "POST"]),
    )
    assert endpoint_of(router, "/cors", "OPTIONS") == "cors"
    with pytest.raises(MethodNotAllowed) as info:
        router.match("/plain", "OPTIONS")
    assert info.value.valid_methods == ["GET", "HEAD", "POST"]
    with pytest.raises(NotFound):
        router.match("/nothing", "OPTIONS")


def test_allowed_methods() -> None:
    # The router reports what the rules list; the app adds OPTIONS to the rules it answers.
    router = make_router(Rule("/a", "a", methods=["PUT"]), Rule("/<name>", "name"))
    assert router.allowed_methods("/a") == {"GET", "HEAD", "PUT"}
    assert router.allowed_methods("/b") == {"GET", "HEAD"}
    assert router.allowed_methods("/a/b") == set()


# --- slashes ---------------------------------------------------------------------------------


def test_missing_trailing_slash_redirects_to_the_path() -> None:
    router = make_router(
        Rule("/projects/", "projects"),
        Rule("/user/<name>/", "user", methods=["POST"]),
        Rule("/about", "about"),
    )
    with pytest.raises(RequestRedirect) as info:
        router.match("/projects", "GET")
    assert info.value.new_url == "/projects/"
    with pytest.raises(RequestRedirect) as info:
        router.match("/user/jürgen doe", "GET")  # redirects although the method differs
    assert info.value.new_url == "/user/j%C3%BCrgen%20doe/"
    with pytest.raises(NotFound):
        router.match("/about/", "GET")


def test_no_redirect_to_a_scheme_relative_url() -> None:
    router = make_router(Rule("/<path:anything>/", "any"))
    with pytest.raises(RequestRedirect):
        router.match("/evil.com", "GET")
    with pytest.raises(RequestRedirect) as redirect:  # merged first: "/evil.com/"
        router.match("//evil.com", "GET")
    assert redirect.value.new_url == "/evil.com/"


def test_strict_slashes_false_matches_both_forms() -> None:
    router = make_router(
        Rule("/loose", "loose", strict_slashes=False),
        Rule("/dir/", "dir", strict_slashes=False),
        Rule("/user/<name>", "user", strict_slashes=False),
        Rule("/team/<name>/", "team", strict_slashes=False),
    )
    for path in ("/loose", "/loose/"):
        assert endpoint_of(router, path) == "loose"
    for path in ("/dir", "/dir/"):
        assert endpoint_of(router, path) == "dir"
    assert values_of(router, "/user/bob/") == {"name": "bob"}
    assert values_of(router, "/user/bob") == {"name": "bob"}
    assert values_of(router, "/team/red") == {"name": "red"}
    assert values_of(router, "/team/red/") == {"name": "red"}


def test_exact_path_beats_a_tolerated_slash() -> None:
    router = make_router(Rule("/a", "bare", strict_slashes=False), Rule("/a/", "slashed"))
    assert endpoint_of(router, "/a/") == "slashed"
    assert endpoint_of(router, "/a") == "bare"


# --- defaults and websockets -----------------------------------------------------------------


@pytest.mark.parametrize("reverse", [False, True])
def test_defaults_match_and_build_the_canonical_url(reverse: bool) -> None:
    rules = [Rule("/page/", "page", defaults={"n": 1}), Rule("/page/<int:n>", "page")]
    router = make_router(*(reversed(rules) if reverse else rules))
    assert values_of(router, "/page/") == {"n": 1}
    assert values_of(router, "/page/2") == {"n": 2}
    assert router.build("page", {"n": 1}) == "/page/"
    assert router.build("page", {}) == "/page/"
    assert router.build("page", {"n": 2}) == "/page/2"
    assert router.build("page", {"n": 2, "q": "x"}) == "/page/2?q=x"


def test_default_for_a_variable_is_a_build_fallback() -> None:
    router = make_router(
        Rule("/", "show", defaults={"page": "home"}),
        Rule("/<page>", "show", defaults={"page": "home"}),
    )
    assert values_of(router, "/") == {"page": "home"}
    assert values_of(router, "/about") == {"page": "about"}
    assert router.build("show", {"page": "home"}) == "/"
    assert router.build("show", {"page": "about"}) == "/about"


def test_websocket_rules_are_separate() -> None:
    router = make_router(
        Rule("/chat", "chat_page"),
        Rule("/chat", "chat_socket", websocket=True),
        Rule("/feed/<int:n>", "feed", websocket=True),
    )
    assert endpoint_of(router, "/chat") == "chat_page"
    assert router.match("/chat", "GET", websocket=True)[0].endpoint == "chat_socket"
    assert router.match("/feed/3", "GET", websocket=True)[1] == {"n": 3}
    with pytest.raises(NotFound):
        router.match("/feed/3", "GET")
    assert router.build("feed", {"n": 3}) == "/feed/3"


# --- building --------------------------------------------------------------------------------


def test_build_quotes_values_by_converter() -> None:
    router = make_router(
        Rule("/user/<name>", "user"),
        Rule("/files/<path:name>", "files"),
        Rule("/n/<int(fixed_digits=3):n>", "n"),
        Rule("/f/<float:x>", "f"),
        Rule("/id/<uuid:ident>", "ident"),
        Rule("/<any(about, 'contact us'):page>", "page"),
    )
    assert router.build("user", {"name": "John Doe"}) == "/user/John%20Doe"
    assert router.build("user", {"name": "a@b:c"}) == "/user/a@b:c"
    assert router.build("user", {"name": "100%?#&é"}) == "/user/100%25%3F%23&%C3%A9"
    assert router.build("user", {"name": 7}) == "/user/7"
    assert router.build("files", {"name": "a b/c.txt"}) == "/files/a%20b/c.txt"
    assert router.build("n", {"n": 7}) == "/n/007"
    assert router.build("f", {"x": 1e20}) == "/f/100000000000000000000.0"
    assert router.build("f", {"x": 1e-7}) == "/f/0.0000001"
    assert router.build("f", {"x": 2}) == "/f/2.0"
    value = uuid.uuid4()
    assert router.build("ident", {"ident": value}) == f"/id/{value}"
    assert router.build("ident", {"ident": str(value).upper()}) == f"/id/{value}"
    assert router.build("page", {"page": "contact us"}) == "/contact%20us"


def test_build_query_string() -> None:
    router = make_router(Rule("/search", "search"), Rule("/user/<name>", "user"))
    values = {"q": "a b&c=d+e#f", "tag": ["x", None, "y"], "skip": None, "page": 2, "é": "ü"}
    assert router.build("search", values) == (
        "/search?q=a+b%26c%3Dd%2Be%23f&tag=x&tag=y&page=2&%C3%A9=%C3%BC"
    )
    assert router.build("user", {"name": "a", "t": ("1", "2")}) == "/user/a?t=1&t=2"
    assert router.build("search", {"next": "/a/b?c"}) == "/search?next=/a/b?c"


def test_build_chooses_by_values_and_method() -> None:
    router = make_router(
        Rule("/items", "items"),
        Rule("/items/new", "items", methods=["POST"]),
        Rule("/users/<int:user_id>", "user"),
        Rule("/users/<name>", "user"),
    )
    assert router.build("items", {}) == "/items"
    assert router.build("items", {}, method="POST") == "/items/new"
    assert router.build("user", {"user_id": 3}) == "/users/3"
    assert router.build("user", {"name": "bob"}) == "/users/bob"


@pytest.mark.parametrize(
    ("values", "method", "reason"),
    [
        ({}, None, "missing value for 'user_id'"),
        ({"user_id": None}, None, "missing value for 'user_id'"),
        ({"user_id": 1}, "DELETE", "no rule for this endpoint accepts method 'DELETE'"),
        ({"user_id": "x"}, None, "value 'x' for 'user_id' cannot be built"),
        ({"user_id": -1}, None, "value -1 for 'user_id' cannot be built"),
    ],
)
def test_build_errors(values: dict[str, Any], method: str | None, reason: str) -> None:
    router = make_router(Rule("/users/<int:user_id>", "user"))
    with pytest.raises(BuildError) as info:
        router.build("user", values, method)
    assert info.value.reason.startswith(reason)
    assert info.value.endpoint == "user"


def test_build_error_for_unknown_endpoint_and_several_missing_values() -> None:
    router = make_router(Rule("/<a>/<b>", "two"), Rule("/page/", "page", defaults={"n": 1}))
    with pytest.raises(BuildError, match="no rule for this endpoint"):
        router.build("nope", {})
    with pytest.raises(BuildError) as info:
        router.build("two", {})
    assert info.value.reason == "missing values for 'a', 'b'"
    with pytest.raises(BuildError, match="contradict the defaults"):
        router.build("page", {"n": 2})


def test_build_keeps_a_slash_in_a_string_value_as_werkzeug_does() -> None:
    # A tag such as "c/c++" in a link must not fail the page; a leading slash stays encoded,
    # so that "/<name>" cannot build a scheme-relative "//evil.example".
    router = make_router(Rule("/tag/<name>", "tag"), Rule("/<name>", "top"))
    assert router.build("tag", {"name": "c/c++"}) == "/tag/c/c++"
    assert router.build("top", {"name": "/evil.example"}) == "/%2Fevil.example"


@pytest.mark.parametrize(
    ("endpoint", "value"),
    [
        ("name", ""),
        ("name", "\ud800"),  # not encodable as UTF-8
        ("path", "/etc/passwd"),  # "//etc" would be a scheme-relative URL
        ("path", ""),
        ("choice", "c"),
        ("number", float("nan")),
        ("number", -1.5),
        ("ident", "not-a-uuid"),
        ("fixed", 12345),
    ],
)
def test_build_refuses_values_that_could_never_match(endpoint: str, value: Any) -> None:
    router = make_router(
        Rule("/n/<value>", "name"),
        Rule("/<path:value>", "path"),
        Rule("/c/<any(a, b):value>", "choice"),
        Rule("/f/<float:value>", "number"),
        Rule("/u/<uuid:value>", "ident"),
        Rule("/d/<int(fixed_digits=4):value>", "fixed"),
    )
    with pytest.raises(BuildError, match="cannot be built"):
        router.build(endpoint, {"value": value})


def test_iteration_and_rules_for_keep_registration_order() -> None:
    rules = [Rule("/b/<x>", "b"), Rule("/a", "a"), Rule("/b", "b", methods=["POST"])]
    router = make_router(*rules)
    assert list(router.iter_rules()) == rules
    assert list(router) == rules
    assert router.rules_for("b") == [rules[0], rules[2]]
    assert list(router.iter_rules("b")) == [rules[0], rules[2]]
    assert router.rules_for("missing") == []
    assert "3 rules" in repr(router)


# --- properties ------------------------------------------------------------------------------

segment_text = st.text(min_size=1).filter(lambda text: "/" not in text)


@given(segment_text)
def test_string_roundtrip(value: str) -> None:
    router = make_router(Rule("/s/<value>", "s"))
    assert roundtrip(router, "s", {"value": value}) == {"value": value}


@given(st.integers(min_value=0), st.integers(), st.integers(min_value=0, max_value=9999))
def test_int_roundtrip(unsigned: int, signed: int, fixed: int) -> None:
    router = make_router(
        Rule("/u/<int:value>", "u"),
        Rule("/s/<int(signed=True):value>", "s"),
        Rule("/f/<int(fixed_digits=4):value>", "f"),
    )
    assert roundtrip(router, "u", {"value": unsigned}) == {"value": unsigned}
    assert roundtrip(router, "s", {"value": signed}) == {"value": signed}
    assert roundtrip(router, "f", {"value": fixed}) == {"value": fixed}


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_float_roundtrip(value: float) -> None:
    router = make_router(Rule("/f/<float(signed=True):value>", "f"))
    assert roundtrip(router, "f", {"value": value}) == {"value": value}


@given(st.text(min_size=1).filter(lambda text: not text.startswith("/")))
def test_path_roundtrip(value: str) -> None:
    router = make_router(Rule("/p/<path:value>", "p"))
    assert roundtrip(router, "p", {"value": value}) == {"value": value}


@given(st.uuids())
def test_uuid_roundtrip(value: uuid.UUID) -> None:
    router = make_router(Rule("/u/<uuid:value>", "u"))
    assert roundtrip(router, "u", {"value": value}) == {"value": value}


@given(st.lists(segment_text, min_size=1, max_size=5, unique=True), st.data())
def test_any_roundtrip(items: list[str], data: st.DataObject) -> None:
    arguments = ", ".join("'" + item.replace("'", "") + "'" for item in items)
    assume(all("'" not in item and "\\" not in item for item in items))
    router = make_router(Rule(f"/a/<any({arguments}):value>", "a"))
    value = data.draw(st.sampled_from(items))
    assert roundtrip(router, "a", {"value": value}) == {"value": value}


@given(st.text(max_size=40))
def test_any_rule_text_is_accepted_or_refused_with_value_error(text: str) -> None:
    try:
        rule = Rule("/" + text, "fuzz")
    except ValueError:
        return
    try:
        make_router(rule)
    except (ValueError, LookupError):
        return


@given(st.text(max_size=30))
def test_matching_any_path_raises_only_http_errors(path: str) -> None:
    router = make_router(
        Rule("/", "index"),
        Rule("/u/<name>/", "user"),
        Rule("/<int:n>", "n"),
        Rule("/<path:p>/x", "p"),
    )
    try:
        router.match(path, "GET")
    except HTTPException:
        pass


# A small rule grammar, to check the combined, shared-prefix regexes against trying the rules
# one by one in rank order (white-box: uses the rules' own regexes and ranks).
rule_segments = st.sampled_from(["a", "b", "<int:i{n}>", "<s{n}>", "x<int:j{n}>", "<path:p{n}>"])
path_segments = st.sampled_from(["a", "b", "1", "22", "x1", "xa", ""])


@given(
    st.lists(st.lists(rule_segments, min_size=1, max_size=3), min_size=1, max_size=12),
    st.lists(path_segments, min_size=1, max_size=4),
)
def test_combined_matching_equals_rule_by_rule_matching(
    shapes: list[list[str]], segments: list[str]
) -> None:
    rules = [
        Rule("/" + "/".join(seg.format(n=n) for n, seg in enumerate(shape)), f"e{index}")
        for index, shape in enumerate(shapes)
    ]
    router = make_router(*rules)
    path = "/" + "/".join(segments)
    expected: tuple[Rule, dict[str, Any]] | None = None
    ordered = sorted((rule for rule in rules if not rule.is_static), key=lambda rule: rule._rank)
    for rule in [rule for rule in rules if rule.is_static] + ordered:
        assert rule._regex is not None
        found = rule._regex.match(path)
        if found is not None:
            try:
                expected = (rule, rule.convert(found))
            except ValueError:
                continue
            break
    try:
        actual: tuple[Rule, dict[str, Any]] | None = router.match(path, "GET")
    except (NotFound, RequestRedirect):
        actual = None
    assert actual == expected


def test_is_endpoint_expecting_looks_at_every_rule_of_the_endpoint() -> None:
    router = Router()
    router.add(Rule("/<lang>/about", endpoint="about"))
    router.add(Rule("/about", endpoint="about", defaults={"page": 1}))
    assert router.is_endpoint_expecting("about", "lang")
    assert router.is_endpoint_expecting("about", "page")
    assert not router.is_endpoint_expecting("about", "lang", "page")
    assert not router.is_endpoint_expecting("missing", "lang")


def test_a_value_goes_into_the_path_of_the_rule_that_takes_it_before_the_query() -> None:
    router = Router()
    router.add(Rule("/items/", endpoint="items"))
    router.add(Rule("/items/<int:id>", endpoint="items"))
    assert router.build("items", {"id": 42}) == "/items/42"
    assert router.build("items", {}) == "/items/"
    assert router.build("items", {"page": 2}) == "/items/?page=2"


def test_lookup_returns_what_match_raises() -> None:
    router = make_router(
        Rule("/", "index"), Rule("/dir/", "folder"), Rule("/post", "post", methods=["POST"])
    )
    assert router.lookup("/", "GET") == router.match("/", "GET")
    for path, method, error in [
        ("/missing", "GET", NotFound),
        ("/post", "GET", MethodNotAllowed),
        ("/dir", "GET", RequestRedirect),
    ]:
        found = router.lookup(path, method)
        assert type(found) is error
        assert found.__traceback__ is None  # returned, never raised
        with pytest.raises(error):
            router.match(path, method)


# -- the router bound to a server (Werkzeug's MapAdapter) -------------------------------------


@pytest.fixture
def bound_app() -> Erlen:
    app = Erlen("bound")

    @app.route("/user/<int:user_id>")
    def user(user_id: int) -> str:
        return str(user_id)

    @app.route("/dir/", methods=["GET", "POST"])
    def folder() -> str:
        return "dir"

    @app.route("/api", subdomain="api")
    def api() -> str:
        return "api"

    return app


def test_a_bound_router_matches_and_builds_as_werkzeugs_adapter(bound_app: Erlen) -> None:
    adapter = bound_app.url_map.bind("example.com", "/shop")
    assert adapter.match("/user/3") == ("user", {"user_id": 3})
    rule, values = adapter.match("/user/3", return_rule=True)
    assert (str(rule), values) == ("/user/<int:user_id>", {"user_id": 3})
    with pytest.raises(RequestRedirect) as redirect:
        adapter.match("/dir")
    assert redirect.value.new_url == "http://example.com/shop/dir/"
    with pytest.raises(MethodNotAllowed) as not_allowed:
        adapter.match("/dir/", "DELETE")
    assert set(not_allowed.value.valid_methods or ()) == {"GET", "HEAD", "OPTIONS", "POST"}
    with pytest.raises(NotFound):
        adapter.match("/nowhere")
    assert (adapter.test("/user/1"), adapter.test("/dir"), adapter.test("/x")) == (
        True,
        True,
        False,
    )
    assert adapter.build("user", {"user_id": 4, "q": "a b", "none": None}) == "/shop/user/4?q=a+b"
    assert adapter.build("user", {"user_id": 4, "q": "x"}, append_unknown=False) == "/shop/user/4"
    assert adapter.build("user", {"user_id": 4}, force_external=True) == (
        "http://example.com/shop/user/4"
    )
    assert adapter.build("api") == "http://api.example.com/shop/api"
    with pytest.raises(BuildError):
        adapter.build("user")


def test_binding_to_an_environ_finds_the_subdomain_under_the_server_name(
    bound_app: Erlen,
) -> None:
    environ = {"HTTP_HOST": "api.example.com", "PATH_INFO": "/api", "REQUEST_METHOD": "GET"}
    adapter = bound_app.url_map.bind_to_environ(environ, server_name="example.com")
    assert adapter.match() == ("api", {})
    assert adapter.build("user", {"user_id": 1}) == "http://example.com/user/1"
    outside = bound_app.url_map.bind_to_environ(
        {**environ, "HTTP_HOST": "other.org"}, "example.com"
    )
    assert outside.subdomain == "<invalid>"
    with pytest.raises(NotFound):
        outside.match()


def test_the_app_gives_an_adapter_for_its_request_or_its_server_name(bound_app: Erlen) -> None:
    assert bound_app.create_url_adapter(None) is None
    bound_app.config.update(SERVER_NAME="example.com", APPLICATION_ROOT="/shop")
    offline = bound_app.create_url_adapter(None)
    assert offline is not None and offline.build("user", {"user_id": 2}) == "/shop/user/2"
    with bound_app.test_request_context("/user/7", base_url="http://example.com/"):
        adapter = request_ctx.url_adapter
        assert adapter is not None and adapter.match() == ("user", {"user_id": 7})
        assert adapter.build("folder", force_external=True) == "http://example.com/dir/"


def _outcome(call: Any) -> Any:
    """What a ``match`` gives, Erlen's and Werkzeug's exceptions alike."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Werkzeug's warning for a host outside the name
            return ("ok", call())
    except Exception as error:  # two libraries: classes of the same names
        new_url = getattr(error, "new_url", None)
        return ("redirect", new_url) if new_url else (type(error).__name__,)


_ENVIRONS = [
    ({"HTTP_HOST": "example.com", "PATH_INFO": "/dir", "QUERY_STRING": "a=1"}, {}),
    ({"HTTP_HOST": "api.example.com:8080", "PATH_INFO": "/api"},
     {"server_name": "example.com:8080"}),
    ({"HTTP_HOST": "example.com:80", "PATH_INFO": "/user/5"}, {"server_name": "example.com:80"}),
    ({"HTTP_HOST": "other.org", "PATH_INFO": "/user/5"}, {"server_name": "example.com"}),
    ({"HTTP_HOST": "example.com", "PATH_INFO": "/caf\xc3\xa9", "SCRIPT_NAME": "/app"}, {}),
    ({"SERVER_NAME": "example.com", "SERVER_PORT": "443", "wsgi.url_scheme": "https",
      "PATH_INFO": "/dir", "REQUEST_METHOD": "POST"}, {}),
]  # fmt: skip


@pytest.mark.parametrize(("environ", "options"), _ENVIRONS)
def test_bind_to_environ_matches_and_builds_as_werkzeug_does(
    environ: dict[str, str], options: dict[str, str]
) -> None:
    werkzeug_routing = pytest.importorskip("werkzeug.routing")
    app = Erlen("bound")
    rules = [("/user/<int:user_id>", "user", None, None), ("/dir/", "folder", ["GET", "POST"],
             None), ("/api", "api", None, "api"), ("/café", "cafe", None, None)]  # fmt: skip
    for path, endpoint, methods, subdomain in rules:
        app.add_url_rule(path, endpoint, lambda **kw: "", methods=methods, subdomain=subdomain)
    theirs = werkzeug_routing.Map(
        [werkzeug_routing.Rule(p, endpoint=e, methods=m, subdomain=s) for p, e, m, s in rules]
    )
    environ = {"REQUEST_METHOD": "GET", "wsgi.url_scheme": "http", **environ}
    ours_bound = app.url_map.bind_to_environ(environ, **options)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Werkzeug's warning for a host outside the name
        theirs_bound = theirs.bind_to_environ(environ, **options)
    assert _outcome(ours_bound.match) == _outcome(theirs_bound.match)
    for endpoint, values in [("user", {"user_id": 1, "q": "a b"}), ("api", {}), ("cafe", {})]:
        for external in (False, True):
            assert ours_bound.build(endpoint, values, force_external=external) == (
                theirs_bound.build(endpoint, values, force_external=external)
            )


def test_the_apps_adapter_binds_as_flask_does_with_server_name_and_host_matching() -> None:
    app = Erlen("named")
    app.add_url_rule("/u/<int:n>", "user", lambda n: "")
    app.config["SERVER_NAME"] = "example.com"
    with app.test_request_context("/u/1?a=1", base_url="http://localhost/"):
        adapter = request_ctx.url_adapter
        assert adapter is not None and adapter.match() == ("user", {"n": 1})
        assert adapter.build("user", {"n": 2}, force_external=True) == "http://example.com/u/2"
    hosts = Erlen("hosts", host_matching=True, static_host="static.test")
    hosts.add_url_rule("/", "home", lambda: "", host="shop.test")
    with hosts.test_request_context("/", base_url="http://shop.test/"):
        adapter = request_ctx.url_adapter
        assert adapter is not None and adapter.match() == ("home", {})
        assert adapter.build("static", {"filename": "a.css"}) == "http://static.test/static/a.css"
