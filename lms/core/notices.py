"""Messages shown next to what the person acted on, not only at the top of the page.

A view calls `notify(message, category, near="reflection-r1")` before redirecting
to a page that has an element with that id; the page renders the message inside
that element (`{{ notices_at("reflection-r1") }}` in templates/macros.html), moves
the focus to it (`autofocus` on the first one, so screen readers read it, with or
without JavaScript) and so shows it where the person is looking. Redirect to that page
without a #fragment: browsers skip `autofocus` on a page opened at a fragment. Messages without
a place, or whose place the page does not have, show at the top of the page as
before. Stored as flashed messages (category "success@reflection-r1"), so the
kept-pages rule "no flashed message" still holds.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, flash, g, get_flashed_messages

_SEPARATOR = "@"


@dataclass(frozen=True)
class Notice:
    category: str  # success, info, warning, error, or "completed" (a course was just completed)
    message: str
    near: str | None  # the id of the element the message belongs next to

    @property
    def role(self) -> str:
        """Errors interrupt (alert); everything else is a polite status."""
        return "alert" if self.category == "error" else "status"


def notify(message: str, category: str = "success", *, near: str | None = None) -> None:
    """Show `message` on the next page rendered, inside the element with id `near` if it has one."""
    flash(message, f"{category}{_SEPARATOR}{near}" if near else category)


def _pending() -> list[Notice]:
    """This request's messages not yet shown (read once, then handed out by place)."""
    if "lms_notices" not in g:
        notices = []
        flashed: list[tuple[str, str]] = get_flashed_messages(with_categories=True)  # type: ignore[assignment]
        for category, message in flashed:
            kind, _, near = category.partition(_SEPARATOR)
            notices.append(Notice(kind, message, near or None))
        g.lms_notices = notices
    result: list[Notice] = g.lms_notices
    return result


def take_near(near: str) -> list[Notice]:
    """The messages that belong next to `near`, removed from those left for the top of the page."""
    pending = _pending()
    mine = [n for n in pending if n.near == near]
    g.lms_notices = [n for n in pending if n.near != near]
    return mine


def take_rest() -> list[Notice]:
    """Every message not shown in its place yet (base.html shows these at the top of the page)."""
    rest = _pending()
    g.lms_notices = []
    return rest


def claim_focus() -> bool:
    """True for the first message of a page to take the focus: only one element can have it."""
    if g.get("lms_notice_focused"):
        return False
    g.lms_notice_focused = True
    return True


def init_app(app: Flask) -> None:
    app.add_template_global(take_near, "take_notices_near")
    app.add_template_global(take_rest, "take_other_notices")
    app.add_template_global(claim_focus, "claim_notice_focus")
