"""The reminder sweep: due dates, certificate refreshers, certificate news and sign-offs waiting.

Each reminder is queued exactly once per person, subject (a course, or one certificate),
kind and date: the sweep inserts its key into `sent_reminders` with
`INSERT ... ON CONFLICT DO NOTHING RETURNING` and queues an email only for the keys that
insert returned, in the same transaction. Two workers sweeping at once, or a sweep run
again after a crash mid-batch (its batch rolled back), can never queue one twice.

The sweep reads in batches (keyset pages) and runs a constant number of queries per
batch: one read, one insert of keys, one insert of jobs.
`today` is a parameter, so tests (and `lms jobs run --once --as-of`) can move time.

Never read ReflectionEntry or WellbeingCheckin here: no email may carry private text.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

from flask import current_app
from sqlalchemy import ColumnElement, Table, and_, bindparam, exists, func, insert, or_, select, text, tuple_
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased

from lms.accounts.models import User
from lms.certificates.document import verify_url
from lms.certificates.models import Certificate
from lms.cohorts.joining import joined_after
from lms.cohorts.models import Cohort, CohortCourse, CohortMember, CohortTrainer
from lms.content import Course
from lms.core import clock
from lms.core.db import DbSession
from lms.core.models import utcnow
from lms.core.sql import is_postgresql
from lms.jobs.models import Job
from lms.jobs.queue import job_row
from lms.learning.models import Enrolment
from lms.mail import services as mail
from lms.mail.models import ReminderPreference, SentReminder
from lms.mail.services import EMAIL_JOB, email_payload

BATCH = 1000
DUE_SOON_DAYS = 7
#: Days before a certificate's last valid day when a refresher reminder goes: (kind, from, to) inclusive.
REFRESHER_WINDOWS = (("expiry_60", 31, 60), ("expiry_30", 8, 30), ("expiry_7", 0, 7))
#: An expiry reminder missed (no worker ran) is still sent this many days late, not later.
EXPIRED_GRACE_DAYS = 7
#: Certificate news (issued, revoked) and sign-off requests are looked for this far back.
EVENT_WINDOW = timedelta(days=2)
SIGN_OFF_WINDOW = timedelta(days=14)
KEY_COLUMNS = ("user_id", "subject", "kind", "on_date")


@dataclass
class SweepResult:
    """What one sweep queued, by kind, and how many batches it read."""

    queued: Counter = field(default_factory=Counter)
    batches: int = 0
    #: COPY statements sent (PostgreSQL's jobs): SQLAlchemy's statement events do not see them.
    copies: int = 0

    @property
    def total(self) -> int:
        return sum(self.queued.values())

    def __str__(self) -> str:
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(self.queued.items())) or "nothing new"
        return f"{self.total} reminder(s) queued ({kinds}) in {self.batches} batch(es)"


@dataclass(frozen=True)
class Reminder:
    """One reminder to queue if its key is new."""

    user_id: int
    subject: str
    kind: str
    on_date: date
    template: str
    context: dict
    category: str | None

    @property
    def key(self) -> tuple[int, str, str, date]:
        return self.user_id, self.subject, self.kind, self.on_date


def _wanted(category_column) -> ColumnElement[bool]:
    """SQL: the person has not turned this category off (no preference row means everything on)."""
    return or_(category_column.is_(None), category_column.is_(True))


def queue_new(session: DbSession, reminders: list[Reminder], now: datetime,
              result: SweepResult) -> set[tuple[int, str, str, date]]:
    """Insert the reminders' keys; queue an email for each key that was new (two statements); the new keys."""
    if not reminders:
        return set()
    unique = list({r.key: r for r in reminders}.values())  # a key listed twice queues one email
    if is_postgresql(session):
        new, jobs = _queue_new_postgresql(session, unique, now, result)
    else:
        new, jobs = _queue_new_generic(session, unique, now)
    for job in jobs:
        result.queued[_kind_of(job)] += 1
    return new


def mark_said(session: DbSession, keys: Iterable[tuple[int, str, str, date]], now: datetime) -> None:
    """Record reminders (user id, subject, kind, key date) as sent without sending them: another message said
    the same just now (a course assigned with its due date makes that day's due-date reminder a repeat)."""
    unique = list(set(keys))
    if unique:
        _claim_keys(session, unique, now)


def _claim_keys(session: DbSession, keys: list[tuple[int, str, str, date]], now: datetime) -> set:
    """Insert the keys not yet in sent_reminders; the ones that were new."""
    if is_postgresql(session):
        return {tuple(row) for row in session.execute(_PG_KEYS, {
            "now": now, "user_ids": [k[0] for k in keys], "subjects": [k[1] for k in keys],
            "kinds": [k[2] for k in keys], "on_dates": [k[3] for k in keys]})}
    rows = [{"user_id": k[0], "subject": k[1], "kind": k[2], "on_date": k[3], "sent_at": now} for k in keys]
    table = cast(Table, SentReminder.__table__)
    # Many parameter sets to one cached statement (SQLAlchemy's "insertmanyvalues" sends them as few
    # multi-row INSERTs): a .values(rows) statement would be compiled afresh for every batch.
    statement = sqlite_insert(table).on_conflict_do_nothing(index_elements=list(KEY_COLUMNS)).returning(
        *(table.c[name] for name in KEY_COLUMNS))
    return {tuple(row) for row in session.execute(statement, rows)}


def _queue_new_generic(session: DbSession, unique: list[Reminder], now: datetime) -> tuple[set, list[dict]]:
    new = _claim_keys(session, [r.key for r in unique], now)
    jobs = [job_row(EMAIL_JOB, email_payload(r.template, r.context, to_user_id=r.user_id, category=r.category), now)
            for r in unique if r.key in new]
    if jobs:
        session.execute(insert(cast(Table, Job.__table__)), jobs)
    return new, jobs


#: PostgreSQL: the batch as a few arrays (unnest), so the statement text never changes (psycopg prepares it
#: once) and thousands of parameters are not adapted one by one; see docs/performance.md, "Reminder sweep".
_PG_KEYS = text(
    "INSERT INTO sent_reminders (user_id, subject, kind, on_date, sent_at) "
    "SELECT k.user_id, k.subject, k.kind, k.on_date, :now "
    "FROM unnest(CAST(:user_ids AS integer[]), CAST(:subjects AS varchar[]), CAST(:kinds AS varchar[]), "
    "CAST(:on_dates AS date[])) AS k(user_id, subject, kind, on_date) "
    "ON CONFLICT (user_id, subject, kind, on_date) DO NOTHING "
    "RETURNING user_id, subject, kind, on_date")
#: PostgreSQL: a batch's jobs go in by COPY, about five times faster than the same rows by INSERT ... SELECT
#: FROM unnest (docs/performance.md, "Reminder sweep"); nothing is read back, so nothing is lost by it.
_PG_COPY_JOBS = "COPY jobs (kind, payload, status, run_at, attempts, max_attempts, created_at) FROM STDIN"


def _queue_new_postgresql(session: DbSession, unique: list[Reminder], now: datetime,
                          result: SweepResult) -> tuple[set, list[dict]]:
    new = _claim_keys(session, [r.key for r in unique], now)
    jobs = [job_row(EMAIL_JOB, email_payload(r.template, r.context, to_user_id=r.user_id, category=r.category), now)
            for r in unique if r.key in new]
    if jobs:
        # The session's own connection, so the jobs commit (or roll back) with their keys.
        driver = session.connection().connection.driver_connection
        assert driver is not None  # a live connection: the key insert just ran on it
        cursor = driver.cursor()
        with cursor.copy(_PG_COPY_JOBS) as copy:
            for job in jobs:
                copy.write_row((job["kind"], json.dumps(job["payload"]), job["status"], job["run_at"],
                                job["attempts"], job["max_attempts"], job["created_at"]))
        result.copies += 1
    return new, jobs


def _kind_of(job: dict) -> str:
    return job["payload"]["context"].get("kind", job["payload"]["template"])


# -- due dates ---------------------------------------------------------------------------------

def due_reminder(due_on: date, today: date, overdue_max: int) -> tuple[str, date] | None:
    """(kind, key date) of the due-date reminder to send today, if any.

    A week before (any day from 7 to 2 days ahead, so a sweep missed for a day still sends it),
    the day before, and when overdue: on the first day, then every 7 days, `overdue_max` times.
    """
    days = (due_on - today).days
    if 2 <= days <= DUE_SOON_DAYS:
        return "due_7", due_on
    if days == 1:
        return "due_tomorrow", due_on
    if days < 0:
        week = (-days - 1) // 7
        if week < overdue_max:
            return "overdue", due_on + timedelta(days=1 + 7 * week)
    return None


def due_dates_read():
    """The per-batch read of due dates: one row per (person, assigned course not completed, cohort), for the
    people bound to the expanding parameter `people`: the cohort's due date and name, whether they started,
    and when they joined that cohort. `applicable_due_dates` picks the one date that applies to each course.

    The person's enrolments in the batch are aggregated once (by the index on user_id) and joined,
    instead of correlated EXISTS checks: PostgreSQL ran those as hashed subplans over the whole
    enrolments table for every batch (docs/performance.md, "Reminder sweep").
    """
    member, assigned = CohortMember.user_id, CohortCourse.course_id
    people = bindparam("people", expanding=True)
    enrolled = (select(Enrolment.user_id, Enrolment.course_id,
                       func.count(Enrolment.completed_at).label("completed"))
                .where(Enrolment.user_id.in_(people))
                .group_by(Enrolment.user_id, Enrolment.course_id).subquery("enrolled"))
    return (select(member, assigned, CohortCourse.due_on, Cohort.name, enrolled.c.user_id.is_not(None),
                   CohortMember.joined_at)
            .join(CohortCourse, CohortCourse.cohort_id == CohortMember.cohort_id)
            .join(Cohort, Cohort.id == CohortMember.cohort_id)
            .join(User, User.id == member)
            .outerjoin(ReminderPreference, ReminderPreference.user_id == member)
            .outerjoin(enrolled, and_(enrolled.c.user_id == member, enrolled.c.course_id == assigned))
            .where(member.in_(people), Cohort.archived_at.is_(None), User.active.is_(True),
                   _wanted(ReminderPreference.due_dates), CohortCourse.due_on.is_not(None),
                   func.coalesce(enrolled.c.completed, 0) == 0))


@mail.still_true("due_soon", "overdue")
def _still_due(session: DbSession, user_id: int, context: dict) -> bool:
    """A due-date reminder still applies: the course is still assigned to them with that due date, unfinished."""
    rows = session.execute(due_dates_read().where(CohortCourse.course_id == context.get("course_id")),
                           {"people": [user_id]}).all()
    return any(row[2].isoformat() == context.get("due_on") for row in applicable_due_dates(rows))


def applicable_due_dates(rows: Iterable[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """Per (person, course), the row of `due_dates_read` whose due date applies: the earliest one the person
    could meet. A cohort's date that passed before they joined it never applies (they are never told they
    are late for it), so a member of two cohorts is reminded of the other cohort's date, with its name."""
    chosen: dict[tuple[Any, Any], tuple[Any, ...]] = {}
    for row in rows:
        user_id, course_id, due_on, cohort_name, _started, joined_at = row
        if due_on is None or joined_after(joined_at, due_on):
            continue
        known = chosen.get((user_id, course_id))
        if known is None or (due_on, cohort_name) < (known[2], known[3]):
            chosen[(user_id, course_id)] = tuple(row)
    return list(chosen.values())


def _due_dates(session: DbSession, courses: Mapping[str, Course], today: date, now: datetime, overdue_max: int,
               result: SweepResult, batch: int) -> None:
    window = (today - timedelta(days=7 * overdue_max), today + timedelta(days=DUE_SOON_DAYS))
    base = due_dates_read().where(CohortCourse.due_on.between(*window))
    # Batches of people, not of rows: each read then touches only its own people's rows (by index),
    # instead of sorting the whole cohort-by-course product again for every page.
    people = list(session.scalars(
        select(CohortMember.user_id).join(Cohort, Cohort.id == CohortMember.cohort_id)
        .where(Cohort.archived_at.is_(None),
               CohortMember.cohort_id.in_(select(CohortCourse.cohort_id).where(CohortCourse.due_on.is_not(None))))
        .distinct().order_by(CohortMember.user_id)))
    per_batch = max(batch // max(len(courses), 1), 1)
    for start in range(0, len(people), per_batch):
        chunk = people[start:start + per_batch]
        rows = session.execute(base, {"people": chunk}).all()
        result.batches += 1
        reminders = []
        for user_id, course_id, due_on, cohort_name, has_started, _joined_at in applicable_due_dates(rows):
            course = courses.get(course_id)
            found = due_reminder(due_on, today, overdue_max) if course else None
            if found is None or course is None:
                continue
            kind, on_date = found
            days = (due_on - today).days
            reminders.append(Reminder(
                user_id, course_id, kind, on_date, "overdue" if kind == "overdue" else "due_soon",
                {"kind": kind, "course_id": course_id, "course_title": course.title, "cohort_name": cohort_name,
                 "due_on": due_on.isoformat(), "days": days, "started": bool(has_started)},
                "due_dates"))
        queue_new(session, reminders, now, result)
        session.commit()  # each batch stands on its own: a crash later keeps what is done


# -- certificate refreshers ----------------------------------------------------------------------

def refresher_kind(valid_until: date, today: date) -> str | None:
    """Which refresher reminder is due for a certificate valid through `valid_until`, if any."""
    days = (valid_until - today).days
    for kind, low, high in REFRESHER_WINDOWS:
        if low <= days <= high:
            return kind
    if -EXPIRED_GRACE_DAYS <= days < 0:
        return "expired"
    return None


def _refreshers(session: DbSession, courses: Mapping[str, Course], today: date, now: datetime, result: SweepResult,
                batch: int) -> None:
    """Refresher reminders for certificates expiring soon or just expired, for courses still offered: the
    e-mail asks the holder to take the course again, and links to it."""
    newer = aliased(Certificate)
    superseded = exists().where(
        newer.user_id == Certificate.user_id, newer.course_id == Certificate.course_id, newer.id != Certificate.id,
        newer.status == "issued", or_(newer.valid_until.is_(None), newer.valid_until > Certificate.valid_until))
    base = (select(Certificate.id, Certificate.user_id, Certificate.course_id, Certificate.course_title,
                   Certificate.certificate_title, Certificate.valid_until, Certificate.localised)
            .join(User, User.id == Certificate.user_id)
            .outerjoin(ReminderPreference, ReminderPreference.user_id == Certificate.user_id)
            .where(Certificate.status == "issued", User.active.is_(True), _wanted(ReminderPreference.refreshers),
                   Certificate.valid_until.between(today - timedelta(days=EXPIRED_GRACE_DAYS),
                                                   today + timedelta(days=REFRESHER_WINDOWS[0][2])),
                   ~superseded)
            .order_by(Certificate.id).limit(batch))
    last = 0
    while True:
        rows = session.execute(base.where(Certificate.id > last)).all()
        if not rows:
            return
        result.batches += 1
        last = rows[-1][0]
        reminders = []
        for _id, user_id, course_id, course_title, certificate_title, valid_until, localised in rows:
            kind = refresher_kind(valid_until, today) if valid_until else None
            if kind is None or user_id is None or valid_until is None or course_id not in courses:
                continue
            reminders.append(Reminder(
                user_id, course_id, kind, valid_until, "refresher",
                {"kind": kind, "course_id": course_id, "course_title": course_title,
                 "certificate_title": certificate_title, "valid_until": valid_until.isoformat(),
                 "days": (valid_until - today).days, "expired": kind == "expired", "titles": _titles(localised)},
                "refreshers"))
        queue_new(session, reminders, now, result)
        session.commit()
        if len(rows) < batch:
            return


# -- certificate news and sign-offs ---------------------------------------------------------------

def _certificate_news(session: DbSession, now: datetime, result: SweepResult) -> None:
    base_url = current_app.config["PUBLIC_BASE_URL"]
    since = now - EVENT_WINDOW
    issued = session.execute(
        select(Certificate).join(User, User.id == Certificate.user_id)
        .where(Certificate.status == "issued", Certificate.issued_at >= since, User.active.is_(True))).scalars()
    revoked = session.execute(
        select(Certificate).join(User, User.id == Certificate.user_id)
        .where(Certificate.status == "revoked", Certificate.revoked_at >= since, Certificate.replaced_by_id.is_(None),
               User.active.is_(True))).scalars()
    reminders = [news for c in [*issued, *revoked] if (news := certificate_news(c, base_url)) is not None]
    if reminders:
        result.batches += 1
    queue_new(session, reminders, now, result)
    session.commit()


def certificate_news(c: Certificate, base_url: str) -> Reminder | None:
    """The holder's e-mail about a certificate just issued, refused or revoked (None for a replaced one, whose
    replacement brings its own, or one with no holder left)."""
    if not c.user_id:
        return None
    if c.status == "issued" and c.issued_at and c.code:
        return Reminder(c.user_id, f"certificate:{c.id}", "certificate_issued", clock.local_date(c.issued_at),
                        "certificate_issued",
                        {"kind": "certificate_issued", "course_title": c.course_title,
                         "certificate_title": c.certificate_title, "verify_url": verify_url(base_url, c.code),
                         "titles": _titles(c.localised)}, None)
    if c.status == "revoked" and c.revoked_at and c.replaced_by_id is None:
        return _revocation_news(c, c.user_id, c.revoked_at)
    return None


def queue_certificate_news(session: DbSession, certificate: Certificate) -> None:
    """Queue the holder's e-mail about this certificate now, in the caller's transaction, rather than at the next
    sweep (which would send it within the hour): the sweep still finds it, and its key makes it once."""
    news = certificate_news(certificate, current_app.config["PUBLIC_BASE_URL"])
    if news is not None:
        queue_new(session, [news], utcnow(), SweepResult())


def _revocation_news(c: Certificate, user_id: int, revoked_at: datetime) -> Reminder:
    """The e-mail of a revoked certificate; a request refused before it was ever issued is not a revocation: its
    own words, and where to look next."""
    kind = "certificate_refused" if c.issued_at is None else "certificate_revoked"
    return Reminder(user_id, f"certificate:{c.id}", kind, clock.local_date(revoked_at), kind,
                    {"kind": kind, "course_title": c.course_title, "certificate_title": c.certificate_title,
                     "reason": c.revoked_reason or "", "titles": _titles(c.localised)}, None)


def _titles(localised: dict | None) -> dict:
    """A certificate's titles in each language it was issued in (the e-mail picks the reader's)."""
    return {language: {key: words[key] for key in ("course_title", "certificate_title") if words.get(key)}
            for language, words in (localised or {}).items() if isinstance(words, dict)}


def _sign_offs(session: DbSession, now: datetime, result: SweepResult) -> None:
    trainer, holder = aliased(User), aliased(User)
    rows = session.execute(
        select(Certificate.id, Certificate.course_title, Certificate.requested_at, holder.display_name, trainer.id)
        .join(holder, holder.id == Certificate.user_id)
        .join(CohortMember, CohortMember.user_id == Certificate.user_id)
        .join(Cohort, Cohort.id == CohortMember.cohort_id)
        .join(CohortTrainer, CohortTrainer.cohort_id == Cohort.id)
        .join(trainer, trainer.id == CohortTrainer.user_id)
        .outerjoin(ReminderPreference, ReminderPreference.user_id == trainer.id)
        .where(Certificate.status == "pending", Certificate.requested_at >= now - SIGN_OFF_WINDOW,
               Cohort.archived_at.is_(None), trainer.active.is_(True), _wanted(ReminderPreference.sign_offs))
        .distinct()).all()
    reminders = [Reminder(trainer_id, f"certificate:{certificate_id}", "sign_off", clock.local_date(requested_at),
                          "sign_off", {"kind": "sign_off", "certificate_id": certificate_id,
                                       "course_title": course_title, "trainee_name": trainee_name}, "sign_offs")
                 for certificate_id, course_title, requested_at, trainee_name, trainer_id in rows]
    if reminders:
        result.batches += 1
    queue_new(session, reminders, now, result)
    session.commit()


# -- the sweep ---------------------------------------------------------------------------------

def sweep(session: DbSession, courses: Mapping[str, Course], today: date, *, now: datetime | None = None,
          overdue_max: int = 4, batch: int = BATCH) -> SweepResult:
    """Queue every reminder due on `today` that has not been queued before; commits each batch."""
    now = now or utcnow()
    result = SweepResult()
    _due_dates(session, courses, today, now, overdue_max, result, batch)
    _refreshers(session, courses, today, now, result, batch)
    _certificate_news(session, now, result)
    _sign_offs(session, now, result)
    return result


def scheduled_sweep(session: DbSession, as_of: date | None = None) -> SweepResult:
    """The worker's periodic task: sweep as of `as_of` (tests, `--as-of`) or the charity's today."""
    from lms.catalog.services import catalog

    return sweep(session, catalog().courses, as_of or clock.today(),
                 overdue_max=current_app.config["OVERDUE_REMINDERS_MAX"])


def already_sent(session: DbSession, keys: Iterable[tuple[int, str, str, date]]) -> set[tuple]:
    """Which of these keys are recorded (for tests and the bench)."""
    keys = list(keys)
    if not keys:
        return set()
    return {tuple(row) for row in session.execute(
        select(SentReminder.user_id, SentReminder.subject, SentReminder.kind, SentReminder.on_date)
        .where(tuple_(SentReminder.user_id, SentReminder.subject, SentReminder.kind, SentReminder.on_date).in_(keys)))}
