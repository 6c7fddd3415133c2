"""The progress table's facts at scale: each enrolment's list of completed steps, and the sorted and
filtered pages it serves (docs/performance.md, "Scale figures").

The list is kept by triggers (migration 0011_cohort_facts), so every write to step rows must
keep it exact, whoever makes it: the services, or plain SQL. The sorted and filtered pages read
it, the members' most recent activity and their completions in SQL; they must list exactly the
members, in exactly the order, that the cells shown for every member give.
"""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select, text

from lms.accounts.models import User
from lms.catalog.services import catalog
from lms.cohorts import reports
from lms.core.db import db
from lms.core.models import utcnow
from lms.learning import progress
from lms.learning.models import Enrolment, StepProgress
from tests.factories import (
    LISTENING_REQUIRED,
    TODAY,
    assert_completed_steps_exact,
    certify,
    enrol,
    join,
    make_cohort,
    quick_user,
)


def _listed(session, enrolment_id: int) -> list[str]:
    session.expire_all()
    steps = session.scalar(select(Enrolment.completed_steps).where(Enrolment.id == enrolment_id)) or ""
    return sorted(filter(None, steps.replace("[", "").split("]")))


def test_the_list_of_completed_steps_follows_every_write_to_step_rows(app, session):
    user = quick_user(session, "Owl")
    with app.app_context():
        course = catalog().course("listening")
        enrolment = progress.enrol(session, user.id, course)
        session.commit()
        assert _listed(session, enrolment.id) == []
        # A visit is not a completion; completing twice lists the step once.
        progress.record_visit(session, enrolment, course.step("welcome"))
        session.commit()
        assert _listed(session, enrolment.id) == []
        for step_id in ("welcome", "welcome", "optional", "practice"):
            progress.complete_step(session, enrolment, course, course.step(step_id))
            session.commit()
        assert _listed(session, enrolment.id) == ["optional", "practice", "welcome"]
    # Writes that bypass the services: a completed row inserted, a completion cleared, a step renamed,
    # a completed row deleted, a completion set again.
    e_id = enrolment.id
    session.execute(text("INSERT INTO step_progress (enrolment_id, step_id, first_seen_at, last_seen_at, completed_at)"
                         " VALUES (:e, 'roleplay', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
                    {"e": e_id})
    assert _listed(session, e_id) == ["optional", "practice", "roleplay", "welcome"]
    session.execute(text("UPDATE step_progress SET completed_at = NULL WHERE enrolment_id = :e "
                         "AND step_id = 'practice'"), {"e": e_id})
    assert _listed(session, e_id) == ["optional", "roleplay", "welcome"]
    session.execute(text("UPDATE step_progress SET step_id = 'retired-step' WHERE enrolment_id = :e "
                         "AND step_id = 'optional'"), {"e": e_id})
    assert _listed(session, e_id) == ["retired-step", "roleplay", "welcome"]
    session.execute(text("DELETE FROM step_progress WHERE enrolment_id = :e AND step_id = 'roleplay'"), {"e": e_id})
    assert _listed(session, e_id) == ["retired-step", "welcome"]
    session.execute(text("UPDATE step_progress SET completed_at = CURRENT_TIMESTAMP WHERE enrolment_id = :e "
                         "AND step_id = 'practice'"), {"e": e_id})
    assert _listed(session, e_id) == ["practice", "retired-step", "welcome"]
    session.commit()
    assert_completed_steps_exact(session)
    # A retake starts a new list; the first cycle keeps its own.
    session.get(Enrolment, e_id).completed_at = utcnow()
    session.commit()
    with app.app_context():
        retake = progress.start_retake(session, user.id, course)
        progress.complete_step(session, retake, course, course.step("welcome"))
        session.commit()
    assert _listed(session, retake.id) == ["welcome"]
    assert _listed(session, e_id) == ["practice", "retired-step", "welcome"]
    # Deleting the enrolment (an account's deletion cascades to it) takes its step rows with it.
    session.execute(text("DELETE FROM enrolments WHERE id = :e"), {"e": retake.id})
    session.commit()
    assert session.scalar(select(StepProgress.id).where(StepProgress.enrolment_id == retake.id)) is None
    assert_completed_steps_exact(session)


def _cohort_of_every_kind(session, trainer):
    """Members in every state of two courses, both past due, with ties of progress and activity; a fifth of them
    joined after the due date (never overdue: cohorts.joining)."""
    cohort = make_cohort(session, trainer, courses=("listening", "advanced"), due_on=TODAY - timedelta(days=1))
    now = utcnow()
    people = [quick_user(session, f"Member {n:02d}") for n in range(24)]
    twin = User(email="twin@example.org", display_name="member 03", password_hash="x", role="trainee")
    session.add(twin)  # the same name bar case: ties broken by id
    session.flush()
    people.append(twin)
    join(session, cohort, *(p for n, p in enumerate(people) if n % 5 != 2))
    # Joined after the due date (yesterday): a few minutes ago, but never before today began, or a run just after
    # midnight would see them join on the due date itself.
    joined_today = max(now - timedelta(minutes=5), datetime.combine(TODAY, time(0, 1), tzinfo=UTC))
    join(session, cohort, *(p for n, p in enumerate(people) if n % 5 == 2), joined_at=joined_today)
    same_time = now - timedelta(hours=5)
    plans = [
        {"steps": ("welcome",)}, {"steps": ("welcome", "optional")},  # the optional step never counts
        {"steps": ("optional",)}, {"steps": ("welcome", "retired-step")},  # nor a step no longer in the course
        {"steps": LISTENING_REQUIRED, "completed": True}, {"steps": ("welcome", "practice")}, {},
        {"steps": ("welcome", "practice", "roleplay"), "last_active": same_time},
        {"steps": ("welcome", "practice"), "last_active": same_time},
    ]
    for n, person in enumerate(people):
        if n % 11 == 10:
            continue  # never started anything
        plan = dict(plans[n % len(plans)])
        plan.setdefault("last_active", now - timedelta(hours=n))
        enrol(session, person, "listening", **plan)
        if n % 4 == 0:
            enrol(session, person, "advanced", steps=("only",), completed=n % 8 == 4,
                  last_active=now - timedelta(minutes=n * 7))
    # Later cycles: any completion stands; otherwise the latest cycle's steps are the progress.
    enrol(session, people[5], "listening", steps=LISTENING_REQUIRED, completed=True, cycle=2)
    enrol(session, people[8], "listening", steps=("welcome",), cycle=2)
    # Certificates of every standing, one without a completed enrolment, one revoked.
    certify(session, people[4], valid_until=TODAY + timedelta(days=365))
    certify(session, people[13], valid_until=TODAY + timedelta(days=20))
    certify(session, people[22], valid_until=TODAY - timedelta(days=3))
    certify(session, people[7], course_id="advanced")
    certify(session, people[9], status="revoked", code="revoked-9")
    # Activity outside the cohort's courses is not activity here.
    enrol(session, people[11], "retired-course", last_active=now + timedelta(hours=1))
    return cohort


def _expected(app, cohort, query: reports.Query, size: int) -> tuple[list[str], int]:
    """The page the cells say: every member's row built in Python, filtered and sorted as the page promises."""
    catalog_ = app.extensions["lms_catalog"].catalog
    everyone = reports.progress_table(db.session, cohort, catalog_, reports.Query(course=query.course), TODAY,
                                      page_size=None)
    columns = everyone.columns
    facts = reports.member_facts(db.session, [r.user_id for r in everyone.rows], columns)
    rows = [r for r in everyone.rows if query.status is None or any(c.status == query.status for c in r.cells)]

    def key(row):
        if query.sort == "progress":
            f = facts.get((row.user_id, columns[0].course_id))
            value = None if f is None else (len(columns[0].required) + 1 if f.completed_at else f.done)
            value = 0 if value is None else value
        elif query.sort == "last_active":
            value = row.last_active
        else:
            value = row.name.lower()
        return value

    present = [r for r in rows if key(r) is not None]
    absent = [r for r in rows if key(r) is None]  # NULLs last in either order
    ties = sorted(present, key=lambda r: (r.name.lower(), r.user_id))
    ordered = sorted(ties, key=key, reverse=query.descending)
    ordered += sorted(absent, key=lambda r: (r.name.lower(), r.user_id))
    start = (query.page - 1) * size
    return [r.name for r in ordered[start:start + size]], len(rows)


@pytest.mark.parametrize("few", [True, False], ids=["probes", "aggregates"])
def test_sorted_and_filtered_pages_list_what_the_cells_say(app, session, trainer, monkeypatch, few):
    cohort = _cohort_of_every_kind(session, trainer)
    if not few:  # SQLite's other plan: the aggregates over each member's rows
        monkeypatch.setattr(reports, "_FEW_COURSES", 0)
    catalog_ = app.extensions["lms_catalog"].catalog
    size = 6
    checked = 0
    for course in (None, "listening", "advanced"):
        for status in (None, *reports.STATUSES):
            for sort in reports.SORTS:
                for descending in (False, True):
                    for page in (1, 2, 4):
                        query = reports.Query(course=course, status=status, sort=sort, descending=descending,
                                              page=page)
                        names, total = _expected(app, cohort, query, size)
                        if not names and page > 1:
                            continue  # past the end: the page shown is the last (tested elsewhere)
                        shown = reports.progress_table(db.session, cohort, catalog_, query, TODAY, page_size=size)
                        assert ([r.name for r in shown.rows], shown.total) == (names, total), query
                        checked += 1
    assert checked > 200
    # The summary line says what the cells say: a course is done when its cell shows it completed or a
    # certificate of any standing; a member is late with any cell "Overdue". (The summary reads completed
    # enrolments only: in the app every certificate comes from one, see reports._completion_counts.)
    everyone = reports.progress_table(db.session, cohort, catalog_, reports.Query(), TODAY, page_size=None)
    unfinished = {"overdue", "in_progress", "not_started"}
    done = sum(all(cell.status not in unfinished for cell in r.cells) for r in everyone.rows)
    late = sum(any(cell.status == "overdue" for cell in r.cells) for r in everyone.rows)
    assert reports.summary(db.session, cohort, everyone.columns, TODAY) == reports.Summary(25, done, late)
    assert late > 0 and done > 0
    # Those who joined after the due date are in progress or not started there, and said to have joined late.
    joined_late = {(c.status, c.joined_after_due) for r in everyone.rows for c in r.cells if c.joined_after_due}
    assert joined_late == {("in_progress", True), ("not_started", True)}


def test_steps_done_on_the_page_are_the_required_step_rows_completed(app, session, trainer):
    """The table's progress (from each enrolment's list of completed steps) counts the latest cycle's
    completed step rows of the course's required steps, read here from the step rows themselves."""
    cohort = _cohort_of_every_kind(session, trainer)
    catalog_ = app.extensions["lms_catalog"].catalog
    everyone = reports.progress_table(db.session, cohort, catalog_, reports.Query(), TODAY, page_size=None)
    facts = reports.member_facts(db.session, [r.user_id for r in everyone.rows], everyone.columns)
    checked = 0
    for (user_id, course_id), f in facts.items():
        column = next(c for c in everyone.columns if c.course_id == course_id)
        if f.latest_id is None:
            continue
        from_rows = db.session.scalar(
            select(func.count()).select_from(StepProgress)
            .where(StepProgress.enrolment_id == f.latest_id, StepProgress.completed_at.is_not(None),
                   StepProgress.step_id.in_(column.required)))
        assert f.done == from_rows, (user_id, course_id)
        checked += f.done > 0
    assert checked > 5
