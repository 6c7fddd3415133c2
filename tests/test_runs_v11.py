"""Role-play rules of format v1.1 (FORMAT.md §7.1, §7.3, §7.4) on the services, on every database.

The fixture scenario `night-handover` (tests/fixtures/v11) uses every construct:
a pinned choice, skills, pass_requires, pass_forbids and conditional text in node
bodies and in feedback.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update

from lms.catalog.services import catalog
from lms.cohorts import reports
from lms.core.models import utcnow
from lms.core.services import ServiceError
from lms.roleplay import insight, runs
from lms.roleplay.models import RunChoice, ScenarioRun
from tests.factories import (
    ALERT,
    ASK_SAFE,
    FULL_NOTE,
    HANDOVER_NOW,
    PASS_ON,
    PRIVATE,
    PUBLIC,
    TO_PRIVATE,
    TODAY,
    join,
    make_cohort,
    make_v11_content,
)


@pytest.fixture
def content_dir(request, tmp_path: Path) -> Path:
    """The v1.1 content; a test parametrised indirectly with False gets it with `shuffle: false`."""
    return make_v11_content(tmp_path / "content", shuffle=getattr(request, "param", True))


@pytest.fixture
def content(app):
    with app.app_context():
        loaded = catalog()
    assert not loaded.errors, loaded.errors
    return loaded


@pytest.fixture
def handover(content):
    return content.scenario("night-handover")


@pytest.fixture
def trainee(users):
    return users.create(display_name="Robin")


def play(session, run, scenario, *indexes):
    for index in indexes:
        runs.choose(session, run, scenario, len(run.choices), index)
    session.commit()


def shown(run, scenario) -> list[int]:
    return [c.index for c in runs.shown_choices(run, scenario, scenario.node(run.current_node))]


# -- 7.1 shuffled choices ---------------------------------------------------------------


def test_each_run_shows_its_own_stable_order_with_the_pinned_choice_in_place(session, trainee, handover):
    orders = []
    for _ in range(12):
        run = runs.start_run(session, trainee.id, handover, restart=True)
        session.commit()
        order = shown(run, handover)
        assert order == shown(run, handover) == shown(session.get(type(run), run.id), handover)  # reloads
        assert sorted(order) == [0, 1, 2, 3] and order[PASS_ON] == PASS_ON  # pinned: keeps its place
        orders.append(tuple(order))
    assert len(set(orders)) > 1, "twelve runs all showed the same order"
    assert any(order[:3] != (0, 1, 2) for order in orders)


def test_choices_are_recorded_by_their_place_in_the_file_whatever_the_shown_order(session, trainee, handover):
    run = runs.start_run(session, trainee.id, handover)
    session.commit()
    made = runs.choose(session, run, handover, 0, PUBLIC)
    session.commit()
    assert made.choice.target == "public-reply" and run.current_node == "public-reply"
    stored = session.query(RunChoice).one()
    assert (stored.node_id, stored.choice_index, stored.target, stored.score) == ("start", PUBLIC, "public-reply", 1)


def test_forged_and_stale_choices_get_a_clear_message(session, trainee, handover):
    run = runs.start_run(session, trainee.id, handover)
    session.commit()
    for forged in (4, 99):
        with pytest.raises(ServiceError, match="not available"):
            runs.choose(session, run, handover, 0, forged)
        session.rollback()
    play(session, run, handover, PRIVATE)
    with pytest.raises(runs.AlreadyAnswered):
        runs.choose(session, run, handover, 0, PUBLIC)  # the first page again: already answered
    session.rollback()
    with pytest.raises(ServiceError, match="out of date"):
        runs.choose(session, run, handover, 5, ASK_SAFE)
    session.rollback()
    assert [c.choice_index for c in run.choices] == [PRIVATE]


@pytest.mark.parametrize("content_dir", [False], indirect=True, ids=["shuffle-false"])
def test_shuffle_false_keeps_file_order(session, trainee, handover):
    assert handover.shuffle is False
    for _ in range(6):
        run = runs.start_run(session, trainee.id, handover, restart=True)
        session.commit()
        assert shown(run, handover) == [0, 1, 2, 3]


# -- 7.3 pass rules and skills ------------------------------------------------------------


def test_a_run_through_a_forbidden_node_cannot_pass_and_the_debrief_names_it(session, trainee, handover):
    run = runs.start_run(session, trainee.id, handover)
    play(session, run, handover, PUBLIC, TO_PRIVATE, ASK_SAFE, FULL_NOTE)
    assert run.outcome == "pass" and not run.crossed_red_line and run.passed is False
    report = runs.debrief(run, handover)
    assert [(b.kind, b.node_id, b.situation) for b in report.blocks] == [
        ("forbidden", "public-reply", "Replying in front of everyone")]
    assert not report.passed


def test_a_run_that_misses_a_required_node_cannot_pass(session, trainee, handover):
    run = runs.start_run(session, trainee.id, handover)
    play(session, run, handover, ALERT, HANDOVER_NOW, FULL_NOTE)
    assert run.outcome == "pass" and run.passed is False
    assert [(b.kind, b.node_id, b.situation) for b in runs.debrief(run, handover).blocks] == [
        ("missing", "check-in", "Talking privately")]


def test_a_run_on_the_required_route_passes_and_shows_its_skills(session, trainee, handover):
    run = runs.start_run(session, trainee.id, handover)
    play(session, run, handover, PRIVATE, ASK_SAFE, FULL_NOTE)
    assert run.passed is True and run.score == 5
    report = runs.debrief(run, handover)
    assert report.blocks == ()
    assert [(k.name, k.label, k.score, k.best) for k in report.skills] == [
        ("listening", "Listening well", 4, 4), ("escalation", "Escalating risk", 3, 4)]


def test_a_fail_ending_lists_no_skills_it_did_not_score(session, trainee, handover):
    run = runs.start_run(session, trainee.id, handover)
    play(session, run, handover, PASS_ON)
    report = runs.debrief(run, handover)
    assert run.outcome == "fail" and [(k.name, k.score) for k in report.skills] == [("listening", 0),
                                                                                   ("escalation", 0)]
    assert [b.kind for b in report.blocks] == ["missing"]  # it never reached check-in either


# -- 7.4 conditional text -------------------------------------------------------------------


def test_node_text_and_feedback_follow_the_route_taken(session, trainee, handover):
    public = runs.start_run(session, trainee.id, handover)
    play(session, public, handover, PUBLIC, TO_PRIVATE)
    body = runs.body_for_current(public, handover, handover.node("check-in"))
    assert "made them feel worse" in body and "thanks you for getting in touch" not in body

    private = runs.start_run(session, trainee.id, handover, restart=True)
    play(session, private, handover, PRIVATE)
    body = runs.body_for_current(private, handover, handover.node("check-in"))
    assert "thanks you for getting in touch" in body and "made them feel worse" not in body
    play(session, private, handover, ASK_SAFE, FULL_NOTE)
    report = runs.debrief(private, handover)
    assert "The lead already knows" not in report.steps[1].feedback_html
    assert "Remember to tell the safeguarding lead" in report.steps[2].feedback_html
    assert "thanks you for getting in touch" in report.steps[1].body_html

    alert = runs.start_run(session, trainee.id, handover, restart=True)
    play(session, alert, handover, ALERT, TO_PRIVATE, ASK_SAFE, FULL_NOTE)
    report = runs.debrief(alert, handover)
    ask, note = report.steps[2], report.steps[3]
    assert "The lead already knows" in ask.feedback_html  # alert visited before check-in
    assert "A full note keeps the member safe" in note.feedback_html
    assert "Remember to tell the safeguarding lead" not in note.feedback_html
    assert "public thread still needs tidying" not in report.ending_html
    assert "The morning team picks up your note" in report.ending_html



def test_the_ending_describes_the_route(session, trainee, handover):
    run = runs.start_run(session, trainee.id, handover)
    play(session, run, handover, PUBLIC, TO_PRIVATE, ASK_SAFE, FULL_NOTE)
    assert "public thread still needs tidying" in runs.debrief(run, handover).ending_html


# -- trainers: per trainee and per cohort ----------------------------------------------------


def test_trainers_see_skills_per_trainee_and_per_cohort(app, session, users, handover):
    trainer = users.create(role="trainer", display_name="Tess Trainer")
    ana, ben, cat = (users.create(display_name=n) for n in ("Ana", "Ben", "Cat"))
    outsider = users.create(display_name="Olly Outsider")
    days, nights = make_cohort(session, trainer, "Days", courses=()), make_cohort(session, trainer, "Nights",
                                                                                courses=())
    join(session, days, ana, ben)
    join(session, nights, cat)
    first = runs.start_run(session, ana.id, handover)
    play(session, first, handover, PASS_ON)  # an older run: not counted
    latest = runs.start_run(session, ana.id, handover)
    play(session, latest, handover, PRIVATE, ASK_SAFE, FULL_NOTE)  # listening 4, escalation 3
    play(session, runs.start_run(session, ben.id, handover), handover, ALERT, HANDOVER_NOW, FULL_NOTE)  # 0, 2
    play(session, runs.start_run(session, cat.id, handover), handover, PUBLIC, TO_PRIVATE, ASK_SAFE,
         FULL_NOTE)  # listening 4, escalation 3
    runs.start_run(session, cat.id, handover, restart=False)  # unfinished: not counted
    play(session, runs.start_run(session, outsider.id, handover), handover, PRIVATE, ASK_SAFE, FULL_NOTE)
    # Practice runs: trainers count only those their trainees shared.
    session.execute(update(ScenarioRun).values(shared_with_trainers_at=utcnow()))
    session.commit()

    skills = insight.scenario_insight(session, trainer, handover).skills
    assert [(c.name, c.label, c.best) for c in skills.columns] == [
        ("listening", "Listening well", 4), ("escalation", "Escalating risk", 4)]
    assert (skills.overall.count, skills.overall.averages) == (3, (2.7, 2.7))
    by_cohort = {c.name: c for c in skills.cohorts}
    assert (by_cohort["Days"].count, by_cohort["Days"].averages) == (2, (2.0, 2.5))
    assert [(t.name, t.scores) for t in by_cohort["Days"].trainees] == [("Ana", (4, 3)), ("Ben", (0, 2))]
    assert [(t.name, t.scores) for t in by_cohort["Nights"].trainees] == [("Cat", (4, 3))]
    # Where each skill goes wrong: every run counts here (not only the latest), with the choice's skill tags.
    per_skill = {s.name: (s.count, [(w.node_id, w.choice_index) for w in s.turns])
                 for s in insight.scenario_insight(session, trainer, handover).skill_turns}
    assert per_skill == {"listening": (1, [("start", PUBLIC)]),
                         "escalation": (2, [("start", ALERT), ("alert", HANDOVER_NOW)])}
    admin = users.create(role="admin")
    assert insight.scenario_insight(session, admin, handover).skills.overall.count == 4

    with app.app_context():
        record = reports.trainee_record(session, trainer, days, ben, catalog(), TODAY)
    (run,) = record.runs
    assert [(k.label, k.score, k.best) for k in run.skills] == [("Listening well", 0, 4), ("Escalating risk", 2, 4)]
    assert [(b.kind, b.situation) for b in run.blocks] == [("missing", "Talking privately")]


def test_a_scenario_without_skills_has_no_skill_insight(session, users, content):
    trainer = users.create(role="trainer")
    assert insight.scenario_insight(session, trainer, content.scenario("late-post")).skills is None
