"""Register, log in, log out, change password."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from lms.accounts import services as accounts
from lms.accounts.forms import ChangePasswordForm, LoginForm, NewPasswordForm, RegisterForm
from lms.cohorts import services as cohorts
from lms.core import i18n, ratelimit, settings
from lms.core.access import public
from lms.core.extensions import db
from lms.core.services import ServiceError

bp = Blueprint("auth", __name__, template_folder="templates")


#: What someone who must choose a new password may still reach (besides public pages).
_OPEN_WHILE_CHOOSING = frozenset({"auth.choose_password", "auth.logout", "static"})


def init_app(app: Flask) -> None:
    """Register this feature's pages, and close every other page until a spent temporary password is replaced."""
    app.register_blueprint(bp)

    @app.before_request
    def _must_choose_password():
        endpoint = request.endpoint
        if endpoint is None or endpoint in _OPEN_WHILE_CHOOSING:
            return None
        if getattr(app.view_functions.get(endpoint), "is_public", False):
            return None  # crisis contacts, certificate checks: never closed
        if current_user.is_authenticated and current_user.must_change_password:
            return redirect(url_for("auth.choose_password"))
        return None


def safe_next(target: str | None) -> str | None:
    """Only a local path may be a redirect target (no scheme, no host, no //)."""
    if not target:
        return None
    target = target.strip().replace("\\", "/")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _policy() -> accounts.ThrottlePolicy:
    return accounts.ThrottlePolicy(
        max_failures=current_app.config["LOGIN_THROTTLE_MAX"],
        window=timedelta(minutes=current_app.config["LOGIN_THROTTLE_WINDOW_MINUTES"]),
        max_failures_per_address=current_app.config["LOGIN_THROTTLE_ADDRESS_MAX"],
    )


def _start_session(user, remember: bool) -> None:
    # A fresh session on login: nothing from before login carries over.
    session.clear()
    session.permanent = True
    login_user(user, remember=remember)


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(db.session, form.email.data, form.password.data, request.remote_addr, _policy())
        except ServiceError as exc:
            db.session.rollback()  # the failure was counted, and committed, before the check
            return render_template("auth/login.html", form=form, problems=[str(exc)]), 200
        db.session.commit()
        if user.must_change_password:  # logged in with an administrator's temporary password, now spent
            _start_session(user, remember=False)
            return redirect(url_for("auth.choose_password"))
        _start_session(user, remember=form.remember.data)
        return redirect(safe_next(form.next.data) or url_for("main.index"))
    return render_template("auth/login.html", form=form)


@bp.route("/register", methods=["GET", "POST"])
@public
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    invite_only = settings.get("REGISTRATION") == "invite"
    form = RegisterForm()
    if request.method == "GET":
        form.invite.data = request.args.get("invite", "")
    if form.invite.data:  # each look-up of a token counts: nobody walks the token space
        ratelimit.limit_or_429(db.session, "invite", current_app.config["INVITE_LIMIT"], 3600)
    problem, invite = accounts.invite_problem(db.session, form.invite.data) if form.invite.data else (None, None)
    if problem and request.method == "GET":
        return invite_problem_page(problem, invite)
    if invite_only and invite is None and request.method == "GET":
        return render_template("auth/invite_only.html"), 403
    cohort = cohorts.cohort_of_invite(db.session, form.invite.data) if invite and not problem else None
    form.language.choices = i18n.language_choices()
    if request.method == "GET":
        form.language.data = i18n.current_language()
    if form.validate_on_submit():
        ratelimit.limit_or_429(db.session, "register", current_app.config["REGISTER_LIMIT"], 3600)
        try:
            user, used_invite = accounts.register(
                db.session, email=form.email.data, display_name=form.display_name.data,
                password=form.password.data, invite_token=form.invite.data, invite_only=invite_only,
                min_length=current_app.config["PASSWORD_MIN_LENGTH"],
                max_length=current_app.config["PASSWORD_MAX_LENGTH"],
                language=i18n.allowed(form.language.data),
            )
        except ServiceError as exc:
            # A rule no single field breaks (the invitation, invitation-only sign-up): in the error summary.
            db.session.rollback()
            return render_template("auth/register.html", form=form, invite=invite, cohort=cohort, problems=[str(exc)],
                                   charity=settings.get("CHARITY_NAME")), 200
        if user is not None:
            cohorts.join_on_registration(db.session, user, used_invite)
            db.session.commit()
        else:
            db.session.rollback()
        # The same answer either way (see accounts.REGISTERED): no login here,
        # or a new account would look different from an existing one.
        flash(accounts.REGISTERED, "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/register.html", form=form, invite=invite, cohort=cohort,
                           charity=settings.get("CHARITY_NAME"))


@bp.route("/language/<language>")
@public
def switch_language(language: str):
    """The language switch: a plain link, so it works without JavaScript.

    A visitor's choice is kept in their session; a signed-in person's becomes their
    account setting, unless the link was followed from another site: a page elsewhere
    must not change someone's account, so then it lasts only while they have not chosen.
    """
    chosen = i18n.allowed(language)
    if chosen is None:
        abort(404)
    session[i18n.SESSION_KEY] = chosen
    if current_user.is_authenticated and request.headers.get("Sec-Fetch-Site", "same-origin") in ("same-origin", "none"):
        accounts.set_language(db.session, current_user, chosen)
        db.session.commit()
    return redirect(safe_next(request.args.get("next")) or url_for("main.index"))


def invite_problem_page(problem: str, invite):
    """Say why an invitation link does not work and what to do; 404 for an unknown link, 410 for a spent one."""
    return render_template("auth/invite_problem.html", **accounts.invite_problem_details(db.session, problem, invite),
                           charity=settings.get("CHARITY_NAME"),
                           open_registration=settings.get("REGISTRATION") == "open"), 404 if problem == "unknown" else 410


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    # Rotating the token ends this session and every remember-me cookie.
    current_user.end_sessions()
    db.session.commit()
    logout_user()
    session.clear()
    flash("You have logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not ratelimit.hit(db.session, f"password:user{current_user.id}", current_app.config["PASSWORD_LIMIT"], 3600):
            abort(429)
        try:
            accounts.change_password(
                db.session, current_user, form.current.data, form.new.data,
                min_length=current_app.config["PASSWORD_MIN_LENGTH"],
                max_length=current_app.config["PASSWORD_MAX_LENGTH"],
            )
        except ServiceError as exc:
            db.session.rollback()
            return render_template("auth/change_password.html", form=form, problems=[str(exc)])
        db.session.commit()
        # Keep this browser logged in with the new token; others are out.
        _start_session(current_user._get_current_object(), remember=False)
        flash("Your password has been changed. Other devices have been logged out.", "success")
        return redirect(url_for("main.index"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/account/new-password", methods=["GET", "POST"])
@login_required
def choose_password():
    """After logging in with an administrator's temporary password: choose one only you know."""
    if not current_user.must_change_password:
        return redirect(url_for("auth.change_password"))
    form = NewPasswordForm()
    if form.validate_on_submit():
        if not ratelimit.hit(db.session, f"password:user{current_user.id}", current_app.config["PASSWORD_LIMIT"], 3600):
            abort(429)
        try:
            accounts.choose_new_password(
                db.session, current_user, form.new.data,
                min_length=current_app.config["PASSWORD_MIN_LENGTH"],
                max_length=current_app.config["PASSWORD_MAX_LENGTH"],
            )
        except ServiceError as exc:
            db.session.rollback()
            return render_template("auth/choose_password.html", form=form, problems=[str(exc)]), 400
        db.session.commit()
        _start_session(current_user._get_current_object(), remember=False)
        flash("Your new password is saved. Only you know it.", "success")
        return redirect(url_for("main.index"))
    return render_template("auth/choose_password.html", form=form), 400 if form.errors else 200
