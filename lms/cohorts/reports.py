"""What trainers see: a cohort's progress table and one trainee's record.

The table is built with a constant number of queries per page, whatever the
size of the cohort: one for the page of members (with the total, as a window
count), then one each for their enrolments, their completed-step counts and
their certificates.
Filters and sorting are done in SQL, so that a page of 50 out of 10,000 never
loads the other 9,950.

Never read ReflectionEntry or WellbeingCheckin here: they are private to the trainee.
"""
from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import ColumnElement, and_, case, false, func, literal, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, selectinload

from lms.accounts.models import User
from lms.certificates import validity
from lms.certificates.models import Certificate
from lms.cohorts.joining import joined_after, joined_after_sql
from lms.cohorts.models import Cohort, CohortCourse, CohortMember
from lms.cohorts.services import courses_open_to, runs_open_to
from lms.content import Catalog, Choice, Course, Scenario, Step
from lms.core import i18n
from lms.core.db import DbSession
from lms.core.pagination import page_bounds, requested_page
from lms.core.sql import is_postgresql, unindexed
from lms.learning.assessments import AssessmentState
from lms.learning.models import (
    CONFIRMATION_CONFIRMED,
    RESPONSE_MEETS_STANDARD,
    RESPONSE_TRY_AGAIN,
    AssessmentAttempt,
    Enrolment,
    QuestionAnswer,
    ResponseEntry,
    StepConfirmation,
    StepProgress,
)
from lms.roleplay import runs
from lms.roleplay.models import RunChoice, ScenarioRun
from lms.roleplay.runs import PassBlock
from lms.roleplay.skills import SkillScore, skill_scores, skill_totals

PAGE_SIZE = 50

#: status -> (label, badge class). In order of precedence, highest first. Labels are lazy: read in the reader's
#: language.
STATUSES: dict[str, tuple[Any, str]] = {
    "expired": (_l("Expired"), "bad"),
    "refresher_due": (_l("Refresher due"), "warn"),
    "certificate": (_l("Certificate"), "ok"),
    "completed": (_l("Completed"), "ok"),
    "overdue": (_l("Overdue"), "bad"),
    "in_progress": (_l("In progress"), ""),
    "not_started": (_l("Not started"), ""),
}
#: A certificate's standing (certificates.validity) as the progress table names it.
_CERTIFICATE_STATUS = {"valid": "certificate", "refresher_due": "refresher_due", "expired": "expired"}
SORTS = {"name": _l("Name"), "progress": _l("Progress in the chosen course"), "last_active": _l("Last active")}


@dataclass(frozen=True)
class Page:
    """One page of a longer list."""

    items: Sequence[Any]
    page: int
    pages: int
    total: int

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


#: No list has this many pages; a larger page number (from an edited link) would
#: make an OFFSET no database integer can hold.

@dataclass(frozen=True)
class Column:
    """An assigned course, as a column of the table."""

    course_id: str
    title: str
    due_on: date | None
    required: tuple[str, ...]  # required step ids; empty if the course is no longer in the catalogue
    live: bool
    #: Whether anyone joined the cohort after the due date (cohorts.joining): they are never overdue for it,
    #: so a past-due course can still be "in progress" or "not started" for them.
    late_joiners: bool = False
    #: The language the title is written in (the course's translation, else its original); None for a bare id.
    lang: str | None = None


def title_language(unit: Course | Step | Scenario | None) -> str | None:
    """The language a course's, step's or scenario's title is shown in, for a `lang` attribute; None without one."""
    return i18n.content_language(unit, "title") if unit is not None else None


@dataclass(frozen=True)
class Cell:
    course_id: str
    status: str
    percent: int
    due_on: date | None = None
    completed_at: datetime | None = None
    valid_until: date | None = None
    joined_after_due: bool = False  # not finished, past due, but they joined the cohort after the due date

    @property
    def label(self) -> str:
        return str(STATUSES[self.status][0])

    @property
    def badge(self) -> str:
        return STATUSES[self.status][1]


@dataclass(frozen=True)
class Row:
    user_id: int
    name: str
    last_active: datetime | None
    cells: tuple[Cell, ...]
    joined_at: datetime | None = None  # when they joined this cohort


@dataclass(frozen=True)
class Query:
    """What the trainer asked for: filters, sort and page."""

    course: str | None = None
    status: str | None = None
    search: str = ""
    sort: str = "name"
    descending: bool = False
    page: int = 1


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]  # the courses shown (all, or the filtered one)
    all_columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    page: int
    pages: int
    total: int
    query: Query = field(default_factory=Query)

    has_previous = Page.has_previous
    has_next = Page.has_next

    @staticmethod
    def status_labels() -> dict[str, str]:
        """Each status's label in the reader's language, looked up once for the page's 1,000 cells."""
        return {status: str(label) for status, (label, _badge) in STATUSES.items()}


def columns_for(session: DbSession, cohort: Cohort, catalog: Catalog) -> tuple[Column, ...]:
    """The cohort's assigned courses, in the order assigned, with whether anyone joined after each due date.

    One query: the latest joining comes with the courses (a member who joined after a due date
    changes which statuses that course can have, see _possible).
    """
    latest_join = (select(func.max(CohortMember.joined_at)).where(CohortMember.cohort_id == cohort.id)
                   .scalar_subquery())
    columns = []
    for assigned, last_joined in session.execute(
            select(CohortCourse, latest_join).where(CohortCourse.cohort_id == cohort.id)
            .order_by(CohortCourse.assigned_at, CohortCourse.id)):
        course = catalog.course(assigned.course_id)
        columns.append(Column(
            assigned.course_id, course.title if course else assigned.course_id, assigned.due_on,
            tuple(s.id for s in course.required_steps) if course else (), course is not None,
            joined_after(last_joined, assigned.due_on), title_language(course)))
    return tuple(columns)


# -- status in SQL (filters and sorting) -------------------------------------------------
#
# Filters and sorts need facts about every member, not just the page shown. They
# come from aggregates per member joined to the members (_per_member): one pass
# over the cohort's rows, where correlated EXISTS subqueries per member and course
# cost PostgreSQL seconds at 10,000 trainees (its planner costs them high enough to
# JIT-compile). SQLite, whose probes are cheap, tests a status over a few courses
# with EXISTS (_exists_flag). Progress reads each enrolment's list of completed
# steps (Enrolment.completed_steps), not its step rows; last activity over several
# courses, the first of each member's enrolments most recent first (_last_active).
# Each plan was read on both databases at 100,000 trainees (docs/performance.md,
# "Scale figures").

def escape_like(text: str) -> str:
    """Escape LIKE wildcards so that a search for 50% finds '50%'."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _flag(condition) -> Any:
    return func.count().filter(condition)


def _member_ids(cohort: Cohort):
    return select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id)


#: The per-course flags each status needs (fewer flags, less work per row): started (s) and
#: completed (d) enrolments, any (h), lasting (ok) and live (live) certificates.
_FLAGS: dict[str, frozenset[str]] = {
    "certificate": frozenset({"ok"}),
    "refresher_due": frozenset({"live", "ok"}),
    "expired": frozenset({"h", "live"}),
    "completed": frozenset({"h", "d"}),
    "overdue": frozenset({"h", "d"}),
    "in_progress": frozenset({"h", "d", "s"}),
    "not_started": frozenset({"h", "d", "s"}),
}


#: The flags read from issued certificates; the others (s, d) from enrolments.
_CERTIFICATE_FLAGS = frozenset({"h", "ok", "live"})


def _enrolment_condition(name: str, course_id: str) -> ColumnElement[bool]:
    """The enrolments that set flag `name` (s: started, d: completed) for a course."""
    mine = Enrolment.course_id == course_id
    return mine if name == "s" else and_(mine, Enrolment.completed_at.is_not(None))


def _certificate_condition(name: str, course_id: str, today: date) -> ColumnElement[bool]:
    """The issued certificates that set flag `name` (h: any, ok: lasting, live: valid today) for a course."""
    mine = Certificate.course_id == course_id
    if name == "ok":
        return and_(mine, validity.valid_sql(Certificate.valid_until, today))
    if name == "live":
        return and_(mine, validity.not_expired_sql(Certificate.valid_until, today))
    return mine


def _per_member(cohort: Cohort, user_id: InstrumentedAttribute[Any], aggregates: Sequence[ColumnElement[Any]],
                where: Sequence[ColumnElement[bool]], narrowing: ColumnElement[bool], name: str, lateral: bool):
    """`aggregates` per member over the rows matching `where`, and the ON clause that joins them to User.

    `narrowing` only narrows the rows read: every aggregate filters by it itself. With `lateral`
    (PostgreSQL) the aggregates run per member in a LATERAL subquery over the member's own rows,
    read whole through their index range (grouping a join read every enrolment of the courses on
    the site: 300 ms at 100,000 trainees). Without (SQLite has no LATERAL), once over the members'
    rows, grouped, with `narrowing` in the WHERE.
    """
    if lateral:
        facts = select(*aggregates).where(user_id == User.id, *where).lateral(name)
        return facts, true()
    grouped = (select(user_id.label("user_id"), *aggregates).where(user_id.in_(_member_ids(cohort)), *where, narrowing)
               .group_by(user_id).subquery(name))
    return grouped, grouped.c.user_id == User.id


def _steps_done(column: Column) -> ColumnElement[int]:
    """How many of the course's required steps an enrolment has completed, from its list of completed steps."""
    return sum((case((Enrolment.completed_steps.contains(f"[{step_id}]", autoescape=True), 1), else_=0)
                for step_id in column.required), literal(0))


def _enrolment_facts(cohort: Cohort, flagged: Sequence[tuple[int, Column, frozenset[str]]], activity: Sequence[Column],
                     lateral: bool):
    """Per member: last activity (in `activity`), and per flagged course i whether started (s<i>) and completed (d<i>),
    and progress (p<i>).

    p<i> is the latest cycle's count of completed required steps, carried in the cycle: max(cycle × (required + 1)
    + count), so one pass over the member's rows finds it (`_latest_done` reads it back out).
    Only the flagged and `activity` courses are read. `activity` is given only when sorting by last
    activity in the one course shown (over several, see _last_active), so the flagged courses are
    that one and a plain max() is the right one."""
    flags = []
    for i, column, wanted in flagged:
        flags += [_flag(_enrolment_condition(name, column.course_id)).label(f"{name}{i}")
                  for name in ("s", "d") if name in wanted]
        if "p" in wanted:
            latest = Enrolment.cycle * (len(column.required) + 1) + _steps_done(column)
            flags.append(func.max(latest).filter(Enrolment.course_id == column.course_id).label(f"p{i}"))
    course_ids = sorted({c.course_id for _i, c, _w in flagged} | {c.course_id for c in activity}) or [""]
    # One course: one seek per member finds it; several: see unindexed.
    course = Enrolment.course_id if len(course_ids) == 1 else unindexed(Enrolment.course_id)
    aggregates = [*flags]
    if activity:
        aggregates.insert(0, func.max(Enrolment.last_active_at).filter(Enrolment.course_id.in_(course_ids))
                          .label("last_active"))
    # Only whether courses were completed: only the completed rows are read.
    completed_only = not activity and all(wanted <= {"d"} for _i, _c, wanted in flagged)
    where = (Enrolment.completed_at.is_not(None),) if completed_only else ()
    # One course: its rows are one range of ix_enrolments_by_course, read once (no LATERAL needed) unless
    # progress is wanted: that reads each row's completed steps from the table, so only the members' rows.
    if lateral and len(course_ids) == 1 and any("p" in wanted for _i, _c, wanted in flagged):
        # Each member's row of the course, through ix_enrolments_by_course (course, member).
        return _per_member(cohort, Enrolment.user_id, aggregates, (*where, Enrolment.course_id == course_ids[0]),
                           true(), "enrolment_facts", lateral=True)
    # Completions in a few courses: those courses' completed entries of ix_enrolments_by_course, hashed against
    # the members, cost PostgreSQL less than a probe per member (80 against 105 ms at 10,000 members, four courses).
    few_completions = completed_only and len(course_ids) <= _FEW_COURSES
    return _per_member(cohort, Enrolment.user_id, aggregates, where, course.in_(course_ids),
                       "enrolment_facts", lateral and len(course_ids) > 1 and not few_completions)


def _last_active(columns: Sequence[Column]) -> ColumnElement[Any]:
    """A member's last activity in any of `columns` (NULL if none), for the sort over several courses.

    The member's most recent enrolment in those courses, found first in ix_enrolments_report (by
    member, most recent first): one or two index entries per member, where a max() read all of
    their dozen enrolments (130,000 entries for a cohort of 10,000)."""
    return (select(Enrolment.last_active_at)
            .where(Enrolment.user_id == User.id, unindexed(Enrolment.course_id).in_([c.course_id for c in columns]))
            .order_by(Enrolment.last_active_at.desc()).limit(1).correlate(User).scalar_subquery())


def _latest_done(enrolled_t, i: int, column: Column) -> ColumnElement[int]:
    """The count of required steps completed in the member's latest cycle of course i (0 if never enrolled)."""
    return func.coalesce(enrolled_t.c[f"p{i}"] % (len(column.required) + 1), 0)


def _certificate_facts(cohort: Cohort, flagged: Sequence[tuple[int, Column, frozenset[str]]], today: date):
    """Per member and flagged course i: any issued certificate (h<i>), one valid past the refresher window (ok<i>),
    one valid today (live<i>)."""
    flags = []
    for i, column, wanted in flagged:
        flags += [_flag(_certificate_condition(name, column.course_id, today)).label(f"{name}{i}")
                  for name in ("h", "ok", "live") if name in wanted]
    # Unindexed: else SQLite reads the courses' certificates on the whole site.
    narrowing = unindexed(Certificate.course_id).in_([c.course_id for _i, c, _w in flagged] or [""])
    # Grouped on both databases: a LATERAL per member measured no faster here (few certificates each).
    return _per_member(cohort, Certificate.user_id, flags, (_issued(),), narrowing, "certificate_facts", lateral=False)


def _issued() -> ColumnElement[bool]:
    """Issued certificates, written into the SQL so that ix_certificates_issued_course (its partial index) serves it."""
    return Certificate.status == literal("issued", literal_execute=True)


def _possible(status: str, column: Column, today: date) -> bool:
    """Whether a course can be in `status` at all today: only past-due courses can be overdue, and a past-due
    course is in progress or not started only for those who joined the cohort after its due date."""
    overdue = column.due_on is not None and column.due_on < today
    if status == "overdue":
        return overdue
    return not (overdue and status in ("in_progress", "not_started")) or column.late_joiners


def _joined_late(column: Column) -> ColumnElement[bool]:
    """Whether the member (CohortMember, joined in the query) joined after the column's due date."""
    assert column.due_on is not None
    return joined_after_sql(CohortMember.joined_at, column.due_on)


def _on(table, name: str, i: int):
    return func.coalesce(table.c[f"{name}{i}"], 0) > 0


def _status_sql(status: str, column: Column, today: date, flag) -> ColumnElement[bool]:
    """Whether a member is in `status` for a course; mirrors _cell() below. `flag(name)` is one of the course's flags
    (_FLAGS[status] names the ones each status uses)."""
    overdue = column.due_on is not None and column.due_on < today
    # Past due, only those who joined before the due date are overdue; the others are in progress or not started.
    # Without late joiners the conditions stay as they were (the plans measured in docs/performance.md).
    late = _joined_late(column) if overdue and column.late_joiners else None

    def unless_late(condition: ColumnElement[bool]) -> ColumnElement[bool]:
        return condition if late is None else and_(condition, ~late)

    def if_late(condition: ColumnElement[bool]) -> ColumnElement[bool]:
        if not overdue:
            return condition
        return false() if late is None else and_(late, condition)
    # Built lazily: each status's condition uses only the flags _FLAGS gives it. Enrolment flags first: with
    # EXISTS (SQLite), the cheaper probe decides most members alone.
    conditions = {
        "certificate": lambda: flag("ok"),
        "refresher_due": lambda: and_(flag("live"), ~flag("ok")),
        "expired": lambda: and_(flag("h"), ~flag("live")),
        "completed": lambda: and_(flag("d"), ~flag("h")),
        "overdue": lambda: unless_late(and_(~flag("d"), ~flag("h"))) if overdue else false(),
        "in_progress": lambda: if_late(and_(~flag("d"), flag("s"), ~flag("h"))),
        "not_started": lambda: if_late(and_(~flag("s"), ~flag("d"), ~flag("h"))),
    }
    return conditions[status]()


def _exists_flag(name: str, column: Column, today: date) -> ColumnElement[bool]:
    """A member's flag for one course as a correlated EXISTS: one index probe, stopping at the first row."""
    if name in _CERTIFICATE_FLAGS:
        return (select(Certificate.id).where(Certificate.user_id == User.id, _issued(),
                                             _certificate_condition(name, column.course_id, today))
                .correlate(User).exists())
    return (select(Enrolment.id).where(Enrolment.user_id == User.id, _enrolment_condition(name, column.course_id))
            .correlate(User).exists())


#: On SQLite, a status over this many courses or fewer is tested with EXISTS probes per member and course
#: (most members are decided by the first probe or two: 60 ms for the overdue filter at 10,000 members, where
#: the aggregates took 110 ms); over more, the aggregates' one read of each member's rows costs less than up to
#: two probes per course.
_FEW_COURSES = 5


def _members_query(cohort: Cohort, columns: Sequence[Column], query: Query, today: date, lateral: bool):
    """(id, name, joined at) of the members that match, and the ORDER BY for the requested sort
    (`lateral`: see _per_member)."""
    stmt = (select(User.id, User.display_name, CohortMember.joined_at)
            .join(CohortMember, CohortMember.user_id == User.id).where(CohortMember.cohort_id == cohort.id))
    if query.search.strip():
        stmt = stmt.where(User.display_name.ilike(f"%{escape_like(query.search.strip())}%", escape="\\"))
    status = query.status if query.status in STATUSES else None
    by_progress = query.sort == "progress" and bool(columns)
    # Only the courses where the status is possible are looked at, with only the flags it needs:
    # fewer rows, fewer aggregates per row.
    matching = [(i, c) for i, c in enumerate(columns) if _possible(status, c, today)] if status else []
    probed = bool(status) and not lateral and len(matching) <= _FEW_COURSES
    wanted = _FLAGS.get(query.status or "", frozenset())
    enrolment_flags = {} if probed else {i: (c, wanted & {"s", "d"}) for i, c in matching}
    if by_progress:
        enrolment_flags[0] = (columns[0], enrolment_flags.get(0, (columns[0], frozenset()))[1] | {"d", "p"})
    flagged = [(i, c, w) for i, (c, w) in sorted(enrolment_flags.items(), key=lambda item: item[0]) if w]
    activity = columns if query.sort == "last_active" else ()
    recent = _last_active(activity) if len(activity) > 1 else None
    if recent is not None:
        activity = ()
    enrolled_t = None
    if flagged or activity:
        enrolled_t, on = _enrolment_facts(cohort, flagged, activity, lateral)
        stmt = stmt.outerjoin(enrolled_t, on)
    if probed and status:
        stmt = stmt.where(or_(false(), *(_status_sql(status, c, today, lambda name, c=c: _exists_flag(name, c, today))
                                         for _i, c in matching)))
    elif status:
        certs_t, on = _certificate_facts(cohort, [(i, c, wanted & _CERTIFICATE_FLAGS) for i, c in matching], today)
        stmt = stmt.outerjoin(certs_t, on)

        def flag_of(i: int):
            return lambda name: _on(certs_t if name in _CERTIFICATE_FLAGS else enrolled_t, name, i)
        stmt = stmt.where(or_(false(), *(_status_sql(status, c, today, flag_of(i)) for i, c in matching)))
    if by_progress:
        # A completed course sorts above any count of steps.
        key: ColumnElement[Any] = case((_on(enrolled_t, "d", 0), len(columns[0].required) + 1),
                                       else_=_latest_done(enrolled_t, 0, columns[0]))
    elif recent is not None:
        key = recent
    elif query.sort == "last_active" and enrolled_t is not None:
        key = enrolled_t.c.last_active
    else:
        key = func.lower(User.display_name)
    ordered = key.desc().nulls_last() if query.descending else key.asc().nulls_last()
    return stmt, [ordered, func.lower(User.display_name), User.id]


# -- cells (Python) ------------------------------------------------------------------------

@dataclass
class _Facts:
    """What the two bulk queries found for one member and course."""

    latest_id: int | None = None
    latest_cycle: int = 0
    completed_at: datetime | None = None
    last_active: datetime | None = None
    done: int = 0
    cert_forever: bool = False
    cert_until: date | None = None
    has_cert: bool = False


def _cell(column: Column, facts: _Facts | None, today: date, joined_at: datetime | None) -> Cell:
    facts = facts or _Facts()
    required = len(column.required)
    percent = 100 if facts.completed_at else (min(100, facts.done * 100 // required) if required else 0)
    if facts.has_cert:
        until = None if facts.cert_forever else facts.cert_until
        status = _CERTIFICATE_STATUS[validity.standing(until, today)]
        return Cell(column.course_id, status, 100, column.due_on, facts.completed_at, until)
    late = False
    if facts.completed_at:
        status = "completed"
    elif column.due_on and column.due_on < today and not (late := joined_after(joined_at, column.due_on)):
        status = "overdue"
    elif facts.latest_id is not None:
        status = "in_progress"
    else:
        status = "not_started"
    return Cell(column.course_id, status, percent, column.due_on, facts.completed_at, joined_after_due=late)


def member_facts(session: DbSession, members, columns: Sequence[Column]) -> dict[tuple[int, str], _Facts]:
    """{(user id, course id): facts} for members (a list of ids or a subquery), in two queries.

    The steps done in the latest cycle come from that enrolment's list of completed steps
    (Enrolment.completed_steps, kept by the database from its step rows), counting the course's
    required steps only: a third query over the step rows cost more to build than to run.
    """
    required = {c.course_id: c.required for c in columns}
    facts: dict[tuple[int, str], _Facts] = {}
    if not required:
        return facts
    latest_steps: dict[tuple[int, str], str] = {}
    for e_id, user_id, course_id, cycle, completed_at, last_active, steps in session.execute(
            select(Enrolment.id, Enrolment.user_id, Enrolment.course_id, Enrolment.cycle, Enrolment.completed_at,
                   Enrolment.last_active_at, Enrolment.completed_steps)
            .where(Enrolment.user_id.in_(members), Enrolment.course_id.in_(list(required)))):
        key = (user_id, course_id)
        f = facts.setdefault(key, _Facts())
        if cycle > f.latest_cycle:
            f.latest_id, f.latest_cycle = e_id, cycle
            latest_steps[key] = steps or ""
        f.completed_at = f.completed_at or completed_at
        f.last_active = max(filter(None, (f.last_active, last_active)), default=None)
    for (user_id, course_id), steps in latest_steps.items():
        facts[user_id, course_id].done = sum(f"[{step_id}]" in steps for step_id in required[course_id])
    # The course unindexed too: else SQLite reads every certificate of the 20 courses on the site (a
    # quarter of a second at 100,000 trainees) instead of the page's members' few.
    for holder_id, course_id, valid_until in session.execute(
            select(Certificate.user_id, Certificate.course_id, Certificate.valid_until)
            .where(Certificate.user_id.in_(members), unindexed(Certificate.course_id).in_(list(required)),
                   Certificate.status == "issued")):
        if holder_id is None:  # a deleted account's record: never a member's (the IN excludes it)
            continue
        f = facts.setdefault((holder_id, course_id), _Facts())
        f.has_cert = True
        if valid_until is None:
            f.cert_forever = True
        elif f.cert_until is None or valid_until > f.cert_until:
            f.cert_until = valid_until
    return facts


def _page_of_members(session: DbSession, members, ordering: list, page: int, size: int) -> tuple[list, int]:
    """One page of (id, name, joined at) and the total, in one query: the filters are evaluated once, not twice."""
    rows = session.execute(members.add_columns(func.count().over().label("total")).order_by(*ordering)
                           .limit(size).offset((page - 1) * size)).all()
    return [(row[0], row[1], row[2]) for row in rows], (rows[0].total if rows else 0)


def progress_table(session: DbSession, cohort: Cohort, catalog: Catalog, query: Query, today: date,
                   page_size: int | None = PAGE_SIZE, all_columns: tuple[Column, ...] | None = None) -> Table:
    """The cohort × course table for one page (or every row, with page_size=None, for exports)."""
    all_columns = columns_for(session, cohort, catalog) if all_columns is None else all_columns
    columns = tuple(c for c in all_columns if c.course_id == query.course) or all_columns
    members, ordering = _members_query(cohort, columns, query, today, lateral=is_postgresql(session))
    if page_size is None:
        page, pages = 1, 1
        selected = [tuple(row) for row in session.execute(members.order_by(*ordering))]
        total = len(selected)
        id_filter: Any = members.with_only_columns(User.id)
    else:
        page = requested_page(query.page)
        selected, total = _page_of_members(session, members, ordering, page, page_size)
        if not selected and page > 1:  # past the end (a stale link): show the last page
            total = session.scalar(select(func.count()).select_from(members.subquery())) or 0
            page = page_bounds(total, page, page_size)[0]
            selected, total = _page_of_members(session, members, ordering, page, page_size)
        page, pages = page_bounds(total, page, page_size)
        id_filter = [user_id for user_id, _name, _joined in selected]
    facts = member_facts(session, id_filter, columns) if selected else {}
    rows = []
    for user_id, name, joined_at in selected:
        mine = [facts.get((user_id, c.course_id)) for c in columns]
        last = max((f.last_active for f in mine if f and f.last_active), default=None)
        rows.append(Row(user_id, name, last, tuple(_cell(c, f, today, joined_at)
                                                   for c, f in zip(columns, mine, strict=False)), joined_at))
    return Table(columns, all_columns, tuple(rows), page, pages, total, query)


# -- one trainee ---------------------------------------------------------------------------

@dataclass(frozen=True)
class StepLine:
    title: str
    optional: bool
    done: bool
    completed_at: datetime | None
    #: Where the step's responses and trainer confirmation stand (FORMAT.md §7.7-7.8), e.g.
    #: ("response waiting for review", "ready for a trainer to confirm since 3 May 2026").
    statuses: tuple[str, ...] = ()
    lang: str | None = None  # the title's language (title_language)


@dataclass(frozen=True)
class AttemptLine:
    step_title: str
    number: int
    score_percent: int
    pass_mark: int
    passed: bool
    submitted_at: datetime
    #: The critical questions (FORMAT.md §7.2) this attempt got wrong, as plain text prompts.
    critical_missed: tuple[str, ...] = ()
    lang: str | None = None  # the language of the step's title and the prompts (title_language)


def question_texts(step: Step | None, question_ids: Sequence[str]) -> tuple[str, ...]:
    """The plain-text prompts of these questions of a step (the id of one no longer in the content)."""
    prompts = {q.id: " ".join(Markup(q.prompt_html).striptags().split()) for q in step.questions} if step else {}
    return tuple(prompts.get(qid) or qid for qid in question_ids)


def step_statuses(step: Step, responses: dict[str, ResponseEntry], confirmation: StepConfirmation | None,
                  answered: Collection[str] = ()) -> tuple[str, ...]:
    """Where a step's responses (by response id) and its trainer confirmation stand, for a trainer to read;
    and, on such a step, practice questions not yet answered right (`answered`: the ids that were), which
    keep it from being done even once the response meets the standard."""
    statuses = []
    for block in step.responses:
        entry = responses.get(block.id)
        if entry is None:
            statuses.append(gettext("response not written yet"))
        elif entry.status == RESPONSE_MEETS_STANDARD:
            statuses.append(gettext("response meets the standard"))
        elif entry.status == RESPONSE_TRY_AGAIN:
            statuses.append(gettext("response: asked to try again"))
        else:
            statuses.append(gettext("response waiting for review") if block.review else gettext("response sent"))
    if step.confirmation == "trainer":
        if confirmation is not None and confirmation.status == CONFIRMATION_CONFIRMED:
            statuses.append(gettext("confirmed by a trainer"))
        elif confirmation is not None and confirmation.ready_at is not None:
            statuses.append(gettext("ready for a trainer to confirm since %(date)s",
                                    date=i18n.long_date(confirmation.ready_at)))
        else:
            statuses.append(gettext("not yet marked ready for a trainer to confirm"))
    if statuses and not step.assessment and any(q.id not in answered for q in step.questions):
        statuses.append(gettext("practice questions not answered yet"))
    return tuple(statuses)


@dataclass(frozen=True)
class CourseRecord:
    course_id: str
    title: str
    cycle: int
    started_at: datetime
    last_active_at: datetime
    completed_at: datetime | None
    steps: tuple[StepLine, ...]
    attempts: tuple[AttemptLine, ...]
    lang: str | None = None  # the title's language (title_language)
    #: The trainee's latest take of the course, unfinished, with every attempt used at an assessment step
    #: and not passed: a trainer may let them start again (coaching.restart_course).
    out_of_attempts: bool = False


@dataclass(frozen=True)
class PathStep:
    node_id: str
    situation: str  # plain text naming the node, as a trainer recognises it (runs.situation_of)
    choice_html: str
    feedback_html: str
    score: int
    red_line: bool
    chosen_at: datetime


@dataclass(frozen=True)
class RunRecord:
    run_id: int
    scenario_id: str
    title: str
    started_at: datetime
    finished_at: datetime | None
    score: int
    outcome: str | None
    passed: bool | None
    crossed_red_line: bool
    path: tuple[PathStep, ...]
    skills: tuple[SkillScore, ...] = ()  # the run's score per declared skill (FORMAT.md §7.3)
    blocks: tuple[PassBlock, ...] = ()  # pass_requires / pass_forbids rules a finished run broke
    lang: str | None = None  # the language of the title and the path's words (title_language)


@dataclass(frozen=True)
class TraineeRecord:
    user_id: int
    name: str
    cells: tuple[tuple[Column, Cell], ...]
    courses: tuple[CourseRecord, ...]
    runs: tuple[RunRecord, ...]


def choice_of(scenario: Scenario | None, made: RunChoice) -> Choice | None:
    """The content's choice a run made, by its identity (index in the file); None if since edited away."""
    node = scenario.node(made.node_id) if scenario else None
    return node.choices[made.choice_index] if node and 0 <= made.choice_index < len(node.choices) else None


def _run_path(run: ScenarioRun, scenario: Scenario | None) -> tuple[PathStep, ...]:
    path = []
    for made in run.choices:
        choice = choice_of(scenario, made)
        path.append(PathStep(
            made.node_id, runs.situation_of(scenario.node(made.node_id) if scenario else None, made.node_id),
            choice.text_html if choice else gettext("(choice %(num)s, since edited)", num=made.choice_index + 1),
            runs.feedback_after(run, scenario, made, choice) if scenario and choice else "",
            made.score, made.red_line, made.chosen_at))
    return tuple(path)


def _run_record(run: ScenarioRun, scenario: Scenario | None) -> RunRecord:
    skills: tuple[SkillScore, ...] = ()
    blocks: tuple[PassBlock, ...] = ()
    if scenario is not None:
        skills = skill_scores(scenario, skill_totals(
            scenario, ((choice_of(scenario, m), m.score) for m in run.choices)))
        if run.outcome and scenario.has_pass_endings:
            blocks = runs.pass_blocks(scenario, runs.visited(run, scenario))
    return RunRecord(
        run.id, run.scenario_id, scenario.title if scenario else run.scenario_id, run.started_at,
        run.finished_at, run.score, run.outcome, run.passed, run.crossed_red_line, _run_path(run, scenario),
        skills, blocks, title_language(scenario))


def _out_of_attempts(course: Course | None, made: Sequence[AssessmentAttempt]) -> bool:
    """Whether these attempts (already read) used up an assessment step's attempts without a pass: the rule of
    learning.assessments.AssessmentState, with no further query."""
    return any(AssessmentState(tuple(a for a in made if a.step_id == step.id), step.attempts).out_of_attempts
               for step in (course.steps if course else ()) if step.assessment)


def _attempt_line(attempt: AssessmentAttempt, course: Course | None) -> AttemptLine:
    step = course.step(attempt.step_id) if course else None
    return AttemptLine(step.title if step else attempt.step_id, attempt.number, attempt.score_percent,
                       attempt.pass_mark, attempt.passed, attempt.submitted_at,
                       question_texts(step, attempt.critical_missed or ()), title_language(step))


def trainee_record(session: DbSession, viewer: User, cohort: Cohort, user: User, catalog: Catalog,
                   today: date) -> TraineeRecord:
    """What the viewer may see of one member's training; never reflections or check-ins.

    Only what the trainer's role needs: enrolments (steps, attempts) and course-step
    runs in courses assigned to a cohort of the member's that the viewer supervises,
    and the practice runs the member chose to share. Other practice runs stay private."""
    columns = columns_for(session, cohort, catalog)
    facts = member_facts(session, [user.id], columns)
    joined_at = session.scalar(select(CohortMember.joined_at).where(CohortMember.cohort_id == cohort.id,
                                                                    CohortMember.user_id == user.id))
    cells = tuple((c, _cell(c, facts.get((user.id, c.course_id)), today, joined_at)) for c in columns)
    enrolments = list(session.scalars(select(Enrolment).where(
        Enrolment.user_id == user.id, Enrolment.course_id.in_(courses_open_to(viewer, user.id)))
        .order_by(Enrolment.started_at.desc(), Enrolment.id.desc())))
    ids = [e.id for e in enrolments]
    progress: dict[int, dict[str, StepProgress]] = {}
    attempts: dict[int, list[AssessmentAttempt]] = {}
    written: dict[int, dict[str, ResponseEntry]] = {}  # enrolment -> response id -> entry
    confirmations: dict[tuple[int, str], StepConfirmation] = {}
    answered: dict[int, set[str]] = {}  # enrolment -> practice questions answered right
    if ids:
        for sp in session.scalars(select(StepProgress).where(StepProgress.enrolment_id.in_(ids))):
            progress.setdefault(sp.enrolment_id, {})[sp.step_id] = sp
        for entry in session.scalars(select(ResponseEntry).where(ResponseEntry.enrolment_id.in_(ids))):
            written.setdefault(entry.enrolment_id, {})[entry.response_id] = entry
        for row in session.scalars(select(StepConfirmation).where(StepConfirmation.enrolment_id.in_(ids))):
            confirmations[(row.enrolment_id, row.step_id)] = row
        for enrolment_id, question_id in session.execute(select(QuestionAnswer.enrolment_id, QuestionAnswer.question_id)
                                                         .where(QuestionAnswer.enrolment_id.in_(ids),
                                                                QuestionAnswer.first_correct_at.is_not(None))):
            answered.setdefault(enrolment_id, set()).add(question_id)
        for attempt in session.scalars(select(AssessmentAttempt).where(AssessmentAttempt.enrolment_id.in_(ids))
                                       .order_by(AssessmentAttempt.submitted_at, AssessmentAttempt.number)):
            attempts.setdefault(attempt.enrolment_id, []).append(attempt)
    courses = []
    latest_seen: set[str] = set()
    for e in enrolments:  # most recent first
        course: Course | None = catalog.course(e.course_id)
        latest = e.course_id not in latest_seen
        latest_seen.add(e.course_id)
        done = progress.get(e.id, {})
        steps = tuple(StepLine(s.title, s.optional, bool(done.get(s.id) and done[s.id].completed_at),
                               done[s.id].completed_at if s.id in done else None,
                               step_statuses(s, written.get(e.id, {}), confirmations.get((e.id, s.id)),
                                             answered.get(e.id, set())),
                               title_language(s))
                      for s in (course.steps if course else ()))
        courses.append(CourseRecord(
            e.course_id, course.title if course else e.course_id, e.cycle, e.started_at, e.last_active_at,
            e.completed_at, steps, tuple(_attempt_line(a, course) for a in attempts.get(e.id, ())),
            title_language(course),
            latest and e.completed_at is None and _out_of_attempts(course, attempts.get(e.id, []))))
    records = []
    for run in session.scalars(select(ScenarioRun).where(ScenarioRun.user_id == user.id, runs_open_to(viewer))
                               .options(selectinload(ScenarioRun.choices))
                               .order_by(ScenarioRun.started_at.desc(), ScenarioRun.id.desc())):
        records.append(_run_record(run, catalog.scenario(run.scenario_id)))
    return TraineeRecord(user.id, user.display_name, cells, tuple(courses), tuple(records))


@dataclass(frozen=True)
class Summary:
    """The line above the progress table: "3 of 12 completed, 2 overdue"."""

    members: int
    completed: int  # members who completed every assigned course
    overdue: int  # members with an assigned course past its due date and not completed (having joined before it)

    def __str__(self) -> str:
        return gettext("%(completed)s of %(members)s completed, %(overdue)s overdue",
                       completed=self.completed, members=self.members, overdue=self.overdue)


def summary(session: DbSession, cohort: Cohort, columns: Sequence[Column], today: date) -> Summary:
    """Counts over the whole cohort (not the filtered page), in two queries."""
    members = session.scalar(select(func.count()).select_from(CohortMember)
                             .where(CohortMember.cohort_id == cohort.id)) or 0
    assigned = [c.course_id for c in columns]
    past_due = [c for c in columns if c.due_on is not None and c.due_on < today]
    if not assigned or not members:
        return Summary(members, 0, 0)
    completed, clear_of_overdue = session.execute(_completion_counts(session, cohort, assigned, past_due)).one()
    overdue = members - clear_of_overdue if past_due else 0
    return Summary(members, completed, overdue)


def _completion_counts(session: DbSession, cohort: Cohort, assigned: Sequence[str], past_due: Sequence[Column]):
    """(members who completed every assigned course, members clear of every past-due one), in one statement.

    Clear of a past-due course: completed it, or joined the cohort after its due date (cohorts.joining).

    The statement's shape differs by database (docs/performance.md, "Scale figures"). PostgreSQL
    reads each member's completed enrolments once, in a LATERAL subquery through an index of
    completed enrolments by member (ix_enrolments_completed), and counts the distinct courses (a
    join would read every enrolment on the site; correlated EXISTS per course made its planner
    cost the statement ten times higher and JIT-compile it: 475 ms). SQLite probes each course in
    turn with EXISTS and stops at the first not completed: one or two index probes for most
    members, where grouping their completed rows cost twice as much. A member with nothing
    completed is never counted as having completed everything, and is not clear of an overdue
    course while one is past due. Certificates are not read: every issued certificate comes from
    a completed enrolment of its holder in its course (certificates.services.draft), and no
    completion is ever undone, so they would change no count (reading them cost PostgreSQL's
    summary 50 to 100 ms more at 10,000 members).
    """
    def count_of(courses: Sequence[str], course: ColumnElement[Any]):
        return func.count().filter(course.in_(courses)) if courses else literal(0)

    # The past-due courses some member joined after: for those, whether each member is held to them.
    held = [c for c in past_due if c.late_joiners]
    everyone_held = [c.course_id for c in past_due if not c.late_joiners]
    if not is_postgresql(session):
        def completed(course_id: str) -> ColumnElement[bool]:
            return (select(Enrolment.id).where(Enrolment.user_id == CohortMember.user_id,
                                               _enrolment_condition("d", course_id))
                    .correlate(CohortMember).exists())
        clear = [*(completed(c) for c in everyone_held), *(or_(_joined_late(c), completed(c.course_id)) for c in held)]
        return (select(func.count(case((and_(true(), *(completed(c) for c in assigned)), 1))),
                       func.count(case((and_(true(), *clear), 1))))
                .where(CohortMember.cohort_id == cohort.id))
    completed_courses = (select(Enrolment.course_id).distinct()
                         .where(Enrolment.user_id == CohortMember.user_id, Enrolment.completed_at.is_not(None))
                         .correlate(CohortMember).subquery("completed_courses"))
    # Completed past-due courses the member is held to, against how many they are held to.
    course = completed_courses.c.course_id
    counted = or_(course.in_(everyone_held) if everyone_held else false(),
                  *(and_(course == c.course_id, ~_joined_late(c)) for c in held))
    per_member = (select(count_of(assigned, course).label("done"),
                         func.count().filter(counted).label("done_past_due"))
                  .lateral("per_member"))
    held_to = literal(len(everyone_held)) + sum((case((_joined_late(c), 0), else_=1) for c in held), literal(0))
    rows = (select(per_member.c.done, per_member.c.done_past_due, held_to.label("held_to")).select_from(CohortMember)
            .join(per_member, true()).where(CohortMember.cohort_id == cohort.id).subquery())
    return select(func.count(case((rows.c.done == len(assigned), 1))),
                  func.count(case((rows.c.done_past_due == rows.c.held_to, 1))))
