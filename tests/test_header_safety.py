"""Header safety as a property, on real servers: whatever text or bytes a view puts into a
response header, the answer on the wire has no header line and no body byte it did not mean.

Each example asks a view to build a response one way (``headers[...] =``, ``add``, a tuple,
``redirect``, ``set_cookie``, ``send_file``...) from a name and a value Hypothesis chose: CR, LF,
NUL and other control characters, ready-made injections (``"\\r\\nSet-Cookie: x=1"``,
``"\\n\\nBODY"``), latin-1 and non-latin-1 text, bytes. The raw answer is read from a socket
and parsed strictly (status line, header lines, framed body), then a second request on the same
keep-alive connection must get its own answer and nothing else: the connection is in step.

What the server wrote is compared with what the app handed it, as the test client sees it
through the same adapter: the same status, the same header pairs (one line each) and the same
body. Either the header is carried as one valid line, or the view's answer is refused with
Erlen's error object (400 for an invalid header, 500 for a wrong type); never anything else.

The servers: waitress as ``app.run()`` sets it up, and uvicorn serving ``app.asgi`` with each
of its HTTP implementations (httptools and h11). The number of examples follows the Hypothesis
profile: a tenth of it per case, at least 20 (20 in ``make test``, 500 under
``HYPOTHESIS_PROFILE=fuzz``).
"""

from __future__ import annotations

import io
import json
import re
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from erlen import Erlen, Response, make_response, redirect, request, send_file
from erlen.core.datastructures import Headers, InvalidHeader

from .conftest import uvicorn_in_thread, waitress_in_thread

pytestmark = [pytest.mark.wsgi_only, pytest.mark.server]

TIMEOUT = 5.0
EXAMPLES = max(20, settings.default.max_examples // 10)

# -- what a view builds -------------------------------------------------------------------------

Builder = Callable[[Any, Any], Any]


def _ok() -> Response:
    return make_response("ok")


def _with(change: Callable[[Response], object]) -> Response:
    response = _ok()
    change(response)
    return response


class _Custom(Response):
    """A Response subclass whose default mimetype comes from the view (set per instance)."""


def _subclass(value: Any) -> Response:
    custom = type("CustomResponse", (_Custom,), {"default_mimetype": value})
    return custom("ok")


# Each builder takes the header name and value Hypothesis chose; some use only the value.
NAMED: dict[str, Builder] = {
    "setitem": lambda n, v: _with(lambda r: r.headers.__setitem__(n, v)),
    "add": lambda n, v: _with(lambda r: r.headers.add(n, v)),
    "set": lambda n, v: _with(lambda r: r.headers.set(n, v)),
    "add-param": lambda n, v: _with(lambda r: r.headers.add(n, "attachment", filename=v)),
    "extend-mapping": lambda n, v: _with(lambda r: r.headers.extend({n: v})),
    "extend-pairs": lambda n, v: _with(lambda r: r.headers.extend([(n, v)])),
    "update": lambda n, v: _with(lambda r: r.headers.update({n: v})),
    "setlist": lambda n, v: _with(lambda r: r.headers.setlist(n, [v, "second"])),
    "setdefault": lambda n, v: _with(lambda r: r.headers.setdefault(n, v)),
    "headers-property": lambda n, v: _with(lambda r: setattr(r, "headers", {n: v})),
    "Response(headers=dict)": lambda n, v: Response("ok", headers={n: v}),
    "Response(headers=pairs)": lambda n, v: Response("ok", headers=[(n, v)]),
    "tuple-3": lambda n, v: ("ok", 200, {n: v}),
    "tuple-2": lambda n, v: ("ok", [(n, v)]),
    "make_response": lambda n, v: make_response("ok", 200, {n: v}),
    "set_cookie": lambda n, v: _with(lambda r: r.set_cookie(n, v)),
}
VALUED: dict[str, Builder] = {
    "redirect": lambda n, v: redirect(v),
    "location": lambda n, v: _with(lambda r: setattr(r, "location", v)),
    "set_cookie-path": lambda n, v: _with(lambda r: r.set_cookie("c", "v", path=v)),
    "set_cookie-domain": lambda n, v: _with(lambda r: r.set_cookie("c", "v", domain=v)),
    "content_type": lambda n, v: _with(lambda r: setattr(r, "content_type", v)),
    "mimetype": lambda n, v: _with(lambda r: setattr(r, "mimetype", v)),
    "Response(mimetype=)": lambda n, v: Response("ok", mimetype=v),
    "Response(content_type=)": lambda n, v: Response("ok", content_type=v),
    "subclass-default_mimetype": lambda n, v: _subclass(v),
    "set_etag": lambda n, v: _with(lambda r: r.set_etag(v)),
    "vary": lambda n, v: _with(lambda r: setattr(r, "vary", v)),
    "send_file-download_name": lambda n, v: send_file(
        io.BytesIO(b"file"), download_name=v, as_attachment=True
    ),
    "send_file-mimetype": lambda n, v: send_file(io.BytesIO(b"file"), mimetype=v),
    "status-reason": lambda n, v: ("ok", "200 " + v),
}
BUILDERS = {**NAMED, **VALUED}
#: The builders that use the name as a header name (set_cookie uses it as the cookie's).
HEADER_NAMED = frozenset(NAMED) - {"set_cookie"}
HOP_BY_HOP = frozenset(
    ("connection", "keep-alive", "proxy-connection", "te", "transfer-encoding", "upgrade")
)


def _decode(part: dict[str, str]) -> str | bytes:
    return bytes.fromhex(part["bytes"]) if "bytes" in part else part["text"]


def _encode(value: str | bytes) -> dict[str, str]:
    return {"bytes": value.hex()} if isinstance(value, bytes) else {"text": value}


def build_app() -> Erlen:
    app = Erlen("header_safety", static_folder=None)

    @app.get("/ok")
    def ok() -> str:
        return "ok"

    @app.get("/case")
    def case() -> Any:
        # The case travels as JSON in the query, as a client's input would: ensure_ascii JSON
        # carries any str (lone surrogates too) and bytes as hex.
        spec = json.loads(request.args["spec"])
        return BUILDERS[spec["builder"]](_decode(spec["name"]), _decode(spec["value"]))

    return app


APP = build_app()


def case_target(builder: str, name: str | bytes, value: str | bytes) -> str:
    spec = json.dumps({"builder": builder, "name": _encode(name), "value": _encode(value)})
    return "/case?spec=" + quote(spec, safe="")


# -- the servers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    name: str
    port: int
    interface: str  # the adapter it calls: the test client goes through the same one


@pytest.fixture(scope="module", params=["waitress", "uvicorn-httptools", "uvicorn-h11"])
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    if request.param == "waitress":
        with waitress_in_thread(APP, erlen_setup=True) as port:
            yield Server(request.param, port, "wsgi")
    else:
        with uvicorn_in_thread(APP.asgi, http=request.param.partition("-")[2]) as port:
            yield Server(request.param, port, "asgi")


# -- reading an answer strictly -----------------------------------------------------------------

_STATUS_LINE = re.compile(rb"HTTP/1\.1 ([1-5][0-9][0-9]) ([\t \x21-\x7e\x80-\xff]*)")
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_FIELD_VALUE = re.compile(rb"[\t \x21-\x7e\x80-\xff]*")
_CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]{1,8})(?:;[^\r\n]*)?")


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]  # lower-case names, values as latin-1 text
    body: bytes
    head: bytes = field(repr=False)

    def get_all(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key == name]


class Connection:
    """A client connection that reads answers by their framing, and nothing more."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.buffer = b""

    def close(self) -> None:
        self.sock.close()

    def send(self, target: str, *, close: bool = False) -> None:
        connection = b"close" if close else b"keep-alive"
        self.sock.sendall(
            b"GET " + target.encode("ascii") + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Accept: application/json\r\nConnection: " + connection + b"\r\n\r\n"
        )

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        assert chunk, f"the server closed the connection mid-answer, after {self.buffer[:300]!r}"
        self.buffer += chunk

    def _until(self, marker: bytes) -> bytes:
        while marker not in self.buffer:
            self._fill()
        data, _, self.buffer = self.buffer.partition(marker)
        return data

    def _exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self._fill()
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def rest(self) -> bytes:
        """Everything up to the server's close (for the last answer on a connection)."""
        data, self.buffer = self.buffer, b""
        while chunk := self.sock.recv(65536):
            data += chunk
        return data

    def answer(self) -> Answer:
        head = self._until(b"\r\n\r\n")
        status_line, *lines = head.split(b"\r\n")
        match = _STATUS_LINE.fullmatch(status_line)
        assert match is not None, f"malformed status line {status_line!r}"
        headers = []
        for line in lines:
            name, colon, value = line.partition(b":")
            assert colon and _TOKEN.fullmatch(name), f"malformed header line {line!r}"
            value = value.strip(b" \t")
            assert _FIELD_VALUE.fullmatch(value), f"control character in {line!r}"
            headers.append((name.decode("ascii").lower(), value.decode("latin-1")))
        answer = Answer(int(match.group(1)), headers, b"", head)
        lengths = answer.get_all("content-length")
        codings = answer.get_all("transfer-encoding")
        if codings:
            assert codings == ["chunked"] and not lengths, head
            answer.body = self._chunked()
        elif lengths:
            assert len(lengths) == 1 and lengths[0].isdigit(), head
            answer.body = self._exactly(int(lengths[0]))
        else:
            assert answer.status in (204, 304) or answer.status < 200, f"no framing: {head!r}"
        return answer

    def _chunked(self) -> bytes:
        body = b""
        while True:
            line = self._until(b"\r\n")
            match = _CHUNK_SIZE.fullmatch(line)
            assert match is not None, f"malformed chunk size line {line!r}"
            size = int(match.group(1), 16)
            if size == 0:
                while self._until(b"\r\n"):  # trailer fields, up to the empty line
                    pass
                return body
            body += self._exactly(size)
            assert self._exactly(2) == b"\r\n", "a chunk longer than its size"


def exchange(port: int, target: str) -> Answer:
    """The answer to ``target``, after checking the connection is still in step with it."""
    connection = Connection(port)
    try:
        connection.send(target)
        answer = connection.answer()
        assert connection.buffer == b"", f"bytes past the answer's framing: {connection.buffer!r}"
        if "close" in (value.lower() for value in answer.get_all("connection")):
            assert connection.rest() == b"", "bytes after an answer that closes the connection"
            connection.close()
            connection = Connection(port)
        connection.send("/ok", close=True)
        follow_up = connection.answer()
        assert (follow_up.status, follow_up.body) == (200, b"ok"), follow_up
        assert connection.rest() == b"", "bytes after the follow-up answer"
    finally:
        connection.close()
    return answer


# -- the property -------------------------------------------------------------------------------

#: Headers the server adds or owns (framing, connection), not compared with the app's.
SERVER_HEADERS = frozenset({"date", "server", "connection", "transfer-encoding"})
#: Headers every response of the view has before the builder runs.
OWN_HEADERS = SERVER_HEADERS | {"content-type", "content-length", "x-content-type-options"}

INJECTIONS = [
    "\r\nSet-Cookie: x=1",
    "\nSet-Cookie: x=1",
    "\rSet-Cookie: x=1",
    "\n\nBODY",
    "\r\n\r\nBODY",
    "\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nBODY",
    "\x00",
    "\r",
    "\n",
    "\x0b\x0c\x1b\x7f",
    "\x85",  # NEL: a line break to str.splitlines()
    "\u2028",  # LINE SEPARATOR: the same
    "\u560d\u560aSet-Cookie: x=1",  # low bytes CR LF, if truncated to latin-1
    "\u010d\u010a",
    "%0d%0aSet-Cookie:%20x=1",
    "\\r\\n",
    '"; x="',
    "; Domain=evil.example",
    "\t",
    " ",
    "é",
    "€",
    "😀",
]

_pieces = st.sampled_from(INJECTIONS) | st.text(
    st.characters(exclude_categories=("Cs",)), max_size=8
)
text_values = st.lists(_pieces, max_size=4).map("".join) | st.text(max_size=30)
byte_values = st.binary(max_size=24) | st.sampled_from(INJECTIONS).map(
    lambda text: text.encode("utf-8")
)
values = text_values | byte_values

tokens = st.text(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~",
    min_size=1,
    max_size=12,
)
names = (
    st.sampled_from(
        [
            "X-Test",
            "Set-Cookie",
            "Content-Type",
            "Location",
            "X-Content-Type-Options",
            "Transfer-Encoding",
            "Connection",
        ]
    )
    | tokens
    | st.tuples(st.sampled_from(["X-Test", ""]), st.sampled_from(INJECTIONS)).map("".join)
    | st.text(max_size=12)
    | st.binary(max_size=8)
)


@pytest.mark.parametrize("builder", list(BUILDERS))
@settings(max_examples=EXAMPLES)
@given(name=names, value=values)
def test_header_input_never_injects(server: Server, builder: str, name: Any, value: Any) -> None:
    if builder in VALUED:
        name = "X-Unused"
    target = case_target(builder, name, value)
    answer = exchange(server.port, target)
    if answer.status == 500 and answer.body.startswith(b"Internal Server Error"):
        # Connection-level headers are the server's: waitress refuses them (PEP 3333), and
        # Erlen's ASGI adapter does the same; the server answers its own plain 500.
        assert builder in HEADER_NAMED and isinstance(name, str), answer
        assert name.lower() in HOP_BY_HOP, answer
        assert answer.get_all("content-type") == ["text/plain; charset=utf-8"], answer
        return
    expected = APP.test_client(interface=server.interface).get(
        target, headers={"Accept": "application/json"}
    )

    # What the app handed the server: valid pairs only, or Erlen's refusal.
    for key, text in expected.headers:
        assert _TOKEN.fullmatch(key.encode("latin-1")), (key, text)
        assert _FIELD_VALUE.fullmatch(text.encode("latin-1")), (key, text)
    if expected.status_code >= 400:
        assert expected.status_code in (400, 500), expected.data
        error = json.loads(expected.data)["error"]
        assert error["status"] == expected.status_code
        assert b"Traceback" not in expected.data

    # What the server wrote: exactly that, one line per pair.
    assert answer.status == expected.status_code, (answer, expected.data)
    wire = sorted(pair for pair in answer.headers if pair[0] not in SERVER_HEADERS)
    # Leading and trailing whitespace is not part of a field value (RFC 9110 5.5).
    app_pairs = sorted(
        (key.lower(), text.strip(" \t"))
        for key, text in expected.headers
        if key.lower() not in SERVER_HEADERS
    )
    for key in ("date", "server"):  # the server may add its own next to the app's
        app_count = sum(1 for name, _ in expected.headers if name.lower() == key)
        assert len(answer.get_all(key)) <= app_count + 1, answer.head
    if expected.headers.get("Content-Length") is None:
        wire = [pair for pair in wire if pair[0] != "content-length"]
    assert wire == app_pairs, answer.head
    assert answer.body == expected.data

    # A header set by name, when accepted, is that name with that value.
    if (
        builder in ("setitem", "add", "set", "update", "setdefault")
        and answer.status == 200
        and isinstance(name, str)
        and name.lower() not in OWN_HEADERS
    ):
        assert answer.get_all(name.lower()) == [value.strip(" \t")], answer.head


# -- fixed cases, on the same servers ------------------------------------------------------------


@pytest.mark.parametrize("value", ["chunked", "gzip", "chunked, gzip"])
def test_transfer_encoding_from_a_view_is_refused_by_the_server(server: Server, value: str) -> None:
    """uvicorn would send it next to the Content-Length; Erlen's ASGI adapter refuses it first."""
    answer = exchange(server.port, case_target("setitem", "Transfer-Encoding", value))
    assert answer.status == 500  # the server's own page, framed by one length only (exchange)
    assert answer.body.startswith(b"Internal Server Error")
    assert b"gzip" not in answer.head


@pytest.mark.parametrize("value", ["0", "1", "10", "abc", "2, 2"])
def test_a_wrong_content_length_from_a_view_sends_no_byte_past_it(
    server: Server, value: str
) -> None:
    """Erlen trusts a Content-Length the view sets (as Flask does); the servers then cut the body
    at it, answer their own 500 or close the connection: no byte beyond it reaches the client."""
    connection = Connection(server.port)
    try:
        connection.send(case_target("setitem", "Content-Length", value))
        received, closed = _read_first_answer(connection.sock)
        if not received:
            assert closed  # no answer at all (uvicorn on "abc"), but nothing out of step either
            return
        head, _, body = received.partition(b"\r\n\r\n")
        lengths = re.findall(rb"(?im)^content-length: *([0-9]+)\r?$", head)
        assert len(lengths) == 1, head
        assert len(body) <= int(lengths[0]), received
        if not closed:
            assert len(body) == int(lengths[0]), received
            connection.send("/ok", close=True)
            assert connection.rest().endswith(b"\r\n\r\nok")
    finally:
        connection.close()


def _read_first_answer(sock: socket.socket) -> tuple[bytes, bool]:
    """What arrives before the server closes or goes quiet (0.3 s), and whether it closed."""
    received = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return received, True
        except TimeoutError:
            return received, False
        if not chunk:
            return received, True
        received += chunk
        sock.settimeout(0.3)  # the rest of an answer comes at once


# -- the checks themselves -----------------------------------------------------------------------


@pytest.mark.parametrize("value", ["a\x01b", "\x1f", "a\x7f", "a\x0bb", "a\x0cb", "a\x1bb"])
def test_a_control_character_in_a_value_is_an_invalid_header(value: str) -> None:
    headers = Headers()
    with pytest.raises(InvalidHeader, match="control character"):
        headers["X-Test"] = value
    with pytest.raises(InvalidHeader):
        Response("ok", content_type=f"text/plain{value}")


@pytest.mark.parametrize("value", ["a\tb", "caf\xe9", "a\x85b", "\xa0"])
def test_tabs_and_latin_1_text_stay_in_a_value(value: str) -> None:
    headers = Headers()
    headers["X-Test"] = value
    assert headers["X-Test"] == value.strip(" \t")


def test_spaces_around_a_value_are_not_part_of_it() -> None:
    headers = Headers([("X-Test", "  a b\t ")])
    headers.add("X-Other", "\t")
    assert headers.to_wsgi_list() == [("X-Test", "a b"), ("X-Other", "")]


@pytest.mark.parametrize("name", ["X\r\nSet-Cookie", "X\nY", "X\rY", "X\x00", "X\x01"])
def test_a_control_character_in_a_name_is_an_invalid_header(name: str) -> None:
    with pytest.raises(InvalidHeader, match="control character"):
        Headers().add(name, "v")


@pytest.mark.parametrize("name", ["", "a b", "a:b", "caf\xe9", "X\u2028"])
def test_another_invalid_name_stays_a_plain_value_error(name: str) -> None:
    with pytest.raises(ValueError, match="Invalid header name") as caught:
        Headers().add(name, "v")
    assert not isinstance(caught.value, InvalidHeader)


@pytest.mark.parametrize("reason", ["OK\x1b", "O\x7fK", "OK\r\nX-Injected: 1"])
def test_a_control_character_in_a_status_reason_is_refused(reason: str) -> None:
    with pytest.raises(ValueError, match="status reason"):
        Response("ok", f"200 {reason}")


@pytest.mark.parametrize("mimetype", ["text/\u20ac", "text/a\x01", "text/a\r\nX-Injected: 1"])
def test_an_invalid_mimetype_is_an_invalid_header(mimetype: str) -> None:
    with pytest.raises(InvalidHeader):
        Response("ok", mimetype=mimetype)


def test_a_name_with_crlf_from_a_view_is_a_400() -> None:
    answer = APP.test_client().get(
        case_target("setitem", "X\r\nSet-Cookie", "x=1"), headers={"Accept": "application/json"}
    )
    assert answer.status_code == 400
    assert json.loads(answer.data)["error"]["status"] == 400
    assert "set-cookie" not in {name.lower() for name, _ in answer.headers}


@pytest.mark.parametrize("name", ["Connection", "keep-alive", "Transfer-Encoding", "Upgrade"])
def test_connection_level_headers_are_refused_by_the_asgi_adapter(name: str) -> None:
    client = APP.test_client(interface="asgi")
    with pytest.raises(ValueError, match="server frames the body"):
        client.get(case_target("setitem", name, "close"))


def test_a_long_invalid_value_from_the_client_is_not_echoed_whole(app: Erlen, client) -> None:
    """The 400's text names the value by its start: the whole of it (a form field can be
    megabytes) goes neither back to the client nor into the logs."""

    @app.post("/echo")
    def echo() -> Response:
        response = Response("ok")
        response.headers["X-Name"] = request.form["name"]
        return response

    name = "start\r\n" + "secret-tail-" * 5000
    answer = client.post("/echo", data={"name": name})
    assert answer.status_code == 400
    assert "start\\r\\n" in answer.text
    assert "secret-tail" in answer.text  # the first 40 characters only
    assert answer.text.count("secret-tail") <= 4
    assert f"({len(name)} characters)" in answer.text
    assert len(answer.get_data()) < 1000
