"""What can be done with users, and who may do it: the one place the pages and the API share.

Every write commits once, after validation, so a request that fails leaves the table as it was.
A duplicate email is found before writing and, should two requests race, by the unique index;
either way :class:`EmailTaken` is raised. Any other constraint a race breaks raises
:class:`WriteConflict`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import func, or_, select, text
from sqlalchemy.exc import IntegrityError

from .extensions import auth, db
from .models import User, utcnow
from .validation import UserInput

#: Ids the ``users.id`` column can hold on every database (PostgreSQL's ``integer``).
MAX_ID = 2**31 - 1
#: Longest search string looked at; longer ones are cut (they cannot match anything longer).
MAX_QUERY = 254


class EmailTaken(Exception):
    """Another user already has this email address."""


class WriteConflict(Exception):
    """A concurrent request changed the same row first (two PUTs creating one id)."""


@dataclass(frozen=True)
class Page:
    """One page of a list of users."""

    items: list[User]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


# -- permissions -------------------------------------------------------------------------------


def can_create(actor: User) -> bool:
    return actor.is_admin


def can_edit(actor: User, target: User) -> bool:
    """Admins edit anyone; users edit themselves."""
    return actor.is_admin or actor.id == target.id


def can_change_role(actor: User, target: User) -> bool:
    """Only admins set roles, and not their own (the last admin must not lock everyone out)."""
    return actor.is_admin and actor.id != target.id


def can_delete(actor: User, target: User) -> bool:
    return actor.is_admin and actor.id != target.id


# -- reading -----------------------------------------------------------------------------------


def get_user(user_id: int) -> User | None:
    """The user with ``user_id``, or None (also for ids no row can have)."""
    if not 1 <= user_id <= MAX_ID:
        return None
    return db.session.get(User, user_id)


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def get_user_by_token(token: str) -> User | None:
    return db.session.scalar(select(User).where(User.api_token_hash == auth.hash_token(token)))


def search_users(
    query: str = "",
    *,
    role: str | None = None,
    page: int = 1,
    per_page: int = 20,
    order: Literal["name", "id"] = "id",
) -> Page:
    """Users whose name or email contains ``query`` (any case), optionally of one role."""
    statement = select(User)
    # PostgreSQL refuses NUL in text, and no name or email holds control characters anyway.
    query = "".join(char for char in query if char.isprintable()).strip()[:MAX_QUERY]
    if query:
        pattern = f"%{_escape_like(query.lower())}%"
        statement = statement.where(
            or_(
                func.lower(User.name).like(pattern, escape="\\"),
                User.email.like(pattern, escape="\\"),
            )
        )
    if role is not None:
        statement = statement.where(User.role == role)
    total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    ordering = (func.lower(User.name), User.id) if order == "name" else (User.id,)
    items = db.session.scalars(
        statement.order_by(*ordering).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return Page(list(items), page, per_page, total)


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def email_in_use(email: str, *, except_id: int | None = None) -> bool:
    statement = select(User.id).where(User.email == email)
    if except_id is not None:
        statement = statement.where(User.id != except_id)
    return db.session.scalar(statement) is not None


# -- writing -----------------------------------------------------------------------------------


def create_user(values: UserInput, *, user_id: int | None = None) -> User:
    """Add a user from validated values (name, email and password are needed).

    ``user_id`` creates the row under that id (the API's PUT); the id sequence is moved past it
    on PostgreSQL so later inserts do not collide.
    """
    if values.name is None or values.email is None or values.password is None:
        raise ValueError("create_user() needs a name, an email and a password.")
    if email_in_use(values.email):
        raise EmailTaken(values.email)
    user = User(
        name=values.name,
        email=values.email,
        role=values.role or "user",
        password_hash=auth.hash_password(values.password),
    )
    if user_id is not None:
        user.id = user_id
    db.session.add(user)
    _commit(values.email, advance_sequence=user_id is not None)
    return user


def update_user(user: User, values: UserInput, *, replace: bool = False) -> User:
    """Change the given fields; with ``replace`` (PUT) an omitted role goes back to ``user``.

    The password is write-only, so a replacement that omits it keeps the old one.
    """
    if values.email is not None and email_in_use(values.email, except_id=user.id):
        raise EmailTaken(values.email)
    if values.name is not None:
        user.name = values.name
    if values.email is not None:
        user.email = values.email
    if values.role is not None or replace:
        user.role = values.role or "user"
    if values.password is not None:
        user.password_hash = auth.hash_password(values.password)
    user.updated_at = utcnow()
    _commit(values.email, except_id=user.id)
    return user


def delete_user(user: User) -> None:
    db.session.delete(user)
    db.session.commit()


def issue_token(user: User) -> str:
    """Give ``user`` a new API token (replacing any old one); only its hash is kept."""
    token = auth.new_token()
    user.api_token_hash = auth.hash_token(token)
    db.session.commit()
    return token


def set_password_hash(user: User, password_hash: str) -> None:
    """Store a re-computed hash (after sign-in, when the hashing parameters were raised)."""
    user.password_hash = password_hash
    db.session.commit()


def _commit(
    email: str | None, *, except_id: int | None = None, advance_sequence: bool = False
) -> None:
    session = db.session
    try:
        session.flush()
        if advance_sequence and session.get_bind().dialect.name == "postgresql":
            session.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('users', 'id'), "
                    "(SELECT max(id) FROM users))"
                )
            )
        session.commit()
    except IntegrityError as error:
        session.rollback()
        if email is not None and email_in_use(email, except_id=except_id):
            raise EmailTaken(email) from None
        raise WriteConflict(str(error.orig)) from error
