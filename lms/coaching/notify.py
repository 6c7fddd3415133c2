"""The hook for telling people about coaching events: one function per event.

Nothing is sent from here. Whoever delivers messages (the e-mail queue of the
reminders issue) subscribes a listener per event in its own `init_app`:

    from lms.coaching import notify
    notify.subscribe(notify.RESPONSE_MARKED, enqueue_response_marked)

Listeners are called inside the service's transaction, with the session and the
row, so a message queued in the database commits or rolls back with the event
itself. A listener decides whom to tell and whether that person wants to hear
(the per-person switch belongs with the queue). Listeners must not commit.

Events and their payload:
- RESPONSE_MARKED (entry: ResponseEntry): a trainer marked a response; tell the trainee.
- COMMENT_ADDED (comment: RunComment): a trainer commented on a run; tell the run's trainee.
- REPLY_ADDED (comment: RunComment): the trainee replied; tell the comment's author.
- STEP_CONFIRMED (confirmation: StepConfirmation): a trainer confirmed a step; tell the trainee.
- CONTACT_REQUESTED (request: ContactRequest): a trainee asked to be contacted; tell their cohort trainers.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lms.core.db import DbSession

RESPONSE_MARKED = "response_marked"
COMMENT_ADDED = "comment_added"
REPLY_ADDED = "reply_added"
STEP_CONFIRMED = "step_confirmed"
CONTACT_REQUESTED = "contact_requested"
EVENTS = (RESPONSE_MARKED, COMMENT_ADDED, REPLY_ADDED, STEP_CONFIRMED, CONTACT_REQUESTED)

Listener = Callable[[DbSession, Any], None]
_listeners: dict[str, list[Listener]] = {event: [] for event in EVENTS}


def subscribe(event: str, listener: Listener) -> Callable[[], None]:
    """Call `listener(session, row)` on every `event`; subscribing twice is harmless. Returns an unsubscribe."""
    if event not in _listeners:
        raise ValueError(f"unknown coaching event {event!r}; known: {', '.join(EVENTS)}")
    if listener not in _listeners[event]:
        _listeners[event].append(listener)
    return lambda: _listeners[event].remove(listener) if listener in _listeners[event] else None


def notify(event: str, session: DbSession, row: Any) -> None:
    """Tell every listener of `event` (the services call this; see the module docstring)."""
    for listener in list(_listeners[event]):
        listener(session, row)
