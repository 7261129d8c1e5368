"""``flask.sessions``."""

from erlen.sessions import (
    NullSession,
    SecureCookieSession,
    SecureCookieSessionInterface,
    SessionInterface,
    SessionMixin,
)

__all__ = [
    "NullSession",
    "SecureCookieSession",
    "SecureCookieSessionInterface",
    "SessionInterface",
    "SessionMixin",
]
