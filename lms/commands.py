"""The `lms` commands that need the app (a database, the configuration): thin wrappers over services/.

`lms.cli` loads this module only when one of these commands is asked for, so that
`lms check` and `lms --help` need neither Flask nor a configuration.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from lms.accounts.models import ROLES


@click.group("db", help="Database schema.")
def db_group() -> None:
    pass


@db_group.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Migrate the database to the newest schema."""
    from lms.core.db import db

    db.upgrade()
    click.echo("The database is up to date.")


@db_group.command("status")
@with_appcontext
def db_status() -> None:
    """Show the database's schema revision and the newest one."""
    from lms.core.db import db

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
    from lms.accounts import services as accounts
    from lms.core.db import db
    from lms.core.services import ServiceError

    try:
        user = accounts.create_user(
            db.session, email=email, display_name=display_name or email.split("@")[0], password=password, role=role,
            min_length=current_app.config["PASSWORD_MIN_LENGTH"],
        )
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created {user.role} {user.email}.")


@click.command("reload")
@with_appcontext
def reload_content() -> None:
    """Check the content, then make every running worker load it again."""
    from lms.catalog.services import request_reload
    from lms.content import load_catalog

    fresh = load_catalog(Path(current_app.config["CONTENT_DIR"]))
    for problem in fresh.errors:
        click.echo(str(problem))
    if fresh.errors:
        click.echo("Courses and scenarios with errors keep their last working version until fixed.")
    from lms.core.db import db

    # In the database, not a file: every worker of every server sharing it reloads.
    generation = request_reload(db.session)
    db.session.commit()
    click.echo(f"Reload requested: {len(fresh.courses)} courses and {len(fresh.scenarios)} scenarios are valid."
               f" Every server's workers load content generation {generation} within a few seconds.")


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

    from lms.accounts import services as accounts
    from lms.accounts.models import User
    from lms.core.db import db

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


def _user_or_fail(email: str):
    from sqlalchemy import select

    from lms.accounts.models import User
    from lms.accounts.services import normalise_email
    from lms.core.db import db

    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise click.ClickException(f"No account with the email {email}.")
    return user


def _manage_user(email: str, action) -> object:
    """Run a users-service action for an account from the command line, or fail with its message."""
    from lms.core.db import db
    from lms.core.services import ServiceError

    user = _user_or_fail(email)
    try:
        result = action(db.session, user)
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    return result


@user_group.command("reset-password")
@click.argument("email")
@with_appcontext
def user_reset_password(email: str) -> None:
    """Give an account a temporary password and end its sessions."""
    from lms.accounts import users

    temporary = _manage_user(email, lambda session, user: users.reset_password(session, None, user))
    click.echo(f"Temporary password for {email}: {temporary}")
    click.echo("Pass it on privately; ask them to change it after logging in.")


@user_group.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice(ROLES))
@with_appcontext
def user_set_role(email: str, role: str) -> None:
    """Change an account's role."""
    from lms.accounts import users

    _manage_user(email, lambda session, user: users.change_role(session, None, user, role))
    click.echo(f"{email} is now {role}.")


@user_group.command("deactivate")
@click.argument("email")
@with_appcontext
def user_deactivate(email: str) -> None:
    """Deactivate an account, ending its sessions at once."""
    from lms.accounts import users

    _manage_user(email, lambda session, user: users.set_active(session, None, user, False))
    click.echo(f"{email} is deactivated.")


@click.group("certificates", help="Certificates.")
def certificates_group() -> None:
    pass


@certificates_group.command("print")
@click.option("--course", "course_id", help="Every issued certificate of this course id.")
@click.option("--cohort", "cohort_id", type=int, help="Every issued certificate of this cohort's members.")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), help="Completed on or after (YYYY-MM-DD).")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), help="Completed on or before (YYYY-MM-DD).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True,
              help="The PDF file to write.")
@with_appcontext
def certificates_print(course_id: str | None, cohort_id: int | None, date_from, date_to, output: str) -> None:
    """Merge issued certificates' stored PDFs into one print-ready file (no re-rendering)."""
    from lms.accounts.models import User
    from lms.certificates import services as certificates
    from lms.core.db import db

    if not (course_id or cohort_id or date_from or date_to):
        raise click.UsageError("Say what to print: --course, --cohort and/or --from/--to.")
    criteria = certificates.Search(course_id=course_id or "", cohort_id=cohort_id,
                                   date_from=date_from.date() if date_from else None,
                                   date_to=date_to.date() if date_to else None)
    everyone = User(role="admin")  # the command line is an operator's: every certificate, like an admin
    ids = certificates.bulk_ids(db.session, everyone, criteria)
    if not ids:
        raise click.ClickException("No issued certificates match.")
    with open(output, "wb") as out, click.progressbar(length=len(ids), label="Merging certificates") as bar:
        certificates.merge_pdfs(db.session, ids, out, progress=bar.update)
    db.session.commit()
    click.echo(f"Wrote {len(ids)} certificate(s) to {output}.")


def register_commands(app: Flask) -> None:
    """Attach every command group to the app (and so to `lms` and `flask`)."""
    app.cli.add_command(db_group)
    app.cli.add_command(user_group)
    app.cli.add_command(demo)
    app.cli.add_command(reload_content)
    app.cli.add_command(certificates_group)
