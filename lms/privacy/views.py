"""A person's own account: download all their data, delete the account, join a cohort by link."""
from __future__ import annotations

import json

from flask import Blueprint, Flask, Response, current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired

from lms.accounts import services as accounts
from lms.cohorts import services as cohorts
from lms.core import clock, i18n, ratelimit, settings
from lms.core.extensions import db
from lms.core.forms import ActionForm
from lms.core.services import ServiceError
from lms.privacy import services as privacy

bp = Blueprint("privacy", __name__, template_folder="templates")


def init_app(app: Flask) -> None:
    """Register this feature's pages."""
    app.register_blueprint(bp)


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Your password"),
                             validators=[DataRequired(message=_l("Enter your password to confirm."))],
                             render_kw={"autocomplete": "current-password"})
    revoke = BooleanField(_l("Also revoke my certificates, so they no longer show as valid when checked"))
    confirm = BooleanField(_l("I understand that this cannot be undone"),
                           validators=[DataRequired(message=_l("Tick this box to confirm."))])


@bp.route("/account/data")
@login_required
def data():
    return render_template("privacy/data.html", form=DeleteAccountForm())


@bp.route("/account/data/download")
@login_required
def download():
    body = json.dumps(privacy.export_data(db.session, current_user), ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="my-data-{clock.today().isoformat()}.json"',
        "Cache-Control": "no-store",
    })


@bp.route("/account/data/view")
@login_required
def data_page():
    """The same data as the download, as a page a person can read."""
    export = privacy.export_data(db.session, current_user)
    profile, sections = privacy.readable(export)
    return render_template("privacy/data_page.html", export=export, profile=profile, sections=sections), 200, {
        "Cache-Control": "no-store"}


@bp.route("/account/delete", methods=["POST"])
@login_required
def delete():
    form = DeleteAccountForm()
    if not form.validate_on_submit():
        return render_template("privacy/data.html", form=form), 400
    try:
        revoked = privacy.delete_account(db.session, current_user, form.password.data, form.revoke.data)
    except ServiceError as exc:
        db.session.rollback()
        form.password.errors = [str(exc)]
        return render_template("privacy/data.html", form=form), 400
    db.session.commit()
    privacy.checkpoint(db.session)
    # Said, and the next pages shown, in the language the person was using: their account held it.
    language = i18n.current_language()
    message = gettext("Your account and your training records have been deleted.")
    if revoked:
        message += " " + ngettext("%(num)s certificate was revoked.", "%(num)s certificates were revoked.", revoked)
    logout_user()
    session.clear()
    session[i18n.SESSION_KEY] = language
    flash(message, "success")
    return redirect(url_for("main.index"))


@bp.route("/join/<token>", methods=["GET", "POST"])
@login_required
def join(token: str):
    """An existing account follows a cohort's invitation link."""
    ratelimit.limit_or_429(db.session, "invite", current_app.config["INVITE_LIMIT"], 3600)
    target = cohorts.cohort_of_invite(db.session, token)
    if target is None:
        problem, invite = accounts.invite_problem(db.session, token)
        problem = problem or "revoked"  # a usable link to an archived group
        return render_template("auth/invite_problem.html",
                               **accounts.invite_problem_details(db.session, problem, invite),
                               charity=settings.get("CHARITY_NAME"), open_registration=False), \
            404 if problem == "unknown" else 410
    form = ActionForm()
    invite = accounts.find_invite(db.session, token)
    if invite is not None and invite.email and invite.email != current_user.email:
        # Said before a button that could only be refused (cohorts.join refuses it too).
        return render_template("privacy/join.html", cohort=target, form=form, charity=settings.get("CHARITY_NAME"),
                               refused=gettext("This invitation was sent to a different email address.")), 403
    if form.validate_on_submit():
        try:
            cohorts.join(db.session, current_user, token)
        except ServiceError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return render_template("privacy/join.html", cohort=target, form=form,
                                   charity=settings.get("CHARITY_NAME")), 400
        db.session.commit()
        flash(gettext("You have joined %(group)s.", group=target.name), "success")
        return redirect(url_for("main.index"))
    return render_template("privacy/join.html", cohort=target, form=form, charity=settings.get("CHARITY_NAME"))
