"""A person with an account: trainee, trainer or admin."""
from __future__ import annotations

import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.crypto import EncryptedText
from lms.core.models import Base, UTCDateTime, utcnow

ROLES = ("trainee", "trainer", "admin")
#: Each role as pages name it, in the reader's language (the stored value stays the code).
ROLE_NAMES = {"trainee": _l("Trainee"), "trainer": _l("Trainer"), "admin": _l("Admin")}


def new_session_token() -> str:
    """A random token that, when changed, ends every session of the user."""
    return secrets.token_urlsafe(16)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    # What other people see: may be a pseudonym.
    display_name: Mapped[str] = mapped_column(String(80))
    # Asked for only when a certificate is issued.
    legal_name: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="trainee")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Part of the login cookie: rotating it signs the user out everywhere.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The interface and training language they chose ('cy'); None: the site's default (lms.core.i18n).
    # Also the language of what is sent to them (Welsh Language Standards: recorded preference).
    language: Mapped[str | None] = mapped_column(String(16))
    # After an administrator's reset the password is a temporary one: it works once,
    # until this time; logging in with it spends it and sets must_change_password.
    temporary_password_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Every page but "choose a new password" (and log out) is closed until they do.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    # When an administrator last reset the password: told to the person at their next login.
    password_reset_by_admin_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # -- Flask-Login protocol ------------------------------------------------
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    # -- roles ---------------------------------------------------------------
    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_trainer(self) -> bool:
        """Trainers and admins both supervise training."""
        return self.role in ("trainer", "admin")

    def end_sessions(self) -> None:
        """Invalidate every session and remember-me cookie of this user."""
        self.session_token = new_session_token()


# -- A login attempt, counted in the database so throttling holds across workers.
# Recorded before the password is checked (so the count is exact however many
# arrive at once) and forgotten again when the password was right: the rows
# left are failures.


class LoginAttempt(Base):
    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_key_created", "key", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # "email:<address>" or "ip:<address>": the same whether or not an account exists.
    key: Mapped[str] = mapped_column(String(300))
    # The client address the attempt came from (the real one, behind a trusted proxy).
    address: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


# -- A second factor for logging in (staff): an authenticator app's secret (TOTP,
# RFC 6238) and single-use recovery codes. See lms/accounts/second_factor.py.


class SecondFactor(Base):
    """The shared secret of someone's authenticator app; pending until they confirm a code from it."""

    __tablename__ = "second_factors"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    # Encrypted at rest with the data keys: a database dump alone cannot make codes.
    secret: Mapped[str] = mapped_column(EncryptedText())
    # None while enrolling (the QR code is shown, no code confirmed yet): it is not asked for at login.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The 30-second time step of the last code accepted: a code (or an earlier one) never works twice.
    last_used_step: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RecoveryCode(Base):
    """One single-use code for when the authenticator app is lost; only its SHA-256 is stored."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
