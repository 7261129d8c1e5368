"""The JSON API under ``/api``: users as resources, CRUD by HTTP method, as typed views.

| request | body | answer |
|---|---|---|
| ``GET /api/users?q=&role=&page=&per_page=`` | | 200 ``UserPage`` |
| ``POST /api/users`` | ``NewUser`` | 201 ``User`` + ``Location`` |
| ``GET /api/users/<id>`` | | 200 ``User`` |
| ``PUT /api/users/<id>`` | ``UserReplacement`` | 200 ``User``, 201 + ``Location`` if created |
| ``PATCH /api/users/<id>`` | ``UserChanges`` | 200 ``User`` |
| ``DELETE /api/users/<id>`` | | 204 |

The models are in :mod:`usersapp.schemas`. The views' annotations say what they read: Erlen
validates the query string and the body before a view runs (a 422 lists every bad value as
``{"loc": ["body", "email"], "msg", "type", "input"}``) and filters every answer through
``schemas.User``, so no hash ever leaves. The same annotations make ``/openapi.json`` and the
``/docs`` page.

Clients authenticate with ``Authorization: Bearer <token>`` or, from the site's own pages, with
the session cookie plus the CSRF token in ``X-CSRF-Token`` on unsafe methods; ``authenticate``
checks that for the whole blueprint before any binding, so an anonymous request is a 401 whatever
its body. Other errors are Erlen's error objects: 403 not allowed, 404 unknown id (ids outside
1..2147483647 match no rule), 409 email taken, 415 not JSON, 400 malformed JSON, 405 + ``Allow``.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from erlen import Blueprint, Response, abort, request, url_for
from erlen.errors import Conflict, RequestValidationError
from erlen.params import Query

from .. import schemas
from ..extensions import auth, csrf
from ..models import User
from ..users import (
    MAX_ID,
    EmailTaken,
    Page,
    WriteConflict,
    can_change_role,
    can_create,
    can_delete,
    can_edit,
    create_user,
    delete_user,
    get_user,
    search_users,
    update_user,
)
from ..validation import UserInput

bp = Blueprint("api", __name__, url_prefix="/api")
# Bearer-token requests cannot be forged by another site; session-authenticated ones are
# checked in ``authenticate`` below.
csrf.exempt(bp)

MAX_PER_PAGE = 100
#: The id in a user's URL. Ids no row can hold (0, 2**31 and up) match no rule: 404, as for an
#: id nobody has, and the document shows the bounds.
USER_URL = f"/users/<int(min=1, max={MAX_ID}):user_id>"


def _error(description: str) -> dict[str, Any]:
    schema = {"$ref": "#/components/schemas/Error"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


# What the OpenAPI document says of every route here: the schemes erlen.ext.auth declares (a
# bearer token, or the site's session cookie) and the errors ``authenticate`` answers.
_SIGNED_IN: dict[str, Any] = {
    "security": [{"bearerAuth": []}, {"sessionCookie": []}],
    "responses": {
        "400": _error("Malformed JSON, or a session request without its CSRF token"),
        "401": _error("No valid token or session"),
    },
}


def documented(*statuses: tuple[int, str]) -> dict[str, Any]:
    """``openapi=`` for a route: signed in, and the error statuses it may answer."""
    responses = dict(_SIGNED_IN["responses"])
    responses.update({str(status): _error(description) for status, description in statuses})
    return {**_SIGNED_IN, "responses": responses}


_FORBIDDEN = (403, "The signed-in user may not do this")
_NOT_FOUND = (404, "No user has this id")
_CONFLICT = (409, "Another user has this email address")
_NOT_JSON = (415, "The body is not JSON")


@bp.before_request
def authenticate() -> None:
    if auth.current_user is None:
        auth.unauthorized()
    if auth.authenticated_by == "session" and request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()


def actor() -> User:
    user = auth.current_user
    assert user is not None
    return user


def load_user(user_id: int) -> User:
    user = get_user(user_id)
    if user is None:
        abort(404, f"There is no user with id {user_id}.")
    return user


def check_role_change(me: User, target: User, role: str | None) -> None:
    if role is not None and role != target.role and not can_change_role(me, target):
        abort(403, "Only admins can change roles, and not their own.")


def conflict() -> Conflict:
    return Conflict("Another user already has this email address.")


Created = tuple[User, int, dict[str, str]]


def created(user: User) -> Created:
    """201 with the new user's URL in ``Location``."""
    return user, 201, {"Location": url_for(".read", user_id=user.id)}


# -- collection --------------------------------------------------------------------------------


def _no_filter_if_empty(value: object) -> object:
    return value or None  # ``?role=`` (a form's "any" choice) lists every role


@bp.get("/users", response_model=schemas.UserPage, openapi=documented())
def list_users(
    q: Annotated[str, Query(description="Part of a name or an email, in any case.")] = "",
    role: Annotated[schemas.Role | None, BeforeValidator(_no_filter_if_empty)] = None,
    page: Annotated[int, Field(ge=1, le=MAX_ID)] = 1,
    per_page: Annotated[int, Field(ge=1, le=MAX_PER_PAGE)] = 20,
) -> Page:
    """List users, a page at a time, optionally only those matching a search and a role.

    ``q`` matches part of a name or an email, in any case; the answer's ``total`` counts every
    match, ``items`` holds one page of them, in the order they were created.
    """
    return search_users(q, role=role, page=page, per_page=per_page)


@bp.post(
    "/users",
    response_model=schemas.User,
    status_code=201,
    openapi=documented(_FORBIDDEN, _CONFLICT, _NOT_JSON),
)
def create(user: schemas.NewUser) -> Created:
    """Create a user (admins only).

    The answer is the new user, with its URL in ``Location``. An omitted ``role`` is ``user``.
    """
    if not can_create(actor()):
        abort(403, "Only admins can add users.")
    try:
        return created(create_user(UserInput(**user.model_dump())))
    except (EmailTaken, WriteConflict):
        raise conflict() from None


# -- one user ----------------------------------------------------------------------------------


@bp.get(USER_URL, response_model=schemas.User, openapi=documented(_NOT_FOUND))
def read(user_id: int) -> User:
    """Read one user."""
    return load_user(user_id)


@bp.put(
    USER_URL,
    response_model=schemas.User,
    openapi=documented(_FORBIDDEN, _NOT_FOUND, _CONFLICT, _NOT_JSON),
)
def replace(user_id: int, user: schemas.UserReplacement) -> User | Created:
    """Replace a user, or create one with this id.

    Replacing answers 200; creating (admins only) answers 201 with ``Location``, and needs a
    ``password``. A replacement that omits the password keeps the current one; an omitted
    ``role`` becomes ``user``. The read-only fields a GET answered may be sent back as they are.
    """
    me = actor()
    values = UserInput(**user.model_dump())
    target = get_user(user_id)
    if target is None:
        if not can_create(me):
            abort(403, "Only admins can add users.")
        if values.password is None:
            raise RequestValidationError(
                "A new user needs a password.",
                errors=[
                    {
                        "loc": ["body", "password"],
                        "msg": "Field required to create a user",
                        "type": "missing",
                        "input": None,
                    }
                ],
            )
        try:
            return created(create_user(values, user_id=user_id))
        except (EmailTaken, WriteConflict):
            raise conflict() from None
    if not can_edit(me, target):
        abort(403, "You can only change your own account.")
    check_role_change(me, target, values.role)
    try:
        return update_user(target, values, replace=True)
    except (EmailTaken, WriteConflict):
        raise conflict() from None


@bp.patch(
    USER_URL,
    response_model=schemas.User,
    openapi=documented(_FORBIDDEN, _NOT_FOUND, _CONFLICT, _NOT_JSON),
)
def update(user_id: int, changes: schemas.UserChanges) -> User:
    """Change some of a user's fields.

    Only the fields sent change. Users may change their own name, email and password; admins
    may change anyone's, and anyone's role but their own.
    """
    me = actor()
    target = load_user(user_id)
    if not can_edit(me, target):
        abort(403, "You can only change your own account.")
    values = UserInput(**changes.model_dump(exclude_unset=True))
    check_role_change(me, target, values.role)
    try:
        return update_user(target, values)
    except (EmailTaken, WriteConflict):
        raise conflict() from None


@bp.delete(USER_URL, status_code=204, openapi=documented(_FORBIDDEN, _NOT_FOUND))
def remove(user_id: int) -> Response:
    """Delete a user (admins only, not their own account)."""
    user = load_user(user_id)
    if not can_delete(actor(), user):
        abort(403, "Only admins can delete users, and not their own account.")
    delete_user(user)
    return Response(status=204)
