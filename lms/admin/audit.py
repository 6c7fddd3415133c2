"""The audit log: every trainer and admin action that affects someone."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lms.accounts.models import User
from lms.admin.models import AuditEntry
from lms.content import Course
from lms.core import settings
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


#: Each action as a sentence for the audit log, with the people's names and the things' titles filled in
#: (`describe`). Every action recorded anywhere must have one: tests/test_audit_words.py checks the code.
DESCRIPTIONS: dict[str, str] = {
    "account.delete": "The owner of {target} deleted their account{revoked}",
    "certificate.approved": "{actor} approved {persons} certificate for {course}",
    "certificate.issued": "{person} was issued the certificate for {course}",
    "certificate.refused": "{actor} refused {persons} certificate for {course}: reason “{reason}”",
    "certificate.reissued": "{actor} re-issued {persons} certificate for {course} with a corrected name; "
                            "the old one is revoked",
    "certificate.requested": "{person} asked for the certificate for {course}, which needs a trainer’s sign-off",
    "certificate.revoked": "{actor} revoked {persons} certificate for {course}: reason “{reason}”",
    "cohort.add_trainer": "{actor} made {person} a trainer of {cohort}",
    "cohort.archive": "{actor} archived {cohort}; its invitation links stopped working",
    "cohort.assign_course": "{actor} assigned {course} to {cohort}{due}",
    "cohort.create": "{actor} created {cohort}",
    "cohort.nudge": "{actor} emailed {person} a reminder about their training in {cohort}",
    "cohort.remove_member": "{actor} removed {person} from {cohort}",
    "cohort.restore": "{actor} restored {cohort}",
    "cohort.unassign_course": "{actor} took {course} off {cohort}",
    "cohort.update": "{actor} changed the name or description of {cohort}",
    "contact_request.follow_up": "{actor} followed up {persons} request to talk",
    "invite.create": "{actor} created {invitation} to {cohort}",
    "invite.revoke": "{actor} revoked an invitation to {cohort}",
    "response.mark": "{actor} marked {persons} written response in {course} ({step}): {verdict}",
    "run_comment.add": "{actor} commented on {persons} role-play run",
    "run_comment.delete": "{actor} deleted their comment on {persons} role-play run",
    "run_comment.edit": "{actor} edited their comment on {persons} role-play run",
    "second_factor.disable": (
        "{actor} turned off their second factor (authenticator app), with their password and a code"
    ),
    "second_factor.enable": "{actor} turned on a second factor: logging in asks them for a code from an app",
    "second_factor.recovery_code_used": "{actor} logged in with one of their recovery codes, which no longer works",
    "second_factor.recovery_codes": "{actor} made new recovery codes; the old ones no longer work",
    "second_factor.reset": "{actor} reset {persons} second factor: they log in with their password alone until "
                           "they set up an authenticator app again",
    "settings.update": "{actor} changed the site settings: {settings}",
    "step.confirm": "{actor} confirmed that {person} completed the practical step {step} of {course}",
    "user.deactivate": "{actor} deactivated {persons} account and logged them out everywhere",
    "user.reactivate": "{actor} reactivated {persons} account",
    "user.reset_password": "{actor} reset {persons} password and ended their sessions; they were given a "
                           "temporary password that works once and soon expires, after which they choose their own",
    "user.set_role": "{actor} changed {persons} role from {previous} to {role}",
}

_VERDICTS = {"accepted": "accepted", "revise": "asked for changes"}


@dataclass(frozen=True)
class Line:
    """One audit entry in words, with links to what it was about (endpoint, URL values, label)."""

    text: str
    links: tuple[tuple[str, dict[str, Any], str], ...] = ()


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def _possessive(name: str) -> str:
    return f"{name}’s"


def describe(entry: AuditEntry, target_name: str | None = None, *, cohorts: Mapping[int, str] | None = None,
             courses: Mapping[str, Course] | None = None) -> Line:
    """The entry as a sentence with names (who did what to whom), not codes and ids.

    `target_name` is the current name of the person it was about; `cohorts` names cohorts by id and
    `courses` gives course and step titles (content since removed shows its id)."""
    cohorts, courses = cohorts or {}, courses or {}
    details = entry.details or {}
    actor = entry.actor_name if entry.actor_id is not None or entry.actor_name != "command line" else (
        "An administrator at the command line")
    person = target_name or entry.target or "someone"
    course_id = str(details.get("course_id") or (entry.target if entry.action.startswith("certificate.") else ""))
    course = courses.get(course_id)
    step = course.step(str(details.get("step_id", ""))) if course else None
    cohort_id = details.get("cohort_id")
    cohort = cohorts.get(cohort_id) if isinstance(cohort_id, int) else None
    if cohort is None and entry.target.startswith("cohort "):
        cohort = entry.target.removeprefix("cohort ")
    revoked = details.get("revoked_certificates") or 0
    words = _Blank(
        actor=actor or "Someone", person=person, persons=_possessive(person), target=entry.target or "an account",
        course=course.title if course else (course_id or "a course"),
        step=f"“{step.title}”" if step else str(details.get("step_id", "")),
        cohort=f"the cohort “{cohort}”" if cohort else "a cohort",
        reason=str(details.get("reason", "")),
        role=str(details.get("role", "")), previous=str(details.get("previous", "")),
        verdict=_VERDICTS.get(str(details.get("verdict")), str(details.get("verdict", ""))),
        due=f", due {details['due_on']}" if details.get("due_on") else "",
        settings=", ".join(settings.EDITABLE[k][0] if k in settings.EDITABLE else str(k)
                           for k in details.get("keys") or ()) or "none",
        invitation=(f"an invitation for {details['email']}" + (", sent by email" if details.get("emailed") else "")
                    if details.get("email") else
                    "a reusable invitation link" if details.get("reusable") else "a single-use invitation link"),
        revoked=(f", and asked for {revoked} certificate{'s' if revoked != 1 else ''} to be revoked"
                 if revoked else ""),
    )
    template = DESCRIPTIONS.get(entry.action)
    text = template.format_map(words) if template else f"{words['actor']}: {entry.action} ({person})"
    links: list[tuple[str, dict[str, Any], str]] = []
    if entry.target_user_id is not None:
        links.append(("admin.user", {"user_id": entry.target_user_id}, f"{person} (account)"))
    if isinstance(details.get("certificate_id"), int):
        links.append(("certificates.detail", {"certificate_id": details["certificate_id"]}, "the certificate"))
    if isinstance(cohort_id, int) and cohort_id in cohorts:
        links.append(("trainer.cohort", {"cohort_id": cohort_id}, f"the cohort {cohorts[cohort_id]}"))
    return Line(text + ".", tuple(links))
