"""erlen.app.jsontag: lossless tagged JSON, in the same format as Flask's ``flask.json.tag``."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup

from erlen import Erlen
from erlen.app.jsontag import JSONTag, PassDict, TagDict, TaggedJSONSerializer

pytestmark = pytest.mark.wsgi_only  # no requests: nothing adapter-specific

STAMP = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
IDENT = uuid.UUID(int=0x1234)

#: Values and the exact JSON Flask writes for them.
KNOWN_FORMS: list[tuple[Any, str]] = [
    ((1, 2), '{" t":[1,2]}'),
    (b"\xff", '{" b":"/w=="}'),
    (Markup("<b>"), '{" m":"<b>"}'),
    (IDENT, f'{{" u":"{IDENT.hex}"}}'),
    (STAMP, '{" d":"Wed, 04 Mar 2026 05:06:07 GMT"}'),
    ({" t": 1}, '{" di":{" t__":1}}'),
    ([(1,), {"a": b""}], '[{" t":[1]},{"a":{" b":""}}]'),
]


class TagFraction(JSONTag):
    __slots__ = ()
    key = " fr"

    def check(self, value: Any) -> bool:
        return isinstance(value, Fraction)

    def to_json(self, value: Any) -> Any:
        return [value.numerator, value.denominator]

    def to_python(self, value: Any) -> Any:
        return Fraction(*value)


@pytest.mark.parametrize(("value", "text"), KNOWN_FORMS)
def test_each_type_is_written_in_flasks_tag_format(value: Any, text: str) -> None:
    serializer = TaggedJSONSerializer()
    assert serializer.dumps(value) == text
    assert serializer.loads(text) == value


@pytest.mark.parametrize(("value", "text"), KNOWN_FORMS)
def test_flasks_own_serializer_reads_what_erlen_writes(value: Any, text: str) -> None:
    flask_tag = pytest.importorskip("flask.json.tag")
    theirs = flask_tag.TaggedJSONSerializer()
    assert theirs.loads(TaggedJSONSerializer().dumps(value)) == value
    assert TaggedJSONSerializer().loads(theirs.dumps(value)) == value


taggable = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text()
    | st.binary()
    | st.uuids()
    | st.builds(Markup, st.text()),
    lambda children: (
        st.lists(children, max_size=3)
        | st.lists(children, max_size=3).map(tuple)
        | st.dictionaries(st.sampled_from(["a", " t", " di", " t__", " x"]), children, max_size=3)
    ),
    max_leaves=12,
)


@given(taggable)
def test_every_taggable_value_round_trips(value: Any) -> None:
    serializer = TaggedJSONSerializer()
    assert serializer.loads(serializer.dumps(value)) == value


def test_markup_loads_as_markup_and_datetimes_as_aware_utc() -> None:
    serializer = TaggedJSONSerializer()
    assert type(serializer.loads(serializer.dumps(Markup("<i>")))) is Markup
    naive = datetime(2026, 1, 1, 12, 0, 0)
    assert serializer.loads(serializer.dumps(naive)) == naive.replace(tzinfo=UTC)


def test_a_registered_tag_adds_a_type() -> None:
    serializer = TaggedJSONSerializer()
    serializer.register(TagFraction)
    text = serializer.dumps({"ratio": Fraction(2, 3)})
    assert text == '{"ratio":{" fr":[2,3]}}'
    assert serializer.loads(text) == {"ratio": Fraction(2, 3)}


def test_a_one_key_dict_with_a_newly_registered_key_is_escaped() -> None:
    serializer = TaggedJSONSerializer()
    serializer.register(TagFraction)
    assert serializer.loads(serializer.dumps({" fr": [1, 2]})) == {" fr": [1, 2]}


def test_registering_a_taken_key_needs_force() -> None:
    class TagOther(JSONTag):
        key = " t"

    serializer = TaggedJSONSerializer()
    with pytest.raises(KeyError, match="already registered"):
        serializer.register(TagOther)
    serializer.register(TagOther, force=True, index=0)
    assert isinstance(serializer.tags[" t"], TagOther)
    assert isinstance(serializer.order[0], TagOther)


def test_index_places_a_tag_ahead_of_the_one_it_specialises() -> None:
    class TagOrderedDict(JSONTag):
        __slots__ = ()
        key = " od"

        def check(self, value: Any) -> bool:
            return isinstance(value, OrderedDict)

        def to_json(self, value: Any) -> Any:
            return [[name, self.serializer.tag(item)] for name, item in value.items()]

        def to_python(self, value: Any) -> Any:
            return OrderedDict(value)

    serializer = TaggedJSONSerializer()
    serializer.register(TagOrderedDict, index=0)
    loaded = serializer.loads(serializer.dumps(OrderedDict([("b", (1,)), ("a", 2)])))
    assert type(loaded) is OrderedDict
    assert list(loaded.items()) == [("b", (1,)), ("a", 2)]


def test_the_default_tags_are_tried_dicts_first() -> None:
    serializer = TaggedJSONSerializer()
    assert [type(tag) for tag in serializer.order[:2]] == [TagDict, PassDict]
    assert sorted(serializer.tags) == [" b", " d", " di", " m", " t", " u"]


def test_untag_leaves_unknown_and_many_key_dicts_alone() -> None:
    serializer = TaggedJSONSerializer()
    assert serializer.untag({" zz": 1}) == {" zz": 1}
    assert serializer.untag({" t": [1], "x": 2}) == {" t": [1], "x": 2}
    assert serializer.untag({" t": [1]}) == (1,)


def test_the_base_tag_leaves_its_methods_to_subclasses() -> None:
    tag = JSONTag(TaggedJSONSerializer())
    for method in (tag.check, tag.to_json, tag.to_python):
        with pytest.raises(NotImplementedError):
            method(None)


def test_inside_an_app_the_apps_json_provider_writes_the_text(app: Erlen) -> None:
    app.json.sort_keys = False  # type: ignore[attr-defined]
    with app.app_context():
        assert TaggedJSONSerializer().dumps({"b": 1, "a": 2}) == '{"b":1,"a":2}'
