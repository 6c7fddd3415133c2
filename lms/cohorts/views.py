"""Trainer pages: cohorts, progress, scenario insight, exports."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from lms.accounts.models import User
from lms.catalog.services import catalog, catalog_for_reader, course_titles_for_reader
from lms.certificates.document import verify_url
from lms.coaching import services as coaching
from lms.cohorts import nudges, reports
from lms.cohorts import services as cohorts
from lms.cohorts.exports import assessments_csv, certificates_csv, progress_csv, skills_csv
from lms.cohorts.forms import (
    AssignCourseForm,
    CohortForm,
    CoTrainerForm,
    InsightFilterForm,
    InviteForm,
    NudgeForm,
    ProgressFilterForm,
    options,
)
from lms.cohorts.models import Cohort
from lms.core import clock, i18n, settings, templating
from lms.core.access import role_required
from lms.core.extensions import db
from lms.core.forms import ActionForm
from lms.core.models import parse_id, utcnow
from lms.core.notices import notify
from lms.core.pagination import page_arg
from lms.core.services import ServiceError
from lms.core.web import Confirmation, ask_to_confirm, confirmed, service_call
from lms.roleplay import insight

bp = Blueprint("trainer", __name__, url_prefix="/trainer", template_folder="templates")


def init_app(app: Flask) -> None:
    """Register this feature's pages and its navigation link."""
    app.register_blueprint(bp)
    templating.add_nav_link(app, "trainer.dashboard", _l("Trainer"), "trainer", 40)
T = TypeVar("T")
#: Query-string filters of the progress page, carried to its pages and its CSV.
FILTER_ARGS = ("q", "course", "status", "sort", "order")


# -- helpers ---------------------------------------------------------------------------

def _cohort(cohort_id: int) -> Cohort:
    """The cohort if the current user supervises it; 404 otherwise (its existence is not revealed)."""
    cohort = cohorts.cohort_for(db.session, current_user, cohort_id)
    if cohort is None:
        abort(404)
    return cohort


def _commit_or_flash(action: Callable[[], object], success: str, *, form_id: str | None = None) -> bool:
    """Commit and say `success` at the top; a refusal shows in the error summary of the form `form_id`."""
    return service_call(action, success, refusal_near=form_id)[1]


def _english(make: Callable[[], T]) -> T:
    """`make()` written in English whatever the reader's language.

    The CSV exports are data for spreadsheets: their column headers and values (a status like
    "Overdue") stay English so that formulas and filters built on them work on every export."""
    with force_locale("en"):
        return make()


def _csv(text: str, filename: str) -> Response:
    """A CSV attachment in UTF-8 with a byte order mark: without it Excel reads non-Latin names as mojibake."""
    return Response("\ufeff" + text, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


def _filename(cohort: Cohort, what: str) -> str:
    slug = "".join(c if c.isascii() and c.isalnum() else "-" for c in cohort.name.lower()).strip("-")
    return f"{'-'.join(filter(None, slug.split('-')))[:40] or 'cohort'}-{what}-{clock.today().isoformat()}.csv"


# -- cohorts ----------------------------------------------------------------------------

@bp.route("/")
@role_required("trainer")
def dashboard():
    mine = cohorts.visible_cohorts(db.session, current_user)
    counts = cohorts.member_count(db.session, [c.id for c in mine])
    return render_template("trainer/dashboard.html", cohorts=mine, counts=counts,
                           problems=len(catalog().errors))


@bp.route("/cohorts/new", methods=["GET", "POST"])
@role_required("trainer")
def new_cohort():
    form = CohortForm()
    if form.validate_on_submit():
        try:
            cohort = cohorts.create_cohort(db.session, current_user, form.name.data, form.description.data)
        except ServiceError as exc:
            db.session.rollback()
            notify(str(exc), "error", near="cohort-form")  # in the form's error summary
        else:
            db.session.commit()
            flash(gettext("Cohort “%(cohort)s” created. Next: assign courses and invite trainees.", cohort=cohort.name),
                  "success")
            return redirect(url_for("trainer.cohort", cohort_id=cohort.id))
    return render_template("trainer/cohort_form.html", form=form, cohort=None), 400 if form.is_submitted() else 200


@bp.route("/cohorts/<int:cohort_id>")
@role_required("trainer")
def cohort(cohort_id: int):
    current = _cohort(cohort_id)
    # An invitation just created (create_invite) is shown this once, then forgotten.
    shown = session.pop(_NEW_INVITE, None)
    if isinstance(shown, dict) and shown.get("cohort_id") == current.id and isinstance(shown.get("token"), str):
        return _cohort_page(current, token=shown["token"], emailed_to=shown.get("emailed_to"),
                            token_language=i18n.allowed(shown.get("language")))
    return _cohort_page(current)


#: Where create_invite leaves a new invitation's link for the cohort page to show once.
_NEW_INVITE = "new_invite"


def _cohort_page(current: Cohort, token: str | None = None, emailed_to: str | None = None,
                 token_language: str | None = None,
                 invite_form: InviteForm | None = None,
                 course_form: AssignCourseForm | None = None, trainer_form: CoTrainerForm | None = None):
    # Forms not being shown again start empty (formdata=None): after a POST, a new form would otherwise fill
    # itself from what was sent, and the invitation's email would reappear in its form and in the co-trainer
    # field (both named "email"), ready to send a second invitation or to be added as a trainer.
    course_form = course_form or AssignCourseForm(formdata=None)
    course_form.course_id.choices = options(course_titles_for_reader())
    return render_template(
        "trainer/cohort.html", cohort=current,
        members=cohorts.member_count(db.session, [current.id]).get(current.id, 0),
        courses=cohorts.assigned_courses(db.session, current), catalogue=catalog_for_reader().courses,
        invites=cohorts.invites(db.session, current), trainers=cohorts.trainers(db.session, current),
        invite_form=invite_form or InviteForm(formdata=None), course_form=course_form,
        trainer_form=trainer_form or CoTrainerForm(formdata=None),
        action_form=ActionForm(), token=token, emailed_to=emailed_to, token_language=token_language,
        today=clock.today(), now=utcnow(),
        charity=settings.get("CHARITY_NAME"),
    )


@bp.route("/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@role_required("trainer")
def edit_cohort(cohort_id: int):
    current = _cohort(cohort_id)
    form = CohortForm(obj=current)
    if form.validate_on_submit() and _commit_or_flash(
            lambda: cohorts.update_cohort(db.session, current_user, current, form.name.data, form.description.data),
            gettext("Cohort saved.")):
        return redirect(url_for("trainer.cohort", cohort_id=current.id))
    return render_template("trainer/cohort_form.html", form=form, cohort=current), 400 if form.is_submitted() else 200


@bp.route("/cohorts/<int:cohort_id>/archive", methods=["POST"])
@role_required("trainer")
def archive_cohort(cohort_id: int):
    current = _cohort(cohort_id)
    if ActionForm().validate_on_submit():
        archive = current.archived_at is None
        if archive and not confirmed():  # restoring needs no confirmation: it undoes the archiving
            members = cohorts.member_count(db.session, [current.id]).get(current.id, 0)
            now = utcnow()
            links = sum(1 for i in cohorts.invites(db.session, current) if i.usable(now))
            return ask_to_confirm(Confirmation(
                title=gettext("Archive the cohort “%(cohort)s”?", cohort=current.name),
                facts=[ngettext("It leaves your list of active cohorts; its %(num)s trainee keeps their training and "
                                "certificates, and you can still see their progress.",
                                "It leaves your list of active cohorts; its %(num)s trainees keep their training and "
                                "certificates, and you can still see their progress.", members),
                       ngettext("Its %(num)s open invitation link stops working for good: restoring the cohort later "
                                "does not reopen it (you can create new ones).",
                                "Its %(num)s open invitation links stop working for good: restoring the cohort later "
                                "does not reopen them (you can create new ones).", links)
                       if links else gettext("It has no open invitation links."),
                       gettext("You can restore the cohort later from its page.")],
                confirm=gettext("Archive the cohort"), cancel_url=url_for("trainer.cohort", cohort_id=current.id)))
        _commit_or_flash(lambda: cohorts.set_archived(db.session, current_user, current, archive),
                         gettext("Cohort archived; its invitation links no longer work.") if archive
                         else gettext("Cohort restored."))
    return redirect(url_for("trainer.cohort", cohort_id=current.id))


@bp.route("/cohorts/<int:cohort_id>/trainers", methods=["POST"])
@role_required("trainer")
def add_trainer(cohort_id: int):
    current = _cohort(cohort_id)
    form = CoTrainerForm()
    if form.validate_on_submit() and _commit_or_flash(
            lambda: cohorts.add_trainer(db.session, current_user, current, form.email.data),
            gettext("Co-trainer added."),
            form_id="trainer-form"):
        return redirect(url_for("trainer.cohort", cohort_id=current.id))
    return _cohort_page(current, trainer_form=form), 400


@bp.route("/cohorts/<int:cohort_id>/courses", methods=["POST"])
@role_required("trainer")
def assign_course(cohort_id: int):
    current = _cohort(cohort_id)
    form = AssignCourseForm()
    form.course_id.choices = options(course_titles_for_reader())
    if form.validate_on_submit():
        told, ok = service_call(
            lambda: nudges.assign_and_announce(db.session, current_user, current, form.course_id.data,
                                               form.due_on.data, catalog().courses, clock.today()),
            None, refusal_near="course-form")
        if ok:
            notify(_assigned_message(form.due_on.data, told or 0), "success")
            return redirect(url_for("trainer.cohort", cohort_id=current.id))
    return _cohort_page(current, course_form=form), 400


def _assigned_message(due_on: date | None, told: int = 0) -> str:
    """The message after assigning a course, with how many members are e-mailed about it: with a warning when its
    due date has already passed (allowed: a course assigned late, or a date put back), as everyone who has not
    finished is overdue at once."""
    if due_on is None or due_on >= clock.today():
        said = gettext("Course assigned.")
    else:
        said = gettext("Course assigned. Its due date has already passed: every trainee who has not finished it "
                       "shows as overdue now, and may get an overdue reminder by email.")
    if told:
        said += " " + ngettext("%(num)s member is e-mailed about it.", "%(num)s members are e-mailed about it.", told)
    return said


@bp.route("/cohorts/<int:cohort_id>/courses/<course_id>/remove", methods=["POST"])
@role_required("trainer")
def unassign_course(cohort_id: int, course_id: str):
    """Take a course off the cohort, after saying what that does (its due date goes; progress stays)."""
    current = _cohort(cohort_id)
    if ActionForm().validate_on_submit():
        if not confirmed():
            shown = catalog_for_reader().course(course_id)
            title = shown.title if shown is not None else course_id
            return ask_to_confirm(Confirmation(
                title=gettext("Remove “%(course)s” from %(cohort)s?", course=title, cohort=current.name),
                facts=[gettext("Its members are no longer asked to take it for this cohort, and its due date is "
                               "forgotten: no more reminders about it."),
                       gettext("Everyone keeps their own progress, answers and certificates in it."),
                       gettext("To ask for it again, assign it again, with its due date.")],
                confirm=gettext("Remove the course"),
                cancel_url=url_for("trainer.cohort", cohort_id=current.id)))
        _commit_or_flash(lambda: cohorts.unassign_course(db.session, current_user, current, course_id),
                         gettext("Course removed from the cohort. Trainees keep their progress."))
    return redirect(url_for("trainer.cohort", cohort_id=current.id))


@bp.route("/cohorts/<int:cohort_id>/invites", methods=["POST"])
@role_required("trainer")
def create_invite(cohort_id: int):
    current = _cohort(cohort_id)
    form = InviteForm()
    if not form.validate_on_submit():
        return _cohort_page(current, invite_form=form), 400
    try:
        token = cohorts.create_invite(db.session, current_user, current, reusable=form.kind.data == "link",
                                      email=form.email.data, days=form.days.data, send_email=form.send_email.data,
                                      language=form.language.data)
    except ServiceError as exc:
        db.session.rollback()
        notify(str(exc), "error", near="invite-form")  # in the invitation form's error summary
        return _cohort_page(current, invite_form=form), 400
    db.session.commit()
    if form.send_email.data:
        flash(gettext("Invitation created and queued to be emailed to %(email)s.",
                      email=form.email.data.strip().lower()), "success")
    # Redirected, so that reloading the page cannot create (and e-mail) a second invitation. The link goes
    # through the trainer's own session to be shown once; the database keeps only its hash. It opens in the
    # language chosen for the invitation, as the e-mailed one does.
    session[_NEW_INVITE] = {"cohort_id": current.id, "token": token, "language": form.language.data,
                            "emailed_to": form.email.data if form.send_email.data else None}
    return redirect(url_for("trainer.cohort", cohort_id=current.id), code=303)


@bp.route("/cohorts/<int:cohort_id>/invites/<int:invite_id>/revoke", methods=["POST"])
@role_required("trainer")
def revoke_invite(cohort_id: int, invite_id: int):
    current = _cohort(cohort_id)
    if ActionForm().validate_on_submit():
        _commit_or_flash(lambda: cohorts.revoke_invite(db.session, current_user, current, invite_id),
                         gettext("Invitation revoked; the link no longer works."))
    return redirect(url_for("trainer.cohort", cohort_id=current.id))


def _left_waiting(member: User) -> list[str]:
    """What the member is waiting on a trainer for, which this cohort's trainers stop seeing once they leave."""
    waiting = coaching.waiting_on_trainers(db.session, member.id)
    facts = []
    if waiting.contact_asked_on is not None:
        facts.append(gettext("%(name)s asked a trainer to get in touch on %(date)s, and nobody has followed it up "
                             "yet: this cohort’s trainers will no longer see that request.",
                             name=member.display_name, date=i18n.long_date(waiting.contact_asked_on)))
    if waiting.responses == 1:
        facts.append(gettext("%(name)s has a response waiting for a review: this cohort’s trainers will no longer "
                             "see it.", name=member.display_name))
    elif waiting.responses:
        facts.append(ngettext("%(name)s has %(num)d response waiting for a review: this cohort’s trainers will no "
                              "longer see it.",
                              "%(name)s has %(num)d responses waiting for a review: this cohort’s trainers will no "
                              "longer see them.", waiting.responses, name=member.display_name))
    return facts


@bp.route("/cohorts/<int:cohort_id>/members/<int:user_id>/remove", methods=["POST"])
@role_required("trainer")
def remove_member(cohort_id: int, user_id: int):
    current = _cohort(cohort_id)
    if cohorts.member_of(db.session, current, user_id) is None:
        abort(404)
    if ActionForm().validate_on_submit():
        if not confirmed():
            member = cohorts.member_of(db.session, current, user_id)
            assert member is not None  # checked above
            return ask_to_confirm(Confirmation(
                title=gettext("Remove %(name)s from %(cohort)s?", name=member.display_name, cohort=current.name),
                facts=[gettext("%(name)s leaves the cohort “%(cohort)s”: its courses are no longer assigned to them "
                               "and its trainers no longer see their progress.",
                               name=member.display_name, cohort=current.name),
                       *_left_waiting(member),
                       gettext("%(name)s keeps their own progress, answers and certificates.",
                               name=member.display_name),
                       gettext("The cohort’s reusable link still works, for them too: revoke it on the cohort page "
                               "if they should not join again.")
                       if cohorts.has_open_link(db.session, current, utcnow())
                       else gettext("To bring them back, send them a new invitation.")],
                confirm=gettext("Remove %(name)s", name=member.display_name),
                cancel_url=url_for("trainer.trainee", cohort_id=current.id, user_id=user_id)))
        _commit_or_flash(lambda: cohorts.remove_member(db.session, current_user, current, user_id),
                         gettext("Removed from the cohort. Their own progress is kept."))
    return redirect(url_for("trainer.progress", cohort_id=current.id))


# -- progress ---------------------------------------------------------------------------

def _progress_query(current: Cohort) -> tuple[ProgressFilterForm, reports.Query, tuple[reports.Column, ...]]:
    form = ProgressFilterForm(request.args)
    columns = reports.columns_for(db.session, current, catalog_for_reader())
    form.course.choices = options([("", gettext("All assigned courses"))]
                                  + [(c.course_id, c.title, c.lang) for c in columns])
    form.validate()
    # A bad value in one filter (a stale link, a hand-edited URL) drops that filter only.
    data = {name: field.data for name, field in form._fields.items() if not field.errors}
    query = reports.Query(
        course=data.get("course") or None, status=data.get("status") or None, search=data.get("q") or "",
        sort=data.get("sort") or "name", descending=data.get("order") == "desc", page=page_arg())
    return form, query, columns


@bp.route("/cohorts/<int:cohort_id>/progress")
@role_required("trainer")
def progress(cohort_id: int):
    current = _cohort(cohort_id)
    form, query, columns = _progress_query(current)
    table = reports.progress_table(db.session, current, catalog_for_reader(), query, clock.today(),
                                   all_columns=columns)
    args = {k: v for k, v in request.args.items() if k in FILTER_ARGS and v}
    return render_template("trainer/progress.html", cohort=current, form=form, table=table, args=args,
                           action_form=ActionForm(), nudge_form=NudgeForm(),
                           summary=reports.summary(db.session, current, columns, clock.today()))


@bp.route("/cohorts/<int:cohort_id>/nudge", methods=["POST"])
@role_required("trainer")
def nudge(cohort_id: int):
    """Send a reminder email to the trainees ticked in the progress table."""
    current = _cohort(cohort_id)
    form = NudgeForm()
    # Any member id is a valid choice; nudges.nudge keeps only members of this cohort.
    form.user_ids.choices = [(i, str(i)) for i in map(parse_id, request.form.getlist("user_ids")) if i is not None]
    args = {k: v for k, v in request.args.items() if k in FILTER_ARGS and v}
    back = redirect(url_for("trainer.progress", cohort_id=current.id) + (f"?{urlencode(args)}" if args else ""),
                    code=303)
    if not form.validate_on_submit():
        flash(next(iter(form.user_ids.errors), gettext("Tick at least one trainee to remind.")), "error")
        return back
    try:
        queued, skipped = nudges.nudge(db.session, current_user, current, form.user_ids.data, catalog().courses,
                                       clock.today(), current_app.config["NUDGES_PER_HOUR"])
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return back
    db.session.commit()
    message = ngettext("Reminder queued for %(num)s trainee.", "Reminder queued for %(num)s trainees.", queued)
    if skipped:
        message += " " + ngettext(
            "%(num)s not reminded: already reminded today, or nothing left to do (someone who turned reminders off "
            "is not emailed).",
            "%(num)s not reminded: already reminded today, or nothing left to do (someone who turned reminders off "
            "is not emailed).", skipped)
    flash(message, "success")
    return back


@bp.route("/cohorts/<int:cohort_id>/progress.csv")
@role_required("trainer")
def progress_export(cohort_id: int):
    current = _cohort(cohort_id)
    _form, query, _columns = _progress_query(current)
    text = _english(lambda: progress_csv(db.session, current, catalog(), query, clock.today()))
    return _csv(text, _filename(current, "progress"))


@bp.route("/cohorts/<int:cohort_id>/assessments.csv")
@role_required("trainer")
def assessments_export(cohort_id: int):
    current = _cohort(cohort_id)
    return _csv(_english(lambda: assessments_csv(db.session, current, catalog())), _filename(current, "assessments"))


@bp.route("/cohorts/<int:cohort_id>/skills.csv")
@role_required("trainer")
def skills_export(cohort_id: int):
    current = _cohort(cohort_id)
    return _csv(_english(lambda: skills_csv(db.session, current, catalog())), _filename(current, "role-play-skills"))


@bp.route("/cohorts/<int:cohort_id>/certificates.csv")
@role_required("trainer")
def certificates_export(cohort_id: int):
    current = _cohort(cohort_id)
    # The address printed on the certificates, not whatever host this request came through.
    base = current_app.config["PUBLIC_BASE_URL"]
    text = _english(lambda: certificates_csv(db.session, current, catalog(), lambda code: verify_url(base, code)))
    return _csv(text, _filename(current, "certificates"))


@bp.route("/cohorts/<int:cohort_id>/trainees/<int:user_id>")
@role_required("trainer")
def trainee(cohort_id: int, user_id: int):
    current = _cohort(cohort_id)
    member = cohorts.member_of(db.session, current, user_id)
    if member is None:
        abort(404)
    record = reports.trainee_record(db.session, current_user, current, member, catalog_for_reader(), clock.today())
    run_ids = [r.run_id for r in record.runs]
    return render_template("trainer/trainee.html", cohort=current, record=record, action_form=ActionForm(),
                           commentable=coaching.commentable_run_ids(db.session, current_user, run_ids),
                           comment_counts=coaching.comment_counts(db.session, run_ids))


# -- scenario insight -----------------------------------------------------------------------

@bp.route("/scenarios")
@role_required("trainer")
def scenarios():
    counts = insight.run_counts(db.session, current_user)
    listing = sorted(catalog_for_reader().scenarios.values(), key=lambda s: s.title.lower())
    return render_template("trainer/scenarios.html", scenarios=listing, counts=counts)


@bp.route("/scenarios/<scenario_id>")
@role_required("trainer")
def scenario_insight(scenario_id: str):
    """Where trainees go wrong in a role-play, for the runs of the chosen cohort, dates and kind."""
    scenario = catalog_for_reader().scenario(scenario_id)
    if scenario is None:
        abort(404)
    form = InsightFilterForm(request.args)
    visible = cohorts.visible_cohorts(db.session, current_user)
    everyone = gettext("All cohorts") if current_user.is_admin else gettext("All your cohorts")
    form.cohort.choices = options([("", everyone)] + [(str(c.id), c.name) for c in visible])
    if not form.validate():
        # A hand-edited or stale link: say what is wrong rather than count the wrong runs.
        return render_template("trainer/insight.html", scenario=scenario, form=form, insight=None), 400
    filters = insight.Filters(cohort_id=parse_id(form.cohort.data),
                              start=form.start.data, end=form.end.data, kind=form.kind.data or "")
    return render_template("trainer/insight.html", scenario=scenario, form=form,
                           insight=insight.scenario_insight(db.session, current_user, scenario, filters))
