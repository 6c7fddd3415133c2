"""Enrolments, step completion and course completion (FORMAT.md §3.2 and §5).

Progress is keyed by content ids (course, step, question), so that editing a
course keeps whatever still exists; a completion, once reached, stands.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from flask_babel import gettext
from sqlalchemy import Row, Select, and_, bindparam, literal_column, select, true, union_all, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from lms.content import Course, Step
from lms.core.db import DbSession
from lms.core.models import utcnow
from lms.core.services import ServiceError
from lms.core.sql import bound_values, built_once, dialect_insert
from lms.learning.models import (
    CONFIRMATION_CONFIRMED,
    CONFIRMATION_READY,
    RESPONSE_MEETS_STANDARD,
    RESPONSE_SUBMITTED,
    AssessmentAttempt,
    Enrolment,
    QuestionAnswer,
    ReflectionEntry,
    ResponseEntry,
    StepConfirmation,
    StepProgress,
)

T = TypeVar("T")


def insert_once(session: DbSession, obj: T, existing: Select[Any]) -> tuple[T, bool]:
    """Insert `obj` unless a unique constraint says it exists; return (row, created).

    A savepoint keeps the caller's transaction usable when a concurrent request
    (two tabs, a double click) inserted the same row first.
    """
    try:
        with session.begin_nested():
            session.add(obj)
        return obj, True
    except IntegrityError:
        found: T | None = session.scalar(existing)
        if found is None:  # not a duplicate after all: a real error
            raise
        return found, False


_LATEST_ENROLMENT = (select(Enrolment)
                     .where(Enrolment.user_id == bindparam("user_id"), Enrolment.course_id == bindparam("course_id"))
                     .order_by(Enrolment.cycle.desc()).limit(1))


def latest_enrolment(session: DbSession, user_id: int, course_id: str) -> Enrolment | None:
    """The newest cycle of a user's enrolment in a course, if any (a statement built once: every POST on a step)."""
    return session.scalar(_LATEST_ENROLMENT, {"user_id": user_id, "course_id": course_id})


def enrol(session: DbSession, user_id: int, course: Course) -> Enrolment:
    """The user's current enrolment in the course, created on first use."""
    current = latest_enrolment(session, user_id, course.id)
    if current is not None:
        return current
    enrolment, _ = insert_once(
        session, Enrolment(user_id=user_id, course_id=course.id, cycle=1),
        select(Enrolment).where(Enrolment.user_id == user_id, Enrolment.course_id == course.id,
                                Enrolment.cycle == 1))
    return enrolment


def start_retake(session: DbSession, user_id: int, course: Course) -> Enrolment:
    """Begin a new cycle of a completed course (e.g. a refresher for a new certificate)."""
    current = latest_enrolment(session, user_id, course.id)
    if current is None or current.completed_at is None:
        raise ServiceError(gettext("You can retake a course once you have completed it."))
    enrolment, _ = insert_once(
        session, Enrolment(user_id=user_id, course_id=course.id, cycle=current.cycle + 1),
        select(Enrolment).where(Enrolment.user_id == user_id, Enrolment.course_id == course.id,
                                Enrolment.cycle == current.cycle + 1))
    return enrolment


def missing_prerequisite_ids(session: DbSession, user_id: int, course: Course) -> list[str]:
    """Ids of the required courses the user has not completed yet, in the course's order."""
    if not course.requires:
        return []
    done = set(session.scalars(
        select(Enrolment.course_id).where(Enrolment.user_id == user_id, Enrolment.course_id.in_(course.requires),
                                          Enrolment.completed_at.is_not(None))))
    return [c for c in course.requires if c not in done]


def record_visit(session: DbSession, enrolment: Enrolment, step: Step) -> StepProgress:
    """Note that the trainee opened a step (for "continue where you left off"); return the step's row, an ORM
    object for a caller that changes it (`complete_step`). A page that only shows the row uses `note_visit`.

    One statement on SQLite and PostgreSQL alike: an upsert of the step's row
    (INSERT ... ON CONFLICT DO UPDATE SET last_seen_at ... RETURNING), whose trigger
    moves the enrolment's place (`last_step_id`, `last_active_at`) in the database.
    The enrolment in the session is given the same values, unchanged as far as the
    ORM knows, so nothing writes them twice.
    """
    now = utcnow()
    row: StepProgress = session.scalars(
        built_once(session, "visit", lambda s: _visit_upsert(s, StepProgress)), _visit_values(enrolment, step, now),
        execution_options={"populate_existing": True}).one()
    _moved_place(enrolment, step, now)
    return row


def note_visit(session: DbSession, enrolment: Enrolment, step: Step) -> Row[Any]:
    """As `record_visit`, returning the step's row as a plain read-only row (`step_id`, `completed_at`, ...).

    The same upsert as a Core statement: the ORM's making and tracking of an object cost more than the
    statement itself, on every first view of a step. An ORM copy of the row already in the session keeps
    its old `last_seen_at`: show this row instead.
    """
    now = utcnow()
    row = session.execute(built_once(session, "visit row", lambda s: _visit_upsert(s, StepProgress.__table__)),
                          _visit_values(enrolment, step, now)).one()
    _moved_place(enrolment, step, now)
    return row


def _visit_values(enrolment: Enrolment, step: Step, now: datetime) -> dict[str, Any]:
    return {"enrolment_id": enrolment.id, "step_id": step.id, "first_seen_at": now, "last_seen_at": now}


def _moved_place(enrolment: Enrolment, step: Step, now: datetime) -> None:
    # What the trigger wrote, as the enrolment's committed values: the ORM has nothing to write back.
    set_committed_value(enrolment, "last_step_id", step.id)
    set_committed_value(enrolment, "last_active_at", now)


def _visit_upsert(session: DbSession, target: Any) -> Any:
    """The visit's upsert, returning the ORM entity (`target` StepProgress) or the table's columns (its table)."""
    table = StepProgress.__table__
    upsert = dialect_insert(session, target).values(
        bound_values(StepProgress, "enrolment_id", "step_id", "first_seen_at", "last_seen_at"))
    upsert = upsert.on_conflict_do_update(index_elements=[table.c.enrolment_id, table.c.step_id],
                                          set_={"last_seen_at": upsert.excluded.last_seen_at})
    return upsert.returning(StepProgress) if target is StepProgress else upsert.returning(*table.c)


#: How stale "last active" may be before a page view writes it again.
VISIT_RESOLUTION = timedelta(minutes=1)


def visit_is_recorded(enrolment: Enrolment, step: Step, rows: Mapping[str, object]) -> bool:
    """Whether a visit to `step` is already on record, recently enough that a reload need not write."""
    return (step.id in rows and enrolment.last_step_id == step.id
            and utcnow() - enrolment.last_active_at < VISIT_RESOLUTION)


@dataclass
class StepPageReads:
    """What a step page reads before it renders, in one query (`step_page_reads`)."""

    enrolment: Enrolment | None
    #: Every step opened in the enrolment, by step id (the viewed step's as `note_visit` returned it, once noted).
    rows: dict[str, StepProgress | Row[Any]]
    #: The trainee's latest answers to the step's practice questions, by question id.
    answers: dict[str, QuestionAnswer]
    #: The trainee's reflections on the step's prompts, by reflection id.
    reflections: dict[str, ReflectionEntry]


def _newest_enrolment_id() -> Any:
    return (select(Enrolment.id)
            .where(Enrolment.user_id == bindparam("user_id"), Enrolment.course_id == bindparam("course_id"))
            .order_by(Enrolment.cycle.desc()).limit(1).scalar_subquery())


def _step_page_read(with_answers: bool, with_reflections: bool) -> Any:
    """The step page's read: the newest enrolment, every step opened in it and, as the step asks, its answers and
    reflections.

    One row per opened step, answer and reflection, not their product: each kind of row is joined to one of a
    few numbered copies of the enrolment row (`kinds`), the others' columns left NULL.
    """
    if not (with_answers or with_reflections):
        return (select(Enrolment, StepProgress)
                .outerjoin(StepProgress, StepProgress.enrolment_id == Enrolment.id)
                .where(Enrolment.id == _newest_enrolment_id()))
    numbers = [1] + [2] * with_answers + [3] * with_reflections
    kinds = union_all(*(select(literal_column(str(n)).label("kind")) for n in numbers)).subquery("kinds")
    entities = [Enrolment, StepProgress] + [QuestionAnswer] * with_answers + [ReflectionEntry] * with_reflections
    statement = (select(*entities).select_from(Enrolment).join(kinds, true())
                 .outerjoin(StepProgress, and_(kinds.c.kind == 1, StepProgress.enrolment_id == Enrolment.id)))
    if with_answers:
        statement = statement.outerjoin(QuestionAnswer, and_(
            kinds.c.kind == 2, QuestionAnswer.enrolment_id == Enrolment.id,
            QuestionAnswer.question_id.in_(bindparam("question_ids", expanding=True))))
    if with_reflections:
        statement = statement.outerjoin(ReflectionEntry, and_(
            kinds.c.kind == 3, ReflectionEntry.user_id == Enrolment.user_id,
            ReflectionEntry.course_id == Enrolment.course_id,
            ReflectionEntry.reflection_id.in_(bindparam("reflection_ids", expanding=True))))
    return statement.where(Enrolment.id == _newest_enrolment_id())


#: The four shapes of the step page's read, built once: SQLAlchemy then neither builds them nor works out their
#: cache keys again on each view.
_STEP_PAGE_READS = {(a, r): _step_page_read(a, r) for a in (False, True) for r in (False, True)}


def step_page_reads(session: DbSession, user_id: int, course_id: str, step: Step) -> StepPageReads:
    """The newest cycle of the user's enrolment in the course, every step opened in it, and the step's practice
    answers (not an assessment's: those are the attempt's) and reflections, in one query."""
    with_answers = bool(step.questions) and not step.assessment
    with_reflections = bool(step.reflections)
    parameters: dict[str, Any] = {"user_id": user_id, "course_id": course_id}
    if with_answers:
        parameters["question_ids"] = [q.id for q in step.questions]
    if with_reflections:
        parameters["reflection_ids"] = [r.id for r in step.reflections]
    reads = StepPageReads(None, {}, {}, {})
    for found, row, *extra in session.execute(_STEP_PAGE_READS[with_answers, with_reflections], parameters):
        reads.enrolment = found
        if row is not None:
            reads.rows[row.step_id] = row
        for item in extra:
            if isinstance(item, QuestionAnswer):
                reads.answers[item.question_id] = item
            elif isinstance(item, ReflectionEntry):
                reads.reflections[item.reflection_id] = item
    return reads


def step_rows(session: DbSession, enrolment_id: int) -> dict[str, StepProgress]:
    """Every step the trainee opened in this enrolment, by step id (one query)."""
    return {row.step_id: row for row in session.scalars(
        select(StepProgress).where(StepProgress.enrolment_id == enrolment_id))}


def completed_step_ids(session: DbSession, enrolment_id: int) -> set[str]:
    return set(session.scalars(select(StepProgress.step_id).where(
        StepProgress.enrolment_id == enrolment_id, StepProgress.completed_at.is_not(None))))


def passed_assessment_ids(session: DbSession, enrolment_id: int) -> set[str]:
    return set(session.scalars(select(AssessmentAttempt.step_id).where(
        AssessmentAttempt.enrolment_id == enrolment_id, AssessmentAttempt.passed.is_(True))))


def complete_step(session: DbSession, enrolment: Enrolment, course: Course, step: Step) -> bool:
    """Mark a step complete (idempotent) and complete the course if that was the last.

    Returns True if this call completed the course.
    """
    row = record_visit(session, enrolment, step)
    if row.completed_at is None:
        row.completed_at = utcnow()
    session.flush()
    return evaluate_completion(session, enrolment, course)


def requirements_met(session: DbSession, enrolment_id: int, step: Step) -> bool:
    """Whether the trainee has done everything the step asks (assessments and role-plays complete elsewhere)."""
    if step.questions:
        right = set(session.scalars(select(QuestionAnswer.question_id).where(
            QuestionAnswer.enrolment_id == enrolment_id, QuestionAnswer.question_id.in_([q.id for q in step.questions]),
            QuestionAnswer.first_correct_at.is_not(None))))
        if any(q.id not in right for q in step.questions):
            return False
    if step.responses:
        statuses = dict(session.execute(select(ResponseEntry.response_id, ResponseEntry.status).where(
            ResponseEntry.enrolment_id == enrolment_id,
            ResponseEntry.response_id.in_([r.id for r in step.responses]))).all())
        for response in step.responses:
            if response.id not in statuses:
                return False
            if response.review and statuses[response.id] != RESPONSE_MEETS_STANDARD:
                return False
    if step.confirmation == "trainer":
        status = session.scalar(select(StepConfirmation.status).where(
            StepConfirmation.enrolment_id == enrolment_id, StepConfirmation.step_id == step.id))
        if status != CONFIRMATION_CONFIRMED:
            return False
    return True


def _asks_more_than_a_visit(step: Step) -> bool:
    """A step whose completion `requirements_met` decides (assessments and role-plays complete elsewhere)."""
    return not step.assessment and bool(step.questions or step.responses or step.confirmation == "trainer")


def evaluate_completion(session: DbSession, enrolment: Enrolment, course: Course) -> bool:
    """Complete the enrolment when every required step is done, and still meets what it asks, and every
    assessment passed.

    A step marked done before its trainers added to what it asks (a question, a `review`, a trainer's
    confirmation) is not done until that is met: it is marked not done again, so the trainee's pages show
    what is left rather than a course that will not finish."""
    if enrolment.completed_at is not None:
        return False
    done = completed_step_ids(session, enrolment.id)
    passed = passed_assessment_ids(session, enrolment.id)
    if not all(s.id in done for s in course.required_steps):
        return False
    if not all(s.id in passed for s in course.assessment_steps):
        return False
    unmet = [s.id for s in course.required_steps
             if _asks_more_than_a_visit(s) and not requirements_met(session, enrolment.id, s)]
    if unmet:
        session.execute(update(StepProgress).where(StepProgress.enrolment_id == enrolment.id,
                                                   StepProgress.step_id.in_(unmet))
                        .values(completed_at=None))
        return False
    enrolment.completed_at = utcnow()
    enrolment.completed_version = course.version
    enrolment.completion_facts = completion_facts(session, enrolment.id, course)
    session.flush()
    return True


def completion_facts(session: DbSession, enrolment_id: int, course: Course) -> dict[str, Any]:
    """What a certificate of a completion states that a later edit of the course could change, as it is now
    (`course_facts`), with the pass mark of the assessment the enrolment passed."""
    marks = session.scalars(select(AssessmentAttempt.pass_mark).where(
        AssessmentAttempt.enrolment_id == enrolment_id, AssessmentAttempt.passed.is_(True))).all()
    return course_facts(course, marks)


def course_facts(course: Course, pass_marks: Iterable[int]) -> dict[str, Any]:
    """A course's certificate hours and months of validity, the pass mark of an assessment passed (None when the
    course has none), and whether a role-play is part of it: kept with a completion, so that a certificate
    claimed after the course changed describes what was completed (`Enrolment.completion_facts`)."""
    spec, marks = course.certificate, list(pass_marks)
    return {"hours": spec.hours if spec else None, "valid_months": spec.valid_months if spec else None,
            "pass_mark": max(marks) if marks and course.assessment_steps else None,
            "roleplay": any(step.scenario and not step.optional for step in course.steps)}


@dataclass(frozen=True)
class CourseProgress:
    """Where a trainee stands in a course, for pages to show."""

    enrolment: Enrolment | None
    completed_steps: frozenset[str]
    required: int
    required_done: int
    next_step: Step | None
    # Steps where the trainee has done their part and a trainer's confirmation or review is awaited.
    waiting: frozenset[str] = frozenset()

    def waiting_line(self, step: Step) -> str | None:
        """What the trainee is told about a step that waits for a trainer, else None."""
        if step.id not in self.waiting:
            return None
        if step.confirmation == "trainer":
            return gettext("Waiting for a trainer to confirm")
        return gettext("Waiting for a trainer to review your response")

    @property
    def status(self) -> str:
        if self.enrolment is None:
            return "not-started"
        if self.enrolment.completed_at is not None:
            return "completed"
        return "in-progress"

    @property
    def percent(self) -> int:
        if self.status == "completed":
            return 100
        return round(100 * self.required_done / self.required) if self.required else 0


def course_progress(session: DbSession, user_id: int, course: Course) -> CourseProgress:
    """The trainee's progress in the latest cycle of a course."""
    enrolment = latest_enrolment(session, user_id, course.id)
    done = frozenset(completed_step_ids(session, enrolment.id)) if enrolment else frozenset()
    pending = _pending_trainer(session, [enrolment.id]).get(enrolment.id) if enrolment else None
    return _progress(course, enrolment, done, pending)


@dataclass
class _Pending:
    """What a trainer still has to do in one enrolment: steps marked ready, responses awaiting review."""

    ready_steps: set[str]
    submitted_responses: set[str]  # response ids with status "submitted"
    responded: set[str]  # every response id with an entry


def _pending_trainer(session: DbSession, enrolment_ids: list[int]) -> dict[int, _Pending]:
    """Trainer work awaited per enrolment (two queries whatever the number of enrolments)."""
    pending: dict[int, _Pending] = {}
    if not enrolment_ids:
        return pending
    for enrolment_id, step_id in session.execute(select(StepConfirmation.enrolment_id, StepConfirmation.step_id).where(
            StepConfirmation.enrolment_id.in_(enrolment_ids), StepConfirmation.status == CONFIRMATION_READY)):
        pending.setdefault(enrolment_id, _Pending(set(), set(), set())).ready_steps.add(step_id)
    for enrolment_id, response_id, status in session.execute(
            select(ResponseEntry.enrolment_id, ResponseEntry.response_id, ResponseEntry.status)
            .where(ResponseEntry.enrolment_id.in_(enrolment_ids))):
        entry = pending.setdefault(enrolment_id, _Pending(set(), set(), set()))
        entry.responded.add(response_id)
        if status == RESPONSE_SUBMITTED:
            entry.submitted_responses.add(response_id)
    return pending


def _waiting(course: Course, done: frozenset[str], pending: _Pending | None) -> frozenset[str]:
    """Steps not done where the trainee has done their part and waits for a trainer (FORMAT.md §7.7-7.8)."""
    if pending is None:
        return frozenset()
    waiting = set()
    for step in course.steps:
        if step.id in done:
            continue
        confirm_awaited = step.confirmation == "trainer" and step.id in pending.ready_steps
        review_awaited = (any(r.review and r.id in pending.submitted_responses for r in step.responses)
                          and all(r.id in pending.responded for r in step.responses))
        if confirm_awaited or review_awaited:
            waiting.add(step.id)
    return frozenset(waiting)


def _progress(course: Course, enrolment: Enrolment | None, done: frozenset[str],
              pending: _Pending | None = None) -> CourseProgress:
    required = course.required_steps
    next_step = None
    waiting = _waiting(course, done, pending)
    if enrolment is not None:
        # A step waiting for a trainer is not done, but the trainee can carry on past it meanwhile.
        todo = [s for s in course.steps if s.id not in done and not s.optional]
        next_step = next((s for s in todo if s.id not in waiting), todo[0] if todo else None)
    return CourseProgress(
        enrolment=enrolment, completed_steps=done, required=len(required),
        required_done=sum(1 for s in required if s.id in done), next_step=next_step, waiting=waiting,
    )


def latest_enrolments(session: DbSession, user_id: int) -> dict[str, Enrolment]:
    """The newest cycle of each of the user's enrolments, by course id (one query)."""
    latest: dict[str, Enrolment] = {}
    for enrolment in session.scalars(select(Enrolment).where(Enrolment.user_id == user_id)
                                     .order_by(Enrolment.course_id, Enrolment.cycle)):
        latest[enrolment.course_id] = enrolment  # ordered by cycle: the last one wins
    return latest


def progress_by_course(session: DbSession, user_id: int, courses: Iterable[Course],
                       latest: Mapping[str, Enrolment] | None = None) -> dict[str, CourseProgress]:
    """course_progress for many courses in four queries, for lists (no N+1)."""
    if latest is None:
        latest = latest_enrolments(session, user_id)
    done: dict[int, set[str]] = {}
    if latest:
        for enrolment_id, step_id in session.execute(
                select(StepProgress.enrolment_id, StepProgress.step_id).where(
                    StepProgress.enrolment_id.in_([e.id for e in latest.values()]),
                    StepProgress.completed_at.is_not(None))):
            done.setdefault(enrolment_id, set()).add(step_id)
    pending = _pending_trainer(session, [e.id for e in latest.values()])
    result = {}
    for course in courses:
        enrolment = latest.get(course.id)
        result[course.id] = _progress(course, enrolment,
                                      frozenset(done.get(enrolment.id, ())) if enrolment else frozenset(),
                                      pending.get(enrolment.id) if enrolment else None)
    return result


def resume_step(course: Course, state: CourseProgress) -> Step | None:
    """Where "Continue" leads: the step the trainee left unfinished, else the first required step not done.

    A step already done (a passed assessment, say) is never where they need to go: Continue then
    leads to the first unfinished required step, wherever it is in the course.
    """
    enrolment = state.enrolment
    if enrolment is not None and enrolment.last_step_id and enrolment.completed_at is None:
        last = course.step(enrolment.last_step_id)
        # A step removed by an edit, done, or waiting for a trainer falls back to the next one to do.
        if last is not None and last.id not in state.completed_steps and last.id not in state.waiting \
                and not last.optional:
            return last
    if enrolment is not None and enrolment.completed_at is not None and enrolment.last_step_id:
        last = course.step(enrolment.last_step_id)
        if last is not None:  # "Look through it again" opens where they were
            return last
    return state.next_step or (course.steps[0] if course.steps else None)


@dataclass(frozen=True)
class MyCourse:
    """One line of "My training": a course the trainee has started, in its latest cycle."""

    course_id: str
    course: Course | None  # None when the course is no longer published
    enrolment: Enrolment
    state: CourseProgress | None
    resume: Step | None

    @property
    def title(self) -> str:
        return self.course.title if self.course else self.course_id

    @property
    def completed(self) -> bool:
        return self.enrolment.completed_at is not None


def my_training(session: DbSession, user_id: int, courses: Mapping[str, Course]) -> dict[str, list[MyCourse]]:
    """The user's courses split into in progress and completed (for "My training" and the home page)."""
    mine = my_courses(session, user_id, courses)
    return {"in_progress": [m for m in mine if not m.completed], "completed": [m for m in mine if m.completed]}


def my_courses(session: DbSession, user_id: int, courses: Mapping[str, Course]) -> list[MyCourse]:
    """The user's courses, most recently active first (two queries whatever the number)."""
    latest = latest_enrolments(session, user_id)
    published = [courses[c] for c in latest if c in courses]
    states = progress_by_course(session, user_id, published, latest)
    result = []
    for course_id, enrolment in latest.items():
        course = courses.get(course_id)
        state = states.get(course_id)
        result.append(MyCourse(course_id, course, enrolment, state,
                               resume_step(course, state) if course and state else None))
    result.sort(key=lambda item: item.enrolment.last_active_at, reverse=True)
    return result
