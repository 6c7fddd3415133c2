"""Admin pages: users, site settings, audit log."""
from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from lms.accounts import second_factor, users
from lms.accounts import services as accounts
from lms.accounts.models import ROLE_NAMES, User
from lms.admin import audit
from lms.admin.forms import ConfirmAccessForm, RoleForm, UserSearchForm, settings_form
from lms.catalog import services as catalog_services
from lms.content.org import org_lines
from lms.core import ratelimit, settings, templating
from lms.core.access import role_required
from lms.core.db import release_reads
from lms.core.extensions import db
from lms.core.pagination import page_arg
from lms.core.passwords import verify_password
from lms.core.web import Confirmation, ask_to_confirm, confirmed, service_call

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")


def init_app(app: Flask) -> None:
    """Register this feature's pages and its navigation link."""
    app.register_blueprint(bp)
    templating.add_nav_link(app, "admin.users", _l("Admin"), "admin", 50)


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/users", endpoint="users")
@role_required("admin")
def users_list():
    form = UserSearchForm(request.args)
    data = form.data if form.validate() else {}
    found = users.search(db.session, data.get("q") or "", data.get("role") or None, page_arg())
    args = {k: v for k, v in request.args.items() if k in ("q", "role") and v}
    return render_template("admin/users.html", form=form, found=found, args=args, role_names=ROLE_NAMES)


def _user_page(target: User, temporary: str | None = None, role_form: RoleForm | None = None, status: int = 200):
    return render_template(
        "admin/user.html", user=target, role_form=role_form or RoleForm(role=target.role),
        temporary=temporary, temporary_hours=_temporary_hours(), role_names=ROLE_NAMES,
        factor=second_factor.second_factor(db.session, target.id)), status


def _temporary_hours() -> int:
    return int(accounts.TEMPORARY_PASSWORD_LIFETIME.total_seconds() // 3600)


def _confirmed(form: RoleForm | ConfirmAccessForm) -> bool:
    """Whether the admin typed their own password again (each try counted); else say why, changing nothing.

    Someone who walked up to an unlocked admin session cannot take over another account with it.
    The reason shows by its field, in the page's error summary."""
    if not form.validate_on_submit():
        # A field's problem shows in the page's error summary and at the field; only an expired form is said here.
        if not (form.admin_password.errors or (isinstance(form, RoleForm) and form.role.errors)):
            flash(gettext("That form had expired, so nothing was changed. Please try again."), "error")
        return False
    if not ratelimit.hit(db.session, f"reauth:admin{current_user.id}", current_app.config["PASSWORD_LIMIT"] * 3, 3600):
        abort(429)
    stored = current_user.password_hash
    release_reads(db.session)  # before argon2: hold no lock while hashing
    if not verify_password(stored, form.admin_password.data):
        message = gettext("That is not your password, so nothing was changed.")
        form.admin_password.errors = [*form.admin_password.errors, message]
        return False
    return True


@bp.route("/users/<int:user_id>")
@role_required("admin")
def user(user_id: int):
    return _user_page(_user(user_id))


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@role_required("admin")
def change_role(user_id: int):
    target = _user(user_id)
    form = RoleForm()
    if not _confirmed(form):
        return _user_page(target, role_form=form, status=400)
    service_call(lambda: users.change_role(db.session, current_user, target, form.role.data),
                 gettext("%(name)s is now %(role)s.", name=target.display_name,
                         role=str(ROLE_NAMES.get(form.role.data, form.role.data)).lower()))
    return redirect(url_for("admin.user", user_id=target.id))


def _access_confirmation(target: User, reset: bool, make_active: bool | None = None) -> Confirmation:
    """The confirmation page of deactivating (`make_active` False), reactivating (True) or resetting a password:
    it asks for the admin's own."""
    name, email, back = target.display_name, target.email, url_for("admin.user", user_id=target.id)
    if reset:
        hours = _temporary_hours()
        return Confirmation(
            title=gettext("Reset %(name)s’s password?", name=name),
            facts=[gettext("The password of %(name)s (%(email)s) stops working at once, and they are logged out "
                           "everywhere.", name=name, email=email),
                   ngettext("You are shown a temporary password, once, to pass on privately. It works once, within "
                            "%(num)d hour; then they must choose their own.",
                            "You are shown a temporary password, once, to pass on privately. It works once, within "
                            "%(num)d hours; then they must choose their own.", hours),
                   gettext("At their next login they are told that an administrator reset their password, and when."),
                   gettext("This cannot be undone.")],
            confirm=gettext("Reset the password"), cancel_url=back)
    if not make_active:
        return Confirmation(
            title=gettext("Deactivate %(name)s’s account?", name=name),
            facts=[gettext("%(name)s (%(email)s) is logged out everywhere at once and cannot log in.",
                           name=name, email=email),
                   gettext("Their training records, certificates and cohort places are kept."),
                   gettext("An admin can reactivate the account later.")],
            confirm=gettext("Deactivate and log out everywhere"), cancel_url=back, carry={"make_active": "0"})
    return Confirmation(
        title=gettext("Reactivate %(name)s’s account?", name=name),
        facts=[gettext("%(name)s (%(email)s) can log in again with their password.", name=name, email=email)],
        confirm=gettext("Reactivate the account"), cancel_url=back, danger=False, carry={"make_active": "1"})


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@role_required("admin")
def toggle_active(user_id: int):
    target = _user(user_id)
    # The state the admin asked for (the button pressed, carried through the confirmation), not a toggle: a
    # confirmation sent twice, or from two tabs, must not undo itself.
    wanted = request.form.get("make_active")
    active = wanted == "1" if wanted in ("0", "1") else not target.active
    asked = _access_confirmation(target, reset=False, make_active=active)
    form = ConfirmAccessForm(prefix="active")
    if not confirmed():
        return ask_to_confirm(asked, ConfirmAccessForm(prefix="active", formdata=None))
    if not _confirmed(form):
        return ask_to_confirm(asked, form, status=400)
    if active == target.active:
        flash(gettext("%(name)s can already log in: nothing was changed.", name=target.display_name) if active
              else gettext("%(name)s is already deactivated: nothing was changed.", name=target.display_name), "info")
        return redirect(url_for("admin.user", user_id=target.id))
    service_call(lambda: users.set_active(db.session, current_user, target, active),
                 gettext("%(name)s can log in again.", name=target.display_name) if active
                 else gettext("%(name)s is deactivated and has been logged out everywhere.", name=target.display_name))
    return redirect(url_for("admin.user", user_id=target.id))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@role_required("admin")
def reset_password(user_id: int):
    target = _user(user_id)
    form = ConfirmAccessForm(prefix="reset")
    if not confirmed():
        return ask_to_confirm(_access_confirmation(target, reset=True), ConfirmAccessForm(prefix="reset",
                                                                                          formdata=None))
    if not _confirmed(form):
        return ask_to_confirm(_access_confirmation(target, reset=True), form, status=400)
    if not ratelimit.hit(db.session, f"password-reset:admin{current_user.id}", current_app.config["PASSWORD_LIMIT"],
                         3600):
        abort(429)
    temporary, done = service_call(lambda: users.reset_password(db.session, current_user, target),
                                   gettext("%(name)s's password was reset and their sessions ended.",
                                           name=target.display_name))
    if not done:
        return redirect(url_for("admin.user", user_id=target.id))
    # Rendered, not redirected: the temporary password is shown this once.
    return _user_page(target, temporary=temporary)


@bp.route("/users/<int:user_id>/second-factor", methods=["POST"])
@role_required("admin")
def reset_second_factor(user_id: int):
    """For someone who lost their phone and their recovery codes: their password alone logs in again."""
    target = _user(user_id)
    form = ConfirmAccessForm(prefix="factor")
    page = Confirmation(
        title=gettext("Reset %(name)s’s second factor?", name=target.display_name),
        facts=[gettext("%(name)s (%(email)s) logs in with their password alone until they set up an authenticator "
                       "app again (straight away, where the site requires it of staff).",
                       name=target.display_name, email=target.email),
               gettext("Their recovery codes stop working."),
               gettext("Do this only when you are sure it is them asking: they lost their phone and their recovery "
                       "codes.")],
        confirm=gettext("Reset the second factor"), cancel_url=url_for("admin.user", user_id=target.id))
    if not confirmed():
        return ask_to_confirm(page, ConfirmAccessForm(prefix="factor", formdata=None))
    if not _confirmed(form):
        return ask_to_confirm(page, form, status=400)
    service_call(lambda: users.reset_second_factor(db.session, current_user, target),
                 gettext("%(name)s's second factor was reset: they log in with their password alone until they "
                         "set it up again.", name=target.display_name))
    return redirect(url_for("admin.user", user_id=target.id))


def _shown(key: str, value: object) -> object:
    """A setting as its form field shows it (organisation details as name = value lines)."""
    return org_lines(value) if settings.EDITABLE[key][1] == "org" and isinstance(value, dict) else value


@bp.route("/settings", methods=["GET", "POST"])
@role_required("admin")
def site_settings():
    form = settings_form({key: _shown(key, settings.get(key)) for key in settings.EDITABLE})
    if form.validate_on_submit():
        values = {key: form[key].data for key in settings.EDITABLE}
        try:
            changed = users.save_settings(db.session, current_user, values)
        except users.SettingsRefused as refused:
            db.session.rollback()
            for key, message in refused.problems.items():  # each beside its own field, and in the summary
                form[key].errors = [*form[key].errors, message]
            return render_template("admin/settings.html", form=form, editable=settings.EDITABLE), 400
        if "ORG" in changed:  # the training text uses these values: every worker loads it again
            catalog_services.request_reload(db.session)
        db.session.commit()
        flash(ngettext("Saved %(num)d setting.", "Saved %(num)d settings.", len(changed)) if changed
              else gettext("Nothing changed."), "success")
        return redirect(url_for("admin.site_settings"))
    return render_template("admin/settings.html", form=form, editable=settings.EDITABLE), (
        400 if form.errors else 200)


@bp.route("/audit")
@role_required("admin")
def audit_log():
    entries = users.audit_log(db.session, page_arg())
    cohorts = users.cohort_names(db.session, [entry for entry, _name in entries.items])
    courses = catalog_services.catalog().courses
    lines = [audit.describe(entry, name, cohorts=cohorts, courses=courses) for entry, name in entries.items]
    return render_template("admin/audit.html", entries=entries, lines=lines)
