"""The JSON API's models: what clients send and what the API answers (``views/api.py``).

The typed views validate request bodies against these models (a 422 lists every bad field), and
filter answers through :class:`User`, which has no password or token field, so the hashes the
table holds cannot leave the app. The same models describe the API in ``/openapi.json``.

The field rules are :mod:`usersapp.validation`'s, the ones the pages' forms use: length and type
are declared as constraints (so the document shows them and the 422 uses pydantic's standard
error types), and the checks beyond them run the same ``clean_*`` functions.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .validation import (
    EMAIL_MAX,
    NAME_MAX,
    PASSWORD_MAX,
    PASSWORD_MIN,
    READ_ONLY,
    FieldError,
    clean_email,
    clean_name,
    clean_password,
)

#: The roles of ``models.ROLES``, as a type.
Role = Literal["admin", "user"]


def checked_by(clean: Callable[[str], str | FieldError]) -> AfterValidator:
    """A validator running one of validation.py's checks; its message becomes the error's."""

    def check(value: str) -> str:
        result = clean(value)
        if isinstance(result, FieldError):
            # The type says which rule failed, for programs: "invalid_email", ...
            raise PydanticCustomError(f"invalid_{result.field}", result.message)
        return result

    return AfterValidator(check)


Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX),
    checked_by(clean_name),
    Field(description="Shown as typed; no control characters.", examples=["Ada Lovelace"]),
]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=EMAIL_MAX),
    checked_by(clean_email),
    Field(
        description="A plain ASCII address, stored lower-cased: unique whatever its case.",
        json_schema_extra={"format": "email"},
        examples=["ada@example.com"],
    ),
]
Password = Annotated[
    str,
    StringConstraints(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX),
    checked_by(clean_password),
    Field(
        description="Write-only: kept as an argon2id hash, never answered.",
        json_schema_extra={"format": "password", "writeOnly": True},
        examples=["analytical engine"],
    ),
]
RoleField = Annotated[Role, Field(description="What the user may do.")]


def _timestamp(value: datetime) -> str:
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")


#: A UTC time as the API writes it: ``2026-01-02T03:04:05Z``.
Timestamp = Annotated[
    datetime,
    PlainSerializer(_timestamp, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time", "readOnly": True}),
]


def _omit_null_defaults(schema: dict[str, Any]) -> None:
    """Optional fields default to None in Python but are not nullable: ``null`` is a 422, and
    an omitted field is left as it is. The document says so by showing no ``null`` default."""
    for field in schema.get("properties", {}).values():
        if "default" in field and field["default"] is None:
            del field["default"]


class UserInputModel(BaseModel):
    """Unknown fields are refused (a misspelt field must not pass unnoticed); the read-only
    fields the API sends (``id``, ``created_at``, ``updated_at``) are ignored, so a client may
    send back what it read."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_omit_null_defaults)

    @model_validator(mode="before")
    @classmethod
    def _ignore_read_only(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if key not in READ_ONLY}
        return data


class NewUser(UserInputModel):
    """A user to create (``POST /api/users``)."""

    name: Name
    email: Email
    password: Password
    role: RoleField = "user"


class UserReplacement(UserInputModel):
    """A user's new state (``PUT /api/users/{user_id}``): an omitted role becomes ``user``, an
    omitted password keeps the current one (it is needed when the PUT creates the user)."""

    name: Name
    email: Email
    role: RoleField = "user"
    password: Password = Field(default=None)


class UserChanges(UserInputModel):
    """The fields to change (``PATCH /api/users/{user_id}``); the others stay as they are.
    ``null`` is not a value: omit a field to keep it."""

    name: Name = Field(default=None)
    email: Email = Field(default=None)
    role: RoleField = Field(default=None)
    password: Password = Field(default=None)


class User(BaseModel):
    """A user as the API shows it: no password or token hash, whatever the row holds."""

    id: int = Field(json_schema_extra={"readOnly": True})
    name: str
    email: str
    role: Role
    created_at: Timestamp
    updated_at: Timestamp


class UserPage(BaseModel):
    """One page of users, and how many match in all."""

    items: list[User]
    page: int
    per_page: int
    total: int
