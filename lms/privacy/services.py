"""A person's own data (UK GDPR): export all of it, or delete the account.

Both work from the schema itself (`Base.metadata`), not from a hand-kept list:
a table added later that refers to users is exported and cleaned up without
anyone remembering to edit this file. What is theirs:

- every row with a foreign key to their user row, and
- every row deleted with one of those (an ON DELETE CASCADE child: the step
  progress of their enrolments, the choices of their runs).

Deletion removes the user row and lets the database cascade. Columns declared
ON DELETE SET NULL keep a record that must outlive the account (an issued
certificate stays verifiable; the audit log keeps what was done), but the
audit log's copies of their name become "deleted user #ID", and a certificate
revoked at their request loses the name and the PDF that carried it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import Engine, Table, delete, func, or_, select, update

from lms.accounts.models import LoginAttempt, User
from lms.admin import audit
from lms.admin.models import AuditEntry
from lms.certificates.models import Certificate
from lms.coaching.models import RunComment
from lms.cohorts.models import Cohort, CohortMember
from lms.core.db import DbSession
from lms.core.models import utcnow
from lms.core.passwords import verify_password
from lms.core.services import ServiceError
from lms.models import Base  # the index: every table is registered

FORMAT_VERSION = 1
#: Secrets, bulky bytes and internal counters: never part of an export.
HIDDEN_COLUMNS = {("users", "password_hash"), ("users", "session_token"),
                  ("invites", "token_hash"), ("certificates", "pdf"),
                  ("second_factors", "secret"), ("recovery_codes", "code_hash")}
#: A row someone merely acted on is not theirs (a trainer approved a trainee's certificate).
ACTED_ON = {("certificates", "approved_by_id"), ("response_entries", "reviewer_id"),
            ("step_confirmations", "confirmed_by_id"), ("contact_requests", "followed_up_by_id")}
REVOKED_AT_REQUEST = "revoked at the holder's request"


@dataclass(frozen=True)
class _Link:
    table: Table
    column: str
    parent: str  # "users" or an owned table
    cascade: bool


def _links() -> list[_Link]:
    """Every foreign key leading to a user row, directly or through an owned (cascading) row."""
    owned = {"users"}
    links = []
    for table in Base.metadata.sorted_tables:  # parents before children
        for fk in table.foreign_keys:
            parent = fk.column.table.name
            if parent not in owned or (table.name, fk.parent.name) in ACTED_ON:
                continue
            cascade = (fk.ondelete or "").upper() == "CASCADE"
            if parent != "users" and not cascade:
                continue  # e.g. a certificate's enrolment_id: it has its own user_id
            links.append(_Link(table, fk.parent.name, parent, cascade))
            if cascade:
                owned.add(table.name)
    return links


def user_tables() -> set[str]:
    """Names of the tables that hold rows belonging to a user (besides `users`)."""
    return {link.table.name for link in _links()}


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _row(table: Table, mapping) -> dict[str, Any]:
    return {key: _plain(value) for key, value in mapping.items() if (table.name, key) not in HIDDEN_COLUMNS}


def _collect(session: DbSession, user: User) -> dict[str, list[dict[str, Any]]]:
    ids: dict[str, set[Any]] = {"users": {user.id}}
    tables: dict[str, list[dict[str, Any]]] = {}
    by_table: dict[str, list[_Link]] = {}
    for link in _links():
        by_table.setdefault(link.table.name, []).append(link)
    for name, links in by_table.items():
        table = links[0].table
        conditions = [table.c[link.column].in_(sorted(ids.get(link.parent, ())))
                      for link in links if ids.get(link.parent)]
        rows = [] if not conditions else [
            r._mapping for r in session.execute(select(table).where(or_(*conditions)).order_by(*table.primary_key))]
        tables[name] = [_row(table, r) for r in rows]
        if "id" in table.c:
            ids[name] = {r["id"] for r in rows}
    return tables


def export_data(session: DbSession, user: User) -> dict[str, Any]:
    """Everything stored about the user, as plain JSON-ready values (reflections and check-ins included)."""
    users = Base.metadata.tables["users"]
    profile = session.execute(select(users).where(users.c.id == user.id)).one()._mapping
    cohorts = session.execute(select(Cohort.name, CohortMember.joined_at)
                              .join(CohortMember, CohortMember.cohort_id == Cohort.id)
                              .where(CohortMember.user_id == user.id).order_by(CohortMember.joined_at))
    return {
        "format": FORMAT_VERSION,
        "exported_at": utcnow().isoformat(),
        "about": "Everything this site stores about your account. Each section is a database table; "
                 "ids link the sections together.",
        "profile": _row(users, profile),
        "cohorts": [{"name": name, "joined_at": _plain(joined)} for name, joined in cohorts],
        "tables": _collect(session, user),
    }


#: Headings of the readable page (in the reader's language) for the tables people most often look for;
#: others get their name in words.
TABLE_TITLES = {
    "enrolments": _l("Courses you started"), "step_progress": _l("Steps you completed"),
    "question_answers": _l("Your answers to questions"), "assessment_attempts": _l("Your assessment attempts"),
    "assessment_draws": _l("Questions drawn for your assessments"), "reflection_entries": _l("Your reflections"),
    "response_entries": _l("Your written responses"), "scenario_runs": _l("Your role-play runs"),
    "run_choices": _l("The choices you made in role-plays"), "run_comments": _l("Trainers' comments on your runs"),
    "wellbeing_checkins": _l("Your wellbeing check-ins"), "contact_requests": _l("Your requests to talk"),
    "certificates": _l("Your certificates"), "cohort_members": _l("Your cohort places"),
    "reminder_preferences": _l("Your email reminder choices"), "sent_reminders": _l("Reminders we emailed you"),
    "audit_log": _l("Actions recorded about you"), "step_confirmations": _l("Steps a trainer confirmed"),
}


@dataclass(frozen=True)
class Section:
    """One table of the export as the readable page shows it."""

    table: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def _words(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def readable(export: dict[str, Any]) -> tuple[list[tuple[str, str]], list[Section]]:
    """The export (export_data) for reading on a page: profile lines, then a section per table that has rows."""
    profile = [(_words(key), _cell(value)) for key, value in export["profile"].items()]
    sections = []
    titles = {name: str(TABLE_TITLES.get(name, _words(name))) for name in export["tables"]}
    for name, rows in sorted(export["tables"].items(), key=lambda item: titles[item[0]]):
        if not rows:
            continue
        columns = tuple(rows[0].keys())
        sections.append(Section(name, titles[name], tuple(_words(c) for c in columns),
                                tuple(tuple(_cell(row.get(c)) for c in columns) for row in rows)))
    return profile, sections


def delete_account(session: DbSession, user: User, password: str, revoke_certificates: bool) -> int:
    """Delete the account and everything that is theirs; returns how many certificates were revoked.

    Issued certificates stay, without the link to the account, so that anyone
    holding a printed one can still verify it, unless the holder asks to revoke them.
    """
    if not verify_password(user.password_hash, password or ""):
        raise ServiceError(gettext("That password is not right, so your account has not been deleted."))
    if user.is_admin and not session.scalar(select(func.count()).select_from(User).where(
            User.role == "admin", User.active.is_(True), User.id != user.id)):
        raise ServiceError(gettext("You are the only admin. Make someone else an admin before deleting your account."))
    revoked = 0
    for certificate in session.scalars(select(Certificate).where(Certificate.user_id == user.id)):
        if certificate.status == "pending":
            session.delete(certificate)  # never issued: nothing to verify
        elif certificate.status == "issued" and revoke_certificates:
            certificate.status, certificate.revoked_at = "revoked", utcnow()
            certificate.revoked_reason = REVOKED_AT_REQUEST
            # Nobody may learn whose it was: /verify shows no name for it, and the PDF goes.
            certificate.holder_name, certificate.pdf, certificate.pdf_sha256 = "", None, None
            revoked += 1
    # No name in this entry: the point is that the name is gone.
    audit.record(session, None, "account.delete", target=f"account #{user.id}", revoked_certificates=revoked)
    session.execute(delete(LoginAttempt).where(LoginAttempt.key == f"email:{user.email}"))
    _pseudonymise_audit_log(session, user)
    # Comments they wrote as a trainer stay with the trainee they were for, signed "a former trainer".
    session.execute(update(RunComment).where(RunComment.author_id == user.id).values(author_name=""))
    session.flush()
    session.delete(user)
    session.flush()
    return revoked


def pseudonym(user_id: int) -> str:
    """What the audit log calls someone whose account was deleted."""
    return f"deleted user #{user_id}"


def _pseudonymise_audit_log(session: DbSession, user: User) -> None:
    """Replace the copies of the person's name in the audit log (as actor, and as target) with `pseudonym`.

    What was done stays on record; who it was, by name, does not. A target
    written as text about them ("Pat Person's certificate") is matched by the
    name it starts with; the link (`target_user_id`) is what finds their rows.
    """
    name = pseudonym(user.id)
    session.execute(update(AuditEntry).where(AuditEntry.actor_id == user.id).values(actor_name=name))
    session.execute(update(AuditEntry).where(AuditEntry.target_user_id == user.id).values(target=name))
    if user.display_name:
        session.execute(update(AuditEntry).where(AuditEntry.target == user.display_name).values(target=name))


def checkpoint(session: DbSession) -> tuple[int, int, int] | None:
    """After a deletion on SQLite, move the write-ahead log into the database and truncate it.

    SQLite keeps recent writes, deleted text included, in the `-wal` file until
    a checkpoint; TRUNCATE empties it, so the deleted words do not linger there.
    (Freed pages in the main file are reused; `secure_delete` would also zero
    them, and the app turns it on. Backups keep what they kept: see README on
    retention.) Run outside any transaction, after the deletion has committed.
    Returns SQLite's (busy, log pages, checkpointed pages); None on PostgreSQL,
    whose old row versions VACUUM reclaims.
    """
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    if engine.dialect.name != "sqlite":
        return None
    raw = engine.raw_connection()  # autocommit (see lms.core.db): no BEGIN around the pragma
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        busy, log_pages, done = cursor.fetchone() or (1, -1, -1)
        cursor.close()
    finally:
        raw.close()
    return busy, log_pages, done
