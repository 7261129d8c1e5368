"""The demo of the lesson's running example: a user-management application on Erlen.

``create_app()`` builds the app: settings from the environment, the database (SQLite in the
instance folder unless ``DATABASE_URL`` says otherwise, migrated on start), sign-in, CSRF
protection, the pages, the JSON API and the error pages. ``examples/users/wsgi.py`` exposes the
result as ``app`` for ``erlen run``, gunicorn or granian.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from erlen import Erlen

from .bootstrap import prepare_database
from .cli import register_commands
from .errors import register_error_handlers
from .extensions import auth, csrf, db
from .models import User
from .settings import configure
from .users import get_user, get_user_by_token

__all__ = ["create_app"]


def create_app(config: Mapping[str, Any] | None = None) -> Erlen:
    """Build the app. ``config`` overrides settings; ``INSTANCE_PATH`` moves the instance folder.

    Set ``USERS_AUTO_MIGRATE`` to False to skip migrating and creating the first admin.
    """
    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("USERS_INSTANCE_PATH")
    app = Erlen(__name__, instance_path=os.path.abspath(instance_path) if instance_path else None)
    # The instance folder holds the secret key and the SQLite file: readable by its owner only.
    os.makedirs(app.instance_path, mode=0o700, exist_ok=True)
    configure(app, config)

    db.init_app(app)
    auth.init_app(app)
    csrf.init_app(app)
    auth.user_loader(load_session_user)
    auth.token_loader(get_user_by_token)

    from .views import account, api, pages

    app.register_blueprint(account.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    register_error_handlers(app)
    register_commands(app)

    if app.config["USERS_AUTO_MIGRATE"]:
        prepare_database(app)
    return app


def load_session_user(user_id: str) -> User | None:
    """The user whose id the session holds; None once that user is deleted."""
    if not (user_id.isascii() and user_id.isdigit()) or len(user_id) > 10:
        return None
    return get_user(int(user_id))
