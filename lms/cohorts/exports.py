"""CSV exports of cohort progress, assessment attempts, role-play skills and certificates,
safe to open in a spreadsheet.

Like the trainer's pages, never reflections or wellbeing check-ins: they are private to the trainee.

The column headers and words like "Passed" stay English whatever the reader's language: a CSV is data
for spreadsheets, and formulas, filters and imports built on one export must work on the next. The views
build them under `force_locale("en")`, so that a status label (reports.STATUSES, translated on the
pages) is English here too.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lms.accounts.models import User
from lms.certificates.models import Certificate
from lms.cohorts.models import Cohort, CohortMember
from lms.cohorts.reports import Query, choice_of, columns_for, progress_table, question_texts
from lms.cohorts.services import runs_open_in
from lms.content import Catalog
from lms.core import clock
from lms.core.db import DbSession
from lms.learning.models import AssessmentAttempt, Enrolment
from lms.roleplay.models import ScenarioRun
from lms.roleplay.skills import best_per_skill, skill_scores, skill_totals

#: A cell starting with one of these is run as a formula by Excel and LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """The value as text, defused with a leading quote if a spreadsheet would run it.

    A number is written as it is, so a negative score stays a number the spreadsheet can add up: only text
    can carry a formula."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    text = "" if value is None else value.isoformat() if isinstance(value, date) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in header])
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return out.getvalue()


def progress_csv(session: DbSession, cohort: Cohort, catalog: Catalog, query: Query, today: date) -> str:
    """Every member (filters and sort as on the page), when they joined, and one status, percent and due date
    column per course (someone who joined after a due date is not overdue for it: cohorts.joining)."""
    table = progress_table(session, cohort, catalog, query, today, page_size=None)
    header: list[str] = ["Name", "Joined", "Last active"]
    for column in table.columns:
        header += [f"{column.title}: status", f"{column.title}: %", f"{column.title}: due"]
    rows = []
    for row in table.rows:
        line: list[Any] = [row.name, clock.local_date(row.joined_at) if row.joined_at else "",
                           clock.local_date(row.last_active) if row.last_active else ""]
        for cell in row.cells:
            line += [cell.label, cell.percent, cell.due_on or ""]
        rows.append(line)
    return to_csv(header, rows)


def certificates_csv(session: DbSession, cohort: Cohort, catalog: Catalog, verify_url: Callable[[str], str]) -> str:
    """Certificates of the cohort's members for its assigned courses (issued and revoked)."""
    course_ids = [c.course_id for c in columns_for(session, cohort, catalog)]
    certificates = session.execute(
        select(Certificate, User.display_name).join(User, User.id == Certificate.user_id)
        .join(CohortMember, (CohortMember.user_id == User.id) & (CohortMember.cohort_id == cohort.id))
        .where(Certificate.course_id.in_(course_ids or [""]), Certificate.status.in_(("issued", "revoked")))
        .order_by(User.display_name, Certificate.course_id, Certificate.issued_at))
    today = clock.today()
    return to_csv(
        ["Display name", "Name on certificate", "Course", "Certificate", "Status", "Completed", "Issued",
         "Valid until", "Code", "Verify at"],
        [[name, cert.holder_name, cert.course_title, cert.certificate_title, cert.state_on(today),
          cert.completed_on, clock.local_date(cert.issued_at) if cert.issued_at else "", cert.valid_until or "",
          cert.code or "", verify_url(cert.code) if cert.code else ""]
         for cert, name in certificates])


def _members(cohort: Cohort):
    return select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id)


def assessments_csv(session: DbSession, cohort: Cohort, catalog: Catalog) -> str:
    """Every assessment attempt of the members in the cohort's assigned courses,
    naming the critical questions missed."""
    columns = columns_for(session, cohort, catalog)
    titles = {c.course_id: c.title for c in columns}
    attempts = session.execute(
        select(AssessmentAttempt, Enrolment.course_id, Enrolment.cycle, User.display_name)
        .join(Enrolment, Enrolment.id == AssessmentAttempt.enrolment_id)
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.user_id.in_(_members(cohort)), Enrolment.course_id.in_(list(titles) or [""]))
        .order_by(func.lower(User.display_name), User.id, Enrolment.course_id, Enrolment.cycle,
                  AssessmentAttempt.step_id, AssessmentAttempt.number))
    rows = []
    for attempt, course_id, cycle, name in attempts:
        course = catalog.course(course_id)
        step = course.step(attempt.step_id) if course else None
        rows.append([name, titles[course_id], cycle, step.title if step else attempt.step_id, attempt.number,
                     attempt.score_percent, attempt.pass_mark, "Passed" if attempt.passed else "Not passed",
                     "; ".join(question_texts(step, attempt.critical_missed or ())),
                     clock.local_date(attempt.submitted_at)])
    return to_csv(["Name", "Course", "Take", "Step", "Attempt", "Score %", "Pass mark %", "Result",
                   "Critical questions missed", "Submitted"], rows)


def skills_csv(session: DbSession, cohort: Cohort, catalog: Catalog) -> str:
    """Per-skill results (FORMAT.md §7.3): one row per member, role-play and skill, from the member's most
    recent finished run of each role-play that declares skills, among the runs open to this cohort's trainers
    (`runs_open_in`: the cohort's courses, and practice runs the trainee shared; never an unshared one)."""
    scenarios = {s.id: s for s in catalog.scenarios.values() if s.skills}
    latest = (select(func.max(ScenarioRun.id))
              .where(runs_open_in(cohort), ScenarioRun.outcome.is_not(None),
                     ScenarioRun.scenario_id.in_(list(scenarios) or [""]))
              .group_by(ScenarioRun.user_id, ScenarioRun.scenario_id))
    runs = session.execute(
        select(ScenarioRun, User.display_name).join(User, User.id == ScenarioRun.user_id)
        .where(ScenarioRun.id.in_(latest)).options(selectinload(ScenarioRun.choices))
        .order_by(func.lower(User.display_name), User.id, ScenarioRun.scenario_id))
    best = {sid: best_per_skill(s) for sid, s in scenarios.items()}
    rows = []
    for run, name in runs:
        scenario = scenarios[run.scenario_id]
        totals = skill_totals(scenario, ((choice_of(scenario, made), made.score) for made in run.choices))
        for skill in skill_scores(scenario, totals, best[scenario.id]):
            rows.append([name, scenario.title, clock.local_date(run.finished_at) if run.finished_at else "",
                         "Passed" if run.passed else "Not passed" if run.passed is False else "",
                         skill.label, skill.score, "" if skill.best is None else skill.best])
    return to_csv(["Name", "Role-play", "Finished", "Result", "Skill", "Score", "Best possible"], rows)
