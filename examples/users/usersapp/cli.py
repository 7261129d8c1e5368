"""The app's own command: ``erlen --app examples/users/wsgi.py create-token EMAIL``."""

from __future__ import annotations

import click

from erlen import Erlen
from erlen.cli import with_appcontext

from .users import get_user_by_email, issue_token


@click.command("create-token")
@click.argument("email")
@with_appcontext
def create_token(email: str) -> None:
    """Give the user with EMAIL a new API token and print it (it is shown only once)."""
    user = get_user_by_email(email)
    if user is None:
        raise click.ClickException(f"There is no user with the email {email!r}.")
    click.echo(issue_token(user))


def register_commands(app: Erlen) -> None:
    app.cli.add_command(create_token)
