"""Register, log in, log out, change password."""
from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext, ngettext
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from lms.accounts import second_factor
from lms.accounts import services as accounts
from lms.accounts.forms import (
    ChangePasswordForm,
    ConfirmSecondFactorForm,
    EmailForm,
    ForgotPasswordForm,
    LoginForm,
    NamesForm,
    NewPasswordForm,
    RegisterForm,
    SecondFactorChangeForm,
    SecondFactorCodeForm,
)
from lms.cohorts import services as cohorts
from lms.core import i18n, ratelimit, settings
from lms.core.access import public
from lms.core.db import write_transaction
from lms.core.extensions import db
from lms.core.forms import ActionForm, options
from lms.core.notices import notify
from lms.core.services import ServiceError

bp = Blueprint("auth", __name__, template_folder="templates")


#: What someone who must choose a new password may still reach (besides public pages).
_OPEN_WHILE_CHOOSING = frozenset({"auth.choose_password", "auth.logout", "static"})
#: What staff who must set up a second factor may still reach (besides public pages).
_OPEN_WHILE_ENROLLING = frozenset({"auth.second_factor", "auth.choose_password", "auth.logout", "static"})
#: Where the session keeps someone who gave the right password and must now give a code. It is not a
#: login: Flask-Login knows nothing of it, so every page but the code page treats them as a visitor.
_PENDING = "second_factor_pending"
#: How long, after the password, the code may be given.
PENDING_SECONDS = 300


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

    @app.before_request
    def _staff_must_set_up_second_factor():
        endpoint = request.endpoint
        if endpoint is None or endpoint in _OPEN_WHILE_ENROLLING or not current_user.is_authenticated:
            return None
        if not current_user.is_trainer or getattr(app.view_functions.get(endpoint), "is_public", False):
            return None
        if settings.get("STAFF_SECOND_FACTOR") != "required" or second_factor.is_on(db.session, current_user.id):
            return None
        flash(gettext("This site asks every trainer and admin to log in with a code from an authenticator app as well "
                      "as their password. Set yours up to continue."), "info")
        return redirect(url_for("auth.second_factor"))


def safe_next(target: str | None) -> str | None:
    """Only a local path may be a redirect target (no scheme, no host, no //, no control character: a link
    broken across two lines in an e-mail must not become a header Werkzeug refuses)."""
    if not target:
        return None
    target = target.strip().replace("\\", "/")
    if any(ord(char) < 32 or ord(char) == 127 for char in target):
        return None
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
            user = accounts.authenticate(db.session, form.email.data, form.password.data, request.remote_addr,
                                         _policy())
        except ServiceError as exc:
            db.session.rollback()  # the failure was counted, and committed, before the check
            return render_template("auth/login.html", form=form, problems=[str(exc)]), 200
        if second_factor.is_on(db.session, user.id):
            db.session.commit()
            # Not logged in yet: only the code page knows who they are, for a few minutes.
            session.clear()
            session[_PENDING] = {"user": user.get_id(), "remember": bool(form.remember.data),
                                 "next": safe_next(form.next.data) or "", "until": time.time() + PENDING_SECONDS}
            return redirect(url_for("auth.login_code"))
        accounts.record_login(user)
        db.session.commit()
        return _logged_in(user, remember=bool(form.remember.data), next_url=form.next.data)
    return render_template("auth/login.html", form=form)


def _logged_in(user, remember: bool, next_url: str | None):
    """Start the session of someone who has passed every step of logging in, and send them on."""
    if user.must_change_password:  # logged in with an administrator's temporary password, now spent
        _start_session(user, remember=False)
        return redirect(url_for("auth.choose_password"))
    _start_session(user, remember=remember)
    # Trainers and admins land on what their trainees are waiting for; trainees on their training.
    return redirect(safe_next(next_url) or url_for("coaching.needs_you" if user.is_trainer else "main.index"))


def _pending_login() -> tuple[object | None, dict]:
    """Who gave the right password and still owes a code, while there is time and their sessions stand."""
    pending = session.get(_PENDING)
    if not isinstance(pending, dict) or not isinstance(pending.get("until"), int | float) \
            or pending["until"] < time.time() or not isinstance(pending.get("user"), str):
        return None, {}
    # The cookie id carries the session token: a password change or reset since then ends this too.
    return accounts.load_user_from_cookie(db.session, pending["user"]), pending


@bp.route("/login/code", methods=["GET", "POST"])
@public
def login_code():
    """The second step of logging in, for someone with a second factor: a code from their app, or a recovery code."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    user, pending = _pending_login()
    if user is None:
        if _PENDING in session:
            session.pop(_PENDING)
            flash(gettext("The time to enter your code ran out. Please log in again."), "info")
        return redirect(url_for("auth.login"))
    form = SecondFactorCodeForm()
    status = 200
    if form.validate_on_submit():
        config = current_app.config
        # Counted before the code is checked, by account, across every worker: guessing is slow.
        if not ratelimit.hit(db.session, f"second-factor:user{user.id}", config["LOGIN_THROTTLE_MAX"],
                             config["LOGIN_THROTTLE_WINDOW_MINUTES"] * 60):
            flash(gettext("Too many codes tried. Please wait a few minutes, then try again."), "error")
            return render_template("auth/login_code.html", form=form), 429
        try:
            how = second_factor.verify(db.session, user, form.code.data)
        except ServiceError as exc:
            db.session.rollback()
            form.code.errors = [*form.code.errors, str(exc)]
            return render_template("auth/login_code.html", form=form), 400
        left = second_factor.recovery_codes_left(db.session, user.id)
        accounts.record_login(user)
        db.session.commit()
        response = _logged_in(user, remember=bool(pending.get("remember")), next_url=pending.get("next"))
        if how == "recovery":
            flash(ngettext("You logged in with a recovery code, which now no longer works. You have %(num)d left: "
                           "if your phone is lost, make new ones on your second factor page.",
                           "You logged in with a recovery code, which now no longer works. You have %(num)d left: "
                           "if your phone is lost, make new ones on your second factor page.", left), "info")
        return response
    if form.errors:
        status = 400
    return render_template("auth/login_code.html", form=form), status


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
    form.language.choices = options(i18n.language_options())
    if request.method == "GET":
        form.language.data = i18n.current_language()
        if invite is not None and not problem and invite.email:  # the page names it: the box says it too
            form.email.data = invite.email
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
        flash(str(accounts.REGISTERED), "success")
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
    if (current_user.is_authenticated
            and request.headers.get("Sec-Fetch-Site", "same-origin") in ("same-origin", "none")):
        with write_transaction(db.session):
            accounts.set_language(db.session, current_user, chosen)
    target = safe_next(request.args.get("next"))
    return redirect(_page_to_show_again(target) if target else url_for("main.index"))


def _page_to_show_again(target: str) -> str:
    """`target`, or the page above it when it only answers a form: a page shown after a refused form (an
    assessment's answers, say) has the form's address, and following a link back to it would be refused."""
    adapter = current_app.url_map.bind("localhost")
    path = urlsplit(target).path
    climbed = False
    while path not in ("", "/"):
        try:
            adapter.match(path, method="GET")
            return target
        except RequestRedirect:
            return target
        except (MethodNotAllowed, NotFound) as refused:
            if isinstance(refused, NotFound) and not climbed:
                return target  # a page that is not there: its own honest 404
            # A form's address (/…/questions/q1, /account/delete): the nearest page above it that opens.
            path, climbed = path.rsplit("/", 1)[0], True
            target = path
    return url_for("main.index")


def invite_problem_page(problem: str, invite):
    """Say why an invitation link does not work and what to do; 404 for an unknown link, 410 for a spent one."""
    return (render_template("auth/invite_problem.html", **accounts.invite_problem_details(db.session, problem, invite),
                            charity=settings.get("CHARITY_NAME"),
                            open_registration=settings.get("REGISTRATION") == "open"),
            404 if problem == "unknown" else 410)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    # Rotating the token ends this session and every remember-me cookie.
    current_user.end_sessions()
    db.session.commit()
    language = current_user.language
    logout_user()
    session.clear()
    if language:  # the pages after logging out stay in the person's language
        session[i18n.SESSION_KEY] = language
    flash(gettext("You have logged out."), "info")
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
        flash(gettext("Your password has been changed. Other devices have been logged out."), "success")
        return redirect(url_for("main.index"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
def forgot_password():
    """Ask for a link to choose a new password; the answer is the same whether the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        ratelimit.limit_or_429(db.session, "reset", current_app.config["PASSWORD_LIMIT"], 3600)
        email = accounts.normalise_email(form.email.data)
        # A few links an hour to one address, however many are asked for: nobody fills another's inbox.
        if ratelimit.hit(db.session, f"reset:{email}", 3, 3600):
            accounts.ask_for_reset(db.session, email)
        db.session.commit()
        flash(gettext("If an account uses that address, a link to choose a new password is on its way to it. "
                      "It works once, for an hour. Nothing arrived? Check your spam folder, or ask your trainer."),
              "success")
        return redirect(url_for("auth.login"), code=303)
    return render_template("auth/forgot_password.html", form=form), 400 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    """Choose a new password through an e-mailed link (accounts.user_for_reset)."""
    user = accounts.user_for_reset(db.session, token)
    if user is None:
        return link_spent_page(
            gettext("A link to choose a new password works once, for an hour, and not after the password has "
                    "changed."), url_for("auth.forgot_password"), gettext("Ask for a new link"))
    form = NewPasswordForm()
    if form.validate_on_submit():
        if not ratelimit.hit(db.session, f"password:user{user.id}", current_app.config["PASSWORD_LIMIT"], 3600):
            abort(429)
        try:
            accounts.reset_with_link(db.session, user, form.new.data,
                                     min_length=current_app.config["PASSWORD_MIN_LENGTH"],
                                     max_length=current_app.config["PASSWORD_MAX_LENGTH"])
        except ServiceError as exc:
            db.session.rollback()
            return render_template("auth/reset_password.html", form=form, token=token, problems=[str(exc)]), 400
        db.session.commit()
        flash(gettext("Your new password is saved. Log in with it."), "success")
        return redirect(url_for("auth.login"), code=303)
    return render_template("auth/reset_password.html", form=form, token=token), 400 if form.errors else 200


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
        flash(gettext("Your new password is saved. Only you know it."), "success")
        return redirect(url_for("main.index"))
    return render_template("auth/choose_password.html", form=form), 400 if form.errors else 200


# -- the second factor: setting it up, new recovery codes, turning it off ------------


def _may_have_second_factor() -> None:
    """Staff may set one up; anyone who has one (a former trainer, say) may still manage it."""
    if not current_user.is_trainer and second_factor.second_factor(db.session, current_user.id) is None:
        abort(403)


def _code_attempt_allowed(user_id: int) -> bool:
    config = current_app.config
    return ratelimit.hit(db.session, f"second-factor:user{user_id}", config["LOGIN_THROTTLE_MAX"],
                         config["LOGIN_THROTTLE_WINDOW_MINUTES"] * 60)


def _second_factor_page(*, confirm_form=None, codes_form=None, off_form=None, recovery_codes=None,
                        status: int = 200):
    """The page, set up or not; `recovery_codes` are shown this once. Never cached: it shows secrets."""
    factor = second_factor.second_factor(db.session, current_user.id)
    enrolling = factor is None or factor.confirmed_at is None
    context: dict = {"factor": None if enrolling else factor, "recovery_codes": recovery_codes,
                     "required": settings.get("STAFF_SECOND_FACTOR") == "required" and current_user.is_trainer}
    if enrolling and recovery_codes is None:
        factor = second_factor.begin(db.session, current_user)
        db.session.commit()
        issuer = settings.get("SITE_NAME") or "LMS"
        uri = second_factor.provisioning_uri(factor.secret, current_user.email, issuer)
        context.update(secret=second_factor.grouped(factor.secret), issuer=issuer,
                       qr=second_factor.qr_svg(uri, gettext("QR code to add %(site)s to an authenticator app",
                                                            site=issuer)),
                       confirm_form=confirm_form or ConfirmSecondFactorForm(formdata=None))
    else:
        # Forms not being shown again start empty (formdata=None): after new recovery codes are made, a new
        # "codes" form would otherwise fill itself from the POST, showing the code just used in its field.
        context.update(left=second_factor.recovery_codes_left(db.session, current_user.id),
                       codes_form=codes_form or SecondFactorChangeForm(prefix="codes", formdata=None),
                       off_form=off_form or SecondFactorChangeForm(prefix="off", formdata=None))
    response = make_response(render_template("auth/second_factor.html", **context), status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/second-factor", methods=["GET", "POST"], endpoint="second_factor")
@login_required
def second_factor_page():
    """Set up an authenticator app: scan the QR code (or type the key), confirm a code, keep the recovery codes."""
    _may_have_second_factor()
    form = ConfirmSecondFactorForm()
    if request.method == "GET" or second_factor.is_on(db.session, current_user.id):
        return _second_factor_page()
    if not form.validate_on_submit():
        return _second_factor_page(confirm_form=form, status=400)
    if not _code_attempt_allowed(current_user.id):
        abort(429)
    try:
        codes = second_factor.confirm(db.session, current_user, form.code.data)
    except ServiceError as exc:
        db.session.rollback()
        form.code.errors = [*form.code.errors, str(exc)]
        return _second_factor_page(confirm_form=form, status=400)
    db.session.commit()
    flash(gettext("Your second factor is on: logging in will ask for a code from your app."), "success")
    # Rendered, not redirected: the recovery codes are shown this once.
    return _second_factor_page(recovery_codes=codes)


@bp.route("/account/second-factor/recovery-codes", methods=["POST"])
@login_required
def second_factor_codes():
    """New recovery codes, after the password and a code: the old ones stop working."""
    _may_have_second_factor()
    form = SecondFactorChangeForm(prefix="codes")
    if not second_factor.is_on(db.session, current_user.id):
        return redirect(url_for("auth.second_factor"))
    if not form.validate_on_submit():
        return _second_factor_page(codes_form=form, status=400)
    if not _code_attempt_allowed(current_user.id):
        abort(429)
    try:
        codes = second_factor.new_recovery_codes(db.session, current_user, form.password.data, form.code.data)
    except ServiceError as exc:
        db.session.rollback()
        form.code.errors = [*form.code.errors, str(exc)]
        return _second_factor_page(codes_form=form, status=400)
    db.session.commit()
    flash(gettext("You have new recovery codes. The old ones no longer work."), "success")
    return _second_factor_page(recovery_codes=codes)


@bp.route("/account/second-factor/off", methods=["POST"])
@login_required
def second_factor_off():
    """Turn the second factor off, after the password and a code."""
    _may_have_second_factor()
    form = SecondFactorChangeForm(prefix="off")
    if not second_factor.is_on(db.session, current_user.id):
        return redirect(url_for("auth.second_factor"))
    if not form.validate_on_submit():
        return _second_factor_page(off_form=form, status=400)
    if not _code_attempt_allowed(current_user.id):
        abort(429)
    try:
        second_factor.turn_off(db.session, current_user, form.password.data, form.code.data)
    except ServiceError as exc:
        db.session.rollback()
        form.code.errors = [*form.code.errors, str(exc)]
        return _second_factor_page(off_form=form, status=400)
    db.session.commit()
    if settings.get("STAFF_SECOND_FACTOR") == "required" and current_user.is_trainer:
        flash(gettext("Your second factor is off. This site requires one for staff: set up your app again to "
                      "continue."), "info")
    else:
        flash(gettext("Your second factor is off: logging in asks only for your password."), "success")
    return redirect(url_for("auth.second_factor"))
# -- the person's own profile ------------------------------------------------------------------

def _profile_page(names: NamesForm | None = None, email: EmailForm | None = None, status: int = 200):
    names = names or NamesForm(formdata=None, display_name=current_user.display_name,
                               legal_name=current_user.legal_name or "")
    return render_template("auth/profile.html", names=names,
                           email=email or EmailForm(prefix="email", formdata=None)), status


@bp.route("/account/profile", methods=["GET", "POST"])
@login_required
def profile():
    """Change the display name and the legal name for future certificates."""
    if request.method == "GET":
        return _profile_page()
    form = NamesForm()
    if not form.validate_on_submit():
        return _profile_page(names=form, status=400)
    try:
        changed = accounts.update_names(db.session, current_user, form.display_name.data, form.legal_name.data)
    except ServiceError as exc:
        db.session.rollback()
        form.display_name.errors = [*form.display_name.errors, str(exc)]
        return _profile_page(names=form, status=400)
    db.session.commit()
    notify(gettext("Your names are saved.") if changed else gettext("Nothing to change: your names are as they were."),
           "success", near="names")
    return redirect(url_for(".profile"))


@bp.route("/account/profile/email", methods=["POST"])
@login_required
def change_email():
    """Ask for a new login email, with the password again: a link to confirm it goes to the new address."""
    form = EmailForm(prefix="email")
    if not form.validate_on_submit():
        return _profile_page(email=form, status=400)
    if not ratelimit.hit(db.session, f"password:user{current_user.id}", current_app.config["PASSWORD_LIMIT"], 3600):
        abort(429)
    try:
        asked = accounts.ask_to_change_email(db.session, current_user, form.password.data, form.new_email.data)
    except ServiceError as exc:
        db.session.rollback()
        field = form.password if "password" in str(exc) else form.new_email
        field.errors = [*field.errors, str(exc)]
        return _profile_page(email=form, status=400)
    db.session.commit()
    if asked is None:
        notify(gettext("That is already your email address."), "success", near="email")
    else:
        hours = accounts.EMAIL_CHANGE_LINK_HOURS
        notify(ngettext("We have sent a link to %(email)s. Until you open it, you still log in with %(current)s, "
                        "as before. The link works for %(num)d hour. Nothing arrived? Check the spam folder, and "
                        "that the address is right.",
                        "We have sent a link to %(email)s. Until you open it, you still log in with %(current)s, "
                        "as before. The link works for %(num)d hours. Nothing arrived? Check the spam folder, and "
                        "that the address is right.",
                        hours, email=asked, current=current_user.email), "info", near="email")
    return redirect(url_for(".profile"))


def link_spent_page(explanation: str, again_url: str, again_label: str):
    """Say that an e-mailed link (a password reset, a new address) no longer works, and how to get another: 404."""
    return render_template("auth/link_spent.html", explanation=explanation, again_url=again_url,
                           again_label=again_label), 404


@bp.route("/account/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    """Make a new address the login address, from the link sent to it (accounts.email_change_for).

    Signed in as the account only (a signed-out visitor logs in first and comes back): a mistyped address
    whose mailbox is a stranger's gets the link, and one click must not hand them the account. Opening the
    link changes nothing, since mail scanners open links: the button does."""
    found = accounts.email_change_for(db.session, token)
    if found is None:
        return link_spent_page(
            ngettext("A link to confirm a new email address works once, for %(num)d hour, and not after the "
                     "account's address has changed or the account has been switched off.",
                     "A link to confirm a new email address works once, for %(num)d hours, and not after the "
                     "account's address has changed or the account has been switched off.",
                     accounts.EMAIL_CHANGE_LINK_HOURS),
            url_for("auth.profile"), gettext("Ask for a new link on your profile page"))
    user, new_email = found
    form = ActionForm()
    if current_user.id != user.id:
        return render_template("auth/confirm_email.html", form=form, token=token, new_email=new_email,
                               problem=gettext("This link is for another account. Log out, then log in to the "
                                               "account whose address is changing, and open the link again."),
                               other_account=True), 403
    try:
        if form.validate_on_submit():  # confirm_email_change checks the address is still free
            accounts.confirm_email_change(db.session, user, new_email)
            db.session.commit()
            notify(gettext("Your email address is now %(email)s. Log in with it from now on.", email=new_email),
                   "success", near="email")
            return redirect(url_for(".profile"), code=303)
        accounts.check_email_available(db.session, user, new_email)  # said on the page, before the button
    except ServiceError as exc:
        db.session.rollback()
        return render_template("auth/confirm_email.html", form=form, token=token, new_email=new_email,
                               problem=str(exc)), 409
    return render_template("auth/confirm_email.html", form=form, token=token, new_email=new_email), \
        400 if form.errors else 200
