"""Certificates: claim, download, verify; trainer lists, sign-off, revoke, bulk print."""
from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as cookie_session
from flask_babel import force_locale, gettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from lms.catalog.services import catalog, catalog_for_reader, course_titles_for_reader
from lms.certificates import document
from lms.certificates import services as service
from lms.certificates.forms import (
    BulkPrintForm,
    ClaimForm,
    DecideForm,
    ReissueForm,
    RevokeForm,
    SearchForm,
    VerifyForm,
)
from lms.certificates.models import Certificate
from lms.certificates.throttle import check_verify_limit
from lms.core import clock, i18n
from lms.core.access import public, role_required
from lms.core.db import db
from lms.core.forms import NOT_A_CHOICE, options
from lms.core.models import parse_id
from lms.core.notices import notify
from lms.core.services import ServiceError
from lms.core.web import Confirmation, ask_to_confirm, confirmed

bp = Blueprint("certificates", __name__, template_folder="templates")


def init_app(app: Flask) -> None:
    """Register the certificate pages and the certificate branding."""
    app.register_blueprint(bp)
    document.init_app(app)
    app.add_template_global(document.grouped_code, "grouped_code")  # the trainee's panel shows each code
    app.add_template_global(words_language, "certificate_words_language")


def words_language(certificate: Certificate | None, key: str) -> str | None:
    """The language of `certificate.wording(current_language())[key]` when it is not the page's, for its `lang`.

    A certificate keeps its words in each language it was issued in, and shows the original's in any other; a
    course not translated then kept the original's words in that language too (they read the same).
    """
    if certificate is None:
        return None
    page = i18n.current_language()
    written_in = certificate.wording_language(page, key, str(current_app.config.get("CONTENT_LANGUAGE") or "en"))
    return None if written_in == page else written_in


# -- trainees ------------------------------------------------------------------------

@bp.route("/certificates")
def mine():
    return render_template("certificates/mine.html",
                           certificate_panel=service.trainee_panel(db.session, current_user.id,
                                                                   catalog_for_reader().courses))


def _already_asked(certificate: Certificate) -> str:
    """Why a course's certificate cannot be claimed again for this completion, in the words of where it stands."""
    if certificate.status == "pending":
        return gettext("You have already asked for this certificate: it is waiting for a trainer’s sign-off.")
    if certificate.status == "revoked" and certificate.issued_at is None:
        return gettext("A trainer did not approve this certificate: their reason is below. Talk to your trainer "
                       "about what to do next.")
    if certificate.status == "revoked":
        return gettext("Your certificate for this course was revoked: the reason is below.")
    return gettext("You already have the certificate for this course.")


#: The name last previewed for a course's certificate ({course id: name}), kept in the person's own session
#: cookie so that the preview is a page of its own (a GET): Back and reload never send the form again.
_PREVIEWED = "certificate_preview"


@bp.route("/certificates/claim/<course_id>", methods=["GET", "POST"])
def claim(course_id: str):
    """Ask for the name to print, preview the certificate with it (after a redirect), then issue it."""
    course = catalog().course(course_id)
    if course is None or course.certificate is None:
        abort(404)
    enrolment = service.claimable_enrolment(db.session, current_user.id, course)
    if enrolment is None:
        # The page exists: someone who has not finished (an old link, a course taken again) is told why.
        flash(gettext("Finish every step of this course first: then you can claim its certificate."), "info")
        return redirect(url_for("learn.course", course_id=course.id))
    existing = service.certificate_for(db.session, enrolment.id)
    if existing is not None:
        flash(_already_asked(existing), "info")
        return redirect(url_for(".mine"))
    lapsed = service.lapsed_on(enrolment, course)
    if lapsed is not None:
        flash(gettext("You completed this course long ago: a certificate for it would have been valid only until "
                      "%(date)s. Take the course again to get a current certificate.", date=i18n.long_date(lapsed)),
              "info")
        return redirect(url_for("learn.course", course_id=course.id))
    form = ClaimForm()
    if request.method == "GET":
        previewed = (cookie_session.get(_PREVIEWED) or {}).get(course.id)
        if previewed or current_user.legal_name:
            form.legal_name.data = previewed or current_user.legal_name
    branding = document.current_branding()
    preview = None
    if form.validate_on_submit() or (request.method == "GET" and form.legal_name.data):
        try:
            if request.method == "POST" and form.submit.data:
                certificate = service.issue(db.session, current_user, enrolment, course, form.legal_name.data,
                                            branding)
                db.session.commit()
                cookie_session.pop(_PREVIEWED, None)
                flash(gettext("Your certificate is ready to download.") if certificate.status == "issued" else
                      gettext("Your certificate is waiting for a trainer’s sign-off. "
                              "We will show it here once it is issued."),
                      "success")
                return redirect(url_for(".mine"))
            preview = document.document_values(
                service.draft(current_user, enrolment, course, form.legal_name.data, branding), branding)
            if request.method == "POST":  # shown by the page it redirects to
                cookie_session[_PREVIEWED] = {course.id: form.legal_name.data}
                return redirect(url_for(".claim", course_id=course.id, previewed=1), code=303)
        except ServiceError as exc:
            db.session.rollback()
            form.legal_name.errors = [*form.legal_name.errors, str(exc)]
    # The page names the course in the reader's language; what is issued is decided by `course` above.
    shown = catalog_for_reader().course(course_id) or course
    return render_template("certificates/claim.html", form=form, course=course, course_title=shown.title,
                           preview=preview, sign_off=course.certificate.sign_off)


@bp.route("/certificates/<int:certificate_id>/pdf")
def download(certificate_id: int):
    row = service.download_row(db.session, certificate_id)
    if row is None or row.status != "issued":
        abort(404)
    # Trainers may print the certificates of their cohorts' trainees; nobody else's.
    if row.user_id != current_user.id and not (
            current_user.is_trainer and service.visible_certificate(db.session, current_user, certificate_id)):
        abort(404)
    pdf = row.pdf
    if pdf is None:  # issued without its PDF (e.g. imported): made once, then stored
        pdf = service.ensure_pdf(db.session, db.session.get_one(Certificate, certificate_id))
    return _pdf_response(pdf, f"certificate-{row.course_id}-{row.code[:8].lower()}.pdf")


def _pdf_response(pdf: bytes, filename: str) -> Response:
    # The stored bytes as they are: no file wrapper, no conditional-request machinery.
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


# -- verification (public) --------------------------------------------------------------

@bp.route("/verify")
@public
def verify_form():
    """A form that works without JavaScript: GET /verify?code=… goes to the code's page."""
    form = VerifyForm(request.args)
    if "code" not in request.args or not form.validate():
        return render_template("certificates/verify.html", form=form, result=None, searched=False)
    code = service.normalise_code(form.code.data)
    if code is not None:
        return redirect(url_for(".verify", code=code))  # the code's page counts this lookup
    check_verify_limit(db.session)
    return render_template("certificates/verify.html", form=form, result=None, searched=True), 404


@bp.route("/verify/<code>")
@public
def verify(code: str):
    """The public check of a code, in the visitor's language (`?lang=cy` asks for one outright, as a link may)."""
    check_verify_limit(db.session)
    if request.accept_mimetypes.best == "application/json":
        return _verify_json(service.verify(db.session, code, clock.today()))
    language = i18n.allowed(request.args.get("lang")) or i18n.current_language()
    with force_locale(language):
        result = service.verify(db.session, code, clock.today(), language=language)
        form = VerifyForm(formdata=None, code=document.grouped_code(result.code) if result else code[:80])
        # The record, for the language its titles are written in (words_language).
        page = render_template("certificates/verify.html", form=form, result=result,
                               record=result.certificate if result else None, searched=True,
                               code=document.grouped_code, format_date=document.format_date,
                               format_hours=document.format_hours)
    return page, 200 if result else 404


@bp.route("/verify/<code>.json")
@public
def verify_json(code: str):
    check_verify_limit(db.session)
    return _verify_json(service.verify(db.session, code, clock.today()))


def _verify_json(result: service.Verification | None):
    if result is None:
        return jsonify(status="not-found"), 404
    response = jsonify(result.as_json())
    return response


# -- trainers and admins ------------------------------------------------------------------

def _course_choices(blank: str) -> list[SelectChoice]:
    return options([("", blank), *course_titles_for_reader(with_certificate=True)])


@bp.route("/certificates/manage")
@role_required("trainer")
def manage():
    form = SearchForm(request.args)
    form.course.choices = _course_choices(gettext("Any course"))
    criteria = service.Search()
    if request.args and form.validate():
        criteria = service.Search(text=(form.q.data or "").strip(), course_id=form.course.data or "",
                                  status=form.status.data or "", date_from=form.date_from.data,
                                  date_to=form.date_to.data)
    found = service.search(db.session, current_user, criteria)
    waiting = service.pending(db.session, current_user)
    return render_template("certificates/manage.html", form=form, certificates=found, pending=waiting,
                           holders=service.holders(db.session, current_user, [c.user_id for c in waiting]),
                           code=document.grouped_code, today=clock.today())


def _visible_or_404(certificate_id: int) -> Certificate:
    certificate = service.visible_certificate(db.session, current_user, certificate_id)
    if certificate is None:
        abort(404)
    return certificate


@bp.route("/certificates/manage/<int:certificate_id>")
@role_required("trainer")
def detail(certificate_id: int):
    return _detail(_visible_or_404(certificate_id))


def _detail(certificate: Certificate, **forms):
    replacement = db.session.get(Certificate, certificate.replaced_by_id) if certificate.replaced_by_id else None
    course_now = catalog().course(certificate.course_id)
    return render_template(
        "certificates/detail.html", certificate=certificate, replacement=replacement,
        current_version=course_now.version if course_now is not None else None,
        holder=_holder(certificate), today=clock.today(), own=service.decided_by_others(certificate, current_user),
        code=document.grouped_code, format_date=document.format_date,
        approve_form=forms.get("approve_form") or DecideForm(),
        revoke_form=forms.get("revoke_form") or RevokeForm(formdata=None),
        reissue_form=forms.get("reissue_form") or ReissueForm(formdata=None, holder_name=certificate.holder_name),
    ), 400 if forms else 200


def _act(certificate_id: int, form_name: str, form, action, done: str,
         confirmation: Callable[[Certificate, Any], Confirmation] | None = None):
    """Validate the form, ask to confirm when the action cannot be undone, then act and say so by the actions."""
    certificate = _visible_or_404(certificate_id)
    if not form.validate_on_submit():
        return _detail(certificate, **{form_name: form})
    if confirmation is not None and not confirmed():
        return ask_to_confirm(confirmation(certificate, form))
    try:
        result = action(certificate, form)
    except ServiceError as exc:
        db.session.rollback()
        notify(str(exc), "error", near="certificate-actions")
        return redirect(url_for(".detail", certificate_id=certificate.id))
    db.session.commit()
    notify(done, "success", near="certificate-actions")
    return redirect(url_for(".detail", certificate_id=result.id))


def _holder(certificate: Certificate) -> service.Holder | None:
    if certificate.user_id is None:  # the account was deleted
        return None
    return service.holders(db.session, current_user, [certificate.user_id]).get(certificate.user_id)


def _whose(certificate: Certificate) -> str:
    """The trainee's display name (what trainers know them by), else the name on the certificate."""
    holder = _holder(certificate)
    return holder.display_name if holder else certificate.holder_name


def _revoke_confirmation(certificate: Certificate, form: RevokeForm) -> Confirmation:
    who, course = _whose(certificate), certificate.course_title
    reason = " ".join((form.reason.data or "").split())
    back = url_for(".detail", certificate_id=certificate.id)
    if certificate.status == "pending":
        return Confirmation(
            title=gettext("Refuse %(name)s’s certificate for %(course)s?", name=who, course=course),
            facts=[gettext("The certificate “%(title)s” will not be issued to %(name)s.",
                           title=certificate.certificate_title, name=who),
                   gettext("%(name)s sees your reason on their certificates page: “%(reason)s”, and is told to talk "
                           "to their trainer about what to do next.", name=who, reason=reason),
                   gettext("This cannot be undone. To be given the certificate later, they take the course again.")],
            confirm=gettext("Refuse this certificate"), cancel_url=back, carry={"reason": reason})
    return Confirmation(
        title=gettext("Revoke %(name)s’s certificate for %(course)s?", name=who, course=course),
        facts=[gettext("The certificate with code %(code)s, issued to “%(holder)s”, will show as revoked to anyone "
                       "who checks it, with your reason: “%(reason)s”.",
                       code=document.grouped_code(certificate.code), holder=certificate.holder_name, reason=reason),
               gettext("%(name)s can no longer download it, and sees your reason on their certificates page.",
                       name=who),
               gettext("This cannot be undone. To hold the certificate again, they take the course again.")],
        confirm=gettext("Revoke the certificate"), cancel_url=back, carry={"reason": reason})


def _reissue_confirmation(certificate: Certificate, form: ReissueForm) -> Confirmation:
    who, name = _whose(certificate), service.clean_name(form.holder_name.data)  # the form checked it
    return Confirmation(
        title=gettext("Re-issue %(who)s’s certificate for %(course)s to “%(name)s”?", who=who,
                      course=certificate.course_title, name=name),
        facts=[gettext("A new certificate is issued to “%(name)s”, with a new code and the same completion date.",
                       name=name),
               gettext("The current certificate (code %(code)s, issued to “%(holder)s”) is revoked: anyone who "
                       "checks it is told it was replaced.",
                       code=document.grouped_code(certificate.code), holder=certificate.holder_name),
               gettext("“%(name)s” becomes the name printed on %(who)s’s future certificates.", name=name, who=who),
               gettext("This cannot be undone.")],
        confirm=gettext("Re-issue the certificate"), cancel_url=url_for(".detail", certificate_id=certificate.id),
        carry={"holder_name": name})


@bp.route("/certificates/manage/<int:certificate_id>/approve", methods=["POST"])
@role_required("trainer")
def approve(certificate_id: int):
    return _act(certificate_id, "approve_form", DecideForm(),
                lambda c, f: service.approve(db.session, c, current_user, document.current_branding()),
                gettext("Approved: the certificate is issued."))


@bp.route("/certificates/manage/<int:certificate_id>/revoke", methods=["POST"])
@role_required("trainer")
def revoke(certificate_id: int):
    pending = _visible_or_404(certificate_id).status == "pending"
    return _act(certificate_id, "revoke_form", RevokeForm(),
                lambda c, f: service.revoke(db.session, c, current_user, f.reason.data),
                gettext("The certificate is refused. The trainee sees your reason.") if pending else
                gettext("The certificate is revoked. Its verification page now says so, with your reason."),
                _revoke_confirmation)


@bp.route("/certificates/manage/<int:certificate_id>/reissue", methods=["POST"])
@role_required("trainer")
def reissue(certificate_id: int):
    return _act(certificate_id, "reissue_form", ReissueForm(),
                lambda c, f: service.reissue(db.session, c, current_user, f.holder_name.data,
                                             document.current_branding()),
                gettext("A new certificate is issued and the old one is revoked."), _reissue_confirmation)


@bp.route("/certificates/print", methods=["GET", "POST"])
@role_required("trainer")
def bulk_print():
    form = BulkPrintForm()
    form.course.choices = _course_choices(gettext("Every course"))
    cohorts = service.cohorts_of(db.session, current_user)
    form.cohort.choices = [SelectChoice("", gettext("Every cohort")),
                           *(SelectChoice(str(c.id), c.name) for c in cohorts)]
    submitted = form.validate_on_submit()
    if submitted and form.cohort.data and form.cohort.data not in {str(c.id) for c in cohorts}:
        form.cohort.errors = [*form.cohort.errors, str(NOT_A_CHOICE)]  # a stale page, or a hand-edited form
    elif submitted:
        criteria = service.Search(course_id=form.course.data or "",
                                  cohort_id=parse_id(form.cohort.data),
                                  date_from=form.date_from.data, date_to=form.date_to.data)
        ids = service.bulk_ids(db.session, current_user, criteria)
        if ids:
            out = io.BytesIO()
            service.merge_pdfs(db.session, ids, out)
            db.session.commit()
            return _pdf_response(out.getvalue(), f"certificates-{clock.today().isoformat()}.pdf")
        flash(gettext("No current certificates match (expired ones are not printed). Try a wider date range or another "
                      "course."), "info")
    return render_template("certificates/bulk.html", form=form), 400 if form.errors else 200
