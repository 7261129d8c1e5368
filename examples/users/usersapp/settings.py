"""The app's settings: defaults, then the environment, then what ``create_app`` was given.

Environment variables (all optional):

- ``DATABASE_URL``: SQLAlchemy URL; SQLite in the instance folder by default,
  ``postgresql+psycopg://user:password@host/db`` for PostgreSQL.
- ``USERS_SECRET_KEY``: the key that signs session cookies. Without it a key is generated once
  and kept in ``<instance>/secret_key`` (mode 0600), so restarts keep sessions and the workers of
  one machine share it. Set it explicitly when several machines serve the app.
- ``USERS_ADMIN_EMAIL`` / ``USERS_ADMIN_PASSWORD``: the first admin account, created on first
  start; without a password a random one is printed once.
- ``USERS_INSTANCE_PATH``: where the instance folder is (the app's default otherwise).
- ``USERS_SESSION_COOKIE_SECURE=1``: mark the session cookie Secure (behind an HTTPS proxy).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from typing import Any

from erlen import Erlen

SECRET_KEY_FILE = "secret_key"
API_DESCRIPTION = """The user-management demo's JSON API.

Authenticate with an API token (made on a user's page, or with `erlen --app \
examples/users/wsgi.py create-token EMAIL`): press **Authorize** and paste it as `bearerAuth`.
The site's own pages may use their session cookie instead, with the CSRF token in
`X-CSRF-Token` on writes.

Errors are `{"error": {"status", "title", "detail"}}`; a 422 adds `errors`, one entry per
invalid value: `{"loc": ["body", "email"], "msg", "type", "input"}`."""


def configure(app: Erlen, overrides: Mapping[str, Any] | None) -> None:
    """Fill ``app.config``; explicit ``overrides`` win over the environment."""
    env = os.environ
    app.config.update(
        DATABASE_URL=env.get("DATABASE_URL")
        or f"sqlite:///{os.path.join(app.instance_path, 'users.sqlite3')}",
        USERS_ADMIN_EMAIL=(env.get("USERS_ADMIN_EMAIL") or "admin@example.com").strip().lower(),
        USERS_ADMIN_PASSWORD=env.get("USERS_ADMIN_PASSWORD") or None,
        USERS_PER_PAGE=20,
        USERS_AUTO_MIGRATE=True,
        AUTH_LOGIN_VIEW="account.login",
        SESSION_COOKIE_NAME="users_session",
        SESSION_COOKIE_SECURE=env.get("USERS_SESSION_COOKIE_SECURE", "") in ("1", "true"),
        # The API's description at /openapi.json and /docs (see views/api.py).
        OPENAPI_TITLE="Users API",
        OPENAPI_VERSION="1.0.0",
        OPENAPI_INFO={"description": API_DESCRIPTION},
    )
    if overrides:
        app.config.update({key: value for key, value in overrides.items() if key.isupper()})
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = env.get("USERS_SECRET_KEY") or load_or_create_secret_key(
            app.instance_path
        )


def load_or_create_secret_key(instance_path: str) -> str:
    """The key kept in the instance folder, created (mode 0600) on first call.

    Creation is atomic: the key is written to a private temporary file, then hard-linked into
    place, which fails if another worker got there first; then everyone reads the one winner.
    """
    path = os.path.join(instance_path, SECRET_KEY_FILE)
    if not os.path.exists(path):
        temporary = f"{path}.{os.getpid()}.{secrets.token_hex(4)}"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w", encoding="ascii") as file:
                file.write(secrets.token_urlsafe(48))
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass
        finally:
            os.unlink(temporary)
    with open(path, encoding="ascii") as file:
        key = file.read().strip()
    if len(key) < 32:
        raise RuntimeError(f"The secret key in {path} is too short; delete the file to renew it.")
    return key
