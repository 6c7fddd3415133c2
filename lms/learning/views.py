"""Catalogue, course and step pages, questions, assessments, reflections, my training.

Every page here shows only the logged-in trainee's own rows: enrolments are
looked up by the current user's id, never by an id taken from the request.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from lms.catalog.services import catalog_for_reader
from lms.certificates import services as certificates
from lms.content import Course, Step
from lms.content import Response as ResponseBlock
from lms.content.course import RESPONSE_MAX_CHARS
from lms.content.markdown import unwrap_paragraph
from lms.core import clock, i18n, templating
from lms.core.db import db, write_transaction
from lms.core.notices import notify
from lms.core.services import ServiceError
from lms.core.web import Confirmation, ask_to_confirm, confirmed, service_call
from lms.learning import (
    assessments,
    assigned,
    confirmations,
    dashboard,
    progress,
    questions,
    reflections,
    responses,
)
from lms.learning.forms import AudienceForm, ReflectionForm, ResponseForm
from lms.learning.models import CONFIRMATION_READY, RESPONSE_MEETS_STANDARD, Enrolment, ResponseEntry
from lms.roleplay import runs

bp = Blueprint("learn", __name__, template_folder="templates")


def init_app(app: Flask) -> None:
    """Register the learning pages, their navigation links and the inline_html and scroll_tables filters."""
    app.register_blueprint(bp)
    app.add_template_filter(inline_html, "inline_html")
    app.add_template_filter(scroll_tables, "scroll_tables")
    templating.add_nav_link(app, "learn.my_training", _l("My training"), "trainee", 10)
    templating.add_nav_link(app, "learn.catalogue", _l("Courses"), "trainee", 20)


def inline_html(html: str) -> str:
    """A one-paragraph piece of content HTML without its <p>, for legends and labels."""
    return unwrap_paragraph(html)


_TABLE = re.compile(r"<table\b.*?</table>", re.DOTALL)
_HEADING = re.compile(r"<h[1-6]\b[^>]*>(.*?)</h[1-6]>", re.DOTALL)


def scroll_tables(html: str) -> Markup:
    """Content HTML with each table in a focusable, named box that scrolls sideways on its own.

    A table of phone numbers is wider than a 320 px phone: without the box the whole page would scroll
    sideways (WCAG 1.4.10), and a keyboard user could not reach the hidden columns. The box is named after the
    heading above the table ("Table: Who to call"), else numbered when the block has several, so that two
    boxes on a page are not both just "Table".
    """
    text = str(html)
    tables = list(_TABLE.finditer(text))
    if not tables:
        return Markup(text)
    pieces, end = [], 0
    for number, found in enumerate(tables, 1):
        headings = _HEADING.findall(text, end, found.start())
        heading = Markup(headings[-1]).striptags() if headings else ""
        if heading:
            label = gettext("Table: %(heading)s", heading=heading)
        else:
            label = gettext("Table %(number)s", number=number) if len(tables) > 1 else gettext("Table")
        opening = Markup('<div class="table-wrap" tabindex="0" role="region" aria-label="{}">').format(label)
        pieces += [text[end:found.start()], str(opening), found.group(0), "</div>"]
        end = found.end()
    return Markup("".join([*pieces, text[end:]]))


# -- lookups shared by the views ------------------------------------------------

def _course(course_id: str) -> Course:
    course = catalog_for_reader().course(course_id)
    if course is None:
        abort(404)
    return course


def _step(course: Course, step_id: str) -> Step:
    step = course.step(step_id)
    if step is None:
        abort(404)
    return step


def _require_prerequisites(course: Course) -> None:
    """Stop here with a page listing what to complete first, if anything."""
    missing = progress.missing_prerequisite_ids(db.session, current_user.id, course)
    if missing:
        abort(make_response(render_template(
            "learn/prerequisites.html", course=course, missing=_titled(missing)), 403))


def _titled(course_ids: list[str]) -> list[tuple[str, str, str | None]]:
    """(title, id, the language the title is shown in) for each id; the id and None if it is not published."""
    courses = catalog_for_reader().courses
    return [(courses[c].title, c, i18n.content_language(courses[c], "title")) if c in courses else (c, c, None)
            for c in course_ids]


def _enrolment(course: Course) -> Enrolment:
    """The trainee's current enrolment, or back to the course page to start it."""
    enrolment = progress.latest_enrolment(db.session, current_user.id, course.id)
    if enrolment is None:
        flash(gettext("Start the course first: its introduction tells you what it covers."), "info")
        abort(redirect(url_for(".course", course_id=course.id)))
    return enrolment


def _open_step_with_reads(course_id: str, step_id: str) -> tuple[Course, Step, Enrolment, progress.StepPageReads]:
    """As `_open_step`, with what the step page shows read in the same query as the enrolment."""
    course = _course(course_id)
    step = _step(course, step_id)
    _require_prerequisites(course)
    reads = progress.step_page_reads(db.session, current_user.id, course.id, step)
    if reads.enrolment is None:
        flash(gettext("Start the course first: its introduction tells you what it covers."), "info")
        abort(redirect(url_for(".course", course_id=course.id)))
    return course, step, reads.enrolment, reads


def _open_step(course_id: str, step_id: str) -> tuple[Course, Step, Enrolment]:
    """The course and step (404 if unknown), past the prerequisite check, with the trainee's enrolment."""
    course = _course(course_id)
    step = _step(course, step_id)
    _require_prerequisites(course)
    return course, step, _enrolment(course)


def _step_url(step: Step) -> str:
    return url_for(".step", course_id=step.course_id, step_id=step.id)


def _after_completion(course: Course, course_done: bool, near: str) -> bool:
    """A course just completed: say so next to what completed it, with the next step (templates/macros.html).

    Returns whether it did. The page it leads to is then opened without a #fragment: browsers do
    not move the focus to an `autofocus` message on a page opened at a fragment.
    """
    if course_done:
        notify(gettext("Well done: you have completed “%(title)s”.", title=course.title), "completed", near=near)
        upcoming = assigned.next_assigned(db.session, current_user.id, course.id, catalog_for_reader().courses,
                                          clock.today())
        if upcoming is not None:
            notify(gettext("Next on your list: “%(title)s”. It is on My training when you are ready.",
                           title=upcoming.title) if upcoming.due_on is None else
                   gettext("Next on your list: “%(title)s” (%(due)s). It is on My training when you are ready.",
                           title=upcoming.title, due=upcoming.due_text), "info", near=near)
    return course_done


# -- catalogue and course ---------------------------------------------------------

@bp.route("/courses")
def catalogue():
    form = AudienceForm(request.args)
    everything = catalog_for_reader().courses.values()
    audience = ""
    if request.args and form.validate():
        audience = form.audience.data or ""
    courses = sorted((c for c in everything if not audience or c.audience in (audience, "everyone")),
                     key=lambda c: c.title.casefold())
    # Every course's state, not just those listed: prerequisites may be filtered out.
    states = progress.progress_by_course(db.session, current_user.id, everything)
    completed = {c for c, s in states.items() if s.status == "completed"}
    by_id = {c.id: c for c in everything}
    mine = {a.course_id: a for a in assigned.assigned_courses(db.session, current_user.id, catalog_for_reader().courses,
                                                              clock.today(), states)}
    # Assigned and not yet completed first, soonest due first; then the rest by title.
    courses.sort(key=lambda c: (not (c.id in mine and c.id not in completed),
                                mine[c.id].due_on or date.max if c.id in mine else date.max))
    return render_template("learn/catalogue.html", form=form, courses=courses, states=states,
                           completed=completed, by_id=by_id, audience=audience, assigned=mine)


@bp.route("/courses/<course_id>")
def course(course_id: str):
    course = _course(course_id)
    missing = progress.missing_prerequisite_ids(db.session, current_user.id, course)
    state = progress.course_progress(db.session, current_user.id, course)
    resume = progress.resume_step(course, state) if state.enrolment else None
    return render_template(
        "learn/course.html", course=course, state=state, missing=_titled(missing), resume=resume,
        resume_is_last=resume is not None and state.enrolment is not None and resume.id == state.enrolment.last_step_id,
        intro_html=_without_title(course.intro_html, course.title),
        withdrawn=certificates.withdrawn(db.session, current_user.id, course.id) if course.certificate else None,
    )


_LEADING_H1 = re.compile(r"\A\s*<h1[^>]*>(.*?)</h1>\s*", re.S)


def _without_title(html: str, title: str) -> str:
    """The introduction without a first heading that repeats the course title (the page's h1 says it)."""
    match = _LEADING_H1.match(html)
    if match and re.sub(r"<[^>]+>", "", match.group(1)).strip().casefold() == title.strip().casefold():
        return html[match.end():]
    return html


@bp.route("/courses/<course_id>/start", methods=["POST"])
def start(course_id: str):
    course = _course(course_id)
    _require_prerequisites(course)
    progress.enrol(db.session, current_user.id, course)
    db.session.commit()
    first = progress.resume_step(course, progress.course_progress(db.session, current_user.id, course))
    if first is None:
        flash(gettext("This course has no steps yet."), "info")
        return redirect(url_for(".course", course_id=course.id))
    return redirect(_step_url(first))


@bp.route("/courses/<course_id>/retake", methods=["POST"])
def retake(course_id: str):
    course = _course(course_id)
    _require_prerequisites(course)
    try:
        progress.start_retake(db.session, current_user.id, course)
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".course", course_id=course.id))
    db.session.commit()
    flash(gettext("You have started “%(title)s” again. Your earlier completion still counts.", title=course.title),
          "success")
    return redirect(url_for(".course", course_id=course.id))


# -- steps ----------------------------------------------------------------------------

@bp.route("/courses/<course_id>/steps/<step_id>")
def step(course_id: str, step_id: str):
    course, step, enrolment, reads = _open_step_with_reads(course_id, step_id)
    rows = reads.rows
    if step.content_notes and step.id not in rows and request.args.get("notes") != "continue":
        # First visit to a step with a content note: say what is coming before showing it.
        return render_template("learn/step_notes.html", course=course, step=step,
                               next_step=course.next_step(step.id))
    if not progress.visit_is_recorded(enrolment, step, rows):  # a quick reload writes nothing
        with write_transaction(db.session):
            rows[step.id] = progress.note_visit(db.session, enrolment, step)
    assessment = None
    if step.assessment:
        # The attempt's questions and choice order are fixed before the form is
        # shown, so a reload shows the same form and the next attempt a new one.
        with write_transaction(db.session):
            assessment = assessments.prepare(db.session, enrolment, step)
    return _render_step(course, step, enrolment, reads=reads, assessment=assessment)


def _render_step(course: Course, step: Step, enrolment: Enrolment, *, errors: dict[str, str] | None = None,
                 drafts: dict[str, list[int]] | None = None, texts: dict[str, str] | None = None,
                 reads: progress.StepPageReads | None = None, assessment: assessments.AssessmentState | None = None,
                 status: int = 200):
    """The step page; POST views re-render it with errors (by question or reflection id) and what was sent.

    The steps opened, the practice answers and the reflections come from `reads` when the step view read them
    with the enrolment (`progress.step_page_reads`); otherwise they are read here. So does an assessment's
    state, from `assessment` when the view has it (`assessments.prepare`).
    """
    session = db.session
    rows = reads.rows if reads is not None else progress.step_rows(session, enrolment.id)
    if step.assessment and assessment is None:
        assessment = assessments.state(session, enrolment.id, step)
    if drafts is None and assessment is not None:  # answers kept from a break, until submitted
        draw = assessment.draw
        drafts = dict(draw.draft or {}) if draw is not None else None
    module = next((m for m in course.modules if m.id == step.module_id), None)
    scenario = catalog_for_reader().scenario(step.scenario) if step.scenario else None
    done = rows.get(step.id) is not None and rows[step.id].completed_at is not None
    response_entries = responses.for_step(session, enrolment.id, step)
    confirmation = confirmations.get(session, enrolment.id, step) if step.confirmation else None
    waiting = None
    if not done and confirmation is not None and confirmation.status == CONFIRMATION_READY:
        waiting = gettext("Waiting for a trainer to confirm")
    elif not done and responses.awaiting_review(session, enrolment.id, step):
        waiting = gettext("Waiting for a trainer to review your response")
    open_responses = _open_responses(step, response_entries)
    kept_by_break = _kept_by_break(step, assessment, open_responses)
    done_ids = frozenset(r.step_id for r in rows.values() if r.completed_at is not None)
    left = [s for s in course.required_steps if s.id not in done_ids and s.id != step.id]
    context = {
        "course": course, "step": step, "enrolment": enrolment, "module": module,
        "position": course.step_number(step.id),
        "steps_left": left if enrolment.completed_at is None else [],
        "total": len(course.required_steps),
        "previous": course.previous_step(step.id), "next_step": course.next_step(step.id),
        "done": done, "waiting": waiting, "max_response": RESPONSE_MAX_CHARS, "responses": response_entries,
        "confirmation": confirmation,
        "answers": reads.answers if reads is not None
        else questions.answers_for_step(session, enrolment.id, step) if not step.assessment else {},
        "assessment": assessment, "kept_by_break": kept_by_break,
        "practice_form": kept_by_break if step.questions and not step.assessment else None,
        "choice_field": _choice_field,
        "break_leaves_response": bool(kept_by_break and kept_by_break.startswith("reflection-") and open_responses),
        "response_drafts": responses.drafts_for_step(session, enrolment.id, step) if step.responses else {},
        "reflections": reads.reflections if reads is not None
        else reflections.for_step(session, current_user.id, course.id, step),
        "scenario": scenario,
        "unfinished_run": runs.resumable_run(session, current_user.id, scenario.id, enrolment.id, step.id)
        if scenario else None,
        "errors": errors or {}, "drafts": drafts or {}, "texts": texts or {}, "field_name": assessments.field_name,
        "practice_choices": lambda q: questions.shown_choices(step, q, current_user.id, course.id),
        "attempt_choices": lambda q, draw: assessments.shown_choices(step, q, draw),
        "drawn_questions": lambda draw: assessments.drawn_questions(step, draw),
        "plain": _plain(step),
    }
    return render_template("learn/step.html", **context), status


def _open_responses(step: Step, entries: Mapping[str, ResponseEntry]) -> list[ResponseBlock]:
    """The step's responses the trainee may still write or change (not yet accepted by a trainer)."""
    return [r for r in step.responses if not (r.id in entries and entries[r.id].status == RESPONSE_MEETS_STANDARD)]


def _kept_by_break(step: Step, assessment: Any, open_responses: list[ResponseBlock]) -> str | None:
    """The id of the form whose words "Take a break" sends with it, to keep them (`take_break`).

    Without JavaScript a button sends one form: the assessment's answers, else the reflection being written
    (private, saved as it is), else the first response not yet accepted (kept as a draft, not sent).
    """
    if assessment is not None and assessment.can_attempt:
        return "assessment-form"
    if step.reflections and not step.assessment:
        return f"reflection-form-{step.reflections[0].id}"
    return f"response-form-{open_responses[0].id}" if open_responses else None


def _choice_field(question_id: str) -> str:
    """The name of a practice question's choices when several questions share the writing's form (`answer`)."""
    return f"choice-{question_id}"


def _plain(step: Step) -> bool:
    """A reading step the trainee marks as done themselves."""
    return not (step.questions or step.scenario or step.assessment or step.responses or step.confirmation)


@bp.route("/courses/<course_id>/steps/<step_id>/done", methods=["POST"])
def complete(course_id: str, step_id: str):
    """Mark a plain reading step as done; questions, responses, assessments, role-plays and confirmations complete
    themselves.

    On a step with a reflection the button sends the reflection's form (as "Take a break" does), so words
    written and not yet saved are saved with it, never lost on the way to the next step.
    """
    course, step, enrolment = _open_step(course_id, step_id)
    if not _plain(step):
        flash(gettext("This step is done once you have finished what it asks."), "info")
        return redirect(_step_url(step))
    _kept, refused = _keep_writing(course, step, enrolment)
    if refused is not None:
        return refused
    course_done = progress.complete_step(db.session, enrolment, course, step)
    db.session.commit()
    if _after_completion(course, course_done, "step-actions"):
        return redirect(_step_url(step), code=303)
    following = course.next_step(step.id)
    return redirect(_step_url(following) if following else url_for(".course", course_id=course.id))


@bp.route("/courses/<course_id>/steps/<step_id>/break", methods=["POST"])
def take_break(course_id: str, step_id: str):
    """Save the trainee's place, and what they were writing or choosing, and leave, kindly.

    Without JavaScript the "Take a break" button submits the step's assessment form, its
    reflection form or its response form here (the button's `form` and `formaction`, `_kept_by_break`),
    so unsent answers and words are kept: assessment answers as the attempt's draft, a reflection as
    saved (private, editable), a response as a draft shown in its box, not sent to the trainers.
    """
    course, step, enrolment = _open_step(course_id, step_id)
    progress.note_visit(db.session, enrolment, step)
    kept, refused = _keep_writing(course, step, enrolment)
    if refused is not None:
        return refused
    db.session.commit()
    if kept and step.responses and request.form.get("reflection_id"):
        # The button sent the reflection's form: words in a response box on the same step were not sent with it.
        said = gettext("Your place and your reflection are saved; words in a response box are kept only once sent. "
                       "Take all the time you need; you can pick up where you left off whenever you are ready.")
    elif kept:
        said = gettext("Your place and what you had written or chosen are saved. Take all the time you need; you can "
                       "pick up where you left off whenever you are ready.")
    else:
        said = gettext("Your place is saved. Take all the time you need; "
                       "you can pick up where you left off whenever you are ready.")
    flash(said, "success")
    return redirect(url_for(".my_training"))


def _keep_writing(course: Course, step: Step, enrolment: Enrolment, *,
                  picked: dict[str, list[int]] | None = None) -> tuple[bool, Any]:
    """Keep what the form sent with a break, a "done" or a practice answer holds: assessment answers as the
    attempt's draft, a reflection saved (private, editable), a response as a draft. Returns (anything kept, the
    page to show instead when the words cannot be kept: too long, say, shown again with the reason and with
    the practice choices `picked`)."""
    kept = False
    number = request.form.get("attempt", type=int)
    if step.assessment and number is not None:
        drafts = {q.id: questions.selected_indexes(request.form.getlist(assessments.field_name(q.id)))
                  for q in step.questions}
        kept = assessments.keep_draft(db.session, enrolment, step, number, drafts) and any(drafts.values())
    reflection = next((r for r in step.reflections if r.id == request.form.get("reflection_id")), None)
    text = (request.form.get("text") or "").strip()
    if reflection is not None and text:
        try:
            with db.session.begin_nested():
                reflections.save(db.session, current_user.id, course, step, reflection, text,
                                 i18n.content_language(step))
            kept = True
        except ServiceError as exc:
            return kept, _render_step(course, step, enrolment, errors={reflection.id: str(exc)},
                                      texts={reflection.id: text}, drafts=picked, status=400)
    response = next((r for r in step.responses if r.id == request.form.get("response_id")), None)
    if response is not None and text:
        try:
            with db.session.begin_nested():
                kept = responses.keep_draft(db.session, enrolment, response, text) or kept
        except ServiceError as exc:
            return kept, _render_step(course, step, enrolment, errors={response.id: str(exc)},
                                      texts={response.id: text}, drafts=picked, status=400)
    return kept, None


@bp.route("/courses/<course_id>/steps/<step_id>/questions/<question_id>", methods=["POST"])
def answer(course_id: str, step_id: str, question_id: str):
    """Check a practice answer, keeping first the words written on the step.

    On a step with writing, "Check answer" sends the writing's form (`practice_form`): the reflection is saved
    and a response kept as a draft, as a break does. Words refused (too long) stop the answer too: the page
    comes back with the reason, the words and the choices picked, so one press sends both once fixed.
    Choices sent as `choice-<question id>` (several questions sharing the writing's form) or `choice`.
    """
    course, step, enrolment = _open_step(course_id, step_id)
    question = next((q for q in step.questions if q.id == question_id), None)
    if question is None or step.assessment:
        abort(404)
    sent = request.form.getlist(_choice_field(question.id)) or request.form.getlist("choice")
    # What each question had picked, shown again if the page must come back: nothing chosen is lost either.
    picked = {q.id: questions.selected_indexes(request.form.getlist(_choice_field(q.id))) for q in step.questions}
    picked[question.id] = questions.selected_indexes(sent)
    _kept, refused = _keep_writing(course, step, enrolment, picked=picked)
    if refused is not None:
        return refused
    try:
        selected = questions.parse_selection(question, sent)
    except ServiceError as exc:
        db.session.commit()  # the words kept above stay kept
        others = {q: chosen for q, chosen in picked.items() if q != question.id}  # this one shows its last answer
        return _render_step(course, step, enrolment, errors={question.id: str(exc)}, drafts=others, status=400)
    outcome = questions.answer(db.session, enrolment, course, step, question, selected)
    db.session.commit()
    completed = _after_completion(course, outcome.course_completed, f"q-{question.id}")
    if completed:
        return redirect(_step_url(step), code=303)
    # No #fragment: the feedback takes the focus (autofocus), which browsers skip on a page opened at one.
    return redirect(url_for(".step", course_id=step.course_id, step_id=step.id, answered=question.id), code=303)


@bp.route("/courses/<course_id>/steps/<step_id>/assessment", methods=["POST"])
def submit_assessment(course_id: str, step_id: str):
    course, step, enrolment = _open_step(course_id, step_id)
    if not step.assessment:
        abort(404)
    drafts = {q.id: questions.selected_indexes(request.form.getlist(assessments.field_name(q.id)))
              for q in step.questions}
    number = request.form.get("attempt", type=int)
    if number is None:
        notify(gettext("This form was incomplete, so nothing was submitted. Please try again."), "error",
               near="assessment-form")
        return _render_step(course, step, enrolment, drafts=drafts, status=400)
    # Only the questions this attempt showed are read; without a draw the form was
    # never shown, and submit() says it is out of date.
    draw = assessments.state(db.session, enrolment.id, step).draws.get(number)
    try:
        answers = assessments.parse_answers(assessments.drawn_questions(step, draw), request.form.getlist) \
            if draw is not None else {}
        outcome = assessments.submit(db.session, enrolment, course, step, number, answers)
    except assessments.IncompleteAnswers as exc:
        db.session.rollback()
        notify(str(exc), "error", near="assessment-form")
        return _render_step(course, step, enrolment, errors=exc.errors, drafts=drafts, status=400)
    except ServiceError as exc:
        db.session.rollback()
        notify(str(exc), "error", near="result")
        return redirect(_step_url(step), code=303)
    db.session.commit()
    if outcome.differs:
        notify(gettext("Attempt %(number)s had already been submitted, in another tab or window, so these answers "
                       "were not counted. Below is your latest result.", number=number),
               "warning", near="result")
    _after_completion(course, outcome.course_completed, "result")
    # No #fragment: the result takes the focus (autofocus), which browsers skip on a page opened at one.
    return redirect(url_for(".step", course_id=step.course_id, step_id=step.id, submitted=number), code=303)


def _save_written(course: Course, step: Step, enrolment, block_id: str, form,
                  save: Callable[[], Any]) -> tuple[Any, Any]:
    """Validate a written answer (reflection, response) and save it: (what `save` returned, None) after a
    commit, or (None, the step page again with the message and what they wrote, status 400)."""
    try:
        if not form.validate_on_submit():
            raise ServiceError(" ".join(map(str, form.text.errors)) or gettext("Please try again."))
        saved = save()
    except ServiceError as exc:
        db.session.rollback()
        # Shown again with what they wrote: nobody should lose their words to a message.
        return None, _render_step(course, step, enrolment, errors={block_id: str(exc)},
                                  texts={block_id: form.text.data or ""}, status=400)
    db.session.commit()
    return saved, None


@bp.route("/courses/<course_id>/steps/<step_id>/reflections/<reflection_id>", methods=["POST"])
def save_reflection(course_id: str, step_id: str, reflection_id: str):
    course, step, enrolment = _open_step(course_id, step_id)
    reflection = next((r for r in step.reflections if r.id == reflection_id), None)
    if reflection is None:
        abort(404)
    form = ReflectionForm()
    _, refused = _save_written(course, step, enrolment, reflection.id, form,
                               lambda: reflections.save(db.session, current_user.id, course, step, reflection,
                                                        form.text.data, i18n.content_language(step)))
    if refused is not None:
        return refused
    notify(gettext("Your reflection is saved. Only you can see it."), near=f"reflection-{reflection.id}")
    return redirect(_step_url(step), code=303)  # the message there takes the focus (no #fragment: see notices)


@bp.route("/courses/<course_id>/steps/<step_id>/responses/<response_id>", methods=["POST"])
def submit_response(course_id: str, step_id: str, response_id: str):
    course, step, enrolment = _open_step(course_id, step_id)
    response = next((r for r in step.responses if r.id == response_id), None)
    if response is None:
        abort(404)
    form = ResponseForm()
    outcome, refused = _save_written(course, step, enrolment, response.id, form,
                                     lambda: responses.submit(db.session, enrolment, course, step, response,
                                                              form.text.data))
    if refused is not None:
        return refused
    rid = f"response-{response.id}"
    if response.review:
        notify(gettext("Your response is sent. A trainer will read it and let you know if it meets the standard."),
               near=rid)
    else:
        notify(gettext("Your response is sent. Your trainers can read it."), near=rid)
    _after_completion(course, outcome.course_completed, rid)
    return redirect(_step_url(step), code=303)


@bp.route("/courses/<course_id>/steps/<step_id>/ready", methods=["POST"])
def mark_ready(course_id: str, step_id: str):
    """The trainee says a practical task is ready for a trainer to confirm."""
    course, step, enrolment = _open_step(course_id, step_id)
    if step.confirmation != "trainer":
        abort(404)
    service_call(lambda: confirmations.mark_ready(db.session, enrolment, step),
                 gettext("Thank you. A trainer will confirm this step; it shows as waiting until then."),
                 near="confirmation")
    return redirect(_step_url(step), code=303)


# -- my training and my reflections ---------------------------------------------------

@bp.route("/my-training")
def my_training():
    """Trainers' feedback, courses, then certificates (as Home shows them, under a greeting)."""
    reader = catalog_for_reader()
    return render_template("learn/my_training.html", **dashboard.my_training(
        db.session, current_user.id, reader.courses, reader.scenarios, clock.today()))


@bp.route("/my/reflections")
def my_reflections():
    entries = reflections.mine(db.session, current_user.id)
    courses = catalog_for_reader().courses
    return render_template("learn/reflections.html", entries=entries,
                           where={e.id: reflections.where_written(e, courses) for e in entries},
                           where_language={e.id: reflections.where_language(e, courses) for e in entries})


@bp.route("/my/reflections/<int:entry_id>", methods=["GET", "POST"])
def edit_reflection(entry_id: int):
    entry = reflections.get_own(db.session, current_user.id, entry_id)
    if entry is None:
        abort(404)
    form = ReflectionForm(obj=entry)
    if form.validate_on_submit():
        try:
            reflections.update(db.session, entry, form.text.data)
        except ServiceError as exc:
            db.session.rollback()
            form.text.errors.append(str(exc))
        else:
            db.session.commit()
            flash(gettext("Your reflection is saved."), "success")
            return redirect(url_for(".my_reflections"))
    where = reflections.where_written(entry, catalog_for_reader().courses)
    return render_template("learn/reflection_edit.html", entry=entry, form=form, where=where)


@bp.route("/my/reflections/<int:entry_id>/delete", methods=["POST"])
def delete_reflection(entry_id: int):
    entry = reflections.get_own(db.session, current_user.id, entry_id)
    if entry is None:
        abort(404)
    if not confirmed():
        where = reflections.where_written(entry, catalog_for_reader().courses)
        preview = entry.text if len(entry.text) <= 200 else entry.text[:200].rstrip() + "…"
        return ask_to_confirm(Confirmation(
            title=gettext("Delete your reflection on %(where)s?", where=where),
            facts=[gettext("This deletes what you wrote: “%(preview)s”", preview=preview),
                   gettext("It cannot be undone. Nobody else can see your reflections, so nobody else has a copy."),
                   gettext("To keep a copy, download your reflections first.")],
            confirm=gettext("Delete the reflection"), cancel_url=url_for(".my_reflections") + f"#entry-{entry.id}"))
    if not reflections.delete(db.session, current_user.id, entry_id):
        abort(404)
    db.session.commit()
    flash(gettext("Your reflection is deleted."), "success")
    return redirect(url_for(".my_reflections"))


@bp.route("/my/reflections/export.<fmt>")
def export_reflections(fmt: str):
    export = reflections.EXPORT_FORMATS.get(fmt)
    if export is None:
        abort(404)
    body = reflections.export(reflections.mine(db.session, current_user.id), catalog_for_reader().courses, fmt)
    response = Response(body, content_type=export.mimetype)  # it carries its charset already
    response.headers["Content-Disposition"] = f'attachment; filename="my-reflections.{export.extension}"'
    response.headers["Cache-Control"] = "no-store"
    return response
