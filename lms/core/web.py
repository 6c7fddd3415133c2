"""What every feature's views share: one way to run a service call for a form."""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import flash

from lms.core.db import db
from lms.core.services import ServiceError

T = TypeVar("T")


def service_call(action: Callable[[], T], success: str) -> tuple[T | None, bool]:
    """Run a service call; commit and flash `success`, or roll back and flash the rule's message."""
    try:
        result = action()
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return None, False
    db.session.commit()
    flash(success, "success")
    return result, True
