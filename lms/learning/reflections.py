"""Reflections: private free text that only its author ever sees (FORMAT.md §3.3).

Every read here is scoped by the owner's user id: there is deliberately no
function that lists someone else's reflections, and no trainer or admin page
uses this module.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flask_babel import format_number, gettext
from markupsafe import Markup
from sqlalchemy import bindparam, select

from lms.content import Course, Reflection, Step
from lms.core.db import DbSession
from lms.core.i18n import content_language, long_date
from lms.core.models import utcnow
from lms.core.services import ServiceError
from lms.core.text import check_showable
from lms.learning import progress
from lms.learning.models import ReflectionEntry

MAX_LENGTH = 20_000


def prompt_text(reflection: Reflection) -> str:
    """The prompt as plain text, kept with the entry so an export reads well after course edits."""
    return Markup(reflection.prompt_html).striptags()


def _clean(text: str, empty_message: str) -> str:
    # NUL characters never get this far: lms.core.security.CleanRequest drops them from every form.
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise ServiceError(empty_message)
    if len(text) > MAX_LENGTH:
        raise ServiceError(gettext("That is too long to save: please keep it under %(count)s characters.",
                                   count=format_number(MAX_LENGTH)))
    return check_showable(text, gettext("reflection"), multiline=True)


def save(
    session: DbSession, user_id: int, course: Course, step: Step, reflection: Reflection, text: str,
    prompt_language: str | None = None,
) -> ReflectionEntry:
    """Create or update the user's answer to a reflection prompt (one row per user, course and prompt), with the
    prompt's words as shown now and `prompt_language`, the language they were shown in."""
    # The step page has no Delete button: say where it is, rather than "delete the reflection".
    text = _clean(text, gettext("There is nothing to save yet: write something first. To remove a saved "
                                "reflection, delete it in “All my reflections”."))
    existing = select(ReflectionEntry).where(
        ReflectionEntry.user_id == user_id, ReflectionEntry.course_id == course.id,
        ReflectionEntry.reflection_id == reflection.id)
    entry = session.scalar(existing)
    if entry is None:
        inserted, created = progress.insert_once(session, ReflectionEntry(
            user_id=user_id, course_id=course.id, step_id=step.id, reflection_id=reflection.id,
            prompt_text=prompt_text(reflection), prompt_language=prompt_language, text=text), existing)
        if created:
            return inserted
        entry = inserted
    entry.step_id, entry.prompt_text, entry.text, entry.updated_at = step.id, prompt_text(reflection), text, utcnow()
    entry.prompt_language = prompt_language
    session.flush()
    return entry


def for_step(session: DbSession, user_id: int, course_id: str, step: Step) -> dict[str, ReflectionEntry]:
    """The user's answers to a step's prompts, by reflection id (one query)."""
    ids = [r.id for r in step.reflections]
    if not ids:
        return {}
    return {e.reflection_id: e for e in session.scalars(
        _ENTRIES_FOR_PROMPTS, {"user_id": user_id, "course_id": course_id, "reflection_ids": ids})}


#: Every step page with a reflection reads this: built once (its IN list is expanded per call).
_ENTRIES_FOR_PROMPTS = select(ReflectionEntry).where(
    ReflectionEntry.user_id == bindparam("user_id"), ReflectionEntry.course_id == bindparam("course_id"),
    ReflectionEntry.reflection_id.in_(bindparam("reflection_ids", expanding=True)))


def mine(session: DbSession, user_id: int) -> list[ReflectionEntry]:
    """All of the user's reflections, oldest first."""
    return list(session.scalars(select(ReflectionEntry).where(ReflectionEntry.user_id == user_id)
                                .order_by(ReflectionEntry.created_at, ReflectionEntry.id)))


def get_own(session: DbSession, user_id: int, entry_id: int) -> ReflectionEntry | None:
    """One of the user's reflections; None for anyone else's (the caller answers 404)."""
    return session.scalar(select(ReflectionEntry).where(ReflectionEntry.id == entry_id,
                                                        ReflectionEntry.user_id == user_id))


def update(session: DbSession, entry: ReflectionEntry, text: str) -> ReflectionEntry:
    entry.text, entry.updated_at = _clean(
        text, gettext("There is nothing to save yet: write something first, or delete the reflection.")), utcnow()
    session.flush()
    return entry


def delete(session: DbSession, user_id: int, entry_id: int) -> bool:
    """Delete one of the user's reflections; False if there was none (already deleted, or not theirs)."""
    entry = get_own(session, user_id, entry_id)
    if entry is None:
        return False
    session.delete(entry)
    session.flush()
    return True


@dataclass(frozen=True)
class ExportFormat:
    extension: str
    mimetype: str


EXPORT_FORMATS = {
    "md": ExportFormat("md", "text/markdown; charset=utf-8"),
    "txt": ExportFormat("txt", "text/plain; charset=utf-8"),
}


def where_written(entry: ReflectionEntry, courses: Mapping[str, Course]) -> str:
    """'Course title — Step title', falling back to ids for content since removed."""
    course = courses.get(entry.course_id)
    step = course.step(entry.step_id) if course else None
    return f"{course.title if course else entry.course_id} — {step.title if step else entry.step_id}"


def where_language(entry: ReflectionEntry, courses: Mapping[str, Course]) -> str | None:
    """The language where_written() is in, when its course and step titles share one (None otherwise: the page's)."""
    course = courses.get(entry.course_id)
    step = course.step(entry.step_id) if course else None
    if course is None or step is None:
        return None
    language = content_language(course, "title")
    return language if content_language(step, "title") == language else None


def export(entries: Iterable[ReflectionEntry], courses: Mapping[str, Course], fmt: str) -> str:
    """The reflections as one Markdown or plain-text document, in the reader's language."""
    markdown = fmt == "md"
    title = gettext("My reflections")
    lines = [f"# {title}" if markdown else title.upper(), ""]
    for entry in entries:
        heading = where_written(entry, courses)
        lines += [f"## {heading}" if markdown else heading.upper(), ""]
        prompt = " ".join(entry.prompt_text.split())
        lines += [f"*{prompt}*" if markdown else gettext("Prompt: %(prompt)s", prompt=prompt), ""]
        lines += [entry.text, "", gettext("(last changed %(date)s)", date=long_date(entry.updated_at)), ""]
    if len(lines) == 2:
        lines.append(gettext("You have not written any reflections yet."))
    return "\n".join(lines).rstrip() + "\n"
