"""The app's extension objects, configured per app in :func:`usersapp.create_app`.

They hold settings and callbacks only, never data: engines, sessions and the signed-in user live
in ``app.extensions`` and ``g``, so several apps (and several workers) stay independent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from erlen.ext.auth import Auth
from erlen.ext.csrf import CSRFProtect
from erlen.ext.sqlalchemy import SQLAlchemy

from .models import Base

if TYPE_CHECKING:
    from .models import User

# pool_pre_ping: a pooled connection is tested before each checkout, so after the database
# restarts, connections that died with it are replaced instead of failing a request each.
db = SQLAlchemy(model_class=Base, engine_options={"pool_pre_ping": True})
auth: Auth[User] = Auth(login_view="account.login", api_prefixes=("/api/",))
csrf = CSRFProtect()
