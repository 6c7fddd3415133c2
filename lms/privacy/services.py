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
from sqlalchemy import Date, DateTime, Engine, Table, delete, func, or_, select, update

from lms.accounts.models import ROLE_NAMES, LoginAttempt, User
from lms.admin import audit
from lms.admin.models import AuditEntry
from lms.certificates.models import Certificate
from lms.certificates.services import REVOKED_AT_REQUEST
from lms.coaching.models import CONTACT_FOLLOWED_UP, CONTACT_OPEN, CONTACT_WITHDRAWN, RunComment
from lms.cohorts.models import Cohort, CohortMember
from lms.core import clock, settings
from lms.core.db import DbSession
from lms.core.i18n import date_and_time, language_name, long_date
from lms.core.models import utcnow
from lms.core.passwords import verify_password
from lms.core.services import ServiceError
from lms.learning.models import (
    CONFIRMATION_CONFIRMED,
    CONFIRMATION_READY,
    RESPONSE_MEETS_STANDARD,
    RESPONSE_SUBMITTED,
    RESPONSE_TRY_AGAIN,
)
from lms.mail import services as mail
from lms.mail.services import CATEGORIES as REMINDER_CATEGORIES
from lms.models import Base  # the index: every table is registered
from lms.roleplay.checkins import FEELINGS

FORMAT_VERSION = 1
#: Secrets, bulky bytes and internal counters: never part of an export.
HIDDEN_COLUMNS = {("users", "password_hash"), ("users", "session_token"),
                  ("invites", "token_hash"), ("certificates", "pdf"),
                  ("second_factors", "secret"), ("recovery_codes", "code_hash"),
                  # The database's copy of the enrolment's completed step rows, which the export lists.
                  ("enrolments", "completed_steps"),
                  # The course's own words at completion (hours, validity, pass mark), kept for its certificate,
                  # whose export says them: nothing about the person.
                  ("enrolments", "completion_facts")}
#: A row someone merely acted on is not theirs (a trainer approved a trainee's certificate).
ACTED_ON = {("certificates", "approved_by_id"), ("response_entries", "reviewer_id"),
            ("step_confirmations", "confirmed_by_id"), ("contact_requests", "followed_up_by_id")}


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


#: Headings of the readable page (in the reader's language), one for every table an export can hold:
#: tests/test_privacy_labels.py fails for a table or column without one, so a new one cannot slip through.
TABLE_TITLES = {
    "enrolments": _l("Courses you started"), "step_progress": _l("Steps you completed"),
    "question_answers": _l("Your answers to questions"), "assessment_attempts": _l("Your assessment attempts"),
    "assessment_draws": _l("Questions drawn for your assessments"), "reflection_entries": _l("Your reflections"),
    "response_entries": _l("Your written responses"), "scenario_runs": _l("Your role-play runs"),
    "response_drafts": _l("Responses you had not sent yet"),
    "run_choices": _l("The choices you made in role-plays"), "run_comments": _l("Trainers' comments on your runs"),
    "wellbeing_checkins": _l("Your wellbeing check-ins"), "contact_requests": _l("Your requests to talk"),
    "certificates": _l("Your certificates"), "cohort_members": _l("Your cohort places"),
    "reminder_preferences": _l("Your email reminder choices"), "sent_reminders": _l("Reminders we emailed you"),
    "audit_log": _l("Actions recorded about you"), "step_confirmations": _l("Steps a trainer confirmed"),
    "cohort_courses": _l("Courses you assigned to cohorts"), "cohort_trainers": _l("Cohorts you train"),
    "cohorts": _l("Cohorts you created"), "invites": _l("Invitations you created"),
    "recovery_codes": _l("Your recovery codes (the codes themselves are not shown)"),
    "second_factors": _l("Your second factor (the key itself is not shown)"),
    "site_settings": _l("Site settings you changed"),
}

#: Column headings by column name, for the names many tables share ...
COMMON_LABELS = {
    "id": _l("Record number"), "user_id": _l("Account number"), "enrolment_id": _l("Course record number"),
    "course_id": _l("Course (identifier)"), "step_id": _l("Step (identifier)"), "cohort_id": _l("Cohort number"),
    "run_id": _l("Role-play run number"), "created_at": _l("Created"), "updated_at": _l("Last changed"),
    "status": _l("Status"), "email": _l("Email"), "role": _l("Role"), "text": _l("Text"),
    "prompt_text": _l("What you were asked"), "position": _l("Position in the run"), "score": _l("Score"),
    "passed": _l("Passed"), "started_at": _l("Started"), "completed_at": _l("Completed"),
    "last_active_at": _l("Last active"), "revoked_at": _l("Revoked"),
    "created_by_id": _l("Created by (account number)"), "number": _l("Attempt number"),
}
#: ... and by table and column where a table's column needs its own words (these win).
COLUMN_LABELS = {
    ("users", "display_name"): _l("Display name"), ("users", "legal_name"): _l("Full name, for certificates"),
    ("users", "active"): _l("Account active"), ("users", "created_at"): _l("Account created"),
    ("users", "last_login_at"): _l("Last logged in"), ("users", "language"): _l("Language"),
    ("users", "temporary_password_until"): _l("Temporary password valid until"),
    ("users", "must_change_password"): _l("Must choose a new password"),
    ("users", "password_reset_by_admin_at"): _l("Password reset by an administrator"),
    ("assessment_attempts", "answers"): _l("Your answers"), ("assessment_attempts", "results"): _l("Results"),
    ("assessment_attempts", "score_percent"): _l("Score (%)"),
    ("assessment_attempts", "pass_mark"): _l("Pass mark (%)"),
    ("assessment_attempts", "submitted_at"): _l("Submitted"),
    ("assessment_attempts", "draw_id"): _l("Question draw number"),
    ("assessment_attempts", "critical_missed"): _l("Essential questions missed"),
    ("assessment_draws", "question_ids"): _l("Questions drawn"),
    ("assessment_draws", "draft"): _l("Answers saved before submitting"),
    ("audit_log", "actor_id"): _l("Done by (account number)"), ("audit_log", "actor_name"): _l("Done by"),
    ("audit_log", "action"): _l("What was done"), ("audit_log", "target_user_id"): _l("About account number"),
    ("audit_log", "target"): _l("About"),
    ("audit_log", "details"): _l("Details"), ("audit_log", "created_at"): _l("When"),
    ("certificates", "code"): _l("Certificate code"), ("certificates", "holder_name"): _l("Name on the certificate"),
    ("certificates", "course_title"): _l("Course title"), ("certificates", "course_version"): _l("Course version"),
    ("certificates", "certificate_title"): _l("Certificate title"), ("certificates", "hours"): _l("Hours"),
    ("certificates", "assessed_how"): _l("How it was assessed"), ("certificates", "signatory"): _l("Signed by"),
    ("certificates", "issuer_name"): _l("Issued by"),
    ("certificates", "issuer_number"): _l("Issuer's registered number"),
    ("certificates", "completed_on"): _l("Completed on"), ("certificates", "issued_at"): _l("Issued"),
    ("certificates", "valid_until"): _l("Valid until"), ("certificates", "languages"): _l("Languages"),
    ("certificates", "localised"): _l("Translated wording"), ("certificates", "requested_at"): _l("Requested"),
    ("certificates", "approved_by_id"): _l("Approved by (account number)"),
    ("certificates", "name_confirmed"): _l("Issued with this name by a trainer or admin"),
    ("certificates", "revoked_reason"): _l("Reason for revoking"),
    ("certificates", "replaced_by_id"): _l("Replaced by certificate number"),
    ("certificates", "pdf_sha256"): _l("Fingerprint of the PDF (SHA-256)"),
    ("cohort_courses", "due_on"): _l("Due date"), ("cohort_courses", "assigned_at"): _l("Assigned"),
    ("cohort_courses", "assigned_by_id"): _l("Assigned by (account number)"),
    ("cohort_members", "joined_at"): _l("Joined"),
    ("cohorts", "name"): _l("Name"), ("cohorts", "description"): _l("Description"),
    ("cohorts", "archived_at"): _l("Archived"),
    ("contact_requests", "checkin_id"): _l("Check-in number"),
    ("contact_requests", "note_for_trainer"): _l("Your note for your trainer"),
    ("contact_requests", "followed_up_at"): _l("Followed up"),
    ("contact_requests", "followed_up_by_id"): _l("Followed up by (account number)"),
    ("contact_requests", "withdrawn_at"): _l("Withdrawn"),
    ("enrolments", "cycle"): _l("Round (when a course is taken again)"),
    ("enrolments", "last_step_id"): _l("Last step visited"),
    ("enrolments", "completed_version"): _l("Course version completed"),
    ("invites", "max_uses"): _l("Uses allowed"), ("invites", "uses"): _l("Times used"),
    ("invites", "expires_at"): _l("Expires"),
    ("question_answers", "question_id"): _l("Question (identifier)"),
    ("question_answers", "selected"): _l("Your answer"),
    ("question_answers", "correct"): _l("Correct"), ("question_answers", "tries"): _l("Tries"),
    ("question_answers", "first_correct_at"): _l("First answered correctly"),
    ("question_answers", "answered_at"): _l("Answered"),
    ("recovery_codes", "used_at"): _l("Used"),
    ("reflection_entries", "reflection_id"): _l("Reflection (identifier)"),
    ("reflection_entries", "text"): _l("Your reflection"),
    ("reflection_entries", "prompt_language"): _l("Language of what you were asked"),
    ("response_entries", "response_id"): _l("Response (identifier)"), ("response_entries", "text"): _l("Your response"),
    ("response_entries", "submitted_at"): _l("Submitted"),
    ("response_drafts", "response_id"): _l("Response (identifier)"),
    ("response_drafts", "text"): _l("What you had written"),
    ("response_entries", "reviewer_comment"): _l("Trainer's comment"),
    ("response_entries", "reviewed_at"): _l("Reviewed"),
    ("response_entries", "reviewer_id"): _l("Reviewed by (account number)"),
    ("run_choices", "node_id"): _l("Scene (identifier)"), ("run_choices", "choice_index"): _l("Choice number"),
    ("run_choices", "target"): _l("Led to scene"), ("run_choices", "red_line"): _l("Crossed a red line"),
    ("run_choices", "chosen_at"): _l("Chosen"),
    ("run_comments", "author_id"): _l("Written by (account number)"), ("run_comments", "author_name"): _l("Written by"),
    ("run_comments", "text"): _l("Comment"), ("run_comments", "reply_text"): _l("Your reply"),
    ("run_comments", "replied_at"): _l("Replied"),
    ("scenario_runs", "scenario_id"): _l("Role-play (identifier)"),
    ("scenario_runs", "current_node"): _l("Current scene"),
    ("scenario_runs", "crossed_red_line"): _l("Crossed a red line"), ("scenario_runs", "outcome"): _l("Outcome"),
    ("scenario_runs", "finished_at"): _l("Finished"),
    ("scenario_runs", "shared_with_trainers_at"): _l("Shared with your trainers"),
    ("second_factors", "confirmed_at"): _l("Turned on"),
    ("second_factors", "last_used_step"): _l("Last code used (time step)"),
    ("sent_reminders", "subject"): _l("About"), ("sent_reminders", "kind"): _l("Kind of reminder"),
    ("sent_reminders", "on_date"): _l("For the date"), ("sent_reminders", "sent_at"): _l("Queued"),
    ("site_settings", "key"): _l("Setting"), ("site_settings", "value"): _l("Value"),
    ("site_settings", "updated_by_id"): _l("Changed by (account number)"),
    ("step_confirmations", "ready_at"): _l("Ready for a trainer"), ("step_confirmations", "note"): _l("Trainer's note"),
    ("step_confirmations", "confirmed_by_id"): _l("Confirmed by (account number)"),
    ("step_confirmations", "confirmed_at"): _l("Confirmed"),
    ("step_progress", "first_seen_at"): _l("First opened"), ("step_progress", "last_seen_at"): _l("Last opened"),
    ("wellbeing_checkins", "feeling"): _l("How you felt"), ("wellbeing_checkins", "note"): _l("Your note"),
    **{("reminder_preferences", key): label for key, label in REMINDER_CATEGORIES.items()},
}

_CERTIFICATE_STATUSES = {"pending": _l("Waiting for sign-off"), "issued": _l("Issued"), "revoked": _l("Revoked")}
#: Values stored as codes, in words: (table, column) -> code -> words. A code not listed shows as it is.
VALUE_NAMES: dict[tuple[str, str], dict[str, Any]] = {
    ("users", "role"): dict(ROLE_NAMES), ("invites", "role"): dict(ROLE_NAMES),
    ("certificates", "status"): _CERTIFICATE_STATUSES,
    ("response_entries", "status"): {RESPONSE_SUBMITTED: _l("Waiting for a trainer"),
                                     RESPONSE_MEETS_STANDARD: _l("Meets the standard"),
                                     RESPONSE_TRY_AGAIN: _l("Try again")},
    ("step_confirmations", "status"): {CONFIRMATION_READY: _l("Waiting for a trainer"),
                                       CONFIRMATION_CONFIRMED: _l("Confirmed")},
    ("contact_requests", "status"): {CONTACT_OPEN: _l("Waiting for your trainer"),
                                     CONTACT_FOLLOWED_UP: _l("Followed up"), CONTACT_WITHDRAWN: _l("Withdrawn")},
    ("scenario_runs", "outcome"): {"pass": _l("Passed"), "fail": _l("Not passed"), "neutral": _l("Ended")},
    ("wellbeing_checkins", "feeling"): dict(FEELINGS),
    # The kinds lms.mail.reminders and lms.cohorts.nudges record.
    ("sent_reminders", "kind"): {
        "due_7": _l("A course due within a week"), "due_tomorrow": _l("A course due tomorrow"),
        "overdue": _l("An overdue course"), "expiry_60": _l("A certificate expiring within 60 days"),
        "expiry_30": _l("A certificate expiring within 30 days"),
        "expiry_7": _l("A certificate expiring within 7 days"), "expired": _l("An expired certificate"),
        "certificate_issued": _l("A certificate issued"), "certificate_revoked": _l("A certificate revoked"),
        "certificate_refused": _l("A certificate request not approved"),
        "sign_off": _l("A certificate waiting for your sign-off"), "nudge": _l("A reminder from your trainer")},
}


def column_label(table: str, column: str) -> str | None:
    """The heading of a column on the readable page, in the reader's language; None if it has none."""
    label = COLUMN_LABELS.get((table, column)) or COMMON_LABELS.get(column)
    return str(label) if label is not None else None


def exported_columns() -> dict[str, list[str]]:
    """Every column an export can show, by table (the profile's `users` first): what needs a label."""
    tables = ["users", *sorted(user_tables())]
    return {name: [c.name for c in Base.metadata.tables[name].c if (name, c.name) not in HIDDEN_COLUMNS]
            for name in tables}


@dataclass(frozen=True)
class Section:
    """One table of the export as the readable page shows it."""

    table: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def _words(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _audit_sentence(row: dict[str, Any]) -> str:
    """An audit log row's action as the audit log page says it: who did what, with names, not a code."""
    entry = AuditEntry(actor_id=row.get("actor_id"), actor_name=row.get("actor_name") or "",
                       action=row.get("action") or "", target_user_id=row.get("target_user_id"),
                       target=row.get("target") or "", details=row.get("details") or {})
    return audit.describe(entry).text


def _cell(table: str, column: str, value: Any, row: dict[str, Any]) -> str:
    """A stored value as a reader reads it: dates written out, yes/no, codes in words."""
    if (table, column) == ("audit_log", "action") and value:
        return _audit_sentence(row)
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    names = VALUE_NAMES.get((table, column))
    if names is not None and value in names:
        return str(names[value])
    if (table, column) == ("users", "language"):
        return language_name(str(value))
    if (table, column) == ("certificates", "languages"):  # "cy,en": the languages it was issued in
        return ", ".join(language_name(code) for code in str(value).split(",") if code)
    if (table, column) == ("site_settings", "key") and value in settings.EDITABLE:
        return str(settings.EDITABLE[value][0])
    stored = Base.metadata.tables[table].c.get(column)
    kind = getattr(stored.type, "impl", stored.type) if stored is not None else None  # UTCDateTime is a DateTime
    if isinstance(value, str) and isinstance(kind, DateTime):
        try:
            return date_and_time(datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, str) and isinstance(kind, Date):
        return long_date(value) or value
    return str(value)


def readable(export: dict[str, Any]) -> tuple[list[tuple[str, str]], list[Section]]:
    """The export (export_data) for reading on a page: profile lines, then a section per table that has rows.

    Headings and values are in the reader's words; the download keeps the stored names and values.
    """
    profile = [(column_label("users", key) or _words(key), _cell("users", key, value, export["profile"]))
               for key, value in export["profile"].items()]
    sections = []
    titles = {name: str(TABLE_TITLES.get(name, _words(name))) for name in export["tables"]}
    for name, rows in sorted(export["tables"].items(), key=lambda item: titles[item[0]]):
        if not rows:
            continue
        columns = tuple(rows[0].keys())
        sections.append(Section(name, titles[name], tuple(column_label(name, c) or _words(c) for c in columns),
                                tuple(tuple(_cell(name, c, row.get(c), row) for c in columns) for row in rows)))
    return profile, sections


def delete_account(session: DbSession, user: User, password: str, revoke_certificates: bool) -> int:
    """Delete the account and everything that is theirs; returns how many certificates were revoked.

    Issued certificates stay, without the link to the account, so that anyone
    holding a printed one can still verify it, unless the holder asks to revoke them: then
    every certificate they held (already revoked or replaced ones too) loses its name and PDF.
    Records never issued (waiting for sign-off, or refused) go in any case. The address the
    account had is e-mailed that it was deleted, and what became of its certificates.
    """
    if not verify_password(user.password_hash, password or ""):
        raise ServiceError(gettext("That password is not right, so your account has not been deleted."))
    if user.is_admin and not session.scalar(select(func.count()).select_from(User).where(
            User.role == "admin", User.active.is_(True), User.id != user.id)):
        raise ServiceError(gettext("You are the only admin. Make someone else an admin before deleting your account."))
    revoked = kept = 0
    for certificate in session.scalars(select(Certificate).where(Certificate.user_id == user.id)):
        if certificate.issued_at is None:
            session.delete(certificate)  # waiting for sign-off or refused: never issued, nothing to verify
        elif revoke_certificates:
            if certificate.status == "issued":
                certificate.status, certificate.revoked_at = "revoked", utcnow()
                certificate.revoked_reason = REVOKED_AT_REQUEST
                revoked += 1
            # Nobody may learn whose it was: /verify shows no name for it, and the PDF goes.
            certificate.holder_name, certificate.pdf, certificate.pdf_sha256 = "", None, None
        elif certificate.status == "issued":
            kept += 1
    # To the address the account had, queued before the row (and the address) goes. Only counts go into the
    # queued message: no name, nothing they wrote. The job row, address included, is deleted once it is sent.
    mail.enqueue_email(session, "account_deleted", {"deleted_on": clock.today().isoformat(), "revoked": revoked,
                                                    "kept": kept}, to_email=user.email, language=user.language)
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
