"""What every feature's views share: one way to run a service call for a form."""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from lms.core.db import db
from lms.core.notices import notify
from lms.core.services import ServiceError

T = TypeVar("T")


def service_call(action: Callable[[], T], success: str, *, near: str | None = None) -> tuple[T | None, bool]:
    """Run a service call; commit and show `success`, or roll back and show the rule's message.

    With `near`, the message shows inside the element with that id on the next page (lms/core/notices.py).
    """
    try:
        result = action()
    except ServiceError as exc:
        db.session.rollback()
        notify(str(exc), "error", near=near)
        return None, False
    db.session.commit()
    notify(success, "success", near=near)
    return result, True
