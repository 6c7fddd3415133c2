"""Role-play run rules (FORMAT.md §4, §5): conditions, red lines, scores, endings, debrief, integrity."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from lms.catalog.services import catalog
from lms.core.db import db
from lms.core.services import ServiceError
from lms.learning import progress
from lms.learning.models import StepProgress
from lms.roleplay import checkins as wellbeing
from lms.roleplay import runs
from lms.roleplay.models import RunChoice, ScenarioRun, WellbeingCheckin
from tests.factories import make_play_content


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    return make_play_content(tmp_path / "content")


@pytest.fixture
def content(app):
    with app.app_context():
        loaded = catalog()
    assert not loaded.errors, loaded.errors
    return loaded


@pytest.fixture
def trainee(users):
    return users.create()


def play(session, run, scenario, *indexes, course=None):
    """Make choices in order; returns the last ChoiceMade."""
    made = None
    for index in indexes:
        made = runs.choose(session, run, scenario, len(run.choices), index, course)
    session.commit()
    return made


def offered(run, scenario):
    node = scenario.node(run.current_node)
    return [c.index for c in runs.available_choices(node, runs.visited(run, scenario))]


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_if_and_if_not_follow_the_nodes_visited(session, trainee, content):
    memory = content.scenario("memory")
    via_a = runs.start_run(session, trainee.id, memory)
    play(session, via_a, memory, 0, 0)
    assert via_a.current_node == "hub" and offered(via_a, memory) == [0, 1, 2]

    via_b = runs.start_run(session, trainee.id, memory, restart=True)
    play(session, via_b, memory, 1, 0)
    assert offered(via_b, memory) == [2]

    direct = runs.start_run(session, trainee.id, memory, restart=True)
    play(session, direct, memory, 2)
    assert offered(direct, memory) == [1, 2]
    assert runs.visited(direct, memory) == {"start", "hub"}


def test_a_choice_not_available_is_refused(session, trainee, content):
    memory = content.scenario("memory")
    run = runs.start_run(session, trainee.id, memory)
    play(session, run, memory, 1, 0)  # via b: 'if a' and 'if not b' are not offered
    for index in (0, 1, 7):
        with pytest.raises(ServiceError, match="not available"):
            runs.choose(session, run, memory, 2, index)
    session.rollback()
    assert count(session, RunChoice) == 2 and run.current_node == "hub" and run.score == 0


def test_a_red_line_run_cannot_pass_whatever_its_score(session, trainee, content):
    memory = content.scenario("memory")
    run = runs.start_run(session, trainee.id, memory)
    made = play(session, run, memory, 3, 1)  # cheat (+5, red line), then the 'if not b' win
    assert made.finished and run.outcome == "pass" and run.score == 5
    assert run.crossed_red_line and run.passed is False


def test_pass_score_is_needed_at_a_pass_ending(session, trainee, content):
    memory = content.scenario("memory")
    low = runs.start_run(session, trainee.id, memory)
    play(session, low, memory, 2, 1)
    assert (low.outcome, low.score, low.passed) == ("pass", 0, False)
    good = runs.start_run(session, trainee.id, memory)
    play(session, good, memory, 0, 0, 0)
    assert (good.outcome, good.score, good.passed) == ("pass", 2, True)
    assert good.finished_at is not None and not good.crossed_red_line


def test_a_fail_ending_finishes_the_run_and_further_choices_are_refused(session, trainee, content):
    late = content.scenario("late-post")
    run = runs.start_run(session, trainee.id, late)
    made = play(session, run, late, 1)
    assert made.finished and run.outcome == "fail" and run.passed is False and run.score == -2
    with pytest.raises(ServiceError, match="has finished"):
        runs.choose(session, run, late, 1, 0)


def test_debrief_shows_the_path_and_the_recommended_choice_where_it_differed(session, trainee, content):
    memory = content.scenario("memory")
    run = runs.start_run(session, trainee.id, memory)
    play(session, run, memory, 0, 0, 2)  # a (recommended), hub, then give up although 'if a' was open
    report = runs.debrief(run, memory)
    path = [(s.node_id, s.chosen.index, s.score) for s in report.steps]
    assert path == [("start", 0, 1), ("a", 0, 0), ("hub", 2, -1)]
    assert [s.recommended for s in report.steps[:2]] == [None, None]
    assert [s.node.id for s in report.steps] == ["start", "a", "hub"]
    assert report.steps[2].recommended.index == 0  # 'if a' held at that moment
    assert report.outcome == "fail" and report.ending.id == "lose" and report.score == 0 and report.pass_score == 2

    direct = runs.start_run(session, trainee.id, memory)
    play(session, direct, memory, 3, 2)  # cheat, then give up
    report = runs.debrief(direct, memory)
    assert report.steps[0].recommended.index == 0  # a red line is never recommended
    assert report.steps[1].recommended.index == 1  # only 'if not b' was open then
    assert [s.node_id for s in report.red_lines] == ["start"] and not report.passed


def test_the_same_position_twice_records_one_choice(session, trainee, content):
    late = content.scenario("late-post")
    run = runs.start_run(session, trainee.id, late)
    play(session, run, late, 0)
    with pytest.raises(runs.AlreadyAnswered):
        runs.choose(session, run, late, 0, 1)  # a replayed first page, another choice
    with pytest.raises(ServiceError, match="out of date"):
        runs.choose(session, run, late, 5, 0)
    session.rollback()
    assert count(session, RunChoice) == 1
    assert (run.current_node, run.score, run.finished_at) == ("reach-out", 2, None)


def test_two_simultaneous_submits_record_one_choice(app, session, trainee, content):
    late = content.scenario("late-post")
    inserts: list[str] = []

    def recording_inserts(_connection, _cursor, statement: str, *_args) -> None:
        if statement.startswith("INSERT INTO run_choices"):
            inserts.append(statement)

    event.listen(db.engine, "before_cursor_execute", recording_inserts)
    run_id = runs.start_run(session, trainee.id, late).id
    session.commit()
    barrier = threading.Barrier(2)
    results: list[str] = []
    # PostgreSQL: both read the run before either writes, so the UNIQUE constraint
    # decides. SQLite: writers take the lock at BEGIN (IMMEDIATE), so the second
    # waits and then finds the position taken.
    read_first = db.engine.dialect.name == "postgresql"

    def submit(index: int) -> None:
        own = db.session  # thread-scoped: each thread has its own session and connection
        try:
            if not read_first:
                barrier.wait(5)
            run = own.get(ScenarioRun, run_id)
            if read_first:
                assert len(run.choices) == 0
                barrier.wait(5)
            runs.choose(own, run, late, 0, index)
            own.commit()
            results.append("ok")
        except runs.AlreadyAnswered:
            own.rollback()
            results.append("already")
        finally:
            db.session.remove()

    threads = [threading.Thread(target=submit, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    event.remove(db.engine, "before_cursor_execute", recording_inserts)
    assert sorted(results) == ["already", "ok"]
    # On PostgreSQL both tried to insert, and the UNIQUE constraint turned the second away
    # (its ON CONFLICT DO NOTHING inserted nothing); on SQLite the second never got that far.
    assert len(inserts) == (2 if read_first else 1)
    session.expire_all()
    run = session.get(ScenarioRun, run_id)
    assert count(session, RunChoice) == 1
    winner = run.choices[0]
    assert run.current_node == winner.target and run.score == winner.score


def test_start_resumes_the_unfinished_run_and_restart_abandons_it(session, trainee, content):
    late = content.scenario("late-post")
    first = runs.start_run(session, trainee.id, late)
    play(session, first, late, 0)
    assert runs.start_run(session, trainee.id, late).id == first.id  # a double-clicked Start
    second = runs.start_run(session, trainee.id, late, restart=True)
    session.commit()
    assert second.id != first.id and second.current_node == "start"
    assert first.finished_at is not None and first.outcome is None and first.passed is False
    assert len(first.choices) == 1  # kept
    history = runs.histories(session, trainee.id)["late-post"]
    assert history.resumable.id == second.id and history.finished == 0 and history.best_outcome is None


def test_history_reports_the_best_outcome(session, trainee, content):
    late = content.scenario("late-post")
    play(session, runs.start_run(session, trainee.id, late), late, 1)  # fail
    history = runs.histories(session, trainee.id)["late-post"]
    assert (history.finished, history.best_outcome, history.passed) == (1, "fail", False)
    play(session, runs.start_run(session, trainee.id, late), late, 0, 1)  # neutral
    play(session, runs.start_run(session, trainee.id, late), late, 2, 0)  # pass ending, red line
    history = runs.histories(session, trainee.id)["late-post"]
    assert (history.finished, history.best_outcome, history.passed) == (3, "pass", False)
    play(session, runs.start_run(session, trainee.id, late), late, 0, 0)
    assert runs.histories(session, trainee.id)["late-post"].passed


def _step_done(session, enrolment, step_id) -> bool:
    return session.scalar(select(StepProgress.completed_at).where(
        StepProgress.enrolment_id == enrolment.id, StepProgress.step_id == step_id)) is not None


def test_a_course_step_completes_only_when_the_run_passes(session, trainee, content):
    drills, memory = content.course("drills"), content.scenario("memory")
    enrolment = progress.enrol(session, trainee.id, drills)
    failing = runs.start_run(session, trainee.id, memory, enrolment, "memory")
    made = play(session, failing, memory, 2, 2, course=drills)
    assert made.finished and not made.completed_step and not _step_done(session, enrolment, "memory")
    low = runs.start_run(session, trainee.id, memory, enrolment, "memory")
    play(session, low, memory, 2, 1, course=drills)  # a pass ending below pass_score
    assert not _step_done(session, enrolment, "memory")
    passing = runs.start_run(session, trainee.id, memory, enrolment, "memory")
    made = play(session, passing, memory, 0, 0, 0, course=drills)
    assert made.completed_step and _step_done(session, enrolment, "memory")
    # Practice runs never touch a course.
    practice = runs.start_run(session, trainee.id, content.scenario("open-ended"))
    assert play(session, practice, content.scenario("open-ended"), 0).completed_step is False
    assert not _step_done(session, enrolment, "open")


def test_without_pass_endings_any_finished_run_completes_the_step(session, trainee, content):
    drills, open_ended = content.course("drills"), content.scenario("open-ended")
    enrolment = progress.enrol(session, trainee.id, drills)
    run = runs.start_run(session, trainee.id, open_ended, enrolment, "open")
    assert play(session, run, open_ended, 0, course=drills).completed_step
    assert run.outcome == "neutral" and run.passed is False and _step_done(session, enrolment, "open")


def test_a_step_of_another_scenario_is_not_completed(session, trainee, content):
    drills, open_ended = content.course("drills"), content.scenario("open-ended")
    enrolment = progress.enrol(session, trainee.id, drills)
    run = runs.start_run(session, trainee.id, open_ended, enrolment, "memory")  # forged step id
    assert play(session, run, open_ended, 0, course=drills).completed_step is False
    assert not _step_done(session, enrolment, "memory")
    assert runs.scenario_step(drills, "memory", open_ended) is None
    assert runs.scenario_step(drills, "open", open_ended).id == "open"
    assert runs.scenario_step(None, "open", open_ended) is None


def test_runs_belong_to_their_user(session, users, trainee, content):
    other = users.create()
    run = runs.start_run(session, trainee.id, content.scenario("late-post"))
    session.commit()
    assert runs.get_run(session, trainee.id, run.id).id == run.id
    assert runs.get_run(session, other.id, run.id) is None
    assert runs.get_run(session, trainee.id, run.id + 1000) is None


def test_content_notes_anywhere_offer_a_check_in(content):
    assert runs.has_content_notes(content.scenario("late-post"))
    assert runs.has_content_notes(content.scenario("memory"))
    assert not runs.has_content_notes(content.scenario("open-ended"))


def test_a_check_in_is_private_validated_and_never_duplicated(session, users, trainee, content):
    late = content.scenario("late-post")
    run = runs.start_run(session, trainee.id, late)
    play(session, run, late, 1)
    with pytest.raises(ServiceError, match="choose how you are feeling"):
        wellbeing.record_checkin(session, trainee.id, run, "fine")
    with pytest.raises(ServiceError, match="under 2000"):
        wellbeing.record_checkin(session, trainee.id, run, "ok", "x" * 2001)
    with pytest.raises(ServiceError, match="your own"):
        wellbeing.record_checkin(session, users.create().id, run, "ok")
    wellbeing.record_checkin(session, trainee.id, run, "unsettled", "  a note  ")
    wellbeing.record_checkin(session, trainee.id, run, "struggling")
    session.commit()
    assert count(session, WellbeingCheckin) == 1
    checkin = wellbeing.checkin_for_run(session, trainee.id, run.id)
    assert (checkin.feeling, checkin.note) == ("struggling", "")
