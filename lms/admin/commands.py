"""The `lms` commands that need the app (a database, the configuration): thin wrappers over services/.

`lms.cli` loads this module only when one of these commands is asked for, so that
`lms check` and `lms --help` need neither Flask nor a configuration.

What a command says to the person at the terminal is in their language (`in_cli_language`:
LANGUAGE, LC_ALL, LC_MESSAGES or LANG when the site has that language, else the site's default), and
so is its --help (`lms.core.command_help.LocalisedCommand`), which is shown without the app and so
follows the terminal alone.
What is meant for a program or for copying (a key, a temporary password, a file name) is printed as it is.
"""
from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import IO, Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_babel import force_locale, gettext, ngettext

from lms.accounts.models import ROLE_NAMES, ROLES
from lms.core.command_help import N_, LocalisedCommand, LocalisedGroup
from lms.core.i18n import cli_language


def in_cli_language(command: Callable[..., Any]) -> Callable[..., Any]:
    """`with_appcontext`, with the command's messages in the terminal's language (lms.core.i18n.cli_language)."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        with force_locale(cli_language()):
            return command(*args, **kwargs)

    return with_appcontext(run)


class Failure(click.ClickException):
    """A command's failure, its "Error:" in the command's language too (click's own follows the terminal alone).

    Made inside the command, where the language is known; shown by click after the app has gone.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.prefix = gettext("Error: %(message)s", message=message)

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(self.prefix, file=file, err=file is None)


class UsageFailure(Failure):
    """The command was asked for wrongly (a missing or malformed option): exit status 2, as click's own."""

    exit_code = 2


def _role(value: str) -> str:
    """A role given on the command line, or a failure that lists the roles."""
    role = value.strip().lower()
    if role not in ROLES:
        raise UsageFailure(gettext("There is no role “%(role)s”. Choose one of: %(roles)s.", role=value,
                                   roles=", ".join(ROLES)))
    return role


def _day(value: str | None, option: str) -> date | None:
    """A YYYY-MM-DD date given with `option`, or a failure saying how to write it."""
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise UsageFailure(gettext("%(option)s needs a date written as YYYY-MM-DD, like 2026-03-31, not “%(value)s”.",
                                   option=option, value=value)) from None


def _ask_password() -> str:
    """A new password typed twice, hidden: asked in the command's body, so in the command's language."""
    while True:
        first = click.prompt(gettext("Password"), hide_input=True)
        if click.prompt(gettext("The same password again"), hide_input=True) == first:
            return first
        click.echo(gettext("The two passwords do not match. Try again."), err=True)


@click.group("db", cls=LocalisedGroup, help=N_("Database schema."))
def db_group() -> None:
    pass


@db_group.command("upgrade", help=N_("Migrate the database to the newest schema."))
@in_cli_language
def db_upgrade() -> None:
    from lms.core.db import db

    db.upgrade()
    click.echo(gettext("The database is up to date."))


@db_group.command("status", help=N_("Show the database's schema revision and the newest one."))
@in_cli_language
def db_status() -> None:
    from lms.core.db import db

    current, newest = db.schema_status()
    click.echo(gettext("database: %(revisions)s", revisions=", ".join(sorted(current)) or gettext("(empty)")))
    click.echo(gettext("newest:   %(revisions)s", revisions=", ".join(sorted(newest))))
    sys.exit(0 if current == newest else 1)


@click.group("user", cls=LocalisedGroup, help=N_("Accounts."))
def user_group() -> None:
    pass


@user_group.command("create", help=N_("Create an account with a role."))
@click.argument("email")
@click.option("--role", default="trainee", show_default=True, metavar=f"[{'|'.join(ROLES)}]",
              help=N_("The account's role."))
@click.option("--name", "display_name", help=N_("Display name (default: the part of the email before @)."))
@click.option("--password", help=N_("Asked for, hidden and twice, when not given."))
@in_cli_language
def user_create(email: str, role: str, display_name: str | None, password: str | None) -> None:
    from lms.accounts import services as accounts
    from lms.core.db import db
    from lms.core.services import ServiceError

    role = _role(role)
    if "@" not in accounts.normalise_email(email):  # said before asking for a password twice
        raise Failure(gettext("Enter an email address, like name@example.org."))
    if password is None:
        password = _ask_password()
    try:
        user = accounts.create_user(
            db.session, email=email, display_name=display_name or email.split("@")[0], password=password, role=role,
            min_length=current_app.config["PASSWORD_MIN_LENGTH"],
        )
    except ServiceError as exc:
        raise Failure(str(exc)) from exc
    db.session.commit()
    click.echo(gettext("Created %(email)s with the role %(role)s.", email=user.email, role=ROLE_NAMES[user.role]))


@click.command("reload", cls=LocalisedCommand,
               help=N_("Check the content, then make every running worker load it again."))
@in_cli_language
def reload_content() -> None:
    from flask_babel import get_translations

    from lms.catalog.services import request_reload
    from lms.content import load_catalog

    fresh = load_catalog(Path(current_app.config["CONTENT_DIR"]))
    words = get_translations()  # the problems as `lms check` words them, in the command's language
    for problem in fresh.errors:
        click.echo(problem.line_in(words.gettext, words.ngettext))
    if fresh.errors:
        click.echo(gettext("Courses and scenarios with errors keep their last working version until fixed."))
    from lms.core.db import db

    # In the database, not a file: every worker of every server sharing it reloads.
    generation = request_reload(db.session)
    db.session.commit()
    click.echo(" ".join((
        gettext("Reload requested: %(courses)s and %(scenarios)s are valid.",
                courses=ngettext("%(num)d course", "%(num)d courses", len(fresh.courses)),
                scenarios=ngettext("%(num)d scenario", "%(num)d scenarios", len(fresh.scenarios))),
        gettext("Every server's workers load content generation %(generation)s within a few seconds.",
                generation=generation))))


DEMO_ACCOUNTS = (
    ("trainer@example.org", "Demo Trainer", "trainer", "demo-trainer-passphrase"),
    ("trainee@example.org", "Demo Trainee", "trainee", "demo-trainee-passphrase"),
    ("admin@example.org", "Demo Admin", "admin", "demo-admin-passphrase"),
)


@click.command("demo", cls=LocalisedCommand, help=N_(
    "Create a demo cohort with trainees at every stage (development only) and print how to log in.\n\n"
    "Safe to run again: what exists already is left as it is."))
@in_cli_language
def demo() -> None:
    from sqlalchemy import select

    from lms.accounts import services as accounts
    from lms.accounts.models import User
    from lms.admin import demo as world
    from lms.catalog.services import catalog
    from lms.core import clock
    from lms.core.db import db

    if current_app.config["ENVIRONMENT"] != "development":
        raise Failure(gettext("Demo accounts are for development only (LMS_ENVIRONMENT=development)."))
    for email, name, role, password in DEMO_ACCOUNTS:
        if db.session.scalar(select(User).where(User.email == email)) is None:
            accounts.create_user(db.session, email=email, display_name=name, password=password, role=role)
    db.session.commit()
    trainer, trainee = (_user_or_fail(email) for email, *_ in DEMO_ACCOUNTS[:2])
    made = world.build(db.session, catalog(), trainer, trainee, DEMO_ACCOUNTS[1][3], clock.today())
    db.session.commit()
    for line in made:
        click.echo(line)
    click.echo("\n" + gettext("Demo accounts (development only):"))
    for email, _name, role, password in DEMO_ACCOUNTS:
        click.echo(f"  {role:<8} {email:<22} " + gettext("password: %(password)s", password=password))
    click.echo("  " + gettext("trainees %(emails)s: password %(password)s",
                              emails=", ".join(t.email for t in world.TRAINEES), password=DEMO_ACCOUNTS[1][3]))
    click.echo("\n" + gettext("Open %(address)s and log in as the trainer, then look at:",
                              address=current_app.config["PUBLIC_BASE_URL"]))
    click.echo("  " + gettext("Cohorts > %(cohort)s > Progress: who is overdue, part way, finished",
                              cohort=world.COHORT))
    click.echo("  " + gettext("Needs you: a certificate waiting for sign-off and a request for a chat"))
    click.echo("  " + gettext("Role-play insight: the red lines crossed and the most common wrong turns") + "\n")


def _user_or_fail(email: str):
    from sqlalchemy import select

    from lms.accounts.models import User
    from lms.accounts.services import normalise_email
    from lms.core.db import db

    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise Failure(gettext("No account with the email %(email)s.", email=email))
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
        raise Failure(str(exc)) from exc
    db.session.commit()
    return result


@user_group.command("reset-password", help=N_("Give an account a temporary password and end its sessions."))
@click.argument("email")
@in_cli_language
def user_reset_password(email: str) -> None:
    from lms.accounts import users

    temporary = _manage_user(email, lambda session, user: users.reset_password(session, None, user))
    # The password last on its line, after ": ", so that a script can take it.
    click.echo(gettext("Temporary password for %(email)s: %(password)s", email=email, password=temporary))
    click.echo(gettext("Pass it on privately. It works once, within 24 hours; they then choose a new password."))


@user_group.command("set-role", help=N_("Change an account's role."))
@click.argument("email")
@click.argument("role", metavar=f"{{{'|'.join(ROLES)}}}")
@in_cli_language
def user_set_role(email: str, role: str) -> None:
    from lms.accounts import users

    role = _role(role)
    _manage_user(email, lambda session, user: users.change_role(session, None, user, role))
    click.echo(gettext("%(email)s now has the role %(role)s.", email=email, role=ROLE_NAMES[role]))


@user_group.command("deactivate", help=N_("Deactivate an account, ending its sessions at once."))
@click.argument("email")
@in_cli_language
def user_deactivate(email: str) -> None:
    from lms.accounts import users

    _manage_user(email, lambda session, user: users.set_active(session, None, user, False))
    click.echo(gettext("%(email)s is deactivated.", email=email))


@click.group("certificates", cls=LocalisedGroup, help=N_("Certificates."))
def certificates_group() -> None:
    pass


@certificates_group.command(
    "print", help=N_("Merge issued certificates' stored PDFs into one print-ready file (no re-rendering)."))
@click.option("--course", "course_id", help=N_("Every issued certificate of this course id."))
@click.option("--cohort", "cohort", metavar="INTEGER", help=N_("Every issued certificate of this cohort's members."))
@click.option("--from", "date_from", metavar="YYYY-MM-DD", help=N_("Completed on or after (YYYY-MM-DD)."))
@click.option("--to", "date_to", metavar="YYYY-MM-DD", help=N_("Completed on or before (YYYY-MM-DD)."))
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True,
              help=N_("The PDF file to write."))
@in_cli_language
def certificates_print(course_id: str | None, cohort: str | None, date_from: str | None, date_to: str | None,
                       output: str) -> None:
    from lms.accounts.models import User
    from lms.certificates import services as certificates
    from lms.core.db import db
    from lms.core.models import parse_id

    if not (course_id or cohort or date_from or date_to):
        raise UsageFailure(gettext("Say what to print: --course, --cohort and/or --from/--to."))
    cohort_id = parse_id(cohort) if cohort is not None else None
    if cohort is not None and cohort_id is None:
        raise UsageFailure(gettext("--cohort needs a cohort's number, like 12, not “%(value)s”.", value=cohort))
    criteria = certificates.Search(course_id=course_id or "", cohort_id=cohort_id,
                                   date_from=_day(date_from, "--from"), date_to=_day(date_to, "--to"))
    everyone = User(role="admin")  # the command line is an operator's: every certificate, like an admin
    ids = certificates.bulk_ids(db.session, everyone, criteria)
    if not ids:
        raise Failure(gettext("No issued certificates match."))
    try:
        out = open(output, "wb")  # noqa: SIM115 (closed below; opened first, so a bad path is said before any work)
    except OSError as exc:
        raise Failure(gettext("Cannot write %(file)s: %(reason)s. Choose a file in a folder that exists and that "
                              "you may write to.", file=output, reason=exc.strerror or exc)) from None
    with out, click.progressbar(length=len(ids), label=gettext("Merging certificates")) as bar:
        certificates.merge_pdfs(db.session, ids, out, progress=bar.update)
    db.session.commit()
    click.echo(ngettext("Wrote %(num)d certificate to %(file)s.", "Wrote %(num)d certificates to %(file)s.",
                        len(ids), file=output))


@click.command("worker", cls=LocalisedCommand, help=N_(
    "Run the job queue (emails) and the schedule (reminder sweep) until stopped (Ctrl+C or SIGTERM)."))
@click.option("--poll", type=float, default=5.0, show_default=True,
              help=N_("Seconds to wait when there is nothing to do."))
@click.option("--with-parent", is_flag=True,
              help=N_("Stop when the process that started it ends (as `make run` starts it)."))
@in_cli_language
def worker(poll: float, with_parent: bool) -> None:
    import os
    import signal
    import threading

    parent = os.getppid() if with_parent else None  # read first: the parent may end while the app loads

    from lms.core.db import db
    from lms.jobs import schedule

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    backend = current_app.config["MAIL_BACKEND"]
    click.echo(gettext("Worker started (mail: %(backend)s). Ctrl+C stops it.", backend=backend)
               if backend == "smtp" else
               gettext("Worker started (mail: %(backend)s, messages are printed here). Ctrl+C stops it.",
                       backend=backend))
    schedule.loop(lambda: db.session, stop, poll_seconds=poll, parent=parent)
    db.session.remove()


@click.group("jobs", cls=LocalisedGroup, help=N_("The job queue (emails) and the reminder sweep."))
def jobs_group() -> None:
    pass


@jobs_group.command("run", help=N_("Run the reminder sweep once, then every due job; print what was done."))
@click.option("--once", is_flag=True, required=True,
              help=N_("Process what is due now, then exit (for cron and tests)."))
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", default=None,
              help=N_("Sweep for reminders as if today were this date (YYYY-MM-DD), for tests and demonstrations."))
@in_cli_language
def jobs_run(once: bool, as_of: str | None) -> None:
    from lms.core.db import db
    from lms.jobs import schedule

    results = schedule.run_once(db.session, _day(as_of, "--as-of"))
    for name, result in results.items():
        click.echo(f"{name}: {_outcome(result)}")
    db.session.remove()


def _outcome(result: object) -> str:
    """What a periodic task or the job queue did, in words (the task names stay: they are the ones logged)."""
    from lms.jobs.queue import RunCounts
    from lms.mail.reminders import SweepResult

    if isinstance(result, RunCounts):
        return gettext("%(done)d done, %(retry)d to retry, %(failed)d failed",
                       done=result.done, retry=result.retry, failed=result.failed)
    if isinstance(result, SweepResult):
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(result.queued.items())) or gettext("nothing new")
        return gettext("%(total)d reminder(s) queued (%(kinds)s) in %(batches)d batch(es)",
                       total=result.total, kinds=kinds, batches=result.batches)
    return str(result)


@jobs_group.command("failed", help=N_("List jobs that failed for good, with their last error."))
@in_cli_language
def jobs_failed() -> None:
    from lms.core.db import db
    from lms.jobs import queue

    failed = queue.failed_jobs(db.session)
    for job in failed:
        first_line = (job.last_error or "").splitlines()[0] if job.last_error else ""
        when = f"{job.failed_at:%Y-%m-%d %H:%M}" if job.failed_at else ""
        click.echo(ngettext("#%(id)s %(kind)s failed %(when)s after %(num)d attempt: %(error)s",
                            "#%(id)s %(kind)s failed %(when)s after %(num)d attempts: %(error)s", job.attempts,
                            id=job.id, kind=_job_kind(job), when=when, error=first_line))
    if failed:
        click.echo(gettext("To send them again once the cause is fixed: lms jobs retry (or lms jobs retry ID ...)."))
    else:
        click.echo(gettext("No failed jobs."))


def _job_kind(job) -> str:
    """A job's kind, with what an e-mail job was (its template, and to whom) so the operator can tell them apart."""
    payload = job.payload or {}
    if job.kind != "email" or not payload.get("template"):
        return str(job.kind)
    to = payload.get("to_email") or (gettext("account %(id)s", id=payload["to_user_id"])
                                     if payload.get("to_user_id") is not None else "?")
    return f"{job.kind} ({payload['template']} → {to})"


@jobs_group.command("retry", help=N_("Queue failed jobs again from their first try: all of them, or the ids given."))
@click.argument("job_ids", nargs=-1, metavar="[ID]...")
@in_cli_language
def jobs_retry(job_ids: tuple[str, ...]) -> None:
    from lms.core.db import db
    from lms.core.models import parse_id
    from lms.jobs import queue

    ids = [parse_id(raw) for raw in job_ids]
    if any(i is None for i in ids):
        raise UsageFailure(gettext("Give job numbers as `lms jobs failed` lists them, like 12."))
    count = queue.retry_failed(db.session, [i for i in ids if i is not None] if ids else None)
    db.session.commit()
    click.echo(ngettext("Queued %(num)d failed job again.", "Queued %(num)d failed jobs again.", count))


@click.group("keys", cls=LocalisedGroup,
             help=N_("The keys that encrypt reflections and check-in notes at rest (LMS_DATA_KEYS)."))
def keys_group() -> None:
    pass


@keys_group.command("new", help=N_(
    "Print a new random data key (put it first in LMS_DATA_KEYS, then run `lms keys rotate`)."))
def keys_new() -> None:
    from lms.core import crypto

    click.echo(crypto.new_key())


@keys_group.command("rotate", help=N_(
    "Re-encrypt every private text with the first key of LMS_DATA_KEYS; the others may then be removed."))
@in_cli_language
def keys_rotate() -> None:
    from lms.core import crypto
    from lms.core.db import db

    try:
        count = crypto.rotate(db.engine)
    except crypto.DataKeyError as exc:
        raise Failure(str(exc)) from exc
    click.echo(" ".join((
        ngettext("Re-encrypted %(num)d private text with the first key of LMS_DATA_KEYS.",
                 "Re-encrypted %(num)d private texts with the first key of LMS_DATA_KEYS.", count),
        gettext("Keys after the first can now be removed (keep them with old backups, which still need them)."))))


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
