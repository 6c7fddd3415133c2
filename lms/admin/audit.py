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


#: What each action means, in plain words, for the "Did" column of the audit log (who is in "To").
DESCRIPTIONS: dict[str, str] = {
    "account.delete": "Deleted their own account",
    "certificate.approved": "Approved a certificate",
    "certificate.issued": "Certificate issued",
    "certificate.reissued": "Reissued a certificate",
    "certificate.requested": "Asked for a certificate",
    "certificate.revoked": "Revoked a certificate",
    "cohort.add_trainer": "Added a trainer to a cohort",
    "cohort.archive": "Archived a cohort",
    "cohort.assign_course": "Assigned a course to a cohort",
    "cohort.create": "Created a cohort",
    "cohort.nudge": "Sent a reminder",
    "cohort.remove_member": "Removed someone from a cohort",
    "cohort.restore": "Restored a cohort",
    "cohort.unassign_course": "Took a course off a cohort",
    "cohort.update": "Changed a cohort",
    "contact_request.follow_up": "Followed up a request to talk",
    "invite.create": "Created an invitation",
    "invite.revoke": "Revoked an invitation",
    "response.mark": "Marked a written response",
    "run_comment.add": "Commented on a role-play run",
    "run_comment.delete": "Deleted a comment on a role-play run",
    "run_comment.edit": "Edited a comment on a role-play run",
    "second_factor.disable": "Turned off their second factor (authenticator app), with their password and a code",
    "second_factor.enable": "Turned on a second factor: logging in asks for a code from their authenticator app",
    "second_factor.recovery_code_used": "Logged in with one of their recovery codes, which now no longer works",
    "second_factor.recovery_codes": "Made new recovery codes: the old ones no longer work",
    "second_factor.reset": ("Reset their second factor: they log in with their password alone until they set up "
                            "an authenticator app again"),
    "settings.update": "Changed site settings",
    "step.confirm": "Confirmed a practical step",
    "user.deactivate": "Deactivated the account and logged them out everywhere",
    "user.reactivate": "Reactivated the account",
    "user.reset_password": ("Reset their password and ended their sessions: a temporary password that works once, "
                            "within 24 hours, after which they choose their own"),
    "user.set_role": "Changed their role",
}


def describe(action: str) -> str:
    """The action in plain words; its code when it has none yet."""
    return DESCRIPTIONS.get(action, action)
