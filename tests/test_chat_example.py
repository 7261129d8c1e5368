"""The WebSocket chat example (examples/chat): in process, under uvicorn and granian, in Chromium.

The in-process tests talk to ``create_app()`` through the test client: its HTTP requests go
through each adapter in turn (the ``interface`` fixture), its ``websocket_connect`` always
through ``app.asgi``. The server tests start ``erlen run --asgi`` and granian as child
processes and talk to them with the ``websockets`` client; the browser test drives two Chromium
pages in one room.
"""

from __future__ import annotations

import asyncio
import json
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from erlen import Erlen
from erlen.adapters.testing_asgi import WebSocketRefused, WebSocketTestSession
from erlen.testing import TestClient
from examples.chat.app import MAX_MESSAGE, MAX_NAME, create_app

from .conftest import ROOT, ServerProcess, free_port

CHAT_APP = "examples.chat.app"


@pytest.fixture
def app() -> Erlen:
    return create_app()


def connect(client: TestClient, room: str, name: str) -> WebSocketTestSession:
    return client.websocket_connect(f"/ws/{room}?name={name}")


def expect(ws: WebSocketTestSession, kind: str, name: str, text: str) -> dict[str, Any]:
    """The next event on ``ws``, checked to be ``kind`` from ``name`` saying ``text``."""
    event: dict[str, Any] = ws.receive_json()
    assert (event["type"], event["name"], event["text"]) == (kind, name, text), event
    return event


def refusal(client: TestClient, path: str) -> WebSocketRefused:
    """The refusal of a handshake at ``path``, from a server that can send HTTP answers."""
    with pytest.raises(WebSocketRefused) as refused, client.websocket_connect(path):
        pass
    return refused.value


# -- in process --------------------------------------------------------------------------------


def test_two_members_of_a_room_see_each_others_messages_and_notices(client: TestClient) -> None:
    with connect(client, "lobby", "ada") as ada:
        joined = expect(ada, "join", "ada", "ada joined")
        assert joined["at"].endswith("+00:00")
        with connect(client, "lobby", "bob") as bob:
            expect(ada, "join", "bob", "bob joined")
            expect(bob, "join", "bob", "bob joined")
            bob.send_text("hi <b>ada</b> & all")
            for member in (ada, bob):
                expect(member, "message", "bob", "hi <b>ada</b> & all")  # escaping is the page's
            ada.send_text("hello bob")
            for member in (ada, bob):
                expect(member, "message", "ada", "hello bob")
        expect(ada, "leave", "bob", "bob left")


def test_rooms_do_not_hear_each_other(client: TestClient) -> None:
    with connect(client, "one", "ada") as ada, connect(client, "two", "bob") as bob:
        expect(ada, "join", "ada", "ada joined")
        expect(bob, "join", "bob", "bob joined")
        bob.send_text("only for room two")
        expect(bob, "message", "bob", "only for room two")
        with connect(client, "one", "cy") as cy:
            # ada's next event is cy's arrival: bob's message never reached room one.
            expect(ada, "join", "cy", "cy joined")
            expect(cy, "join", "cy", "cy joined")


def test_nicknames_are_stripped_and_may_have_32_characters(client: TestClient) -> None:
    longest = "n" * MAX_NAME
    with connect(client, "lobby", "%20%20ada%20") as ada:
        expect(ada, "join", "ada", "ada joined")
    with connect(client, "lobby", longest) as member:
        expect(member, "join", longest, f"{longest} joined")


@pytest.mark.parametrize(
    "path",
    [
        "/ws/lobby",
        "/ws/lobby?name=",
        "/ws/lobby?name=%20%20%20",
        f"/ws/lobby?name={'n' * (MAX_NAME + 1)}",
        f"/ws/{'r' * (MAX_NAME + 1)}?name=ada",
        "/ws/%20lobby?name=ada",
    ],
    ids=["no-name", "empty", "blank", "too-long", "room-too-long", "room-unstripped"],
)
def test_a_bad_nickname_or_room_refuses_the_handshake_with_a_400(
    client: TestClient, path: str
) -> None:
    refused = refusal(client, path)
    assert refused.status == 400
    assert b"The room and the nickname (?name=ada) need 1 to 32 characters." in refused.body
    # A server without the http.response extension can only say 403, but refuses all the same.
    with (
        pytest.raises(WebSocketRefused) as plain,
        client.websocket_connect(path, denial_response=False),
    ):
        pass
    assert plain.value.status == 403
    assert client.get("/rooms").get_json() == {"rooms": []}


def test_an_oversize_or_binary_message_is_an_error_for_its_sender_only(
    client: TestClient,
) -> None:
    with connect(client, "lobby", "ada") as ada, connect(client, "lobby", "bob") as bob:
        expect(ada, "join", "ada", "ada joined")
        expect(ada, "join", "bob", "bob joined")
        expect(bob, "join", "bob", "bob joined")
        bob.send_text("x" * (MAX_MESSAGE + 1))
        expect(bob, "error", "bob", "Messages are limited to 1000 characters.")
        bob.send_bytes(b"\x00\x01")
        expect(bob, "error", "bob", "Send text, not binary.")
        bob.send_text("   ")  # blank: dropped silently
        longest = "y" * MAX_MESSAGE
        bob.send_text(longest)
        # ada's next event is the message that fits: no error, blank or binary reached her.
        expect(ada, "message", "bob", longest)
        expect(bob, "message", "bob", longest)


def test_rooms_endpoint_counts_members_and_forgets_empty_rooms(client: TestClient) -> None:
    assert client.get("/rooms").get_json() == {"rooms": []}
    with connect(client, "lobby", "ada") as ada, connect(client, "lobby", "bob") as bob:
        with connect(client, "attic", "cy") as cy:
            expect(ada, "join", "ada", "ada joined")
            expect(ada, "join", "bob", "bob joined")
            expect(bob, "join", "bob", "bob joined")
            expect(cy, "join", "cy", "cy joined")
            response = client.get("/rooms")
            assert response.status_code == 200
            assert response.get_json() == {
                "rooms": [{"name": "attic", "members": 1}, {"name": "lobby", "members": 2}]
            }
        bob.close()
        expect(ada, "leave", "bob", "bob left")
        assert client.get("/rooms").get_json() == {"rooms": [{"name": "lobby", "members": 1}]}
    assert client.get("/rooms").get_json() == {"rooms": []}


def test_each_app_has_its_own_hub(client: TestClient) -> None:
    with connect(client, "lobby", "ada") as ada:
        expect(ada, "join", "ada", "ada joined")
        other = create_app().test_client()
        assert other.get("/rooms").get_json() == {"rooms": []}
        with connect(other, "lobby", "bob") as bob:
            expect(bob, "join", "bob", "bob joined")
        with pytest.raises(TimeoutError):  # bob's app is not ada's: she hears nothing
            ada.receive(timeout=0.2)


# -- pages -------------------------------------------------------------------------------------


def test_index_page_has_the_join_form(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<form action="/join" method="get"' in page
    assert 'name="room" value="lobby"' in page
    assert 'name="name"' in page
    assert 'href="/static/chat.css"' in page
    css = client.get("/static/chat.css")
    assert css.status_code == 200 and b"#log" in css.get_data()


def test_join_form_leads_to_the_room_page_or_back_to_the_form(client: TestClient) -> None:
    response = client.get("/join?room=%20tea%20room%20&name=ada")
    assert response.status_code == 302
    assert response.headers["Location"] == "/room/tea%20room?name=ada"
    for query in ("room=lobby&name=", "room=&name=ada", "room=a/b&name=ada"):
        response = client.get(f"/join?{query}")
        assert response.status_code == 302, query
        assert response.headers["Location"].startswith("/?room="), query
        assert "invalid=1" in response.headers["Location"]
    page = client.get("/?room=attic&invalid=1").get_data(as_text=True)
    assert "need 1 to 32 characters" in page
    assert 'value="attic"' in page


def test_room_page_escapes_the_nickname_and_points_at_the_socket(client: TestClient) -> None:
    response = client.get("/room/tea%20room?name=%3Cimg%20src=x%3E")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<img src=x>" not in page
    assert "<strong>&lt;img src=x&gt;</strong>" in page
    config = page.split('<script id="chat-config" type="application/json">')[1]
    config = config.split("</script>")[0]
    assert "<" not in config  # JSON in a script element: no way to close it early
    assert json.loads(config) == {"socket": "/ws/tea%20room?name=%3Cimg+src%3Dx%3E"}
    assert "innerHTML" not in page  # user text reaches the DOM through textContent only


def test_room_page_without_a_nickname_goes_back_to_the_form(client: TestClient) -> None:
    response = client.get("/room/lobby")
    assert response.status_code == 302
    assert response.headers["Location"] == "/?room=lobby&invalid=1"


def test_websocket_route_over_plain_http_is_a_400(client: TestClient) -> None:
    assert client.get("/ws/lobby?name=ada").status_code == 400


# -- real servers ------------------------------------------------------------------------------


def granian_command(port: int) -> list[str]:
    return [
        str(Path(sys.executable).parent / "granian"),
        "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        f"{CHAT_APP}:app.asgi",
    ]  # fmt: skip


def erlen_command(port: int) -> list[str]:
    return [sys.executable, "-m", "erlen", "--app", CHAT_APP, "run", "--asgi", "--port", str(port)]


@pytest.fixture(params=["erlen-run", "granian"])
def chat_server(request: pytest.FixtureRequest) -> Iterator[ServerProcess]:
    port = free_port()
    command = erlen_command(port) if request.param == "erlen-run" else granian_command(port)
    server = ServerProcess(command, port, ROOT)
    try:
        yield server
    finally:
        server.stop()


async def talk_in_the_lobby(port: int) -> list[dict[str, Any]]:
    """Two clients in one room; every event the first one receives, and the room counts."""
    import websockets

    base = f"ws://127.0.0.1:{port}/ws/lobby"
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with websockets.connect(base, open_timeout=5):
            pass
    assert refused.value.response.status_code == 400
    assert b"need 1 to 32 characters" in refused.value.response.body

    async def next_event(ws: Any) -> dict[str, Any]:
        return dict(json.loads(await asyncio.wait_for(ws.recv(), 5)))

    seen = []
    async with websockets.connect(f"{base}?name=ada", open_timeout=5) as ada:
        seen.append(await next_event(ada))
        async with websockets.connect(f"{base}?name=bob", open_timeout=5) as bob:
            seen.append(await next_event(ada))
            assert (await next_event(bob))["text"] == "bob joined"
            rooms = await asyncio.to_thread(get_json, f"http://127.0.0.1:{port}/rooms")
            assert rooms == {"rooms": [{"name": "lobby", "members": 2}]}
            await bob.send("hello from bob")
            seen.append(await next_event(ada))
            assert (await next_event(bob))["text"] == "hello from bob"
        seen.append(await next_event(ada))
    return seen


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


@pytest.mark.server
@pytest.mark.wsgi_only  # a real server, not the test client: once is enough
def test_chat_broadcasts_under_a_real_asgi_server(chat_server: ServerProcess) -> None:
    seen = asyncio.run(asyncio.wait_for(talk_in_the_lobby(chat_server.port), 30))
    assert [(event["type"], event["name"], event["text"]) for event in seen] == [
        ("join", "ada", "ada joined"),
        ("join", "bob", "bob joined"),
        ("message", "bob", "hello from bob"),
        ("leave", "bob", "bob left"),
    ]
    assert get_json(f"{chat_server.url}/rooms") == {"rooms": []}
    output = chat_server.stop()
    assert "Traceback" not in output


@pytest.mark.server
@pytest.mark.wsgi_only
def test_erlen_run_picks_uvicorn_for_the_chat_without_asgi_flag() -> None:
    port = free_port()
    command = [sys.executable, "-m", "erlen", "--app", CHAT_APP, "run", "--port", str(port)]
    server = ServerProcess(command, port, ROOT)
    try:
        assert get_json(f"{server.url}/rooms") == {"rooms": []}
    finally:
        output = server.stop()
    assert "(uvicorn, ASGI)" in output


# -- in a browser ------------------------------------------------------------------------------


def join_in_browser(browser: Any, base_url: str, room: str, name: str) -> Any:
    """A new browser window that joined ``room`` as ``name`` through the index form."""
    context = browser.new_context(base_url=base_url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/")
    page.fill("#room", room)
    page.fill("#name", name)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/room/{room}?name={name}")
    page.locator("#status", has_text="connected").wait_for()
    return page


@pytest.mark.server
@pytest.mark.wsgi_only
def test_two_browser_windows_chat_in_one_room(browser: Any) -> None:
    port = free_port()
    server = ServerProcess(erlen_command(port), port, ROOT)
    try:
        ada = join_in_browser(browser, server.url, "garden", "ada")
        ada.locator("#log li.join", has_text="ada joined").wait_for()
        bob = join_in_browser(browser, server.url, "garden", "bob")
        ada.locator("#log li.join", has_text="bob joined").wait_for()

        hostile = "<img src=x onerror=\"document.title='owned'\"> hi ada"
        bob.fill("#text", hostile)
        bob.press("#text", "Enter")
        line = ada.locator("#log li.message").last
        line.wait_for()
        assert line.locator("b").inner_text() == "bob"
        assert line.inner_text().endswith(f"bob: {hostile}")
        assert ada.locator("#log img").count() == 0  # shown as text, never parsed as HTML
        assert ada.title() != "owned"
        assert bob.input_value("#text") == ""

        bob.context.close()
        ada.locator("#log li.leave", has_text="bob left").wait_for()
        ada.context.close()
    finally:
        server.stop()
