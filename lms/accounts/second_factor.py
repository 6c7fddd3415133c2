"""A second factor for logging in: an authenticator app (TOTP, RFC 6238) and single-use recovery codes.

Staff (trainers and admins) may turn it on; an admin may require it of all staff
(the STAFF_SECOND_FACTOR setting). What is stored, and why it holds:

- the app's secret, encrypted with the data keys (EncryptedText), so that a
  database dump alone cannot make codes;
- the time step of the last code accepted, updated conditionally, so a code
  (or an older one) never works twice, even when two requests race with it;
- recovery codes as SHA-256 hashes only: each has 80 random bits, so a hash
  cannot be reversed by guessing, and a salt or a slow hash would add nothing.
  Each is spent with one conditional update, so it works exactly once.

Codes are checked by the views only after counting the attempt (see
`lms.core.ratelimit`), so guessing is throttled.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

import pyotp
import segno
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update

from lms.accounts.models import RecoveryCode, SecondFactor, User
from lms.admin import audit
from lms.core.db import DbSession, affected_rows
from lms.core.models import utcnow
from lms.core.passwords import verify_password
from lms.core.services import ServiceError

#: Seconds each code lasts (what every authenticator app assumes).
STEP_SECONDS = 30
#: Codes one step either side of now are accepted too: a phone's clock may be a little off.
VALID_WINDOW = 1
RECOVERY_CODE_COUNT = 10
#: The recovery codes' alphabet: base32 in lower case, no 0/1/8/9 to confuse with letters.
_RECOVERY_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
_RECOVERY_LENGTH = 16  # 16 characters of 32: 80 random bits each

# Lazy: each is read in the language of whoever gets it (str() when raised).
WRONG_CODE = _l("That code is not right, or it has already been used. Enter the code your app shows now.")
WRONG_PASSWORD = _l("That is not your password, so nothing was changed.")
NOT_ON = _l("Your second factor is not turned on.")
ALREADY_ON = _l("Your second factor is already turned on.")


def second_factor(session: DbSession, user_id: int) -> SecondFactor | None:
    """The user's second factor, pending or confirmed, or None."""
    return session.get(SecondFactor, user_id)


def is_on(session: DbSession, user_id: int) -> bool:
    """Whether logging in as this user asks for a code (their second factor is confirmed)."""
    return session.scalar(select(SecondFactor.confirmed_at).where(SecondFactor.user_id == user_id)) is not None


def begin(session: DbSession, user: User) -> SecondFactor:
    """The secret to show while setting up: a new one, or the one already shown (a reload shows the same QR code)."""
    factor = session.get(SecondFactor, user.id)
    if factor is not None and factor.confirmed_at is not None:
        raise ServiceError(str(ALREADY_ON))
    if factor is None:
        factor = SecondFactor(user_id=user.id, secret=pyotp.random_base32())
        session.add(factor)
        session.flush()
    return factor


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(name=account, issuer_name=issuer or None)


def qr_svg(uri: str, title: str) -> str:
    """The QR code of `uri` as inline SVG: dark on white (with its quiet zone) whatever the page's colours."""
    return segno.make(uri, error="m", micro=False).svg_inline(
        scale=4, dark="#000", light="#fff", title=title, svgclass="qr-code")


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _step(now: datetime) -> int:
    return int(now.timestamp()) // STEP_SECONDS


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose code is `code` (now, or one step either side), or None."""
    code = "".join(code.split())
    if not looks_like_app_code(code):
        return None
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    here = _step(now)
    for step in range(here - VALID_WINDOW, here + VALID_WINDOW + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _spend_step(session: DbSession, user_id: int, step: int) -> bool:
    """Record `step` as used, unless it (or a later one) already was: one conditional update, so races lose."""
    return bool(affected_rows(session, update(SecondFactor).where(
        SecondFactor.user_id == user_id,
        (SecondFactor.last_used_step.is_(None)) | (SecondFactor.last_used_step < step),
    ).values(last_used_step=step)))


def looks_like_app_code(code: str) -> bool:
    """Six digits (spaces allowed): a code from the app, not a recovery code."""
    code = "".join(code.split())
    return len(code) == 6 and code.isascii() and code.isdigit()  # isdigit alone accepts '²'


def _normalise_recovery(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch not in " -\t\n")


def hash_recovery_code(code: str) -> str:
    """What is stored of a recovery code (and compared): SHA-256 of its letters, without dashes or spaces."""
    return hashlib.sha256(_normalise_recovery(code).encode()).hexdigest()


def _new_recovery_codes(session: DbSession, user: User, now: datetime) -> list[str]:
    """Replace the user's recovery codes with new ones; returns them (they are never shown again)."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.append("-".join(raw[i:i + 4] for i in range(0, _RECOVERY_LENGTH, 4)))
    session.add_all(RecoveryCode(user_id=user.id, code_hash=hash_recovery_code(code), created_at=now)
                    for code in codes)
    session.flush()
    return codes


def recovery_codes_left(session: DbSession, user_id: int) -> int:
    return session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))) or 0


def confirm(session: DbSession, user: User, code: str, now: datetime | None = None) -> list[str]:
    """Turn the second factor on once a code from the app proves it was set up; returns the recovery codes."""
    now = now or utcnow()
    factor = session.get(SecondFactor, user.id)
    if factor is None:
        raise ServiceError(gettext("Start again: that set-up had ended. Scan the new QR code."))
    if factor.confirmed_at is not None:
        raise ServiceError(str(ALREADY_ON))
    step = _matching_step(factor.secret, code or "", now)
    if step is None or not _spend_step(session, user.id, step):
        raise ServiceError(gettext("That code does not match. Check the app shows this site's entry, "
                                   "then enter the code it shows now."))
    factor.confirmed_at = now
    codes = _new_recovery_codes(session, user, now)
    audit.record(session, user, "second_factor.enable", target_user=user)
    return codes


def verify(session: DbSession, user: User, code: str, now: datetime | None = None) -> str:
    """Check a code from the app or a recovery code (spent); returns "app" or "recovery", else ServiceError.

    The caller counts the attempt first (throttling)."""
    now = now or utcnow()
    factor = session.get(SecondFactor, user.id)
    if factor is None or factor.confirmed_at is None:
        raise ServiceError(str(NOT_ON))
    code = (code or "").strip()
    if looks_like_app_code(code):
        step = _matching_step(factor.secret, code, now)
        if step is None or not _spend_step(session, user.id, step):
            raise ServiceError(str(WRONG_CODE))
        return "app"
    spent = affected_rows(session, update(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == hash_recovery_code(code),
        RecoveryCode.used_at.is_(None)).values(used_at=now))
    if not spent:
        raise ServiceError(str(WRONG_CODE))
    audit.record(session, user, "second_factor.recovery_code_used", target_user=user,
                 left=recovery_codes_left(session, user.id))
    return "recovery"


def _check_password_and_code(session: DbSession, user: User, password: str, code: str, now: datetime) -> None:
    # The password first: argon2 is slow, and nothing has been written yet to hold a lock across it.
    if not verify_password(user.password_hash, password or ""):
        raise ServiceError(str(WRONG_PASSWORD))
    verify(session, user, code, now)


def new_recovery_codes(session: DbSession, user: User, password: str, code: str,
                       now: datetime | None = None) -> list[str]:
    """New recovery codes (the old ones stop working), after the password and a current code."""
    now = now or utcnow()
    _check_password_and_code(session, user, password, code, now)
    codes = _new_recovery_codes(session, user, now)
    audit.record(session, user, "second_factor.recovery_codes", target_user=user)
    return codes


def turn_off(session: DbSession, user: User, password: str, code: str, now: datetime | None = None) -> None:
    """Turn the second factor off, after the password and a current code (or a recovery code)."""
    now = now or utcnow()
    _check_password_and_code(session, user, password, code, now)
    remove(session, user)
    audit.record(session, user, "second_factor.disable", target_user=user)


def remove(session: DbSession, user: User) -> bool:
    """Delete the secret and the recovery codes (no audit: the caller records why); whether there was one."""
    factor = session.get(SecondFactor, user.id)
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    if factor is not None:
        session.delete(factor)
    session.flush()
    return factor is not None
