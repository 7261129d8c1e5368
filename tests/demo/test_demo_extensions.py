"""The reusable extensions in ``erlen.ext`` on small apps of their own, apart from the demo."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from demo_support import FAST_ARGON2
from sqlalchemy import String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from erlen import Blueprint, Erlen, request, session
from erlen.ext.auth import AnonymousUser, Auth, current_user
from erlen.ext.csrf import CSRFProtect, generate_csrf
from erlen.ext.sqlalchemy import SQLAlchemy


def test_importing_erlen_does_not_import_the_extensions() -> None:
    import subprocess
    import sys

    code = "import sys, erlen; print(any(name.startswith('erlen.ext') for name in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


# -- SQLAlchemy --------------------------------------------------------------------------------


class Base(DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(50))


def make_db_app(tmp_path: Path, **config: Any) -> tuple[Erlen, SQLAlchemy]:
    app = Erlen("dbapp", instance_path=str(tmp_path / "instance"))
    app.config.update(config)
    db = SQLAlchemy(model_class=Base)
    db.init_app(app)
    with app.app_context():
        db.create_all()
    return app, db


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path: Path) -> None:
    app, db = make_db_app(tmp_path)
    assert app.config["DATABASE_URL"].endswith("instance/app.sqlite3")
    assert (tmp_path / "instance" / "app.sqlite3").is_file()
    assert app.extensions["sqlalchemy"] is db
    db.dispose(app)


def test_one_session_per_request_closed_at_teardown(tmp_path: Path) -> None:
    app, db = make_db_app(tmp_path)
    seen: list[Session] = []

    @app.post("/notes")
    def add() -> dict[str, int]:
        seen.append(db.session)
        assert db.session is seen[-1]  # the same session for the whole request
        note = Note(text="hello")
        db.session.add(note)
        db.session.commit()
        return {"id": note.id}

    client = app.test_client()
    assert client.post("/notes").json == {"id": 1}
    assert client.post("/notes").json == {"id": 2}
    assert seen[0] is not seen[1]
    assert not seen[0].in_transaction()  # closed when the request ended
    db.dispose(app)


def test_uncommitted_work_is_rolled_back_when_a_view_fails(tmp_path: Path) -> None:
    app, db = make_db_app(tmp_path, PROPAGATE_EXCEPTIONS=False)
    app.logger.disabled = True

    @app.post("/fail")
    def fail() -> str:
        db.session.add(Note(text="half-written"))
        db.session.flush()
        raise RuntimeError("failed half-way")

    assert app.test_client().post("/fail").status_code == 500
    with app.app_context():
        assert db.session.scalars(select(Note)).all() == []
    db.dispose(app)


def test_two_apps_keep_their_own_engines(tmp_path: Path) -> None:
    first, db = make_db_app(tmp_path / "one")
    second = Erlen("second", instance_path=str(tmp_path / "two"))
    db.init_app(second)
    assert db.get_state(first).engine is not db.get_state(second).engine
    db.dispose(first)
    db.dispose(second)


def test_using_the_session_without_init_app_says_what_to_do() -> None:
    app = Erlen("bare")
    with app.app_context(), pytest.raises(RuntimeError, match="init_app"):
        _ = SQLAlchemy().session


# -- Auth --------------------------------------------------------------------------------------


class Person:
    def __init__(self, user_id: int, password_hash: str = "") -> None:
        self.id = user_id
        self.password_hash = password_hash
        self.is_authenticated = True

    def get_id(self) -> str:
        return str(self.id)


@pytest.fixture
def auth_app() -> Erlen:
    app = Erlen("authapp")
    app.config.update(SECRET_KEY="auth test key", AUTH_ARGON2=FAST_ARGON2)
    auth: Auth[Person] = Auth(login_view="login")
    auth.init_app(app)
    people = {1: Person(1)}
    tokens = {hashlib.sha256(b"good-token").hexdigest(): people[1]}

    @auth.user_loader
    def load(user_id: str) -> Person | None:
        return people.get(int(user_id))

    @auth.token_loader
    def load_token(token: str) -> Person | None:
        return tokens.get(Auth.hash_token(token))

    @app.get("/login")
    def login() -> str:
        return "sign in here"

    @app.post("/login")
    def do_login() -> str:
        session["planted"] = "by an attacker"
        auth.login_user(people[1])
        return "ok"

    @app.get("/private")
    @auth.login_required
    def private() -> str:
        return f"hello {current_user.id} via {auth.authenticated_by}"

    @app.get("/api/private")
    @auth.login_required
    def api_private() -> dict[str, str]:
        return {"user": current_user.get_id()}

    @app.post("/logout")
    def logout() -> str:
        auth.logout_user()
        return "bye"

    @app.get("/who")
    def who() -> str:
        return repr(current_user._get_current_object())

    app.extensions["test.auth"] = auth
    return app


def test_login_required_redirects_browsers_and_401s_apis(auth_app: Erlen) -> None:
    client = auth_app.test_client()
    page = client.get("/private?x=1")
    assert page.status_code == 302 and page.location is not None
    target = urlsplit(page.location)
    assert target.path == "/login"
    assert parse_qs(target.query) == {"next": ["/private?x=1"]}
    for path, headers in (("/api/private", {}), ("/private", {"Accept": "application/json"}),
                          ("/private", {"Authorization": "Bearer nope"})):  # fmt: skip
        response = client.get(path, headers=headers)
        assert response.status_code == 401, (path, headers)
        assert response.json["error"]["status"] == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_login_clears_the_session_and_logout_ends_it(auth_app: Erlen) -> None:
    client = auth_app.test_client()
    assert client.post("/login").text == "ok"
    assert client.get("/private").text == "hello 1 via session"
    assert "Person object" in client.get("/who").text
    client.post("/logout")
    assert client.get("/private").status_code == 302
    assert client.get("/who").text == "<AnonymousUser>"


def test_login_drops_values_planted_before_it(auth_app: Erlen) -> None:
    auth: Auth[Person] = auth_app.extensions["test.auth"]
    with auth_app.test_request_context("/"):
        session["planted"] = "by an attacker"
        auth.login_user(Person(1))
        assert "planted" not in session
        assert auth.current_user is not None


def test_bearer_tokens_authenticate_and_never_fall_back_to_the_session(auth_app: Erlen) -> None:
    client = auth_app.test_client()
    good = client.get("/private", headers={"Authorization": "Bearer good-token"})
    assert good.text == "hello 1 via token"
    client.post("/login")
    bad = client.get("/api/private", headers={"Authorization": "Bearer bad-token"})
    assert bad.status_code == 401


def test_passwords_hash_with_argon2_and_verify(auth_app: Erlen) -> None:
    auth: Auth[Person] = auth_app.extensions["test.auth"]
    with auth_app.app_context():
        hashed = auth.hash_password("s3cret password")
        assert hashed.startswith("$argon2id$")
        assert auth.verify_password(hashed, "s3cret password")
        assert not auth.verify_password(hashed, "wrong")
        assert not auth.verify_password(None, "anything")  # unknown user: still takes the time
        assert not auth.verify_password("not a hash", "anything")
        assert not auth.password_needs_rehash(hashed)
    assert Auth.hash_token("t") == hashlib.sha256(b"t").hexdigest()
    assert len(Auth.new_token()) >= 43
    assert not AnonymousUser() and not AnonymousUser.is_authenticated


# -- CSRF --------------------------------------------------------------------------------------


@pytest.fixture
def csrf_app() -> Erlen:
    app = Erlen("csrfapp")
    app.config["SECRET_KEY"] = "csrf test key"
    csrf = CSRFProtect(app)
    hooks = Blueprint("hooks", __name__, url_prefix="/hooks")

    @app.get("/form")
    def form() -> str:
        return generate_csrf()

    @app.post("/submit")
    def submit() -> str:
        return "accepted " + request.form.get("value", "")

    @app.post("/exempt")
    @csrf.exempt
    def exempt() -> str:
        return "exempt"

    @hooks.post("/in")
    def incoming() -> str:
        return "hook"

    csrf.exempt(hooks)
    app.register_blueprint(hooks)
    return app


def test_csrf_token_in_form_or_header_is_required(csrf_app: Erlen) -> None:
    client = csrf_app.test_client()
    token = client.get("/form").text
    assert client.get("/form").text == token  # one token per session
    assert client.post("/submit", data={"value": "x"}).status_code == 400
    assert client.post("/submit", data={"value": "x", "csrf_token": "no"}).status_code == 400
    assert client.post("/submit", data={"csrf_token": "ü" * 43}).status_code == 400
    ok = client.post("/submit", data={"value": "x", "csrf_token": token})
    assert ok.text == "accepted x"
    assert client.post("/submit", headers={"X-CSRF-Token": token}).status_code == 200
    other = csrf_app.test_client()  # another session: the token is worthless there
    assert other.post("/submit", data={"csrf_token": token}).status_code == 400


def test_csrf_exempt_views_blueprints_and_unrouted_requests(csrf_app: Erlen) -> None:
    client = csrf_app.test_client()
    assert client.post("/exempt").text == "exempt"
    assert client.post("/hooks/in").text == "hook"
    assert client.post("/nowhere").status_code == 404
    assert client.post("/form").status_code == 405
    csrf_app.config["CSRF_ENABLED"] = False
    assert client.post("/submit").status_code == 200


def test_csrf_error_is_a_400_error_object(csrf_app: Erlen) -> None:
    response = csrf_app.test_client().post("/submit", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert "security token" in response.json["error"]["detail"]
