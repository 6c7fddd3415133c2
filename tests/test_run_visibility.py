"""Issue 11, item 4: trainers see only what their role needs.

A trainer reads a trainee's course-step runs in courses assigned to a cohort they
supervise, and the practice runs the trainee chose to share; every other practice
run stays private to the trainee, on the trainee page, in scenario insight and on
the comment page.
"""
from __future__ import annotations

import pytest
from sqlalchemy import update

from lms.catalog.services import catalog
from lms.cohorts import reports
from lms.core.models import utcnow
from lms.roleplay import insight
from lms.roleplay.models import ScenarioRun
from tests.factories import TODAY, enrol, join, make_cohort, play, quick_user

#: A practice run of a scenario about self-harm: the kind of run a trainee keeps to themselves.
PRIVATE_SCENARIO = "self-harm-disclosure"


@pytest.fixture
def world(session, users, trainer):
    cohort = make_cohort(session, trainer, courses=("listening",))
    sam = quick_user(session, "Sam Trainee")
    join(session, cohort, sam)
    listening = enrol(session, sam, "listening", steps=("welcome",))
    advanced = enrol(session, sam, "advanced")  # a course no cohort of the trainer's is assigned
    runs = {
        "course": play(session, sam, [("start", 0, 2, False)], enrolment=listening),
        "other_course": play(session, sam, [("start", 1, -2, False)], enrolment=advanced, scenario_id="advanced-run"),
        "practice": play(session, sam, [("start", 2, -1, True)], scenario_id=PRIVATE_SCENARIO),
        "shared": play(session, sam, [("start", 0, 2, False), ("reach-out", 0, 1, False)], shared=True),
    }
    return cohort, sam, runs


def test_the_trainee_page_shows_course_runs_and_shared_practice_only(app, client, session, trainer, world):
    cohort, sam, runs = world
    with app.app_context():
        record = reports.trainee_record(session, trainer, cohort, sam, catalog(), TODAY)
    assert {r.run_id for r in record.runs} == {runs["course"].id, runs["shared"].id}
    assert [c.course_id for c in record.courses] == ["listening"]

    page = client.get(f"/trainer/cohorts/{cohort.id}/trainees/{sam.id}").get_data(as_text=True)
    assert PRIVATE_SCENARIO not in page and "advanced-run" not in page
    assert f'id="run-{runs["practice"].id}"' not in page and f'id="run-{runs["other_course"].id}"' not in page
    assert f'id="run-{runs["course"].id}"' in page and f'id="run-{runs["shared"].id}"' in page
    assert "Advanced" not in page  # the unassigned course's enrolment is not listed either


def test_a_practice_run_of_another_scenario_never_appears_until_shared(client, session, trainer, world):
    cohort, sam, runs = world
    practice = runs["practice"]
    assert client.get(f"/trainer/runs/{practice.id}").status_code == 404
    assert client.get(f"/trainer/runs/{runs['other_course'].id}").status_code == 404
    assert client.get(f"/trainer/runs/{runs['course'].id}").status_code == 200
    assert PRIVATE_SCENARIO not in client.get("/trainer/scenarios").get_data(as_text=True)

    session.execute(update(ScenarioRun).where(ScenarioRun.id == practice.id).values(shared_with_trainers_at=utcnow()))
    session.commit()
    page = client.get(f"/trainer/cohorts/{cohort.id}/trainees/{sam.id}").get_data(as_text=True)
    assert f'id="run-{practice.id}"' in page


def test_insight_counts_no_unshared_practice_run(app, session, users, trainer, world):
    cohort, sam, runs = world
    with app.app_context():
        late_post = catalog().scenario("late-post")
    seen = insight.scenario_insight(session, trainer, late_post)
    assert seen.runs == 2  # the course run and the shared one; not the practice runs
    assert PRIVATE_SCENARIO not in insight.run_counts(session, trainer)
    assert "advanced-run" not in insight.run_counts(session, trainer)
    # Not even an admin counts a practice run the trainee kept to themselves.
    admin = users.create(role="admin")
    assert PRIVATE_SCENARIO not in insight.run_counts(session, admin)


def test_another_cohorts_trainer_sees_none_of_it(app, session, users, world):
    cohort, sam, _runs = world
    other = users.create(role="trainer", display_name="Other Trainer")
    make_cohort(session, other, "Elsewhere", courses=("listening",))
    assert insight.run_counts(session, other) == {}


def test_a_cohorts_own_runs_are_its_courses_and_shared_practice(session, users, trainer, world):
    """`runs_open_in(cohort)`, what the cohort's skills export reads: not a course run from a course only another
    cohort assigned (even to the same trainer), never a practice run the trainee keeps to themselves."""
    from sqlalchemy import select

    from lms.cohorts.services import runs_open_in

    cohort, sam, runs = world
    other = make_cohort(session, trainer, "Advanced group", courses=("advanced",))
    join(session, other, sam)
    session.commit()

    def open_in(group) -> set[int]:
        return set(session.scalars(select(ScenarioRun.id).where(runs_open_in(group))))

    assert open_in(cohort) == {runs["course"].id, runs["shared"].id}
    assert open_in(other) == {runs["other_course"].id, runs["shared"].id}
    session.execute(update(ScenarioRun).where(ScenarioRun.id == runs["shared"].id)
                    .values(shared_with_trainers_at=None))
    assert open_in(cohort) == {runs["course"].id}


def test_a_run_that_reached_a_pass_ending_past_a_red_line_is_described_in_words(client, session, trainer, world):
    """The record said "Not passed · ending: pass": the ending's id, and what looked like a contradiction."""
    cohort, sam, runs = world
    crossed = play(session, sam, [("start", 2, -1, True), ("reach-out", 0, 3, False)], shared=True)
    crossed.passed = False  # a red line fails a run whatever its ending
    session.commit()
    page = client.get(f"/trainer/cohorts/{cohort.id}/trainees/{sam.id}").get_data(as_text=True)
    card = page.split(f'id="run-{crossed.id}"', 1)[1].split("</section>", 1)[0]
    assert "Not passed" in card and "reached a pass ending" in card and "Crossed a red line" in card
    assert "Not passed</span>reached" not in card  # two phrases, not run together
    assert "ending: pass" not in page
