"""Issue 15 item 8: the due-date read of the reminder sweep, on SQLite and PostgreSQL.

The read joins the batch's enrolments once (not correlated EXISTS checks, which were slow
on PostgreSQL): check it still says who started, leaves out completed courses, and gives
one row per person and course when two cohorts assign the same course.
"""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import event

from lms.core.db import db
from lms.mail.reminders import applicable_due_dates, due_dates_read, sweep
from tests.factories import TODAY, enrol, join, make_cohort, quick_user


def test_the_due_date_read_knows_started_completed_and_merges_cohorts(app, session):
    trainer = quick_user(session, "Tess Trainer", role="trainer")
    due = TODAY + timedelta(days=3)
    spring = make_cohort(session, trainer, name="Spring", courses=("listening", "advanced"), due_on=due)
    autumn = make_cohort(session, trainer, name="Autumn", courses=("listening",), due_on=due + timedelta(days=2))
    fresh, started, done, both = (quick_user(session, name) for name in ("Fresh", "Started", "Done", "Both"))
    join(session, spring, fresh, started, done, both)
    join(session, autumn, both)
    enrol(session, started, "listening")
    enrol(session, done, "listening", completed=True)
    enrol(session, done, "advanced", completed=True, cycle=1)
    enrol(session, done, "advanced", cycle=2)  # retaking after completing: completed once is enough
    session.commit()
    rows = session.execute(due_dates_read(), {"people": [fresh.id, started.id, done.id, both.id]}).all()
    found = {(user_id, course): (due_on, cohort, bool(has_started))
             for user_id, course, due_on, cohort, has_started, _joined_at in applicable_due_dates(rows)}
    assert found == {
        (fresh.id, "listening"): (due, "Spring", False), (fresh.id, "advanced"): (due, "Spring", False),
        (started.id, "listening"): (due, "Spring", True), (started.id, "advanced"): (due, "Spring", False),
        # In two cohorts: the earliest date, with the name of the cohort it belongs to (the date came from one
        # cohort and the name from another).
        (both.id, "listening"): (due, "Spring", False),
        (both.id, "advanced"): (due, "Spring", False),
    }
    # A cohort's date that passed before the person joined it never applies: the other cohort's does.
    late = make_cohort(session, trainer, name="Late", courses=("listening",), due_on=TODAY - timedelta(days=10))
    join(session, late, fresh, joined_at=datetime.combine(TODAY, time(12), tzinfo=UTC))
    rows = session.execute(due_dates_read(), {"people": [fresh.id]}).all()
    assert {(c, d, n) for _u, c, d, n, _s, _j in applicable_due_dates(rows)} == {
        ("listening", due, "Spring"), ("advanced", due, "Spring")}
    # People outside the batch are not read.
    assert session.execute(due_dates_read(), {"people": [trainer.id]}).all() == []


def test_the_sweep_runs_the_same_queries_per_batch_whatever_the_batch(app, session):
    trainer = quick_user(session, "Tess Trainer", role="trainer")
    cohort = make_cohort(session, trainer, courses=("listening",), due_on=TODAY + timedelta(days=1))
    people = [quick_user(session, f"Trainee {n}") for n in range(6)]
    join(session, cohort, *people)
    with app.app_context():
        from lms.catalog.services import catalog

        courses = catalog().courses
        counted: list[str] = []

        def count(_conn, _cursor, statement, *_args):
            counted.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            result = sweep(session, courses, TODAY, batch=2 * len(courses))  # 2 people a batch: 3 batches
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    assert result.queued["due_tomorrow"] == 6
    due_reads = [s for s in counted if "cohort_members" in s and "enrolments" in s and "GROUP BY" in s]
    assert len(due_reads) == 3  # one read a batch, never one per person
