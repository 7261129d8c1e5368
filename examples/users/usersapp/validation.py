"""Checking user input, in one place for the pages and the API.

:func:`clean_user` takes what a client sent (form fields or a JSON object), checks every field,
and either returns the cleaned values or raises :class:`ValidationError` listing *every* bad
field, so a form can show each error beside its field and the API can answer one 422 with all
of them. Nothing is written before the input is known to be valid.

Rules: ``name`` 1-100 characters after stripping, no control characters (HTML is fine: it is
stored as text and escaped on output); ``email`` a plain ASCII address of at most 254 characters,
lower-cased; ``role`` ``"admin"`` or ``"user"``; ``password`` 8-128 characters, kept as typed.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from .models import ROLES

NAME_MAX = 100
EMAIL_MAX = 254
PASSWORD_MIN = 8
PASSWORD_MAX = 128
#: Fields a client may write.
WRITABLE = ("name", "email", "role", "password")
#: Fields the API sends; a client that sends them back (PUT after GET) is not refused.
READ_ONLY = frozenset({"id", "created_at", "updated_at"})

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(
    rf"(?P<local>[A-Za-z0-9!#$%&'*+/=?^_`{{|}}~.-]{{1,64}})@(?P<domain>{_LABEL}(?:\.{_LABEL})+)",
    re.ASCII,
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# JSON can carry lone surrogates ("\ud800"), which no database or hash function can encode.
_SURROGATE = re.compile(r"[\ud800-\udfff]")


@dataclass(frozen=True)
class FieldError:
    """What is wrong with one field, in words for the person who typed it."""

    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class ValidationError(Exception):
    """Some fields are invalid; ``errors`` lists each of them once."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{error.field}: {error.message}" for error in errors))
        self.errors = errors

    def by_field(self) -> dict[str, str]:
        """The first message of each field, for a form."""
        messages: dict[str, str] = {}
        for error in self.errors:
            messages.setdefault(error.field, error.message)
        return messages


@dataclass(frozen=True)
class UserInput:
    """Cleaned values; None for a field the client did not send."""

    name: str | None = None
    email: str | None = None
    role: str | None = None
    password: str | None = None


def clean_user(
    data: Mapping[str, object],
    *,
    required: Collection[str] = (),
    reject_unknown: bool = False,
) -> UserInput:
    """Check ``data`` and return its cleaned values, or raise :class:`ValidationError`.

    ``required`` names fields that must be present; a present field must be valid whether
    required or not (``null`` is not a value). With ``reject_unknown`` a key that is neither
    writable nor read-only is an error too (the API's choice: a typo should not pass silently).
    """
    errors: list[FieldError] = []
    if reject_unknown:
        errors.extend(
            FieldError(str(key), "Unknown field.")
            for key in data
            if key not in WRITABLE and key not in READ_ONLY
        )
    cleaned: dict[str, str] = {}
    for field in WRITABLE:
        if field not in data:
            if field in required:
                errors.append(FieldError(field, "This field is required."))
            continue
        value = data[field]
        if value is None:
            errors.append(FieldError(field, "Must not be null."))
            continue
        if not isinstance(value, str):
            errors.append(FieldError(field, "Must be a string."))
            continue
        if _SURROGATE.search(value):
            errors.append(FieldError(field, "Must be valid Unicode text."))
            continue
        result = _CHECKS[field](value)
        if isinstance(result, FieldError):
            errors.append(result)
        else:
            cleaned[field] = result
    if errors:
        raise ValidationError(errors)
    return UserInput(**cleaned)


def clean_name(value: str) -> str | FieldError:
    name = value.strip()
    if not name:
        return FieldError("name", "Enter a name.")
    if len(name) > NAME_MAX:
        return FieldError("name", f"Must be at most {NAME_MAX} characters.")
    if _CONTROL.search(name):
        return FieldError("name", "Must not contain control characters such as line breaks.")
    return name


def clean_email(value: str) -> str | FieldError:
    email = value.strip()
    if not email:
        return FieldError("email", "Enter an email address.")
    if len(email) > EMAIL_MAX:
        return FieldError("email", f"Must be at most {EMAIL_MAX} characters.")
    match = _EMAIL.fullmatch(email)
    local = match.group("local") if match else ""
    if not match or local.startswith(".") or local.endswith(".") or ".." in local:
        return FieldError("email", "Must be an email address, like name@example.com.")
    return email.lower()


def clean_role(value: str) -> str | FieldError:
    if value not in ROLES:
        return FieldError("role", f"Must be one of: {', '.join(ROLES)}.")
    return value


def clean_password(value: str) -> str | FieldError:
    if len(value) < PASSWORD_MIN:
        return FieldError("password", f"Must be at least {PASSWORD_MIN} characters.")
    if len(value) > PASSWORD_MAX:
        return FieldError("password", f"Must be at most {PASSWORD_MAX} characters.")
    if "\x00" in value:
        return FieldError("password", "Must not contain NUL characters.")
    return value


_CHECKS = {
    "name": clean_name,
    "email": clean_email,
    "role": clean_role,
    "password": clean_password,
}
