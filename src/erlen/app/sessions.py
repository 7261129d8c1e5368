"""Sessions kept in a signed cookie, and message flashing on top of them.

The session is a dict serialised as JSON and signed with ``SECRET_KEY`` (itsdangerous), so the
client can read it but not change it. A tampered or expired cookie gives an empty session; older
keys in ``SECRET_KEY_FALLBACKS`` still verify, so keys can be rotated. Replace
``app.session_interface`` with your own :class:`SessionInterface` for a server-side store.

APPSEC: the cookie is HttpOnly and SameSite=Lax by default, and Secure whenever the request came
over HTTPS (or ``SESSION_COOKIE_SECURE`` is set). JSON, never pickle, so a leaked key cannot run
code.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from .context import _lookup_request_context
from .signalgate import gate

if TYPE_CHECKING:
    from ..core.request import Request
    from ..core.response import Response
    from .app import App
    from .jsontag import TaggedJSONSerializer

__all__ = [
    "SessionMixin",
    "SecureCookieSession",
    "NullSession",
    "SessionInterface",
    "SecureCookieSessionInterface",
    "flash",
    "get_flashed_messages",
]


class SessionMixin(dict[str, Any]):
    """A session: a dict that records whether it was changed and whether it is permanent."""

    #: True for a session that did not come from the client's cookie.
    new = False
    #: Set when the dict changed; a session that only changed inside a nested value needs this
    #: set by hand (``session.modified = True``), as in Flask.
    modified = False
    accessed = True

    @property
    def permanent(self) -> bool:
        """Permanent sessions outlive the browser, for ``PERMANENT_SESSION_LIFETIME``."""
        return bool(self.get("_permanent", False))

    @permanent.setter
    def permanent(self, value: bool) -> None:
        self["_permanent"] = bool(value)


def _modifying(name: str) -> Any:
    method = getattr(dict, name)

    def wrapper(self: SecureCookieSession, *args: Any, **kwargs: Any) -> Any:
        self.modified = True
        return method(self, *args, **kwargs)

    wrapper.__name__ = name
    return wrapper


class SecureCookieSession(SessionMixin):
    """The session stored in a signed cookie; every mutation marks it modified."""

    def __init__(self, initial: dict[str, Any] | None = None, new: bool = False) -> None:
        super().__init__(initial or {})
        self.modified = False
        self.new = new

    __setitem__ = _modifying("__setitem__")
    __delitem__ = _modifying("__delitem__")
    clear = _modifying("clear")

    def pop(self, key: str, *default: Any) -> Any:
        """Remove and return a value; the session counts as changed only if one was there."""
        if key in self:
            self.modified = True
        return dict.pop(self, key, *default)

    popitem = _modifying("popitem")
    setdefault = _modifying("setdefault")
    update = _modifying("update")


class NullSession(SecureCookieSession):
    """The session when no secret key is set: readable (empty), but writing fails clearly."""

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(
            "The session is unavailable because no secret key was set. Set app.secret_key "
            "(or the SECRET_KEY setting) to a long random string, e.g. from "
            "'python -c \"import secrets; print(secrets.token_hex())\"'."
        )

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _fail


class SessionInterface:
    """How sessions are opened and saved; subclass it for a server-side store."""

    null_session_class: type[NullSession] = NullSession

    def make_null_session(self, app: App) -> NullSession:
        return self.null_session_class()

    def is_null_session(self, session: object) -> bool:
        return isinstance(session, self.null_session_class)

    def get_cookie_name(self, app: App) -> str:
        return str(app.config["SESSION_COOKIE_NAME"])

    def get_cookie_domain(self, app: App) -> str | None:
        domain = app.config.get("SESSION_COOKIE_DOMAIN")
        return str(domain) if domain else None

    def get_cookie_path(self, app: App) -> str:
        return str(
            app.config.get("SESSION_COOKIE_PATH") or app.config.get("APPLICATION_ROOT") or "/"
        )

    def get_cookie_httponly(self, app: App) -> bool:
        return bool(app.config["SESSION_COOKIE_HTTPONLY"])

    def get_cookie_secure(self, app: App, request: Request | None = None) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (
            request is not None and request.is_secure
        )

    def get_cookie_samesite(self, app: App) -> str | None:
        value = app.config.get("SESSION_COOKIE_SAMESITE")
        return str(value) if value else None

    def get_cookie_partitioned(self, app: App) -> bool:
        return bool(app.config.get("SESSION_COOKIE_PARTITIONED"))

    def get_expiration_time(self, app: App, session: SessionMixin) -> datetime | None:
        if not session.permanent:
            return None
        lifetime: timedelta = app.config["PERMANENT_SESSION_LIFETIME"]
        if not isinstance(lifetime, timedelta):
            lifetime = timedelta(seconds=int(lifetime))
        return datetime.now(UTC) + lifetime

    def should_set_cookie(self, app: App, session: SessionMixin) -> bool:
        """Write the cookie when the session changed, or to refresh a permanent one."""
        return session.modified or (
            session.permanent and bool(app.config["SESSION_REFRESH_EACH_REQUEST"])
        )

    def open_session(self, app: App, request: Request) -> SessionMixin | None:
        raise NotImplementedError

    def save_session(self, app: App, session: SessionMixin, response: Response) -> None:
        raise NotImplementedError


def _sha1(data: bytes = b"") -> Any:
    """SHA-1, looked up when a cookie is signed: a FIPS build without it fails only then."""
    return hashlib.sha1(data)


class SecureCookieSessionInterface(SessionInterface):
    """Sessions as tagged JSON in a cookie signed through itsdangerous (Flask's format).

    The payload is written by :attr:`serializer` (:mod:`erlen.jsontag`), so tuples, bytes,
    Markup, UUIDs and datetimes come back as they went in, and a cookie written by Flask reads
    here. Override ``salt``, ``digest_method`` or ``key_derivation`` in a subclass to sign
    differently (old cookies then stop verifying).
    """

    #: Mixed into the key so a session signature cannot be replayed as another itsdangerous token.
    salt = "cookie-session"
    #: The signature's hash; HMAC-SHA1 as in Flask, so cookies carry over between the two.
    digest_method = staticmethod(_sha1)
    #: How itsdangerous turns the secret key and salt into the signing key.
    key_derivation = "hmac"
    session_class = SecureCookieSession

    @cached_property
    def serializer(self) -> TaggedJSONSerializer:
        """The payload's serializer; ``register`` a :class:`~erlen.jsontag.JSONTag` on it to
        store another type. One per interface (so per app), not one shared by every app."""
        from .jsontag import TaggedJSONSerializer

        return TaggedJSONSerializer()

    def get_signing_serializer(self, app: App) -> Any:
        """The itsdangerous serializer for the app's keys, or None when no key is set."""
        if not app.secret_key:
            return None
        from itsdangerous import URLSafeTimedSerializer

        keys: list[Any] = list(app.config.get("SECRET_KEY_FALLBACKS") or ())
        keys.append(app.secret_key)  # itsdangerous signs with the last key, verifies with all
        return URLSafeTimedSerializer(
            keys,
            salt=self.salt,
            serializer=self.serializer,
            signer_kwargs={
                "key_derivation": self.key_derivation,
                "digest_method": self.digest_method,
            },
        )

    def open_session(self, app: App, request: Request) -> SecureCookieSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class(new=True)
        from itsdangerous import BadData

        lifetime = app.config["PERMANENT_SESSION_LIFETIME"]
        max_age = (
            int(lifetime.total_seconds()) if isinstance(lifetime, timedelta) else int(lifetime)
        )
        try:
            data = serializer.loads(value, max_age=max_age)
        except (BadData, ValueError, TypeError):
            # BadData: a bad signature, or a signed payload that does not decode (signed by
            # another app sharing the key and salt): a fresh session, never a 500.
            return self.session_class(new=True)
        if not isinstance(data, dict):
            return self.session_class(new=True)
        return self.session_class(data)

    def save_session(self, app: App, session: SessionMixin, response: Response) -> None:
        name = self.get_cookie_name(app)
        domain = self.get_cookie_domain(app)
        path = self.get_cookie_path(app)
        request = _lookup_request_context("save_session").request
        assert request is not None  # a request context always carries one
        secure = self.get_cookie_secure(app, request)
        samesite = self.get_cookie_samesite(app)
        httponly = self.get_cookie_httponly(app)
        partitioned = self.get_cookie_partitioned(app)
        if session.accessed:
            _vary_on_cookie(response)
        if not session:
            # A cleared session deletes the client's cookie, also one that failed to load (a
            # key rotated since, a tampered value): left in place, it would come back each time.
            if session.modified and (not session.new or name in request.cookies):
                response.delete_cookie(
                    name, path=path, domain=domain, secure=secure, httponly=httponly,
                    samesite=samesite, partitioned=partitioned,
                )  # fmt: skip
                _vary_on_cookie(response)
            return
        if not self.should_set_cookie(app, session):
            return
        expires = self.get_expiration_time(app, session)
        try:
            value = self.get_signing_serializer(app).dumps(dict(session))
        except TypeError as error:
            raise TypeError(
                f"{error}. The session is stored in its cookie as tagged JSON: keep JSON types, "
                "tuples, bytes, Markup, UUIDs and datetimes in it, or register a JSONTag for "
                "this type on app.session_interface.serializer."
            ) from error
        response.set_cookie(
            name, value, expires=expires, httponly=httponly, domain=domain, path=path,
            secure=secure, samesite=samesite, partitioned=partitioned,
        )  # fmt: skip
        _vary_on_cookie(response)


def _vary_on_cookie(response: Response) -> None:
    """Make the response's one ``Vary`` header name ``Cookie``, merged with what it names.

    A cache must not hand one visitor's session-dependent page to another. Merging (rather than
    adding a second ``Vary``) keeps ``Vary: Accept-Encoding, Cookie`` on one line and names
    ``Cookie`` once however often a response passes through here.
    """
    headers = response.headers
    existing = headers.get_all("Vary")
    if not existing:
        headers.set("Vary", "Cookie")
        return
    names = [name.strip() for value in existing for name in value.split(",") if name.strip()]
    if not any(name == "*" or name.lower() == "cookie" for name in names):
        names.append("Cookie")
    elif len(existing) == 1:
        return
    headers.set("Vary", ", ".join(names))


# -- flashing ----------------------------------------------------------------------------------


def flash(message: str, category: str = "message") -> None:
    """Keep ``message`` in the session until the next page shows it (``get_flashed_messages``)."""
    ctx = _lookup_request_context("flash")
    session = ctx.session
    flashes = list(session.get("_flashes", []))
    flashes.append((category, message))
    session["_flashes"] = flashes
    if gate.open:  # PERF: signals cost nothing until a receiver connects (signalgate.py)
        from .signals import message_flashed, send

        send(message_flashed, ctx.app, message=message, category=category)


def get_flashed_messages(
    with_categories: bool = False, category_filter: Iterable[str] = ()
) -> list[Any]:
    """The flashed messages, removed from the session; the same list for the rest of the request.

    With ``with_categories`` each item is ``(category, message)``; ``category_filter`` keeps only
    the named categories.
    """
    ctx = _lookup_request_context("get_flashed_messages")
    flashes = ctx.flashes
    if flashes is None:
        session = ctx.session
        stored = session.pop("_flashes") if "_flashes" in session else []
        flashes = [(str(category), message) for category, message in stored]
        ctx.flashes = flashes
    wanted = set(category_filter)
    if wanted:
        flashes = [item for item in flashes if item[0] in wanted]
    if with_categories:
        return list(flashes)
    return [message for _, message in flashes]
