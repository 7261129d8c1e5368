"""The user API of docs/typed-views.md: typed views, a 422 that lists every field, /docs.

    erlen --app examples/typed_api.py run      # then open http://127.0.0.1:5000/docs
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from erlen import Erlen, abort
from erlen.params import Header


class NewUser(BaseModel):
    """What a client sends to create a user."""

    name: str = Field(min_length=1, max_length=80)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")


class User(NewUser):
    """A stored user, as the API answers it."""

    id: int


app = Erlen(__name__)
app.config["OPENAPI_TITLE"] = "Users"
USERS: dict[int, User] = {}


@app.get("/api/users/<int:user_id>")
def get_user(user_id: int) -> User:
    """Read one user."""
    user = USERS.get(user_id)
    if user is None:
        abort(404, f"No user {user_id}.")
    return user


@app.get("/api/users")
def list_users(
    page: Annotated[int, Field(ge=1)] = 1,
    per_page: Annotated[int, Field(ge=1, le=100)] = 20,
    q: str | None = None,
) -> list[User]:
    """List users, a page at a time, optionally those whose name contains ``q``."""
    found = [user for user in USERS.values() if q is None or q.lower() in user.name.lower()]
    start = (page - 1) * per_page
    return found[start : start + per_page]


@app.post("/api/users", status_code=201)
def create_user(user: NewUser) -> User:
    """Create a user."""
    created = User(id=len(USERS) + 1, **user.model_dump())
    USERS[created.id] = created
    return created


@app.put("/api/users/<int:user_id>")
def replace_user(
    user_id: int,
    user: NewUser,
    if_match: Annotated[str | None, Header()] = None,
) -> User:
    """Replace a user's name and email."""
    if user_id not in USERS:
        abort(404, f"No user {user_id}.")
    if if_match is not None and if_match != str(user_id):
        abort(412)
    USERS[user_id] = User(id=user_id, **user.model_dump())
    return USERS[user_id]


@app.delete("/api/users/<int:user_id>")
def delete_user(user_id: int):  # type: ignore[no-untyped-def]
    """Delete a user."""
    USERS.pop(user_id, None)
    return "", 204


if __name__ == "__main__":
    app.run()
