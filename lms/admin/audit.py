"""The audit log: every trainer and admin action that affects someone."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import LazyString, gettext, ngettext
from flask_babel import lazy_gettext as _l

from lms.accounts.models import ROLE_NAMES, User
from lms.admin.models import AuditEntry
from lms.content import Course
from lms.core import i18n, settings
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
#: Each is translated (str.format placeholders, not %): a translation may use any of the words `describe`
#: offers, e.g. {person} where English needs the possessive {persons}.
DESCRIPTIONS: dict[str, LazyString] = {
    "account.delete": _l("The owner of {target} deleted their account{revoked}"),
    "certificate.approved": _l("{actor} approved {persons} certificate for {course}"),
    "certificate.issued": _l("{person} was issued the certificate for {course}"),
    "certificate.refused": _l("{actor} refused {persons} certificate for {course}: reason “{reason}”"),
    "certificate.reissued": _l("{actor} re-issued {persons} certificate for {course} with a corrected name; "
                              "the old one is revoked"),
    "certificate.requested": _l("{person} asked for the certificate for {course}, which needs a trainer’s sign-off"),
    "certificate.revoked": _l("{actor} revoked {persons} certificate for {course}: reason “{reason}”"),
    "course.restarted": _l("{actor} let {person} take {course} again after they used every attempt at its "
                           "assessment"),
    "cohort.add_trainer": _l("{actor} made {person} a trainer of {cohort}"),
    "cohort.archive": _l("{actor} archived {cohort}; its invitation links stopped working"),
    "cohort.assign_course": _l("{actor} assigned {course} {to_cohort}{due}"),
    "cohort.create": _l("{actor} created {cohort}"),
    "cohort.nudge": _l("{actor} emailed {person} a reminder about their training in {cohort}"),
    "cohort.remove_member": _l("{actor} removed {person} {from_cohort}"),
    "cohort.restore": _l("{actor} restored {cohort}"),
    "cohort.unassign_course": _l("{actor} took {course} off {cohort}"),
    "cohort.update": _l("{actor} changed the name or description of {cohort}"),
    "contact_request.follow_up": _l("{actor} followed up {persons} request to talk"),
    "invite.create": _l("{actor} created {invitation} {to_cohort}"),
    "invite.revoke": _l("{actor} revoked an invitation {to_cohort}"),
    "response.mark": _l("{actor} marked {persons} written response in {course} ({step}): {verdict}"),
    "run_comment.add": _l("{actor} commented on {persons} role-play run"),
    "run_comment.delete": _l("{actor} deleted their comment on {persons} role-play run"),
    "run_comment.edit": _l("{actor} edited their comment on {persons} role-play run"),
    "second_factor.disable": _l("{actor} turned off their second factor (authenticator app), with their password "
                                "and a code"),
    "second_factor.enable": _l("{actor} turned on a second factor: logging in asks them for a code from an app"),
    "second_factor.recovery_code_used": _l("{actor} logged in with one of their recovery codes, which no longer works"),
    "second_factor.recovery_codes": _l("{actor} made new recovery codes; the old ones no longer work"),
    "second_factor.reset": _l("{actor} reset {persons} second factor: they log in with their password alone until "
                             "they set up an authenticator app again"),
    "settings.update": _l("{actor} changed the site settings: {settings}"),
    "step.confirm": _l("{actor} confirmed that {person} completed the practical step {step} of {course}"),
    "user.deactivate": _l("{actor} deactivated {persons} account and logged them out everywhere"),
    "user.reactivate": _l("{actor} reactivated {persons} account"),
    "user.reset_password": _l("{actor} reset {persons} password and ended their sessions; they were given a "
                             "temporary password that works once and soon expires, after which they choose their own"),
    "user.set_role": _l("{actor} changed {persons} role from {previous} to {role}"),
}

#: A response's verdict as stored (learning.models.RESPONSE_*); the first two are older entries' words.
_VERDICTS = {"accepted": _l("accepted"), "revise": _l("asked for changes"),
             "meets_standard": _l("meets the standard"), "try_again": _l("asked for another try")}


@dataclass(frozen=True)
class Line:
    """One audit entry in words, with links to what it was about (endpoint, URL values, label)."""

    text: str
    links: tuple[tuple[str, dict[str, Any], str], ...] = ()


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def _possessive(name: str) -> str:
    return gettext("%(name)s’s", name=name)


def _role(code: object) -> str:
    """A role in the reader's language (a code no longer known shows as it was stored)."""
    return str(ROLE_NAMES.get(str(code), code or "")).lower()


#: An invitation e-mailed to someone: said so that it cannot read as though the cohort was e-mailed.
_EMAILED_INVITATION = _l("{actor} e-mailed {email} an invitation {to_cohort}")


def _invitation(details: Mapping[str, Any]) -> str:
    if details.get("email"):
        return gettext("an invitation for %(email)s", email=details["email"])
    return gettext("a reusable invitation link") if details.get("reusable") else gettext("a single-use invitation link")


def describe(entry: AuditEntry, target_name: str | None = None, *, cohorts: Mapping[int, str] | None = None,
             courses: Mapping[str, Course] | None = None) -> Line:
    """The entry as a sentence with names (who did what to whom), not codes and ids.

    `target_name` is the current name of the person it was about; `cohorts` names cohorts by id and
    `courses` gives course and step titles (content since removed shows its id)."""
    cohorts, courses = cohorts or {}, courses or {}
    details = entry.details or {}
    actor = entry.actor_name if entry.actor_id is not None or entry.actor_name != "command line" else (
        gettext("An administrator at the command line"))
    person = target_name or entry.target or gettext("someone")
    course_id = str(details.get("course_id") or (entry.target if entry.action.startswith("certificate.") else ""))
    course = courses.get(course_id)
    step = course.step(str(details.get("step_id", ""))) if course else None
    cohort_id = details.get("cohort_id")
    cohort = cohorts.get(cohort_id) if isinstance(cohort_id, int) else None
    if cohort is None and entry.target.startswith("cohort "):
        cohort = entry.target.removeprefix("cohort ")
    revoked = details.get("revoked_certificates") or 0
    words = _Blank(
        actor=actor or gettext("Someone"), person=person, persons=_possessive(person),
        target=entry.target or gettext("an account"),
        course=course.title if course else (course_id or gettext("a course")),
        step=f"“{step.title}”" if step else str(details.get("step_id", "")),
        cohort=gettext("the cohort “%(name)s”", name=cohort) if cohort else gettext("a cohort"),
        # With their preposition: Welsh writes "i’r garfan", "o’r garfan", never "i y garfan".
        to_cohort=gettext("to the cohort “%(name)s”", name=cohort) if cohort else gettext("to a cohort"),
        from_cohort=gettext("from the cohort “%(name)s”", name=cohort) if cohort else gettext("from a cohort"),
        reason=str(details.get("reason", "")),
        role=_role(details.get("role")), previous=_role(details.get("previous")),
        verdict=str(_VERDICTS.get(str(details.get("verdict")), details.get("verdict", ""))),
        due=gettext(", due %(date)s", date=i18n.long_date(details["due_on"]) or details["due_on"])
        if details.get("due_on") else "",
        settings=", ".join(str(settings.EDITABLE[k][0]) if k in settings.EDITABLE else str(k)
                           for k in details.get("keys") or ()) or gettext("none"),
        invitation=_invitation(details), email=str(details.get("email", "")),
        revoked=(ngettext(", and asked for %(num)d certificate to be revoked",
                          ", and asked for %(num)d certificates to be revoked", revoked) if revoked else ""),
    )
    template = DESCRIPTIONS.get(entry.action)
    if entry.action == "invite.create" and details.get("email") and details.get("emailed"):
        template = _EMAILED_INVITATION
    text = str(template).format_map(words) if template else f"{words['actor']}: {entry.action} ({person})"
    links: list[tuple[str, dict[str, Any], str]] = []
    if entry.target_user_id is not None:
        links.append(("admin.user", {"user_id": entry.target_user_id}, gettext("%(name)s (account)", name=person)))
    if isinstance(details.get("certificate_id"), int):
        links.append(("certificates.detail", {"certificate_id": details["certificate_id"]},
                      gettext("the certificate")))
    if isinstance(cohort_id, int) and cohort_id in cohorts:
        links.append(("trainer.cohort", {"cohort_id": cohort_id},
                      gettext("the cohort %(name)s", name=cohorts[cohort_id])))
    return Line(text + ".", tuple(links))
