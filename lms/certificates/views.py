"""Certificates: claim, download, verify; trainer lists, sign-off, revoke, bulk print."""
from __future__ import annotations

import io

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from lms.catalog.services import catalog
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
from lms.core import clock
from lms.core.access import public, role_required
from lms.core.db import db
from lms.core.notices import notify
from lms.core.services import ServiceError

bp = Blueprint("certificates", __name__, template_folder="templates")


def init_app(app: Flask) -> None:
    """Register the certificate pages and the certificate branding."""
    app.register_blueprint(bp)
    document.init_app(app)


# -- trainees ------------------------------------------------------------------------

@bp.route("/certificates")
def mine():
    return render_template("certificates/mine.html",
                           certificate_panel=service.trainee_panel(db.session, current_user.id, catalog().courses))


@bp.route("/certificates/claim/<course_id>", methods=["GET", "POST"])
def claim(course_id: str):
    course = catalog().course(course_id)
    if course is None or course.certificate is None:
        abort(404)
    enrolment = service.claimable_enrolment(db.session, current_user.id, course)
    if enrolment is None:
        abort(404)
    if service.certificate_for(db.session, enrolment.id) is not None:
        flash("You already have the certificate for this course.", "info")
        return redirect(url_for(".mine"))
    form = ClaimForm()
    if request.method == "GET" and current_user.legal_name:
        form.legal_name.data = current_user.legal_name
    branding = document.current_branding()
    preview = None
    if form.validate_on_submit() or (request.method == "GET" and form.legal_name.data):
        try:
            if request.method == "POST" and form.submit.data:
                certificate = service.issue(db.session, current_user, enrolment, course, form.legal_name.data,
                                            branding)
                db.session.commit()
                flash("Your certificate is ready to download." if certificate.status == "issued" else
                      "Your certificate is waiting for a trainer's sign-off. We will show it here once it is issued.",
                      "success")
                return redirect(url_for(".mine"))
            preview = document.document_values(
                service.draft(current_user, enrolment, course, form.legal_name.data, branding), branding)
        except ServiceError as exc:
            db.session.rollback()
            form.legal_name.errors = [*form.legal_name.errors, str(exc)]
    return render_template("certificates/claim.html", form=form, course=course, preview=preview,
                           sign_off=course.certificate.sign_off)


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
        db.session.commit()
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
    check_verify_limit(db.session)
    code = service.normalise_code(form.code.data)
    if code is not None:
        return redirect(url_for(".verify", code=code))
    return render_template("certificates/verify.html", form=form, result=None, searched=True), 404


@bp.route("/verify/<code>")
@public
def verify(code: str):
    check_verify_limit(db.session)
    result = service.verify(db.session, code, clock.today())
    if request.accept_mimetypes.best == "application/json":
        return _verify_json(result)
    form = VerifyForm(formdata=None, code=document.grouped_code(result.code) if result else code[:80])
    return render_template("certificates/verify.html", form=form, result=result, searched=True,
                           code=document.grouped_code,
                           format_hours=document.format_hours), 200 if result else 404


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
    courses = sorted((c for c in catalog().courses.values() if c.certificate), key=lambda c: c.title.lower())
    return [SelectChoice("", blank), *(SelectChoice(c.id, c.title) for c in courses)]


@bp.route("/certificates/manage")
@role_required("trainer")
def manage():
    form = SearchForm(request.args)
    form.course.choices = _course_choices("Any course")
    criteria = service.Search()
    if request.args and form.validate():
        criteria = service.Search(text=(form.q.data or "").strip(), course_id=form.course.data or "",
                                  status=form.status.data or "", date_from=form.date_from.data,
                                  date_to=form.date_to.data)
    found = service.search(db.session, current_user, criteria)
    return render_template("certificates/manage.html", form=form, certificates=found,
                           pending=service.pending(db.session, current_user), code=document.grouped_code)


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
    return render_template(
        "certificates/detail.html", certificate=certificate, replacement=replacement,
        code=document.grouped_code,
        approve_form=forms.get("approve_form") or DecideForm(),
        revoke_form=forms.get("revoke_form") or RevokeForm(formdata=None),
        reissue_form=forms.get("reissue_form") or ReissueForm(formdata=None, holder_name=certificate.holder_name),
    ), 400 if forms else 200


def _act(certificate_id: int, form_name: str, form, action, done: str):
    certificate = _visible_or_404(certificate_id)
    if not form.validate_on_submit():
        return _detail(certificate, **{form_name: form})
    try:
        result = action(certificate, form)
    except ServiceError as exc:
        db.session.rollback()
        notify(str(exc), "error", near="certificate-actions")
        return redirect(url_for(".detail", certificate_id=certificate.id))
    db.session.commit()
    notify(done, "success", near="certificate-actions")
    return redirect(url_for(".detail", certificate_id=result.id))


@bp.route("/certificates/manage/<int:certificate_id>/approve", methods=["POST"])
@role_required("trainer")
def approve(certificate_id: int):
    return _act(certificate_id, "approve_form", DecideForm(),
                lambda c, f: service.approve(db.session, c, current_user, document.current_branding()),
                "Approved: the certificate is issued.")


@bp.route("/certificates/manage/<int:certificate_id>/revoke", methods=["POST"])
@role_required("trainer")
def revoke(certificate_id: int):
    return _act(certificate_id, "revoke_form", RevokeForm(),
                lambda c, f: service.revoke(db.session, c, current_user, f.reason.data),
                "The certificate is revoked. Its verification page now says so, with your reason.")


@bp.route("/certificates/manage/<int:certificate_id>/reissue", methods=["POST"])
@role_required("trainer")
def reissue(certificate_id: int):
    return _act(certificate_id, "reissue_form", ReissueForm(),
                lambda c, f: service.reissue(db.session, c, current_user, f.holder_name.data,
                                             document.current_branding()),
                "A new certificate is issued and the old one is revoked.")


@bp.route("/certificates/print", methods=["GET", "POST"])
@role_required("trainer")
def bulk_print():
    form = BulkPrintForm()
    form.course.choices = _course_choices("Every course")
    cohorts = service.cohorts_of(db.session, current_user)
    form.cohort.choices = [SelectChoice("", "Every cohort"), *(SelectChoice(str(c.id), c.name) for c in cohorts)]
    if form.validate_on_submit():
        if form.cohort.data and form.cohort.data not in {str(c.id) for c in cohorts}:
            abort(404)
        criteria = service.Search(course_id=form.course.data or "",
                                  cohort_id=int(form.cohort.data) if form.cohort.data else None,
                                  date_from=form.date_from.data, date_to=form.date_to.data)
        ids = service.bulk_ids(db.session, current_user, criteria)
        if ids:
            out = io.BytesIO()
            service.merge_pdfs(db.session, ids, out)
            db.session.commit()
            return _pdf_response(out.getvalue(), f"certificates-{clock.today().isoformat()}.pdf")
        flash("No issued certificates match. Try a wider date range or another course.", "info")
    return render_template("certificates/bulk.html", form=form), 400 if form.errors else 200
