"""A WebSocket chat: pick a room and a nickname, and talk with everyone else in that room.

Run it from the repository's root with ``erlen --app examples.chat.app run`` (WebSocket routes
make ``erlen run`` serve over ASGI, with uvicorn) and open http://127.0.0.1:5000 in two windows.
Any ASGI server works too: ``uvicorn examples.chat.app:app.asgi`` or
``granian --interface asgi examples.chat.app:app.asgi``.

Every connection to ``/ws/<room>?name=<nickname>`` joins the room's set in the :class:`ChatHub`;
each text it sends goes to all the room's connections as JSON::

    {"type": "message", "name": "ada", "text": "hello", "at": "2025-01-01T12:00:00+00:00"}

``join`` and ``leave`` notices have the same keys; an ``error`` goes to its sender only. The page
puts user text into the DOM with ``textContent``, so nothing a user types is parsed as HTML.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from erlen import (
    Erlen,
    Response,
    WebSocket,
    abort,
    redirect,
    render_template,
    request,
    url_for,
    websocket,
)

#: Longest nickname and room name, in characters.
MAX_NAME = 32
#: Longest chat message, in characters; longer ones are refused, not cut.
MAX_MESSAGE = 1000


class ChatHub:
    """The rooms and who is in them: a set of open WebSockets per room name.

    Under an ASGI server every connection runs on the server's one event loop, so no locks are
    needed; a room with nobody left in it is forgotten.
    """

    def __init__(self) -> None:
        self.rooms: dict[str, set[WebSocket]] = {}

    def join(self, room: str, connection: WebSocket) -> None:
        self.rooms.setdefault(room, set()).add(connection)

    def leave(self, room: str, connection: WebSocket) -> None:
        members = self.rooms.get(room)
        if members is not None:
            members.discard(connection)
            if not members:
                del self.rooms[room]

    def member_counts(self) -> dict[str, int]:
        return {room: len(members) for room, members in sorted(self.rooms.items())}

    async def broadcast(self, room: str, message: dict[str, Any]) -> None:
        """Send ``message`` to everyone in ``room``; one closed socket does not stop the rest."""
        members = list(self.rooms.get(room, ()))
        await asyncio.gather(
            *(member.send_json(message) for member in members), return_exceptions=True
        )


def clean_name(value: str | None) -> str | None:
    """``value`` stripped, or None when that leaves nothing or more than MAX_NAME characters."""
    name = (value or "").strip()
    return name if 0 < len(name) <= MAX_NAME else None


def clean_room(value: str | None) -> str | None:
    """A room name is checked as a nickname, and must also fit in one URL segment (no '/')."""
    room = clean_name(value)
    return room if room is not None and "/" not in room else None


def event(kind: str, name: str, text: str) -> dict[str, str]:
    """One chat event as it goes over the wire."""
    at = datetime.now(UTC).isoformat(timespec="seconds")
    return {"type": kind, "name": name, "text": text, "at": at}


def create_app() -> Erlen:
    """A chat app with its own, empty hub (so each test starts with no rooms)."""
    app = Erlen(__name__)
    # Also bounds WebSocket frames under 'erlen run' (uvicorn's ws_max_size).
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    hub = app.extensions["chat"] = ChatHub()

    @app.get("/")
    def index() -> str:
        return render_template("index.html", room=request.args.get("room", "lobby"))

    @app.get("/join")
    def join() -> Response:
        """The index form's target: on to the room's page, or back to the form to fix it."""
        room = clean_room(request.args.get("room"))
        name = clean_name(request.args.get("name"))
        if room is None or name is None:
            return redirect(url_for("index", room=request.args.get("room", ""), invalid=1))
        return redirect(url_for("room_page", room=room, name=name))

    @app.get("/room/<room>")
    def room_page(room: str) -> str | Response:
        name = clean_name(request.args.get("name"))
        if clean_room(room) != room or name is None:
            return redirect(url_for("index", room=room.strip(), invalid=1))
        return render_template("room.html", room=room, name=name)

    @app.get("/rooms")
    async def rooms() -> dict[str, Any]:
        # async: it runs on the event loop, where the hub changes, so it sees a settled state.
        counts = hub.member_counts()
        return {"rooms": [{"name": room, "members": count} for room, count in counts.items()]}

    @app.websocket("/ws/<room>")
    async def chat(room: str) -> None:
        name = clean_name(websocket.args.get("name"))
        if clean_room(room) != room or name is None:
            abort(400, f"The room and the nickname (?name=ada) need 1 to {MAX_NAME} characters.")
        await websocket.accept()
        # The connection itself goes in the room, not the context-bound ``websocket`` proxy.
        connection: WebSocket = websocket._get_current_object()  # type: ignore[attr-defined]
        hub.join(room, connection)
        try:
            await hub.broadcast(room, event("join", name, f"{name} joined"))
            async for message in websocket:
                if not isinstance(message, str):
                    await websocket.send_json(event("error", name, "Send text, not binary."))
                elif len(message) > MAX_MESSAGE:
                    too_long = f"Messages are limited to {MAX_MESSAGE} characters."
                    await websocket.send_json(event("error", name, too_long))
                elif message.strip():
                    await hub.broadcast(room, event("message", name, message))
        finally:
            hub.leave(room, connection)
            await hub.broadcast(room, event("leave", name, f"{name} left"))

    return app


app = create_app()

if __name__ == "__main__":
    app.run()
