"""The HTML pages: list with search and pages, detail, create, edit, delete, API token.

Every page needs a signed-in user; every form carries the CSRF token (checked by the
``CSRFProtect`` extension before these views run). A form that does not validate is shown
again with the user's input and each error beside its field, answered 422. The routes are
marked ``openapi=False``: ``/openapi.json`` describes the JSON API, not the HTML pages.
"""

from __future__ import annotations

from typing import Any

from erlen import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from ..extensions import auth
from ..models import ROLES, User
from ..users import (
    EmailTaken,
    WriteConflict,
    can_change_role,
    can_create,
    can_delete,
    can_edit,
    create_user,
    delete_user,
    get_user,
    issue_token,
    search_users,
    update_user,
)
from ..validation import ValidationError, clean_user

bp = Blueprint("users", __name__)

PageResult = str | Response | tuple[str, int]


@bp.before_request
def require_sign_in() -> Response | None:
    if auth.current_user is None:
        return auth.unauthorized()
    return None


def actor() -> User:
    """The signed-in user (``require_sign_in`` made sure there is one)."""
    user = auth.current_user
    assert user is not None
    return user


def load_user(user_id: int) -> User:
    user = get_user(user_id)
    if user is None:
        abort(404, f"There is no user with id {user_id}.")
    return user


def page_number(value: str | None) -> int:
    """A page number from the query string; anything odd means the first page."""
    if value is None or not (value.isascii() and value.isdigit()) or len(value) > 9:
        return 1
    return max(1, int(value))


@bp.get("/users", openapi=False)
def index() -> str:
    query = request.args.get("q", "")
    per_page = int(current_app.config["USERS_PER_PAGE"])
    number = page_number(request.args.get("page"))
    result = search_users(query, page=number, per_page=per_page, order="name")
    if result.page > result.pages:
        result = search_users(query, page=result.pages, per_page=per_page, order="name")
    return render_template("users/list.html", page=result, q=query.strip())


@bp.get("/users/<int:user_id>", openapi=False)
def detail(user_id: int) -> str:
    user = load_user(user_id)
    me = actor()
    return render_template(
        "users/detail.html",
        user=user,
        can_edit=can_edit(me, user),
        can_delete=can_delete(me, user),
    )


def form_fields(*names: str) -> dict[str, str]:
    """The named fields of the posted form, as the user typed them (missing ones empty)."""
    return {name: request.form.get(name) or "" for name in names}


def render_form(
    user: User | None, form: dict[str, str], errors: dict[str, str], show_role: bool
) -> str:
    return render_template(
        "users/form.html", user=user, form=form, errors=errors, roles=ROLES, show_role=show_role
    )


@bp.route("/users/new", methods=["GET", "POST"], openapi=False)
def new() -> PageResult:
    if not can_create(actor()):
        abort(403, "Only admins can add users.")
    form = {"name": "", "email": "", "role": "user"}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = form_fields("name", "email", "role", "password")
        try:
            values = clean_user(form, required=("name", "email", "password"))
            user = create_user(values)
        except ValidationError as error:
            errors = error.by_field()
        except (EmailTaken, WriteConflict):
            errors = {"email": "Another user already has this email address."}
        else:
            flash(f"Added {user.name}.", "success")
            return redirect(url_for(".detail", user_id=user.id))
        form.pop("password", None)
        return render_form(None, form, errors, show_role=True), 422
    return render_form(None, form, errors, show_role=True)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"], openapi=False)
def edit(user_id: int) -> PageResult:
    user = load_user(user_id)
    me = actor()
    if not can_edit(me, user):
        abort(403, "You can only edit your own account.")
    show_role = can_change_role(me, user)
    if request.method == "GET":
        form = {"name": user.name, "email": user.email, "role": user.role}
        return render_form(user, form, {}, show_role)
    names = ("name", "email", "role", "password") if show_role else ("name", "email", "password")
    form = form_fields(*names)
    data: dict[str, Any] = dict(form)
    if not data["password"]:
        del data["password"]  # left empty: keep the current password
    errors: dict[str, str] = {}
    try:
        values = clean_user(data, required=("name", "email"))
        update_user(user, values)
    except ValidationError as error:
        errors = error.by_field()
    except (EmailTaken, WriteConflict):
        errors = {"email": "Another user already has this email address."}
    else:
        flash(f"Saved the changes to {user.name}.", "success")
        return redirect(url_for(".detail", user_id=user.id))
    form.pop("password", None)
    form.setdefault("role", user.role)
    return render_form(user, form, errors, show_role), 422


@bp.route("/users/<int:user_id>/delete", methods=["GET", "POST"], openapi=False)
def delete(user_id: int) -> PageResult:
    """GET asks for confirmation; only the POST from that page deletes."""
    user = load_user(user_id)
    if not can_delete(actor(), user):
        abort(403, "Only admins can delete users, and not their own account.")
    if request.method == "GET":
        return render_template("users/confirm_delete.html", user=user)
    name = user.name
    delete_user(user)
    flash(f"Deleted {name}.", "success")
    return redirect(url_for(".index"))


@bp.post("/users/<int:user_id>/token", openapi=False)
def token(user_id: int) -> Response:
    """Issue a new API token and show it once; it is not kept anywhere but in its hash."""
    user = load_user(user_id)
    if not can_edit(actor(), user):
        abort(403, "You can only create tokens for your own account.")
    new_token = issue_token(user)
    response = make_response(render_template("users/token.html", user=user, token=new_token))
    response.headers["Cache-Control"] = "no-store"
    return response
