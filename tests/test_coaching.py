"""Coaching services (issue 16), on SQLite and PostgreSQL: marks, comments, confirmations, contact requests."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm.attributes import set_committed_value

from lms.admin import audit
from lms.admin.models import AuditEntry
from lms.catalog.services import catalog
from lms.coaching import notify
from lms.coaching import services as coaching
from lms.coaching.models import ContactRequest, RunComment
from lms.cohorts.models import CohortTrainer
from lms.core.services import ServiceError
from lms.learning import progress, responses
from lms.learning.models import Enrolment, ResponseEntry
from lms.roleplay import checkins, runs
from lms.roleplay.models import ScenarioRun
from tests.factories import COACHING, TODAY, certify, enrol, join, make_cohort, quick_user


@pytest.fixture
def content_dir() -> Path:
    return COACHING


@pytest.fixture
def world(app, session):
    """A cohort with its trainer, a trainee in it, and an outsider trainer and trainee in another cohort."""
    with app.app_context():
        course, scenario = catalog().course("coaching"), catalog().scenario("tough-night")
    trainer = quick_user(session, "Tess Trainer", role="trainer")
    outsider = quick_user(session, "Otto Other", role="trainer")
    trainee = quick_user(session, "Nightowl")
    stranger = quick_user(session, "Stranger")
    cohort = make_cohort(session, trainer, name="Spring", courses=("coaching",))
    other = make_cohort(session, outsider, name="Autumn", courses=("coaching",))
    join(session, cohort, trainee)
    join(session, other, stranger)
    return {"course": course, "scenario": scenario, "trainer": trainer, "outsider": outsider, "trainee": trainee,
            "stranger": stranger, "cohort": cohort, "other": other}


def _respond(session, w, user=None, text="I noticed your post. Are you thinking about suicide?"):
    user = user or w["trainee"]
    course = w["course"]
    step = course.step("written")
    enrolment = progress.enrol(session, user.id, course)
    outcome = responses.submit(session, enrolment, course, step, step.responses[0], text)
    session.commit()
    return outcome.entry


def _course_run(session, w, index_text="Promise to keep it secret"):
    course, scenario = w["course"], w["scenario"]
    enrolment = progress.enrol(session, w["trainee"].id, course)
    run = runs.start_run(session, w["trainee"].id, scenario, enrolment, "roleplay")
    choice = next(c for c in scenario.node("start").choices if c.text_html.find(index_text) >= 0)
    runs.choose(session, run, scenario, 0, choice.index, course)
    session.commit()
    return run


def test_the_queue_is_oldest_first_filtered_and_only_of_the_trainers_own_cohorts(session, world):
    w = world
    first = _respond(session, w)
    later = _respond(session, w, user=w["stranger"])
    mine = coaching.review_queue(session, w["trainer"])
    assert [i.entry.id for i in mine] == [first.id]
    assert mine[0].trainee == "Nightowl" and [c.name for c in mine[0].cohorts] == ["Spring"]
    assert [i.entry.id for i in coaching.review_queue(session, w["outsider"])] == [later.id]
    assert coaching.review_queue(session, w["trainer"], cohort_id=w["other"].id) == []
    assert coaching.review_queue(session, w["trainer"], course_id="elsewhere") == []
    assert coaching.count_awaiting_review(session, w["trainer"]) == 1
    # The older one first, for an admin who sees both.
    admin = quick_user(session, "Ada Admin", role="admin")
    later.submitted_at = first.submitted_at + timedelta(seconds=5)
    session.commit()
    assert [i.entry.id for i in coaching.review_queue(session, admin)] == [first.id, later.id]
    assert coaching.visible_response(session, w["outsider"], first.id) is None
    assert coaching.visible_response(session, w["trainer"], first.id).id == first.id


def test_try_again_then_met_completes_the_step_audits_and_notifies(app, session, world):
    w = world
    heard = []
    unsubscribe = notify.subscribe(notify.RESPONSE_MARKED, lambda s, entry: heard.append((entry.id, entry.status)))
    try:
        entry = _respond(session, w)
        with pytest.raises(ServiceError, match="Say what to change"):
            coaching.mark(session, w["trainer"], entry, "try_again", "", w["course"])
        session.rollback()
        with pytest.raises(ServiceError, match="cohort trainers"):
            coaching.mark(session, w["outsider"], entry, "try_again", "No", w["course"])
        session.rollback()
        coaching.mark(session, w["trainer"], entry, "try_again", "Ask about suicide directly.", w["course"])
        session.commit()
        assert coaching.review_queue(session, w["trainer"]) == []
        again = _respond(session, w, text="Are you thinking about suicide? I can't keep that secret.")
        assert again.id == entry.id and again.status == "submitted"
        coaching.mark(session, w["trainer"], again, "meets_standard", "", w["course"])
        session.commit()
    finally:
        unsubscribe()
    assert heard == [(entry.id, "try_again"), (entry.id, "meets_standard")]
    enrolment = session.get(Enrolment, entry.enrolment_id)
    assert "written" in progress.completed_step_ids(session, enrolment.id)
    marks = session.scalars(select(AuditEntry).where(AuditEntry.action == "response.mark")
                            .order_by(AuditEntry.id)).all()
    assert [m.details["verdict"] for m in marks] == ["try_again", "meets_standard"]
    # The audit log says the verdict in words, not its stored code.
    with app.test_request_context():
        words = [audit.describe(m).text for m in marks]
    assert words[0].endswith(": asked for another try.") and words[1].endswith(": meets the standard."), words
    assert all(m.target_user_id == w["trainee"].id and "suicide" not in str(m.details) for m in marks)
    feedback = coaching.trainee_feedback(session, w["trainee"].id)
    assert [r.id for r in feedback.reviews] == [entry.id]


def test_a_marked_response_is_never_marked_again(session, world):
    """A stale page or a second trainer cannot overwrite a mark: only a response still waiting is marked."""
    w = world
    second = quick_user(session, "Sam Second", role="trainer")
    session.add(CohortTrainer(cohort_id=w["cohort"].id, user_id=second.id))
    entry = _respond(session, w)
    coaching.mark(session, w["trainer"], entry, "meets_standard", "", w["course"])
    session.commit()
    with pytest.raises(ServiceError, match="already been marked"):
        coaching.mark(session, second, entry, "try_again", "Start again.", w["course"])
    session.rollback()
    session.expire_all()
    entry = session.get(ResponseEntry, entry.id)
    assert (entry.status, entry.reviewer_comment, entry.reviewer_id) == ("meets_standard", "", w["trainer"].id)
    assert "written" in progress.completed_step_ids(session, entry.enrolment_id)
    assert len(session.scalars(select(AuditEntry).where(AuditEntry.action == "response.mark")).all()) == 1
    # Two at once: this trainer read the response as waiting, and the other trainer's mark reached the
    # database first.
    session.execute(update(ResponseEntry).where(ResponseEntry.id == entry.id).values(status="try_again"))
    session.commit()
    set_committed_value(entry, "status", "submitted")  # what this trainer's request still holds
    with pytest.raises(ServiceError, match="already been marked"):
        coaching.mark(session, second, entry, "meets_standard", "", w["course"])
    session.rollback()
    assert session.get(ResponseEntry, entry.id).status == "try_again"


def test_editing_a_waiting_response_keeps_its_place_in_the_queue(session, world):
    """The queue waits from when a response was sent for review, not from its last change."""
    w = world
    other = quick_user(session, "Second Trainee")
    join(session, w["cohort"], other)
    first = _respond(session, w)
    later = _respond(session, w, user=other)
    first.submitted_at = later.submitted_at - timedelta(minutes=5)
    session.commit()
    assert [i.entry.id for i in coaching.review_queue(session, w["trainer"])] == [first.id, later.id]
    # A change while it waits is not a new submission: it stays first.
    edited = _respond(session, w, text="Are you thinking about suicide? You can tell me.")
    assert edited.id == first.id and edited.updated_at > later.updated_at
    assert [i.entry.id for i in coaching.review_queue(session, w["trainer"])] == [first.id, later.id]
    # Sent again after "try again", it joins the back of the queue.
    coaching.mark(session, w["trainer"], edited, "try_again", "Say what happens next.", w["course"])
    session.commit()
    _respond(session, w, text="Are you thinking about suicide? I will stay with you and we can call for help.")
    assert [i.entry.id for i in coaching.review_queue(session, w["trainer"])] == [later.id, first.id]


def test_a_trainer_who_left_the_cohort_cannot_edit_their_old_comment(session, world):
    w = world
    run = _course_run(session, w)
    comment = coaching.add_comment(session, w["trainer"], run, 0, "Never promise secrecy.")
    session.commit()
    assert coaching.own_comment(session, w["trainer"], comment.id).id == comment.id
    session.execute(delete(CohortTrainer).where(CohortTrainer.user_id == w["trainer"].id))
    session.commit()
    assert coaching.own_comment(session, w["trainer"], comment.id) is None
    with pytest.raises(ServiceError, match="while still a trainer"):
        coaching.edit_comment(session, w["trainer"], comment, "Changed")
    with pytest.raises(ServiceError, match="while still a trainer"):
        coaching.delete_comment(session, w["trainer"], comment)
    session.rollback()
    assert session.get(RunComment, comment.id).text == "Never promise secrecy."


def test_a_missing_course_is_a_clear_refusal(session, world):
    entry = _respond(session, world)
    with pytest.raises(ServiceError, match="not available"):
        coaching.mark(session, world["trainer"], entry, "meets_standard", "", None)


def test_comments_on_course_runs_edit_delete_and_one_reply(session, world):
    w = world
    run = _course_run(session, w)
    heard = []
    off = [notify.subscribe(notify.COMMENT_ADDED, lambda s, c: heard.append(("comment", c.id))),
           notify.subscribe(notify.REPLY_ADDED, lambda s, c: heard.append(("reply", c.id)))]
    try:
        assert coaching.commentable_run(session, w["outsider"], run.id) is None
        assert coaching.commentable_run(session, w["trainer"], run.id).id == run.id
        whole = coaching.add_comment(session, w["trainer"], run, None, "Good that you finished.")
        on_choice = coaching.add_comment(session, w["trainer"], run, 0, "Never promise secrecy.")
        session.commit()
        with pytest.raises(ServiceError, match="not part of this run"):
            coaching.add_comment(session, w["trainer"], run, 5, "Nope")
        with pytest.raises(ServiceError, match="Write a comment"):
            coaching.add_comment(session, w["trainer"], run, None, "   ")
        with pytest.raises(ServiceError, match="cohort trainers"):
            coaching.add_comment(session, w["outsider"], run, None, "Hi")
        session.rollback()
        with pytest.raises(ServiceError, match="Only the trainer who wrote"):
            coaching.edit_comment(session, w["outsider"], on_choice, "Changed")
        assert coaching.own_comment(session, w["outsider"], on_choice.id) is None
        coaching.edit_comment(session, w["trainer"], on_choice, "Never promise secrecy about risk.")
        coaching.reply(session, w["trainee"], on_choice, "Understood, thank you.")
        session.commit()
        with pytest.raises(ServiceError, match="already replied"):
            coaching.reply(session, w["trainee"], on_choice, "Again")
        with pytest.raises(ServiceError, match="your own"):
            coaching.reply(session, w["stranger"], whole, "Me too")
        session.rollback()
        assert coaching.trainees_comment(session, w["stranger"].id, whole.id) is None
        threads = coaching.comments_for_run(session, run.id)
        assert [c.text for c in threads[None]] == ["Good that you finished."]
        assert threads[0][0].reply_text == "Understood, thank you."
        coaching.delete_comment(session, w["trainer"], whole)
        session.commit()
    finally:
        for unsubscribe in off:
            unsubscribe()
    assert heard == [("comment", whole.id), ("comment", on_choice.id), ("reply", on_choice.id)]
    assert session.scalar(select(RunComment).where(RunComment.id == whole.id)) is None
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("run_comment.%"))).all()
    assert sorted(actions) == ["run_comment.add", "run_comment.add", "run_comment.delete", "run_comment.edit"]
    assert [f.comment.id for f in coaching.trainee_feedback(session, w["trainee"].id).comments] == [on_choice.id]


def test_practice_runs_are_private_until_shared(session, world):
    w = world
    run = runs.start_run(session, w["trainee"].id, w["scenario"])
    with pytest.raises(ServiceError, match="Finish"):
        coaching.set_shared(session, w["trainee"], run, True)
    runs.choose(session, run, w["scenario"], 0, 1)
    session.commit()
    assert coaching.commentable_run(session, w["trainer"], run.id) is None
    assert coaching.commentable_run_ids(session, w["trainer"], [run.id]) == set()
    with pytest.raises(ServiceError, match="own"):
        coaching.set_shared(session, w["stranger"], run, True)
    coaching.set_shared(session, w["trainee"], run, True)
    session.commit()
    assert coaching.commentable_run(session, w["trainer"], run.id).id == run.id
    assert coaching.commentable_run_ids(session, w["trainer"], [run.id]) == {run.id}
    assert coaching.commentable_run(session, w["outsider"], run.id) is None
    coaching.set_shared(session, w["trainee"], run, False)
    session.commit()
    assert coaching.commentable_run(session, w["trainer"], run.id) is None
    course_run = _course_run(session, w)
    with pytest.raises(ServiceError, match="already see"):
        coaching.set_shared(session, w["trainee"], course_run, True)


def test_confirm_one_and_bulk_confirm_a_cohort(session, world):
    w = world
    course, step = w["course"], w["course"].step("shift")
    late = quick_user(session, "Late Joiner")
    also = quick_user(session, "Also Here")
    join(session, w["cohort"], late, also)
    from lms.learning import confirmations

    ready = confirmations.mark_ready(session, progress.enrol(session, w["trainee"].id, course), step)
    progress.enrol(session, also.id, course)
    session.commit()
    items = coaching.awaiting_confirmation(session, w["trainer"])
    assert [(i.confirmation.id, i.trainee) for i in items] == [(ready.id, "Nightowl")]
    assert coaching.awaiting_confirmation(session, w["outsider"]) == []
    assert coaching.count_awaiting_confirmation(session, w["trainer"]) == 1
    sheet = {line.name: line.state for line in coaching.confirmation_sheet(session, w["cohort"], course, step)}
    assert sheet == {"Nightowl": "ready", "Late Joiner": "not_started", "Also Here": "started"}

    with pytest.raises(ServiceError, match="Tick"):
        coaching.bulk_confirm(session, w["trainer"], w["cohort"], course, step, [])
    with pytest.raises(ServiceError, match="cohort's trainers"):
        coaching.bulk_confirm(session, w["outsider"], w["cohort"], course, step, [w["trainee"].id])
    outcome = coaching.bulk_confirm(session, w["trainer"], w["cohort"], course, step,
                                    [w["trainee"].id, late.id, also.id, w["stranger"].id], "Great live session.")
    session.commit()
    assert sorted(outcome.confirmed) == ["Also Here", "Nightowl"] and outcome.not_started == ["Late Joiner"]
    again = coaching.bulk_confirm(session, w["trainer"], w["cohort"], course, step, [w["trainee"].id])
    assert again.already == ["Nightowl"] and again.confirmed == []
    session.rollback()
    confirmed = session.scalars(select(AuditEntry).where(AuditEntry.action == "step.confirm")).all()
    assert {c.target_user_id for c in confirmed} == {w["trainee"].id, also.id}
    with pytest.raises(ServiceError, match="not started"):
        coaching.confirm(session, w["trainer"], late.id, course, step)
    feedback = coaching.trainee_feedback(session, w["trainee"].id)
    assert [(row.note, course_id) for row, course_id in feedback.confirmations] == [("Great live session.", "coaching")]


def test_contact_requests_show_the_note_never_the_checkin(session, world):
    w = world
    run = _course_run(session, w)
    checkin = checkins.record_checkin(session, w["trainee"].id, run, "struggling", "my-private-checkin-note")
    session.commit()
    heard = []
    unsubscribe = notify.subscribe(notify.CONTACT_REQUESTED, lambda s, r: heard.append(r.id))
    try:
        request = coaching.request_contact(session, w["trainee"], checkin, "Could you call me tomorrow?")
        session.commit()
    finally:
        unsubscribe()
    assert heard == [request.id]
    with pytest.raises(ServiceError, match="already asked"):
        coaching.request_contact(session, w["trainee"], checkin, "")
    with pytest.raises(ServiceError, match="own check-in"):
        coaching.request_contact(session, w["stranger"], checkin, "")
    session.rollback()
    items = coaching.contact_requests(session, w["trainer"])
    assert [(i.trainee, i.note) for i in items] == [("Nightowl", "Could you call me tomorrow?")]
    assert "my-private-checkin-note" not in repr(items) and "struggling" not in repr(items)
    assert coaching.contact_requests(session, w["outsider"]) == []
    assert coaching.visible_request(session, w["outsider"], request.id) is None
    with pytest.raises(ServiceError, match="cohort trainers"):
        coaching.follow_up(session, w["outsider"], request)
    coaching.follow_up(session, w["trainer"], request)
    session.commit()
    assert coaching.count_open_requests(session, w["trainer"]) == 0
    with pytest.raises(ServiceError, match="already been followed up"):
        coaching.follow_up(session, w["trainer"], request)
    session.rollback()
    assert session.scalar(select(AuditEntry.action).where(AuditEntry.action == "contact_request.follow_up"))
    # Asking again after the follow-up is fine; withdrawing it closes it for the trainers.
    second = coaching.request_contact(session, w["trainee"], checkin, "")
    coaching.withdraw(session, w["trainee"], second)
    session.commit()
    assert coaching.contact_requests(session, w["trainer"]) == []
    with pytest.raises(ServiceError, match="no longer open"):
        coaching.withdraw(session, w["trainee"], second)
    assert coaching.own_request(session, w["stranger"].id, second.id) is None


def test_nobody_to_ask_is_said_plainly(session, world):
    loner = quick_user(session, "Loner")
    run = ScenarioRun(user_id=loner.id, scenario_id="tough-night", current_node="closed", finished_at=None)
    session.add(run)
    session.flush()
    checkin = checkins.record_checkin(session, loner.id, run, "ok")
    with pytest.raises(ServiceError, match="not in a cohort with a trainer"):
        coaching.request_contact(session, loner, checkin, "")
    assert session.scalar(select(ContactRequest)) is None


def test_needs_you_lists_and_counts_everything_to_act_on(session, world):
    w = world
    overdue_cohort = make_cohort(session, w["trainer"], name="Overdue lot", courses=("coaching",),
                                 due_on=TODAY - timedelta(days=3))
    late = quick_user(session, "Late Larry")
    join(session, overdue_cohort, late)
    _respond(session, w)
    certify(session, w["trainee"], course_id="coaching", status="pending")
    run = _course_run(session, w)
    checkin = checkins.record_checkin(session, w["trainee"].id, run, "unsettled")
    coaching.request_contact(session, w["trainee"], checkin, "")
    from lms.learning import confirmations

    confirmations.mark_ready(session, session.scalar(select(Enrolment).where(Enrolment.user_id == w["trainee"].id)),
                             w["course"].step("shift"))
    session.commit()
    board = coaching.needs_you(session, w["trainer"], TODAY)
    assert len(board.reviews) == len(board.confirmations) == len(board.sign_offs) == len(board.contacts) == 1
    assert board.sign_offs[0].trainee == "Nightowl" and board.sign_offs[0].cohorts[0].name == "Spring"
    assert [(o.trainee, o.cohort.name) for o in board.overdue] == [("Late Larry", "Overdue lot")]
    assert coaching.needs_you_count(session, w["trainer"]) == 4
    assert coaching.needs_you_count(session, w["outsider"]) == 0
    outsider_board = coaching.needs_you(session, w["outsider"], TODAY)
    assert not (outsider_board.reviews or outsider_board.sign_offs or outsider_board.contacts or outsider_board.overdue)
    # Completing the course takes a trainee off the overdue list.
    enrol(session, late, course_id="coaching", completed=True)
    assert coaching.overdue(session, w["trainer"], TODAY) == []
    assert session.scalar(select(ResponseEntry.status)) == "submitted"


@pytest.mark.parametrize(("count", "status", "index"), [
    (coaching._sign_off_count, "status = 'pending'", "ix_certificates_pending_user"),
    (coaching._review_count, "status = 'submitted'", "ix_response_entries_submitted"),
    (coaching._confirmation_count, "status = 'ready'", "ix_step_confirmations_ready"),
    (coaching._open_request_count, "status = 'open'", "ix_contact_requests_open"),
])
def test_the_needs_you_counts_read_only_the_index_of_waiting_rows(app, session, db_backend, trainer, count, status,
                                                                  index):
    """Counted on every trainer page: the planner can use each partial index of waiting rows, so a
    site's thousands of issued certificates, marked responses, confirmed steps and closed requests
    are never read for it (bench/cohort_progress.py, docs/performance.md)."""
    from sqlalchemy import text

    from lms.core.db import db

    sql = str(count(trainer).compile(db.engine, compile_kwargs={"literal_binds": True}))
    assert status in sql  # written in, not bound: a bound value cannot match the index's predicate
    with db.engine.connect() as connection:
        if db_backend == "postgresql":
            connection.execute(text("SET enable_seqscan = off"))  # a tiny table would be scanned anyway
            plan = " ".join(row[0] for row in connection.execute(text(f"EXPLAIN {sql}")))
        else:
            plan = " ".join(row[3] for row in connection.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
    assert index in plan, plan
    assert session.scalar(count(trainer)) == 0


def test_a_trainer_in_their_own_cohort_never_marks_or_confirms_their_own_work(session, world):
    """A trainer taking the course (in their cohort, or as an admin) is a trainee for it: someone else decides."""
    w = world
    join(session, w["cohort"], w["trainer"])
    admin = quick_user(session, "Ada Admin", role="admin")
    for reviewer in (w["trainer"], admin):
        entry = _respond(session, w, user=reviewer)
        with pytest.raises(ServiceError, match="You cannot review your own response"):
            coaching.mark(session, reviewer, entry, "meets_standard", "", w["course"])
        session.rollback()
        assert entry.id not in [i.entry.id for i in coaching.review_queue(session, reviewer)]
    with pytest.raises(ServiceError, match="You cannot confirm your own step"):
        coaching.confirm(session, w["trainer"], w["trainer"].id, w["course"], w["course"].step("shift"))
    session.rollback()
    # Another trainer of the cohort does both.
    second = quick_user(session, "Sam Second", role="trainer")
    session.add(CohortTrainer(cohort_id=w["cohort"].id, user_id=second.id))
    entry = session.scalars(select(ResponseEntry).where(ResponseEntry.user_id == w["trainer"].id)).one()
    coaching.mark(session, second, entry, "meets_standard", "", w["course"])
    coaching.confirm(session, second, w["trainer"].id, w["course"], w["course"].step("shift"))
    session.commit()


def test_a_verdict_is_for_the_words_the_trainer_read(session, world):
    """The trainee changed the response after the trainer opened it: the verdict is refused, not given to new words."""
    w = world
    entry = _respond(session, w, text="Are you thinking about suicide? I am here to listen.")
    seen = coaching.response_version(entry)
    changed = _respond(session, w, text="cheer up lol, just go for a walk")
    assert changed.id == entry.id and coaching.response_version(changed) != seen
    with pytest.raises(ServiceError, match="changed this response while you were reading it"):
        coaching.mark(session, w["trainer"], changed, "meets_standard", "", w["course"], seen=seen)
    session.rollback()
    session.expire_all()
    entry = session.get(ResponseEntry, entry.id)
    assert entry.status == "submitted" and "shift" not in progress.completed_step_ids(session, entry.enrolment_id)
    # Read again: the verdict on what is there now is taken.
    coaching.mark(session, w["trainer"], entry, "try_again", "Ask directly and stay with them.", w["course"],
                  seen=coaching.response_version(entry))
    session.commit()
    assert session.get(ResponseEntry, entry.id).status == "try_again"
