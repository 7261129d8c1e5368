"""Flask-SQLAlchemy on Erlen: models, one session per request, teardown, db.paginate."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import flask
import pytest
import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


@pytest.fixture
def db(app: flask.Flask, tmp_path: Path) -> Iterator[SQLAlchemy]:
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'app.db'}"

    class Base(DeclarativeBase):  # one registry per test, so each test defines its own models
        pass

    db = SQLAlchemy(app, model_class=Base)
    yield db
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def Note(db: SQLAlchemy) -> type:
    class Note(db.Model):  # type: ignore[name-defined, misc]
        __tablename__ = "note"
        id: Mapped[int] = mapped_column(primary_key=True)
        text: Mapped[str] = mapped_column(sa.String(80))

    return Note


@pytest.fixture
def notes_app(app: flask.Flask, db: SQLAlchemy, Note: type) -> flask.Flask:  # noqa: N803
    with app.app_context():
        db.create_all()
    sessions: list[object] = []

    @app.post("/notes")
    def add_note() -> tuple[dict[str, object], int]:
        note = Note(text=flask.request.form["text"])
        db.session.add(note)
        db.session.commit()
        sessions.append(db.session())
        return {"id": note.id}, 201

    @app.get("/notes")
    def list_notes() -> dict[str, object]:
        page = db.paginate(db.select(Note).order_by(Note.id), per_page=2)
        return {
            "items": [note.text for note in page.items],
            "page": page.page,
            "pages": page.pages,
            "total": page.total,
            "has_next": page.has_next,
        }

    @app.get("/notes/<int:note_id>")
    def get_note(note_id: int) -> str:
        return str(db.get_or_404(Note, note_id).text)

    app.extensions["test_sessions"] = sessions
    return app


def test_a_model_is_stored_and_read_back_through_views(notes_app: flask.Flask) -> None:
    client = notes_app.test_client()
    response = client.post("/notes", data={"text": "first"})
    assert response.status_code == 201
    note_id = response.json["id"]
    assert client.get(f"/notes/{note_id}").text == "first"


def test_get_or_404_answers_404_for_a_missing_row(notes_app: flask.Flask) -> None:
    assert notes_app.test_client().get("/notes/999").status_code == 404


def test_each_request_gets_its_own_session_removed_at_teardown(
    notes_app: flask.Flask, db: SQLAlchemy
) -> None:
    client = notes_app.test_client()
    client.post("/notes", data={"text": "a"})
    client.post("/notes", data={"text": "b"})
    first, second = notes_app.extensions["test_sessions"]
    assert first is not second
    # db.session.remove() at app-context teardown closed each request's session.
    with notes_app.app_context():
        assert db.session() is not second


def test_paginate_reads_page_and_per_page_from_the_query_string(notes_app: flask.Flask) -> None:
    client = notes_app.test_client()
    for text in ("a", "b", "c", "d", "e"):
        client.post("/notes", data={"text": text})
    first = client.get("/notes").json
    assert first == {"items": ["a", "b"], "page": 1, "pages": 3, "total": 5, "has_next": True}
    last = client.get("/notes?page=3").json
    assert last["items"] == ["e"]
    assert last["has_next"] is False
    assert client.get("/notes?page=4").status_code == 404


def test_a_failed_request_rolls_nothing_into_the_next_one(
    notes_app: flask.Flask,
    db: SQLAlchemy,
    Note: type,  # noqa: N803
) -> None:
    @notes_app.post("/broken")
    def broken() -> str:
        db.session.add(Note(text="never committed"))
        raise RuntimeError("boom")

    notes_app.config["PROPAGATE_EXCEPTIONS"] = False
    client = notes_app.test_client()
    assert client.post("/broken").status_code == 500
    assert client.get("/notes").json["total"] == 0
