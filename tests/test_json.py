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


@pytest.mark.parametrize("interface", ["wsgi", "asgi"], indirect=True)
def test_request_bodies_are_parsed_by_the_apps_json_provider(interface: str) -> None:
    """As in Flask, ``request.get_json()`` goes through ``app.json.loads``: a provider that
    parses numbers as Decimal (a money app's) gets Decimals, over WSGI and ASGI alike."""
    from decimal import Decimal

    from erlen import request
    from erlen.json import DefaultJSONProvider

    class DecimalProvider(DefaultJSONProvider):
        def loads(self, s: str | bytes, **kwargs: Any) -> Any:
            return json.loads(s, parse_float=Decimal, **kwargs)

    app = Erlen(__name__)
    app.json = DecimalProvider(app)

    @app.post("/total")
    def total() -> str:
        prices = request.get_json()["prices"]
        return f"{type(prices[0]).__name__} {sum(prices)}"

    answer = app.test_client().post("/total", json={"prices": [0.1, 0.2]})
    assert answer.text == "Decimal 0.3"
    refused = app.test_client().post("/total", data="{not json", content_type="application/json")
    assert refused.status_code == 400  # the provider's ValueError is still the client's error


def test_a_provider_with_its_own_loads_on_the_instance_is_used_too() -> None:
    from erlen import request

    app = Erlen(__name__)
    calls: list[str] = []
    original = app.json.loads
    app.json.loads = lambda s, **kwargs: calls.append(s) or original(s, **kwargs)  # type: ignore[method-assign]
    app.add_url_rule("/", "echo", lambda: request.get_json(), methods=["POST"])
    assert app.test_client().post("/", json={"a": 1}).get_json() == {"a": 1}
    assert calls[0] == '{"a": 1}'  # the request's body (then the test client reads the answer)
