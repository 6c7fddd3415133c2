"""What every feature's views share: one way to run a service call for a form, one way to confirm."""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from flask import Flask, Response, current_app, g, make_response, render_template, request
from flask_wtf import FlaskForm

from lms.core.db import db
from lms.core.notices import notify
from lms.core.services import ServiceError

T = TypeVar("T")


def service_call(action: Callable[[], T], success: str | None, *, near: str | None = None,
                 refusal_near: str | None = None) -> tuple[T | None, bool]:
    """Run a service call; commit and show `success`, or roll back and show the rule's message.

    `success` None: the caller says what happened itself, from the result.

    With `near`, the message shows inside the element with that id on the next page (lms/core/notices.py);
    `refusal_near` places only a refusal (a form's error summary), leaving success where `near` says.
    """
    try:
        result = action()
    except ServiceError as exc:
        db.session.rollback()
        notify(str(exc), "error", near=refusal_near or near)
        return None, False
    db.session.commit()
    if success is not None:
        notify(success, "success", near=near)
    return result, True


# -- a refused form on a page built elsewhere -------------------------------------------------------
#
# Some forms sit on a page another view builds (a reply box on the role-play debrief) and their view
# redirects back to it. A refusal that way would lose what the person wrote: a long reply or a private
# note refused for its length, or a form expired after a long while writing. `page_again` answers the
# POST with that page itself (400), its boxes filled with the words sent (`kept_words`, read by the
# `textarea_field` macro and by views that build WTForms forms), and the refusal shown at its box.

def page_again(endpoint: str, kept: Mapping[str, str | None], **values: object) -> Response:
    """The page `endpoint` shows (its view run for this request), answering a refused POST, with `kept`
    (a box's id -> the words sent) back in their boxes. A 400 unless the view answers otherwise (a redirect)."""
    g.lms_kept_words = {box: words for box, words in kept.items() if words}
    response = make_response(current_app.view_functions[endpoint](**values))
    if response.status_code == 200:
        response.status_code = 400
    return response


def kept_words(box: str) -> str:
    """The words sent in box `box` by a refused POST this page answers (page_again), else ""."""
    return str(g.get("lms_kept_words", {}).get(box, ""))


def init_app(app: Flask) -> None:
    app.add_template_global(kept_words, "kept_words")


# -- confirming an irreversible action ---------------------------------------------------------
#
# One pattern for every action that cannot be undone, and it needs no JavaScript: the first POST
# (the button on the page) changes nothing and answers with a confirmation page that names exactly
# what will happen and to whom; that page's Confirm button sends the same POST again with
# `confirmed=yes` (and its CSRF token), and only then does the view act. Cancel is a plain link back.

CONFIRMED_FIELD = "confirmed"


def confirmed() -> bool:
    """Whether this POST came from a confirmation page's Confirm button."""
    return request.form.get(CONFIRMED_FIELD) == "yes"


@dataclass(frozen=True)
class Confirmation:
    """What a confirmation page asks; rendered by the `confirmation` macro of macros.html."""

    #: The question, as the page's heading: "Revoke Alex's certificate for Peer support basics?"
    title: str
    #: What will happen, one plain sentence each, naming the person and the thing.
    facts: Sequence[str]
    #: The Confirm button's words, saying the action again: "Revoke the certificate".
    confirm: str
    #: Where Cancel leads: the page the person came from.
    cancel_url: str
    #: Fields the first POST carried (a reason, a corrected name), sent again with the confirmed one.
    carry: Mapping[str, str] = field(default_factory=dict)
    #: Where the confirmed POST goes; the same URL as the first POST when empty.
    action: str = ""
    danger: bool = True


def ask_to_confirm(confirmation: Confirmation, form: FlaskForm | None = None, status: int = 200):
    """The confirmation page for this POST; `form` adds its fields (an admin's own password) to it."""
    return render_template("confirm.html", confirmation=confirmation, form=form), status
