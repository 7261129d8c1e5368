"""Optional extensions that ship with Erlen: storage, authentication and CSRF protection.

Each module here follows the ``init_app`` pattern (see ``docs/extensions.md``) and imports its
third-party library at module import, so only applications that opt in pay for it:

- ``erlen.ext.sqlalchemy``: :class:`SQLAlchemy`, engine and per-request session
  (``pip install "erlen[sqlalchemy]"``).
- ``erlen.ext.auth``: :class:`Auth`, sign-in through the session or a bearer token, with
  argon2 password hashes (``pip install "erlen[auth]"``).
- ``erlen.ext.csrf``: :class:`CSRFProtect`, a token per session checked on every unsafe
  request (no extra dependency).

``import erlen`` never imports this package.
"""
