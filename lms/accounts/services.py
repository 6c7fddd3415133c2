"""Accounts: registration, login with throttling, passwords, roles, deactivation."""
from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import LazyString, gettext
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from lms.accounts.models import ROLES, LoginAttempt, User
from lms.cohorts.models import Cohort, Invite
from lms.core import clock, metrics
from lms.core.db import DbSession, affected_rows, counting_transaction, release_reads
from lms.core.models import parse_id, utcnow
from lms.core.passwords import hash_password, needs_rehash, verify_password
from lms.core.services import ServiceError
from lms.core.text import check_showable
from lms.mail import services as mail

#: One message for every failed login, so it never tells whether an account exists.
LOGIN_FAILED = _l("That email and password do not match an active account.")
#: How long an administrator's temporary password works (once).
TEMPORARY_PASSWORD_LIFETIME = timedelta(hours=24)
TEMPORARY_EXPIRED = _l("That temporary password has expired: they work for 24 hours. "
                       "Ask an administrator to reset your password again.")
LOGIN_THROTTLED = _l("Too many attempts to log in. Please wait a few minutes and try again.")


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int  # per account, from one address
    window: timedelta
    max_failures_per_address: int = 20  # from one address, whichever accounts


def normalise_email(email: str) -> str:
    """Lower-case and trim an email address for storage and comparison."""
    return email.strip().lower()


def check_password_rules(password: str, min_length: int, max_length: int) -> None:
    """Length only: no composition rules (NIST SP 800-63B)."""
    if len(password) < min_length:
        raise ServiceError(gettext("Choose a password of at least %(count)s characters. "
                                   "A few words together work well.", count=min_length))
    if len(password) > max_length:
        raise ServiceError(gettext("Choose a password of at most %(count)s characters.", count=max_length))


def create_user(
    session: DbSession, *, email: str, display_name: str, password: str, role: str = "trainee",
    min_length: int = 8, max_length: int = 1024,
) -> User:
    """Create an account; raise ServiceError if the email is taken or input is invalid."""
    if role not in ROLES:
        raise ServiceError(f"Role must be one of {', '.join(ROLES)}.")
    email = normalise_email(email)
    if "@" not in email:
        raise ServiceError(gettext("Enter an email address."))
    check_password_rules(password, min_length, max_length)
    user = User(email=email, display_name=_display_name(display_name), password_hash=hash_password(password),
                role=role)
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise ServiceError(gettext("An account with that email already exists. Try logging in instead.")) from exc
    return user


def hash_invite_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_invite(
    session: DbSession, *, created_by: User | None, email: str | None = None, role: str = "trainee",
    max_uses: int | None = 1, days: int | None = 14,
) -> str:
    """Create an invite and return its token (shown once, stored hashed)."""
    token = secrets.token_urlsafe(24)
    session.add(Invite(
        token_hash=hash_invite_token(token), email=normalise_email(email) if email else None, role=role,
        max_uses=max_uses, uses=0, created_by_id=created_by.id if created_by else None,
        expires_at=utcnow() + timedelta(days=days) if days else None,
    ))
    session.flush()
    return token


def find_invite(session: DbSession, token: str | None) -> Invite | None:
    """The usable invite for a token, or None."""
    if not token:
        return None
    invite = session.scalar(select(Invite).where(Invite.token_hash == hash_invite_token(token)))
    return invite if invite and invite.usable(utcnow()) else None


#: Why an invitation link no longer works, and what to do: (heading, advice).
INVITE_PROBLEMS: dict[str, tuple[LazyString, LazyString]] = {
    "unknown": (_l("This invitation link is not recognised"),
                _l("Check that you copied the whole link from the message. If it still does not work, "
                   "ask the person who invited you for a new one.")),
    "used": (_l("This invitation has already been used"),
             _l("A personal invitation works once. If you created your account with it, log in. "
                "Otherwise ask the person who invited you for a new link.")),
    "expired": (_l("This invitation has expired"),
                _l("Invitations work for a limited time. Ask the person who invited you for a new link.")),
    "revoked": (_l("This invitation has been withdrawn"),
                _l("The trainer withdrew it, or the group it was for has closed. "
                   "Ask the person who invited you whether there is a new link.")),
}


def invite_problem(session: DbSession, token: str | None) -> tuple[str | None, Invite | None]:
    """(None, invite) for a usable link; else (a key of INVITE_PROBLEMS, the invite if it exists)."""
    invite = session.scalar(select(Invite).where(Invite.token_hash == hash_invite_token(token))) if token else None
    if invite is None:
        return "unknown", None
    now = utcnow()
    if invite.revoked_at is not None:
        return "revoked", invite
    if invite.expires_at is not None and invite.expires_at <= now:
        return "expired", invite
    if invite.max_uses is not None and invite.uses >= invite.max_uses:
        return "used", invite
    return None, invite


def invite_problem_details(session: DbSession, problem: str, invite: Invite | None) -> dict:
    """What the "invitation does not work" page shows: heading, advice and the group it was for (if any)."""
    heading, advice = INVITE_PROBLEMS[problem]
    cohort = session.get(Cohort, invite.cohort_id) if invite is not None and invite.cohort_id else None
    return {"heading": heading, "advice": advice, "cohort": cohort}


def claim_invite(session: DbSession, invite: Invite, email: str) -> None:
    """Use up one use of `invite` for `email`; ServiceError when it was sent to someone else or is used up."""
    if invite.email and invite.email != normalise_email(email):
        raise ServiceError(gettext("This invitation was sent to a different email address."))
    # Conditional update: two people racing for the last use cannot both win.
    claimed = affected_rows(session, update(Invite)
                            .where(Invite.id == invite.id,
                                   (Invite.max_uses.is_(None)) | (Invite.uses < Invite.max_uses))
                            .values(uses=Invite.uses + 1))
    if not claimed:
        raise ServiceError(gettext("This invitation has already been used. Ask your trainer for a new one."))
#: Shown after every registration, whether or not the email already had an account,
#: so that the registration form never tells anyone who has an account here.
REGISTERED = _l("Thank you. If that email address was new here, your account is ready: log in with it and the "
                "password you chose. If it already had an account, log in with that account’s password, or ask "
                "your trainer or the site admin to reset it.")


def register(
    session: DbSession, *, email: str, display_name: str, password: str, invite_token: str | None,
    invite_only: bool, min_length: int = 8, max_length: int = 1024, language: str | None = None,
) -> tuple[User | None, Invite | None]:
    """Register a trainee (or the invite's role), redeeming the invite atomically.

    Returns (None, None) when the email already has an account: nothing is
    created or used up, and the caller says the same as for a new account
    (`REGISTERED`). The password is hashed either way, so the time taken does
    not tell the two apart either.
    """
    email = normalise_email(email)
    if "@" not in email:
        raise ServiceError(gettext("Enter an email address."))
    check_password_rules(password, min_length, max_length)
    invite = find_invite(session, invite_token)
    if invite_token and invite is None:
        # Never fall back to an account outside the group the link was for without saying so.
        problem, _ = invite_problem(session, invite_token)
        heading, advice = INVITE_PROBLEMS[problem or "unknown"]
        raise ServiceError(f"{heading}. {advice}")
    if invite_only and invite is None:
        raise ServiceError(gettext("Registration here is by invitation. Ask your trainer for an invitation link."))
    if invite is not None and invite.email and invite.email != email:
        raise ServiceError(gettext("This invitation was sent to a different email address."))
    password_hash = hash_password(password)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        return None, None
    if invite is not None:
        claim_invite(session, invite, email)
    user = User(email=email, display_name=_display_name(display_name), password_hash=password_hash,
                role=invite.role if invite else "trainee", language=language)
    session.add(user)
    try:
        session.flush()
    except IntegrityError:  # registered a moment ago by another request: the same as above
        session.rollback()
        return None, None
    return user, invite


def set_language(session: DbSession, user: User, language: str) -> None:
    """Remember the person's language (the caller checks it is one of the site's)."""
    if user.language != language:
        user.language = language
        session.flush()


# -- the person's own profile -----------------------------------------------------------------

DISPLAY_NAME_MAX = 80
LEGAL_NAME_MAX = 200
#: A taken address is refused without saying whose it is (or that it is anyone's in particular).
EMAIL_UNAVAILABLE = _l("That email address cannot be used for this account. Please choose another.")


def _clean_name(raw: str | None, what: str, limit: int) -> str:
    """A name as shown or printed: trimmed, single spaces, composed, nothing unprintable."""
    text = unicodedata.normalize("NFC", " ".join((raw or "").split()))
    if len(text) > limit:
        raise ServiceError(gettext("Your %(what)s is too long: at most %(limit)d characters.", what=what,
                                   limit=limit))
    return check_showable(text, what)


def _display_name(raw: str | None) -> str:
    """A display name as every form takes it: it goes into pages, e-mail headers and exports."""
    display = _clean_name(raw, gettext("display name"), DISPLAY_NAME_MAX)
    if not display:
        raise ServiceError(gettext("Enter a display name."))
    return display


def update_names(session: DbSession, user: User, display_name: str, legal_name: str | None) -> bool:
    """Change the display name and the legal name for future certificates; whether anything changed.

    Certificates already issued are frozen records and keep the name printed on them."""
    display = _display_name(display_name)
    legal = _clean_name(legal_name, gettext("name for certificates"), LEGAL_NAME_MAX) or None
    if (user.display_name, user.legal_name) == (display, legal):
        return False
    user.display_name, user.legal_name = display, legal
    session.flush()
    return True


#: A link to confirm a new login address works for this long, and once: it carries a fingerprint of the address
#: it replaces, so any change of address (by it or by another link) ends every link sent before.
EMAIL_CHANGE_LINK_HOURS = 24
_EMAIL_CHANGE_SALT = "lms.email-change"


def _signer(salt: str) -> URLSafeTimedSerializer:
    """Signs the tokens of e-mailed links; each kind of link has its own salt, so one never passes for another."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _fingerprint(value: str) -> str:
    """A short hash of what a link replaces (an address, a password hash): the link is spent once it changes."""
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def email_change_token(user: User, new_email: str) -> str:
    """The secret part of a link that makes `new_email` the login address (signed and timed; nothing is stored)."""
    return _signer(_EMAIL_CHANGE_SALT).dumps({"u": user.id, "e": new_email, "f": _fingerprint(user.email)})


def ask_to_change_email(session: DbSession, user: User, password: str, new_email: str) -> str | None:
    """E-mail a link to confirm `new_email` to that address, after the password is given again; nothing changes yet.

    Returns the normalised new address, or None when it is already theirs. Only the account itself, logged in,
    with the link from the new mailbox can then make it the login address (`confirm_email_change`): a typo locks
    nobody out and hands nobody the account, and someone at an unlocked session cannot move the account to their
    own address. An address another account has is refused
    with EMAIL_UNAVAILABLE, which says no more than that."""
    email = normalise_email(new_email or "")
    if "@" not in email or len(email) > 254 or any(ch.isspace() for ch in email):
        raise ServiceError(gettext("Enter an email address, like name@example.org."))
    stored = user.password_hash
    release_reads(session)  # no lock held while argon2 runs
    if not verify_password(stored, password or ""):
        raise ServiceError(gettext("That is not your password, so your email address has not been changed."))
    if email == user.email:
        return None
    check_email_available(session, user, email)
    # To the new address only: the link proves the mailbox is theirs. Its language is the account's now.
    mail.enqueue_email(session, "email_change", {"token": email_change_token(user, email),
                                                 "new_address": email, "hours": EMAIL_CHANGE_LINK_HOURS},
                       to_email=email, language=user.language)
    return email


def email_change_for(session: DbSession, token: str) -> tuple[User, str] | None:
    """(the active account, the new address) of a link to confirm an address, while it is under
    EMAIL_CHANGE_LINK_HOURS old and the account's address unchanged since; None for any other link
    (forged, expired, used, or for an account switched off)."""
    found = _read_link(session, token, _EMAIL_CHANGE_SALT, EMAIL_CHANGE_LINK_HOURS * 3600, "f", lambda u: u.email)
    if found is None or not isinstance(found[1].get("e"), str):
        return None
    return found[0], found[1]["e"]


def _read_link(session: DbSession, token: str, salt: str, max_age: int, key: str,
               replaced: Callable[[User], str]) -> tuple[User, dict] | None:
    """The active account a signed link is for, and the link's data, while it is under `max_age` seconds old and
    what it replaces (`replaced`, fingerprinted under `key`) is unchanged since; None for any other token."""
    try:
        data = _signer(salt).loads(token, max_age=max_age)
    except BadData:
        return None
    user_id = parse_id(str(data.get("u"))) if isinstance(data, dict) else None
    user = session.get(User, user_id) if user_id is not None else None
    if user is None or not user.active or not hmac.compare_digest(str(data.get(key)), _fingerprint(replaced(user))):
        return None
    return user, data


def check_email_available(session: DbSession, user: User, email: str) -> None:
    """Raise EMAIL_UNAVAILABLE when another account has `email` (asked for, or taken since the link was sent)."""
    if session.scalar(select(User.id).where(User.email == email, User.id != user.id)) is not None:
        raise ServiceError(str(EMAIL_UNAVAILABLE))


def confirm_email_change(session: DbSession, user: User, new_email: str) -> None:
    """Make `new_email` (from a link `email_change_for` accepted) the login address; the old address is told."""
    check_email_available(session, user, new_email)
    old_email, user.email = user.email, new_email
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # taken a moment ago by another account
        user.email = old_email
        raise ServiceError(str(EMAIL_UNAVAILABLE)) from None
    # The old address is told, with the new one half hidden: someone who took the account is then noticed by
    # the person who still reads the old mailbox.
    mail.enqueue_email(session, "account_email_changed", {
        "changed_on": clock.today().isoformat(), "new_address": masked_email(new_email)},
        to_email=old_email, language=user.language)


def masked_email(email: str) -> str:
    """'n…n@example.org' for 'nina.jones.typo@example.org': enough to spot a typo, not enough to copy."""
    local, _, domain = email.partition("@")
    shown = local[0] + "…" + local[-1] if len(local) > 2 else local[:1] + "…"
    return f"{shown}@{domain}"


def _attempt_count(connection, key: str, address: str | None, since: datetime) -> int:
    query = select(func.count()).select_from(LoginAttempt).where(LoginAttempt.key == key,
                                                                   LoginAttempt.created_at > since)
    if address is not None:
        query = query.where(LoginAttempt.address == address)
    return connection.scalar(query)


def claim_login_attempt(session: DbSession, email: str, address: str | None, policy: ThrottlePolicy,
                        now: datetime) -> list[int]:
    """Count and record one login attempt before any password is checked; raise when throttled.

    Two limits, counted separately: failures against this account from this
    address (`max_failures`), and failures from this address against any
    account (`max_failures_per_address`). An account attacked from one address
    can still be logged into, with its own password, from any other; an address
    guessing at many accounts is stopped whichever it tries. Recording and
    counting happen in one serialised transaction committed at once, so however
    many attempts arrive together on however many workers, exactly the allowed
    number go on to the (slow) password check. Returns the ids recorded, for
    `forget_login_attempt` once the password turns out to be right.
    """
    email, address = normalise_email(email), address or "unknown"
    account_key, address_key = f"email:{email}", f"ip:{address}"
    since = now - policy.window
    with counting_transaction(session, account_key, address_key) as connection:
        if (_attempt_count(connection, account_key, address, since) >= policy.max_failures
                or _attempt_count(connection, address_key, None, since) >= policy.max_failures_per_address):
            metrics.refused("login")
            raise ServiceError(LOGIN_THROTTLED)
        ids = [connection.execute(insert(LoginAttempt).values(key=key, address=address, created_at=now)
                                  .returning(LoginAttempt.id)).scalar_one()
               for key in (account_key, address_key)]
    return ids


def authenticate(session: DbSession, email: str, password: str, ip: str | None, policy: ThrottlePolicy) -> User:
    """Return the user for valid credentials or raise ServiceError with a neutral message.

    The attempt is counted (and committed) before the password is checked; see
    `claim_login_attempt`. A wrong password leaves it counted as a failure.
    """
    now = utcnow()
    attempt_ids = claim_login_attempt(session, email, ip, policy, now)
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    if not verify_password(user.password_hash if user else None, password) or not user or not user.active:
        raise ServiceError(LOGIN_FAILED)
    if user.temporary_password_until is not None:
        if user.temporary_password_until <= now:
            # Still counted as a failure: an expired temporary password is no password.
            raise ServiceError(TEMPORARY_EXPIRED)
        spend_temporary_password(user)
    elif needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    # Not a failure after all; and the account's failures from this address are
    # forgiven. Those from other addresses, and the address's against other
    # accounts, stay counted: a correct login must not reset an attacker's count.
    session.execute(delete(LoginAttempt).where(LoginAttempt.id.in_(attempt_ids)))
    session.execute(delete(LoginAttempt).where(LoginAttempt.key == f"email:{user.email}",
                                               LoginAttempt.address == (ip or "unknown")))
    session.execute(delete(LoginAttempt).where(LoginAttempt.created_at < now - timedelta(days=1)))
    return user


def record_login(user: User) -> None:
    """Note the moment someone is logged in: after every step, a second factor's code included."""
    user.last_login_at = utcnow()


def change_password(
    session: DbSession, user: User, current: str, new: str, min_length: int = 8, max_length: int = 1024,
) -> None:
    """Change a password after checking the current one; ends other sessions, and e-mails the account about it."""
    if not verify_password(user.password_hash, current):
        raise ServiceError(gettext("Your current password is not right."))
    _replace_password(user, new, min_length, max_length)
    _tell_password_changed(session, user)


def _replace_password(user: User, new: str, min_length: int, max_length: int) -> None:
    """Set a password someone chose (after the rules), ending every session and any temporary password."""
    check_password_rules(new, min_length, max_length)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.temporary_password_until = None
    user.end_sessions()


def _tell_password_changed(session: DbSession, user: User) -> None:
    # To the address of the moment: a notice about the account goes where its owner read mail then.
    mail.enqueue_email(session, "account_password_changed", {"changed_on": clock.today().isoformat()},
                       to_email=user.email, language=user.language)


def reset_password(session: DbSession, user: User, now: datetime | None = None) -> str:
    """Set a random temporary password (an admin passes it on), end sessions and e-mail the account that it was reset.

    It works once, for TEMPORARY_PASSWORD_LIFETIME: logging in with it spends it
    and the person must choose a new password before anything else; they are told
    that an administrator reset it, and when, by e-mail at once and on that page.
    The e-mail never carries the temporary password."""
    now = now or utcnow()
    temporary = "-".join(secrets.token_urlsafe(4) for _ in range(4))
    user.password_hash = hash_password(temporary)
    user.temporary_password_until = now + TEMPORARY_PASSWORD_LIFETIME
    user.password_reset_by_admin_at = now
    user.must_change_password = False
    user.end_sessions()
    # Told to the account, never with the password: someone who did not expect it asks their charity.
    mail.enqueue_email(session, "account_password_reset_by_admin", {"changed_on": clock.local_date(now).isoformat()},
                       to_email=user.email, language=user.language)
    return temporary


def spend_temporary_password(user: User) -> None:
    """The temporary password has been used to log in: it never works again, and a new one must be chosen."""
    # A random password nobody knows: the temporary one no longer matches.
    user.password_hash = hash_password(secrets.token_urlsafe(32))
    user.temporary_password_until = None
    user.must_change_password = True


def choose_new_password(session: DbSession, user: User, new: str, min_length: int = 8,
                        max_length: int = 1024) -> None:
    """The new password someone chooses after logging in with a temporary one; ends other sessions."""
    if not user.must_change_password:
        raise ServiceError(gettext("Your password does not need changing. Use Change password if you want a new one."))
    _replace_password(user, new, min_length, max_length)


#: A link to choose a new password works for this long, and once: it carries a fingerprint of the password it
#: replaces, so choosing one (by it, or any other way) ends every link sent before.
RESET_LINK_SECONDS = 3600
_RESET_SALT = "lms.password-reset"


def password_reset_token(user: User) -> str:
    """The secret part of a link to choose a new password (a signed, timed token; nothing is stored)."""
    return _signer(_RESET_SALT).dumps({"u": user.id, "p": _fingerprint(user.password_hash or "")})


def user_for_reset(session: DbSession, token: str) -> User | None:
    """The active account a reset link is for, while it is under RESET_LINK_SECONDS old and its password
    unchanged since; None for any other link (forged, expired, used)."""
    found = _read_link(session, token, _RESET_SALT, RESET_LINK_SECONDS, "p", lambda u: u.password_hash or "")
    return found[0] if found is not None else None


def ask_for_reset(session: DbSession, email: str) -> None:
    """E-mail a link to choose a new password to the active account with this address, if there is one.
    The page answers alike either way, so it tells nobody which addresses have accounts."""
    user = session.scalar(select(User).where(User.email == normalise_email(email or "")))
    if user is None or not user.active:
        return
    mail.enqueue_email(session, "password_reset", {"token": password_reset_token(user),
                                                   "hours": RESET_LINK_SECONDS // 3600},
                       to_email=user.email, language=user.language)


def reset_with_link(session: DbSession, user: User, new: str, min_length: int = 8, max_length: int = 1024) -> None:
    """The new password chosen through a reset link: ends every session and every other link, and says so
    by e-mail (as a change on the account page does)."""
    _replace_password(user, new, min_length, max_length)
    _tell_password_changed(session, user)


def set_active(session: DbSession, user: User, active: bool) -> None:
    """Deactivate (ending every session at once) or reactivate an account."""
    user.active = active
    if not active:
        user.end_sessions()


def set_role(session: DbSession, user: User, role: str) -> None:
    if role not in ROLES:
        raise ServiceError(f"Role must be one of {', '.join(ROLES)}.")
    user.role = role


#: Every request's first read, built once: SQLAlchemy then neither builds it nor works out its cache key again.
_USER_BY_ID = select(User).where(User.id == bindparam("user_id"))


def load_user_from_cookie(session: DbSession, cookie_id: str) -> User | None:
    """Resolve Flask-Login's id ("<id>:<token>") to an active user, or None."""
    raw_id, _, token = cookie_id.partition(":")
    # An id past the one id bound exists nowhere; a forged one must not reach the database.
    user_id = parse_id(raw_id)
    if user_id is None or not token:
        return None
    user = session.execute(_USER_BY_ID, {"user_id": user_id}).scalar_one_or_none()
    if user is None or not user.active or not secrets.compare_digest(user.session_token, token):
        return None
    return user
