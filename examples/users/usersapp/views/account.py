"""Signing in and out with an email and a password.

Pages, not API: ``openapi=False`` keeps them out of ``/openapi.json``, which describes ``/api``.
"""

from __future__ import annotations

from erlen import Blueprint, Response, flash, redirect, render_template, request, url_for

from ..extensions import auth
from ..users import get_user_by_email, set_password_hash
from ..validation import clean_email

bp = Blueprint("account", __name__)


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site; None for anything that could leave it.

    APPSEC: ``//evil.example`` and ``/\\evil.example`` are protocol-relative URLs to browsers,
    so only a single leading slash followed by something else is accepted (no open redirect).
    """
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(char == "\\" or ord(char) < 0x20 for char in target):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"], openapi=False)
def login() -> str | Response | tuple[str, int]:
    """The sign-in form; a wrong email or password gets one message for both (no hints)."""
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        if auth.current_user is not None:
            return redirect(next_url or url_for("users.index"))
        return render_template("account/login.html", email="", next=next_url, error=None)
    email = (request.form.get("email") or "").strip()
    password = request.form.get("password") or ""
    user = get_user_by_email(email) if isinstance(clean_email(email), str) else None
    if not auth.verify_password(user.password_hash if user else None, password) or user is None:
        page = render_template(
            "account/login.html", email=email, next=next_url, error="Wrong email or password."
        )
        return page, 401
    if auth.password_needs_rehash(user.password_hash):
        set_password_hash(user, auth.hash_password(password))
    auth.login_user(user)
    flash(f"Signed in as {user.name}.", "success")
    return redirect(next_url or url_for("users.index"))


@bp.post("/logout", openapi=False)
def logout() -> Response:
    auth.logout_user()
    flash("Signed out.", "info")
    return redirect(url_for("account.login"))


@bp.get("/", openapi=False)
def home() -> Response:
    return redirect(url_for("users.index"))
