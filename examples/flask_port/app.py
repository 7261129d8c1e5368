"""A small Flask app that runs on Erlen after changing its import lines, and nothing else.

The Flask version of this file differs only in three import lines (the names imported stay the
same):

    from flask import (
    from flask import Flask as App
    from flask.views import MethodView

``tests/test_flask_port.py`` makes that version from this file and runs the same tests against
both. Start it with ``erlen --app examples/flask_port/app.py run`` (or ``flask --app ... run``)
and sign in as alice / wonderland.
"""

from __future__ import annotations

import hmac
import os
from typing import Any

from erlen import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from erlen import Erlen as App
from erlen.views import MethodView

#: Demo accounts. A real app keeps password hashes in a database (argon2, scrypt).
USERS = {"alice": "wonderland", "bob": "builder"}


class NoteStore:
    """Notes in memory, one store per app (kept in ``app.extensions``)."""

    def __init__(self) -> None:
        self.notes: dict[int, dict[str, Any]] = {}
        self.next_id = 1

    def add(self, text: str, author: str) -> dict[str, Any]:
        note = {"id": self.next_id, "text": text, "author": author}
        self.notes[self.next_id] = note
        self.next_id += 1
        return note


def notes_store() -> NoteStore:
    store: NoteStore = current_app.extensions["notes"]
    return store


# -- the notes blueprint: HTML pages under /notes ----------------------------------------------

notes = Blueprint("notes", __name__, url_prefix="/notes")


@notes.route("/")
def list_notes() -> str:
    return render_template("notes/list.html", notes=list(notes_store().notes.values()))


@notes.post("/")
def create_note() -> Any:
    if g.user is None:
        flash("Log in to write notes.", "error")
        return redirect(url_for("login", next=url_for("notes.list_notes")))
    text = request.form.get("text", "").strip()
    if not text:
        flash("A note needs some text.", "error")
        return redirect(url_for("notes.list_notes"))
    note = notes_store().add(text, g.user)
    flash("Note saved.", "success")
    return redirect(url_for("notes.show_note", note_id=note["id"]), 303)


@notes.route("/<int:note_id>")
def show_note(note_id: int) -> str:
    note = notes_store().notes.get(note_id)
    if note is None:
        abort(404)
    return render_template("notes/show.html", note=note)


# -- a JSON resource as a class-based view ------------------------------------------------------


class NoteAPI(MethodView):
    """``/api/notes`` (GET lists, POST creates) and ``/api/notes/<id>`` (GET, DELETE)."""

    def get(self, note_id: int | None = None) -> Any:
        store = notes_store()
        if note_id is None:
            return jsonify(notes=list(store.notes.values()))
        note = store.notes.get(note_id)
        if note is None:
            return jsonify(error="no such note"), 404
        return jsonify(note)

    def post(self) -> Any:
        if g.user is None:
            return jsonify(error="log in first"), 401
        data = request.get_json(silent=True) or {}
        text = data.get("text")
        if not isinstance(text, str) or not text.strip():
            return jsonify(error="'text' must be a non-empty string"), 422
        note = notes_store().add(text.strip(), g.user)
        location = url_for("note_item", note_id=note["id"])
        return jsonify(note), 201, {"Location": location}

    def delete(self, note_id: int) -> Any:
        if g.user is None:
            return jsonify(error="log in first"), 401
        if notes_store().notes.pop(note_id, None) is None:
            return jsonify(error="no such note"), 404
        return "", 204


# -- the app --------------------------------------------------------------------------------------


def create_app(test_config: dict[str, Any] | None = None) -> App:
    app = App(__name__)
    app.config.from_mapping(
        # Set a real key from the environment in production (ERLEN_SECRET_KEY / FLASK_SECRET_KEY).
        SECRET_KEY=os.environ.get("NOTES_SECRET_KEY", "dev-only-secret-key"),
    )
    if test_config:
        app.config.from_mapping(test_config)
    app.extensions["notes"] = NoteStore()

    @app.before_request
    def load_user() -> None:
        g.user = session.get("user")

    @app.route("/")
    def index() -> str:
        return render_template("index.html", count=len(notes_store().notes))

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        if request.method == "POST":
            name = request.form.get("username", "")
            password = request.form.get("password", "")
            expected = USERS.get(name)
            if expected is not None and hmac.compare_digest(password, expected):
                session.clear()
                session["user"] = name
                flash(f"Welcome, {name}!", "success")
                target = request.args.get("next", "")
                # Only same-site paths: an open redirect would let a link send users anywhere.
                if not target.startswith("/") or target.startswith("//"):
                    target = url_for("index")
                return redirect(target)
            flash("Wrong user name or password.", "error")
            return render_template("login.html"), 401
        return render_template("login.html")

    @app.post("/logout")
    def logout() -> Any:
        session.clear()
        flash("You are logged out.", "success")
        return redirect(url_for("index"))

    @app.errorhandler(404)
    def page_not_found(error: Exception) -> Any:
        return render_template("404.html"), 404

    app.register_blueprint(notes)
    # One class, two endpoints: url_for("note_item", note_id=1) always builds the item's URL.
    app.add_url_rule("/api/notes", view_func=NoteAPI.as_view("note_list"), methods=["GET", "POST"])
    app.add_url_rule(
        "/api/notes/<int:note_id>",
        view_func=NoteAPI.as_view("note_item"),
        methods=["GET", "DELETE"],
    )
    return app


if __name__ == "__main__":
    create_app().run()
