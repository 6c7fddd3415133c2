"""Coaching pages: the trainer's "needs you", review queue, run comments, confirmations, contact requests,
and the trainee's replies, sharing and contact requests.

Two blueprints: `coaching` holds trainer pages only (every view requires the
trainer role, and each one asks the services whether this trainer may see this
trainee); `feedback` holds the trainee's own actions, on their own rows only.
"""
from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from lms.accounts.models import User
from lms.catalog.services import catalog_for_reader, course_titles_for_reader
from lms.coaching import emails
from lms.coaching import services as coaching
from lms.coaching.forms import CommentForm, ConfirmForm, ContactForm, QueueFilterForm, ReplyForm, ReviewForm, ShareForm
from lms.cohorts import services as cohorts
from lms.cohorts.models import Cohort
from lms.content import Course, Step
from lms.core import clock, i18n, templating
from lms.core.access import role_required
from lms.core.db import db
from lms.core.forms import ActionForm, options
from lms.core.models import parse_id
from lms.core.notices import notify
from lms.core.services import ServiceError
from lms.core.web import page_again, service_call
from lms.learning.models import RESPONSE_SUBMITTED
from lms.roleplay import checkins, runs
from lms.roleplay.models import ScenarioRun, WellbeingCheckin

bp = Blueprint("coaching", __name__, url_prefix="/trainer", template_folder="templates")
trainee_bp = Blueprint("feedback", __name__, template_folder="templates")


def init_app(app: Flask) -> None:
    """Register the trainer and trainee pages, the "Needs you" link with its count, and the coaching emails."""
    emails.subscribe()
    app.add_template_global(emails.titles, "coaching_titles")
    app.add_template_global(waiting_counts, "coaching_counts")
    app.register_blueprint(bp)
    app.register_blueprint(trainee_bp)
    templating.add_nav_link(app, "coaching.needs_you", _l("Needs you"), "trainer", 35,
                            count=lambda: waiting_counts().total)


def waiting_counts() -> coaching.NeedsYouCounts:
    """What waits for the current trainer, read once per request (the main navigation and the sub-navigation
    share it)."""
    page = request._get_current_object()  # type: ignore[attr-defined]
    cached = g.get("coaching_counts")
    # Keyed by the request: an application context (and so `g`) can outlive one request in tests and CLI runs.
    if cached is None or cached[0] is not page:
        cached = (page, coaching.needs_you_counts(db.session, current_user))
        g.coaching_counts = cached
    counts: coaching.NeedsYouCounts = cached[1]
    return counts


# -- helpers -------------------------------------------------------------------------------

def _cohort(cohort_id: int) -> Cohort:
    cohort = cohorts.cohort_for(db.session, current_user, cohort_id)
    if cohort is None:
        abort(404)
    return cohort


def _confirmation_step(course_id: str | None, step_id: str | None) -> tuple[Course, Step] | None:
    course = catalog_for_reader().course(course_id or "")
    step = course.step(step_id or "") if course else None
    if course is None or step is None or step.confirmation != "trainer":
        return None
    return course, step


# -- needs you ----------------------------------------------------------------------------------

@bp.route("/needs-you")
@role_required("trainer")
def needs_you():
    board = coaching.needs_you(db.session, current_user, clock.today())
    return render_template("coaching/needs_you.html", board=board, courses=catalog_for_reader().courses,
                           action_form=ActionForm(), confirm_form=ConfirmForm(formdata=None))


# -- responses ----------------------------------------------------------------------------------

@bp.route("/reviews")
@role_required("trainer")
def reviews():
    form = QueueFilterForm(request.args)
    mine = cohorts.visible_cohorts(db.session, current_user)
    form.cohort.choices = options([("", gettext("All your cohorts"))] + [(str(c.id), c.name) for c in mine])
    form.course.choices = options([("", gettext("All courses")), *course_titles_for_reader()])
    form.validate()
    # A stale or hand-edited filter drops that filter only.
    cohort_id = parse_id(form.cohort.data) if not form.cohort.errors else None
    course_id = form.course.data if form.course.data and not form.course.errors else None
    queue = coaching.review_queue(db.session, current_user, cohort_id=cohort_id, course_id=course_id)
    return render_template("coaching/reviews.html", form=form, queue=queue, courses=catalog_for_reader().courses)


REVIEW_FORM = "review-verdict"  # where a refused mark is shown: the verdict section's error summary


@bp.route("/reviews/<int:entry_id>", methods=["GET", "POST"])
@role_required("trainer")
def review(entry_id: int):
    entry = coaching.visible_response(db.session, current_user, entry_id)
    if entry is None:
        if coaching.own_response(db.session, current_user, entry_id):  # a trainer in their own cohort
            flash(gettext("You cannot review your own response: another trainer of your cohort marks it."), "info")
            return redirect(url_for(".reviews"), code=303)
        abort(404)
    course = catalog_for_reader().course(entry.course_id)
    step = course.step(entry.step_id) if course else None
    block = next((r for r in step.responses if r.id == entry.response_id), None) if step else None
    form = ReviewForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            marked, ok = service_call(
                lambda: coaching.mark(db.session, current_user, entry, form.verdict.data, form.comment.data or "",
                                      course, seen=form.seen.data or None),
                gettext("Marked. The trainee can read your verdict and comment on the step and on My training."),
                refusal_near=REVIEW_FORM)
            if ok:
                return redirect(url_for(".reviews"), code=303)
        # What the trainer wrote stays in the form with the message; nothing is lost.
        status = 400
    form.seen.data = coaching.response_version(entry)  # the words shown now, even after a refusal
    refs = coaching.cohorts_of(db.session, current_user, [entry.user_id]).get(entry.user_id, [])
    trainee = db.session.get(User, entry.user_id)
    return render_template("coaching/review.html", entry=entry, course=course, step=step, block=block, form=form,
                           trainee=trainee, cohorts=refs, open=entry.status == RESPONSE_SUBMITTED,
                           form_id=REVIEW_FORM), status


# -- comments on role-play runs ------------------------------------------------------------------

def _run_or_404(run_id: int) -> ScenarioRun:
    run = coaching.commentable_run(db.session, current_user, run_id)
    if run is None:
        abort(404)
    return run


def _run_page(run: ScenarioRun, form: CommentForm | None = None, status: int = 200):
    scenario = catalog_for_reader().scenario(run.scenario_id)
    report = runs.debrief(run, scenario) if scenario else None
    refs = coaching.cohorts_of(db.session, current_user, [run.user_id]).get(run.user_id, [])
    trainee = db.session.get(User, run.user_id)
    return render_template(
        "coaching/run.html", run=run, scenario=scenario, report=report, trainee=trainee, cohorts=refs,
        comments=coaching.comments_for_run(db.session, run.id), form=form, action_form=ActionForm(),
        failed_position=_kept_at(run, form)), status


def _kept_at(run: ScenarioRun, form: CommentForm | None) -> str | None:
    """Which comment form shows the words of a comment that was refused: its choice's, else the whole run's."""
    if form is None:
        return None
    raw = (form.position.data or "").strip()
    position = parse_id(raw)
    return raw if position is not None and position < len(run.choices) else ""


def _comment_box_id(kept_at: str | None) -> str:
    """The id of a comment box on the run page (coaching/_thread.html): a choice's, or the whole run's."""
    return f"comment-text-{kept_at or 'run'}"


@bp.route("/runs/<int:run_id>")
@role_required("trainer")
def run(run_id: int):
    return _run_page(_run_or_404(run_id))


@bp.route("/runs/<int:run_id>/comments", methods=["POST"])
@role_required("trainer")
def add_comment(run_id: int):
    run = _run_or_404(run_id)
    form = CommentForm()
    raw = (form.position.data or "").strip()
    position = parse_id(raw)
    # A refusal shows at the box that was sent, with its words, marked as its error: on a phone the page is
    # long and the top of it is far from the choice commented on.
    near = _comment_box_id(_kept_at(run, form))
    if raw and position is None:
        notify(gettext("That choice is not part of this run. Please comment on one of the choices shown."), "error",
               near=near)
        return _run_page(run, form, 400)
    if not form.validate_on_submit():
        notify(gettext("The form had expired. Please send your comment again."), "error", near=near)
        return _run_page(run, form, 400)
    # Said beside the choice (or the whole run) commented on; no #fragment, so the message takes the focus.
    place = f"choice-{position}" if position is not None else "whole-run"
    comment, ok = service_call(lambda: coaching.add_comment(db.session, current_user, run, position, form.text.data),
                               gettext("Comment added. The trainee will see it in their debrief and on My training."),
                               near=place, refusal_near=near)
    if not ok:
        return _run_page(run, form, 400)
    return redirect(url_for(".run", run_id=run.id), code=303)


def _own_comment(comment_id: int):
    comment = coaching.own_comment(db.session, current_user, comment_id)
    if comment is None:
        abort(404)
    return comment


@bp.route("/comments/<int:comment_id>", methods=["GET", "POST"])
@role_required("trainer")
def edit_comment(comment_id: int):
    comment = _own_comment(comment_id)
    form = CommentForm(obj=comment if request.method == "GET" else None)
    if request.method == "POST":
        if not form.validate_on_submit():
            notify(gettext("The form had expired. Please send your comment again."), "error", near="comment-edit")
        else:
            try:
                coaching.edit_comment(db.session, current_user, comment, form.text.data)
            except ServiceError as exc:
                db.session.rollback()
                # At the comment box, marked as its error, and in the page's error summary.
                form.text.errors = [*form.text.errors, str(exc)]
            else:
                db.session.commit()
                notify(gettext("Comment saved."))
                return _back_to_run(comment.run_id)
        return render_template("coaching/comment_edit.html", comment=comment, form=form,
                               action_form=ActionForm()), 400
    return render_template("coaching/comment_edit.html", comment=comment, form=form, action_form=ActionForm())


@bp.route("/comments/<int:comment_id>/delete", methods=["POST"])
@role_required("trainer")
def delete_comment(comment_id: int):
    comment = _own_comment(comment_id)
    run_id = comment.run_id
    if ActionForm().validate_on_submit():
        service_call(lambda: coaching.delete_comment(db.session, current_user, comment), gettext("Comment deleted."))
    return _back_to_run(run_id)


def _back_to_run(run_id: int):
    """The run's page if the trainer may still see it, else their "needs you" page."""
    if coaching.commentable_run(db.session, current_user, run_id) is not None:
        return redirect(url_for(".run", run_id=run_id), code=303)
    return redirect(url_for(".needs_you"), code=303)


# -- steps a trainer confirms ---------------------------------------------------------------------

@bp.route("/confirmations")
@role_required("trainer")
def confirmations():
    items = coaching.awaiting_confirmation(db.session, current_user)
    return render_template("coaching/confirmations.html", items=items, courses=catalog_for_reader().courses,
                           confirm_form=ConfirmForm(formdata=None),
                           cohorts=cohorts.visible_cohorts(db.session, current_user))


@bp.route("/cohorts/<int:cohort_id>/trainees/<int:user_id>/courses/<course_id>/restart", methods=["POST"])
@role_required("trainer")
def restart_course(cohort_id: int, user_id: int, course_id: str):
    """Let a member who used every attempt at an assessment take the course again, once a trainer has talked
    it through with them (the trainee's page sends them to their trainer)."""
    cohort = _cohort(cohort_id)
    course = catalog_for_reader().course(course_id)
    if cohorts.member_of(db.session, cohort, user_id) is None or course is None:
        abort(404)
    if ActionForm().validate_on_submit():
        service_call(lambda: coaching.restart_course(db.session, current_user, user_id, course),
                     gettext("Done: they can take “%(course)s” again, with every attempt, from its first step. "
                             "Their earlier take stays in their record.", course=course.title),
                     refusal_near=f"restart-{course.id}")
    return redirect(url_for("trainer.trainee", cohort_id=cohort.id, user_id=user_id), code=303)


@bp.route("/cohorts/<int:cohort_id>/trainees/<int:user_id>/confirm", methods=["POST"])
@role_required("trainer")
def confirm(cohort_id: int, user_id: int):
    cohort = _cohort(cohort_id)
    if cohorts.member_of(db.session, cohort, user_id) is None:
        abort(404)
    form = ConfirmForm()
    found = _confirmation_step(form.course_id.data, form.step_id.data)
    if found is None:
        flash(gettext("That step is not one a trainer confirms."), "error")
    elif form.validate_on_submit():
        course, step = found
        service_call(lambda: coaching.confirm(db.session, current_user, user_id, course, step, form.note.data or ""),
                     gettext("Step confirmed. The trainee sees it done, with your note."))
    back = request.form.get("next", "")
    return redirect(back if back in _safe_returns(cohort, user_id) else url_for(".confirmations"), code=303)


def _safe_returns(cohort: Cohort, user_id: int) -> set[str]:
    """Pages a confirm form may come back to (never an address taken as is from the request)."""
    return {url_for(".confirmations"), url_for(".needs_you"),
            url_for("trainer.trainee", cohort_id=cohort.id, user_id=user_id)}


@bp.route("/cohorts/<int:cohort_id>/confirm", methods=["GET", "POST"])
@role_required("trainer")
def confirm_cohort(cohort_id: int):
    """Bulk-confirm a step for a whole cohort after a live session: choose the step, tick who was there."""
    cohort = _cohort(cohort_id)
    assigned = [catalog_for_reader().course(a.course_id) for a in cohorts.assigned_courses(db.session, cohort)]
    choices = [(f"{c.id}/{s.id}", f"{c.title}: {s.title}", i18n.content_language(s, "title"))
               for c in assigned if c for s in coaching.confirmation_steps(c)]
    source = request.form if request.method == "POST" else request.args
    chosen = source.get("step", "")
    found = _confirmation_step(*chosen.split("/", 1)) if "/" in chosen else None
    if chosen and found is None:
        flash(gettext("Choose one of the steps listed: it is not a step a trainer confirms in this cohort's courses."),
              "error")
    if request.method == "POST" and found is not None:
        course, step = found
        ids = [i for i in map(parse_id, request.form.getlist("member")) if i is not None]
        form = ActionForm()
        if form.validate_on_submit():
            outcome, ok = service_call(lambda: coaching.bulk_confirm(db.session, current_user, cohort, course, step,
                                                                     ids, request.form.get("note", "")),
                                       None)  # _flash_bulk says who was confirmed, and who not and why
            if ok and outcome is not None:
                _flash_bulk(outcome)
                return redirect(url_for(".confirm_cohort", cohort_id=cohort.id, step=chosen), code=303)
    sheet = coaching.confirmation_sheet(db.session, cohort, *found) if found else []
    return render_template("coaching/confirm_cohort.html", cohort=cohort, choices=choices,
                           chosen=chosen if found else "",
                           found=found, sheet=sheet, action_form=ActionForm(), note=request.form.get("note", "")), \
        400 if request.method == "POST" else 200


def _flash_bulk(outcome: coaching.BulkOutcome) -> None:
    if outcome.confirmed:
        flash(ngettext("Confirmed for %(num)d: %(names)s.", "Confirmed for %(num)d: %(names)s.",
                       len(outcome.confirmed), names=", ".join(outcome.confirmed)), "success")
    else:
        flash(gettext("Nothing was confirmed."), "info")
    if outcome.already:
        flash(gettext("Already confirmed, left as they were: %(names)s.", names=", ".join(outcome.already)), "info")
    if outcome.not_started:
        flash(gettext("Not confirmed, because they have not started the course yet: %(names)s.",
                      names=", ".join(outcome.not_started)), "warning")


# -- contact requests ---------------------------------------------------------------------------------

@bp.route("/contact-requests")
@role_required("trainer")
def contact_requests():
    return render_template("coaching/contact_requests.html",
                           items=coaching.contact_requests(db.session, current_user, open_only=False),
                           action_form=ActionForm())


@bp.route("/contact-requests/<int:request_id>/followed-up", methods=["POST"])
@role_required("trainer")
def follow_up(request_id: int):
    found = coaching.visible_request(db.session, current_user, request_id)
    if found is None:
        abort(404)
    if ActionForm().validate_on_submit():
        service_call(lambda: coaching.follow_up(db.session, current_user, found),
                     gettext("Marked as followed up."))
    back = url_for(".needs_you") if request.form.get("next") == "needs-you" else url_for(".contact_requests")
    return redirect(back, code=303)


# -- the trainee's side ------------------------------------------------------------------------------------

CONTACT_PANEL = "contact-request"  # the debrief's "Talk to your trainer" panel (coaching/_debrief.html)


def _debrief(run_id: int):
    # No #fragment: the message shown beside the section acted on takes the focus, and browsers skip
    # `autofocus` on a page opened at a fragment (lms/core/notices.py).
    return redirect(url_for("play.debrief", run_id=run_id), code=303)


@trainee_bp.route("/play/runs/<int:run_id>/share", methods=["POST"])
def share_run(run_id: int):
    run = runs.get_run(db.session, current_user.id, run_id)
    if run is None:
        abort(404)
    form = ShareForm()
    if not form.validate_on_submit():
        notify(gettext("The form had expired. Please try again."), "error", near="trainer-comments")
    else:
        shared = form.shared.data == "1"
        service_call(lambda: coaching.set_shared(db.session, current_user, run, shared),
                     gettext("Shared with your trainers: they can read this run and comment on it.") if shared
                     else gettext("This run is private again: your trainers can no longer see it."),
                     near="trainer-comments")
    return _debrief(run.id)


@trainee_bp.route("/my/comments/<int:comment_id>/reply", methods=["POST"])
def reply(comment_id: int):
    comment = coaching.trainees_comment(db.session, current_user.id, comment_id)
    if comment is None:
        abort(404)
    form = ReplyForm()
    # A refusal shows at the reply box, marked as its error (coaching/_thread.html), with the words sent kept in
    # it; once the trainee has replied the box is gone, and a refusal then shows at the top of the page.
    box = f"reply-{comment.id}"
    if not form.validate_on_submit():
        notify(gettext("The form had expired. Please send your reply again."), "error", near=box)
        return page_again("play.debrief", {box: form.text.data}, run_id=comment.run_id)
    _, sent = service_call(lambda: coaching.reply(db.session, current_user, comment, form.text.data),
                           gettext("Your reply is sent to your trainer."), near=f"comment-{comment.id}",
                           refusal_near=box)
    if not sent:
        return page_again("play.debrief", {box: form.text.data}, run_id=comment.run_id)
    return _debrief(comment.run_id)


@trainee_bp.route("/play/runs/<int:run_id>/contact", methods=["POST"])
def request_contact(run_id: int):
    run = runs.get_run(db.session, current_user.id, run_id)
    if run is None:
        abort(404)
    checkin = checkins.checkin_for_run(db.session, current_user.id, run_id)  # None: asked without checking in
    form = ContactForm()
    # Refused, the page answers again with the note kept in its box (lms.core.web.page_again).
    kept = {"contact-note": form.note.data}
    if not form.validate_on_submit():
        notify(gettext("The form had expired. Please try again."), "error", near=CONTACT_PANEL)
        return page_again("play.debrief", kept, run_id=run.id)
    if not form.want.data:  # said at the box to tick, marked as its error (coaching/_debrief.html)
        notify(gettext("Tick “I’d like my trainer to get in touch” to send the request."), "error", near="want")
        return page_again("play.debrief", kept, run_id=run.id)
    # A refusal shows at the note (too long); the others come when the form is gone (already asked, no
    # trainer any more), and then show at the top of the page.
    _, sent = service_call(lambda: coaching.request_contact(db.session, current_user, checkin, form.note.data or ""),
                           # Short: the panel under it says what the trainers see, and that the check-in stays private.
                           gettext("Your request is sent."), near=CONTACT_PANEL, refusal_near="contact-note")
    if not sent:
        return page_again("play.debrief", kept, run_id=run.id)
    return _debrief(run.id)


@trainee_bp.route("/my/contact-requests/<int:request_id>/withdraw", methods=["POST"])
def withdraw_request(request_id: int):
    found = coaching.own_request(db.session, current_user.id, request_id)
    if found is None:
        abort(404)
    checkin = db.session.get(WellbeingCheckin, found.checkin_id) if found.checkin_id else None
    run_id = checkin.run_id if checkin is not None else None
    if run_id is None:  # asked without a check-in: the debrief it was withdrawn from, if it is the trainee's
        shown = runs.get_run(db.session, current_user.id, parse_id(request.form.get("run_id")) or 0)
        run_id = shown.id if shown is not None else None
    to_debrief = request.form.get("next") != "my-training" and run_id is not None
    if ActionForm().validate_on_submit():
        service_call(lambda: coaching.withdraw(db.session, current_user, found), gettext("Your request is withdrawn."),
                     near=CONTACT_PANEL if to_debrief else None)
    if to_debrief and run_id is not None:
        return _debrief(run_id)
    return redirect(url_for("learn.my_training"), code=303)
