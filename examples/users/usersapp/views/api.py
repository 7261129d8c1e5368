"""The JSON API under ``/api``: users as resources, CRUD by HTTP method.

| request | answer |
|---|---|
| ``GET /api/users?q=&role=&page=&per_page=`` | 200 ``{"items", "page", "per_page", "total"}`` |
| ``POST /api/users`` | 201 + ``Location``: a new user each time |
| ``GET /api/users/<id>`` | 200, or 404 |
| ``PUT /api/users/<id>`` | 201 when it creates that id, 200 when it replaces it |
| ``PATCH /api/users/<id>`` | 200 after changing the fields sent |
| ``DELETE /api/users/<id>`` | 204 |

Clients authenticate with ``Authorization: Bearer <token>`` or, from the site's own pages, with
the session cookie plus the CSRF token in ``X-CSRF-Token`` on unsafe methods. Errors are Erlen's
error objects: 401 unauthenticated, 403 not allowed, 404 unknown id, 409 email taken, 415 not
JSON, 400 malformed JSON, 422 invalid fields (every one listed), 405 + ``Allow`` wrong method.
Unknown fields are refused (422) so a misspelt field does not pass unnoticed; the read-only
fields the API itself sends (``id``, ``created_at``, ``updated_at``) are ignored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NoReturn

from erlen import Blueprint, Response, abort, request, url_for
from erlen.errors import Conflict, UnprocessableEntity

from ..extensions import auth, csrf
from ..models import ROLES, User
from ..users import (
    MAX_ID,
    EmailTaken,
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
from ..validation import FieldError, UserInput, ValidationError, clean_user

bp = Blueprint("api", __name__, url_prefix="/api")
# Bearer-token requests cannot be forged by another site; session-authenticated ones are
# checked in ``authenticate`` below.
csrf.exempt(bp)

MAX_PER_PAGE = 100
JSONObject = dict[str, Any]
JSONResult = JSONObject | tuple[JSONObject, int] | tuple[JSONObject, int, dict[str, str]]


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


def user_json(user: User) -> dict[str, Any]:
    """A user as the API shows it: never the password or token hashes."""
    return {
        "id": user.id,
        "name": user.name,
        "email": user.email,
        "role": user.role,
        "created_at": _timestamp(user.created_at),
        "updated_at": _timestamp(user.updated_at),
    }


def _timestamp(value: datetime) -> str:
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")


def invalid(errors: list[FieldError], detail: str = "Some fields are invalid.") -> NoReturn:
    raise UnprocessableEntity(detail, errors=[error.as_dict() for error in errors])


def read_user(required: tuple[str, ...]) -> UserInput:
    """The JSON body's user fields, validated; 415, 400 or 422 otherwise."""
    data = request.get_json()
    if not isinstance(data, dict):
        invalid([FieldError("body", "Must be a JSON object.")], "The body must be a JSON object.")
    try:
        return clean_user(data, required=required, reject_unknown=True)
    except ValidationError as error:
        invalid(error.errors)


def load_user(user_id: int) -> User:
    user = get_user(user_id)
    if user is None:
        abort(404, f"There is no user with id {user_id}.")
    return user


def check_role_change(me: User, target: User, values: UserInput) -> None:
    if values.role is not None and values.role != target.role and not can_change_role(me, target):
        abort(403, "Only admins can change roles, and not their own.")


def conflict() -> Conflict:
    return Conflict("Another user already has this email address.")


# -- collection --------------------------------------------------------------------------------


def int_arg(name: str, default: int, lowest: int, highest: int, errors: list[FieldError]) -> int:
    value = request.args.get(name)
    if value is None:
        return default
    # isascii: str.isdigit() also accepts digits such as "²" that int() refuses.
    if not (value.isascii() and value.isdigit() and len(value) <= 10) or not (
        lowest <= int(value) <= highest
    ):
        errors.append(FieldError(name, f"Must be a whole number from {lowest} to {highest}."))
        return default
    return int(value)


@bp.get("/users")
def list_users() -> JSONResult:
    errors: list[FieldError] = []
    page = int_arg("page", 1, 1, MAX_ID, errors)
    per_page = int_arg("per_page", 20, 1, MAX_PER_PAGE, errors)
    role = request.args.get("role") or None
    if role is not None and role not in ROLES:
        errors.append(FieldError("role", f"Must be one of: {', '.join(ROLES)}."))
    if errors:
        invalid(errors, "Some query parameters are invalid.")
    result = search_users(request.args.get("q", ""), role=role, page=page, per_page=per_page)
    return {
        "items": [user_json(user) for user in result.items],
        "page": result.page,
        "per_page": result.per_page,
        "total": result.total,
    }


@bp.post("/users")
def create() -> JSONResult:
    if not can_create(actor()):
        abort(403, "Only admins can add users.")
    values = read_user(required=("name", "email", "password"))
    try:
        user = create_user(values)
    except (EmailTaken, WriteConflict):
        raise conflict() from None
    return user_json(user), 201, {"Location": url_for(".read", user_id=user.id)}


# -- one user ----------------------------------------------------------------------------------


@bp.get("/users/<int:user_id>")
def read(user_id: int) -> JSONResult:
    return user_json(load_user(user_id))


@bp.put("/users/<int:user_id>")
def replace(user_id: int) -> JSONResult:
    """Replace the user with this id, or create it under this id (201) if there is none."""
    me = actor()
    user = get_user(user_id)
    if user is None:
        if not can_create(me):
            abort(403, "Only admins can add users.")
        if not 1 <= user_id <= MAX_ID:
            invalid([FieldError("id", f"Must be from 1 to {MAX_ID}.")])
        values = read_user(required=("name", "email", "password"))
        try:
            user = create_user(values, user_id=user_id)
        except (EmailTaken, WriteConflict):
            raise conflict() from None
        return user_json(user), 201, {"Location": url_for(".read", user_id=user.id)}
    if not can_edit(me, user):
        abort(403, "You can only change your own account.")
    values = read_user(required=("name", "email"))
    check_role_change(me, user, UserInput(role=values.role or "user"))
    try:
        update_user(user, values, replace=True)
    except (EmailTaken, WriteConflict):
        raise conflict() from None
    return user_json(user)


@bp.patch("/users/<int:user_id>")
def update(user_id: int) -> JSONResult:
    me = actor()
    user = load_user(user_id)
    if not can_edit(me, user):
        abort(403, "You can only change your own account.")
    values = read_user(required=())
    check_role_change(me, user, values)
    try:
        update_user(user, values)
    except (EmailTaken, WriteConflict):
        raise conflict() from None
    return user_json(user)


@bp.delete("/users/<int:user_id>")
def remove(user_id: int) -> Response:
    user = load_user(user_id)
    if not can_delete(actor(), user):
        abort(403, "Only admins can delete users, and not their own account.")
    delete_user(user)
    return Response(status=204)
