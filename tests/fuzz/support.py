"""What every fuzz test checks, and strategies several of them share."""

from __future__ import annotations

import json
import string
from typing import Any

from hypothesis import strategies as st

from erlen import Erlen
from erlen.testing import TestResponse

#: Ask for error objects as JSON, so a 4xx can be checked for its shape.
JSON_ACCEPT = {"Accept": "application/json"}

# Text a real client can send: any Unicode scalar value (no lone surrogates).
text = st.text(st.characters(exclude_categories=("Cs",)))
short_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=24)
# An RFC 9110 token: header names, cookie names.
token = st.text(string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~", min_size=1, max_size=16)
# A header value as a server hands it over: latin-1 text without CR, LF or NUL (HTAB allowed).
header_value = st.text(
    st.characters(min_codepoint=0x09, max_codepoint=0xFF, exclude_characters="\n\r\x0b\x0c"),
    max_size=80,
).filter(lambda value: not any(0x0A <= ord(char) <= 0x1F for char in value))


def fuzz_app(name: str) -> Erlen:
    """An app for fuzzing: testing mode, so an unhandled exception fails the test loudly."""
    app = Erlen(name, static_folder=None)
    app.config["SECRET_KEY"] = "fuzz secret key"
    app.testing = True
    return app


def assert_answer(response: TestResponse) -> None:
    """A valid answer: no 5xx, and a 4xx carries Erlen's error object (asked for as JSON)."""
    assert response.status_code < 500, (response.status, response.data[:300])
    if response.status_code >= 400:
        assert response.mimetype == "application/json", (response.status, response.data[:300])
        error = json.loads(response.data)["error"]
        assert error["status"] == response.status_code
        assert isinstance(error["title"], str) and isinstance(error["detail"], str)


def json_values(*, surrogates: bool = False) -> st.SearchStrategy[Any]:
    """JSON-compatible Python values (no NaN or infinities, which JSON cannot carry)."""
    characters = st.characters(exclude_categories=("Cs",))
    if surrogates:
        # Lone surrogates: JSON's "\ud800" escape decodes to one, so a client can send them.
        characters = characters | st.integers(0xD800, 0xDFFF).map(chr)
    strings = st.text(characters, max_size=12)
    scalars = (
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | strings
    )
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=5) | st.dictionaries(strings, children, max_size=5)
        ),
        max_leaves=20,
    )
