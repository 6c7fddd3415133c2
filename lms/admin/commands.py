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
    from flask_babel import force_locale, get_translations

    from lms.catalog.services import request_reload
    from lms.content import load_catalog
    from lms.core.i18n import cli_language

    fresh = load_catalog(Path(current_app.config["CONTENT_DIR"]))
    with force_locale(cli_language()):  # the problems as `lms check` words them, in the terminal's language
        words = get_translations()
        for problem in fresh.errors:
            click.echo(problem.line_in(words.gettext, words.ngettext))
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
    """Create a demo cohort with trainees at every stage (development only) and print how to log in.

    Safe to run again: what exists already is left as it is."""
    from sqlalchemy import select

    from lms.accounts import services as accounts
    from lms.accounts.models import User
    from lms.admin import demo as world
    from lms.catalog.services import catalog
    from lms.core import clock
    from lms.core.db import db

    if current_app.config["ENVIRONMENT"] != "development":
        raise click.ClickException("Demo accounts are for development only (LMS_ENVIRONMENT=development).")
    for email, name, role, password in DEMO_ACCOUNTS:
        if db.session.scalar(select(User).where(User.email == email)) is None:
            accounts.create_user(db.session, email=email, display_name=name, password=password, role=role)
    db.session.commit()
    trainer, trainee = (_user_or_fail(email) for email, *_ in DEMO_ACCOUNTS[:2])
    made = world.build(db.session, catalog(), trainer, trainee, DEMO_ACCOUNTS[1][3], clock.today())
    db.session.commit()
    for line in made:
        click.echo(line)
    click.echo("\nDemo accounts (development only):")
    for email, _name, role, password in DEMO_ACCOUNTS:
        click.echo(f"  {role:<8} {email:<22} password: {password}")
    click.echo(f"  trainees {', '.join(t.email for t in world.TRAINEES)}: password {DEMO_ACCOUNTS[1][3]}")
    click.echo("\nOpen http://127.0.0.1:5000 and log in as the trainer, then look at:")
    click.echo(f"  Cohorts > {world.COHORT} > Progress: who is overdue, part way, finished")
    click.echo("  Needs you: a certificate waiting for sign-off and a request for a chat")
    click.echo("  Role-play insight: the red lines crossed and the most common wrong turns\n")


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
    click.echo("Pass it on privately. It works once, within 24 hours; they then choose a new password.")


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


@click.command("worker")
@click.option("--poll", type=float, default=5.0, show_default=True, help="Seconds to wait when there is nothing to do.")
@with_appcontext
def worker(poll: float) -> None:
    """Run the job queue (emails) and the schedule (reminder sweep) until stopped (Ctrl+C or SIGTERM)."""
    import signal
    import threading

    from lms.core.db import db
    from lms.jobs import schedule

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    backend = current_app.config["MAIL_BACKEND"]
    click.echo(f"Worker started (mail: {backend}{'' if backend == 'smtp' else ', messages are printed here'}). "
               "Ctrl+C stops it.")
    schedule.loop(lambda: db.session, stop, poll_seconds=poll)
    db.session.remove()


@click.group("jobs", help="The job queue (emails) and the reminder sweep.")
def jobs_group() -> None:
    pass


@jobs_group.command("run")
@click.option("--once", is_flag=True, required=True, help="Process what is due now, then exit (for cron and tests).")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Sweep for reminders as if today were this date (YYYY-MM-DD), for tests and demonstrations.")
@with_appcontext
def jobs_run(once: bool, as_of) -> None:
    """Run the reminder sweep once, then every due job; print what was done."""
    from lms.core.db import db
    from lms.jobs import schedule

    results = schedule.run_once(db.session, as_of.date() if as_of else None)
    for name, result in results.items():
        click.echo(f"{name}: {result}")
    db.session.remove()


@jobs_group.command("failed")
@with_appcontext
def jobs_failed() -> None:
    """List jobs that failed for good, with their last error."""
    from lms.core.db import db
    from lms.jobs import queue

    failed = queue.failed_jobs(db.session)
    for job in failed:
        first_line = (job.last_error or "").splitlines()[0] if job.last_error else ""
        click.echo(f"#{job.id} {job.kind} failed {job.failed_at:%Y-%m-%d %H:%M} "
                   f"after {job.attempts} attempts: {first_line}")
    if not failed:
        click.echo("No failed jobs.")


@click.group("keys", help="The keys that encrypt reflections and check-in notes at rest (LMS_DATA_KEYS).")
def keys_group() -> None:
    pass


@keys_group.command("new")
def keys_new() -> None:
    """Print a new random data key (put it first in LMS_DATA_KEYS, then run `lms keys rotate`)."""
    from lms.core import crypto

    click.echo(crypto.new_key())


@keys_group.command("rotate")
@with_appcontext
def keys_rotate() -> None:
    """Re-encrypt every private text with the first key of LMS_DATA_KEYS; the others may then be removed."""
    from lms.core import crypto
    from lms.core.db import db

    try:
        count = crypto.rotate(db.engine)
    except crypto.DataKeyError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Re-encrypted {count} private text{'s' if count != 1 else ''} with the first key of LMS_DATA_KEYS. "
               "Keys after the first can now be removed (keep them with old backups, which still need them).")


def register_commands(app: Flask) -> None:
    """Attach every command group to the app (and so to `lms` and `flask`)."""
    app.cli.add_command(db_group)
    app.cli.add_command(user_group)
    app.cli.add_command(demo)
    app.cli.add_command(reload_content)
    app.cli.add_command(certificates_group)
    app.cli.add_command(worker)
    app.cli.add_command(jobs_group)
    app.cli.add_command(keys_group)
