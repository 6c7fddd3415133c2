"""Coaching news by email: the listeners that turn coaching events into queued messages.

`subscribe()` (called from `lms.coaching.views.init_app`) hooks one listener per event
of `lms.coaching.notify`. Each runs inside the service's transaction and queues its
email with `lms.mail.services.enqueue_email`, so a message exists only if the event
commits. Each kind is a category of `lms.mail.services.CATEGORIES` the person can turn
off on /account/reminders (checked again by the worker when it sends).

Privacy: the context of a message is stored as JSON until it is sent and then goes to
someone's mailbox, so it holds only names, titles and ids. Never the response, the
comment, the reply, the confirmation note, the note for the trainer, a reflection or a
check-in: every message says what happened and links to the page where it can be read.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, has_app_context
from flask_babel import gettext
from sqlalchemy import select

from lms.accounts.models import User
from lms.catalog.services import catalog
from lms.coaching import notify
from lms.coaching.models import ContactRequest, RunComment
from lms.cohorts.models import Cohort, CohortMember, CohortTrainer
from lms.core import i18n
from lms.core.db import DbSession
from lms.core.models import utcnow
from lms.learning.models import Enrolment, ResponseEntry, StepConfirmation
from lms.mail import services as mail
from lms.roleplay.models import ScenarioRun

#: Template and reminder category of each event's message.
RESPONSE_MARKED = ("coach_response_marked", "coach_marks")
COMMENT_ADDED = ("coach_comment_added", "coach_comments")
STEP_CONFIRMED = ("coach_step_confirmed", "coach_confirmations")
REPLY_ADDED = ("coach_reply_added", "coach_replies")
CONTACT_REQUESTED = ("coach_contact_requested", "contact_requests")


def titles(course_id: str = "", step_id: str = "", scenario_id: str = "") -> dict[str, str]:
    """Titles as the catalogue has them when the message is written (the id for a unit since removed).

    A template global (`coaching_titles`): messages carry ids, and the worker, which has
    the app, looks the titles up; the listeners need nothing but the database session.
    """
    found = catalog().localised(i18n.current_language())  # the recipient's language, forced while the mail is written
    course = found.course(course_id) if course_id else None
    step = course.step(step_id) if course is not None and step_id else None
    scenario = found.scenario(scenario_id) if scenario_id else None
    return {"course": course.title if course else course_id, "step": step.title if step else step_id,
            "scenario": scenario.title if scenario else gettext("a role-play")}


def _send(session: DbSession, which: tuple[str, str], to_user_id: int | None, actor_id: int | None,
          context: dict, run_at: datetime | None = None) -> None:
    """Queue one message, unless there is nobody to tell or they would be told about their own action."""
    if to_user_id is None or to_user_id == actor_id:
        return
    recipient = session.get(User, to_user_id)
    if recipient is None or not recipient.active:
        return
    template, category = which
    mail.enqueue_email(session, template, context, to_user=recipient, category=category, run_at=run_at)


def response_marked(session: DbSession, entry: ResponseEntry) -> None:
    """Tell the trainee their response was marked (not the verdict's comment: it is on the step)."""
    _send(session, RESPONSE_MARKED, entry.user_id, entry.reviewer_id,
          {"course_id": entry.course_id, "step_id": entry.step_id})


def _run_context(session: DbSession, comment: RunComment) -> tuple[ScenarioRun | None, dict]:
    run = session.get(ScenarioRun, comment.run_id)
    return run, {"run_id": comment.run_id, "comment_id": comment.id,
                 "scenario_id": run.scenario_id if run is not None else "", "on_choice": comment.position is not None}


def comment_added(session: DbSession, comment: RunComment) -> None:
    """Tell the run's trainee a trainer commented (the comment stays on the debrief page), a little later
    (COMMENT_EMAIL_DELAY_SECONDS): a trainer going through a run comments on several choices in a row,
    and the trainee gets one message for them (_latest_comment)."""
    run, context = _run_context(session, comment)
    if run is not None:
        # Outside an app (a script), at once.
        delay = timedelta(seconds=int(current_app.config["COMMENT_EMAIL_DELAY_SECONDS"]) if has_app_context() else 0)
        _send(session, COMMENT_ADDED, run.user_id, comment.author_id,
              {**context, "trainer_name": comment.author_name}, run_at=utcnow() + delay if delay else None)


@mail.still_true(COMMENT_ADDED[0])
def _latest_comment(session: DbSession, user_id: int, context: dict) -> bool:
    """A comment's message is sent if the comment is still there and no trainer commented on the run after it
    (that later comment's message then tells of both)."""
    comment = session.get(RunComment, context.get("comment_id"))  # gone with its run, too
    if comment is None:
        return False
    later = select(RunComment.id).where(RunComment.run_id == comment.run_id, RunComment.id > comment.id)
    return session.scalar(later.limit(1)) is None


def reply_added(session: DbSession, comment: RunComment) -> None:
    """Tell the comment's author the trainee replied (the reply stays on the run page)."""
    run, context = _run_context(session, comment)
    if run is not None:
        trainee = session.get(User, run.user_id)
        _send(session, REPLY_ADDED, comment.author_id, run.user_id,
              {**context, "trainee_name": trainee.display_name if trainee else ""})


def step_confirmed(session: DbSession, confirmation: StepConfirmation) -> None:
    """Tell the trainee a trainer confirmed their step (a note, if any, is on the step)."""
    enrolment = session.get(Enrolment, confirmation.enrolment_id)
    if enrolment is not None:
        _send(session, STEP_CONFIRMED, enrolment.user_id, confirmation.confirmed_by_id,
              {"course_id": enrolment.course_id, "step_id": confirmation.step_id})


def contact_requested(session: DbSession, request: ContactRequest) -> None:
    """Tell the trainers of the trainee's (not archived) cohorts; never the check-in, nor the note for them."""
    trainee = session.get(User, request.user_id)
    rows = session.execute(
        select(CohortTrainer.user_id, Cohort.name)
        .join(Cohort, Cohort.id == CohortTrainer.cohort_id)
        .join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .where(CohortMember.user_id == request.user_id, Cohort.archived_at.is_(None))
        .order_by(CohortTrainer.user_id, Cohort.name)).all()
    cohorts_of_trainer: dict[int, list[str]] = {}
    for trainer_id, cohort_name in rows:
        cohorts_of_trainer.setdefault(trainer_id, []).append(cohort_name)
    for trainer_id, names in cohorts_of_trainer.items():  # one message per trainer, whatever their cohorts
        _send(session, CONTACT_REQUESTED, trainer_id, request.user_id,
              {"request_id": request.id, "trainee_name": trainee.display_name if trainee else "",
               "cohort_names": names})


def subscribe() -> None:
    """Hook every listener to its coaching event (harmless when called again, e.g. for a second app)."""
    notify.subscribe(notify.RESPONSE_MARKED, response_marked)
    notify.subscribe(notify.COMMENT_ADDED, comment_added)
    notify.subscribe(notify.REPLY_ADDED, reply_added)
    notify.subscribe(notify.STEP_CONFIRMED, step_confirmed)
    notify.subscribe(notify.CONTACT_REQUESTED, contact_requested)
