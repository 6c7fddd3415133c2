"""The role-play player: practice list, briefing, runs, choices, debrief, check-in."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape

from lms.catalog.services import catalog_for_reader
from lms.coaching import services as coaching
from lms.content import Course, Scenario, Step
from lms.core import i18n, templating
from lms.core import support as support_words
from lms.core.extensions import db
from lms.core.notices import notify
from lms.core.services import ServiceError
from lms.core.web import kept_words, page_again
from lms.learning import progress
from lms.learning.models import Enrolment
from lms.roleplay import checkins as wellbeing
from lms.roleplay import runs
from lms.roleplay.forms import CheckinForm, ChooseForm, StartForm
from lms.roleplay.models import ScenarioRun

bp = Blueprint("play", __name__, url_prefix="/play", template_folder="templates")


def init_app(app: Flask) -> None:
    """Register this feature's pages and its navigation link."""
    app.register_blueprint(bp)
    templating.add_nav_link(app, "play.practice", _l("Role-plays"), "trainee", 30)



# ---------------------------------------------------------------- helpers


def _scenario(scenario_id: str) -> Scenario:
    scenario = catalog_for_reader().scenario(scenario_id)
    if scenario is None:
        abort(404)
    return scenario


def _own_run(run_id: int) -> tuple[ScenarioRun, Scenario]:
    """The current user's run and its scenario; 404 for anyone else's or a vanished scenario."""
    run = runs.get_run(db.session, current_user.id, run_id)
    if run is None:
        abort(404)
    return run, _scenario(run.scenario_id)


def _course_context(scenario: Scenario, course_id: str | None, step_id: str | None) -> tuple[Course, Step] | None:
    """The course step a run is started from, or None for practice; 404 if it is not this scenario's step."""
    if not course_id and not step_id:
        return None
    course = catalog_for_reader().course(course_id or "")
    step = runs.scenario_step(course, step_id, scenario)
    if course is None or step is None:
        abort(404)
    return course, step


def _missing_prerequisites(course: Course) -> Markup:
    """The required courses not completed yet, "" if none: each title marked with the language it is shown in."""
    courses = catalog_for_reader().courses
    return Markup(", ").join(
        Markup('<span lang="{}">{}</span>').format(i18n.content_language(courses[c], "title"), courses[c].title)
        if c in courses else c
        for c in progress.missing_prerequisite_ids(db.session, current_user.id, course)
    )


def _run_course(run: ScenarioRun) -> tuple[Course | None, Enrolment | None]:
    if run.enrolment_id is None:
        return None, None
    enrolment = db.session.get(Enrolment, run.enrolment_id)
    return (catalog_for_reader().course(enrolment.course_id) if enrolment else None), enrolment


def _leave_url(run: ScenarioRun) -> str:
    """Where "Pause" and "Back to the course" go: the course step, else the role-play list."""
    course, _ = _run_course(run)
    return _step_url(course.id if course else None, run.step_id)


def _step_url(course_id: str | None, step_id: str | None) -> str:
    """The course step's page (the learn blueprint's), or the role-play list for practice."""
    if course_id and step_id:
        return url_for("learn.step", course_id=course_id, step_id=step_id)
    return url_for("play.practice")


def _start_form(run: ScenarioRun | None = None, course_id: str = "", step_id: str = "") -> StartForm:
    """A start form carrying the same course step context as `run` (or the given one)."""
    form = StartForm()
    if run is not None:
        course, _ = _run_course(run)
        if course is not None and run.step_id:
            course_id, step_id = course.id, run.step_id
    form.course_id.data, form.step_id.data = course_id, step_id
    return form


# ---------------------------------------------------------------- pages


@bp.route("")
def practice():
    """Every scenario, playable on its own, with my runs."""
    scenarios = sorted(catalog_for_reader().scenarios.values(), key=lambda s: s.title.lower())
    return render_template("play/practice.html", scenarios=scenarios,
                           histories=runs.histories(db.session, current_user.id))


@bp.route("/<scenario_id>")
def briefing(scenario_id: str):
    """The briefing and content notes before a run, with Start (or "Resume where you left off" / "Start again")."""
    scenario = _scenario(scenario_id)
    context = _course_context(scenario, request.args.get("course_id"), request.args.get("step_id"))
    course, step = context if context else (None, None)
    enrolment = progress.latest_enrolment(db.session, current_user.id, course.id) if course else None
    resumable = None
    if course is None or enrolment is not None:
        resumable = runs.resumable_run(db.session, current_user.id, scenario.id,
                                       enrolment.id if enrolment else None, step.id if step else None)
    return render_template(
        "play/briefing.html", scenario=scenario, course=course, step=step, resumable=resumable,
        missing=_missing_prerequisites(course) if course else [],
        form=_start_form(course_id=course.id if course else "", step_id=step.id if step else ""),
        leave_url=_step_url(course.id if course else None, step.id if step else None))


@bp.route("/<scenario_id>/start", methods=["POST"])
def start(scenario_id: str):
    scenario = _scenario(scenario_id)
    form = StartForm()
    if not form.validate_on_submit():
        abort(400)
    context = _course_context(scenario, form.course_id.data, form.step_id.data)
    enrolment, step_id = None, None
    if context is not None:
        course, step = context
        step_id = step.id
        missing = _missing_prerequisites(course)
        if missing:
            # Formatted as markup, so that the titles keep their lang marks and anything else is escaped.
            flash(escape(gettext("Please complete %(courses)s before this course.")) % {"courses": missing}, "error")
            return redirect(url_for("play.briefing", scenario_id=scenario.id, course_id=course.id, step_id=step.id))
        enrolment = progress.enrol(db.session, current_user.id, course)
        progress.note_visit(db.session, enrolment, step)
    run = runs.start_run(db.session, current_user.id, scenario, enrolment, step_id, restart=form.restart.data == "1")
    db.session.commit()
    return redirect(url_for("play.run", run_id=run.id))


@bp.route("/runs/<int:run_id>")
def run(run_id: int):
    """The current node: content note gate, the situation as a chat, the available choices."""
    run, scenario = _own_run(run_id)
    if run.finished:
        return redirect(url_for("play.debrief", run_id=run.id))
    node = scenario.node(run.current_node)
    if node is None:
        # Its place was edited away: the run cannot go on, so it ends (offering "Resume" again would loop).
        runs.abandon(db.session, run)
        db.session.commit()
        flash(gettext("This role-play has changed since you started this run. Please start again."), "warning")
        course, _ = _run_course(run)
        context: dict[str, Any] = (
            {"course_id": course.id, "step_id": run.step_id} if course is not None and run.step_id else {})
        return redirect(url_for("play.briefing", scenario_id=scenario.id, **context))
    made = list(run.choices)
    feedback_position = request.args.get("fb", type=int)
    last = made[-1] if made and feedback_position == len(made) - 1 else None
    last_choice = runs.content_choice(scenario, last) if last else None
    show, skip = request.args.get("show") == "1", request.args.get("skip") == "1"
    return render_template(
        "play/run.html", run=run, scenario=scenario, node=node, position=len(made),
        choices=runs.shown_choices(run, scenario, node), body_html=runs.body_for_current(run, scenario, node),
        last_feedback_html=runs.feedback_after(run, scenario, last, last_choice) if last and last_choice else "",
        gated=bool(node.content_note) and not (show or skip), skipped=skip and not show,
        last=last, last_choice=last_choice, fb=feedback_position if last else None,
        form=ChooseForm(formdata=None), step_number=len(made) + 1,
        choices_total=len(made) + (runs.choices_to_an_ending(scenario, node.id) or 1))


@bp.route("/runs/<int:run_id>/choose", methods=["POST"])
def choose(run_id: int):
    run, scenario = _own_run(run_id)
    form = ChooseForm()
    if not form.validate_on_submit():
        flash(gettext("That choice could not be read. Please pick one of the choices shown."), "error")
        return redirect(url_for("play.run", run_id=run.id))
    if scenario.node(run.current_node) is None:
        return redirect(url_for("play.run", run_id=run.id))  # the run page says the role-play changed, once
    course, _ = _run_course(run)
    try:
        made = runs.choose(db.session, run, scenario, form.position.data, form.choice.data, course)
    except runs.AlreadyAnswered as exc:
        db.session.rollback()
        flash(str(exc), "warning")
        return redirect(url_for("play.run", run_id=run.id))
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("play.run", run_id=run.id))
    db.session.commit()
    if made.completed_course and course is not None:
        notify(gettext("Well done: you have completed “%(title)s”.", title=course.title), "completed", near="result")
    if made.finished:
        return redirect(url_for("play.debrief", run_id=run.id))
    return redirect(url_for("play.run", run_id=run.id, fb=form.position.data))


@bp.route("/runs/<int:run_id>/pause")
def pause(run_id: int):
    """Leave the run as it is; the briefing then offers "Resume where you left off" (and "Start again") at the top."""
    run, scenario = _own_run(run_id)
    if run.finished:
        return redirect(_leave_url(run))
    notify(gettext("Paused “%(title)s”. Your place is kept: choose “Resume where you left off” when you are ready.",
                   title=scenario.title), near="start")
    course, _ = _run_course(run)
    if course is not None and run.step_id:
        return redirect(url_for("play.briefing", scenario_id=scenario.id, course_id=course.id, step_id=run.step_id))
    return redirect(url_for("play.briefing", scenario_id=scenario.id))


@bp.route("/runs/<int:run_id>/debrief")
def debrief(run_id: int):
    run, scenario = _own_run(run_id)
    if not run.finished:
        return redirect(url_for("play.run", run_id=run.id))
    checkin = wellbeing.checkin_for_run(db.session, current_user.id, run.id)
    offer_checkin = run.outcome is not None and runs.has_content_notes(scenario)
    course, _ = _run_course(run)
    # Empty, or as a refused check-in sent it (lms.core.web.page_again).
    checkin_form = CheckinForm(formdata=None, feeling=kept_words("feeling") or None, note=kept_words("note"))
    return render_template(
        "play/debrief.html", run=run, scenario=scenario, report=runs.debrief(run, scenario), course=course,
        start_form=_start_form(run),
        leave_url=_leave_url(run), in_course=run.enrolment_id is not None,
        checkin=checkin, checkin_form=checkin_form if offer_checkin and checkin is None else None,
        coaching=coaching.debrief_coaching(db.session, current_user.id, run, checkin),
        feelings=wellbeing.FEELINGS, contacts=wellbeing.listening_first(support_words.contacts()))


def _checkin_again(run_id: int, form: CheckinForm):
    """The debrief answering a refused check-in, with the feeling and the private note as sent: never lost."""
    return page_again("play.debrief", {"feeling": form.feeling.data, "note": form.note.data}, run_id=run_id)


@bp.route("/runs/<int:run_id>/checkin", methods=["POST"])
def checkin(run_id: int):
    run, _ = _own_run(run_id)
    form = CheckinForm()
    # Each refusal is said at the field it is about, marked as its error (play/debrief.html: near="feeling", "note").
    if not form.validate_on_submit():
        if form.feeling.errors:
            notify(gettext("Choose how you are feeling to save a check-in, or just skip it."), "error", near="feeling")
        for message in form.note.errors:
            notify(str(message), "error", near="note")
        if not (form.feeling.errors or form.note.errors):
            notify(gettext("The form had expired. Please try again."), "error", near="checkin")
        return _checkin_again(run.id, form)
    try:
        wellbeing.record_checkin(db.session, current_user.id, run, form.feeling.data, form.note.data or "")
    except ServiceError as exc:
        db.session.rollback()
        notify(str(exc), "error", near="note")  # the note's length: the rest is checked above
        return _checkin_again(run.id, form)
    db.session.commit()
    notify(gettext("Thank you for checking in. Only you can see this."), near="checkin")
    return redirect(url_for("play.debrief", run_id=run.id))
