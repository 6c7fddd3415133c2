"""Admin user management: find accounts, change roles, deactivate, reset passwords, settings, audit log.

The account rules themselves live in accounts.py; this adds the admin's
guard rails (nobody locks out the last admin) and the audit trail.
"""
from __future__ import annotations

from typing import Any

from flask_babel import get_translations, gettext
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from lms.accounts import second_factor
from lms.accounts import services as accounts
from lms.accounts.models import ROLES, User
from lms.admin import audit
from lms.admin.models import AuditEntry
from lms.cohorts.models import Cohort
from lms.cohorts.reports import Page, escape_like
from lms.content.org import org_lines, parse_org_lines
from lms.core import settings
from lms.core.db import DbSession
from lms.core.pagination import page_bounds
from lms.core.services import ServiceError
from lms.core.text import unshowable

PAGE_SIZE = 50
AUDIT_PAGE_SIZE = 50


def search(session: DbSession, text: str = "", role: str | None = None, page: int = 1) -> Page:
    """Accounts whose name or email contains `text`, by name, one page at a time."""
    query = select(User)
    text = (text or "").strip()
    if text:
        pattern = f"%{escape_like(text)}%"
        query = query.where(or_(User.display_name.ilike(pattern, escape="\\"), User.email.ilike(pattern, escape="\\")))
    if role in ROLES:
        query = query.where(User.role == role)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page, pages = page_bounds(total, page, PAGE_SIZE)
    items = list(session.scalars(query.order_by(func.lower(User.display_name), User.id)
                                 .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))
    return Page(items, page, pages, total)


def _other_admins(session: DbSession, user: User) -> int:
    return session.scalar(select(func.count()).select_from(User).where(
        User.role == "admin", User.active.is_(True), User.id != user.id)) or 0


# `actor` is None when an administrator acts from the command line (`lms user ...`).


def change_role(session: DbSession, actor: User | None, user: User, role: str) -> None:
    if role == user.role:
        return
    if user.is_admin and role != "admin" and not _other_admins(session, user):
        raise ServiceError(gettext("This is the only admin. Make someone else an admin first."))
    previous = user.role
    accounts.set_role(session, user, role)
    audit.record(session, actor, "user.set_role", target_user=user, role=role, previous=previous)


def set_active(session: DbSession, actor: User | None, user: User, active: bool) -> None:
    """Deactivate (ending their sessions at once) or reactivate an account."""
    if not active and actor is not None and user.id == actor.id:
        raise ServiceError(gettext("You cannot deactivate your own account."))
    if not active and user.is_admin and not _other_admins(session, user):
        raise ServiceError(gettext("This is the only active admin. Make someone else an admin first."))
    if user.active == active:
        return
    accounts.set_active(session, user, active)
    audit.record(session, actor, "user.reactivate" if active else "user.deactivate", target_user=user)


def reset_password(session: DbSession, actor: User | None, user: User) -> str:
    """A temporary password to pass on privately; their sessions end."""
    temporary = accounts.reset_password(session, user)
    audit.record(session, actor, "user.reset_password", target_user=user)
    return temporary


def reset_second_factor(session: DbSession, actor: User | None, user: User) -> None:
    """Take away someone's second factor (a lost phone and lost recovery codes): their password alone logs in.

    Staff must set it up again at once where the site requires it."""
    if not second_factor.remove(session, user):
        raise ServiceError(gettext("%(name)s has no second factor to reset.", name=user.display_name))
    audit.record(session, actor, "second_factor.reset", target_user=user)


def validate_setting(key: str, value: Any) -> Any:
    """The cleaned value for an editable setting, or ServiceError saying what is expected."""
    label, kind = settings.EDITABLE[key]
    value = (value or "").strip() if isinstance(value, str) or value is None else value
    # Names and words that go into pages, e-mails and certificates: no control characters, bar a box's layout.
    if isinstance(value, str) and unshowable(value, multiline=kind in ("textarea", "org")):
        raise ServiceError(gettext("%(label)s: this contains characters that cannot be shown.", label=label))
    if kind.startswith("choice:"):
        options = kind.split(":", 1)[1].split(",")
        if value not in options:
            raise ServiceError(gettext("%(label)s: choose one of %(options)s.", label=label,
                                       options=", ".join(options)))
    elif kind == "org":
        parsed, problems = parse_org_lines(value if isinstance(value, str) else org_lines(value or {}))
        if problems:
            words = get_translations()  # the problems are lms.content's messages, in the page's language
            said = "; ".join(problem.translate(words.gettext, words.ngettext) for problem in problems)
            raise ServiceError(gettext("%(label)s: %(problems)s.", label=label, problems=said))
        value = parsed
    elif kind == "colour":
        if not settings.is_colour(value):
            raise ServiceError(gettext("%(label)s: write a colour as # and six hex digits, like #1d4f91.", label=label))
        value = value.lower()
    elif key == "SITE_NAME" and not value:
        raise ServiceError(gettext("%(label)s: the site needs a name.", label=label))
    return value


class SettingsRefused(ServiceError):
    """Settings that broke a rule, each with its message by key; nothing was saved."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(" ".join(problems.values()))
        self.problems = problems


def save_settings(session: DbSession, actor: User, values: dict[str, Any]) -> list[str]:
    """Validate then store the settings that changed; returns their keys.

    Every value is checked before anything is stored: if any breaks a rule, `SettingsRefused`
    names each one, so the admin can put them all right at once.
    """
    cleaned: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for key, value in values.items():
        if key not in settings.EDITABLE:
            continue
        try:
            cleaned[key] = validate_setting(key, value)
        except ServiceError as exc:
            problems[key] = str(exc)
    if problems:
        raise SettingsRefused(problems)
    changed = [key for key, value in cleaned.items() if settings.get(key) != value]
    for key in changed:
        settings.put(key, cleaned[key], actor.id)
    if changed:
        audit.record(session, actor, "settings.update", target="site settings", keys=changed)
    return changed


def audit_log(session: DbSession, page: int = 1) -> Page:
    """Audit entries, newest first, with the current name of whoever they were about."""
    total = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    page, pages = page_bounds(total, page, AUDIT_PAGE_SIZE)
    target = aliased(User)
    rows = session.execute(
        select(AuditEntry, target.display_name).outerjoin(target, target.id == AuditEntry.target_user_id)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(AUDIT_PAGE_SIZE).offset((page - 1) * AUDIT_PAGE_SIZE)).all()
    return Page([(entry, name) for entry, name in rows], page, pages, total)


def cohort_names(session: DbSession, entries: list[AuditEntry]) -> dict[int, str]:
    """The current names of the cohorts these audit entries mention, by id."""
    ids = {e.details.get("cohort_id") for e in entries if isinstance(e.details, dict)}
    ids = {i for i in ids if isinstance(i, int)}
    if not ids:
        return {}
    return dict(session.execute(select(Cohort.id, Cohort.name).where(Cohort.id.in_(ids))).all())
