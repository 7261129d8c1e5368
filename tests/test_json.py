"""erlen.json: the default provider writes exactly what the standard library (and Flask) would."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from erlen import Erlen, jsonify

pytestmark = pytest.mark.wsgi_only  # no requests: nothing adapter-specific

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values, st.booleans(), st.booleans())
def test_responses_match_the_standard_library(value: Any, ensure_ascii: bool, debug: bool) -> None:
    app = Erlen("json_app")
    app.debug = debug
    app.json.ensure_ascii = ensure_ascii  # type: ignore[attr-defined]
    with app.app_context():
        body = jsonify(value).get_data(as_text=True)
    compact = {"separators": (",", ":")} if not debug else {"indent": 2}
    expected = json.dumps(value, sort_keys=True, ensure_ascii=ensure_ascii, **compact)
    assert body == expected + "\n"


def test_a_circular_structure_is_reported_as_such(app: Erlen) -> None:
    loop: list[Any] = []
    loop.append(loop)
    with app.app_context(), pytest.raises(ValueError, match="Circular reference"):
        jsonify(loop)


def test_values_json_lacks_go_through_default(app: Erlen) -> None:
    import uuid
    from datetime import datetime

    identifier = uuid.UUID(int=7)
    with app.app_context():
        body = jsonify(id=identifier, at=datetime(2026, 1, 2, 3, 4, 5)).get_json()
    assert body == {"at": "Fri, 02 Jan 2026 03:04:05 GMT", "id": str(identifier)}
