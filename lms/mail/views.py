"""Reminder choices on the account page, and the one-click unsubscribe link of every reminder."""
from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, gettext
from flask_login import current_user, login_required

from lms.accounts.models import User
from lms.core import i18n, settings
from lms.core.access import public
from lms.core.db import db
from lms.core.extensions import csrf
from lms.core.services import ServiceError
from lms.jobs import schedule
from lms.mail import reminders
from lms.mail import services as mail
from lms.mail.forms import PreferencesForm

bp = Blueprint("mail", __name__, template_folder="templates")


def init_app(app: Flask) -> None:
    """Register the pages and the reminder sweep the worker runs; say so when mail is only printed."""
    app.register_blueprint(bp)
    minutes = app.config["REMINDER_SWEEP_MINUTES"]
    schedule.every("reminders", minutes * 60, reminders.scheduled_sweep)
    if app.config["MAIL_BACKEND"] == "console" and app.config["ENVIRONMENT"] == "production" \
            and not app.config.get("TESTING"):
        app.logger.warning("No LMS_MAIL_SERVER is set: emails are printed by the worker, not sent.")


def _categories_for(user) -> dict[str, str]:
    return {name: label for name, label in mail.CATEGORIES.items()
            if name not in mail.TRAINER_CATEGORIES or user.is_trainer}


@bp.route("/account/reminders", methods=["GET", "POST"])
@login_required
def preferences():
    categories = _categories_for(current_user)
    current = mail.preferences(db.session, current_user.id)
    form = PreferencesForm(data=current)
    if form.validate_on_submit():
        wanted = {name: bool(form[name].data) for name in categories}
        mail.set_preferences(db.session, current_user, wanted)
        db.session.commit()
        flash(gettext("Your reminder choices are saved."), "success")
        return redirect(url_for(".preferences"))
    return render_template("mail/preferences.html", form=form, categories=categories)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@public
@csrf.exempt  # RFC 8058: the mail program POSTs here with no form token; the signed token is the proof
def unsubscribe(token: str):
    """GET asks (link scanners must not unsubscribe anyone); POST, from the page or a mail program, unsubscribes.

    The page is in the language the e-mail was written in (the link's person's), whoever opens it.
    """
    found = mail.read_unsubscribe_token(token)
    if found is None:
        return render_template("mail/unsubscribe.html", invalid=True), 404
    with force_locale(_language_of(found[0])):
        return _unsubscribe(token, found)


def _language_of(user_id: int) -> str:
    """The person's e-mail language, or this request's when they are gone."""
    user = db.session.get(User, user_id)
    return mail.email_language(user) if user is not None else i18n.current_language()


def _unsubscribe(token: str, found: tuple[int, str]):
    label = mail.CATEGORIES[found[1]]
    if request.method == "GET":
        return render_template("mail/unsubscribe.html", token=token, label=label, done=False,
                               site_name=settings.get("SITE_NAME"))
    try:
        mail.unsubscribe(db.session, token)
    except ServiceError:
        db.session.rollback()
        return render_template("mail/unsubscribe.html", invalid=True), 404
    db.session.commit()
    if request.form.get("List-Unsubscribe") == "One-Click":
        return Response("Unsubscribed.\n", mimetype="text/plain")
    current_app.logger.info("reminders turned off by link: %s", found[1])
    return render_template("mail/unsubscribe.html", token=token, label=label, done=True,
                           site_name=settings.get("SITE_NAME"))
