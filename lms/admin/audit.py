"""The audit log: every trainer and admin action that affects someone."""
from __future__ import annotations

from typing import Any

from lms.accounts.models import User
from lms.admin.models import AuditEntry
from lms.core.db import DbSession


def record(session: DbSession, actor: User | None, action: str, *, target_user: User | None = None,
           target: str = "", **details: Any) -> AuditEntry:
    """Add an entry in the caller's transaction, so it commits (or not) with the action."""
    entry = AuditEntry(
        actor_id=actor.id if actor else None,
        actor_name=actor.display_name if actor else "command line",
        action=action,
        target_user_id=target_user.id if target_user else None,
        target=target or (target_user.display_name if target_user else ""),
        details=details,
    )
    session.add(entry)
    return entry
