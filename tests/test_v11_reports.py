"""What trainers read about v1.1 work (FORMAT.md §7): missed critical questions, response and confirmation
statuses, per-skill results, on the trainee page and in the CSV exports, on every database backend."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import update

from lms.accounts.models import User
from lms.catalog.services import catalog
from lms.cohorts import exports, reports
from lms.core import clock
from lms.core.models import utcnow
from lms.learning import assessments, confirmations, progress, responses
from lms.roleplay import runs
from lms.roleplay.models import ScenarioRun
from tests.factories import join, make_cohort

CONTENT = Path(__file__).parent / "fixtures" / "v11_all"
PRIVATE, PUBLIC, ALERT = 0, 1, 2  # choices at the role-play's start, by identity (file order)


@pytest.fixture
def content_dir() -> Path:
    return CONTENT


def _in(app, function, *args):
    with app.app_context():  # the charity's calendar (clock) is the app's setting
        return function(*args)


def _record(app, session, cohort, user, content):
    with app.app_context():
        trainer = session.get(User, cohort.created_by_id)  # the record as the cohort's own trainer sees it
        return reports.trainee_record(session, trainer, cohort, user, content, clock.today())


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


@pytest.fixture
def world(app, session, users):
    """Robin, in Tess's cohort: one failed attempt (critical missed), responses, a ready confirmation, two runs."""
    tess = users.create(role="trainer", display_name="Tess")
    robin = users.create(display_name="Robin")
    cohort = make_cohort(session, tess, "Night owls", courses=("safety",))
    join(session, cohort, robin)
    with app.app_context():
        content = catalog()
    course, handover = content.course("safety"), content.scenario("night-handover")
    enrolment = progress.enrol(session, robin.id, course)
    practice, written, shift, final = course.steps
    responses.submit(session, enrolment, course, practice, practice.responses[0], "Are you safe right now?")
    responses.submit(session, enrolment, course, written, written.responses[0], "Are you thinking about suicide?")
    confirmations.mark_ready(session, enrolment, shift)
    state = assessments.prepare(session, enrolment, final)
    shown = assessments.drawn_questions(final, state.draw)
    wrong = {q.id: [i for i, c in enumerate(q.choices) if not c.correct][:1] for q in shown}
    right = {q.id: sorted(q.correct_indexes) for q in shown}
    assessments.submit(session, enrolment, course, final, 1, {**right, "c-secret": wrong["c-secret"]})
    for route in ([PUBLIC, 0, 0, 0], [ALERT, 0, 0, 0]):  # not passed (a forbidden node), then passed
        run = runs.start_run(session, robin.id, handover)
        for position, index in enumerate(route):
            runs.choose(session, run, handover, position, index)
        run.shared_with_trainers_at = utcnow()  # practice runs reach trainers only when shared
    session.commit()
    return tess, robin, cohort, content


def test_trainee_record_names_missed_critical_questions_and_step_statuses(app, session, world):
    _tess, robin, cohort, content = world
    record = _record(app, session, cohort, robin, content)
    (course,) = record.courses
    statuses = {s.title: s.statuses for s in course.steps}
    # Robin wrote the response but has not answered the practice question: the step is not done yet.
    assert statuses["Practice"] == ("response sent", "practice questions not answered yet")
    assert statuses["First message"] == ("response waiting for review",)
    (ready,) = statuses["Shadowed shift"]
    assert ready.startswith("ready for a trainer to confirm since ")
    assert statuses["Final check"] == ()
    (attempt,) = course.attempts
    assert not attempt.passed and attempt.critical_missed == ("Do you promise to keep a secret about risk?",)
    assert [[(k.label, k.score, k.best) for k in r.skills] for r in record.runs] == [
        [("Listening well", 3, 4), ("Escalating risk", 4, 4)], [("Listening well", 4, 4), ("Escalating risk", 3, 4)]]


def test_step_statuses_follow_review_and_confirmation(app, session, world):
    tess, robin, cohort, content = world
    course = content.course("safety")
    enrolment = progress.latest_enrolment(session, robin.id, "safety")
    entry = responses.for_step(session, enrolment.id, course.step("written"))["first-message"]
    responses.mark_response(session, entry, tess, "try_again", "Ask more directly.", course=course)
    confirmations.confirm_step(session, enrolment, course, course.step("shift"), tess)
    session.commit()
    steps = {s.title: s.statuses for s in _record(app, session, cohort, robin, content).courses[0].steps}
    assert steps["First message"] == ("response: asked to try again",)
    assert steps["Shadowed shift"] == ("confirmed by a trainer",)


def test_assessment_and_skill_exports(app, client, session, users, world):
    tess, _robin, cohort, content = world
    rows = _rows(_in(app, exports.assessments_csv, session, cohort, content))
    assert [(r["Name"], r["Course"], r["Take"], r["Step"], r["Attempt"], r["Result"], r["Critical questions missed"])
            for r in rows] == [("Robin", "Safety at Nightline", "1", "Final check", "1", "Not passed",
                                "Do you promise to keep a secret about risk?")]
    rows = _rows(_in(app, exports.skills_csv, session, cohort, content))
    # Only the most recent finished run of each role-play counts, as in the role-play insight.
    assert [(r["Name"], r["Role-play"], r["Result"], r["Skill"], r["Score"], r["Best possible"]) for r in rows] == [
        ("Robin", "Night handover at Nightline", "Passed", "Listening well", "3", "4"),
        ("Robin", "Night handover at Nightline", "Passed", "Escalating risk", "4", "4")]

    users.login(tess)
    for name in ("assessments", "skills"):
        response = client.get(f"/trainer/cohorts/{cohort.id}/{name}.csv")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert "Robin" in response.get_data(as_text=True)
    page = client.get(f"/trainer/cohorts/{cohort.id}/trainees/{_robin.id}").get_data(as_text=True)
    assert ('Missed a question that must be right: “<span lang="en">Do you promise to keep a secret about risk?</span>”'
            in page)
    assert "response waiting for review" in page


def test_the_skills_export_holds_only_runs_open_to_the_cohorts_trainers(app, session, world):
    """A practice run the trainee did not share, or no longer shares, is private: it is neither a row nor the
    run a row is taken from (which runs a cohort's trainers may read: tests/test_run_visibility.py)."""
    _tess, robin, cohort, content = world
    handover = content.scenario("night-handover")

    def rows() -> list[tuple[str, str, str, str]]:
        return [(r["Result"], r["Skill"], r["Score"], r["Best possible"])
                for r in _rows(_in(app, exports.skills_csv, session, cohort, content))]

    shared = [("Passed", "Listening well", "3", "4"), ("Passed", "Escalating risk", "4", "4")]
    assert rows() == shared
    private = runs.start_run(session, robin.id, handover)  # played after the shared ones, not shared
    for position, index in enumerate([ALERT, 0, 0, 0]):
        runs.choose(session, private, handover, position, index)
    session.commit()
    assert private.finished_at is not None and rows() == shared  # still the last shared run's scores
    session.execute(update(ScenarioRun).values(shared_with_trainers_at=None))  # the trainee stops sharing
    session.commit()
    assert rows() == []


def test_a_negative_score_stays_a_number_in_a_spreadsheet():
    assert exports.to_csv(["Score"], [[-5], ["-5"], [0]]).splitlines() == ["Score", "-5", "'-5", "0"]


def test_exports_of_an_empty_cohort_have_just_their_headers(session, users, app):
    tess = users.create(role="trainer")
    cohort = make_cohort(session, tess, "Empty", courses=())
    with app.app_context():
        content = catalog()
    assert _in(app, exports.assessments_csv, session, cohort, content).splitlines() == [
        "Name,Course,Take,Step,Attempt,Score %,Pass mark %,Result,Critical questions missed,Submitted"]
    assert _in(app, exports.skills_csv, session, cohort, content).splitlines() == [
        "Name,Role-play,Finished,Result,Skill,Score,Best possible"]
