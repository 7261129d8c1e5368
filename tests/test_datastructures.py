"""erlen.core.datastructures: MultiDict, Headers, EnvironHeaders and FileStorage."""

from __future__ import annotations

import copy
import io
import pickle
from collections.abc import Callable, Mapping, MutableMapping
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from erlen import Erlen, Response, request
from erlen.core.datastructures import (
    BadRequestKeyError,
    CacheControl,
    EnvironHeaders,
    FileStorage,
    Headers,
    HeaderSet,
    ImmutableMultiDict,
    MultiDict,
)
from erlen.core.http import is_token
from erlen.errors import BadRequest

pytestmark = pytest.mark.wsgi_only

# -- BadRequestKeyError ------------------------------------------------------------------------


def test_bad_request_key_error_is_a_key_error_and_a_400() -> None:
    error = BadRequestKeyError("page")
    assert isinstance(error, KeyError) and isinstance(error, BadRequest)
    assert error.code == 400
    assert error.args == ("page",) and error.key == "page"
    assert "'page'" in error.description
    assert str(error) == f"400 Bad Request: {error.description}"
    assert repr(error) == "BadRequestKeyError('page')"
    response_body, content_type = error.get_body(as_json=True)
    assert b"page" in response_body and content_type == "application/json"


# -- MultiDict ---------------------------------------------------------------------------------


def test_multidict_first_value_and_all_values() -> None:
    md = MultiDict([("tag", "a"), ("page", "2"), ("tag", "b")])
    assert md["tag"] == "a"
    assert md.getlist("tag") == ["a", "b"]
    assert md.getlist("missing") == []
    assert len(md) == 2
    assert list(md) == ["tag", "page"]
    assert list(md.keys()) == ["tag", "page"]
    assert list(md.values()) == ["a", "2"]
    assert list(md.items()) == [("tag", "a"), ("page", "2")]
    assert list(md.items(multi=True)) == [("tag", "a"), ("tag", "b"), ("page", "2")]
    assert list(md.lists()) == [("tag", ["a", "b"]), ("page", ["2"])]
    assert list(md.listvalues()) == [["a", "b"], ["2"]]
    assert "tag" in md and "nope" not in md and 3 not in md


def test_multidict_missing_key_is_a_bad_request() -> None:
    md: MultiDict[str] = MultiDict()
    with pytest.raises(BadRequestKeyError) as info:
        md["page"]
    assert isinstance(info.value, KeyError)
    assert "'page'" in info.value.description


def test_multidict_get_with_type_and_default() -> None:
    md = MultiDict([("page", "2"), ("size", "big"), ("ids", "1"), ("ids", "x"), ("ids", "3")])
    assert md.get("page") == "2"
    assert md.get("missing") is None
    assert md.get("missing", "d") == "d"
    assert md.get("page", type=int) == 2
    assert md.get("size", 10, type=int) == 10
    assert md.get("size", type=int) is None
    assert md.getlist("ids", type=int) == [1, 3]


def test_multidict_construction_forms() -> None:
    assert MultiDict({"a": "1", "b": ["2", "3"], "c": ("4",), "d": []}).to_dict(flat=False) == {
        "a": ["1"], "b": ["2", "3"], "c": ["4"],
    }  # fmt: skip
    original = MultiDict([("a", "1"), ("a", "2")])
    clone = MultiDict(original)
    clone.add("a", "3")
    assert original.getlist("a") == ["1", "2"]  # the lists were copied
    assert MultiDict().to_dict() == {} and MultiDict(None).to_dict() == {}
    pairs = [("a", "1"), ("b", "2"), ("a", "3")]
    expected = {"a": ["1", "3"], "b": ["2"]}
    assert MultiDict(pairs).to_dict(flat=False) == expected  # a list: the parsers' fast path
    assert MultiDict(tuple(pairs)).to_dict(flat=False) == expected
    assert MultiDict(iter(pairs)).to_dict(flat=False) == expected
    assert ImmutableMultiDict(pairs).getlist("a") == ["1", "3"]


def test_multidict_mutation() -> None:
    md: MultiDict[str] = MultiDict()
    md.add("a", "1")
    md.add("a", "2")
    md["b"] = "x"
    md["a"] = "replaced"
    assert md.to_dict(flat=False) == {"a": ["replaced"], "b": ["x"]}
    md.setlist("c", ["1", "2"])
    assert md.getlist("c") == ["1", "2"]
    md.setlist("c", [])
    assert "c" not in md
    assert md.setdefault("b", "y") == "x"
    assert md.setdefault("d", "y") == "y"
    md.setlistdefault("e").append("5")
    assert md.getlist("e") == ["5"]
    del md["e"]
    assert md.pop("d") == "y"
    assert md.pop("d", "gone") == "gone"
    with pytest.raises(KeyError):
        md.pop("d")
    md.setlist("f", ["1", "2"])
    assert md.poplist("f") == ["1", "2"] and md.poplist("f") == []
    assert md.popitem() == ("b", "x")
    md.update({"a": "more"})
    md.update([("z", "1")])
    assert md.getlist("a") == ["replaced", "more"]  # update adds, as in Werkzeug
    md.clear()
    assert len(md) == 0 and not md


def test_multidict_to_dict_and_equality() -> None:
    md = MultiDict([("a", "1"), ("a", "2"), ("b", "3")])
    assert md.to_dict() == {"a": "1", "b": "3"}
    assert md.to_dict(flat=False) == {"a": ["1", "2"], "b": ["3"]}
    assert md == MultiDict([("a", "1"), ("a", "2"), ("b", "3")])
    assert md != MultiDict([("a", "1"), ("b", "3")])
    assert md == {"a": "1", "b": "3"}
    assert md != 42
    assert dict(md) == {"a": "1", "b": "3"}


def test_multidict_copy_and_repr() -> None:
    md = MultiDict([("a", "1"), ("a", "2")])
    assert repr(md) == "MultiDict([('a', '1'), ('a', '2')])"
    for clone in (md.copy(), copy.copy(md)):
        clone.add("a", "3")
        assert md.getlist("a") == ["1", "2"]
    assert pickle.loads(pickle.dumps(md)) == md


def test_multidict_is_registered_as_a_mutable_mapping() -> None:
    assert isinstance(MultiDict(), MutableMapping)
    assert isinstance(ImmutableMultiDict(), Mapping)


def test_immutable_multidict_refuses_changes() -> None:
    md = ImmutableMultiDict([("a", "1")])
    mutations: list[Callable[[], object]] = [
        lambda: md.__setitem__("a", "2"),
        lambda: md.__delitem__("a"),
        lambda: md.add("a", "2"),
        lambda: md.setlist("a", ["2"]),
        lambda: md.setdefault("b", "2"),
        lambda: md.setlistdefault("b"),
        lambda: md.pop("a"),
        lambda: md.poplist("a"),
        lambda: md.popitem(),
        lambda: md.update({"b": "2"}),
        lambda: md.clear(),
    ]
    for mutate in mutations:
        with pytest.raises(TypeError, match="immutable"):
            mutate()
    assert md.to_dict() == {"a": "1"}


def test_immutable_multidict_copy_is_mutable_and_it_is_hashable() -> None:
    md = ImmutableMultiDict([("a", "1")])
    clone = md.copy()
    clone.add("a", "2")
    assert type(clone) is MultiDict and md.getlist("a") == ["1"]
    assert copy.copy(md) is md
    assert hash(md) == hash(ImmutableMultiDict([("a", "1")]))
    assert repr(md) == "ImmutableMultiDict([('a', '1')])"


pairs_strategy = st.lists(st.tuples(st.text(max_size=3), st.integers()), max_size=30)


@given(pairs_strategy)
def test_multidict_keeps_every_value_in_order(pairs: list[tuple[str, int]]) -> None:
    md = MultiDict(pairs)
    for key in md:
        assert md.getlist(key) == [value for name, value in pairs if name == key]
    assert sorted(md.items(multi=True)) == sorted(pairs)
    assert len(md) == len({name for name, _ in pairs})
    assert MultiDict(md.items(multi=True)) == md


# -- Headers -----------------------------------------------------------------------------------


def test_headers_lookup_is_case_insensitive_and_multi_valued() -> None:
    headers = Headers([("Content-Type", "text/html"), ("Set-Cookie", "a=1")])
    headers.add("set-cookie", "b=2")
    assert headers["content-type"] == "text/html"
    assert headers.get("CONTENT-TYPE") == "text/html"
    assert headers.get_all("Set-Cookie") == ["a=1", "b=2"]
    assert headers.getlist("set-cookie") == ["a=1", "b=2"]
    assert "SET-COOKIE" in headers and "X-Nope" not in headers and 1 not in headers
    assert len(headers) == 3
    assert list(headers) == [("Content-Type", "text/html"), ("Set-Cookie", "a=1"),
                             ("set-cookie", "b=2")]  # fmt: skip
    assert list(headers.items()) == list(headers)
    assert list(headers.keys()) == ["Content-Type", "Set-Cookie", "set-cookie"]
    assert list(headers.values()) == ["text/html", "a=1", "b=2"]
    assert headers.to_wsgi_list() == list(headers)


def test_headers_missing_name() -> None:
    headers = Headers()
    with pytest.raises(BadRequestKeyError) as info:
        headers["X-Token"]
    assert "X-Token" in info.value.description
    assert headers.get("X-Token") is None and headers.get("X-Token", "d") == "d"
    assert headers.get_all("X-Token") == []
    assert not headers


def test_headers_get_with_type() -> None:
    headers = Headers({"Content-Length": "12", "X-Bad": "abc", "X-N": ["1", "x", "3"]})
    assert headers.get("Content-Length", type=int) == 12
    assert headers.get("X-Bad", -1, type=int) == -1
    assert headers.getlist("X-N", type=int) == [1, 3]


def test_headers_set_replaces_all_values_in_place() -> None:
    headers = Headers([("A", "1"), ("B", "2"), ("a", "3"), ("C", "4")])
    headers["A"] = "new"
    assert headers.to_wsgi_list() == [("A", "new"), ("B", "2"), ("C", "4")]
    headers.set("D", 5)
    assert headers["D"] == "5"


def test_headers_add_renders_parameters() -> None:
    headers = Headers()
    headers.add("Content-Disposition", "attachment", filename="my report.pdf")
    headers.add("Content-Type", "text/plain", charset="utf-8")
    headers.add("X-Flags", "a", no_cache=None)
    headers.add("Content-Disposition", "attachment", filename="résumé.pdf")
    assert headers.get_all("Content-Disposition") == [
        'attachment; filename="my report.pdf"',
        "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf",
    ]
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    assert headers["X-Flags"] == "a; no-cache"


@pytest.mark.parametrize(
    "value", ["a\r\nSet-Cookie: admin=1", "a\nb", "a\rb", "a\x00b", "\r\n\r\n<html>"]
)
def test_headers_reject_injected_values(value: str) -> None:
    headers = Headers()
    for action in (
        lambda: headers.__setitem__("X-A", value),
        lambda: headers.set("X-A", value),
        lambda: headers.add("X-A", value),
        lambda: headers.setdefault("X-A", value),
        lambda: headers.extend([("X-A", value)]),
        lambda: headers.update({"X-A": value}),
        lambda: Headers({"X-A": value}),
        lambda: Headers([("X-A", value)]),
    ):
        with pytest.raises(ValueError):
            action()
    assert len(headers) == 0


@pytest.mark.parametrize("name", ["", "X A", "X:A", "X-A\r\n", "Ä", "X\x00", "(X)"])
def test_headers_reject_invalid_names(name: str) -> None:
    with pytest.raises(ValueError):
        Headers()[name] = "1"
    with pytest.raises(ValueError):
        Headers([(name, "1")])


def test_headers_parameters_cannot_inject_either() -> None:
    headers = Headers()
    headers.add("Content-Disposition", "attachment", filename="a\r\nSet-Cookie: x=1")
    assert headers["Content-Disposition"] == (
        "attachment; filename*=UTF-8''a%0D%0ASet-Cookie%3A%20x%3D1"
    )


def test_headers_values_must_be_str_or_int() -> None:
    headers = Headers()
    headers["Content-Length"] = 42
    assert headers["Content-Length"] == "42"
    for bad in (b"bytes", None, 1.5, ["a"]):
        with pytest.raises(TypeError):
            headers["X"] = bad  # type: ignore[assignment]


def test_headers_setdefault_extend_update_remove_pop() -> None:
    headers = Headers({"A": "1"})
    assert headers.setdefault("a", "2") == "1"
    assert headers.setdefault("B", 2) == "2"
    headers.extend({"C": ["3", "4"]})
    headers.extend(Headers([("D", "5")]))
    headers.extend(None)
    assert headers.get_all("C") == ["3", "4"]
    headers.update([("c", "new"), ("E", "6")])
    assert headers.get_all("C") == ["new"] and headers["E"] == "6"
    headers.remove("c")
    del headers["D"]
    del headers["Never-Set"]  # no error, as in Werkzeug
    assert "C" not in headers and "D" not in headers
    assert headers.pop("A") == "1"
    assert headers.pop("A", None) is None
    with pytest.raises(KeyError):
        headers.pop("A")
    headers.clear()
    assert len(headers) == 0


def test_headers_copy_equality_and_repr() -> None:
    headers = Headers([("A", "1"), ("B", "2"), ("A", "3")])
    clone = headers.copy()
    clone.add("C", "4")
    assert "C" not in headers
    assert copy.copy(headers) == headers
    assert headers == Headers([("b", "2"), ("a", "1"), ("A", "3")])  # names' interleaving is free
    assert headers != Headers([("A", "3"), ("B", "2"), ("A", "1")])  # a name's order is not
    assert headers != [("A", "1")]
    assert repr(Headers({"A": "1"})) == "Headers([('A', '1')])"
    assert Headers(headers).to_wsgi_list() == headers.to_wsgi_list()


def test_headers_dict_conversion_takes_first_values() -> None:
    assert dict(Headers([("A", "1"), ("A", "2")])) == {"A": "1"}


@given(st.text(max_size=20), st.text(max_size=40))
def test_headers_accept_exactly_tokens_and_safe_values(name: str, value: str) -> None:
    headers = Headers()
    latin_1 = all(ord(char) < 256 for char in value)
    control = any((ord(char) < 0x20 and char != "\t") or char == "\x7f" for char in value)
    acceptable = is_token(name) and latin_1 and not control
    try:
        headers.add(name, value)
    except ValueError:
        assert not acceptable
        return
    assert acceptable
    assert headers[name] == value.strip(" \t")  # surrounding whitespace is not the value's


# -- EnvironHeaders ----------------------------------------------------------------------------

ENVIRON = {
    "REQUEST_METHOD": "POST",
    "HTTP_HOST": "example.com",
    "HTTP_ACCEPT_LANGUAGE": "de, en;q=0.5",
    "HTTP_X_REAL_IP": "10.0.0.1",
    "HTTP_COOKIE": "a=1",
    "CONTENT_TYPE": "application/json",
    "CONTENT_LENGTH": "12",
    "HTTP_CONTENT_TYPE": "ignored/duplicate",
    "wsgi.input": io.BytesIO(),
}


def test_environ_headers_lookup() -> None:
    headers = EnvironHeaders(ENVIRON)
    assert headers["Host"] == "example.com"
    assert headers["accept-language"] == "de, en;q=0.5"
    assert headers.get("Content-Type") == "application/json"
    assert headers.get("Content-Length", type=int) == 12
    assert headers.get("X-Missing") is None and headers.get("X-Missing", "d") == "d"
    assert headers.get_all("Cookie") == ["a=1"] and headers.getlist("X-Missing") == []
    assert headers.getlist("Content-Length", type=int) == [12]
    assert "HOST" in headers and "Referer" not in headers and None not in headers
    with pytest.raises(BadRequestKeyError):
        headers["Authorization"]


def test_environ_headers_iterate_as_pairs() -> None:
    headers = EnvironHeaders(ENVIRON)
    assert sorted(headers) == sorted([
        ("Host", "example.com"),
        ("Accept-Language", "de, en;q=0.5"),
        ("X-Real-Ip", "10.0.0.1"),
        ("Cookie", "a=1"),
        ("Content-Type", "application/json"),
        ("Content-Length", "12"),
    ])  # fmt: skip
    assert len(headers) == 6 and headers
    assert sorted(headers.keys()) == sorted(name for name, _ in headers)
    assert list(headers.values()) == [value for _, value in headers.items()]
    assert headers.to_wsgi_list() == list(headers)
    assert headers.copy()["Host"] == "example.com"
    assert repr(headers).startswith("EnvironHeaders([")


def test_environ_headers_treat_empty_cgi_content_keys_as_absent() -> None:
    headers = EnvironHeaders({"CONTENT_TYPE": "", "CONTENT_LENGTH": "", "HTTP_X_EMPTY": ""})
    assert headers.get("Content-Type") is None and "Content-Length" not in headers
    assert headers.get("X-Empty") == ""  # an empty header that was sent is still there
    assert list(headers) == [("X-Empty", "")]
    assert not EnvironHeaders({})


def test_environ_headers_construction_only_stores_the_environ() -> None:
    environ: dict[str, str] = {}
    headers = EnvironHeaders(environ)
    environ["HTTP_LATE"] = "yes"
    assert headers["Late"] == "yes" and headers.environ is environ


@given(st.text(max_size=20))
def test_environ_headers_never_raise_on_get(name: str) -> None:
    headers = EnvironHeaders(ENVIRON)
    headers.get(name)
    assert (name in headers) == (headers.get(name) is not None)


# -- FileStorage -------------------------------------------------------------------------------


def make_upload(data: bytes = b"line one\nline two\n", **kwargs: object) -> FileStorage:
    options: dict[str, object] = {
        "filename": "notes.txt", "name": "upload", "content_type": 'Text/Plain; charset="utf-8"',
    }  # fmt: skip
    options.update(kwargs)
    return FileStorage(io.BytesIO(data), **options)  # type: ignore[arg-type]


def test_file_storage_attributes() -> None:
    upload = make_upload()
    assert upload.filename == "notes.txt" and upload.name == "upload"
    assert upload.content_type == 'Text/Plain; charset="utf-8"'
    assert upload.mimetype == "text/plain"
    assert upload.mimetype_params == {"charset": "utf-8"}
    assert upload.content_length == 0  # none declared: 0, as Werkzeug gives
    assert isinstance(upload.headers, Headers)
    assert bool(upload)
    assert repr(upload) == "<FileStorage: 'notes.txt' ('Text/Plain; charset=\"utf-8\"')>"


def test_file_storage_reads_content_type_and_length_from_headers() -> None:
    headers = Headers({"Content-Type": "image/png", "Content-Length": "3"})
    upload = FileStorage(io.BytesIO(b"png"), "a.png", "image", headers=headers)
    assert upload.mimetype == "image/png" and upload.content_length == 3
    bare = FileStorage(io.BytesIO(b""))
    assert bare.mimetype == "" and bare.mimetype_params == {} and not bare


def test_file_storage_reading_and_file_like_use() -> None:
    upload = make_upload()
    assert upload.read(4) == b"line"
    assert upload.tell() == 4
    upload.seek(0)
    assert upload.readline() == b"line one\n"
    upload.seek(0)
    assert list(upload) == [b"line one\n", b"line two\n"]
    assert upload.seekable()  # passed on to the stream
    upload.seek(0)
    assert upload.read() == b"line one\nline two\n"


def test_file_storage_save_to_path_and_file(tmp_path: Path) -> None:
    upload = make_upload(b"x" * 50_000)
    target = tmp_path / "saved.bin"
    upload.save(target, buffer_size=1024)
    assert target.read_bytes() == b"x" * 50_000
    upload.seek(0)
    upload.save(str(tmp_path / "again.bin"))
    assert (tmp_path / "again.bin").stat().st_size == 50_000
    upload.seek(0)
    buffer = io.BytesIO()
    upload.save(buffer)
    assert buffer.getvalue() == b"x" * 50_000 and not buffer.closed


def test_file_storage_close_and_context_manager() -> None:
    upload = make_upload()
    with upload as same:
        assert same is upload
    assert upload.stream.closed
    other = make_upload()
    other.close()
    assert other.closed


def test_file_storage_empty_filename_is_falsy() -> None:
    assert not make_upload(filename="")
    assert not make_upload(filename=None)


def test_file_storage_unknown_attributes_raise_attribute_error() -> None:
    upload = make_upload()
    with pytest.raises(AttributeError):
        upload.no_such_attribute  # noqa: B018
    blank = FileStorage.__new__(FileStorage)
    with pytest.raises(AttributeError):
        blank.read_something  # noqa: B018  # no recursion when stream is unset


# -- Headers: the Werkzeug methods extensions call --------------------------------------------


def test_headers_extend_takes_multidicts_with_every_value_and_keywords() -> None:
    from werkzeug.datastructures import MultiDict as WerkzeugMultiDict

    headers = Headers()
    headers.extend(WerkzeugMultiDict([("Vary", "Origin"), ("Vary", "Cookie")]))
    headers.extend(MultiDict([("X-Tag", "a"), ("X-Tag", "b")]), X_Extra="1")
    assert headers.getlist("Vary") == ["Origin", "Cookie"]
    assert headers.getlist("X-Tag") == ["a", "b"]
    assert headers["X_Extra"] == "1"
    assert Headers(WerkzeugMultiDict([("A", "1"), ("A", "2")])).getlist("A") == ["1", "2"]


def test_headers_setlist_replaces_or_removes_a_name() -> None:
    headers = Headers([("Allow", "GET"), ("X", "1"), ("allow", "POST")])
    headers.setlist("Allow", ["PUT", "PATCH"])
    assert list(headers) == [("X", "1"), ("Allow", "PUT"), ("Allow", "PATCH")]
    headers.setlist("Allow", [])
    assert "Allow" not in headers
    with pytest.raises(ValueError):
        headers.setlist("Allow", ["GET\r\nX-Injected: 1"])


def test_headers_update_with_keywords_and_add_header() -> None:
    headers = Headers([("X-A", "old"), ("X-B", "kept")])
    headers.update({"X-A": "new"}, X_C="3")
    headers.add_header("Content-Disposition", "attachment", filename="a.txt")
    assert list(headers) == [
        ("X-B", "kept"), ("X-A", "new"), ("X_C", "3"),
        ("Content-Disposition", "attachment; filename=a.txt"),
    ]  # fmt: skip


# -- HeaderSet -----------------------------------------------------------------------------------


def test_header_set_is_ordered_and_ignores_case() -> None:
    items = HeaderSet.parse(["Accept-Encoding, Origin", "origin,Cookie"])
    assert list(items) == ["Accept-Encoding", "Origin", "Cookie"]
    assert "ORIGIN" in items and "Host" not in items
    assert items.find("cookie") == 2 and items.find("host") == -1
    assert items == {"origin", "cookie", "accept-encoding"}
    assert items.as_set(preserve_casing=True) == {"Accept-Encoding", "Origin", "Cookie"}
    with pytest.raises(KeyError):
        items.remove("Host")
    with pytest.raises(IndexError):
        items.index("Host")


def test_header_set_reports_each_change_and_only_changes() -> None:
    seen: list[str] = []
    items = HeaderSet(["GET"], on_update=lambda current: seen.append(current.to_header()))
    items.add("get")  # already there: no change
    items.add("POST")
    items.update(["PUT", "post"])
    items.discard("DELETE")  # absent: no change
    items.discard("get")
    items.clear()
    assert seen == ["GET, POST", "GET, POST, PUT", "POST, PUT", ""]
    assert not items and len(items) == 0


def test_cache_control_reads_directives_as_typed_attributes() -> None:
    cc = CacheControl.parse('max-age=60, No-Cache="Set-Cookie", public, s-maxage=abc, x="a,b"')
    assert cc.max_age == 60
    assert cc.no_cache == "Set-Cookie"
    assert cc.public is True and cc.no_store is False and cc.private is None
    assert cc.s_maxage is None  # not a number: ignored, not an error
    assert cc["x"] == "a,b"
    assert CacheControl.parse(None) == {} and CacheControl.parse(",,") == {}


def test_response_cache_control_writes_the_header_back() -> None:
    response = Response("x")
    response.cache_control.max_age = 300
    response.cache_control.public = True
    assert response.headers["Cache-Control"] == "max-age=300, public"
    response.cache_control.no_cache = "Set-Cookie"
    assert response.cache_control.no_cache == "Set-Cookie"
    cc = response.cache_control
    cc.max_age = None
    cc.public = False
    del cc.no_cache
    assert "Cache-Control" not in response.headers
    response.cache_control["x-token"] = "a b"
    assert response.headers["Cache-Control"] == 'x-token="a b"'


def test_request_cache_control_parses_what_the_client_sent(app: Erlen, client) -> None:
    @app.route("/")
    def page() -> dict[str, object]:
        cc = request.cache_control
        return {"no_cache": cc.no_cache, "max_age": cc.max_age}

    answer = client.get("/", headers={"Cache-Control": "no-cache, max-age=0"}).json
    assert answer == {"no_cache": True, "max_age": 0}
