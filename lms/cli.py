"""The `lms` command: thin wrappers over content/ and services/."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from .models import ROLES


def _create_app() -> Flask:
    from . import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True,
             help="Peer-support training LMS: serve the app, migrate the database, check content, manage users.")
def main() -> None:
    """Entry point of the `lms` console script."""


@click.group("db", help="Database schema.")
def db_group() -> None:
    pass


@db_group.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Migrate the database to the newest schema."""
    from .db import db

    db.upgrade()
    click.echo("The database is up to date.")


@db_group.command("status")
@with_appcontext
def db_status() -> None:
    """Show the database's schema revision and the newest one."""
    from .db import db

    current, newest = db.schema_status()
    click.echo(f"database: {', '.join(sorted(current)) or '(empty)'}")
    click.echo(f"newest:   {', '.join(sorted(newest))}")
    sys.exit(0 if current == newest else 1)


@click.group("user", help="Accounts.")
def user_group() -> None:
    pass


@user_group.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="trainee", show_default=True)
@click.option("--name", "display_name", help="Display name (default: the part of the email before @).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Prompted for when not given.")
@with_appcontext
def user_create(email: str, role: str, display_name: str | None, password: str) -> None:
    """Create an account with a role."""
    from .db import db
    from .services import ServiceError, accounts

    try:
        user = accounts.create_user(
            db.session, email=email, display_name=display_name or email.split("@")[0], password=password, role=role,
            min_length=current_app.config["PASSWORD_MIN_LENGTH"],
        )
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created {user.role} {user.email}.")


DEMO_ACCOUNTS = (
    ("trainer@example.org", "Demo Trainer", "trainer", "demo-trainer-passphrase"),
    ("trainee@example.org", "Demo Trainee", "trainee", "demo-trainee-passphrase"),
    ("admin@example.org", "Demo Admin", "admin", "demo-admin-passphrase"),
)


@click.command("demo")
@with_appcontext
def demo() -> None:
    """Create demo accounts (development only) and print how to log in."""
    from sqlalchemy import select

    from .db import db
    from .models import User
    from .services import accounts

    if current_app.config["ENVIRONMENT"] != "development":
        raise click.ClickException("Demo accounts are for development only (LMS_ENVIRONMENT=development).")
    for email, name, role, password in DEMO_ACCOUNTS:
        if db.session.scalar(select(User).where(User.email == email)) is None:
            accounts.create_user(db.session, email=email, display_name=name, password=password, role=role)
    db.session.commit()
    click.echo("\nDemo accounts (development only):")
    for email, _name, role, password in DEMO_ACCOUNTS:
        click.echo(f"  {role:<8} {email:<22} password: {password}")
    click.echo("\nOpen http://127.0.0.1:5000 and log in as the trainer to see the trainer pages.\n")


def register_commands(app: Flask) -> None:
    """Attach every command group to the app (and so to `lms` and `flask`)."""
    app.cli.add_command(db_group)
    app.cli.add_command(user_group)
    app.cli.add_command(demo)
