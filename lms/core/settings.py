"""Site settings an admin may change in the UI, over the configured defaults.

Only the keys in EDITABLE can be changed here; everything else comes from
configuration. Values are cached per process for a few seconds, so that pages
do not query the database for the site name.
"""
from __future__ import annotations

import re
import threading
import time
from typing import Any

from flask import current_app
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.core.db import db
from lms.core.models import SiteSetting, utcnow

#: A colour setting: "#" and six hex digits (it lands in CSS, so nothing else is let through).
COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def is_colour(value: object) -> bool:
    """Whether `value` is a colour a setting may hold."""
    return isinstance(value, str) and COLOUR.fullmatch(value) is not None

#: key -> (label, kind) for the admin settings form.
EDITABLE: dict[str, tuple[str | LazyString, str]] = {
    "SITE_NAME": (_l("Site name"), "text"),
    "CHARITY_NAME": (_l("Charity name"), "text"),
    "CHARITY_NUMBER": (_l("Charity number"), "text"),
    "REGISTRATION": (_l("Registration"), "choice:open,invite"),
    "STAFF_SECOND_FACTOR": (_l("Second factor for staff (trainers and admins)"), "choice:optional,required"),
    "CERTIFICATE_SIGNATORY": (_l("Default certificate signatory (name and role)"), "text"),
    "CERTIFICATE_PRIMARY_COLOUR": (_l("Certificate colour (#rrggbb)"), "colour"),
    "CERTIFICATE_LANGUAGES": (_l("Certificate language: the holder's own, or bilingual "
                                 "(Welsh and English side by side)"),
                              "choice:holder,bilingual"),
    "SUPPORT_INTRO": (_l("Support page introduction"), "textarea"),
    "ORG": (_l("Organisation details used in the training (one name = value per line)"), "org"),
}
CACHE_SECONDS = 5.0

_lock = threading.Lock()


def _cache() -> dict[str, Any]:
    # Per app, so that two apps (tests, or a CLI beside a server) never share values.
    return current_app.extensions.setdefault("lms_settings", {"values": {}, "until": 0.0, "version": 0})


def _overrides() -> dict[str, Any]:
    cache = _cache()
    now = time.monotonic()
    if now >= cache["until"]:
        with _lock:
            rows = db.session.execute(select(SiteSetting.key, SiteSetting.value)).all()
            values = dict(rows)
            if values != cache["values"]:
                cache["values"], cache["version"] = values, cache["version"] + 1
            cache["until"] = now + CACHE_SECONDS
    return cache["values"]


def version() -> int:
    """A number that changes whenever the values this process serves do ."""
    _overrides()
    return _cache()["version"]


def get(key: str) -> Any:
    """The admin's value for an editable key, else the configured one."""
    if key in EDITABLE:
        overrides = _overrides()
        if key in overrides:
            return overrides[key]
    return current_app.config.get(key)


def put(key: str, value: Any, by_user_id: int | None) -> None:
    """Store an override (in the caller's transaction) and drop this process's cache."""
    if key not in EDITABLE:
        raise KeyError(key)
    row = db.session.get(SiteSetting, key)
    if row is None:
        db.session.add(SiteSetting(key=key, value=value, updated_by_id=by_user_id))
    else:
        row.value, row.updated_by_id, row.updated_at = value, by_user_id, utcnow()
    clear_cache()


def clear_cache() -> None:
    _cache()["until"] = 0.0
