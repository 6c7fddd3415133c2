"""The optional "How are you feeling?" check-in after hard role-plays.

Check-ins are private to the trainee: nothing here is for trainers or admins,
and skipping is always fine.
"""
from __future__ import annotations

from flask_babel import LazyString, format_number, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.core.db import DbSession
from lms.core.services import ServiceError
from lms.roleplay.models import ScenarioRun, WellbeingCheckin

#: Stored value -> what the trainee reads.
FEELINGS: dict[str, LazyString] = {
    "ok": _l("OK"),
    "unsettled": _l("A bit unsettled"),
    "struggling": _l("Struggling"),
}
NOTE_MAX = 2000


def listening_first(contacts: list[dict]) -> list[dict]:
    """Support contacts with listening services first and emergency numbers last.

    After a hard role-play most people need someone to talk to, not 999; the emergency line stays
    on the list for anyone at risk. A contact is an emergency one if it says so (`kind = "emergency"`)
    or its name does.
    """
    def emergency(contact: dict) -> bool:
        return contact.get("kind") == "emergency" or "emergency" in str(contact.get("name", "")).casefold()
    return sorted(contacts, key=emergency)  # stable: the configured order is kept within each group


def checkin_for_run(session: DbSession, user_id: int, run_id: int) -> WellbeingCheckin | None:
    """The user's check-in after this run, if they gave one."""
    return session.scalar(select(WellbeingCheckin).where(
        WellbeingCheckin.user_id == user_id, WellbeingCheckin.run_id == run_id)
        .order_by(WellbeingCheckin.id.desc()).limit(1))


def record_checkin(
    session: DbSession, user_id: int, run: ScenarioRun, feeling: str, note: str = "",
) -> WellbeingCheckin:
    """Save a check-in for a finished run of the user's; a second submit changes the first."""
    if run.user_id != user_id:
        raise ServiceError(gettext("You can only check in about your own role-plays."))
    if feeling not in FEELINGS:
        raise ServiceError(gettext("Please choose how you are feeling, or skip the check-in."))
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ServiceError(gettext("Please keep the note under %(count)s characters.", count=format_number(NOTE_MAX)))
    existing = checkin_for_run(session, user_id, run.id)
    if existing is not None:
        existing.feeling, existing.note = feeling, note
        return existing
    checkin = WellbeingCheckin(user_id=user_id, run_id=run.id, feeling=feeling, note=note)
    session.add(checkin)
    session.flush()
    return checkin
