"""Sign-in for Erlen apps: the session for browsers, bearer tokens for API clients.

    from erlen.ext.auth import Auth

    auth = Auth(login_view="auth.login")

    @auth.user_loader
    def load_user(user_id: str) -> User | None:
        return db.session.get(User, int(user_id))

    @auth.token_loader
    def load_token_user(token: str) -> User | None:
        return find_user_by_token_hash(Auth.hash_token(token))

    @app.get("/me")
    @auth.login_required
    def me():
        return {"name": auth.current_user.name}

The app supplies two callbacks: ``user_loader`` turns the id kept in the session back into a user,
``token_loader`` finds the user of an ``Authorization: Bearer <token>`` header. A user is any
object with a ``get_id() -> str`` method (:class:`AuthUser`).

Settings, read in :meth:`Auth.init_app`: ``AUTH_LOGIN_VIEW`` (the endpoint browsers are sent to
when they must sign in), ``AUTH_API_PREFIXES`` (paths that answer 401 JSON instead, ``("/api/",)``
by default) and ``AUTH_ARGON2`` (keyword arguments for argon2's ``PasswordHasher``: its cost).

APPSEC:
- Passwords are hashed with argon2id (argon2-cffi's defaults); a failed look-up still spends the
  time of a verification, so response times do not tell which emails exist.
- :meth:`Auth.login_user` clears the session before storing the user's id, so nothing planted in
  a session before sign-in (a CSRF token, a fixated value) survives it.
- A request that sends an ``Authorization`` header is judged on that header alone and never falls
  back to the session cookie, which lets CSRF checks skip bearer-token requests safely.
- API tokens are random (256 bits) and only their SHA-256 is stored: a leaked database gives no
  working token. A fast hash fits here because the token, unlike a password, is not guessable.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from erlen.app.context import _Proxy, current_app, g, request, session
from erlen.app.responses import redirect
from erlen.app.urls import url_for
from erlen.core.errors import Unauthorized

if TYPE_CHECKING:
    from erlen.adapters.erlen import Erlen
    from erlen.core.response import Response

__all__ = ["Auth", "AuthUser", "AnonymousUser", "UserMixin", "current_user"]

EXTENSION_KEY = "auth"
STATE_KEY = "auth.state"
SESSION_USER_KEY = "_user_id"
_G_USER = "_erlen_auth_user"
_G_METHOD = "_erlen_auth_method"
_UNSET: Any = object()

F = TypeVar("F", bound=Callable[..., Any])


class AuthUser(Protocol):
    """What the extension needs of a user: an id that survives a round trip as a string."""

    def get_id(self) -> str: ...


UserT = TypeVar("UserT", bound=AuthUser)


class UserMixin:
    """Mix into a user model so templates can test ``current_user.is_authenticated``."""

    is_authenticated: ClassVar[bool] = True


class AnonymousUser:
    """What ``current_user`` is when nobody signed in: falsy, and not authenticated."""

    is_authenticated: ClassVar[bool] = False

    def get_id(self) -> str:
        return ""

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "<AnonymousUser>"


class _AuthState:
    """Per app: the password hasher built from its settings, and a hash to verify against."""

    __slots__ = ("hasher", "_dummy_hash")

    def __init__(self, hasher: PasswordHasher) -> None:
        self.hasher = hasher
        self._dummy_hash: str | None = None

    @property
    def dummy_hash(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))
        return self._dummy_hash


class Auth(Generic[UserT]):
    """The authentication extension; see the module docstring for the set-up.

    ``login_view`` and ``api_prefixes`` are defaults for the ``AUTH_LOGIN_VIEW`` and
    ``AUTH_API_PREFIXES`` settings.
    """

    def __init__(
        self,
        app: Erlen | None = None,
        *,
        login_view: str | None = None,
        api_prefixes: Sequence[str] = ("/api/",),
    ) -> None:
        self.login_view = login_view
        self.api_prefixes = tuple(api_prefixes)
        self._user_loader: Callable[[str], UserT | None] | None = None
        self._token_loader: Callable[[str], UserT | None] | None = None
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Erlen) -> None:
        """Attach to ``app``: settings, the password hasher, ``current_user`` in templates."""
        app.config.setdefault("AUTH_LOGIN_VIEW", self.login_view)
        app.config.setdefault("AUTH_API_PREFIXES", self.api_prefixes)
        options = app.config.setdefault("AUTH_ARGON2", {})
        app.extensions[EXTENSION_KEY] = self
        app.extensions[STATE_KEY] = _AuthState(PasswordHasher(**options))
        app.context_processor(_template_context)

    # -- callbacks ---------------------------------------------------------------------------

    def user_loader(self, func: Callable[[str], UserT | None]) -> Callable[[str], UserT | None]:
        """Register ``func(user_id) -> user or None``, called with the id kept in the session."""
        self._user_loader = func
        return func

    def token_loader(self, func: Callable[[str], UserT | None]) -> Callable[[str], UserT | None]:
        """Register ``func(token) -> user or None``, called with a bearer token as sent."""
        self._token_loader = func
        return func

    # -- who is signed in --------------------------------------------------------------------

    @property
    def current_user(self) -> UserT | None:
        """The signed-in user of this request, or None; loaded once per request."""
        user = g.get(_G_USER, _UNSET)
        if user is _UNSET:
            user, method = self._load_user()
            setattr(g, _G_USER, user)
            setattr(g, _G_METHOD, method)
        return cast("UserT | None", user)

    @property
    def authenticated_by(self) -> str | None:
        """How this request's user signed in: ``"session"``, ``"token"`` or None."""
        if self.current_user is None:
            return None
        return cast("str | None", g.get(_G_METHOD))

    def _load_user(self) -> tuple[UserT | None, str | None]:
        header = request.headers.get("Authorization")
        if header is not None:
            # APPSEC: an Authorization header is the only credential looked at when present.
            scheme, _, token = str(header).partition(" ")
            token = token.strip()
            if scheme.lower() != "bearer" or not token or self._token_loader is None:
                return None, None
            return self._token_loader(token), "token"
        user_id = session.get(SESSION_USER_KEY)
        if not isinstance(user_id, str) or self._user_loader is None:
            return None, None
        return self._user_loader(user_id), "session"

    def login_user(self, user: UserT, *, permanent: bool = False) -> None:
        """Sign ``user`` in for the rest of this browser session (or longer, if ``permanent``).

        The session is cleared first (protection against session fixation).
        """
        session.clear()
        session[SESSION_USER_KEY] = user.get_id()
        session.permanent = permanent
        setattr(g, _G_USER, user)
        setattr(g, _G_METHOD, "session")

    def logout_user(self) -> None:
        """Sign the current user out and forget everything else in the session."""
        session.clear()
        setattr(g, _G_USER, None)
        setattr(g, _G_METHOD, None)

    # -- guarding views ----------------------------------------------------------------------

    def login_required(self, view: F) -> F:
        """Decorate a view that needs a signed-in user.

        Without one, browsers are redirected to the sign-in page (``AUTH_LOGIN_VIEW``, with
        ``?next=`` set to where they were going); API paths, JSON clients and requests with an
        ``Authorization`` header get 401 with a JSON error object instead.
        """

        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if self.current_user is None:
                return self.unauthorized()
            return view(*args, **kwargs)

        # The OpenAPI document (erlen.openapi) lists the auth's security schemes on such views.
        wrapper.requires_login = True  # type: ignore[attr-defined]
        return cast(F, wrapper)

    def unauthorized(self) -> Response:
        """The answer to a request that needs a user: a redirect to sign in, or 401."""
        login_view = current_app.config.get("AUTH_LOGIN_VIEW")
        api = self.wants_api_answer()
        if login_view is None or api:
            error = Unauthorized(
                "Sign in first: send 'Authorization: Bearer <token>' or use a signed-in session.",
                headers={"WWW-Authenticate": 'Bearer realm="api"'},
            )
            if api:  # JSON whatever the Accept header says: API clients parse the answer
                error.response = error.get_response(as_json=True)
            raise error
        target = request.path
        if request.query_string:
            target = f"{target}?{request.query_string.decode('latin-1')}"
        return redirect(url_for(login_view, next=target))

    def wants_api_answer(self) -> bool:
        """True when this request should get JSON errors rather than pages."""
        prefixes = tuple(current_app.config.get("AUTH_API_PREFIXES") or ())
        return (
            request.path.startswith(prefixes)
            or request.headers.get("Authorization") is not None
            or request.prefers_json
        )

    # -- passwords and tokens ----------------------------------------------------------------

    def _state(self) -> _AuthState:
        state = current_app.extensions.get(STATE_KEY)
        if not isinstance(state, _AuthState):
            raise RuntimeError("The Auth extension is not set up: call auth.init_app(app).")
        return state

    def hash_password(self, password: str) -> str:
        """An argon2id hash of ``password``, with its salt and parameters, to store."""
        return self._state().hasher.hash(password)

    def verify_password(self, password_hash: str | None, password: str) -> bool:
        """True when ``password`` matches ``password_hash``.

        Pass None for a user that does not exist: a dummy hash is verified instead, so the
        answer takes as long as for a real user.
        """
        state = self._state()
        try:
            matched = state.hasher.verify(password_hash or state.dummy_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        return matched and password_hash is not None

    def password_needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with weaker parameters than the current settings."""
        return self._state().hasher.check_needs_rehash(password_hash)

    @staticmethod
    def new_token() -> str:
        """A new random API token (43 URL-safe characters); show it once, store its hash."""
        return secrets.token_urlsafe(32)

    @staticmethod
    def hash_token(token: str) -> str:
        """The SHA-256 (hex) under which a token is stored and looked up."""
        return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _current_user() -> Any:
    auth = current_app.extensions.get(EXTENSION_KEY)
    user = auth.current_user if isinstance(auth, Auth) else None
    return user if user is not None else AnonymousUser()


def _template_context() -> dict[str, Any]:
    return {"current_user": current_user}


#: The signed-in user of the current request, or an :class:`AnonymousUser`; for templates and
#: code that does not hold the ``Auth`` object. Typed code should prefer ``auth.current_user``.
current_user: Any = _Proxy(_current_user)
