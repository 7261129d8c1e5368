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
import json
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from .context import _lookup_request_context

if TYPE_CHECKING:
    from .app import Erlen
    from .request import Request
    from .response import Response

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

    def make_null_session(self, app: Erlen) -> NullSession:
        return self.null_session_class()

    def is_null_session(self, session: object) -> bool:
        return isinstance(session, self.null_session_class)

    def get_cookie_name(self, app: Erlen) -> str:
        return str(app.config["SESSION_COOKIE_NAME"])

    def get_cookie_domain(self, app: Erlen) -> str | None:
        domain = app.config.get("SESSION_COOKIE_DOMAIN")
        return str(domain) if domain else None

    def get_cookie_path(self, app: Erlen) -> str:
        return str(
            app.config.get("SESSION_COOKIE_PATH") or app.config.get("APPLICATION_ROOT") or "/"
        )

    def get_cookie_httponly(self, app: Erlen) -> bool:
        return bool(app.config["SESSION_COOKIE_HTTPONLY"])

    def get_cookie_secure(self, app: Erlen, request: Request | None = None) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (
            request is not None and request.is_secure
        )

    def get_cookie_samesite(self, app: Erlen) -> str | None:
        value = app.config.get("SESSION_COOKIE_SAMESITE")
        return str(value) if value else None

    def get_cookie_partitioned(self, app: Erlen) -> bool:
        return bool(app.config.get("SESSION_COOKIE_PARTITIONED"))

    def get_expiration_time(self, app: Erlen, session: SessionMixin) -> datetime | None:
        if not session.permanent:
            return None
        lifetime: timedelta = app.config["PERMANENT_SESSION_LIFETIME"]
        if not isinstance(lifetime, timedelta):
            lifetime = timedelta(seconds=int(lifetime))
        return datetime.now(UTC) + lifetime

    def should_set_cookie(self, app: Erlen, session: SessionMixin) -> bool:
        """Write the cookie when the session changed, or to refresh a permanent one."""
        return session.modified or (
            session.permanent and bool(app.config["SESSION_REFRESH_EACH_REQUEST"])
        )

    def open_session(self, app: Erlen, request: Request) -> SessionMixin | None:
        raise NotImplementedError

    def save_session(self, app: Erlen, session: SessionMixin, response: Response) -> None:
        raise NotImplementedError


class SecureCookieSessionInterface(SessionInterface):
    """Sessions as JSON in a cookie signed with HMAC-SHA1 through itsdangerous (Flask's format)."""

    salt = "cookie-session"
    session_class = SecureCookieSession

    def get_signing_serializer(self, app: Erlen) -> Any:
        """The itsdangerous serializer for the app's keys, or None when no key is set."""
        if not app.secret_key:
            return None
        from itsdangerous import URLSafeTimedSerializer

        keys: list[Any] = list(app.config.get("SECRET_KEY_FALLBACKS") or ())
        keys.append(app.secret_key)  # itsdangerous signs with the last key, verifies with all
        return URLSafeTimedSerializer(
            keys,
            salt=self.salt,
            serializer=_CompactJSON,
            signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1},
        )

    def open_session(self, app: Erlen, request: Request) -> SecureCookieSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class(new=True)
        from itsdangerous import BadSignature

        lifetime = app.config["PERMANENT_SESSION_LIFETIME"]
        max_age = (
            int(lifetime.total_seconds()) if isinstance(lifetime, timedelta) else int(lifetime)
        )
        try:
            data = serializer.loads(value, max_age=max_age)
        except (BadSignature, ValueError, TypeError):
            return self.session_class(new=True)
        if not isinstance(data, dict):
            return self.session_class(new=True)
        return self.session_class(data)

    def save_session(self, app: Erlen, session: SessionMixin, response: Response) -> None:
        name = self.get_cookie_name(app)
        domain = self.get_cookie_domain(app)
        path = self.get_cookie_path(app)
        ctx = _lookup_request_context("save_session")
        secure = self.get_cookie_secure(app, ctx.request)
        samesite = self.get_cookie_samesite(app)
        httponly = self.get_cookie_httponly(app)
        partitioned = self.get_cookie_partitioned(app)
        if session.accessed:
            response.headers.add("Vary", "Cookie")
        if not session:
            if session.modified and not session.new:
                response.delete_cookie(
                    name, path=path, domain=domain, secure=secure, httponly=httponly,
                    samesite=samesite, partitioned=partitioned,
                )  # fmt: skip
            return
        if not self.should_set_cookie(app, session):
            return
        expires = self.get_expiration_time(app, session)
        value = self.get_signing_serializer(app).dumps(dict(session))
        response.set_cookie(
            name, value, expires=expires, httponly=httponly, domain=domain, path=path,
            secure=secure, samesite=samesite, partitioned=partitioned,
        )  # fmt: skip


class _CompactJSON:
    """The serializer itsdangerous calls: compact, tagged JSON with sorted keys.

    Values JSON cannot hold are wrapped in a one-key object naming their type, in the format
    Flask's session cookies use, so tuples, bytes, Markup, UUIDs and datetimes come back as
    they went in (and a session written by Flask reads here, flashed messages included).
    """

    @staticmethod
    def loads(value: str | bytes) -> Any:
        return json.loads(value, object_hook=_untag)

    @staticmethod
    def dumps(value: Any) -> str:
        return json.dumps(_tag(value), separators=(",", ":"), sort_keys=True)


def _tag(value: Any) -> Any:
    """``value`` with every non-JSON type wrapped as ``{" t": ...}``, ``{" b": ...}``..."""
    if isinstance(value, dict):
        tagged = {key: _tag(item) for key, item in value.items()}
        if len(value) == 1:
            (key,) = value
            if isinstance(key, str) and key in _TAGS:
                # A plain dict whose only key looks like a tag is escaped, not mistaken for one.
                return {" di": {f"{key}__": tagged[key]}}
        return tagged
    if isinstance(value, tuple):
        return {" t": [_tag(item) for item in value]}
    if isinstance(value, list):
        return [_tag(item) for item in value]
    if isinstance(value, bytes):
        import base64

        return {" b": base64.b64encode(value).decode("ascii")}
    if hasattr(value, "__html__"):
        return {" m": str(value.__html__())}
    if isinstance(value, uuid.UUID):
        return {" u": value.hex}
    if isinstance(value, datetime):
        from .http import http_date

        return {" d": http_date(value)}
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    raise TypeError(
        f"A session value of type {type(value).__name__} cannot be stored in the cookie; "
        "store JSON types, tuples, bytes, Markup, UUIDs or datetimes."
    )


_TAGS = (" t", " b", " m", " u", " d", " di")


def _untag(value: dict[str, Any]) -> Any:
    if len(value) != 1:
        return value
    ((key, item),) = value.items()
    if key == " t":
        return tuple(item)
    if key == " b":
        import base64

        return base64.b64decode(item)
    if key == " m":
        from markupsafe import Markup

        return Markup(item)
    if key == " u":
        return uuid.UUID(item)
    if key == " d":
        from .http import parse_date

        return parse_date(item)
    if key == " di":
        ((inner_key, inner_value),) = item.items()
        return {inner_key[:-2]: inner_value}
    return value


# -- flashing ----------------------------------------------------------------------------------


def flash(message: str, category: str = "message") -> None:
    """Keep ``message`` in the session until the next page shows it (``get_flashed_messages``)."""
    ctx = _lookup_request_context("flash")
    session = ctx.session
    flashes = list(session.get("_flashes", []))
    flashes.append((category, message))
    session["_flashes"] = flashes


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
